// The Xen host as plain data: the hypervisor's facts, Domain-0 and the guests, cpupools and the
// scheduler, plus the derived figures (CPU time, uptime, free memory) computed from the world clock.
import type { DiskFormat } from "./disk-spec";
import type { DomainConfig, DomainType } from "./domain-config";

export const XEN_VERSION = { major: 4, minor: 17, extra: ".7" } as const;
/** Memory Xen adds to a guest's hypervisor maximum (LIBXL_MAXMEM_CONSTANT), KiB. */
export const MAXMEM_CONSTANT_KIB = 1024;

export interface XenDisk {
  /** Device number (xvda = 51712). */
  devid: number;
  vdev: string;
  /** Backing file or device; "" for an empty CD drive. */
  target: string;
  format: DiskFormat;
  readwrite: boolean;
  cdrom: boolean;
  /** vbd (blkback) or qdisk (QEMU). */
  backend: "phy" | "qdisk";
  script?: string;
  /** XenBus state of the frontend/backend pair (4 Connected; 1 for emulated-only devices). */
  state: number;
  evtch: number;
  ringRef: number;
  /** Size of the backing object in 512-byte sectors (0 for an empty drive). */
  sectors: number;
  /** blkback request counters (xentop VBD_*): values at `base` running seconds, and growth per second. */
  io: IoCounters;
}

/** Counters as measured at `base` (the domain's running seconds then) and their average growth per second. */
export interface IoCounters {
  base: number;
  at: Record<string, number>;
  rate: Record<string, number>;
}

/** A counter's value when the domain has run `run` seconds. */
export function ioValue(io: IoCounters, key: string, run: number): number {
  return Math.floor((io.at[key] ?? 0) + (io.rate[key] ?? 0) * Math.max(0, run - io.base));
}

export interface XenNic {
  devid: number;
  mac: string;
  bridge: string;
  script: string;
  nictype: "vif" | "vif_ioemu";
  model?: string;
  ip?: string;
  vifname?: string;
  rate?: string;
  rateBytesPerInterval?: number;
  rateIntervalUsecs?: number;
  mtu: number;
  evtch: number;
  txRef: number;
  rxRef: number;
  /** netback counters (xentop NET*): rb/rp received bytes/packets, tb/tp transmitted. */
  io: IoCounters;
}

export type ShutdownReason = 0 | 1 | 2 | 3 | 4 | 5;
/** "-rscwS"[reason]: poweroff, reboot, suspend, crash, watchdog, soft_reset. */
export const REASON_LETTER = "-rscwS";

export interface PendingEvent {
  /** What the guest will do when `at` (epoch ms) is reached. */
  kind: "poweroff" | "reboot" | "crash";
  at: number;
}

export interface XenDomain {
  domid: number;
  name: string;
  uuid: string;
  type: DomainType;
  /** The domain's configuration as libxl keeps it (null for Domain-0's boot stub). */
  config: DomainConfig | null;
  /** Current allocation and balloon target, KiB. */
  memKiB: number;
  /** memory/static-max, KiB. */
  staticMaxKiB: number;
  /** Hypervisor maximum (xentop MAXMEM), KiB; null: no limit. */
  hvMaxKiB: number | null;
  maxVcpus: number;
  onlineVcpus: number;
  /** Hard/soft affinity per vCPU: CPU numbers, or null for all. */
  hard: (number[] | null)[];
  soft: (number[] | null)[];
  pool: string;
  weight: number;
  cap: number;
  paused: boolean;
  /** Set once the guest has shut down and the domain is kept (preserve, no monitor). */
  shutdown?: ShutdownReason;
  dying?: boolean;
  /** Seconds the domain has been runnable (not paused, not shut down), as of `runAt`. */
  runSec: number;
  /** Epoch ms at which runSec was last brought up to date; null while not runnable. */
  runAt: number | null;
  /** CPU seconds per second of running time (per domain, all vCPUs). */
  load: number;
  /** Extra CPU seconds spent booting (credited over the first 10 running seconds). */
  bootCost: number;
  /** Epoch ms the domain was created (or restored / received). */
  startTime: number;
  disks: XenDisk[];
  nics: XenNic[];
  /** Guest has PV drivers (control/feature-poweroff); false for an HVM guest without them. */
  pvDrivers: boolean;
  /** An xl monitor process acts on on_poweroff/on_reboot/on_crash (false after create -e). */
  monitored: boolean;
  pending?: PendingEvent;
  /** Console pty in Dom0. */
  tty: string;
  /** Lines the guest has written to its console so far. */
  console: string[];
  /** How many console lines a console client has already shown. */
  consoleSeen: number;
  /** The guest OS, as its login banner names it. */
  osName: string;
  /** Balloon target when it differs from the allocation (memory/target), KiB. */
  targetKiB?: number;
  /** A shutdown request a paused guest will act on once unpaused. */
  requested?: "poweroff" | "reboot";
  /** xl mem-set has run (libxl then also writes /vm/<uuid>/memory). */
  memSet?: boolean;
  /** A configuration stored by xl config-update, used when the domain is next rebuilt. */
  updatedConfig?: DomainConfig;
}

export interface XenCpupool {
  id: number;
  name: string;
  sched: "credit" | "credit2" | "rtds" | "arinc653" | "null";
  cpus: number[];
}

export interface XsOp {
  op: "write" | "rm" | "chmod";
  path: string;
  value?: string;
  /** chmod: the new permissions, owner first ("n0", "r1"). */
  perms?: string[];
}

export interface XenHostInfo {
  release: string;
  version: string;
  cpuMhz: number;
  hwCaps: string;
  virtCaps: string;
  xenCaps: string;
  commandline: string;
  ccCompiler: string;
  ccCompileBy: string;
  ccCompileDomain: string;
  ccCompileDate: string;
  buildId: string;
  changeset: string;
}

export interface XenState {
  info: XenHostInfo;
  /** Epoch ms the host (Xen and Domain-0) booted. */
  bootTime: number;
  scheduler: "credit" | "credit2";
  /** xl info total_memory, MiB. */
  totalMiB: number;
  /** Memory Xen keeps for itself beyond the domains (page tables, heap), MiB. */
  xenOverheadMiB: number;
  /** Ascending domid; Domain-0 first. */
  domains: XenDomain[];
  /** The next domid the hypervisor will hand out (never reused while up). */
  nextDomid: number;
  cpupools: XenCpupool[];
  credit: { tslice: number; ratelimit: number; migrationDelay: number };
  credit2: { ratelimit: number };
  /** The hypervisor console ring (xl dmesg). */
  dmesg: string[];
  /** Writes and removals made with xenstore-write / xenstore-rm, in order. */
  xsOps: XsOp[];
  /** Bridges configured in Dom0. */
  bridges: string[];
  nextPty: number;
  /** Host CPU count (from the host's CPU). */
  nrCpus: number;
  cores: number;
  threads: number;
  sockets: number;
}

export const SUBSYSTEM = "xen";

/** The Xen state of a host, or undefined when it is not a Xen Dom0. */
export function xenOf(host: { subsystems: Record<string, unknown> } | undefined): XenState | undefined {
  return host?.subsystems[SUBSYSTEM] as XenState | undefined;
}

export function domainById(x: XenState, domid: number): XenDomain | undefined {
  return x.domains.find((d) => d.domid === domid);
}

export function domainByName(x: XenState, name: string): XenDomain | undefined {
  return x.domains.find((d) => d.name === name);
}

// ------------------------------------------------------------------------- derived figures

/** Seconds of running time up to `now`. */
export function runSeconds(d: XenDomain, now: number): number {
  return d.runSec + (d.runAt !== null ? Math.max(0, now - d.runAt) / 1000 : 0);
}

/** Total CPU time of all vCPUs, nanoseconds. */
export function cpuTimeNs(d: XenDomain, now: number): number {
  const run = runSeconds(d, now);
  const boot = d.bootCost * Math.min(1, run / 10);
  return Math.round((boot + run * d.load) * 1e9);
}

/** CPU time of one vCPU, nanoseconds (the domain's time shared unevenly, as real vCPUs are). */
export function vcpuTimeNs(d: XenDomain, vcpu: number, now: number): number {
  if (vcpu >= d.onlineVcpus) return 0;
  const weights = Array.from({ length: d.onlineVcpus }, (_, i) => 1 + ((i * 7 + d.domid * 3) % 5) / 10);
  const sum = weights.reduce((a, b) => a + b, 0);
  return Math.round((cpuTimeNs(d, now) * weights[vcpu]!) / sum);
}

/** True when the domain can run (not paused, not shut down, not dying). */
export function isRunnable(d: XenDomain): boolean {
  return !d.paused && d.shutdown === undefined && !d.dying;
}

/** Memory counted against the host for a domain, KiB (allocation plus per-domain overhead). */
export function footprintKiB(d: XenDomain): number {
  if (d.domid === 0) return d.memKiB;
  const video = d.type === "hvm" ? (d.config?.videoMemKiB ?? 8192) : 0;
  const shadow = d.type === "hvm" ? Math.ceil(d.memKiB / 1024) * 4 + 1024 : 0;
  return d.memKiB + video + shadow + 256;
}

/** xl info free_memory, MiB. */
export function freeMemoryMiB(x: XenState): number {
  const used = x.domains.reduce((s, d) => s + footprintKiB(d), 0);
  return Math.max(0, Math.floor((x.totalMiB * 1024 - used) / 1024) - x.xenOverheadMiB);
}

/** The physical CPU a vCPU currently runs on (stable for a given domain and vCPU). */
export function vcpuCpu(x: XenState, d: XenDomain, vcpu: number): number {
  const pool = x.cpupools.find((p) => p.name === d.pool)?.cpus ?? Array.from({ length: x.nrCpus }, (_, i) => i);
  const allowed = d.hard[vcpu] ?? null;
  const both = allowed ? pool.filter((c) => allowed.includes(c)) : pool;
  const cpus = both.length ? both : pool.length ? pool : [0];
  return cpus[(vcpu * 3 + d.domid * 5) % cpus.length]!;
}

/** Pools, by name. */
export function poolByName(x: XenState, name: string): XenCpupool | undefined {
  return x.cpupools.find((p) => p.name === name);
}
