// xl's domain subcommands: create, list, destroy, shutdown/reboot, pause/unpause, rename, domid/domname,
// vm-list, uptime, config-update, dump-core, trigger, sysrq, button-press.
import { configJson, configJsonText, readDomainConfig, type DomainConfig } from "../../model/xen/domain-config";
import { yajl, type Json } from "../../model/xen/json";
import { cpuTimeNs, domainById, type XenDomain } from "../../model/xen/state";
import { configDefaults, createDomain, destroyDomain, libxlLog, pauseDomain, renameDomain, requestShutdown, settle, unpauseDomain, xlLog, SHUTDOWN_DELAY_MS } from "../../model/xen/transitions";
import { makeDir, resolvePath, stat, writeFile } from "../../model/fs";
import { uuidFor } from "../../model/world";
import { defGetopt, has, count, last, type XlCtx, type ParsedOpts } from "./context";
import { domainUptimeSec, l, listHeader, listRow, r, uptimeString, type ListFlags } from "./format";
import { consoleProgram } from "./console";

/** libxl_read_file_contents on the simulated filesystem: text, or the errno text. */
export function readHostFile(ctx: XlCtx, path: string): { text: string } | { error: string } {
  const abs = resolvePath(ctx.tool.cwd, path);
  const n = stat(ctx.host.fs, abs);
  if (!n) return { error: "No such file or directory" };
  if (n.kind === "dir") return { error: "Is a directory" };
  if (n.kind !== "file") return { error: "No such file or directory" };
  return { text: n.content };
}

export function liveJson(ctx: XlCtx, d: XenDomain): Json {
  const x = ctx.xen;
  const sched = { sched: x.scheduler, weight: d.weight, cap: d.cap };
  if (!d.config) {
    return {
      c_info: { type: "pv", name: d.name, uuid: d.uuid, run_hotplug_scripts: "True" },
      b_info: {
        max_vcpus: d.maxVcpus,
        avail_vcpus: Array.from({ length: d.onlineVcpus }, (_, i) => i),
        max_memkb: d.staticMaxKiB,
        target_memkb: d.memKiB,
        sched_params: sched,
        "type.pv": {},
        arch_arm: {},
        arch_x86: {},
      },
      on_reboot: "restart",
      on_soft_reset: "soft_reset",
    };
  }
  return configJson(d.config, {
    uuid: d.uuid,
    name: d.name,
    onlineVcpus: d.onlineVcpus,
    targetKiB: d.targetKiB ?? d.memKiB,
    maxKiB: d.staticMaxKiB,
    sched,
    macs: d.nics.map((n) => n.mac),
    videoMemKiB: d.type === "hvm" ? (d.config.videoMemKiB ?? 0) : 0,
  });
}

// --------------------------------------------------------------------------------- create

export interface CreateRequest {
  configFile?: string;
  extra?: string;
  paused: boolean;
  quiet: boolean;
  debug: boolean;
  dryrun: boolean;
  console: boolean;
  daemonize: boolean;
  monitor: boolean;
}

export function xlCreate(ctx: XlCtx, argv: string[]): number {
  const req: CreateRequest = { paused: false, quiet: false, debug: false, dryrun: ctx.dryrun, console: false, daemonize: true, monitor: true };
  let rest = argv;
  if (argv[0] !== undefined && !argv[0].startsWith("-") && !argv[0].includes("=")) {
    req.configFile = argv[0];
    rest = argv.slice(1);
  }
  const p = defGetopt(ctx, rest, "AFVcdef:inpq", [["defconfig", "required", "f"], ["dryrun", "none", "n"], ["ignore-global-affinity-masks", "none", "i"], ["quiet", "none", "q"], ["vncviewer", "none", "V"], ["vncviewer-autopass", "none", "A"]], "create", 0);
  for (const o of p.opts) {
    if (o.key === "F") req.daemonize = false;
    else if (o.key === "c") req.console = true;
    else if (o.key === "d") req.debug = true;
    else if (o.key === "e") {
      req.daemonize = false;
      req.monitor = false;
    } else if (o.key === "f") req.configFile = o.arg;
    else if (o.key === "n") req.dryrun = true;
    else if (o.key === "p") req.paused = true;
    else if (o.key === "q") req.quiet = true;
  }
  let extra = "";
  for (const a of p.args) {
    if (a.includes("=")) extra += a + "\n";
    else if (req.configFile === undefined) req.configFile = a;
    else {
      ctx.help("create");
      return 2;
    }
  }
  if (extra) req.extra = extra;
  const rc = createFromFile(ctx, req);
  return rc < 0 ? -rc : 0;
}

/** create_domain() for a new domain: returns a domid (>= 0) or a negative libxl error code. */
export function createFromFile(ctx: XlCtx, req: CreateRequest): number {
  if (req.configFile === undefined) {
    ctx.err("Config file not specified and none in save file\n");
    return -6;
  }
  let text = "";
  if (req.configFile !== "/dev/null") {
    const f = readHostFile(ctx, req.configFile);
    if ("error" in f) {
      ctx.err(`Failed to read config file: ${req.configFile}: ${f.error}\n`);
      return -3;
    }
    text = f.text;
  }
  if (req.extra) text += `\n${req.extra}\n`;
  if (!req.quiet) ctx.err(`Parsing config from ${req.configFile}\n`);
  const read = readDomainConfig(req.configFile, text, ctx.globals);
  for (const m of read.messages) ctx.err(m);
  if (!read.config) ctx.exit(read.exit ?? 1);
  const cfg = ctx.update((_h, ids) => (read.config!.uuid ? read.config! : { ...read.config!, uuid: uuidFor(ids.seq++) }));
  if (req.debug || req.dryrun) {
    const json = configJsonText(cfg) + "\n";
    if (req.dryrun) ctx.out(json);
    else ctx.err(json);
  }
  if (req.dryrun) return 0;
  return startDomain(ctx, cfg, req);
}

/** libxl_domain_create_new and what xl does after it (unpause, monitor log, console). */
export function startDomain(ctx: XlCtx, cfg: DomainConfig, req: CreateRequest): number {
  const res = ctx.update((host, ids) => createDomain(host, cfg, { now: ctx.now, ids, paused: req.paused, monitored: req.monitor }));
  for (const m of res.messages) ctx.err(m);
  if (!res.ok) return -res.exit;
  const d = domainById(ctx.xen, res.domid)!;
  const wait = `Waiting for domain ${d.name} (domid ${d.domid}) to die [pid ${2000 + d.domid * 37}]`;
  if (req.monitor && req.daemonize) ctx.update((host) => xlLog(host.fs, d.name, [wait], ctx.now));
  else if (req.monitor) ctx.err(wait + "\n");
  if (d.type === "hvm") {
    ctx.update((host) => {
      const mtime = Math.floor(ctx.now / 1000);
      makeDir(host.fs, "/var/log/xen", { parents: true, mtime });
      writeFile(host.fs, `/var/log/xen/qemu-dm-${d.name}.log`, `qemu-system-i386: -serial pty: char device redirected to /dev/pts/${Number(d.tty.replace(/\D/g, "")) + 1} (label serial0)\n`, { mtime, append: true });
    });
  }
  if (req.console) ctx.interactive = consoleProgram(ctx.hostName, d.domid, ctx.tool.tty);
  return res.domid;
}

// ----------------------------------------------------------------------------------- list

export function xlList(ctx: XlCtx, p: ParsedOpts): number {
  const f: ListFlags = { verbose: has(p, "v"), context: has(p, "Z"), cpupool: has(p, "c"), numa: has(p, "n") };
  const x = ctx.xen;
  let doms: XenDomain[];
  if (p.args.length === 0) doms = x.domains;
  else if (p.args.length === 1) {
    const id = ctx.findDomain(p.args[0]!);
    const d = domainById(x, id);
    if (!d) {
      ctx.err(`Error: Domain '${p.args[0]}' does not exist.\n`);
      return 1;
    }
    doms = [d];
  } else {
    ctx.help("list");
    return 1;
  }
  if (has(p, "l")) {
    const arr = doms.map((d) => ({ domid: d.domid, config: liveJson(ctx, d) }));
    ctx.out(yajl(arr) + "\n\n");
    return 0;
  }
  let s = listHeader(f);
  for (const d of doms) s += listRow(d, f, ctx.now);
  ctx.out(s);
  return 0;
}

export function xlClaims(ctx: XlCtx, _p: ParsedOpts): number {
  if (!ctx.globals.claimMode) ctx.err("claim_mode not enabled (see man xl.conf).\n");
  let s = listHeader({ claim: true });
  for (const d of ctx.xen.domains) s += listRow(d, { claim: true }, ctx.now);
  ctx.out(s);
  return 0;
}

export function xlVmList(ctx: XlCtx, _p: ParsedOpts): number {
  let s = "UUID                                  ID    name\n";
  for (const d of ctx.xen.domains) s += `${d.uuid}  ${d.domid}    ${l(d.name, 30)}\n`;
  ctx.out(s);
  return 0;
}

// ------------------------------------------------------------------------------ lifecycle

export function xlDestroy(ctx: XlCtx, p: ParsedOpts): number {
  const domid = ctx.findDomain(p.args[0]!);
  if (domid === 0 && !has(p, "f")) {
    ctx.err("Not destroying domain 0; use -f to force.\nThis can only be done when using a disaggregated hardware domain and toolstack.\n\n");
    return 1;
  }
  const d = domainById(ctx.xen, domid);
  if (!d || domid === 0) {
    if (domid === 0) {
      ctx.err(libxlLog("error", "libxl_domain.c", 1187, "libxl__destroy_domid", "Cannot destroy domain 0: Operation not permitted"));
    } else {
      ctx.err(libxlLog("error", "libxl_domain.c", 1183, "libxl__destroy_domid", "Non-existant domain", domid));
      ctx.err(libxlLog("error", "libxl_domain.c", 1137, "domain_destroy_callback", "Unable to destroy guest", domid));
      ctx.err(libxlLog("error", "libxl_domain.c", 1064, "domain_destroy_cb", "Destruction of domain failed", domid));
    }
    ctx.err(`destroy failed (rc=${domid === 0 ? -3 : -21})\n`);
    return 1;
  }
  const name = d.name;
  ctx.update((host) => {
    const x = host.subsystems.xen as typeof ctx.xen;
    const dom = domainById(x, domid)!;
    if (dom.monitored) xlLog(host.fs, name, [`Domain ${domid} has been destroyed.`], ctx.now);
    destroyDomain(x, domid);
  });
  return 0;
}

export function xlShutdownOrReboot(ctx: XlCtx, p: ParsedOpts, reboot: boolean): number {
  const all = has(p, "a");
  const wait = count(p, "w");
  const fallback = has(p, "F");
  if (p.args[0] === undefined && !all) {
    ctx.err("You must specify -a or a domain id.\n\n");
    return 1;
  }
  const targets = all ? ctx.xen.domains.filter((d) => d.domid !== 0).map((d) => d.domid) : [ctx.findDomain(p.args[0]!)];
  const asked: number[] = [];
  for (const domid of targets) {
    const r2 = ctx.update((host) => requestShutdown(host.subsystems.xen as typeof ctx.xen, domid, reboot, fallback, ctx.now));
    for (const m of r2.messages) ctx.err(m);
    if (r2.exit) return r2.exit;
    asked.push(domid);
  }
  if (wait) waitForDeaths(ctx, asked, wait === 1);
  return 0;
}

/** -w: let the clock run until every asked domain has shut down (or died), logging as xl does. */
function waitForDeaths(ctx: XlCtx, domids: number[], shutdownOnly: boolean) {
  ctx.err(`Waiting for ${domids.length} domains\n`);
  const pending = new Set(domids);
  for (let step = 0; step < 100 && pending.size; step++) {
    const before = new Map(domids.map((id) => [id, domainById(ctx.xen, id)]));
    const t = ctx.now + SHUTDOWN_DELAY_MS;
    ctx.world = { ...ctx.world, clock: t };
    ctx.update((host, ids) => settle(host, t, ids));
    for (const id of [...pending]) {
      const was = before.get(id);
      const now = domainById(ctx.xen, id);
      if (!was) {
        pending.delete(id);
        continue;
      }
      const down = !now || now.shutdown !== undefined || now.startTime !== was.startTime;
      if (!down) continue;
      const reason = now?.shutdown ?? (was.pending?.kind === "reboot" ? 1 : 0);
      ctx.err(`Domain ${id} has been shut down, reason code ${reason}\n`);
      if (shutdownOnly) pending.delete(id);
      else {
        ctx.err(`Domain ${id} continue waiting for death\n`);
        if (!now || now.domid !== id || now.startTime !== was.startTime) {
          ctx.err(`Domain ${id} has been destroyed\n`);
          pending.delete(id);
        }
      }
    }
    if (domids.every((id) => !domainById(ctx.xen, id)?.pending && !pending.has(id))) break;
    if ([...pending].every((id) => { const d = domainById(ctx.xen, id); return d && !d.pending && d.shutdown === undefined; })) break;
  }
}

export function xlPause(ctx: XlCtx, p: ParsedOpts, un: boolean): number {
  const domid = ctx.findDomain(p.args[0]!);
  const res = ctx.update((host) => (un ? unpauseDomain : pauseDomain)(host.subsystems.xen as typeof ctx.xen, domid, ctx.now));
  for (const m of res.messages) ctx.err(m);
  return 0;
}

export function xlRename(ctx: XlCtx, p: ParsedOpts): number {
  const [dom, newName] = p.args as [string, string];
  const domid = ctx.findDomain(dom);
  const res = ctx.update((host) => renameDomain(host.subsystems.xen as typeof ctx.xen, domid, newName, dom));
  for (const m of res.messages) ctx.err(m);
  return res.exit;
}

export function xlDomid(ctx: XlCtx, p: ParsedOpts): number {
  const d = ctx.xen.domains.find((e) => e.name === p.args[0]);
  if (!d) {
    ctx.err(`Can't get domid of domain name '${p.args[0]}', maybe this domain does not exist.\n`);
    return 1;
  }
  ctx.out(`${d.domid}\n`);
  return 0;
}

export function xlDomname(ctx: XlCtx, p: ParsedOpts): number {
  const a = p.args[0]!;
  const m = /^\s*[+-]?\d+/.exec(a);
  if (!m) {
    ctx.err("Invalid domain id.\n\n");
    return 1;
  }
  const id = Number(m[0]) >>> 0;
  const d = domainById(ctx.xen, id);
  if (!d) {
    ctx.err(`Can't get domain name of domain id '${id}', maybe this domain does not exist.\n`);
    return 1;
  }
  ctx.out(`${d.name}\n`);
  return 0;
}

export function xlUptime(ctx: XlCtx, p: ParsedOpts): number {
  const short = has(p, "s");
  const ids = p.args.map((a) => ctx.findDomain(a));
  const x = ctx.xen;
  const nowStr = new Date(ctx.now).toISOString().slice(11, 19);
  let s = short ? "" : `${l("Name", 33)} ${r("ID", 4)} Uptime\n`;
  const one = (d: XenDomain) => {
    const up = domainUptimeSec(x, d, ctx.now);
    s += short ? ` ${nowStr} up ${uptimeString(up, true)}, ${d.name} (${d.domid})\n` : `${l(d.name, 33)} ${r(d.domid, 4)} ${uptimeString(up, false)}\n`;
  };
  const list = ids.length ? ids.map((id) => domainById(x, id)).filter((d): d is XenDomain => !!d) : x.domains;
  for (const d of list) one(d);
  ctx.out(s);
  return 0;
}

// -------------------------------------------------------------------------------- misc

export function xlConfigUpdate(ctx: XlCtx, argv: string[]): number {
  if (argv.length < 1) {
    ctx.err("xl config-update requires a domain argument\n");
    ctx.help("config-update");
    return 1;
  }
  ctx.err("WARNING: xl now has better capability to manage domain configuration, avoid using this command when possible\n");
  const domid = ctx.findDomain(argv[0]!);
  let rest = argv.slice(1);
  let filename: string | undefined;
  if (rest[0] !== undefined && !rest[0].startsWith("-") && !rest[0].includes("=")) {
    filename = rest[0];
    rest = rest.slice(1);
  }
  // xl passes "config_update" as the help name, which help() does not know
  const p = defGetopt(ctx, rest, "dqf:", [["defconfig", "required", "f"]], "config_update", 0);
  const debug = has(p, "d");
  filename = last(p, "f") ?? filename;
  let extra = "";
  for (const a of p.args) {
    if (a.includes("=")) extra += a + "\n";
    else if (filename === undefined) filename = a;
    else {
      ctx.help("create");
      return 2;
    }
  }
  if (filename === undefined) {
    ctx.err("Config file not specified\n");
    return 1;
  }
  const f = readHostFile(ctx, filename);
  if ("error" in f) {
    ctx.err(`Failed to read config file: ${filename}: ${f.error}\n`);
    return -3 & 0xff;
  }
  const text = f.text + (extra ? `\n${extra}\n` : "");
  const read = readDomainConfig(filename, text, ctx.globals);
  for (const m of read.messages) ctx.err(m);
  if (!read.config) return read.exit ?? 1;
  if (debug || ctx.dryrun) ctx.out(yajl({ domid: null, config: configJson(read.config) }) + "\n");
  if (!ctx.dryrun) {
    ctx.err(`setting dom${domid} configuration\n`);
    ctx.update((host) => {
      const d = domainById(host.subsystems.xen as typeof ctx.xen, domid);
      if (d) d.updatedConfig = read.config!;
    });
  }
  return 0;
}

export function xlDumpCore(ctx: XlCtx, p: ParsedOpts): number {
  const domid = ctx.findDomain(p.args[0]!);
  const d = domainById(ctx.xen, domid);
  const path = resolvePath(ctx.tool.cwd, p.args[1]!);
  const dirNode = stat(ctx.host.fs, path.slice(0, path.lastIndexOf("/")) || "/");
  const isDir = stat(ctx.host.fs, path)?.kind === "dir";
  if (d && isDir) {
    ctx.err(`xc: error: Failed to open core dump file ${p.args[1]}: Is a directory: Internal error\n` + libxlLog("error", "libxl_domain.c", 498, "libxl_domain_core_dump", `core dumping domain to ${p.args[1]}: Is a directory`, domid));
    ctx.err("core dump failed (rc=-3)\n");
    return 1;
  }
  if (!d || !dirNode || dirNode.kind !== "dir") {
    if (!d) ctx.err(libxlLog("error", "libxl_domain.c", 498, "libxl_domain_core_dump", "core dumping domain to " + p.args[1] + ": No such process", domid));
    else ctx.err(`xc: error: Failed to open core dump file ${p.args[1]}: No such file or directory: Internal error\n` + libxlLog("error", "libxl_domain.c", 498, "libxl_domain_core_dump", `core dumping domain to ${p.args[1]}: No such file or directory`, domid));
    ctx.err("core dump failed (rc=-3)\n");
    return 1;
  }
  ctx.update((host) => writeFile(host.fs, path, `ELF core dump of domain ${domid} (${d.name}), ${Math.floor(d.memKiB / 1024)} MiB\n`, { mtime: Math.floor(ctx.now / 1000) }));
  return 0;
}

const TRIGGERS = ["nmi", "reset", "init", "power", "sleep", "s3resume"];

export function xlTrigger(ctx: XlCtx, p: ParsedOpts): number {
  const domid = ctx.findDomain(p.args[0]!);
  const name = p.args[1]!;
  if (!TRIGGERS.includes(name)) {
    ctx.err(`Invalid trigger "${name}"\n`);
    return 1;
  }
  const v = p.args[2];
  if (v !== undefined && !/^\s*[+-]?\d/.test(v)) ctx.err("Invalid vcpuid, using default vcpuid=0.\n\n");
  sendTrigger(ctx, domid, name);
  return 0;
}

function sendTrigger(ctx: XlCtx, domid: number, name: string) {
  const d = domainById(ctx.xen, domid);
  if (!d) {
    ctx.err(libxlLog("error", "libxl_domain.c", 1629, "libxl_send_trigger", `Send trigger '${name}' failed: No such process`, domid));
    return;
  }
  if (d.type !== "hvm") {
    ctx.err(libxlLog("error", "libxl_domain.c", 1629, "libxl_send_trigger", `Send trigger '${name}' failed: Function not implemented`, domid));
    return;
  }
  if (name === "power") ctx.update((host) => {
    const dd = domainById(host.subsystems.xen as typeof ctx.xen, domid)!;
    if (!dd.pending && dd.shutdown === undefined && !dd.paused) dd.pending = { kind: "poweroff", at: ctx.now + SHUTDOWN_DELAY_MS };
  });
  if (name === "reset") ctx.update((host, ids) => {
    const x = host.subsystems.xen as typeof ctx.xen;
    const dd = domainById(x, domid)!;
    dd.startTime = ctx.now;
    dd.console = [...dd.console, "", "[    0.000000] Linux version 6.1.0-28-amd64 (reset)"];
    void ids;
  });
}

export function xlSysrq(ctx: XlCtx, p: ParsedOpts): number {
  const domid = ctx.findDomain(p.args[0]!);
  const key = p.args[1]!;
  if (key.length !== 1) {
    ctx.err("Invalid sysrq.\n\n");
    ctx.help("sysrq");
    return 1;
  }
  const d = domainById(ctx.xen, domid);
  if (!d) return 0;
  ctx.update((host, ids) => {
    const dd = domainById(host.subsystems.xen as typeof ctx.xen, domid)!;
    const msg: Record<string, string> = { b: "sysrq: Resetting", o: "sysrq: Power Off", s: "sysrq: Emergency Sync", u: "sysrq: Emergency Remount R/O", h: "sysrq: HELP : loglevel(0-9) reboot(b) crash(c) terminate-all-tasks(e) memory-full-oom-kill(f) kill-all-tasks(i) thaw-filesystems(j) sak(k) show-backtrace-all-active-cpus(l) show-memory-usage(m) nice-all-RT-tasks(n) poweroff(o) show-registers(p) show-all-timers(q) unraw(r) sync(s) show-task-states(t) unmount(u) show-blocked-tasks(w) dump-ftrace-buffer(z)", c: "sysrq: Trigger a crash" };
    dd.console = [...dd.console, `[${(domainUptimeSec(ctx.xen, d, ctx.now)).toFixed(6).padStart(12)}] ${msg[key] ?? `sysrq: ${key}`}`];
    if (key === "c" && !dd.pending) dd.pending = { kind: "crash", at: ctx.now + 500 };
    if (key === "o" && !dd.pending) dd.pending = { kind: "poweroff", at: ctx.now + 500 };
    if (key === "b" && !dd.pending) dd.pending = { kind: "reboot", at: ctx.now + 500 };
    void ids;
  });
  return 0;
}

export function xlButtonPress(ctx: XlCtx, argv: string[]): number {
  ctx.err('WARNING: "button-press" is deprecated. Please use "trigger"\n');
  const p = defGetopt(ctx, argv, "", [], "button-press", 2);
  const domid = ctx.findDomain(p.args[0]!);
  const b = p.args[1]!;
  if (b !== "power" && b !== "sleep") {
    ctx.err(`${b} is an invalid button identifier\n`);
    return 1;
  }
  sendTrigger(ctx, domid, b);
  return 0;
}

export { configDefaults, cpuTimeNs };
