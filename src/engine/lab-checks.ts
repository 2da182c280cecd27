// Lab checks: declarative assertions about the simulated host, evaluated against a World, each with the
// differences worded for the learner ("the volume exists but its format is raw, not qcow2").
import type { Check, CommandCheck, DomainCheck, FileCheck, ImageCheck, NetworkCheck, PoolCheck, QemuVmCheck, VolumeCheck, XenDomainCheck } from "../content/lab-schema";
import { sizeBytes } from "../content/lab-schema";
import { dirname, lstat, resolvePath, stat } from "../sim/model/fs";
import type { DiskImage } from "../sim/model/image";
import { libvirtOf } from "../sim/model/libvirt/connect";
import { curMemKiB, curVcpus, disksOf, domDescription, domTitle, ifacesOf, maxMemKiB, maxVcpus } from "../sim/model/libvirt/domain-xml";
import { STATE_NAMES, lookupDomain, persistentDef } from "../sim/model/libvirt/domains";
import { netBridge, netForwardMode, netName, poolName, poolPath, poolType } from "../sim/model/libvirt/net-xml";
import type { LibvirtConn } from "../sim/model/libvirt/types";
import { child, kids, type XmlEl } from "../sim/model/libvirt/xml";
import type { Host, World } from "../sim/model/world";
import { qemuOf } from "../sim/model/qemu/vm";
import { xenOf } from "../sim/model/xen/state";

export interface CheckResult {
  ok: boolean;
  /** What the check asks for, in words ("domain web is running and autostarts"). */
  label: string;
  /** What differs from the goal, one phrase each (empty when ok). */
  problems: string[];
}

/** Runs a command on a throwaway copy of `world` (for `command:` checks); supplied by the app layer. */
export type Probe = (world: World, host: string, command: string) => { stdout: string; stderr: string; exit: number };

export interface CheckContext {
  /** Host checks look at unless they name one. */
  host: string;
  probe?: Probe;
}

const yesNo = (b: boolean) => (b ? "yes" : "no");
const GiB = 1024 ** 3;

/** A size the way a person reads it: 20 GiB, 512 MiB, 1.5 GiB, 123456 bytes. */
export function humanSize(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let i = 0;
  let v = bytes;
  while (v >= 1024 && i < units.length - 1 && (v / 1024) * 100 === Math.round((v / 1024) * 100)) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(2)} ${units[i]}`;
}

function hostOf(world: World, name: string): Host | undefined {
  return world.hosts[name];
}

/** The libvirt connection a check means: the one named, else the world's default URI, else the host's only one. */
function connOf(world: World, host: string, uri?: string): LibvirtConn | undefined {
  const lv = libvirtOf(hostOf(world, host));
  if (!lv) return undefined;
  if (uri) return lv.conns[uri];
  return lv.conns[world.defaultUri] ?? Object.values(lv.conns)[0];
}

function compare<T>(problems: string[], what: string, have: T, want: T | undefined, show: (v: T) => string = String) {
  if (want === undefined) return;
  if (have === want) return;
  // yes/no properties say what is wanted first: "autostart should be yes, but is no"
  if (typeof have === "boolean") problems.push(`${what} should be ${want ? "yes" : "no"}, but is ${have ? "yes" : "no"}`);
  else problems.push(`${what} is ${show(have)}, not ${show(want)}`);
}

// ------------------------------------------------------------------------------------------- libvirt

function checkDomain(world: World, ctx: CheckContext, c: DomainCheck): CheckResult {
  const host = c.host ?? ctx.host;
  const conn = connOf(world, host, c.uri);
  const parts: string[] = [];
  if (c.state) parts.push(`is ${c.state}`);
  if (c.autostart !== undefined) parts.push(c.autostart ? "starts at boot" : "does not start at boot");
  if (c.persistent !== undefined) parts.push(c.persistent ? "is persistent" : "is transient");
  if (c.vcpus !== undefined) parts.push(`has ${c.vcpus} vCPUs`);
  if (c.max_vcpus !== undefined) parts.push(`allows up to ${c.max_vcpus} vCPUs`);
  if (c.memory_mib !== undefined) parts.push(`has ${c.memory_mib} MiB of memory`);
  if (c.max_memory_mib !== undefined) parts.push(`allows up to ${c.max_memory_mib} MiB`);
  if (c.live_vcpus !== undefined) parts.push(`runs with ${c.live_vcpus} vCPUs`);
  if (c.live_memory_mib !== undefined) parts.push(`runs with ${c.live_memory_mib} MiB`);
  if (c.disks) parts.push(`has disk${c.disks.length > 1 ? "s" : ""} ${c.disks.map((d) => d.target).join(", ")}`);
  if (c.no_disks) parts.push(`has no disk ${c.no_disks.join(", ")}`);
  if (c.interfaces) parts.push(`is plugged into ${c.interfaces.map((i) => i.network ?? i.bridge ?? "a network").join(", ")}`);
  if (c.interface_count !== undefined) parts.push(`has ${c.interface_count} network interface${c.interface_count === 1 ? "" : "s"}`);
  if (c.snapshots) parts.push(`has snapshot${c.snapshots.length > 1 ? "s" : ""} ${c.snapshots.join(", ")}`);
  if (c.no_snapshots) parts.push(`has no snapshot ${c.no_snapshots.join(", ")}`);
  if (c.current_snapshot) parts.push(`has current snapshot ${c.current_snapshot}`);
  if (c.managed_save !== undefined) parts.push(c.managed_save ? "has a managed save image" : "has no managed save image");
  if (c.title !== undefined) parts.push(`has the title "${c.title}"`);
  if (c.description !== undefined) parts.push(`has the description "${c.description}"`);
  const label = c.exists ? `domain ${c.name}${parts.length ? " " + parts.join(", ") : " exists"}` : `domain ${c.name} is not defined`;
  const problems: string[] = [];
  const d = conn ? lookupDomain(conn, c.name) : undefined;
  if (!conn) problems.push(`there is no libvirt connection ${c.uri ?? world.defaultUri} on ${host}`);
  else if (!c.exists) {
    if (d) problems.push(`domain ${c.name} still exists`);
  } else if (!d) problems.push(`there is no domain ${c.name}`);
  else {
    const def = persistentDef(d);
    const state = STATE_NAMES[d.state];
    compare(problems, "its state", state, c.state);
    compare(problems, "autostart", d.autostart, c.autostart, yesNo);
    compare(problems, "persistent", d.persistent, c.persistent, yesNo);
    compare(problems, "managed save", d.managedSave, c.managed_save, yesNo);
    compare(problems, "the vCPU count of its definition", curVcpus(def), c.vcpus);
    compare(problems, "the maximum vCPU count", maxVcpus(def), c.max_vcpus);
    compare(problems, "the memory of its definition", Math.round(curMemKiB(def) / 1024), c.memory_mib, (v) => `${v} MiB`);
    compare(problems, "the maximum memory", Math.round(maxMemKiB(def) / 1024), c.max_memory_mib, (v) => `${v} MiB`);
    if (c.live_vcpus !== undefined || c.live_memory_mib !== undefined) {
      if (d.state === "shutoff") problems.push("it is not running");
      else {
        compare(problems, "the running vCPU count", d.liveVcpus ?? curVcpus(d.def), c.live_vcpus);
        compare(problems, "the running memory", Math.round(curMemKiB(d.def) / 1024), c.live_memory_mib, (v) => `${v} MiB`);
      }
    }
    const disks = disksOf(def);
    for (const want of c.disks ?? []) {
      const have = disks.find((k) => k.target === want.target);
      if (!have) {
        problems.push(`it has no disk ${want.target}${disks.length ? ` (its disks: ${disks.map((k) => k.target).join(", ")})` : ""}`);
        continue;
      }
      if (want.source !== undefined && (have.source ?? "") !== want.source) problems.push(`disk ${want.target} uses ${have.source || "no source"}, not ${want.source}`);
      if (want.format !== undefined && have.format !== want.format) problems.push(`disk ${want.target} has driver type ${have.format ?? "(none)"}, not ${want.format}`);
      if (want.device !== undefined && have.device !== want.device) problems.push(`disk ${want.target} is a ${have.device}, not a ${want.device}`);
    }
    for (const t of c.no_disks ?? []) if (disks.some((k) => k.target === t)) problems.push(`it still has disk ${t}`);
    const ifs = ifacesOf(def);
    for (const want of c.interfaces ?? []) {
      const have = ifs.find(
        (i) =>
          (want.network === undefined || (i.type === "network" && i.source === want.network)) &&
          (want.bridge === undefined || (i.type === "bridge" && i.source === want.bridge)) &&
          (want.mac === undefined || i.mac.toLowerCase() === want.mac.toLowerCase()) &&
          (want.model === undefined || i.model === want.model),
      );
      if (!have) {
        const desc = [want.network ? `on network ${want.network}` : "", want.bridge ? `on bridge ${want.bridge}` : "", want.mac ? `with MAC ${want.mac}` : "", want.model ? `of model ${want.model}` : ""].filter(Boolean).join(" ");
        problems.push(`it has no interface ${desc}${ifs.length ? ` (it has: ${ifs.map((i) => `${i.type} ${i.source}${i.model ? ` ${i.model}` : ""}`).join("; ")})` : ""}`);
      }
    }
    compare(problems, "its number of interfaces", ifs.length, c.interface_count);
    const snaps = d.snapshots.map((s) => s.name);
    for (const s of c.snapshots ?? []) if (!snaps.includes(s)) problems.push(`it has no snapshot ${s}${snaps.length ? ` (it has ${snaps.join(", ")})` : ""}`);
    for (const s of c.no_snapshots ?? []) if (snaps.includes(s)) problems.push(`snapshot ${s} still exists`);
    if (c.current_snapshot !== undefined && d.currentSnapshot !== c.current_snapshot) problems.push(`its current snapshot is ${d.currentSnapshot ?? "(none)"}, not ${c.current_snapshot}`);
    if (c.title !== undefined && (domTitle(def) ?? "") !== c.title) problems.push(`its title is "${domTitle(def) ?? ""}"`);
    if (c.description !== undefined && (domDescription(def) ?? "") !== c.description) problems.push(`its description is "${domDescription(def) ?? ""}"`);
  }
  return { ok: problems.length === 0, label, problems };
}

function checkPool(world: World, ctx: CheckContext, c: PoolCheck): CheckResult {
  const host = c.host ?? ctx.host;
  const conn = connOf(world, host, c.uri);
  const parts: string[] = [];
  if (c.active !== undefined) parts.push(c.active ? "is active" : "is inactive");
  if (c.autostart !== undefined) parts.push(c.autostart ? "starts at boot" : "does not start at boot");
  if (c.persistent !== undefined) parts.push(c.persistent ? "is persistent" : "is transient");
  if (c.type) parts.push(`is of type ${c.type}`);
  if (c.path) parts.push(`uses ${c.path}`);
  const label = c.exists ? `storage pool ${c.name}${parts.length ? " " + parts.join(", ") : " exists"}` : `storage pool ${c.name} is not defined`;
  const problems: string[] = [];
  const p = conn?.pools.find((x) => poolName(x.def) === c.name);
  if (!conn) problems.push(`there is no libvirt connection on ${host}`);
  else if (!c.exists) {
    if (p) problems.push(`pool ${c.name} still exists`);
  } else if (!p) problems.push(`there is no storage pool ${c.name}`);
  else {
    compare(problems, "active", p.active, c.active, yesNo);
    compare(problems, "autostart", p.autostart, c.autostart, yesNo);
    compare(problems, "persistent", p.persistent, c.persistent, yesNo);
    compare(problems, "its type", poolType(p.def), c.type);
    compare(problems, "its target path", poolPath(p.def) ?? "(none)", c.path);
  }
  return { ok: problems.length === 0, label, problems };
}

function checkVolume(world: World, ctx: CheckContext, c: VolumeCheck): CheckResult {
  const host = c.host ?? ctx.host;
  const conn = connOf(world, host, c.uri);
  const parts: string[] = [];
  if (c.format) parts.push(`a ${c.format} volume`);
  if (c.capacity !== undefined) parts.push(`of ${humanSize(sizeBytes(c.capacity))}`);
  if (c.backing !== undefined) parts.push(c.backing ? `backed by ${c.backing}` : "with no backing file");
  const label = c.exists ? `pool ${c.pool} holds ${parts.length ? parts.join(" ") : "a volume"} ${c.name}`.replace(/ +/g, " ") : `pool ${c.pool} has no volume ${c.name}`;
  const problems: string[] = [];
  const p = conn?.pools.find((x) => poolName(x.def) === c.pool);
  if (!conn) problems.push(`there is no libvirt connection on ${host}`);
  else if (!p) problems.push(`there is no storage pool ${c.pool}`);
  else if (!p.active && c.exists) problems.push(`pool ${c.pool} is not active, so its volumes cannot be listed`);
  else {
    const v = p.volumes.find((x) => x.name === c.name);
    if (!c.exists) {
      if (v) problems.push(`volume ${c.name} still exists`);
    } else if (!v) problems.push(`there is no volume ${c.name} in pool ${c.pool}${p.volumes.length ? ` (it holds ${p.volumes.map((x) => x.name).join(", ")})` : ""}`);
    else {
      const img = imageAt(hostOf(world, host), v.path);
      const format = img?.format ?? v.format ?? "raw";
      if (c.format !== undefined && format !== c.format) problems.push(`the volume exists but its format is ${format}, not ${c.format}`);
      const cap = img?.virtualSize ?? v.capacity;
      if (c.capacity !== undefined && cap !== sizeBytes(c.capacity)) problems.push(`the volume exists but its capacity is ${humanSize(cap)}, not ${humanSize(sizeBytes(c.capacity))}`);
      if (c.backing !== undefined) {
        const have = img ? (img.backingFile ? resolvePath(dirname(v.path), img.backingFile) : "") : (v.backing?.path ?? "");
        if (have !== c.backing) problems.push(have ? `the volume's backing file is ${have}${c.backing ? `, not ${c.backing}` : " (it should have none)"}` : "the volume has no backing file");
      }
    }
  }
  return { ok: problems.length === 0, label, problems };
}

function checkNetwork(world: World, ctx: CheckContext, c: NetworkCheck): CheckResult {
  const host = c.host ?? ctx.host;
  const conn = connOf(world, host, c.uri);
  const parts: string[] = [];
  if (c.active !== undefined) parts.push(c.active ? "is active" : "is inactive");
  if (c.autostart !== undefined) parts.push(c.autostart ? "starts at boot" : "does not start at boot");
  if (c.persistent !== undefined) parts.push(c.persistent ? "is persistent" : "is transient");
  if (c.forward) parts.push(c.forward === "isolated" ? "is isolated" : `forwards in ${c.forward} mode`);
  if (c.bridge) parts.push(`uses bridge ${c.bridge}`);
  if (c.ip) parts.push(`has address ${c.ip}`);
  if (c.dhcp_range) parts.push(`hands out ${c.dhcp_range.start}-${c.dhcp_range.end}`);
  if (c.dhcp_hosts) parts.push(`reserves ${c.dhcp_hosts.map((h) => h.ip).join(", ")}`);
  const label = c.exists ? `network ${c.name}${parts.length ? " " + parts.join(", ") : " exists"}` : `network ${c.name} is not defined`;
  const problems: string[] = [];
  const n = conn?.networks.find((x) => netName(x.def) === c.name);
  if (!conn) problems.push(`there is no libvirt connection on ${host}`);
  else if (!c.exists) {
    if (n) problems.push(`network ${c.name} still exists`);
  } else if (!n) problems.push(`there is no network ${c.name}`);
  else {
    const def = n.newDef ?? n.def;
    compare(problems, "active", n.active, c.active, yesNo);
    compare(problems, "autostart", n.autostart, c.autostart, yesNo);
    compare(problems, "persistent", n.persistent, c.persistent, yesNo);
    compare(problems, "its forward mode", netForwardMode(def) ?? "isolated", c.forward);
    compare(problems, "its bridge", netBridge(def) ?? "(none)", c.bridge);
    const ip = kids(def, "ip")[0];
    compare(problems, "its address", ip?.attrs.address ?? "(none)", c.ip);
    const dhcp = child(ip, "dhcp");
    if (c.dhcp_range) {
      const r = kids(dhcp, "range")[0];
      if (!r) problems.push("it has no DHCP range");
      else if (r.attrs.start !== c.dhcp_range.start || r.attrs.end !== c.dhcp_range.end) problems.push(`its DHCP range is ${r.attrs.start}-${r.attrs.end}`);
    }
    const hosts: XmlEl[] = kids(dhcp, "host");
    for (const want of c.dhcp_hosts ?? []) {
      const ok = hosts.some((h) => h.attrs.ip === want.ip && (want.mac === undefined || (h.attrs.mac ?? "").toLowerCase() === want.mac.toLowerCase()) && (want.name === undefined || h.attrs.name === want.name));
      if (!ok) problems.push(`it has no DHCP reservation of ${want.ip}${want.mac ? ` for ${want.mac}` : ""}${want.name ? ` (${want.name})` : ""}`);
    }
  }
  return { ok: problems.length === 0, label, problems };
}

// ------------------------------------------------------------------------------------------- images

function imageAt(host: Host | undefined, path: string): DiskImage | undefined {
  if (!host) return undefined;
  const n = stat(host.fs, path);
  return n?.kind === "file" ? n.image : undefined;
}

/** The backing chain below `path`: absolute paths, nearest first (stops at a missing file or a loop). */
export function backingChain(host: Host, path: string): { chain: string[]; missing?: string } {
  const chain: string[] = [];
  let cur = path;
  for (let i = 0; i < 64; i++) {
    const img = imageAt(host, cur);
    if (!img?.backingFile) return { chain };
    const next = resolvePath(dirname(cur), img.backingFile);
    if (chain.includes(next) || next === path) return { chain };
    chain.push(next);
    if (!stat(host.fs, next)) return { chain, missing: next };
    cur = next;
  }
  return { chain };
}

function dataBytes(img: DiskImage): number {
  return (img.data ?? []).reduce((n, e) => n + (e.kind === "data" ? e.len : 0), 0);
}

function checkImage(world: World, ctx: CheckContext, c: ImageCheck): CheckResult {
  const host = hostOf(world, c.host ?? ctx.host);
  const parts: string[] = [];
  if (c.format) parts.push(`is a ${c.format} image`);
  if (c.virtual_size !== undefined) parts.push(`of ${humanSize(sizeBytes(c.virtual_size))}`);
  if (c.backing_file !== undefined) parts.push(c.backing_file ? `backed by ${c.backing_file}` : "with no backing file");
  if (c.backing_format) parts.push(`(backing format ${c.backing_format})`);
  if (c.chain) parts.push(c.chain.length ? `whose chain is ${c.chain.join(" → ")}` : "with no backing chain");
  if (c.snapshots) parts.push(`with snapshot${c.snapshots.length > 1 ? "s" : ""} ${c.snapshots.join(", ")}`);
  if (c.no_snapshots) parts.push(`without snapshot ${c.no_snapshots.join(", ")}`);
  if (c.min_data !== undefined) parts.push(`holding at least ${humanSize(sizeBytes(c.min_data))} of data`);
  const label = c.exists ? `${c.path} ${parts.length ? parts.join(" ") : "exists"}` : `${c.path} does not exist`;
  const problems: string[] = [];
  const node = host ? stat(host.fs, c.path) : undefined;
  if (!host) problems.push(`there is no host ${c.host}`);
  else if (!c.exists) {
    if (lstat(host.fs, c.path)) problems.push(`${c.path} still exists`);
  } else if (!node) problems.push(`${c.path} does not exist`);
  else if (node.kind !== "file") problems.push(`${c.path} is a ${node.kind === "dir" ? "directory" : "symbolic link"}, not an image`);
  else {
    const img = node.image;
    const format = img?.format ?? "raw";
    const vsize = img?.virtualSize ?? Buffer.byteLength(node.content);
    if (c.format !== undefined && format !== c.format) problems.push(`${c.path} exists but its format is ${format}, not ${c.format}`);
    if (c.virtual_size !== undefined && vsize !== sizeBytes(c.virtual_size)) problems.push(`its virtual size is ${humanSize(vsize)}, not ${humanSize(sizeBytes(c.virtual_size))}`);
    if (c.backing_file !== undefined && (img?.backingFile ?? "") !== c.backing_file) problems.push(img?.backingFile ? `its backing file is ${img.backingFile}${c.backing_file ? `, not ${c.backing_file}` : " (it should have none)"}` : "it has no backing file");
    if (c.backing_format !== undefined && (img?.backingFormat ?? "") !== c.backing_format) problems.push(img?.backingFormat ? `its backing format is ${img.backingFormat}, not ${c.backing_format}` : "its header records no backing format");
    if (c.chain) {
      const ch = backingChain(host, c.path);
      const same = ch.chain.length === c.chain.length && ch.chain.every((p, i) => p === c.chain![i]);
      if (!same) problems.push(ch.chain.length ? `its backing chain is ${ch.chain.join(" → ")}${ch.missing ? ` (${ch.missing} is missing)` : ""}` : "it has no backing chain");
      else if (ch.missing) problems.push(`${ch.missing} in its backing chain is missing`);
    }
    const snaps = (img?.snapshots ?? []).map((s) => s.name);
    for (const s of c.snapshots ?? []) if (!snaps.includes(s)) problems.push(`it has no internal snapshot ${s}${snaps.length ? ` (it has ${snaps.join(", ")})` : ""}`);
    for (const s of c.no_snapshots ?? []) if (snaps.includes(s)) problems.push(`internal snapshot ${s} still exists`);
    if (c.min_data !== undefined && (!img || dataBytes(img) < sizeBytes(c.min_data))) problems.push(`it holds ${humanSize(img ? dataBytes(img) : 0)} of data itself`);
  }
  return { ok: problems.length === 0, label, problems };
}

// ------------------------------------------------------------------------------------------- Xen

function checkXenDomain(world: World, ctx: CheckContext, c: XenDomainCheck): CheckResult {
  const hostName = c.host ?? ctx.host;
  const x = xenOf(hostOf(world, hostName));
  const parts: string[] = [];
  if (c.state) parts.push(`is ${c.state}`);
  if (c.type) parts.push(`is a ${c.type.toUpperCase()} guest`);
  if (c.memory_mib !== undefined) parts.push(`has ${c.memory_mib} MiB`);
  if (c.max_memory_mib !== undefined) parts.push(`may grow to ${c.max_memory_mib} MiB`);
  if (c.vcpus !== undefined) parts.push(`has ${c.vcpus} vCPUs online`);
  if (c.max_vcpus !== undefined) parts.push(`allows ${c.max_vcpus} vCPUs`);
  if (c.disks) parts.push(`has disk${c.disks.length > 1 ? "s" : ""} ${c.disks.join(", ")}`);
  if (c.no_disks) parts.push(`has no disk ${c.no_disks.join(", ")}`);
  if (c.disk_targets) parts.push(`uses ${c.disk_targets.join(", ")}`);
  if (c.nics !== undefined) parts.push(`has ${c.nics} network interface${c.nics === 1 ? "" : "s"}`);
  if (c.pool) parts.push(`is in CPU pool ${c.pool}`);
  const label = c.exists ? `Xen guest ${c.name}${hostName !== ctx.host ? ` on ${hostName}` : ""} ${parts.length ? parts.join(", ") : "exists"}` : `Xen guest ${c.name} is not running on ${hostName}`;
  const problems: string[] = [];
  const d = x?.domains.find((v) => v.name === c.name && !v.dying);
  if (!x) problems.push(`${hostName} is not a Xen host`);
  else if (!c.exists) {
    if (d) problems.push(`guest ${c.name} still exists (domid ${d.domid})`);
  } else if (!d) problems.push(`there is no Xen guest ${c.name} on ${hostName}`);
  else {
    const state = d.shutdown !== undefined ? "shutdown" : d.paused ? "paused" : "running";
    compare(problems, "its state", state, c.state);
    compare(problems, "its type", d.type, c.type);
    const mem = Math.round((d.targetKiB ?? d.memKiB) / 1024);
    compare(problems, "its memory", mem, c.memory_mib, (v) => `${v} MiB`);
    compare(problems, "its maximum memory", Math.round(d.staticMaxKiB / 1024), c.max_memory_mib, (v) => `${v} MiB`);
    compare(problems, "its online vCPU count", d.onlineVcpus, c.vcpus);
    compare(problems, "its maximum vCPU count", d.maxVcpus, c.max_vcpus);
    const vdevs = d.disks.map((k) => k.vdev);
    for (const v of c.disks ?? []) if (!vdevs.includes(v)) problems.push(`it has no disk ${v} (it has ${vdevs.join(", ") || "none"})`);
    for (const v of c.no_disks ?? []) if (vdevs.includes(v)) problems.push(`it still has disk ${v}`);
    const targets = d.disks.map((k) => k.target);
    for (const t of c.disk_targets ?? []) if (!targets.includes(t)) problems.push(`none of its disks uses ${t} (they use ${targets.filter(Boolean).join(", ") || "nothing"})`);
    compare(problems, "its number of network interfaces", d.nics.length, c.nics);
    compare(problems, "its CPU pool", d.pool, c.pool);
  }
  return { ok: problems.length === 0, label, problems };
}

// ------------------------------------------------------------------------------------------- QEMU by hand

function checkQemuVm(world: World, ctx: CheckContext, c: QemuVmCheck): CheckResult {
  const hostName = c.host ?? ctx.host;
  const host = hostOf(world, hostName);
  const parts: string[] = [];
  if (c.status) parts.push(`is ${c.status}`);
  if (c.accel) parts.push(c.accel === "kvm" ? "uses KVM" : "uses TCG emulation");
  if (c.memory_mib !== undefined) parts.push(`has ${c.memory_mib} MiB`);
  if (c.cpus !== undefined) parts.push(`has ${c.cpus} vCPUs`);
  if (c.drives) parts.push(`uses ${c.drives.join(", ")}`);
  if (c.vnc_display !== undefined) parts.push(`shows its display on VNC :${c.vnc_display}`);
  if (c.netdevs) parts.push(`is connected to ${c.netdevs.join(", ")}`);
  if (c.hostfwd) parts.push(`forwards ${c.hostfwd.join(", ")}`);
  if (c.snapshot_mode !== undefined) parts.push(c.snapshot_mode ? "keeps its disk writes in a temporary overlay" : "writes to its disk image");
  const who = c.name ? `QEMU VM ${c.name}` : "a QEMU VM";
  const label = c.exists ? `${who} ${parts.length ? parts.join(", ") : "is running"}` : `no QEMU VM${c.name ? ` named ${c.name}` : ""} is running`;
  const problems: string[] = [];
  const vms = host ? qemuOf(host).vms.filter((v) => v.status !== "shutdown") : [];
  const vm = c.name ? vms.find((v) => v.name === c.name) : vms.length === 1 ? vms[0] : undefined;
  if (!host) problems.push(`there is no host ${hostName}`);
  else if (!c.exists) {
    if (vm) problems.push(`${who} is still running (pid ${vm.pid})`);
  } else if (!vm) problems.push(vms.length > 1 && !c.name ? `${vms.length} QEMU VMs run; expected one` : `no QEMU process${c.name ? ` named ${c.name}` : ""} runs on ${hostName}${vms.length ? ` (running: ${vms.map((v) => v.name ?? `pid ${v.pid}`).join(", ")})` : ""}`);
  else {
    compare(problems, "its run state", vm.status, c.status);
    compare(problems, "its accelerator", vm.accel, c.accel);
    compare(problems, "its memory", vm.memMiB, c.memory_mib, (v) => `${v} MiB`);
    compare(problems, "its vCPU count", vm.smp.cpus, c.cpus);
    for (const d of c.drives ?? []) if (!vm.drives.some((x) => x.path === d)) problems.push(`it does not use ${d}${vm.drives.length ? ` (it uses ${vm.drives.map((x) => x.path ?? "(empty)").join(", ")})` : ""}`);
    if (c.vnc_display !== undefined && vm.vnc?.display !== c.vnc_display) problems.push(vm.vnc ? `its VNC display is :${vm.vnc.display}` : "it has no VNC display");
    for (const n of c.netdevs ?? []) if (!vm.netdevs.some((x) => x.ifname === n || x.bridge === n)) problems.push(`no network backend uses ${n}`);
    const fwds = vm.netdevs.flatMap((n) => n.hostfwd.map((f) => `${f.proto}:${f.hostPort}:${f.guestPort}`));
    for (const f of c.hostfwd ?? []) if (!fwds.includes(f)) problems.push(`it does not forward ${f.replace(/^(\w+):(\d+):(\d+)$/, "$1 port $2 to the guest's port $3")}${fwds.length ? ` (it forwards ${fwds.join(", ")})` : ""}`);
    if (c.snapshot_mode !== undefined) {
      const on = vm.drives.some((x) => x.media === "disk" && x.snapshot);
      if (on !== c.snapshot_mode) problems.push(on ? "its disks are in snapshot mode" : "its disks are not in snapshot mode: the guest writes to the image itself");
    }
  }
  return { ok: problems.length === 0, label, problems };
}

// ------------------------------------------------------------------------------------------- files

const many = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function checkFile(world: World, ctx: CheckContext, c: FileCheck): CheckResult {
  const host = hostOf(world, c.host ?? ctx.host);
  const parts: string[] = [];
  for (const s of many(c.contains)) parts.push(`contains "${s}"`);
  for (const s of many(c.not_contains)) parts.push(`does not contain "${s}"`);
  if (c.matches) parts.push(`matches /${c.matches}/`);
  if (c.kind) parts.push(`is a ${c.kind === "dir" ? "directory" : c.kind}`);
  const label = c.exists ? `${c.path} ${parts.length ? parts.join(", ") : "exists"}` : `${c.path} does not exist`;
  const problems: string[] = [];
  const node = host ? (c.kind === "symlink" ? lstat(host.fs, c.path) : stat(host.fs, c.path)) : undefined;
  if (!host) problems.push(`there is no host ${c.host}`);
  else if (!c.exists) {
    if (lstat(host.fs, c.path)) problems.push(`${c.path} still exists`);
  } else if (!node) problems.push(`${c.path} does not exist`);
  else {
    if (c.kind && node.kind !== c.kind) problems.push(`${c.path} is a ${node.kind}, not a ${c.kind}`);
    const text = node.kind === "file" ? node.content : "";
    for (const s of many(c.contains)) if (!text.includes(s)) problems.push(`${c.path} does not contain "${s}"`);
    for (const s of many(c.not_contains)) if (text.includes(s)) problems.push(`${c.path} still contains "${s}"`);
    if (c.matches && !new RegExp(c.matches, "m").test(text)) problems.push(`${c.path} does not match /${c.matches}/`);
  }
  return { ok: problems.length === 0, label, problems };
}

function checkCommand(world: World, ctx: CheckContext, c: CommandCheck): CheckResult {
  const label = c.describe;
  const problems: string[] = [];
  if (!ctx.probe) return { ok: false, label, problems: ["(this check needs the simulator to run a command)"] };
  const r = ctx.probe(world, c.host ?? ctx.host, c.run);
  if (c.exit !== undefined && r.exit !== c.exit) problems.push(`\`${c.run}\` exits with ${r.exit}${r.stderr ? `: ${r.stderr.trim().split("\n")[0]}` : ""}`);
  for (const s of many(c.stdout_contains)) if (!r.stdout.includes(s)) problems.push(`\`${c.run}\` does not show "${s}"`);
  for (const s of many(c.stdout_not_contains)) if (r.stdout.includes(s)) problems.push(`\`${c.run}\` still shows "${s}"`);
  if (c.stdout_matches && !new RegExp(c.stdout_matches, "m").test(r.stdout)) problems.push(`\`${c.run}\` output does not match /${c.stdout_matches}/`);
  return { ok: problems.length === 0, label, problems };
}

/** Evaluate one check against a world. Never throws: a malformed world reads as a failed check. */
export function evaluateCheck(world: World, check: Check, ctx: CheckContext): CheckResult {
  try {
    if ("domain" in check) return checkDomain(world, ctx, check.domain);
    if ("pool" in check) return checkPool(world, ctx, check.pool);
    if ("volume" in check) return checkVolume(world, ctx, check.volume);
    if ("network" in check) return checkNetwork(world, ctx, check.network);
    if ("image" in check) return checkImage(world, ctx, check.image);
    if ("xen_domain" in check) return checkXenDomain(world, ctx, check.xen_domain);
    if ("qemu_vm" in check) return checkQemuVm(world, ctx, check.qemu_vm);
    if ("file" in check) return checkFile(world, ctx, check.file);
    return checkCommand(world, ctx, check.command);
  } catch (e) {
    return { ok: false, label: Object.keys(check)[0] ?? "check", problems: [`the check could not read the host (${e instanceof Error ? e.message : String(e)})`] };
  }
}

export interface TaskResult {
  done: boolean;
  checks: CheckResult[];
}

/** Evaluate every check of a task. */
export function evaluateTask(world: World, checks: Check[], ctx: CheckContext): TaskResult {
  const results = checks.map((c) => evaluateCheck(world, c, ctx));
  return { done: results.every((r) => r.ok), checks: results };
}

export { GiB };
