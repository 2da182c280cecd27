// xl's reading of a domain configuration (parse_config_data): parsed xl.cfg settings to a libxl domain
// configuration, with xl's warnings and fatal errors in xl's order; and the config's JSON form.
import { parseCfg, XluConfig, ERRNO, type CfgValue } from "./cfg";
import { parseDiskSpec, type DiskSpec } from "./disk-spec";
import { yajl, type Json } from "./json";
import { parseVifSpec, type NicSpec } from "./vif-spec";

export type DomainType = "pv" | "pvh" | "hvm";
export type ShutdownAction = "destroy" | "restart" | "rename-restart" | "preserve" | "coredump-destroy" | "coredump-restart" | "soft-reset";
export const SHUTDOWN_ACTIONS: ShutdownAction[] = ["destroy", "restart", "rename-restart", "preserve", "coredump-destroy", "coredump-restart", "soft-reset"];

export interface HvmConfig {
  firmware?: string;
  bios?: string;
  pae?: boolean;
  acpiS3?: boolean;
  acpiS4?: boolean;
  nx?: boolean;
  viridian?: boolean;
  hpet?: boolean;
  nographic?: boolean;
  vga?: "cirrus" | "stdvga" | "qxl" | "none";
  vnc?: { enable?: boolean; listen?: string; passwd?: string; display?: number; findunused?: boolean };
  sdl?: boolean;
  keymap?: string;
  serial?: string;
  serialList?: string[];
  boot?: string;
  usb?: boolean;
  usbversion?: number;
  usbdevice?: string[];
  soundhw?: string;
  xenPlatformPci?: boolean;
}

/** A libxl_domain_config as xl fills it from a config file (fields left at their default are absent). */
export interface DomainConfig {
  type: DomainType;
  name: string;
  uuid?: string;
  hap?: boolean;
  oos?: boolean;
  ssidLabel?: string;
  poolName?: string;
  runHotplugScripts: boolean;
  driverDomain?: boolean;
  /** 0 when neither vcpus= nor maxvcpus= is given. */
  maxVcpus: number;
  /** vcpus= (vCPUs 0..n-1 online at start). */
  availVcpus?: number;
  hardAffinity?: number[][];
  softAffinity?: number[][];
  numaPlacement?: boolean;
  tscMode?: string;
  maxMemKiB?: number;
  targetMemKiB?: number;
  videoMemKiB?: number;
  shadowMemKiB?: number;
  rtcTimeoffset?: number;
  localtime?: boolean;
  disableMigrate?: boolean;
  blkdevStart?: string;
  deviceModelVersion?: string;
  weight?: number;
  cap?: number;
  claimMode: boolean;
  eventChannels?: number;
  kernel?: string;
  cmdline?: string;
  ramdisk?: string;
  acpi?: boolean;
  bootloader?: string;
  bootloaderArgs?: string[];
  nestedHvm?: boolean;
  apic?: boolean;
  hvm?: HvmConfig;
  disks: DiskSpec[];
  nics: NicSpec[];
  vfbs: { vnc?: boolean; vnclisten?: string; vncdisplay?: number; vncunused?: boolean; keymap?: string; sdl?: boolean }[];
  onPoweroff: ShutdownAction;
  onReboot: ShutdownAction;
  onWatchdog: ShutdownAction;
  onCrash: ShutdownAction;
  onSoftReset: ShutdownAction;
}

/** What xl reads from /etc/xen/xl.conf and the host that changes how a domain config is read. */
export interface XlGlobals {
  /** vif.default.bridge (or the deprecated defaultbridge) when xl.conf sets it; libxl's own default is xenbr0. */
  vifBridge?: string;
  /** vif.default.script (or vifscript) when xl.conf sets it; libxl's own default is vif-bridge. */
  vifScript?: string;
  vifBackend?: string;
  vifGatewaydev?: string;
  claimMode: boolean;
  runHotplugScripts: boolean;
  blkdevStart?: string;
  autoballoon: boolean;
  outputFormat: "json" | "sxp";
  /** Host CPU count (pCPU ranges beyond it are ignored by libxl bitmaps). */
  nrCpus: number;
}

export const DEFAULT_GLOBALS: XlGlobals = { claimMode: true, runHotplugScripts: true, autoballoon: false, outputFormat: "json", nrCpus: 8 };

export interface ConfigRead {
  config?: DomainConfig;
  /** stderr lines, in order. */
  messages: string[];
  /** Set when xl exits while reading the config. */
  exit?: number;
}

/** parse_cpurange: "0-3,^1", "nodes:0", "all" → CPU numbers; or an error message. */
export function parseCpuRange(spec: string, nrCpus: number): { cpus: number[] } | { message: string } {
  const set = new Set<number>();
  for (const part of spec.split(",").filter((p) => p !== "")) {
    let s = part;
    const not = s.startsWith("^");
    if (not) s = s.slice(1);
    let nodes = false;
    if (s.startsWith("node:")) {
      s = s.slice(5);
      nodes = true;
    } else if (s.startsWith("nodes:")) {
      s = s.slice(6);
      nodes = true;
    }
    if (s === "all") {
      if (not) return { message: 'Can\'t combine "^" and "all".\n' };
      for (let i = 0; i < nrCpus; i++) set.add(i);
      continue;
    }
    const m = /^(\d+)(?:-(\d+))?$/.exec(s);
    if (!m || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) return { message: `Invalid pcpu range: ${s}.\n` };
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    for (let i = a; i <= b && i < 4096; i++) {
      const cpus = nodes ? (i === 0 ? Array.from({ length: nrCpus }, (_, k) => k) : []) : [i];
      for (const c of cpus) (not ? set.delete(c) : set.add(c));
    }
  }
  return { cpus: [...set].sort((x, y) => x - y) };
}

function listOrString(x: XluConfig, name: string): { list?: string[]; str?: string } | undefined {
  const l = x.getList(name, true);
  if (Array.isArray(l)) return { list: XluConfig.strings(l) };
  const s = x.getString(name);
  return s !== undefined ? { str: s } : undefined;
}

function prefixOf(buf: string, word: string): boolean {
  return word.startsWith(buf);
}

/**
 * Read a domain configuration as `xl create` does. `extra` (the key=value arguments) is appended on
 * its own lines after the file text, so it overrides.
 */
export function readDomainConfig(source: string, text: string, g: XlGlobals): ConfigRead {
  const parsed = parseCfg(source, text);
  const messages = [...parsed.messages];
  if (parsed.err) {
    messages.push("Failed to parse config: Invalid argument\n");
    return { messages, exit: 1 };
  }
  const x = new XluConfig(source, parsed.settings);
  x.messages.push(...messages);
  const r = interpret(x, g);
  return { ...r, messages: x.messages };
}

function interpret(x: XluConfig, g: XlGlobals): { config?: DomainConfig; exit?: number } {
  const fail = (msg: string, exit = 1) => {
    x.messages.push(msg);
    return { exit };
  };
  let ssidLabel = x.getString("init_seclabel");
  const seclabel = x.getString("seclabel");
  if (ssidLabel === undefined && seclabel !== undefined) ssidLabel = seclabel;

  let type: DomainType | undefined;
  const typeStr = x.getString("type");
  if (typeStr !== undefined) {
    if (prefixOf(typeStr, "hvm")) type = "hvm";
    else if (prefixOf(typeStr, "pv")) type = "pv";
    else if (prefixOf(typeStr, "pvh")) type = "pvh";
    else return fail(`Invalid domain type ${typeStr}.\n`);
  }
  const builder = x.getString("builder");
  if (builder !== undefined) {
    let bt: DomainType;
    if (prefixOf(builder, "hvm")) bt = "hvm";
    else if (prefixOf(builder, "generic")) bt = "pv";
    else return fail(`Invalid domain type ${builder}.\n`);
    if (type !== undefined && type !== bt) return fail('Contradicting "builder" and "type" options specified.\n');
    type = bt;
  }
  type ??= "pv";
  const hap = x.getDefbool("hap");
  const name = x.getString("name");
  if (name === undefined) return fail("Domain name must be specified.\n");
  const uuidStr = x.getString("uuid");
  if (uuidStr !== undefined && !/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(uuidStr)) return fail(`Failed to parse UUID: ${uuidStr}\n`);
  const oos = x.getDefbool("oos");
  const poolName = x.getString("pool");

  const c: DomainConfig = {
    type,
    name,
    ...(uuidStr !== undefined ? { uuid: uuidStr.toLowerCase() } : {}),
    ...(hap !== undefined ? { hap } : {}),
    ...(oos !== undefined ? { oos } : {}),
    ...(ssidLabel !== undefined ? { ssidLabel } : {}),
    ...(poolName !== undefined ? { poolName } : {}),
    runHotplugScripts: g.runHotplugScripts,
    maxVcpus: 0,
    claimMode: g.claimMode,
    disks: [],
    nics: [],
    vfbs: [],
    onPoweroff: "destroy",
    onReboot: "restart",
    onWatchdog: "destroy",
    onCrash: "destroy",
    onSoftReset: "soft-reset",
    ...(type === "hvm" ? { hvm: {} } : {}),
    ...(g.blkdevStart ? { blkdevStart: g.blkdevStart } : {}),
  };

  const weight = x.getLong("cpu_weight");
  if (weight !== undefined) c.weight = weight;
  const cap = x.getLong("cap");
  if (cap !== undefined) c.cap = cap;
  for (const k of ["period", "slice", "latency", "extratime"]) x.getLong(k);
  const memory = x.getLong("memory");
  if (memory !== undefined) c.targetMemKiB = memory * 1024;
  const maxmem = x.getLong("maxmem");
  if (maxmem !== undefined) c.maxMemKiB = maxmem * 1024;
  let vcpus = 0;
  const v = x.getLong("vcpus");
  if (v !== undefined) {
    vcpus = v;
    c.availVcpus = Math.max(0, v);
  }
  const maxv = x.getLong("maxvcpus");
  if (maxv !== undefined) c.maxVcpus = maxv;
  const vuart = x.getString("vuart");
  if (vuart !== undefined && vuart !== "sbsa_uart") return fail(`ERROR: invalid value "${vuart}" for "vuart"\n`);
  if (c.maxMemKiB === undefined && c.targetMemKiB !== undefined) c.maxMemKiB = c.targetMemKiB;
  if (c.maxVcpus === 0) c.maxVcpus = vcpus;
  if (c.maxVcpus < vcpus) return fail("xl: maxvcpus < vcpus\n");

  for (const [key, hard] of [["cpus", true], ["cpus_soft", false]] as const) {
    const a = listOrString(x, key);
    if (!a) continue;
    const maps: number[][] = [];
    if (a.str !== undefined) {
      const r = parseCpuRange(a.str, g.nrCpus);
      if ("message" in r) return fail(r.message);
      for (let i = 0; i < Math.max(c.maxVcpus, 0); i++) maps.push(r.cpus);
    } else {
      for (const item of a.list!.slice(0, Math.max(0, c.maxVcpus))) {
        const r = parseCpuRange(item, g.nrCpus);
        if ("message" in r) return fail(r.message);
        maps.push(r.cpus);
      }
      c.numaPlacement = false;
    }
    if (hard) c.hardAffinity = maps;
    else {
      c.softAffinity = maps;
      c.numaPlacement = false;
    }
  }
  for (const k of ["max_grant_frames", "max_maptrack_frames", "max_grant_version"]) {
    const r = x.getBoundedLong(k, 0n, 0x7fffffffn, true);
    if ("err" in r && r.err !== ERRNO.ESRCH) return { exit: 1 };
  }

  for (const [key, field, def] of [
    ["on_poweroff", "onPoweroff", "destroy"],
    ["on_reboot", "onReboot", "restart"],
    ["on_watchdog", "onWatchdog", "destroy"],
    ["on_crash", "onCrash", "destroy"],
    ["on_soft_reset", "onSoftReset", "soft-reset"],
  ] as const) {
    const buf = x.getString(key) ?? def;
    if (!(SHUTDOWN_ACTIONS as string[]).includes(buf)) return fail(`Unknown ${key} action "${buf}" specified\n`);
    c[field] = buf as ShutdownAction;
  }
  if (type === "pv") x.getDefbool("e820_host");
  for (const k of ["pci_msitranslate", "pci_power_mgmt", "pci_permissive", "pci_seize"]) x.getLong(k);
  const pci = x.getList("pci");
  if (Array.isArray(pci)) {
    for (const item of XluConfig.strings(pci)) {
      if (!/^(?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7](?:@[0-9a-fA-F]+)?(?:,.*)?$/.test(item)) return fail(`unable to parse PCI_SPEC_STRING \`${item}' for passthrough\n`, 22);
    }
  }
  const shadow = x.getLong("shadow_memory");
  if (shadow !== undefined) c.shadowMemKiB = shadow * 1024;
  const nomig = x.getDefbool("nomigrate");
  if (nomig !== undefined) c.disableMigrate = nomig;
  const tscLong = x.getLong("tsc_mode", true);
  const TSC = ["default", "always_emulate", "native", "native_paravirt"];
  if (tscLong !== undefined) {
    const s = TSC[tscLong];
    x.messages.push(`WARNING: specifying "tsc_mode" as an integer is deprecated. Please use the named parameter variant. ${s ? `e.g. tsc_mode="${s}"` : ""}\n`);
    if (tscLong < 0 || tscLong > 3) return fail(`ERROR: invalid value ${tscLong} for "tsc_mode"\n`);
    c.tscMode = TSC[tscLong];
  } else {
    const ts = x.getString("tsc_mode");
    if (ts !== undefined) {
      x.messages.push(`got a tsc mode string: "${ts}"\n`);
      if (!TSC.includes(ts)) return fail(`ERROR: invalid value "${ts}" for "tsc_mode"\n`);
      c.tscMode = ts;
    }
  }
  const rtc = x.getLong("rtc_timeoffset");
  if (rtc !== undefined) c.rtcTimeoffset = rtc;
  if (x.getLong("vncviewer") !== undefined) x.messages.push('WARNING: ignoring "vncviewer" option. Use "-V" option of "xl create" to automatically spawn vncviewer.\n');
  const lt = x.getDefbool("localtime");
  if (lt !== undefined) c.localtime = lt;
  const videoram = x.getLong("videoram");
  if (videoram !== undefined) c.videoMemKiB = videoram * 1024;
  const mec = x.getLong("max_event_channels");
  if (mec !== undefined) c.eventChannels = mec;
  const kernel = x.getString("kernel");
  if (kernel !== undefined) c.kernel = kernel;
  const ramdisk = x.getString("ramdisk");
  if (ramdisk !== undefined) c.ramdisk = ramdisk;
  x.getString("device_tree");
  {
    const buf = x.getString("cmdline");
    const root = x.getString("root");
    const extra = x.getString("extra");
    if (buf !== undefined) {
      c.cmdline = buf;
      if (root !== undefined || extra !== undefined) x.messages.push("Warning: ignoring root= and extra= in favour of cmdline=\n");
    } else if (root !== undefined && extra !== undefined) c.cmdline = `root=${root} ${extra}`;
    else if (root !== undefined) c.cmdline = `root=${root}`;
    else if (extra !== undefined) c.cmdline = extra;
  }
  const dd = x.getDefbool("driver_domain");
  if (dd !== undefined) c.driverDomain = dd;
  const acpi = x.getDefbool("acpi");
  if (acpi !== undefined) c.acpi = acpi;
  const bl = x.getString("bootloader");
  if (bl !== undefined) c.bootloader = bl;
  {
    const l = x.getList("bootloader_args", true);
    if (Array.isArray(l)) c.bootloaderArgs = XluConfig.strings(l);
    else if (l === ERRNO.EINVAL) {
      const s = x.getString("bootloader_args");
      if (s !== undefined) {
        x.messages.push('WARNING: Specifying "bootloader_args" as a string is deprecated. Please use a list of arguments.\n');
        c.bootloaderArgs = s.split(/[ \t\n]+/).filter(Boolean);
      }
    }
  }
  const tm = x.getLong("timer_mode", true) ?? x.getString("timer_mode");
  if (tm !== undefined && type === "pv") return fail('ERROR: "timer_mode" option is not supported for PV guests.\n', 3);
  const nested = x.getDefbool("nestedhvm");
  if (nested !== undefined) c.nestedHvm = nested;

  if (type === "hvm") {
    const h = c.hvm!;
    if (c.kernel !== undefined && c.kernel.replace(/.*\//, "") === "hvmloader") {
      x.messages.push('WARNING: you seem to be using "kernel" directive to override HVM guest firmware. Ignore that. Use "firmware_override" instead if you really want a non-default firmware\n');
      delete c.kernel;
    }
    const fo = x.getString("firmware_override");
    if (fo !== undefined) h.firmware = fo;
    x.getString("bios_path_override");
    const bios = x.getString("bios");
    if (bios !== undefined) {
      if (!["rombios", "seabios", "ovmf"].includes(bios)) return fail(`ERROR: invalid value "${bios}" for "bios"\n`);
      h.bios = bios;
    }
    for (const [k, f] of [["pae", "pae"], ["acpi_s3", "acpiS3"], ["acpi_s4", "acpiS4"], ["nx", "nx"], ["hpet", "hpet"]] as const) {
      const b = x.getDefbool(k);
      if (b !== undefined) h[f] = b;
    }
    x.getDefbool("acpi_laptop_slate");
    x.getDefbool("vpt_align");
    const apic = x.getDefbool("apic");
    if (apic !== undefined) c.apic = apic;
    const vir = x.getList("viridian", true);
    if (vir === ERRNO.EINVAL) {
      const b = x.getDefbool("viridian", true);
      if (b !== undefined) h.viridian = b;
    }
    const fw = x.getString("firmware");
    if (fw !== undefined && !["rombios", "seabios", "ovmf"].includes(fw)) {
      if (prefixOf(fw, "uefi")) h.bios = "ovmf";
      else if (!prefixOf(fw, "bios")) h.firmware = fw;
    } else if (fw !== undefined) h.bios = fw;
  } else {
    const fw = x.getString("firmware");
    if (fw !== undefined) {
      if (c.kernel !== undefined) return fail("ERROR: both kernel and firmware specified\n");
      if (!prefixOf(fw, "pvgrub32") && !prefixOf(fw, "pvgrub64")) return fail("ERROR: only pvgrub{32|64} supported as firmware options\n");
      c.kernel = `/usr/lib/xen-4.17/boot/${fw}.bin`;
    }
    if (c.bootloader === undefined && c.kernel === undefined) return fail("Neither kernel nor bootloader specified\n");
  }

  const disks = x.getList("disk");
  if (Array.isArray(disks)) {
    for (const spec of XluConfig.strings(disks)) {
      const d = parseDiskSpec(x.source, [spec]);
      if (!d.ok) {
        x.messages.push(...d.messages);
        return { exit: 1 };
      }
      c.disks.push(d.disk);
    }
  }
  const vifs = x.getList("vif");
  if (Array.isArray(vifs)) {
    const defaults: Partial<NicSpec> = { ...(g.vifScript ? { script: g.vifScript } : {}), ...(g.vifBridge ? { bridge: g.vifBridge } : {}), ...(g.vifGatewaydev ? { gatewaydev: g.vifGatewaydev } : {}), ...(g.vifBackend ? { backendDomname: g.vifBackend } : {}) };
    const items = XluConfig.strings(vifs);
    for (let i = 0; i < items.length; i++) {
      const r = parseVifSpec(items[i]!, x.source, { ...defaults, devid: i });
      x.messages.push(...r.messages);
      if (r.exit !== undefined) return { exit: r.exit };
      c.nics.push(r.nic);
    }
  }
  if (Array.isArray(x.getList("vif2", true))) x.messages.push("WARNING: vif2: netchannel2 is deprecated and not supported by xl\n");
  const vfbs = x.getList("vfb");
  if (Array.isArray(vfbs)) {
    for (const spec of XluConfig.strings(vfbs)) {
      const vfb: DomainConfig["vfbs"][number] = {};
      for (const tok of spec.split(",")) {
        const [k, val = ""] = tok.trim().split("=", 2) as [string, string?];
        if (k === "vnc") vfb.vnc = val !== "0";
        else if (k === "vnclisten") vfb.vnclisten = val;
        else if (k === "vncdisplay") vfb.vncdisplay = Number(val);
        else if (k === "vncunused") vfb.vncunused = val !== "0";
        else if (k === "keymap") vfb.keymap = val;
        else if (k === "sdl") vfb.sdl = val !== "0";
      }
      c.vfbs.push(vfb);
    }
  }
  const dmv = x.getString("device_model_version");
  if (dmv !== undefined) {
    if (dmv !== "qemu-xen" && dmv !== "qemu-xen-traditional") return fail(`Unknown device_model_version "${dmv}" specified\n`);
    c.deviceModelVersion = dmv;
  }
  if (type === "hvm") {
    const h = c.hvm!;
    const vnc = x.getDefbool("vnc");
    const listen = x.getString("vnclisten");
    const passwd = x.getString("vncpasswd");
    const display = x.getLong("vncdisplay");
    const unused = x.getDefbool("vncunused");
    if (vnc !== undefined || listen !== undefined || passwd !== undefined || display !== undefined || unused !== undefined) {
      h.vnc = { ...(vnc !== undefined ? { enable: vnc } : {}), ...(listen !== undefined ? { listen } : {}), ...(passwd !== undefined ? { passwd } : {}), ...(display !== undefined ? { display } : {}), ...(unused !== undefined ? { findunused: unused } : {}) };
    }
    const keymap = x.getString("keymap");
    if (keymap !== undefined) h.keymap = keymap;
    const sdl = x.getDefbool("sdl");
    if (sdl !== undefined) h.sdl = sdl;
    const vga = x.getString("vga");
    if (vga !== undefined) {
      if (vga !== "stdvga" && vga !== "cirrus" && vga !== "none" && vga !== "qxl") return fail(`Unknown vga "${vga}" specified\n`);
      h.vga = vga;
    } else {
      const std = x.getLong("stdvga");
      if (std !== undefined) h.vga = std ? "stdvga" : "cirrus";
    }
    const ng = x.getDefbool("nographic");
    if (ng !== undefined) h.nographic = ng;
    const serial = x.getList("serial", true);
    if (Array.isArray(serial)) h.serialList = XluConfig.strings(serial);
    else {
      const s = x.getString("serial");
      if (s !== undefined) h.serial = s;
    }
    const boot = x.getString("boot");
    if (boot !== undefined) h.boot = boot;
    const usb = x.getDefbool("usb");
    if (usb !== undefined) h.usb = usb;
    const usbv = x.getLong("usbversion");
    if (usbv !== undefined) h.usbversion = usbv;
    const usbdev = x.getList("usbdevice", true);
    if (Array.isArray(usbdev)) h.usbdevice = XluConfig.strings(usbdev);
    else {
      const s = x.getString("usbdevice");
      if (s !== undefined) h.usbdevice = [s];
    }
    const snd = x.getString("soundhw");
    if (snd !== undefined) h.soundhw = snd;
    const xpp = x.getDefbool("xen_platform_pci");
    if (xpp !== undefined) h.xenPlatformPci = xpp;
  }
  x.getDefbool("vpmu");
  return { config: c };
}

/** Parse config text from a string list value item, for callers that already hold settings. */
export function cfgStrings(v: CfgValue | undefined): string[] {
  return v?.kind === "list" ? XluConfig.strings(v.items) : [];
}

// ------------------------------------------------------------------------------- JSON form

const tf = (b: boolean) => (b ? "True" : "False");
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export interface JsonLive {
  /** domid etc. when describing a running domain (xl list -l). */
  uuid: string;
  name: string;
  onlineVcpus?: number;
  targetKiB?: number;
  maxKiB?: number;
  sched?: { sched: string; weight: number; cap: number };
  macs?: string[];
  nicDevids?: boolean;
  videoMemKiB?: number;
}

function diskJson(d: DiskSpec): Json {
  return {
    pdev_path: d.pdevPath,
    vdev: d.vdev,
    backend: d.backend,
    format: d.format,
    script: d.script,
    removable: d.removable ? 1 : undefined,
    readwrite: d.readwrite ? 1 : undefined,
    is_cdrom: d.isCdrom ? 1 : undefined,
    direct_io_safe: d.directIoSafe ? true : undefined,
    discard_enable: d.discard !== undefined ? tf(d.discard) : undefined,
    trusted: d.trusted !== undefined ? tf(d.trusted) : undefined,
  };
}

function nicJson(n: NicSpec, live: boolean): Json {
  return {
    backend_domname: n.backendDomname,
    devid: n.devid,
    mtu: n.mtu,
    model: n.model,
    mac: n.mac,
    ip: n.ip,
    bridge: n.bridge,
    ifname: n.ifname,
    script: n.script,
    nictype: n.nictype ?? (live ? "vif" : undefined),
    rate_bytes_per_interval: n.rateBytesPerInterval,
    rate_interval_usecs: n.rateIntervalUsecs,
    gatewaydev: n.gatewaydev,
    trusted: n.trusted !== undefined ? tf(n.trusted) : undefined,
  };
}

/** The libxl_domain_config JSON object (xl create -n, xl list -l, save files). */
export function configJson(c: DomainConfig, live?: JsonLive): Json {
  const hvm = c.hvm;
  const typeBlock: Json =
    c.type === "hvm" && hvm
      ? {
          firmware: hvm.firmware,
          bios: hvm.bios,
          pae: hvm.pae !== undefined ? tf(hvm.pae) : undefined,
          acpi_s3: hvm.acpiS3 !== undefined ? tf(hvm.acpiS3) : undefined,
          acpi_s4: hvm.acpiS4 !== undefined ? tf(hvm.acpiS4) : undefined,
          nx: hvm.nx !== undefined ? tf(hvm.nx) : undefined,
          viridian: hvm.viridian !== undefined ? tf(hvm.viridian) : undefined,
          hpet: hvm.hpet !== undefined ? tf(hvm.hpet) : undefined,
          nographic: hvm.nographic !== undefined ? tf(hvm.nographic) : undefined,
          vga: hvm.vga ? { kind: hvm.vga } : { kind: undefined },
          vnc: hvm.vnc ? { enable: hvm.vnc.enable !== undefined ? tf(hvm.vnc.enable) : undefined, listen: hvm.vnc.listen, passwd: hvm.vnc.passwd, display: hvm.vnc.display, findunused: hvm.vnc.findunused !== undefined ? tf(hvm.vnc.findunused) : undefined } : { enable: undefined },
          keymap: hvm.keymap,
          sdl: hvm.sdl !== undefined ? { enable: tf(hvm.sdl) } : { enable: undefined },
          spice: {},
          serial: hvm.serial,
          boot: hvm.boot,
          usb: hvm.usb !== undefined ? tf(hvm.usb) : undefined,
          usbversion: hvm.usbversion,
          usbdevice_list: hvm.usbdevice,
          soundhw: hvm.soundhw,
          xen_platform_pci: hvm.xenPlatformPci !== undefined ? tf(hvm.xenPlatformPci) : undefined,
          serial_list: hvm.serialList,
          rdm: {},
        }
      : c.type === "pvh"
        ? {}
        : {};
  const sched: Json = live?.sched ? { sched: live.sched.sched, weight: live.sched.weight, cap: live.sched.cap } : { weight: c.weight, cap: c.cap };
  const avail = live?.onlineVcpus ?? c.availVcpus;
  return {
    c_info: {
      type: c.type,
      hap: c.hap !== undefined ? tf(c.hap) : undefined,
      oos: c.oos !== undefined ? tf(c.oos) : undefined,
      ssid_label: c.ssidLabel,
      name: live?.name ?? c.name,
      uuid: live?.uuid ?? c.uuid,
      pool_name: c.poolName,
      run_hotplug_scripts: tf(c.runHotplugScripts),
      driver_domain: c.driverDomain !== undefined ? tf(c.driverDomain) : undefined,
    },
    b_info: {
      max_vcpus: c.maxVcpus || undefined,
      avail_vcpus: avail !== undefined ? range(avail) : undefined,
      vcpu_hard_affinity: c.hardAffinity,
      vcpu_soft_affinity: c.softAffinity,
      numa_placement: c.numaPlacement !== undefined ? tf(c.numaPlacement) : undefined,
      tsc_mode: c.tscMode,
      max_memkb: live?.maxKiB ?? c.maxMemKiB,
      target_memkb: live?.targetKiB ?? c.targetMemKiB,
      video_memkb: live ? (live.videoMemKiB ?? 0) : c.videoMemKiB,
      shadow_memkb: c.shadowMemKiB,
      rtc_timeoffset: c.rtcTimeoffset,
      localtime: c.localtime !== undefined ? tf(c.localtime) : undefined,
      disable_migrate: c.disableMigrate !== undefined ? tf(c.disableMigrate) : undefined,
      blkdev_start: c.blkdevStart,
      device_model_version: c.deviceModelVersion,
      sched_params: sched,
      claim_mode: tf(c.claimMode),
      event_channels: c.eventChannels,
      kernel: c.kernel,
      cmdline: c.cmdline,
      ramdisk: c.ramdisk,
      acpi: c.acpi !== undefined ? tf(c.acpi) : undefined,
      bootloader: c.bootloader,
      bootloader_args: c.bootloaderArgs,
      nested_hvm: c.nestedHvm !== undefined ? tf(c.nestedHvm) : undefined,
      apic: c.apic !== undefined ? tf(c.apic) : undefined,
      [`type.${c.type}`]: typeBlock,
      arch_arm: {},
      arch_x86: {},
    },
    disks: c.disks.length ? c.disks.map(diskJson) : undefined,
    nics: c.nics.length ? c.nics.map((n, i) => nicJson({ ...n, ...(live?.macs?.[i] ? { mac: live.macs[i] } : {}) }, !!live)) : undefined,
    vfbs: c.vfbs.length ? c.vfbs.map((f, i) => ({ devid: i, vnc: { enable: f.vnc !== undefined ? tf(f.vnc) : undefined, listen: f.vnclisten, display: f.vncdisplay, findunused: f.vncunused !== undefined ? tf(f.vncunused) : undefined }, sdl: { enable: f.sdl !== undefined ? tf(f.sdl) : undefined }, keymap: f.keymap })) : undefined,
    on_poweroff: c.onPoweroff === "destroy" ? undefined : c.onPoweroff.replace("-", "_"),
    on_reboot: c.onReboot.replace("-", "_"),
    on_watchdog: c.onWatchdog === "destroy" ? undefined : c.onWatchdog.replace("-", "_"),
    on_crash: c.onCrash === "destroy" ? undefined : c.onCrash.replace("-", "_"),
    on_soft_reset: c.onSoftReset.replace("-", "_"),
  };
}

export function configJsonText(c: DomainConfig, live?: JsonLive): string {
  return yajl(configJson(c, live));
}
