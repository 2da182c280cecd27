// The libvirt host model's state: connections' domains, networks, storage pools, filters, as plain data.
import type { XmlEl } from "./xml";

/** A libvirt error as the library reports it: a stable code and the message virsh prints after "error: ". */
export interface LvError {
  code: string;
  message: string;
  /** What libxml2 itself printed on stderr before the error (an I/O warning for a file it could not load). */
  warning?: string;
}

export const lvErr = (code: string, message: string): LvError => ({ code, message });
export const isLvError = (x: unknown): x is LvError => typeof x === "object" && x !== null && "code" in x && "message" in x && !("def" in x);

/** Which driver behaviour a connection has: libvirt's test driver or a real host (QEMU/KVM, Xen). */
export type DriverKind = "test" | "qemu" | "xen";

export type DomainState = "nostate" | "running" | "blocked" | "paused" | "shutdown" | "shutoff" | "crashed" | "pmsuspended";

export interface Snapshot {
  name: string;
  description?: string;
  /** Domain state when taken (running, paused, shutoff, disk-snapshot ...). */
  state: string;
  parent?: string;
  /** Epoch seconds. */
  creationTime: number;
  memory: "no" | "internal" | "external";
  /** The memory image of an external memory snapshot. */
  memoryFile?: string;
  /** Per disk target; external ones name their overlay file. */
  disks: { name: string; snapshot: string; file?: string }[];
  /** The domain definition captured with the snapshot. */
  domain?: XmlEl;
}

export interface Domain {
  uuid: string;
  /** The running definition while active, the persistent one while inactive. */
  def: XmlEl;
  /** The persistent (next boot) definition while the domain runs, when it differs from `def`. */
  newDef?: XmlEl;
  persistent: boolean;
  autostart: boolean;
  state: DomainState;
  /** Reason keyword as virsh prints it in `domstate --reason` (booted, user, destroyed, unknown ...). */
  reason: string;
  /** -1 while inactive. */
  id: number;
  managedSave: boolean;
  /** The definition the managed save image holds when it differs from the persistent one (managedsave-define/-edit). */
  managedSaveDef?: XmlEl;
  /** The managed save image starts the domain paused (managedsave --paused, managedsave-define --paused). */
  managedSavePaused?: boolean;
  /** Snapshots in creation order. */
  snapshots: Snapshot[];
  currentSnapshot?: string;
  /** vCPU number → CPU list string (vcpupin). */
  vcpuPins: Record<number, string>;
  /** Guest clock set with domtime (epoch seconds). */
  guestTime?: number;
  /** Live emulator-thread pinning (emulatorpin without --config), cleared when the domain stops. */
  emulatorPin?: string;
  /** Live vCPU count when it differs from the definition (setvcpus --live). */
  liveVcpus?: number;
  /** World clock (ms) when the domain last started; for CPU time. */
  startedAt?: number;
  /** The test driver's guest file systems / and /boot frozen by domfsfreeze (kept across restarts, as the driver does). */
  frozen?: [boolean, boolean];
  /** Checkpoints in creation order. */
  checkpoints?: Checkpoint[];
  /** virDomainGetMessages: "tainted: ..." and "deprecated configuration: ..." lines, kept while the object lives. */
  messages?: string[];
  currentCheckpoint?: string;
}

/** A domain checkpoint (virDomainCheckpointDef): disks are tracked by bitmaps from this point on. */
export interface Checkpoint {
  name: string;
  description?: string;
  parent?: string;
  /** Epoch seconds. */
  creationTime: number;
  /** Per disk target: checkpoint type ("bitmap", "no", or "default" when written so) and the bitmap name. */
  disks: { name: string; checkpoint: string; bitmap?: string }[];
  /** The domain definition at the time, formatted inside the checkpoint XML. */
  domain?: XmlEl;
}

export interface Network {
  uuid: string;
  def: XmlEl;
  newDef?: XmlEl;
  active: boolean;
  persistent: boolean;
  autostart: boolean;
}

export interface Volume {
  name: string;
  /** Full path; also its key for file-based pools. */
  path: string;
  type: "file" | "block" | "dir" | "network" | "netdir" | "ploop";
  /** Bytes. */
  capacity: number;
  allocation: number;
  format?: string;
  backing?: { path: string; format?: string; perms?: StoragePerms };
  /** virStorageVolDef key when it differs from the path (given in a test-driver node file). */
  key?: string;
  perms?: StoragePerms;
}

/** virStoragePerms as parsed from <permissions>: absent fields are libvirt's -1. */
export interface StoragePerms {
  mode?: number;
  owner?: number;
  group?: number;
  label?: string;
}

export interface Pool {
  uuid: string;
  /** Pool definition (without the capacity figures, which come from the state). */
  def: XmlEl;
  /** The definition a redefinition of the running pool left for its next start (virStoragePoolObj newDef). */
  newDef?: XmlEl;
  active: boolean;
  persistent: boolean;
  autostart: boolean;
  volumes: Volume[];
  /** Bytes. */
  capacity: number;
  allocation: number;
  available: number;
}

export interface HostInterface {
  name: string;
  def: XmlEl;
  active: boolean;
}

export interface NwFilter {
  uuid: string;
  name: string;
  def: XmlEl;
}

export interface NodeInfo {
  model: string;
  /** KiB. */
  memory: number;
  cpus: number;
  mhz: number;
  nodes: number;
  sockets: number;
  cores: number;
  threads: number;
}

export interface DhcpLease {
  network: string;
  mac: string;
  ip: string;
  prefix: number;
  hostname?: string;
  clientId?: string;
  /** Epoch seconds. */
  expiry: number;
}

/** One hypervisor connection's objects: what `virsh -c URI` talks to. */
export interface LibvirtConn {
  driver: DriverKind;
  /** The canonical URI `virsh uri` prints. */
  uri: string;
  node: NodeInfo;
  domains: Domain[];
  nextDomId: number;
  networks: Network[];
  pools: Pool[];
  interfaces: HostInterface[];
  /** Interfaces as iface-begin found them, while a network config transaction runs. */
  ifaceTransaction?: HostInterface[];
  nwfilters: NwFilter[];
  leases: DhcpLease[];
  /** Whether this connection keeps its files on the host filesystem (/etc/libvirt ...). */
  files: boolean;
}

/** host.subsystems.libvirt: the connections a host serves, keyed by canonical URI. */
export interface LibvirtHost {
  conns: Record<string, LibvirtConn>;
}
