// The guest's files (the libguestfs view, DiskImage.guest) when qemu-img moves data between images: what a
// chain shows is the first view from the top, and an image that receives a chain's whole content (convert,
// commit into a base, a safe rebase) must show that same view afterwards.
import type { DiskImage } from "../image";
import { emptyDisk, type GuestDisk } from "../guestfs/disk";

/** The view a chain (top first) shows: the topmost image's that has one; undefined for a blank chain. */
export function chainGuest(chain: readonly DiskImage[]): GuestDisk | undefined {
  for (const img of chain) if (img.guest) return img.guest;
  return undefined;
}

/**
 * `img` (over the backing chain `below`, top first) now holds everything `view` describes: it shows `view`;
 * with no view (blank content) it shows an empty disk where `below` would show one through it.
 */
export function withGuestView(img: DiskImage, view: GuestDisk | undefined, below: readonly DiskImage[] = []): DiskImage {
  if (view) return img.guest === view ? img : { ...img, guest: view };
  if (chainGuest(below)) return { ...img, guest: emptyDisk() };
  return withoutGuest(img);
}

/** All of `img`'s clusters are gone (made empty): its backing chain's view shows through. */
export function withoutGuest(img: DiskImage): DiskImage {
  if (!img.guest) return img;
  const { guest: _dropped, ...rest } = img;
  return rest;
}
