// The file utilities of the lab shell (ls, cat, mkdir, touch, cp, mv, rm, ln), with coreutils' messages.
import { produce } from "immer";
import {
  FS_MESSAGES,
  FsError,
  apparentSize,
  basename,
  dirname,
  listDir,
  lstat,
  makeDir,
  moveNode,
  removeNode,
  resolvePath,
  stat,
  writeFile,
  type Fs,
  type FsNode,
} from "../../model/fs";
import type { World } from "../../model/world";
import { getoptLong, type LongOption } from "../../shell/getopt";
import { err, out, type Chunk, type Tool, type ToolContext, type ToolResult } from "../../shell/tool";

export interface Parsed {
  flags: Map<string, string[]>;
  operands: string[];
}

/** getopt_long for a coreutils program; on a bad option returns the usage error coreutils prints. */
export function parseArgs(ctx: ToolContext, name: string, args: string[], spec: string, longs: LongOption[] = [], badExit = 1): Parsed | ToolResult {
  if (args.includes("--help")) return { exit: 0, out: [out(`Usage: ${name} [OPTION]... [FILE]...\nThis is the lpic3 lab shell's ${name}; it supports the common options of GNU coreutils ${name}.\n`)] };
  const r = getoptLong(args, spec, [...longs, { name: "help", arg: "none", key: "help" }], name);
  const e = r.events.find((x) => x.kind === "error");
  if (e && e.kind === "error") return { exit: badExit, out: [err(e.message + `Try '${name} --help' for more information.\n`)] };
  const flags = new Map<string, string[]>();
  for (const ev of r.events) if (ev.kind === "option") flags.set(ev.key, [...(flags.get(ev.key) ?? []), ev.arg ?? ""]);
  return { flags, operands: r.operands };
}

export const isResult = (x: Parsed | ToolResult): x is ToolResult => "exit" in x;

export const fsOf = (ctx: ToolContext) => ctx.world.hosts[ctx.host]!.fs;
export const nowSec = (ctx: ToolContext) => Math.floor(ctx.world.clock / 1000);

/** Apply filesystem changes to the host as a new world. */
export function withFs(ctx: ToolContext, fn: (fs: Fs) => void): World {
  return produce(ctx.world, (w) => {
    fn(w.hosts[ctx.host]!.fs);
  });
}

const fsMsg = (e: unknown) => (e instanceof FsError ? FS_MESSAGES[e.code] : String(e));

// ------------------------------------------------------------------ ls

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function modeString(n: FsNode): string {
  const t = n.kind === "dir" ? "d" : n.kind === "symlink" ? "l" : n.kind === "file" && n.device === "char" ? "c" : n.kind === "file" && n.device === "block" ? "b" : "-";
  const m = n.kind === "symlink" ? 0o777 : n.mode;
  const bits = "rwxrwxrwx";
  return t + [...bits].map((c, i) => (m & (1 << (8 - i)) ? c : "-")).join("");
}

function lsDate(mtime: number, now: number): string {
  const d = new Date(mtime * 1000);
  const recent = now - mtime < 182 * 24 * 3600 && mtime <= now + 3600;
  const day = String(d.getUTCDate()).padStart(2, " ");
  return `${MONTHS[d.getUTCMonth()]} ${day} ${recent ? `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}` : ` ${d.getUTCFullYear()}`}`;
}

export function humanSize(bytes: number): string {
  if (bytes < 1024) return String(bytes);
  const units = ["K", "M", "G", "T", "P", "E"];
  let v = bytes;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return v < 10 ? `${(Math.ceil(v * 10) / 10).toFixed(1)}${units[u]}` : `${Math.ceil(v)}${units[u]}`;
}

function columns(names: string[], width = 80): string {
  if (names.length === 0) return "";
  for (let rows = 1; rows <= names.length; rows++) {
    const cols = Math.ceil(names.length / rows);
    const widths: number[] = [];
    for (let c = 0; c < cols; c++) widths.push(Math.max(...names.slice(c * rows, c * rows + rows).map((n) => n.length)));
    const total = widths.reduce((a, b) => a + b, 0) + 2 * (cols - 1);
    if (total < width || rows === names.length) {
      const lines: string[] = [];
      for (let r = 0; r < rows; r++) {
        const cells: string[] = [];
        for (let c = 0; c < cols; c++) {
          const name = names[c * rows + r];
          if (name === undefined) continue;
          const last = c === cols - 1 || names[(c + 1) * rows + r] === undefined;
          cells.push(last ? name : name.padEnd(widths[c]! + 2));
        }
        lines.push(cells.join(""));
      }
      return lines.join("\n") + "\n";
    }
  }
  return names.join("\n") + "\n";
}

const ls: Tool = {
  name: "ls",
  path: "/usr/bin/ls",
  run(ctx, args) {
    const p = parseArgs(ctx, "ls", args, "laAdh1RtrFS", [
      { name: "all", arg: "none", key: "a" },
      { name: "almost-all", arg: "none", key: "A" },
      { name: "directory", arg: "none", key: "d" },
      { name: "human-readable", arg: "none", key: "h" },
      { name: "recursive", arg: "none", key: "R" },
      { name: "reverse", arg: "none", key: "r" },
      { name: "classify", arg: "none", key: "F" },
      { name: "color", arg: "optional", key: "color" },
    ], 2);
    if (isResult(p)) return p;
    const f = (k: string) => p.flags.has(k);
    const fs = fsOf(ctx);
    const now = nowSec(ctx);
    const long = f("l");
    const chunks: Chunk[] = [];
    let exit = 0;
    const operands = p.operands.length ? p.operands : ["."];
    const files: { name: string; path: string; node: FsNode }[] = [];
    const dirs: { name: string; path: string }[] = [];
    for (const o of operands) {
      const path = resolvePath(ctx.cwd, o);
      const node = lstat(fs, path);
      const target = stat(fs, path);
      if (!node) {
        chunks.push(err(`ls: cannot access '${o}': No such file or directory\n`));
        exit = 2;
        continue;
      }
      if (target?.kind === "dir" && !f("d") && !(long && node.kind === "symlink" && !o.endsWith("/"))) dirs.push({ name: o, path });
      else files.push({ name: o, path, node });
    }
    const suffix = (n: FsNode) => (!f("F") ? "" : n.kind === "dir" ? "/" : n.kind === "symlink" ? "@" : n.kind === "file" && n.mode & 0o111 ? "*" : "");
    const sortEntries = <T extends { name: string; node: FsNode }>(list: T[]): T[] => {
      if (f("t")) list.sort((a, b) => b.node.mtime - a.node.mtime || (a.name < b.name ? -1 : 1));
      else if (f("S")) list.sort((a, b) => apparentSize(b.node) - apparentSize(a.node));
      if (f("r")) list.reverse();
      return list;
    };
    const render = (list: { name: string; path: string; node: FsNode }[], withTotal: boolean): string => {
      if (!long) return ctx.tty ? columns(list.map((e) => e.name + suffix(e.node))) : list.map((e) => e.name + suffix(e.node) + "\n").join("");
      const sizes = list.map((e) => (f("h") ? humanSize(apparentSize(e.node)) : String(apparentSize(e.node))));
      const sw = Math.max(0, ...sizes.map((s) => s.length));
      const links = list.map((e) => (e.node.kind === "dir" ? 2 : 1));
      const owners = list.map((e) => e.node.owner);
      const groups = list.map((e) => e.node.group);
      const ow = Math.max(0, ...owners.map((s) => s.length));
      const gw = Math.max(0, ...groups.map((s) => s.length));
      const blocks = list.reduce((a, e) => a + (e.node.kind === "file" ? Math.ceil((e.node.image ? e.node.image.allocated : apparentSize(e.node)) / 4096) * 4 : e.node.kind === "dir" ? 4 : 0), 0);
      const lines = list.map((e, i) => {
        const target = e.node.kind === "symlink" ? ` -> ${e.node.target}` : "";
        return `${modeString(e.node)} ${links[i]} ${owners[i]!.padEnd(ow)} ${groups[i]!.padEnd(gw)} ${sizes[i]!.padStart(sw)} ${lsDate(e.node.mtime, now)} ${e.name}${suffix(e.node)}${target}\n`;
      });
      return (withTotal ? `total ${f("h") ? humanSize(blocks * 1024) : blocks}\n` : "") + lines.join("");
    };
    let text = "";
    if (files.length) text += render(sortEntries(files), false);
    const showHeader = operands.length > 1 || f("R");
    const queue = [...dirs];
    let first = files.length === 0;
    while (queue.length) {
      const d = queue.shift()!;
      let names: string[];
      try {
        names = listDir(fs, d.path);
      } catch (e) {
        chunks.push(err(`ls: cannot open directory '${d.name}': ${fsMsg(e)}\n`));
        exit = 2;
        continue;
      }
      if (f("a")) names = [".", "..", ...names];
      else if (!f("A")) names = names.filter((n) => !n.startsWith("."));
      const entries = sortEntries(names.map((n) => ({ name: n, path: n === "." ? d.path : n === ".." ? dirname(d.path) : `${d.path === "/" ? "" : d.path}/${n}`, node: (n === "." || n === ".." ? stat(fs, n === "." ? d.path : dirname(d.path)) : lstat(fs, `${d.path === "/" ? "" : d.path}/${n}`))! })));
      if (!first) text += "\n";
      first = false;
      if (showHeader) text += `${d.name}:\n`;
      text += render(entries, true);
      if (f("R")) {
        const sub = entries.filter((e) => e.node.kind === "dir" && e.name !== "." && e.name !== "..").map((e) => ({ name: `${d.name === "/" ? "" : d.name}/${e.name}`, path: e.path }));
        queue.unshift(...sub);
      }
    }
    return { exit, out: [...(text ? [out(text)] : []), ...chunks] };
  },
};

// ------------------------------------------------------------------ cat

const cat: Tool = {
  name: "cat",
  path: "/usr/bin/cat",
  run(ctx, args) {
    const p = parseArgs(ctx, "cat", args, "nAEs", [{ name: "number", arg: "none", key: "n" }]);
    if (isResult(p)) return p;
    const fs = fsOf(ctx);
    const chunks: Chunk[] = [];
    let exit = 0;
    let text = "";
    const ops = p.operands.length ? p.operands : ["-"];
    for (const o of ops) {
      if (o === "-") {
        text += ctx.stdin ?? "";
        continue;
      }
      const n = stat(fs, resolvePath(ctx.cwd, o));
      if (!n) {
        chunks.push(out(text), err(`cat: ${o}: No such file or directory\n`));
        text = "";
        exit = 1;
      } else if (n.kind === "dir") {
        chunks.push(out(text), err(`cat: ${o}: Is a directory\n`));
        text = "";
        exit = 1;
      } else if (n.kind === "file" && n.image) {
        text += binaryPreview(n.image.format);
      } else if (n.kind === "file") text += n.content;
    }
    if (p.flags.has("n")) {
      let k = 0;
      text = text.replace(/^(?=.)/gm, () => `${String(++k).padStart(6)}\t`);
    }
    chunks.push(out(text));
    return { exit, out: chunks.filter((c) => c.text !== "") };
  },
};

/** What a terminal shows when you cat a disk image: its magic and a hint, not megabytes of binary. */
function binaryPreview(format: string): string {
  const magic: Record<string, string> = { qcow2: "QFI\ufffd", qed: "QED\0", vmdk: "KDMV", vdi: "<<< Oracle VM VirtualBox Disk Image >>>", vhdx: "vhdxfile", vpc: "conectix" };
  return `${magic[format] ?? ""}\ufffd\ufffd\ufffd\ufffd (binary ${format} image data — use 'qemu-img info' to look inside)\n`;
}

// ------------------------------------------------------------------ mkdir, touch

const mkdir: Tool = {
  name: "mkdir",
  path: "/usr/bin/mkdir",
  run(ctx, args) {
    const p = parseArgs(ctx, "mkdir", args, "pvm:", [
      { name: "parents", arg: "none", key: "p" },
      { name: "verbose", arg: "none", key: "v" },
      { name: "mode", arg: "required", key: "m" },
    ]);
    if (isResult(p)) return p;
    if (!p.operands.length) return { exit: 1, out: [err("mkdir: missing operand\nTry 'mkdir --help' for more information.\n")] };
    const chunks: Chunk[] = [];
    let exit = 0;
    const mode = p.flags.has("m") ? parseInt(p.flags.get("m")![0]!, 8) : undefined;
    const world = withFs(ctx, (fs) => {
      for (const o of p.operands) {
        try {
          makeDir(fs, resolvePath(ctx.cwd, o), { parents: p.flags.has("p"), mtime: nowSec(ctx), ...(mode !== undefined && !Number.isNaN(mode) ? { mode } : {}) });
          if (p.flags.has("v")) chunks.push(out(`mkdir: created directory '${o}'\n`));
        } catch (e) {
          chunks.push(err(`mkdir: cannot create directory '${o}': ${fsMsg(e)}\n`));
          exit = 1;
        }
      }
    });
    return { world, exit, out: chunks };
  },
};

const touch: Tool = {
  name: "touch",
  path: "/usr/bin/touch",
  run(ctx, args) {
    const p = parseArgs(ctx, "touch", args, "acm", [{ name: "no-create", arg: "none", key: "c" }]);
    if (isResult(p)) return p;
    if (!p.operands.length) return { exit: 1, out: [err("touch: missing file operand\nTry 'touch --help' for more information.\n")] };
    const chunks: Chunk[] = [];
    let exit = 0;
    const world = withFs(ctx, (fs) => {
      for (const o of p.operands) {
        const path = resolvePath(ctx.cwd, o);
        const n = stat(fs, path);
        if (n) {
          n.mtime = nowSec(ctx);
          continue;
        }
        if (p.flags.has("c")) continue;
        try {
          writeFile(fs, path, "", { mtime: nowSec(ctx) });
        } catch (e) {
          chunks.push(err(`touch: cannot touch '${o}': ${fsMsg(e)}\n`));
          exit = 1;
        }
      }
    });
    return { world, exit, out: chunks };
  },
};

// ------------------------------------------------------------------ cp, mv, rm, ln

function copyNode(fs: Fs, from: string, to: string, recursive: boolean, now: number) {
  const n = stat(fs, from)!;
  if (n.kind === "dir") {
    if (!stat(fs, to)) makeDir(fs, to, { mtime: now });
    for (const name of listDir(fs, from)) copyNode(fs, `${from}/${name}`, `${to}/${name}`, recursive, now);
    return;
  }
  if (n.kind === "file") writeFile(fs, to, n.content, { mtime: now, mode: n.mode, ...(n.image ? { image: structuredClone(n.image) } : {}) });
}

/** Resolve cp/mv's destination: into DIR when the last operand is a directory. */
function destinations(ctx: ToolContext, name: "cp" | "mv", operands: string[]): { pairs: [string, string, string][] } | ToolResult {
  const fs = fsOf(ctx);
  if (operands.length === 0) return { exit: 1, out: [err(`${name}: missing file operand\nTry '${name} --help' for more information.\n`)] };
  if (operands.length === 1) return { exit: 1, out: [err(`${name}: missing destination file operand after '${operands[0]}'\nTry '${name} --help' for more information.\n`)] };
  const dest = operands[operands.length - 1]!;
  const destPath = resolvePath(ctx.cwd, dest);
  const destNode = stat(fs, destPath);
  const sources = operands.slice(0, -1);
  if (sources.length > 1 && destNode?.kind !== "dir") return { exit: 1, out: [err(`${name}: target '${dest}': Not a directory\n`)] };
  return {
    pairs: sources.map((s) => {
      const sp = resolvePath(ctx.cwd, s);
      return [s, sp, destNode?.kind === "dir" ? `${destPath === "/" ? "" : destPath}/${basename(sp)}` : destPath];
    }),
  };
}

const cp: Tool = {
  name: "cp",
  path: "/usr/bin/cp",
  run(ctx, args) {
    const p = parseArgs(ctx, "cp", args, "rRafvpi", [
      { name: "recursive", arg: "none", key: "r" },
      { name: "archive", arg: "none", key: "a" },
      { name: "force", arg: "none", key: "f" },
      { name: "verbose", arg: "none", key: "v" },
      { name: "sparse", arg: "required", key: "sparse" },
    ]);
    if (isResult(p)) return p;
    const d = destinations(ctx, "cp", p.operands);
    if ("exit" in d) return d;
    const recursive = p.flags.has("r") || p.flags.has("R") || p.flags.has("a");
    const chunks: Chunk[] = [];
    let exit = 0;
    const world = withFs(ctx, (fs) => {
      for (const [name, from, to] of d.pairs) {
        const n = stat(fs, from);
        if (!n) {
          chunks.push(err(`cp: cannot stat '${name}': No such file or directory\n`));
          exit = 1;
          continue;
        }
        if (n.kind === "dir" && !recursive) {
          chunks.push(err(`cp: -r not specified; omitting directory '${name}'\n`));
          exit = 1;
          continue;
        }
        if (from === to) {
          chunks.push(err(`cp: '${name}' and '${to}' are the same file\n`));
          exit = 1;
          continue;
        }
        try {
          copyNode(fs, from, to, recursive, nowSec(ctx));
          if (p.flags.has("v")) chunks.push(out(`'${name}' -> '${to}'\n`));
        } catch (e) {
          chunks.push(err(`cp: cannot create regular file '${to}': ${fsMsg(e)}\n`));
          exit = 1;
        }
      }
    });
    return { world, exit, out: chunks };
  },
};

const mv: Tool = {
  name: "mv",
  path: "/usr/bin/mv",
  run(ctx, args) {
    const p = parseArgs(ctx, "mv", args, "fvin", [
      { name: "force", arg: "none", key: "f" },
      { name: "verbose", arg: "none", key: "v" },
    ]);
    if (isResult(p)) return p;
    const d = destinations(ctx, "mv", p.operands);
    if ("exit" in d) return d;
    const chunks: Chunk[] = [];
    let exit = 0;
    const world = withFs(ctx, (fs) => {
      for (const [name, from, to] of d.pairs) {
        if (!lstat(fs, from)) {
          chunks.push(err(`mv: cannot stat '${name}': No such file or directory\n`));
          exit = 1;
          continue;
        }
        if (from === to) continue;
        try {
          if (stat(fs, to)?.kind === "file") removeNode(fs, to);
          moveNode(fs, from, to);
          if (p.flags.has("v")) chunks.push(out(`renamed '${name}' -> '${to}'\n`));
        } catch (e) {
          chunks.push(err(`mv: cannot move '${name}' to '${to}': ${fsMsg(e)}\n`));
          exit = 1;
        }
      }
    });
    return { world, exit, out: chunks };
  },
};

const rm: Tool = {
  name: "rm",
  path: "/usr/bin/rm",
  run(ctx, args) {
    const p = parseArgs(ctx, "rm", args, "rRfvid", [
      { name: "recursive", arg: "none", key: "r" },
      { name: "force", arg: "none", key: "f" },
      { name: "verbose", arg: "none", key: "v" },
      { name: "dir", arg: "none", key: "d" },
      { name: "no-preserve-root", arg: "none", key: "no-preserve-root" },
      { name: "preserve-root", arg: "optional", key: "preserve-root" },
    ]);
    if (isResult(p)) return p;
    const force = p.flags.has("f");
    if (!p.operands.length) return force ? { exit: 0, out: [] } : { exit: 1, out: [err("rm: missing operand\nTry 'rm --help' for more information.\n")] };
    const recursive = p.flags.has("r") || p.flags.has("R");
    const chunks: Chunk[] = [];
    let exit = 0;
    const world = withFs(ctx, (fs) => {
      for (const o of p.operands) {
        const path = resolvePath(ctx.cwd, o);
        if (path === "/" && recursive && !p.flags.has("no-preserve-root")) {
          chunks.push(err(`rm: it is dangerous to operate recursively on '/'\nrm: use --no-preserve-root to override this failsafe\n`));
          exit = 1;
          continue;
        }
        const n = lstat(fs, path);
        if (!n) {
          if (!force) {
            chunks.push(err(`rm: cannot remove '${o}': No such file or directory\n`));
            exit = 1;
          }
          continue;
        }
        if (n.kind === "dir" && !recursive && !p.flags.has("d")) {
          chunks.push(err(`rm: cannot remove '${o}': Is a directory\n`));
          exit = 1;
          continue;
        }
        if (path === "/") {
          for (const k of Object.keys(fs)) if (k !== "/") delete fs[k];
          continue;
        }
        try {
          removeNode(fs, path, { recursive });
          if (p.flags.has("v")) chunks.push(out(n.kind === "dir" ? `removed directory '${o}'\n` : `removed '${o}'\n`));
        } catch (e) {
          chunks.push(err(`rm: cannot remove '${o}': ${fsMsg(e)}\n`));
          exit = 1;
        }
      }
    });
    return { world, exit, out: chunks };
  },
};

const ln: Tool = {
  name: "ln",
  path: "/usr/bin/ln",
  run(ctx, args) {
    const p = parseArgs(ctx, "ln", args, "sfvn", [
      { name: "symbolic", arg: "none", key: "s" },
      { name: "force", arg: "none", key: "f" },
      { name: "verbose", arg: "none", key: "v" },
    ]);
    if (isResult(p)) return p;
    if (p.operands.length === 0) return { exit: 1, out: [err("ln: missing file operand\nTry 'ln --help' for more information.\n")] };
    const target = p.operands[0]!;
    const fs0 = fsOf(ctx);
    let linkName = p.operands[1] ?? basename(target);
    const lp = resolvePath(ctx.cwd, linkName);
    if (stat(fs0, lp)?.kind === "dir" && !p.flags.has("n")) linkName = `${linkName.replace(/\/$/, "")}/${basename(target)}`;
    const path = resolvePath(ctx.cwd, linkName);
    const chunks: Chunk[] = [];
    let exit = 0;
    const world = withFs(ctx, (fs) => {
      if (lstat(fs, path)) {
        if (!p.flags.has("f")) {
          chunks.push(err(`ln: failed to create ${p.flags.has("s") ? "symbolic" : "hard"} link '${linkName}': File exists\n`));
          exit = 1;
          return;
        }
        removeNode(fs, path);
      }
      if (!stat(fs, dirname(path))) {
        chunks.push(err(`ln: failed to create ${p.flags.has("s") ? "symbolic" : "hard"} link '${linkName}': No such file or directory\n`));
        exit = 1;
        return;
      }
      if (p.flags.has("s")) fs[path] = { kind: "symlink", target, mode: 0o777, owner: ctx.user, group: ctx.user, mtime: nowSec(ctx) };
      else {
        const src = stat(fs, resolvePath(ctx.cwd, target));
        if (!src) {
          chunks.push(err(`ln: failed to access '${target}': No such file or directory\n`));
          exit = 1;
          return;
        }
        if (src.kind === "dir") {
          chunks.push(err(`ln: ${target}: hard link not allowed for directory\n`));
          exit = 1;
          return;
        }
        fs[path] = structuredClone(src);
      }
      if (p.flags.has("v")) chunks.push(out(`'${linkName}' -> '${target}'\n`));
    });
    return { world, exit, out: chunks };
  },
};

export const FILE_TOOLS: Tool[] = [ls, cat, mkdir, touch, cp, mv, rm, ln];
