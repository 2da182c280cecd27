// Disk images as plain data: what qemu-img, qemu-io, libvirt volumes and domain disks share.
import { createImage, type CreateSpec } from "./image/formats";
import type { Extent } from "./image/extents";
import type { Qcow2Layout } from "./image/qcow2";
import type { GuestDisk } from "./guestfs/disk";

export type { Extent } from "./image/extents";
export type { Qcow2Layout } from "./image/qcow2";

/** An internal snapshot (qcow2), as `qemu-img snapshot -l` lists it. */
export interface ImageSnapshot {
  id: string;
  name: string;
  /** Saved VM state, bytes (0 for disk-only snapshots taken by qemu-img). */
  vmStateSize: number;
  dateSec: number;
  dateNsec: number;
  /** Guest clock when taken, nanoseconds. */
  vmClockNsec: number;
  icount: number;
  /** Virtual size when taken; reverting restores it. */
  virtualSize: number;
  /** Guest data when taken. */
  data: Extent[];
  /** The guest's files when taken (libguestfs view; see model/guestfs). */
  guest?: GuestDisk;
  /** qcow2: the snapshot's L1 copy and its L2 tables. */
  l1Offset?: number;
  l1Size?: number;
  l2?: Record<number, number>;
}

export interface DirtyBitmap {
  name: string;
  granularity: number;
  /** "auto" while enabled; "in-use" when an image was not closed cleanly. */
  flags: string[];
  /** Guest byte ranges whose bits are set, sorted [start, end) pairs aligned to the granularity. */
  dirty?: number[][];
  /** Where the stored bitmap is in the qcow2 file: table offset and entries, data clusters by table index. */
  table?: { offset: number; size: number; data: [number, number][] };
}

/** qcow2 header fields qemu-img shows under "Format specific information". */
export interface Qcow2Meta {
  compat: "0.10" | "1.1";
  lazyRefcounts: boolean;
  refcountBits: number;
  compressionType: "zlib" | "zstd";
  extendedL2: boolean;
  corrupt: boolean;
  bitmaps: DirtyBitmap[];
  /** Host clusters with a refcount that nothing references (what `qemu-img check` calls leaked). */
  leaked?: number[];
  dataFile?: string;
  dataFileRaw?: boolean;
  encrypt?: { format: "aes" | "luks" };
}

export interface VmdkMeta {
  createType: string;
  cid: number;
  parentCid: number;
  /** Extra files the descriptor names (monolithicFlat's -flat.vmdk ...), relative to the descriptor. */
  extents: { filename: string; virtualSize: number; clusterSize?: number; format: string; compressed?: boolean; /** sparse extent files: their length (new grains go at the end) */ fileLength?: number }[];
  hwversion?: string;
  adapterType?: string;
  /** zeroed_grain=on: grain table entries can say "reads as zeroes" (zero writes need no data). */
  zeroedGrain?: boolean;
}

/** A disk image stored in a file node. Sizes are in bytes. */
export interface DiskImage {
  /** Block driver: raw, qcow2, qed, vmdk, vdi, vpc, vhdx ... (what `file format:` prints). */
  format: string;
  /** Guest-visible size. */
  virtualSize: number;
  /** File length as `ls -l` shows it. */
  fileLength: number;
  /** Bytes actually allocated on the host filesystem (`disk size` in qemu-img info). */
  allocated: number;
  /** Cluster/block size `qemu-img info` reports (absent for raw). */
  clusterSize?: number;
  /** Backing file as recorded in the image header (may be relative to the image's directory). */
  backingFile?: string;
  backingFormat?: string;
  /** Guest data stored in this image (sorted, non-overlapping runs). */
  data?: Extent[];
  snapshots?: ImageSnapshot[];
  /** Highest snapshot id number handed out so far. */
  snapshotSeq?: number;
  qcow2?: Qcow2Meta;
  layout?: Qcow2Layout;
  vmdk?: VmdkMeta;
  /** vpc: "dynamic" or "fixed"; vhdx: block and log sizes; vdi: static; qed: table size. */
  vpc?: { subformat: "dynamic" | "fixed" };
  vhdx?: { blockSize: number; logSize: number };
  vdi?: { static: boolean };
  qed?: { tableClusters: number; l2: Record<number, number> };
  /** Set when the image was not closed cleanly (qcow2 dirty bit, lazy refcounts). */
  dirty?: boolean;
  /**
   * The guest's partitions, volumes and files as the libguestfs tools see them (model/guestfs). Absent in an
   * overlay whose guest has not written anything: the backing file's guest shows through.
   */
  guest?: GuestDisk;
}

/**
 * A new, empty image as `qemu-img create` would make it. Other subsystems (libvirt volumes,
 * xen-create-image) must create images only through this function.
 */
export function newImage(format: string, virtualSize: number, o: { backingFile?: string; backingFormat?: string; options?: Record<string, string> } = {}): DiskImage {
  const spec: CreateSpec = { format, virtualSize, options: { ...o.options }, ...(o.backingFile !== undefined ? { backingFile: o.backingFile } : {}), ...(o.backingFormat !== undefined ? { backingFormat: o.backingFormat } : {}) };
  const r = createImage(spec);
  if ("image" in r) return r.image;
  // options that qemu-img would refuse: fall back to the defaults rather than fail a caller that cannot report it
  const plain = createImage({ format, virtualSize, options: {}, ...(o.backingFile !== undefined ? { backingFile: o.backingFile } : {}), ...(o.backingFormat !== undefined ? { backingFormat: o.backingFormat } : {}) });
  if ("image" in plain) return plain.image;
  return { format, virtualSize, fileLength: format === "raw" ? virtualSize : 196_608, allocated: format === "raw" ? 0 : 196_608, data: [] };
}

export { addInternalSnapshot, applyInternalSnapshot, deleteInternalSnapshot, findSnapshot } from "./image/snapshot";
export { supportsInternalSnapshots } from "./image/formats";
