// Xen state changes in libxl's words: create, destroy, shut down, pause, rename, balloon, vCPUs,
// device hot-plug, save/restore, and the passing of time (guests finishing a shutdown or reboot).
// Every function mutates an immer draft of the host; the tools wrap them in produce().
import { bootLog, shutdownLog } from "./console-log";
import { vdevNumber, type DiskSpec } from "./disk-spec";
import type { DomainConfig } from "./domain-config";
import { MAXMEM_CONSTANT_KIB, domainById, domainByName, freeMemoryMiB, isRunnable, xenOf, type ShutdownReason, type XenDisk, type XenDomain, type XenNic, type XenState } from "./state";
import type { NicSpec } from "./vif-spec";
import { makeDir, stat, writeFile, type Fs } from "../fs";
import { macFor, uuidFor, type Host } from "../world";

/** Time a guest needs after a shutdown request before it is down, ms. */
export const SHUTDOWN_DELAY_MS = 3000;
/** xl's monitor sleeps this long before re-creating a rebooting guest, ms. */
export const RESTART_DELAY_MS = 2000;

/** Ids come from the world's counter so that runs repeat. */
export interface Ids {
  seq: number;
}

export const libxlLog = (level: string, file: string, line: number, fn: string, msg: string, domid?: number) =>
  `libxl: ${level}: ${file}:${line}:${fn}: ${domid !== undefined && domid > 0 && domid < 32752 ? `Domain ${domid}:` : ""}${msg}\n`;

function pidFor(d: { domid: number }): number {
  return 2000 + d.domid * 37;
}

/** Append lines to an xl monitor log in /var/log/xen. */
export function xlLog(fs: Fs, name: string, lines: string[], now: number) {
  const mtime = Math.floor(now / 1000);
  try {
    if (!stat(fs, "/var/log/xen")) makeDir(fs, "/var/log/xen", { parents: true, mtime });
    writeFile(fs, `/var/log/xen/xl-${name}.log`, lines.map((l) => l + "\n").join(""), { mtime, append: true });
  } catch {
    // the monitor cannot open its log (the directory was removed or replaced): it logs nothing
  }
}

// --------------------------------------------------------------------------- running time

function checkpoint(d: XenDomain, now: number) {
  if (d.runAt !== null) {
    d.runSec += Math.max(0, now - d.runAt) / 1000;
    d.runAt = now;
  }
}

function setRunnable(d: XenDomain, now: number) {
  checkpoint(d, now);
  const should = isRunnable(d);
  if (should && d.runAt === null) d.runAt = now;
  if (!should) d.runAt = null;
}

// ----------------------------------------------------------------------------- creation

export interface CreateOptions {
  now: number;
  ids: Ids;
  paused: boolean;
  /** An xl monitor watches the domain (false with create -e). */
  monitored: boolean;
  /** Name used in messages/logs while migrating in (NAME--incoming). */
  nameOverride?: string;
  /** Runtime facts carried over by restore and migration. */
  carry?: { runSec: number; memKiB: number; staticMaxKiB: number; onlineVcpus: number; console: string[]; consoleSeen: number; macs: string[]; pvDrivers: boolean; domid?: number };
}

export type CreateOutcome = { ok: true; domid: number; messages: string[] } | { ok: false; messages: string[]; exit: number };

const BOOT_COST: Record<string, number> = { pv: 3.2, pvh: 3.6, hvm: 9.5 };

/** Fill libxl's defaults into a config (memory, vCPUs, MACs, nic types, uuid). */
export function configDefaults(c: DomainConfig, ids: Ids): DomainConfig {
  const out: DomainConfig = { ...c, disks: c.disks.map((d) => ({ ...d })), nics: c.nics.map((n) => ({ ...n })) };
  if (out.uuid === undefined) out.uuid = uuidFor(ids.seq++);
  if (out.targetMemKiB === undefined && out.maxMemKiB === undefined) out.targetMemKiB = out.maxMemKiB = 32768;
  else if (out.targetMemKiB === undefined) out.targetMemKiB = out.maxMemKiB;
  else if (out.maxMemKiB === undefined) out.maxMemKiB = out.targetMemKiB;
  if (!out.maxVcpus) out.maxVcpus = 1;
  if (out.availVcpus === undefined) out.availVcpus = out.maxVcpus;
  out.nics = out.nics.map((n, i) => ({
    ...n,
    devid: n.devid ?? i,
    mac: n.mac ?? macFor(ids.seq++, "00:16:3e").replace(/^(00:16:3e:)([0-9a-f]{2})/, (_m, p, b) => p + (parseInt(b, 16) & 0x7f).toString(16).padStart(2, "0")),
    nictype: n.nictype ?? (out.type === "hvm" ? "vif_ioemu" : "vif"),
  }));
  if (out.type === "hvm" && out.videoMemKiB === undefined) out.videoMemKiB = out.hvm?.vga === "stdvga" ? 16384 : out.hvm?.vga === "none" ? 0 : 8192;
  return out;
}

function diskSectors(fs: Fs, path: string): number {
  const n = stat(fs, path);
  if (!n || n.kind !== "file") return 41943040;
  if (n.image) return Math.floor(n.image.virtualSize / 512);
  if (n.device === "block") return 41943040;
  return Math.max(1, Math.floor(n.content.length / 512));
}

function makeDisk(spec: DiskSpec, type: string, evtch: number, fs?: Fs): XenDisk {
  const vdev = spec.vdev!;
  const emulatedCd = spec.isCdrom && type === "hvm";
  const backend: "phy" | "qdisk" = spec.backend === "qdisk" || emulatedCd || spec.format === "qcow2" || spec.format === "qcow" || spec.format === "vhd" || spec.format === "qed" ? "qdisk" : "phy";
  return {
    devid: vdevNumber(vdev),
    vdev,
    target: spec.pdevPath ?? "",
    format: spec.format ?? "raw",
    readwrite: spec.readwrite,
    cdrom: spec.isCdrom,
    backend,
    ...(spec.script ? { script: spec.script } : {}),
    state: emulatedCd ? 1 : 4,
    evtch: emulatedCd ? -1 : evtch,
    ringRef: emulatedCd ? -1 : evtch,
    sectors: spec.pdevPath && fs ? diskSectors(fs, spec.pdevPath) : 0,
    io: { base: 0, at: {}, rate: emulatedCd || spec.isCdrom ? {} : { rd: 1.5, wr: 0.35, rs: 100, ws: 17 } },
  };
}

function makeNic(n: NicSpec, evtch: number, index: number, traffic: boolean): XenNic {
  return {
    devid: n.devid ?? index,
    mac: n.mac!,
    bridge: n.bridge ?? "xenbr0",
    script: n.script ?? "vif-bridge",
    nictype: n.nictype ?? "vif",
    ...(n.model !== undefined ? { model: n.model } : {}),
    ...(n.ip !== undefined ? { ip: n.ip } : {}),
    ...(n.ifname !== undefined ? { vifname: n.ifname } : {}),
    ...(n.rateBytesPerInterval !== undefined ? { rateBytesPerInterval: n.rateBytesPerInterval, rateIntervalUsecs: n.rateIntervalUsecs } : {}),
    mtu: n.mtu ?? 1500,
    evtch,
    txRef: 768 + index * 2,
    rxRef: 769 + index * 2,
    io: { base: 0, at: {}, rate: traffic ? { rb: 3900, rp: 3.3, tb: 270, tp: 1.7 } : {} },
  };
}

/** Allocate the next domid (never reused while the host is up). */
function allocDomid(x: XenState): number {
  let id = x.nextDomid;
  while (domainById(x, id)) id++;
  x.nextDomid = id + 1 > 32751 ? 1 : id + 1;
  return id;
}

/**
 * libxl_domain_create_new / _restore: build a domain from a (defaulted) config on `host`.
 * Failures still consume the domid they were given, as on real Xen.
 */
export function createDomain(host: Host, cfgIn: DomainConfig, o: CreateOptions): CreateOutcome {
  const x = xenOf(host)!;
  const fs = host.fs;
  const c = configDefaults(cfgIn, o.ids);
  const messages: string[] = [];
  const name = o.nameOverride ?? c.name;
  const domid = o.carry?.domid !== undefined && !domainById(x, o.carry.domid) ? o.carry.domid : allocDomid(x);
  // libxl__domain_make: pool and name
  const pool = c.poolName ?? "Pool-0";
  if (!x.cpupools.some((p) => p.name === pool)) {
    messages.push(libxlLog("error", "libxl_create.c", 1134, "libxl__domain_config_setdefault", `Illegal pool specified: ${pool}`, domid));
    return { ok: false, messages, exit: 3 };
  }
  if (domainByName(x, name)) {
    messages.push(libxlLog("error", "libxl_domain.c", 81, "libxl__domain_rename", `Domain with name "${name}" already exists.`, domid));
    messages.push(libxlLog("error", "libxl_create.c", 1296, "initiate_domain_create", "cannot make domain: -6", domid));
    return { ok: false, messages, exit: 3 };
  }
  // disks: vdev numbers and backing objects
  for (let i = 0; i < c.disks.length; i++) {
    const d = c.disks[i]!;
    if (vdevNumber(d.vdev!) < 0) {
      messages.push(libxlLog("error", "libxl_disk.c", 214, "libxl__device_disk_setdefault", `Invalid or unsupported virtual disk identifier ${d.vdev}`, domid));
      messages.push(libxlLog("error", "libxl_create.c", 1318, "initiate_domain_create", `Unable to set disk defaults for disk ${i}`, domid));
      return { ok: false, messages, exit: 6 };
    }
    if (d.format === "empty" && !d.isCdrom) {
      messages.push(libxlLog("error", "libxl_device.c", 439, "libxl__device_disk_set_backend", `Disk vdev=${d.vdev} is empty but not cdrom`));
      messages.push(libxlLog("error", "libxl_create.c", 1318, "initiate_domain_create", `Unable to set disk defaults for disk ${i}`, domid));
      return { ok: false, messages, exit: 6 };
    }
    if (d.format !== "empty" && !d.script && d.pdevPath && !stat(fs, d.pdevPath)) {
      messages.push(libxlLog("error", "libxl_device.c", 455, "libxl__device_disk_set_backend", `Disk vdev=${d.vdev} failed to stat: ${d.pdevPath}: No such file or directory`));
      messages.push(libxlLog("error", "libxl_create.c", 1318, "initiate_domain_create", `Unable to set disk defaults for disk ${i}`, domid));
      return { ok: false, messages, exit: 6 };
    }
  }
  const devids = c.disks.map((d) => vdevNumber(d.vdev!));
  const dup = devids.find((v, i) => devids.indexOf(v) !== i);
  if (dup !== undefined) {
    messages.push(libxlLog("error", "libxl_disk.c", 343, "device_disk_add", "device already exists in xenstore", domid));
    messages.push(libxlLog("error", "libxl_create.c", 1672, "domcreate_launch_dm", "unable to add disk devices", domid));
    return { ok: false, messages, exit: 3 };
  }
  // memory (claim mode: the hypervisor refuses what it does not have)
  const needKiB = c.targetMemKiB! + MAXMEM_CONSTANT_KIB + (c.type === "hvm" ? (c.videoMemKiB ?? 8192) : 0);
  if (!o.carry && needKiB > freeMemoryMiB(x) * 1024) {
    if (c.type === "hvm") {
      messages.push("xc: error: Could not allocate memory for HVM guest as we cannot claim memory! (22 = Invalid argument): Internal error\n");
      messages.push(libxlLog("error", "libxl_dom.c", 1027, "libxl__build_hvm", "hvm building failed", domid));
    } else {
      messages.push("xc: error: panic: xg_dom_boot.c:120: xc_dom_boot_mem_init: can't allocate low memory for domain: Out of memory\n");
      messages.push(libxlLog("error", "libxl_dom.c", 586, "libxl__build_dom", "xc_dom_boot_mem_init failed: Cannot allocate memory"));
    }
    messages.push(libxlLog("error", "libxl_create.c", 1640, "domcreate_rebuild_done", "cannot (re-)build domain: -3", domid));
    return { ok: false, messages, exit: 3 };
  }
  // kernel and ramdisk (direct boot)
  for (const [what, path] of [["kernel", c.kernel], ["ramdisk", c.ramdisk]] as const) {
    if (!path || o.carry || stat(fs, path)) continue;
    messages.push(`xc: error: panic: xg_dom_core.c:207: failed to open file '${path}': No such file or directory: Internal error\n`);
    messages.push(libxlLog("error", "libxl_dom.c", what === "kernel" ? 646 : 659, "libxl__build_dom", `xc_dom_${what}_file failed: No such file or directory`));
    messages.push(libxlLog("error", "libxl_create.c", 1640, "domcreate_rebuild_done", "cannot (re-)build domain: -3", domid));
    return { ok: false, messages, exit: 3 };
  }
  // vif hotplug: the bridge must exist in Dom0
  for (const n of c.nics) {
    const bridge = n.bridge ?? "xenbr0";
    const script = n.script ?? "vif-bridge";
    if (/vif-bridge$/.test(script) && !x.bridges.includes(bridge)) {
      messages.push(libxlLog("error", "libxl_exec.c", 117, "libxl_report_child_exitstatus", `/etc/xen/scripts/vif-bridge online [${3000 + domid}] exited with error status 1`));
      messages.push(libxlLog("error", "libxl_device.c", 1337, "device_hotplug_child_death_cb", `script: Could not find bridge device ${bridge}`));
      messages.push(libxlLog("error", "libxl_create.c", 1921, "domcreate_attach_devices", "unable to add vif devices", domid));
      return { ok: false, messages, exit: 3 };
    }
  }

  // event channels 1 and 2 are the store and console; an HVM guest's device model takes one per vCPU
  let evt = 8 + (c.type === "hvm" ? c.maxVcpus : 0);
  const disks: XenDisk[] = [];
  for (const d of c.disks) {
    const emulated = d.isCdrom && c.type === "hvm";
    disks.push(makeDisk(d, c.type, emulated ? -1 : evt, fs));
    if (!emulated) evt++;
  }
  const traffic = c.type !== "hvm" || (o.carry?.pvDrivers ?? c.hvm?.xenPlatformPci !== false);
  const nics = c.nics.map((n, i) => makeNic(n, evt++, i, traffic));
  if (o.carry) nics.forEach((n, i) => (n.mac = o.carry!.macs[i] ?? n.mac));
  const maxV = c.maxVcpus;
  const online = o.carry?.onlineVcpus ?? Math.min(c.availVcpus ?? maxV, maxV);
  const hard = Array.from({ length: maxV }, (_, i) => c.hardAffinity?.[i] ?? null).map((m) => (m && m.length === x.nrCpus ? null : m));
  const soft = Array.from({ length: maxV }, (_, i) => c.softAffinity?.[i] ?? null).map((m) => (m && m.length === x.nrCpus ? null : m));
  const memKiB = o.carry?.memKiB ?? c.targetMemKiB!;
  const pvDrivers = o.carry?.pvDrivers ?? (c.type !== "hvm" || c.hvm?.xenPlatformPci !== false);
  const tty = `/dev/pts/${x.nextPty++}`;
  const d: XenDomain = {
    domid,
    name,
    uuid: c.uuid!,
    type: c.type,
    config: c,
    memKiB,
    staticMaxKiB: o.carry?.staticMaxKiB ?? c.maxMemKiB!,
    hvMaxKiB: memKiB + MAXMEM_CONSTANT_KIB,
    maxVcpus: maxV,
    onlineVcpus: online,
    hard,
    soft,
    pool,
    weight: c.weight ?? 256,
    cap: c.cap ?? 0,
    paused: o.paused,
    runSec: o.carry?.runSec ?? 0,
    runAt: null,
    load: 0.004 + 0.003 * online,
    bootCost: o.carry ? 0 : BOOT_COST[c.type]!,
    startTime: o.now,
    disks,
    nics,
    pvDrivers,
    monitored: o.monitored,
    tty,
    console: o.carry?.console ?? bootLog({ name, type: c.type, memKiB, vcpus: online, ...(c.cmdline ? { cmdline: c.cmdline } : {}), disks: disks.map((dk) => ({ vdev: dk.vdev, sectors: dk.cdrom ? 0 : 1 })), nics: nics.map((n) => ({ mac: n.mac })), domid }),
    consoleSeen: o.carry?.consoleSeen ?? 0,
    osName: "Debian GNU/Linux 12",
  };
  setRunnable(d, o.now);
  x.domains.push(d);
  x.domains.sort((a, b) => a.domid - b.domid);
  return { ok: true, domid, messages };
}

// ------------------------------------------------------------------------- destruction

/** Remove a domain (libxl_domain_destroy); XenStore entries written under it go with it. */
export function destroyDomain(x: XenState, domid: number) {
  const d = domainById(x, domid);
  if (!d) return;
  x.domains = x.domains.filter((e) => e.domid !== domid);
  const prefixes = [`/local/domain/${domid}/`, `/local/domain/${domid}`, `/vm/${d.uuid}`, `/libxl/${domid}`];
  x.xsOps = x.xsOps.filter((op) => !prefixes.some((p) => op.path === p || op.path.startsWith(p.endsWith("/") ? p : p + "/")) && !new RegExp(`^/local/domain/0/backend/[a-z]+/${domid}(/|$)`).test(op.path));
}

// ------------------------------------------------------------------------- time passing

/**
 * Bring the host up to `now`: guests that were asked to shut down or reboot finish doing so, and the
 * xl monitor applies on_poweroff / on_reboot / on_crash. Returns true when something changed.
 */
/** True when `settle` has work to do at `now` (lets callers skip an immer round-trip). */
export function needsSettle(x: XenState | undefined, now: number): boolean {
  return !!x && x.domains.some((d) => d.pending !== undefined && d.pending.at <= now);
}

export function settle(host: Host, now: number, ids: Ids): boolean {
  const x = xenOf(host);
  if (!x) return false;
  let changed = false;
  for (let guard = 0; guard < 64; guard++) {
    const due = x.domains.filter((d) => d.pending && d.pending.at <= now).sort((a, b) => a.pending!.at - b.pending!.at || a.domid - b.domid)[0];
    if (!due) break;
    changed = true;
    const ev = due.pending!;
    delete due.pending;
    const reason: ShutdownReason = ev.kind === "poweroff" ? 0 : ev.kind === "reboot" ? 1 : 3;
    guestShutdown(host, due, reason, ev.at, ids);
  }
  return changed;
}

/** The guest has shut itself down with `reason` at time `at`; the monitor (if any) acts. */
export function guestShutdown(host: Host, d: XenDomain, reason: ShutdownReason, at: number, ids: Ids) {
  const x = xenOf(host)!;
  d.console.push(...shutdownLog(reason === 1));
  checkpoint(d, at);
  d.shutdown = reason;
  setRunnable(d, at);
  if (!d.monitored || !d.config) return;
  const c = d.config;
  let action = reason === 0 ? c.onPoweroff : reason === 1 ? c.onReboot : reason === 3 ? c.onCrash : reason === 4 ? c.onWatchdog : c.onSoftReset;
  const log: string[] = [`Domain ${d.domid} has shut down, reason code ${reason} 0x${reason.toString(16)}`, `Action for shutdown reason code ${reason} is ${action}`];
  if (action === "coredump-destroy" || action === "coredump-restart") {
    log.push(`dumping core to /var/lib/xen/dump/${c.name}`);
    const mtime = Math.floor(at / 1000);
    makeDir(host.fs, "/var/lib/xen/dump", { parents: true, mtime });
    writeFile(host.fs, `/var/lib/xen/dump/${c.name}`, `ELF core dump of domain ${d.domid}\n`, { mtime });
    action = action === "coredump-destroy" ? "destroy" : "restart";
  }
  if (action === "preserve") {
    xlLog(host.fs, d.name, log, at);
    return;
  }
  if (action === "destroy" || action === "restart" || action === "rename-restart" || action === "soft-reset") {
    log.push(`Domain ${d.domid} needs to be cleaned up: destroying the domain`);
    const keep = { config: d.updatedConfig ?? c, monitored: d.monitored, name: d.name };
    if (d.updatedConfig) log.push('"xl" configuration found, using it');
    destroyDomain(x, d.domid);
    if (action === "destroy") {
      log.push("Done. Exiting now");
      xlLog(host.fs, keep.name, log, at);
      return;
    }
    log.push("Done. Rebooting now");
    const r = createDomain(host, { ...keep.config, name: keep.name }, { now: at + RESTART_DELAY_MS, ids, paused: false, monitored: keep.monitored });
    if (r.ok) log.push(`Waiting for domain ${keep.name} (domid ${r.domid}) to die [pid ${pidFor({ domid: r.domid })}]`);
    xlLog(host.fs, keep.name, log, at);
  }
}

// ---------------------------------------------------------------------- lifecycle verbs

export type Outcome = { messages: string[]; exit: number };
const ok = (messages: string[] = []): Outcome => ({ messages, exit: 0 });

export function pauseDomain(x: XenState, domid: number, now: number): Outcome {
  const d = domainById(x, domid);
  if (!d) return ok([libxlLog("error", "libxl_domain.c", 587, "libxl_domain_pause", "Pausing domain: No such process", domid)]);
  d.paused = true;
  setRunnable(d, now);
  return ok();
}

export function unpauseDomain(x: XenState, domid: number, now: number): Outcome {
  const d = domainById(x, domid);
  if (!d) return ok([libxlLog("error", "libxl_dom.c", 37, "libxl__domain_type", `unable to get domain type for domid=${domid}`)]);
  d.paused = false;
  setRunnable(d, now);
  if (d.requested && isRunnable(d) && !d.pending) d.pending = { kind: d.requested, at: now + SHUTDOWN_DELAY_MS };
  delete d.requested;
  return ok();
}

/** xl shutdown / reboot: ask the guest (control/shutdown) or press the ACPI button (-F). */
export function requestShutdown(x: XenState, domid: number, reboot: boolean, fallback: boolean, now: number): Outcome {
  const what = reboot ? "reboot" : "shutdown";
  const messages = [`${reboot ? "Rebooting" : "Shutting down"} domain ${domid}\n`];
  const d = domainById(x, domid);
  if (!d) {
    messages.push(libxlLog("error", "libxl_dom.c", 37, "libxl__domain_type", `unable to get domain type for domid=${domid}`), `${what} failed (rc=-3)\n`);
    return { messages, exit: 1 };
  }
  if (d.domid === 0) return ok(messages);
  if (d.type === "hvm" && !d.pvDrivers) {
    if (!fallback) {
      messages.push(`PV control interface not available: external graceful ${reboot ? "reboot" : "shutdown"} not possible.\n`, `Use "-F" to fallback to ACPI ${reboot ? "reset" : "power"} event.\n`, `${what} failed (rc=-10)\n`);
      return { messages, exit: 1 };
    }
    messages.push(`PV control interface not available: sending ACPI ${reboot ? "reset" : "power"} button event.\n`);
  }
  // a paused or already shut down guest cannot act on the request until it runs
  if (isRunnable(d) && !d.pending) d.pending = { kind: reboot ? "reboot" : "poweroff", at: now + SHUTDOWN_DELAY_MS };
  else if (!d.pending) d.requested = reboot ? "reboot" : "poweroff";
  return ok(messages);
}

export function renameDomain(x: XenState, domid: number, newName: string, oldArg: string): Outcome {
  const d = domainById(x, domid);
  if (!d) return { messages: [libxlLog("error", "libxl_domain.c", 68, "libxl__domain_rename", `domain with id ${domid} does not exist`, domid), `Can't rename domain '${oldArg}'.\n`], exit: 1 };
  const other = domainByName(x, newName);
  if (other && other.domid !== domid) return { messages: [libxlLog("error", "libxl_domain.c", 81, "libxl__domain_rename", `Domain with name "${newName}" already exists.`, domid), `Can't rename domain '${oldArg}'.\n`], exit: 1 };
  d.name = newName;
  if (d.config) d.config = { ...d.config, name: newName };
  return ok();
}

// ------------------------------------------------------------------------------- memory

/** libxl_set_memory_target (enforce): new balloon target and hypervisor max; KiB. */
export function setMemoryTarget(x: XenState, domid: number, kib: number, arg: string): Outcome {
  const d = domainById(x, domid);
  if (!d) return { messages: [libxlLog("error", "libxl_mem.c", 208, "libxl_set_memory_target", "unable to retrieve domain configuration: No such file or directory"), `cannot set domid ${domid} dynamic max memory to : ${arg}\n`], exit: 1 };
  const video = d.type === "hvm" ? (d.config?.videoMemKiB ?? 0) : 0;
  const target = kib - video;
  if (target > d.staticMaxKiB) return { messages: [libxlLog("error", "libxl_mem.c", 278, "libxl_set_memory_target", "memory_dynamic_max must be less than or equal to memory_static_max\n", domid), `cannot set domid ${domid} dynamic max memory to : ${arg}\n`], exit: 1 };
  if (domid === 0 && target < 131072) return { messages: [libxlLog("error", "libxl_mem.c", 287, "libxl_set_memory_target", `New target ${target} for dom0 is below the minimum threshold`), `cannot set domid ${domid} dynamic max memory to : ${arg}\n`], exit: 1 };
  const grow = target - d.memKiB;
  if (grow > 0 && grow > freeMemoryMiB(x) * 1024) {
    // the balloon driver cannot get the pages; the target is recorded anyway
    d.memKiB = d.memKiB + Math.max(0, freeMemoryMiB(x) * 1024 - 1024);
  } else d.memKiB = Math.max(0, target);
  d.targetKiB = Math.max(0, target);
  if (d.hvMaxKiB !== null || domid !== 0) d.hvMaxKiB = target + MAXMEM_CONSTANT_KIB;
  d.memSet = true;
  return ok();
}

/** libxl_domain_setmaxmem: memory/static-max and the hypervisor limit; KiB. */
export function setMaxMemory(x: XenState, domid: number, kib: number, arg: string): Outcome {
  const d = domainById(x, domid);
  if (!d) return { messages: [libxlLog("error", "libxl_mem.c", 46, "libxl_domain_setmaxmem", `Cannot get memory info from /local/domain/${domid}/memory/target: No such file or directory`, domid), `cannot set domid ${domid} static max memory to : ${arg}\n`], exit: 1 };
  const target = d.targetKiB ?? d.memKiB;
  if (kib < target) return { messages: [libxlLog("error", "libxl_mem.c", 59, "libxl_domain_setmaxmem", "memory_static_max must be greater than or or equal to memory_dynamic_max: Success", domid), `cannot set domid ${domid} static max memory to : ${arg}\n`], exit: 1 };
  d.staticMaxKiB = kib;
  d.hvMaxKiB = kib + MAXMEM_CONSTANT_KIB;
  return ok();
}

// -------------------------------------------------------------------------------- vCPUs

export function setOnlineVcpus(x: XenState, domid: number, n: number, now: number): Outcome {
  const d = domainById(x, domid);
  if (!d) return { messages: [libxlLog("error", "libxl_domain.c", 1848, "libxl_set_vcpuonline", "unable to get domain type", domid), `libxl_set_vcpuonline failed domid=${domid} max_vcpus=${n}, rc: -3\n`], exit: 1 };
  if (n > d.maxVcpus) return { messages: [libxlLog("error", "libxl_domain.c", 1869, "libxl_set_vcpuonline", `Requested ${n} VCPUs, however maxcpus is ${d.maxVcpus}!: Success`, domid), `libxl_set_vcpuonline failed domid=${domid} max_vcpus=${n}, rc: -3\n`], exit: 1 };
  checkpoint(d, now);
  d.onlineVcpus = n;
  d.load = 0.004 + 0.003 * n;
  return ok();
}

// ------------------------------------------------------------------------------ devices

export function attachDisk(host: Host, domid: number, spec: DiskSpec): Outcome {
  const x = xenOf(host)!;
  const d = domainById(x, domid);
  if (!d) return { messages: [libxlLog("error", "libxl_device.c", 1844, "libxl__wait_device_connection", "unable to get domain id"), "libxl_device_disk_add failed.\n"], exit: 1 };
  const num = vdevNumber(spec.vdev!);
  if (num < 0) return { messages: [libxlLog("error", "libxl_disk.c", 335, "device_disk_add", `Invalid or unsupported virtual disk identifier ${spec.vdev}`, domid), "libxl_device_disk_add failed.\n"], exit: 1 };
  if (d.disks.some((k) => k.devid === num)) return { messages: [libxlLog("error", "libxl_disk.c", 343, "device_disk_add", "device already exists in xenstore", domid), "libxl_device_disk_add failed.\n"], exit: 1 };
  if (spec.format !== "empty" && !spec.script && spec.pdevPath && !stat(host.fs, spec.pdevPath)) {
    return { messages: [libxlLog("error", "libxl_device.c", 455, "libxl__device_disk_set_backend", `Disk vdev=${spec.vdev} failed to stat: ${spec.pdevPath}: No such file or directory`), "libxl_device_disk_add failed.\n"], exit: 1 };
  }
  const evt = nextEvtch(d);
  d.disks.push(makeDisk(spec, d.type === "hvm" && spec.isCdrom ? "hvm" : "pv", evt, host.fs));
  if (d.config) d.config = { ...d.config, disks: [...d.config.disks, spec] };
  return ok();
}

function nextEvtch(d: XenDomain): number {
  return Math.max(7, ...d.disks.map((k) => k.evtch), ...d.nics.map((n) => n.evtch)) + 1;
}

export function detachDisk(x: XenState, domid: number, arg: string, force: boolean): Outcome {
  const d = domainById(x, domid);
  const num = /^\d+$/.test(arg) ? Number(arg) : vdevNumber(arg);
  const disk = d?.disks.find((k) => k.devid === num);
  if (!d || !disk) return { messages: [`Error: Device ${arg} not connected.\n`], exit: 1 };
  if (d.type === "hvm" && !disk.cdrom && disk.vdev.startsWith("hd") && !force) {
    return { messages: [libxlLog("error", "libxl_device.c", 1486, "device_backend_callback", "unable to remove device with path /local/domain/0/backend/vbd/" + domid + "/" + disk.devid, domid), "libxl_device_disk_safe_remove failed.\n"], exit: 1 };
  }
  d.disks = d.disks.filter((k) => k !== disk);
  if (d.config) d.config = { ...d.config, disks: d.config.disks.filter((s) => vdevNumber(s.vdev!) !== num) };
  return ok();
}

export function cdInsert(host: Host, domid: number, vdev: string, target: string, format: DiskSpec["format"]): Outcome {
  const x = xenOf(host)!;
  const d = domainById(x, domid);
  if (!d) return { messages: [libxlLog("error", "libxl_dom.c", 37, "libxl__domain_type", `unable to get domain type for domid=${domid}`)], exit: 1 };
  if (d.type !== "hvm") return { messages: [libxlLog("error", "libxl_disk.c", 838, "cdrom_insert", "cdrom-insert requires an HVM domain", domid)], exit: 1 };
  const disk = d.disks.find((k) => k.vdev === vdev || k.devid === vdevNumber(vdev));
  if (!disk) return { messages: [libxlLog("error", "libxl_disk.c", 866, "cdrom_insert", "Virtual device not found", domid)], exit: 1 };
  disk.target = target;
  disk.format = target ? (format ?? "raw") : "empty";
  if (d.config) d.config = { ...d.config, disks: d.config.disks.map((s) => (s.vdev === disk.vdev ? { ...s, pdevPath: target, format: disk.format } : s)) };
  return ok();
}

export function attachNic(x: XenState, domid: number, spec: NicSpec, ids: Ids): Outcome {
  const d = domainById(x, domid);
  if (!d) return { messages: ["libxl_device_nic_add failed.\n"], exit: 1 };
  const bridge = spec.bridge ?? "xenbr0";
  if (/vif-bridge$/.test(spec.script ?? "vif-bridge") && !x.bridges.includes(bridge)) {
    return {
      messages: [
        libxlLog("error", "libxl_exec.c", 117, "libxl_report_child_exitstatus", `/etc/xen/scripts/vif-bridge online [${3100 + domid}] exited with error status 1`),
        libxlLog("error", "libxl_device.c", 1337, "device_hotplug_child_death_cb", `script: Could not find bridge device ${bridge}`),
        "libxl_device_nic_add failed.\n",
      ],
      exit: 1,
    };
  }
  let devid = spec.devid;
  if (devid === undefined) {
    devid = 0;
    while (d.nics.some((n) => n.devid === devid)) devid++;
  } else if (d.nics.some((n) => n.devid === devid)) return { messages: [libxlLog("error", "libxl_device.c", 1998, "libxl__device_exists", "device already exists in xenstore", domid), "libxl_device_nic_add failed.\n"], exit: 1 };
  const base: DomainConfig = d.config ?? { type: d.type, name: d.name, uuid: d.uuid, runHotplugScripts: true, maxVcpus: d.maxVcpus, claimMode: true, disks: [], nics: [], vfbs: [], onPoweroff: "destroy", onReboot: "restart", onWatchdog: "destroy", onCrash: "destroy", onSoftReset: "soft-reset" };
  const filled = configDefaults({ ...base, nics: [{ ...spec, devid }] }, ids).nics[0]!;
  filled.nictype = spec.nictype ?? "vif";
  d.nics.push(makeNic(filled, nextEvtch(d), devid, d.type !== "hvm" || d.pvDrivers));
  d.nics.sort((a, b) => a.devid - b.devid);
  if (d.config) d.config = { ...d.config, nics: [...d.config.nics, filled] };
  return ok();
}

export function detachNic(x: XenState, domid: number, arg: string): Outcome {
  const d = domainById(x, domid);
  const nic = arg.includes(":") ? d?.nics.find((n) => n.mac === arg.toLowerCase()) : /^\d+$/.test(arg) ? d?.nics.find((n) => n.devid === Number(arg)) : undefined;
  if (!d || !nic) return { messages: [`Unknown device ${arg}.\n`], exit: 1 };
  d.nics = d.nics.filter((n) => n !== nic);
  if (d.config) d.config = { ...d.config, nics: d.config.nics.filter((n) => n.devid !== nic.devid) };
  return ok();
}

/** The guest reacts to a write to its control/shutdown node (only with PV drivers). */
export function controlShutdownWritten(x: XenState, domid: number, value: string, now: number) {
  const d = domainById(x, domid);
  if (!d || !d.pvDrivers || d.domid === 0) return;
  const kind = value === "poweroff" || value === "halt" ? "poweroff" : value === "reboot" ? "reboot" : null;
  if (kind && isRunnable(d) && !d.pending) d.pending = { kind, at: now + SHUTDOWN_DELAY_MS };
}

export { checkpoint, setRunnable };
