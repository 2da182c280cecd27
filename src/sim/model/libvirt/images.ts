// Keeping disk images in step with libvirt: internal snapshots of a domain's qcow2 disks live in the images,
// where `qemu-img snapshot -l` sees them.
import type { DiskImage, ImageSnapshot } from "../image";
import type { Fs } from "../fs";
import { disksOf, curMemKiB } from "./domain-xml";
import type { Domain } from "./types";

/** Make `img.snapshots` list exactly `want` (by name), keeping existing entries and their ids. */
function setSnapshots(img: DiskImage, want: { name: string; vmStateSize: number; dateSec: number; vmClockNsec: number }[]): void {
  const old = img.snapshots ?? [];
  const keep: ImageSnapshot[] = [];
  let seq = img.snapshotSeq ?? old.reduce((m, s) => Math.max(m, Number(s.id) || 0), 0);
  for (const w of want) {
    const ex = old.find((s) => s.name === w.name);
    if (ex) keep.push(ex);
    else keep.push({ id: String(++seq), name: w.name, vmStateSize: w.vmStateSize, dateSec: w.dateSec, dateNsec: 0, vmClockNsec: w.vmClockNsec, icount: -1, virtualSize: img.virtualSize, data: [...(img.data ?? [])] });
  }
  img.snapshotSeq = seq;
  if (keep.length) img.snapshots = keep;
  else delete img.snapshots;
}

/** Write the domain's internal snapshots into each of its qcow2 disk images (run inside an immer draft). */
export function syncImageSnapshots(fs: Fs, d: Domain, _now: number): void {
  for (const disk of disksOf(d.def)) {
    if (disk.device !== "disk" || !disk.source) continue;
    const node = fs[disk.source];
    if (!node || node.kind !== "file" || !node.image || node.image.format !== "qcow2") continue;
    const snaps = d.snapshots
      .filter((s) => s.state !== "disk-snapshot" && s.disks.every((k) => k.name !== disk.target || k.snapshot === "internal"))
      .map((s) => ({
        name: s.name,
        vmStateSize: s.memory === "internal" ? Math.round((curMemKiB(s.domain ?? d.def) * 1024) / 3) : 0,
        dateSec: s.creationTime,
        vmClockNsec: s.memory === "internal" ? 3_600_000_000_000 : 0,
      }));
    setSnapshots(node.image, snaps);
  }
}
