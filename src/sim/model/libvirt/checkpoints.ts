// Domain checkpoints (libvirt's virDomainCheckpoint*, as the test driver keeps them): a tree of named points
// from which disk changes are tracked by bitmaps, for incremental backups. Pure transitions on a Domain;
// errors are LvError values worded as libvirt words them.
import { copyForSnapshot, isActive } from "./domains";
import { disksOf } from "./domain-xml";
import { lvErr, type Checkpoint, type Domain, type LvError } from "./types";
import type { XmlEl } from "./xml";

export const noCheckpoint = (name: string): LvError => lvErr("NO_DOMAIN_CHECKPOINT", `Domain checkpoint not found: no domain checkpoint with matching name '${name}'`);

export const checkpointsOf = (d: Domain): Checkpoint[] => d.checkpoints ?? [];
export const findCheckpoint = (d: Domain, name: string): Checkpoint | undefined => checkpointsOf(d).find((c) => c.name === name);
export const checkpointChildren = (d: Domain, name: string): Checkpoint[] => checkpointsOf(d).filter((c) => c.parent === name);

export function checkpointDescendants(d: Domain, name: string): Checkpoint[] {
  const out: Checkpoint[] = [];
  const walk = (n: string) => {
    for (const c of checkpointChildren(d, n)) {
      out.push(c);
      walk(c.name);
    }
  };
  walk(name);
  return out;
}

export interface CheckpointSpec {
  name?: string;
  description?: string;
  /** The <disks> the request lists (undefined when it has none). */
  disks?: { name: string; checkpoint?: string; bitmap?: string }[];
}

/**
 * virDomainCheckpointAlignDisks: one entry per domain disk, in the domain's order. Without a <disks> list
 * every writable disk with a source gets a bitmap; with one, unlisted disks get none.
 */
function alignDisks(def: XmlEl, spec: CheckpointSpec, name: string): Checkpoint["disks"] | LvError {
  const disks = disksOf(def);
  const asked = spec.disks ?? [];
  if (asked.length > disks.length) return lvErr("CONFIG_UNSUPPORTED", "unsupported configuration: too many disk checkpoint requests for domain");
  if (!disks.length) return lvErr("CONFIG_UNSUPPORTED", "unsupported configuration: domain must have at least one disk to perform checkpoints");
  const byTarget = new Map<string, { name: string; checkpoint?: string; bitmap?: string }>();
  for (const a of asked) {
    const dd = disks.find((k) => k.target === a.name) ?? disks.find((k) => k.source !== undefined && k.source === a.name);
    if (!dd) return lvErr("CONFIG_UNSUPPORTED", `unsupported configuration: no disk named '${a.name}'`);
    if (byTarget.has(dd.target)) return lvErr("CONFIG_UNSUPPORTED", `unsupported configuration: disk '${a.name}' specified twice`);
    if ((dd.source === undefined || dd.readonly) && (a.checkpoint ?? "bitmap") !== "no") return lvErr("CONFIG_UNSUPPORTED", `unsupported configuration: disk '${a.name}' is empty or readonly`);
    byTarget.set(dd.target, a);
  }
  return disks.map((k) => {
    const a = byTarget.get(k.target);
    const type = a ? (a.checkpoint ?? "bitmap") : k.source === undefined || k.readonly || spec.disks ? "no" : "bitmap";
    const bitmap = a?.bitmap ?? (type === "bitmap" ? name : undefined);
    return { name: k.target, checkpoint: type, ...(bitmap !== undefined ? { bitmap } : {}) };
  });
}

/** testDomainCheckpointCreateXML without REDEFINE: a new checkpoint, child of the current one, made current. */
export function createCheckpoint(d: Domain, spec: CheckpointSpec, now: number): Checkpoint | LvError {
  if (d.snapshots.length) return lvErr("OPERATION_UNSUPPORTED", "Operation not supported: cannot create checkpoint while snapshot exists");
  if (!isActive(d)) return lvErr("OPERATION_UNSUPPORTED", "Operation not supported: cannot create checkpoint for inactive domain");
  const name = spec.name ?? String(now);
  const disks = alignDisks(d.def, spec, name);
  if ("code" in disks) return disks;
  if (findCheckpoint(d, name)) return lvErr("OPERATION_FAILED", `operation failed: domain moment ${name} already exists`);
  const chk: Checkpoint = {
    name,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    ...(d.currentCheckpoint && findCheckpoint(d, d.currentCheckpoint) ? { parent: d.currentCheckpoint } : {}),
    creationTime: now,
    disks,
    domain: copyForSnapshot(d.def),
  };
  d.checkpoints = [...checkpointsOf(d), chk];
  d.currentCheckpoint = name;
  return chk;
}

/**
 * REDEFINE: metadata as given (virDomainCheckpointRedefinePrep/Commit). An existing checkpoint of that name is
 * replaced in place; the new one becomes current when its parent is current or there is no current one.
 */
export function redefineCheckpoint(d: Domain, chk: Checkpoint): Checkpoint | LvError {
  if (d.snapshots.length) return lvErr("OPERATION_UNSUPPORTED", "Operation not supported: cannot create checkpoint while snapshot exists");
  if (!isActive(d)) return lvErr("OPERATION_UNSUPPORTED", "Operation not supported: cannot create checkpoint for inactive domain");
  // virDomainCheckpointCheckCycles
  if (chk.parent === chk.name) return lvErr("INVALID_ARG", `invalid argument: cannot set checkpoint ${chk.name} as its own parent`);
  let disks = chk.disks;
  if (chk.domain) {
    const a = alignDisks(chk.domain, { disks: chk.disks.length ? chk.disks : undefined }, chk.name);
    if ("code" in a) return a;
    disks = a;
  } else disks = disks.map((k) => (k.checkpoint === "bitmap" && k.bitmap === undefined ? { ...k, bitmap: chk.name } : k));
  const makeCurrent = (chk.parent !== undefined && chk.parent === d.currentCheckpoint && !!findCheckpoint(d, chk.parent)) || !d.currentCheckpoint || !findCheckpoint(d, d.currentCheckpoint);
  const next = { ...chk, disks };
  const list = checkpointsOf(d);
  const i = list.findIndex((c) => c.name === chk.name);
  d.checkpoints = i >= 0 ? list.map((c, j) => (j === i ? next : c)) : [...list, next];
  if (makeCurrent) d.currentCheckpoint = chk.name;
  return next;
}

/** testDomainCheckpointDelete: with its children, only its children, or alone (children move to its parent). */
export function deleteCheckpoint(d: Domain, name: string, o: { children?: boolean; childrenOnly?: boolean }): LvError | void {
  const chk = findCheckpoint(d, name);
  if (!chk) return noCheckpoint(name);
  let list = checkpointsOf(d);
  if (o.children || o.childrenOnly) {
    const gone = new Set(checkpointDescendants(d, name).map((c) => c.name));
    if (d.currentCheckpoint && gone.has(d.currentCheckpoint)) d.currentCheckpoint = name;
    list = list.filter((c) => !gone.has(c.name));
  } else list = list.map((c) => (c.parent === name ? { ...c, ...(chk.parent ? { parent: chk.parent } : { parent: undefined }) } : c));
  if (!o.childrenOnly) {
    if (d.currentCheckpoint === name) d.currentCheckpoint = chk.parent && list.some((c) => c.name === chk.parent) ? chk.parent : undefined;
    list = list.filter((c) => c.name !== name);
  }
  d.checkpoints = list.map((c) => (c.parent === undefined && "parent" in c ? (({ parent: _p, ...rest }) => rest)(c) : c));
}
