// guestfish: the guest filesystem shell. Options (-a/-d/-N/-m/-i/--ro/--rw), commands on the command line,
// a script on stdin (stops at the first error, which it prefixes with *stdin*:LINE:), and the ><fs> prompt.
import { produce } from "immer";
import { resolvePath, stat, writeFile, type Fs } from "../../model/fs";
import { newImage } from "../../model/image";
import { partAdd, partInit } from "../../model/guestfs/build";
import { inspect } from "../../model/guestfs/inspect";
import type { World } from "../../model/world";
import { getoptLong } from "../../shell/getopt";
import type { Chunk, InteractiveProgram, Step, Tool, ToolContext, ToolResult } from "../../shell/tool";
import { run as runCmd, type Args, type CmdContext } from "./commands";
import data from "./guestfish-data.json";
import { GError, Handle } from "./handle";
import { domainDisks } from "./libvirt";
import { probeRun } from "../../shell/syntax-check";

interface CmdInfo {
  summary: string;
  alias?: string;
  synopsis?: string;
}

const G = data as unknown as { listing: string; commands: Record<string, CmdInfo>; pages: Record<string, string>; help: Record<string, { stdout: string; stderr: string; exit: number }>; version: Record<string, { stdout: string }> };

/** Aliases the listing does not show as "alias for" but guestfish accepts. */
const EXTRA_ALIASES: Record<string, string> = { run: "launch", "add-ro": "add-drive-ro", add: "add-drive", cat: "cat", vi: "edit", emacs: "edit", exit: "quit", q: "quit" };

function canonicalName(name: string): string | undefined {
  const n = name.replace(/_/g, "-");
  if (EXTRA_ALIASES[n]) return EXTRA_ALIASES[n];
  const c = G.commands[n];
  if (!c) return undefined;
  return c.alias ?? n;
}

/** Required positional parameters and known optional keys of a command, from its synopsis. */
function signature(name: string): { required: string[]; optional: string[]; variadic: boolean } {
  const syn = G.commands[name]?.synopsis ?? name;
  const words = syn.split(" ").slice(1);
  const required = words.filter((w) => !w.startsWith("["));
  const optional = words.filter((w) => w.startsWith("[")).map((w) => w.replace(/^\[|\]$/g, "").split(":")[0]!);
  return { required, optional, variadic: ["copy-in", "copy-out", "vgcreate", "echo", "help"].includes(name) };
}

/** Split a guestfish command line into words: "double quotes" with C escapes, 'single quotes', # comments. */
export function splitLine(line: string): string[] | { error: string } {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length || line[i] === "#") break;
    let w = "";
    if (line[i] === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === "\\" && i + 1 < line.length) {
          const c = line[i + 1]!;
          const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", a: "\x07", b: "\b", f: "\f", v: "\v", "\\": "\\", '"': '"', "'": "'", " ": " " };
          if (c === "x") {
            w += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
            i += 4;
            continue;
          }
          if (/[0-7]/.test(c)) {
            w += String.fromCharCode(parseInt(line.slice(i + 1, i + 4), 8));
            i += 4;
            continue;
          }
          w += map[c] ?? c;
          i += 2;
          continue;
        }
        w += line[i++];
      }
      if (line[i] !== '"') return { error: "unterminated double quote" };
      i++;
    } else if (line[i] === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { error: "unterminated single quote" };
      w = line.slice(i + 1, end);
      i = end + 1;
    } else {
      while (i < line.length && !/\s/.test(line[i]!)) w += line[i++];
    }
    words.push(w);
  }
  return words;
}

const WELCOME = "\nWelcome to guestfish, the guest filesystem shell for\nediting virtual machine filesystems and disk images.\n\nType: \u2018help\u2019 for help on commands\n      \u2018man\u2019 to read the manual\n      \u2018quit\u2019 to quit the shell\n\n";

const NO_OS = "guestfish: no operating system was found on this disk\n\nIf using guestfish \u2018-i\u2019 option, remove this option and instead\nuse the commands \u2018run\u2019 followed by \u2018list-filesystems\u2019.\nYou can then mount filesystems you want by hand using the\n\u2018mount\u2019 or \u2018mount-ro\u2019 command.\n\nIf using guestmount \u2018-i\u2019, remove this option and choose the\nfilesystem(s) you want to see by manually adding \u2018-m\u2019 option(s).\nUse \u2018virt-filesystems\u2019 to see what filesystems are available.\n\nIf using other virt tools, this disk image won\u2019t work\nwith these tools.  Use the guestfish equivalent commands\n(see the virt tool manual page).\n";

/** A running guestfish: its handle and how it reports. */
export class Guestfish {
  readonly out: Chunk[] = [];
  failed = false;
  done = false;
  private seqBase: number;

  constructor(
    readonly h: Handle,
    readonly ctx: ToolContext,
  ) {
    this.seqBase = ctx.world.seq;
  }

  private cmdContext(): CmdContext {
    return {
      h: this.h,
      now: Math.floor(this.h.world.clock / 1000),
      seq: () => {
        this.h.world = { ...this.h.world, seq: this.h.world.seq + 1 };
        return this.h.world.seq * 13 + this.seqBase;
      },
      hostFs: () => this.h.fs,
      setHostFs: (fn: (fs: Fs) => void) => {
        this.h.world = produce(this.h.world, (w) => fn(w.hosts[this.h.host]!.fs));
      },
      cwd: this.ctx.cwd,
    };
  }

  /** Run one command (name and words); `where` prefixes libguestfs errors (*stdin*:N: in scripts). */
  exec(words: string[], where: string): boolean {
    const [name0, ...rest] = words as [string, ...string[]];
    if (name0 === "help") {
      this.out.push({ fd: 1, text: rest.length ? help(rest[0]!) : G.listing });
      return true;
    }
    if (name0 === "quit" || name0 === "exit" || name0 === "q") {
      this.done = true;
      return true;
    }
    if (name0 === "man") return true;
    if (name0.startsWith("!")) return true;
    const p = parseCommand(words);
    if ("error" in p) {
      this.out.push({ fd: 2, text: p.error });
      return false;
    }
    if (!("name" in p)) return true;
    const { name, pos, opt } = p;
    if (name === "edit") {
      this.out.push({ fd: 2, text: `${where}libguestfs: error: edit: the editor cannot run inside a guestfish script in the lpic3 lab: use virt-edit, or guestfish interactively with 'cat' and 'write'\n` });
      return false;
    }
    try {
      const text = runCmd(this.cmdContext(), name, { pos, opt } as Args);
      if (text) this.out.push({ fd: 1, text });
      return true;
    } catch (e) {
      if (e instanceof GError) {
        this.out.push({ fd: 2, text: `${where}libguestfs: error: ${e.text}\n` });
        return false;
      }
      throw e;
    }
  }

  /** -i: inspect, then mount the OS's filesystems (shortest mountpoint first). */
  inspectMount(): boolean {
    try {
      if (!this.h.launched) this.h.launch();
    } catch (e) {
      if (e instanceof GError) {
        this.out.push({ fd: 2, text: `libguestfs: error: ${e.text}\n` });
        return false;
      }
      throw e;
    }
    const oses = inspect(this.h.disks);
    if (oses.length === 0) {
      this.out.push({ fd: 2, text: NO_OS });
      return false;
    }
    for (const [mp, dev] of oses[0]!.mountpoints) {
      try {
        this.h.mount("mount_options", dev, mp, this.h.readonly);
      } catch {
        // a missing mountpoint directory is skipped, as guestfish does with a warning
      }
    }
    return true;
  }
}

/**
 * guestfish's checks of a command line before it runs anything: the command's name, its optional
 * arguments and the count of its positional ones. The error as guestfish prints it, or the parsed command
 * ({} for the commands guestfish handles itself: help, quit, man, !shell).
 */
export function parseCommand(words: string[]): { name: string; pos: string[]; opt: Record<string, string> } | { error: string } | Record<string, never> {
  const [name0, ...rest] = words as [string, ...string[]];
  if (["help", "quit", "exit", "q", "man"].includes(name0) || name0.startsWith("!")) return {};
  const name = canonicalName(name0);
  if (!name) return { error: `${name0}: unknown command\nDid you mean to open a disk image?  guestfish -a disk.img\nFor a list of commands:             guestfish -h\nFor complete documentation:         man guestfish\n` };
  const sig = signature(name === "cat" ? "cat" : name);
  const pos: string[] = [];
  const opt: Record<string, string> = {};
  for (const w of rest) {
    const m = /^([a-z]+):(.*)$/.exec(w);
    if (m && pos.length >= sig.required.length && sig.optional.length) {
      if (!sig.optional.includes(m[1]!)) return { error: `${name0}: unknown optional argument "${w}"\n` };
      if (["readonly", "copyonread"].includes(m[1]!) && !["true", "false", "yes", "no", "1", "0", "on", "off"].includes(m[2]!)) return { error: `guestfish: '${m[2]}': invalid boolean value, use 'true' or 'false'\n` };
      opt[m[1]!] = m[2]!;
    } else pos.push(w);
  }
  if (pos.length < sig.required.length || (pos.length > sig.required.length && !sig.variadic)) return { error: `error: incorrect number of arguments\nusage: ${G.commands[name]?.synopsis ?? name}\ntype 'help ${name0}' for more help on ${name0}\n` };
  return { name, pos, opt };
}

/** A command's error as one line: the first line, with the usage line when guestfish prints one. */
function oneLine(text: string): string {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const usage = lines.find((l) => l.startsWith("usage: "));
  return usage && usage !== lines[0] ? `${lines[0]} (${usage})` : lines[0] ?? "";
}

/** The first error among guestfish commands given as words lists. */
function checkCommands(cmds: string[][]): string | null {
  for (const c of cmds) {
    if (!c.length) continue;
    const p = parseCommand(c);
    if ("error" in p) return oneLine(p.error);
  }
  return null;
}

function help(cmd: string): string {
  const name = canonicalName(cmd);
  if (!name) return `help: command not known: ${cmd}\n`;
  return G.pages[name] ?? `NAME\n    ${name} - ${G.commands[name]?.summary ?? ""}\n\nSYNOPSIS\n     ${G.commands[name]?.synopsis ?? name}\n\n`;
}

/** Reads commands line by line (a script on stdin, or the learner at the ><fs> prompt). */
class GuestfishProgram implements InteractiveProgram {
  private line = 0;

  constructor(
    readonly g: Guestfish,
    readonly banner: string,
  ) {}

  prompt(): string {
    return "><fs> ";
  }

  start(world: World, tty: boolean): Step {
    this.g.h.world = world;
    return { out: tty ? [{ fd: 1, text: this.banner }] : [] };
  }

  feed(input: string, world: World, tty: boolean): Step {
    this.line++;
    this.g.h.world = world;
    this.g.out.length = 0;
    const words = splitLine(input);
    let ok = true;
    if (!Array.isArray(words)) {
      this.g.out.push({ fd: 2, text: `guestfish: ${words.error}\n` });
      ok = false;
    } else if (words.length) ok = this.g.exec(words, tty ? "" : `*stdin*:${this.line}: `);
    const out = [...this.g.out];
    if (this.g.done) return { out, world: this.g.h.world, done: true, exit: 0 };
    if (!ok && !tty) return { out, world: this.g.h.world, done: true, exit: 1 };
    return { out, world: this.g.h.world };
  }

  eof(world: World): Step {
    return { out: [], world, done: true, exit: 0 };
  }

  complete(line: string): string[] {
    const w = line.split(/\s+/);
    if (w.length > 1) return [];
    return Object.keys(G.commands).filter((c) => c.startsWith(w[0] ?? ""));
  }
}

const LONGS = [
  { name: "add", arg: "required", key: "a" },
  { name: "cmd-help", arg: "optional", key: "h" },
  { name: "connect", arg: "required", key: "c" },
  { name: "domain", arg: "required", key: "d" },
  { name: "echo-keys", arg: "none", key: "echo-keys" },
  { name: "file", arg: "required", key: "f" },
  { name: "format", arg: "optional", key: "format" },
  { name: "help", arg: "none", key: "help" },
  { name: "inspector", arg: "none", key: "i" },
  { name: "key", arg: "required", key: "key" },
  { name: "keys-from-stdin", arg: "none", key: "keys-from-stdin" },
  { name: "live", arg: "none", key: "live" },
  { name: "mount", arg: "required", key: "m" },
  { name: "network", arg: "none", key: "network" },
  { name: "new", arg: "required", key: "N" },
  { name: "no-dest-paths", arg: "none", key: "D" },
  { name: "no-sync", arg: "none", key: "n" },
  { name: "no-progress-bars", arg: "none", key: "no-progress-bars" },
  { name: "pipe-error", arg: "none", key: "pipe-error" },
  { name: "progress-bars", arg: "none", key: "progress-bars" },
  { name: "ro", arg: "none", key: "r" },
  { name: "rw", arg: "none", key: "w" },
  { name: "selinux", arg: "none", key: "selinux" },
  { name: "verbose", arg: "none", key: "v" },
  { name: "version", arg: "none", key: "V" },
] as const;

/** Create the disk a -N spec describes (raw file in the current directory) and return its name. */
function prepareNew(ctx: ToolContext, world: World, spec: string, n: number): { world: World; file: string; kind: string; fstype?: string } | { error: string } {
  const eq = spec.indexOf("=");
  const file = eq >= 0 ? spec.slice(0, eq) : `test${n}.img`;
  const [kind = "disk", ...params] = (eq >= 0 ? spec.slice(eq + 1) : spec).split(":");
  const sizeOf = (s: string | undefined) => {
    const m = /^(\d+)([KMGT]?)$/i.exec(s ?? "100M");
    if (!m) return undefined;
    return Number(m[1]) * { "": 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }[m[2]!.toUpperCase() as "" | "K"]!;
  };
  let size: number | undefined;
  let fstype: string | undefined;
  if (kind === "disk" || kind === "part") size = sizeOf(params[0]);
  else if (kind === "fs") {
    fstype = params[0] ?? "ext2";
    size = sizeOf(params[1]);
  } else return { error: `guestfish: -N parameter '${spec}': no such prepared disk type` };
  if (size === undefined) return { error: `guestfish: -N parameter '${spec}': could not parse size` };
  const path = resolvePath(ctx.cwd, file);
  const w = produce(world, (d) => {
    writeFile(d.hosts[ctx.host]!.fs, path, "", { mtime: Math.floor(world.clock / 1000), image: newImage("raw", size!) });
  });
  return { world: w, file, kind, ...(fstype ? { fstype } : {}) };
}

const parseOptions = (args: string[]) => getoptLong(args, "a:c:d:Df:h::im:nN:rvVwx", LONGS as unknown as { name: string; arg: "none" | "required" | "optional"; key: string }[], "guestfish");

/** The commands on the command line, separated by ":" words. */
function lineCommands(operands: string[]): string[][] {
  const cmds: string[][] = [[]];
  for (const w of operands) {
    if (w === ":") cmds.push([]);
    else cmds[cmds.length - 1]!.push(w);
  }
  return cmds;
}

export function runGuestfish(ctx: ToolContext, args: string[]): ToolResult {
  const prog = "guestfish";
  const r = parseOptions(args);
  const errEv = r.events.find((e) => e.kind === "error");
  if (errEv && errEv.kind === "error") return { exit: 1, out: [{ fd: 2, text: `${errEv.message}Try \u2018guestfish --help\u2019 for more information.\n` }] };
  let ro: boolean | undefined;
  let inspector = false;
  const mounts: string[] = [];
  const pending: (() => ToolResult | undefined)[] = [];
  let newCount = 0;
  let format: string | undefined;
  for (const ev of r.events) {
    if (ev.kind !== "option") continue;
    switch (ev.key) {
      case "help":
        return { exit: 0, out: [{ fd: 1, text: G.help.guestfish?.stdout ?? "" }] };
      case "V":
        return { exit: 0, out: [{ fd: 1, text: G.version.guestfish?.stdout ?? "guestfish 1.48.6\n" }] };
      case "h":
        return { exit: 0, out: [{ fd: 1, text: ev.arg ? help(ev.arg) : G.listing }] };
      case "r":
        if (ro === false) return { exit: 1, out: [{ fd: 2, text: "guestfish: cannot mix --ro and --rw options\n" }] };
        ro = true;
        break;
      case "w":
        if (ro === true) return { exit: 1, out: [{ fd: 2, text: "guestfish: cannot mix --ro and --rw options\n" }] };
        ro = false;
        break;
      case "i":
        inspector = true;
        break;
      case "format":
        format = ev.arg === "" ? undefined : ev.arg;
        break;
      case "a": {
        const file = ev.arg!;
        const fmt = format;
        pending.push(() => {
          if (!stat(h.fs, resolvePath(ctx.cwd, file))) return { exit: 1, out: [{ fd: 2, text: `guestfish: access: ${file}: No such file or directory\n` }] };
          h.addDrive(file, { readonly: ro === true, ...(fmt ? { format: fmt } : {}) });
          return undefined;
        });
        break;
      }
      case "d": {
        const dom = ev.arg!;
        pending.push(() => {
          const disks = domainDisks(h.world, ctx.host, dom, ctx.env.LIBVIRT_DEFAULT_URI, undefined, ro === true);
          if ("error" in disks) return { exit: 1, out: [{ fd: 2, text: disks.error }] };
          for (const d of disks.files) h.addDrive(d, { readonly: ro === true });
          return undefined;
        });
        break;
      }
      case "N": {
        const spec = ev.arg!;
        const n = ++newCount;
        pending.push(() => {
          const p = prepareNew(ctx, h.world, spec, n);
          if ("error" in p) return { exit: 1, out: [{ fd: 2, text: p.error + "\n" }] };
          h.world = p.world;
          h.addDrive(p.file, {});
          h.launch();
          if (p.kind === "part" || p.kind === "fs") {
            const i = h.drives.length - 1;
            const t = partAdd(partInit(h.disks[i]!, "msdos"), h.sizes[i]!, 64, -1);
            if (typeof t !== "string") h.updateDisks("part_disk", h.disks.map((d, k) => (k === i ? t : d)));
            if (p.kind === "fs") g.exec(["mkfs", p.fstype!, `/dev/sd${String.fromCharCode(97 + i)}1`], "");
          }
          return undefined;
        });
        break;
      }
      case "m":
        mounts.push(ev.arg!);
        break;
      default:
        break;
    }
  }
  // the handle is made once the options are read: their errors come first (and a syntax check stops here)
  const h = new Handle(ctx.world, ctx.host, ctx.cwd);
  const g = new Guestfish(h, ctx);
  h.readonly = ro === true;
  for (const p of pending) {
    const res = p();
    if (res) return res;
  }
  const finish = (exit: number): ToolResult => ({ exit, out: g.out, world: h.world });
  if (inspector) {
    if (h.drives.length === 0) return { exit: 1, out: [{ fd: 2, text: "guestfish: cannot use -i option with -N or -d option\n" }] };
    if (!g.inspectMount()) return finish(1);
  }
  for (const m of mounts) {
    const [dev = "", mp = "/"] = m.split(":");
    try {
      if (!h.launched) h.launch();
      h.mount("mount_options", dev, mp, h.readonly);
    } catch (e) {
      if (!(e instanceof GError)) throw e;
      const fsList = h.filesystems().filter((f) => f.fs.type !== "swap");
      g.out.push({ fd: 2, text: `libguestfs: error: mount_options: mount_options_stub: ${dev}: No such file or directory\nguestfish: \u2018${dev}\u2019 could not be mounted.\nguestfish: Did you mean to mount one of these filesystems?\n${fsList.map((f) => `guestfish: \t${f.device} (${f.fs.type})\n`).join("")}` });
      return finish(1);
    }
  }
  const cmdWords = r.operands;
  if (cmdWords.length) {
    const cmds = lineCommands(cmdWords);
    // not at a terminal, guestfish puts its input position before errors: *stdin*:0 for the command line
    const where = ctx.stdin === null && ctx.tty ? "" : "*stdin*:0: ";
    for (const c of cmds) {
      if (!c.length) continue;
      if (!g.exec(c, where)) return finish(1);
      if (g.done) break;
    }
    return finish(0);
  }
  let banner = WELCOME;
  if (inspector) {
    const os = inspect(h.disks)[0];
    if (os) banner += `Operating system: ${os.productName}\n` + h.mounts.map((m) => `${m.device} mounted on ${m.mountpoint}\n`).join("") + "\n";
  }
  return { exit: 0, out: g.out, world: h.world, interactive: new GuestfishProgram(g, banner) };
}

export const GUESTFISH_TOOL: Tool = {
  name: "guestfish",
  path: "/usr/bin/guestfish",
  run: runGuestfish,
  /** The options (run against the probe world up to the first disk), then each command on the command line. */
  check(args) {
    const opts = probeRun(runGuestfish, "guestfish", args);
    if (opts !== null) return opts;
    return checkCommands(lineCommands(parseOptions(args).operands));
  },
  /** A script: every line is one command, checked as guestfish checks it before running it. */
  checkInput(_args, input) {
    const lines = input.replace(/\n$/, "").split("\n");
    for (let i = 0; i < lines.length; i++) {
      const words = splitLine(lines[i]!);
      const e = Array.isArray(words) ? (words.length ? checkCommands([words]) : null) : `guestfish: ${words.error}`;
      if (e !== null) return { line: i + 1, message: e };
    }
    return null;
  },
};
export { G as GUESTFS_DATA };
