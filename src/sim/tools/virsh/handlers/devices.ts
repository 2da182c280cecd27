// virsh device and monitoring commands: block and interface listings and stats, hot(un)plug of disks and
// interfaces, change-media, attach-device/detach-device.
import * as D from "../../../model/libvirt/domains";
import { disksOf, ifacesOf, normalizeDevice, withDevices } from "../../../model/libvirt/domain-xml";
import { lvErr, type Domain, type LibvirtConn } from "../../../model/libvirt/types";
import { child, el, formatXml, isEl, kids, parseXml, stripWs, syntaxErrorText, type XmlEl } from "../../../model/libvirt/xml";
import { netName } from "../../../model/libvirt/net-xml";
import { exclusive, noSupport, optDomain, optStr, readXmlFile, requires, type Handler } from "../common";
import { kv, table } from "../format";
import type { Opts } from "../parse";
import type { Virsh } from "../runtime";
import { domainXml } from "./domain";

const isTest = (v: Virsh) => v.conn.driver === "test";

const domblklist: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const x = domainXml(v, r.dom, o.has("inactive"));
  const details = o.has("details");
  const rows = disksOf(x).map((d) => (details ? [d.type, d.device, d.target, d.source ?? "-"] : [d.target, d.source ?? "-"]));
  v.print(table(details ? ["Type", "Device", "Target", "Source"] : ["Target", "Source"], rows, !v.quiet));
  return true;
};

const domiflist: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const x = domainXml(v, r.dom, o.has("inactive"));
  const rows = ifacesOf(x).map((n) => [n.target ?? "-", n.type, n.source || "-", n.model ?? "-", n.mac]);
  v.print(table(["Interface", "Type", "Source", "Model", "MAC"], rows, !v.quiet));
  return true;
};

function fileImage(v: Virsh, path: string) {
  const n = v.world.hosts[v.hostName]?.fs[path];
  return n && n.kind === "file" ? n : undefined;
}

const domblkinfo: Handler = (v, o) => {
  if (!exclusive(v, o, "all", "device")) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const all = o.has("all");
  const dev = o.strQuiet("device");
  if (!all && dev === undefined) {
    v.error("command 'domblkinfo' requires <device> option");
    return false;
  }
  const human = o.has("human");
  const fmt = (n: number) => (human ? prettyHuman(n) : String(n));
  const row = (i: [number, number, number]) => (i[0] === 0 && i[1] === 0 && i[2] === 0 ? ["-", "-", "-"] : [fmt(i[0]), fmt(i[1]), fmt(i[2])]);
  const info = (d: ReturnType<typeof disksOf>[number]): [number, number, number] | undefined => {
    if (!d.source) return [0, 0, 0];
    if (isTest(v)) return [1099506450432, 1099511627776, 1099511627776];
    const f = fileImage(v, d.source);
    if (!f) return undefined;
    if (f.image) return [f.image.virtualSize, f.image.allocated, f.image.fileLength];
    const len = Buffer.byteLength(f.content);
    return [len, len, len];
  };
  const disks = disksOf(domainXml(v, r.dom, false));
  if (all) {
    const rows: string[][] = [];
    for (const d of disks) {
      const i = info(d);
      if (!i) return v.fail(lvErr("SYSTEM_ERROR", `cannot stat file '${d.source}': No such file or directory`));
      rows.push([d.target, ...row(i)]);
    }
    v.print(table(["Target", "Capacity", "Allocation", "Physical"], rows, !v.quiet));
    return true;
  }
  const d = disks.find((k) => k.target === dev || k.source === dev);
  if (!d) return v.fail(lvErr("INVALID_ARG", `invalid argument: invalid path ${dev} not assigned to domain`));
  if (!d.source && isTest(v)) return v.fail(lvErr("INVALID_ARG", `invalid argument: disk '${d.target}' does not currently have a source assigned`));
  const i = info(d);
  if (!i) return v.fail(lvErr("SYSTEM_ERROR", `cannot stat file '${d.source}': No such file or directory`));
  const [c0, c1, c2] = row(i);
  v.print(kv("Capacity:", c0!) + kv("Allocation:", c1!) + kv("Physical:", c2!));
  return true;
};

function prettyHuman(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let u = 0;
  let x = n;
  while (x >= 1024 && u < units.length - 1) {
    x /= 1024;
    u++;
  }
  return `${x.toFixed(3)} ${units[u]}`;
}

const domifaddr: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const d = r.dom;
  const src = o.strQuiet("source");
  if (src !== undefined && !["lease", "agent", "arp"].includes(src)) {
    v.error(`Unknown data source '${src}'`);
    return false;
  }
  if (!D.isActive(d)) {
    v.lastError = lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running");
    v.error("Failed to query for interfaces addresses");
    return false;
  }
  const want = o.strQuiet("interface");
  let s = ` ${"Name".padEnd(10)} ${"MAC address".padEnd(20)} ${"Protocol".padEnd(8)}     Address\n-------------------------------------------------------------------------------\n`;
  ifacesOf(d.def).forEach((n, i) => {
    if (want !== undefined && n.target !== want && n.mac !== want) return;
    let addr: string | undefined;
    if (isTest(v)) {
      if (n.type === "network") {
        const net = v.conn.networks.find((x) => netName(x.def) === n.source);
        const ip = net ? child(net.def, "ip") : undefined;
        const range = ip ? child(child(ip, "dhcp"), "range") : undefined;
        const base = range?.attrs.start ?? ip?.attrs.address;
        if (base) {
          const prefix = ip?.attrs.prefix ? Number(ip.attrs.prefix) : maskBits(ip?.attrs.netmask ?? "255.255.255.0");
          addr = `${ipAdd(base, 20 * (d.id - 1) + i + 1)}/${prefix}`;
        }
      } else addr = `192.168.0.${1 + i}/24`;
    } else {
      const lease = v.conn.leases.find((l) => l.mac === n.mac);
      if (lease) addr = `${lease.ip}/${lease.prefix}`;
    }
    if (addr === undefined) return;
    s += ` ${(n.target ?? "-").padEnd(10)} ${n.mac.padEnd(17)}    ${"ipv4".padEnd(12)} ${addr}\n`;
  });
  v.print(s);
  return true;
};

export function maskBits(mask: string): number {
  return mask.split(".").reduce((a, p) => a + (Number(p) >>> 0).toString(2).replace(/0/g, "").length, 0);
}

export function ipAdd(ip: string, n: number): string {
  const v = ip.split(".").reduce((a, p) => a * 256 + Number(p), 0) + n;
  return [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join(".");
}

const domifstat: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const dev = optStr(v, o, "interface");
  if (!dev || dev.value === undefined) return false;
  const fail = (e: ReturnType<typeof lvErr>) => {
    v.lastError = e;
    v.error(`Failed to get interface stats ${r.name} ${dev.value}`);
    return false;
  };
  if (!D.isActive(r.dom)) return fail(lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running"));
  const nic = ifacesOf(r.dom.def).find((n) => n.target === dev.value || n.mac === dev.value);
  if (!nic) return fail(lvErr("INVALID_ARG", `invalid argument: '${dev.value}' is not a known interface`));
  const base = isTest(v) ? v.now * 1000 : Math.max(0, v.now - (r.dom.startedAt ?? v.now)) * 91;
  const vals: [string, number][] = [
    ["rx_bytes", base / 10],
    ["rx_packets", base / 100],
    ["rx_errs", isTest(v) ? base / 1e6 : 0],
    ["rx_drop", isTest(v) ? base / 2e6 : 0],
    ["tx_bytes", base / 20],
    ["tx_packets", base / 110],
    ["tx_errs", isTest(v) ? base / 3e6 : 0],
    ["tx_drop", isTest(v) ? base / 4e6 : 0],
  ];
  v.print(vals.map(([k, n]) => `${dev.value} ${k} ${Math.floor(n)}\n`).join(""));
  return true;
};

const domblkstat: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const dev = optStr(v, o, "device");
  if (!dev) return false;
  const name = dev.value ?? "";
  const failed = (e: ReturnType<typeof lvErr>) => {
    v.lastError = e;
    v.error(`Failed to get block stats ${r.name} ${name}`);
    return false;
  };
  if (!D.isActive(r.dom)) return failed(lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running"));
  if (name === "" && isTest(v)) return failed(lvErr("OPERATION_UNSUPPORTED", "Operation not supported: summary statistics are not supported yet"));
  if (name !== "" && !disksOf(r.dom.def).some((d) => d.target === name || d.source === name))
    return failed(lvErr("INVALID_ARG", `invalid argument: invalid path: ${name}`));
  const base = isTest(v) ? v.now * 1000 : Math.max(0, v.now - (r.dom.startedAt ?? v.now)) * 57;
  const human = o.has("human");
  // the test driver's counters follow its own formula; a QEMU host's are plausible for a guest's uptime
  // (QEMU reports no error count but flushes and total times in ns)
  const rdReq = Math.floor(base / 10);
  const wrReq = Math.floor(base / 30);
  const flushes = Math.floor(wrReq / 8);
  const rows: [string, string, number][] = isTest(v)
    ? [
        ["rd_req", "number of read operations:", base / 10],
        ["rd_bytes", "number of bytes read:", base / 20],
        ["wr_req", "number of write operations:", base / 30],
        ["wr_bytes", "number of bytes written:", base / 40],
        ["errs", "error count:", base / 2e6],
      ]
    : [
        ["rd_req", "number of read operations:", rdReq],
        ["rd_bytes", "number of bytes read:", rdReq * 16_384],
        ["wr_req", "number of write operations:", wrReq],
        ["wr_bytes", "number of bytes written:", wrReq * 8_192],
        ["flush_operations", "number of flush operations:", flushes],
        ["rd_total_times", "total duration of reads (ns):", rdReq * 181_000],
        ["wr_total_times", "total duration of writes (ns):", wrReq * 452_000],
        ["flush_total_times", "total duration of flushes (ns):", flushes * 913_000],
      ];
  let s = human ? `Device: ${name}\n` : "";
  const dv = human ? "" : name;
  for (const [k, h, n] of rows) s += human ? `${dv} ${h.padEnd(31)} ${Math.floor(n)}\n` : `${dv} ${k} ${Math.floor(n)}\n`;
  v.print(s);
  return true;
};

// ---------------------------------------------------------------- hotplug

type Flags = { live: boolean; config: boolean; any: boolean };

function deviceFlags(v: Virsh, o: Opts): Flags | undefined {
  if (!exclusive(v, o, "persistent", "current") || !exclusive(v, o, "current", "live") || !exclusive(v, o, "current", "config")) return undefined;
  const config = o.has("config") || o.has("persistent");
  const live = o.has("live");
  return { live, config, any: config || live || o.has("current") };
}

/** Apply a device change to the running and/or persistent definitions (virDomainAttachDeviceFlags & co.). */
function changeDevices(v: Virsh, dom: Domain, f: Flags, persistentFlag: boolean, apiPlain: string, apiFlags: string, fn: (devs: XmlEl[], live: boolean) => XmlEl[] | ReturnType<typeof lvErr>): ReturnType<typeof lvErr> | undefined {
  if (isTest(v)) return noSupport(f.any || persistentFlag ? apiFlags : apiPlain);
  let live = f.live;
  let config = f.config;
  if (persistentFlag && D.isActive(dom)) live = true;
  if (!live && !config) {
    // no flag at all: virsh calls the flag-less API, which the QEMU driver runs as AFFECT_LIVE (so a shut-off
    // domain answers "domain is not running"); --current (or an API that always takes flags) means config when off
    if (D.isActive(dom) || (!f.any && !persistentFlag && apiPlain !== apiFlags)) live = true;
    else config = true;
  }
  if (live && !D.isActive(dom)) return lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running");
  if (config && !dom.persistent) return lvErr("OPERATION_INVALID", "Requested operation is not valid: cannot modify device on transient domain");
  return v.mutateDomain(dom, (d) => {
    let err: ReturnType<typeof lvErr> | undefined;
    const upd = (def: XmlEl, isLive: boolean) =>
      withDevices(def, (devs) => {
        const r = fn(devs, isLive);
        if ("code" in r) {
          err = r;
          return devs;
        }
        return r;
      });
    if (live) d.def = upd(d.def, true);
    if (err) return err;
    if (config) {
      if (D.isActive(d)) d.newDef = upd(d.newDef ?? d.def, false);
      else d.def = upd(d.def, false);
    }
    return err;
  });
}

const attachDisk: Handler = (v, o) => {
  if (!exclusive(v, o, "persistent", "current") || !exclusive(v, o, "current", "live") || !exclusive(v, o, "current", "config")) return false;
  for (const [a, b] of [["source-host-name", "source-protocol"], ["source-host-transport", "source-protocol"], ["source-host-socket", "source-protocol"], ["source-host-socket", "source-host-transport"]] as const) if (!requires(v, o, a, b)) return false;
  if (!exclusive(v, o, "source-host-name", "source-host-socket")) return false;
  const get = (n: string) => {
    const r = optStr(v, o, n);
    if (!r) throw new Error("__bad__");
    return r.value;
  };
  let source: string | undefined, target: string | undefined, driver: string | undefined, subdriver: string | undefined, device: string | undefined, mode: string | undefined, iothread: string | undefined, cache: string | undefined, io: string | undefined, serial: string | undefined, stype: string | undefined, proto: string | undefined, targetbus: string | undefined, alias: string | undefined, wwn: string | undefined;
  try {
    source = o.raw("source");
    target = get("target");
    driver = get("driver");
    subdriver = get("subdriver");
    device = get("type");
    mode = get("mode");
    iothread = get("iothread");
    cache = get("cache");
    io = get("io");
    serial = get("serial");
    wwn = get("wwn");
    targetbus = get("targetbus");
    alias = get("alias");
    stype = get("sourcetype");
    proto = get("source-protocol");
  } catch {
    return false;
  }
  let type = stype;
  if (stype !== undefined && !["file", "block", "network"].includes(stype)) {
    v.error(`Unknown source type: '${stype}'`);
    return false;
  }
  if (type === undefined) {
    if (proto) type = "network";
    else if (driver !== "file" && driver !== "tap" && source && v.world.hosts[v.ctx.host]!.fs[source]?.kind === "file" && (v.world.hosts[v.ctx.host]!.fs[source] as { device?: string }).device === "block") type = "block";
    else type = "file";
  }
  if ((type === "network") !== !!proto) {
    v.error("--source-protocol option requires --sourcetype network");
    return false;
  }
  if (mode && mode !== "readonly" && mode !== "shareable") {
    v.error(`No support for ${mode} in command 'attach-disk'`);
    return false;
  }
  let addrEl: XmlEl | undefined;
  const straddr = o.strQuiet("address");
  if (straddr !== undefined) {
    const a = diskAddress(straddr);
    if (!a) {
      v.error("Invalid address.");
      return false;
    }
    const t = target ?? "";
    if (t.startsWith("vd")) {
      if (a.type !== "pci" && a.type !== "ccw") {
        v.error("expecting a pci:0000.00.00.00 or ccw:00.0.0000 address.");
        return false;
      }
    } else if (t.startsWith("sd")) {
      if (!["scsi", "usb", "sata"].includes(a.type)) {
        v.error("expecting a scsi:00.00.00 or usb:00.00 or sata:00.00.00 address.");
        return false;
      }
    } else if (t.startsWith("hd") && a.type !== "ide") {
      v.error("expecting an ide:00.00.00 address.");
      return false;
    }
    if (t.startsWith("vd") || t.startsWith("sd") || t.startsWith("hd")) addrEl = a.el;
  }
  const kidsOut: XmlEl[] = [];
  const drv = el("driver", { name: driver, type: subdriver, iothread, cache, io });
  if (Object.keys(drv.attrs).length) kidsOut.push(drv);
  const srcAttrs = type === "file" ? { file: source } : type === "block" ? { dev: source } : { protocol: proto, name: source };
  const srcEl = el("source", srcAttrs);
  if (Object.keys(srcEl.attrs).length) kidsOut.push(srcEl);
  kidsOut.push(el("target", { dev: target, bus: targetbus }));
  if (mode) kidsOut.push(el(mode));
  if (serial) kidsOut.push(el("serial", {}, [serial]));
  if (alias) kidsOut.push(el("alias", { name: alias }));
  if (wwn) kidsOut.push(el("wwn", {}, [wwn]));
  if (addrEl) kidsOut.push(addrEl);
  const disk = el("disk", { type, device, rawio: o.has("rawio") ? "yes" : undefined }, kidsOut);
  const xml = formatXml(disk);
  if (o.has("print-xml")) {
    v.print(xml);
    return true;
  }
  const r = optDomain(v, o);
  if (!r) return false;
  const f = deviceFlags(v, o)!;
  const e = changeDevices(v, r.dom, f, o.has("persistent"), "virDomainAttachDevice", "virDomainAttachDeviceFlags", (devs) => {
    if (devs.some((d) => d.name === "disk" && child(d, "target")?.attrs.dev === target)) return lvErr("OPERATION_FAILED", `operation failed: target ${target} already exists`);
    const bus = targetbus ?? (target!.startsWith("vd") ? "virtio" : target!.startsWith("sd") ? "scsi" : target!.startsWith("hd") ? "ide" : "virtio");
    const nd = normalizeDevice({ ...disk, attrs: { type: type!, device: device ?? "disk", ...(o.has("rawio") ? { rawio: "yes" } : {}) }, children: [...(kidsOut.some((k) => k.name === "driver") ? [] : [el("driver", { name: "qemu", type: subdriver ?? "raw", cache, io })]), ...kidsOut.map((k) => (k.name === "target" ? el("target", { dev: target, bus }) : k.name === "driver" ? el("driver", { name: driver ?? "qemu", type: subdriver ?? "raw", cache, io }) : k))] });
    return [...devs, nd];
  });
  if (e) {
    v.lastError = e;
    v.error("Failed to attach disk");
    return false;
  }
  v.printExtra("Disk attached successfully\n");
  return true;
};

/** virsh's str2DiskAddress: pci:D.B.S.F, ccw:C.S.D (hex), scsi/ide/sata:C.B.U, usb:B.P (decimal). */
function diskAddress(s: string): { type: string; el: XmlEl } | undefined {
  const i = s.indexOf(":");
  if (i < 0) return undefined;
  const kind = s.slice(0, i);
  const parts = s.slice(i + 1).split(".");
  const hex = (x: string | undefined) => (x !== undefined && /^(0x)?[0-9a-fA-F]+$/.test(x) ? parseInt(x, 16) : undefined);
  const dec = (x: string | undefined) => (x !== undefined && /^\d+$/.test(x) ? Number(x) : undefined);
  const hx = (n: number, w: number) => `0x${n.toString(16).padStart(w, "0")}`;
  if (kind === "pci" || kind === "ccw") {
    if (parts.length !== (kind === "pci" ? 4 : 3)) return undefined;
    const n = parts.map(hex);
    if (n.some((x) => x === undefined)) return undefined;
    const [a, b, c, d] = n as number[];
    return kind === "pci"
      ? { type: kind, el: el("address", { type: "pci", domain: hx(a!, 4), bus: hx(b!, 2), slot: hx(c!, 2), function: hx(d!, 1) }) }
      : { type: kind, el: el("address", { type: "ccw", cssid: hx(a!, 2), ssid: hx(b!, 1), devno: hx(c!, 4) }) };
  }
  if (kind === "usb") {
    const n = parts.map(dec);
    if (n.length !== 2 || n.some((x) => x === undefined)) return undefined;
    return { type: kind, el: el("address", { type: "usb", bus: String(n[0]), port: String(n[1]) }) };
  }
  if (kind === "scsi" || kind === "ide" || kind === "sata") {
    const n = parts.map(dec);
    if (n.length !== 3 || n.some((x) => x === undefined)) return undefined;
    return { type: kind, el: el("address", { type: "drive", controller: String(n[0]), bus: String(n[1]), unit: String(n[2]) }) };
  }
  return undefined;
}

function findDisk(v: Virsh, x: XmlEl, path: string, changeable: boolean): XmlEl | undefined {
  const disks = kids(child(x, "devices"), "disk");
  for (const d of disks) {
    if (changeable && !["cdrom", "floppy"].includes(d.attrs.device ?? "disk")) continue;
    const t = child(d, "target")?.attrs.dev;
    const s = child(d, "source");
    const sp = s?.attrs.file ?? s?.attrs.dev ?? s?.attrs.dir ?? s?.attrs.name;
    if (t === path || sp === path) return d;
  }
  v.error(`No disk found whose source path or target is ${path}`);
  return undefined;
}

const detachDisk: Handler = (v, o) => {
  const f = deviceFlags(v, o);
  if (!f) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const target = o.raw("target")!;
  const x = domainXml(v, r.dom, f.config && !f.live);
  const disk = findDisk(v, x, target, false);
  if (!disk) return false;
  if (o.has("print-xml")) {
    v.print(formatXml(disk));
    return true;
  }
  const dev = child(disk, "target")!.attrs.dev;
  const e = changeDevices(v, r.dom, f, o.has("persistent"), "virDomainDetachDevice", "virDomainDetachDeviceFlags", (devs) => {
    const i = devs.findIndex((d) => d.name === "disk" && child(d, "target")?.attrs.dev === dev);
    if (i < 0) return lvErr("DEVICE_MISSING", `device not found: no target device ${dev}`);
    return devs.filter((_, k) => k !== i);
  });
  if (e) {
    v.lastError = e;
    v.error("Failed to detach disk");
    return false;
  }
  v.printExtra("Disk detached successfully\n");
  return true;
};

const NET_TYPES = ["user", "ethernet", "vhostuser", "server", "client", "mcast", "network", "bridge", "internal", "direct", "hostdev", "udp", "vdpa", "null", "vds"];

const attachInterface: Handler = (v, o) => {
  const f = deviceFlags(v, o);
  if (!f) return false;
  const type = o.raw("type")!;
  const source = o.raw("source");
  const target = o.strQuiet("target");
  const mac = o.strQuiet("mac");
  const model = o.strQuiet("model");
  const script = o.strQuiet("script");
  const alias = o.strQuiet("alias");
  const srcMode = o.strQuiet("source-mode");
  if (!NET_TYPES.includes(type) || !["network", "bridge", "direct", "user", "ethernet", "vhostuser", "hostdev"].includes(type)) {
    v.error(`No support for ${type} in command 'attach-interface'`);
    return false;
  }
  if (srcMode !== undefined && srcMode !== "server" && srcMode !== "client") {
    v.error(`Invalid source mode: ${srcMode}`);
    return false;
  }
  // virshParseRateStr: average,peak,burst,floor with empty fields allowed
  const rates: { in?: bigint[]; out?: bigint[] } = {};
  for (const dir of ["inbound", "outbound"] as const) {
    const str = o.strQuiet(dir);
    if (str === undefined) continue;
    const toks = str.split(",");
    if (toks.length > 4) {
      v.error(`Rate string '${str}' has too many fields`);
      return false;
    }
    const vals = [0n, 0n, 0n, 0n];
    for (const [i, t] of toks.entries()) {
      if (t === "") continue;
      if (!/^\s*\+?\d+$/.test(t) || BigInt(t.trim()) > 18446744073709551615n) {
        v.error(`field '${["average", "peak", "burst", "floor"][i]}' is malformed`);
        return false;
      }
      vals[i] = BigInt(t.trim());
    }
    if (dir === "inbound") {
      if (vals[0] === 0n && vals[3] === 0n) {
        v.error("either inbound average or floor is mandatory");
        return false;
      }
      rates.in = vals;
    } else {
      if (vals[0] === 0n) {
        v.error("outbound average is mandatory");
        return false;
      }
      if (vals[3] !== 0n) {
        v.error("outbound floor is unsupported yet");
        return false;
      }
      rates.out = vals;
    }
  }
  const ks: XmlEl[] = [];
  if (type === "network" || type === "bridge") ks.push(el("source", { [type]: source }));
  else if (type === "direct") ks.push(el("source", { dev: source }));
  else if (type === "vhostuser") {
    if (srcMode === undefined) {
      v.error("source-mode is mandatory");
      return false;
    }
    ks.push(el("source", { type: "unix", path: source, mode: srcMode }));
  } else if (type === "hostdev") {
    const m = /^([0-9a-fA-F]+):([0-9a-fA-F]+):([0-9a-fA-F]+)\.([0-9a-fA-F]+)$/.exec(source ?? "");
    if (!m) {
      v.error("cannot parse pci address '" + (source ?? "") + "' for network interface");
      return false;
    }
    const h = (x: string, w: number) => `0x${parseInt(x, 16).toString(16).padStart(w, "0")}`;
    ks.push({ ...el("source", {}, [el("address", { type: "pci", domain: h(m[1]!, 4), bus: h(m[2]!, 2), slot: h(m[3]!, 2), function: h(m[4]!, 1) })]), block: true });
  }
  if (target) ks.push(el("target", { dev: target }));
  if (mac) ks.push(el("mac", { address: mac }));
  if (script) ks.push(el("script", { path: script }));
  if (model) ks.push(el("model", { type: model }));
  if (alias) ks.push(el("alias", { name: alias }));
  if (rates.in || rates.out) {
    const rate = (n: string, r: bigint[]) => el(n, { average: r[0] ? String(r[0]) : undefined, peak: r[1] ? String(r[1]) : undefined, burst: r[2] ? String(r[2]) : undefined, floor: r[3] ? String(r[3]) : undefined });
    ks.push(el("bandwidth", {}, [...(rates.in ? [rate("inbound", rates.in)] : []), ...(rates.out ? [rate("outbound", rates.out)] : [])]));
  }
  const nic = el("interface", { type, managed: o.has("managed") ? "yes" : undefined }, ks);
  if (o.has("print-xml")) {
    v.print(formatXml(nic));
    return true;
  }
  const r = optDomain(v, o);
  if (!r) return false;
  if (!isTest(v) && mac && !/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(mac)) {
    v.lastError = lvErr("XML_ERROR", `XML error: unable to parse mac address '${mac}'`);
    v.error("Failed to attach interface");
    return false;
  }
  if (!isTest(v) && type === "network" && !v.conn.networks.some((n) => netName(n.def) === source)) {
    v.lastError = lvErr("NO_NETWORK", `Network not found: no network with matching name '${source}'`);
    v.error("Failed to attach interface");
    return false;
  }
  const e = changeDevices(v, r.dom, f, o.has("persistent"), "virDomainAttachDevice", "virDomainAttachDeviceFlags", (devs, live) => {
    const used = new Set(devs.filter((d) => d.name === "interface").map((d) => child(d, "target")?.attrs.dev));
    let n = 0;
    for (const d of v.conn.domains) for (const i of ifacesOf(d.def)) if (i.target) used.add(i.target);
    while (used.has(`vnet${n}`)) n++;
    const nk: XmlEl[] = [el("mac", { address: (mac ?? v.freshMac()).toLowerCase() }), ...ks.filter((k) => k.name !== "mac" && k.name !== "target"), ...(live ? [el("target", { dev: target ?? `vnet${n}` })] : [])];
    return [...devs, normalizeDevice(el("interface", { type }, nk))];
  });
  if (e) {
    v.lastError = e;
    v.error("Failed to attach interface");
    return false;
  }
  v.printExtra("Interface attached successfully\n");
  return true;
};

const detachInterface: Handler = (v, o) => {
  const f = deviceFlags(v, o);
  if (!f) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const type = o.raw("type")!;
  const mac = o.strQuiet("mac");
  const x = domainXml(v, r.dom, f.config && !f.live);
  const nics = kids(child(x, "devices"), "interface").filter((n) => n.attrs.type === type);
  if (!nics.length) {
    v.error(`No interface found whose type is ${type}`);
    v.error("Failed to detach interface");
    return false;
  }
  let pick: XmlEl | undefined;
  if (mac) {
    pick = nics.find((n) => (child(n, "mac")?.attrs.address ?? "").toLowerCase() === mac.toLowerCase());
    if (!pick) {
      v.error(`No interface with MAC address ${mac} was found`);
      v.error("Failed to detach interface");
      return false;
    }
  } else if (nics.length > 1) {
    v.error(`Domain has ${nics.length} interfaces. Please specify which one to detach using --mac`);
    v.error("Failed to detach interface");
    return false;
  } else pick = nics[0];
  const pm = child(pick, "mac")?.attrs.address;
  const e = changeDevices(v, r.dom, f, o.has("persistent"), "virDomainDetachDevice", "virDomainDetachDeviceFlags", (devs) => {
    const i = devs.findIndex((d) => d.name === "interface" && child(d, "mac")?.attrs.address === pm);
    if (i < 0) return lvErr("DEVICE_MISSING", `device not found: no device matching MAC address ${pm} found`);
    return devs.filter((_, k) => k !== i);
  });
  if (e) {
    v.lastError = e;
    v.error("Failed to detach interface");
    return false;
  }
  v.printExtra("Interface detached successfully\n");
  return true;
};

/** The disk element as libxml2 dumps a node of the pretty-printed domain XML (virsh change-media --print-xml). */
function dumpDiskLines(disk: XmlEl): string[] {
  const lines = formatXml(disk, 4, '"').replace(/\n$/, "").split("\n");
  lines[0] = lines[0]!.trimStart();
  return lines;
}

const changeMedia: Handler = (v, o) => {
  const eject0 = o.has("eject");
  const insert = o.has("insert");
  let update = o.has("update");
  const block = o.has("block");
  for (const [a, b] of [["eject", "insert"], ["eject", "update"], ["insert", "update"], ["eject", "block"]] as const) if (!exclusive(v, o, a, b)) return false;
  const srcR = optStr(v, o, "source");
  if (!srcR) return false;
  const source = srcR.value;
  let eject = eject0;
  if (update && !source) {
    update = false;
    eject = true;
  }
  const action = eject ? "eject" : insert ? "insert" : "update";
  const success = eject ? "Successfully ejected media." : insert ? "Successfully inserted media." : "Successfully updated media.";
  if (!exclusive(v, o, "current", "live") || !exclusive(v, o, "current", "config")) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const path = o.raw("path")!;
  const config = o.has("config");
  const x = domainXml(v, r.dom, config);
  const disk = findDisk(v, x, path, true);
  if (!disk) return false;
  const src = child(disk, "source");
  if (eject && !src) {
    v.error(`The disk device '${path}' doesn't have media`);
    return false;
  }
  if (!eject && !source) {
    v.error("New disk media source was not specified");
    return false;
  }
  const srcPath = src?.attrs.file ?? src?.attrs.dev ?? src?.attrs.dir ?? src?.attrs.pool ?? src?.attrs.name;
  if (srcPath && insert) {
    v.error(`The disk device '${path}' already has media`);
    return false;
  }
  const newType = block && !eject ? "block" : "file";
  const newDisk: XmlEl = { ...disk, attrs: { ...disk.attrs, type: newType } };
  const lines = dumpDiskLines(newDisk);
  const si = lines.findIndex((l) => /^\s*<source[ >/]/.test(l));
  if (si >= 0) lines[si] = "      ";
  if (!eject && source) {
    const ti = lines.findIndex((l) => /^\s*<target[ >/]/.test(l));
    const attrs = { [newType === "block" ? "dev" : "file"]: source, startupPolicy: src?.attrs.startupPolicy };
    const srcLine = "      " + formatXml(el("source", attrs), 0, '"').trim();
    lines.splice(ti, 0, srcLine);
  }
  if (o.has("print-xml")) {
    v.print(lines.join("\n"));
    return true;
  }
  const f = { live: o.has("live"), config, any: true };
  const e = changeDevices(v, r.dom, f, false, "virDomainUpdateDeviceFlags", "virDomainUpdateDeviceFlags", (devs) => {
    const dev = child(disk, "target")?.attrs.dev;
    return devs.map((d) => {
      if (d.name !== "disk" || child(d, "target")?.attrs.dev !== dev) return d;
      const rest = d.children.filter((c) => !(isEl(c) && c.name === "source"));
      const ti = rest.findIndex((c) => isEl(c) && c.name === "target");
      const add = !eject && source ? [el("source", { [newType === "block" ? "dev" : "file"]: source })] : [];
      return { ...d, attrs: { ...d.attrs, type: newType }, children: [...rest.slice(0, ti), ...add, ...rest.slice(ti)] };
    });
  });
  if (e) {
    v.lastError = e;
    v.error(`Failed to complete action ${action} on media`);
    return false;
  }
  v.print(success);
  return true;
};

function deviceFromFile(v: Virsh, file: string): XmlEl | undefined {
  const text = readXmlFile(v, file);
  if (text === undefined) return undefined;
  const p = parseXml(text);
  if ("error" in p) {
    v.lastError = lvErr("XML_DETAIL", syntaxErrorText(p.error, "(device_definition)"));
    return undefined;
  }
  return stripWs(p.root);
}

const attachDevice: Handler = (v, o) => {
  const f = deviceFlags(v, o);
  if (!f) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const file = o.raw("file")!;
  // the test driver has no device API: it fails before anything parses the XML
  if (isTest(v)) {
    if (readXmlFile(v, file) === undefined) return false;
    v.lastError = noSupport(f.any || o.has("persistent") ? "virDomainAttachDeviceFlags" : "virDomainAttachDevice");
    v.error(`Failed to attach device from ${file}`);
    return false;
  }
  const dev = deviceFromFile(v, file);
  if (!dev) {
    if (v.lastError) v.error(`Failed to attach device from ${file}`);
    return false;
  }
  const e = changeDevices(v, r.dom, f, o.has("persistent"), "virDomainAttachDevice", "virDomainAttachDeviceFlags", (devs) => [...devs, normalizeDevice(dev)]);
  if (e) {
    v.lastError = e;
    v.error(`Failed to attach device from ${file}`);
    return false;
  }
  v.printExtra("Device attached successfully\n");
  return true;
};

const detachDevice: Handler = (v, o) => {
  const f = deviceFlags(v, o);
  if (!f) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const file = o.raw("file")!;
  // the test driver has no device API: it fails before anything parses the XML
  if (isTest(v)) {
    if (readXmlFile(v, file) === undefined) return false;
    v.lastError = noSupport(f.any || o.has("persistent") ? "virDomainDetachDeviceFlags" : "virDomainDetachDevice");
    v.error(`Failed to detach device from ${file}`);
    return false;
  }
  const dev = deviceFromFile(v, file);
  if (!dev) {
    if (v.lastError) v.error(`Failed to detach device from ${file}`);
    return false;
  }
  const key = (d: XmlEl) => (d.name === "disk" ? child(d, "target")?.attrs.dev : d.name === "interface" ? child(d, "mac")?.attrs.address : formatXml(d));
  const e = changeDevices(v, r.dom, f, o.has("persistent"), "virDomainDetachDevice", "virDomainDetachDeviceFlags", (devs) => {
    const i = devs.findIndex((d) => d.name === dev.name && key(d) === key(normalizeDevice(dev)));
    if (i < 0) return lvErr("DEVICE_MISSING", "device not found: matching device not found");
    return devs.filter((_, k) => k !== i);
  });
  if (e) {
    v.lastError = e;
    v.error(`Failed to detach device from ${file}`);
    return false;
  }
  v.printExtra("Device detached successfully\n");
  return true;
};

const domjobinfo: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  if (isTest(v)) return v.fail(noSupport("virDomainGetJobInfo"));
  v.print(`${"Job type:".padEnd(17)} None        \n`);
  return true;
};

export const DEVICE_HANDLERS: Record<string, Handler> = {
  domblklist,
  domiflist,
  domblkinfo,
  domifaddr,
  domifstat,
  domblkstat,
  "attach-disk": attachDisk,
  "detach-disk": detachDisk,
  "attach-interface": attachInterface,
  "detach-interface": detachInterface,
  "change-media": changeMedia,
  "attach-device": attachDevice,
  "detach-device": detachDevice,
  domjobinfo,
};

export type { LibvirtConn };
