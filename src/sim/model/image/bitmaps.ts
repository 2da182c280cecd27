// Persistent dirty bitmaps of qcow2 images (qemu-img bitmap, QEMU's block dirty bitmaps) and where they
// live in the file. QEMU keeps them in memory while an image is open read-write and stores them again when
// it closes the image: for every bitmap (directory order, new ones last) one cluster per dirty part of the
// bitmap, then the bitmap table, then a new directory; the old directory and the old tables with their
// data clusters are freed afterwards (block/qcow2-bitmap.c, qcow2_store_persistent_dirty_bitmaps). Writes
// and discards set bits in every enabled bitmap. All first-fit, so map offsets and check's image end
// offset come out as qemu-img shows them.
import type { DirtyBitmap, DiskImage } from "../image";
import { allocBytes, freeBytes, type Qcow2Image } from "./qcow2";

const enabled = (b: DirtyBitmap) => b.flags.includes("auto");

/** Bytes of a bitmap directory entry for `name`. */
export const dirEntryBytes = (name: string) => Math.ceil((24 + Buffer.byteLength(name)) / 8) * 8;

/** Entries of the bitmap table (clusters of serialized bitmap) for an image of `size` bytes. */
export function tableEntries(size: number, granularity: number, cs: number): number {
  const bits = Math.ceil(size / granularity);
  return Math.max(1, Math.ceil((Math.ceil(bits / 64) * 8) / cs));
}

/** Add [s, t) to sorted, disjoint ranges. */
function addRange(ranges: readonly number[][], s: number, t: number): number[][] {
  const out: number[][] = [];
  let placed = false;
  for (const [a, b] of ranges as [number, number][]) {
    if (b < s) out.push([a, b]);
    else if (a > t) {
      if (!placed) out.push([s, t]);
      placed = true;
      out.push([a, b]);
    } else {
      s = Math.min(s, a);
      t = Math.max(t, b);
    }
  }
  if (!placed) out.push([s, t]);
  return out;
}

/** Set the bits for guest bytes [off, off+len) in every enabled bitmap of a qcow2 image. */
export function markDirty(img: DiskImage, off: number, len: number): DiskImage {
  const list = img.qcow2?.bitmaps;
  if (!list?.length || len <= 0 || !list.some(enabled)) return img;
  const end = Math.min(off + len, img.virtualSize);
  if (end <= off) return img;
  const bitmaps = list.map((b) => {
    if (!enabled(b)) return b;
    const g = b.granularity;
    return { ...b, dirty: addRange(b.dirty ?? [], Math.floor(off / g) * g, Math.ceil(end / g) * g) };
  });
  return { ...img, qcow2: { ...img.qcow2!, bitmaps } };
}

/** Dirty bits of `src` merged into `dst` (qemu-img bitmap --merge), at dst's granularity. */
export function mergeBitmap(dst: DirtyBitmap, src: DirtyBitmap): DirtyBitmap {
  let dirty = dst.dirty ?? [];
  const g = dst.granularity;
  for (const [a, b] of (src.dirty ?? []) as [number, number][]) dirty = addRange(dirty, Math.floor(a / g) * g, Math.ceil(b / g) * g);
  return { ...dst, dirty };
}

/** Drop bits past a new virtual size (resize); growing adds clean bits. */
export function truncateBitmaps(list: readonly DirtyBitmap[], size: number): DirtyBitmap[] {
  return list.map((b) => {
    if (!b.dirty?.length) return b;
    const lim = Math.ceil(size / b.granularity) * b.granularity;
    const dirty = (b.dirty as [number, number][]).filter(([a]) => a < lim).map(([a, t]) => [a, Math.min(t, lim)]);
    return { ...b, dirty };
  });
}

function working(img: DiskImage): Qcow2Image {
  const l = img.layout!;
  return { layout: { ...l, rc: l.rc.map((r) => ({ ...r })), rb: [...l.rb], l2: { ...l.l2 } }, fileLength: img.fileLength };
}

function freeTable(q: Qcow2Image, t: NonNullable<DirtyBitmap["table"]>): void {
  for (const [, off] of t.data) freeBytes(q, off, q.layout.cs);
  freeBytes(q, t.offset, t.size * 8);
}

/** A new bitmap directory for `list` (or none), the old one freed. */
function writeDirectory(q: Qcow2Image, list: readonly DirtyBitmap[]): void {
  const l = q.layout;
  const bytes = list.reduce((n, b) => n + dirEntryBytes(b.name), 0);
  const old = [l.bitmapDirOffset, l.bitmapDirBytes] as const;
  if (bytes) {
    l.bitmapDirOffset = allocBytes(q, bytes);
    l.bitmapDirBytes = bytes;
  } else {
    l.bitmapDirOffset = 0;
    l.bitmapDirBytes = 0;
  }
  if (old[1]) freeBytes(q, old[0], old[1]);
}

function done(img: DiskImage, q: Qcow2Image, bitmaps: DirtyBitmap[]): DiskImage {
  return { ...img, layout: q.layout, fileLength: q.fileLength, qcow2: { ...img.qcow2!, bitmaps } };
}

/**
 * What closing a read-write qcow2 image does to its bitmaps: each one stored again (data clusters for
 * the dirty parts, then its table), a new directory, then the old directory and old tables freed.
 */
export function storeBitmaps(img: DiskImage): DiskImage {
  const list = img.qcow2?.bitmaps;
  if (img.format !== "qcow2" || !img.layout || !list?.length) return img;
  const q = working(img);
  const cs = q.layout.cs;
  const size = img.virtualSize;
  const drop: NonNullable<DirtyBitmap["table"]>[] = [];
  const stored = list.map((b) => {
    if (b.table) drop.push(b.table);
    const g = b.granularity;
    const limit = cs * 8 * g;
    const data: [number, number][] = [];
    let last = -1;
    for (const [a, t] of (b.dirty ?? []) as [number, number][]) {
      if (a >= size) break;
      for (let k = Math.max(last + 1, Math.floor(a / limit)); k * limit < Math.min(t, size); k++) {
        data.push([k, allocBytes(q, cs)]);
        last = k;
      }
    }
    const entries = tableEntries(size, g, cs);
    const offset = allocBytes(q, entries * 8);
    return { ...b, table: { offset, size: entries, data } };
  });
  writeDirectory(q, stored);
  for (const t of drop) freeTable(q, t);
  return done(img, q, stored);
}

/**
 * qemu-img bitmap --remove of a bitmap stored in the file: a new directory without it at once, then its
 * table and data clusters freed. A bitmap added in the same run (not stored yet) just goes away.
 */
export function removeBitmap(img: DiskImage, name: string): DiskImage {
  const list = img.qcow2?.bitmaps ?? [];
  const victim = list.find((b) => b.name === name);
  const rest = list.filter((b) => b !== victim);
  if (!victim?.table || img.format !== "qcow2" || !img.layout) return { ...img, qcow2: { ...img.qcow2!, bitmaps: rest } };
  const q = working(img);
  writeDirectory(
    q,
    rest.filter((b) => b.table),
  );
  freeTable(q, victim.table);
  return done(img, q, rest);
}

/** Host bytes of bitmap tables that hold something (for the on-disk size). */
export function bitmapTables(img: DiskImage): { offset: number; bytes: number }[] {
  return (img.qcow2?.bitmaps ?? []).filter((b) => b.table).map((b) => ({ offset: b.table!.offset, bytes: b.table!.size * 8 }));
}

/** The warning QEMU prints when it opens a qcow2 v2 file whose header still names bitmaps. */
export const V2_BITMAPS_WARNING =
  "warning: This qcow2 v2 image contains bitmaps, but they may have been modified by a program without persistent bitmap support; so now they must all be considered inconsistent\nSome clusters may be leaked, run 'qemu-img check -r' on the image file to fix.";

/** A qcow2 v2 file with a bitmaps extension (left by amend compat=0.10): QEMU ignores the bitmaps. */
export const hasV2Bitmaps = (img: DiskImage) => img.format === "qcow2" && img.qcow2?.compat === "0.10" && (img.qcow2.bitmaps.length ?? 0) > 0;

/**
 * How QEMU sees such a file: without bitmaps, their directory, tables and data clusters still counted
 * but referenced by nothing (leaked). Opening it read-write rewrites the header that way.
 */
export function v2BitmapsDropped(img: DiskImage): DiskImage {
  if (!hasV2Bitmaps(img) || !img.layout) return img;
  const l = img.layout;
  const cs = l.cs;
  const leaked = new Set(img.qcow2!.leaked ?? []);
  const add = (off: number, bytes: number) => {
    for (let c = Math.floor(off / cs); c < Math.ceil((off + Math.max(1, bytes)) / cs); c++) leaked.add(c);
  };
  if (l.bitmapDirBytes) add(l.bitmapDirOffset, l.bitmapDirBytes);
  for (const b of img.qcow2!.bitmaps) {
    if (!b.table) continue;
    add(b.table.offset, b.table.size * 8);
    for (const [, off] of b.table.data) add(off, cs);
  }
  return {
    ...img,
    layout: { ...l, bitmapDirOffset: 0, bitmapDirBytes: 0 },
    qcow2: { ...img.qcow2!, bitmaps: [], leaked: [...leaked].sort((a, b) => a - b) },
  };
}

/** qemu-img check -r: leaked clusters get their refcount dropped. */
export function repairLeaks(img: DiskImage): DiskImage {
  const leaked = img.qcow2?.leaked;
  if (!leaked?.length || !img.layout) return img;
  const q = working(img);
  for (const c of leaked) freeBytes(q, c * q.layout.cs, q.layout.cs);
  const { leaked: _gone, ...meta } = img.qcow2!;
  return { ...img, layout: q.layout, qcow2: meta };
}

/** bdrv_supports_persistent_dirty_bitmap(): qcow2 v3 only. */
export const supportsBitmaps = (img: DiskImage) => img.format === "qcow2" && img.qcow2?.compat === "1.1";
