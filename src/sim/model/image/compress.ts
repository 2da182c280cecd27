// Compressed qcow2 clusters (convert -c, qemu-io write -c): each cluster's compressed bytes are packed one
// after another into host clusters, whose refcount counts the compressed clusters they hold.
import { deflateRawSync } from "node:zlib";
import type { DiskImage } from "../image";
import { markDirty } from "./bitmaps";
import { overwrite, within, type Extent } from "./extents";
import { qcow2Allocated } from "./formats";
import { addRef, allocBytes, l2Coverage, l2ForWrite, type Qcow2Image } from "./qcow2";

/** A stretch of a cluster's content: `len` bytes of one byte value (or opaque content, a string id). */
export interface ContentRun {
  len: number;
  pat: number | string;
}

const sizeCache = new Map<string, number>();

/**
 * Compressed size of one cluster (qcow2_co_compress: raw deflate, 4 KiB window, or zstd), the cluster being
 * `runs` followed by zero bytes up to `cs` (QEMU pads the image's last, partial cluster with zeroes). zlib
 * clusters are deflated as QEMU deflates them; zstd sizes follow what zstd makes of repeated bytes.
 */
export function compressedClusterSize(runs: readonly ContentRun[], cs: number, type: "zlib" | "zstd"): number {
  const used = runs.reduce((n, r) => n + r.len, 0);
  const all: ContentRun[] = used < cs ? [...runs, { len: cs - used, pat: 0 }] : [...runs];
  // merge neighbours of the same content
  const merged: ContentRun[] = [];
  for (const r of all) {
    const last = merged[merged.length - 1];
    if (last && last.pat === r.pat) last.len += r.len;
    else if (r.len > 0) merged.push({ ...r });
  }
  if (merged.some((r) => typeof r.pat === "string")) return Math.ceil(cs / 2);
  if (type === "zstd") return Math.ceil(cs / 4096) + 13 + 3 * (merged.length - 1);
  const key = `${cs}:${merged.map((r) => `${r.len}x${r.pat}`).join(",")}`;
  const hit = sizeCache.get(key);
  if (hit !== undefined) return hit;
  const buf = new Uint8Array(cs);
  let at = 0;
  for (const r of merged) {
    buf.fill(r.pat as number, at, at + r.len);
    at += r.len;
  }
  const size = deflateRawSync(buf, { level: -1, windowBits: 12, memLevel: 9 }).length;
  if (sizeCache.size > 4096) sizeCache.clear();
  sizeCache.set(key, size);
  return size;
}

/** Compressed size of one cluster of `pat` throughout. */
export function compressedSize(pat: number | string, cs: number, type: "zlib" | "zstd"): number {
  return compressedClusterSize([{ len: cs, pat }], cs, type);
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
