// xl's printf formats for its tables (list, vcpu-list, uptime, block-list, network-list, info ...).
import { REASON_LETTER, cpuTimeNs, freeMemoryMiB, isRunnable, runSeconds, vcpuCpu, vcpuTimeNs, XEN_VERSION, type XenDomain, type XenState } from "../../model/xen/state";

export const l = (s: string | number, w: number) => String(s).padEnd(w);
export const r = (s: string | number, w: number) => String(s).padStart(w);

/** print_bitmap: "all", "none" or ranges "0-3,6" over `len` bits. */
export function bitmap(cpus: number[] | null, len: number): string {
  if (cpus === null) return "all";
  const set = new Set(cpus.filter((c) => c < len));
  if (set.size === 0) return "none";
  if (set.size === len) return "all";
  const parts: string[] = [];
  let i = 0;
  while (i < len) {
    if (!set.has(i)) {
      i++;
      continue;
    }
    const start = i;
    while (i < len && set.has(i)) i++;
    parts.push(i - 1 > start ? `${start}-${i - 1}` : String(start));
  }
  return parts.join(",");
}

/** C's %8.1f of a float (xl converts nanoseconds with a float division). */
export const f1 = (ns: number) => (Math.fround(ns) / 1e9).toFixed(1);

/** True when the domain is "running" on a pCPU right now (Dom0 runs xl; guests are mostly blocked). */
function flags(d: XenDomain): { r: boolean; b: boolean } {
  if (!isRunnable(d)) return { r: false, b: false };
  if (d.domid === 0) return { r: true, b: false };
  return { r: false, b: true };
}

export function stateString(d: XenDomain): string {
  const f = flags(d);
  const sd = d.shutdown !== undefined;
  return `${f.r ? "r" : "-"}${f.b ? "b" : "-"}${d.paused ? "p" : "-"}${sd ? "s" : "-"}${REASON_LETTER[sd ? d.shutdown! : 0]}${d.dying ? "d" : "-"}`;
}

export interface ListFlags {
  verbose?: boolean;
  context?: boolean;
  claim?: boolean;
  cpupool?: boolean;
  numa?: boolean;
}

export function listHeader(f: ListFlags): string {
  let s = "Name                                        ID   Mem VCPUs\tState\tTime(s)";
  if (f.verbose) s += "   UUID                            Reason-Code\tSecurity Label";
  if (f.context && !f.verbose) s += "   Security Label";
  if (f.claim) s += "  Claimed";
  if (f.cpupool) s += "         Cpupool";
  if (f.numa) s += " NODE Affinity";
  return s + "\n";
}

export function listRow(d: XenDomain, f: ListFlags, now: number): string {
  let s = `${l(d.name, 40)} ${r(d.domid, 5)} ${r(Math.floor(d.memKiB / 1024), 5)} ${r(d.onlineVcpus, 5)}     ${stateString(d)}  ${r(f1(cpuTimeNs(d, now)), 8)}`;
  if (f.verbose) {
    s += ` ${d.uuid}`;
    s += d.shutdown !== undefined ? ` ${r(d.shutdown.toString(16), 8)}` : ` ${r("-", 8)}`;
  }
  if (f.claim) s += ` ${r(0, 5)}`;
  if (f.verbose || f.context) s += ` ${r("-", 16)}`;
  if (f.cpupool) s += r(d.pool, 16);
  if (f.numa) s += " all";
  return s + "\n";
}

export function vcpuHeader(): string {
  return `${l("Name", 32)} ${r("ID", 5)} ${r("VCPU", 5)} ${r("CPU", 5)} ${r("State", 5)} ${r("Time(s)", 9)} Affinity (Hard / Soft)\n`;
}

export function vcpuRows(x: XenState, d: XenDomain, now: number): string {
  let s = "";
  const running = isRunnable(d);
  for (let v = 0; v < d.maxVcpus; v++) {
    s += `${l(d.name, 32)} ${r(d.domid, 5)} ${r(v, 5)}`;
    if (v >= d.onlineVcpus) s += `${r("-", 5)} ${r("-", 3)}-p `;
    else {
      const isR = running && d.domid === 0 && v === 0;
      const isB = running && !isR;
      s += `${r(vcpuCpu(x, d, v), 5)} ${r(isR ? "r" : "-", 3)}${isB ? "b" : "-"}- `;
    }
    s += `${r(f1(vcpuTimeNs(d, v, now)), 9)}  ${bitmap(d.hard[v] ?? null, x.nrCpus)} / ${bitmap(d.soft[v] ?? null, x.nrCpus)}\n`;
  }
  return s;
}

/** uptime_to_string. */
export function uptimeString(sec: number, short: boolean): string {
  const day = Math.floor(sec / 86400);
  let rest = sec - day * 86400;
  const hour = Math.floor(rest / 3600);
  rest -= hour * 3600;
  const min = Math.floor(rest / 60);
  const s = rest - min * 60;
  const hm = `${r(hour, 2)}:${String(min).padStart(2, "0")}`;
  const tail = short ? hm : `${hm}:${String(s).padStart(2, "0")}`;
  if (day > 1) return `${day} days, ${tail}`;
  if (day === 1) return `${day} day, ${tail}`;
  return tail;
}

export function domainUptimeSec(x: XenState, d: XenDomain, now: number): number {
  return Math.max(0, Math.floor(now / 1000) - Math.floor((d.domid === 0 ? x.bootTime : d.startTime) / 1000));
}

export function blockHeader(): string {
  return `${l("Vdev", 5)} ${l("BE", 3)} ${l("handle", 6)} ${l("state", 5)} ${l("evt-ch", 6)} ${l("ring-ref", 8)} ${l("BE-path", 30)}\n`;
}

export function blockRows(d: XenDomain): string {
  return d.disks
    .map((k) => `${l(k.devid, 5)} ${l(0, 3)} ${l(d.domid, 6)} ${l(k.state, 5)} ${l(k.evtch, 6)} ${l(k.ringRef, 8)} ${l(`/local/domain/0/backend/${k.backend === "qdisk" ? "qdisk" : "vbd"}/${d.domid}/${k.devid}`, 30)}\n`)
    .join("");
}

export function nicHeader(): string {
  return `${l("Idx", 3)} ${l("BE", 2)} ${l("Mac Addr.", 17)} ${l("handle", 6)} ${l("state", 5)} ${l("evt-ch", 6)} ${r("tx-", 5)}/${l("rx-ring-ref", 5)} ${l("BE-path", 30)}\n`;
}

export function nicRows(d: XenDomain): string {
  return d.nics.map((n) => `${l(n.devid, 3)} ${l(0, 2)} ${n.mac}${r(n.devid, 6)} ${r(4, 5)} ${r(n.evtch, 6)} ${r(n.txRef, 5)}/${l(n.rxRef, 11)} ${l(`/local/domain/0/backend/vif/${d.domid}/${n.devid}`, 30)}\n`).join("");
}

/** The lines of `xl info` as key/value pairs; `numa` adds the topology blocks. */
export function infoLines(x: XenState, hostname: string, numa: boolean): [string, string, string?][] {
  const i = x.info;
  const lines: [string, string, string?][] = [
    ["host", hostname],
    ["release", i.release],
    ["version", i.version],
    ["machine", "x86_64"],
    ["nr_cpus", String(x.nrCpus)],
    ["max_cpu_id", String(x.nrCpus - 1)],
    ["nr_nodes", "1"],
    ["cores_per_socket", String(x.cores)],
    ["threads_per_core", String(x.threads)],
    ["cpu_mhz", `${Math.floor(i.cpuMhz)}.${String(Math.round((i.cpuMhz % 1) * 1000)).padStart(3, "0")}`],
    ["hw_caps", i.hwCaps],
    ["virt_caps", i.virtCaps.replace(/^ /, "")],
    ["total_memory", String(x.totalMiB)],
    ["free_memory", String(freeMemoryMiB(x))],
    ["sharing_freed_memory", "0"],
    ["sharing_used_memory", "0"],
    ["outstanding_claims", "0"],
    ["free_cpus", String(x.nrCpus - new Set(x.cpupools.flatMap((p) => p.cpus)).size)],
  ];
  if (numa) {
    let topo = "cpu:    core    socket     node\n";
    for (let c = 0; c < x.nrCpus; c++) topo += `${r(c, 3)}:    ${r(Math.floor(c / x.threads) % x.cores, 4)}     ${r(Math.floor(c / (x.cores * x.threads)), 4)}     ${r(0, 4)}\n`;
    lines.push(["cpu_topology", "", topo]);
    lines.push(["device topology", "", "device           node\nNo device topology data available\n"]);
    lines.push(["numa_info", "", `node:    memsize    memfree    distances\n${r(0, 4)}:    ${r(x.totalMiB, 6)}     ${r(freeMemoryMiB(x) - 233, 6)}      10\n`]);
  }
  lines.push(
    ["xen_major", String(XEN_VERSION.major)],
    ["xen_minor", String(XEN_VERSION.minor)],
    ["xen_extra", XEN_VERSION.extra],
    ["xen_version", `${XEN_VERSION.major}.${XEN_VERSION.minor}${XEN_VERSION.extra}`],
    ["xen_caps", i.xenCaps],
    ["xen_scheduler", x.scheduler],
    ["xen_pagesize", "4096"],
    ["platform_params", "virt_start=0xffff800000000000"],
    ["xen_changeset", i.changeset],
    ["xen_commandline", i.commandline],
    ["cc_compiler", i.ccCompiler],
    ["cc_compile_by", i.ccCompileBy],
    ["cc_compile_domain", i.ccCompileDomain],
    ["cc_compile_date", i.ccCompileDate],
    ["build_id", i.buildId],
    ["xend_config_format", "4"],
  );
  return lines;
}

export { runSeconds };
