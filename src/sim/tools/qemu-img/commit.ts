// qemu-img commit and rebase: moving data down a backing chain, and switching an overlay to another
// backing file while (safe mode) keeping what the guest sees.
import type { DiskImage } from "../../model/image";
import { contentOf, readChain, writeImage, writeRuns } from "../../model/image/io";
import { blockStatus } from "../../model/image/status";
import { addRef, freshLayout, l2Coverage, l2ForWrite, type Qcow2Image } from "../../model/image/qcow2";
import { within } from "../../model/image/extents";
import { qcow2Allocated } from "../../model/image/formats";
import { chainGuest, withGuestView, withoutGuest } from "../../model/image/guest";
import { resolvePath } from "../../model/fs";
import { checkCache } from "./inspect";
import { imageOpts } from "./info";
import { combinePath, RAW_PROBE_WARNING, type Layer } from "./open";
import { Progress } from "./progress";
import type { Run } from "./run";
import { cvtnum } from "./size";
import { resizeCommandCore } from "./resize";
import { ALL_DRIVERS } from "../../model/image/formats";

/**
 * The active commit job (a mirror of the top into the base): every granule (the base's cluster size, at
 * least 4 KiB) that a layer above the base allocates is marked dirty, then the dirty ranges are handled in
 * offset order as the whole chain's block status says: data is copied in pieces of up to 1 MiB, zeroes
 * that cover whole clusters of the base are written as zeroes that may unmap (freeing the base's clusters).
 */
function commitInto(chain: DiskImage[], baseIdx: number): DiskImage {
  let base = chain[baseIdx]!;
  const above = chain.slice(0, baseIdx);
  // the commit job grows a smaller base to the top image's size first
  if (base.virtualSize < chain[0]!.virtualSize) {
    const grown = base.format === "qcow2" ? resizeCommandCore(base, chain[0]!.virtualSize) : { ...base, virtualSize: chain[0]!.virtualSize, fileLength: base.format === "raw" ? chain[0]!.virtualSize : base.fileLength };
    if (typeof grown !== "string") base = grown;
  }
  const size = Math.min(chain[0]!.virtualSize, base.virtualSize);
  const below = chain.slice(baseIdx + 1);
  const gran = Math.max(4096, base.clusterSize ?? 0);
  const baseCluster = base.clusterSize ?? 512;
  // dirty granules
  const dirty: number[][] = [];
  for (const r of readChain(above, 0, size)) {
    if (!r.ext) continue;
    const s0 = Math.floor(r.off / gran) * gran;
    const t0 = Math.min(size, Math.ceil((r.off + r.len) / gran) * gran);
    const last = dirty[dirty.length - 1];
    if (last && s0 <= last[1]!) last[1] = Math.max(last[1]!, t0);
    else dirty.push([s0, t0]);
  }
  const MAX_IO = 1 << 20;
  for (const [s0, t0] of dirty) {
    for (let at = s0!; at < t0!; ) {
      const whole = [...above, base, ...below];
      const st = blockStatus(whole, at, t0!)[0]!;
      let io = st.data ? Math.min(st.len, MAX_IO) : st.len;
      io -= io % gran;
      let method: "copy" | "zero" = "copy";
      if (io < gran) io = Math.min(gran, t0! - at);
      // zeroes (or nothing: discarded, which reads back as zeroes here) over whole clusters of the base
      else if (!st.data && at % baseCluster === 0 && (io % baseCluster === 0 || at + io === base.virtualSize)) method = "zero";
      if (method === "zero") base = writeImage([base, ...below], at, io, { kind: "zero", unmap: true });
      else base = writeRuns([base, ...below], contentOf(whole, at, at + io));
      at += io;
    }
  }
  return base;
}

/** qcow2_make_empty(): a v3 image without snapshots is reset to a fresh file; otherwise clusters are discarded. */
export function makeEmpty(image: DiskImage): DiskImage {
  // nothing of the guest's stays in an emptied image: its backing file's view shows through
  const img = withoutGuest(image);
  if (img.format !== "qcow2" || !img.layout) return { ...img, data: [] };
  const l = img.layout;
  const l1Clusters = Math.ceil((l.l1Size * 8) / l.cs);
  if (img.qcow2?.compat === "1.1" && !img.snapshots?.length && !img.qcow2.bitmaps.length) {
    const fresh = freshLayout({ cs: l.cs, refcountBits: l.refcountBits, extendedL2: l.l2Entry === 16, virtualSize: img.virtualSize });
    const out: DiskImage = { ...img, data: [], layout: { ...fresh.layout, next: 0 }, fileLength: (3 + l1Clusters) * l.cs };
    out.allocated = qcow2Allocated(out);
    return out;
  }
  // every active cluster is discarded for good (full discard: back to unallocated), one L2 table at a
  // time; qcow2_cluster_discard() first makes each L2 table writable, allocating missing ones and copying
  // ones a snapshot shares
  const q: Qcow2Image = { layout: { ...l, rc: l.rc.map((r) => ({ ...r })), rb: [...l.rb], l2: { ...l.l2 } }, fileLength: img.fileLength };
  const cov = l2Coverage(l);
  const data = img.data ?? [];
  for (let i = 0; i * cov < img.virtualSize; i++) {
    l2ForWrite(q, i);
    for (const e of within(data, i * cov, (i + 1) * cov)) {
      if (e.host === undefined) continue;
      if (e.comp) {
        if (e.off % l.cs === 0) addRef(q.layout, Math.floor(e.host / l.cs), 1, -1);
      }
      else addRef(q.layout, Math.floor(e.host / l.cs), Math.ceil(e.len / l.cs), -1);
    }
  }
  const res: DiskImage = { ...img, data: [], layout: q.layout, fileLength: q.fileLength };
  res.allocated = qcow2Allocated(res);
  return res;
}

export function commitCommand(run: Run, argv: string[]): number {
  let drop = false;
  const a = run.getopt(
    argv,
    ":f:ht:b:dpqr:",
    [
      { name: "help", arg: "none", key: "h" },
      { name: "object", arg: "required", key: "object" },
      { name: "image-opts", arg: "none", key: "image-opts" },
    ],
    (o) => {
      if (o.key === "b" || o.key === "d") drop = true;
      if (o.key === "r") {
        const c = cvtnum("rate limit", o.arg!);
        if (!c.ok) {
          for (const l of c.lines) run.report(l);
          throw run.exit(1);
        }
      }
    },
  );
  const quiet = a.has("q");
  const progress = new Progress(a.has("p") && !quiet, 1);
  if (a.operands.length !== 1) run.usage("Expecting one image file name");
  let file = a.operands[0]!;
  checkCache(run, a.get("t"), "cache");
  let fmt = a.get("f");
  if (a.has("image-opts")) ({ name: file, format: fmt } = imageOpts(run, file, fmt));
  const chain = run.open(file, { ...(fmt !== undefined ? { format: fmt } : {}), write: true });
  if (chain[0]!.probedRaw) run.stderr(RAW_PROBE_WARNING(file));
  progress.print(0, 100);
  const base = a.get("b");
  let baseIdx: number;
  let error: string | undefined;
  if (base !== undefined) {
    baseIdx = findBacking(run, chain, base);
    if (baseIdx < 0) error = `Did not find '${base}' in the backing chain of '${file}'`;
  } else {
    baseIdx = chain.length > 1 ? 1 : -1;
    if (baseIdx < 0) error = "Image does not have a backing file";
  }
  if (error) {
    progress.end();
    run.stdout(progress.text);
    return run.fail(error);
  }
  const imgs = chain.map((l) => l.image);
  // the base now holds what the chain down to it showed, the guest's files included
  const committed = withGuestView(commitInto(imgs, baseIdx), chainGuest(imgs.slice(0, baseIdx + 1)), imgs.slice(baseIdx + 1));
  run.saveLayer(chain[baseIdx]!, committed);
  if (!drop && chain[0]!.native) run.saveLayer(chain[0]!, makeEmpty(imgs[0]!));
  for (let i = 0; i < 3; i++) progress.print(0, 0);
  progress.print(100, 0);
  progress.print(100, 0);
  progress.end();
  run.stdout(progress.text);
  if (!quiet) run.stdout("Image committed.\n");
  return 0;
}

/**
 * bdrv_find_backing_image(): the chain index of the image some layer records as `name`, or whose path
 * `name` gives when taken relative to that layer's directory.
 */
export function findBacking(run: Run, chain: Layer[], name: string): number {
  for (let i = 0; i + 1 < chain.length; i++) {
    const layer = chain[i]!;
    if (layer.image.backingFile === name) return i + 1;
    const candidate = resolvePath(run.cwd, combinePath(layer.name, name));
    if (run.exists(candidate) && candidate === chain[i + 1]!.abs) return i + 1;
  }
  return -1;
}

const IO_BUF = 2 << 20;

/** Write into the overlay, sector by sector, what the old backing chain reads where the new one differs. */
function copyDifferences(img: DiskImage, oldChain: DiskImage[], newChain: DiskImage[], start: number, end: number, size: number): DiskImage {
  const oldRuns = oldChain.length ? contentOf(oldChain, start, Math.min(end, oldChain[0]!.virtualSize)) : [];
  const newRuns = newChain.length ? contentOf(newChain, start, Math.min(end, newChain[0]!.virtualSize)) : [];
  const at = (runs: typeof oldRuns, off: number) => runs.find((r) => r.off <= off && off < r.off + r.len);
  const cuts = [...new Set([start, end, ...oldRuns.flatMap((r) => [r.off, r.off + r.len]), ...newRuns.flatMap((r) => [r.off, r.off + r.len])])].filter((c) => c >= start && c <= end).sort((x, y) => x - y);
  const oldSize = oldChain.length ? oldChain[0]!.virtualSize : 0;
  for (let i = 0; i + 1 < cuts.length; i++) {
    const s0 = cuts[i]!;
    const t0 = cuts[i + 1]!;
    const o = at(oldRuns, s0);
    const nn = at(newRuns, s0);
    const oldPat = o ? o.pat ?? 0 : 0;
    const newPat = nn ? nn.pat ?? 0 : 0;
    if (oldPat === newPat) continue;
    const s = Math.floor(s0 / 512) * 512;
    const t = Math.min(size, Math.ceil(t0 / 512) * 512);
    img = writeImage([img, ...oldChain], s, t - s, s0 >= oldSize ? { kind: "zero" } : { kind: "data", pat: oldPat });
  }
  return img;
}

export function rebaseCommand(run: Run, argv: string[]): number {
  const a = run.getopt(argv, ":hf:F:b:upt:T:qU", [
    { name: "help", arg: "none", key: "h" },
    { name: "object", arg: "required", key: "object" },
    { name: "image-opts", arg: "none", key: "image-opts" },
    { name: "force-share", arg: "none", key: "U" },
  ]);
  const quiet = a.has("q");
  const unsafe = a.has("u");
  const newBase = a.get("b");
  const newFmt = a.get("F");
  if (a.operands.length !== 1) run.usage("Expecting one image file name");
  if (!unsafe && newBase === undefined) run.usage("Must specify backing file (-b) or use unsafe mode (-u)");
  let file = a.operands[0]!;
  const progress = new Progress(a.has("p") && !quiet, 2);
  progress.print(0, 100);
  const done = (code: number) => {
    progress.end();
    run.stdout(progress.text);
    return code;
  };
  const cache = a.get("t");
  if (cache !== undefined && !["none", "off", "writeback", "writethrough", "directsync", "unsafe"].includes(cache)) {
    run.report(`Invalid cache option: ${cache}`);
    return done(1);
  }
  const src = a.get("T");
  if (src !== undefined && !["none", "off", "writeback", "writethrough", "directsync", "unsafe"].includes(src)) {
    run.report(`Invalid source cache option: ${src}`);
    return done(1);
  }
  let fmt = a.get("f");
  if (a.has("image-opts")) ({ name: file, format: fmt } = imageOpts(run, file, fmt));
  const o = run.tryOpen(file, { ...(fmt !== undefined ? { format: fmt } : {}), write: true, noBacking: unsafe });
  if (!o.ok) {
    for (const w of o.warnings) run.stderr(w);
    run.report(o.message);
    return done(1);
  }
  const chain = o.chain;
  const top = chain[0]!;
  if (top.probedRaw) run.stderr(RAW_PROBE_WARNING(file));
  if (newFmt !== undefined && !ALL_DRIVERS.includes(newFmt)) {
    run.report(`Invalid format name: '${newFmt}'`);
    return done(1);
  }
  let img = top.image;
  if (!unsafe) {
    let newChain: DiskImage[] = [];
    const oldView = chainGuest(chain.map((l) => l.image));
    // rebasing onto an image already below us: only what the images in between hold needs copying
    let prefix = -1;
    if (newBase !== "") {
      const full = combinePath(file, newBase!);
      prefix = findBacking(run, chain, full);
      if (prefix > 0) newChain = chain.slice(prefix).map((l) => l.image);
      else {
        const nb = run.tryOpen(full, { ...(newFmt !== undefined ? { format: newFmt } : {}), forceShare: a.has("U") });
        if (!nb.ok) {
          run.report(`Could not open new backing file '${newBase}': ${nb.bare}`);
          return done(1);
        }
        // the image itself is open for writing: finding it again in the new chain (unless -U shares it) fails
        const self = a.has("U") ? -1 : nb.chain.findIndex((l) => l.abs === top.abs);
        if (self >= 0) {
          run.report(`Could not open new backing file '${newBase}': ${"Could not open backing file: ".repeat(self)}Failed to get shared "write" lock\nIs another process using the image [${nb.chain[self]!.name}]?`);
          return done(1);
        }
        newChain = nb.chain.map((l) => l.image);
      }
    }
    const oldChain = chain.slice(1).map((l) => l.image);
    const size = img.virtualSize;
    const step = size ? 100 / Math.floor(size / Math.min(size, IO_BUF)) : 0;
    // as qemu-img walks the overlay: 2 MiB at a time, skipping what it holds itself (no progress for that)
    for (let offset = 0; offset < size; ) {
      let n = Math.min(IO_BUF, size - offset);
      const here = readChain([img, ...oldChain], offset, offset + n);
      const first = here[0]!;
      const own = first.depth === 0 && !!first.ext;
      let k = 0;
      let len = 0;
      while (k < here.length && (here[k]!.depth === 0 && !!here[k]!.ext) === own) len += here[k++]!.len;
      n = len;
      if (own) {
        offset += n;
        continue;
      }
      if (prefix > 0) {
        // unchanged since the new backing file (not allocated in any image in between): nothing to do
        const between = here.slice(0, k).some((r) => r.ext && r.depth > 0 && r.depth < prefix);
        if (!between) {
          offset += n;
          continue;
        }
      }
      img = copyDifferences(img, oldChain, newChain, offset, offset + n, size);
      progress.print(step, 100);
      offset += n;
    }
    // what the guest saw stays what it sees over the new backing chain
    img = withGuestView(img, oldView, newChain);
  }
  let error: string | undefined;
  if (!top.native || !["qcow2", "qed", "qcow"].includes(img.format)) error = `Could not change the backing file to '${newBase ?? ""}': Operation not supported`;
  else if (newBase !== undefined && newBase !== "" && newFmt === undefined) error = `Could not change the backing file to '${newBase}': backing format must be specified`;
  if (top.native) {
    const changed: DiskImage = { ...img };
    if (!error) {
      if (newBase !== undefined && newBase !== "") {
        changed.backingFile = newBase;
        // QED records only "raw" (no probing); other formats keep the name
        if (img.format !== "qed" || newFmt === "raw") changed.backingFormat = newFmt!;
        else delete changed.backingFormat;
      } else {
        delete changed.backingFile;
        delete changed.backingFormat;
      }
    }
    if (changed !== top.image) run.saveLayer(top, changed);
  }
  if (error) run.report(error);
  progress.print(100, 0);
  return done(error ? 1 : 0);
}
