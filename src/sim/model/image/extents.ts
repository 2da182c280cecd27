// Guest data of one image layer as sorted runs: what each byte range holds (a data pattern or zeroes),
// where it lives in the image file, and pure operations to overwrite, cut and compare such runs.

/**
 * A run of guest bytes stored in one image. Bytes of an image that no run covers are unallocated there:
 * a read falls through to the backing file (or reads zeroes at the bottom of the chain).
 */
export interface Extent {
  /** Guest offset and length, bytes. */
  off: number;
  len: number;
  /** "data": reads back `pat`; "zero": reads as zeroes (qcow2 zero flag, raw unwritten/hole). */
  kind: "data" | "zero";
  /**
   * What the data is: a byte value (qemu-io -P) repeated, or an opaque id for other content (text,
   * another image's metadata read as raw). 0 is zero bytes that are nevertheless allocated data.
   */
  pat?: number | string;
  /** Offset in the image file of this run's first byte, when the format maps it (qcow2, raw, vmdk ...). */
  host?: number;
  /** qcow2 compressed cluster (no usable host offset). */
  comp?: true;
  /** Allocated, but the image file has a hole there (qcow2 preallocation=metadata). */
  sparse?: true;
  /** Allocated in the image file but never written (fallocate): the file reads zeroes there. */
  unwritten?: true;
}

/** Content equality for reading: data of pattern 0 reads the same as a zero run. */
export function sameContent(a: Extent | undefined, b: Extent | undefined): boolean {
  const pa = !a || a.kind === "zero" ? 0 : a.pat ?? 0;
  const pb = !b || b.kind === "zero" ? 0 : b.pat ?? 0;
  return pa === pb;
}

const sameRun = (a: Extent, b: Extent) =>
  a.kind === b.kind && a.pat === b.pat && !!a.comp === !!b.comp && !!a.sparse === !!b.sparse && !!a.unwritten === !!b.unwritten && (a.host === undefined) === (b.host === undefined) && (a.host === undefined || a.host + a.len === b.host);

/** Merge adjacent runs that continue each other (same content, contiguous in the file). */
export function normalize(list: Extent[]): Extent[] {
  const out: Extent[] = [];
  for (const e of list) {
    if (e.len <= 0) continue;
    const last = out[out.length - 1];
    if (last && last.off + last.len === e.off && sameRun(last, e)) out[out.length - 1] = { ...last, len: last.len + e.len };
    else out.push(e);
  }
  return out;
}

/** The part of `e` inside [start, end). */
export function slice(e: Extent, start: number, end: number): Extent | undefined {
  const s = Math.max(e.off, start);
  const t = Math.min(e.off + e.len, end);
  if (t <= s) return undefined;
  const r: Extent = { ...e, off: s, len: t - s };
  if (e.host !== undefined && !e.comp) r.host = e.host + (s - e.off);
  return r;
}

/** Index of the first run ending after `off` (binary search). */
export function firstAfter(list: Extent[], off: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const e = list[mid]!;
    if (e.off + e.len <= off) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Runs overlapping [start, end), clipped to it. */
export function within(list: Extent[], start: number, end: number): Extent[] {
  const out: Extent[] = [];
  for (let i = firstAfter(list, start); i < list.length; i++) {
    const e = list[i]!;
    if (e.off >= end) break;
    const s = slice(e, start, end);
    if (s) out.push(s);
  }
  return out;
}

/** Replace whatever covers [start, end) with `runs` (which must lie inside it); pure. */
export function overwrite(list: Extent[], start: number, end: number, runs: Extent[]): Extent[] {
  const i = firstAfter(list, start);
  let j = i;
  while (j < list.length && list[j]!.off < end) j++;
  const head = i < list.length ? slice(list[i]!, -Infinity, start) : undefined;
  const tail = j > i ? slice(list[j - 1]!, end, Infinity) : undefined;
  const mid = [...(head ? [head] : []), ...runs, ...(tail ? [tail] : [])];
  const lo = Math.max(0, i - 1);
  const hi = Math.min(list.length, j + 1);
  return [...list.slice(0, lo), ...normalize([...list.slice(lo, i), ...mid, ...list.slice(j, hi)]), ...list.slice(hi)];
}

/** Drop everything at or beyond `size`. */
export function truncate(list: Extent[], size: number): Extent[] {
  const i = firstAfter(list, size);
  if (i >= list.length) return list;
  const cut = slice(list[i]!, -Infinity, size);
  return [...list.slice(0, i), ...(cut ? [cut] : [])];
}

/** Total bytes of runs matching `pred`. */
export function bytesWhere(list: Extent[], pred: (e: Extent) => boolean): number {
  let n = 0;
  for (const e of list) if (pred(e)) n += e.len;
  return n;
}

/** Round [start, end) out to multiples of `unit`. */
export const alignOut = (start: number, end: number, unit: number): [number, number] => [Math.floor(start / unit) * unit, Math.ceil(end / unit) * unit];
