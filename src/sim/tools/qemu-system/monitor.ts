// The QEMU human monitor on stdio: the (qemu) prompt, readline's echo of piped input, and the commands that
// inspect and drive the simulated VM (info, stop/cont, savevm/loadvm/delvm, change/eject, sendkey, quit ...).
import { produce } from "immer";
import { dirname, resolvePath, stat, writeFile, type Fs } from "../../model/fs";
import { addInternalSnapshot, applyInternalSnapshot, deleteInternalSnapshot, findSnapshot, newImage, supportsInternalSnapshots, type DiskImage, type ImageSnapshot } from "../../model/image";
import { netOf, putNet, releaseTaps } from "../../model/net/net";
import { guestOf } from "../../model/guestfs/image";
import { inspect } from "../../model/guestfs/inspect";
import { lockHolder, QEMU_KEY, qemuOf, setRunning, vmClock, vmStateSize, type QemuVm, type SavedVmState } from "../../model/qemu/vm";
import type { World } from "../../model/world";
import type { Chunk, InteractiveProgram, Step } from "../../shell/tool";
import { helpText, infoList, parseHmp, type HmpArgs } from "./hmp";
import * as info from "./info";

const BANNER = "QEMU 7.2.22 monitor - type 'help' for more information\n";
const PROMPT = "(qemu) ";

/** What QEMU's readline prints while it receives a line byte by byte from a pipe (it redraws the line). */
export function readlineEcho(line: string): string {
  let s = "";
  for (let k = 1; k <= line.length; k++) s += "\x1b[D".repeat(k - 1) + line.slice(0, k) + "\x1b[K";
  return s + "\r\n";
}

const crlf = (s: string) => s.replace(/\r?\n/g, "\r\n");

/** The QEMU monitor keys (QKeyCode) sendkey accepts. */
const KEYS = new Set("unmapped shift shift_r alt alt_r ctrl ctrl_r menu esc 1 2 3 4 5 6 7 8 9 0 minus equal backspace tab q w e r t y u i o p bracket_left bracket_right ret a s d f g h j k l semicolon apostrophe grave_accent backslash z x c v b n m comma dot slash asterisk spc caps_lock f1 f2 f3 f4 f5 f6 f7 f8 f9 f10 num_lock scroll_lock kp_divide kp_multiply kp_subtract kp_add kp_enter kp_decimal sysrq kp_0 kp_1 kp_2 kp_3 kp_4 kp_5 kp_6 kp_7 kp_8 kp_9 less f11 f12 print home pgup pgdn end left up down right insert delete stop again props undo front copy open paste find cut lf help meta_l meta_r compose pause ro hiragana henkan yen muhenkan katakanahiragana kp_comma kp_equals power sleep wake audionext audioprev audiostop audioplay audiomute volumeup volumedown mediaselect mail calculator computer ac_home ac_back ac_forward ac_refresh ac_bookmarks lang1 lang2".split(" "));
/** Old key names sendkey still takes. */
const KEY_ALIASES = new Set(["del", "enter", "space", "backspace", "escape", "return", "alt_l", "ctrl_l", "shift_l", "meta_l"]);

function findVm(world: World, host: string, pid: number): QemuVm | undefined {
  return qemuOf(world.hosts[host]!).vms.find((v) => v.pid === pid);
}

/** Replace the VM (or remove it when `vm` is undefined) and apply `fsChange` to the host's files. */
function commit(world: World, host: string, pid: number, vm: QemuVm | undefined, fsChange?: (fs: Fs) => void): World {
  return produce(world, (w) => {
    const h = w.hosts[host]!;
    const q = qemuOf(h);
    h.subsystems[QEMU_KEY] = { ...q, vms: vm ? q.vms.map((v) => (v.pid === pid ? vm : v)) : q.vms.filter((v) => v.pid !== pid) };
    if (fsChange) fsChange(h.fs);
  });
}

/** The process ends: its image locks and (non-persistent) tap devices go away. */
export function endVm(world: World, host: string, pid: number): World {
  const holder = lockHolder(host, pid);
  const w1 = commit(world, host, pid, undefined, (fs) => {
    for (const n of Object.values(fs)) {
      if (n.kind !== "file" || !n.lock) continue;
      const rest = n.lock.holder.split(",").filter((h) => h !== holder);
      if (rest.length === 0) delete n.lock;
      else n.lock.holder = rest.join(",");
    }
  });
  const h = w1.hosts[host]!;
  if (!netOf(h).links.some((l) => l.tuntap?.attachedPid === pid)) return w1;
  const net = releaseTaps(h, pid);
  return produce(w1, (w) => putNet(w.hosts[host]!, net));
}

interface SnapDev {
  drive: QemuVm["drives"][number];
  image: DiskImage;
}

export class QemuMonitor implements InteractiveProgram {
  constructor(
    readonly host: string,
    readonly pid: number,
  ) {}

  prompt(): string {
    return PROMPT;
  }

  start(_world: World, tty: boolean): Step {
    return { out: [{ fd: 1, text: crlf(BANNER) + (tty ? "" : PROMPT) }] };
  }

  eof(world: World): Step {
    // the monitor's input is gone; the VM itself keeps running in the background
    void world;
    return { out: [], done: true, exit: 0 };
  }

  complete(line: string): string[] {
    const words = line.split(/\s+/);
    if (words.length <= 1) return [...new Set([...this.names()].filter((n) => n.startsWith(words[0] ?? "")))].sort();
    if (words[0] === "info" && words.length === 2) return infoList().split("\n").map((l) => l.split(" ")[1] ?? "").filter((n) => n && n.startsWith(words[1]!));
    return [];
  }

  private names(): string[] {
    return helpText().split("\n").flatMap((l) => (/^\S/.test(l) ? l.split(" ")[0]!.split("|") : []));
  }

  feed(line: string, world: World, tty: boolean): Step {
    const echo = tty ? "" : readlineEcho(line);
    const vm = findVm(world, this.host, this.pid);
    if (!vm) return { out: [{ fd: 1, text: echo }], done: true, exit: 0 };
    const r = this.run(line, vm, world);
    const chunks: Chunk[] = [{ fd: 1, text: echo + crlf(r.text) + (r.quit ? "" : tty ? "" : PROMPT) }];
    if (r.stderr) chunks.push({ fd: 2, text: r.stderr });
    return { out: chunks, world: r.world, ...(r.quit ? { done: true, exit: 0 } : {}) };
  }

  private run(line: string, vm0: QemuVm, world0: World): { text: string; world: World; quit?: boolean; stderr?: string } {
    const trimmed = line.trim();
    let vm: QemuVm = trimmed ? { ...vm0, history: [...vm0.history, line.trim()] } : vm0;
    let world = trimmed ? commit(world0, this.host, this.pid, vm) : world0;
    const p = parseHmp(line);
    if (p.kind === "empty") return { text: "", world };
    if (p.kind === "error") return { text: p.text, world };
    const now = world.clock;
    const fs = () => world.hosts[this.host]!.fs;
    const save = (v: QemuVm, fsChange?: (f: Fs) => void) => {
      vm = v;
      world = commit(world, this.host, this.pid, v, fsChange);
    };
    void vm;
    const a = p.args;
    if (p.info) return { text: this.info(p.name, vm, fs(), a), world };
    switch (p.def.name) {
      case "help|?":
        return { text: helpText(a.name as string | undefined), world };
      case "info":
        return { text: infoList(), world };
      case "quit|q":
        return { text: "", world: endVm(world, this.host, this.pid), quit: true };
      case "stop|s":
        if (vm.status === "running") save(setRunning(vm, false, now));
        return { text: "", world };
      case "cont|c":
        if (vm.status !== "running") save(setRunning({ ...vm, status: "paused" }, true, now));
        return { text: "", world };
      case "system_reset":
        return { text: "", world };
      case "system_powerdown": {
        // an ACPI power button press: a booted guest OS shuts down, and QEMU exits (or stops, with -no-shutdown)
        if (vm.status !== "running" || !bootsAnOs(vm, fs())) return { text: "", world };
        if (vm.noShutdown) {
          save({ ...setRunning(vm, false, now), status: "shutdown" });
          return { text: "", world };
        }
        return { text: "", world: endVm(world, this.host, this.pid), quit: true };
      }
      case "system_wakeup":
        return { text: vm.status === "suspended" ? "" : "Error: Unable to wake up: guest is not in suspended state\n", world };
      case "savevm":
        return this.savevm(vm, world, a.name as string | undefined);
      case "loadvm":
        return this.loadvm(vm, world, a.name as string);
      case "delvm":
        return this.delvm(vm, world, a.name as string);
      case "change":
        return this.change(vm, world, a);
      case "eject": {
        const d = vm.drives.find((x) => x.id === a.device);
        if (!d) return { text: `Error: Device '${a.device}' not found\n`, world };
        if (!d.removable) return { text: `Error: Device '${a.device}' is not removable\n`, world };
        save({ ...vm, drives: vm.drives.map((x) => (x === d ? { ...stripMedium(x), trayOpen: true } : x)) }, releaseLock(d.path, lockHolder(this.host, this.pid)));
        return { text: "", world };
      }
      case "sendkey": {
        for (const k of String(a.keys).split("-")) {
          if (!KEYS.has(k) && !KEY_ALIASES.has(k) && !/^0x[0-9a-fA-F]+$/.test(k) && !/^[<>]$/.test(k)) return { text: `invalid parameter: ${k}\n`, world };
        }
        return { text: "", world };
      }
      case "screendump": {
        if (vm.vga === "none") return { text: "Error: There is no console to take a screendump from.\n", world };
        const path = resolvePath(vm.cwd, String(a.filename));
        const png = a.format === "png";
        if (a.format !== undefined && a.format !== "png" && a.format !== "ppm") return { text: `Error: Parameter 'format' does not accept value '${a.format}'\n`, world };
        const parent = stat(fs(), dirname(path));
        if (!parent || parent.kind !== "dir") return { text: `Error: failed to open file '${a.filename}': No such file or directory\n`, world };
        // a black 640x480 VGA text screen: PPM is raw RGB, the PNG compresses to 1569 bytes
        const content = png ? "\x89PNG\r\n\x1a\n" + "\0".repeat(1560) : "P6\n640 480\n255\n" + "\0".repeat(640 * 480 * 3);
        save(vm, (f) => void writeFile(f, path, content, { mtime: Math.floor(now / 1000), owner: vm.user, group: vm.user }));
        return { text: "", world };
      }
      case "migrate_set_parameter": {
        const name = String(a.parameter);
        const value = String(a.value);
        const known = new Map(info.MIGRATE_PARAM_DEFAULTS);
        if (!known.has(name)) return { text: `Error: invalid parameter value: ${name}\n`, world };
        let shown = value;
        const unit = known.get(name)!.split(" ")[1];
        if (name === "max-bandwidth" || name === "xbzrle-cache-size" || name === "max-postcopy-bandwidth") {
          const m = /^(\d+)([bkmgtpeBKMGTPE]?)$/.exec(value);
          if (!m) return { text: `Error: Parameter '${name}' expects a size\n`, world };
          const mult: Record<string, number> = { "": name === "max-postcopy-bandwidth" ? 1 : 2 ** 20, b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50, e: 2 ** 60 };
          shown = String(Number(m[1]) * mult[m[2]!.toLowerCase()]!);
        } else if (/^(on|off)$/.test(known.get(name)!)) {
          if (value !== "on" && value !== "off") return { text: `Error: Parameter '${name}' expects 'on' or 'off'\n`, world };
        } else if (!/''/.test(known.get(name)!) && !/^\d+$/.test(value)) {
          return { text: `Error: Parameter '${name}' expects uint${name.includes("limit") ? "64" : "8"}\n`, world };
        }
        if (/''/.test(known.get(name)!)) shown = `'${value}'`;
        else if (unit) shown = `${shown} ${unit}`;
        save({ ...vm, migrateParams: { ...vm.migrateParams, [name]: shown } });
        return { text: "", world };
      }
      case "balloon":
        return { text: "Error: No balloon device has been activated\n", world };
      case "commit":
        return { text: "", world };
      default:
        return { text: "", world };
    }
  }

  private info(name: string, vm: QemuVm, fs: Fs, a: HmpArgs): string {
    switch (name) {
      case "status":
        return info.infoStatus(vm);
      case "name":
        return vm.name !== undefined ? `${vm.name}\n` : "";
      case "uuid":
        return `${vm.uuid}\n`;
      case "version":
        return info.infoVersion();
      case "kvm":
        return `kvm support: ${vm.accel === "kvm" ? "enabled" : "disabled"}\n`;
      case "cpus":
        return info.infoCpus(vm);
      case "block":
        return info.infoBlock(vm, fs, a.device as string | undefined);
      case "network":
        return info.infoNetwork(vm);
      case "usernet":
        return info.infoUsernet(vm);
      case "vnc":
        return info.infoVnc(vm);
      case "usb":
        return info.infoUsb(vm);
      case "mice":
        return info.infoMice(vm);
      case "chardev":
        return info.infoChardev(vm);
      case "migrate_parameters":
        return info.infoMigrateParameters(vm);
      case "migrate":
        return info.infoMigrate();
      case "snapshots":
        return this.infoSnapshots(vm, fs);
      case "balloon":
        return "Error: No balloon device has been activated\n";
      case "history":
        return info.infoHistory(vm);
      case "memdev":
        return info.infoMemdev(vm);
      case "registers":
        return info.infoRegisters(vm);
      case "pci":
        return info.infoPci(vm);
      default:
        return "";
    }
  }

  // ------------------------------------------------------------------ internal snapshots

  /** Writable drives take part in snapshots; each must support them (qcow2). */
  private snapshotDevices(vm: QemuVm, fs: Fs): { devs: SnapDev[]; error?: string } {
    const devs: SnapDev[] = [];
    for (const d of vm.drives) {
      if (!d.file || d.readOnly) continue;
      const img = this.imageOf(d, fs);
      if (!img) continue;
      if (!d.snapshot && (!supportsInternalSnapshots(img.format) || d.format !== img.format)) return { devs, error: `Device '${d.id}' is writable but does not support snapshots` };
      devs.push({ drive: d, image: img });
    }
    return { devs };
  }

  private imageOf(d: QemuVm["drives"][number], fs: Fs): DiskImage | undefined {
    if (d.snapshot) return this.overlays.get(d.id) ?? tempOverlay(d, fs);
    const n = d.path ? stat(fs, d.path) : undefined;
    if (n?.kind !== "file") return undefined;
    return n.image ?? { format: "raw", virtualSize: n.content.length, fileLength: n.content.length, allocated: n.content.length };
  }

  /** -snapshot drives write into a temporary overlay that disappears with the process. */
  private overlays = new Map<string, DiskImage>();
  /** RAM sizes of snapshots this process saved (for loadvm in the same process). */
  private states = new Map<string, SavedState>();

  private putImage(d: QemuVm["drives"][number], img: DiskImage): (fs: Fs) => void {
    if (d.snapshot) {
      this.overlays.set(d.id, img);
      return () => {};
    }
    return (f) => {
      const n = f[d.path!];
      if (n?.kind === "file") n.image = img;
    };
  }

  private infoSnapshots(vm: QemuVm, fs: Fs): string {
    const { devs } = this.snapshotDevices(vm, fs);
    const first = devs.find((x) => supportsInternalSnapshots(x.image.format));
    if (!first) return "no block device can store vmstate for snapshot\n";
    const lists = vm.drives
      .filter((d) => d.file && !d.readOnly)
      .map((d) => ({ d, img: this.imageOf(d, fs) }))
      .filter((x) => x.img && supportsInternalSnapshots(x.img.format))
      .map((x) => ({ name: x.d.id, snaps: [...(x.img!.snapshots ?? [])] }));
    if (lists.every((l) => l.snaps.length === 0)) return "There is no snapshot available.\n";
    const writable = vm.drives.filter((d) => d.file && !d.readOnly).map((d) => this.imageOf(d, fs));
    const onAll = (name: string) => writable.every((img) => (img?.snapshots ?? []).some((s) => s.name === name));
    const global = (first.image.snapshots ?? []).filter((s) => onAll(s.name));
    let s = "List of snapshots present on all disks:\n";
    if (global.length) s += `${info.SNAPSHOT_HEADER}\n` + global.map((sn) => info.snapshotRow(sn, "--") + "\n").join("");
    else s += "None\n";
    for (const l of lists) {
      const rest = l.snaps.filter((sn) => !global.some((g) => g.name === sn.name));
      if (!rest.length) continue;
      s += `\nList of partial (non-loadable) snapshots on '${l.name}':\n${info.SNAPSHOT_HEADER}\n` + rest.map((sn) => info.snapshotRow(sn) + "\n").join("");
    }
    return s;
  }

  private savevm(vm: QemuVm, world: World, name: string | undefined): { text: string; world: World } {
    const fs = world.hosts[this.host]!.fs;
    const { devs, error } = this.snapshotDevices(vm, fs);
    if (error) return { text: `Error: ${error}\n`, world };
    const vmstate = devs[0];
    if (!vmstate) return { text: "Error: no block device can store vmstate for snapshot\n", world };
    const now = world.clock;
    const d = new Date(now);
    const p = (n: number) => String(n).padStart(2, "0");
    const tag = name ?? `vm-${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
    const clockNs = Math.round(vmClock(vm, now) * 1e6);
    const changes: ((f: Fs) => void)[] = [];
    for (const dev of devs) {
      let img = dev.image;
      if (findSnapshot(img, tag, "name")) {
        const r = deleteInternalSnapshot(img, tag, "name");
        if (!("error" in r)) img = r;
      }
      const r = addInternalSnapshot(img, { name: tag, dateSec: Math.floor(now / 1000), dateNsec: (now % 1000) * 1e6, vmStateSize: dev === vmstate ? vmStateSize(vm) : 0, vmClockNsec: clockNs, icount: -1 });
      if ("error" in r) return { text: `Error: Device '${dev.drive.id}' is writable but does not support snapshots\n`, world };
      changes.push(this.putImage(dev.drive, r));
      if (dev === vmstate) {
        const sn = findSnapshot(r, tag, "name")!;
        const key = stateKey(dev.drive, sn);
        changes.push(() => this.states.set(key, { memMiB: vm.memMiB }));
      }
    }
    const states = this.states;
    const w = commit(world, this.host, this.pid, vm, (f) => changes.forEach((c) => c(f)));
    return { text: "", world: rememberStates(w, this.host, states) };
  }

  private loadvm(vm: QemuVm, world: World, name: string): { text: string; world: World } {
    const fs = world.hosts[this.host]!.fs;
    const { devs, error } = this.snapshotDevices(vm, fs);
    if (error) return { text: `Error: ${error}\n`, world };
    if (devs.length === 0) return { text: "Error: no block device can store vmstate for snapshot\n", world };
    if (!devs.every((x) => findSnapshot(x.image, name))) return { text: `Error: Snapshot '${name}' does not exist in one or more devices\n`, world };
    const vmstate = devs[0]!;
    const sn = findSnapshot(vmstate.image, name)!;
    if (sn.vmStateSize === 0) return { text: "Error: This is a disk-only snapshot. Revert to it  offline using qemu-img\n", world };
    const saved = savedState(world, this.host, stateKey(vmstate.drive, sn)) ?? this.states.get(stateKey(vmstate.drive, sn));
    if (saved && saved.memMiB !== vm.memMiB) {
      const hex = (m: number) => `0x${(m * 2 ** 20).toString(16)}`;
      return { text: `Size mismatch: pc.ram: ${hex(saved.memMiB)} != ${hex(vm.memMiB)}: Invalid argument\nerror while loading state for instance 0x0 of device 'ram'\nError: Error -22 while loading VM state\n`, world };
    }
    const changes: ((f: Fs) => void)[] = [];
    for (const dev of devs) {
      // bdrv_snapshot_goto() refuses a node with dirty bitmaps (the persistent ones a qcow2 loads on open);
      // the devices before it have been reverted already
      if (dev.image.qcow2?.bitmaps.length) {
        const text = `Error: Could not load snapshot '${name}' on '${dev.drive.id}': Device has active dirty bitmaps\n`;
        return { text, world: changes.length ? commit(world, this.host, this.pid, vm, (f) => changes.forEach((c) => c(f))) : world };
      }
      const r = applyInternalSnapshot(dev.image, findSnapshot(dev.image, name)!.id);
      if (!("error" in r)) changes.push(this.putImage(dev.drive, r));
    }
    const running = vm.status === "running";
    const next: QemuVm = { ...vm, vmClockMs: Math.round(sn.vmClockNsec / 1e6), ...(running ? { runningSince: world.clock } : { runningSince: undefined }) };
    return { text: "", world: commit(world, this.host, this.pid, next, (f) => changes.forEach((c) => c(f))) };
  }

  private delvm(vm: QemuVm, world: World, name: string): { text: string; world: World } {
    const fs = world.hosts[this.host]!.fs;
    const { devs, error } = this.snapshotDevices(vm, fs);
    if (error) return { text: `Error: ${error}\n`, world };
    const changes: ((f: Fs) => void)[] = [];
    for (const dev of devs) {
      let img = dev.image;
      while (findSnapshot(img, name, "name")) {
        const r = deleteInternalSnapshot(img, name, "name");
        if ("error" in r) break;
        img = r;
      }
      if (img !== dev.image) changes.push(this.putImage(dev.drive, img));
    }
    return { text: "", world: commit(world, this.host, this.pid, vm, (f) => changes.forEach((c) => c(f))) };
  }

  private change(vm: QemuVm, world: World, a: HmpArgs): { text: string; world: World } {
    const dev = String(a.device);
    const fs = world.hosts[this.host]!.fs;
    if (dev === "vnc") return { text: "", world };
    const d = vm.drives.find((x) => x.id === dev);
    if (!d) return { text: `Error: Device '${dev}' not found\n`, world };
    if (!d.removable) return { text: `Error: Device '${dev}' is not removable\n`, world };
    const file = String(a.target);
    const path = resolvePath(vm.cwd, file);
    const n = stat(fs, path);
    if (!n || n.kind !== "file") return { text: `Error: Could not open '${file}': No such file or directory\n`, world };
    const holder = lockHolder(this.host, this.pid);
    if (n.lock && !n.lock.shared) return { text: `Error: Failed to get shared "write" lock\nIs another process using the image [${file}]?\n`, world };
    const format = (a.arg as string | undefined) ?? n.image?.format ?? "raw";
    const next = { ...d, file, path, format, trayOpen: false, node: d.node || 100 + ((file.length * 131 + vm.pid) % 700) };
    const release = releaseLock(d.path, holder);
    const w = commit(world, this.host, this.pid, { ...vm, drives: vm.drives.map((x) => (x === d ? next : x)) }, (f) => {
      release(f);
      const m = f[path];
      if (m?.kind === "file") m.lock = m.lock ? { holder: `${m.lock.holder},${holder}`, shared: true } : { holder, shared: true };
    });
    return { text: "", world: w };
  }
}

/** Whether the VM's boot disk holds an operating system (so the guest reacts to ACPI events). */
function bootsAnOs(vm: QemuVm, fs: Fs): boolean {
  const disk = vm.drives.find((d) => d.media === "disk" && d.path);
  return !!disk && inspect([guestOf(fs, disk.path!)]).length > 0;
}

function stripMedium(d: QemuVm["drives"][number]): QemuVm["drives"][number] {
  const { file: _f, path: _p, format: _fmt, ...rest } = d;
  return rest;
}

function releaseLock(path: string | undefined, holder: string): (fs: Fs) => void {
  return (f) => {
    if (!path) return;
    const n = f[path];
    if (n?.kind !== "file" || !n.lock) return;
    const rest = n.lock.holder.split(",").filter((h) => h !== holder);
    if (rest.length === 0) delete n.lock;
    else n.lock.holder = rest.join(",");
  };
}

/** The temporary qcow2 overlay a -snapshot drive writes to (starts empty, no snapshots). */
function tempOverlay(d: QemuVm["drives"][number], fs: Fs): DiskImage {
  const base = d.path ? stat(fs, d.path) : undefined;
  const size = base?.kind === "file" ? (base.image?.virtualSize ?? base.content.length) : 0;
  return newImage("qcow2", size);
}

type SavedState = SavedVmState;

function stateKey(d: QemuVm["drives"][number], sn: ImageSnapshot): string {
  return `${d.snapshot ? `overlay:${d.id}` : d.path}|${sn.name}|${sn.dateSec}|${sn.dateNsec}`;
}

/** savevm's machine facts are kept with the host's QEMU state (images on disk carry only the snapshot table). */
function rememberStates(world: World, host: string, states: Map<string, SavedState>): World {
  return produce(world, (w) => {
    const q = qemuOf(w.hosts[host]!);
    const all = { ...(q.savedStates ?? {}) };
    for (const [k, v] of states) if (!k.startsWith("overlay:")) all[k] = v;
    w.hosts[host]!.subsystems[QEMU_KEY] = { ...q, savedStates: all };
  });
}

function savedState(world: World, host: string, key: string): SavedState | undefined {
  return qemuOf(world.hosts[host]!).savedStates?.[key];
}
