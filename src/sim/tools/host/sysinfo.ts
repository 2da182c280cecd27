// Host facts a KVM candidate checks: lscpu (util-linux 2.38), lsmod/modprobe (kmod 30) with the KVM modules
// and their dependencies, and libvirt's virt-host-validate.
import { produce } from "immer";
import { probeChecked } from "../../shell/syntax-check";
import { getoptLong, type LongOption } from "../../shell/getopt";
import { stat, writeFile, type FsNode } from "../../model/fs";
import { allLinks } from "../../model/net/net";
import { libvirtOf } from "../../model/libvirt/connect";
import { isActive, liveVcpus } from "../../model/libvirt/domains";
import { qemuOf } from "../../model/qemu/vm";
import type { Host, World } from "../../model/world";
import { err, out, type Tool, type ToolContext, type ToolResult } from "../../shell/tool";

export const KERNEL = "6.1.0-28-amd64";

const hostOf = (ctx: ToolContext): Host => ctx.world.hosts[ctx.host]!;

/** Module name → [size in bytes, modules it needs]. */
const MODULES: Record<string, [number, string[]]> = {
  kvm_intel: [380928, ["kvm"]],
  kvm_amd: [155648, ["kvm", "ccp"]],
  kvm: [1142784, ["irqbypass"]],
  irqbypass: [16384, []],
  ccp: [118784, []],
  vhost_net: [36864, ["tun", "vhost", "tap"]],
  vhost: [57344, ["vhost_iotlb"]],
  vhost_iotlb: [16384, []],
  tap: [28672, []],
  tun: [61440, []],
  bridge: [311296, ["stp", "llc"]],
  stp: [16384, ["llc"]],
  llc: [16384, []],
  br_netfilter: [32768, ["bridge"]],
  nbd: [61440, []],
  fuse: [176128, []],
  loop: [32768, []],
  xen_evtchn: [16384, []],
  xen_gntdev: [28672, []],
  xen_gntalloc: [16384, []],
  xen_blkback: [53248, []],
  xen_netback: [69632, []],
  xen_privcmd: [28672, []],
  xenfs: [16384, []],
  dm_mod: [184320, []],
  overlay: [163840, []],
  veth: [36864, []],
};

/** The arch module for this CPU and whether the firmware enables VT-x / AMD-V. */
function archModule(h: Host): { mod: string; ok: boolean } {
  const intel = h.cpu.vendor === "GenuineIntel";
  return { mod: intel ? "kvm_intel" : "kvm_amd", ok: h.cpu.flags.includes(intel ? "vmx" : "svm") };
}

/** Every loaded module: the host's list, what they depend on, and what the network stack pulled in. */
export function loadedModules(h: Host): string[] {
  const set = new Set<string>(h.modules);
  const links = allLinks(h);
  if (links.some((l) => l.kind === "bridge")) set.add("bridge");
  if (links.some((l) => l.tuntap)) set.add("tun");
  let grew = true;
  while (grew) {
    grew = false;
    for (const m of [...set]) for (const d of MODULES[m]?.[1] ?? []) if (!set.has(d)) (set.add(d), (grew = true));
  }
  return [...set];
}

function users(mods: string[], m: string): string[] {
  return mods.filter((x) => (MODULES[x]?.[1] ?? []).includes(m));
}

/** References running guests hold on the arch module: kvm_init() makes it the owner of /dev/kvm, of each VM
 * file and of each vCPU file, and QEMU keeps all three open (1 + 1 + vCPUs per guest). */
function guestRefs(h: Host): number {
  let n = 0;
  for (const v of qemuOf(h).vms) if (v.accel === "kvm") n += 2 + v.smp.cpus;
  for (const d of libvirtOf(h)?.conns["qemu:///system"]?.domains ?? []) if (isActive(d)) n += 2 + liveVcpus(d);
  return n;
}

function useCount(h: Host, mods: string[], m: string): number {
  let n = users(mods, m).length;
  if (m === archModule(h).mod) n += guestRefs(h);
  return n;
}

function lsmod(ctx: ToolContext, args: string[]): ToolResult {
  if (args.length) return { exit: 1, out: [err(`Usage: lsmod\n`)] };
  const h = hostOf(ctx);
  const mods = loadedModules(h);
  let s = "Module                  Size  Used by\n";
  for (const m of [...mods].reverse()) {
    const u = users(mods, m);
    s += `${m.padEnd(19)} ${String(MODULES[m]?.[0] ?? 16384).padStart(8)}  ${useCount(h, mods, m)}${u.length ? ` ${u.join(",")}` : ""}\n`;
  }
  return { exit: 0, out: [out(s)] };
}

function setModules(ctx: ToolContext, mods: string[]): World {
  return produce(ctx.world, (w) => {
    const h = w.hosts[ctx.host]!;
    h.modules = mods;
    const kvmUp = mods.includes("kvm_intel") || mods.includes("kvm_amd");
    writeFile(h.fs, "/proc/modules", mods.map((m) => `${m} ${MODULES[m]?.[0] ?? 16384} 0 - Live 0x0000000000000000\n`).join(""), { mtime: Math.floor(w.clock / 1000), mode: 0o444 });
    if (kvmUp && !h.fs["/dev/kvm"]) {
      writeFile(h.fs, "/dev/kvm", "", { mtime: Math.floor(w.clock / 1000), mode: 0o660, group: "kvm" });
      const node = h.fs["/dev/kvm"] as FsNode | undefined;
      if (node?.kind === "file") node.device = "char";
    }
    if (!kvmUp) delete h.fs["/dev/kvm"];
  });
}

function modprobe(ctx: ToolContext, args: string[]): ToolResult {
  let remove = false;
  let verbose = false;
  let dry = false;
  const names: string[] = [];
  for (const a of args) {
    if (a === "-r" || a === "--remove") remove = true;
    else if (a === "-v" || a === "--verbose") verbose = true;
    else if (a === "-n" || a === "--dry-run" || a === "--show") dry = true;
    else if (a === "-a" || a === "--all" || a === "-q" || a === "--quiet" || a === "-b" || a === "--use-blacklist") continue;
    else if (a.startsWith("-")) return { exit: 1, out: [err(`modprobe: unrecognized option '${a}'\n`)] };
    else names.push(a);
  }
  if (!names.length) return { exit: 1, out: [err("modprobe: ERROR: missing parameters. See -h.\n")] };
  const h = hostOf(ctx);
  // module parameters follow the name: modprobe kvm_intel nested=1
  const mod = names[0]!.replace(/-/g, "_");
  const targets = remove ? names.map((n) => n.replace(/-/g, "_")) : [mod];
  let mods = loadedModules(h);
  let text = "";
  for (const t of targets) {
    if (!MODULES[t]) return { exit: 1, out: [err(`modprobe: FATAL: Module ${t} not found in directory /lib/modules/${KERNEL}\n`)] };
    if (remove) {
      if (!mods.includes(t)) continue;
      if (useCount(h, mods, t) > 0) return { exit: 1, out: [out(text), err(`modprobe: FATAL: Module ${t} is in use.\n`)].filter((c) => c.text) };
      const gone = [t];
      for (const dep of MODULES[t]![1]) {
        const rest = mods.filter((m) => !gone.includes(m));
        if (rest.includes(dep) && useCount(h, rest, dep) === 0) gone.push(dep);
        for (const dd of MODULES[dep]?.[1] ?? []) {
          const r2 = mods.filter((m) => !gone.includes(m));
          if (r2.includes(dd) && useCount(h, r2, dd) === 0) gone.push(dd);
        }
      }
      if (verbose) text += gone.map((g) => `rmmod ${g}\n`).join("");
      if (!dry) mods = mods.filter((m) => !gone.includes(m));
      continue;
    }
    const need: string[] = [];
    const add = (m: string) => {
      for (const d of MODULES[m]?.[1] ?? []) add(d);
      if (!mods.includes(m) && !need.includes(m)) need.push(m);
    };
    add(t);
    const arch = archModule(h);
    if ((t === "kvm_intel" || t === "kvm_amd") && (t !== arch.mod || !arch.ok)) {
      const before = need.filter((m) => m !== t);
      if (verbose) text += before.map((m) => `insmod /lib/modules/${KERNEL}/${modPath(m)} \n`).join("") + `insmod /lib/modules/${KERNEL}/${modPath(t)} \n`;
      const world = dry ? ctx.world : setModules(ctx, [...mods, ...before]);
      return { exit: 1, out: [out(text), err(`modprobe: ERROR: could not insert '${t}': Operation not supported\n`)].filter((c) => c.text), world };
    }
    if (verbose) text += need.map((m) => `insmod /lib/modules/${KERNEL}/${modPath(m)} ${m === t ? names.slice(1).join(" ") : ""}\n`).join("");
    if (!dry) mods = [...mods, ...need];
  }
  const world = dry ? ctx.world : setModules(ctx, mods);
  return { exit: 0, out: text ? [out(text)] : [], world };
}

function modPath(m: string): string {
  if (m.startsWith("kvm") || m === "irqbypass") return m === "irqbypass" ? "kernel/virt/lib/irqbypass.ko" : `kernel/arch/x86/kvm/${m.replace(/_/g, "-")}.ko`;
  if (["vhost_net", "vhost", "vhost_iotlb"].includes(m)) return `kernel/drivers/vhost/${m}.ko`;
  if (["tun", "tap"].includes(m)) return `kernel/drivers/net/${m}.ko`;
  if (["bridge", "br_netfilter"].includes(m)) return `kernel/net/bridge/${m}.ko`;
  return `kernel/${m}.ko`;
}

// ------------------------------------------------------------------ lscpu

function lscpu(ctx: ToolContext, args: string[]): ToolResult {
  const bad = args.find((a) => !["-e", "--extended", "-p", "--parse", "-J", "--json", "-y"].includes(a) && a.startsWith("-"));
  if (bad) return { exit: 1, out: [err(`lscpu: unrecognized option '${bad}'\nTry 'lscpu --help' for more information.\n`)] };
  const h = hostOf(ctx);
  const c = h.cpu;
  const intel = c.vendor === "GenuineIntel";
  const virtFlag = c.flags.includes("vmx") ? "VT-x" : c.flags.includes("svm") ? "AMD-V" : undefined;
  const cores = c.sockets * c.coresPerSocket;
  const rows: [number, string, string][] = [
    [0, "Architecture:", "x86_64"],
    [1, "CPU op-mode(s):", "32-bit, 64-bit"],
    [1, "Address sizes:", "46 bits physical, 48 bits virtual"],
    [1, "Byte Order:", "Little Endian"],
    [0, "CPU(s):", String(c.cpus)],
    [1, "On-line CPU(s) list:", `0-${c.cpus - 1}`],
    [0, "Vendor ID:", c.vendor],
    [1, "Model name:", c.modelName],
    [2, "CPU family:", intel ? "6" : "25"],
    [2, "Model:", intel ? "85" : "33"],
    [2, "Thread(s) per core:", String(c.threadsPerCore)],
    [2, "Core(s) per socket:", String(c.coresPerSocket)],
    [2, "Socket(s):", String(c.sockets)],
    [2, "Stepping:", intel ? "7" : "0"],
    [2, "CPU(s) scaling MHz:", "100%"],
    [2, "CPU max MHz:", (c.mhz * 1.45).toFixed(4)],
    [2, "CPU min MHz:", "1000.0000"],
    [2, "BogoMIPS:", (c.mhz * 2).toFixed(2)],
    [2, "Flags:", c.flags.join(" ")],
    ...(virtFlag ? ([[0, "Virtualization features:", ""], [1, "Virtualization:", virtFlag]] as [number, string, string][]) : []),
    ...(c.flags.includes("hypervisor") ? ([[1, "Hypervisor vendor:", "KVM"], [1, "Virtualization type:", "full"]] as [number, string, string][]) : []),
    [0, "Caches (sum of all):", ""],
    [1, "L1d:", `${32 * cores} KiB (${cores} instances)`],
    [1, "L1i:", `${32 * cores} KiB (${cores} instances)`],
    [1, "L2:", `${cores} MiB (${cores} instances)`],
    [1, "L3:", `16.5 MiB (${c.sockets} instance${c.sockets > 1 ? "s" : ""})`],
    [0, "NUMA:", ""],
    [1, "NUMA node(s):", String(c.sockets)],
    [1, "NUMA node0 CPU(s):", `0-${c.cpus - 1}`],
    [0, "Vulnerabilities:", ""],
    [1, "Gather data sampling:", "Mitigation; Microcode"],
    [1, "Itlb multihit:", "KVM: Mitigation: VMX disabled"],
    [1, "L1tf:", "Not affected"],
    [1, "Mds:", "Not affected"],
    [1, "Meltdown:", "Not affected"],
    [1, "Mmio stale data:", "Mitigation; Clear CPU buffers; SMT vulnerable"],
    [1, "Retbleed:", "Mitigation; Enhanced IBRS"],
    [1, "Spec rstack overflow:", "Not affected"],
    [1, "Spec store bypass:", "Mitigation; Speculative Store Bypass disabled via prctl"],
    [1, "Spectre v1:", "Mitigation; usercopy/swapgs barriers and __user pointer sanitization"],
    [1, "Spectre v2:", "Mitigation; Enhanced / Automatic IBRS; IBPB conditional; RSB filling; PBRSB-eIBRS SW sequence; BHI SW loop, KVM SW loop"],
    [1, "Srbds:", "Not affected"],
    [1, "Tsx async abort:", "Mitigation; TSX disabled"],
  ];
  if (ctx.tty) {
    const width = Math.max(...rows.map(([lvl, k]) => lvl * 2 + k.length)) + 1;
    let s = "";
    for (const [lvl, k, v] of rows) {
      const key = "  ".repeat(lvl) + k;
      if (v === "") {
        s += key + "\n";
        continue;
      }
      // libsmartcols wraps a cell that does not fit an 80-column terminal, in mid-word
      const room = 80 - width;
      const chunks: string[] = [];
      for (let i = 0; i < v.length; i += room) chunks.push(v.slice(i, i + room));
      s += key.padEnd(width) + chunks.join("\n" + " ".repeat(width)) + "\n";
    }
    return { exit: 0, out: [out(s)] };
  }
  // not a terminal: the flat layout, section headers folded into their rows
  const flat: [string, string][] = [];
  let section = "";
  for (const [lvl, k, v] of rows) {
    if (v === "") {
      section = k === "Caches (sum of all):" ? "cache" : k === "NUMA:" ? "" : k === "Vulnerabilities:" ? "Vulnerability" : "";
      continue;
    }
    if (lvl > 0 && section === "cache") flat.push([`${k.replace(":", "")} cache:`, v]);
    else if (lvl > 0 && section === "Vulnerability") flat.push([`Vulnerability ${k}`, v]);
    else flat.push([k, v]);
  }
  const width = Math.max(...flat.map(([k]) => k.length)) + 1;
  return { exit: 0, out: [out(flat.map(([k, v]) => k.padEnd(width) + v + "\n").join(""))] };
}

// ------------------------------------------------------------------ virt-host-validate

const VHV_SYNTAX = "\nsyntax: virt-host-validate [OPTIONS] [HVTYPE]\n\n Hypervisor types:\n\n   - qemu\n   - lxc\n   - bhyve\n   - ch\n\n Options:\n   -h, --help     Display command line help\n   -v, --version  Display command version\n   -q, --quiet    Don't display progress information\n\n";
const VHV_LONGS: LongOption[] = [
  { name: "help", arg: "none", key: "h" },
  { name: "version", arg: "none", key: "v" },
  { name: "quiet", arg: "none", key: "q" },
];

function virtHostValidate(ctx: ToolContext, args: string[]): ToolResult {
  // getopt_long(argc, argv, "hvq"): a bad option prints getopt's message and the syntax on stderr, exit 1
  const g = getoptLong(args, "hvq", VHV_LONGS, "virt-host-validate");
  for (const ev of g.events) {
    if (ev.kind === "error") return { exit: 1, out: [err(ev.message + VHV_SYNTAX)] };
    if (ev.key === "h") return { exit: 0, out: [out(VHV_SYNTAX)] };
    if (ev.key === "v") return { exit: 0, out: [out("9.0.0\n")] };
  }
  const which = g.operands[0];
  if (which && !["qemu", "lxc", "bhyve", "ch"].includes(which)) return { exit: 1, out: [err(`virt-host-validate: unsupported hypervisor name ${which}\n`)] };
  const h = hostOf(ctx);
  const color = ctx.tty;
  const status = (s: "PASS" | "WARN" | "FAIL", note?: string) => {
    const c = s === "PASS" ? "\x1b[32m" : s === "WARN" ? "\x1b[33m" : "\x1b[31m";
    return (color ? `${c}${s}\x1b[0m` : s) + (note ? ` (${note})` : "") + "\n";
  };
  const check = (prefix: string, msg: string) => `${prefix.padStart(6)}: Checking ${msg.padEnd(60)}: `;
  let s = "";
  let failed = false;
  const intel = h.cpu.vendor === "GenuineIntel";
  if (!which || which === "qemu") {
    const hw = h.cpu.flags.includes("vmx") || h.cpu.flags.includes("svm");
    s += check("QEMU", "for hardware virtualization") + (hw ? status("PASS") : status("FAIL", "Host not compatible with KVM; HW virtualization CPU features not found. Only emulated CPUs are available; performance will be significantly limited"));
    if (!hw) failed = true;
    if (hw) {
      const kvm = stat(h.fs, "/dev/kvm");
      s += check("QEMU", "if device /dev/kvm exists") + (kvm ? status("PASS") : status("FAIL", "Check that the 'kvm-intel' or 'kvm-amd' modules are loaded & the BIOS has enabled virtualization"));
      if (!kvm) failed = true;
      else s += check("QEMU", "if device /dev/kvm is accessible") + (ctx.user === "root" ? status("PASS") : status("FAIL", "Check /dev/kvm is world writable or you are in a group that is allowed to access it"));
    }
    s += check("QEMU", "if device /dev/vhost-net exists") + status("PASS");
    s += check("QEMU", "if device /dev/net/tun exists") + status("PASS");
    for (const c of ["cpu", "cpuacct", "cpuset", "memory", "devices", "blkio"]) s += check("QEMU", `for cgroup '${c}' controller support`) + status("PASS");
    s += check("QEMU", "for device assignment IOMMU support") + status("WARN", `No ACPI ${intel ? "DMAR" : "IVRS"} table found, IOMMU either disabled in BIOS or not supported by this hardware platform`);
    s += check("QEMU", "for secure guest support") + status("WARN", "Unknown if this platform has Secure Guest support");
  }
  if (!which || which === "lxc") {
    s += check("LXC", "for Linux >= 2.6.26") + status("PASS");
    for (const ns of ["ipc", "mnt", "pid", "uts", "net", "user"]) s += check("LXC", `for namespace ${ns}`) + status("PASS");
    for (const c of ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio"]) s += check("LXC", `for cgroup '${c}' controller support`) + status("PASS");
    s += check("LXC", "if device /sys/fs/fuse/connections exists") + status("PASS");
  }
  return { exit: failed ? 1 : 0, out: [out(s)] };
}

export const SYSINFO_TOOLS: Tool[] = probeChecked([
  { name: "lscpu", path: "/usr/bin/lscpu", run: lscpu },
  { name: "lsmod", path: "/usr/sbin/lsmod", run: lsmod },
  { name: "modprobe", path: "/usr/sbin/modprobe", run: modprobe },
  { name: "virt-host-validate", path: "/usr/bin/virt-host-validate", run: virtHostValidate },
]);
