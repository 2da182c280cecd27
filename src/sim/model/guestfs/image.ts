// Where a guest disk lives: in DiskImage.guest of an image file, or (for an overlay that has not been written
// through) in its backing file. Reading follows the chain; writing goes to the top image, as a guest's writes do.
import { dirname, resolvePath, stat, type Fs } from "../fs";
import type { DiskImage } from "../image";
import { writeImage } from "../image/io";
import { emptyDisk, filesystems, filesSize, fsOverhead, type GuestDisk } from "./disk";

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

/** Bytes of a disk a guest's partitions and filesystems occupy, as [offset, length] runs. */
function usedRegions(d: GuestDisk): [number, number][] {
  const out: [number, number][] = [];
  if (d.ptable) out.push([0, 2 ** 20]);
  for (const ref of filesystems([d])) {
    const used = Math.min(ref.fs.size, fsOverhead(ref.fs) / 8 + filesSize(ref.fs));
    const start = ref.where.kind === "part" ? d.partitions.find((p) => p.num === (ref.where as { num: number }).num)!.start : ref.where.kind === "whole" ? 0 : undefined;
    if (start !== undefined) out.push([start, Math.max(used, 65536)]);
  }
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
  for (const [off, len] of usedRegions(guest)) img = writeImage([img, ...chain.slice(1).map((c) => c.image)], off, len, { kind: "data", pat: "guest" });
  node.image = { ...img, guest };
}
