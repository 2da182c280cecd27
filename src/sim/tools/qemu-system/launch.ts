// qemu-system-x86_64's start-up, phase by phase as softmmu/vl.c runs it: option lookup, the parsing pass,
// then machine, backends, accelerator, board and displays, each with QEMU's own error texts and ordering.
import { produce } from "immer";
import { basename, resolvePath, stat, type Fs } from "../../model/fs";
import { addLink, defaultRouteDev, findLink, freeName, isNetError, putNet, randomMac, updateLink, type HostNet } from "../../model/net/net";
import { lockHolder, nextPid, QEMU_KEY, qemuOf, type QemuChardev, type QemuDrive, type QemuHost, type QemuNetdev, type QemuNic, type QemuVm } from "../../model/qemu/vm";
import { mix32, uuidFor, type Host, type World } from "../../model/world";
import { err, out, type Chunk, type ToolContext } from "../../shell/tool";
import { BLOCK_FORMATS, CPU_MODELS, deviceProps, findDevice, findMachine, NIC_MODELS, OPTIONS, QEMU, VGA_TYPES, type MachineType } from "./data";
import { OptsError, parseOpts, parseSize, SIZE_HINT, splitOpts, type OptsList, type ParsedOpts } from "./qemu-opts";

/** Why start-up stopped: the text already printed and the exit status. */
export class QemuExit extends Error {
  constructor(readonly status: number) {
    super(`exit ${status}`);
  }
}

interface Located<T> {
  value: T;
  /** The command-line words QEMU names in its messages ("-drive file=x"). */
  loc: string;
}

interface DriveSpec {
  opts: ParsedOpts;
  loc: string;
}

export interface Cfg {
  machine: Record<string, string>;
  machineAccelFromEnableKvm: boolean;
  mem?: Located<ParsedOpts>;
  smp: string[];
  cpu?: string;
  drives: DriveSpec[];
  netdevs: Located<ParsedOpts>[];
  nics: Located<ParsedOpts>[];
  nets: Located<ParsedOpts>[];
  devices: Located<ParsedOpts>[];
  chardevs: Located<ParsedOpts>[];
  monitors: Located<string>[];
  serials: Located<string>[];
  vnc?: Located<{ display: number; host: string; opts: Record<string, string> }>;
  display?: Located<string>;
  nographic: boolean;
  vga?: string;
  kernel?: string;
  initrd?: string;
  append?: string;
  snapshot: boolean;
  daemonize: boolean;
  name?: string;
  uuid?: string;
  keyboard?: string;
  startPaused: boolean;
  nodefaults: boolean;
  boot?: string;
  accels: Located<ParsedOpts>[];
  noShutdown: boolean;
  noReboot: boolean;
  usbdevices: string[];
  help?: "cpu" | "device" | "chardev" | "netdev";
}

const MEMORY_LIST: OptsList = { name: "memory", implied: "size", keys: { size: "size", slots: "number", maxmem: "size" }, merge: true };
const NAME_LIST: OptsList = { name: "name", implied: "guest", keys: { guest: "string", process: "string", "debug-threads": "bool" }, merge: true };
const DRIVE_LIST: OptsList = { name: "drive" };
const NETDEV_LIST: OptsList = { name: "netdev", implied: "type" };
const NIC_LIST: OptsList = { name: "nic", implied: "type" };
const NET_LIST: OptsList = { name: "net", implied: "type" };
const DEVICE_LIST: OptsList = { name: "device", implied: "driver" };
const CHARDEV_LIST: OptsList = { name: "chardev", implied: "backend" };
const ACCEL_LIST: OptsList = { name: "accel", implied: "accel" };
const VNC_KEYS = new Set(["vnc", "to", "ipv4", "ipv6", "password", "password-secret", "reverse", "lock-key-sync", "key-delay-ms", "sasl", "sasl-authz", "tls-creds", "tls-authz", "websocket", "lossy", "non-adaptive", "share", "display", "head", "connections", "audiodev", "power-control", "acl"]);

/** The chardev backends QEMU 7.2 knows (a `-serial`/`-monitor` spec's prefix). */
const CHAR_BACKENDS = ["null", "socket", "udp", "msmouse", "wctablet", "memory", "ringbuf", "file", "pipe", "pty", "stdio", "serial", "tty", "parallel", "parport", "spicevmc", "spiceport", "qemu-vdagent", "dbus", "vc", "braille", "mux", "testdev"];

export class Launcher {
  readonly out: Chunk[] = [];
  readonly prog: string;
  private readonly monitorBanner = `QEMU 7.2.22 monitor - type 'help' for more information\r\n(qemu) `;
  private bannerShown = false;

  constructor(
    readonly ctx: ToolContext,
    readonly args: string[],
  ) {
    this.prog = basename(ctx.argv0) || "qemu-system-x86_64";
  }

  get host(): Host {
    return this.ctx.world.hosts[this.ctx.host]!;
  }

  fail(msg: string, loc?: string, hint = ""): never {
    this.out.push(err(`${this.prog}: ${loc ? `${loc}: ` : ""}${msg}\n${hint}`));
    throw new QemuExit(1);
  }

  warn(msg: string) {
    this.out.push(err(`${this.prog}: warning: ${msg}\n`));
  }

  // ------------------------------------------------------------------ option lookup (both passes)

  /** vl.c lookup_opt: the option's name, argument and the words to name in messages. */
  private lookup(i: number): { name: string; arg?: string; next: number; loc: string } {
    const word = this.args[i]!;
    const name = word.startsWith("--") ? word.slice(2) : word.slice(1);
    const opt = OPTIONS.get(name);
    if (!opt) this.fail("invalid option", word);
    if (opt.hasArg) {
      if (i + 1 >= this.args.length) this.fail("requires an argument", word);
      return { name, arg: this.args[i + 1]!, next: i + 2, loc: `${word} ${this.args[i + 1]}` };
    }
    return { name, next: i + 1, loc: word };
  }

  /** The first pass only finds unknown options and missing arguments. */
  firstPass() {
    for (let i = 0; i < this.args.length; ) {
      if (!this.args[i]!.startsWith("-")) i++;
      else i = this.lookup(i).next;
    }
  }

  private opts(s: string, list: OptsList, loc: string, existing: ParsedOpts[] = []): ParsedOpts {
    try {
      return parseOpts(s, list, existing);
    } catch (e) {
      if (e instanceof OptsError) this.fail(e.message, loc, e.hint);
      throw e;
    }
  }

  /** The second pass: each option's own parsing, in command-line order. */
  secondPass(): Cfg {
    const c: Cfg = { machine: {}, machineAccelFromEnableKvm: false, smp: [], drives: [], netdevs: [], nics: [], nets: [], devices: [], chardevs: [], monitors: [], serials: [], nographic: false, snapshot: false, daemonize: false, startPaused: false, nodefaults: false, accels: [], noShutdown: false, noReboot: false, usbdevices: [] };
    const addDrive = (params: string, loc: string, file?: string) => {
      const o = this.opts(params, DRIVE_LIST, loc, c.drives.map((d) => d.opts));
      if (file !== undefined) {
        if (!("file" in o.values)) o.order.push("file");
        o.values.file = file;
      }
      c.drives.push({ opts: o, loc });
    };
    for (let i = 0; i < this.args.length; ) {
      const word = this.args[i]!;
      if (!word.startsWith("-")) {
        addDrive("index=0,media=disk", word, word);
        i++;
        continue;
      }
      const { name, arg = "", next, loc } = this.lookup(i);
      i = next;
      if (!OPTIONS.get(name)!.x86) this.fail("Option not supported for this target", loc);
      switch (name) {
        case "h":
        case "help":
          this.out.push(out(QEMU.help.replace("usage: qemu-system-x86_64 ", `usage: ${this.prog} `)));
          throw new QemuExit(0);
        case "version":
          this.out.push(out(QEMU.version));
          throw new QemuExit(0);
        case "machine":
        case "M": {
          const { pairs, help } = splitOpts(arg, "type");
          if (help || pairs.some(([k, v]) => k === "type" && (v === "help" || v === "?"))) {
            this.out.push(out(QEMU.machineHelp));
            throw new QemuExit(0);
          }
          for (const [k, v] of pairs) c.machine[k] = v;
          break;
        }
        case "enable-kvm":
          c.machine.accel = "kvm";
          c.machineAccelFromEnableKvm = true;
          break;
        case "accel": {
          const o = this.opts(arg, ACCEL_LIST, loc);
          const a = o.values.accel;
          if (a === undefined || a === "help" || a === "?" || o.help) {
            this.out.push(out(QEMU.accelHelp));
            throw new QemuExit(0);
          }
          c.accels.push({ value: o, loc });
          break;
        }
        case "m":
          c.mem = { value: this.opts(arg, MEMORY_LIST, loc), loc };
          break;
        case "smp": {
          if (wantsHelp(arg, "cpus")) {
            this.out.push(out(QEMU.optsHelp.smp!));
            throw new QemuExit(0);
          }
          c.smp.push(arg);
          break;
        }
        case "cpu":
          c.cpu = arg;
          break;
        case "hda":
        case "hdb":
        case "hdc":
        case "hdd":
          addDrive(`index=${"abcd".indexOf(name[2]!)},media=disk`, loc, arg);
          break;
        case "cdrom":
          addDrive("index=2,media=cdrom", loc, arg);
          break;
        case "fda":
        case "fdb":
          addDrive(`if=floppy,index=${name === "fda" ? 0 : 1}`, loc, arg);
          break;
        case "drive":
          addDrive(arg, loc);
          break;
        case "snapshot":
          c.snapshot = true;
          break;
        case "boot":
          if (wantsHelp(arg, "order")) {
            this.out.push(out(QEMU.optsHelp.boot!));
            throw new QemuExit(0);
          }
          c.boot = arg;
          break;
        case "netdev": {
          const o = this.opts(arg, NETDEV_LIST, loc, c.netdevs.map((n) => n.value));
          if (o.values.type === "help") c.help = "netdev";
          c.netdevs.push({ value: o, loc });
          break;
        }
        case "nic":
          c.nics.push({ value: this.opts(arg, NIC_LIST, loc), loc });
          break;
        case "net":
          c.nets.push({ value: this.opts(arg, NET_LIST, loc), loc });
          break;
        case "device": {
          const o = this.opts(arg, DEVICE_LIST, loc, c.devices.map((d) => d.value));
          c.devices.push({ value: o, loc });
          break;
        }
        case "chardev": {
          const o = this.opts(arg, CHARDEV_LIST, loc, c.chardevs.map((d) => d.value));
          if (o.values.backend === "help") c.help = "chardev";
          c.chardevs.push({ value: o, loc });
          break;
        }
        case "monitor":
          if (!arg.startsWith("none")) this.monitorParse(arg, loc, c);
          else c.monitors.push({ value: "none", loc });
          break;
        case "serial":
          c.serials.push({ value: arg, loc });
          break;
        case "vnc":
          c.vnc = { value: this.vncParse(arg, loc), loc };
          break;
        case "display":
          c.display = { value: this.displayParse(arg, loc), loc };
          break;
        case "nographic":
          c.nographic = true;
          c.machine.graphics = "off";
          break;
        case "vga":
          c.vga = arg;
          break;
        case "kernel":
          c.kernel = arg;
          break;
        case "initrd":
          c.initrd = arg;
          break;
        case "append":
          c.append = arg;
          break;
        case "daemonize":
          c.daemonize = true;
          break;
        case "name": {
          const o = this.opts(arg, NAME_LIST, loc);
          if (o.values.guest !== undefined) c.name = o.values.guest;
          break;
        }
        case "uuid":
          if (!/^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/.test(arg)) this.fail("failed to parse UUID string: wrong format", loc);
          c.uuid = arg.toLowerCase();
          break;
        case "k":
          c.keyboard = arg;
          break;
        case "S":
          c.startPaused = true;
          break;
        case "nodefaults":
          c.nodefaults = true;
          break;
        case "no-shutdown":
          c.noShutdown = true;
          break;
        case "no-reboot":
          c.noReboot = true;
          break;
        case "usb":
          c.machine.usb = "on";
          break;
        case "usbdevice":
          c.machine.usb = "on";
          c.usbdevices.push(arg);
          break;
        default:
          break;
      }
    }
    return c;
  }

  /** -monitor DEV: a chardev named compat_monitorN; an unknown backend fails twice, as vl.c reports it. */
  private monitorParse(spec: string, loc: string, c: Cfg) {
    const backend = /^([a-z-]+)/.exec(spec)?.[1] ?? spec;
    const known = ["stdio", "vc", "pty", "null", "telnet", "tcp", "unix", "file", "pipe", "udp", "mon", "chardev", "websocket"];
    if (!known.includes(backend) && !spec.startsWith("chardev:")) {
      this.out.push(err(`${this.prog}: ${loc}: '${spec.split(":")[0]}' is not a valid char driver\n`));
      this.fail(`parse error: ${spec}`, loc);
    }
    c.monitors.push({ value: spec, loc });
  }

  /** -vnc [host]:display[,opts]: parsed when the option is seen. */
  private vncParse(arg: string, loc: string): { display: number; host: string; opts: Record<string, string> } {
    const [first, ...rest] = arg.split(",");
    const opts: Record<string, string> = {};
    for (const r of rest) {
      const [k, v = "on"] = r.split("=") as [string, string?];
      if (!VNC_KEYS.has(k)) this.fail(`Invalid parameter '${k}'`, loc);
      opts[k] = v;
    }
    if (first === "none") return { display: -1, host: "", opts };
    const colon = first!.lastIndexOf(":");
    if (colon < 0) this.fail("no vnc port specified", loc);
    const host = first!.slice(0, colon);
    const disp = first!.slice(colon + 1);
    if (!/^\d+$/.test(disp)) this.fail(`can't convert to a number: ${disp}`, loc);
    const n = Number(disp);
    if (n + 5900 > 65535) this.fail(`port ${n} out of range`, loc);
    return { display: n, host, opts };
  }

  private displayParse(arg: string, loc: string): string {
    const type = arg.split(/[,=]/)[0]!;
    if (type === "help" || type === "?") return "help";
    const types = ["none", "egl-headless", "curses", "spice-app", "dbus", "gtk", "sdl", "vnc", "default", "cocoa"];
    if (!types.includes(type)) this.fail(`Parameter 'type' does not accept value '${type}'`, loc);
    return type;
  }

  // ------------------------------------------------------------------ after parsing

  /** The stdio monitor's banner appears when monitors are set up, before later errors. */
  private showBanner() {
    if (this.bannerShown) return;
    this.bannerShown = true;
    this.out.push(out(this.monitorBanner));
  }

  private fileNode(path: string) {
    return stat(this.host.fs, resolvePath(this.ctx.cwd, path));
  }

  /** Run the phases after parsing; returns the new VM on success. */
  start(c: Cfg): { vm: QemuVm; fs: Fs; net?: HostNet } {
    // qemu_validate_options
    if (c.kernel === undefined) {
      if (c.append !== undefined) this.fail("-append only allowed with -kernel option");
      if (c.initrd !== undefined) this.fail("-initrd only allowed with -kernel option");
    }
    // qemu_process_help_options
    if (c.cpu === "help" || c.cpu === "?") {
      this.out.push(out(QEMU.cpuHelp));
      throw new QemuExit(0);
    }
    for (const d of c.devices) {
      const drv = d.value.values.driver;
      if (drv === "help" || drv === "?") {
        this.out.push(out(QEMU.deviceHelp));
        throw new QemuExit(0);
      }
      if (d.value.values.help === "on" || d.value.values.help === "") {
        const props = QEMU.deviceProps[drv ?? ""];
        if (props !== undefined) this.out.push(out(props));
        else if (!findDevice(drv ?? "")) this.fail(`'${drv}' is not a valid device model name`, d.loc);
        throw new QemuExit(0);
      }
    }
    // qemu_create_machine: select_machine
    const mt = findMachine(c.machine.type ?? "pc");
    if (!mt) {
      this.out.push(err(`${this.prog}: unsupported machine type\nUse -machine help to list supported machines\n`));
      throw new QemuExit(1);
    }
    const defaults = !c.nodefaults;
    const defaultMonitor = defaults && c.monitors.length === 0 && !c.serials.some((s) => s.value.startsWith("mon:"));
    const defaultSerial = defaults && c.serials.length === 0;
    // qemu_create_default_devices
    if (c.daemonize && c.nographic && (defaults || defaultSerial || defaultMonitor)) this.fail("-nographic cannot be used with -daemonize");
    const monitors = [...c.monitors];
    const serials = c.serials.map((s) => s.value);
    if (c.nographic) {
      if (defaultSerial && defaultMonitor) serials.push("mon:stdio");
      else {
        if (defaultSerial) serials.push("stdio");
        if (defaultMonitor) monitors.push({ value: "stdio", loc: "" });
      }
    } else {
      if (defaultSerial) serials.push("vc:80Cx24C");
      if (defaultMonitor) monitors.push({ value: "vc:80Cx24C", loc: "" });
    }
    let displayType = c.nographic ? "none" : c.display?.value;
    let vnc = c.vnc ? { ...c.vnc.value, to: c.vnc.value.opts.to !== undefined } : undefined;
    if (displayType === "help") {
      this.out.push(out("Available display backend types:\nnone\negl-headless\ncurses\nspice-app\ndbus\n"));
      throw new QemuExit(0);
    }
    if (displayType === undefined && !vnc) {
      // no GUI module on this server (qemu-system-gui is not installed): fall back to VNC on localhost
      this.out.push(err("qemu: module ui-ui-gtk not found, do you want to install qemu-system-gui package?\nqemu: module ui-ui-sdl not found, do you want to install qemu-system-gui package?\n"));
      displayType = "none";
      vnc = { display: this.freeVncDisplay(), host: "127.0.0.1", opts: {}, to: true };
    }
    displayType ??= "none";
    const vga = c.vga ?? (defaults ? "std" : "none");
    if (c.vga !== undefined) {
      if (c.vga === "help" || c.vga === "?") {
        this.out.push(out(QEMU.vgaHelp));
        if (!c.display && !c.vnc && !c.nographic) this.out.push(err(`${this.prog}: type is NULL\n${this.prog}: type is NULL\n`));
        throw new QemuExit(0);
      }
      if (!VGA_TYPES.includes(c.vga)) this.fail(`unknown vga type: ${c.vga}`);
    }
    // qemu_create_early_backends: displays, chardevs, drives
    if (displayType === "gtk" || displayType === "sdl") {
      this.out.push(err(`qemu: module ui-ui-${displayType} not found, do you want to install qemu-system-gui package?\n`));
      this.fail(`Display '${displayType}' is not available.`);
    }
    if (displayType === "curses" && !this.ctx.tty) {
      this.out.push(err("We need a terminal output\n"));
      throw new QemuExit(1);
    }
    if (c.help === "chardev") {
      this.out.push(out("Available chardev backend types: \n" + CHAR_BACKENDS.filter((b) => !["spicevmc", "spiceport", "dbus", "braille"].includes(b)).map((b) => `  ${b}\n`).join("")));
      throw new QemuExit(0);
    }
    const chardevs: QemuChardev[] = [];
    let stdioUsers = 0;
    for (const cd of c.chardevs) {
      const v = cd.value.values;
      if (cd.value.id === undefined) this.fail("chardev: no id specified", cd.loc);
      const backend = v.backend ?? "";
      if (!CHAR_BACKENDS.includes(backend)) this.fail(`'${backend}' is not a valid char driver name`, cd.loc);
      if (backend === "socket" && v.path === undefined && v.host === undefined && v.port === undefined) this.fail("Unable to parse FD number ", cd.loc);
      if (backend === "stdio") {
        if (c.daemonize) this.fail("cannot use stdio with -daemonize", cd.loc);
        if (stdioUsers++) this.fail("cannot use stdio by multiple character devices", cd.loc);
      }
      chardevs.push({ id: cd.value.id, filename: chardevFilename(backend, v) });
    }
    let monitorKind = "none";
    monitors.forEach((m, i) => {
      const spec = m.value;
      if (spec === "none") return;
      if (spec === "stdio" || spec.startsWith("mon:stdio")) {
        if (c.daemonize) this.fail("cannot use stdio with -daemonize", m.loc || undefined);
        if (stdioUsers++) this.fail("cannot use stdio by multiple character devices", m.loc || undefined);
      }
      if (monitorKind === "none") monitorKind = spec.startsWith("vc") ? "vc" : spec;
      chardevs.push({ id: `compat_monitor${i}`, filename: spec.startsWith("vc") ? "vc" : spec });
    });
    const { drives, fs } = this.openDrives(c, mt, defaults);
    // qemu_apply_machine_options: -smp, -boot, machine properties, memory
    const smp = this.smp(c, mt);
    const bootOrder = this.boot(c);
    for (const k of Object.keys(c.machine)) {
      if (!["type", "accel", "usb", "graphics", "kernel-irqchip", "vmport", "dump-guest-core", "mem-merge", "nvdimm", "hmat", "smm", "memory-backend", "kernel", "initrd", "append"].includes(k)) {
        this.fail(`Property '${mt.name}-machine.${k}' not found`);
      }
    }
    const memMiB = this.memory(c);
    // configure_accelerators
    const accel = this.accelerator(c);
    // qemu_create_late_backends: netdevs, -nic/-net, monitors, serials
    const net = this.network(c, mt, defaults);
    if (monitors.some((m) => m.value === "stdio" || m.value.startsWith("mon:stdio")) || serials.some((s) => s === "mon:stdio")) this.showBanner();
    for (const s of serials) {
      const backend = s.replace(/^mon:/, "").split(":")[0]!;
      const loc = c.serials.find((x) => x.value === s)?.loc;
      if (!CHAR_BACKENDS.includes(backend) && !["telnet", "tcp", "unix", "udp", "file", "pipe", "chardev", "/dev/ttyS0"].includes(backend)) {
        this.out.push(err(`${this.prog}: ${loc ? `${loc}: ` : ""}'${backend}' is not a valid char driver\n`));
        this.fail(`could not connect serial device to character backend '${s}'`, loc);
      }
      if (backend === "stdio" && !s.startsWith("mon:")) {
        if (stdioUsers++) {
          this.out.push(err(`${this.prog}: ${loc ? `${loc}: ` : ""}cannot use stdio by multiple character devices\n`));
          this.fail(`could not connect serial device to character backend '${s}'`, loc);
        }
      }
      if (s === "mon:stdio" && monitorKind === "none") monitorKind = "stdio";
    }
    // parse_cpu_option
    const cpuModel = this.cpuModel(c, accel);
    // machine init: topology, memory, kernel, devices, NICs
    this.checkTopology(smp, mt, accel);
    if (memMiB * 1024 > this.host.memoryKiB * 1.5) this.fail(`cannot set up guest memory '${mt.family === "q35" || mt.family === "pc" ? "pc.ram" : "ram"}': Cannot allocate memory`);
    if (c.kernel !== undefined) {
      const k = this.fileNode(c.kernel);
      if (!k || k.kind !== "file") {
        this.out.push(err(`qemu: could not open kernel file '${c.kernel}': No such file or directory\n`));
        throw new QemuExit(1);
      }
    }
    const usb = c.machine.usb === "on";
    const usbDevices: string[] = [];
    let agentChardev: string | undefined;
    const peripheralAnon: string[] = [];
    for (const d of c.devices) {
      const v = d.value.values;
      const drv = v.driver ?? "";
      const model = findDevice(drv);
      if (!model) this.fail(`'${drv}' is not a valid device model name`, d.loc);
      const props = deviceProps(model.name);
      for (const k of d.value.order) {
        if (k === "driver") continue;
        if (props && !props.has(k) && k !== "id" && k !== "bus") this.fail(`Property '${model.name}.${k}' not found`, d.loc);
      }
      const base = model.name.replace(/-pci$/, "-device");
      if (v.netdev !== undefined && !net.netdevs.some((n) => n.id === v.netdev)) this.fail(`Property '${/^virtio-net/.test(model.name) ? base : model.name}.netdev' can't find value '${v.netdev}'`, d.loc);
      if (v.drive !== undefined && !drives.some((x) => x.id === v.drive)) this.fail(`Property '${/^virtio-blk/.test(model.name) ? base : model.name}.drive' can't find value '${v.drive}'`, d.loc);
      if (v.chardev !== undefined && !chardevs.some((x) => x.id === v.chardev)) this.fail(`Property '${model.name}.chardev' can't find value '${v.chardev}'`, d.loc);
      if (model.bus === "usb-bus" && !usb && !c.devices.some((x) => /xhci|uhci|ehci|ohci/.test(x.value.values.driver ?? ""))) this.fail(`No 'usb-bus' bus found for device '${model.name}'`, d.loc);
      if (model.bus === "virtio-serial-bus" && !c.devices.some((x) => /^virtio-serial/.test(x.value.values.driver ?? ""))) this.fail(`No 'virtio-serial-bus' bus found for device '${model.name}'`, d.loc);
      if (model.name === "virtserialport" && v.name === "org.qemu.guest_agent.0") agentChardev = v.chardev;
      if (model.bus === "usb-bus") usbDevices.push(model.name);
      const path = d.value.id !== undefined ? `/machine/peripheral/${d.value.id}` : `/machine/peripheral-anon/device[${peripheralAnon.length}]`;
      peripheralAnon.push(d.value.id ?? drv);
      if (v.netdev !== undefined) {
        const nic = net.nics.find((n) => n.peer === v.netdev);
        if (!nic) net.nics.push({ name: `${model.name}.${net.nics.filter((n) => n.model === model.name).length}`, model: model.name, mac: v.mac ?? this.nicMac(net.nics.length), peer: v.netdev });
      }
      if (v.drive !== undefined) {
        const dr = drives.find((x) => x.id === v.drive)!;
        dr.attachedTo = /^virtio-blk/.test(model.name) ? `${path}/virtio-backend` : path;
      }
    }
    for (const dr of drives) {
      if (dr.interface === "virtio") {
        if (!dr.file) this.fail("Device needs media, but drive is empty", c.drives.find((x) => x.opts === (dr as unknown as { _opts: ParsedOpts })._opts)?.loc ?? dr.id);
        dr.attachedTo = `/machine/peripheral-anon/device[${peripheralAnon.length}]/virtio-backend`;
        peripheralAnon.push(dr.id);
      }
      if (dr.interface === "ide" && dr.media === "disk" && dr.readOnly && mt.family === "pc") {
        this.fail("Block node is read-only");
      }
    }
    for (const dr of drives) delete (dr as unknown as { _opts?: ParsedOpts })._opts;
    this.assignQomPaths(drives, mt, smp.cpus, defaults);
    for (const n of net.nics) {
      if (!NIC_MODELS.includes(n.model)) this.fail(`Unsupported NIC model: ${n.model}`);
    }
    // qemu_init_displays
    if (c.keyboard !== undefined && vnc && !/^(ar|bepo|cz|da|de|de-ch|en-gb|en-us|es|et|fi|fo|fr|fr-be|fr-ca|fr-ch|hr|hu|is|it|ja|lt|lv|mk|nl|no|pl|pt|pt-br|ru|sl|sv|th|tr)$/.test(c.keyboard)) {
      this.fail(`could not read keymap file: '${c.keyboard}'`);
    }
    if (vnc?.to) this.out.push(err(`VNC server running on ${vnc.host || "127.0.0.1"}:${5900 + vnc.display}\n`));
    const w = this.ctx.world;
    const vm: QemuVm = {
      pid: nextPid(w),
      argv: [this.ctx.argv0, ...this.args],
      cwd: this.ctx.cwd,
      user: this.ctx.user,
      ...(c.name !== undefined ? { name: c.name } : {}),
      uuid: c.uuid ?? "00000000-0000-0000-0000-000000000000",
      machine: mt.name,
      accel,
      cpuModel,
      memMiB,
      smp,
      drives,
      nics: net.nics,
      netdevs: net.netdevs,
      chardevs,
      ...(vnc && vnc.display >= 0 ? { vnc: { display: vnc.display, host: vnc.host, families: vnc.host === "" ? ["ipv6", "ipv4"] : [vnc.host.includes(":") ? "ipv6" : "ipv4"], password: vnc.opts.password === "on" } } : {}),
      vga,
      usb,
      usbDevices,
      monitor: monitorKind,
      daemonized: c.daemonize,
      nodefaults: c.nodefaults,
      noShutdown: c.noShutdown,
      noReboot: c.noReboot,
      status: c.startPaused ? "prelaunch" : "running",
      vmClockMs: 0,
      ...(c.startPaused ? {} : { runningSince: w.clock }),
      startedAt: w.clock,
      threadIds: Array.from({ length: smp.cpus }, (_, i) => nextPid(w) + 3 + i),
      history: [],
      migrateParams: {},
      ...(c.kernel !== undefined ? { kernel: c.kernel } : {}),
      ...(c.initrd !== undefined ? { initrd: c.initrd } : {}),
      ...(c.append !== undefined ? { append: c.append } : {}),
      bootOrder,
      ...(agentChardev !== undefined ? { agentChardev } : {}),
    };
    return { vm, fs, ...(net.hostNet ? { net: net.hostNet } : {}) };
  }

  private freeVncDisplay(): number {
    const used = new Set(qemuOf(this.host).vms.map((v) => v.vnc?.display));
    let d = 0;
    while (used.has(d)) d++;
    return d;
  }

  private nicMac(i: number): string {
    return `52:54:00:12:34:${(0x56 + i).toString(16).padStart(2, "0")}`;
  }

  // ------------------------------------------------------------------ drives

  private openDrives(c: Cfg, mt: MachineType, defaults: boolean): { drives: QemuDrive[]; fs: Fs } {
    const ideMax = mt.family === "q35" ? 1 : 2;
    const ideBuses = mt.family === "q35" ? 6 : 2;
    const drives: (QemuDrive & { bus: number; unit: number; type: string })[] = [];
    const holder = lockHolder(this.ctx.host, nextPid(this.ctx.world));
    let fs = this.host.fs;
    const locks: { path: string; shared: boolean }[] = [];
    const specs = [...c.drives];
    for (const spec of specs) {
      const v = spec.opts.values;
      const loc = spec.loc;
      let media: "disk" | "cdrom" = "disk";
      if (v.media !== undefined) {
        if (v.media === "cdrom") media = "cdrom";
        else if (v.media !== "disk") this.fail(`'${v.media}' invalid media`, loc);
      }
      const ro = v.readonly ?? v["read-only"];
      if (ro !== undefined && ro !== "on" && ro !== "off") this.fail("Parameter 'read-only' expects 'on' or 'off'", loc);
      const readOnly = media === "cdrom" || ro === "on";
      const type = v.if ?? "ide";
      if (!["none", "ide", "scsi", "floppy", "pflash", "mtd", "sd", "virtio", "xen"].includes(type)) this.fail(`unsupported bus type '${type}'`, loc);
      const max = type === "ide" ? ideMax : type === "scsi" ? 7 : 0;
      let bus = v.bus !== undefined ? Number(v.bus) : 0;
      let unit = v.unit !== undefined ? Number(v.unit) : -1;
      const index = v.index !== undefined ? Number(v.index) : -1;
      if (index !== -1) {
        if (v.bus !== undefined || v.unit !== undefined) this.fail("index cannot be used with bus and unit", loc);
        bus = max ? Math.floor(index / max) : 0;
        unit = max ? index % max : index;
      }
      if (unit === -1) {
        unit = 0;
        while (drives.some((d) => d.type === type && d.bus === bus && d.unit === unit)) {
          unit++;
          if (max && unit >= max) {
            unit -= max;
            bus++;
          }
        }
      }
      if (max && unit >= max) this.fail(`unit ${unit} too big (max is ${max - 1})`, loc);
      if (drives.some((d) => d.type === type && d.bus === bus && d.unit === unit)) this.fail(`drive with bus=${bus}, unit=${unit} (index=${index}) exists`, loc);
      let cache = "writeback";
      if (v.cache !== undefined) {
        const modes: Record<string, string> = { writeback: "writeback", writethrough: "writethrough", none: "writeback, direct", off: "writeback, direct", directsync: "writethrough, direct", unsafe: "writeback, ignore flushes" };
        if (!(v.cache in modes)) this.fail("invalid cache option", loc);
        cache = modes[v.cache]!;
      }
      if (v.format === "help" || v.format === "?") {
        this.out.push(out(QEMU.driveFormatHelp));
        throw new QemuExit(0);
      }
      if (v.format !== undefined && !BLOCK_FORMATS.has(v.format)) this.fail(`Unknown driver '${v.format}'`, loc);
      const mediaStr = type === "ide" || type === "scsi" ? (media === "cdrom" ? "-cd" : "-hd") : "";
      const id = spec.opts.id ?? (max ? `${type}${bus}${mediaStr}${unit}` : `${type}${mediaStr}${unit}`);
      const snapshot = (c.snapshot && v.snapshot !== "off") || v.snapshot === "on";
      const file = v.file;
      const known = new Set(["file", "if", "index", "bus", "unit", "media", "cache", "format", "readonly", "read-only", "snapshot", "aio", "discard", "werror", "rerror", "serial", "copy-on-read", "detect-zeroes", "addr", "node-name", "auto-read-only", "force-share", "cache.direct", "cache.no-flush", "driver"]);
      const unknown = spec.opts.order.find((k) => !known.has(k) && !k.startsWith("throttling.") && !/^(iops|bps)/.test(k) && k !== "group");
      const drive: QemuDrive & { bus: number; unit: number; type: string } = {
        id,
        interface: type as QemuDrive["interface"],
        media,
        readOnly,
        snapshot,
        cache: snapshot ? "writeback, ignore flushes" : cache,
        removable: media === "cdrom" || type === "floppy" || type === "sd",
        trayOpen: false,
        node: 100 + (mix32(this.ctx.world.seq * 17 + drives.length) % 700),
        bus,
        unit,
        type,
      };
      if (file === undefined || file === "") {
        if (v.format === undefined && (unknown || v.driver !== undefined)) this.fail("Must specify either driver or file", loc);
      } else {
        const path = resolvePath(this.ctx.cwd, file);
        const node = stat(fs, path);
        if (!node) this.fail(`Could not open '${file}': No such file or directory`, loc);
        if (node.kind === "dir") this.fail(`Could not open '${file}': Is a directory`, loc);
        if (node.kind !== "file") this.fail(`Could not open '${file}': No such file or directory`, loc);
        const actual = node.image?.format ?? "raw";
        let format = v.format ?? actual;
        if (v.format !== undefined && v.format !== actual && v.format !== "raw") {
          const mismatch: Record<string, string> = { qcow2: "Image is not in qcow2 format", vmdk: "invalid VMDK image descriptor", qed: "Image not in QED format", vdi: "unsupported VDI image (version 0.0)", vhdx: "Could not find VHDX header", vpc: "block-vpc: The header checksum of 'x' is erroneous" };
          this.fail(mismatch[v.format] ?? `Image is not in ${v.format} format`, loc);
        }
        if (unknown) this.fail(`Block format '${format}' does not support the option '${unknown}'`, loc);
        // image locking: a writer needs nobody else; a reader (read-only, -snapshot base) needs no writer
        const wantsWrite = !readOnly && !snapshot;
        const lk = node.lock;
        const mine = locks.find((l) => l.path === path);
        if ((lk && !lk.shared) || (mine && !mine.shared) || (wantsWrite && (lk || mine))) {
          this.fail(`Failed to get ${wantsWrite ? "" : "shared "}"write" lock`, loc, `Is another process using the image [${file}]?\n`);
        }
        locks.push({ path, shared: !wantsWrite });
        if (node.image?.backingFile) {
          const bpath = resolvePath(path.slice(0, path.lastIndexOf("/")) || "/", node.image.backingFile);
          const b = stat(fs, bpath);
          if (!b) this.fail(`Could not open backing file: Could not open '${bpath}': No such file or directory`, loc);
          if (b.kind === "file" && b.lock && !b.lock.shared) this.fail(`Could not open backing file: Failed to get shared "write" lock`, loc, `Is another process using the image [${bpath}]?\n`);
          locks.push({ path: bpath, shared: true });
        }
        if (v.format === undefined && actual === "raw" && !readOnly) {
          drive.probedRaw = true;
          this.out.push(err(`WARNING: Image format was not specified for '${file}' and probing guessed raw.\n         Automatically detecting the format is dangerous for raw images, write operations on block 0 will be restricted.\n         Specify the 'raw' format explicitly to remove the restrictions.\n`));
        }
        if (format === "raw" && v.format === "raw") format = "raw";
        drive.file = file;
        drive.path = path;
        drive.format = format;
      }
      (drive as unknown as { _opts: ParsedOpts })._opts = spec.opts;
      if (type === "ide" && bus >= ideBuses) this.fail(`machine type does not support if=ide,bus=${bus},unit=${unit}`, loc);
      drives.push(drive);
    }
    // default removable drives: the machine's CD-ROM, floppy and SD slots
    if (defaults) {
      const cdIndex = 2;
      const cdBus = Math.floor(cdIndex / ideMax);
      const cdUnit = cdIndex % ideMax;
      if (!drives.some((d) => d.type === "ide" && d.bus === cdBus && d.unit === cdUnit)) drives.push({ id: `ide${cdBus}-cd${cdUnit}`, interface: "ide", media: "cdrom", readOnly: true, snapshot: false, cache: "writeback", removable: true, trayOpen: false, node: 0, bus: cdBus, unit: cdUnit, type: "ide" });
      if (mt.family === "pc" && !drives.some((d) => d.type === "floppy")) drives.push({ id: "floppy0", interface: "floppy", media: "disk", readOnly: false, snapshot: false, cache: "writeback", removable: true, trayOpen: false, node: 0, bus: 0, unit: 0, type: "floppy" });
      if (!drives.some((d) => d.type === "sd")) drives.push({ id: "sd0", interface: "sd", media: "disk", readOnly: false, snapshot: false, cache: "writeback", removable: true, trayOpen: false, node: 0, bus: 0, unit: 0, type: "sd" });
    }
    // the locks are taken now; they are only kept if the whole start-up succeeds (see the tool)
    fs = produce(fs, (f) => {
      for (const l of locks) {
        const n = f[l.path];
        if (n?.kind === "file") n.lock = n.lock ? { holder: `${n.lock.holder},${holder}`, shared: n.lock.shared && l.shared } : { holder, shared: l.shared };
      }
    });
    return { drives: drives.map(({ bus: _b, unit: _u, type: _t, ...d }) => d as QemuDrive), fs };
  }

  /** QOM paths of IDE/floppy devices: /machine/unattached/device[N], numbered after the CPUs and board devices. */
  private assignQomPaths(drives: QemuDrive[], mt: MachineType, cpus: number, defaults: boolean) {
    const ideBase = mt.family === "q35" ? (defaults ? 18 : 13) + cpus : (defaults ? 22 : 17) + cpus;
    let n = ideBase;
    const ide = drives.filter((d) => d.interface === "ide");
    const order = [...ide].sort((a, b) => busUnit(a) - busUnit(b));
    for (const d of order) d.attachedTo = `/machine/unattached/device[${n++}]`;
    for (const d of drives) if (d.interface === "floppy") d.attachedTo = `/machine/unattached/device[${15 + cpus}]`;
  }

  // ------------------------------------------------------------------ machine options

  private smp(c: Cfg, mt: MachineType): QemuVm["smp"] {
    const v: Record<string, string> = {};
    for (const s of c.smp) for (const [k, val] of splitOpts(s, "cpus").pairs) v[k] = val;
    const keys = ["cpus", "sockets", "dies", "clusters", "cores", "threads", "maxcpus"];
    for (const k of Object.keys(v)) {
      if (!keys.includes(k)) this.fail(`Parameter 'smp.${k}' is unexpected`);
      if (!/^\d+$/.test(v[k]!)) this.fail(`Parameter 'smp.${k}' expects integer`);
    }
    const num = (k: string) => (v[k] !== undefined ? Number(v[k]) : 0);
    let cpus = num("cpus");
    let sockets = num("sockets");
    const dies = num("dies") || 1;
    let cores = num("cores");
    let threads = num("threads");
    let maxcpus = num("maxcpus");
    if (Object.values(v).some((x) => x === "0")) this.warn("Deprecated CPU topology (considered invalid): CPU topology parameters must be greater than zero");
    // machine_parse_smp_config (7.2 machine types prefer cores over sockets)
    if (cpus === 0 && maxcpus === 0) {
      sockets ||= 1;
      cores ||= 1;
      threads ||= 1;
    } else {
      maxcpus ||= cpus;
      if (cores === 0) {
        sockets ||= 1;
        threads ||= 1;
        cores = Math.floor(maxcpus / (sockets * dies * threads));
      } else if (sockets === 0) {
        threads ||= 1;
        sockets = Math.floor(maxcpus / (dies * cores * threads));
      }
      if (threads === 0) threads = Math.floor(maxcpus / (sockets * dies * cores));
    }
    maxcpus ||= sockets * dies * cores * threads;
    cpus ||= maxcpus;
    const topo = `sockets (${sockets}) * dies (${dies}) * cores (${cores}) * threads (${threads})`;
    if (sockets * dies * cores * threads !== maxcpus) this.fail(`Invalid CPU topology: product of the hierarchy must match maxcpus: ${topo} != maxcpus (${maxcpus})`);
    if (maxcpus < cpus) this.fail(`Invalid CPU topology: maxcpus must be equal to or greater than smp: ${topo} == maxcpus (${maxcpus}) < smp_cpus (${cpus})`);
    const max = mt.family === "q35" ? 288 : 255;
    if (cpus > max) this.fail(`Invalid SMP CPUs ${cpus}. The max CPUs supported by machine '${mt.name}' is ${max}`);
    return { cpus, sockets, dies, cores, threads, maxcpus };
  }

  private boot(c: Cfg): string {
    if (c.boot === undefined) return "cad";
    const { pairs } = splitOpts(c.boot, "order");
    let order = "cad";
    for (const [k, v] of pairs) {
      if (k === "menu" || k === "strict" || k === "splash-time" || k === "reboot-timeout" || k === "splash") {
        if ((k === "menu" || k === "strict") && !["on", "off", "yes", "no", "true", "false"].includes(v)) this.fail(`Parameter 'boot.${k}' expects 'on' or 'off'`);
        continue;
      }
      if (k !== "order" && k !== "once") this.fail(`Parameter 'boot.${k}' is unexpected`);
      for (const ch of v) if (!"abcdnp".includes(ch)) this.fail(`Invalid boot device '${ch}'`);
      order = v;
    }
    return order;
  }

  private memory(c: Cfg): number {
    if (!c.mem) return 128;
    const v = c.mem.value.values;
    if (v.slots !== undefined && v.maxmem === undefined) this.fail("slots specified but no max-size");
    const s = v.size;
    if (s === undefined) return 128;
    const bytes = parseSize(s, /\d$/.test(s) ? 2 ** 20 : 1);
    if (bytes === undefined) this.fail("Parameter 'size' expects a non-negative number below 2^64", c.mem.loc, SIZE_HINT);
    const mib = Math.ceil(bytes / 2 ** 20);
    return mib === 0 ? 128 : mib;
  }

  private accelerator(c: Cfg): "kvm" | "tcg" {
    const kvmOk = this.host.modules.includes("kvm_intel") || this.host.modules.includes("kvm_amd");
    const tryKvm = (): boolean => {
      if (kvmOk && stat(this.host.fs, "/dev/kvm")) return true;
      this.out.push(err("Could not access KVM kernel module: No such file or directory\n"));
      this.out.push(err(`${this.prog}: failed to initialize kvm: No such file or directory\n`));
      return false;
    };
    if (c.accels.length === 0) {
      const list = (c.machine.accel ?? (this.prog.endsWith("kvm") ? "kvm:tcg" : "tcg:kvm")).split(":");
      let failed = false;
      for (const a of list) {
        if (a !== "kvm" && a !== "tcg") {
          failed = true;
          this.out.push(err(`${this.prog}: invalid accelerator ${a}\n`));
        }
      }
      for (const a of list) {
        if (a === "tcg") {
          if (failed) this.out.push(err(`${this.prog}: falling back to tcg\n`));
          return "tcg";
        }
        if (a === "kvm") {
          if (tryKvm()) {
            if (failed) this.out.push(err(`${this.prog}: falling back to kvm\n`));
            return "kvm";
          }
          failed = true;
        }
      }
      throw new QemuExit(1);
    }
    if (c.machine.accel !== undefined) this.fail('The -accel and "-machine accel=" options are incompatible');
    let failed = false;
    for (const a of c.accels) {
      const name = a.value.values.accel!;
      if (name !== "kvm" && name !== "tcg") this.fail(`invalid accelerator ${name}`, a.loc);
      const allowed = name === "kvm" ? ["kernel-irqchip", "kvm-shadow-mem", "dirty-ring-size", "notify-vmexit", "notify-window"] : ["thread", "tb-size", "split-wx", "one-insn-per-tb"];
      for (const k of a.value.order) if (k !== "accel" && !allowed.includes(k)) this.fail(`Property '${name}-accel.${k}' not found`, a.loc);
      if (name === "tcg") {
        if (failed) this.out.push(err(`${this.prog}: falling back to tcg\n`));
        return "tcg";
      }
      if (tryKvm()) return "kvm";
      failed = true;
    }
    throw new QemuExit(1);
  }

  private cpuModel(c: Cfg, accel: "kvm" | "tcg"): string {
    const spec = c.cpu ?? "qemu64";
    const [model, ...features] = spec.split(",");
    if (!CPU_MODELS.has(model!) && model !== "host") this.fail(`unable to find CPU model '${model}'`);
    for (const f of features) {
      const name = f.replace(/^[+-]/, "").split("=")[0]!;
      if (!/^[a-z0-9_.-]+$/.test(name) || ["foo", "bar"].includes(name) || name.length < 2) this.fail(`can't apply global ${model}-x86_64-cpu.${name}=on: Property '${model}-x86_64-cpu.${name}' not found`);
      if (f.startsWith("+") && accel === "tcg" && (name === "vmx" || name === "svm")) this.warn(`TCG doesn't support requested feature: CPUID.${name === "vmx" ? "01H:ECX.vmx [bit 5]" : "80000001H:ECX.svm [bit 2]"}`);
    }
    if (model === "host" && accel !== "kvm") this.fail("CPU model 'host' requires KVM or HVF");
    return model!;
  }

  private checkTopology(_smp: QemuVm["smp"], _mt: MachineType, _accel: string) {}

  // ------------------------------------------------------------------ network

  private network(c: Cfg, mt: MachineType, defaults: boolean): { netdevs: QemuNetdev[]; nics: QemuNic[]; hostNet?: HostNet } {
    const netdevs: QemuNetdev[] = [];
    const nics: QemuNic[] = [];
    let hostNet: HostNet | undefined;
    const hubs: number[] = [];
    let generated = 0;
    const netName = () => `#net${String(100 + ((mix32(this.ctx.world.seq + 3 + generated++) % 800) | 0)).padStart(3, "0")}`;
    if (c.help === "netdev") {
      this.out.push(out(QEMU.netdevHelp));
      throw new QemuExit(0);
    }
    const backend = (o: ParsedOpts, loc: string, kind: "netdev" | "nic" | "net"): QemuNetdev => {
      const v = o.values;
      const type = v.type ?? "";
      const types = kind === "nic" ? ["none", "user", "tap", "bridge", "socket", "stream", "dgram", "vde", "l2tpv3", "vhost-user", "vhost-vdpa", "hubport"] : kind === "net" ? ["none", "nic", "user", "tap", "bridge", "socket", "stream", "dgram", "vde", "l2tpv3", "vhost-user", "vhost-vdpa"] : ["socket", "stream", "dgram", "hubport", "tap", "user", "l2tpv3", "vde", "bridge", "vhost-user", "vhost-vdpa"];
      if (!types.includes(type)) this.fail(`Parameter 'type' does not accept value '${type}'`, loc);
      if (kind === "netdev" && o.id === undefined) this.fail("Parameter 'id' is missing", loc);
      const common = ["type", "id", "mac", "model", "name", "netdev", "vlan"];
      const keys: Record<string, string[]> = {
        user: ["net", "host", "dhcpstart", "dns", "hostfwd", "guestfwd", "restrict", "hostname", "domainname", "tftp", "bootfile", "smb", "ipv4", "ipv6", "ipv6-net", "ipv6-host", "ipv6-dns", "dnssearch", "tftp-server-name", "smbserver"],
        tap: ["ifname", "script", "downscript", "br", "helper", "vhost", "vhostforce", "vhostfd", "vhostfds", "fd", "fds", "sndbuf", "vnet_hdr", "queues", "poll-us"],
        bridge: ["br", "helper"],
        socket: ["listen", "connect", "mcast", "udp", "localaddr", "fd"],
        nic: ["macaddr", "addr", "vectors"],
      };
      for (const k of o.order) {
        if (k === "vlan") this.fail("Invalid parameter 'vlan'", loc);
        const allowed = [...(kind === "nic" ? ["model", "mac"] : []), ...(keys[type] ?? [])];
        if (!["type", "id", "name"].includes(k) && !allowed.includes(k) && !(kind === "net" && type === "nic" && ["model", "macaddr", "addr", "vectors", "netdev"].includes(k)) && !common.slice(2).includes(k)) this.fail(`Invalid parameter '${k}'`, loc);
      }
      const nd: QemuNetdev = { id: o.id ?? "", type: type as QemuNetdev["type"], hostfwd: [] };
      if (type === "user") {
        nd.net = v.net ? v.net.split("/")[0] : "10.0.2.0";
        for (const [k, r] of o.pairs) if (k === "hostfwd") nd.hostfwd.push(this.hostfwd(r, loc));
      }
      if (type === "tap" || type === "bridge") {
        const helper = type === "bridge" || v.br !== undefined;
        const h = (): Host => (hostNet ? { ...this.host, subsystems: { ...this.host.subsystems, net: hostNet } } : this.host);
        if (helper) {
          const br = v.br ?? "br0";
          const conf = stat(this.host.fs, "/etc/qemu/bridge.conf");
          if (!conf || conf.kind !== "file") {
            this.out.push(err("failed to parse default acl file `/etc/qemu/bridge.conf'\n"));
            this.fail("bridge helper failed", loc);
          }
          const allowed = conf.content.split("\n").some((l) => /^\s*allow\s+(\S+)/.exec(l)?.[1] === br || /^\s*allow\s+all\b/.test(l));
          if (!allowed) {
            this.out.push(err("access denied by acl file\n"));
            this.fail("bridge helper failed", loc);
          }
          if (!findLink(h(), br)) {
            this.out.push(err(`failed to get mtu of bridge \`${br}': No such device\n`));
            this.fail("bridge helper failed", loc);
          }
          nd.bridge = br;
        }
        const ifname = v.ifname ?? freeName(h(), "tap");
        const existing = findLink(h(), ifname);
        const pid = nextPid(this.ctx.world);
        if (existing && (existing.kind !== "tun" || existing.tuntap?.attachedPid !== undefined)) this.fail(`could not configure /dev/net/tun (${ifname}): Device or resource busy`, loc);
        let master = nd.bridge;
        if (!helper) {
          const script = v.script ?? "/etc/qemu-ifup";
          if (script === "/etc/qemu-ifup") {
            // Debian's /etc/qemu-ifup puts the tap on the bridge that carries the default route
            const dev = defaultRouteDev(h());
            const link = dev ? findLink(h(), dev) : undefined;
            if (link?.kind === "bridge") master = link.name;
            else this.out.push(err("W: /etc/qemu-ifup: no bridge for guest interface found\n"));
          }
        }
        nd.ifname = ifname;
        const r = existing
          ? updateLink(h(), ifname, (l) => {
              l.up = true;
              if (master) l.master = master;
              l.tuntap = { ...l.tuntap!, attachedPid: pid };
            })
          : addLink(h(), { name: ifname, kind: "tun", mac: randomMac(this.ctx.world.seq * 5 + netdevs.length), mtu: 1500, up: true, addrs: [], ...(master ? { master } : {}), tuntap: { mode: "tap", persist: false, attachedPid: pid, vnetHdr: true }, origin: "qemu" });
        if (!isNetError(r)) hostNet = r;
      }
      return nd;
    };
    for (const n of c.netdevs) {
      const nd = backend(n.value, n.loc, "netdev");
      netdevs.push(nd);
    }
    for (const n of c.nics) {
      const v = n.value.values;
      if (v.type === "none") continue;
      if (v.type === "help") this.fail("Parameter 'type' does not accept value 'help'", n.loc);
      const nd = backend(n.value, n.loc, "nic");
      nd.id = netName();
      nd.generated = true;
      netdevs.push(nd);
      const model = v.model ?? (mt.family === "q35" ? "e1000e" : "e1000");
      if (model === "help" || model === "?") {
        this.out.push(out(QEMU.nicModelHelp));
        throw new QemuExit(0);
      }
      nics.push({ name: `${model}.${nics.filter((x) => x.model === model).length}`, model, mac: v.mac ?? this.nicMac(nics.length), peer: nd.id });
    }
    const legacy = [...c.nets];
    const defaultNet = defaults && c.netdevs.length === 0 && c.nics.length === 0 && c.nets.length === 0;
    if (defaultNet) legacy.push({ value: { order: ["type"], values: { type: "nic" }, pairs: [["type", "nic"]], help: false }, loc: "" }, { value: { order: ["type"], values: { type: "user" }, pairs: [["type", "user"]], help: false }, loc: "" });
    if (legacy.length && !legacy.every((l) => l.value.values.type === "none")) {
      const hub = 0;
      hubs.push(hub);
      let port = 0;
      const ports: { nic?: QemuNic; nd?: QemuNetdev }[] = [];
      for (const l of legacy) {
        const v = l.value.values;
        if (v.type === "none") continue;
        if (v.type === "nic") {
          for (const k of l.value.order) if (!["type", "model", "macaddr", "mac", "addr", "vectors", "netdev", "name", "id"].includes(k)) this.fail(k === "vlan" ? "Invalid parameter 'vlan'" : `Invalid parameter '${k}'`, l.loc);
          const model = v.model ?? (mt.family === "q35" ? "e1000e" : "e1000");
          if (model === "help" || model === "?") {
            this.out.push(out(QEMU.nicModelHelp));
            throw new QemuExit(0);
          }
          const nic: QemuNic = { name: `${model}.${nics.filter((x) => x.model === model).length}`, model, mac: v.macaddr ?? this.nicMac(nics.length), hub };
          nics.push(nic);
          ports.push({ nic });
        } else {
          const nd = backend(l.value, l.loc, "net");
          nd.id = l.value.id ?? netName();
          nd.generated = l.value.id === undefined;
          nd.hub = hub;
          netdevs.push(nd);
          ports.push({ nd });
        }
      }
      for (const p of ports) {
        const name = `hub${hub}port${port++}`;
        if (p.nic) p.nic.peer = name;
        if (p.nd) p.nd.hubPort = name;
      }
    }
    for (const nd of netdevs) {
      if (!nd.generated && nd.hub === undefined && !c.devices.some((d) => d.value.values.netdev === nd.id) && !nics.some((x) => x.peer === nd.id)) this.warn(`netdev ${nd.id} has no peer`);
    }
    return { netdevs, nics, ...(hostNet ? { hostNet } : {}) };
  }

  private hostfwd(rule: string, loc: string): QemuNetdev["hostfwd"][number] {
    const bad = (why: string) => this.fail(`Invalid host forwarding rule '${rule}' (${why})`, loc);
    const m = /^(?:(tcp|udp):)?([^:]*):([^-]*)-([^:]*):(.*)$/.exec(rule);
    if (!rule.includes(":")) bad("No : separators");
    if (!m) bad("Bad guest address");
    const proto = (m![1] ?? "tcp") as "tcp" | "udp";
    const hp = Number(m![3]);
    if (!/^\d+$/.test(m![3]!) || hp < 0 || hp > 65535) bad("Bad host port");
    const gp = Number(m![5]);
    if (!/^\d+$/.test(m![5]!) || gp < 1 || gp > 65535) bad("Bad guest port");
    return { proto, hostAddr: m![2] ?? "", hostPort: hp, guestAddr: m![4] || "10.0.2.15", guestPort: gp };
  }
}

/** keyval's help request: a bare "help" or "?" as the implied value or as a flag. */
function wantsHelp(arg: string, implied: string): boolean {
  const { pairs, help } = splitOpts(arg, implied);
  return help || pairs.some(([k, v]) => k === implied && (v === "help" || v === "?"));
}

function busUnit(d: QemuDrive): number {
  const m = /^ide(\d+)-(?:hd|cd)(\d+)$/.exec(d.id);
  return m ? Number(m[1]) * 2 + Number(m[2]) : 99;
}

function chardevFilename(backend: string, v: Record<string, string>): string {
  switch (backend) {
    case "socket":
      return v.path !== undefined ? `unix:${v.path}${v.server === "on" || v.server === "" ? ",server=on" : ""}` : `tcp:${v.host ?? ""}:${v.port ?? ""}${v.server === "on" ? ",server=on" : ""}`;
    case "file":
      return v.path ?? "file";
    case "pty":
      return "pty:/dev/pts/1";
    default:
      return backend;
  }
}

/** Apply a successful start: the VM joins the host's QEMU processes; locks and tap devices are kept. */
export function addVm(world: World, hostName: string, vm: QemuVm, fs: Fs, net?: HostNet): World {
  return produce(world, (w) => {
    const h = w.hosts[hostName]!;
    h.fs = fs as typeof h.fs;
    const q: QemuHost = qemuOf(h);
    h.subsystems[QEMU_KEY] = { ...q, vms: [...q.vms, vm] };
    if (net) putNet(h, net);
    w.seq += 1;
  });
}

export { uuidFor };
