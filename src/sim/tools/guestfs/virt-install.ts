// virt-install (virtinst 4.1): builds a libvirt domain from command-line options with virtinst's defaults for
// the OS (osinfo-db of Debian 12), creates its disks, defines and starts it through the libvirt model.
import { produce } from "immer";
import { probeChecked } from "../../shell/syntax-check";
import { basename, dirname, resolvePath, stat, writeFile } from "../../model/fs";
import { newImage } from "../../model/image";
import { parseDomainXml } from "../../model/libvirt/domain-xml";
import * as D from "../../model/libvirt/domains";
import { lookupNetwork } from "../../model/libvirt/networks";
import { createVolume, findVolume, lookupPool } from "../../model/libvirt/storage";
import { poolPath } from "../../model/libvirt/net-xml";
import type { Tool, ToolContext, ToolResult } from "../../shell/tool";
import { Virsh } from "../virsh/runtime";
import { defContext } from "../virsh/handlers/domain";
import osinfoData from "./osinfo.json";

interface OsEntry {
  name: string;
  id: string;
  minRamMiB: number;
  recRamMiB: number;
  recCpus: number;
  virtioGpu: boolean;
  balloon: boolean;
  recStorageGiB: number;
  distro: string;
  windows: boolean;
  virtio: boolean;
  q35: boolean;
  usb3: boolean;
  agent: boolean;
  rng: boolean;
}
const OSINFO = osinfoData as unknown as { listing: string; oses: Record<string, OsEntry> };

const USAGE = "usage: virt-install --name NAME --memory MB STORAGE INSTALL [options]\n";

/** virt-install's options: name → [takes a value, repeatable]. */
const OPTS: Record<string, [boolean, boolean]> = {
  connect: [true, false], name: [true, false], memory: [true, false], ram: [true, false], vcpus: [true, false], cpu: [true, false], disk: [true, true], cdrom: [true, false], location: [true, false], import: [false, false], pxe: [false, false], boot: [true, false], osinfo: [true, false], "os-variant": [true, false], network: [true, true], graphics: [true, true], noautoconsole: [false, false], autoconsole: [true, false], console: [true, true], serial: [true, true], channel: [true, true], "print-xml": [false, false], "dry-run": [false, false], check: [true, false], wait: [true, false], noreboot: [false, false], autostart: [false, false], transient: [false, false], "virt-type": [true, false], arch: [true, false], machine: [true, false], controller: [true, true], rng: [true, true], video: [true, true], sound: [true, true], "host-device": [true, true], filesystem: [true, true], "cloud-init": [true, false], unattended: [true, false], metadata: [true, false], description: [true, false], events: [true, false], hvm: [false, false], paravirt: [false, false], container: [false, false], extra_args: [true, false], "extra-args": [true, false], initrd_inject: [true, false], noapic: [false, false], noacpi: [false, false], quiet: [false, false], debug: [false, false], version: [false, false], help: [false, false], install: [true, false], features: [true, false], clock: [true, false], memballoon: [true, false], tpm: [true, false], input: [true, true],
};
const SHORT: Record<string, string> = { n: "name", r: "ram", c: "cdrom", l: "location", w: "network", d: "debug", q: "quiet", h: "help" };

interface Opts {
  [k: string]: string[] | undefined;
}

function parseArgs(args: string[]): Opts | { error: string } {
  const o: Opts = {};
  const extra: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    let name: string | undefined;
    let value: string | undefined;
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const typed = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      if (eq >= 0) value = a.slice(eq + 1);
      const exact = OPTS[typed] ? typed : undefined;
      const prefixed = Object.keys(OPTS).filter((k) => k.startsWith(typed));
      name = exact ?? (prefixed.length === 1 ? prefixed[0] : undefined);
      if (!name) {
        if (prefixed.length > 1) return { error: `${USAGE}virt-install: error: ambiguous option: --${typed} could match ${prefixed.map((p) => `--${p}`).join(", ")}\n` };
        extra.push(a);
        continue;
      }
    } else if (/^-[a-z]$/.test(a) && SHORT[a[1]!]) name = SHORT[a[1]!];
    else {
      extra.push(a);
      continue;
    }
    const [takes] = OPTS[name!]!;
    if (takes && value === undefined) {
      if (i + 1 >= args.length || (args[i + 1]!.startsWith("-") && args[i + 1] !== "-")) {
        const shorts = Object.entries(SHORT).filter(([, v]) => v === name).map(([k]) => `/-${k}`).join("");
        return { error: `${USAGE}virt-install: error: argument --${name}${shorts}: expected one argument\n` };
      }
      value = args[++i]!;
    }
    const key = name === "ram" ? "memory" : name === "os-variant" ? "osinfo" : name!;
    o[key] = [...(o[key] ?? []), value ?? ""];
  }
  if (extra.length) return { error: `${USAGE}virt-install: error: unrecognized arguments: ${extra.join(" ")}\n` };
  return o;
}

/** Comma-separated key=value sub-options; a bare first value is the option's main key. */
function subopts(s: string, main: string): Record<string, string> {
  const out: Record<string, string> = {};
  s.split(",").forEach((part, i) => {
    const eq = part.indexOf("=");
    if (eq < 0) out[i === 0 ? main : part] = i === 0 ? part : "yes";
    else out[part.slice(0, eq)] = part.slice(eq + 1);
  });
  return out;
}

const OSINFO_REQUIRED = "ERROR    \n--os-variant/--osinfo OS name is required, but no value was\nset or detected.\n\nThis is now a fatal error. Specifying an OS name is required\nfor modern, performant, and secure virtual machine defaults.\n\nYou can see a full list of possible OS name values with:\n\n   virt-install --osinfo list\n\nIf your Linux distro is not listed, try one of generic values\nsuch as: linux2022, linux2020, linux2018, linux2016\n\nIf you just need to get the old behavior back, you can use:\n\n  --osinfo detect=on,require=off\n\nOr export VIRTINSTALL_OSINFO_DISABLE_REQUIRE=1\n\n";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");

interface DiskPlan {
  path?: string;
  device: "disk" | "cdrom";
  format: string;
  bus: string;
  target: string;
  create?: { pool?: string; name: string; sizeGiB: number };
  readonly?: boolean;
}

export function virtInstall(ctx: ToolContext, args: string[]): ToolResult {
  const e = (text: string, exit = 1): ToolResult => ({ exit, out: [{ fd: 2, text }] });
  const o = parseArgs(args);
  if ("error" in o) return e(String(o.error), 2);
  if (o.help) return { exit: 0, out: [{ fd: 1 as const, text: USAGE + "\nCreate a new virtual machine from specified install media.\n" }] };
  if (o.version) return { exit: 0, out: [{ fd: 1 as const, text: "4.1.0\n" }] };
  const osArg = o.osinfo?.[0];
  if (osArg === "list") return { exit: 0, out: [{ fd: 1 as const, text: OSINFO.listing }] };
  const v = new Virsh(ctx, ctx.world);
  const uri = o.connect?.[0] ?? ctx.env.LIBVIRT_DEFAULT_URI ?? ctx.world.defaultUri;
  const cerr = v.connect(uri);
  if (cerr) return e(`ERROR    Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory\n`);
  const test = v.conn.driver === "test";
  // --osinfo (OSVariantData): a name, short-id=, id=URL, none, or detect=/require= (no option: detect, require "auto")
  let osName: string | undefined;
  let osId: string | undefined;
  let detect = false;
  let require: boolean | "auto" = false;
  if (osArg === undefined || osArg === "auto") [detect, require] = [true, "auto"];
  else if (osArg === "none") osName = "generic";
  else if (!osArg.includes("=")) osArg.includes("://") ? (osId = osArg) : (osName = osArg);
  else
    for (const kv of osArg.split(",")) {
      const [k, val = ""] = kv.split("=") as [string, string];
      if (k === "name" || k === "short-id") osName = val;
      else if (k === "id") osId = val;
      else if (k === "detect") detect = ["on", "yes", "true", "1"].includes(val);
      else if (k === "require") require = ["on", "yes", "true", "1"].includes(val);
    }
  let os: OsEntry | undefined;
  if (osId !== undefined) {
    os = Object.values(OSINFO.oses).find((x) => x.id === osId);
    if (!os) return e(`ERROR    Unknown libosinfo ID '${osId}'\n`);
  } else if (osName !== undefined) {
    os = OSINFO.oses[osName];
    if (!os) return e(`ERROR    Unknown OS name '${osName}'. See \`--osinfo list\` for valid values.\n`);
  }
  const memMiB = o.memory ? Number(subopts(o.memory[0]!, "memory").memory) : undefined;
  const install = o.cdrom ? "cdrom" : o.location ? "location" : o.import ? "import" : o.pxe ? "pxe" : o.boot ? "boot" : undefined;
  if (install === "cdrom") {
    const iso = resolvePath(ctx.cwd, o.cdrom![0]!);
    if (!stat(v.fs, iso)) return e(`ERROR    Validating install media '${o.cdrom![0]}' failed: Must specify storage creation parameters for non-existent path '${iso}'.\n`);
  }
  if (install === "location") return e(`ERROR    Error validating install location: Could not find an installable distribution at URL '${o.location![0]}'\n\nThe location must be the root directory of an install tree.\nSee virt-install man page for various distro examples.\n`);
  const out: string[] = [];
  const warn: string[] = [];
  if (!os) {
    // detection reads the install media's osinfo: the osinfo-db of Debian 12 (20221130) knows none of the lab's
    // ISOs, and --import has nothing to detect (installer_detect_distro)
    const msg = "--os-variant/--osinfo OS name is required, but no value was\nset or detected.";
    if (require === true) return e(`ERROR    ${msg}\n`);
    if (require === "auto") {
      const media = install === "cdrom";
      const full = `\n${msg}\n\nThis is now a fatal error. Specifying an OS name is required\nfor modern, performant, and secure virtual machine defaults.\n${media ? "\nIf you expected virt-install to detect an OS name from the\ninstall media, you can set a fallback OS name with:\n\n  --osinfo detect=on,name=OSNAME\n" : ""}\nYou can see a full list of possible OS name values with:\n\n   virt-install --osinfo list\n\nIf your Linux distro is not listed, try one of generic values\nsuch as: linux2022, linux2020, linux2018, linux2016\n\nIf you just need to get the old behavior back, you can use:\n\n  --osinfo detect=on,require=off\n\nOr export VIRTINSTALL_OSINFO_DISABLE_REQUIRE=1\n`;
      if (ctx.env.VIRTINSTALL_OSINFO_DISABLE_REQUIRE === undefined) return e(`ERROR    ${full}\n`);
      warn.push(`WARNING  ${full}\n`, "WARNING  VIRTINSTALL_OSINFO_DISABLE_REQUIRE set. Skipping fatal error.\n");
    }
    os = OSINFO.oses.generic!;
  }
  void detect;
  let name = o.name?.[0];
  if (!name) {
    // Guest.generate_name: the OS name, then -2, -3 ...; "vm1", "vm2" ... for the generic OS
    const generic = os.name === "generic";
    const base = generic ? "vm" : os.name;
    let k = generic ? 1 : 2;
    name = generic ? `${base}${k}` : base;
    while (D.lookupDomain(v.conn, name)) name = generic ? `${base}${++k}` : `${base}-${k++}`;
    out.push(`Using default --name ${name}\n`);
  }
  // set_cli_defaults: the OS's recommended memory, vCPUs and disk
  let mem = memMiB;
  if (mem === undefined && os.recRamMiB) {
    mem = os.recRamMiB;
    out.push(`Using ${os.name} default --memory ${mem}\n`);
  }
  const diskGiven = !!o.disk;
  const defaultDisk = !diskGiven && os.recStorageGiB ? `size=${os.recStorageGiB}` : undefined;
  if (defaultDisk) out.push(`Using ${os.name} default --disk ${defaultDisk}\n`);
  let msg = "";
  if (mem === undefined) msg += "\n--memory amount in MiB is required";
  if (!diskGiven && !os.recStorageGiB) msg += "\n--disk storage must be specified (override with --disk none)";
  if (!install) msg += "\nAn install method must be specified\n(--location URL, --cdrom CD/ISO, --pxe, --import, --boot hd|cdrom|...)";
  if (msg) return { exit: 1, out: [{ fd: 1 as const, text: out.join("") }, { fd: 2 as const, text: `ERROR    ${msg}\n` }].filter((c) => c.text) };
  if (os.name === "generic") warn.push("WARNING  Using --osinfo generic, VM performance may suffer. Specify an accurate OS for optimal results.\n");
  if (os.minRamMiB > mem!) warn.push(`WARNING  Requested memory ${mem} MiB is less than the recommended ${os.minRamMiB} MiB for OS ${os.name}\n`);
  else if (!os.minRamMiB && mem! < 17) warn.push(`WARNING  Requested memory ${mem} MiB is abnormally low. Were you trying to specify GiB?\n`);
  const vcpus = o.vcpus ? Number(subopts(o.vcpus[0]!, "vcpus").vcpus) : os.recCpus || 1;
  // disks
  const plans: DiskPlan[] = [];
  const vd = (i: number) => (os!.virtio && !test ? `vd${String.fromCharCode(97 + i)}` : `hd${String.fromCharCode(97 + i)}`);
  const diskSpecs = o.disk ?? (defaultDisk ? [defaultDisk] : []);
  let n = 0;
  for (const spec of diskSpecs) {
    if (spec === "none") continue;
    const d = subopts(spec, "path");
    const bus = d.bus ?? (test ? "ide" : os.virtio ? "virtio" : "sata");
    const device = (d.device ?? "disk") as "disk" | "cdrom";
    if (d.vol) {
      const [poolName, volName] = d.vol.split("/") as [string, string];
      const pool = lookupPool(v.conn, poolName);
      if (!pool) return e(`ERROR    Error: --disk ${spec}: Storage pool not found: no storage pool with matching name '${poolName}'\n`);
      const vol = findVolume(pool, volName ?? "");
      if (!vol) return e(`ERROR    Error: --disk ${spec}: Storage volume not found: no storage vol with matching name '${volName}'\n`);
      plans.push({ path: vol.path, device, format: vol.format ?? "raw", bus, target: vd(n++) });
      continue;
    }
    const size = d.size !== undefined ? Number(d.size) : undefined;
    if (d.path === undefined || d.path === "") {
      if (size === undefined) return e(`ERROR    Error: --disk ${spec}: --disk storage must be specified\n`);
      const pool = lookupPool(v.conn, d.pool ?? "default");
      if (!pool && test && !d.pool) {
        // the test driver has no pool at /var/lib/libvirt/images: virt-install makes a "default" one there
        plans.push({ path: `/var/lib/libvirt/images/${name}.qcow2`, device, format: d.format ?? "qcow2", bus, target: vd(n++), create: { name: `${name}.qcow2`, sizeGiB: size } });
        continue;
      }
      if (!pool) return e(`ERROR    Error: --disk ${spec}: Storage pool not found: no storage pool with matching name '${d.pool ?? "default"}'\n`);
      let volName = `${name}.qcow2`;
      let k = 1;
      while (findVolume(pool, volName)) volName = `${name}-${k++}.qcow2`;
      plans.push({ path: `${poolPath(pool.def) ?? "/var/lib/libvirt/images"}/${volName}`, device, format: d.format ?? "qcow2", bus, target: vd(n++), create: { pool: pool.def.children.length ? poolName(pool) : "default", name: volName, sizeGiB: size } });
      continue;
    }
    const path = resolvePath(ctx.cwd, d.path);
    const node = stat(v.fs, path);
    if (!node) {
      if (size === undefined) return e(`ERROR    Error: --disk ${spec}: Size must be specified for non existent volume '${basename(path)}'\n`);
      if (!stat(v.fs, dirname(path))) return e(`ERROR    Error: --disk ${spec}: Could not find storage pool for path '${dirname(path)}'\n`);
      plans.push({ path, device, format: d.format ?? (path.endsWith(".qcow2") ? "qcow2" : "raw"), bus, target: vd(n++), create: { name: basename(path), sizeGiB: size } });
    } else plans.push({ path, device, format: d.format ?? (node.kind === "file" && node.image ? node.image.format : "raw"), bus, target: vd(n++) });
  }
  if (install === "cdrom") {
    const iso = resolvePath(ctx.cwd, o.cdrom![0]!);
    plans.push({ path: iso, device: "cdrom", format: "raw", bus: test ? "ide" : "sata", target: test ? `hd${String.fromCharCode(97 + n)}` : "sda", readonly: true });
  }
  let missingNet: string | undefined;
  // networks: the default network (user networking on the test driver); the test driver defines a guest on a
  // network it does not have, QEMU's driver refuses to start it
  const nets = (o.network ?? [test ? "user" : "default"]).filter((x) => x !== "none");
  for (const nw of nets) {
    const s = subopts(nw, "network");
    const net = s.network;
    if (!test && net && !s.bridge && net !== "user" && !lookupNetwork(v.conn, net)) missingNet = net;
  }
  // Debian's QEMU has spice, so spice is the default display (virtinst DeviceGraphics._default_type)
  const graphics = o.graphics?.[0] ? subopts(o.graphics[0], "type") : { type: "spice" };
  const virtType = o["virt-type"]?.[0] ?? "kvm";
  if (!test && virtType !== "kvm" && virtType !== "qemu") return e(`ERROR    Host does not support domain type ${virtType} for virtualization type 'hvm' with architecture 'x86_64'\n`);
  const xml = domainXml({ name, os, mem: mem!, vcpus, plans, nets, graphics, test, virtType, uuid: v.freshUuid(), mac: () => v.freshMac(), boot: install === "cdrom" ? ["cdrom", "hd"] : ["hd"] });
  // print_stdout adds a newline after the XML, which ends with one
  // (--print-xml makes virt-install quiet: no "Using default" lines, no warnings)
  if (o["print-xml"]) return { exit: 0, out: [{ fd: 1 as const, text: xml + "\n" }], world: v.world };
  const def = parseDomainXml(xml, defContext(v));
  if ("code" in def) return e(`ERROR    ${def.message}\n`);
  if (D.lookupDomain(v.conn, name)) {
    return { exit: 1, out: [{ fd: 1 as const, text: out.join("") }, { fd: 2 as const, text: warn.join("") }, { fd: 1 as const, text: "\nStarting install...\n" }, { fd: 2 as const, text: `ERROR    Guest name '${name}' is already in use.\nDomain installation does not appear to have been successful.\nIf it was, you can restart your domain by running:\n  virsh --connect ${uri} start ${name}\notherwise, please restart your installation.\n` }].filter((c) => c.text) };
  }
  // show_guest_warnings: PXE needs user networking or a network that hands out a boot file
  if (install === "pxe") {
    const hasBootp = (el: unknown): boolean => typeof el === "object" && el !== null && ((el as { name?: string }).name === "bootp" || ((el as { children?: unknown[] }).children ?? []).some(hasBootp));
    const pxeOk = nets.some((n) => {
      const so = subopts(n, "network");
      if (so.network === "user") return true;
      const net = so.network ? lookupNetwork(v.conn, so.network) : undefined;
      return net ? hasBootp(net.def) : false;
    });
    if (!pxeOk) warn.unshift("WARNING  The guest's network configuration may not support PXE\n");
  }
  if (o["dry-run"]) return { exit: 0, out: [{ fd: 1 as const, text: out.join("") }, { fd: 2 as const, text: warn.join("") }, { fd: 1 as const, text: "Dry run completed successfully\n" }].filter((c) => c.text) };
  let text = "\nStarting install...\n";
  for (const p of plans) {
    if (!p.create) continue;
    text += `\rAllocating '${p.create.name}'`.padEnd(61) + "|    0 B  00:00 ... \n";
    if (test || missingNet) continue;
    if (p.create.pool) {
      const pool = lookupPool(v.conn, p.create.pool);
      if (pool) {
        const r = v.mutate((c, fs) => createVolume(c, lookupPool(c, p.create!.pool!)!, { name: p.create!.name, capacity: p.create!.sizeGiB * 2 ** 30, format: p.format }, fs, Math.floor(v.now / 1000)));
        if ("code" in r) return e(`ERROR    ${r.message}\n`);
        continue;
      }
    }
    v.world = produce(v.world, (w) => {
      writeFile(w.hosts[ctx.host]!.fs, p.path!, "", { mtime: Math.floor(w.clock / 1000), mode: 0o600, image: newImage(p.format, p.create!.sizeGiB * 2 ** 30) });
    });
  }
  if (missingNet) {
    // QEMU's driver cannot start the guest: virt-install removes the volumes it made and gives up
    for (const p of plans) if (p.create) text += `\rRemoving disk '${p.create.name}'`.padEnd(61) + "|    0 B  00:00     \n";
    return { exit: 1, out: [{ fd: 1 as const, text: out.join("") }, { fd: 2 as const, text: warn.join("") }, { fd: 1 as const, text }, { fd: 2 as const, text: `ERROR    Network not found: no network with matching name '${missingNet}'\nDomain installation does not appear to have been successful.\nIf it was, you can restart your domain by running:\n  virsh --connect ${uri} start ${name}\notherwise, please restart your installation.\n` }].filter((c) => c.text) };
  }
  text += "\rCreating domain...".padEnd(61) + "|    0 B  00:00     \n";
  const transient = !!o.transient;
  const made = v.mutate((c) => {
    if (transient) return D.createDomain(c, def, v.now, false);
    const dom = D.defineDomain(c, def);
    if ("code" in dom) return dom;
    const se = D.startDomain(c, dom, v.now);
    if (se) return se;
    if (o.autostart) dom.autostart = true;
    return dom;
  });
  if ("code" in made) return { exit: 1, out: [{ fd: 1 as const, text: out.join("") + text }, { fd: 2 as const, text: warn.join("") + `ERROR    ${made.message}\n` }] };
  const auto = !o.noautoconsole;
  if (auto) {
    if (graphics.type === "none") warn.push("WARNING  Unable to connect to the console: the lpic3 lab has no guest console here; use 'virsh console'.\n");
    else warn.push("WARNING  Unable to connect to graphical console: virt-viewer not installed. Please install the 'virt-viewer' package.\nWARNING  No console to launch for the guest, defaulting to --wait -1\n");
  }
  if (install === "import") text += "Domain creation completed.\n";
  else text += auto ? "\nDomain is still running. Installation may be in progress.\nWaiting for the installation to complete.\n" : "\nDomain is still running. Installation may be in progress.\nYou can reconnect to the console to complete the installation process.\n";
  return { exit: 0, out: [{ fd: 1 as const, text: out.join("") }, { fd: 2 as const, text: warn.join("") }, { fd: 1 as const, text }].filter((c) => c.text), world: v.world };
}

const poolName = (p: { def: { children: unknown[] } }) => {
  const n = (p.def.children as { name?: string; children?: unknown[] }[]).find((c) => typeof c === "object" && c.name === "name");
  return n && Array.isArray(n.children) ? String(n.children[0]) : "default";
};

interface XmlSpec {
  name: string;
  os: OsEntry;
  mem: number;
  vcpus: number;
  plans: DiskPlan[];
  nets: string[];
  graphics: Record<string, string>;
  test: boolean;
  /** kvm, or qemu (TCG) with --virt-type qemu */
  virtType: string;
  uuid: string;
  mac: () => string;
  boot: string[];
}

/** The domain XML virtinst 4.1 writes for an x86_64 KVM guest (q35 and virtio devices when the OS has drivers),
 * or for the test driver (i686, USB 2, user networking): Guest.set_defaults and its _add_spice_devices. */
function domainXml(s: XmlSpec): string {
  const kib = s.mem * 1024;
  const l: string[] = [];
  const kvm = !s.test && s.virtType === "kvm";
  l.push(`<domain type="${s.test ? "test" : s.virtType}">`, `  <name>${esc(s.name)}</name>`, `  <uuid>${s.uuid}</uuid>`);
  if (s.os.id) l.push(`  <metadata>`, `    <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">`, `      <libosinfo:os id="${s.os.id}"/>`, `    </libosinfo:libosinfo>`, `  </metadata>`);
  l.push(`  <memory>${kib}</memory>`, `  <currentMemory>${kib}</currentMemory>`, `  <vcpu>${s.vcpus}</vcpu>`);
  l.push(`  <os>`, s.test ? `    <type arch="i686">hvm</type>` : `    <type arch="x86_64" machine="${s.os.q35 ? "q35" : "pc-i440fx-7.2"}">hvm</type>`, ...s.boot.map((b) => `    <boot dev="${b}"/>`), `  </os>`);
  // virtinst Guest.set_defaults, then _add_spice_devices (vmport off, spicevmc channel, sound, USB redirection)
  const spice = s.graphics.type === "spice";
  const vmport = spice ? [`    <vmport state="off"/>`] : [];
  if (s.test) l.push(`  <features>`, `    <pae/>`, ...vmport, `  </features>`, `  <clock offset="utc"/>`);
  else {
    // Windows on KVM gets Hyper-V enlightenments and the Hyper-V clock; KVM gets the host's CPU
    const hyperv = kvm && s.os.windows ? [`    <hyperv>`, `      <relaxed state="on"/>`, `      <vapic state="on"/>`, `      <spinlocks state="on" retries="8191"/>`, `    </hyperv>`] : [];
    l.push(`  <features>`, `    <acpi/>`, `    <apic/>`, ...hyperv, ...vmport, `  </features>`, ...(kvm ? [`  <cpu mode="host-passthrough"/>`] : []));
    l.push(`  <clock offset="${s.os.windows ? "localtime" : "utc"}">`, `    <timer name="rtc" tickpolicy="catchup"/>`, `    <timer name="pit" tickpolicy="delay"/>`, `    <timer name="hpet" present="no"/>`, ...(kvm && s.os.windows ? [`    <timer name="hypervclock" present="yes"/>`] : []), `  </clock>`);
  }
  l.push(`  <pm>`, `    <suspend-to-mem enabled="no"/>`, `    <suspend-to-disk enabled="no"/>`, `  </pm>`, `  <devices>`);
  l.push(`    <emulator>${s.test ? "/usr/bin/test-hv" : "/usr/bin/qemu-system-x86_64"}</emulator>`);
  for (const p of s.plans) {
    l.push(`    <disk type="file" device="${p.device}">`);
    if (!s.test) l.push(`      <driver name="qemu" type="${p.format}"${p.device === "disk" && p.format === "qcow2" ? ' discard="unmap"' : ""}/>`);
    l.push(`      <source file="${esc(p.path!)}"/>`, `      <target dev="${p.target}" bus="${p.bus}"/>`);
    if (p.readonly) l.push(`      <readonly/>`);
    l.push(`    </disk>`);
  }
  if (s.test || !s.os.usb3) {
    l.push(`    <controller type="usb" model="ich9-ehci1"/>`, `    <controller type="usb" model="ich9-uhci1">`, `      <master startport="0"/>`, `    </controller>`, `    <controller type="usb" model="ich9-uhci2">`, `      <master startport="2"/>`, `    </controller>`, `    <controller type="usb" model="ich9-uhci3">`, `      <master startport="4"/>`, `    </controller>`);
  } else l.push(`    <controller type="usb" model="qemu-xhci" ports="15"/>`);
  if (!s.test && s.os.q35) {
    l.push(`    <controller type="pci" model="pcie-root"/>`);
    for (let i = 0; i < 14; i++) l.push(`    <controller type="pci" model="pcie-root-port"/>`);
  }
  for (const n of s.nets) {
    const o = subopts(n, "network");
    // a MAC from QEMU's OUI, or Xen's for every other driver (virtinst _random_mac)
    const mac = o.mac ?? (s.test ? s.mac().replace(/^52:54:00/, "00:16:3e") : s.mac());
    const model = o.model ?? (s.test ? "e1000" : s.os.virtio ? "virtio" : s.os.q35 ? "e1000e" : "e1000");
    if (o.network === "user") l.push(`    <interface type="user">`, `      <mac address="${mac}"/>`, `      <model type="${model}"/>`, `    </interface>`);
    else {
      const bridge = o.bridge;
      l.push(`    <interface type="${bridge ? "bridge" : "network"}">`, `      <source ${bridge ? `bridge="${bridge}"` : `network="${o.network ?? "default"}"`}/>`, `      <mac address="${mac}"/>`, `      <model type="${model}"/>`, `    </interface>`);
    }
  }
  l.push(`    <console type="pty"/>`);
  if (!s.test && s.os.agent) l.push(`    <channel type="unix">`, `      <source mode="bind"/>`, `      <target type="virtio" name="org.qemu.guest_agent.0"/>`, `    </channel>`);
  if (spice) l.push(`    <channel type="spicevmc">`, `      <target type="virtio" name="com.redhat.spice.0"/>`, `    </channel>`);
  if (s.graphics.type !== "none") {
    l.push(`    <input type="tablet" bus="usb"/>`);
    if (spice) l.push(`    <graphics type="spice" port="${s.graphics.port ?? "-1"}" tlsPort="-1" autoport="yes"${s.graphics.listen ? ` listen="${s.graphics.listen}"` : ""}>`, `      <image compression="off"/>`, `    </graphics>`);
    else l.push(`    <graphics type="${s.graphics.type ?? "vnc"}" port="${s.graphics.port ?? "-1"}"${s.graphics.listen ? ` listen="${s.graphics.listen}"` : ""}/>`);
    if (spice) l.push(`    <sound model="${!s.test && s.os.q35 ? "ich9" : "ich6"}"/>`);
    // DeviceVideo.default_model: virtio when the guest has a virtio-gpu driver, qxl with spice, else vga
    const video = !s.test && s.os.virtioGpu ? "virtio" : spice ? "qxl" : "vga";
    l.push(`    <video>`, `      <model type="${video}"/>`, `    </video>`);
    if (spice) l.push(`    <redirdev bus="usb" type="spicevmc"/>`, `    <redirdev bus="usb" type="spicevmc"/>`);
  }
  if (!s.test) {
    if (s.os.balloon) l.push(`    <memballoon model="virtio"/>`);
    if (s.os.rng) l.push(`    <rng model="virtio">`, `      <backend model="random">/dev/urandom</backend>`, `    </rng>`);
  }
  l.push(`  </devices>`, `</domain>`);
  return l.join("\n") + "\n";
}

/** virt-install prints its usage line first and the error last: the check reports the error. */
export const VIRT_INSTALL_TOOL: Tool = probeChecked([{ name: "virt-install", path: "/usr/bin/virt-install", run: virtInstall }], (lines) => lines[lines.length - 1])[0]!;
