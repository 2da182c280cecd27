// The `xl` program: global options, the privileged-interface check, /etc/xen/xl.conf, then the
// subcommand found by exact name or unique prefix.
import { parseCfg, XluConfig } from "../../model/xen/cfg";
import { DEFAULT_GLOBALS, type XlGlobals } from "../../model/xen/domain-config";
import { xenOf } from "../../model/xen/state";
import { needsSettle, settle } from "../../model/xen/transitions";
import { stat } from "../../model/fs";
import { err, type Tool, type ToolContext, type ToolResult } from "../../shell/tool";
import { XlCtx, XlExit, XL_ARGV0, defGetopt, fullHelp, helpText, lookupCommand } from "./context";
import { XL_SPECS } from "./table";
import { XL_CMD_TEXTS } from "./cmdtable-texts";
import { probe, usageError } from "../../shell/syntax-check";

const globalsCache = new Map<string, { globals: XlGlobals | null; messages: string[] }>();

/** parse_global_config over /etc/xen/xl.conf (cached per file text and host). */
function readGlobals(ctx: XlCtx): XlGlobals | null {
  const n = stat(ctx.host.fs, "/etc/xen/xl.conf");
  const key = `${ctx.xen.nrCpus}|${ctx.xen.info.commandline}|${n?.kind ?? "none"}|${n?.kind === "file" ? n.content : ""}`;
  let hit = globalsCache.get(key);
  if (!hit) {
    const sub = new XlCtx(ctx.tool, ctx.hostName);
    sub.world = ctx.world;
    const globals = parseGlobals(sub);
    hit = { globals, messages: sub.chunks.map((c) => c.text) };
    if (globalsCache.size > 64) globalsCache.clear();
    globalsCache.set(key, hit);
  }
  for (const m of hit.messages) ctx.err(m);
  return hit.globals ? { ...hit.globals } : null;
}

function parseGlobals(ctx: XlCtx): XlGlobals | null {
  const g: XlGlobals = { ...DEFAULT_GLOBALS, nrCpus: ctx.xen.nrCpus };
  const n = stat(ctx.host.fs, "/etc/xen/xl.conf");
  let text = "";
  if (!n || n.kind !== "file") ctx.err(`Failed to read config file: /etc/xen/xl.conf: ${n?.kind === "dir" ? "Is a directory" : "No such file or directory"}\n`);
  else text = n.content;
  const parsed = parseCfg("/etc/xen/xl.conf", text);
  for (const m of parsed.messages) ctx.err(m);
  if (parsed.err) {
    ctx.err("Failed to parse config file: Invalid argument\n");
    return null;
  }
  const c = new XluConfig("/etc/xen/xl.conf", parsed.settings);
  const ab = c.getString("autoballoon");
  let autoballoon = -1;
  if (ab !== undefined) {
    if (ab === "on" || ab === "1") autoballoon = 1;
    else if (ab === "off" || ab === "0") autoballoon = 0;
    else if (ab !== "auto") c.messages.push("invalid autoballoon option");
  }
  g.autoballoon = autoballoon === -1 ? !/(^| )dom0_mem=/.test(ctx.xen.info.commandline) : autoballoon === 1;
  const rhs = c.getLong("run_hotplug_scripts");
  if (rhs !== undefined) g.runHotplugScripts = rhs !== 0;
  c.getString("lockfile");
  const vifscript = c.getString("vifscript");
  if (vifscript !== undefined) {
    c.messages.push("the global config option vifscript is deprecated, please switch to vif.default.script\n");
    g.vifScript = vifscript;
  }
  const vds = c.getString("vif.default.script");
  if (vds !== undefined) g.vifScript = vds;
  const db = c.getString("defaultbridge");
  if (db !== undefined) {
    c.messages.push("the global config option defaultbridge is deprecated, please switch to vif.default.bridge\n");
    g.vifBridge = db;
  }
  const vdb = c.getString("vif.default.bridge");
  if (vdb !== undefined) g.vifBridge = vdb;
  const gw = c.getString("vif.default.gatewaydev");
  if (gw !== undefined) g.vifGatewaydev = gw;
  const be = c.getString("vif.default.backend");
  if (be !== undefined) g.vifBackend = be;
  const of = c.getString("output_format");
  if (of !== undefined) {
    if (of === "json" || of === "sxp") g.outputFormat = of;
    else c.messages.push(`invalid default output format "${of}"\n`);
  }
  const bs = c.getString("blkdev_start");
  if (bs !== undefined) g.blkdevStart = bs;
  const cm = c.getLong("claim_mode");
  if (cm !== undefined) g.claimMode = cm !== 0;
  for (const k of ["max_grant_frames", "max_maptrack_frames", "max_grant_version"]) {
    const r = c.getBoundedLong(k, 0n, 0x7fffffffn, true);
    if ("err" in r && r.err !== 3) return null;
  }
  const dp = c.getString("domid_policy");
  if (dp !== undefined && dp !== "xen" && dp !== "random") c.messages.push("invalid domid_policy option");
  for (const m of c.messages) ctx.err(m);
  return g;
}

/** getopt(argc, argv, "+vftTN"): short options only, so "--help" is the option cluster "-help". The operands, or null after an error. */
function globalOptions(ctx: XlCtx, args: string[]): string[] | null {
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      i++;
      break;
    }
    if (a === "-" || !a.startsWith("-")) break;
    for (const c of a.slice(1)) {
      if (!"vftTN".includes(c)) {
        ctx.err(`${XL_ARGV0}: invalid option -- '${c}'\n`);
        ctx.err("unknown global option\n");
        return null;
      }
      if (c === "v") ctx.verbose++;
      else if (c === "N") ctx.dryrun = true;
      else if (c === "f") ctx.force = true;
    }
  }
  return args.slice(i);
}

/** The subcommand after the globals: found in the table, then its own parse (and checks) up to its first look at the host. */
function dispatch(ctx: XlCtx, cmd: string, rest: string[]): number {
  const spec = lookupCommand(cmd);
  if (spec) {
    if (ctx.dryrun && !spec.dryrun) {
      ctx.err("command does not implement -N (dryrun) option\n");
      return 1;
    }
    const c = XL_SPECS[spec.name]!;
    if ("raw" in c) return c.run(ctx, rest);
    return c.run(ctx, defGetopt(ctx, rest, c.shorts, c.longs ?? [], spec.name, c.min));
  }
  if (cmd === "help") {
    ctx.out(helpText(rest[0]));
    return 0;
  }
  ctx.err("command not implemented\n");
  return 1;
}

/** Syntax check: xl's globals and the subcommand's parse, run against the probe world (xl.conf defaults). */
function check(args: string[]): string | null {
  const p = probe("xl");
  const ctx = new XlCtx(p.ctx, p.ctx.host);
  ctx.globals = { ...DEFAULT_GLOBALS };
  return usageError(p, () => {
    const operands = globalOptions(ctx, args);
    if (!operands) return finish(ctx, 1);
    const [cmd, ...rest] = operands;
    if (cmd === undefined) {
      ctx.out(fullHelp());
      return finish(ctx, 1);
    }
    try {
      return finish(ctx, dispatch(ctx, cmd, rest));
    } catch (e) {
      if (e instanceof XlExit) return finish(ctx, e.code);
      throw e;
    }
  });
}

function run(tool: ToolContext, args: string[]): ToolResult {
  const host = tool.world.hosts[tool.host];
  if (!xenOf(host)) return { exit: 127, out: [err(`bash: ${tool.argv0}: command not found\n`)] };
  const ctx = new XlCtx(tool, tool.host);
  const operands = globalOptions(ctx, args);
  if (!operands) return finish(ctx, 1);
  const [cmd, ...rest] = operands;
  if (cmd === undefined) {
    ctx.out(fullHelp());
    return finish(ctx, 1);
  }
  if (tool.user !== "root") {
    ctx.err("xencall: error: Could not obtain handle on privileged command interface: Permission denied\nlibxl: error: libxl.c:102:libxl_ctx_alloc: cannot open libxc handle: Permission denied\ncannot init xl context\n");
    return finish(ctx, 1);
  }
  try {
    // time has passed since the last command: guests finish shutting down, monitors act
    if (needsSettle(ctx.xen, ctx.now)) ctx.update((h, ids) => settle(h, ctx.now, ids));
    const globals = readGlobals(ctx);
    if (!globals) return finish(ctx, 1);
    ctx.globals = globals;
    return finish(ctx, dispatch(ctx, cmd, rest));
  } catch (e) {
    if (e instanceof XlExit) return finish(ctx, e.code);
    // a simulator bug must not take the learner's shell down: report it as a crashing xl would
    ctx.err("Segmentation fault\n");
    return finish(ctx, 139);
  }
}

function finish(ctx: XlCtx, code: number): ToolResult {
  return { exit: code & 0xff, out: ctx.chunks, ...(ctx.world !== ctx.tool.world ? { world: ctx.world } : {}), ...(ctx.interactive ? { interactive: ctx.interactive } : {}) };
}

/**
 * Tab completion as Xen's tools/xl/bash-completion does it: only the word right after "xl" completes,
 * from the names `xl help` lists; every later word falls back to bash's default (file names).
 */
function complete(tool: ToolContext, args: string[], partial: string): string[] {
  if (args.length !== 0 || !xenOf(tool.world.hosts[tool.host])) return [];
  return XL_CMD_TEXTS.map((c) => c.name).filter((n) => n.startsWith(partial)).sort();
}

export const xlTool: Tool = {
  name: "xl",
  path: "/usr/sbin/xl",
  run,
  complete,
  check,
};
