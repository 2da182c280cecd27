// Internal (qcow2) snapshots as pure transitions: create, revert to and delete a snapshot, with the
// refcount and snapshot-table bookkeeping QEMU does, for qemu-img snapshot, virsh and the QEMU monitor.
import type { DiskImage, ImageSnapshot } from "../image";
import type { Extent } from "./extents";
import { qcow2Allocated } from "./formats";
import { addRef, allocBytes, freeBytes, growL1, type Qcow2Image, type Qcow2Layout } from "./qcow2";

export type SnapshotError = { error: "unsupported" } | { error: "not-found" };

/** Snapshot by id first, then by name (what `qemu-img snapshot -a` and the monitor's loadvm accept). */
export function findSnapshot(img: DiskImage, idOrName: string, by: "id-or-name" | "name" = "id-or-name"): ImageSnapshot | undefined {
  const list = img.snapshots ?? [];
  if (by === "id-or-name") {
    const byId = list.find((s) => s.id === idOrName);
    if (byId) return byId;
  }
  return list.find((s) => s.name === idOrName);
}

/** Host clusters a guest mapping references, as [first cluster, count] runs (L2 tables included). */
function referenced(l: Qcow2Layout, data: Extent[], l2: Record<number, number>): [number, number][] {
  const out: [number, number][] = [];
  for (const c of Object.values(l2)) out.push([c, 1]);
  for (const e of data) {
    if (e.host === undefined) continue;
    // a compressed cluster holding mixed content is several runs with one host offset: count it once
    if (e.comp) {
      if (e.off % l.cs === 0) out.push([Math.floor(e.host / l.cs), 1]);
    }
    else out.push([Math.floor(e.host / l.cs), Math.ceil(e.len / l.cs)]);
  }
  return out;
}

const entryBytes = (s: { id: string; name: string }) => Math.ceil((40 + 24 + Buffer.byteLength(s.id) + Buffer.byteLength(s.name)) / 8) * 8;

/** Rewrite the snapshot table in new clusters and free the old ones (qcow2_write_snapshots). */
function writeTable(q: Qcow2Image, list: { id: string; name: string }[]): void {
  const l = q.layout;
  const bytes = list.reduce((n, s) => n + entryBytes(s), 0);
  const oldOff = l.snapOffset;
  const oldBytes = l.snapBytes;
  l.snapOffset = bytes > 0 ? allocBytes(q, bytes) : 0;
  l.snapBytes = bytes;
  if (oldBytes > 0) freeBytes(q, oldOff, oldBytes);
}

function working(img: DiskImage): Qcow2Image {
  const l = img.layout!;
  return { layout: { ...l, rc: l.rc.map((r) => ({ ...r })), rb: [...l.rb], l2: { ...l.l2 } }, fileLength: img.fileLength };
}

const done = (img: DiskImage, q: Qcow2Image, patch: Partial<DiskImage>): DiskImage => {
  const out: DiskImage = { ...img, ...patch, layout: q.layout, fileLength: q.fileLength };
  out.allocated = qcow2Allocated(out);
  return out;
};

export interface NewSnapshot {
  name: string;
  dateSec: number;
  dateNsec: number;
  vmStateSize?: number;
  vmClockNsec?: number;
  /** -1: not recorded (a VM without icount); qemu-img records 0. */
  icount?: number;
}

/** Take an internal snapshot of the image's current state. */
export function addInternalSnapshot(img: DiskImage, sn: NewSnapshot): DiskImage | SnapshotError {
  if (img.format !== "qcow2" || !img.layout) return { error: "unsupported" };
  const q = working(img);
  const l = q.layout;
  const data = img.data ?? [];
  const l1Offset = allocBytes(q, l.l1Size * 8);
  for (const [c, n] of referenced(l, data, l.l2)) addRef(l, c, n, 1);
  const ids = (img.snapshots ?? []).map((s) => Number.parseInt(s.id, 10)).filter((n) => Number.isFinite(n));
  const id = String(Math.max(0, ...ids) + 1);
  const snap: ImageSnapshot = {
    id,
    name: sn.name,
    vmStateSize: sn.vmStateSize ?? 0,
    dateSec: sn.dateSec,
    dateNsec: sn.dateNsec,
    vmClockNsec: sn.vmClockNsec ?? 0,
    icount: sn.icount ?? 0,
    virtualSize: img.virtualSize,
    data,
    ...(img.guest ? { guest: img.guest } : {}),
    l1Offset,
    l1Size: l.l1Size,
    l2: { ...l.l2 },
  };
  const list = [...(img.snapshots ?? []), snap];
  writeTable(q, list);
  return done(img, q, { snapshots: list });
}

/** Revert the image's data (and size) to a snapshot, found by id or name. */
export function applyInternalSnapshot(img: DiskImage, idOrName: string): DiskImage | SnapshotError {
  if (img.format !== "qcow2" || !img.layout) return { error: "unsupported" };
  const sn = findSnapshot(img, idOrName);
  if (!sn) return { error: "not-found" };
  const q = working(img);
  const l = q.layout;
  growL1(q, sn.l1Size ?? l.l1Size);
  for (const [c, n] of referenced(l, sn.data, sn.l2 ?? {})) addRef(l, c, n, 1);
  for (const [c, n] of referenced(l, img.data ?? [], l.l2)) addRef(l, c, n, -1);
  l.l2 = { ...(sn.l2 ?? {}) };
  return done(img, q, { data: sn.data, virtualSize: sn.virtualSize, guest: sn.guest });
}

/** Delete one snapshot (by id, or by name when `by` says so). */
export function deleteInternalSnapshot(img: DiskImage, idOrName: string, by: "id-or-name" | "name" = "name"): DiskImage | SnapshotError {
  if (img.format !== "qcow2" || !img.layout) return { error: "unsupported" };
  const sn = findSnapshot(img, idOrName, by);
  if (!sn) return { error: "not-found" };
  const q = working(img);
  const l = q.layout;
  const list = (img.snapshots ?? []).filter((s) => s !== sn);
  writeTable(q, list);
  for (const [c, n] of referenced(l, sn.data, sn.l2 ?? {})) addRef(l, c, n, -1);
  if (sn.l1Offset !== undefined) freeBytes(q, sn.l1Offset, (sn.l1Size ?? 0) * 8);
  return done(img, q, { snapshots: list });
}
