// Keeping disk images in step with libvirt: internal snapshots of a domain's qcow2 disks live in the images
// (through the image model's own snapshot functions), where `qemu-img snapshot -l` sees them.
import { current, isDraft } from "immer";
import { addInternalSnapshot, deleteInternalSnapshot, type DiskImage } from "../image";
import type { Fs } from "../fs";
import { disksOf, curMemKiB } from "./domain-xml";
import type { Domain } from "./types";

const plain = <T extends object>(x: T): T => (isDraft(x) ? (current(x as never) as T) : x);

/** Make the image's internal snapshots exactly the domain's (by name), adding and deleting as libvirt does. */
function syncOne(imgIn: DiskImage, want: { name: string; vmStateSize: number; dateSec: number; vmClockNsec: number }[]): DiskImage {
  let img = plain(imgIn);
  for (const s of img.snapshots ?? []) {
    if (want.some((w) => w.name === s.name)) continue;
    const r = deleteInternalSnapshot(img, s.name);
    if (!("error" in r)) img = r;
  }
  for (const w of want) {
    if ((img.snapshots ?? []).some((s) => s.name === w.name)) continue;
    const r = addInternalSnapshot(img, { name: w.name, dateSec: w.dateSec, dateNsec: 0, vmStateSize: w.vmStateSize, vmClockNsec: w.vmClockNsec, icount: -1 });
    if (!("error" in r)) img = r;
  }
  return img;
}

/** Write the domain's internal snapshots into each of its qcow2 disk images (run inside an immer draft). */
export function syncImageSnapshots(fs: Fs, d: Domain, _now: number): void {
  for (const disk of disksOf(d.def)) {
    if (disk.device !== "disk" || !disk.source) continue;
    const node = fs[disk.source];
    if (!node || node.kind !== "file" || !node.image || node.image.format !== "qcow2") continue;
    const want = d.snapshots
      .filter((s) => s.state !== "disk-snapshot" && s.disks.every((k) => k.name !== disk.target || k.snapshot === "internal"))
      .map((s) => ({
        name: s.name,
        vmStateSize: s.memory === "internal" ? Math.round((curMemKiB(s.domain ?? d.def) * 1024) / 3) : 0,
        dateSec: s.creationTime,
        vmClockNsec: s.memory === "internal" ? 3_600_000_000_000 : 0,
      }));
    const have = (node.image.snapshots ?? []).map((s) => s.name);
    if (have.length === want.length && have.every((n, i) => n === want[i]!.name)) continue;
    node.image = syncOne(node.image, want);
  }
}
