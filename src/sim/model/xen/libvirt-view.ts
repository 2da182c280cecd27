// The Xen host as libvirt's libxl driver presents it (virsh -c xen:///system): a read-only view of the
// Xen domains as libvirt domains, and the write-back of what virsh changed (pause, resume, shutdown,
// reboot, destroy, memory, vCPUs) as Xen transitions. One model, two front ends.
import { produce } from "immer";
import { escapeXml } from "../libvirt/xml";
import { parseDomainXml } from "../libvirt/domain-xml";
import type { Domain, LibvirtConn } from "../libvirt/types";
import { mix32, uuidFor, type World } from "../world";
import { domainById, xenOf, type XenDomain, type XenState } from "./state";
import { destroyDomain, pauseDomain, requestShutdown, setMemoryTarget, setOnlineVcpus, unpauseDomain } from "./transitions";

const cache = new WeakMap<XenState, LibvirtConn>();

function domainXml(d: XenDomain): string {
  const c = d.config;
  const q = (s: string) => escapeXml(s);
  const os: string[] = [];
  if (d.type === "hvm") {
    os.push("<type arch='x86_64' machine='xenfv'>hvm</type>", "<loader type='rom'>/usr/lib/xen-4.17/boot/hvmloader</loader>");
    for (const b of (c?.hvm?.boot ?? "cd").split("")) os.push(`<boot dev='${b === "d" ? "cdrom" : b === "n" ? "network" : "hd"}'/>`);
  } else {
    os.push(d.type === "pvh" ? "<type arch='x86_64' machine='xenpvh'>xenpvh</type>" : "<type arch='x86_64' machine='xenpv'>linux</type>");
    if (c?.kernel) os.push(`<kernel>${q(c.kernel)}</kernel>`);
    if (c?.ramdisk) os.push(`<initrd>${q(c.ramdisk)}</initrd>`);
    if (c?.cmdline) os.push(`<cmdline>${q(c.cmdline)}</cmdline>`);
  }
  const devs: string[] = [];
  if (d.type === "hvm") devs.push("<emulator>/usr/lib/xen-4.17/bin/qemu-system-i386</emulator>");
  for (const k of d.disks) {
    const block = k.target.startsWith("/dev/");
    const bus = k.vdev.startsWith("hd") ? "ide" : k.vdev.startsWith("sd") ? "scsi" : "xen";
    devs.push(
      `<disk type='${block ? "block" : "file"}' device='${k.cdrom ? "cdrom" : "disk"}'><driver name='${k.backend === "phy" ? "phy" : "qemu"}' type='${k.format === "empty" ? "raw" : k.format}'/>` +
        (k.target ? `<source ${block ? "dev" : "file"}='${q(k.target)}'/>` : "") +
        `<target dev='${k.vdev}' bus='${bus}'/>${k.readwrite ? "" : "<readonly/>"}</disk>`,
    );
  }
  for (const n of d.nics) {
    devs.push(`<interface type='bridge'><mac address='${n.mac}'/><source bridge='${q(n.bridge)}'/><script path='${q(n.script)}'/><target dev='${q(n.vifname ?? `vif${d.domid}.${n.devid}`)}'/>${n.model ? `<model type='${q(n.model)}'/>` : ""}</interface>`);
  }
  devs.push("<console type='pty'><target type='xen' port='0'/></console>");
  if (d.type === "hvm" && c?.hvm?.vnc?.enable !== false) devs.push(`<graphics type='vnc' port='-1' autoport='yes' listen='${q(c?.hvm?.vnc?.listen ?? "127.0.0.1")}'/>`);
  return (
    `<domain type='xen' id='${d.domid}'><name>${q(d.name)}</name><uuid>${d.uuid}</uuid>` +
    `<memory unit='KiB'>${d.staticMaxKiB}</memory><currentMemory unit='KiB'>${d.targetKiB ?? d.memKiB}</currentMemory>` +
    `<vcpu placement='static'${d.onlineVcpus !== d.maxVcpus ? ` current='${d.onlineVcpus}'` : ""}>${d.maxVcpus}</vcpu>` +
    `<os>${os.join("")}</os>` +
    (d.type === "hvm" ? "<features><acpi/><apic/><pae/></features>" : "") +
    `<clock offset='utc' adjustment='reset'/>` +
    (c ? `<on_poweroff>${c.onPoweroff}</on_poweroff><on_reboot>${c.onReboot}</on_reboot><on_crash>${c.onCrash}</on_crash>` : "<on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>restart</on_crash>") +
    `<devices>${devs.join("")}</devices></domain>`
  );
}

function libvirtDomain(d: XenDomain): Domain | undefined {
  let seq = d.domid * 97 + 11;
  const def = parseDomainXml(domainXml(d), { driver: "xen", uuid: () => uuidFor(seq++), mac: () => `00:16:3e:${(mix32(seq++) & 0x7fffff).toString(16).padStart(6, "0").replace(/(..)(..)(..)/, "$1:$2:$3")}` });
  if ("code" in def) return undefined;
  const state = d.dying ? "shutdown" : d.shutdown !== undefined ? (d.shutdown === 3 ? "crashed" : "shutdown") : d.paused ? "paused" : "running";
  return {
    uuid: d.uuid,
    def,
    persistent: false,
    autostart: false,
    state,
    reason: state === "paused" ? "user" : state === "running" ? "booted" : state === "crashed" ? "crashed" : "shutdown",
    id: d.domid,
    managedSave: false,
    snapshots: [],
    vcpuPins: {},
    startedAt: d.domid === 0 ? undefined : d.startTime,
  };
}

/** The xen:///system connection of a Xen host, or undefined when the host is not a Xen Dom0. */
export function xenLibvirtConn(world: World, hostName: string): LibvirtConn | undefined {
  const host = world.hosts[hostName];
  const x = xenOf(host);
  if (!x || !host) return undefined;
  const hit = cache.get(x);
  if (hit) return hit;
  const conn: LibvirtConn = {
    driver: "xen",
    uri: "xen:///system",
    node: { model: "x86_64", memory: host.memoryKiB, cpus: x.nrCpus, mhz: Math.floor(x.info.cpuMhz), nodes: 1, sockets: x.sockets, cores: x.cores, threads: x.threads },
    domains: x.domains.map(libvirtDomain).filter((d): d is Domain => d !== undefined),
    nextDomId: x.nextDomid,
    networks: [],
    pools: [],
    interfaces: [],
    nwfilters: [],
    leases: [],
    files: false,
  };
  cache.set(x, conn);
  return conn;
}

const curMem = (d: Domain) => Number((d.def.children.find((c) => typeof c === "object" && c.name === "currentMemory") as { children: string[] } | undefined)?.children.join("") ?? 0);
const curVcpu = (d: Domain) => {
  const v = d.def.children.find((c) => typeof c === "object" && c.name === "vcpu") as { attrs: Record<string, string>; children: string[] } | undefined;
  return d.liveVcpus ?? Number(v?.attrs.current ?? v?.children.join("") ?? 0);
};

/**
 * Carry what a virsh command changed in a copy of the xen:///system connection over to the Xen host:
 * state changes become pause/unpause/shutdown/destroy, memory and vCPU changes become balloon and
 * vcpu-set. Returns the new world (the same object when nothing applies).
 */
export function commitXenLibvirt(world: World, hostName: string, before: LibvirtConn, after: LibvirtConn): World {
  return produce(world, (w) => {
    const x = xenOf(w.hosts[hostName]);
    if (!x) return;
    const now = w.clock;
    for (const b of before.domains) {
      if (b.id === 0) continue;
      const a = after.domains.find((d) => d.uuid === b.uuid);
      const xd = domainById(x, b.id);
      if (!xd) continue;
      if (!a || a.state === "shutoff") {
        if (a?.reason === "shutdown") requestShutdown(x, b.id, false, true, now);
        else destroyDomain(x, b.id);
        continue;
      }
      if (a.state === "paused" && b.state !== "paused") pauseDomain(x, b.id, now);
      if (a.state !== "paused" && b.state === "paused") unpauseDomain(x, b.id, now);
      if (a.state === "shutdown" && b.state !== "shutdown") requestShutdown(x, b.id, false, true, now);
      if (a.startedAt !== b.startedAt && a.state === "running" && b.state === "running") requestShutdown(x, b.id, true, true, now);
      if (curMem(a) !== curMem(b)) setMemoryTarget(x, b.id, curMem(a), String(curMem(a)));
      if (curVcpu(a) !== curVcpu(b) && curVcpu(a) > 0) setOnlineVcpus(x, b.id, curVcpu(a), now);
    }
  });
}

export const XEN_LIBVIRT_DRIVER = { view: xenLibvirtConn, commit: commitXenLibvirt };
