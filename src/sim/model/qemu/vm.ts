// QEMU processes started by hand (qemu-system-x86_64 / kvm) as plain data: their configuration and run state.
import type { Host, World } from "../world";

/** A block device as `info block` shows it. */
export interface QemuDrive {
  /** Drive id: ide0-hd0, ide1-cd0, virtio0, floppy0, sd0, or the id= given. */
  id: string;
  /** Image path as typed (what `info block` prints); absent when no medium is inserted. */
  file?: string;
  /** Absolute path of the image file on the host. */
  path?: string;
  /** Block driver: qcow2, raw ... */
  format?: string;
  interface: "ide" | "virtio" | "scsi" | "floppy" | "sd" | "none" | "pflash" | "mtd";
  media: "disk" | "cdrom";
  readOnly: boolean;
  /** Opened through a temporary overlay (-snapshot or snapshot=on). */
  snapshot: boolean;
  /** Cache mode as `info block` words it: "writeback", "writeback, direct", ... */
  cache: string;
  /** QOM path of the device the drive is attached to; absent for if=none drives nobody uses and sd0. */
  attachedTo?: string;
  removable: boolean;
  trayOpen: boolean;
  /** Auto-generated block node number (#blockNNN). */
  node: number;
  /** A format was not given and probing guessed raw: block 0 writes are restricted. */
  probedRaw?: boolean;
}

/** A guest network card and the host side it talks to, as `info network` shows them. */
export interface QemuNic {
  /** NIC name as QEMU labels it: e1000.0, virtio-net-pci.0 ... */
  name: string;
  model: string;
  mac: string;
  /** Id of the peer netdev, or the hub port when legacy -net puts both on a hub. */
  peer?: string;
  hub?: number;
}

export interface QemuHostFwd {
  proto: "tcp" | "udp";
  hostAddr: string;
  hostPort: number;
  guestAddr: string;
  guestPort: number;
}

export interface QemuNetdev {
  id: string;
  type: "user" | "tap" | "bridge" | "socket" | "hubport" | "vde" | "l2tpv3" | "stream" | "dgram" | "vhost-user";
  /** user: guest network, e.g. 10.0.2.0 */
  net?: string;
  hostfwd: QemuHostFwd[];
  /** tap/bridge: host interface name (tap0, ...), bridge name. */
  ifname?: string;
  bridge?: string;
  /** Auto-generated name (#netNNN) shown instead of an id for -net/-nic backends. */
  generated?: boolean;
  hub?: number;
  hubPort?: string;
}

export interface QemuChardev {
  id: string;
  /** `info chardev` filename: stdio, vc, pty:/dev/pts/0, unix:/path,server=on, file ... */
  filename: string;
}

export interface QemuVnc {
  /** Display number (port 5900 + display). */
  display: number;
  host: string;
  /** ipv4 / ipv6 listeners `info vnc` lists. */
  families: ("ipv4" | "ipv6")[];
  password: boolean;
}

export type QemuRunState = "prelaunch" | "running" | "paused" | "shutdown" | "suspended";

export interface QemuVm {
  pid: number;
  /** The command line as typed (argv0 first), for ps. */
  argv: string[];
  /** Working directory the process was started in (image paths are relative to it). */
  cwd: string;
  user: string;
  name?: string;
  uuid: string;
  /** Full machine type name, e.g. pc-i440fx-7.2. */
  machine: string;
  accel: "kvm" | "tcg";
  cpuModel: string;
  /** Guest RAM in MiB. */
  memMiB: number;
  smp: { cpus: number; sockets: number; dies: number; cores: number; threads: number; maxcpus: number };
  drives: QemuDrive[];
  nics: QemuNic[];
  netdevs: QemuNetdev[];
  chardevs: QemuChardev[];
  vnc?: QemuVnc;
  /** The VGA model (std, virtio, qxl, cirrus, none) or none with -nodefaults. */
  vga: string;
  usb: boolean;
  usbDevices: string[];
  /** Where the HMP monitor is: stdio, vc, telnet..., none. */
  monitor: string;
  daemonized: boolean;
  nodefaults: boolean;
  noShutdown: boolean;
  noReboot: boolean;
  status: QemuRunState;
  /** Guest time already run (ms), plus the world clock when it last started running. */
  vmClockMs: number;
  runningSince?: number;
  /** World clock (ms) when the process started. */
  startedAt: number;
  /** Host thread ids of the vCPUs (info cpus). */
  threadIds: number[];
  /** Monitor command history (info history). */
  history: string[];
  /** Migration parameters changed with migrate_set_parameter (name → value as shown). */
  migrateParams: Record<string, string>;
  /** -kernel/-initrd/-append, for ps and info. */
  kernel?: string;
  initrd?: string;
  append?: string;
  /** Boot order letters (c, d, n ...). */
  bootOrder: string;
  /** The guest agent channel (virtserialport name=org.qemu.guest_agent.0) and its chardev. */
  agentChardev?: string;
}

/** What loadvm checks against the running machine: the guest RAM (MiB) a savevm snapshot was taken with. */
export interface SavedVmState {
  memMiB: number;
}

/** host.subsystems.qemu: the QEMU processes of one host. */
export interface QemuHost {
  vms: QemuVm[];
  /** savevm snapshots' machine facts, keyed by image path, tag and date (the image keeps only the table). */
  savedStates?: Record<string, SavedVmState>;
}

export const QEMU_KEY = "qemu";

export function qemuOf(host: Host): QemuHost {
  return (host.subsystems[QEMU_KEY] as QemuHost | undefined) ?? { vms: [] };
}

/** Process ids: the world counter keeps them unique and repeatable. */
export function nextPid(world: World): number {
  return 2000 + ((world.seq * 37) % 30000);
}

/** The guest clock in ms at world time `now`. */
export function vmClock(vm: QemuVm, now: number): number {
  return vm.vmClockMs + (vm.runningSince !== undefined ? Math.max(0, now - vm.runningSince) : 0);
}

/** Make `vm` run (cont) or stop at world time `now`; returns the updated VM. */
export function setRunning(vm: QemuVm, running: boolean, now: number): QemuVm {
  if (running) return vm.runningSince !== undefined ? { ...vm, status: "running" } : { ...vm, status: "running", runningSince: now };
  return { ...vm, status: vm.status === "running" ? "paused" : vm.status, vmClockMs: vmClock(vm, now), runningSince: undefined };
}

/** The lock token a VM process puts on the image files it opens. */
export const lockHolder = (host: string, pid: number) => `qemu:${host}:${pid}`;

/** Size in bytes of the VM state savevm stores (measured on QEMU 7.2: linear in guest RAM). */
export function vmStateSize(vm: QemuVm): number {
  const defaults = vm.nodefaults ? 0 : 537_464;
  const ran = vm.vmClockMs > 0 || vm.runningSince !== undefined ? 120_000 : 0;
  return 313_653 + vm.memMiB * 2304 + defaults + (vm.smp.cpus - 1) * 9731 + ran;
}
