// Labs: list, start or resume (state saved between invocations), live checks after each command, hints,
// the reference solution (which marks the lab assisted), reset, and verification of every lab.
import type { ContentChecker } from "../content/check";
import { ContentInvalid, type ContentIssue } from "../content/issues";
import { loadLabs, type LoadedLab } from "../content/labs";
import type { Lab } from "../content/lab-schema";
import { evaluateTask, type CheckContext, type Probe, type TaskResult } from "../engine/lab-checks";
import { readLabState, removeLabState, writeLabState } from "../platform/lab-state";
import type { World } from "../sim/model/world";
import { Session, type SessionOptions, type ShellState } from "../sim/shell/session";
import { notFound } from "./errors";
import { record } from "./progress";
import { fixtureNames, newSession, openWorld, runScript, type ScriptEntry } from "./shell";

export const LAB_STATE_VERSION = 1;

let cache: LoadedLab[] | undefined;

/** Every lab, in file order; throws ContentInvalid when a lab file is broken. */
export function labList(): LoadedLab[] {
  if (cache) return cache;
  const r = loadLabs();
  if (r.issues.length) throw new ContentInvalid(r.issues);
  return (cache = r.labs);
}

export function getLab(id: string): Lab {
  const l = labList().find((x) => x.lab.id === id);
  if (!l) throw notFound(`no lab '${id}': 'lpic3 lab list' shows them all`);
  return l.lab;
}

/** The world a lab starts in and the host the learner is on. */
export function labStart(lab: Lab): { world: World; host: string } {
  const { world } = openWorld(lab.fixture);
  const host = lab.host ?? Object.keys(world.hosts)[0]!;
  if (!lab.setup) return { world, host };
  const s = newSession(world, { tty: false });
  s.state.host = host;
  const failed = runScript(s, lab.setup).find((e) => e.exit !== 0);
  if (failed) throw new Error(`setup command \`${failed.cmd.split("\n")[0]}\` exited with ${failed.exit}: ${failed.stderr.trim().split("\n")[0]}`);
  return { world: s.world, host };
}

/** Run one command on a throwaway copy of the world (worlds are immutable: the original never changes). */
export const probe: Probe = (world, host, command) => {
  const s = newSession(world, { tty: false });
  if (world.hosts[host]) s.state.host = host;
  const entries = runScript(s, command);
  return { stdout: entries.map((e) => e.stdout).join(""), stderr: entries.map((e) => e.stderr).join(""), exit: entries.length ? entries[entries.length - 1]!.exit : 0 };
};

export function evaluateLab(lab: Lab, world: World, host: string): TaskResult[] {
  const ctx: CheckContext = { host, probe };
  return lab.tasks.map((t) => evaluateTask(world, t.checks, ctx));
}

// ------------------------------------------------------------------------------------------- saved state

export interface LabSave {
  v: typeof LAB_STATE_VERSION;
  lab: string;
  fixture: string;
  /** The lab's home host (checks look here unless they name another). */
  home: string;
  world: World;
  shell: ShellState;
  /** Shells left by ssh, outermost first. */
  stack: ShellState[];
  history: string[];
  /** The solution was shown. */
  assisted: boolean;
  /** Authored hints shown so far, per task. */
  hints: number[];
  /** Every task has passed at once (recorded in the progress log). */
  completed: boolean;
  startedAt: string;
}

function isSave(x: unknown, lab: Lab): x is LabSave {
  const s = x as Partial<LabSave> | null;
  return !!s && s.v === LAB_STATE_VERSION && s.lab === lab.id && typeof s.world === "object" && typeof s.shell === "object" && Array.isArray(s.hints);
}

/** The saved session of a lab, or null (an unreadable one is set aside and `warn` says so). */
export function loadSave(lab: Lab, warn: (m: string) => void = () => {}): LabSave | null {
  const r = readLabState(lab.id);
  if (!r) return null;
  if ("error" in r) {
    warn(r.error);
    return null;
  }
  if (!isSave(r.value, lab)) {
    warn(`the saved state of lab '${lab.id}' is from another version; starting afresh`);
    return null;
  }
  return r.value;
}

export function freshSave(lab: Lab): LabSave {
  const { world, host } = labStart(lab);
  const s = newSession(world, { tty: false });
  s.state.host = host;
  s.state.vars.HOSTNAME = world.hosts[host]!.hostname.split(".")[0]!;
  return { v: LAB_STATE_VERSION, lab: lab.id, fixture: lab.fixture, home: host, world, shell: structuredClone(s.state), stack: [], history: [], assisted: false, hints: lab.tasks.map(() => 0), completed: false, startedAt: new Date().toISOString() };
}

export function saveLab(save: LabSave): void {
  writeLabState(save.lab, save);
}

/** Open a lab: resume its saved session, or start afresh (recording that it started). */
export function openLab(id: string, warn?: (m: string) => void): { lab: Lab; save: LabSave; resumed: boolean } {
  const lab = getLab(id);
  const old = loadSave(lab, warn);
  if (old) return { lab, save: old, resumed: true };
  const save = freshSave(lab);
  saveLab(save);
  record({ t: "lab", lab: lab.id, objective: lab.objective, status: "started", tasksDone: 0, tasks: lab.tasks.length });
  return { lab, save, resumed: false };
}

/** A shell session on the saved state. */
export function sessionFor(save: LabSave, options: SessionOptions): Session {
  const s = newSession(save.world, options);
  s.state = structuredClone(save.shell);
  s.stack.push(...structuredClone(save.stack));
  s.history = [...save.history];
  return s;
}

export interface Progress {
  results: TaskResult[];
  /** Tasks that passed now but not before this step. */
  newlyDone: number[];
  /** All tasks pass for the first time (recorded as completed or assisted). */
  completedNow: boolean;
}

/** Take the session's state into the save, check the tasks and record a first completion. */
export function step(lab: Lab, save: LabSave, session: Session, before?: TaskResult[]): Progress {
  const prev = before ?? evaluateLab(lab, save.world, save.home);
  save.world = session.world;
  save.shell = structuredClone(session.state);
  save.stack = structuredClone(session.stack);
  save.history = session.history.slice(-500);
  const results = evaluateLab(lab, save.world, save.home);
  const newlyDone = results.map((r, i) => (r.done && !prev[i]!.done ? i : -1)).filter((i) => i >= 0);
  let completedNow = false;
  if (!save.completed && results.every((r) => r.done)) {
    save.completed = true;
    completedNow = true;
    record({ t: "lab", lab: lab.id, objective: lab.objective, status: save.assisted ? "assisted" : "completed", tasksDone: results.length, tasks: results.length });
  }
  saveLab(save);
  return { results, newlyDone, completedNow };
}

/** The state of a lab now: its saved session, or the start state when it has not been started. */
export function labStatus(id: string, warn?: (m: string) => void): { lab: Lab; save: LabSave | null; results: TaskResult[] } {
  const lab = getLab(id);
  const save = loadSave(lab, warn);
  const { world, host } = save ? { world: save.world, host: save.home } : labStart(lab);
  return { lab, save, results: evaluateLab(lab, world, host) };
}

export interface Hint {
  task: number;
  /** Authored hint texts shown so far for that task, the newest last. */
  hints: string[];
  /** What still differs from the goal, computed from the checks. */
  differs: string[];
  more: boolean;
}

/** The next authored hint of the first unfinished task, with what still differs. */
export function nextHint(id: string, warn?: (m: string) => void): Hint | null {
  const { lab } = labStatus(id, warn);
  const save = loadSave(lab, warn) ?? openLab(id, warn).save;
  const results = evaluateLab(lab, save.world, save.home);
  const task = results.findIndex((r) => !r.done);
  if (task < 0) return null;
  const t = lab.tasks[task]!;
  const shown = Math.min((save.hints[task] ?? 0) + 1, t.hints.length);
  save.hints[task] = shown;
  saveLab(save);
  return { task, hints: t.hints.slice(0, shown), differs: results[task]!.checks.flatMap((c) => c.problems), more: shown < t.hints.length };
}

/** The reference solution; the lab counts as assisted from now on. */
export function showSolution(id: string, warn?: (m: string) => void): { lab: Lab; solution: string } {
  const lab = getLab(id);
  const save = loadSave(lab, warn) ?? openLab(id, warn).save;
  if (!save.assisted) {
    save.assisted = true;
    saveLab(save);
  }
  return { lab, solution: lab.solution };
}

export function resetLab(id: string): { lab: Lab; existed: boolean } {
  const lab = getLab(id);
  const existed = removeLabState(lab.id);
  if (existed) record({ t: "lab", lab: lab.id, objective: lab.objective, status: "reset" });
  return { lab, existed };
}

// ------------------------------------------------------------------------------------------- verification

export interface LabVerification {
  id: string;
  ok: boolean;
  problems: string[];
  /** The solution's commands as run, with their output. */
  entries: ScriptEntry[];
}

/**
 * Replay a lab's reference solution on its start state: every task must be unfinished at the start, every
 * solution command must succeed, and every task must pass at the end.
 */
export function verifyLab(lab: Lab): LabVerification {
  const problems: string[] = [];
  let start: { world: World; host: string };
  try {
    start = labStart(lab);
  } catch (e) {
    return { id: lab.id, ok: false, problems: [`the start state does not load (fixture '${lab.fixture}'): ${e instanceof Error ? e.message : String(e)}`], entries: [] };
  }
  const before = evaluateLab(lab, start.world, start.host);
  before.forEach((r, i) => {
    if (r.done) problems.push(`task ${i + 1} ("${lab.tasks[i]!.title}") already passes on the start state`);
  });
  const s = newSession(start.world, { tty: false });
  s.state.host = start.host;
  s.state.vars.HOSTNAME = start.world.hosts[start.host]!.hostname.split(".")[0]!;
  let entries: ScriptEntry[] = [];
  try {
    entries = runScript(s, lab.solution);
  } catch (e) {
    problems.push(`the simulator failed while replaying the solution: ${e instanceof Error ? e.message : String(e)}`);
  }
  for (const e of entries) if (e.exit !== 0) problems.push(`solution command \`${e.cmd.split("\n")[0]}\` exited with ${e.exit}${e.stderr ? `: ${e.stderr.trim().split("\n")[0]}` : ""}`);
  const after = evaluateLab(lab, s.world, start.host);
  after.forEach((r, i) => {
    if (!r.done) problems.push(`task ${i + 1} ("${lab.tasks[i]!.title}") fails after the solution: ${r.checks.flatMap((c) => c.problems).join("; ")}`);
  });
  return { id: lab.id, ok: problems.length === 0, problems, entries };
}


// ------------------------------------------------------------------------------------------- content check

/** `content check` entries for labs (schema, references, verification) and host fixtures. */
export const labChecker: ContentChecker = {
  name: "labs",
  run(ctx) {
    const r = loadLabs();
    const issues: ContentIssue[] = [...r.issues];
    const fixtures = new Set(fixtureNames());
    for (const { lab, file, lineOf } of r.labs) {
      if (!ctx.objectives.some((o) => o.id === lab.objective)) issues.push({ file, line: lineOf(["objective"]), field: "objective", message: `'${lab.objective}' is not an exam objective` });
      lab.see.forEach((ref, i) => {
        if (!ctx.resolves(ref)) issues.push({ file, line: lineOf(["see", i]), field: `see[${i}]`, message: `'${ref}' is not a note section` });
      });
      if (!fixtures.has(lab.fixture)) {
        issues.push({ file, line: lineOf(["fixture"]), field: "fixture", message: `no host fixture '${lab.fixture}' in content/hosts` });
        continue;
      }
      const v = verifyLab(lab);
      for (const p of v.problems) issues.push({ file, line: lineOf(["solution"]), field: "solution", message: p });
    }
    return { issues, counts: { labs: r.labs.length } };
  },
};

export const fixtureChecker: ContentChecker = {
  name: "host fixtures",
  run() {
    const issues: ContentIssue[] = [];
    for (const name of fixtureNames()) {
      try {
        openWorld(name);
      } catch (e) {
        if (e instanceof ContentInvalid) issues.push(...e.issues);
        else issues.push({ file: `content/hosts/${name}.yaml`, line: 1, field: "(fixture)", message: e instanceof Error ? e.message : String(e) });
      }
    }
    return { issues };
  },
};
