// xl's resource subcommands: mem-set, mem-max, vcpu-list, vcpu-set, vcpu-pin, sched-credit,
// sched-credit2, sched-rtds and the cpupool-* commands.
import { parseCfg, XluConfig } from "../../model/xen/cfg";
import { parseCpuRange } from "../../model/xen/domain-config";
import { domainById, type XenDomain, type XenState } from "../../model/xen/state";
import { checkpoint, libxlLog, setMaxMemory, setMemoryTarget, setOnlineVcpus } from "../../model/xen/transitions";
import { has, last, type XlCtx, type ParsedOpts } from "./context";
import { readHostFile } from "./domain";
import { bitmap, l, r, vcpuHeader, vcpuRows } from "./format";

const xenOfHost = (h: { subsystems: Record<string, unknown> }) => h.subsystems.xen as XenState;

/** parse_mem_size_kb: a number with one optional suffix (none or m = MiB, k, g, t, b); -1 when invalid. */
export function parseMemSizeKb(mem: string): number {
  const m = /^\s*([+-]?\d*)(.*)$/s.exec(mem)!;
  let kb = m[1] === "" || m[1] === "+" || m[1] === "-" ? 0 : Number(m[1]);
  const rest = m[1] === "" || m[1] === "+" || m[1] === "-" ? mem : m[2]!;
  if (rest.length > 1) return -1;
  switch (rest.toLowerCase()) {
    case "t":
      kb *= 1024 * 1024 * 1024;
      break;
    case "g":
      kb *= 1024 * 1024;
      break;
    case "":
    case "m":
      kb *= 1024;
      break;
    case "k":
      break;
    case "b":
      kb = Math.floor(kb / 1024);
      break;
    default:
      return -1;
  }
  return kb;
}

export function xlMem(ctx: XlCtx, p: ParsedOpts, max: boolean): number {
  const domid = ctx.findDomain(p.args[0]!);
  const mem = p.args[1]!;
  const kb = parseMemSizeKb(mem);
  if (kb === -1) {
    ctx.err(`invalid memory size: ${mem}\n`);
    return 1;
  }
  const res = ctx.update((host) => (max ? setMaxMemory : setMemoryTarget)(xenOfHost(host), domid, kb, mem));
  for (const m of res.messages) ctx.err(m);
  return res.exit;
}

export function xlVcpuList(ctx: XlCtx, p: ParsedOpts): number {
  const x = ctx.xen;
  ctx.out(vcpuHeader());
  if (!p.args.length) {
    for (const d of x.domains) ctx.out(vcpuRows(x, d, ctx.now));
  } else {
    for (const a of p.args) {
      const id = ctx.findDomain(a);
      const d = domainById(x, id);
      if (d) ctx.out(vcpuRows(x, d, ctx.now));
    }
  }
  return 0;
}

export function xlVcpuSet(ctx: XlCtx, p: ParsedOpts): number {
  const domid = ctx.findDomain(p.args[0]!);
  const a = p.args[1]!;
  const m = /^\s*\+?(\d+)/.exec(a);
  if (!m || Number(m[1]) > 0x7fffffff) {
    ctx.err("Error: Invalid argument.\n");
    return 1;
  }
  const n = Number(m[1]);
  const d = domainById(ctx.xen, domid);
  if (!has(p, "i")) {
    if (!d) return 1;
    if (n > d.onlineVcpus && n > ctx.xen.nrCpus) {
      ctx.err(`You are overcommmitting! You have ${ctx.xen.nrCpus} physical CPUs and want ${n} vCPUs! Aborting, use --ignore-host to continue\n`);
      return 1;
    }
  }
  if (!d) {
    ctx.err(`Domain ${domid} does not exist.\n`);
    return 1;
  }
  if (n === 0) {
    ctx.err(libxlLog("error", "libxl_domain.c", 1860, "libxl_set_vcpuonline", "Requested 0 VCPUs!", domid));
    ctx.err(`libxl_set_vcpuonline failed domid=${domid} max_vcpus=0, rc: -3\n`);
    return 1;
  }
  const res = ctx.update((host) => setOnlineVcpus(xenOfHost(host), domid, n, ctx.now));
  for (const msg of res.messages) ctx.err(msg);
  return res.exit;
}

export function xlVcpuPin(ctx: XlCtx, p: ParsedOpts): number {
  const domid = ctx.findDomain(p.args[0]!);
  const vcpu = p.args[1]!;
  const hardStr = p.args[2]!;
  const softStr = p.args[3];
  const force = has(p, "f");
  let vcpuid: number;
  const m = /^\s*([+-]?\d+)/.exec(vcpu);
  if (!m || Number(m[1]) < 0) {
    if (vcpu !== "all") {
      ctx.err(`Error: Invalid argument ${vcpu} as VCPU.\n`);
      return 1;
    }
    if (force) {
      ctx.err("Error: --force and 'all' as VCPU not allowed.\n");
      return 1;
    }
    vcpuid = -1;
  } else vcpuid = Number(m[1]);
  const x = ctx.xen;
  let hard: number[] | undefined;
  let soft: number[] | undefined;
  if (hardStr !== "-") {
    const rr = parseCpuRange(hardStr, x.nrCpus);
    if ("message" in rr) {
      ctx.err(rr.message);
      return 1;
    }
    hard = rr.cpus;
  }
  if (softStr !== undefined && softStr !== "-") {
    const rr = parseCpuRange(softStr, x.nrCpus);
    if ("message" in rr) {
      ctx.err(rr.message);
      return 1;
    }
    soft = rr.cpus;
  }
  if (ctx.dryrun) {
    ctx.out(`cpumap: ${hard ? bitmap(hard, x.nrCpus) : "-"}${soft ? " " + bitmap(soft, x.nrCpus) : ""}\n`);
    return 0;
  }
  const d = domainById(x, domid);
  if (!d) {
    ctx.err("Could not get domain info\n");
    return 1;
  }
  if (hard && hard.filter((c) => c < x.nrCpus).length === 0) {
    ctx.err("vcpu hard affinity map is empty\n");
    return 1;
  }
  if (vcpuid >= 0 && vcpuid >= d.maxVcpus) {
    ctx.err(libxlLog("error", "libxl_sched.c", 62, "libxl_set_vcpuaffinity", "Setting vcpu affinity: Invalid argument", domid));
    ctx.err(`Could not set affinity for vcpu \`${vcpuid}'.\n`);
    return 1;
  }
  const norm = (c: number[] | undefined) => (c === undefined ? undefined : c.filter((n) => n < x.nrCpus).length === x.nrCpus ? null : c.filter((n) => n < x.nrCpus));
  ctx.update((host) => {
    const dd = domainById(xenOfHost(host), domid)!;
    const targets = vcpuid === -1 ? Array.from({ length: dd.maxVcpus }, (_, i) => i) : [vcpuid];
    for (const v of targets) {
      const h = norm(hard);
      const s = norm(soft);
      if (h !== undefined) dd.hard[v] = h;
      if (s !== undefined) dd.soft[v] = s;
    }
  });
  return 0;
}

// ------------------------------------------------------------------------------ schedulers

function poolLine(x: XenState, pool: string, sched: "credit" | "credit2"): string {
  const p = x.cpupools.find((e) => e.name === pool)!;
  if (p.sched !== sched) return `Cpupool ${pool}: [sched params unavailable]\n`;
  return sched === "credit" ? `Cpupool ${pool}: tslice=${x.credit.tslice}ms ratelimit=${x.credit.ratelimit}us migration-delay=${x.credit.migrationDelay}us\n` : `Cpupool ${pool}: ratelimit=${x.credit2.ratelimit}us\n`;
}

const schedHeader = () => `${l("Name", 33)} ${r("ID", 4)} ${r("Weight", 6)} ${r("Cap", 4)}\n`;
const schedRow = (d: XenDomain) => `${l(d.name, 33)} ${r(d.domid, 4)} ${r(d.weight, 6)} ${r(d.cap, 4)}\n`;

export function xlSchedCredit(ctx: XlCtx, p: ParsedOpts, which: "credit" | "credit2"): number {
  const num = (k: string) => {
    const v = last(p, k);
    if (v === undefined) return undefined;
    const m = /^\s*[+-]?\d+/.exec(v);
    return m ? Number(m[0]) : 0;
  };
  const dom = last(p, "d");
  const cpupool = last(p, "p");
  const optW = has(p, "w");
  const optC = has(p, "c");
  const optS = has(p, "s");
  const optT = has(p, "t");
  const optR = has(p, "r");
  const optM = has(p, "m");
  const x = ctx.xen;
  if (which === "credit" && (cpupool || optS) && (dom || optW || optC)) {
    ctx.err("Specifying a cpupool or schedparam is not allowed with domain options.\n");
    return 1;
  }
  if (which === "credit2" && cpupool && (dom || optW || optC)) {
    ctx.err("Specifying a cpupool is not allowed with other options.\n");
    return 1;
  }
  if (!dom && (optW || optC)) {
    ctx.err("Must specify a domain.\n");
    return 1;
  }
  if (which === "credit" && !optS && (optT || optR || optM)) {
    ctx.err("Must specify schedparam to set schedule parameter values.\n");
    return 1;
  }
  const poolOk = (name: string) => x.cpupools.some((e) => e.name === name || String(e.id) === name);
  if (optS) {
    const pool = cpupool ?? String(x.cpupools.find((e) => e.id === 0)?.id ?? x.cpupools[0]!.id);
    if (cpupool && !poolOk(cpupool)) {
      ctx.err(`unknown cpupool '${cpupool}'\n`);
      return 1;
    }
    const pname = x.cpupools.find((e) => e.name === pool || String(e.id) === pool)!.name;
    const poolSched = x.cpupools.find((e) => e.name === pname)!.sched;
    const setting = which === "credit" ? optT || optR || optM : optR;
    if (!setting) {
      ctx.out(poolLine(x, pname, which));
      return 0;
    }
    if (poolSched !== which) {
      ctx.err(libxlLog("error", "libxl_sched.c", which === "credit" ? 287 : 362, which === "credit" ? "sched_credit_params_get" : "libxl_sched_credit2_params_get", `getting ${which === "credit" ? "Credit" : "Credit2"} scheduler parameters: Invalid argument`));
      ctx.err(`libxl_sched_${which}_params_${which === "credit" ? "get" : "set"} failed.\n`);
      return 1;
    }
    if (which === "credit") {
      const tslice = optT ? num("t")! : x.credit.tslice;
      const rl = optR ? num("r")! : x.credit.ratelimit;
      if (tslice < 1 || tslice > 1000) {
        ctx.err(libxlLog("error", "libxl_sched.c", 311, "sched_credit_param_validate", "Time slice out of range, valid range is from 1 to 1000"));
        ctx.err("libxl_sched_credit_params_set failed.\n");
        return 1;
      }
      if (rl && rl > tslice * 1000) {
        ctx.err(libxlLog("error", "libxl_sched.c", 321, "sched_credit_param_validate", "Ratelimit cannot be greater than timeslice"));
        ctx.err("libxl_sched_credit_params_set failed.\n");
        return 1;
      }
      ctx.update((host) => {
        const xx = xenOfHost(host);
        xx.credit.tslice = tslice;
        xx.credit.ratelimit = rl;
        if (optM) xx.credit.migrationDelay = num("m")!;
      });
    } else ctx.update((host) => void (xenOfHost(host).credit2.ratelimit = num("r")!));
    return 0;
  }
  if (!dom) {
    if (cpupool && !poolOk(cpupool)) {
      ctx.err(`unknown cpupool '${cpupool}'\n`);
      return 1;
    }
    let s = "";
    for (const pool of x.cpupools) {
      if (pool.sched !== which || (cpupool && pool.name !== cpupool && String(pool.id) !== cpupool)) continue;
      s += poolLine(x, pool.name, which) + schedHeader();
      for (const d of x.domains) if (d.pool === pool.name) s += schedRow(d);
    }
    ctx.out(s);
    return 0;
  }
  const domid = ctx.findDomain(dom);
  const d = domainById(x, domid);
  const poolSched = d ? x.cpupools.find((e) => e.name === d.pool)?.sched : undefined;
  if (!optW && !optC) {
    ctx.out(schedHeader());
    if (!d) {
      ctx.err(libxlLog("error", "libxl_sched.c", which === "credit" ? 203 : 410, `sched_${which}_domain_get`, `Getting domain sched ${which}: No such process`, domid));
      ctx.err("libxl_domain_sched_params_get failed.\n");
      return 1;
    }
    if (poolSched !== which) {
      ctx.err(`libxl_domain_sched_params_get returned ${poolSched} not ${which}.\n`);
      return 1;
    }
    ctx.out(schedRow(d));
    return 0;
  }
  if (!d) {
    ctx.err("libxl_domain_sched_params_set failed.\n");
    return 1;
  }
  if (poolSched !== which) {
    ctx.err(libxlLog("error", "libxl_sched.c", which === "credit" ? 232 : 439, `sched_${which}_domain_set`, `Getting domain sched ${which}: Invalid argument`, domid));
    ctx.err("libxl_domain_sched_params_set failed.\n");
    return 1;
  }
  const w = optW ? num("w")! : undefined;
  const c = optC ? num("c")! : undefined;
  if (w !== undefined && (w < 1 || w > 65535)) {
    ctx.err(libxlLog("error", "libxl_sched.c", which === "credit" ? 238 : 445, `sched_${which}_domain_set`, "Cpu weight out of range, valid values are within range from 1 to 65535", domid));
    ctx.err("libxl_domain_sched_params_set failed.\n");
    return 1;
  }
  if (c !== undefined && (c < 0 || c > d.maxVcpus * 100)) {
    ctx.err(libxlLog("error", "libxl_sched.c", which === "credit" ? 248 : 455, `sched_${which}_domain_set`, `Cpu cap out of range, valid range is from 0 to ${d.maxVcpus * 100} for specified number of vcpus`, domid));
    ctx.err("libxl_domain_sched_params_set failed.\n");
    return 1;
  }
  ctx.update((host) => {
    const dd = domainById(xenOfHost(host), domid)!;
    if (w !== undefined) dd.weight = w;
    if (c !== undefined) dd.cap = c;
  });
  return 0;
}

export function xlSchedRtds(ctx: XlCtx, p: ParsedOpts): number {
  const x = ctx.xen;
  const dom = last(p, "d");
  if (!dom) {
    return 0;
  }
  const domid = ctx.findDomain(dom);
  const d = domainById(x, domid);
  ctx.out(`${l("Name", 33)} ${r("ID", 4)} ${r("Period", 9)} ${r("Budget", 9)} ${r("Extratime", 10)}\n`);
  const poolSched = d ? x.cpupools.find((e) => e.name === d.pool)?.sched : undefined;
  ctx.err(`libxl_domain_sched_params_get returned ${poolSched ?? x.scheduler} not rtds.\n`);
  return 1;
}

// -------------------------------------------------------------------------------- cpupools

export function xlCpupoolList(ctx: XlCtx, p: ParsedOpts): number {
  const x = ctx.xen;
  const pool = p.args[0];
  if (pool !== undefined && !x.cpupools.some((e) => e.name === pool)) {
    ctx.err(`Pool '${pool}' does not exist\n`);
    return 1;
  }
  const cpus = has(p, "c");
  let s = l("Name", 19) + (cpus ? "CPU list\n" : "CPUs   Sched     Active   Domain count\n");
  for (const e of x.cpupools) {
    if (pool !== undefined && e.name !== pool) continue;
    s += l(e.name, 19);
    if (cpus) s += e.cpus.join(",");
    else s += `${r(e.cpus.length, 3)} ${r(e.sched, 9)}       y       ${r(x.domains.filter((d) => d.pool === e.name).length, 4)}`;
    s += "\n";
  }
  ctx.out(s);
  return 0;
}

function poolByQualifier(x: XenState, q: string) {
  return x.cpupools.find((e) => e.name === q || (/^\d+$/.test(q) && e.id === Number(q)));
}

function cpuArg(x: XenState, arg: string): number[] | null {
  if (arg.startsWith("node:")) return /^node:0$/.test(arg) ? Array.from({ length: x.nrCpus }, (_, i) => i) : null;
  const rr = parseCpuRange(arg, x.nrCpus);
  return "message" in rr ? null : rr.cpus;
}

export function xlCpupoolCreate(ctx: XlCtx, p: ParsedOpts): number {
  let filename = last(p, "f");
  let extra = "";
  for (const a of p.args) {
    if (a.includes("=")) extra += a + "\n";
    else if (!filename) filename = a;
    else {
      ctx.help("cpupool-create");
      return 2;
    }
  }
  let text = "";
  if (filename) {
    const f = readHostFile(ctx, filename);
    if ("error" in f) {
      ctx.err(`Failed to read config file: ${filename}: ${f.error}\n`);
      return 1;
    }
    text = f.text;
  }
  if (extra) text += `\n${extra}`;
  const src = filename ?? "command line";
  const parsed = parseCfg(src, text);
  for (const m of parsed.messages) ctx.err(m);
  if (parsed.err) {
    ctx.err("Failed to parse config file: Invalid argument\n");
    return 1;
  }
  const cfg = new XluConfig(src, parsed.settings);
  const x = ctx.xen;
  let name = cfg.getString("name");
  if (name === undefined && filename) name = filename.replace(/.*\//, "").replace(/\.[^.]*$/, "");
  if (name === undefined) {
    ctx.err("Missing cpupool name!\n");
    return 1;
  }
  if (x.cpupools.some((e) => e.name === name)) {
    ctx.err(`Pool name "${name}" already exists\n`);
    return 1;
  }
  const schedStr = cfg.getString("sched") ?? x.scheduler;
  if (!["credit", "credit2", "rtds", "arinc653", "null"].includes(schedStr)) {
    ctx.err("Unknown scheduler\n");
    return 1;
  }
  const free = Array.from({ length: x.nrCpus }, (_, i) => i).filter((c) => !x.cpupools.some((e) => e.cpus.includes(c)));
  let cpus: number[] = [];
  const list = cfg.getList("cpus", true);
  const str = Array.isArray(list) ? undefined : cfg.getString("cpus");
  const wanted = Array.isArray(list) ? XluConfig.strings(list).map((s) => parseInt(s, 10)) : str !== undefined ? cpuArg(x, str) ?? [] : free;
  for (const c of wanted) {
    if (!(c >= 0) || !free.includes(c)) {
      ctx.err(`cpu ${c} illegal or not free\n`);
      return 1;
    }
    cpus.push(c);
  }
  cpus = [...new Set(cpus)].sort((a, b) => a - b);
  ctx.out(`Using config file "${src}"\ncpupool name:   ${name}\nscheduler:      ${schedStr}\nnumber of cpus: ${cpus.length}\n`);
  if (ctx.dryrun || has(p, "n")) return 0;
  ctx.update((host) => {
    const xx = xenOfHost(host);
    xx.cpupools.push({ id: Math.max(...xx.cpupools.map((e) => e.id)) + 1, name: name!, sched: schedStr as "credit", cpus });
  });
  return 0;
}

export function xlCpupoolDestroy(ctx: XlCtx, p: ParsedOpts): number {
  const pool = poolByQualifier(ctx.xen, p.args[0]!);
  if (!pool) {
    ctx.err(`unknown cpupool '${p.args[0]}'\n`);
    return 1;
  }
  if (pool.id === 0 || ctx.xen.domains.some((d) => d.pool === pool.name)) {
    ctx.err(libxlLog("error", "libxl_cpupool.c", 285, "libxl_cpupool_destroy", "Error destroying cpupool: Device or resource busy"));
    ctx.err(`Can't destroy cpupool '${p.args[0]}'\n`);
    return 1;
  }
  ctx.update((host) => {
    const xx = xenOfHost(host);
    xx.cpupools = xx.cpupools.filter((e) => e.id !== pool.id);
  });
  return 0;
}

export function xlCpupoolRename(ctx: XlCtx, p: ParsedOpts): number {
  const pool = poolByQualifier(ctx.xen, p.args[0]!);
  if (!pool) {
    ctx.err(`unknown cpupool '${p.args[0]}'\n`);
    return 1;
  }
  const old = pool.name;
  ctx.update((host) => {
    const xx = xenOfHost(host);
    const e = xx.cpupools.find((q) => q.id === pool.id)!;
    e.name = p.args[1]!;
    for (const d of xx.domains) if (d.pool === old) d.pool = p.args[1]!;
  });
  return 0;
}

export function xlCpupoolCpu(ctx: XlCtx, p: ParsedOpts, add: boolean): number {
  const x = ctx.xen;
  const cpus = cpuArg(x, p.args[1]!);
  if (!cpus) return 1;
  const pool = poolByQualifier(x, p.args[0]!);
  if (!pool) {
    ctx.err(`unknown cpupool '${p.args[0]}'\n`);
    return 1;
  }
  let partial = false;
  ctx.update((host) => {
    const xx = xenOfHost(host);
    const e = xx.cpupools.find((q) => q.id === pool.id)!;
    for (const c of cpus) {
      if (c >= xx.nrCpus) {
        partial = true;
        continue;
      }
      if (add) {
        if (xx.cpupools.some((q) => q.cpus.includes(c))) partial = true;
        else e.cpus = [...e.cpus, c].sort((a, b) => a - b);
      } else {
        if (!e.cpus.includes(c) || (e.cpus.length === 1 && xx.domains.some((d) => d.pool === e.name))) partial = true;
        else e.cpus = e.cpus.filter((q) => q !== c);
      }
    }
  });
  if (partial) {
    if (add) ctx.err(`some cpus may not have been added to ${p.args[0]}\n`);
    else ctx.err(`Some cpus may have not or only partially been removed from '${p.args[0]}'.\nIf a cpu can't be added to another cpupool, add it to '${p.args[0]}' again and retry.\n`);
    return add ? 0 : 1;
  }
  return 0;
}

export function xlCpupoolMigrate(ctx: XlCtx, p: ParsedOpts): number {
  const x = ctx.xen;
  const dom = p.args[0]!;
  const d = /^\d+$/.test(dom) ? domainById(x, Number(dom)) : x.domains.find((e) => e.name === dom);
  if (!d) {
    ctx.err(`unknown domain '${dom}'\n`);
    return 1;
  }
  const pool = poolByQualifier(x, p.args[1]!);
  if (!pool) {
    ctx.err(`unknown cpupool '${p.args[1]}'\n`);
    return 1;
  }
  if (!pool.cpus.length) {
    ctx.err(libxlLog("error", "libxl_cpupool.c", 445, "libxl_cpupool_movedomain", `Error moving domain to cpupool: Invalid argument`, d.domid));
    return 1;
  }
  ctx.update((host) => {
    const dd = domainById(xenOfHost(host), d.domid)!;
    checkpoint(dd, ctx.now);
    dd.pool = pool.name;
    dd.hard = dd.hard.map(() => null);
  });
  return 0;
}

export function xlCpupoolNumaSplit(ctx: XlCtx, _p: ParsedOpts): number {
  if (ctx.xen.cpupools.length > 1) {
    ctx.err("splitting not possible, already cpupools in use\n");
    return 1;
  }
  ctx.update((host) => {
    const xx = xenOfHost(host);
    xx.cpupools[0]!.name = "Pool-node0";
    for (const d of xx.domains) d.pool = "Pool-node0";
  });
  return 0;
}
