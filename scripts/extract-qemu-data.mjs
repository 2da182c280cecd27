#!/usr/bin/env node
// Extracts the static listings of qemu-system-x86_64 7.2 into src/sim/tools/qemu-system/qemu-data.json:
// -help text, -machine/-cpu/-accel/-vga/-device/-netdev/-chardev help listings, per-device property lists,
// and the HMP monitor command table (names, argument types, parameter strings, help lines).
//
// Usage: node scripts/extract-qemu-data.mjs QEMU_SOURCE_DIR
//   QEMU_SOURCE_DIR is an unpacked QEMU 7.2 source tree (`apt-get source qemu` on Debian 12); the argument types
//   of the monitor commands come from its hmp-commands.hx / hmp-commands-info.hx. Which commands exist, their
//   order and their help lines come from the installed binary's own `help` / `info` output.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const src = process.argv[2];
if (!src) {
  console.error("usage: extract-qemu-data.mjs QEMU_SOURCE_DIR");
  process.exit(2);
}
const env = { PATH: process.env.PATH, LC_ALL: "C", TZ: "UTC", HOME: "/root" };
const q = (...args) => spawnSync("qemu-system-x86_64", args, { env, input: "", timeout: 20000 }).stdout.toString();

/** Run the monitor with `lines` piped in and return what each command printed (readline echo removed). */
function monitor(lines) {
  const r = spawnSync("qemu-system-x86_64", ["-S", "-display", "none", "-nodefaults", "-monitor", "stdio"], { env, input: [...lines, "quit"].join("\n") + "\n", timeout: 20000 });
  const text = r.stdout.toString().replace(/\x1b\[[KD]/g, "").replace(/\r/g, "");
  return text.split("(qemu) ").slice(1, -1).map((block) => block.slice(block.indexOf("\n") + 1));
}

function parseHx(file) {
  // drop the parts only other hosts build (macOS vmnet)
  const text = readFileSync(join(src, file), "utf8").replace(/^#ifdef CONFIG_VMNET\n[\s\S]*?^#endif\n/gm, "");
  const cmds = {};
  const re = /\{\s*\.name\s*=\s*"([^"]+)",\s*\.args_type\s*=\s*((?:"[^"]*"\s*)+),\s*\.params\s*=\s*((?:"(?:[^"\\]|\\.)*"\s*)+),\s*\.help\s*=\s*((?:"(?:[^"\\]|\\.)*"\s*)+),/g;
  const joinC = (s) => [...s.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1].replace(/\\'/g, "'")}"`)).join("");
  for (const m of text.matchAll(re)) cmds[m[1]] = { argsType: joinC(m[2]), params: joinC(m[3]), help: joinC(m[4]) };
  return cmds;
}

/** Every command-line option: name, whether it takes an argument, whether x86 builds accept it. */
function parseOptions() {
  const text = readFileSync(join(src, "qemu-options.hx"), "utf8");
  const out = [];
  for (const m of text.matchAll(/^DEF\("([^"]+)",\s*(HAS_ARG|0),[\s\S]*?(QEMU_ARCH_[A-Z0-9_|\s]+)\)\s*$/gm)) {
    out.push({ name: m[1], hasArg: m[2] === "HAS_ARG", x86: /QEMU_ARCH_(ALL|I386)\b/.test(m[3]) });
  }
  return out;
}

const [helpOut, infoOut] = monitor(["help", "info"]);
const hx = parseHx("hmp-commands.hx");
const hxInfo = parseHx("hmp-commands-info.hx");

/** Keep the commands the binary lists, in its order, with the argument types from the .hx file. */
function table(listing, defs, prefix) {
  const found = [];
  for (const [name, d] of Object.entries(defs)) {
    const at = listing.indexOf(`\n${prefix}${name} ${d.params} -- ${d.help}\n`);
    const first = listing.startsWith(`${prefix}${name} ${d.params} -- ${d.help}\n`) ? 0 : -1;
    const pos = first === 0 ? 0 : at >= 0 ? at + 1 : -1;
    if (pos >= 0) found.push({ pos, cmd: { name, ...d } });
  }
  return found.sort((a, b) => a.pos - b.pos).map((f) => f.cmd);
}

const devices = ["virtio-net-pci", "e1000", "e1000e", "rtl8139", "virtio-blk-pci", "virtio-scsi-pci", "scsi-hd", "ide-hd", "ide-cd", "virtio-serial-pci", "virtserialport", "virtconsole", "usb-tablet", "usb-kbd", "usb-mouse", "usb-storage", "qemu-xhci", "piix3-usb-uhci", "virtio-balloon-pci", "virtio-rng-pci", "virtio-vga", "qxl-vga", "VGA", "cirrus-vga", "i6300esb", "isa-serial", "pvpanic"];
const deviceHelp = {};
for (const d of devices) deviceHelp[d] = q("-device", `${d},help`);

const data = {
  version: q("-version"),
  help: q("-help"),
  machineHelp: q("-machine", "help"),
  cpuHelp: q("-cpu", "help"),
  accelHelp: q("-accel", "help"),
  vgaHelp: q("-vga", "help"),
  deviceHelp: q("-device", "help"),
  netdevHelp: q("-netdev", "help"),
  chardevHelp: q("-chardev", "help"),
  nicModelHelp: q("-display", "none", "-nic", "user,model=help"),
  driveFormatHelp: q("-display", "none", "-drive", "format=help"),
  optsHelp: { boot: q("-boot", "help"), smp: q("-smp", "help") },
  deviceProps: deviceHelp,
  options: parseOptions(),
  hmp: table(helpOut, hx, ""),
  hmpInfo: table(infoOut, hxInfo, "info "),
};
const rebuilt = data.hmp.map((c) => `${c.name} ${c.params} -- ${c.help}\n`).join("");
if (rebuilt !== helpOut) console.error("the monitor's help listing differs from the extracted table");
const rebuiltInfo = data.hmpInfo.map((c) => `info ${c.name} ${c.params} -- ${c.help}\n`).join("");
if (rebuiltInfo !== infoOut) console.error("the monitor's info listing differs from the extracted table");
writeFileSync(join(root, "src/sim/tools/qemu-system/qemu-data.json"), JSON.stringify(data, null, 1) + "\n");
console.log(`hmp ${data.hmp.length}, info ${data.hmpInfo.length}, devices ${Object.keys(deviceHelp).length}`);
