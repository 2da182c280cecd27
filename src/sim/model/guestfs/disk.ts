// What is inside a disk image as the libguestfs tools see it: a partition table, partitions, LVM physical
// volumes, volume groups and logical volumes, and filesystems holding files. Plain data with pure operations.
import type { Fs } from "../fs";

export type FsType = "ext2" | "ext3" | "ext4" | "xfs" | "vfat" | "btrfs" | "swap";

/** An installed system's files the model does not list: bytes, inodes and the share of the bytes per directory. */
export interface Payload {
  bytes: number;
  files: number;
  /** Fractions of `bytes` (summing to 1) by directory of the filesystem: what lies under that directory but in none of its modelled subdirectories. */
  dirs?: Record<string, number>;
}

export interface GuestFs {
  type: FsType;
  uuid: string;
  label?: string;
  /** Size of the device the filesystem fills, bytes. */
  size: number;
  /** The files, by absolute path inside the filesystem ("/" is its root). Owners are numeric ids. */
  files: Fs;
  /** Next inode number handed out (stat, ls -i). */
  nextIno?: number;
  /** Real sizes of files whose bytes the sim abbreviates (a binary kept as its ELF header), by path. */
  sizes?: Record<string, number>;
  /**
   * The installed operating system's files that the model does not list one by one (the packages'
   * contents): statvfs counts their bytes and inodes, and the disk image holds their data. `dirs` says
   * where in the tree the bytes lie (see payloadBlocks in statfs.ts); without it they lie under "/".
   */
  payload?: Payload;
  /**
   * Bytes of free space that still hold the data of deleted files: free for the filesystem, but written in
   * the disk image until something trims or zeroes them (fstrim, virt-sparsify).
   */
  deleted?: number;
}

export interface GuestPartition {
  num: number;
  /** Byte offsets: first byte and last byte (inclusive), as parted reports them. */
  start: number;
  end: number;
  fs?: GuestFs;
  /** The volume group this partition is a physical volume of ("" for a PV in no group). */
  pv?: string;
  pvUuid?: string;
  bootable?: boolean;
  /** GPT partition name (part-add names them "primary"). */
  name?: string;
  /** MBR partition type byte, GPT type GUID. */
  mbrId?: number;
  gptType?: string;
}

export interface GuestLv {
  name: string;
  size: number;
  uuid: string;
  fs?: GuestFs;
}

export interface GuestVg {
  name: string;
  uuid: string;
  lvs: GuestLv[];
}

/** The guest-visible content of one disk (stored in DiskImage.guest). */
export interface GuestDisk {
  /** Partition table; absent for a blank disk or a filesystem on the whole device. */
  ptable?: "msdos" | "gpt";
  partitions: GuestPartition[];
  /** A filesystem written directly on the device (mkfs /dev/sda). */
  whole?: GuestFs;
  /** Volume groups whose physical volumes are on this disk. */
  vgs: GuestVg[];
  /** The whole device is an LVM physical volume. */
  pv?: string;
}

export const SECTOR = 512;

export const emptyDisk = (): GuestDisk => ({ partitions: [], vgs: [] });

/** /dev/sda, /dev/sdb ... for the n-th drive added (0-based). */
export const driveName = (i: number) => `/dev/sd${String.fromCharCode(97 + i)}`;

export interface FsRef {
  /** Device name as list-filesystems prints it: /dev/sda1, /dev/rl/root. */
  device: string;
  fs: GuestFs;
  disk: number;
  /** Where it sits: a partition, a logical volume or the whole disk. */
  where: { kind: "part"; num: number } | { kind: "lv"; vg: string; lv: string } | { kind: "whole" };
}

/** Every filesystem (and swap) on a set of disks, in the order list-filesystems prints them. */
export function filesystems(disks: GuestDisk[]): FsRef[] {
  // the daemon's order: unpartitioned devices, then partitions, then logical volumes (sorted by lvs)
  const out: FsRef[] = [];
  disks.forEach((d, i) => {
    if (d.whole) out.push({ device: driveName(i), fs: d.whole, disk: i, where: { kind: "whole" } });
  });
  disks.forEach((d, i) => {
    for (const p of d.partitions) if (p.fs) out.push({ device: `${driveName(i)}${p.num}`, fs: p.fs, disk: i, where: { kind: "part", num: p.num } });
  });
  const lvs: FsRef[] = [];
  for (const [i, vg] of allVgs(disks)) for (const lv of vg.lvs) if (lv.fs) lvs.push({ device: `/dev/${vg.name}/${lv.name}`, fs: lv.fs, disk: i, where: { kind: "lv", vg: vg.name, lv: lv.name } });
  return [...out, ...lvs.sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : 0))];
}

export function allVgs(disks: GuestDisk[]): [number, GuestVg][] {
  return disks.flatMap((d, i) => d.vgs.map((vg) => [i, vg] as [number, GuestVg]));
}

/** Canonical device name: /dev/mapper/rl-root and /dev/vda1 are spelled /dev/rl/root and /dev/sda1. */
export function canonical(device: string): string {
  const m = /^\/dev\/mapper\/([^-]+(?:--[^-]+)*)-(.+)$/.exec(device);
  if (m) return `/dev/${m[1]!.replace(/--/g, "-")}/${m[2]!.replace(/--/g, "-")}`;
  return device.replace(/^\/dev\/(?:vd|hd|xvd)([a-z])/, "/dev/sd$1");
}

export function findFs(disks: GuestDisk[], device: string): FsRef | undefined {
  const c = canonical(device);
  return filesystems(disks).find((f) => f.device === c);
}

/** Size in bytes of a block device (disk, partition or logical volume), or undefined if it does not exist. */
export function deviceSize(disks: GuestDisk[], sizes: number[], device: string): number | undefined {
  const c = canonical(device);
  const m = /^\/dev\/sd([a-z])(\d*)$/.exec(c);
  if (m) {
    const i = m[1]!.charCodeAt(0) - 97;
    const d = disks[i];
    if (!d) return undefined;
    if (!m[2]) return sizes[i];
    const p = d.partitions.find((x) => x.num === Number(m[2]));
    return p ? p.end - p.start + 1 : undefined;
  }
  for (const [, vg] of allVgs(disks)) for (const lv of vg.lvs) if (`/dev/${vg.name}/${lv.name}` === c) return lv.size;
  return undefined;
}

/** The mapper name of a logical volume (/dev/mapper/rl-root), with LVM's doubling of dashes. */
export const mapperName = (vg: string, lv: string) => `/dev/mapper/${vg.replace(/-/g, "--")}-${lv.replace(/-/g, "--")}`;

/** Replace the filesystem a reference points at. Returns new disks (the input is not changed). */
export function withFs(disks: GuestDisk[], ref: FsRef, fs: GuestFs | undefined): GuestDisk[] {
  return disks.map((d, i) => {
    if (i !== ref.disk && ref.where.kind !== "lv") return d;
    const w = ref.where;
    if (w.kind === "whole") return i === ref.disk ? { ...d, whole: fs } : d;
    if (w.kind === "part") return i === ref.disk ? { ...d, partitions: d.partitions.map((p) => (p.num === w.num ? { ...p, fs } : p)) } : d;
    return { ...d, vgs: d.vgs.map((vg) => (vg.name === w.vg ? { ...vg, lvs: vg.lvs.map((lv) => (lv.name === w.lv ? { ...lv, fs } : lv)) } : vg)) };
  });
}

/** Blocks the filesystem needs for itself (journal, inode tables, metadata), bytes: what `df` counts as used on an empty fs. */
export function fsOverhead(fs: GuestFs): number {
  switch (fs.type) {
    case "ext4":
    case "ext3":
      return Math.min(Math.round(fs.size * 0.0064) + 16 * 2 ** 20 * Math.min(1, fs.size / 2 ** 30), 1.2 * 2 ** 30);
    case "ext2":
      return Math.round(fs.size * 0.0064);
    case "xfs":
      return Math.round(fs.size * 0.0197) + 5 * 2 ** 20;
    case "vfat":
      return 4096;
    default:
      return 0;
  }
}

/** Bytes the files take (each regular file rounded up to 4 KiB blocks, plus the directories and the OS payload). */
export function filesSize(fs: GuestFs): number {
  let n = fs.payload ? Math.ceil(fs.payload.bytes / 4096) * 4096 : 0;
  for (const node of Object.values(fs.files)) {
    if (node.kind === "file") n += Math.ceil(Buffer.byteLength(node.content) / 4096) * 4096 + (node.image ? 0 : 0);
    else if (node.kind === "dir") n += fs.type === "xfs" ? 0 : 4096;
  }
  return n;
}
