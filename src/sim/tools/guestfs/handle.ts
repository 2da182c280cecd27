// A libguestfs handle: drives added to an appliance, launched, filesystems mounted, file operations on the
// guest, and every change written back to the disk images. guestfish and the virt-* tools share it.
import { produce } from "immer";
import { basename, dirname, listDir, lstat, resolvePath, stat, type Fs, type FsNode } from "../../model/fs";
import { canonical, deviceSize, driveName, filesystems, findFs, withFs, type FsRef, type GuestDisk, type GuestFs } from "../../model/guestfs/disk";
import { guestOf, putGuest } from "../../model/guestfs/image";
import type { World } from "../../model/world";

export interface Drive {
  /** As given (for messages). */
  given: string;
  path: string;
  format?: string;
  readonly: boolean;
}

export interface Mount {
  device: string;
  mountpoint: string;
  ro: boolean;
}

/** A libguestfs error: the API call's name and the message after it. */
export class GError extends Error {
  constructor(
    readonly call: string,
    readonly msg: string,
  ) {
    super(`${call}: ${msg}`);
  }
  /** "call: message", or the message alone for errors the library raises itself (copy-in, copy-out). */
  get text(): string {
    return this.call ? `${this.call}: ${this.msg}` : this.msg;
  }
}

export class Handle {
  drives: Drive[] = [];
  launched = false;
  disks: GuestDisk[] = [];
  sizes: number[] = [];
  mounts: Mount[] = [];
  /** Whether the handle adds drives read-only by default (guestfish --ro). */
  readonly = false;

  constructor(
    public world: World,
    readonly host: string,
    readonly cwd: string,
  ) {}

  get fs(): Fs {
    return this.world.hosts[this.host]!.fs;
  }

  addDrive(given: string, o: { readonly?: boolean; format?: string } = {}): void {
    const path = resolvePath(this.cwd, given);
    const n = stat(this.fs, path);
    if (!n) throw new GError("add_drive", `${given}: No such file or directory`);
    this.drives.push({ given, path, readonly: o.readonly ?? this.readonly, ...(o.format ? { format: o.format } : {}) });
  }

  launch(): void {
    if (this.launched) throw new GError("launch", "the libguestfs handle has already been launched");
    if (this.drives.length === 0) throw new GError("launch", "you must call guestfs_add_drive before guestfs_launch");
    for (const d of this.drives) {
      const n = stat(this.fs, d.path);
      // read-only drives open the image without locking it (libguestfs passes file.locking=off), so the
      // tools work on the disks of running guests; a writable drive needs the image to itself
      if (n?.kind === "file" && n.lock && !d.readonly) {
        throw new GError("launch", `qemu-system-x86_64: -drive file=${d.path},cache=writeback${d.format ? `,format=${d.format}` : ""},id=hd${this.drives.indexOf(d)},if=none: Failed to get "write" lock\nIs another process using the image [${d.path}]?`);
      }
    }
    this.disks = this.drives.map((d) => guestOf(this.fs, d.path));
    this.sizes = this.drives.map((d) => {
      const n = stat(this.fs, d.path);
      return n?.kind === "file" ? (n.image?.virtualSize ?? Buffer.byteLength(n.content)) : 0;
    });
    this.launched = true;
  }

  needLaunch(call: string): void {
    if (!this.launched) throw new GError(call, "call launch before using this function\n(in guestfish, don't forget to use the 'run' command)");
  }

  devices(): string[] {
    return this.drives.map((_, i) => driveName(i));
  }

  /** Write the changed disks back to their images (the top image of each chain). */
  private save(disks: GuestDisk[]): void {
    const changed = disks.map((d, i) => (d !== this.disks[i] ? i : -1)).filter((i) => i >= 0);
    this.disks = disks;
    if (!changed.length) return;
    this.world = produce(this.world, (w) => {
      const fs = w.hosts[this.host]!.fs;
      for (const i of changed) putGuest(fs, this.drives[i]!.path, disks[i]!);
    });
  }

  /** Replace the disks after a structural change (partitioning, LVM, mkfs). */
  updateDisks(call: string, disks: GuestDisk[]): void {
    this.needWritable(call);
    this.save(disks);
  }

  needWritable(call: string): void {
    if (this.drives.some((d) => d.readonly)) throw new GError(call, "Read-only file system");
  }

  findFs(call: string, device: string): FsRef {
    const ref = findFs(this.disks, device);
    if (!ref) {
      const exists = deviceSize(this.disks, this.sizes, device) !== undefined;
      if (!exists) throw new GError(call, `${call}_stub: ${device}: No such file or directory`);
      throw new GError(call, `${device}: wrong fs type, bad option, bad superblock`);
    }
    return ref;
  }

  mount(call: string, device: string, mountpoint: string, ro: boolean): void {
    this.needLaunch(call);
    const c = canonical(device);
    const exists = deviceSize(this.disks, this.sizes, c) !== undefined;
    if (!exists) throw new GError(call, `${call}_stub: ${device}: No such file or directory`);
    const ref = findFs(this.disks, c);
    if (!ref || ref.fs.type === "swap") throw new GError(call, `/dev/${c.split("/").pop()} on ${mountpoint} (options: '${ro ? "ro" : ""}'): mount: ${mountpoint === "/" ? "/sysroot" : `/sysroot${mountpoint}`}: wrong fs type, bad option, bad superblock on ${c}, missing codepage or helper program, or other error.`);
    if (mountpoint !== "/") {
      const target = this.locate(call, mountpoint, false);
      if (!target) throw new GError(call, `mount_point: ${mountpoint}: No such file or directory`);
    } else if (this.mounts.some((m) => m.mountpoint === "/")) throw new GError(call, `/dev/${c.split("/").pop()} on / (options: ''): mount: /sysroot: ${c} already mounted or mount point busy.`);
    this.mounts.push({ device: c, mountpoint, ro: ro || this.drives[ref.disk]?.readonly === true });
  }

  umountAll(): void {
    this.mounts = [];
  }

  /** The filesystem and inner path a guest path lives on (undefined when nothing is mounted there). */
  locate(call: string, path: string, mustExist = true): { ref: FsRef; inner: string; ro: boolean } | undefined {
    this.needLaunch(call);
    if (!path.startsWith("/")) throw new GError(call, `${call === "download" ? "" : ""}path must start with a / character`);
    if (!this.mounts.some((m) => m.mountpoint === "/")) throw new GError(call, `${call}_stub: you must call 'mount' first to mount the root filesystem`);
    const norm = resolvePath("/", path);
    const m = [...this.mounts].filter((x) => norm === x.mountpoint || norm.startsWith(x.mountpoint === "/" ? "/" : x.mountpoint + "/")).sort((a, b) => b.mountpoint.length - a.mountpoint.length)[0]!;
    const ref = findFs(this.disks, m.device)!;
    const inner = m.mountpoint === "/" ? norm : norm.slice(m.mountpoint.length) || "/";
    if (mustExist && !lstat(ref.fs.files, inner)) return undefined;
    return { ref, inner, ro: m.ro };
  }

  node(call: string, path: string): FsNode {
    const l = this.locate(call, path);
    if (!l) throw new GError(call, `${path}: No such file or directory`);
    return stat(l.ref.fs.files, l.inner) ?? lstat(l.ref.fs.files, l.inner)!;
  }

  readFile(call: string, path: string): string {
    const l = this.locate(call, path);
    if (!l) throw new GError(call, `${path}: No such file or directory`);
    const n = stat(l.ref.fs.files, l.inner);
    if (!n) throw new GError(call, `${path}: No such file or directory`);
    if (n.kind === "dir") throw new GError(call, `${path}: Is a directory`);
    return n.kind === "file" ? n.content : "";
  }

  list(call: string, path: string): string[] {
    const l = this.locate(call, path);
    if (!l) throw new GError(call, `${path}: No such file or directory`);
    const n = stat(l.ref.fs.files, l.inner);
    if (n?.kind !== "dir") throw new GError(call, `${path}: Not a directory`);
    const own = listDir(l.ref.fs.files, l.inner);
    // mountpoints of other filesystems show as entries too (they exist as directories there)
    return own;
  }

  /** Apply a change to the filesystem holding `path`; `fn` mutates that filesystem's files. */
  change(call: string, path: string, fn: (files: Fs, inner: string, fs: GuestFs) => void, mustExist = false): void {
    const l = this.locate(call, path, mustExist);
    if (!l) throw new GError(call, `${path}: No such file or directory`);
    if (l.ro) throw new GError(call, `${path}: Read-only file system`);
    const before = l.ref.fs;
    const files = produce(before.files, (draft) => fn(draft as Fs, l.inner, before));
    // a recorded size only holds while the file is the one it was recorded for
    const sizes = before.sizes && Object.fromEntries(Object.entries(before.sizes).filter(([p]) => files[p] === before.files[p]));
    this.save(withFs(this.disks, l.ref, { ...before, files, ...(sizes ? { sizes } : {}) }));
  }

  parentMustExist(call: string, path: string): void {
    const l = this.locate(call, dirname(resolvePath("/", path)));
    if (!l || stat(l.ref.fs.files, l.inner)?.kind !== "dir") throw new GError(call, `${path}: No such file or directory`);
  }

  filesystems() {
    return filesystems(this.disks);
  }
}

export const nameOf = basename;
