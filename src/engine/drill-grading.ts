// Drill grading by effect: the learner's answer and the reference run on two copies of the same start state;
// the resulting hosts are compared with clocks, counters and generated ids normalised, and for query commands
// the outputs with volatile fields masked. What differs is worded as a plain diff.
import type { Fs, FsNode } from "../sim/model/fs";
import { libvirtOf } from "../sim/model/libvirt/connect";
import { curMemKiB, curVcpus, disksOf, ifacesOf, maxMemKiB, maxVcpus } from "../sim/model/libvirt/domain-xml";
import { STATE_NAMES, nameOf, persistentDef } from "../sim/model/libvirt/domains";
import { netForwardMode, netName, poolName } from "../sim/model/libvirt/net-xml";
import type { World } from "../sim/model/world";
import { child, kids, type XmlEl } from "../sim/model/libvirt/xml";
import { xenOf } from "../sim/model/xen/state";

export interface RunEntry {
  cmd: string;
  stdout: string;
  stderr: string;
  exit: number;
}

/** Runs script text (lines as typed) in a fresh shell on `world`, starting on `host`; supplied by the app layer. */
export type Runner = (world: World, script: string, host?: string) => { world: World; entries: RunEntry[] };

export interface GradeSpec {
  answer: string;
  grade: "auto" | "state" | "output" | "both";
  mask: string[];
  ignorePaths: string[];
  host?: string;
}

export interface DrillGrade {
  correct: boolean;
  /** One sentence: why. */
  reason: string;
  /** What was compared. */
  compared: "state" | "output" | "both";
  /** Lines of a plain diff (expected vs yours), empty when correct. */
  diff: string[];
  /** What the learner's answer printed (all commands), and its last exit status. */
  yours: { stdout: string; stderr: string; exit: number };
  expected: { stdout: string; stderr: string; exit: number };
}

// ------------------------------------------------------------------------------------------- normalising

/** Keys holding times or counters that two equivalent runs may legitimately disagree on. */
const VOLATILE_KEYS = new Set([
  "clock", "seq", "mtime", "atime", "ctime", "startedAt", "startTime", "runAt", "runSec", "creationTime", "dateSec", "dateNsec",
  "vmClockNs", "vmClockNsec", "expiry", "bootTime", "nextDomId", "nextDomid", "nextPty", "snapshotSeq", "consoleSeen", "bootCost",
  // a QEMU process's command line as typed and its process ids: equivalent spellings must not count
  "argv", "pid", "threadIds", "history", "runningSince", "vmClockMs",
]);

const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const MAC_RE = /(?<![0-9a-f:])[0-9a-f]{2}(?::[0-9a-f]{2}){5}(?![0-9a-f:])/gi;

function isIgnored(path: string, prefixes: string[]): boolean {
  return prefixes.some((p) => path === p || path.startsWith(p.endsWith("/") ? p : p + "/"));
}

/** JSON with sorted keys and volatile keys dropped. */
function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return "[" + v.map((x) => canonicalJson(x === undefined ? null : x)).join(",") + "]";
  const o = v as Record<string, unknown>;
  // a next-start definition equal to the running one means the same as none (libvirt objects)
  const sameNext = o.newDef !== undefined && o.def !== undefined && canonicalJson(o.newDef) === canonicalJson(o.def);
  const keys = Object.keys(o).filter((k) => o[k] !== undefined && !VOLATILE_KEYS.has(k) && !(sameNext && k === "newDef")).sort();
  return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonicalJson(o[k])).join(",") + "}";
}

function filteredFs(fs: Fs, ignore: string[]): Fs {
  if (!ignore.length) return fs;
  const out: Fs = {};
  for (const [p, n] of Object.entries(fs)) if (!isIgnored(p, ignore)) out[p] = n;
  return out;
}

/** The hosts of a world as canonical text, scratch paths left out. */
export function canonicalHosts(world: World, ignore: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, h] of Object.entries(world.hosts)) {
    out[name] = canonicalJson({ ...h, fs: filteredFs(h.fs, ignore) });
  }
  return out;
}

/** Replace ids that the start state did not have with placeholders numbered by first appearance. */
function renameNewIds(text: string, known: Set<string>): string {
  const map = new Map<string, string>();
  const sub = (kind: string) => (m: string) => {
    const k = m.toLowerCase();
    if (known.has(k)) return m;
    let r = map.get(k);
    if (!r) {
      r = `<new-${kind}-${map.size + 1}>`;
      map.set(k, r);
    }
    return r;
  };
  return text.replace(UUID_RE, sub("uuid")).replace(MAC_RE, sub("mac"));
}

/** Ids that are not generated: those of the start state and those typed in a command (--mac, <uuid>). */
function knownIds(world: World, typed: string[]): Set<string> {
  const s = new Set<string>();
  for (const text of [JSON.stringify(world.hosts), ...typed]) {
    for (const m of text.matchAll(UUID_RE)) s.add(m[0].toLowerCase());
    for (const m of text.matchAll(MAC_RE)) s.add(m[0].toLowerCase());
  }
  return s;
}

/** Paths whose nodes differ between two filesystems. */
function changedPaths(a: Fs, b: Fs): string[] {
  const out: string[] = [];
  for (const p of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[p];
    const y = b[p];
    if (x === y) continue;
    if (!x || !y || canonicalJson(x) !== canonicalJson(y)) out.push(p);
  }
  return out;
}

/** Scratch places an answer may leave files in without it counting, unless the reference writes there too. */
const SCRATCH = ["/tmp", "/root", "/home"];

// ------------------------------------------------------------------------------------------- facts (for the diff)

function fileFact(n: FsNode | undefined): string {
  if (!n) return "(absent)";
  if (n.kind === "dir") return "directory";
  if (n.kind === "symlink") return `symlink → ${n.target}`;
  if (n.image) {
    const i = n.image;
    return `${i.format} image, ${i.virtualSize} bytes${i.backingFile ? `, backing file ${i.backingFile}${i.backingFormat ? ` (${i.backingFormat})` : ""}` : ""}${i.snapshots?.length ? `, snapshots ${i.snapshots.map((s) => s.name).join(",")}` : ""}`;
  }
  const lines = n.content.split("\n").length - (n.content.endsWith("\n") ? 1 : 0);
  return `file, ${lines} line${lines === 1 ? "" : "s"}, mode ${n.mode.toString(8)}`;
}

/** A flat map of what a learner would call the state of the hosts: name → value. */
export function facts(world: World, ignore: string[] = []): Map<string, string> {
  const m = new Map<string, string>();
  const multi = Object.keys(world.hosts).length > 1;
  for (const [hn, h] of Object.entries(world.hosts)) {
    const at = multi ? `${hn}: ` : "";
    const lv = libvirtOf(h);
    for (const [uri, conn] of Object.entries(lv?.conns ?? {})) {
      const via = Object.keys(lv!.conns).length > 1 ? ` (${uri})` : "";
      for (const d of conn.domains) {
        const n = `${at}domain ${nameOf(d)}${via}`;
        const def = persistentDef(d);
        m.set(`${n}\u0001state`, STATE_NAMES[d.state]);
        m.set(`${n}\u0001autostart`, d.autostart ? "yes" : "no");
        m.set(`${n}\u0001persistent`, d.persistent ? "yes" : "no");
        m.set(`${n}\u0001vCPUs`, `${curVcpus(def)} (max ${maxVcpus(def)})${d.state !== "shutoff" ? `, running with ${d.liveVcpus ?? curVcpus(d.def)}` : ""}`);
        m.set(`${n}\u0001memory`, `${curMemKiB(def)} KiB (max ${maxMemKiB(def)} KiB)${d.state !== "shutoff" ? `, running with ${curMemKiB(d.def)} KiB` : ""}`);
        m.set(`${n}\u0001disks`, disksOf(def).map((k) => `${k.target}=${k.source ?? "-"}${k.format ? `(${k.format})` : ""}`).join(" ") || "(none)");
        m.set(`${n}\u0001interfaces`, ifacesOf(def).map((i) => `${i.type}:${i.source}${i.model ? `/${i.model}` : ""} ${i.mac}`).join(" ") || "(none)");
        m.set(`${n}\u0001snapshots`, d.snapshots.map((s) => s.name + (s.name === d.currentSnapshot ? "*" : "")).join(" ") || "(none)");
        m.set(`${n}\u0001managed save`, d.managedSave ? "yes" : "no");
      }
      for (const p of conn.pools) {
        const n = `${at}pool ${poolName(p.def)}${via}`;
        m.set(`${n}`, `${p.active ? "active" : "inactive"}, autostart ${p.autostart ? "yes" : "no"}, ${p.persistent ? "persistent" : "transient"}`);
        for (const v of p.volumes) m.set(`${at}volume ${poolName(p.def)}/${v.name}`, `${v.format ?? "raw"}, capacity ${v.capacity} bytes${v.backing ? `, backing ${v.backing.path}` : ""}`);
      }
      for (const nw of conn.networks) {
        const nn = `${at}network ${netName(nw.def)}${via}`;
        m.set(`${nn}\u0001state`, `${nw.active ? "active" : "inactive"}, autostart ${nw.autostart ? "yes" : "no"}, ${nw.persistent ? "persistent" : "transient"}, forward ${netForwardMode(nw.newDef ?? nw.def) ?? "none"}`);
        const hosts = (def: XmlEl) => kids(child(kids(def, "ip")[0], "dhcp"), "host").map((h) => `${h.attrs.mac ?? h.attrs.name ?? "?"}=${h.attrs.ip}`).join(" ") || "(none)";
        m.set(`${nn}\u0001DHCP reservations`, hosts(nw.def));
        if (nw.newDef) m.set(`${nn}\u0001DHCP reservations at next start`, hosts(nw.newDef));
      }
    }
    const x = xenOf(h);
    for (const d of x?.domains ?? []) {
      if (d.dying) continue;
      const n = `${at}Xen guest ${d.name}`;
      m.set(`${n}\u0001state`, d.shutdown !== undefined ? "shutdown" : d.paused ? "paused" : "running");
      m.set(`${n}\u0001memory`, `${Math.round((d.targetKiB ?? d.memKiB) / 1024)} MiB (max ${Math.round(d.staticMaxKiB / 1024)} MiB)`);
      m.set(`${n}\u0001vCPUs`, `${d.onlineVcpus} online (max ${d.maxVcpus})`);
      m.set(`${n}\u0001disks`, d.disks.map((k) => `${k.vdev}=${k.target || "(empty)"}`).join(" ") || "(none)");
      m.set(`${n}\u0001interfaces`, d.nics.map((v) => `${v.mac}@${v.bridge}`).join(" ") || "(none)");
      m.set(`${n}\u0001CPU pool`, d.pool);
    }
    for (const [p, node] of Object.entries(h.fs)) {
      if (isIgnored(p, ignore) || p.startsWith("/proc/") || p.startsWith("/run/") || p.startsWith("/var/log/")) continue;
      m.set(`${at}${p}`, fileFact(node));
    }
  }
  return m;
}

/** Facts whose key is OBJECT\u0001ATTRIBUTE belong to one object (a domain, a Xen guest). */
const SEP = "\u0001";
const objectOf = (k: string) => (k.includes(SEP) ? k.slice(0, k.indexOf(SEP)) : k);
const shown = (k: string) => k.replace(SEP, " ");

function factDiff(expected: Map<string, string>, yours: Map<string, string>, limit = 12): string[] {
  const out: string[] = [];
  const objects = (m: Map<string, string>) => new Set([...m.keys()].map(objectOf));
  const eo = objects(expected);
  const yo = objects(yours);
  const first = (m: Map<string, string>, o: string) => [...m].find(([k]) => objectOf(k) === o && k.includes(SEP));
  const done = new Set<string>();
  for (const k of new Set([...expected.keys(), ...yours.keys()])) {
    const o = objectOf(k);
    if (k.includes(SEP) && !(eo.has(o) && yo.has(o))) {
      // an object only one side has: one line for it, not one per attribute
      if (done.has(o)) continue;
      done.add(o);
      const f = first(eo.has(o) ? expected : yours, o);
      const what = f ? `${f[0].slice(o.length + 1)} ${f[1]}` : "";
      out.push(eo.has(o) ? `${o}: expected it to exist${what ? ` (${what})` : ""}, but yours has none` : `${o}: yours has it${what ? ` (${what})` : ""}, the reference does not`);
    } else {
      const e = expected.get(k);
      const y = yours.get(k);
      if (e === y) continue;
      if (y === undefined) out.push(`${shown(k)}: expected ${e}, but yours has none`);
      else if (e === undefined) out.push(`${shown(k)}: yours has ${y}, which the reference does not`);
      else out.push(`${shown(k)}: expected ${e}, yours ${y}`);
    }
    if (out.length >= limit) {
      out.push("…");
      break;
    }
  }
  return out;
}

/** Line diffs of text files (configuration files, XML) that both runs have but with different content. */
function textFileDiffs(expected: World, yours: World, ignore: string[], limit = 3): string[] {
  const out: string[] = [];
  for (const [hn, h] of Object.entries(expected.hosts)) {
    const other = yours.hosts[hn];
    if (!other) continue;
    for (const [p, a] of Object.entries(h.fs)) {
      const b = other.fs[p];
      if (a === b || !b || a.kind !== "file" || b.kind !== "file" || a.image || b.image || a.content === b.content) continue;
      if (isIgnored(p, ignore) || p.startsWith("/proc/") || p.startsWith("/var/log/")) continue;
      out.push(`${p} (- expected, + yours):`, ...lineDiff(a.content, b.content, 8).map((l) => "    " + l));
      if (out.length > limit * 10) return out;
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------- output

const DEFAULT_MASKS = [
  /\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?( ?[+-]\d{2}:?\d{2}|Z)?/g,
  /\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d+ \d\d:\d\d:\d\d( [A-Z]{3,4})? \d{4}\b/g,
  /(CPU time:\s+)[\d.]+s/g,
];

export function maskOutput(text: string, extra: string[] = []): string {
  let t = text.replace(/[ \t]+$/gm, "");
  for (const re of DEFAULT_MASKS) t = t.replace(re, (m, p1: unknown) => (typeof p1 === "string" && /CPU time/.test(p1) ? `${p1}<time>` : "<time>"));
  for (const src of extra) t = t.replace(new RegExp(src, "gm"), "<masked>");
  return t;
}

/** A small line diff (longest common subsequence): "- expected" and "+ yours" lines around what differs. */
export function lineDiff(expected: string, yours: string, limit = 16): string[] {
  const a = expected.replace(/\n$/, "").split("\n");
  const b = yours.replace(/\n$/, "").split("\n");
  if (a.length * b.length > 250_000) return [`- (${a.length} lines expected)`, `+ (${b.length} lines in yours)`];
  const n = a.length;
  const mm = b.length;
  const L: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(mm + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = mm - 1; j >= 0; j--) L[i]![j] = a[i] === b[j] ? L[i + 1]![j + 1]! + 1 : Math.max(L[i + 1]![j]!, L[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < mm) {
    if (i < n && j < mm && a[i] === b[j]) {
      i++;
      j++;
    } else if (i < n && (j >= mm || L[i + 1]![j]! >= L[i]![j + 1]!)) out.push(`- ${a[i++]}`);
    else out.push(`+ ${b[j++]}`);
    if (out.length >= limit) {
      out.push("…");
      break;
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------- grading

const joined = (entries: RunEntry[]) => ({
  stdout: entries.map((e) => e.stdout).join(""),
  stderr: entries.map((e) => e.stderr).join(""),
  exit: entries.length ? entries[entries.length - 1]!.exit : 0,
});

/** Strip a pasted prompt ("$ ", "# " followed by a command name) and surrounding blank lines. */
export function cleanAnswer(text: string): string {
  return text
    .replace(/\r\n/g, "\n")
    .split("\n")
    .map((l) => l.replace(/^\s*(?:[\w.-]+@[\w.-]+:[^\s]*)?[$#]\s+(?=[A-Za-z./])/, ""))
    .join("\n")
    .trim();
}

export function gradeDrill(start: World, spec: GradeSpec, answerText: string, run: Runner): DrillGrade {
  const ref = run(start, spec.answer, spec.host);
  const expected = joined(ref.entries);
  const answer = cleanAnswer(answerText);
  if (!answer) {
    return { correct: false, reason: "no command was given", compared: "state", diff: [], yours: { stdout: "", stderr: "", exit: 0 }, expected };
  }
  const mine = run(start, answer, spec.host);
  const yours = joined(mine.entries);

  // what the reference changed decides what counts: compared with an empty answer's run, which is the start
  // state itself, or the state after an interactive program the answer is typed into ran with no input
  const base = run(start, "", spec.host).world;
  const startFs = Object.fromEntries(Object.entries(base.hosts).map(([h, x]) => [h, x.fs]));
  const refChanged = Object.entries(ref.world.hosts).flatMap(([h, x]) => changedPaths(startFs[h] ?? {}, x.fs));
  const ignore = [...spec.ignorePaths, ...SCRATCH.filter((s) => !refChanged.some((p) => isIgnored(p, [s])))];
  const known = knownIds(base, [spec.answer, answer]);
  const startCanon = canonicalHosts(base, ignore);
  const refCanon = canonicalHosts(ref.world, ignore);
  const refChangedState = Object.keys(refCanon).some((h) => refCanon[h] !== startCanon[h]);
  const compared: DrillGrade["compared"] = spec.grade === "auto" ? (refChangedState ? "state" : "output") : spec.grade;

  const diff: string[] = [];
  let stateOk = true;
  if (compared === "state" || compared === "both") {
    const mineCanon = canonicalHosts(mine.world, ignore);
    const hosts = new Set([...Object.keys(refCanon), ...Object.keys(mineCanon)]);
    stateOk = [...hosts].every((h) => renameNewIds(refCanon[h] ?? "", known) === renameNewIds(mineCanon[h] ?? "", known));
    if (!stateOk) {
      const fd = factDiff(facts(ref.world, ignore), facts(mine.world, ignore));
      diff.push(...(fd.length ? fd : ["the hosts differ in details the summary does not show (compare your command with the reference)"]));
      diff.push(...textFileDiffs(ref.world, mine.world, ignore));
    }
  }
  let outputOk = true;
  if (compared === "output" || compared === "both") {
    const e = maskOutput(expected.stdout, spec.mask);
    const y = maskOutput(yours.stdout, spec.mask);
    const es = maskOutput(expected.stderr, spec.mask);
    const ys = maskOutput(yours.stderr, spec.mask);
    outputOk = e === y && yours.exit === expected.exit && (expected.stdout !== "" || es === ys);
    if (!outputOk) {
      if (e !== y) diff.push(...lineDiff(e, y));
      else if (es !== ys) diff.push(...lineDiff(es, ys).map((l) => l.replace(/^([-+]) /, "$1 (stderr) ")));
      if (yours.exit !== expected.exit) diff.push(`exit status: expected ${expected.exit}, yours ${yours.exit}`);
    }
  }
  const correct = stateOk && outputOk;
  let reason: string;
  if (correct) reason = compared === "output" ? "your command printed what the reference prints" : "your command had the same effect as the reference";
  else if (yours.exit !== 0 && yours.stderr.trim()) reason = `your command failed: ${yours.stderr.trim().split("\n")[0]!.replace(/[.\s]+$/, "")}`;
  else if (!stateOk) {
    const mineCanon = canonicalHosts(mine.world, ignore);
    const untouched = refChangedState && !Object.keys(refCanon).some((h) => mineCanon[h] !== startCanon[h]);
    if (!untouched) reason = "the result differs from what the reference does";
    else {
      // scratch places (/tmp, /root, /home) are left out of the comparison: say so when that is all it changed
      const all = canonicalHosts(mine.world);
      const baseAll = canonicalHosts(base);
      reason = Object.keys(all).some((h) => all[h] !== baseAll[h]) ? `your command changed nothing the task is about (files in ${SCRATCH.join(", ")} do not count)` : "your command changed nothing";
    }
  }
  else reason = "the output differs from what the reference prints";
  return { correct, reason, compared, diff: correct ? [] : diff, yours, expected };
}

