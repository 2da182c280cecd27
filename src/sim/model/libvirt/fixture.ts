// Loading libvirt state into a world: the `libvirt:` section of YAML host fixtures (a real KVM host) and
// libvirt test-driver <node> XML files (a test:/// connection, as `virsh -c test:///PATH` sees it).
import { z } from "zod";
import { baseHost } from "../host-base";
import { makeDir, writeFile, type Fs } from "../fs";
import { newImage } from "../image";
import { fillAllocation } from "../guestfs/image";
import { uuidFor, macFor, type Host, type World } from "../world";
import { normalizeDomain } from "./domain-xml";
import { normalizePool, parseNetworkXml } from "./net-xml";
import { loadTestNode } from "./node-xml";
import { refreshPool } from "./storage";
import { syncHostFiles } from "./files";
import { syncImageSnapshots } from "./images";
import { startState } from "./domains";
import { el, formatXml, parseXml, stripWs, type XmlEl } from "./xml";
import type { Domain, LibvirtConn, LibvirtHost, NodeInfo, Snapshot } from "./types";

export interface Problem {
  path: (string | number)[];
  message: string;
}

const SizeGiB = z.number().positive();

const VolumeFx = z.strictObject({
  name: z.string().min(1),
  format: z.enum(["qcow2", "raw", "iso", "vmdk", "vdi"]).default("qcow2"),
  /** Virtual size in GiB. */
  capacity_gib: SizeGiB,
  /** Bytes the file occupies; defaults to a small fresh image. */
  allocation_gib: z.number().nonnegative().optional(),
  backing: z.string().optional(),
});

const PoolFx = z.strictObject({
  name: z.string().min(1),
  type: z.enum(["dir", "fs", "netfs", "logical", "disk", "iscsi"]).default("dir"),
  path: z.string().regex(/^\//, "an absolute path"),
  uuid: z.string().optional(),
  active: z.boolean().default(true),
  autostart: z.boolean().default(true),
  /** Size of the filesystem holding the pool, GiB. */
  capacity_gib: z.number().positive().default(500),
  source: z.record(z.string(), z.string()).optional(),
  volumes: z.array(VolumeFx).default([]),
});

const NetworkFx = z.strictObject({
  name: z.string().min(1),
  uuid: z.string().optional(),
  /** nat, route, open, bridge, or isolated (no <forward>). */
  forward: z.enum(["nat", "route", "open", "bridge", "isolated"]).default("nat"),
  bridge: z.string().optional(),
  mac: z.string().optional(),
  ip: z.string().optional(),
  netmask: z.string().default("255.255.255.0"),
  dhcp: z.strictObject({ start: z.string(), end: z.string() }).optional(),
  hosts: z.array(z.strictObject({ mac: z.string(), name: z.string().optional(), ip: z.string() })).default([]),
  domain: z.string().optional(),
  active: z.boolean().default(true),
  autostart: z.boolean().default(true),
});

const DiskFx = z.strictObject({
  /** A volume as pool/name, or an absolute file path. */
  source: z.string().min(1),
  target: z.string().regex(/^(vd|sd|hd|xvd|fd)[a-z]+$/, "a disk target such as vda"),
  bus: z.enum(["virtio", "sata", "scsi", "ide", "usb", "xen", "fdc"]).optional(),
  device: z.enum(["disk", "cdrom", "floppy"]).default("disk"),
  format: z.string().optional(),
});

const SnapshotFx = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  state: z.enum(["running", "paused", "shutoff"]).default("shutoff"),
  parent: z.string().optional(),
  created: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "an ISO 8601 time"),
  current: z.boolean().default(false),
});

const DomainFx = z.strictObject({
  name: z.string().min(1),
  uuid: z.string().optional(),
  title: z.string().optional(),
  description: z.string().optional(),
  memory_mib: z.number().int().positive(),
  current_memory_mib: z.number().int().positive().optional(),
  vcpus: z.number().int().positive().default(1),
  max_vcpus: z.number().int().positive().optional(),
  machine: z.string().default("pc-q35-7.2"),
  state: z.enum(["running", "paused", "shutoff", "crashed", "pmsuspended"]).default("shutoff"),
  autostart: z.boolean().default(false),
  persistent: z.boolean().default(true),
  managed_save: z.boolean().default(false),
  disks: z.array(DiskFx).default([]),
  interfaces: z.array(z.strictObject({ network: z.string().optional(), bridge: z.string().optional(), mac: z.string().optional(), model: z.string().default("virtio") })).default([]),
  graphics: z.enum(["vnc", "spice", "none"]).default("vnc"),
  snapshots: z.array(SnapshotFx).default([]),
  /** Full domain XML instead of the fields above. */
  xml: z.string().optional(),
});

export const LibvirtFx = z.strictObject({
  uri: z.string().default("qemu:///system"),
  pools: z.array(PoolFx).default([]),
  networks: z.array(NetworkFx).default([]),
  domains: z.array(DomainFx).default([]),
  nwfilters: z.array(z.string()).default(["allow-arp", "allow-dhcp", "allow-incoming-ipv4", "allow-ipv4", "clean-traffic", "no-arp-spoofing", "no-ip-spoofing", "no-mac-spoofing"]),
});

const GiB = 1024 ** 3;

function nodeOf(h: Host): NodeInfo {
  return { model: "x86_64", memory: h.memoryKiB, cpus: h.cpu.cpus, mhz: h.cpu.mhz, nodes: 1, sockets: h.cpu.sockets, cores: h.cpu.coresPerSocket, threads: h.cpu.threadsPerCore };
}

/** libvirt's shipped nwfilters, reduced to what `nwfilter-dumpxml` shows for their structure. */
export function builtinFilter(name: string, uuid: string): XmlEl {
  const ref = (f: string) => el("filterref", { filter: f });
  const rules: Record<string, XmlEl[]> = {
    "clean-traffic": [ref("no-mac-spoofing"), ref("no-ip-spoofing"), el("rule", { action: "accept", direction: "out", priority: "-650" }, [el("mac", { protocolid: "ipv4" })]), ref("allow-incoming-ipv4"), ref("no-arp-spoofing"), el("rule", { action: "accept", direction: "inout", priority: "-500" }, [el("mac", { protocolid: "arp" })]), ref("no-other-l2-traffic"), ref("qemu-announce-self")],
    "no-mac-spoofing": [el("rule", { action: "return", direction: "out", priority: "-65535" }, [el("mac", { srcmacaddr: "$MAC" })]), el("rule", { action: "drop", direction: "out", priority: "-65535" }, [el("mac")])],
    "no-ip-spoofing": [el("rule", { action: "return", direction: "out", priority: "-710" }, [el("ip", { srcipaddr: "0.0.0.0", protocol: "udp" })]), el("rule", { action: "return", direction: "out", priority: "-700" }, [el("ip", { srcipaddr: "$IP" })]), el("rule", { action: "drop", direction: "out", priority: "-600" }, [el("ip")])],
    "allow-dhcp": [el("rule", { action: "accept", direction: "out", priority: "100" }, [el("ip", { srcmacaddr: "$MAC", srcipaddr: "0.0.0.0", dstipaddr: "255.255.255.255", protocol: "udp", srcportstart: "68", dstportstart: "67" })])],
  };
  const chain = name.includes("arp") ? "arp" : name.includes("mac") ? "mac" : name.startsWith("allow-") || name.includes("ip") ? "ipv4" : "root";
  return el("filter", { name, chain }, [el("uuid", {}, [uuid]), ...(rules[name] ?? [el("rule", { action: "accept", direction: "inout", priority: "500" }, [el("all")])])]);
}

/** Install the `libvirt:` section of a YAML host fixture as a real (QEMU/KVM) libvirt host. */
export function loadLibvirtSection(section: unknown, host: Host, world: World): Problem[] {
  const r = LibvirtFx.safeParse(section ?? {});
  if (!r.success) return r.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === "symbol" ? String(p) : p)) as (string | number)[], message: i.message }));
  const fx = r.data;
  const problems: Problem[] = [];
  const mtime = Math.floor(world.clock / 1000);
  const gen = {
    uuid: () => uuidFor(world.seq++),
    mac: () => macFor(world.seq++),
  };
  const conn: LibvirtConn = { driver: "qemu", uri: fx.uri, node: nodeOf(host), domains: [], nextDomId: 1, networks: [], pools: [], interfaces: [], nwfilters: [], leases: [], files: true };
  const fs = host.fs;
  for (const d of ["/etc/libvirt", "/var/lib/libvirt", "/var/lib/libvirt/images", "/var/lib/libvirt/qemu", "/var/lib/libvirt/dnsmasq", "/var/log/libvirt", "/var/log/libvirt/qemu", "/run/libvirt"])
    makeDir(fs, d, { parents: true, mtime, mode: d === "/var/log/libvirt/qemu" ? 0o750 : 0o755 });
  writeFile(fs, "/etc/libvirt/libvirtd.conf", "# Master libvirt daemon configuration file\n#\n#listen_tls = 0\n#listen_tcp = 1\n#unix_sock_group = \"libvirt\"\n#unix_sock_rw_perms = \"0770\"\n#auth_unix_rw = \"polkit\"\n", { mtime });
  writeFile(fs, "/etc/libvirt/qemu.conf", "# Master configuration file for the QEMU driver.\n#\n#vnc_listen = \"0.0.0.0\"\n#security_driver = \"apparmor\"\n#user = \"libvirt-qemu\"\n#group = \"kvm\"\n", { mtime });
  writeFile(fs, "/etc/libvirt/libvirt.conf", "#\n# This can be used to setup URI aliases for frequently\n# used connection URIs.\n#\n#uri_default = \"qemu:///system\"\n", { mtime });

  // networks
  fx.networks.forEach((n, i) => {
    const kids: XmlEl[] = [el("name", {}, [n.name])];
    if (n.uuid) kids.push(el("uuid", {}, [n.uuid]));
    if (n.forward !== "isolated") kids.push(el("forward", { mode: n.forward }, n.forward === "nat" ? [el("nat", {}, [el("port", { start: "1024", end: "65535" })])] : []));
    kids.push(el("bridge", { name: n.bridge ?? `virbr${i}` }));
    kids.push(el("mac", { address: n.mac ?? gen.mac() }));
    if (n.domain) kids.push(el("domain", { name: n.domain }));
    if (n.ip) {
      const dhcpKids: XmlEl[] = [];
      if (n.dhcp) dhcpKids.push(el("range", { start: n.dhcp.start, end: n.dhcp.end }));
      for (const h of n.hosts) dhcpKids.push(el("host", { mac: h.mac, name: h.name, ip: h.ip }));
      kids.push(el("ip", { address: n.ip, netmask: n.netmask }, dhcpKids.length ? [el("dhcp", {}, dhcpKids)] : []));
    }
    const def = parseNetworkXml(formatXml(el("network", {}, kids)), { driver: "qemu", uuid: gen.uuid });
    if ("code" in def) {
      problems.push({ path: ["networks", i], message: def.message });
      return;
    }
    conn.networks.push({ uuid: (def.children[1] as XmlEl).children.join(""), def, active: n.active, persistent: true, autostart: n.autostart });
  });

  // pools and their volumes (files with disk images)
  fx.pools.forEach((p, i) => {
    makeDir(fs, p.path, { parents: true, mtime, mode: 0o711 });
    const srcKids: XmlEl[] = Object.entries(p.source ?? {}).map(([k, v]) => (k === "name" ? el("name", {}, [v]) : el(k, k === "host" ? { name: v } : { path: v })));
    const poolEl = el("pool", { type: p.type }, [el("name", {}, [p.name]), ...(p.uuid ? [el("uuid", {}, [p.uuid])] : []), el("source", {}, srcKids), el("target", {}, [el("path", {}, [p.path]), el("permissions", {}, [el("mode", {}, ["0711"]), el("owner", {}, ["0"]), el("group", {}, ["0"])])])]);
    const def = normalizePool(poolEl, gen);
    if ("code" in def) {
      problems.push({ path: ["pools", i], message: def.message });
      return;
    }
    for (const v of p.volumes) {
      const cap = Math.round(v.capacity_gib * GiB);
      const img = newImage(v.format === "iso" ? "raw" : v.format, cap, v.backing ? { backingFile: v.backing, backingFormat: "qcow2" } : {});
      // allocation_gib is written as data once the guests section has put operating systems in (settle)
      if (v.format === "iso") img.allocated = cap;
      writeFile(fs, `${p.path}/${v.name}`, "", { mtime, mode: v.format === "iso" ? 0o644 : 0o600, image: img });
    }
    const pool = { uuid: (def.children[1] as XmlEl).children.join(""), def, active: p.active, persistent: true, autostart: p.autostart, volumes: [], capacity: p.capacity_gib * GiB, allocation: 0, available: 0 };
    refreshPool(conn, pool, fs, p.capacity_gib * GiB);
    conn.pools.push(pool);
  });

  // domains
  fx.domains.forEach((d, i) => {
    let root: XmlEl;
    if (d.xml) {
      const px = parseXml(d.xml);
      if ("error" in px) {
        problems.push({ path: ["domains", i, "xml"], message: `line ${px.error.line}: ${px.error.message}` });
        return;
      }
      root = stripWs(px.root);
    } else {
      const disks = d.disks.map((k) => {
        let file = k.source;
        if (!file.startsWith("/")) {
          const [pname, vname] = file.split("/");
          const pool = fx.pools.find((p) => p.name === pname);
          file = pool ? `${pool.path}/${vname}` : file;
        }
        const vol = fx.pools.flatMap((p) => p.volumes.map((vv) => ({ p, vv }))).find((x) => `${x.p.path}/${x.vv.name}` === file);
        const fmt = k.format ?? (vol ? (vol.vv.format === "iso" ? "raw" : vol.vv.format) : "raw");
        return el("disk", { type: "file", device: k.device }, [el("driver", { name: "qemu", type: fmt }), el("source", { file }), el("target", { dev: k.target, bus: k.bus ?? (k.target.startsWith("vd") ? "virtio" : "sata") }), ...(k.device !== "disk" ? [el("readonly")] : [])]);
      });
      const nics = d.interfaces.map((n) => el("interface", { type: n.network ? "network" : "bridge" }, [...(n.mac ? [el("mac", { address: n.mac })] : []), el("source", n.network ? { network: n.network } : { bridge: n.bridge ?? "br0" }), el("model", { type: n.model })]));
      const extra: XmlEl[] = [el("console", { type: "pty" }), el("channel", { type: "unix" }, [el("target", { type: "virtio", name: "org.qemu.guest_agent.0" })]), el("input", { type: "tablet", bus: "usb" })];
      if (d.graphics !== "none") extra.push(el("graphics", { type: d.graphics, port: "-1", autoport: "yes" }), el("video", {}, [el("model", { type: "virtio", heads: "1", primary: "yes" })]));
      extra.push(el("memballoon", { model: "virtio" }), el("rng", { model: "virtio" }, [el("backend", { model: "random" }, ["/dev/urandom"])]));
      const max = d.max_vcpus ?? d.vcpus;
      root = el("domain", { type: "kvm" }, [
        el("name", {}, [d.name]),
        ...(d.uuid ? [el("uuid", {}, [d.uuid])] : []),
        ...(d.title ? [el("title", {}, [d.title])] : []),
        ...(d.description ? [el("description", {}, [d.description])] : []),
        el("memory", { unit: "MiB" }, [String(d.memory_mib)]),
        el("currentMemory", { unit: "MiB" }, [String(d.current_memory_mib ?? d.memory_mib)]),
        el("vcpu", { placement: "static", current: max !== d.vcpus ? String(d.vcpus) : undefined }, [String(max)]),
        el("os", {}, [el("type", { arch: "x86_64", machine: d.machine }, ["hvm"]), el("boot", { dev: "hd" })]),
        el("features", {}, [el("acpi"), el("apic"), el("vmport", { state: "off" })]),
        el("cpu", { mode: "host-passthrough", check: "none", migratable: "on" }),
        el("clock", { offset: "utc" }, [el("timer", { name: "rtc", tickpolicy: "catchup" }), el("timer", { name: "pit", tickpolicy: "delay" }), el("timer", { name: "hpet", present: "no" })]),
        el("on_poweroff", {}, ["destroy"]),
        el("on_reboot", {}, ["restart"]),
        el("on_crash", {}, ["destroy"]),
        el("pm", {}, [el("suspend-to-mem", { enabled: "no" }), el("suspend-to-disk", { enabled: "no" })]),
        el("devices", {}, [el("emulator", {}, ["/usr/bin/qemu-system-x86_64"]), ...disks, ...nics, ...extra]),
      ]);
    }
    const def = normalizeDomain(root, { driver: "qemu", uuid: gen.uuid, mac: gen.mac });
    if ("code" in def) {
      problems.push({ path: ["domains", i], message: def.message });
      return;
    }
    const uuid = (def.children[1] as XmlEl).children.join("");
    const dom: Domain = { uuid, def, persistent: d.persistent, autostart: d.autostart, state: "shutoff", reason: "shutdown", id: -1, managedSave: d.managed_save, snapshots: [], vcpuPins: {} };
    for (const s of d.snapshots) {
      const snap: Snapshot = {
        name: s.name,
        ...(s.description ? { description: s.description } : {}),
        state: s.state,
        ...(s.parent ? { parent: s.parent } : {}),
        creationTime: Math.floor(Date.parse(s.created) / 1000),
        memory: s.state === "shutoff" ? "no" : "internal",
        disks: [],
        domain: def,
      };
      dom.snapshots.push(snap);
      if (s.current) dom.currentSnapshot = s.name;
    }
    if (!dom.currentSnapshot && dom.snapshots.length) dom.currentSnapshot = dom.snapshots[dom.snapshots.length - 1]!.name;
    conn.domains.push(dom);
    if (d.state !== "shutoff") {
      startState(conn, dom, "booted", world.clock - 3600_000 * (i + 1));
      if (d.state === "paused") {
        dom.state = "paused";
        dom.reason = "user";
      } else if (d.state !== "running") dom.state = d.state;
    } else if (d.managed_save) dom.reason = "saved";
    if (!d.persistent && d.state === "shutoff") problems.push({ path: ["domains", i, "persistent"], message: "a transient domain must be running" });
  });
  // invariant: a running domain's disks exist
  for (const dom of conn.domains) {
    if (dom.state === "shutoff") continue;
    for (const c of dom.def.children) {
      if (typeof c !== "object" || c.name !== "devices") continue;
      for (const disk of c.children) {
        if (typeof disk !== "object" || disk.name !== "disk") continue;
        const src = disk.children.find((x) => typeof x === "object" && x.name === "source") as XmlEl | undefined;
        const f = src?.attrs.file;
        if (f && !fs[f] && disk.attrs.device === "disk")
          problems.push({ path: ["domains", fx.domains.findIndex((x) => x.name === (dom.def.children[0] as XmlEl).children.join("")), "disks"], message: `running domain's disk ${f} does not exist` });
      }
    }
  }
  conn.nwfilters = fx.nwfilters.map((n) => ({ uuid: gen.uuid(), name: n, def: builtinFilter(n, "") }));
  conn.nwfilters.forEach((f) => (f.def = builtinFilter(f.name, f.uuid)));
  for (const dom of conn.domains) if (dom.snapshots.length) syncImageSnapshots(fs, dom, mtime);
  const lv: LibvirtHost = { conns: { [fx.uri]: conn } };
  host.subsystems.libvirt = lv;
  syncHostFiles(fs, conn, mtime, host.name);
  return problems;
}

/**
 * Second pass over the `libvirt:` section, after the other sections (guests) have run: each volume with an
 * `allocation_gib` gets data written until its image's allocation reaches it (deleted files' data inside a
 * guest's filesystems, plain data otherwise), then every pool is refreshed as libvirtd does when it starts,
 * so pool-info and vol-list show what is on disk.
 */
export function settleLibvirtSection(section: unknown, host: Host): Problem[] {
  const r = LibvirtFx.safeParse(section ?? {});
  const conn = (host.subsystems.libvirt as LibvirtHost | undefined)?.conns[r.success ? r.data.uri : ""];
  if (!r.success || !conn) return [];
  const problems: Problem[] = [];
  r.data.pools.forEach((p, pi) =>
    p.volumes.forEach((v, vi) => {
      if (v.allocation_gib === undefined || v.format === "iso") return;
      const target = Math.round(v.allocation_gib * GiB);
      const path = `${p.path}/${v.name}`;
      const { over } = fillAllocation(host.fs, path, target);
      const guest = (host.fs[path] as { image?: { guest?: unknown } } | undefined)?.image?.guest;
      if (guest && over > Math.max(16 * 2 ** 20, target / 100))
        problems.push({ path: ["pools", pi, "volumes", vi, "allocation_gib"], message: `${v.allocation_gib} GiB is less than the guest operating system in ${path} takes: at least ${(Math.ceil(((target + over) / GiB) * 100) / 100).toFixed(2)}` });
    }),
  );
  for (const pool of conn.pools) if (pool.active) refreshPool(conn, pool, host.fs, pool.capacity);
  return problems;
}

/**
 * A world whose one host is a libvirt test-driver node: `lpic3 shell --host node.xml`. `readFile` reads the
 * files the node refers to (`<domain file="dom.xml"/>`, by absolute path); they are copied into the host's
 * filesystem beside the node file, so `virsh -c test:///PATH` in the session finds them too.
 */
export function loadNodeWorld(xml: string, file: string, clock: number, readFile?: (abs: string) => string | undefined): { world?: World; problems: string[] } {
  const uri = `test://${file}`;
  let seq = 1;
  const refs: Record<string, string> = {};
  const read = (abs: string) => {
    const t = readFile?.(abs);
    if (t !== undefined) refs[abs] = t;
    return t;
  };
  const conn = loadTestNode(xml, uri, { uuid: () => uuidFor(seq++), mac: () => macFor(seq++) }, file, read);
  if ("code" in conn) return { problems: [conn.message] };
  const mtime = Math.floor(clock / 1000);
  const host = baseHost({
    name: "host1",
    hostname: "lab.example",
    memoryKiB: conn.node.memory,
    cpu: { vendor: "GenuineIntel", modelName: "Intel(R) Xeon(R) CPU", cpus: conn.node.cpus, sockets: conn.node.sockets, coresPerSocket: conn.node.cores, threadsPerCore: conn.node.threads, mhz: conn.node.mhz, flags: ["vmx"] },
    modules: ["kvm", "kvm_intel"],
    mtime,
  });
  const dir = file.slice(0, file.lastIndexOf("/")) || "/";
  makeDir(host.fs, dir, { parents: true, mtime });
  writeFile(host.fs, file, xml, { mtime });
  for (const [path, text] of Object.entries(refs)) {
    makeDir(host.fs, path.slice(0, path.lastIndexOf("/")) || "/", { parents: true, mtime });
    writeFile(host.fs, path, text, { mtime });
  }
  host.subsystems.libvirt = { conns: { [uri]: conn } } satisfies LibvirtHost;
  const world: World = { hosts: { host1: host }, clock, seq, fixture: file, defaultUri: uri };
  return { world, problems: [] };
}

export type { Fs };
