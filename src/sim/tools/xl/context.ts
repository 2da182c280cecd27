// One xl invocation: the world it acts on, its output, xl's globals (-N, -v, xl.conf) and the helpers
// every subcommand shares (find_domain, help, option parsing the way def_getopt does it).
import { produce } from "immer";
import type { Host, World } from "../../model/world";
import { getoptLong, type LongOption } from "../../shell/getopt";
import { err, out, type Chunk, type InteractiveProgram, type ToolContext } from "../../shell/tool";
import { XL_CMD_TEXTS, type XlCmdText } from "./cmdtable-texts";
import { xenOf, type XenState } from "../../model/xen/state";
import type { XlGlobals } from "../../model/xen/domain-config";

/** Ends the xl process from deep inside a handler (C's exit()); caught by the dispatcher only. */
export class XlExit {
  constructor(readonly code: number) {}
}

export const XL_ARGV0 = "/usr/lib/xen-4.17/bin/xl";

export class XlCtx {
  world: World;
  readonly chunks: Chunk[] = [];
  interactive?: InteractiveProgram;
  /** Global -N. */
  dryrun = false;
  /** Global -v count. */
  verbose = 0;
  force = false;
  globals!: XlGlobals;
  /** Set by find_domain: the name of the domain it found (xl's common_domname). */
  commonDomname?: string;

  constructor(
    readonly tool: ToolContext,
    readonly hostName: string,
  ) {
    this.world = tool.world;
  }

  get host(): Host {
    return this.world.hosts[this.hostName]!;
  }

  get xen(): XenState {
    return xenOf(this.host)!;
  }

  get now(): number {
    return this.world.clock;
  }

  out(text: string) {
    if (text) this.chunks.push(out(text));
  }

  err(text: string) {
    if (text) this.chunks.push(err(text));
  }

  exit(code: number): never {
    throw new XlExit(code);
  }

  /** Change the host (its Xen state and files) through an immer recipe; ids come from the world counter. */
  update<T>(fn: (host: Host, ids: { seq: number }, world: World) => T): T {
    let result!: T;
    this.world = produce(this.world, (w) => {
      const ids = { seq: w.seq };
      result = fn(w.hosts[this.hostName]!, ids, w);
      w.seq = ids.seq;
    });
    return result;
  }

  /** xl's help(CMD) on stdout. */
  help(name: string) {
    this.out(helpText(name));
  }

  /**
   * find_domain(): digits are a domid taken as is; a name must exist (exact, case-sensitive).
   * Unknown name: "NAME is an invalid domain identifier (rc=-6)" and exit 1.
   */
  findDomain(p: string): number {
    const id = resolveDomain(this.xen, p);
    if (id === null) {
      this.err(`${p} is an invalid domain identifier (rc=-6)\n`);
      this.exit(1);
    }
    const d = this.xen.domains.find((e) => e.domid === id);
    this.commonDomname = d?.name;
    return id;
  }
}

/** libxl_domain_qualifier_to_domid: all digits → that number; else a name lookup. */
export function resolveDomain(x: XenState, p: string): number | null {
  if (/^\d+$/.test(p)) return Number(p) >>> 0;
  const d = x.domains.find((e) => e.name === p);
  return d ? d.domid : null;
}

/** cmdtable_lookup: exact name, or a prefix matching exactly one command. */
export function lookupCommand(s: string): XlCmdText | undefined {
  let found: XlCmdText | undefined;
  let count = 0;
  for (const c of XL_CMD_TEXTS) {
    if (c.name.startsWith(s)) {
      if (c.name.length === s.length) return c;
      found = c;
      count++;
    }
  }
  return count === 1 ? found : undefined;
}

/** help(NULL) and help("help"): the full command listing. */
export function fullHelp(): string {
  let s = "Usage xl [-vfNtT] <subcommand> [args]\n\nxl full list of subcommands:\n\n";
  for (const c of XL_CMD_TEXTS) {
    s += ` ${c.name.padEnd(19)} `;
    if (c.name.length > 19) s += `\n ${"".padEnd(19)} `;
    s += `${c.desc}\n`;
  }
  return s;
}

/** help(command) for one command (or the listing, or "command ... not implemented"). */
export function helpText(command: string | undefined): string {
  if (command === undefined || command === "help") return fullHelp();
  const c = lookupCommand(command);
  if (!c) return `command "${command}" not implemented\n`;
  let s = `Usage: xl [-vtT${c.modifies ? "f" : ""}${c.dryrun ? "N" : ""}] ${c.name} ${c.usage}\n\n${c.desc}.\n\n`;
  if (c.options !== undefined) s += `Options:\n\n${c.options}\n`;
  return s;
}

export interface ParsedOpts {
  /** Options in order: key (the short letter or a code) and argument. */
  opts: { key: string; arg?: string }[];
  /** Positional arguments (everything from the first non-option). */
  args: string[];
}

/**
 * def_getopt / SWITCH_FOREACH_OPT: option scanning stops at the first non-option (xl keeps glibc's
 * require-order mode from its global getopt). -h/--help prints help and exits 0; an unknown option or a
 * missing option argument prints "option `x' not supported." and exits 2; too few positional arguments
 * print "'xl CMD' requires at least N argument(s)." plus the help and exit 2.
 */
export function defGetopt(ctx: XlCtx, argv: string[], shorts: string, longs: [string, "none" | "required" | "optional", string][], helpName: string, min: number): ParsedOpts {
  const longOpts: LongOption[] = [...longs.map(([name, arg, key]) => ({ name, arg, key })), { name: "help", arg: "none", key: "h" }];
  const r = getoptLong(argv, `+:h${shorts}`, longOpts, XL_ARGV0);
  const opts: { key: string; arg?: string }[] = [];
  for (const ev of r.events) {
    if (ev.kind === "error") {
      let letter = "\0";
      if (ev.option.startsWith("--")) {
        const name = ev.option.slice(2).split("=")[0]!;
        const exact = longOpts.find((l) => l.name === name);
        const cands = longOpts.filter((l) => l.name.startsWith(name));
        const l = exact ?? (cands.length === 1 ? cands[0] : undefined);
        if (l) letter = l.key.length === 1 ? l.key : "\0";
      } else letter = ev.option.slice(1, 2);
      if (letter === "h") {
        ctx.help(helpName);
        ctx.exit(0);
      }
      ctx.err(`option \`${letter}' not supported.\n`);
      ctx.exit(2);
    }
    if (ev.key === "h") {
      ctx.help(helpName);
      ctx.exit(0);
    }
    opts.push({ key: ev.key, ...(ev.arg !== undefined ? { arg: ev.arg } : {}) });
  }
  if (r.operands.length <= min - 1) {
    ctx.err(`'xl ${helpName}' requires at least ${min} argument${min > 1 ? "s" : ""}.\n\n`);
    ctx.help(helpName);
    ctx.exit(2);
  }
  return { opts, args: r.operands };
}

export const has = (p: ParsedOpts, key: string) => p.opts.some((o) => o.key === key);
export const count = (p: ParsedOpts, key: string) => p.opts.filter((o) => o.key === key).length;
export const last = (p: ParsedOpts, key: string) => [...p.opts].reverse().find((o) => o.key === key)?.arg;
