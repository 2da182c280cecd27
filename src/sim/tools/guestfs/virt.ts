// The libguestfs C tools that read or edit guest files: virt-cat, virt-ls, virt-filesystems, virt-df,
// virt-inspector, virt-edit, virt-diff, and the virt-copy-in/out wrappers around guestfish.
import { listDir, lstat, stat, type Fs, type FsNode } from "../../model/fs";
import { probeChecked } from "../../shell/syntax-check";
import { allVgs, filesystems, mapperName, type GuestFs } from "../../model/guestfs/disk";
import { nodeSize, statBlocks, statvfs } from "../../model/guestfs/statfs";
import { unifiedHunks } from "./udiff";
import { inspect } from "../../model/guestfs/inspect";
import type { EditRequest, Tool, ToolContext, ToolResult } from "../../shell/tool";
import { done, err, isResult, launchAndMount, needDisks, openHandle, out, parseC, tryHelp, type Parsed } from "./cli";
import { run as runCmd } from "./commands";
import { runGuestfish } from "./guestfish";
import { GError, Handle } from "./handle";
import { allDomains } from "./libvirt";

const MOUNT_LONG = { name: "mount", arg: "required", key: "m" } as const;

function catFiles(h: Handle, files: string[]): { text: string; error?: string } {
  let text = "";
  for (const f of files) {
    try {
      text += h.readFile("download", f);
    } catch (e) {
      if (e instanceof GError) return { text, error: `libguestfs: error: ${e.text}\n` };
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
  if (!p.operands.length) return tryHelp(prog);
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
  if (!p.operands.length) return tryHelp(prog);
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
      // virt-ls lists with ls0 and, recursively, find0 (names relative to the directory)
      if (!l) throw new GError(rec ? "find0" : "ls0", `${rec ? "" : "opendir: "}${dir}: No such file or directory`);
      const n = stat(l.ref.fs.files, l.inner);
      if (n?.kind !== "dir") throw new GError(rec ? "find0" : "ls0", `opendir: ${dir}: Not a directory`);
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
        walk(l.inner, long ? base : "");
      } else text += listDir(l.ref.fs.files, l.inner).map((x) => x + "\n").join("");
    }
  } catch (x) {
    if (x instanceof GError) return done(h, 1, [out(text), err(`libguestfs: error: ${x.text}\n`)].filter((c) => c.text));
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
  if (p.operands.length) return { exit: 1, out: [err(`${prog}: error: extra argument \u2018${p.operands[0]}\u2019 on command line.\nMake sure to specify the argument for --format like '--format=${p.operands[0]}'.\nTry \u2018${prog} --help\u2019 for more information.\n`)] };
  const csv = p.opts.has("csv");
  const hum = p.opts.has("h");
  if (hum && csv) return { exit: 1, out: [err(`${prog}: you cannot use -h and --csv options together.\n`)] };
  if (!p.drives.length) return needDisks(prog);
  const h = openHandle(ctx, prog, p, { readonly: true });
  if (!("drives" in h)) return h;
  try {
    h.launch();
  } catch (x) {
    if (x instanceof GError) return done(h, 1, [err(`libguestfs: error: ${x.text}\n`)]);
    throw x;
  }
  const all = p.opts.has("all");
  const want = { fs: all || p.opts.has("filesystems"), extra: all || p.opts.has("extra"), parts: all || p.opts.has("partitions"), blk: all || p.opts.has("blkdevs"), lvs: all || p.opts.has("lvs"), vgs: all || p.opts.has("vgs"), pvs: all || p.opts.has("pvs") };
  if (want.extra) want.fs = true;
  if (!want.fs && !want.parts && !want.blk && !want.lvs && !want.vgs && !want.pvs) want.fs = true;
  const long = p.opts.has("l");
  const uuid = p.opts.has("uuid");
  // the columns, in display order, that this run shows (filesystems.c)
  const cols = { type: long, vfs: long && want.fs, label: long && want.fs, mbr: long && want.parts, size: long, parent: long, uuid: long && uuid };
  type Cell = string | undefined;
  const rows: Cell[][] = [];
  const sz = (b: number): Cell => (b < 0 ? undefined : hum ? human(b) : String(b));
  const row = (name: string, type: string, vfs: Cell, label: Cell, mbr: Cell, size: number, parents: string, id: Cell) => {
    const r: Cell[] = [name];
    if (cols.type) r.push(type);
    if (cols.vfs) r.push(vfs);
    if (cols.label) r.push(label);
    if (cols.mbr) r.push(mbr);
    if (cols.size) r.push(sz(size));
    if (cols.parent) r.push(parents);
    if (cols.uuid) r.push(id);
    rows.push(r);
  };
  if (long && !p.opts.has("no-title")) {
    const t: Cell[] = ["Name"];
    if (cols.type) t.push("Type");
    if (cols.vfs) t.push("VFS");
    if (cols.label) t.push("Label");
    if (cols.mbr) t.push("MBR");
    if (cols.size) t.push("Size");
    if (cols.parent) t.push("Parent");
    if (cols.uuid) t.push("UUID");
    rows.push(t);
  }
  const disks = h.disks;
  const devName = (i: number) => `/dev/sd${String.fromCharCode(97 + i)}`;
  const pvSize = (bytes: number) => Math.floor((bytes - 2 ** 20) / (4 * 2 ** 20)) * 4 * 2 ** 20;
  if (want.fs)
    for (const f of filesystems(disks)) {
      if (f.fs.type === "swap" && !want.extra) continue;
      // the size of a filesystem that mounts is what statvfs says; swap shows its device's size
      const v = f.fs.type === "swap" ? undefined : statvfs(f.fs, true);
      row(f.device, "filesystem", f.fs.type, f.fs.label ?? "", undefined, v ? v.blocks * v.bsize : f.fs.size, "", f.fs.uuid);
    }
  if (want.lvs) {
    const lvs = allVgs(disks).flatMap(([, vg]) => vg.lvs.map((lv) => ({ dev: `/dev/${vg.name}/${lv.name}`, vg: vg.name, lv })));
    for (const x of lvs.sort((a, b) => (a.dev < b.dev ? -1 : 1))) row(x.dev, "lv", undefined, undefined, undefined, x.lv.size, `/dev/${x.vg}`, x.lv.uuid.replace(/-/g, ""));
  }
  if (want.vgs)
    for (const [, vg] of allVgs(disks)) {
      const pvs = disks.flatMap((d, i) => d.partitions.filter((pt) => pt.pv === vg.name).map((pt) => ({ dev: `${devName(i)}${pt.num}`, size: pvSize(pt.end - pt.start + 1) })));
      row(`/dev/${vg.name}`, "vg", undefined, undefined, undefined, pvs.reduce((a, x) => a + x.size, 0), pvs.map((x) => x.dev).join(","), vg.uuid.replace(/-/g, ""));
    }
  if (want.pvs)
    disks.forEach((d, i) => {
      for (const pt of d.partitions) if (pt.pv !== undefined) row(`${devName(i)}${pt.num}`, "pv", undefined, undefined, undefined, pvSize(pt.end - pt.start + 1), "", (pt.pvUuid ?? "").replace(/-/g, ""));
    });
  if (want.parts)
    disks.forEach((d, i) => {
      for (const pt of d.partitions) row(`${devName(i)}${pt.num}`, "partition", undefined, undefined, d.ptable === "msdos" ? (pt.mbrId ?? (pt.pv !== undefined ? 0x8e : 0x83)).toString(16).padStart(2, "0") : undefined, pt.end - pt.start + 1, devName(i), undefined);
    });
  if (want.blk) h.sizes.forEach((size, i) => row(devName(i), "device", undefined, undefined, undefined, size, "", undefined));
  let text = "";
  if (csv) {
    const field = (c: Cell) => (c === undefined ? "" : /[ ",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
    text = rows.map((r) => r.map(field).join(",") + "\n").join("");
  } else {
    // columns line up; two spaces between them unless that passes 72 columns (counting 8 columns' gaps)
    const width = new Array<number>(8).fill(0);
    for (const r of rows) r.forEach((c, j) => c !== undefined && (width[j] = Math.max(width[j]!, Math.max(1, c.length))));
    const gap = width.reduce((a, w) => a + w + 2, 0) > 72 ? 1 : 2;
    for (const r of rows) {
      let line = "";
      let pad = 0;
      r.forEach((c, j) => {
        if (width[j] === 0) return;
        line += " ".repeat(pad);
        const t = c === undefined || c === "" ? "-" : c;
        line += t;
        pad = width[j]! - t.length + gap;
      });
      text += line + "\n";
    }
  }
  return done(h, 0, text ? [out(text)] : []);
}

/** The name virt-df prints for the disks: the first image's file name (or the domain), '+' for each further one. */
function dfName(p: Parsed): string {
  const first = p.drives[0]!;
  const base = first.kind === "d" ? first.value : first.value.slice(first.value.lastIndexOf("/") + 1);
  return base + "+".repeat(p.drives.length - 1);
}

/** virt-df's rows for one guest: each filesystem that mounts (read-only), as df_on_handle prints them. */
function dfRows(h: Handle, name: string, o: { hum: boolean; inodes: boolean; csv: boolean }): string {
  let text = "";
  for (const f of filesystems(h.disks)) {
    if (f.fs.type === "swap") continue;
    const v = statvfs(f.fs, true);
    let c: string[];
    let pct: number;
    if (!o.inodes) {
      const k = (n: number) => (v.bsize >= 1024 ? n * (v.bsize / 1024) : Math.floor(n / (1024 / v.bsize)));
      c = o.hum ? [human(v.blocks * v.bsize), human((v.blocks - v.bfree) * v.bsize), human(v.bavail * v.bsize)] : [String(k(v.blocks)), String(k(v.blocks - v.bfree)), String(k(v.bavail))];
      pct = v.blocks ? 100 - (100 * v.bfree) / v.blocks : 0;
    } else {
      c = [String(v.files), String(v.files - v.ffree), String(v.ffree)];
      pct = v.files ? 100 - (100 * v.ffree) / v.files : 0;
    }
    const f32 = Math.fround(pct);
    if (o.csv) {
      const q = (x: string) => (/[ ",\n]/.test(x) ? `"${x.replace(/"/g, '""')}"` : x);
      text += [q(name), q(f.device), ...c, f32.toFixed(1)].join(",") + "\n";
      continue;
    }
    const label = `${name}:${f.device}`;
    text += label.length <= 36 ? label.padEnd(36) : label + "\n" + " ".repeat(36);
    text += `${c[0]!.padStart(10)} ${c[1]!.padStart(10)} ${c[2]!.padStart(10)} ${`${Math.ceil(f32).toFixed(0).padStart(3)}%`.padStart(5)}\n`;
  }
  return text;
}

export function virtDf(ctx: ToolContext, args: string[]): ToolResult {
  const prog = "virt-df";
  const p = parseC(prog, args, "a:c:d:hiP:vVx", [{ name: "csv", arg: "none", key: "csv" }, { name: "human-readable", arg: "none", key: "h" }, { name: "inodes", arg: "none", key: "i" }, { name: "one-per-guest", arg: "none", key: "one-per-guest" }, { name: "uuid", arg: "none", key: "uuid" }]);
  if (isResult(p)) return p;
  if (p.operands.length) return tryHelp(prog);
  const o = { hum: p.opts.has("h"), inodes: p.opts.has("i"), csv: p.opts.has("csv") };
  if (o.hum && o.csv) return { exit: 1, out: [err(`${prog}: you cannot use -h and --csv options together.\n`)] };
  const title = o.csv
    ? `VirtualMachine,Filesystem,${o.inodes ? "Inodes,IUsed,IFree,IUse%" : `${o.hum ? "Size" : "1K-blocks"},Used,Available,Use%`}\n`
    : `${"Filesystem".padEnd(36)}${(o.inodes ? "Inodes" : o.hum ? "Size" : "1K-blocks").padStart(10)} ${(o.inodes ? "IUsed" : "Used").padStart(10)} ${(o.inodes ? "IFree" : "Available").padStart(10)} ${(o.inodes ? "IUse%" : "Use%").padStart(5)}\n`;
  if (!p.drives.length) {
    // every libvirt guest, by name, over a read-only connection
    const doms = allDomains(ctx.world, ctx.host, ctx.env.LIBVIRT_DEFAULT_URI, p.opts.get("c")?.[0]);
    if ("error" in doms) return { exit: 1, out: [err(doms.error.replace("libguestfs: error: ", `${prog}: `))] };
    let text = title;
    let world = ctx.world;
    for (const d of doms.list) {
      const h = new Handle(world, ctx.host, ctx.cwd);
      h.readonly = true;
      try {
        for (const f of d.files) h.addDrive(f, { readonly: true });
        h.launch();
      } catch (x) {
        // virt-df has always ignored guests whose disks cannot be added
        if (x instanceof GError) continue;
        throw x;
      }
      text += dfRows(h, d.name, o);
      world = h.world;
    }
    return { exit: 0, out: [out(text)], world };
  }
  const h = openHandle(ctx, prog, p, { readonly: true });
  if (!("drives" in h)) return h;
  try {
    h.launch();
  } catch (x) {
    if (x instanceof GError) return done(h, 1, [err(`libguestfs: error: ${x.text}\n`)]);
    throw x;
  }
  return done(h, 0, [out(title + dfRows(h, dfName(p), o))]);
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
    if (x instanceof GError) return done(h, 1, [err(`libguestfs: error: ${x.text}\n`)]);
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
        for (const a of os.applications) x += `      <application>\n        <name>${xmlEsc(a.name)}</name>\n${a.epoch ? `        <epoch>${a.epoch}</epoch>\n` : ""}        <version>${xmlEsc(a.version)}</version>\n${a.release ? `        <release>${xmlEsc(a.release)}</release>\n` : ""}        <arch>${a.arch}</arch>\n        <summary>${xmlEsc(a.summary)}</summary>\n      </application>\n`;
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
    if (x instanceof GError) return done(h, 1, [err(`libguestfs: error: ${x.text}\n`)]);
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
      if (edited.kind !== "edited") return { out: [err(`${prog}: error: no editor: set $EDITOR or use -e\n`)], exit: 1 };
      save(edited.text);
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
  const csv = p.opts.has("csv");
  const extra = p.opts.has("extra-stats") || p.opts.has("all");
  const uids = p.opts.has("uids") || p.opts.has("all");
  const times = p.opts.has("times") || p.opts.has("all");
  const dirLinks = p.opts.has("dir-links");
  const dirTimes = p.opts.has("dir-times");
  const hum = p.opts.has("h");
  // the fields of one file as output_file prints them (separated by spaces, or commas with --csv)
  const fields = (mark: string, path: string, n: FsNode, fs: GuestFs): string => {
    const f = [mark, n.kind === "dir" ? "d" : n.kind === "symlink" ? "l" : "-", (n.kind === "symlink" ? 0o777 : n.mode).toString(8).padStart(4, "0")];
    const size = nodeSize(fs, path, n);
    f.push(csv ? String(size) : hum ? human(size).padStart(10) : String(size).padStart(10));
    if (uids) f.push(csv ? n.owner : n.owner.padStart(4), csv ? n.group : n.group.padStart(4));
    if (times) {
      const t = n.kind === "dir" && !dirTimes ? 0 : n.mtime;
      const d = new Date(t * 1000).toISOString().replace("T", " ").slice(0, 19);
      f.push(csv ? String(t) : d, csv ? String(t) : d);
    }
    if (extra) f.push(fs === undefined ? "0" : "2049", "0", String(n.kind === "dir" ? (dirLinks ? 2 : 0) : 1), "0", String(statBlocks(fs, path, n)));
    f.push(path);
    if (n.kind === "symlink") f.push(`-> ${n.target}`);
    const q = (x: string) => (/[ ",\n]/.test(x) ? `"${x.replace(/"/g, '""')}"` : x);
    return (csv ? f.map(q).join(",") : f.join(" ")) + "\n";
  };
  // stats as guestfs_statns compares them (directories' links and times are flattened unless asked for)
  const statKey = (path: string, n: FsNode, fs: GuestFs) => {
    const dir = n.kind === "dir";
    return {
      st_mode: `${n.kind}${n.kind === "symlink" ? 0o777 : n.mode}`,
      st_nlink: dir && !dirLinks ? "0" : dir ? "d" : "1",
      st_uid: n.owner,
      st_gid: n.group,
      st_size: String(nodeSize(fs, path, n)),
      st_blocks: String(statBlocks(fs, path, n)),
      st_mtime_sec: dir && !dirTimes ? "0" : String(n.mtime),
      // the sim keeps no ctime: a change of owner or mode touches it
      st_ctime_sec: dir && !dirTimes ? "0" : `${n.mtime}:${n.owner}:${n.group}:${n.mode}`,
    };
  };
  let text = "";
  for (const path of paths) {
    const x = a.get(path);
    const y = b.get(path);
    if (x && !y) text += fields("-", path, x.node, x.fs);
    else if (!x && y) text += fields("+", path, y.node, y.fs);
    else if (x && y) {
      const sx = statKey(path, x.node, x.fs);
      const sy = statKey(path, y.node, y.fs);
      const differ = (Object.keys(sx) as (keyof typeof sx)[]).filter((k) => sx[k] !== sy[k]);
      const contentChanged = x.node.kind === "file" && y.node.kind === "file" && (x.node.content !== y.node.content || differ.some((k) => k === "st_mtime_sec" || k === "st_ctime_sec" || k === "st_size"));
      if (contentChanged) {
        text += fields("=", path, x.node, x.fs);
        if (!csv && x.node.kind === "file" && y.node.kind === "file") text += unifiedHunks(x.node.content, y.node.content) + "@@ End of diff @@\n";
      } else if (differ.length) {
        text += fields("-", path, x.node, x.fs) + fields("+", path, y.node, y.fs);
        text += (csv ? ["#", "changed:", ...differ].join(",") : ["#", "changed:", ...differ].join(" ")) + "\n";
      }
    }
  }
  return done(h1, 0, text ? [out(text)] : []);
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

export const VIRT_READ_TOOLS: Tool[] = probeChecked([
  { name: "virt-cat", path: "/usr/bin/virt-cat", run: virtCat },
  { name: "virt-ls", path: "/usr/bin/virt-ls", run: virtLs },
  { name: "virt-filesystems", path: "/usr/bin/virt-filesystems", run: virtFilesystems },
  { name: "virt-df", path: "/usr/bin/virt-df", run: virtDf },
  { name: "virt-inspector", path: "/usr/bin/virt-inspector", run: virtInspector },
  { name: "virt-edit", path: "/usr/bin/virt-edit", run: virtEdit },
  { name: "virt-diff", path: "/usr/bin/virt-diff", run: virtDiff },
  copyWrapper("virt-copy-in", "copy-in"),
  copyWrapper("virt-copy-out", "copy-out"),
]);

export { mapperName };
