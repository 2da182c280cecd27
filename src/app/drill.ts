// Command drills: choosing items (by tool, objective, or due for review), grading an answer by its effect,
// and recording each result in the progress log.
import type { ContentChecker } from "../content/check";
import { ContentInvalid, type ContentIssue } from "../content/issues";
import { loadDrills } from "../content/labs";
import type { Drill } from "../content/drill-schema";
import { gradeDrill, type DrillGrade, type Runner } from "../engine/drill-grading";
import { rng, shuffle } from "../engine/rng";
import { dueItems, itemStates } from "../engine/srs";
import type { World } from "../sim/model/world";
import { notFound, usageError } from "./errors";
import { readEvents, record } from "./progress";
import { chooseQuestions, type QuizItem } from "./quiz";
import { fixtureNames, newSession, openWorld, runScript } from "./shell";

let cache: Drill[] | undefined;

export function drillList(): Drill[] {
  if (cache) return cache;
  const r = loadDrills();
  if (r.issues.length) throw new ContentInvalid(r.issues);
  return (cache = r.drills);
}

export function getDrill(id: string): Drill {
  const d = drillList().find((x) => x.id === id);
  if (!d) throw notFound(`no drill item '${id}': 'lpic3 drill list' shows them all`);
  return d;
}

/**
 * Runs script text in a fresh shell. The clock stands still (tick 0), so two runs of different lengths end at
 * the same simulated time and their states compare without time noise.
 */
export const drillRunner: Runner = (world, script, host) => {
  const s = newSession(world, { tty: false, tick: 0 });
  if (host && world.hosts[host]) {
    s.state.host = host;
    s.state.vars.HOSTNAME = world.hosts[host]!.hostname.split(".")[0]!;
  }
  const entries = runScript(s, script);
  return { world: s.world, entries };
};

const starts = new Map<string, World>();

/** The state a drill starts from: its fixture, after its setup commands. */
export function drillStart(d: Drill): World {
  const key = `${d.fixture}\u0000${d.host ?? ""}\u0000${d.setup ?? ""}`;
  let w = starts.get(key);
  if (!w) {
    w = openWorld(d.fixture).world;
    if (d.setup) w = drillRunner(w, d.setup, d.host).world;
    starts.set(key, w);
  }
  return w;
}

/** Runs are pure functions of (start world, script, host): the reference's run is computed once per drill. */
const runs = new WeakMap<World, Map<string, ReturnType<Runner>>>();
const cachedRunner: Runner = (world, script, host) => {
  let m = runs.get(world);
  if (!m) runs.set(world, (m = new Map()));
  const key = `${host ?? ""}\u0000${script}`;
  let r = m.get(key);
  if (!r) {
    r = drillRunner(world, script, host);
    m.set(key, r);
  }
  return r;
};

/** For a drill typed into an interactive program: start the program first, then feed it the lines. */
function withinRunner(d: Drill): Runner {
  if (!d.within) return cachedRunner;
  return (world, script, host) => cachedRunner(world, `${d.within}\n${script.replace(/^\s*\(\w+\)\s+/gm, "")}`, host);
}

export function gradeAnswer(d: Drill, answer: string): DrillGrade {
  return gradeDrill(drillStart(d), { answer: d.answer, grade: d.grade, mask: d.mask, ignorePaths: d.ignorePaths, ...(d.host ? { host: d.host } : {}) }, answer, withinRunner(d));
}

/** Grade and record in the progress log (an interactive or piped drill). */
export function answerDrill(d: Drill, answer: string): DrillGrade {
  const g = gradeAnswer(d, answer);
  record({ t: "drill", item: d.id, objective: d.objective, tool: d.tool, answer: answer.trim(), correct: g.correct });
  return g;
}

export interface DrillChoice {
  tools: string[];
  objectives: string[];
  count: number;
  due?: boolean;
  seed?: number;
  ids?: string[];
}

/** Drills for a session: due ones first (earliest due), then never tried, then the rest; with `due`, due ones only. */
export function chooseDrills(o: DrillChoice, now = new Date()): Drill[] {
  const all = drillList();
  const tools = new Set(all.map((d) => d.tool));
  for (const t of o.tools) if (!tools.has(t as Drill["tool"])) throw usageError(`unknown tool '${t}': drills exist for ${[...tools].sort().join(", ")}`);
  const objectives = new Set(all.map((d) => d.objective));
  for (const x of o.objectives) if (!objectives.has(x)) throw usageError(`no drills for objective '${x}': drills exist for ${[...objectives].sort().join(", ")}`);
  const pool = all.filter((d) => (!o.tools.length || o.tools.includes(d.tool)) && (!o.objectives.length || o.objectives.includes(d.objective)) && (!o.ids || o.ids.includes(d.id)));
  const states = itemStates(readEvents());
  const byId = new Map(pool.map((d) => [d.id, d]));
  const due = dueItems(states, now, "drill").map((s) => byId.get(s.item)).filter((d): d is Drill => !!d);
  if (o.due) return due.slice(0, o.count);
  const r = rng(o.seed ?? Date.now() % 2 ** 31);
  const dueIds = new Set(due.map((d) => d.id));
  const fresh = shuffle(pool.filter((d) => !states.has(d.id)), r);
  const rest = shuffle(pool.filter((d) => states.has(d.id) && !dueIds.has(d.id)), r);
  return [...due, ...fresh, ...rest].slice(0, o.count);
}

/** `content check` entries for drills: schema, ids, objectives, fixtures, and a reference that works and does something. */
export const drillChecker: ContentChecker = {
  name: "drills",
  run(ctx) {
    const r = loadDrills();
    const issues: ContentIssue[] = [...r.issues];
    const fixtures = new Set(fixtureNames());
    const seeChecked = new Set<string>();
    for (const d of r.drills) {
      const at = { file: d.file, line: d.line };
      if (!ctx.objectives.some((o) => o.id === d.objective)) issues.push({ ...at, field: "objective", message: `'${d.objective}' is not an exam objective` });
      if (!seeChecked.has(d.file)) {
        seeChecked.add(d.file);
        for (const ref of d.see) if (!ctx.resolves(ref)) issues.push({ ...at, field: "see", message: `'${ref}' is not a note section` });
      }
      if (!fixtures.has(d.fixture)) {
        issues.push({ ...at, field: "fixture", message: `no host fixture '${d.fixture}' in content/hosts` });
        continue;
      }
      const problem = referenceProblem(d);
      if (problem) issues.push({ ...at, field: "answer", message: problem });
    }
    return { issues, counts: { drills: r.drills.length } };
  },
};

/** Why a drill's reference is unusable (a command fails, or it neither changes nor prints anything), or null. */
export function referenceProblem(d: Drill): string | null {
  let start: World;
  try {
    start = drillStart(d);
  } catch (e) {
    return `the start state does not load: ${e instanceof Error ? e.message : String(e)}`;
  }
  const ref = withinRunner(d)(start, d.answer, d.host);
  const bad = ref.entries.find((e) => e.exit !== 0);
  if (bad) return `reference command \`${bad.cmd.split("\n")[0]}\` exits with ${bad.exit}${bad.stderr ? `: ${bad.stderr.trim().split("\n")[0]}` : ""}`;
  const g = gradeAnswer(d, d.answer);
  if (!g.correct) return `the reference does not pass its own grading (${g.reason})`;
  if (g.compared !== "state" && !ref.entries.some((e) => e.stdout.trim() || e.stderr.trim())) return "the reference neither changes the host nor prints anything";
  return null;
}

export type ReviewItem = { kind: "question"; item: QuizItem } | { kind: "drill"; drill: Drill };

/** What `lpic3 review` serves: due questions and due drills together, earliest due first. */
export function reviewQueue(count: number, now = new Date()): ReviewItem[] {
  const states = itemStates(readEvents());
  const due = (id: string) => states.get(id)?.card.due.getTime() ?? 0;
  const qs: ReviewItem[] = chooseQuestions({ objectives: [], count, due: true }, now).map((item) => ({ kind: "question", item }));
  let ds: ReviewItem[] = [];
  try {
    ds = chooseDrills({ tools: [], objectives: [], count, due: true }, now).map((drill) => ({ kind: "drill", drill }));
  } catch (e) {
    // broken drill content must not keep a learner from reviewing questions
    if (!(e instanceof ContentInvalid)) throw e;
  }
  const id = (r: ReviewItem) => (r.kind === "question" ? r.item.q.id : r.drill.id);
  return [...qs, ...ds].sort((a, b) => due(id(a)) - due(id(b)) || (id(a) < id(b) ? -1 : 1)).slice(0, count);
}

/** Drills missed at least twice in a row, with the note section that teaches them. */
export function weakDrills(limit = 5): { item: string; tool: string; ref: string; misses: number }[] {
  const byId = new Map(drillList().map((d) => [d.id, d]));
  return [...itemStates(readEvents()).values()]
    .filter((s) => s.kind === "drill" && s.missStreak >= 2 && byId.has(s.item))
    .sort((a, b) => b.missStreak - a.missStreak)
    .slice(0, limit)
    .map((s) => {
      const d = byId.get(s.item)!;
      return { item: s.item, tool: d.tool, ref: d.see[0] ?? d.objective, misses: s.missStreak };
    });
}
