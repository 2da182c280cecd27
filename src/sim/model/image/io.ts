// Guest I/O on an image and its backing chain: reading what the guest sees, writing data or zeroes and
// discarding, the way QEMU's drivers allocate clusters (copy-on-write from the backing file included).
import type { DiskImage } from "../image";
import { markDirty } from "./bitmaps";
import { alignOut, firstAfter, normalize, overwrite, slice, within, type Extent } from "./extents";
import { FORMATS, qcow2Allocated, roundUp } from "./formats";
import { addRef, allocBytes, l2Coverage, l2ForWrite, type Qcow2Image } from "./qcow2";

/** What one range of a chain reads as, and from which layer (0 = top). */
export interface ReadRun {
  off: number;
  len: number;
  depth: number;
  /** The extent of layer `depth` that holds the bytes (clipped), if any. */
  ext?: Extent;
  /** Raw file hole or unwritten area: reads zero, but is present in that layer. */
  hole?: boolean;
}

/** Formats whose unallocated ranges are holes of a plain file rather than "look in the backing file". */
export const isFlat = (img: DiskImage) => flatBase(img) !== undefined;

/**
 * Where guest offset 0 sits in the file for images stored flat (raw, fixed VHD, static VDI, flat VMDK
 * extents); undefined for images that allocate as they go.
 */
export function flatBase(img: DiskImage): number | undefined {
  if (img.format === "raw" || img.format === "luks" || img.format === "file") return 0;
  if (img.format === "vpc" && img.vpc?.subformat === "fixed") return 0;
  if (img.format === "vdi" && img.vdi?.static) return img.fileLength - Math.ceil(img.virtualSize / (1 << 20)) * (1 << 20);
  if (img.format === "vmdk" && img.vmdk && /Flat$/.test(img.vmdk.createType)) return 0;
  return undefined;
}

/**
 * The extent files of a vmdk described by a text descriptor (monolithicFlat, twoGbMaxExtent*): each one's
 * first guest byte; undefined for single-file images. Host offsets of such images are within the extent.
 */
export function vmdkExtentStarts(img: DiskImage): number[] | undefined {
  const ext = img.vmdk?.extents;
  if (img.format !== "vmdk" || !ext || !ext.length || ext[0]!.filename === "") return undefined;
  const starts: number[] = [];
  let at = 0;
  for (const e of ext) {
    starts.push(at);
    at += e.virtualSize;
  }
  return starts;
}

/** Index of the extent holding guest offset `off` (see vmdkExtentStarts). */
export function extentAt(starts: number[], off: number): number {
  let i = 0;
  while (i + 1 < starts.length && starts[i + 1]! <= off) i++;
  return i;
}

/** Runs cut where a descriptor vmdk's extents begin. */
function cutAtExtents(img: DiskImage, runs: Extent[]): Extent[] {
  const starts = vmdkExtentStarts(img);
  if (!starts || starts.length < 2) return runs;
  const out: Extent[] = [];
  for (const r of runs) {
    let off = r.off;
    const end = r.off + r.len;
    while (off < end) {
      const i = extentAt(starts, off);
      const stop = Math.min(end, i + 1 < starts.length ? starts[i + 1]! : end);
      out.push(slice(r, off, stop)!);
      off = stop;
    }
  }
  return out;
}

/** Where guest offset `off` of a flat image sits in its (extent) file. */
function flatHost(img: DiskImage, off: number, base: number): number {
  const starts = vmdkExtentStarts(img);
  return starts ? off - starts[extentAt(starts, off)]! : off + base;
}

/** Flat formats whose driver reports every block as allocated data (the file's holes then read as zero). */
export const allocatedFlat = (img: DiskImage) => (img.format === "vdi" && !!img.vdi?.static) || (img.format === "vmdk" && !!img.vmdk && /Flat$/.test(img.vmdk.createType));

/** Read [start, end) of a chain (top first): runs in order, covering the range. */
export function readChain(chain: readonly DiskImage[], start: number, end: number, depth = 0): ReadRun[] {
  const img = chain[depth];
  if (!img || end <= start) return [];
  const out: ReadRun[] = [];
  let cur = start;
  const fill = (to: number) => {
    if (to <= cur) return;
    const below = chain[depth + 1];
    if (!isFlat(img) && below) {
      const lim = Math.min(to, below.virtualSize);
      if (lim > cur) out.push(...readChain(chain, cur, lim, depth + 1));
      if (to > Math.max(cur, lim)) out.push({ off: Math.max(cur, lim), len: to - Math.max(cur, lim), depth });
    } else out.push({ off: cur, len: to - cur, depth, ...(isFlat(img) ? { hole: true } : {}) });
    cur = to;
  };
  for (const e of within(img.data ?? [], start, end)) {
    fill(e.off);
    out.push({ off: e.off, len: e.len, depth, ext: e });
    cur = e.off + e.len;
  }
  fill(end);
  return out;
}

/** Content of a read run: a pattern, or 0 for zeroes. */
export const runContent = (r: ReadRun): number | string => (r.ext && r.ext.kind === "data" ? r.ext.pat ?? 0 : 0);

/** The chain's content over [start, end) as plain data runs (no host offsets), for copying. */
export function contentOf(chain: readonly DiskImage[], start: number, end: number): Extent[] {
  return normalize(readChain(chain, start, end).map((r) => ({ off: r.off, len: r.len, kind: "data" as const, pat: runContent(r) })));
}

/** First offset in [start, end) where two chains read differently, or -1. */
export function firstDifference(a: readonly DiskImage[], b: readonly DiskImage[], start: number, end: number): number {
  const ra = contentOf(a, start, end);
  const rb = contentOf(b, start, end);
  let i = 0;
  let j = 0;
  while (i < ra.length && j < rb.length) {
    const x = ra[i]!;
    const y = rb[j]!;
    const s = Math.max(x.off, y.off);
    if (x.pat !== y.pat) return s;
    const end = Math.min(x.off + x.len, y.off + y.len);
    if (x.off + x.len === end) i++;
    if (y.off + y.len === end) j++;
  }
  return -1;
}

// ------------------------------------------------------------------------------------------- writes

export type WriteContent = { kind: "data"; pat: number | string } | { kind: "zero"; unmap?: boolean };

const grainOf = (img: DiskImage) => (FORMATS[img.format]?.grain(img) ?? 4096);

/** A working copy of an image that write operations mutate; `commit()` returns the new image. */
function workOn(img: DiskImage) {
  const layout = img.layout ? { ...img.layout, rc: img.layout.rc.map((r) => ({ ...r })), rb: [...img.layout.rb], l2: { ...img.layout.l2 } } : undefined;
  const q: Qcow2Image | undefined = layout ? { layout, fileLength: img.fileLength } : undefined;
  return { img: { ...img, data: img.data ?? [], ...(layout ? { layout } : {}) } as DiskImage & { data: Extent[] }, q };
}

function finish(w: ReturnType<typeof workOn>): DiskImage {
  const img = w.img;
  if (w.q) {
    img.fileLength = w.q.fileLength;
    img.layout = w.q.layout;
    img.allocated = qcow2Allocated(img);
  }
  return img;
}

/** The host cluster of guest cluster `c` in a qcow2 layer, with its extent, if allocated. */
function hostOf(img: DiskImage, cs: number, c: number): Extent | undefined {
  const e = within(img.data ?? [], c * cs, c * cs + 1)[0];
  return e && e.host !== undefined ? e : undefined;
}

/** Grains [c, c+n) stored at host offsets host, host + g, ... (g: the grain the runs are counted in). */
interface HostRun {
  c: number;
  n: number;
  host: number;
}

/** The refcount of host cluster `hc` and the first cluster after it where the refcount may differ. */
function refcountRun(l: Qcow2Image["layout"], hc: number): { rc: number; until: number } {
  const r = l.rc[firstRc(l, hc)];
  if (!r) return { rc: 0, until: Infinity };
  return r.s <= hc ? { rc: r.rc, until: r.s + r.n } : { rc: 0, until: r.s };
}

function firstRc(l: Qcow2Image["layout"], c: number): number {
  let lo = 0;
  let hi = l.rc.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const r = l.rc[mid]!;
    if (r.s + r.n <= c) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * How many clusters from `c` (before `stop`) a write can update in place (a host cluster of this layer's own,
 * refcount 1), as one run of consecutive host clusters; 0 if cluster `c` needs a new one. Its first host offset.
 */
function inPlaceRun(data: Extent[], l: Qcow2Image["layout"], c: number, stop: number): HostRun {
  const cs = l.cs;
  let k = c;
  let base = -1;
  for (let i = firstAfter(data, c * cs); k < stop && i < data.length; ) {
    const x = data[i]!;
    if (x.off + x.len <= k * cs) {
      i++;
      continue;
    }
    if (x.off > k * cs || x.host === undefined || x.comp) break;
    const h = x.host + (k * cs - x.off);
    if (base < 0) base = h;
    else if (h !== base + (k - c) * cs) break;
    const hc = Math.floor(h / cs);
    const r = refcountRun(l, hc);
    if (r.rc !== 1) break;
    k = Math.min(stop, Math.ceil((x.off + x.len) / cs), k + (r.until - hc));
  }
  return { c, n: k - c, host: base };
}

/** How many clusters from `c` (before `stop`) cannot be updated in place: no host cluster, compressed, shared. */
function newClustersRun(data: Extent[], l: Qcow2Image["layout"], c: number, stop: number): number {
  const cs = l.cs;
  let k = c;
  for (let i = firstAfter(data, c * cs); k < stop; ) {
    const x = data[i];
    if (!x) return stop - c;
    if (x.off + x.len <= k * cs) {
      i++;
      continue;
    }
    if (x.off > k * cs) {
      // clusters whose first byte no run covers
      k = Math.min(stop, Math.ceil(x.off / cs));
      continue;
    }
    const kEnd = Math.min(stop, Math.ceil((x.off + x.len) / cs));
    if (x.host === undefined || x.comp) {
      k = kEnd;
      continue;
    }
    const hc = Math.floor((x.host + (k * cs - x.off)) / cs);
    const r = refcountRun(l, hc);
    if (r.rc === 1) break;
    k = Math.min(kEnd, k + (r.until - hc));
  }
  return k - c;
}

/**
 * Walk guest clusters [c, e) (size cs) in runs whose first bytes one extent covers: fn(k, kEnd, x) with x that
 * extent, or undefined for clusters whose first byte no extent covers.
 */
function eachClusterRun(data: Extent[], cs: number, c: number, e: number, fn: (k: number, kEnd: number, x: Extent | undefined) => void): void {
  let k = c;
  for (let i = firstAfter(data, c * cs); k < e; ) {
    const x = data[i];
    if (x && x.off + x.len <= k * cs) {
      i++;
      continue;
    }
    const kEnd = !x ? e : x.off > k * cs ? Math.min(e, Math.ceil(x.off / cs)) : Math.min(e, Math.ceil((x.off + x.len) / cs));
    fn(k, kEnd, x && x.off <= k * cs ? x : undefined);
    k = kEnd;
  }
}

/** Drop this layer's references to the host clusters behind guest clusters [c, e) (each cluster's first byte). */
function releaseClusters(q: Qcow2Image, data: Extent[], c: number, e: number): void {
  const cs = q.layout.cs;
  eachClusterRun(data, cs, c, e, (k, kEnd, x) => {
    if (x?.host === undefined) return;
    // a compressed run keeps one host offset: each of its clusters drops a reference to that one
    if (x.comp) for (let j = k; j < kEnd; j++) addRef(q.layout, Math.floor(x.host / cs), 1, -1);
    else addRef(q.layout, Math.floor((x.host + (k * cs - x.off)) / cs), kEnd - k, -1);
  });
}

/**
 * Give the qcow2 clusters [c0, c1) host clusters for a write: in place where the cluster is ours alone,
 * freshly allocated (one contiguous run per L2 table) otherwise. Returns the host runs, in guest order.
 */
function mapQcow2Clusters(w: ReturnType<typeof workOn>, c0: number, c1: number): HostRun[] {
  const q = w.q!;
  const l = q.layout;
  const cs = l.cs;
  const data = w.img.data;
  const per = l2Coverage(l) / cs;
  const out: HostRun[] = [];
  let c = c0;
  while (c < c1) {
    const l1 = Math.floor(c / per);
    const stop = Math.min(c1, (l1 + 1) * per);
    l2ForWrite(q, l1);
    while (c < stop) {
      const own = inPlaceRun(data, l, c, stop);
      if (own.n > 0) {
        out.push(own);
        c += own.n;
        continue;
      }
      const n = newClustersRun(data, l, c, stop);
      const base = allocBytes(q, n * cs);
      releaseClusters(q, data, c, c + n);
      out.push({ c, n, host: base });
      c += n;
    }
  }
  return out;
}

/** Append-allocate `n` grains for formats that grow at the end of the file; returns host offsets. */
function appendGrains(img: DiskImage, first: number, n: number, g: number): number[] {
  const hosts: number[] = [];
  for (let k = 0; k < n; k++) {
    switch (img.format) {
      case "vpc":
        // a block is its sector bitmap plus the data; only written sectors take space in the file
        hosts.push(img.fileLength);
        img.fileLength += g + 512;
        img.allocated += 4096;
        break;
      case "vhdx": {
        const at = roundUp(img.fileLength, 1 << 20);
        hosts.push(at);
        img.fileLength = at + g;
        break;
      }
      case "vmdk": {
        // descriptor-based sparse extents: each extent file grows at its own end
        const starts = vmdkExtentStarts(img);
        if (starts) {
          const i = extentAt(starts, (first + k) * g);
          const exts = img.vmdk!.extents.map((e) => ({ ...e }));
          const e = exts[i]!;
          hosts.push(e.fileLength ?? 0);
          e.fileLength = (e.fileLength ?? 0) + g;
          img.vmdk = { ...img.vmdk!, extents: exts };
          img.allocated += g;
          break;
        }
        hosts.push(img.fileLength);
        img.fileLength += g;
        img.allocated += g;
        break;
      }
      default:
        hosts.push(img.fileLength);
        img.fileLength += g;
        img.allocated += g;
    }
  }
  // QED writes the data clusters first, then any L2 table they need, at the end of the file
  if (img.format === "qed") {
    const q = img.qed!;
    const cs = img.clusterSize!;
    const cov = ((q.tableClusters * cs) / 8) * cs;
    const l2 = { ...q.l2 };
    for (let k = 0; k < n; k++) {
      const l1 = Math.floor(((first + k) * g) / cov);
      if (l2[l1] !== undefined) continue;
      l2[l1] = img.fileLength;
      img.fileLength += q.tableClusters * cs;
      img.allocated += q.tableClusters * cs;
    }
    img.qed = { ...q, l2 };
  }
  return hosts;
}

/** Host offsets for grains [g0, g1) of a non-qcow2 image, allocating at the end where needed. */
function mapAppendGrains(img: DiskImage, g0: number, g1: number, g: number): HostRun[] {
  const hosts: number[] = [];
  let c = g0;
  while (c < g1) {
    const e = within(img.data ?? [], c * g, c * g + 1)[0];
    if (e && e.host !== undefined && !e.comp) {
      hosts.push(e.host + (c * g - e.off));
      c++;
      continue;
    }
    let n = 0;
    while (c + n < g1) {
      const f = within(img.data ?? [], (c + n) * g, (c + n) * g + 1)[0];
      if (f && f.host !== undefined && !f.comp) break;
      n++;
    }
    hosts.push(...appendGrains(img, c, n, g));
    c += n;
  }
  return hosts.map((host, k) => ({ c: g0 + k, n: 1, host }));
}

/** Attach host offsets (runs of grains of size g, in guest order, covering the runs) to content runs. */
function placeRuns(runs: Extent[], hosts: HostRun[], g: number): Extent[] {
  const out: Extent[] = [];
  let k = 0;
  for (const r of runs) {
    let off = r.off;
    const end = r.off + r.len;
    while (off < end) {
      while ((hosts[k]!.c + hosts[k]!.n) * g <= off) k++;
      const h = hosts[k]!;
      const stop = Math.min(end, (h.c + h.n) * g);
      out.push({ ...r, off, len: stop - off, host: h.host + (off - h.c * g) });
      off = stop;
    }
  }
  return normalize(out);
}

/** What [start, end) of the top layer reads as before a write: its own runs, else the chain below. */
function currentContent(chain: readonly DiskImage[], top: DiskImage, start: number, end: number): Extent[] {
  const runs = readChain([top, ...chain.slice(1)], start, end);
  return runs.map((r) => ({ off: r.off, len: r.len, kind: "data" as const, pat: runContent(r) }));
}

/** Write guest data to the top image of `chain` (top first); returns the new top image. */
export function writeImage(chain: readonly DiskImage[], off: number, len: number, content: WriteContent): DiskImage {
  const top = chain[0]!;
  const end = Math.min(off + len, top.virtualSize);
  if (end <= off) return top;
  if (content.kind === "zero") return markDirty(writeZeroes(chain, off, end, !!content.unmap), off, end - off);
  return markDirty(writeData(chain, off, end, [{ off, len: end - off, kind: "data", pat: content.pat }]), off, end - off);
}

/** One write request of mixed content: `runs` (data runs, in order, without gaps) cover [off, off+len). */
export function writeRuns(chain: readonly DiskImage[], runs: readonly Extent[]): DiskImage {
  const top = chain[0]!;
  if (!runs.length) return top;
  const off = runs[0]!.off;
  const end = Math.min(runs[runs.length - 1]!.off + runs[runs.length - 1]!.len, top.virtualSize);
  if (end <= off) return top;
  const clipped = runs.flatMap((r) => (r.off < end ? [{ off: r.off, len: Math.min(r.len, end - r.off), kind: "data" as const, pat: r.kind === "zero" ? 0 : r.pat ?? 0 }] : []));
  return markDirty(writeData(chain, off, end, normalize(clipped)), off, end - off);
}

function writeData(chain: readonly DiskImage[], off: number, end: number, content: Extent[]): DiskImage {
  const w = workOn(chain[0]!);
  const img = w.img;
  const base = flatBase(img);
  const g = base !== undefined ? 4096 : grainOf(img);
  // flat files allocate whole filesystem blocks, counted in file offsets
  const [a0, b0] = base !== undefined ? alignOut(off + base, end + base, g).map((x) => x - base) as [number, number] : alignOut(off, end, g);
  const a = Math.max(0, a0);
  const b = Math.min(b0, img.virtualSize);
  // new content for the whole grains: what was there (or below, for copy-on-write), then the write
  const runs = overwrite(normalize(currentContent(chain, img, a, b)), off, end, content);
  const g0 = Math.floor(a / g);
  const g1 = Math.ceil(b / g);
  let placed: Extent[];
  if (base !== undefined) {
    placed = cutAtExtents(img, runs).map((r) => ({ ...r, host: flatHost(img, r.off, base) }));
    img.allocated += bytesNewlyAllocated(img.data, a, b);
  } else if (w.q) placed = placeRuns(zeroCow(chain, img, runs, off, end, a, b, g), mapQcow2Clusters(w, g0, g1), g);
  else placed = placeRuns(runs, mapAppendGrains(img, g0, g1, g), g);
  img.data = overwrite(img.data, a, b, placed);
  return finish(w);
}

/**
 * handle_alloc_space(): when a write allocates new clusters and the parts of them it does not cover
 * (copy-on-write) read as zeroes through the whole chain, QEMU zeroes the clusters in the file with
 * fallocate (unwritten extents) instead of writing zero buffers; only the 4 KiB blocks the write touches
 * hold data. Marks those parts unwritten.
 */
function zeroCow(chain: readonly DiskImage[], img: DiskImage, runs: Extent[], off: number, end: number, a: number, b: number, cs: number): Extent[] {
  if (cs < 4096 || img.qcow2?.encrypt) return runs;
  const fresh = (c: number) => !hostOf(img, cs, c);
  const head = off > a && fresh(Math.floor(a / cs)) ? [a, off] : undefined;
  const tail = end < b && fresh(Math.floor((b - 1) / cs)) ? [end, b] : undefined;
  if (!head && !tail) return runs;
  const layers = [img, ...chain.slice(1)];
  const readsZero = ([s, t]: number[]) => readChain(layers, s!, t!).every((r) => (!r.ext && !r.hole) || (r.ext?.kind === "zero" && !isFlat(layers[r.depth]!)));
  if ((head && !readsZero(head)) || (tail && !readsZero(tail))) return runs;
  let out = runs;
  const mark = (s: number, t: number) => {
    if (t > s) out = overwrite(out, s, t, [{ off: s, len: t - s, kind: "data", pat: 0, unwritten: true }]);
  };
  if (head) mark(a, Math.floor(off / 4096) * 4096);
  if (tail) mark(Math.ceil(end / 4096) * 4096, b);
  return out;
}

/** Bytes in [a, b) that were holes (not allocated) before a raw write. */
function bytesNewlyAllocated(data: Extent[], a: number, b: number): number {
  let covered = 0;
  for (const e of within(data, a, b)) if (e.host !== undefined) covered += e.len;
  return Math.max(0, b - a - covered);
}

/**
 * Zero writes on formats whose tables can say "zero" (qed zero clusters, vmdk zeroed grains): the block layer
 * splits the request at cluster boundaries; the driver turns whole clusters into zero entries (qed keeps an
 * allocated cluster and writes zeroes into it) and refuses partial ones, which are then written as zeroes.
 */
function zeroGrains(chain: readonly DiskImage[], off: number, end: number): DiskImage {
  let img = chain[0]!;
  const below = chain.slice(1);
  const g = img.clusterSize!;
  const a = Math.min(end, Math.ceil(off / g) * g);
  const b = Math.max(a, Math.floor(end / g) * g);
  const zeroBytes = (s: number, t: number) => {
    if (t > s) img = writeData([img, ...below], s, t, [{ off: s, len: t - s, kind: "data", pat: 0 }]);
  };
  zeroBytes(off, a);
  for (let c = a; c < b; c += g) {
    const held = within(img.data ?? [], c, c + 1)[0];
    if (img.format === "qed" && held?.host !== undefined) {
      zeroBytes(c, c + g);
      continue;
    }
    if (img.format === "qed") img = qedTableFor(img, c);
    img = { ...img, data: overwrite(img.data ?? [], c, c + g, [{ off: c, len: g, kind: "zero" }]) };
  }
  zeroBytes(b, end);
  return img;
}

/** A QED image with the L2 table covering guest offset `off` (appended to the file when missing). */
function qedTableFor(img: DiskImage, off: number): DiskImage {
  const q = img.qed!;
  const cs = img.clusterSize!;
  const cov = ((q.tableClusters * cs) / 8) * cs;
  const l1 = Math.floor(off / cov);
  if (q.l2[l1] !== undefined) return img;
  return { ...img, qed: { ...q, l2: { ...q.l2, [l1]: img.fileLength } }, fileLength: img.fileLength + q.tableClusters * cs, allocated: img.allocated + q.tableClusters * cs };
}

function writeZeroes(chain: readonly DiskImage[], off: number, end: number, unmap: boolean): DiskImage {
  const top = chain[0]!;
  if (top.format === "qcow2" && top.layout) return zeroQcow2(chain, off, end, unmap);
  if ((top.format === "qed" && top.qed) || (top.format === "vmdk" && top.vmdk?.zeroedGrain && top.clusterSize)) return zeroGrains(chain, off, end);
  if (!isFlat(top)) return writeData(chain, off, end, [{ off, len: end - off, kind: "data", pat: 0 }]);
  // a plain file: whole blocks become unwritten (or holes with unmap), partial blocks get zero bytes
  const w = workOn(top);
  const img = w.img;
  const a = Math.ceil(off / 4096) * 4096;
  const b = end === img.virtualSize ? end : Math.floor(end / 4096) * 4096;
  const zeroBytes = (s: number, t: number) => {
    if (t <= s) return;
    img.data = overwrite(img.data, s, t, within(img.data, s, t).map((e) => (e.kind === "data" ? { ...e, pat: 0 } : e)));
  };
  if (b > a) {
    zeroBytes(off, a);
    const held = within(img.data, a, b).reduce((n, e) => n + e.len, 0);
    img.data = overwrite(img.data, a, b, unmap ? [] : [{ off: a, len: b - a, kind: "zero", host: a }]);
    img.allocated = Math.max(0, img.allocated + (unmap ? -held : b - a - held));
    zeroBytes(b, end);
  } else zeroBytes(off, end);
  return finish(w);
}

function zeroQcow2(chain: readonly DiskImage[], off: number, end: number, unmap: boolean): DiskImage {
  let img = chain[0]!;
  const cs = img.clusterSize!;
  const below = chain.slice(1);
  const vs = img.virtualSize;
  const v2 = img.qcow2?.compat === "0.10";
  const backed = below.length > 0 || img.backingFile !== undefined;
  // qcow2 v2 has no zero flag: with a backing file, zeroes must be written as data
  if (v2 && backed) return writeData(chain, off, end, [{ off, len: end - off, kind: "data", pat: 0 }]);
  const cEnd = (c: number) => Math.min((c + 1) * cs, vs);
  const readsZero = (s: number, t: number) => t <= s || contentOf([img, ...below], s, t).every((r) => r.pat === 0);
  const plain = (c: number) => {
    const e = within(img.data ?? [], c * cs, c * cs + 1)[0];
    return !e || e.kind === "zero";
  };
  let zs = Math.floor(off / cs);
  let ze = Math.ceil(end / cs);
  // a partly covered cluster becomes a zero cluster only if the rest of it already reads as zeroes;
  // otherwise QEMU falls back to writing zero bytes there
  const partial = (c: number) => {
    const s = Math.max(off, c * cs);
    const t = Math.min(end, cEnd(c));
    if (s === c * cs && t === cEnd(c)) return true;
    if (plain(c) && readsZero(c * cs, s) && readsZero(t, cEnd(c))) return true;
    if (!(v2 && plain(c))) img = writeData([img, ...below], s, t, [{ off: s, len: t - s, kind: "data", pat: 0 }]);
    return false;
  };
  if (!partial(zs)) zs++;
  if (ze - 1 >= zs && !partial(ze - 1)) ze--;
  if (ze <= zs) return img;
  const w = workOn(img);
  const q = w.q!;
  const per = l2Coverage(q.layout) / cs;
  if (!v2) for (let l1 = Math.floor(zs / per); l1 <= Math.floor((ze - 1) / per); l1++) l2ForWrite(q, l1);
  const runs: Extent[] = [];
  // clusters of our own stay allocated as zero clusters; others lose their host cluster (a run at a time)
  const zeroRun = (k: number, kEnd: number, host?: number) => {
    if (!v2 && kEnd > k) runs.push({ off: k * cs, len: Math.min(kEnd * cs, vs) - k * cs, kind: "zero", ...(host !== undefined ? { host } : {}) });
  };
  const data = w.img.data;
  eachClusterRun(data, cs, zs, ze, (k, kEnd, x) => {
    if (x?.host === undefined) return zeroRun(k, kEnd);
    if (v2 || x.comp || unmap) {
      releaseClusters(q, data, k, kEnd);
      return zeroRun(k, kEnd);
    }
    while (k < kEnd) {
      const h = x.host + (k * cs - x.off);
      const hc = Math.floor(h / cs);
      const r = refcountRun(q.layout, hc);
      const stop = Math.min(kEnd, k + (r.until - hc));
      if (r.rc === 1) zeroRun(k, stop, h);
      else {
        releaseClusters(q, data, k, stop);
        zeroRun(k, stop);
      }
      k = stop;
    }
  });
  w.img.data = overwrite(w.img.data, zs * cs, cEnd(ze - 1), normalize(runs));
  return finish(w);
}

/** Discard [off, off+len) of the top image (qemu-io discard, fstrim in a guest). */
export function discardImage(chain: readonly DiskImage[], off: number, len: number): DiskImage {
  return markDirty(discardTop(chain, off, len), off, len);
}

function discardTop(chain: readonly DiskImage[], off: number, len: number): DiskImage {
  const top = chain[0]!;
  const end = Math.min(off + len, top.virtualSize);
  if (isFlat(top)) {
    const a = Math.ceil(off / 4096) * 4096;
    const b = end === top.virtualSize ? end : Math.floor(end / 4096) * 4096;
    if (b <= a) return top;
    const w = workOn(top);
    const freed = within(w.img.data, a, b).reduce((n, e) => n + (e.host !== undefined ? e.len : 0), 0);
    w.img.data = overwrite(w.img.data, a, b, []);
    w.img.allocated = Math.max(0, w.img.allocated - freed);
    return finish(w);
  }
  if (top.format !== "qcow2") return top;
  const cs = top.clusterSize!;
  const zs = Math.ceil(off / cs);
  const ze = end === top.virtualSize ? Math.ceil(end / cs) : Math.floor(end / cs);
  if (ze <= zs) return top;
  const w = workOn(top);
  const q = w.q!;
  const v3 = top.qcow2?.compat === "1.1";
  const backed = chain.length > 1 || top.backingFile !== undefined;
  const runs: Extent[] = [];
  const data = w.img.data;
  eachClusterRun(data, cs, zs, ze, (k, kEnd, x) => {
    if (x?.host !== undefined) releaseClusters(q, data, k, kEnd);
    if (v3 && (backed || x)) runs.push({ off: k * cs, len: Math.min(kEnd * cs, top.virtualSize) - k * cs, kind: "zero" });
  });
  w.img.data = overwrite(w.img.data, zs * cs, Math.min(ze * cs, top.virtualSize), normalize(runs));
  return finish(w);
}
