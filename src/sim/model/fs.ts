// A host's filesystem as plain data: absolute paths mapped to nodes, with pure operations.
import type { DiskImage } from "./image";

export interface NodeMeta {
  /** Permission bits, e.g. 0o644. */
  mode: number;
  owner: string;
  group: string;
  /** Modification time, epoch seconds. */
  mtime: number;
}

export interface DirNode extends NodeMeta {
  kind: "dir";
}

export interface FileNode extends NodeMeta {
  kind: "file";
  /** Text content. For a disk image this is empty and `image` describes the bytes. */
  content: string;
  /** Set when the file is a disk image (raw, qcow2, ...) created or converted by a simulated tool. */
  image?: DiskImage;
  /** Set for character/block devices such as /dev/kvm or /dev/null. */
  device?: "char" | "block";
  /**
   * Set while a running VM holds the image open (QEMU's image locking): who holds it, e.g.
   * "libvirt:host1:web01", and whether others may read it (`qemu-img -U` works only on shared locks).
   */
  lock?: { holder: string; shared: boolean };
}

export interface SymlinkNode extends NodeMeta {
  kind: "symlink";
  target: string;
}

export type FsNode = DirNode | FileNode | SymlinkNode;

/** path → node. Every parent directory of a node exists as a DirNode; "/" always exists. */
export type Fs = Record<string, FsNode>;

export type FsErrorCode = "ENOENT" | "EEXIST" | "ENOTDIR" | "EISDIR" | "ENOTEMPTY" | "EINVAL" | "ELOOP" | "EACCES";

export class FsError extends Error {
  constructor(
    readonly code: FsErrorCode,
    readonly path: string,
  ) {
    super(`${code}: ${path}`);
  }
}

/** strerror() texts, as coreutils and shells print them. */
export const FS_MESSAGES: Record<FsErrorCode, string> = {
  ENOENT: "No such file or directory",
  EEXIST: "File exists",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  ENOTEMPTY: "Directory not empty",
  EINVAL: "Invalid argument",
  ELOOP: "Too many levels of symbolic links",
  EACCES: "Permission denied",
};

/** Join `p` onto `cwd` and normalise "." and ".." lexically (no symlink resolution). */
export function resolvePath(cwd: string, p: string): string {
  const parts = (p.startsWith("/") ? p : `${cwd}/${p}`).split("/");
  const out: string[] = [];
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return "/" + out.join("/");
}

export const dirname = (p: string) => (p === "/" ? "/" : p.slice(0, p.lastIndexOf("/")) || "/");
export const basename = (p: string) => (p === "/" ? "/" : p.slice(p.lastIndexOf("/") + 1));

/** Follow symlinks in every component of `path`; returns the physical path (which may not exist). */
export function realPath(fs: Fs, path: string, depth = 0): string {
  if (depth > 40) throw new FsError("ELOOP", path);
  const parts = path.split("/").filter(Boolean);
  let cur = "/";
  for (let i = 0; i < parts.length; i++) {
    const next = cur === "/" ? `/${parts[i]}` : `${cur}/${parts[i]}`;
    const node = fs[next];
    if (node?.kind === "symlink") {
      const target = resolvePath(cur, node.target);
      const rest = parts.slice(i + 1).join("/");
      return realPath(fs, rest ? `${target}/${rest}` : target, depth + 1);
    }
    if (node && node.kind !== "dir" && i < parts.length - 1) throw new FsError("ENOTDIR", path);
    cur = next;
  }
  return cur;
}

/** The node at `path` after following symlinks, or undefined. */
export function stat(fs: Fs, path: string): FsNode | undefined {
  try {
    return fs[realPath(fs, path)];
  } catch {
    return undefined;
  }
}

/** The node at `path` itself (a symlink is not followed in the last component). */
export function lstat(fs: Fs, path: string): FsNode | undefined {
  try {
    const d = dirname(path);
    return fs[(d === "/" ? "" : realPath(fs, d)) + "/" + basename(path)] ?? (path === "/" ? fs["/"] : undefined);
  } catch {
    return undefined;
  }
}

export function readFile(fs: Fs, path: string): string {
  const real = realPath(fs, path);
  const n = fs[real];
  if (!n) throw new FsError("ENOENT", path);
  if (n.kind === "dir") throw new FsError("EISDIR", path);
  return n.kind === "file" ? n.content : "";
}

/** Names in directory `path`, sorted in C-locale byte order. */
export function listDir(fs: Fs, path: string): string[] {
  const real = realPath(fs, path);
  const n = fs[real];
  if (!n) throw new FsError("ENOENT", path);
  if (n.kind !== "dir") throw new FsError("ENOTDIR", path);
  const prefix = real === "/" ? "/" : real + "/";
  const names: string[] = [];
  for (const p of Object.keys(fs)) {
    if (p.length > prefix.length && p.startsWith(prefix) && p.indexOf("/", prefix.length) < 0) names.push(p.slice(prefix.length));
  }
  return names.sort(byteOrder);
}

export const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface WriteOptions {
  mode?: number;
  owner?: string;
  group?: string;
  mtime: number;
  append?: boolean;
  image?: DiskImage;
}

/** Create or replace a file (following symlinks). The parent directory must exist. Mutates `fs`. */
export function writeFile(fs: Fs, path: string, content: string, o: WriteOptions): string {
  const real = realPath(fs, path);
  const parent = fs[dirname(real)];
  if (!parent) throw new FsError("ENOENT", path);
  if (parent.kind !== "dir") throw new FsError("ENOTDIR", path);
  const old = fs[real];
  if (old?.kind === "dir") throw new FsError("EISDIR", path);
  const prev = old?.kind === "file" ? old : undefined;
  fs[real] = {
    kind: "file",
    mode: o.mode ?? prev?.mode ?? 0o644,
    owner: o.owner ?? prev?.owner ?? "root",
    group: o.group ?? prev?.group ?? "root",
    mtime: o.mtime,
    content: o.append && prev ? prev.content + content : content,
    ...(o.image ? { image: o.image } : o.append && prev?.image ? { image: prev.image } : {}),
  };
  return real;
}

/** mkdir, or mkdir -p with `parents`. Mutates `fs`. */
export function makeDir(fs: Fs, path: string, o: { parents?: boolean; mtime: number; mode?: number; owner?: string; group?: string }): void {
  const parts = resolvePath("/", path).split("/").filter(Boolean);
  let cur = "";
  for (let i = 0; i < parts.length; i++) {
    cur += "/" + parts[i];
    const last = i === parts.length - 1;
    const real = realPath(fs, cur);
    const n = fs[real];
    if (n) {
      if (n.kind !== "dir") throw new FsError(last ? "EEXIST" : "ENOTDIR", path);
      if (last && !o.parents) throw new FsError("EEXIST", path);
      cur = real;
      continue;
    }
    if (!last && !o.parents) throw new FsError("ENOENT", path);
    fs[real] = { kind: "dir", mode: o.mode ?? 0o755, owner: o.owner ?? "root", group: o.group ?? "root", mtime: o.mtime };
    cur = real;
  }
}

/** Remove a node; directories need `recursive` unless empty. Mutates `fs`. */
export function removeNode(fs: Fs, path: string, o: { recursive?: boolean } = {}): void {
  const d = dirname(path);
  const real = (d === "/" ? "" : realPath(fs, d)) + "/" + basename(path);
  const n = fs[real];
  if (!n) throw new FsError("ENOENT", path);
  if (n.kind === "dir") {
    const prefix = real + "/";
    const kids = Object.keys(fs).filter((p) => p.startsWith(prefix));
    if (kids.length && !o.recursive) throw new FsError("ENOTEMPTY", path);
    for (const k of kids) delete fs[k];
  }
  delete fs[real];
}

/** Move `from` to `to` (both absolute, `to` not existing or a file to replace). Mutates `fs`. */
export function moveNode(fs: Fs, from: string, to: string): void {
  const n = lstat(fs, from);
  if (!n) throw new FsError("ENOENT", from);
  const d = dirname(from);
  const realFrom = (d === "/" ? "" : realPath(fs, d)) + "/" + basename(from);
  const realTo = realPath(fs, dirname(to)) + "/" + basename(to);
  if (!fs[dirname(realTo)] && dirname(realTo) !== "/") throw new FsError("ENOENT", to);
  if (n.kind === "dir") {
    const prefix = realFrom + "/";
    for (const k of Object.keys(fs)) {
      if (k.startsWith(prefix)) {
        fs[realTo.replace(/\/$/, "") + k.slice(realFrom.length)] = fs[k]!;
        delete fs[k];
      }
    }
  }
  delete fs[realFrom];
  fs[realTo.replace(/^\/\//, "/")] = n;
}

/** Size in bytes that `ls -l` shows for a node. */
export function apparentSize(n: FsNode): number {
  if (n.kind === "dir") return 4096;
  if (n.kind === "symlink") return n.target.length;
  if (n.image) return n.image.fileLength;
  return Buffer.byteLength(n.content, "utf8");
}
