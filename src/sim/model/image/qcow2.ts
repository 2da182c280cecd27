// Where a qcow2 image keeps things in its file: refcounted host clusters, the L1 table, L2 tables, refcount
// blocks, snapshot L1 copies and the snapshot table, allocated first-fit as QEMU's qcow2 driver does, so
// that map offsets, check's "Image end offset" and the file length come out as qemu-img shows them.

/** A run of host clusters with the same non-zero refcount. */
export interface RcRun {
  s: number;
  n: number;
  rc: number;
}

export interface Qcow2Layout {
  /** Cluster size, bytes. */
  cs: number;
  refcountBits: number;
  /** Bytes per L2 entry: 8, or 16 with extended_l2. */
  l2Entry: 8 | 16;
  rc: RcRun[];
  /** Active L1 table: host offset (bytes) and entries. */
  l1Offset: number;
  l1Size: number;
  /** Refcount table: host offset and clusters. */
  rtOffset: number;
  rtClusters: number;
  /** Refcount block host clusters by refcount-table index (0 = none). */
  rb: number[];
  /** Host cluster of each active L2 table, by L1 index. */
  l2: Record<number, number>;
  /** Snapshot table: host offset and bytes (0 when there is none). */
  snapOffset: number;
  snapBytes: number;
  /** Bitmap directory: host offset and bytes (0 when there is none). */
  bitmapDirOffset: number;
  bitmapDirBytes: number;
  /** Allocation cursor of the current qemu process (free_cluster_index); reset when an image is opened. */
  next: number;
}

/** What an allocation step changed besides refcounts: how far the file now reaches. */
export interface Qcow2Image {
  layout: Qcow2Layout;
  fileLength: number;
}

export const l2Coverage = (l: Pick<Qcow2Layout, "cs" | "l2Entry">) => (l.cs / l.l2Entry) * l.cs;
export const refblockEntries = (l: Pick<Qcow2Layout, "cs" | "refcountBits">) => (l.cs * 8) / l.refcountBits;
export const sizeToL1 = (l: Pick<Qcow2Layout, "cs" | "l2Entry">, size: number) => Math.ceil(size / l2Coverage(l));

function runIndex(rc: RcRun[], c: number): number {
  let lo = 0;
  let hi = rc.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const r = rc[mid]!;
    if (r.s + r.n <= c) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function refcount(l: Qcow2Layout, c: number): number {
  const r = l.rc[runIndex(l.rc, c)];
  return r && r.s <= c ? r.rc : 0;
}

/** Add `delta` to the refcounts of clusters [s, s+n). Mutates `l` (use on a draft or a fresh copy). */
export function addRef(l: Qcow2Layout, s: number, n: number, delta: number): void {
  if (n <= 0 || delta === 0) return;
  const end = s + n;
  const i = runIndex(l.rc, s);
  let j = i;
  while (j < l.rc.length && l.rc[j]!.s < end) j++;
  const pieces: RcRun[] = [];
  let cur = s;
  for (let k = i; k < j; k++) {
    const r = l.rc[k]!;
    if (r.s < s) pieces.push({ s: r.s, n: s - r.s, rc: r.rc });
    if (r.s > cur) pieces.push({ s: cur, n: r.s - cur, rc: delta });
    const os = Math.max(r.s, s);
    const oe = Math.min(r.s + r.n, end);
    pieces.push({ s: os, n: oe - os, rc: r.rc + delta });
    if (r.s + r.n > end) pieces.push({ s: end, n: r.s + r.n - end, rc: r.rc });
    cur = oe;
  }
  if (cur < end) pieces.push({ s: cur, n: end - cur, rc: delta });
  const merged: RcRun[] = [];
  const before = i > 0 ? l.rc[i - 1] : undefined;
  const after = l.rc[j];
  for (const p of [...(before ? [before] : []), ...pieces, ...(after ? [after] : [])]) {
    if (p.rc <= 0 || p.n <= 0) continue;
    const last = merged[merged.length - 1];
    if (last && last.s + last.n === p.s && last.rc === p.rc) merged[merged.length - 1] = { ...last, n: last.n + p.n };
    else merged.push({ ...p });
  }
  l.rc.splice(before ? i - 1 : i, j - i + (before ? 1 : 0) + (after ? 1 : 0), ...merged);
  if (delta < 0 && s < l.next) l.next = s;
}

/** First run of `n` free clusters at or after `from`. */
function findFree(l: Qcow2Layout, n: number, from: number): number {
  let c = from;
  for (let i = runIndex(l.rc, c); i < l.rc.length; i++) {
    const r = l.rc[i]!;
    if (r.s >= c + n) break;
    if (r.s + r.n > c) c = r.s + r.n;
  }
  return c;
}

/** The highest cluster in use, or -1. */
export function lastUsed(l: Qcow2Layout): number {
  const r = l.rc[l.rc.length - 1];
  return r ? r.s + r.n - 1 : -1;
}

/** Make sure refcount blocks exist for clusters [s, s+n); new blocks go to the next free clusters. */
function coverRefcounts(img: Qcow2Image, s: number, n: number): void {
  const l = img.layout;
  const per = refblockEntries(l);
  for (let idx = Math.floor(s / per); idx <= Math.floor((s + n - 1) / per); idx++) {
    if (l.rb[idx]) continue;
    if (idx >= (l.rtClusters * l.cs) / 8) growRefcountTable(img, idx + 1);
    const c = findFree(l, 1, l.next);
    l.next = c + 1;
    l.rb[idx] = c;
    addRef(l, c, 1, 1);
    img.fileLength = Math.max(img.fileLength, (c + 1) * l.cs);
    coverRefcounts(img, c, 1);
  }
}

function growRefcountTable(img: Qcow2Image, entries: number): void {
  const l = img.layout;
  const clusters = Math.ceil((entries * 8) / l.cs) + 1;
  const old = l.rtOffset / l.cs;
  const oldN = l.rtClusters;
  const c = findFree(l, clusters, l.next);
  l.next = c + clusters;
  addRef(l, c, clusters, 1);
  l.rtOffset = c * l.cs;
  l.rtClusters = clusters;
  img.fileLength = Math.max(img.fileLength, (c + clusters) * l.cs);
  addRef(l, old, oldN, -1);
}

/**
 * Allocate `bytes` (rounded up to clusters) contiguously; `written` is how much of it gets written now
 * (a partly written last cluster leaves the file shorter). Returns the host offset. Mutates `img`.
 */
export function allocBytes(img: Qcow2Image, bytes: number, written = bytes): number {
  const l = img.layout;
  const n = Math.max(1, Math.ceil(bytes / l.cs));
  const c = findFree(l, n, l.next);
  l.next = c + n;
  addRef(l, c, n, 1);
  img.fileLength = Math.max(img.fileLength, c * l.cs + written);
  coverRefcounts(img, c, n);
  return c * l.cs;
}

export function freeBytes(img: Qcow2Image, offset: number, bytes: number): void {
  const l = img.layout;
  if (bytes <= 0) return;
  addRef(l, Math.floor(offset / l.cs), Math.max(1, Math.ceil(bytes / l.cs)), -1);
}

/** The layout of a freshly created qcow2 file: header, refcount table, one refcount block, L1 table. */
export function freshLayout(o: { cs: number; refcountBits: number; extendedL2: boolean; virtualSize: number }): Qcow2Image {
  const layout: Qcow2Layout = {
    cs: o.cs,
    refcountBits: o.refcountBits,
    l2Entry: o.extendedL2 ? 16 : 8,
    rc: [{ s: 0, n: 3, rc: 1 }],
    l1Offset: 0,
    l1Size: 0,
    rtOffset: o.cs,
    rtClusters: 1,
    rb: [2],
    l2: {},
    snapOffset: 0,
    snapBytes: 0,
    bitmapDirOffset: 0,
    bitmapDirBytes: 0,
    next: 0,
  };
  const img: Qcow2Image = { layout, fileLength: 3 * o.cs };
  growL1(img, sizeToL1(layout, o.virtualSize));
  return img;
}

/** qcow2_grow_l1_table(exact): a new, larger L1 table in new clusters; the old one is freed. */
export function growL1(img: Qcow2Image, entries: number): void {
  const l = img.layout;
  if (entries <= l.l1Size) return;
  const bytes = entries * 8;
  const off = allocBytes(img, bytes, bytes);
  if (l.l1Size > 0) freeBytes(img, l.l1Offset, l.l1Size * 8);
  l.l1Offset = off;
  l.l1Size = entries;
}

/** The active L2 table for L1 index `i`, allocating it (or copying a shared one) before data goes in. */
export function l2ForWrite(img: Qcow2Image, i: number): void {
  const l = img.layout;
  const cur = l.l2[i];
  if (cur !== undefined && refcount(l, cur) === 1) return;
  const off = allocBytes(img, l.cs);
  if (cur !== undefined) addRef(l, cur, 1, -1);
  l.l2[i] = off / l.cs;
}

/** Image end offset as `qemu-img check` reports it. */
export const imageEndOffset = (l: Qcow2Layout) => (lastUsed(l) + 1) * l.cs;

/**
 * qcow2_refcount_area(): new refcount blocks (for whatever the growth will need) and a new refcount table
 * placed at cluster `start`, the old table freed; returns the first cluster after that area, where the
 * preallocated data goes (falloc/full preallocation).
 */
export function refcountArea(img: Qcow2Image, start: number, additional: number): number {
  const l = img.layout;
  const per = refblockEntries(l);
  let area = 0;
  let missing: number[] = [];
  let rtClusters = l.rtClusters;
  for (let guard = 0; guard < 8; guard++) {
    const end = start + additional + area;
    missing = [];
    for (let idx = 0; idx * per < end; idx++) if (!l.rb[idx]) missing.push(idx);
    const entries = Math.max(l.rb.length, Math.ceil(end / per));
    rtClusters = Math.max(1, Math.ceil((entries * 8) / l.cs));
    const next = missing.length + rtClusters;
    if (next === area) break;
    area = next;
  }
  let c = start;
  for (const idx of missing) {
    l.rb[idx] = c;
    addRef(l, c, 1, 1);
    c++;
  }
  const oldRt = l.rtOffset / l.cs;
  const oldN = l.rtClusters;
  addRef(l, c, rtClusters, 1);
  l.rtOffset = c * l.cs;
  l.rtClusters = rtClusters;
  c += rtClusters;
  img.fileLength = Math.max(img.fileLength, c * l.cs);
  addRef(l, oldRt, oldN, -1);
  return c;
}

/** Mark clusters [s, s+n) used at exactly that place (qcow2_alloc_clusters_at), extending the file. */
export function allocAt(img: Qcow2Image, s: number, n: number): number {
  addRef(img.layout, s, n, 1);
  img.fileLength = Math.max(img.fileLength, (s + n) * img.layout.cs);
  return s * img.layout.cs;
}
