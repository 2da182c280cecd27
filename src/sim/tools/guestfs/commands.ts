// guestfish's commands over a libguestfs handle: what each prints and the libguestfs error (API call name
// and message) it fails with, as libguestfs 1.48 does. Shared by guestfish and the virt-* tools.
import { basename, dirname, listDir, lstat, makeDir, moveNode, removeNode, resolvePath, stat, writeFile, type Fs, type FsNode } from "../../model/fs";
import { allVgs, deviceSize, filesystems, mapperName, type GuestDisk } from "../../model/guestfs/disk";
import { blockSize, duBlocks, nodeSize, statBlocks, statvfs } from "../../model/guestfs/statfs";
import { mkfs, partAdd, partInit } from "../../model/guestfs/build";
import { inspect } from "../../model/guestfs/inspect";
import { uuidFor } from "../../model/world";
import { GError, type Handle } from "./handle";

/** A guestfish command's result: text for stdout (already newline-terminated) or nothing. */
export type CmdOut = string;

export interface CmdContext {
  h: Handle;
  /** Epoch seconds for new files. */
  now: number;
  /** Counter for generated UUIDs. */
  seq: () => number;
  /** Host file access for upload/download/copy-in/copy-out. */
  hostFs: () => Fs;
  setHostFs: (fn: (fs: Fs) => void) => void;
  cwd: string;
}

const bool = (b: boolean) => (b ? "true\n" : "false\n");

function modeStr(n: FsNode): string {
  const t = n.kind === "dir" ? "d" : n.kind === "symlink" ? "l" : "-";
  const m = n.kind === "symlink" ? 0o777 : n.mode;
  const rwx = (v: number, s: boolean, sc: string) => `${v & 4 ? "r" : "-"}${v & 2 ? "w" : "-"}${s ? (v & 1 ? sc : sc.toUpperCase()) : v & 1 ? "x" : "-"}`;
  return t + rwx((m >> 6) & 7, !!(m & 0o4000), "s") + rwx((m >> 3) & 7, !!(m & 0o2000), "s") + rwx(m & 7, !!(m & 0o1000), "t");
}

const MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function lsDate(mtime: number, now: number): string {
  const d = new Date(mtime * 1000);
  const recent = now - mtime < 15_778_476 && mtime <= now + 3600;
  const day = String(d.getUTCDate()).padStart(2);
  return `${MON[d.getUTCMonth()]} ${day} ${recent ? `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}` : ` ${d.getUTCFullYear()}`}`;
}

/** Directory size as the filesystem reports it (xfs short-form directories grow with their entries). */
function nlink(files: Fs, path: string, n: FsNode): number {
  if (n.kind !== "dir") return 1;
  return 2 + listDir(files, path).filter((c) => files[(path === "/" ? "" : path) + "/" + c]?.kind === "dir").length;
}

/** `ll DIR`: ls -la inside the appliance (the mount root's ".." is the appliance's /sysroot parent). */
function ll(c: CmdContext, path: string): string {
  const l = c.h.locate("ll", path);
  if (!l) throw new GError("ll", `${path}: No such file or directory`);
  const files = l.ref.fs.files;
  const dir = l.inner;
  const node = stat(files, dir);
  if (!node) throw new GError("ll", `${path}: No such file or directory`);
  const rows: [string, number, string, string, number, number, string, number][] = [];
  const row = (name: string, p: string, n: FsNode, display = name) => rows.push([modeStr(n), nlink(files, p, n), n.owner, n.group, nodeSize(l.ref.fs, p, n), n.mtime, n.kind === "symlink" ? `${display} -> ${n.target}` : display, statBlocks(l.ref.fs, p, n) / 2]);
  if (node.kind !== "dir") {
    row(path, dir, node);
  } else {
    row(".", dir, node);
    if (dir === "/" && resolvePath("/", path) === "/") rows.push(["drwxr-xr-x", 15, "0", "0", 4096, c.now, "..", 4]);
    else {
      const parent = dir === "/" ? "/" : dirname(dir);
      row("..", parent, stat(files, parent)!);
    }
    for (const name of listDir(files, dir)) {
      const p = (dir === "/" ? "" : dir) + "/" + name;
      row(name, p, lstat(files, p)!);
    }
  }
  // ls -la in the appliance: "total" counts 1K blocks, and owners without a name there are right-aligned numbers
  const blocks = rows.reduce((a, r) => a + r[7], 0);
  const w = [1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => String(r[i]).length)));
  let out = node.kind === "dir" ? `total ${blocks}\n` : "";
  for (const r of rows) out += `${r[0]} ${String(r[1]).padStart(w[0]!)} ${r[2].padStart(w[1]!)} ${r[3].padStart(w[2]!)} ${String(r[4]).padStart(w[3]!)} ${lsDate(r[5], c.now)} ${r[6]}\n`;
  return out;
}

function partList(h: Handle, dev: string): string {
  const m = /^\/dev\/sd([a-z])$/.exec(dev);
  const d = m ? h.disks[m[1]!.charCodeAt(0) - 97] : undefined;
  if (!d) throw new GError("part_list", `part_list_stub: ${dev}: No such file or directory`);
  if (!d.ptable) throw new GError("part_list", `parted exited with status 1: Error: ${dev}: unrecognised disk label`);
  return d.partitions.map((p, i) => `[${i}] = {\n  part_num: ${p.num}\n  part_start: ${p.start}\n  part_end: ${p.end}\n  part_size: ${p.end - p.start + 1}\n}\n`).join("");
}

function diskIndex(h: Handle, call: string, dev: string): number {
  const m = /^\/dev\/[sv]d([a-z])$/.exec(dev);
  const i = m ? m[1]!.charCodeAt(0) - 97 : -1;
  if (i < 0 || i >= h.disks.length) throw new GError(call, `${call}_stub: ${dev}: No such file or directory`);
  return i;
}

function setDisk(h: Handle, call: string, i: number, d: GuestDisk) {
  h.updateDisks(call, h.disks.map((x, k) => (k === i ? d : x)));
}

/** Replace the filesystem of a block device (mkfs, mkswap, set-uuid). */
function putFs(c: CmdContext, call: string, device: string, fsFn: (size: number, old?: { uuid: string }) => ReturnType<typeof mkfs>) {
  const h = c.h;
  const sz = deviceSize(h.disks, h.sizes, device);
  if (sz === undefined) throw new GError(call, `${call}_stub: ${device}: No such file or directory`);
  const pm = /^\/dev\/sd([a-z])(\d*)$/.exec(device);
  const lm = /^\/dev\/([^/]+)\/([^/]+)$/.exec(device);
  const disks = h.disks.map((d, i) => {
    if (pm && pm[1]!.charCodeAt(0) - 97 === i) {
      if (!pm[2]) return { ...d, ptable: undefined, partitions: [], whole: fsFn(sz, d.whole) };
      return { ...d, partitions: d.partitions.map((p) => (p.num === Number(pm[2]) ? { ...p, pv: undefined, fs: fsFn(sz, p.fs) } : p)) };
    }
    if (lm) return { ...d, vgs: d.vgs.map((vg) => (vg.name === lm[1] ? { ...vg, lvs: vg.lvs.map((lv) => (lv.name === lm[2] ? { ...lv, fs: fsFn(sz, lv.fs) } : lv)) } : vg)) };
    return d;
  });
  h.updateDisks(call, disks);
}

/** Arguments of a command after its name, with optional key:value arguments split off. */
export interface Args {
  pos: string[];
  opt: Record<string, string>;
}

export function run(c: CmdContext, name: string, a: Args): CmdOut {
  const h = c.h;
  const p = a.pos;
  switch (name) {
    case "launch":
      h.launch();
      return "";
    case "add-drive": {
      const ro = a.opt.readonly === "true";
      h.addDrive(p[0]!, { readonly: ro || h.readonly, ...(a.opt.format ? { format: a.opt.format } : {}) });
      return "";
    }
    case "add-drive-ro":
      h.addDrive(p[0]!, { readonly: true });
      return "";
    case "list-devices":
      h.needLaunch("list_devices");
      return h.devices().map((d) => d + "\n").join("");
    case "list-partitions":
      h.needLaunch("list_partitions");
      return h.disks.flatMap((d, i) => d.partitions.map((pt) => `/dev/sd${String.fromCharCode(97 + i)}${pt.num}\n`)).join("");
    case "list-filesystems": {
      h.needLaunch("list_filesystems");
      let out = "";
      h.disks.forEach((d, i) => {
        const dev = `/dev/sd${String.fromCharCode(97 + i)}`;
        if (d.whole) out += `${dev}: ${d.whole.type}\n`;
        else if (!d.ptable && !d.pv) out += `${dev}: unknown\n`;
        for (const pt of d.partitions) {
          if (pt.pv !== undefined) continue;
          out += `${dev}${pt.num}: ${pt.fs ? pt.fs.type : "unknown"}\n`;
        }
      });
      for (const [, vg] of allVgs(h.disks)) for (const lv of vg.lvs) out += `/dev/${vg.name}/${lv.name}: ${lv.fs ? lv.fs.type : "unknown"}\n`;
      return out;
    }
    case "lvs":
      h.needLaunch("lvs");
      return allVgs(h.disks).flatMap(([, vg]) => vg.lvs.map((lv) => `/dev/${vg.name}/${lv.name}\n`)).join("");
    case "vgs":
      h.needLaunch("vgs");
      return allVgs(h.disks).map(([, vg]) => `${vg.name}\n`).join("");
    case "pvs":
      h.needLaunch("pvs");
      return h.disks.flatMap((d, i) => d.partitions.filter((pt) => pt.pv !== undefined).map((pt) => `/dev/sd${String.fromCharCode(97 + i)}${pt.num}\n`)).join("");
    case "vfs-type":
    case "vfs-uuid":
    case "vfs-label": {
      h.needLaunch(name.replace(/-/g, "_"));
      const ref = h.findFs(name.replace(/-/g, "_"), p[0]!);
      if (name === "vfs-type") return `${ref.fs.type}\n`;
      if (name === "vfs-uuid") return `${ref.fs.uuid}\n`;
      return `${ref.fs.label ?? ""}\n`;
    }
    case "part-list":
      h.needLaunch("part_list");
      return partList(h, p[0]!);
    case "part-get-parttype": {
      h.needLaunch("part_get_parttype");
      const d = h.disks[diskIndex(h, "part_get_parttype", p[0]!)]!;
      if (!d.ptable) throw new GError("part_get_parttype", `parted exited with status 1: Error: ${p[0]}: unrecognised disk label`);
      return `${d.ptable}\n`;
    }
    case "part-init": {
      h.needLaunch("part_init");
      const i = diskIndex(h, "part_init", p[0]!);
      const t = p[1] === "mbr" || p[1] === "msdos" ? "msdos" : p[1] === "gpt" || p[1] === "efi" ? "gpt" : undefined;
      if (!t) throw new GError("part_init", `unknown partition type: ${p[1]}: this should be one of "msdos" or "gpt"`);
      setDisk(h, "part_init", i, partInit(h.disks[i]!, t));
      return "";
    }
    case "part-disk": {
      h.needLaunch("part_disk");
      const i = diskIndex(h, "part_disk", p[0]!);
      const t = p[1] === "mbr" || p[1] === "msdos" ? "msdos" : "gpt";
      const r = partAdd(partInit(h.disks[i]!, t), h.sizes[i]!, t === "gpt" ? 2048 : 2048, t === "gpt" ? -34 : -1);
      if (typeof r === "string") throw new GError("part_disk", "parted failed");
      setDisk(h, "part_disk", i, r);
      return "";
    }
    case "part-add": {
      h.needLaunch("part_add");
      const i = diskIndex(h, "part_add", p[0]!);
      const r = partAdd(h.disks[i]!, h.sizes[i]!, Number(p[2]), Number(p[3]));
      if (r === "no-table") throw new GError("part_add", `parted exited with status 1: Error: ${p[0]}: unrecognised disk label`);
      if (typeof r === "string") throw new GError("part_add", "parted exited with status 1: Error: You requested a partition from " + p[2] + "s to " + p[3] + "s (sectors).");
      setDisk(h, "part_add", i, r);
      return "";
    }
    case "part-set-bootable": {
      h.needLaunch("part_set_bootable");
      const i = diskIndex(h, "part_set_bootable", p[0]!);
      const d = h.disks[i]!;
      setDisk(h, "part_set_bootable", i, { ...d, partitions: d.partitions.map((pt) => (pt.num === Number(p[1]) ? { ...pt, bootable: p[2] === "true" } : pt)) });
      return "";
    }
    case "mkfs": {
      h.needLaunch("mkfs");
      const type = p[0]!;
      if (!["ext2", "ext3", "ext4", "xfs", "vfat", "btrfs"].includes(type)) throw new GError("mkfs", `${type}: ${p[1]}: mkfs: failed to execute mkfs.${type}: No such file or directory`);
      putFs(c, "mkfs", p[1]!, (sz) => mkfs(type as "ext4", sz, uuidFor(c.seq()), c.now, a.opt.label));
      return "";
    }
    case "mkswap":
      h.needLaunch("mkswap");
      putFs(c, "mkswap", p[0]!, (sz) => mkfs("swap", sz, a.opt.uuid ?? uuidFor(c.seq()), c.now, a.opt.label));
      return "";
    case "set-uuid": {
      h.needLaunch("set_uuid");
      const ref = h.findFs("set_uuid", p[0]!);
      putFs(c, "set_uuid", p[0]!, () => ({ ...ref.fs, uuid: p[1]! }));
      return "";
    }
    case "set-label": {
      h.needLaunch("set_label");
      const ref = h.findFs("set_label", p[0]!);
      putFs(c, "set_label", p[0]!, () => ({ ...ref.fs, label: p[1]! }));
      return "";
    }
    case "pvcreate": {
      h.needLaunch("pvcreate");
      const m = /^\/dev\/sd([a-z])(\d+)$/.exec(p[0]!);
      const i = m ? m[1]!.charCodeAt(0) - 97 : -1;
      const d = h.disks[i];
      if (!d || !d.partitions.some((pt) => pt.num === Number(m![2]))) throw new GError("pvcreate", `pvcreate_stub: ${p[0]}: No such file or directory`);
      setDisk(h, "pvcreate", i, { ...d, partitions: d.partitions.map((pt) => (pt.num === Number(m![2]) ? { ...pt, fs: undefined, pv: "", pvUuid: uuidFor(c.seq()) } : pt)) });
      return "";
    }
    case "vgcreate": {
      h.needLaunch("vgcreate");
      const vg = p[0]!;
      const pvs = p.slice(1).join(" ").split(/\s+/).filter(Boolean);
      let disks = h.disks;
      for (const pv of pvs) {
        const m = /^\/dev\/sd([a-z])(\d+)$/.exec(pv);
        const i = m ? m[1]!.charCodeAt(0) - 97 : -1;
        const d = disks[i];
        if (!d || !d.partitions.some((pt) => pt.num === Number(m![2]) && pt.pv !== undefined)) throw new GError("vgcreate", `  Device ${pv} not found.`);
        disks = disks.map((x, k) => (k === i ? { ...x, partitions: x.partitions.map((pt) => (pt.num === Number(m![2]) ? { ...pt, pv: vg } : pt)) } : x));
      }
      const first = /^\/dev\/sd([a-z])/.exec(pvs[0]!)![1]!.charCodeAt(0) - 97;
      disks = disks.map((x, k) => (k === first ? { ...x, vgs: [...x.vgs, { name: vg, uuid: uuidFor(c.seq()), lvs: [] }] } : x));
      h.updateDisks("vgcreate", disks);
      return "";
    }
    case "lvcreate":
    case "lvcreate-free": {
      h.needLaunch(name.replace(/-/g, "_"));
      const [lv, vg, num] = [p[0]!, p[1]!, Number(p[2])];
      const found = allVgs(h.disks).find(([, v]) => v.name === vg);
      if (!found) throw new GError(name.replace(/-/g, "_"), `  Volume group "${vg}" not found`);
      const [di, v] = found;
      const pvBytes = h.disks.flatMap((d) => d.partitions.filter((pt) => pt.pv === vg).map((pt) => pt.end - pt.start + 1 - 2 ** 20)).reduce((x, y) => x + y, 0);
      const extents = Math.floor(pvBytes / (4 * 2 ** 20));
      const used = v.lvs.reduce((x, l) => x + l.size / (4 * 2 ** 20), 0);
      const free = extents - used;
      const n = name === "lvcreate" ? Math.ceil((num * 2 ** 20) / (4 * 2 ** 20)) : Math.floor((free * num) / 100);
      if (n > free || n <= 0) throw new GError(name.replace(/-/g, "_"), `  Volume group "${vg}" has insufficient free space (${free} extents): ${n} required.`);
      const disks = h.disks.map((d, k) => (k === di ? { ...d, vgs: d.vgs.map((x) => (x.name === vg ? { ...x, lvs: [...x.lvs, { name: lv, size: n * 4 * 2 ** 20, uuid: uuidFor(c.seq()) }] } : x)) } : d));
      h.updateDisks(name.replace(/-/g, "_"), disks);
      return "";
    }
    case "inspect-os": {
      h.needLaunch("inspect_os");
      return inspect(h.disks).map((o) => `${o.root}\n`).join("");
    }
    case "inspect-get-roots":
      return inspect(h.disks).map((o) => `${o.root}\n`).join("");
    case "inspect-get-type":
    case "inspect-get-distro":
    case "inspect-get-product-name":
    case "inspect-get-hostname":
    case "inspect-get-major-version":
    case "inspect-get-minor-version":
    case "inspect-get-arch":
    case "inspect-get-package-format":
    case "inspect-get-package-management":
    case "inspect-get-osinfo":
    case "inspect-get-mountpoints":
    case "inspect-get-filesystems": {
      const call = name.replace(/-/g, "_");
      const os = inspect(h.disks).find((o) => o.root === p[0]);
      if (!os) throw new GError(call, `${p[0]}: no inspection data: call guestfs_inspect_os first`);
      switch (name) {
        case "inspect-get-type":
          return "linux\n";
        case "inspect-get-distro":
          return `${os.distro}\n`;
        case "inspect-get-product-name":
          return `${os.productName}\n`;
        case "inspect-get-hostname":
          return `${os.hostname}\n`;
        case "inspect-get-major-version":
          return `${os.major}\n`;
        case "inspect-get-minor-version":
          return `${os.minor}\n`;
        case "inspect-get-arch":
          return `${os.arch}\n`;
        case "inspect-get-package-format":
          return `${os.packageFormat}\n`;
        case "inspect-get-package-management":
          return `${os.packageManagement}\n`;
        case "inspect-get-osinfo":
          return `${os.osinfo}\n`;
        case "inspect-get-mountpoints":
          return os.mountpoints.map(([mp, dev]) => `${mp}: ${dev}\n`).join("");
        default:
          return os.filesystems.map((f) => `${f}\n`).join("");
      }
    }
    case "mount":
    case "mount-ro":
    case "mount-options": {
      const dev = name === "mount-options" ? p[1]! : p[0]!;
      const mp = name === "mount-options" ? p[2]! : p[1]!;
      h.mount(name.replace(/-/g, "_"), dev, mp, name === "mount-ro" || (name === "mount-options" && /\bro\b/.test(p[0]!)));
      return "";
    }
    case "umount": {
      h.needLaunch("umount");
      const target = p[0]!;
      const i = h.mounts.findIndex((m) => m.mountpoint === target || m.device === target);
      if (i < 0) throw new GError("umount", `${target}: not mounted`);
      h.mounts.splice(i, 1);
      return "";
    }
    case "umount-all":
      h.umountAll();
      return "";
    case "mountpoints":
      h.needLaunch("mountpoints");
      return h.mounts.map((m) => `${m.device}: ${m.mountpoint}\n`).join("");
    case "mounts":
      h.needLaunch("mounts");
      return h.mounts.map((m) => `${m.device}\n`).join("");
    case "ls": {
      h.needLaunch("ls0");
      const l = h.locate("ls0", p[0]!);
      if (!l) throw new GError("ls0", `${p[0]}: No such file or directory`);
      const n = stat(l.ref.fs.files, l.inner);
      if (n?.kind !== "dir") throw new GError("ls0", `opendir: ${p[0]}: Not a directory`);
      return listDir(l.ref.fs.files, l.inner).map((x) => x + "\n").join("");
    }
    case "ll":
      h.needLaunch("ll");
      return ll(c, p[0]!);
    case "cat":
    case "download":
      if (name === "download") return download(c, p[0]!, p[1]!);
      h.needLaunch("download");
      return h.readFile("download", p[0]!) + "\n";
    case "head":
    case "head-n":
    case "tail":
    case "tail-n": {
      const call = name.replace(/-/g, "_");
      h.needLaunch(call);
      const path = name.endsWith("-n") ? p[1]! : p[0]!;
      const n = name.endsWith("-n") ? Number(p[0]) : 10;
      const lines = h.readFile(call, path).split("\n");
      if (lines[lines.length - 1] === "") lines.pop();
      const sel = name.startsWith("head") ? (n >= 0 ? lines.slice(0, n) : lines.slice(0, Math.max(0, lines.length + n))) : n >= 0 ? lines.slice(Math.max(0, lines.length - n)) : lines.slice(-n - 1 >= 0 ? -n - 1 + 1 : 0);
      return sel.map((x) => x + "\n").join("");
    }
    case "write":
    case "write-append": {
      const call = name === "write" ? "internal_write" : "internal_write_append";
      h.needLaunch(call);
      h.parentMustExist(call, p[0]!);
      const existing = h.locate(call, p[0]!, false)!;
      const en = stat(existing.ref.fs.files, existing.inner);
      if (en?.kind === "dir") throw new GError(call, `open: ${p[0]}: Is a directory`);
      if (existing.ro) throw new GError(call, `open: ${p[0]}: Read-only file system`);
      h.change(call, p[0]!, (files, inner) => void writeFile(files, inner, p[1] ?? "", { mtime: c.now, owner: en?.owner ?? "0", group: en?.group ?? "0", append: name === "write-append" }));
      return "";
    }
    case "touch": {
      h.needLaunch("touch");
      h.parentMustExist("touch", p[0]!);
      const l = h.locate("touch", p[0]!, false)!;
      if (l.ro) throw new GError("touch", `open: ${p[0]}: Read-only file system`);
      h.change("touch", p[0]!, (files, inner) => {
        const n = files[inner];
        if (n) n.mtime = c.now;
        else writeFile(files, inner, "", { mtime: c.now, owner: "0", group: "0" });
      });
      return "";
    }
    case "truncate":
    case "truncate-size": {
      // truncate(2) on an existing file: to zero, or to a size (growing it with zero bytes)
      const call = name.replace(/-/g, "_");
      h.needLaunch(call);
      const l = h.locate(call, p[0]!);
      const n = l ? stat(l.ref.fs.files, l.inner) : undefined;
      if (!l || !n) throw new GError(call, `open: ${p[0]}: No such file or directory`);
      if (n.kind === "dir") throw new GError(call, `open: ${p[0]}: Is a directory`);
      if (l.ro) throw new GError(call, `open: ${p[0]}: Read-only file system`);
      const size = name === "truncate" ? 0 : Number(p[1]);
      if (!Number.isInteger(size) || size < 0) throw new GError(call, `truncate: ${p[0]}: Invalid argument`);
      h.change(call, p[0]!, (files, inner) => {
        const f = files[inner];
        if (f?.kind !== "file") return;
        const cur = Buffer.from(f.content, "latin1");
        f.content = (cur.length >= size ? cur.subarray(0, size) : Buffer.concat([cur, Buffer.alloc(size - cur.length)])).toString("latin1");
        f.mtime = c.now;
      });
      return "";
    }
    case "mkdir":
    case "mkdir-p": {
      h.needLaunch(name.replace(/-/g, "_"));
      const l = h.locate(name, p[0]!, false)!;
      if (lstat(l.ref.fs.files, l.inner)) {
        if (name === "mkdir") throw new GError("mkdir", `${p[0]}: File exists`);
        return "";
      }
      if (name === "mkdir") h.parentMustExist("mkdir", p[0]!);
      if (l.ro) throw new GError(name.replace(/-/g, "_"), `${p[0]}: Read-only file system`);
      h.change(name.replace(/-/g, "_"), p[0]!, (files, inner) => makeDir(files, inner, { mtime: c.now, owner: "0", group: "0", parents: name === "mkdir-p" }));
      return "";
    }
    case "rm":
    case "rm-f":
    case "rm-rf":
    case "rmdir": {
      const call = name.replace(/-/g, "_");
      h.needLaunch(call);
      const l = h.locate(call, p[0]!, false)!;
      const n = lstat(l.ref.fs.files, l.inner);
      if (!n) {
        if (name === "rm-f" || name === "rm-rf") return "";
        throw new GError(call, `${p[0]}: No such file or directory`);
      }
      if (name === "rm" && n.kind === "dir") throw new GError(call, `${p[0]}: Is a directory`);
      if (name === "rmdir" && n.kind !== "dir") throw new GError(call, `${p[0]}: Not a directory`);
      if (name === "rmdir" && listDir(l.ref.fs.files, l.inner).length) throw new GError(call, `${p[0]}: Directory not empty`);
      h.change(call, p[0]!, (files, inner) => removeNode(files, inner, { recursive: name === "rm-rf" }), true);
      return "";
    }
    case "cp":
    case "cp-a":
    case "mv": {
      const call = name.replace(/-/g, "_");
      h.needLaunch(call);
      const src = h.locate(call, p[0]!);
      if (!src) throw new GError(call, `cannot stat '${sysroot(p[0]!)}': No such file or directory`);
      const dst = h.locate(call, p[1]!, false)!;
      if (src.ref.device !== dst.ref.device) throw new GError(call, "copying between filesystems is not supported in this lab");
      const dn = stat(dst.ref.fs.files, dst.inner);
      const target = dn?.kind === "dir" ? (dst.inner === "/" ? "" : dst.inner) + "/" + basename(src.inner) : dst.inner;
      h.change(call, p[0]!, (files) => {
        if (name === "mv") moveNode(files, src.inner, target);
        else {
          const n = files[src.inner]!;
          for (const k of Object.keys(files)) if (k === src.inner || k.startsWith(src.inner + "/")) files[target + k.slice(src.inner.length)] = { ...(k === src.inner ? n : files[k]!), ...(name === "cp" ? { mtime: c.now } : {}) };
        }
      });
      return "";
    }
    case "ln-s":
    case "ln-sf": {
      h.needLaunch(name.replace(/-/g, "_"));
      const l = h.locate("ln_s", p[1]!, false)!;
      if (lstat(l.ref.fs.files, l.inner) && name === "ln-s") throw new GError("ln_s", `${p[1]}: File exists`);
      h.change("ln_s", p[1]!, (files, inner) => void (files[inner] = { kind: "symlink", target: p[0]!, mode: 0o777, owner: "0", group: "0", mtime: c.now }));
      return "";
    }
    case "chmod": {
      h.needLaunch("chmod");
      const mode = parseInt(p[0]!, 8);
      h.change("chmod", p[1]!, (files, inner) => void (files[inner]!.mode = mode), true);
      return "";
    }
    case "chown": {
      h.needLaunch("chown");
      h.change("chown", p[2]!, (files, inner) => {
        files[inner]!.owner = p[0]!;
        files[inner]!.group = p[1]!;
      }, true);
      return "";
    }
    case "exists":
      h.needLaunch("exists");
      return bool(!!h.locate("exists", p[0]!));
    case "is-file":
    case "is-dir":
    case "is-symlink": {
      h.needLaunch(name.replace(/-/g, "_"));
      const l = h.locate(name, p[0]!);
      const n = l ? (name === "is-symlink" ? lstat(l.ref.fs.files, l.inner) : stat(l.ref.fs.files, l.inner)) : undefined;
      return bool(!!n && n.kind === (name === "is-file" ? "file" : name === "is-dir" ? "dir" : "symlink"));
    }
    case "readlink": {
      h.needLaunch("readlink");
      const l = h.locate("readlink", p[0]!);
      const n = l ? lstat(l.ref.fs.files, l.inner) : undefined;
      if (n?.kind !== "symlink") throw new GError("readlink", `${p[0]}: Invalid argument`);
      return `${n.target}\n`;
    }
    case "file": {
      h.needLaunch("file");
      const l = h.locate("file", p[0]!);
      const n = l ? lstat(l.ref.fs.files, l.inner) : undefined;
      if (!n) throw new GError("file", `${p[0]}: No such file or directory`);
      if (n.kind === "dir") return "directory\n";
      if (n.kind === "symlink") return `symbolic link to ${n.target}\n`;
      if (n.content === "") return "empty\n";
      if (n.content.startsWith("\x7fELF")) return "ELF 64-bit LSB pie executable, x86-64, version 1 (SYSV), dynamically linked, interpreter /lib64/ld-linux-x86-64.so.2, stripped\n";
      return /[^\x09\x0a\x20-\x7e]/.test(n.content) ? "data\n" : "ASCII text\n";
    }
    case "grep": {
      h.needLaunch("grep");
      const text = h.readFile("grep", p[1]!);
      const re = new RegExp(p[0]!);
      return text.split("\n").filter((l, i, arr) => (i < arr.length - 1 || l !== "") && re.test(l)).map((l) => l + "\n").join("");
    }
    case "echo":
      return p.join(" ") + "\n";
    case "blkid": {
      h.needLaunch("blkid");
      const ref = h.findFs("blkid", p[0]!);
      const m = /^\/dev\/sd([a-z])(\d+)$/.exec(ref.device);
      const d = m ? h.disks[m[1]!.charCodeAt(0) - 97] : undefined;
      const part = d?.partitions.find((x) => x.num === Number(m?.[2]));
      const dev = ref.where.kind === "lv" ? mapperName(ref.where.vg, ref.where.lv) : ref.device;
      let s = `DEVNAME: ${dev}\n`;
      if (ref.fs.label) s += `LABEL: ${ref.fs.label}\n`;
      s += `UUID: ${ref.fs.uuid}\n`;
      if (ref.fs.type !== "swap") s += `BLOCK_SIZE: ${ref.fs.type === "xfs" ? 512 : 4096}\n`;
      s += `TYPE: ${ref.fs.type}\nUSAGE: ${ref.fs.type === "swap" ? "other" : "filesystem"}\n`;
      if (part && d) {
        s += `MINIMUM_IO_SIZE: 512\nPHYSICAL_SECTOR_SIZE: 512\nLOGICAL_SECTOR_SIZE: 512\nPART_ENTRY_SCHEME: ${d.ptable === "gpt" ? "gpt" : "dos"}\n`;
        if (d.ptable === "gpt") s += `PART_ENTRY_NAME: primary\n`;
        s += d.ptable === "gpt" ? `PART_ENTRY_TYPE: ${part.gptType}\n` : `PART_ENTRY_TYPE: 0x83\n`;
        if (part.bootable && d.ptable !== "gpt") s += "PART_ENTRY_FLAGS: 0x80\n";
        s += `PART_ENTRY_NUMBER: ${part.num}\nPART_ENTRY_OFFSET: ${part.start / 512}\nPART_ENTRY_SIZE: ${(part.end - part.start + 1) / 512}\nPART_ENTRY_DISK: 8:${(m![1]!.charCodeAt(0) - 97) * 16}\n`;
      }
      return s;
    }
    case "df":
    case "df-h":
      h.needLaunch(name.replace(/-/g, "_"));
      return df(c, name === "df-h");
    case "statvfs": {
      h.needLaunch("statvfs");
      const l = h.locate("statvfs", p[0]!);
      if (!l) throw new GError("statvfs", `${p[0]}: No such file or directory`);
      const v = statvfs(l.ref.fs, l.ro);
      return (["bsize", "frsize", "blocks", "bfree", "bavail", "files", "ffree", "favail", "fsid", "flag", "namemax"] as const).map((f) => `${f}: ${v[f]}\n`).join("");
    }
    case "stat": {
      h.needLaunch("stat");
      const l = h.locate("stat", p[0]!);
      const n = l ? stat(l.ref.fs.files, l.inner) : undefined;
      if (!l || !n) throw new GError("stat", `${p[0]}: No such file or directory`);
      const type = n.kind === "dir" ? 0o040000 : n.kind === "symlink" ? 0o120000 : 0o100000;
      const sz = nodeSize(l.ref.fs, l.inner, n);
      return `dev: ${l.ref.where.kind === "lv" ? 64768 : 2049}\nino: ${131 + Object.keys(l.ref.fs.files).indexOf(l.inner)}\nmode: ${type | n.mode}\nnlink: ${nlink(l.ref.fs.files, l.inner, n)}\nuid: ${n.owner}\ngid: ${n.group}\nrdev: 0\nsize: ${sz}\nblksize: ${blockSize(l.ref.fs)}\nblocks: ${statBlocks(l.ref.fs, l.inner, n)}\natime: ${n.mtime}\nmtime: ${n.mtime}\nctime: ${n.mtime}\n`;
    }
    case "du": {
      // the daemon runs `du -s /sysroot/PATH` and returns the first number (KiB); du crosses into the
      // filesystems mounted below PATH
      h.needLaunch("du");
      const l = h.locate("du", p[0]!);
      if (!l) throw new GError("du", `${p[0]}: du: cannot access '/sysroot${resolvePath("/", p[0]!)}': No such file or directory`);
      return `${Math.ceil(du(h, resolvePath("/", p[0]!)) / 2)}\n`;
    }
    case "upload":
      return upload(c, p[0]!, p[1]!);
    case "copy-in":
      return copyIn(c, p.slice(0, -1), p[p.length - 1]!);
    case "copy-out":
      return copyOut(c, p.slice(0, -1), p[p.length - 1]!);
    default:
      throw new GError(name.replace(/-/g, "_"), "this command is not available in the lpic3 lab shell");
  }
}

const sysroot = (p: string) => `/sysroot${p}`;

/** st_blocks (512-byte units) du -s adds up under a guest path, including the filesystems mounted below it. */
function du(h: Handle, path: string): number {
  const l = h.locate("du", path)!;
  // the mount holding a path (a mount point itself belongs to the filesystem mounted there unless `over`)
  const holder = (p: string, over = false) =>
    h.mounts.filter((m) => (!over && p === m.mountpoint) || (p !== m.mountpoint && (m.mountpoint === "/" || p.startsWith(m.mountpoint + "/")))).sort((a, b) => b.mountpoint.length - a.mountpoint.length)[0];
  const here = holder(path)!;
  // filesystems mounted below the path directly on this one (deeper ones are counted by their parents)
  const own = h.mounts.filter((m) => m.mountpoint !== path && (path === "/" || m.mountpoint.startsWith(path + "/")) && holder(m.mountpoint, true) === here);
  const hidden = own.map((m) => (here.mountpoint === "/" ? m.mountpoint : m.mountpoint.slice(here.mountpoint.length)));
  return own.reduce((n, m) => n + du(h, m.mountpoint), duBlocks(l.ref.fs, l.inner, hidden));
}

function df(c: CmdContext, human: boolean): string {
  const rows: [string, number, number, number, string][] = [["/dev/root", 4120288, 358260, 3552316, "/"], ["/dev", 620436, 0, 620436, "/dev"], ["shmfs", 626564, 0, 626564, "/dev/shm"], ["tmpfs", 250628, 120, 250508, "/run"]];
  for (const m of c.h.mounts) {
    const ref = filesystems(c.h.disks).find((f) => f.device === m.device);
    if (!ref) continue;
    const v = statvfs(ref.fs, m.ro);
    const k = v.bsize / 1024;
    const [total, used] = [v.blocks * k, (v.blocks - v.bfree) * k];
    const dev = ref.where.kind === "lv" ? mapperName(ref.where.vg, ref.where.lv) : ref.device;
    rows.push([dev, total, used, v.bavail * k, m.mountpoint === "/" ? "/sysroot" : `/sysroot${m.mountpoint}`]);
  }
  const hs = (k: number) => {
    const b = k * 1024;
    if (b === 0) return "0";
    const u = ["K", "M", "G", "T"];
    let v = b / 1024;
    let i = 0;
    while (v >= 1024 && i < 3) {
      v /= 1024;
      i++;
    }
    return v < 10 ? `${(Math.ceil(v * 10) / 10).toFixed(1)}${u[i]}` : `${Math.ceil(v)}${u[i]}`;
  };
  const w = Math.max(...rows.map((r) => r[0].length), 10);
  let out = human ? `${"Filesystem".padEnd(w)}  Size  Used Avail Use% Mounted on\n` : `${"Filesystem".padEnd(w)} 1K-blocks   Used Available Use% Mounted on\n`;
  for (const [fs, t, u, a, mp] of rows) {
    const pct = t ? `${Math.ceil((u / (u + a)) * 100)}%` : "-";
    out += human ? `${fs.padEnd(w)} ${hs(t).padStart(5)} ${hs(u).padStart(5)} ${hs(a).padStart(5)} ${pct.padStart(4)} ${mp}\n` : `${fs.padEnd(w)} ${String(t).padStart(9)} ${String(u).padStart(6)} ${String(a).padStart(9)} ${pct.padStart(4)} ${mp}\n`;
  }
  return out;
}

function upload(c: CmdContext, local: string, remote: string): string {
  const src = resolvePath(c.cwd, local);
  const n = stat(c.hostFs(), src);
  if (!n) throw new GError("upload", `${local}: No such file or directory`);
  if (n.kind !== "file") throw new GError("upload", `${local}: Is a directory`);
  c.h.needLaunch("upload");
  c.h.parentMustExist("upload", remote);
  c.h.change("upload", remote, (files, inner) => void writeFile(files, inner, n.content, { mtime: c.now, owner: "0", group: "0" }));
  return "";
}

function download(c: CmdContext, remote: string, local: string): string {
  const content = c.h.readFile("download", remote);
  const dst = resolvePath(c.cwd, local);
  c.setHostFs((fs) => void writeFile(fs, dst, content, { mtime: c.now }));
  return "";
}

function copyIn(c: CmdContext, locals: string[], remoteDir: string): string {
  c.h.needLaunch("copy_in");
  const host = c.hostFs();
  for (const local of locals) {
    // guestfs_copy_in, once per source: the source must exist, then the target be a directory
    const src = resolvePath(c.cwd, local);
    const n = stat(host, src);
    if (!n) throw new GError("", `source \u2018${local}\u2019 does not exist (or cannot be read)`);
    const l = c.h.locate("is_dir", remoteDir);
    if (!l || stat(l.ref.fs.files, l.inner)?.kind !== "dir") throw new GError("", `target \u2018${remoteDir}\u2019 is not a directory`);
    const base = basename(src);
    c.h.change("copy_in", remoteDir, (files, inner) => {
      const dst = (inner === "/" ? "" : inner) + "/" + base;
      for (const k of Object.keys(host)) {
        if (k !== src && !k.startsWith(src + "/")) continue;
        const node = host[k]!;
        const target = dst + k.slice(src.length);
        files[target] = node.kind === "file" ? { kind: "file", content: node.content, mode: node.mode, owner: "0", group: "0", mtime: node.mtime } : { ...node, owner: "0", group: "0" };
      }
    });
  }
  return "";
}

function copyOut(c: CmdContext, remotes: string[], localDir: string): string {
  c.h.needLaunch("copy_out");
  const dst = resolvePath(c.cwd, localDir);
  if (stat(c.hostFs(), dst)?.kind !== "dir") throw new GError("", `target \u2018${localDir}\u2019 is not a directory`);
  for (const r of remotes) {
    const l = c.h.locate("copy_out", r);
    if (!l) throw new GError("", `\u2018${r}\u2019 is not a file or directory`);
    const files = l.ref.fs.files;
    const base = l.inner === "/" ? "" : basename(l.inner);
    c.setHostFs((fs) => {
      for (const k of Object.keys(files)) {
        if (k !== l.inner && !k.startsWith(l.inner === "/" ? "/" : l.inner + "/")) continue;
        const rel = l.inner === "/" ? k : k.slice(l.inner.length);
        const target = resolvePath(dst, base + rel);
        const node = files[k]!;
        if (node.kind === "dir") makeDir(fs, target, { parents: true, mtime: node.mtime, mode: node.mode });
        else if (node.kind === "file") {
          makeDir(fs, dirname(target), { parents: true, mtime: node.mtime });
          writeFile(fs, target, node.content, { mtime: node.mtime, mode: node.mode });
        } else fs[target] = { ...node, owner: "root", group: "root" };
      }
    });
  }
  return "";
}
