// Building guest disks: partition tables, filesystems, LVM, and the guest templates (a Debian 12 and a
// Rocky Linux 9 disk) that fixtures and the golden transcripts start from.
import { makeDir, writeFile, type Fs } from "../fs";
import templatesData from "./templates.json";
import { SECTOR, emptyDisk, type FsType, type GuestDisk, type GuestFs, type GuestPartition, type Payload } from "./disk";

/** An empty filesystem as mkfs leaves it (ext* get lost+found). */
export function mkfs(type: FsType, size: number, uuid: string, mtime: number, label?: string): GuestFs {
  const files: Fs = { "/": { kind: "dir", mode: 0o755, owner: "0", group: "0", mtime } };
  if (type.startsWith("ext")) files["/lost+found"] = { kind: "dir", mode: 0o700, owner: "0", group: "0", mtime };
  return { type, uuid, size, files, ...(label ? { label } : {}), nextIno: type === "xfs" ? 131 : 12 };
}

/** part-init: a fresh, empty partition table. */
export function partInit(d: GuestDisk, type: "msdos" | "gpt"): GuestDisk {
  return { ...d, ptable: type, partitions: [], whole: undefined, vgs: d.vgs.filter(() => false) };
}

export type PartError = "no-table" | "overlap" | "range" | "too-many";

/**
 * part-add: a primary partition from sector `start` to `end` (inclusive; negative counts from the end of
 * the disk, -1 being the last sector).
 */
export function partAdd(d: GuestDisk, diskBytes: number, start: number, end: number): GuestDisk | PartError {
  if (!d.ptable) return "no-table";
  const sectors = Math.floor(diskBytes / SECTOR);
  const last = end < 0 ? sectors + end : end;
  if (start < 0 || last >= sectors || last < start) return "range";
  if (d.ptable === "gpt" && last > sectors - 34) return "range";
  if (d.ptable === "msdos" && d.partitions.length >= 4) return "too-many";
  const s = start * SECTOR;
  const e = (last + 1) * SECTOR - 1;
  if (d.partitions.some((p) => !(e < p.start || s > p.end))) return "overlap";
  const num = d.partitions.length + 1;
  const p: GuestPartition = { num, start: s, end: e, ...(d.ptable === "gpt" ? { name: "primary", gptType: "0fc63daf-8483-4772-8e79-3d69d8477de4" } : { mbrId: 0x83 }) };
  return { ...d, partitions: [...d.partitions, p] };
}

interface TemplatePart {
  start: number;
  end: number;
  bootable?: boolean;
  fs?: FsType;
  uuid?: string;
  pv?: string;
}

export interface GuestTemplate {
  description: string;
  size: number;
  ptable: "msdos" | "gpt";
  partitions: TemplatePart[];
  lvm?: { vg: string; lvs: { name: string; percent: number; fs: FsType; uuid: string }[] };
  mounts: [string, string][];
  /**
   * The installed system's files beyond those listed, by mount point: what a small server install takes
   * (Debian 12 standard + ssh: 1.25 GiB on /; Rocky 9 minimal: 1.56 GiB on /, 190 MiB on /boot), and how
   * the bytes spread over the tree (`dirs`, fractions by directory inside that filesystem: what du sees).
   */
  installed?: Record<string, Payload>;
  dirs: string[];
  symlinks?: [string, string][];
  modes?: [string, string][];
  owners?: [string, number, number][];
  files: Record<string, string>;
  bootfiles?: Record<string, string>;
  elf?: string[];
  /** Sizes of the binaries the recording host uploaded for `elf` (the sim keeps only their header). */
  elfSizes?: Record<string, number>;
}

export const TEMPLATES = templatesData as unknown as Record<string, GuestTemplate>;

/** What a placeholder x86-64 ELF binary holds (inspection reads the architecture from its header). */
export const ELF_X86_64 = "\x7fELF\x02\x01\x01 x86-64 executable\n";

/**
 * The disk a template describes, as the recording's guestfish script leaves it; with `installed`, its
 * filesystems also hold the installed system's payload (what a fixture's guest OS takes on disk).
 */
export function buildTemplate(name: string, mtime: number, uuidFor: (n: number) => string, o: { installed?: boolean } = {}): GuestDisk | undefined {
  const t = TEMPLATES[name];
  if (!t) return undefined;
  let d: GuestDisk = partInit(emptyDisk(), t.ptable);
  for (const p of t.partitions) {
    const r = partAdd(d, t.size, p.start, p.end);
    if (typeof r === "string") return undefined;
    d = r;
  }
  d.partitions = d.partitions.map((p, i) => {
    const tp = t.partitions[i]!;
    const size = p.end - p.start + 1;
    return { ...p, ...(tp.bootable ? { bootable: true } : {}), ...(tp.fs ? { fs: mkfs(tp.fs, size, tp.uuid!, mtime) } : {}), ...(tp.pv ? { pv: tp.pv, pvUuid: uuidFor(i) } : {}) };
  });
  if (t.lvm) {
    const pvPart = d.partitions.find((p) => p.pv === t.lvm!.vg)!;
    // LVM keeps 1 MiB of metadata at the start of the PV and allocates 4 MiB extents
    const extents = Math.floor((pvPart.end - pvPart.start + 1 - 2 ** 20) / (4 * 2 ** 20));
    let free = extents;
    const lvs = t.lvm.lvs.map((lv, i) => {
      const n = Math.floor((free * lv.percent) / 100);
      free -= n;
      const size = n * 4 * 2 ** 20;
      return { name: lv.name, size, uuid: uuidFor(10 + i), fs: mkfs(lv.fs, size, lv.uuid, mtime) };
    });
    d.vgs = [{ name: t.lvm.vg, uuid: uuidFor(9), lvs }];
  }
  // populate the mounted filesystems
  const fsFor = (dev: string): GuestFs | undefined => {
    const m = /^\/dev\/sda(\d+)$/.exec(dev);
    if (m) return d.partitions.find((p) => p.num === Number(m[1]))?.fs;
    const lv = /^\/dev\/([^/]+)\/([^/]+)$/.exec(dev);
    return lv ? d.vgs.find((v) => v.name === lv[1])?.lvs.find((l) => l.name === lv[2])?.fs : undefined;
  };
  const mounts = t.mounts.map(([dev, mp]) => ({ mp, fs: fsFor(dev)! }));
  const locate = (path: string) => {
    const m = [...mounts].filter((x) => path === x.mp || path.startsWith(x.mp === "/" ? "/" : x.mp + "/")).sort((a, b) => b.mp.length - a.mp.length)[0]!;
    return { fs: m.fs, inner: m.mp === "/" ? path : path.slice(m.mp.length) || "/" };
  };
  if (o.installed) for (const { mp, fs } of mounts) if (t.installed?.[mp]) fs.payload = { ...t.installed[mp]! };
  const t0 = { mtime, owner: "0", group: "0" };
  for (const { mp } of mounts) if (mp !== "/") makeDir(locate("/").fs.files, mp, { ...t0, parents: true });
  for (const dir of t.dirs) {
    const { fs, inner } = locate(dir);
    makeDir(fs.files, inner, { ...t0, parents: true });
  }
  for (const [path, content] of Object.entries({ ...t.files, ...(t.bootfiles ?? {}) })) {
    const { fs, inner } = locate(path);
    makeDir(fs.files, inner.slice(0, inner.lastIndexOf("/")) || "/", { ...t0, parents: true });
    writeFile(fs.files, inner, content, t0);
  }
  for (const path of t.elf ?? []) {
    const { fs, inner } = locate(path);
    writeFile(fs.files, inner, ELF_X86_64, { ...t0, mode: 0o755 });
    const size = t.elfSizes?.[path];
    if (size !== undefined) fs.sizes = { ...fs.sizes, [inner]: size };
  }
  for (const [link, target] of t.symlinks ?? []) {
    const { fs, inner } = locate(link);
    fs.files[inner] = { kind: "symlink", target, mode: 0o777, ...t0 };
  }
  for (const [path, mode] of t.modes ?? []) {
    const { fs, inner } = locate(path);
    const n = fs.files[inner];
    if (n) n.mode = parseInt(mode, 8);
  }
  for (const [path, uid, gid] of t.owners ?? []) {
    const { fs, inner } = locate(path);
    const n = fs.files[inner];
    if (n) {
      n.owner = String(uid);
      n.group = String(gid);
    }
  }
  return d;
}
