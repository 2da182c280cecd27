// Block status as QEMU's block layer reports it (bdrv_block_status_above): for each range of a chain,
// whether it is allocated, reads as zero, holds data, and where in which file it lives. `qemu-img map`,
// `compare -s` and `convert` decide everything from these flags.
import type { DiskImage } from "../image";
import { allocatedFlat, extentAt, flatBase, readChain, vmdkExtentStarts } from "./io";

export interface StatusRun {
  off: number;
  len: number;
  /** Layer that answered (0 = top); for ranges allocated nowhere, the bottom layer. */
  depth: number;
  allocated: boolean;
  zero: boolean;
  data: boolean;
  /** Host offset in the layer's file (OFFSET_VALID). */
  offset?: number;
  /** Index of the extent file within the layer (vmdk split/flat images), when not the layer's own file. */
  extent?: number;
}

/** qcow2_detect_metadata_preallocation(): far more refcounted clusters than the file really holds. */
export function metadataPreallocated(img: DiskImage): boolean {
  const l = img.layout;
  if (!l || !(img.data ?? []).some((e) => e.sparse || e.unwritten)) return false;
  let used = 0;
  for (const r of l.rc) used += r.n;
  const real = Math.floor(img.allocated / l.cs);
  return used > Math.max(Math.floor((real * 10) / 9), real + 2);
}

/** Status of [start, end) of a chain (top first), in order, merged where the flags and offsets continue. */
export function blockStatus(chain: readonly DiskImage[], start: number, end: number): StatusRun[] {
  const out: StatusRun[] = [];
  const push = (s: StatusRun) => {
    const last = out[out.length - 1];
    if (last && sameStatus(last, s)) last.len += s.len;
    else out.push(s);
  };
  const prealloc = chain.map(metadataPreallocated);
  for (const r of readChain(chain, start, end)) {
    const img = chain[r.depth]!;
    let s: StatusRun;
    const e = r.ext;
    if (img.format === "vhdx") s = { off: r.off, len: r.len, depth: r.depth, allocated: true, zero: false, data: true };
    else if (r.hole) s = { off: r.off, len: r.len, depth: r.depth, allocated: true, zero: true, data: allocatedFlat(img), offset: r.off + (flatBase(img) ?? 0) };
    else if (e && e.kind === "data" && img.format === "vmdk" && img.vmdk?.createType === "streamOptimized") s = { off: r.off, len: r.len, depth: r.depth, allocated: true, zero: false, data: true };
    else if (!e) {
      // allocated nowhere: zero at the bottom of the chain (vdi and vpc report their unallocated blocks as zero)
      const own = img.format === "vdi" || img.format === "vpc";
      s = { off: r.off, len: r.len, depth: r.depth, allocated: own, zero: true, data: false };
    } else if (e.kind === "zero") s = { off: r.off, len: r.len, depth: r.depth, allocated: true, zero: true, data: false, ...(e.host !== undefined ? { offset: e.host } : {}) };
    else if (e.comp) s = { off: r.off, len: r.len, depth: r.depth, allocated: true, zero: false, data: true };
    else s = { off: r.off, len: r.len, depth: r.depth, allocated: true, zero: (!!e.sparse || !!e.unwritten) && prealloc[r.depth]!, data: true, ...(e.host !== undefined ? { offset: e.host } : {}) };
    const starts = vmdkExtentStarts(img);
    if (starts) {
      // a descriptor vmdk: one answer per extent file, offsets within it
      for (let off = s.off; off < s.off + s.len; ) {
        const i = extentAt(starts, off);
        const stop = Math.min(s.off + s.len, i + 1 < starts.length ? starts[i + 1]! : Infinity);
        const piece: StatusRun = { ...s, off, len: stop - off, extent: i };
        if (s.offset !== undefined) piece.offset = r.hole ? off - starts[i]! : s.offset + (off - s.off);
        push(piece);
        off = stop;
      }
    } else push(s);
  }
  return out;
}

const sameStatus = (last: StatusRun, s: StatusRun) =>
  last.off + last.len === s.off &&
  last.depth === s.depth &&
  last.extent === s.extent &&
  last.allocated === s.allocated &&
  last.zero === s.zero &&
  last.data === s.data &&
  (last.offset === undefined) === (s.offset === undefined) &&
  (last.offset === undefined || last.offset + last.len === s.offset);
