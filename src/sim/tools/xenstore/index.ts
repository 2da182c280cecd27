// The xenstore-* client tools (one program that picks its mode from its name or first argument) over
// the simulated XenStore: ls, read, write, list, rm, exists, chmod, watch.
import { produce } from "immer";
import { getoptLong, type LongOption } from "../../shell/getopt";
import { err, out, type Chunk, type Tool, type ToolContext, type ToolResult } from "../../shell/tool";
import { domainById, xenOf, type XenState } from "../../model/xen/state";
import { controlShutdownWritten, needsSettle, renameDomain, setMemoryTarget, settle } from "../../model/xen/transitions";
import { sanitise, unsanitise, xenstoreTree, xsDirectory, type XsTree } from "../../model/xen/xenstore";
import type { World } from "../../model/world";
import { errorLine } from "../../shell/syntax-check";

type Mode = "chmod" | "exists" | "list" | "ls" | "read" | "rm" | "write" | "watch";
const MODES: Mode[] = ["chmod", "exists", "list", "ls", "read", "rm", "write", "watch"];

const LONGS: LongOption[] = [
  { name: "help", arg: "none", key: "h" },
  { name: "flat", arg: "none", key: "f" },
  { name: "prefix", arg: "none", key: "p" },
  { name: "tidy", arg: "none", key: "t" },
  { name: "upto", arg: "none", key: "u" },
  { name: "recurse", arg: "none", key: "r" },
  { name: "number", arg: "required", key: "n" },
  { name: "raw", arg: "none", key: "R" },
];

function usageText(mode: Mode | null, inclMode: boolean, progname: string): string {
  const m = (w: string) => (inclMode ? `${w} ` : "");
  switch (mode) {
    case null:
      return `Usage: ${progname} <mode> [-h] [...]`;
    case "read":
      return `Usage: ${progname} ${m("read")}[-h] [-p] [-s] [-R] key [...]`;
    case "write":
      return `Usage: ${progname} ${m("write")}[-h] [-s] [-R] key value [...]`;
    case "rm":
      return `Usage: ${progname} ${m("rm")}[-h] [-s] [-t] key [...]`;
    case "exists":
      return `Usage: ${progname} ${m("exists")}[-h] [-p] [-s] key [...]`;
    case "list":
      return `Usage: ${progname} ${m("list")}[-h] [-p] [-s] key [...]`;
    case "ls":
      return `Usage: ${progname} ${m("ls")}[-h] [-f] [-p] [-s] [path]`;
    case "chmod":
      return `Usage: ${progname} ${m("chmod")}[-h] [-u] [-r] [-s] key <mode [modes...]>`;
    case "watch":
      return `Usage: ${progname} ${m("watch")}[-h] [-n NR] key`;
  }
}

/** Relative paths are relative to the caller's home, /local/domain/0 in Dom0. */
const absPath = (p: string) => (p.startsWith("/") ? p : `/local/domain/0/${p}`);

function validPath(p: string): boolean {
  if (!p.startsWith("/")) return false;
  if (p.length > 1 && p.endsWith("/")) return false;
  if (p.includes("//")) return false;
  return /^[A-Za-z0-9\-/_@]+$/.test(p);
}

/** Apply a xenstore write, with the effects the store's readers have (the guest's balloon and shutdown watches, libxl's name). */
function applyWrite(world: World, host: string, path: string, value: string): World {
  return produce(world, (w) => {
    const x = xenOf(w.hosts[host]) as XenState;
    x.xsOps.push({ op: "write", path, value });
    const m = /^\/local\/domain\/(\d+)\/(memory\/target|control\/shutdown|name)$/.exec(path);
    if (!m) return;
    const domid = Number(m[1]);
    const d = domainById(x, domid);
    if (!d) return;
    x.xsOps.pop();
    if (m[2] === "memory/target") {
      const kib = parseInt(value, 10);
      if (Number.isFinite(kib) && kib >= 0) {
        const r = setMemoryTarget(x, domid, Math.min(kib, d.staticMaxKiB), value);
        if (r.exit) x.xsOps.push({ op: "write", path, value });
      } else x.xsOps.push({ op: "write", path, value });
    } else if (m[2] === "control/shutdown") {
      controlShutdownWritten(x, domid, value, w.clock);
      if (!d.pvDrivers) x.xsOps.push({ op: "write", path, value });
    } else if (m[2] === "name") {
      if (renameDomain(x, domid, value, d.name).exit) x.xsOps.push({ op: "write", path, value });
    }
  });
}

function lsLines(t: XsTree, path: string, depth: number, o: { whole: boolean; perms: boolean; width: number }, lines: string[]) {
  const kids = xsDirectory(t, path);
  if (!kids) return;
  const TAG = 8;
  for (const k of kids) {
    const np = `${path}${path.endsWith("/") ? "" : "/"}${k}`;
    let line = "";
    let wid = 0;
    if (o.whole) line = np;
    else {
      line = " ".repeat(depth);
      wid = depth;
      const room = Math.max(0, o.width - TAG - wid);
      const name = k.slice(0, room);
      line += name;
      wid += name.length;
    }
    const node = t.get(np);
    if (!node) line += ":";
    else {
      const raw = node.value;
      const shown = sanitise(raw);
      if (o.width < wid + raw.length + TAG) line += ` = "${shown.slice(0, Math.max(0, o.width - TAG - wid))}\\..."`;
      else {
        line += ` = "${shown}"`;
        wid += 4 + shown.length + 1;
        if (o.perms) {
          line += " ";
          for (wid++; wid < Math.min(60, o.width); wid++) line += wid & 1 ? "." : " ";
        }
      }
      if (o.perms) line += `  (${node.perms.join(",")})`;
    }
    lines.push(line + "\n");
    lsLines(t, np, depth + 1, o, lines);
  }
}

interface XsArgs {
  chunks: Chunk[];
  mode: Mode;
  ops: string[];
  warnName: string;
  prefix: boolean;
  flat: boolean;
  tidy: boolean;
  raw: boolean;
  nrWatches: number;
}

/** The mode (from the program name or the first argument), the options and the operands; a usage error as the tool's result. */
function parseXenstore(progname: string, args: string[]): XsArgs | { result: ToolResult } {
  const chunks: Chunk[] = [];
  const base = progname.slice(progname.lastIndexOf("/") + 1);
  const warnName = base;
  let mode: Mode | null = null;
  let argv = args;
  let inclMode = false;
  let prefixName = base;
  if (base.startsWith("xenstore-")) {
    const m = base.slice("xenstore-".length);
    if (!(MODES as string[]).includes(m)) return { result: { exit: 1, out: [err(`${base}: unknown mode ${m}\n\n`)] } };
    mode = m as Mode;
  } else {
    if (!args.length) return { result: { exit: 1, out: [err(`${base}: ${usageText(null, false, progname)}\n`)] } };
    if (!(MODES as string[]).includes(args[0]!)) return { result: { exit: 1, out: [err(`${base}: unknown mode ${args[0]}\n\n`)] } };
    mode = args[0] as Mode;
    argv = args.slice(1);
    inclMode = true;
    prefixName = args[0]!;
  }
  const usage = () => ({ result: { exit: 1, out: [...chunks, err(`${warnName}: ${usageText(mode, inclMode, progname)}\n`)] } });
  const g = getoptLong(argv, "hfspturn:R", LONGS, inclMode ? prefixName : progname);
  let prefix = false;
  let flat = false;
  let tidy = false;
  let raw = false;
  let nrWatches = -1;
  for (const ev of g.events) {
    if (ev.kind === "error") {
      chunks.push(err(ev.message));
      continue;
    }
    switch (ev.key) {
      case "h":
        return usage();
      case "f":
        if (mode !== "ls") return usage();
        flat = true;
        break;
      case "p":
        if (mode !== "read" && mode !== "list" && mode !== "ls") return usage();
        prefix = true;
        break;
      case "t":
        if (mode !== "rm") return usage();
        tidy = true;
        break;
      case "u":
      case "r":
        if (mode !== "chmod") return usage();
        break;
      case "n":
        if (mode !== "watch") return usage();
        nrWatches = parseInt(ev.arg ?? "", 10) || 0;
        break;
      case "R":
        if (mode !== "read" && mode !== "write") return usage();
        raw = true;
        break;
    }
  }
  const ops = g.operands;
  if (mode === "write" && ops.length % 2 === 1) return usage();
  if (mode !== "ls" && ops.length === 0) return usage();
  return { chunks, mode, ops, warnName, prefix, flat, tidy, raw, nrWatches };
}

export function runXenstore(ctx: ToolContext, args: string[]): ToolResult {
  const a = parseXenstore(ctx.argv0, args);
  if ("result" in a) return a.result;
  const { chunks, mode, ops, warnName, prefix, flat, tidy, raw, nrWatches } = a;
  let world = ctx.world;
  if (!xenOf(world.hosts[ctx.host])) return { exit: 1, out: [...chunks, err(`${warnName}: xs_open: No such file or directory\n`)] };
  if (ctx.user !== "root") return { exit: 1, out: [...chunks, err(`${warnName}: xs_open: Permission denied\n`)] };
  if (needsSettle(xenOf(world.hosts[ctx.host]), world.clock))
    world = produce(world, (w) => {
      const ids = { seq: w.seq };
      settle(w.hosts[ctx.host]!, w.clock, ids);
      w.seq = ids.seq;
    });
  const x = () => xenOf(world.hosts[ctx.host])!;
  let buffered = "";
  const done = (exit: number, extra: Chunk[] = []): ToolResult => ({ exit, world, out: [...chunks, ...extra, ...(buffered ? [out(buffered)] : [])] });
  switch (mode) {
    case "read": {
      const t = xenstoreTree(x());
      for (const p of ops) {
        const node = t.get(absPath(p));
        if (!node) {
          buffered = "";
          return done(1, [err(`${warnName}: couldn't read path ${p}\n`)]);
        }
        if (prefix) buffered += `${p}: `;
        buffered += raw ? node.value : `${sanitise(node.value)}\n`;
      }
      return done(0);
    }
    case "exists": {
      const t = xenstoreTree(x());
      for (const p of ops) if (!t.has(absPath(p))) return done(1);
      return done(0);
    }
    case "list": {
      const t = xenstoreTree(x());
      for (const p of ops) {
        const kids = xsDirectory(t, absPath(p));
        if (!kids) {
          buffered = "";
          return done(1, [err(`${warnName}: could not list path ${p}\n`)]);
        }
        for (const k of kids) buffered += `${prefix ? `${p}/` : ""}${k}\n`;
      }
      return done(0);
    }
    case "ls": {
      const path = ops[0] ?? "/";
      const t = xenstoreTree(x());
      const ap = absPath(path);
      if (!xsDirectory(t, ap)) return done(1, [err(`${warnName}: xs_directory (${path}): No such file or directory\n`)]);
      const cols = Number(ctx.env.COLUMNS) || 80;
      const width = flat ? 1 << 30 : ctx.tty ? cols - 2 : 80;
      const lines: string[] = [];
      lsLines(t, ap === "/" ? "/" : ap, 0, { whole: flat, perms: prefix, width }, lines);
      return { exit: 0, world, out: [...chunks, out(lines.join(""))] };
    }
    case "write": {
      for (let i = 0; i < ops.length; i += 2) {
        const p = absPath(ops[i]!);
        if (!validPath(p)) return done(1, [err(`${warnName}: could not write path ${ops[i]}\n`)]);
        world = applyWrite(world, ctx.host, p, raw ? ops[i + 1]! : unsanitise(ops[i + 1]!));
      }
      return done(0);
    }
    case "rm": {
      for (const q of ops) {
        let p = absPath(q);
        const t = xenstoreTree(x());
        if (!t.has(p) || !validPath(p)) return done(1, [err(`${warnName}: could not remove path ${q}\n`)]);
        world = produce(world, (w) => void (xenOf(w.hosts[ctx.host]) as XenState).xsOps.push({ op: "rm", path: p }));
        while (tidy) {
          p = p.slice(0, p.lastIndexOf("/")) || "/";
          if (p === "/") break;
          const t2 = xenstoreTree(x());
          const n = t2.get(p);
          if (!n || n.value !== "" || (xsDirectory(t2, p) ?? []).length) break;
          const pp = p;
          world = produce(world, (w) => void (xenOf(w.hosts[ctx.host]) as XenState).xsOps.push({ op: "rm", path: pp }));
        }
      }
      return done(0);
    }
    case "chmod": {
      const path = absPath(ops[0]!);
      for (const perm of ops.slice(1)) {
        if (!"nrwb".includes(perm[0] ?? "")) return done(1, [err(`${warnName}: Invalid permission specification: '${perm[0] ?? ""}'\n`)]);
      }
      const t = xenstoreTree(x());
      if (!t.has(path)) return done(1, [err(`${warnName}: Error occurred setting permissions on '${ops[0]}': No such file or directory\n`)]);
      world = produce(world, (w) => void (xenOf(w.hosts[ctx.host]) as XenState).xsOps.push({ op: "chmod", path, perms: ops.slice(1).map((q) => q[0] + String(parseInt(q.slice(1), 10) || 0)) }));
      return done(0);
    }
    case "watch": {
      // the first event fires at once; the lab stops the watch there unless -n asks for more
      const n = nrWatches === -1 ? 1 : nrWatches;
      for (let i = 0; i < Math.min(n, 1); i++) buffered += `${ops[0]}\n`;
      return done(0);
    }
  }
  return done(1);
}

function tool(name: string): Tool {
  return {
    name,
    path: `/usr/bin/${name}`,
    run(ctx, args) {
      if (!xenOf(ctx.world.hosts[ctx.host])) return { exit: 127, out: [err(`bash: ${ctx.argv0}: command not found\n`)] };
      return runXenstore(ctx, args);
    },
    /** The mode, getopt_long's complaints (xenstore goes on after them) and the operand count. */
    check(args) {
      const a = parseXenstore(name, args);
      if ("result" in a) return errorLine(a.result.out) ?? null;
      return errorLine(a.chunks) ?? null;
    },
  };
}

export const XENSTORE_TOOLS: Tool[] = ["xenstore", "xenstore-read", "xenstore-write", "xenstore-list", "xenstore-ls", "xenstore-rm", "xenstore-exists", "xenstore-chmod", "xenstore-watch"].map(tool);
