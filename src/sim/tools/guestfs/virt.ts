// The libguestfs C tools that read or edit guest files: virt-cat, virt-ls, virt-filesystems, virt-df,
// virt-inspector, virt-edit, virt-diff, and the virt-copy-in/out wrappers around guestfish.
import { listDir, lstat, stat, type Fs, type FsNode } from "../../model/fs";
import { allVgs, filesystems, filesSize, fsOverhead, mapperName, type GuestFs } from "../../model/guestfs/disk";
import { inspect } from "../../model/guestfs/inspect";
import type { EditRequest, Tool, ToolContext, ToolResult } from "../../shell/tool";
import { done, err, isResult, launchAndMount, needDisks, openHandle, out, parseC } from "./cli";
import { run as runCmd } from "./commands";
import { runGuestfish } from "./guestfish";
import { GError, type Handle } from "./handle";

const MOUNT_LONG = { name: "mount", arg: "required", key: "m" } as const;

function catFiles(h: Handle, files: string[]): { text: string; error?: string } {
  let text = "";
  for (const f of files) {
    try {
      text += h.readFile("download", f);
    } catch (e) {
      if (e instanceof GError) return { text, error: `libguestfs: error: ${e.call}: ${e.msg}\n` };
      throw e;
    }
  }
  return { text };
}

export function virtCat(ctx: ToolContext, args: string[]): ToolResult {
  const prog = "virt-cat";
  const p = parseC(prog, args, "a:c:d:m:vVx", [MOUNT_LONG]);
  if (isResult(p)) return p;
  if (!p.drives.length) return needDisks(prog);
  if (!p.operands.length) return { exit: 1, out: [err(`${prog}: missing filenames on command line.\nPlease specify at least one file to view.\nTry \u2018${prog} --help\u2019 for more information.\n`)] };
  const h = openHandle(ctx, prog, p, { readonly: true });
  if (!("drives" in h)) return h;
  const e = launchAndMount(h, prog, p.mounts, true);
  if (e) return done(h, 1, e);
  const r = catFiles(h, p.operands);
  return done(h, r.error ? 1 : 0, [out(r.text), ...(r.error ? [err(r.error)] : [])].filter((c) => c.text));
}

function lsLong(h: Handle, dir: string, now: number): string {
  return runCmd({ h, now, seq: () => 0, hostFs: () => h.fs, setHostFs: () => {}, cwd: "/" }, "ll", { pos: [dir], opt: {} });
}

export function virtLs(ctx: ToolContext, args: string[]): ToolResult {
  const prog = "virt-ls";
  const p = parseC(prog, args, "a:c:d:hlm:RvVx", [MOUNT_LONG, { name: "long", arg: "none", key: "l" }, { name: "recursive", arg: "none", key: "R" }, { name: "human-readable", arg: "none", key: "h" }, { name: "checksum", arg: "optional", key: "checksum" }, { name: "csv", arg: "none", key: "csv" }, { name: "extra-stats", arg: "none", key: "extra-stats" }, { name: "times", arg: "none", key: "times" }, { name: "time-days", arg: "none", key: "time-days" }, { name: "time-relative", arg: "none", key: "time-relative" }, { name: "time-t", arg: "none", key: "time-t" }, { name: "uids", arg: "none", key: "uids" }]);
  if (isResult(p)) return p;
  if (!p.drives.length) return needDisks(prog);
  if (!p.operands.length) return { exit: 1, out: [err(`${prog}: missing directory name on command line.\nTry \u2018${prog} --help\u2019 for more information.\n`)] };
  const h = openHandle(ctx, prog, p, { readonly: true });
  if (!("drives" in h)) return h;
  const e = launchAndMount(h, prog, p.mounts, true);
  if (e) return done(h, 1, e);
  const long = p.opts.has("l");
  const rec = p.opts.has("R");
  let text = "";
  try {
    for (const dir of p.operands) {
      if (long && !rec) {
        text += lsLong(h, dir, Math.floor(ctx.world.clock / 1000));
        continue;
      }
      const l = h.locate("ls", dir);
      if (!l) throw new GError(rec ? "find" : "ls", `${dir}: No such file or directory`);
      const n = stat(l.ref.fs.files, l.inner);
      if (n?.kind !== "dir") throw new GError("ls", `opendir: ${dir}: Not a directory`);
      if (rec) {
        const base = dir.replace(/\/$/, "");
        const walk = (inner: string, shown: string) => {
          for (const name of listDir(l.ref.fs.files, inner)) {
            const ip = (inner === "/" ? "" : inner) + "/" + name;
            const sp = `${shown}/${name}`;
            const node = lstat(l.ref.fs.files, ip)!;
            text += long ? `${longLine(node, l.ref.fs, ip)} ${sp}\n` : `${sp}\n`;
            if (node.kind === "dir") walk(ip, sp);
          }
        };
        walk(l.inner, base);
      } else text += listDir(l.ref.fs.files, l.inner).map((x) => x + "\n").join("");
    }
  } catch (x) {
    if (x instanceof GError) return done(h, 1, [out(text), err(`libguestfs: error: ${x.call}: ${x.msg}\n`)].filter((c) => c.text));
    throw x;
  }
  return done(h, 0, text ? [out(text)] : []);
}

function longLine(n: FsNode, fs: GuestFs, _path: string): string {
  const t = n.kind === "dir" ? "d" : n.kind === "symlink" ? "l" : "-";
  const m = n.kind === "symlink" ? 0o777 : n.mode;
  const size = n.kind === "dir" ? (fs.type === "xfs" ? 6 : 4096) : n.kind === "symlink" ? n.target.length : Buffer.byteLength(n.content);
  const d = new Date(n.mtime * 1000);
  const p = (x: number) => String(x).padStart(2, "0");
  return `${t}${m.toString(8).padStart(4, "0")} ${String(size).padStart(10)} ${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

/** Human sizes as the tools print them (1024-based, one decimal below 10). */
export function human(bytes: number): string {
  const units = ["", "K", "M", "G", "T", "P"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return String(bytes);
  return v < 10 ? `${(Math.round(v * 10) / 10).toFixed(1)}${units[i]}` : `${Math.round(v)}${units[i]}`;
}

export function virtFilesystems(ctx: ToolContext, args: string[]): ToolResult {
  const prog = "virt-filesystems";
  const flag = (name: string, key = name) => ({ name, arg: "none" as const, key });
  const p = parseC(prog, args, "a:c:d:hlvVx", [flag("all"), flag("blkdevs"), flag("block-devices", "blkdevs"), flag("csv"), flag("extra"), flag("filesystems"), flag("human-readable", "h"), flag("long", "l"), flag("lvs"), flag("logvols", "lvs"), flag("logical-volumes", "lvs"), flag("no-title"), flag("parts", "partitions"), flag("partitions"), flag("pvs"), flag("physvols", "pvs"), flag("physical-volumes", "pvs"), flag("uuid"), flag("uuids", "uuid"), flag("vgs"), flag("volgroups", "vgs"), flag("volume-groups", "vgs")]);
  if (isResult(p)) return p;
  if (!p.drives.length) return needDisks(prog);
  if (p.operands.length) return { exit: 1, out: [err(`${prog}: extra parameters on the command line\nTry \u2018${prog} --help\u2019 for more information.\n`)] };
  const h = openHandle(ctx, prog, p, { readonly: true });
  if (!("drives" in h)) return h;
  try {
    h.launch();
  } catch (x) {
    if (x instanceof GError) return done(h, 1, [err(`libguestfs: error: ${x.call}: ${x.msg}\n`)]);
    throw x;
  }
  const all = p.opts.has("all");
  const want = { fs: all || p.opts.has("filesystems") || p.opts.has("extra"), extra: all || p.opts.has("extra"), parts: all || p.opts.has("partitions"), blk: all || p.opts.has("blkdevs"), lvs: all || p.opts.has("lvs"), vgs: all || p.opts.has("vgs"), pvs: all || p.opts.has("pvs") };
  if (!want.parts && !want.blk && !want.lvs && !want.vgs && !want.pvs && !p.opts.has("extra")) want.fs = true;
  const long = p.opts.has("l");
  const hum = p.opts.has("h");
  const uuid = p.opts.has("uuid");
  const sz = (b: number) => (hum ? human(b) : String(b));
  type Row = { name: string; type: string; vfs: string; label: string; mbr: string; size: number; parent: string; uuid: string };
  const rows: Row[] = [];
  const disks = h.disks;
  if (want.fs) {
    for (const f of filesystems(disks)) {
      const isSwap = f.fs.type === "swap";
      if (isSwap && !want.extra) continue;
      rows.push({ name: f.device, type: "filesystem", vfs: f.fs.type, label: f.fs.label ?? "-", mbr: "-", size: f.fs.size, parent: "-", uuid: f.fs.uuid });
    }
  }
  if (want.lvs) for (const [, vg] of allVgs(disks)) for (const lv of vg.lvs) rows.push({ name: `/dev/${vg.name}/${lv.name}`, type: "lv", vfs: "-", label: "-", mbr: "-", size: lv.size, parent: `/dev/${vg.name}`, uuid: lv.uuid.replace(/-/g, "") });
  if (want.vgs)
    for (const [, vg] of allVgs(disks)) {
      const pvs = disks.flatMap((d, i) => d.partitions.filter((pt) => pt.pv === vg.name).map((pt) => ({ dev: `/dev/sd${String.fromCharCode(97 + i)}${pt.num}`, size: Math.floor((pt.end - pt.start + 1 - 2 ** 20) / (4 * 2 ** 20)) * 4 * 2 ** 20 })));
      rows.push({ name: `/dev/${vg.name}`, type: "vg", vfs: "-", label: "-", mbr: "-", size: pvs.reduce((a, x) => a + x.size, 0), parent: pvs.map((x) => x.dev).join(","), uuid: vg.uuid.replace(/-/g, "") });
    }
  if (want.pvs)
    disks.forEach((d, i) => {
      for (const pt of d.partitions) if (pt.pv !== undefined) rows.push({ name: `/dev/sd${String.fromCharCode(97 + i)}${pt.num}`, type: "pv", vfs: "-", label: "-", mbr: "-", size: Math.floor((pt.end - pt.start + 1 - 2 ** 20) / (4 * 2 ** 20)) * 4 * 2 ** 20 + 2 ** 20 - 2 ** 20, parent: "-", uuid: (pt.pvUuid ?? "").replace(/-/g, "") });
    });
  if (want.parts)
    disks.forEach((d, i) => {
      for (const pt of d.partitions) rows.push({ name: `/dev/sd${String.fromCharCode(97 + i)}${pt.num}`, type: "partition", vfs: "-", label: "-", mbr: d.ptable === "msdos" ? (pt.pv !== undefined ? "8e" : "83") : "-", size: pt.end - pt.start + 1, parent: `/dev/sd${String.fromCharCode(97 + i)}`, uuid: "-" });
    });
  if (want.blk) h.sizes.forEach((s, i) => rows.push({ name: `/dev/sd${String.fromCharCode(97 + i)}`, type: "device", vfs: "-", label: "-", mbr: "-", size: s, parent: "-", uuid: "-" }));
  if (!long) return done(h, 0, rows.length ? [out(rows.map((r) => r.name + "\n").join(""))] : []);
  const showMbr = want.parts;
  const cols: [string, (r: Row) => string][] = [
    ["Name", (r) => r.name],
    ["Type", (r) => r.type],
    ["VFS", (r) => r.vfs],
    ["Label", (r) => r.label],
    ...(showMbr ? ([["MBR", (r: Row) => r.mbr]] as [string, (r: Row) => string][]) : []),
    ["Size", (r) => sz(r.size)],
    ["Parent", (r) => r.parent],
    ...(uuid ? ([["UUID", (r: Row) => r.uuid]] as [string, (r: Row) => string][]) : []),
  ];
  const table = [cols.map(([t]) => t), ...rows.map((r) => cols.map(([, f]) => f(r)))];
  const widths = cols.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const text = table.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ") + "\n").join("");
  return done(h, 0, [out(p.opts.has("no-title") ? text.split("\n").slice(1).join("\n") : text)]);
}

/** Blocks (1K) statvfs would report for a filesystem, and the used count. */
export function usage(fs: GuestFs): { total: number; used: number; avail: number; inodes: number; iused: number } {
  const total = Math.floor((fs.size - (fs.type === "xfs" ? fs.size * 0.027 : fs.size * 0.052)) / 1024);
  const used = Math.floor((fsOverhead(fs) + filesSize(fs)) / 1024);
  const reserved = fs.type.startsWith("ext") ? Math.floor(total * 0.05) : 0;
  const files = Object.keys(fs.files).length;
  return { total, used, avail: Math.max(0, total - used - reserved), inodes: Math.floor(fs.size / 16384), iused: files + (fs.type.startsWith("ext") ? 10 : 2) };
}

export function virtDf(ctx: ToolContext, args: string[]): ToolResult {
  const prog = "virt-df";
  const p = parseC(prog, args, "a:c:d:hiP:vVx", [{ name: "csv", arg: "none", key: "csv" }, { name: "human-readable", arg: "none", key: "h" }, { name: "inodes", arg: "none", key: "i" }, { name: "one-per-guest", arg: "none", key: "one-per-guest" }, { name: "uuid", arg: "none", key: "uuid" }]);
  if (isResult(p)) return p;
  if (!p.drives.length) return { exit: 1, out: [err(`${prog}: error: no disks or domains were given on the command line, nothing to do\n`)] };
  const h = openHandle(ctx, prog, p, { readonly: true });
  if (!("drives" in h)) return h;
  try {
    h.launch();
  } catch (x) {
    if (x instanceof GError) return done(h, 1, [err(`libguestfs: error: ${x.call}: ${x.msg}\n`)]);
    throw x;
  }
  const hum = p.opts.has("h");
  const inodes = p.opts.has("i");
  const label = p.drives[0]!.kind === "d" ? p.drives[0]!.value : p.drives[0]!.value.split("/").pop()!;
  let text = hum ? `${"Filesystem".padEnd(36)} ${"Size".padStart(10)} ${"Used".padStart(10)}  ${"Available".padStart(9)}  Use%\n` : inodes ? `${"Filesystem".padEnd(36)} ${"Inodes".padStart(10)} ${"IUsed".padStart(10)} ${"IFree".padStart(10)} IUse%\n` : `${"Filesystem".padEnd(36)} ${"1K-blocks".padStart(10)} ${"Used".padStart(10)}  ${"Available".padStart(9)}  Use%\n`;
  for (const f of filesystems(h.disks)) {
    if (f.fs.type === "swap") continue;
    const u = usage(f.fs);
    const name = `${label}:${f.device}`;
    const pct = `${Math.round((u.used / Math.max(1, u.used + u.avail)) * 100)}%`;
    if (inodes) text += `${name.padEnd(36)} ${String(u.inodes).padStart(10)} ${String(u.iused).padStart(10)} ${String(u.inodes - u.iused).padStart(10)} ${`${Math.max(1, Math.round((u.iused / u.inodes) * 100))}%`.padStart(5)}\n`;
    else if (hum) text += `${name.padEnd(36)} ${human(u.total * 1024).padStart(10)} ${human(u.used * 1024).padStart(10)}  ${human(u.avail * 1024).padStart(9)}  ${pct.padStart(4)}\n`;
    else text += `${name.padEnd(36)} ${String(u.total).padStart(10)} ${String(u.used).padStart(10)}  ${String(u.avail).padStart(9)}  ${pct.padStart(4)}\n`;
  }
  return done(h, 0, [out(text)]);
}

const xmlEsc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function virtInspector(ctx: ToolContext, args: string[]): ToolResult {
  const prog = "virt-inspector";
  const p = parseC(prog, args, "a:c:d:vVx", [{ name: "no-applications", arg: "none", key: "no-applications" }, { name: "no-icon", arg: "none", key: "no-icon" }, { name: "xpath", arg: "required", key: "xpath" }]);
  if (isResult(p)) return p;
  if (!p.drives.length) return needDisks(prog);
  const h = openHandle(ctx, prog, p, { readonly: true });
  if (!("drives" in h)) return h;
  try {
    h.launch();
  } catch (x) {
    if (x instanceof GError) return done(h, 1, [err(`libguestfs: error: ${x.call}: ${x.msg}\n`)]);
    throw x;
  }
  const oses = inspect(h.disks);
  if (!oses.length) return done(h, 1, [err(`${prog}: no operating system could be detected inside this disk image.\n\nThis may be because the file is not a disk image, or is not a virtual machine\nimage, or because the OS type is not understood by libguestfs.\n\nIf you feel this is an error, please file a bug report including as much\ninformation about the disk image as possible.\n`)]);
  let x = '<?xml version="1.0"?>\n<operatingsystems>\n';
  for (const os of oses) {
    x += "  <operatingsystem>\n";
    x += `    <root>${os.root}</root>\n    <name>linux</name>\n`;
    if (os.arch !== "unknown") x += `    <arch>${os.arch}</arch>\n`;
    x += `    <distro>${os.distro}</distro>\n    <product_name>${xmlEsc(os.productName)}</product_name>\n    <major_version>${os.major}</major_version>\n    <minor_version>${os.minor}</minor_version>\n`;
    if (os.packageFormat !== "unknown") x += `    <package_format>${os.packageFormat}</package_format>\n`;
    if (os.packageManagement !== "unknown") x += `    <package_management>${os.packageManagement}</package_management>\n`;
    if (os.hostname) x += `    <hostname>${xmlEsc(os.hostname)}</hostname>\n`;
    x += `    <osinfo>${os.osinfo}</osinfo>\n`;
    x += "    <mountpoints>\n" + os.mountpoints.map(([mp, dev]) => `      <mountpoint dev="${dev}">${mp}</mountpoint>\n`).join("") + "    </mountpoints>\n";
    x += "    <filesystems>\n";
    for (const dev of os.filesystems) {
      const f = filesystems(h.disks).find((r) => r.device === dev);
      if (!f) continue;
      x += `      <filesystem dev="${dev}">\n        <type>${f.fs.type}</type>\n${f.fs.label ? `        <label>${xmlEsc(f.fs.label)}</label>\n` : ""}        <uuid>${f.fs.uuid}</uuid>\n      </filesystem>\n`;
    }
    x += "    </filesystems>\n";
    if (!p.opts.has("no-applications")) {
      if (os.applications.length) {
        x += "    <applications>\n";
        for (const a of os.applications) x += `      <application>\n        <name>${xmlEsc(a.name)}</name>\n        <version>${xmlEsc(a.version)}</version>\n${a.release ? `        <release>${xmlEsc(a.release)}</release>\n` : ""}        <arch>${a.arch}</arch>\n        <summary>${xmlEsc(a.summary)}</summary>\n      </application>\n`;
        x += "    </applications>\n";
      } else x += "    <applications/>\n";
    }
    x += "  </operatingsystem>\n";
  }
  x += "</operatingsystems>\n";
  return done(h, 0, [out(x)]);
}

/** A Perl substitution s/RE/REPL/FLAGS applied line by line (what virt-edit -e is mostly used for). */
export function perlSubst(expr: string, text: string): string | { error: string } {
  const m = /^s(.)(.*?)(?<!\\)\1(.*?)(?<!\\)\1([gimsx]*)$/.exec(expr.trim());
  if (!m) return { error: expr };
  let re: RegExp;
  try {
    re = new RegExp(m[2]!.replace(/\\\//g, "/"), m[4]!.replace(/[sx]/g, "").replace("g", "") + (m[4]!.includes("g") ? "g" : ""));
  } catch {
    return { error: expr };
  }
  const repl = m[3]!.replace(/\$(\d)/g, "$$$1").replace(/\\\//g, "/");
  return text.split(/(?<=\n)/).map((line) => {
    const nl = line.endsWith("\n") ? "\n" : "";
    return line.slice(0, line.length - nl.length).replace(re, repl) + nl;
  }).join("");
}

export function virtEdit(ctx: ToolContext, args: string[]): ToolResult {
  const prog = "virt-edit";
  const p = parseC(prog, args, "a:b:c:d:e:m:vVx", [MOUNT_LONG, { name: "backup", arg: "required", key: "b" }, { name: "edit", arg: "required", key: "e" }, { name: "expr", arg: "required", key: "e" }]);
  if (isResult(p)) return p;
  if (!p.drives.length) return needDisks(prog);
  if (!p.operands.length) return { exit: 1, out: [err(`${prog}: missing filename on command line\nTry \u2018${prog} --help\u2019 for more information.\n`)] };
  const h = openHandle(ctx, prog, p, { readonly: false });
  if (!("drives" in h)) return h;
  const e = launchAndMount(h, prog, p.mounts, false);
  if (e) return done(h, 1, e);
  const expr = p.opts.get("e")?.[0];
  const backup = p.opts.get("b")?.[0];
  const file = p.operands[0]!;
  let content: string;
  try {
    content = h.readFile("download", file);
  } catch (x) {
    if (x instanceof GError) return done(h, 1, [err(`libguestfs: error: ${x.call}: ${x.msg}\n`)]);
    throw x;
  }
  const save = (text: string) => {
    const now = Math.floor(h.world.clock / 1000);
    const c = { h, now, seq: () => 0, hostFs: () => h.fs, setHostFs: () => {}, cwd: "/" };
    if (backup) runCmd(c, "write", { pos: [file + backup, content], opt: {} });
    if (text !== content) runCmd(c, "write", { pos: [file, text], opt: {} });
  };
  if (expr !== undefined) {
    const r = perlSubst(expr, content);
    if (typeof r !== "string") return done(h, 1, [err(`${prog}: ${r.error}: unsupported in the lpic3 lab (only s/RE/REPL/FLAGS substitutions)\n`)]);
    save(r);
    return done(h, 0, []);
  }
  const edit: EditRequest = {
    suffix: file.slice(file.lastIndexOf("/") + 1),
    content,
    apply(edited, world) {
      h.world = world;
      if (edited === null) return { out: [err(`${prog}: error: no editor: set $EDITOR or use -e\n`)], exit: 1 };
      save(edited);
      return { out: [], world: h.world, exit: 0 };
    },
  };
  return { exit: 0, out: [], world: h.world, edit };
}

export function virtDiff(ctx: ToolContext, args: string[]): ToolResult {
  const prog = "virt-diff";
  const p = parseC(prog, args, "a:A:c:d:D:hvVx", [{ name: "all", arg: "none", key: "all" }, { name: "atime", arg: "none", key: "atime" }, { name: "checksum", arg: "optional", key: "checksum" }, { name: "csv", arg: "none", key: "csv" }, { name: "dir-links", arg: "none", key: "dir-links" }, { name: "dir-times", arg: "none", key: "dir-times" }, { name: "extra-stats", arg: "none", key: "extra-stats" }, { name: "human-readable", arg: "none", key: "h" }, { name: "times", arg: "none", key: "times" }, { name: "uids", arg: "none", key: "uids" }, { name: "xattrs", arg: "none", key: "xattrs" }]);
  if (isResult(p)) return p;
  const first = p.drives.filter((d) => !d.second);
  const second = p.drives.filter((d) => d.second);
  if (!first.length || !second.length) return { exit: 1, out: [err(`${prog}: you must specify some -a|-A|-d|-D options, see ${prog}(1).\n`)] };
  const h1 = openHandle(ctx, prog, p, { readonly: true, which: "first" });
  if (!("drives" in h1)) return h1;
  const h2 = openHandle(ctx, prog, p, { readonly: true, which: "second" });
  if (!("drives" in h2)) return h2;
  for (const h of [h1, h2]) {
    const e = launchAndMount(h, prog, [], true);
    if (e) return done(h1, 1, e);
  }
  const snapshot = (h: Handle): Map<string, { node: FsNode; fs: GuestFs }> => {
    const m = new Map<string, { node: FsNode; fs: GuestFs }>();
    const mounts = [...h.mounts].sort((a, b) => a.mountpoint.length - b.mountpoint.length);
    for (const mt of mounts) {
      const ref = h.filesystems().find((f) => f.device === mt.device);
      if (!ref) continue;
      for (const [path, node] of Object.entries(ref.fs.files as Fs)) {
        const full = mt.mountpoint === "/" ? path : path === "/" ? mt.mountpoint : mt.mountpoint + path;
        m.set(full, { node, fs: ref.fs });
      }
    }
    return m;
  };
  const a = snapshot(h1);
  const b = snapshot(h2);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  const line = (mark: string, path: string, n: FsNode, fs: GuestFs) => {
    const t = n.kind === "dir" ? "d" : n.kind === "symlink" ? "l" : "-";
    const size = n.kind === "dir" ? (fs.type === "xfs" ? 6 : 4096) : n.kind === "symlink" ? n.target.length : Buffer.byteLength(n.content);
    return `${mark} ${t}${(n.kind === "symlink" ? 0o777 : n.mode).toString(8).padStart(4, "0")} ${String(size).padStart(10)} ${path}${n.kind === "symlink" ? ` -> ${n.target}` : ""}\n`;
  };
  let text = "";
  for (const path of paths) {
    const x = a.get(path);
    const y = b.get(path);
    if (x && !y) text += line("-", path, x.node, x.fs);
    else if (!x && y) text += line("+", path, y.node, y.fs);
    else if (x && y) {
      const changed = x.node.kind !== y.node.kind || x.node.mode !== y.node.mode || (x.node.kind === "file" && y.node.kind === "file" && x.node.content !== y.node.content) || (x.node.kind === "symlink" && y.node.kind === "symlink" && x.node.target !== y.node.target);
      if (changed && !(x.node.kind === "dir" && y.node.kind === "dir" && x.node.mode === y.node.mode)) {
        text += line("=", path, y.node, y.fs);
        if (x.node.kind === "file" && y.node.kind === "file") {
          text += "==========\n" + unifiedDiff(path, x.node.content, y.node.content) + "==========\n";
        }
      }
    }
  }
  return done(h1, 0, text ? [out(text)] : []);
}

/** A small unified diff of two texts (whole-file hunk), as `diff -u` would show a one-hunk change. */
function unifiedDiff(path: string, a: string, b: string): string {
  const al = a.split("\n");
  const bl = b.split("\n");
  if (al[al.length - 1] === "") al.pop();
  if (bl[bl.length - 1] === "") bl.pop();
  let s = `--- ${path}\n+++ ${path}\n@@ -1,${al.length} +1,${bl.length} @@\n`;
  let i = 0;
  let j = 0;
  while (i < al.length || j < bl.length) {
    if (i < al.length && j < bl.length && al[i] === bl[j]) {
      s += ` ${al[i]}\n`;
      i++;
      j++;
    } else if (j < bl.length && !al.slice(i).includes(bl[j]!)) s += `+${bl[j++]}\n`;
    else s += `-${al[i++]}\n`;
  }
  return s;
}

/** virt-copy-in / virt-copy-out: shell wrappers running `guestfish --rw -i copy-in|copy-out "$@"`. */
function copyWrapper(name: string, cmd: string): Tool {
  return {
    name,
    path: `/usr/bin/${name}`,
    run(ctx, args) {
      if (args.includes("--help")) return { exit: 0, out: [out(`Reformatting ${name}(1) manual page, please wait...\n`)] };
      const r = runGuestfish({ ...ctx, argv0: name }, ["--rw", "-i", cmd, ...args]);
      return { ...r, out: r.out.map((c) => ({ ...c, text: c.text.replace(/^guestfish: /gm, `${name}: `) })) };
    },
  };
}

export const VIRT_READ_TOOLS: Tool[] = [
  { name: "virt-cat", path: "/usr/bin/virt-cat", run: virtCat },
  { name: "virt-ls", path: "/usr/bin/virt-ls", run: virtLs },
  { name: "virt-filesystems", path: "/usr/bin/virt-filesystems", run: virtFilesystems },
  { name: "virt-df", path: "/usr/bin/virt-df", run: virtDf },
  { name: "virt-inspector", path: "/usr/bin/virt-inspector", run: virtInspector },
  { name: "virt-edit", path: "/usr/bin/virt-edit", run: virtEdit },
  { name: "virt-diff", path: "/usr/bin/virt-diff", run: virtDiff },
  copyWrapper("virt-copy-in", "copy-in"),
  copyWrapper("virt-copy-out", "copy-out"),
];

export { mapperName };
