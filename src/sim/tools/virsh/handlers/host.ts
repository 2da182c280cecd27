// virsh host and hypervisor commands, host interfaces, and migration between simulated hosts.
import { produce } from "immer";
import * as D from "../../../model/libvirt/domains";
import { disksOf, domName } from "../../../model/libvirt/domain-xml";
import { resolveUri } from "../../../model/libvirt/connect";
import { syncHostFiles } from "../../../model/libvirt/files";
import { lvErr, type LibvirtConn, type LibvirtHost } from "../../../model/libvirt/types";
import { el, formatXml, kids, parseXml, stripWs, syntaxErrorText, type XmlEl } from "../../../model/libvirt/xml";
import { normalizeIface } from "../../../model/libvirt/node-xml";
import { newImage } from "../../../model/image";
import { noSupport, optDomain, optNum, optScaled, optStr, readXmlFile, unsupportedFlags, type Handler } from "../common";
import type { Opts } from "../parse";
import { caseSort, kv, table } from "../format";
import type { Virsh } from "../runtime";
import { xpathDump } from "../xpath";

const isTest = (v: Virsh) => v.conn.driver === "test";

const CPU_MODELS =
  "486 pentium pentium2 pentium3 pentiumpro coreduo n270 core2duo qemu32 kvm32 cpu64-rhel5 cpu64-rhel6 qemu64 kvm64 Conroe Penryn Nehalem Nehalem-IBRS Westmere Westmere-IBRS SandyBridge SandyBridge-IBRS IvyBridge IvyBridge-IBRS Haswell-noTSX Haswell-noTSX-IBRS Haswell Haswell-IBRS Broadwell-noTSX Broadwell-noTSX-IBRS Broadwell Broadwell-IBRS Skylake-Client Skylake-Client-IBRS Skylake-Client-noTSX-IBRS Skylake-Server Skylake-Server-IBRS Skylake-Server-noTSX-IBRS Cascadelake-Server Cascadelake-Server-noTSX Icelake-Client Icelake-Client-noTSX Icelake-Server Icelake-Server-noTSX Cooperlake Snowridge athlon phenom Opteron_G1 Opteron_G2 Opteron_G3 Opteron_G4 Opteron_G5 EPYC EPYC-IBPB EPYC-Rome EPYC-Milan Dhyana".split(" ");

const isDefaultTest = (v: Virsh) => isTest(v) && v.conn.uri === "test:///default";

const nodeinfo: Handler = (v) => {
  const n = v.conn.node;
  const l = (k: string, val: string | number) => `${k.padEnd(20)} ${val}\n`;
  v.print(l("CPU model:", n.model) + l("CPU(s):", n.cpus) + l("CPU frequency:", `${n.mhz} MHz`) + l("CPU socket(s):", n.sockets) + l("Core(s) per socket:", n.cores) + l("Thread(s) per core:", n.threads) + l("NUMA cell(s):", n.nodes) + l("Memory size:", `${n.memory} KiB`));
  return true;
};

const nodememstats: Handler = (v, o) => {
  if (isTest(v)) {
    v.lastError = noSupport("virNodeGetMemoryStats");
    v.error("Unable to get number of memory stats");
    return false;
  }
  const cell = optNum(v, o, "cell", "int");
  if (cell === null) return false;
  const total = v.conn.node.memory;
  const used = v.conn.domains.filter((d) => d.state !== "shutoff").reduce((a, d) => a + Number((d.def.children.find((c) => typeof c === "object" && c.name === "currentMemory") as { children: string[] }).children.join("")), 0);
  const free = Math.max(0, Math.floor(total * 0.55) - used);
  const rows: [string, number][] = [
    ["total", total],
    ["free", free],
    ["buffers", Math.floor(total * 0.012)],
    ["cached", Math.floor(total * 0.21)],
  ];
  v.print(rows.map(([k, n]) => `${k.padEnd(7)}: ${String(n).padStart(20)} KiB\n`).join(""));
  return true;
};

const nodecpustats: Handler = (v, o) => {
  const cpu = optNum(v, o, "cpu", "int");
  if (cpu === null) return false;
  const pct = o.has("percent");
  if (isTest(v)) {
    if (pct) {
      v.print(["usage:", "user:", "system:", "idle:", "iowait:"].map((k) => `${k.padEnd(15)} -nan%\n`).join(""));
      return true;
    }
    v.print([["user:", 9797400000], ["system:", 34678723400000], ["idle:", 87264900000], ["iowait:", 763600000]].map(([k, n]) => `${String(k).padEnd(15)} ${String(n).padStart(20)}\n`).join(""));
    return true;
  }
  if (cpu !== undefined && (cpu < 0 || cpu >= v.conn.node.cpus)) return v.fail(lvErr("INVALID_ARG", `invalid argument: Invalid cpuNum in nodeGetCPUStats`));
  const t = Math.floor(v.now / 10) * (cpu === undefined ? v.conn.node.cpus : 1);
  if (pct) {
    v.print([["usage:", 3.2], ["user:", 2.1], ["system:", 1.1], ["idle:", 96.8], ["iowait:", 0.0]].map(([k, n]) => `${String(k).padEnd(15)} ${Number(n).toFixed(1).padStart(5)}%\n`).join(""));
    return true;
  }
  v.print([["user:", Math.floor(t * 0.021) * 10000000], ["system:", Math.floor(t * 0.011) * 10000000], ["idle:", Math.floor(t * 0.96) * 10000000], ["iowait:", Math.floor(t * 0.002) * 10000000]].map(([k, n]) => `${String(k).padEnd(15)} ${String(n).padStart(20)}\n`).join(""));
  return true;
};

const nodecpumap: Handler = (v, o) => {
  if (isTest(v)) {
    v.print(kv("CPUs present:", 8) + kv("CPUs online:", 3) + kv("CPU map:", o.has("pretty") ? "0,2,4" : "y-y-y---"));
    return true;
  }
  const n = v.conn.node.cpus;
  v.print(kv("CPUs present:", n) + kv("CPUs online:", n) + kv("CPU map:", o.has("pretty") ? `0-${n - 1}` : "y".repeat(n)));
  return true;
};

const freecell: Handler = (v, o) => {
  const all = o.has("all");
  const cell = optNum(v, o, "cellno", "int");
  if (cell === null) return false;
  if (all && cell !== undefined) {
    v.error("Options --all and --cellno are mutually exclusive");
    return false;
  }
  const cells: number[] = isDefaultTest(v) ? [2048, 4096] : isTest(v) ? [] : [Math.floor(v.conn.node.memory * 0.55)];
  if (all) {
    let s = "";
    cells.forEach((m, i) => (s += `${String(i).padStart(5)}: ${String(m).padStart(10)} KiB\n`));
    v.print(s);
    v.printExtra("--------------------\n");
    v.printExtra(`${"Total".padStart(5)}: ${String(cells.reduce((a, b) => a + b, 0)).padStart(10)} KiB\n`);
    return true;
  }
  if (cell !== undefined) {
    if (cell >= cells.length) return v.fail(lvErr("INVALID_ARG", isTest(v) ? "invalid argument: Range exceeds available cells" : `invalid argument: start cell ${cell} out of range (0-${cells.length - 1})`));
    v.print(`${cell}: ${cells[cell]} KiB\n`);
    return true;
  }
  if (isTest(v) && !cells.length) return v.fail(lvErr("INTERNAL_ERROR", "An error occurred, but the cause is unknown"));
  v.print(`Total: ${isTest(v) ? Math.floor(v.conn.node.memory / 1024) : cells.reduce((a, b) => a + b, 0)} KiB\n`);
  return true;
};

const version: Handler = (v, o) => {
  const hv = v.conn.driver === "test" ? "TEST" : v.conn.driver === "xen" ? "Xen" : "QEMU";
  const running = v.conn.driver === "test" ? "0.0.2" : v.conn.driver === "xen" ? "4.17.0" : "7.2.0";
  let s = `Compiled against library: libvirt 9.0.0\nUsing library: libvirt 9.0.0\nUsing API: ${hv} 9.0.0\nRunning hypervisor: ${hv} ${running}\n`;
  if (o.has("daemon")) s += "Running against daemon: 9.0.0\n";
  v.print(s);
  return true;
};

const hostname: Handler = (v) => {
  v.print(`${isTest(v) ? (v.world.hosts[v.ctx.host]?.hostname.split(".")[0] ?? "localhost") : v.world.hosts[v.hostName]!.hostname}\n`);
  return true;
};

const uri: Handler = (v) => {
  // a remote connection reports the URI it was opened with (qemu+ssh://host2/system), a local one its canonical URI
  v.print(`${v.uri && /^[a-z0-9+]+:\/\/[^/]/i.test(v.uri) ? v.uri : v.conn.uri}\n`);
  return true;
};

const sysinfo: Handler = (v) => {
  if (isTest(v)) {
    v.print("<sysinfo type='smbios'>\n  <bios>\n    <entry name='vendor'>LENOVO</entry>\n    <entry name='version'>G4ETA1WW (2.61 )</entry>\n    <entry name='date'>05/07/2014</entry>\n    <entry name='release'>2.61</entry>\n  </bios>\n</sysinfo>\n");
    return true;
  }
  const h = v.world.hosts[v.hostName]!;
  v.print(
    `<sysinfo type='smbios'>\n  <bios>\n    <entry name='vendor'>Dell Inc.</entry>\n    <entry name='version'>2.19.0</entry>\n    <entry name='date'>03/07/2024</entry>\n    <entry name='release'>2.19</entry>\n  </bios>\n  <system>\n    <entry name='manufacturer'>Dell Inc.</entry>\n    <entry name='product'>PowerEdge R650</entry>\n    <entry name='version'>Not Specified</entry>\n    <entry name='serial'>${h.name.toUpperCase()}X42</entry>\n    <entry name='uuid'>4c4c4544-0048-4b10-8057-b${h.name.length}c04f${h.name.length}33${h.name.length}3</entry>\n    <entry name='sku'>SKU=0A6B;ModelName=PowerEdge R650</entry>\n    <entry name='family'>PowerEdge</entry>\n  </system>\n  <processor>\n    <entry name='socket_destination'>CPU1</entry>\n    <entry name='type'>Central Processor</entry>\n    <entry name='family'>Xeon</entry>\n    <entry name='manufacturer'>Intel</entry>\n    <entry name='version'>${h.cpu.modelName}</entry>\n    <entry name='external_clock'>100 MHz</entry>\n    <entry name='max_speed'>4000 MHz</entry>\n    <entry name='status'>Populated, Enabled</entry>\n  </processor>\n  <memory_device>\n    <entry name='size'>${Math.round(h.memoryKiB / 1024 / 1024)} GB</entry>\n    <entry name='form_factor'>DIMM</entry>\n    <entry name='locator'>A1</entry>\n    <entry name='bank_locator'>Not Specified</entry>\n    <entry name='type'>DDR4</entry>\n    <entry name='type_detail'>Synchronous Registered (Buffered)</entry>\n    <entry name='speed'>3200 MT/s</entry>\n    <entry name='manufacturer'>Hynix</entry>\n  </memory_device>\n</sysinfo>\n`,
  );
  return true;
};

function testCapabilities(v: Virsh): string {
  let cells = "      <cells num='0'>\n      </cells>\n";
  if (isDefaultTest(v)) {
    cells = "      <cells num='2'>\n";
    for (const [id, mem, pg] of [
      [0, 2097152, 4],
      [1, 4194304, 8],
    ] as const) {
      cells += `        <cell id='${id}'>\n          <memory unit='KiB'>${mem}</memory>\n          <pages unit='KiB' size='${pg}'>524288</pages>\n          <pages unit='KiB' size='2048'>0</pages>\n          <pages unit='KiB' size='1048576'>0</pages>\n          <cpus num='8'>\n`;
      for (let c = 0; c < 8; c++) cells += `            <cpu id='${id * 8 + c}' socket_id='${id}' die_id='0' core_id='${c}' siblings='${id * 8 + c}'/>\n`;
      cells += "          </cpus>\n        </cell>\n";
    }
    cells += "      </cells>\n";
  }
  const guest = (os: string) =>
    `  <guest>\n    <os_type>${os}</os_type>\n    <arch name='i686'>\n      <wordsize>32</wordsize>\n      <emulator>/usr/bin/test-hv</emulator>\n      <domain type='test'/>\n    </arch>\n    <features>\n      <pae/>\n      <nonpae/>\n    </features>\n  </guest>\n\n`;
  return `<capabilities>\n\n  <host>\n    <cpu>\n      <arch>i686</arch>\n      <features>\n        <pae/>\n        <nonpae/>\n      </features>\n      <pages unit='KiB' size='4'/>\n      <pages unit='KiB' size='8'/>\n      <pages unit='KiB' size='2048'/>\n      <pages unit='KiB' size='1048576'/>\n    </cpu>\n    <power_management/>\n    <iommu support='no'/>\n    <topology>\n${cells}    </topology>\n    <secmodel>\n      <model>testSecurity</model>\n      <doi></doi>\n    </secmodel>\n  </host>\n\n${guest("hvm")}${guest("xen")}</capabilities>\n\n`;
}

function qemuCapabilities(v: Virsh): string {
  const h = v.world.hosts[v.hostName]!;
  const n = v.conn.node;
  let cpus = "";
  for (let i = 0; i < n.cpus; i++) {
    const core = Math.floor(i / n.threads) % n.cores;
    const sib = Array.from({ length: n.threads }, (_, t) => Math.floor(i / n.threads) * n.threads + t).join(",");
    cpus += `            <cpu id='${i}' socket_id='0' die_id='0' core_id='${core}' siblings='${sib}'/>\n`;
  }
  const machines = ["pc-i440fx-7.2", "pc-q35-7.2"];
  const mach = machines.map((m) => `      <machine maxCpus='${m.includes("q35") ? 288 : 255}'>${m}</machine>\n`).join("") + "      <machine canonical='pc-i440fx-7.2' maxCpus='255'>pc</machine>\n      <machine canonical='pc-q35-7.2' maxCpus='288'>q35</machine>\n";
  return `<capabilities>\n\n  <host>\n    <uuid>4c4c4544-0048-4b10-8057-b2c04f333333</uuid>\n    <cpu>\n      <arch>x86_64</arch>\n      <model>Cascadelake-Server</model>\n      <vendor>Intel</vendor>\n      <microcode version='83898371'/>\n      <signature family='6' model='85' stepping='7'/>\n      <counter name='tsc' frequency='${n.mhz * 1000000}' scaling='no'/>\n      <topology sockets='${n.sockets}' dies='1' cores='${n.cores}' threads='${n.threads}'/>\n      <maxphysaddr mode='emulate' bits='46'/>\n      <feature name='vmx'/>\n      <pages unit='KiB' size='4'/>\n      <pages unit='KiB' size='2048'/>\n      <pages unit='KiB' size='1048576'/>\n    </cpu>\n    <power_management>\n      <suspend_mem/>\n    </power_management>\n    <iommu support='yes'/>\n    <migration_features>\n      <live/>\n      <uri_transports>\n        <uri_transport>tcp</uri_transport>\n        <uri_transport>rdma</uri_transport>\n      </uri_transports>\n    </migration_features>\n    <topology>\n      <cells num='1'>\n        <cell id='0'>\n          <memory unit='KiB'>${h.memoryKiB}</memory>\n          <pages unit='KiB' size='4'>${Math.floor(h.memoryKiB / 4)}</pages>\n          <pages unit='KiB' size='2048'>0</pages>\n          <pages unit='KiB' size='1048576'>0</pages>\n          <distances>\n            <sibling id='0' value='10'/>\n          </distances>\n          <cpus num='${n.cpus}'>\n${cpus}          </cpus>\n        </cell>\n      </cells>\n    </topology>\n    <secmodel>\n      <model>apparmor</model>\n      <doi>0</doi>\n    </secmodel>\n    <secmodel>\n      <model>dac</model>\n      <doi>0</doi>\n      <baselabel type='kvm'>+64055:+994</baselabel>\n      <baselabel type='qemu'>+64055:+994</baselabel>\n    </secmodel>\n  </host>\n\n  <guest>\n    <os_type>hvm</os_type>\n    <arch name='x86_64'>\n      <wordsize>64</wordsize>\n      <emulator>/usr/bin/qemu-system-x86_64</emulator>\n${mach}      <domain type='qemu'/>\n      <domain type='kvm'/>\n    </arch>\n    <features>\n      <acpi default='on' toggle='yes'/>\n      <apic default='on' toggle='no'/>\n      <cpuselection/>\n      <deviceboot/>\n      <disksnapshot default='on' toggle='no'/>\n    </features>\n  </guest>\n\n</capabilities>\n\n`;
}

const capabilities: Handler = (v, o) => {
  const x = isTest(v) ? testCapabilities(v) : qemuCapabilities(v);
  const xp = o.strQuiet("xpath");
  if (xp !== undefined) return xpathDump(v, x, xp, o.has("wrap"));
  v.print(x);
  return true;
};

const domcapabilities: Handler = (v, o) => {
  if (isTest(v)) {
    v.lastError = noSupport("virConnectGetDomainCapabilities");
    v.error("failed to get emulator capabilities");
    return false;
  }
  const vt = o.strQuiet("virttype") ?? "kvm";
  const machine = o.strQuiet("machine") ?? "pc-i440fx-7.2";
  v.print(
    `<domainCapabilities>\n  <path>/usr/bin/qemu-system-x86_64</path>\n  <domain>${vt}</domain>\n  <machine>${machine === "q35" ? "pc-q35-7.2" : machine === "pc" ? "pc-i440fx-7.2" : machine}</machine>\n  <arch>x86_64</arch>\n  <vcpu max='255'/>\n  <iothreads supported='yes'/>\n  <os supported='yes'>\n    <enum name='firmware'>\n      <value>efi</value>\n    </enum>\n    <loader supported='yes'>\n      <value>/usr/share/OVMF/OVMF_CODE_4M.ms.fd</value>\n      <value>/usr/share/OVMF/OVMF_CODE_4M.fd</value>\n      <enum name='type'>\n        <value>rom</value>\n        <value>pflash</value>\n      </enum>\n    </loader>\n  </os>\n  <cpu>\n    <mode name='host-passthrough' supported='yes'/>\n    <mode name='host-model' supported='yes'>\n      <model fallback='forbid'>Cascadelake-Server</model>\n    </mode>\n  </cpu>\n  <devices>\n    <disk supported='yes'>\n      <enum name='diskDevice'>\n        <value>disk</value>\n        <value>cdrom</value>\n        <value>floppy</value>\n        <value>lun</value>\n      </enum>\n      <enum name='bus'>\n        <value>ide</value>\n        <value>fdc</value>\n        <value>scsi</value>\n        <value>virtio</value>\n        <value>usb</value>\n        <value>sata</value>\n      </enum>\n    </disk>\n    <graphics supported='yes'>\n      <enum name='type'>\n        <value>sdl</value>\n        <value>vnc</value>\n        <value>spice</value>\n      </enum>\n    </graphics>\n  </devices>\n  <features>\n    <gic supported='no'/>\n    <vmcoreinfo supported='yes'/>\n  </features>\n</domainCapabilities>\n\n`,
  );
  return true;
};

const maxvcpus: Handler = (v) => {
  v.print(isTest(v) ? "32\n" : "255\n");
  return true;
};

/** libvirt's architecture names (virArch). */
const ARCHES = [
  "none", "alpha", "armv6l", "armv7l", "armv7b", "aarch64", "cris", "i686", "ia64", "lm32", "loongarch64", "m68k", "microblaze", "microblazeel", "mips", "mipsel",
  "mips64", "mips64el", "openrisc", "parisc", "parisc64", "ppc", "ppcle", "ppc64", "ppc64le", "ppcemb", "riscv32", "riscv64", "s390", "s390x", "sh4", "sh4eb",
  "sparc", "sparc64", "unicore32", "x86_64", "xtensa", "xtensaeb",
];
const PPC_MODELS = ["POWER6", "POWER7", "POWER8", "POWER9", "POWER10"];

/** virConnectGetCPUModelNames: x86 and POWER list their models, ARM and s390 accept any, the rest have no CPU driver. */
const cpuModels: Handler = (v, o) => {
  const arch = o.raw("arch")!;
  const fail = (e: ReturnType<typeof lvErr>) => {
    v.lastError = e;
    v.error("failed to get CPU model names");
    return false;
  };
  if (!ARCHES.includes(arch) || arch === "none") return fail(lvErr("INVALID_ARG", `invalid argument: cannot find architecture ${arch}`));
  if (arch === "x86_64" || arch === "i686") {
    v.print(CPU_MODELS.map((m) => m + "\n").join(""));
    return true;
  }
  if (["ppc64", "ppc64le"].includes(arch)) {
    v.print(PPC_MODELS.map((m) => m + "\n").join(""));
    return true;
  }
  if (["armv6l", "armv7l", "armv7b", "aarch64", "s390", "s390x"].includes(arch)) {
    v.print("all CPU models are accepted\n");
    return true;
  }
  return fail(noSupport(`'${arch}' architecture is not supported by CPU driver`));
};

/** cpu-baseline / cpu-compare read <cpu> elements (or whole domain/capabilities XML) from a file first. */
function cpuFile(v: Virsh, o: Opts): XmlEl[] | undefined {
  const file = o.raw("file")!;
  const text = readXmlFile(v, file);
  if (text === undefined) return undefined;
  const p = parseXml(text);
  const cpus: XmlEl[] = [];
  const walk = (e: XmlEl) => {
    if (e.name === "cpu") cpus.push(e);
    else for (const k of kids(e)) walk(k);
  };
  if (!("error" in p)) walk(stripWs(p.root));
  if (!cpus.length) {
    v.error(`File '${file}' does not contain any <cpu> element or valid domain XML, host capabilities XML, or domain capabilities XML`);
    return undefined;
  }
  return cpus;
}

const cpuBaseline: Handler = (v, o) => {
  const cpus = cpuFile(v, o);
  if (!cpus) return false;
  v.print(formatXml(el("cpu", { mode: "custom", match: "exact" }, kids(cpus[0]!).filter((k) => k.name === "model" || k.name === "vendor"))));
  return true;
};

const cpuCompare: Handler = (v, o) => {
  const cpus = cpuFile(v, o);
  if (!cpus) return false;
  v.print(`CPU described in ${o.raw("file")} is identical to the CPU provided by hypervisor\n`);
  return true;
};

const nodesuspend: Handler = (v, o) => {
  if (!["mem", "disk", "hybrid"].includes(o.raw("target") ?? "")) {
    v.error("Invalid target");
    return false;
  }
  if (isTest(v)) {
    v.lastError = noSupport("virNodeSuspendForDuration");
    v.error("The host was not suspended");
    return false;
  }
  v.lastError = lvErr("OPERATION_INVALID", "Requested operation is not valid: Suspend-to-RAM is not supported on this host");
  v.error("The host was not suspended");
  return false;
};

const nodedevList: Handler = (v, o) => {
  if (isTest(v)) {
    v.lastError = unsupportedFlags(0x80000000, "testConnectListAllNodeDevices");
    v.error("Failed to list node devices");
    return false;
  }
  const devs = ["computer", "net_lo_00_00_00_00_00_00", "net_eno1_3c_ec_ef_12_34_56", "pci_0000_00_00_0", "pci_0000_00_1f_2", "pci_0000_3b_00_0", "scsi_host0", "block_sda_PERC_H755_Front_0"].sort(caseSort);
  if (o.has("tree")) {
    v.print("computer\n  |\n" + devs.filter((d) => d !== "computer").map((d, i, a) => `  +- ${d}\n${i === a.length - 1 ? "    \n" : "  |\n"}`).join(""));
    return true;
  }
  v.print(devs.map((d) => d + "\n").join(""));
  return true;
};

const secretList: Handler = (v, o) => {
  // without virConnectListAllSecrets virsh cannot filter
  if (isTest(v) && ["ephemeral", "no-ephemeral", "private", "no-private"].some((f) => o.has(f))) {
    v.error("Filtering is not supported by this libvirt");
    return false;
  }
  if (isTest(v)) {
    v.lastError = noSupport("virConnectNumOfSecrets");
    v.error("Failed to count secrets");
    return false;
  }
  v.print(table(["UUID", "Usage"], [], !v.quiet));
  return true;
};

// ---------------------------------------------------------------- host interfaces

const ifaceList: Handler = (v, o) => {
  let ifs = [...v.conn.interfaces];
  if (!o.has("all")) ifs = ifs.filter((i) => (o.has("inactive") ? !i.active : i.active));
  ifs.sort((a, b) => caseSort(a.name, b.name));
  const mac = (i: (typeof ifs)[number]) => (i.def.children.find((c) => typeof c === "object" && c.name === "mac") as { attrs: Record<string, string> } | undefined)?.attrs.address ?? "";
  v.print(table(["Name", "State", "MAC Address"], ifs.map((i) => [i.name, i.active ? "active" : "inactive", mac(i)]), !v.quiet));
  return true;
};

function optIface(v: Virsh, key: string | undefined, byMac: boolean) {
  if (key === undefined) return undefined;
  const f = byMac ? v.conn.interfaces.find((i) => formatXml(i.def).includes(`<mac address='${key.toLowerCase()}'/>`)) : v.conn.interfaces.find((i) => i.name === key);
  if (!f) {
    v.lastError = lvErr("NO_INTERFACE", byMac ? `Interface not found: no interface with matching mac '${key}'` : `Interface not found: no interface with matching name '${key}'`);
    v.error(`failed to get interface '${key}'`);
  }
  return f;
}

const ifaceDumpxml: Handler = (v, o) => {
  const s = optStr(v, o, "interface");
  if (!s) return false;
  const i = optIface(v, s.value, false) ?? (s.value && /:/.test(s.value) ? optIface(v, s.value, true) : undefined);
  if (!i) return false;
  v.lastError = undefined;
  if (isTest(v) && o.has("inactive")) return v.fail(unsupportedFlags(1, "testInterfaceGetXMLDesc"));
  const x = formatXml(i.def);
  const xp = o.strQuiet("xpath");
  if (xp !== undefined) return xpathDump(v, x, xp, o.has("wrap"));
  v.print(x);
  return true;
};

/** An interface command's object: by name, or by MAC address when it looks like one. */
function ifaceArg(v: Virsh, o: Opts) {
  const s = optStr(v, o, "interface");
  if (!s || s.value === undefined) return undefined;
  const i = optIface(v, s.value, false) ?? (/:/.test(s.value) ? optIface(v, s.value, true) : undefined);
  if (i) v.lastError = undefined;
  return i ? { iface: i, name: s.value } : undefined;
}

function ifaceState(start: boolean): Handler {
  return (v, o) => {
    const r = ifaceArg(v, o);
    if (!r) return false;
    if (r.iface.active === start) {
      v.lastError = lvErr("OPERATION_INVALID", "Requested operation is not valid");
      v.error(start ? `Failed to start interface ${r.name}` : `Failed to destroy interface ${r.name}`);
      return false;
    }
    v.mutate((c) => {
      c.interfaces.find((x) => x.name === r.iface.name)!.active = start;
      return undefined;
    });
    v.printExtra(start ? `Interface ${r.name} started\n` : `Interface ${r.name} destroyed\n`);
    // virsh 9.0's iface-destroy reports failure even after destroying the interface
    return start || !isTest(v);
  };
}

const IFACE_TYPES = ["ethernet", "bridge", "bond", "vlan"];

const ifaceDefine: Handler = (v, o) => {
  const file = o.raw("file")!;
  const text = readXmlFile(v, file);
  if (text === undefined) return false;
  const fail = (e: ReturnType<typeof lvErr>) => {
    v.lastError = e;
    v.error(`Failed to define interface from ${file}`);
    return false;
  };
  const p = parseXml(text);
  if ("error" in p) return fail(lvErr("XML_DETAIL", syntaxErrorText(p.error, "(interface_definition)")));
  const root = stripWs(p.root);
  if (root.name !== "interface") return fail(lvErr("XML_ERROR", `XML error: expecting root element of 'interface', not '${root.name}'`));
  const type = root.attrs.type;
  if (type === undefined) return fail(lvErr("XML_ERROR", "XML error: Missing required attribute 'type' in element 'interface'"));
  if (!IFACE_TYPES.includes(type)) return fail(lvErr("XML_ERROR", `XML error: Invalid value for attribute 'type' in element 'interface': '${type}'.`));
  const name = root.attrs.name;
  if (!name) return fail(lvErr("XML_ERROR", "XML error: interface has no name"));
  const def = normalizeIface(root);
  v.mutate((c) => {
    const old = c.interfaces.find((x) => x.name === name);
    if (old) old.def = def;
    else c.interfaces.push({ name, def, active: false });
    return undefined;
  });
  v.printExtra(`Interface ${name} defined from ${file}\n`);
  return true;
};

const ifaceUndefine: Handler = (v, o) => {
  const r = ifaceArg(v, o);
  if (!r) return false;
  v.mutate((c) => {
    c.interfaces = c.interfaces.filter((x) => x.name !== r.iface.name);
    return undefined;
  });
  v.printExtra(`Interface ${r.name} undefined\n`);
  return true;
};

/** iface-begin/commit/rollback: the test driver snapshots the interface list; a rollback brings it back inactive. */
function ifaceTxn(kind: "begin" | "commit" | "rollback"): Handler {
  return (v) => {
    const msgs = {
      begin: ["Failed to begin network config change transaction", "Network config change transaction started\n"],
      commit: ["Failed to commit network config change transaction", "Network config change transaction committed\n"],
      rollback: ["Failed to rollback network config change transaction", "Network config change transaction rolled back\n"],
    }[kind];
    const running = !!v.conn.ifaceTransaction;
    let err: ReturnType<typeof lvErr> | undefined;
    if (kind === "begin" && running) err = lvErr("OPERATION_INVALID", "Requested operation is not valid: there is another transaction running.");
    if (kind === "commit" && !running) err = lvErr("OPERATION_INVALID", "Requested operation is not valid: no transaction running, nothing to be committed.");
    if (kind === "rollback" && !running) err = lvErr("OPERATION_INVALID", "Requested operation is not valid: no transaction running, nothing to rollback.");
    if (err) {
      v.lastError = err;
      v.error(msgs[0]!);
      return false;
    }
    v.mutate((c) => {
      if (kind === "begin") c.ifaceTransaction = c.interfaces.map((i) => ({ ...i }));
      else if (kind === "commit") c.ifaceTransaction = undefined;
      else {
        c.interfaces = (c.ifaceTransaction ?? []).map((i) => ({ ...i, active: isTest(v) ? false : i.active }));
        c.ifaceTransaction = undefined;
      }
      return undefined;
    });
    v.printExtra(msgs[1]!);
    return true;
  };
}

/** iface-bridge asks for the inactive XML of the interface first, which the test driver refuses. */
const ifaceBridge: Handler = (v, o) => {
  const r = ifaceArg(v, o);
  if (!r) return false;
  if (isTest(v)) return v.fail(unsupportedFlags(1, "testInterfaceGetXMLDesc"));
  return v.fail(noSupport("virInterfaceDefineXML"));
};

const ifaceUnbridge: Handler = (v, o) => {
  const s = optStr(v, o, "bridge");
  if (!s || s.value === undefined) return false;
  const i = optIface(v, s.value, false);
  if (!i) return false;
  if (isTest(v)) return v.fail(unsupportedFlags(1, "testInterfaceGetXMLDesc"));
  return v.fail(noSupport("virInterfaceDefineXML"));
};

/**
 * freepages: the test driver answers 19, 45, 97, 201 ... free pages for the 1st, 2nd, 3rd ... size asked for.
 * --all walks the NUMA cells of the capabilities (two cells with four page sizes on test:///default, none for a
 * node file).
 */
const freepages: Handler = (v, o) => {
  const cell = optNum(v, o, "cellno", "int");
  if (cell === null) return false;
  const raw = o.raw("pagesize");
  let kib: number | undefined;
  if (raw !== undefined) {
    const bytes = optScaled(v, o, "pagesize", 1024n, 4294967295n);
    if (bytes === null || bytes === undefined) return false;
    kib = Math.floor(bytes / 1024);
  }
  const count = (i: number) => 19 + 26 * (2 ** i - 1);
  if (o.has("all")) {
    const cells = isTest(v) ? (v.conn.uri === "test:///default" ? 2 : 0) : v.conn.node.nodes;
    const sizes = kib !== undefined ? [kib] : [4, 8, 2048, 1048576];
    let s = "";
    for (let c = 0; c < cells; c++) s += `Node ${c}:\n` + sizes.map((z, i) => `${z}KiB: ${count(i)}\n`).join("") + (c < cells - 1 ? "\n" : "");
    v.print(s);
    return true;
  }
  if (cell === undefined) {
    v.error("missing cellno argument");
    return false;
  }
  if (kib === undefined) {
    v.error("missing pagesize argument");
    return false;
  }
  v.print(`${kib}KiB: ${count(0)}\n`);
  return true;
};

/** nodedev-* on a device name the host does not have. */
function nodedevLookup(optname: string): Handler {
  return (v, o) => {
    const name = o.raw(optname)!;
    v.lastError = lvErr("NO_NODE_DEVICE", `Node device not found: no node device with matching name '${name}'`);
    v.error(`Could not find matching device '${name}'`);
    return false;
  };
}

const ifaceMac: Handler = (v, o) => {
  const s = optStr(v, o, "interface");
  if (!s) return false;
  const i = optIface(v, s.value, false);
  if (!i) return false;
  const m = (i.def.children.find((c) => typeof c === "object" && c.name === "mac") as { attrs: Record<string, string> } | undefined)?.attrs.address ?? "";
  v.print(`${m}\n`);
  return true;
};

const ifaceName: Handler = (v, o) => {
  const s = optStr(v, o, "interface");
  if (!s) return false;
  const i = optIface(v, s.value, true);
  if (!i) return false;
  v.print(`${i.name}\n`);
  return true;
};

// ---------------------------------------------------------------- migration

const migrate: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const desturi = o.raw("desturi")!;
  const d = r.dom;
  const offline = o.has("offline");
  const destFirst = resolveUri(v.world, v.ctx.host, desturi);
  if ("code" in destFirst) return v.fail(destFirst);
  if (isTest(v)) return v.fail(offline ? lvErr("ARGUMENT_UNSUPPORTED", "argument unsupported: offline migration is not supported by the source host") : noSupport("virDomainMigrate3"));
  if (!offline && !D.isActive(d)) return v.fail(lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running"));
  if (offline && !o.has("persistent")) return v.fail(lvErr("INVALID_ARG", "invalid argument: offline migration requires persistent flag"));
  const dest = resolveUri(v.world, v.ctx.host, desturi);
  if ("code" in dest) return v.fail(dest);
  if (dest.kind !== "world") return v.fail(lvErr("OPERATION_INVALID", "Requested operation is not valid: migration between different drivers is not supported"));
  if (dest.host === v.hostName) return v.fail(lvErr("OPERATION_INVALID", "Requested operation is not valid: Attempt to migrate guest to the same host " + (v.world.hosts[dest.host]?.hostname ?? dest.host)));
  const name = domName(d.def);
  const clash = dest.conn.domains.find((x) => domName(x.def) === name || x.uuid === d.uuid);
  if (clash && D.isActive(clash)) return v.fail(lvErr("OPERATION_INVALID", `Requested operation is not valid: domain '${name}' is already active`));
  if (clash && clash.uuid !== d.uuid) return v.fail(lvErr("OPERATION_FAILED", `operation failed: domain '${name}' already exists with uuid ${clash.uuid}`));
  const copy = o.has("copy-storage-all") || o.has("copy-storage-inc");
  const destFs = v.world.hosts[dest.host]!.fs;
  const srcFs = v.world.hosts[v.hostName]!.fs;
  const toCopy: { path: string; size: number; format: string }[] = [];
  for (const disk of disksOf(d.def)) {
    if (!disk.source || disk.type !== "file") continue;
    if (destFs[disk.source]) continue;
    if (disk.device !== "disk" || disk.readonly) {
      if (!offline) return v.fail(lvErr("SYSTEM_ERROR", `Cannot access storage file '${disk.source}': No such file or directory`));
      continue;
    }
    if (!copy && !offline) return v.fail(lvErr("OPERATION_FAILED", `operation failed: job 'migration in' failed: unable to open disk '${disk.source}': Could not open '${disk.source}': No such file or directory`));
    const dir = disk.source.slice(0, disk.source.lastIndexOf("/"));
    if (copy && destFs[dir]?.kind !== "dir") return v.fail(lvErr("OPERATION_FAILED", `operation failed: unable to create directory for disk '${disk.source}': no storage pool with path '${dir}' on destination`));
    const n = srcFs[disk.source];
    const img = n && n.kind === "file" ? n.image : undefined;
    if (copy) toCopy.push({ path: disk.source, size: img?.virtualSize ?? 0, format: img?.format ?? disk.format ?? "raw" });
  }
  const live = D.isActive(d);
  const persistent = o.has("persistent");
  const undefineSource = o.has("undefinesource");
  const srcKey = v.hostName;
  const now = v.now;
  const srcConnKey = Object.entries((v.world.hosts[srcKey]!.subsystems.libvirt as LibvirtHost).conns).find(([, c]) => c === v.conn)?.[0];
  if (!srcConnKey) return v.fail(lvErr("INTERNAL_ERROR", "internal error: source connection not found"));
  v.world = produce(v.world, (w) => {
    const dh = w.hosts[dest.host]!;
    const dconn = (dh.subsystems.libvirt as LibvirtHost).conns[dest.key]! as LibvirtConn;
    for (const c of toCopy) {
      const src = w.hosts[srcKey]!.fs[c.path];
      const img = src && src.kind === "file" && src.image ? { ...src.image, ...(src.image.backingFile ? {} : {}) } : newImage(c.format, c.size);
      dh.fs[c.path] = { kind: "file", mode: 0o600, owner: "root", group: "root", mtime: Math.floor(now / 1000), content: "", image: img };
    }
    let dd = dconn.domains.find((x) => x.uuid === d.uuid);
    if (!dd) {
      dd = { uuid: d.uuid, def: D.persistentDef(d), persistent: false, autostart: false, state: "shutoff", reason: "unknown", id: -1, managedSave: false, snapshots: [], vcpuPins: {} };
      dconn.domains.push(dd);
    }
    dd.def = d.newDef ?? d.def;
    if (persistent) dd.persistent = true;
    if (live) {
      D.startState(dconn, dd, "migrated", now);
      dd.def = { ...d.def };
      if (d.state === "paused" && !o.has("suspend")) D.setState(dd, "paused", "migrating");
      if (o.has("suspend")) D.setState(dd, "paused", "user");
    }
    for (const p of dconn.pools) if (p.active) {
      const path = p.def.children.find((c) => typeof c === "object" && c.name === "target");
      void path;
    }
    syncHostFiles(dh.fs, dconn, Math.floor(now / 1000), dest.host);
    const sh = w.hosts[srcKey]!;
    const sconn = (sh.subsystems.libvirt as LibvirtHost).conns[srcConnKey]! as LibvirtConn;
    const sd = sconn.domains.find((x) => x.uuid === d.uuid)!;
    if (D.isActive(sd)) D.shutoffState(sconn, sd, "migrated");
    if (undefineSource && sconn.domains.includes(sd)) sconn.domains = sconn.domains.filter((x) => x.uuid !== sd.uuid);
    syncHostFiles(sh.fs, sconn, Math.floor(now / 1000), srcKey);
  });
  if (o.has("verbose")) v.out.push({ fd: 2, text: "\rMigration: [100 %]" });
  return true;
};

const migrateSetmaxdowntime: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const n = optNum(v, o, "downtime", "ull");
  if (n === null || n === undefined) return false;
  if (n < 1) {
    v.error("migrate: Invalid downtime");
    return false;
  }
  if (isTest(v)) return v.fail(noSupport("virDomainMigrateSetMaxDowntime"));
  return true;
};

export const HOST_HANDLERS: Record<string, Handler> = {
  nodeinfo,
  nodememstats,
  nodecpustats,
  nodecpumap,
  freecell,
  version,
  hostname,
  uri,
  sysinfo,
  capabilities,
  domcapabilities,
  maxvcpus,
  "cpu-models": cpuModels,
  nodesuspend,
  "nodedev-list": nodedevList,
  "secret-list": secretList,
  "iface-list": ifaceList,
  "iface-start": ifaceState(true),
  "iface-destroy": ifaceState(false),
  "iface-define": ifaceDefine,
  "iface-undefine": ifaceUndefine,
  "iface-begin": ifaceTxn("begin"),
  "iface-commit": ifaceTxn("commit"),
  "iface-rollback": ifaceTxn("rollback"),
  "iface-bridge": ifaceBridge,
  "iface-unbridge": ifaceUnbridge,
  "nodedev-dumpxml": nodedevLookup("device"),
  "nodedev-info": nodedevLookup("device"),
  "nodedev-detach": nodedevLookup("device"),
  "nodedev-reattach": nodedevLookup("device"),
  "nodedev-reset": nodedevLookup("device"),
  "nodedev-destroy": nodedevLookup("device"),
  "nodedev-undefine": nodedevLookup("device"),
  "nodedev-start": nodedevLookup("device"),
  "nodedev-autostart": nodedevLookup("device"),
  "cpu-baseline": cpuBaseline,
  freepages,
  "cpu-compare": cpuCompare,
  "iface-dumpxml": ifaceDumpxml,
  "iface-mac": ifaceMac,
  "iface-name": ifaceName,
  migrate,
  "migrate-setmaxdowntime": migrateSetmaxdowntime,
};
