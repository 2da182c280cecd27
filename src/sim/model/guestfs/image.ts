// Where a guest disk lives: in DiskImage.guest of an image file, or (for an overlay that has not been written
// through) in its backing file. Reading follows the chain; writing goes to the top image, as a guest's writes do.
import { dirname, resolvePath, stat, type FileNode, type Fs } from "../fs";
import type { DiskImage } from "../image";
import { discardImage, writeImage } from "../image/io";
import { emptyDisk, filesystems, filesSize, fsOverhead, withFs, type GuestDisk, type GuestFs } from "./disk";

/** The image chain of a file (top first), following backing files; stops at a missing file or a loop. */
export function imageChain(fs: Fs, path: string): { path: string; image: DiskImage }[] {
  const out: { path: string; image: DiskImage }[] = [];
  let p: string | undefined = path;
  while (p && out.length < 32 && !out.some((x) => x.path === p)) {
    const n = stat(fs, p);
    if (n?.kind !== "file") break;
    const image: DiskImage = n.image ?? { format: "raw", virtualSize: Buffer.byteLength(n.content), fileLength: Buffer.byteLength(n.content), allocated: Buffer.byteLength(n.content) };
    out.push({ path: p, image });
    p = image.backingFile ? resolvePath(dirname(p), image.backingFile) : undefined;
  }
  return out;
}

/** What the guest sees on the disk image at `path` (an empty disk when nothing was ever written). */
export function guestOf(fs: Fs, path: string): GuestDisk {
  for (const { image } of imageChain(fs, path)) if (image.guest) return image.guest;
  return emptyDisk();
}

/** Where each filesystem of a guest disk starts on the disk: partitions, the whole disk, logical volumes (laid out in order after the PV's 1 MiB of metadata). */
function fsPlaces(d: GuestDisk): { ref: ReturnType<typeof filesystems>[number]; start: number }[] {
  const lvStart = new Map<string, number>();
  for (const vg of d.vgs) {
    const pv = d.partitions.find((p) => p.pv === vg.name);
    if (!pv) continue;
    let at = pv.start + 2 ** 20;
    for (const lv of vg.lvs) {
      lvStart.set(`${vg.name}/${lv.name}`, at);
      at += lv.size;
    }
  }
  const out: { ref: ReturnType<typeof filesystems>[number]; start: number }[] = [];
  for (const ref of filesystems([d])) {
    const w = ref.where;
    const start = w.kind === "part" ? d.partitions.find((p) => p.num === w.num)?.start : w.kind === "whole" ? 0 : lvStart.get(`${w.vg}/${w.lv}`);
    if (start !== undefined) out.push({ ref, start });
  }
  return out;
}

/** Bytes a filesystem's metadata and files (and the OS payload) take at its start. */
const fsUsed = (f: GuestFs) => Math.min(f.size, fsOverhead(f) / 8 + filesSize(f));

/** Free space of a filesystem that holds no deleted files' data yet. */
export const fsFreeClean = (f: GuestFs) => Math.max(0, f.size - fsUsed(f) - (f.deleted ?? 0));

/** Where the data of deleted files sits on a guest disk, as [offset, length] runs. */
export function deletedRegions(d: GuestDisk): [number, number][] {
  const out: [number, number][] = [];
  for (const { ref, start } of fsPlaces(d)) {
    const used = Math.max(fsUsed(ref.fs), 65536);
    const del = Math.min(ref.fs.deleted ?? 0, ref.fs.size - used);
    if (del > 0) out.push([start + used, del]);
  }
  return out;
}

/** Bytes of a disk a guest's partitions and filesystems occupy, as [offset, length] runs. */
function usedRegions(d: GuestDisk): [number, number][] {
  const out: [number, number][] = [];
  if (d.ptable) out.push([0, 2 ** 20]);
  for (const { ref, start } of fsPlaces(d)) out.push([start, Math.max(fsUsed(ref.fs), 65536)]);
  for (const p of d.partitions) if (p.pv !== undefined) out.push([p.start, 2 ** 20]);
  return out;
}

/**
 * Store a guest disk in the top image at `path` (a mutable fs, e.g. an immer draft): the guest's view, and
 * guest data written where its partitions and filesystems are, so the image's allocation follows.
 */
export function putGuest(fs: Fs, path: string, guest: GuestDisk): void {
  const chain = imageChain(fs, path);
  const top = chain[0];
  if (!top) return;
  const node = stat(fs, path);
  if (node?.kind !== "file") return;
  let img: DiskImage = node.image ?? top.image;
  const below = chain.slice(1).map((c) => c.image);
  for (const [off, len] of usedRegions(guest)) img = writeImage([img, ...below], off, len, { kind: "data", pat: "guest" });
  for (const [off, len] of deletedRegions(guest)) img = writeImage([img, ...below], off, len, { kind: "data", pat: "deleted" });
  node.image = { ...img, guest };
}

/**
 * Write data into the image at `path` (a mutable fs) until its allocation reaches `target` bytes, as a
 * fixture's `allocation_gib` asks: for a guest disk, data of deleted files in the free space of its
 * filesystems (the roomiest first); beyond that, or without a guest, plain data after the guest's
 * partitions. Returns by how much the image's allocation exceeds `target` (what its guest needs).
 */
export function fillAllocation(fs: Fs, path: string, target: number): { over: number } {
  const node = stat(fs, path);
  if (node?.kind !== "file" || !node.image) return { over: 0 };
  const before = node.image.allocated;
  if (before >= target) return { over: before - target };
  let need = target - before;
  let guest = node.image.guest;
  if (guest) {
    const places = fsPlaces(guest)
      .filter((x) => x.ref.fs.type !== "swap" && x.ref.fs.type !== "vfat")
      .sort((a, b) => fsFreeClean(b.ref.fs) - fsFreeClean(a.ref.fs));
    let disks = [guest];
    for (const { ref } of places) {
      const add = Math.min(need, Math.floor(fsFreeClean(ref.fs) / 65536) * 65536);
      if (add <= 0) continue;
      disks = withFs(disks, ref, { ...ref.fs, deleted: (ref.fs.deleted ?? 0) + add });
      need -= add;
      if (need <= 0) break;
    }
    guest = disks[0]!;
    putGuest(fs, path, guest);
  }
  const img = (stat(fs, path) as FileNode).image!;
  need = target - img.allocated;
  if (need > 0) {
    const ends = guest ? [...guest.partitions.map((p) => p.end + 1), ...(guest.whole ? [guest.whole.size] : [])] : [];
    const from = Math.ceil(Math.max(0, ...ends) / 2 ** 20) * 2 ** 20;
    const chain = imageChain(fs, path).map((c) => c.image);
    (stat(fs, path) as FileNode).image = writeImage([img, ...chain.slice(1)], from, Math.min(need, img.virtualSize - from), { kind: "data", pat: "data" });
  }
  return { over: Math.max(0, (stat(fs, path) as FileNode).image!.allocated - target) };
}

/** A guest disk whose deleted files' data has been trimmed or zeroed away (fstrim, virt-sparsify). */
export function withoutDeleted(d: GuestDisk): GuestDisk {
  let disks = [d];
  for (const ref of filesystems([d])) if (ref.fs.deleted) disks = withFs(disks, ref, { ...ref.fs, deleted: 0 });
  return disks[0]!;
}

/**
 * fstrim of every filesystem of the guest in the image at `path` (a mutable fs): the blocks that held deleted
 * files are discarded in the image (which gives the space back where the format can), and the guest no
 * longer has deleted files' data. Nothing changes for a guest that shows through from a backing file.
 */
export function trimGuest(fs: Fs, path: string): void {
  const node = stat(fs, path);
  if (node?.kind !== "file" || !node.image?.guest) return;
  const regions = deletedRegions(node.image.guest);
  if (!regions.length) return;
  const below = imageChain(fs, path).slice(1).map((c) => c.image);
  let img: DiskImage = node.image;
  for (const [off, len] of regions) img = discardImage([img, ...below], off, len);
  node.image = { ...img, guest: withoutDeleted(node.image.guest) };
}
