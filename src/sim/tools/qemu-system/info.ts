// What the monitor's `info` subcommands print for a VM: status, block, network, vnc, cpus, pci, snapshots ...
import { stat, type Fs } from "../../model/fs";
import type { ImageSnapshot } from "../../model/image";
import { vmClock, type QemuDrive, type QemuVm } from "../../model/qemu/vm";
import { PKGVERSION, VERSION } from "./data";

export function infoStatus(vm: QemuVm): string {
  const running = vm.status === "running";
  return `VM status: ${running ? "running" : "paused"}${!running && vm.status !== "paused" ? ` (${vm.status})` : ""}\n`;
}

export const infoVersion = () => `${VERSION}${PKGVERSION}\n`;

export function infoCpus(vm: QemuVm): string {
  return vm.threadIds.map((t, i) => `${i === 0 ? "*" : " "} CPU #${i}: thread_id=${t}\n`).join("");
}

function driveLine(d: QemuDrive): string {
  if (!d.file) return `${d.id}: [not inserted]\n`;
  const fmt = `${d.format}${d.readOnly ? ", read-only" : ""}`;
  if (d.snapshot) {
    const tmp = `/var/tmp/vl.${tmpSuffix(d.node)}`;
    return `${d.id} (#block${d.node}): json:{"backing": {"driver": "${d.format}", "file": {"driver": "file", "filename": "${d.file}"}}, "driver": "qcow2", "file": {"driver": "file", "filename": "${tmp}"}} (qcow2${d.readOnly ? ", read-only" : ""})\n`;
  }
  return `${d.id} (#block${d.node}): ${d.file} (${fmt})\n`;
}

function tmpSuffix(n: number): string {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  let s = "";
  let v = n * 2654435761;
  for (let i = 0; i < 6; i++) {
    s += chars[Math.abs(v) % chars.length];
    v = Math.floor(v / 7) + 13;
  }
  return s;
}

/** `info block [device]`: one paragraph per drive, blank lines between them. */
export function infoBlock(vm: QemuVm, fs: Fs, device?: string): string {
  const parts: string[] = [];
  vm.drives.forEach((d, i) => {
    if (device !== undefined && d.id !== device) return;
    let s = (i > 0 && (device === undefined ? parts.length > 0 : true) ? "\n" : "") + driveLine(d);
    if (d.attachedTo) s += `    Attached to:      ${d.attachedTo}\n`;
    if (d.removable) s += `    Removable device: not locked, tray ${d.trayOpen ? "open" : "closed"}\n`;
    if (d.file) {
      s += `    Cache mode:       ${d.cache}\n`;
      const img = d.path ? imageAt(fs, d.path) : undefined;
      if (d.snapshot) s += `    Backing file:     ${d.file} (chain depth: 1)\n`;
      else if (img?.backingFile) s += `    Backing file:     ${img.backingFile} (chain depth: ${chainDepth(fs, d.path!)})\n`;
    }
    parts.push(s);
  });
  return parts.join("");
}

function imageAt(fs: Fs, path: string) {
  const n = stat(fs, path);
  return n?.kind === "file" ? n.image : undefined;
}

function chainDepth(fs: Fs, path: string): number {
  let depth = 0;
  let p = path;
  for (let i = 0; i < 64; i++) {
    const img = imageAt(fs, p);
    if (!img?.backingFile) break;
    depth++;
    p = img.backingFile.startsWith("/") ? img.backingFile : `${p.slice(0, p.lastIndexOf("/"))}/${img.backingFile}`;
  }
  return depth;
}

/** `info network`: NICs with their peers, or the legacy hub with its ports. */
export function infoNetwork(vm: QemuVm): string {
  let s = "";
  const nd = (id: string) => vm.netdevs.find((n) => n.id === id || n.hubPort === id);
  const backend = (n: NonNullable<ReturnType<typeof nd>>) => {
    if (n.type === "user") return `index=0,type=user,net=${n.net ?? "10.0.2.0"},restrict=off`;
    if (n.type === "tap" && n.bridge) return `index=0,type=tap,helper=/usr/lib/qemu/qemu-bridge-helper,br=${n.bridge}`;
    if (n.type === "bridge") return `index=0,type=tap,helper=/usr/lib/qemu/qemu-bridge-helper,br=${n.bridge}`;
    if (n.type === "tap") return `index=0,type=tap,ifname=${n.ifname},script=/etc/qemu-ifup,downscript=/etc/qemu-ifdown`;
    return `index=0,type=${n.type}`;
  };
  const nicLine = (c: QemuVm["nics"][number]) => `${c.name}: index=0,type=nic,model=${c.model},macaddr=${c.mac}`;
  const hubs = [...new Set(vm.nics.map((c) => c.hub).concat(vm.netdevs.map((n) => n.hub)).filter((h): h is number => h !== undefined))];
  for (const c of vm.nics) {
    if (c.hub !== undefined) continue;
    s += `${nicLine(c)}\n`;
    const peer = c.peer ? nd(c.peer) : undefined;
    if (peer) s += ` \\ ${peer.id}: ${backend(peer)}\n`;
  }
  for (const n of vm.netdevs) {
    if (n.hub !== undefined) continue;
    if (vm.nics.some((c) => c.peer === n.id)) continue;
    s += `${n.id}: ${backend(n)}\n`;
  }
  for (const h of hubs) {
    s += `hub ${h}\n`;
    const ports = [...vm.nics.filter((c) => c.hub === h).map((c) => ({ port: c.peer!, text: nicLine(c) })), ...vm.netdevs.filter((n) => n.hub === h).map((n) => ({ port: n.hubPort!, text: `${n.id}: ${backend(n)}` }))];
    ports.sort((a, b) => b.port.localeCompare(a.port));
    for (const p of ports) s += ` \\ ${p.port}: ${p.text}\n`;
  }
  return s;
}

export function infoUsernet(vm: QemuVm): string {
  let s = "";
  let fd = 10;
  for (const n of vm.netdevs) {
    if (n.type !== "user") continue;
    s += `Hub ${n.hub ?? -1} (${n.id}):\n  Protocol[State]    FD  Source Address  Port   Dest. Address  Port RecvQ SendQ\n`;
    for (const f of n.hostfwd) {
      s += `  ${`${f.proto.toUpperCase()}[HOST_FORWARD]`.padEnd(17)}${String(fd++).padStart(4)}${(f.hostAddr || "*").padStart(16)}${String(f.hostPort).padStart(6)}${f.guestAddr.padStart(16)}${String(f.guestPort).padStart(6)}${"0".padStart(6)}${"0".padStart(6)}\n`;
    }
  }
  return s;
}

export function infoVnc(vm: QemuVm): string {
  if (!vm.vnc) return "None\n";
  let s = "default:\n";
  for (const fam of vm.vnc.families) {
    const host = vm.vnc.host || (fam === "ipv6" ? "::" : "0.0.0.0");
    s += `  Server: ${host}:${5900 + vm.vnc.display} (${fam})\n    Auth: ${vm.vnc.password ? "vnc" : "none"} (Sub: none)\n`;
  }
  return s;
}

export function infoUsb(vm: QemuVm): string {
  if (!vm.usb) return "Error: USB support not enabled\n";
  const names: Record<string, string> = { "usb-tablet": "QEMU USB Tablet", "usb-kbd": "QEMU USB Keyboard", "usb-mouse": "QEMU USB Mouse", "usb-storage": "QEMU USB MSD" };
  return vm.usbDevices.map((d, i) => `  Device 0.${i}, Port ${i + 1}, Speed 12 Mb/s, Product ${names[d] ?? d}\n`).join("");
}

export function infoMice(vm: QemuVm): string {
  let s = "";
  vm.usbDevices.forEach((d, i) => {
    if (d === "usb-tablet") s += `  Mouse #${3 + i}: QEMU HID Tablet (absolute)\n`;
    if (d === "usb-mouse") s += `  Mouse #${3 + i}: QEMU HID Mouse\n`;
  });
  return s + "* Mouse #2: QEMU PS/2 Mouse\n";
}

export function infoChardev(vm: QemuVm): string {
  const list = [...vm.chardevs];
  const out: string[] = [];
  if (!vm.nodefaults) out.push("parallel0: filename=vc");
  for (const c of list) out.push(`${c.id}: filename=${c.filename}`);
  if (!vm.nodefaults) out.push("serial0: filename=vc");
  return out.map((l) => l + "\n").join("");
}

export const MIGRATE_PARAM_DEFAULTS: [string, string][] = [
  ["announce-initial", "50 ms"],
  ["announce-max", "550 ms"],
  ["announce-rounds", "5"],
  ["announce-step", "100 ms"],
  ["compress-level", "1"],
  ["compress-threads", "8"],
  ["compress-wait-thread", "on"],
  ["decompress-threads", "2"],
  ["throttle-trigger-threshold", "50"],
  ["cpu-throttle-initial", "20"],
  ["cpu-throttle-increment", "10"],
  ["cpu-throttle-tailslow", "off"],
  ["max-cpu-throttle", "99"],
  ["tls-creds", "''"],
  ["tls-hostname", "''"],
  ["max-bandwidth", "134217728 bytes/second"],
  ["downtime-limit", "300 ms"],
  ["x-checkpoint-delay", "20000 ms"],
  ["block-incremental", "off"],
  ["multifd-channels", "2"],
  ["multifd-compression", "none"],
  ["xbzrle-cache-size", "67108864 bytes"],
  ["max-postcopy-bandwidth", "0"],
  ["tls-authz", "''"],
];

export function infoMigrateParameters(vm: QemuVm): string {
  return MIGRATE_PARAM_DEFAULTS.map(([k, v]) => `${k}: ${vm.migrateParams[k] ?? v}\n`).join("");
}

export const infoMigrate = () => "globals:\nstore-global-state: on\nonly-migratable: off\nsend-configuration: on\nsend-section-footer: on\ndecompress-error-check: on\nclear-bitmap-shift: 18\n";

export function infoMemdev(vm: QemuVm): string {
  return `memory backend: pc.ram\n  size:  ${vm.memMiB * 2 ** 20}\n  merge: true\n  dump: true\n  prealloc: false\n  share: false\n  reserve: true\n  policy: default\n  host nodes: \n\n`;
}

export function infoHistory(vm: QemuVm): string {
  return vm.history.map((h, i) => `${i}: '${h}'\n`).join("");
}

/** `info registers` for the boot CPU as it is at reset (the simulated guest never executes). */
export function infoRegisters(vm: QemuVm): string {
  const tcg = vm.accel === "tcg";
  return [
    "",
    "CPU#0",
    "EAX=00000000 EBX=00000000 ECX=00000000 EDX=00060fb1",
    "ESI=00000000 EDI=00000000 EBP=00000000 ESP=00000000",
    "EIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0",
    "ES =0000 00000000 0000ffff 00009300",
    "CS =f000 ffff0000 0000ffff 00009b00",
    "SS =0000 00000000 0000ffff 00009300",
    "DS =0000 00000000 0000ffff 00009300",
    "FS =0000 00000000 0000ffff 00009300",
    "GS =0000 00000000 0000ffff 00009300",
    "LDT=0000 00000000 0000ffff 00008200",
    "TR =0000 00000000 0000ffff 00008b00",
    "GDT=     00000000 0000ffff",
    "IDT=     00000000 0000ffff",
    "CR0=60000010 CR2=00000000 CR3=00000000 CR4=00000000",
    "DR0=0000000000000000 DR1=0000000000000000 DR2=0000000000000000 DR3=0000000000000000 ",
    "DR6=00000000ffff0ff0 DR7=0000000000000400",
    ...(tcg ? ["CCS=00000000 CCD=00000000 CCO=EFLAGS  "] : []),
    "EFER=0000000000000000",
    "FCW=037f FSW=0000 [ST=0] FTW=00 MXCSR=00001f80",
    "FPR0=0000000000000000 0000 FPR1=0000000000000000 0000",
    "FPR2=0000000000000000 0000 FPR3=0000000000000000 0000",
    "FPR4=0000000000000000 0000 FPR5=0000000000000000 0000",
    "FPR6=0000000000000000 0000 FPR7=0000000000000000 0000",
    "XMM00=0000000000000000 0000000000000000 XMM01=0000000000000000 0000000000000000",
    "XMM02=0000000000000000 0000000000000000 XMM03=0000000000000000 0000000000000000",
    "XMM04=0000000000000000 0000000000000000 XMM05=0000000000000000 0000000000000000",
    "XMM06=0000000000000000 0000000000000000 XMM07=0000000000000000 0000000000000000",
    "",
  ].join("\n");
}

interface PciDev {
  slot: number;
  fn: number;
  cls: string;
  id: string;
  irq?: boolean;
  bars: string[];
}

/** `info pci` before the firmware has assigned addresses (the simulated guest never runs its BIOS). */
export function infoPci(vm: QemuVm): string {
  const q35 = vm.machine.startsWith("pc-q35");
  const devs: PciDev[] = [];
  const un = "0xffffffffffffffff";
  if (q35) devs.push({ slot: 0, fn: 0, cls: "Host bridge", id: "8086:29c0", bars: [] });
  else {
    devs.push({ slot: 0, fn: 0, cls: "Host bridge", id: "8086:1237", bars: [] });
    devs.push({ slot: 1, fn: 0, cls: "ISA bridge", id: "8086:7000", bars: [] });
    devs.push({ slot: 1, fn: 1, cls: "IDE controller", id: "8086:7010", bars: [`BAR4: I/O at ${un} [0x000e].`] });
    devs.push({ slot: 1, fn: 3, cls: "Bridge", id: "8086:7113", irq: true, bars: [] });
  }
  let slot = q35 ? 1 : 2;
  if (vm.vga !== "none") {
    const vgaId: Record<string, string> = { std: "1234:1111", virtio: "1af4:1050", qxl: "1b36:0100", cirrus: "1013:00b8", vmware: "15ad:0405" };
    devs.push({ slot: slot++, fn: 0, cls: "VGA controller", id: vgaId[vm.vga] ?? "1234:1111", bars: [`BAR0: 32 bit prefetchable memory at ${un} [0x00fffffe].`, `BAR2: 32 bit memory at ${un} [0x00000ffe].`, `BAR6: 32 bit memory at ${un} [0x0000fffe].`] });
  }
  const nicIds: Record<string, string> = { e1000: "8086:100e", e1000e: "8086:10d3", rtl8139: "10ec:8139", "virtio-net-pci": "1af4:1000", vmxnet3: "15ad:07b0" };
  for (const n of vm.nics) {
    devs.push({ slot: slot++, fn: 0, cls: "Ethernet controller", id: nicIds[n.model] ?? "8086:100e", irq: true, bars: n.model === "e1000" ? [`BAR0: 32 bit memory at ${un} [0x0001fffe].`, `BAR1: I/O at ${un} [0x003e].`, `BAR6: 32 bit memory at ${un} [0x0003fffe].`] : [`BAR0: I/O at ${un} [0x001e].`, `BAR1: 32 bit memory at ${un} [0x00000ffe].`, `BAR4: 64 bit prefetchable memory at ${un} [0x00003ffe].`] });
  }
  for (const d of vm.drives) {
    if (d.interface !== "virtio") continue;
    devs.push({ slot: slot++, fn: 0, cls: "SCSI controller", id: "1af4:1001", irq: true, bars: [`BAR0: I/O at ${un} [0x007e].`, `BAR1: 32 bit memory at ${un} [0x00000ffe].`, `BAR4: 64 bit prefetchable memory at ${un} [0x00003ffe].`] });
  }
  if (q35) {
    devs.push({ slot: 31, fn: 0, cls: "ISA bridge", id: "8086:2918", bars: [] });
    devs.push({ slot: 31, fn: 2, cls: "SATA controller", id: "8086:2922", irq: true, bars: [`BAR4: I/O at ${un} [0x001e].`, `BAR5: 32 bit memory at ${un} [0x00000ffe].`] });
    devs.push({ slot: 31, fn: 3, cls: "SMBus", id: "8086:2930", irq: true, bars: [`BAR4: I/O at ${un} [0x003e].`] });
  }
  return devs
    .map((d) => [`  Bus  0, device ${String(d.slot).padStart(3)}, function ${d.fn}:`, `    ${d.cls}: PCI device ${d.id}`, `      PCI subsystem 1af4:1100`, ...(d.irq ? ["      IRQ 0, pin A"] : []), ...d.bars.map((b) => `      ${b}`), `      id ""`].join("\n") + "\n")
    .join("");
}

/** size_to_str: three significant digits and a binary unit. */
export function sizeToStr(v: number): string {
  const units = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
  let i = 0;
  if (v > 0) {
    const e = Math.floor(Math.log2(v / (1000 / 1024))) + 1;
    i = Math.floor((e - 1) / 10);
  }
  const val = v / 2 ** (10 * i);
  return `${fmtG3(val)} ${units[i]}B`;
}

/** printf("%0.3g") */
function fmtG3(x: number): string {
  if (x === 0) return "0";
  const exp = Math.floor(Math.log10(Math.abs(x)));
  if (exp < -4 || exp >= 3) {
    const m = x / 10 ** exp;
    return `${Number(m.toFixed(2))}e+${String(exp).padStart(2, "0")}`;
  }
  return String(Number(x.toFixed(Math.max(0, 2 - exp))));
}

/** One line of a snapshot table (bdrv_snapshot_dump), without the newline. */
export function snapshotRow(sn: ImageSnapshot, idOverride?: string): string {
  const d = new Date(sn.dateSec * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const date = `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  const secs = Math.floor(sn.vmClockNsec / 1e9);
  const clock = `${p(Math.floor(secs / 3600))}:${p(Math.floor(secs / 60) % 60)}:${p(secs % 60)}.${p(Math.floor(sn.vmClockNsec / 1e6) % 1000, 3)}`;
  const icount = sn.icount === -1 ? "" : String(sn.icount);
  return `${(idOverride ?? sn.id).padEnd(9)} ${sn.name.padEnd(16)} ${sizeToStr(sn.vmStateSize).padStart(8)}${date.padStart(20)}${clock.padStart(13)}${icount.padStart(11)}`;
}

export const SNAPSHOT_HEADER = `${"ID".padEnd(10)}${"TAG".padEnd(17)}${"VM SIZE".padStart(8)}${"DATE".padStart(20)}${"VM CLOCK".padStart(13)}${"ICOUNT".padStart(11)}`;

export { vmClock };
