// guestmount and guestunmount: a guest's filesystems appear under a host directory (FUSE) until unmounted;
// what the learner changes there is written back to the disk images on guestunmount (unless --ro).
import { produce } from "immer";
import { probeChecked } from "../../shell/syntax-check";
import { getoptLong, type LongOption } from "../../shell/getopt";
import { resolvePath, stat, type Fs, type FsNode } from "../../model/fs";
import { filesystems, withFs, type GuestDisk } from "../../model/guestfs/disk";
import { putGuest } from "../../model/guestfs/image";
import type { World } from "../../model/world";
import type { Tool, ToolContext, ToolResult } from "../../shell/tool";
import { done, err, isResult, launchAndMount, openHandle, out, parseC } from "./cli";
import { GUESTFS_DATA } from "./guestfish";

/** One FUSE mount made by guestmount (host.subsystems.guestfs.mounts). */
export interface GuestMount {
  /** Absolute host directory. */
  mountpoint: string;
  pid: number;
  ro: boolean;
  /** Image files, in drive order (/dev/sda first). */
  images: string[];
  /** Guest device → guest mountpoint, shortest mountpoint first. */
  fsMounts: { device: string; mountpoint: string }[];
  /** The host directory node the mount covers, restored on unmount. */
  covered: FsNode;
}

export interface GuestfsHost {
  mounts: GuestMount[];
}

export const GUESTFS_KEY = "guestfs";
const stateOf = (w: World, host: string): GuestfsHost => (w.hosts[host]!.subsystems[GUESTFS_KEY] as GuestfsHost | undefined) ?? { mounts: [] };

const userName = (id: string) => (id === "0" ? "root" : id);
const userId = (name: string) => (name === "root" ? "0" : name);

export function guestmount(ctx: ToolContext, args: string[]): ToolResult {
  const prog = "guestmount";
  const p = parseC(prog, args, "a:c:d:im:no:rvVwx", [
    { name: "inspector", arg: "none", key: "i" },
    { name: "mount", arg: "required", key: "m" },
    { name: "ro", arg: "none", key: "r" },
    { name: "rw", arg: "none", key: "w" },
    { name: "no-sync", arg: "none", key: "n" },
    { name: "option", arg: "required", key: "o" },
    { name: "no-fork", arg: "none", key: "no-fork" },
    { name: "pid-file", arg: "required", key: "pid-file" },
    { name: "fd", arg: "required", key: "fd" },
    { name: "dir-cache-timeout", arg: "required", key: "dir-cache-timeout" },
    { name: "fuse-help", arg: "none", key: "fuse-help" },
    { name: "selinux", arg: "none", key: "selinux" },
    { name: "trace", arg: "none", key: "x" },
  ]);
  if (isResult(p)) return p;
  const ro = p.opts.has("r");
  if (!p.drives.length) return { exit: 1, out: [err(`${prog}: error: you must specify at least one -a or -d option.\nTry \u2018${prog} --help\u2019 for more information.\n`)] };
  if (!p.opts.has("i") && !p.mounts.length) return { exit: 1, out: [err(`${prog}: error: you must specify either -i at least one -m option.\nTry \u2018${prog} --help\u2019 for more information.\n`)] };
  if (p.operands.length !== 1) return { exit: 1, out: [err(`${prog}: error: you must specify a mountpoint in the host filesystem.\nTry \u2018${prog} --help\u2019 for more information.\n`)] };
  const mp = resolvePath(ctx.cwd, p.operands[0]!);
  const node = stat(ctx.world.hosts[ctx.host]!.fs, mp);
  const h = openHandle(ctx, prog, p, { readonly: ro });
  if (!("drives" in h)) return h;
  const e = launchAndMount(h, prog, p.mounts, ro);
  if (e) return done(h, 1, e);
  if (!node || node.kind !== "dir") return done(h, 1, [err(`fuse: failed to access mountpoint ${p.operands[0]}: ${node ? "Not a directory" : "No such file or directory"}\nlibguestfs: error: fuse_mount failed: ${p.operands[0]}, see error messages above\n`)]);
  if (stateOf(ctx.world, ctx.host).mounts.some((m) => m.mountpoint === mp)) return done(h, 1, [err(`fusermount: failed to access mountpoint ${mp}: Transport endpoint is not connected\n`)]);
  const pid = 3000 + ((ctx.world.seq * 41) % 20000);
  const mount: GuestMount = { mountpoint: mp, pid, ro, images: h.drives.map((d) => d.path), fsMounts: [...h.mounts].sort((a, b) => a.mountpoint.length - b.mountpoint.length).map((m) => ({ device: m.device, mountpoint: m.mountpoint })), covered: node };
  const holder = `guestmount:${ctx.host}:${pid}`;
  const world = produce(h.world, (w) => {
    const host = w.hosts[ctx.host]!;
    const fs = host.fs;
    for (const k of Object.keys(fs)) if (k.startsWith(mp + "/")) delete fs[k];
    for (const m of mount.fsMounts) {
      const ref = filesystems(h.disks).find((f) => f.device === m.device);
      if (!ref) continue;
      for (const [path, n] of Object.entries(ref.fs.files)) {
        const hostPath = mp + (m.mountpoint === "/" ? "" : m.mountpoint) + (path === "/" ? "" : path);
        fs[hostPath === "" ? "/" : hostPath] = { ...n, owner: userName(n.owner), group: userName(n.group) } as FsNode;
      }
    }
    for (const img of mount.images) {
      const n = fs[img];
      if (n?.kind === "file") n.lock = n.lock ? { holder: `${n.lock.holder},${holder}`, shared: n.lock.shared && ro } : { holder, shared: ro };
    }
    host.subsystems[GUESTFS_KEY] = { mounts: [...stateOf(w as World, ctx.host).mounts, mount] };
    w.seq += 1;
  });
  return { exit: 0, out: [], world };
}

/** Put a mount's host tree back into the guest's filesystems and release the directory. */
export function unmountGuest(world: World, host: string, m: GuestMount): World {
  return produce(world, (w) => {
    const h = w.hosts[host]!;
    const fs = h.fs as Fs;
    if (!m.ro) {
      const disks: GuestDisk[] = m.images.map((img) => {
        const n = fs[img];
        return (n?.kind === "file" ? n.image?.guest : undefined) ?? { partitions: [], vgs: [] };
      });
      let next = disks;
      const deeper = (gm: string) => m.fsMounts.filter((o) => o.mountpoint !== gm && (gm === "/" ? o.mountpoint !== "/" : o.mountpoint.startsWith(gm + "/")));
      for (const fm of m.fsMounts) {
        const ref = filesystems(next).find((f) => f.device === fm.device);
        if (!ref) continue;
        const base = m.mountpoint + (fm.mountpoint === "/" ? "" : fm.mountpoint);
        const skip = deeper(fm.mountpoint).map((o) => m.mountpoint + o.mountpoint);
        const files: Fs = {};
        for (const [k, n] of Object.entries(fs)) {
          if (k !== base && !k.startsWith(base + "/")) continue;
          if (skip.some((s) => k === s + "/" || k.startsWith(s + "/"))) continue;
          const inner = k === base ? "/" : k.slice(base.length);
          files[inner] = { ...n, owner: userId(n.owner), group: userId(n.group) } as FsNode;
        }
        for (const s of skip) {
          const inner = s.slice(base.length);
          const covered = ref.fs.files[inner];
          if (covered) files[inner] = covered;
        }
        next = withFs(next, ref, { ...ref.fs, files });
      }
      m.images.forEach((img, i) => {
        if (next[i] !== disks[i]) putGuest(fs, img, next[i]!);
      });
    }
    for (const k of Object.keys(fs)) if (k.startsWith(m.mountpoint + "/")) delete fs[k];
    fs[m.mountpoint] = m.covered;
    const holder = `guestmount:${host}:${m.pid}`;
    for (const img of m.images) {
      const n = fs[img];
      if (n?.kind !== "file" || !n.lock) continue;
      const rest = n.lock.holder.split(",").filter((x) => x !== holder);
      if (rest.length) n.lock.holder = rest.join(",");
      else delete n.lock;
    }
    const st = stateOf(w as World, host);
    h.subsystems[GUESTFS_KEY] = { mounts: st.mounts.filter((x) => x.mountpoint !== m.mountpoint) };
  });
}

/** guestunmount's getopt_long table (fuse/guestunmount.c): no -h, --help only. */
const UNMOUNT_LONGS: LongOption[] = [
  { name: "fd", arg: "required", key: "fd" },
  { name: "help", arg: "none", key: "help" },
  { name: "no-retry", arg: "none", key: "no-retry" },
  { name: "quiet", arg: "none", key: "q" },
  { name: "retry", arg: "required", key: "retry" },
  { name: "verbose", arg: "none", key: "v" },
  { name: "version", arg: "none", key: "V" },
];

export function guestunmount(ctx: ToolContext, args: string[]): ToolResult {
  const prog = "guestunmount";
  const g = getoptLong(args, "qvV", UNMOUNT_LONGS, prog);
  const bad = g.events.find((e) => e.kind === "error");
  if (bad && bad.kind === "error") return { exit: 1, out: [err(`${bad.message}Try \u2018${prog} --help\u2019 for more information.\n`)] };
  const keys = g.events.map((e) => (e.kind === "option" ? e.key : ""));
  if (keys.includes("help")) return { exit: 0, out: [out(GUESTFS_DATA.help[prog]?.stdout ?? "")] };
  if (keys.includes("V")) return { exit: 0, out: [out(GUESTFS_DATA.version[prog]?.stdout ?? "")] };
  const quiet = keys.includes("q");
  const rest = g.operands;
  if (rest.length !== 1) return { exit: 1, out: [err(`${prog}: you must specify a mountpoint in the host filesystem\n`)] };
  const mp = resolvePath(ctx.cwd, rest[0]!);
  const m = stateOf(ctx.world, ctx.host).mounts.find((x) => x.mountpoint === mp);
  if (!m) return { exit: 2, out: quiet ? [] : [err(`fusermount: entry for ${mp} not found in /etc/mtab\n`)] };
  return { exit: 0, out: [], world: unmountGuest(ctx.world, ctx.host, m) };
}

export const MOUNT_TOOLS: Tool[] = probeChecked([
  { name: "guestmount", path: "/usr/bin/guestmount", run: guestmount },
  { name: "guestunmount", path: "/usr/bin/guestunmount", run: guestunmount },
]);
