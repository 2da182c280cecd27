// The schema of lab files (labs/*.yaml): a story, a start host, ordered tasks with declarative checks over the
// simulated host, authored hints, and a reference solution replayed by `lpic3 lab verify`.
import { z } from "zod";
import { ObjectiveId, SectionRef } from "./schema";

/**
 * A size: bytes as a number, or a number with a binary unit as qemu-img and virsh read them
 * ("20G", "512M", "20GiB", "1.5T"). K, M, G, T, P, E are powers of 1024.
 */
export const SizeSpec = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^\d+(\.\d+)?\s*([KMGTPE](i?B)?|B)?$/i, 'a size such as "20G", "512M" or a number of bytes'),
]);
export type SizeSpec = z.infer<typeof SizeSpec>;

/** Bytes of a SizeSpec. */
export function sizeBytes(s: SizeSpec): number {
  if (typeof s === "number") return s;
  const m = /^(\d+(?:\.\d+)?)\s*([KMGTPE])?/i.exec(s.trim())!;
  const exp = m[2] ? "KMGTPE".indexOf(m[2].toUpperCase()) + 1 : 0;
  return Math.round(Number(m[1]) * 1024 ** exp);
}

const Where = {
  /** Host the check looks at (default: the lab's host). */
  host: z.string().optional(),
};
const LibvirtWhere = {
  ...Where,
  /** libvirt connection (default: the fixture's default URI, e.g. qemu:///system). */
  uri: z.string().optional(),
};

const Name = z.string().min(1);
const OneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const DomainStateName = z.enum(["running", "paused", "shut off", "crashed", "pmsuspended", "idle", "in shutdown"]);

export const DomainCheck = z.strictObject({
  ...LibvirtWhere,
  name: Name,
  exists: z.boolean().default(true),
  /** As `virsh domstate` prints it. */
  state: DomainStateName.optional(),
  autostart: z.boolean().optional(),
  persistent: z.boolean().optional(),
  managed_save: z.boolean().optional(),
  /** Current vCPUs and maximum vCPUs of the persistent (next boot) definition. */
  vcpus: z.number().int().positive().optional(),
  max_vcpus: z.number().int().positive().optional(),
  /** Current (balloon) and maximum memory of the persistent definition, MiB. */
  memory_mib: z.number().int().positive().optional(),
  max_memory_mib: z.number().int().positive().optional(),
  /** vCPUs and memory the running guest has now (only while it runs). */
  live_vcpus: z.number().int().positive().optional(),
  live_memory_mib: z.number().int().positive().optional(),
  /** Disks the persistent definition must have (by target), with optional source file and driver format. */
  disks: z.array(z.strictObject({ target: Name, source: z.string().optional(), format: z.string().optional(), device: z.enum(["disk", "cdrom", "floppy"]).optional() })).optional(),
  /** Disk targets that must not be in the persistent definition. */
  no_disks: z.array(Name).optional(),
  /** Interfaces the persistent definition must have: network or bridge they plug into, optional MAC and model. */
  interfaces: z.array(z.strictObject({ network: z.string().optional(), bridge: z.string().optional(), mac: z.string().optional(), model: z.string().optional() })).optional(),
  /** Number of interfaces in the persistent definition. */
  interface_count: z.number().int().nonnegative().optional(),
  snapshots: z.array(Name).optional(),
  no_snapshots: z.array(Name).optional(),
  current_snapshot: z.string().optional(),
  title: z.string().optional(),
  description: z.string().optional(),
});

export const PoolCheck = z.strictObject({
  ...LibvirtWhere,
  name: Name,
  exists: z.boolean().default(true),
  active: z.boolean().optional(),
  autostart: z.boolean().optional(),
  persistent: z.boolean().optional(),
  type: z.string().optional(),
  path: z.string().optional(),
});

export const VolumeCheck = z.strictObject({
  ...LibvirtWhere,
  pool: Name,
  name: Name,
  exists: z.boolean().default(true),
  format: z.string().optional(),
  capacity: SizeSpec.optional(),
  /** Backing file path (absolute), or "" for none. */
  backing: z.string().optional(),
});

export const NetworkCheck = z.strictObject({
  ...LibvirtWhere,
  name: Name,
  exists: z.boolean().default(true),
  active: z.boolean().optional(),
  autostart: z.boolean().optional(),
  persistent: z.boolean().optional(),
  /** nat, route, open, bridge ... or "isolated" for none. */
  forward: z.string().optional(),
  bridge: z.string().optional(),
  /** Address of the network's first <ip>. */
  ip: z.string().optional(),
  dhcp_range: z.strictObject({ start: z.string(), end: z.string() }).optional(),
  dhcp_hosts: z.array(z.strictObject({ mac: z.string().optional(), name: z.string().optional(), ip: z.string() })).optional(),
});

export const ImageCheck = z.strictObject({
  ...Where,
  path: z.string().regex(/^\//, "an absolute path"),
  exists: z.boolean().default(true),
  format: z.string().optional(),
  virtual_size: SizeSpec.optional(),
  /** Backing file as the header records it (absolute or relative), or "" for none. */
  backing_file: z.string().optional(),
  backing_format: z.string().optional(),
  /** The whole backing chain below this image, nearest first, as absolute paths ([] for none). */
  chain: z.array(z.string()).optional(),
  /** Internal snapshot names that must exist / must not. */
  snapshots: z.array(Name).optional(),
  no_snapshots: z.array(Name).optional(),
  /** Guest data the image must hold itself (not only through its backing file): at least this many bytes. */
  min_data: SizeSpec.optional(),
});

export const XenDomainCheck = z.strictObject({
  ...Where,
  name: Name,
  exists: z.boolean().default(true),
  /** running (r or b), paused, shutdown (kept after shutdown). */
  state: z.enum(["running", "paused", "shutdown"]).optional(),
  memory_mib: z.number().int().positive().optional(),
  max_memory_mib: z.number().int().positive().optional(),
  vcpus: z.number().int().positive().optional(),
  max_vcpus: z.number().int().positive().optional(),
  type: z.enum(["pv", "pvh", "hvm"]).optional(),
  /** Virtual disk devices (xvda, hdc ...) the domain must have, and must not. */
  disks: z.array(Name).optional(),
  no_disks: z.array(Name).optional(),
  /** Backing devices or files the domain's disks must use (/dev/vg0/web-disk, an image path). */
  disk_targets: z.array(z.string()).optional(),
  /** Number of virtual network interfaces. */
  nics: z.number().int().nonnegative().optional(),
  /** CPU pool the domain is in. */
  pool: z.string().optional(),
});

/** A QEMU process started by hand (qemu-system-x86_64), found by its -name (or the only one). */
export const QemuVmCheck = z.strictObject({
  ...Where,
  name: z.string().optional(),
  exists: z.boolean().default(true),
  status: z.enum(["running", "paused", "prelaunch", "shutdown", "suspended"]).optional(),
  accel: z.enum(["kvm", "tcg"]).optional(),
  memory_mib: z.number().int().positive().optional(),
  cpus: z.number().int().positive().optional(),
  /** Image files the VM has open (absolute paths). */
  drives: z.array(z.string().regex(/^\//, "an absolute path")).optional(),
  /** VNC display number (5900 + N). */
  vnc_display: z.number().int().nonnegative().optional(),
  /** Host interfaces (tap devices, bridges) the VM's network backends use. */
  netdevs: z.array(z.string()).optional(),
  /** User-mode port forwards as PROTO:HOSTPORT:GUESTPORT, e.g. "tcp:2222:22". */
  hostfwd: z.array(z.string().regex(/^(tcp|udp):\d+:\d+$/, "PROTO:HOSTPORT:GUESTPORT such as tcp:2222:22")).optional(),
  /** Disks opened with -snapshot / snapshot=on (writes go to a temporary overlay). */
  snapshot_mode: z.boolean().optional(),
});

export const FileCheck = z.strictObject({
  ...Where,
  path: z.string().regex(/^\//, "an absolute path"),
  exists: z.boolean().default(true),
  /** Text the file must contain (each of them). */
  contains: OneOrMany.optional(),
  not_contains: OneOrMany.optional(),
  /** A regular expression (multiline) the content must match. */
  matches: z.string().optional(),
  kind: z.enum(["file", "dir", "symlink"]).optional(),
});

/**
 * A read-only probe: run a command on a throwaway copy of the current state and look at what it prints.
 * For facts no model check covers (a XenStore key, a file inside a guest image).
 */
export const CommandCheck = z.strictObject({
  ...Where,
  run: z.string().min(1),
  /** What the check means, for the learner ("the QEMU VM 'lab' is running"). */
  describe: z.string().min(1),
  exit: z.number().int().optional(),
  stdout_contains: OneOrMany.optional(),
  stdout_not_contains: OneOrMany.optional(),
  stdout_matches: z.string().optional(),
});

export const Check = z.union([
  z.strictObject({ domain: DomainCheck }),
  z.strictObject({ pool: PoolCheck }),
  z.strictObject({ volume: VolumeCheck }),
  z.strictObject({ network: NetworkCheck }),
  z.strictObject({ image: ImageCheck }),
  z.strictObject({ xen_domain: XenDomainCheck }),
  z.strictObject({ qemu_vm: QemuVmCheck }),
  z.strictObject({ file: FileCheck }),
  z.strictObject({ command: CommandCheck }),
]);
export type Check = z.infer<typeof Check>;
export type DomainCheck = z.infer<typeof DomainCheck>;
export type PoolCheck = z.infer<typeof PoolCheck>;
export type VolumeCheck = z.infer<typeof VolumeCheck>;
export type NetworkCheck = z.infer<typeof NetworkCheck>;
export type ImageCheck = z.infer<typeof ImageCheck>;
export type XenDomainCheck = z.infer<typeof XenDomainCheck>;
export type FileCheck = z.infer<typeof FileCheck>;
export type QemuVmCheck = z.infer<typeof QemuVmCheck>;
export type CommandCheck = z.infer<typeof CommandCheck>;

export const LabTask = z.strictObject({
  /** What to do, in one imperative sentence. */
  title: z.string().min(5),
  /** More detail when the title is not enough. */
  detail: z.string().optional(),
  checks: z.array(Check).min(1),
  /** Authored hints, from a nudge to nearly the command. */
  hints: z.array(z.string().min(5)).min(1),
});
export type LabTask = z.infer<typeof LabTask>;

export const Lab = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a lower-case id such as "virsh-first-steps"'),
  objective: ObjectiveId,
  title: z.string().min(5),
  /** guided: first steps with detailed tasks; practice: the learner picks the commands; troubleshoot: find and fix faults. */
  level: z.enum(["guided", "practice", "troubleshoot"]),
  minutes: z.number().int().positive(),
  /** Host fixture the lab starts from: a name under content/hosts/ (lab-*.yaml, kvm, xen). */
  fixture: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  /** Host the learner's shell starts on (default: the fixture's first host). */
  host: z.string().optional(),
  /** Commands run on the fixture before the learner starts (images with data, a broken chain ...), not shown. */
  setup: z.string().optional(),
  story: z.string().min(40),
  tasks: z.array(LabTask).min(1),
  /** The reference solution: shell lines as typed (here-documents allowed), replayed by `lab verify`. */
  solution: z.string().min(1),
  /** Note sections that teach what the lab practises. */
  see: z.array(SectionRef).default([]),
});
export type Lab = z.infer<typeof Lab>;
