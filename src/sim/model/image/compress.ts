// Compressed qcow2 clusters (convert -c, qemu-io write -c): each cluster's compressed bytes are packed one
// after another into host clusters, whose refcount counts the compressed clusters they hold.
import type { DiskImage } from "../image";
import { markDirty } from "./bitmaps";
import { overwrite, within, type Extent } from "./extents";
import { qcow2Allocated } from "./formats";
import { addRef, allocBytes, l2Coverage, l2ForWrite, type Qcow2Image } from "./qcow2";

/** Compressed size of one cluster of `pat` (uniform patterns shrink to almost nothing). */
export function compressedSize(pat: number | string, cs: number, type: "zlib" | "zstd"): number {
  if (typeof pat === "string") return Math.ceil(cs / 2);
  return type === "zstd" ? Math.ceil(cs / 4096) + 13 : Math.ceil(cs / 800) + 6;
}

/** Packs compressed clusters into host clusters (qcow2_alloc_bytes). */
export class CompressedPacker {
  private free = 0;
  constructor(readonly image: Qcow2Image) {}

  get fileLength(): number {
    return this.image.fileLength;
  }

  /** Host byte offset for `bytes` of compressed data. */
  alloc(bytes: number): number {
    const q = this.image;
    const cs = q.layout.cs;
    if (this.free === 0 || this.free % cs === 0 || (this.free % cs) + bytes > cs) this.free = allocBytes(q, cs, bytes);
    else addRef(q.layout, Math.floor(this.free / cs), 1, 1);
    const at = this.free;
    this.free += bytes;
    q.fileLength = Math.max(q.fileLength, this.free);
    return at;
  }
}

function working(img: DiskImage): Qcow2Image {
  const l = img.layout!;
  return { layout: { ...l, rc: l.rc.map((r) => ({ ...r })), rb: [...l.rb], l2: { ...l.l2 } }, fileLength: img.fileLength };
}

/** Write whole clusters compressed (qemu-io write -c); an error text when qcow2 would refuse. */
export function writeCompressed(chain: readonly DiskImage[], off: number, len: number, pat: number | string): DiskImage | string {
  const img = chain[0]!;
  if (img.format !== "qcow2" || !img.layout) return "Operation not supported";
  const cs = img.layout.cs;
  if (off % cs) return "Invalid argument";
  const end = off + len;
  if (end % cs && end !== img.virtualSize) return "Invalid argument";
  for (const e of within(img.data ?? [], off, end)) if (e.host !== undefined) return "Input/output error";
  const q = working(img);
  const packer = new CompressedPacker(q);
  const per = l2Coverage(q.layout) / cs;
  const runs: Extent[] = [];
  for (let c = off / cs; c * cs < end; c++) {
    if (c % per === 0 || c === off / cs) l2ForWrite(q, Math.floor(c / per));
    const host = packer.alloc(compressedSize(pat, cs, img.qcow2?.compressionType ?? "zlib"));
    runs.push({ off: c * cs, len: Math.min(cs, end - c * cs), kind: "data", pat, host, comp: true });
  }
  const out: DiskImage = { ...img, data: overwrite(img.data ?? [], off, end, runs), layout: q.layout, fileLength: q.fileLength };
  out.allocated = qcow2Allocated(out);
  return markDirty(out, off, end - off);
}
