// Domain XML: parsing and validation with libvirt's error wording, the defaults libvirt fills in,
// canonical element order, and read/update helpers over the definition tree.
import { child, childText, el, isEl, kids, parseXml, stripWs, syntaxErrorText, text, type XmlEl, type XmlNode } from "./xml";
import { lvErr, type DriverKind, type LvError } from "./types";
import { scaleInteger, splitScaled, ULLONG_MAX } from "./units";

export interface DefContext {
  driver: DriverKind;
  /** A fresh UUID for definitions that have none. */
  uuid: () => string;
  /** A fresh MAC address for interfaces that have none. */
  mac: () => string;
  /** Test driver: name host-side NICs testnetN at definition time. */
  ifnames?: boolean;
}

const VIRT_TYPES = ["none", "qemu", "kqemu", "kvm", "xen", "lxc", "uml", "openvz", "test", "vmware", "hyperv", "vbox", "phyp", "parallels", "bhyve", "vz"];
const OS_TYPES = ["hvm", "xen", "linux", "xenpvh", "exe", "uml"];
const BOOT_DEVS = ["fd", "cdrom", "hd", "network"];
const DISK_TYPES = ["file", "block", "dir", "network", "volume", "nvme", "vhostuser"];
const DISK_DEVICES = ["disk", "cdrom", "floppy", "lun"];
const DISK_BUSES = ["ide", "fdc", "scsi", "virtio", "xen", "usb", "uml", "sata", "sd"];
const DISK_FORMATS = ["none", "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop", "cow", "qcow", "qcow2", "qed", "vmdk", "luks", "vhdx"];
const NET_TYPES = ["user", "ethernet", "vhostuser", "server", "client", "mcast", "network", "bridge", "internal", "direct", "hostdev", "udp", "vdpa", "null", "vds"];

const TOP_ORDER = [
  "name", "uuid", "genid", "title", "description", "metadata", "maxMemory", "memory", "currentMemory", "blkiotune", "memtune", "memoryBacking",
  "vcpu", "vcpus", "iothreads", "iothreadids", "cputune", "numatune", "resource", "sysinfo", "bootloader", "bootloader_args", "os", "idmap",
  "features", "cpu", "clock", "on_poweroff", "on_reboot", "on_crash", "on_lockfailure", "pm", "perf", "devices", "seclabel", "keywrap", "launchSecurity",
];
const DEVICE_ORDER = [
  "emulator", "disk", "controller", "lease", "filesystem", "interface", "smartcard", "serial", "parallel", "console", "channel", "input", "tpm",
  "graphics", "sound", "audio", "video", "hostdev", "redirdev", "redirfilter", "hub", "watchdog", "memballoon", "rng", "nvram", "panic", "shmem",
  "memory", "iommu", "vsock", "crypto",
];
const OS_ORDER = ["type", "firmware", "init", "initarg", "initenv", "initdir", "inituser", "initgroup", "loader", "nvram", "kernel", "initrd", "cmdline", "dtb", "root", "acpi", "boot", "bootmenu", "bios", "smbios"];
const FEATURE_ORDER = ["acpi", "apic", "pae", "hap", "viridian", "privnet", "hyperv", "kvm", "pvspinlock", "capabilities", "pmu", "vmport", "gic", "smm", "ioapic", "hpt", "vmcoreinfo", "htm", "nested-hv", "msrs", "ccf-assist", "xen", "cfpc", "sbbc", "ibs", "tcg", "async-teardown"];
const DISK_ORDER = ["driver", "auth", "source", "backingStore", "backenddomain", "geometry", "blockio", "mirror", "target", "iotune", "readonly", "shareable", "transient", "serial", "wwn", "vendor", "product", "encryption", "boot", "alias", "address"];
const NET_ORDER = ["mac", "source", "virtualport", "ip", "route", "script", "downscript", "backenddomain", "target", "guest", "model", "driver", "backend", "filterref", "tune", "teaming", "link", "mtu", "coalesce", "rom", "boot", "alias", "address"];
const ATTR_ORDER: Record<string, string[]> = {
  disk: ["type", "device", "model", "rawio", "sgio", "snapshot"],
  driver: ["name", "type", "cache", "error_policy", "rerror_policy", "io", "ioeventfd", "event_idx", "copy_on_read", "discard", "iothread", "detect_zeroes", "queues", "queue_size"],
  target: ["dev", "bus", "tray", "removable", "rotation_rate"],
  vcpu: ["placement", "cpuset", "current"],
  type: ["arch", "machine"],
  address: ["type", "domain", "controller", "bus", "slot", "target", "unit", "function", "multifunction"],
  graphics: ["type", "port", "autoport", "websocket", "listen", "passwd", "keymap"],
};

function order(nodes: XmlEl[], names: string[], keepUnknown: boolean): XmlEl[] {
  const rank = (n: string) => {
    const i = names.indexOf(n);
    return i < 0 ? names.length : i;
  };
  return nodes
    .filter((n) => keepUnknown || names.includes(n.name))
    .map((n, i) => ({ n, i }))
    .sort((a, b) => rank(a.n.name) - rank(b.n.name) || a.i - b.i)
    .map((x) => x.n);
}

function orderAttrs(e: XmlEl): XmlEl {
  const ord = ATTR_ORDER[e.name];
  if (!ord) return e;
  const attrs: Record<string, string> = {};
  for (const k of ord) if (e.attrs[k] !== undefined) attrs[k] = e.attrs[k]!;
  for (const [k, v] of Object.entries(e.attrs)) if (attrs[k] === undefined) attrs[k] = v;
  return { ...e, attrs };
}

const setKids = (e: XmlEl, children: XmlNode[]): XmlEl => ({ ...e, children });

/** virDiskNameToIndex: "vda" → 0, "sdb" → 1, "hdaa" → 26; -1 when not a disk name. */
export function diskNameToIndex(name: string): number {
  const m = /^(?:fd|hd|vd|sd|xvd|ubd)([a-z]+)(\d*)$/.exec(name);
  if (!m) return -1;
  let v = -1;
  for (const ch of m[1]!) v = (v + 1) * 26 + (ch.charCodeAt(0) - 97);
  return v;
}

function busFromTarget(dev: string, device: string): string | undefined {
  if (dev.startsWith("hd")) return "ide";
  if (dev.startsWith("sd")) return "scsi";
  if (dev.startsWith("vd")) return "virtio";
  if (dev.startsWith("xvd")) return "xen";
  if (dev.startsWith("ubd")) return "uml";
  if (dev.startsWith("fd") || device === "floppy") return "fdc";
  return undefined;
}

/** libvirt's memory parse: <memory unit='X'>N</memory> to KiB, rounding up. */
function parseMemoryEl(e: XmlEl, path: string): number | LvError {
  const raw = (text(e) ?? "").trim();
  if (!/^\d+$/.test(raw)) return lvErr("XML_ERROR", `XML error: Invalid value '${raw}' for element or attribute '${path}'`);
  const unit = e.attrs.unit ?? "KiB";
  const v = scaleInteger(BigInt(raw), unit, 1024n, ULLONG_MAX);
  if (typeof v !== "bigint") return v;
  return Number((v + 1023n) / 1024n);
}

const macRe = /^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/;

function invalidAttr(attr: string, elName: string, value: string): LvError {
  return lvErr("XML_ERROR", `XML error: Invalid value for attribute '${attr}' in element '${elName}': '${value}'.`);
}

/**
 * Parse domain XML text into a normalised definition (what `dumpxml --inactive` shows), or the error libvirt
 * reports. `what` names the document in syntax errors ("domain_definition").
 */
export function parseDomainXml(xmlText: string, ctx: DefContext, what = "domain_definition", validate = false): XmlEl | LvError {
  const r = parseXml(xmlText);
  if ("error" in r) return lvErr("XML_DETAIL", syntaxErrorText(r.error, what));
  if (validate) {
    // the part of domain.rng's verdict the simulator checks: elements libvirt's schema does not know
    const extra = kids(stripWs(r.root)).find((k) => !TOP_ORDER.includes(k.name) && !k.name.includes(":"));
    if (extra) return lvErr("XML_INVALID_SCHEMA", `XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domain.rng\nElement domain has extra content: ${extra.name}\n`);
  }
  return normalizeDomain(r.root, ctx);
}

export function normalizeDomain(rootIn: XmlEl, ctx: DefContext): XmlEl | LvError {
  const root = stripWs(rootIn);
  if (root.name !== "domain") return lvErr("XML_ERROR", `XML error: expecting root element of 'domain', not '${root.name}'`);
  const type = root.attrs.type;
  if (type === undefined) return lvErr("INTERNAL_ERROR", "internal error: missing domain type attribute");
  if (!VIRT_TYPES.includes(type)) return lvErr("CONFIG_UNSUPPORTED", `unsupported configuration: invalid domain type ${type}`);
  const name = childText(root, "name")?.trim();
  if (!name) return lvErr("NO_NAME", "missing name information");
  if (name.includes("/")) return lvErr("XML_ERROR", `XML error: name ${name} cannot contain '/'`);
  let uuid = childText(root, "uuid")?.trim();
  if (uuid !== undefined) {
    const hex = uuid.replace(/-/g, "");
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) return lvErr("INTERNAL_ERROR", "internal error: malformed uuid element");
    uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`.toLowerCase();
  } else uuid = ctx.uuid();

  // lifecycle actions (virDomainEventActionParseXML)
  for (const ev of ["on_poweroff", "on_reboot", "on_crash"]) {
    const a = childText(root, ev)?.trim();
    if (a !== undefined && !["destroy", "restart", "rename-restart", "preserve", "coredump-destroy", "coredump-restart"].includes(a)) return lvErr("CONFIG_UNSUPPORTED", `unsupported configuration: unknown ${ev} action: ${a}`);
  }

  // os
  const osIn = child(root, "os");
  const osType = childText(osIn, "type")?.trim();
  if (!osType) return lvErr("XML_ERROR", "XML error: an os <type> must be specified");
  if (!OS_TYPES.includes(osType)) return lvErr("CONFIG_UNSUPPORTED", `unsupported configuration: unknown OS type '${osType}'`);

  // guest NUMA cells (virDomainNumaDefParseXML): memory in KiB; their sum is the domain's memory
  let cpuEl = child(root, "cpu");
  let numaKiB = 0;
  const numaEl = child(cpuEl, "numa");
  if (cpuEl && numaEl) {
    const cells: XmlEl[] = [];
    for (const c of kids(numaEl, "cell")) {
      if (c.attrs.memory === undefined) return lvErr("XML_ERROR", "XML error: missing element or attribute './@memory'");
      const m = parseMemoryEl({ ...el("memory", c.attrs.unit !== undefined ? { unit: c.attrs.unit } : {}), children: [c.attrs.memory] }, "./@memory");
      if (typeof m !== "number") return m;
      numaKiB += m;
      cells.push({ ...c, attrs: { ...(c.attrs.id !== undefined ? { id: c.attrs.id } : {}), ...(c.attrs.cpus !== undefined ? { cpus: c.attrs.cpus } : {}), memory: String(m), unit: "KiB", ...Object.fromEntries(Object.entries(c.attrs).filter(([k]) => !["id", "cpus", "memory", "unit"].includes(k))) } });
    }
    cpuEl = { ...cpuEl, children: cpuEl.children.map((k) => (k === numaEl ? { ...numaEl, children: cells } : k)) };
  }

  // memory
  const memEl = child(root, "memory");
  if (!memEl && !numaKiB) return lvErr("XML_ERROR", "XML error: Memory size must be specified via <memory> or in the <numa> configuration");
  const memParsed = memEl ? parseMemoryEl(memEl, "./memory[1]") : numaKiB;
  if (typeof memParsed !== "number") return memParsed;
  const mem = numaKiB || memParsed;
  let cur = mem;
  const curEl = child(root, "currentMemory");
  if (curEl) {
    const c = parseMemoryEl(curEl, "./currentMemory[1]");
    if (typeof c !== "number") return c;
    cur = Math.min(c, mem);
  }

  // memtune limits (virDomainParseMemoryLimit): KiB, in libvirt's order
  let memtune: XmlEl | undefined;
  const mtIn = child(root, "memtune");
  if (mtIn) {
    const mk: XmlEl[] = [];
    for (const n of ["hard_limit", "soft_limit", "min_guarantee", "swap_hard_limit"]) {
      const e = child(mtIn, n);
      if (!e) continue;
      const k = parseMemoryEl(e, `./memtune/${n}[1]`);
      if (typeof k !== "number") return k;
      mk.push(el(n, { unit: "KiB" }, [String(k)]));
    }
    if (mk.length) memtune = el("memtune", {}, mk);
  }

  // vcpus
  const vcpuEl = child(root, "vcpu");
  let maxv = 1;
  let curv: number | undefined;
  if (vcpuEl) {
    const t = (text(vcpuEl) ?? "").trim();
    if (!/^\d+$/.test(t)) return lvErr("XML_ERROR", "XML error: maximum vcpus count must be an integer");
    maxv = Number(t);
    if (maxv === 0) return lvErr("INTERNAL_ERROR", "internal error: CPU IDs in <numa> exceed the <vcpu> count");
    if (vcpuEl.attrs.current !== undefined) {
      if (!/^\d+$/.test(vcpuEl.attrs.current)) return lvErr("XML_ERROR", "XML error: current vcpus count must be an integer");
      curv = Number(vcpuEl.attrs.current);
      if (curv > maxv) return lvErr("CONFIG_UNSUPPORTED", "unsupported configuration: maximum vCPU count must not be less than current vCPU count");
      if (curv === maxv) curv = undefined;
    }
  }

  // os element
  const osKids = kids(osIn);
  for (const b of kids(osIn, "boot")) if (!BOOT_DEVS.includes(b.attrs.dev ?? "")) return invalidAttr("dev", "boot", b.attrs.dev ?? "");
  const typeEl = child(osIn, "type")!;
  const arch = typeEl.attrs.arch ?? (ctx.driver === "test" ? "i686" : "x86_64");
  let machine = typeEl.attrs.machine;
  if (ctx.driver === "qemu" && osType === "hvm") {
    if (!machine || machine === "pc") machine = "pc-i440fx-7.2";
    else if (machine === "q35") machine = "pc-q35-7.2";
  }
  const newOsKids: XmlEl[] = [el("type", { arch, machine }, [osType]), ...osKids.filter((k) => k.name !== "type")];
  // per-device <boot order> excludes <os><boot>; without either, an HVM guest boots from disk
  const devBoot = kids(child(root, "devices")).some((dv) => child(dv, "boot") !== undefined);
  if (devBoot && newOsKids.some((k) => k.name === "boot")) return lvErr("CONFIG_UNSUPPORTED", "unsupported configuration: per-device boot elements cannot be used together with os/boot elements");
  if (osType === "hvm" && !devBoot && !newOsKids.some((k) => k.name === "boot")) newOsKids.push(el("boot", { dev: "hd" }));
  const os = el("os", { ...(osIn!.attrs) }, order(newOsKids, OS_ORDER, false));

  // devices
  const devIn = child(root, "devices");
  const devs: XmlEl[] = [];
  const disks: XmlEl[] = [];
  const diskBus: (string | undefined)[] = [];
  for (const d of kids(devIn, "disk")) {
    const dt = d.attrs.type ?? "file";
    if (!DISK_TYPES.includes(dt)) return invalidAttr("type", "disk", dt);
    const device = d.attrs.device ?? "disk";
    if (!DISK_DEVICES.includes(device)) return invalidAttr("device", "disk", device);
    const tgt = child(d, "target");
    const src = child(d, "source");
    const srcName = src?.attrs.file ?? src?.attrs.dev ?? src?.attrs.dir ?? src?.attrs.name ?? src?.attrs.volume;
    if (!tgt?.attrs.dev) return lvErr("XML_ERROR", srcName !== undefined ? `missing target information for device ${srcName}` : "missing target information for device");
    if (tgt.attrs.bus !== undefined && !DISK_BUSES.includes(tgt.attrs.bus)) return invalidAttr("bus", "target", tgt.attrs.bus);
    const drv = child(d, "driver");
    if (drv?.attrs.type !== undefined && !DISK_FORMATS.includes(drv.attrs.type)) return lvErr("CONFIG_UNSUPPORTED", `unsupported configuration: unknown driver format value '${drv.attrs.type}'`);
    // insertion keeps disks of one bus sorted by target index (virDomainDiskInsert)
    const bus = tgt.attrs.bus;
    const idx = diskNameToIndex(tgt.attrs.dev);
    let insertAt = -1;
    for (let i = disks.length - 1; i >= 0; i--) {
      const other = child(disks[i], "target")!.attrs.dev!;
      if (diskBus[i] === bus && diskNameToIndex(other) > idx) insertAt = i;
      else if (diskBus[i] === bus && insertAt === -1) insertAt = i + 1;
    }
    if (insertAt < 0) insertAt = disks.length;
    disks.splice(insertAt, 0, { ...d, attrs: { ...d.attrs, type: dt, device } });
    diskBus.splice(insertAt, 0, bus);
  }
  // duplicate targets
  const seenTargets = new Map<string, string>();
  for (const d of disks) {
    const dev = child(d, "target")!.attrs.dev!;
    const s = child(d, "source");
    const sn = s?.attrs.file ?? s?.attrs.dev ?? s?.attrs.name ?? "";
    if (seenTargets.has(dev)) return lvErr("XML_ERROR", `XML error: target '${dev}' duplicated for disk sources '${seenTargets.get(dev)}' and '${sn}'`);
    seenTargets.set(dev, sn);
  }
  const controllers: XmlEl[] = kids(devIn, "controller").map((c) => ({ ...c, attrs: { type: c.attrs.type ?? "", index: c.attrs.index ?? "0", ...c.attrs } }));
  const needCtrl = new Map<string, Set<number>>();
  const finalDisks = disks.map((d) => {
    const device = d.attrs.device!;
    const tgt = child(d, "target")!;
    const bus = tgt.attrs.bus ?? busFromTarget(tgt.attrs.dev!, device) ?? "ide";
    let dk: XmlNode[] = d.children.map((c) => (isEl(c) && c.name === "target" ? orderAttrs({ ...c, attrs: { ...c.attrs, bus } }) : c));
    if (device === "cdrom" && !child(d, "readonly")) dk.push(el("readonly"));
    if (!child(d, "address") && ["ide", "sata", "scsi", "fdc"].includes(bus)) {
      const idx = diskNameToIndex(tgt.attrs.dev!);
      let controller = 0;
      let busN = 0;
      let unit = 0;
      if (bus === "scsi") {
        controller = Math.floor(idx / 7);
        unit = idx % 7;
      } else if (bus === "ide") {
        controller = Math.floor(idx / 4);
        busN = Math.floor((idx % 4) / 2);
        unit = idx % 2;
      } else if (bus === "sata") {
        controller = Math.floor(idx / 6);
        unit = idx % 6;
      } else {
        controller = Math.floor(idx / 2);
        unit = idx % 2;
      }
      dk.push(el("address", { type: "drive", controller: String(controller), bus: String(busN), target: "0", unit: String(unit) }));
    }
    const addr = dk.find((c): c is XmlEl => isEl(c) && c.name === "address" && c.attrs.type === "drive");
    if (addr) {
      const set = needCtrl.get(bus) ?? new Set<number>();
      set.add(Number(addr.attrs.controller ?? 0));
      needCtrl.set(bus, set);
    }
    dk = order(dk.filter(isEl).map((k) => orderAttrs(k)), DISK_ORDER, true);
    return orderAttrs({ ...d, children: dk });
  });
  for (const ctype of ["scsi", "fdc", "ide", "sata"]) {
    const want = needCtrl.get(ctype);
    if (!want) continue;
    for (const index of [...want].sort((a, b) => a - b)) {
      if (controllers.some((c) => c.attrs.type === ctype && Number(c.attrs.index) === index)) continue;
      const lastSame = controllers.map((c) => c.attrs.type).lastIndexOf(ctype);
      const ce = el("controller", { type: ctype, index: String(index) });
      if (lastSame >= 0) controllers.splice(lastSame + 1, 0, ce);
      else controllers.push(ce);
    }
  }

  const nets: XmlEl[] = [];
  let ifn = 0;
  const usedIf = new Set(kids(devIn, "interface").map((n) => child(n, "target")?.attrs.dev).filter(Boolean));
  for (const n of kids(devIn, "interface")) {
    const t = n.attrs.type ?? "";
    if (!NET_TYPES.includes(t)) return invalidAttr("type", "interface", t);
    const macEl = child(n, "mac");
    if (macEl && !macRe.test(macEl.attrs.address ?? "")) return lvErr("XML_ERROR", `XML error: unable to parse mac address '${macEl.attrs.address ?? ""}'`);
    const src = child(n, "source");
    if (t === "network" && !src?.attrs.network) return lvErr("XML_ERROR", "XML error: interface type='network' requires a 'source' element");
    if (t === "bridge" && !src?.attrs.bridge) return lvErr("XML_ERROR", "XML error: No <source> 'bridge' attribute specified with <interface type='bridge'/>");
    let nk = n.children.filter(isEl);
    nk = nk.map((c) => {
      if (c.name === "mac") return el("mac", { address: c.attrs.address!.toLowerCase().split(":").map((p) => p.padStart(2, "0")).join(":") });
      if (c.name === "source" && t === "network") return el("source", { network: c.attrs.network, portgroup: c.attrs.portgroup, portid: c.attrs.portid });
      return c;
    });
    if (!macEl) nk.unshift(el("mac", { address: ctx.mac() }));
    if (ctx.ifnames && !child(n, "target")) {
      while (usedIf.has(`testnet${ifn}`)) ifn++;
      nk.push(el("target", { dev: `testnet${ifn}` }));
      usedIf.add(`testnet${ifn}`);
    }
    nets.push({ name: "interface", attrs: { type: t, ...n.attrs }, children: order(nk, NET_ORDER, true) });
  }

  const other = kids(devIn).filter((d) => !["disk", "interface", "controller", "emulator"].includes(d.name) && DEVICE_ORDER.includes(d.name));
  // serial for a console that has none
  const serials = other.filter((d) => d.name === "serial");
  const consoles = other.filter((d) => d.name === "console");
  const extra: XmlEl[] = [];
  if (consoles.length && !serials.length && osType === "hvm") {
    const c0 = consoles[0]!;
    const ct = child(c0, "target");
    if (!ct || ct.attrs.type === undefined || ct.attrs.type === "serial") {
      extra.push(el("serial", { type: c0.attrs.type ?? "pty" }, [el("target", { port: "0" }), ...c0.children.filter((k) => isEl(k) && k.name !== "target")]));
    }
  }
  let serialIdx = 0;
  const otherFixed = other.map((d) => {
    if (d.name === "serial" && osType === "hvm") {
      const port = serialIdx++;
      if (!child(d, "target")) return setKids(d, [el("target", { port: String(port) }), ...d.children.filter(isEl)]);
      return d;
    }
    // libvirt writes these as an open/close pair even when empty
    if (d.name === "redirdev" && !kids(d).length) return { ...d, block: true };
    if (d.name === "console") {
      // a pty console by default; the tty attribute is the live pty path, not configuration
      const { tty: _tty, ...attrs } = d.attrs;
      const ct = child(d, "target");
      return setKids({ ...d, attrs: { ...attrs, type: attrs.type ?? "pty" } }, [el("target", { type: ct?.attrs.type ?? "serial", port: ct?.attrs.port ?? "0" }), ...d.children.filter((k) => !(isEl(k) && k.name === "target"))]);
    }
    if (d.name === "graphics") {
      const attrs = { ...d.attrs };
      if (attrs.type === "vnc" && attrs.port === undefined && attrs.autoport === undefined) {
        attrs.port = "-1";
        attrs.autoport = "yes";
      }
      // virDomainGraphicsDefFormat always states autoport for a VNC display on a port
      if (attrs.type === "vnc" && attrs.autoport === undefined && attrs.socket === undefined) attrs.autoport = attrs.port === "-1" ? "yes" : "no";
      // the first address listen is mirrored in the legacy listen attribute
      const addrListen = kids(d, "listen").find((l) => l.attrs.type === "address" && l.attrs.address);
      if (addrListen?.attrs.address !== undefined && attrs.listen === undefined) attrs.listen = addrListen.attrs.address;
      let gk = d.children;
      if (!kids(d, "listen").length && ["vnc", "spice", "rdp"].includes(attrs.type ?? ""))
        gk = [...gk, el("listen", attrs.listen !== undefined ? { type: "address", address: attrs.listen } : { type: "address" })];
      return orderAttrs({ ...d, attrs, children: gk });
    }
    if (d.name === "video") {
      // virDomainVideoDefParseXML + defaults: ram/vram by model, one head, the first card primary
      const m = child(d, "model");
      const type = m?.attrs.type ?? (ctx.driver === "test" ? "cirrus" : "vga");
      const ram = m?.attrs.ram ?? (type === "qxl" ? "65536" : undefined);
      const vram = m?.attrs.vram ?? (["vga", "cirrus", "vmvga", "bochs"].includes(type) ? "16384" : type === "qxl" ? "65536" : type === "xen" ? "4096" : undefined);
      const first = other.find((x) => x.name === "video") === d;
      const model = el("model", { type, ram, vram, vram64: m?.attrs.vram64, vgamem: m?.attrs.vgamem, heads: m?.attrs.heads ?? (type === "none" ? undefined : "1"), primary: first && type !== "none" ? "yes" : m?.attrs.primary }, m ? m.children : []);
      return setKids(d, [model, ...d.children.filter((k) => !(isEl(k) && k.name === "model"))]);
    }
    if (d.name === "channel" && child(d, "target")?.attrs.type === "virtio" && !controllers.some((c) => c.attrs.type === "virtio-serial"))
      controllers.push(el("controller", { type: "virtio-serial", index: "0" }));
    return d;
  });
  if (other.some((d) => d.name === "graphics") && !other.some((d) => d.name === "video"))
    extra.push(el("video", {}, [el("model", ctx.driver === "test" ? { type: "cirrus", vram: "16384", heads: "1", primary: "yes" } : { type: "vga", vram: "16384", heads: "1", primary: "yes" })]));
  if (ctx.driver === "qemu" && !other.some((d) => d.name === "memballoon")) extra.push(el("memballoon", { model: "virtio" }));
  const emulator = kids(devIn, "emulator");
  if (ctx.driver === "qemu" && !emulator.length) emulator.push(el("emulator", {}, ["/usr/bin/qemu-system-x86_64"]));
  const devices: XmlEl = { ...el("devices", {}, []), block: true };
  devices.children = order([...emulator.slice(0, 1), ...finalDisks, ...controllers, ...nets, ...otherFixed, ...extra], DEVICE_ORDER, false);

  // features
  const featIn = child(root, "features");
  const features = featIn
    ? el(
        "features",
        featIn.attrs,
        order(kids(featIn), FEATURE_ORDER, false).map((f) => (f.name === "hyperv" && f.attrs.mode === undefined ? { ...f, attrs: { mode: "custom", ...f.attrs } } : f)),
      )
    : undefined;

  const top: XmlEl[] = [
    el("name", {}, [name]),
    el("uuid", {}, [uuid]),
    ...["genid", "title", "description", "metadata"].flatMap((n) => kids(root, n).slice(0, 1)),
    el("memory", { unit: "KiB" }, [String(mem)]),
    el("currentMemory", { unit: "KiB" }, [String(cur)]),
    el("vcpu", { placement: vcpuEl?.attrs.placement ?? "static", cpuset: vcpuEl?.attrs.cpuset, current: curv !== undefined ? String(curv) : undefined }, [String(maxv)]),
    ...["maxMemory", "blkiotune"].flatMap((n) => kids(root, n)),
    ...(memtune ? [memtune] : []),
    ...["memoryBacking", "iothreads", "iothreadids", "cputune", "numatune", "resource", "sysinfo", "bootloader", "bootloader_args"].flatMap((n) => kids(root, n)),
    os,
    ...(features ? [features] : []),
    ...(cpuEl ? [cpuEl] : []),
    child(root, "clock") ?? el("clock", { offset: "utc" }),
    el("on_poweroff", {}, [childText(root, "on_poweroff")?.trim() || "destroy"]),
    el("on_reboot", {}, [childText(root, "on_reboot")?.trim() || "restart"]),
    el("on_crash", {}, [childText(root, "on_crash")?.trim() || "destroy"]),
    ...["on_lockfailure", "pm", "perf"].flatMap((n) => kids(root, n)),
    devices,
    ...["seclabel", "keywrap", "launchSecurity"].flatMap((n) => kids(root, n)),
  ];
  return el("domain", { type }, order(top, TOP_ORDER, false));
}

// ---------------------------------------------------------------- reading a definition

export const domName = (d: XmlEl) => childText(d, "name")!;
export const domUuid = (d: XmlEl) => childText(d, "uuid")!;
export const domTitle = (d: XmlEl) => childText(d, "title");
export const domDescription = (d: XmlEl) => childText(d, "description");
export const maxMemKiB = (d: XmlEl) => Number(childText(d, "memory"));
export const curMemKiB = (d: XmlEl) => Number(childText(d, "currentMemory"));
export const maxVcpus = (d: XmlEl) => Number(childText(d, "vcpu"));
export const curVcpus = (d: XmlEl) => {
  const v = child(d, "vcpu");
  return v?.attrs.current !== undefined ? Number(v.attrs.current) : Number(text(v));
};
export const osTypeOf = (d: XmlEl) => childText(child(d, "os"), "type") ?? "hvm";
export const devicesOf = (d: XmlEl) => child(d, "devices");

export interface DiskInfo {
  type: string;
  device: string;
  target: string;
  bus: string;
  source?: string;
  format?: string;
  readonly: boolean;
}

export function disksOf(d: XmlEl): DiskInfo[] {
  return kids(devicesOf(d), "disk").map((k) => {
    const s = child(k, "source");
    const t = child(k, "target")!;
    return {
      type: k.attrs.type ?? "file",
      device: k.attrs.device ?? "disk",
      target: t.attrs.dev ?? "",
      bus: t.attrs.bus ?? "",
      source: s?.attrs.file ?? s?.attrs.dev ?? s?.attrs.dir ?? (s?.attrs.volume !== undefined ? s.attrs.volume : s?.attrs.name),
      format: child(k, "driver")?.attrs.type,
      readonly: !!child(k, "readonly"),
    };
  });
}

export interface IfaceInfo {
  type: string;
  mac: string;
  source: string;
  model?: string;
  target?: string;
}

export function ifacesOf(d: XmlEl): IfaceInfo[] {
  return kids(devicesOf(d), "interface").map((k) => {
    const s = child(k, "source");
    return {
      type: k.attrs.type ?? "",
      mac: child(k, "mac")?.attrs.address ?? "",
      source: s?.attrs.network ?? s?.attrs.bridge ?? s?.attrs.dev ?? s?.attrs.name ?? s?.attrs.path ?? "",
      model: child(k, "model")?.attrs.type,
      target: child(k, "target")?.attrs.dev,
    };
  });
}

// ---------------------------------------------------------------- updating a definition

function replaceChild(d: XmlEl, name: string, next: XmlEl | undefined): XmlEl {
  const has = d.children.some((c) => isEl(c) && c.name === name);
  let ch: XmlNode[];
  if (has) ch = d.children.flatMap((c) => (isEl(c) && c.name === name ? (next ? [next] : []) : [c]));
  else ch = next ? [...d.children, next] : d.children;
  return { ...d, children: order(ch.filter(isEl), TOP_ORDER, true) };
}

export const withCurMem = (d: XmlEl, kib: number) => replaceChild(d, "currentMemory", el("currentMemory", { unit: "KiB" }, [String(kib)]));
export const withMaxMem = (d: XmlEl, kib: number) => {
  let n = replaceChild(d, "memory", el("memory", { unit: "KiB" }, [String(kib)]));
  if (curMemKiB(n) > kib) n = withCurMem(n, kib);
  return n;
};
export function withVcpus(d: XmlEl, max: number, current: number): XmlEl {
  const v = child(d, "vcpu");
  return replaceChild(d, "vcpu", el("vcpu", { placement: v?.attrs.placement ?? "static", cpuset: v?.attrs.cpuset, current: current !== max ? String(current) : undefined }, [String(max)]));
}
export const withName = (d: XmlEl, name: string) => replaceChild(d, "name", el("name", {}, [name]));
export function withTextEl(d: XmlEl, name: "title" | "description", value: string | undefined): XmlEl {
  return replaceChild(d, name, value === undefined || value === "" ? undefined : el(name, {}, [value]));
}

export function withDevices(d: XmlEl, fn: (devs: XmlEl[]) => XmlEl[]): XmlEl {
  const devs = devicesOf(d);
  return replaceChild(d, "devices", { ...el("devices", devs?.attrs ?? {}, order(fn(kids(devs)), DEVICE_ORDER, true)), block: true });
}

/** Set or clear `<target dev=…/>` of interfaces (host-side NIC names while running). */
export function withIfnames(d: XmlEl, name: (i: number) => string | undefined): XmlEl {
  let i = 0;
  return withDevices(d, (devs) =>
    devs.map((x) => {
      if (x.name !== "interface") return x;
      const nm = name(i++);
      const rest = x.children.filter((c) => !(isEl(c) && c.name === "target"));
      return { ...x, children: order((nm ? [...rest, el("target", { dev: nm })] : rest).filter(isEl), NET_ORDER, true) };
    }),
  );
}

/** Canonicalise a device element given by the user (attach-device, --print-xml). */
export function normalizeDevice(dev: XmlEl): XmlEl {
  const d = stripWs(dev);
  if (d.name === "disk") return orderAttrs({ ...d, children: order(kids(d).map(orderAttrs), DISK_ORDER, true) });
  if (d.name === "interface") return { ...d, children: order(kids(d), NET_ORDER, true) };
  return d;
}

export { DEVICE_ORDER };

/** Replace (or drop, with `undefined`) a top-level element, putting a new one where libvirt writes it. */
export function setTop(d: XmlEl, name: string, e: XmlEl | undefined): XmlEl {
  const rank = (n: string) => {
    const i = TOP_ORDER.indexOf(n);
    return i < 0 ? TOP_ORDER.length : i;
  };
  const ks = d.children.filter((k) => !(isEl(k) && k.name === name));
  if (!e) return { ...d, children: ks };
  let at = ks.length;
  for (let i = 0; i < ks.length; i++) {
    const k = ks[i]!;
    if (isEl(k) && rank(k.name) > rank(name)) {
      at = i;
      break;
    }
  }
  return { ...d, children: [...ks.slice(0, at), e, ...ks.slice(at)] };
}
