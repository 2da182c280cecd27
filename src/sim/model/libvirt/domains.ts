// Domain transitions in libvirt's words: define, undefine, create, start, shutdown, destroy, reboot, suspend,
// resume, save/restore, managed save, memory and vCPU changes, snapshots. Each works on an immer draft of a
// connection and returns an LvError instead of changing anything when libvirt would refuse.
import { curMemKiB, curVcpus, domName, maxMemKiB, maxVcpus, withCurMem, withIfnames, withMaxMem, withVcpus, disksOf } from "./domain-xml";
import { lvErr, type Domain, type DomainState, type LibvirtConn, type LvError, type Snapshot } from "./types";
import { child, childText, copyDef, type XmlEl } from "./xml";

export const STATE_NAMES: Record<DomainState, string> = {
  nostate: "no state",
  running: "running",
  blocked: "idle",
  paused: "paused",
  shutdown: "in shutdown",
  shutoff: "shut off",
  crashed: "crashed",
  pmsuspended: "pmsuspended",
};

export const isActive = (d: Domain) => d.state !== "shutoff";

/** virsh's domain lookup: by ID when numeric, then by UUID, then by name. */
export function lookupDomain(conn: LibvirtConn, key: string): Domain | undefined {
  if (/^\d+$/.test(key)) {
    const id = Number(key);
    const byId = conn.domains.find((d) => d.id === id && isActive(d));
    if (byId) return byId;
  }
  const lower = key.toLowerCase();
  if (/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/.test(lower)) {
    const hex = lower.replace(/-/g, "");
    const byUuid = conn.domains.find((d) => d.uuid.replace(/-/g, "") === hex);
    if (byUuid) return byUuid;
  }
  return conn.domains.find((d) => domName(d.def) === key);
}

export const nameOf = (d: Domain) => domName(d.def);
export const persistentDef = (d: Domain): XmlEl => d.newDef ?? d.def;

function nicNames(conn: LibvirtConn, def: XmlEl, running: boolean): XmlEl {
  if (conn.driver === "test") return def;
  if (!running) return withIfnames(def, () => undefined);
  // real hosts name tap devices vnet0, vnet1 ... across all running domains
  const used = new Set<string>();
  for (const d of conn.domains) if (isActive(d)) for (const m of (d.def.children as XmlEl[]).length ? ifTargets(d.def) : []) used.add(m);
  let n = 0;
  return withIfnames(def, () => {
    while (used.has(`vnet${n}`)) n++;
    used.add(`vnet${n}`);
    return `vnet${n}`;
  });
}

function ifTargets(def: XmlEl): string[] {
  const devs = def.children.find((c) => typeof c === "object" && c.name === "devices") as XmlEl | undefined;
  const outp: string[] = [];
  for (const c of devs?.children ?? []) {
    if (typeof c !== "object" || c.name !== "interface") continue;
    const t = c.children.find((x) => typeof x === "object" && x.name === "target") as XmlEl | undefined;
    if (t?.attrs.dev) outp.push(t.attrs.dev);
  }
  return outp;
}

/** Put a domain into the running state with a fresh ID (testDomainStartState / qemuProcessStart). */
export function startState(conn: LibvirtConn, d: Domain, reason: string, now: number): void {
  if (d.persistent && !d.newDef) d.newDef = copyDef(d.def);
  // a restored managed save image runs with the definition it holds
  if (reason === "restored" && d.managedSaveDef) d.def = d.managedSaveDef;
  d.managedSaveDef = undefined;
  d.def = nicNames(conn, d.def, true);
  d.state = "running";
  d.reason = reason;
  d.id = conn.nextDomId++;
  d.managedSave = false;
  d.startedAt = now;
  d.liveVcpus = undefined;
}

/** Stop a domain (testDomainShutdownState): back to its persistent definition; transient ones vanish. */
export function shutoffState(conn: LibvirtConn, d: Domain, reason: string): void {
  if (d.newDef) d.def = d.newDef;
  d.newDef = undefined;
  d.def = nicNames(conn, d.def, false);
  d.state = "shutoff";
  d.reason = reason;
  d.id = -1;
  d.startedAt = undefined;
  d.liveVcpus = undefined;
  d.vcpuPins = {};
  d.emulatorPin = undefined;
  if (!d.persistent) conn.domains = conn.domains.filter((x) => x !== d && x.uuid !== d.uuid);
}

function findClash(conn: LibvirtConn, def: XmlEl, uuid: string): LvError | Domain | undefined {
  const name = domName(def);
  const byName = conn.domains.find((d) => domName(d.def) === name);
  const byUuid = conn.domains.find((d) => d.uuid === uuid);
  if (byUuid && domName(byUuid.def) !== name) return lvErr("OPERATION_FAILED", `operation failed: domain '${domName(byUuid.def)}' is already defined with uuid ${uuid}`);
  if (byName && byName.uuid !== uuid) return lvErr("OPERATION_FAILED", `operation failed: domain '${name}' already exists with uuid ${byName.uuid}`);
  return byName;
}

const uuidOf = (def: XmlEl) => (def.children.find((c) => typeof c === "object" && c.name === "uuid") as XmlEl).children.join("");

/** virDomainDefineXML: a new persistent domain, or the next-boot definition of an existing one. */
export function defineDomain(conn: LibvirtConn, def: XmlEl): Domain | LvError {
  const uuid = uuidOf(def);
  const clash = findClash(conn, def, uuid);
  if (clash && "code" in clash) return clash;
  if (clash) {
    if (isActive(clash)) clash.newDef = def;
    else clash.def = def;
    clash.persistent = true;
    return clash;
  }
  const d: Domain = { uuid, def, persistent: true, autostart: false, state: "shutoff", reason: "unknown", id: -1, managedSave: false, snapshots: [], vcpuPins: {} };
  conn.domains.push(d);
  return d;
}

/** virDomainCreateXML: a transient running domain. */
export function createDomain(conn: LibvirtConn, def: XmlEl, now: number, paused: boolean): Domain | LvError {
  const uuid = uuidOf(def);
  const clash = findClash(conn, def, uuid);
  if (clash && "code" in clash) return clash;
  if (clash && isActive(clash)) return lvErr("OPERATION_INVALID", `Requested operation is not valid: domain '${domName(def)}' is already active`);
  let d: Domain;
  if (clash) {
    d = clash;
    d.def = def;
  } else {
    d = { uuid, def, persistent: false, autostart: false, state: "shutoff", reason: "unknown", id: -1, managedSave: false, snapshots: [], vcpuPins: {} };
    conn.domains.push(d);
  }
  startState(conn, d, "booted", now);
  if (paused) {
    d.state = "paused";
    d.reason = "user";
  }
  return d;
}

export function undefineDomain(conn: LibvirtConn, d: Domain, o: { managedSave?: boolean; snapshotsMetadata?: boolean }): LvError | void {
  if (d.managedSave && !o.managedSave) return lvErr("OPERATION_INVALID", "Requested operation is not valid: Refusing to undefine while domain managed save image exists");
  if (!isActive(d) && d.snapshots.length && !o.snapshotsMetadata)
    return lvErr("OPERATION_INVALID", `Requested operation is not valid: cannot delete inactive domain with ${d.snapshots.length} snapshots`);
  d.managedSave = false;
  d.managedSaveDef = undefined;
  d.managedSavePaused = undefined;
  d.autostart = false;
  if (isActive(d)) {
    d.persistent = false;
    d.newDef = undefined;
  } else conn.domains = conn.domains.filter((x) => x.uuid !== d.uuid);
}

// ---------------------------------------------------------------- runtime state

export function setState(d: Domain, state: DomainState, reason: string) {
  d.state = state;
  d.reason = reason;
}

/** What a lifecycle action (on_poweroff / on_reboot) does in the test driver. */
function lifecycle(conn: LibvirtConn, d: Domain, action: string): void {
  if (action === "restart" || action === "rename-restart") setState(d, "running", "booted");
  else shutoffState(conn, d, "shutdown");
}

const textOf = (def: XmlEl, name: string) => {
  const e = def.children.find((c) => typeof c === "object" && c.name === name) as XmlEl | undefined;
  return e ? e.children.join("") : undefined;
};

export function shutdownDomain(conn: LibvirtConn, d: Domain): LvError | void {
  if (d.state === "shutoff") return lvErr("INTERNAL_ERROR", `internal error: domain '${nameOf(d)}' not running`);
  lifecycle(conn, d, textOf(d.def, "on_poweroff") ?? "destroy");
}

export function rebootDomain(conn: LibvirtConn, d: Domain): LvError | void {
  if (!isActive(d)) return lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running");
  lifecycle(conn, d, textOf(d.def, "on_reboot") ?? "restart");
}

export function destroyDomain(conn: LibvirtConn, d: Domain): LvError | void {
  if (!isActive(d)) return lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running");
  shutoffState(conn, d, "destroyed");
}

export function suspendDomain(d: Domain, driver = "test"): LvError | void {
  if (driver !== "test" && !isActive(d)) return lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running");
  if (d.state === "paused" && driver !== "test") return undefined;
  if (d.state === "shutoff" || d.state === "paused") return lvErr("INTERNAL_ERROR", `internal error: domain '${nameOf(d)}' not running`);
  setState(d, "paused", "user");
}

export function resumeDomain(d: Domain, driver = "test"): LvError | void {
  if (driver !== "test" && !isActive(d)) return lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running");
  if (d.state !== "paused") return lvErr("INTERNAL_ERROR", `internal error: domain '${nameOf(d)}' not paused`);
  setState(d, "running", "unpaused");
}

export function startDomain(conn: LibvirtConn, d: Domain, now: number, forceBoot = false): LvError | void {
  if (d.state !== "shutoff") return lvErr("INTERNAL_ERROR", `internal error: Domain '${nameOf(d)}' is already running`);
  // a managed save image is restored (QEMU) unless --force-boot discards it
  const restored = d.managedSave && conn.driver !== "test" && !forceBoot;
  const paused = restored && d.managedSavePaused;
  startState(conn, d, restored ? "restored" : "booted", now);
  d.managedSavePaused = undefined;
  if (paused) setState(d, "paused", "saved");
}

/** The definition a managed save image holds (virDomainManagedSaveGetXMLDesc). */
export const managedSaveDef = (d: Domain): XmlEl => d.managedSaveDef ?? persistentDef(d);

/**
 * virDomainDefCheckABIStability as qemuSaveImageUpdateDef applies it to a new definition for a saved image: the
 * first difference in the checks that concern a definition's top level, in libvirt's order and words.
 */
export function checkAbiStability(src: XmlEl, dst: XmlEl): LvError | undefined {
  const bad = (m: string) => lvErr("CONFIG_UNSUPPORTED", `unsupported configuration: ${m}`);
  const os = (d: XmlEl) => child(child(d, "os"), "type");
  if (src.attrs.type !== dst.attrs.type) return bad(`Target domain virt type ${dst.attrs.type} does not match source ${src.attrs.type}`);
  if (childText(src, "uuid") !== childText(dst, "uuid")) return bad(`Target domain uuid ${childText(dst, "uuid")} does not match source ${childText(src, "uuid")}`);
  if (domName(src) !== domName(dst)) return bad(`Target domain name '${domName(dst)}' does not match source '${domName(src)}'`);
  if (maxMemKiB(src) !== maxMemKiB(dst)) return bad(`Target domain max memory ${maxMemKiB(dst)} does not match source ${maxMemKiB(src)}`);
  if (curMemKiB(src) !== curMemKiB(dst)) return bad(`Target domain current memory ${curMemKiB(dst)} does not match source ${curMemKiB(src)}`);
  if (maxVcpus(src) !== maxVcpus(dst)) return bad(`Target domain vCPU max ${maxVcpus(dst)} does not match source ${maxVcpus(src)}`);
  const [so, dn] = [os(src), os(dst)];
  if (childText(child(src, "os"), "type") !== childText(child(dst, "os"), "type"))
    return bad(`Target domain OS type ${childText(child(dst, "os"), "type")} does not match source ${childText(child(src, "os"), "type")}`);
  if (so?.attrs.arch !== dn?.attrs.arch) return bad(`Target domain architecture ${dn?.attrs.arch} does not match source ${so?.attrs.arch}`);
  if (so?.attrs.machine !== dn?.attrs.machine) return bad(`Target domain machine type ${dn?.attrs.machine} does not match source ${so?.attrs.machine}`);
  return undefined;
}

// ---------------------------------------------------------------- memory and vCPUs

export interface Affect {
  live: boolean;
  config: boolean;
}

/** Resolve --live/--config/--current against the domain's state (virDomainObjUpdateModificationImpact). */
export function affect(d: Domain, live: boolean, config: boolean): Affect | LvError {
  let l = live;
  let c = config;
  if (!l && !c) {
    if (isActive(d)) l = true;
    else c = true;
  }
  if (l && !isActive(d)) return lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running");
  if (c && !d.persistent) return lvErr("OPERATION_INVALID", "Requested operation is not valid: transient domains do not have any persistent config");
  return { live: l, config: c };
}

export function editConfig(d: Domain, fn: (def: XmlEl) => XmlEl) {
  if (isActive(d)) d.newDef = fn(d.newDef ?? d.def);
  else d.def = fn(d.def);
}

export function setMemory(d: Domain, kib: number, a: Affect): LvError | void {
  if (a.live && kib > maxMemKiB(d.def)) return lvErr("INVALID_ARG", "invalid argument: cannot set memory higher than max memory");
  if (a.config && kib > maxMemKiB(persistentDef(d))) return lvErr("INVALID_ARG", "invalid argument: cannot set memory higher than max memory");
  if (a.live) d.def = withCurMem(d.def, kib);
  if (a.config) editConfig(d, (def) => withCurMem(def, kib));
}

export function setMaxMemory(d: Domain, kib: number, a: Affect): LvError | void {
  if (a.live) return lvErr("OPERATION_INVALID", "Requested operation is not valid: cannot resize the maximum memory on an active domain");
  if (a.config) editConfig(d, (def) => withMaxMem(def, kib));
}

export const liveVcpus = (d: Domain) => d.liveVcpus ?? curVcpus(d.def);

export function setVcpus(d: Domain, count: number, a: Affect & { maximum: boolean }): LvError | void {
  if (a.maximum) {
    if (a.live) return lvErr("INVALID_ARG", "invalid argument: cannot set maximum vcpus on a running domain");
    editConfig(d, (def) => withVcpus(def, count, Math.min(curVcpus(def), count)));
    return;
  }
  const maxLive = maxVcpus(d.def);
  const maxCfg = maxVcpus(persistentDef(d));
  if (a.live && count > maxLive) return lvErr("INVALID_ARG", `invalid argument: requested cpu amount exceeds maximum (${count} > ${maxLive})`);
  if (a.config && count > maxCfg) return lvErr("INVALID_ARG", `invalid argument: requested cpu amount exceeds maximum (${count} > ${maxCfg})`);
  if (a.live) {
    d.def = withVcpus(d.def, maxLive, count);
    d.liveVcpus = undefined;
  }
  if (a.config) editConfig(d, (def) => withVcpus(def, maxVcpus(def), count));
}

// ---------------------------------------------------------------- snapshots

export const findSnapshot = (d: Domain, name: string) => d.snapshots.find((s) => s.name === name);
export const childrenOf = (d: Domain, name: string | undefined) => d.snapshots.filter((s) => s.parent === name);
export function descendantsOf(d: Domain, name: string): Snapshot[] {
  const outp: Snapshot[] = [];
  const walk = (n: string) => {
    for (const c of childrenOf(d, n)) {
      outp.push(c);
      walk(c.name);
    }
  };
  walk(name);
  return outp;
}

export const noSnapshot = (name: string) => lvErr("NO_DOMAIN_SNAPSHOT", `Domain snapshot not found: no domain snapshot with matching name '${name}'`);

/** virDomainSnapshotState names: the domain state when the snapshot was taken. */
export function snapshotState(d: Domain): string {
  return d.state === "nostate" ? "nostate" : d.state;
}

export function createSnapshot(d: Domain, s: Omit<Snapshot, "parent" | "state" | "disks" | "domain"> & { disks?: Snapshot["disks"]; halt?: boolean }, conn: LibvirtConn): Snapshot | LvError {
  if (findSnapshot(d, s.name)) return lvErr("OPERATION_FAILED", `operation failed: domain moment ${s.name} already exists`);
  const disks = s.disks ?? disksOf(d.def).map((k) => ({ name: k.target, snapshot: k.device === "cdrom" || k.device === "floppy" || k.readonly ? "no" : "internal" }));
  const snap: Snapshot = {
    name: s.name,
    ...(s.description !== undefined ? { description: s.description } : {}),
    state: snapshotState(d),
    ...(d.currentSnapshot ? { parent: d.currentSnapshot } : {}),
    creationTime: s.creationTime,
    memory: isActive(d) ? "internal" : "no",
    disks,
    domain: copyForSnapshot(d.def),
  };
  d.snapshots.push(snap);
  d.currentSnapshot = snap.name;
  if (s.halt && isActive(d)) shutoffState(conn, d, "from snapshot");
  return snap;
}

/**
 * The definition a snapshot keeps (virDomainDefCopy): formatting and re-parsing drops the implicit PS/2
 * keyboard that x86 guests carry.
 */
export function copyForSnapshot(def: XmlEl): XmlEl {
  return {
    ...def,
    children: def.children.map((c) =>
      typeof c === "object" && c.name === "devices"
        ? { ...c, children: c.children.filter((k) => !(typeof k === "object" && k.name === "input" && k.attrs.type === "keyboard" && k.attrs.bus === "ps2")) }
        : c,
    ),
  };
}

/** Snapshot redefinition (VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE): metadata only, replacing one of that name. */
export function redefineSnapshot(d: Domain, snap: Snapshot, makeCurrent: boolean): Snapshot {
  const i = d.snapshots.findIndex((x) => x.name === snap.name);
  if (i >= 0) d.snapshots[i] = snap;
  else d.snapshots.push(snap);
  if (makeCurrent) d.currentSnapshot = snap.name;
  return snap;
}

export function deleteSnapshot(d: Domain, name: string, o: { children?: boolean; childrenOnly?: boolean }): LvError | void {
  const snap = findSnapshot(d, name);
  if (!snap) return noSnapshot(name);
  if (o.children || o.childrenOnly) {
    const gone = new Set(descendantsOf(d, name).map((s) => s.name));
    if (d.currentSnapshot && gone.has(d.currentSnapshot)) d.currentSnapshot = name;
    d.snapshots = d.snapshots.filter((s) => !gone.has(s.name));
  } else {
    for (const c of d.snapshots) if (c.parent === name) c.parent = snap.parent;
  }
  if (!o.childrenOnly) {
    if (d.currentSnapshot === name) d.currentSnapshot = snap.parent && findSnapshot(d, snap.parent) ? snap.parent : undefined;
    d.snapshots = d.snapshots.filter((s) => s.name !== name);
  }
}

export function revertSnapshot(conn: LibvirtConn, d: Domain, name: string, now: number, o: { running?: boolean; paused?: boolean }): LvError | void {
  const snap = findSnapshot(d, name);
  if (!snap) return noSnapshot(name);
  if (!d.persistent && snap.state !== "running" && snap.state !== "paused" && !o.running && !o.paused)
    return lvErr("OPERATION_INVALID", "Requested operation is not valid: transient domain needs to request run or pause to revert to inactive snapshot");
  if (!snap.domain) return lvErr("SNAPSHOT_REVERT_RISKY", `revert requires force: snapshot '${name}' lacks domain '${nameOf(d)}' rollback info`);
  d.currentSnapshot = undefined;
  if (snap.state === "running" || snap.state === "paused") {
    if (isActive(d)) {
      d.newDef = undefined;
      d.state = "shutoff";
      d.id = -1;
    }
    d.def = snap.domain;
    startState(conn, d, "from snapshot", now);
    if (!o.running && (snap.state === "paused" || o.paused)) setState(d, "paused", "from snapshot");
  } else {
    if (isActive(d)) {
      d.newDef = undefined;
      d.def = snap.domain;
      shutoffState(conn, d, "from snapshot");
    } else d.def = snap.domain;
    // the test driver only announces the start it was asked for: the domain stays shut off
    if ((o.running || o.paused) && conn.driver !== "test") {
      startState(conn, d, "from snapshot", now);
      if (o.paused) setState(d, "paused", "from snapshot");
    }
  }
  d.currentSnapshot = name;
}

export { curMemKiB, maxMemKiB, maxVcpus, curVcpus };
