// `content check`: every schema, every id, every cross-reference, with located messages.
import type { ContentIssue } from "./issues";
import type { Note } from "./notes";
import { loadBanks, loadNotes, loadObjectivesFile, type LoadedBank } from "./repository";
import type { Objective } from "./schema";
import { lintBanks } from "./bank-lint";

export interface CheckReport {
  ok: boolean;
  issues: ContentIssue[];
  counts: { notes: number; questions: Record<string, number>; labs: number; drills: number };
}

export interface ContentChecker {
  name: string;
  run(ctx: CheckContext): { issues: ContentIssue[]; counts?: Partial<CheckReport["counts"]> };
}

export interface CheckContext {
  objectives: Objective[];
  notes: Note[];
  banks: LoadedBank[];
  /** True when `ref` ("351.4#anchor" or "351.4") names an existing note section. */
  resolves(ref: string): boolean;
}

/** Checks every content file; `extra` adds the checks of content kinds that live outside this module (labs, drills, host fixtures). */
export function checkContent(dir?: string, extra: ContentChecker[] = []): CheckReport {
  const obj = loadObjectivesFile(dir);
  const nts = loadNotes(dir);
  const bnk = loadBanks(dir);
  const issues: ContentIssue[] = [...obj.issues, ...nts.issues, ...bnk.issues];
  const byId = new Map(obj.value.map((o) => [o.id, o]));

  const noteById = new Map<string, Note>();
  for (const n of nts.value) {
    const o = byId.get(n.id);
    if (!o) issues.push({ file: n.file, line: 2, field: "id", message: `'${n.id}' is not an exam objective in objectives.yaml` });
    else {
      if (o.weight !== n.weight) issues.push({ file: n.file, line: 2, field: "weight", message: `is ${n.weight}, but objectives.yaml gives ${n.id} weight ${o.weight}` });
      if (o.title !== n.title) issues.push({ file: n.file, line: 2, field: "title", message: `'${n.title}' differs from the objective title '${o.title}'` });
    }
    const prev = noteById.get(n.id);
    if (prev) issues.push({ file: n.file, line: 2, field: "id", message: `duplicate note for ${n.id} (also ${prev.file})` });
    noteById.set(n.id, n);
  }
  for (const o of obj.value) {
    if (!noteById.has(o.id)) issues.push({ file: "content/topics", line: 0, field: o.id, message: `no note for objective ${o.id} (${o.title})` });
  }

  const resolves = (ref: string): boolean => {
    const [id, anchor] = ref.split("#");
    const n = noteById.get(id ?? "");
    if (!n) return false;
    return anchor === undefined || anchor === "" || n.sections.some((s) => s.anchor === anchor);
  };

  for (const n of nts.value) {
    for (const l of n.links) {
      const ref = l.target.startsWith("#") ? `${n.id}${l.target}` : l.target.replace(/\.md(?=#|$)/, "");
      if (!resolves(ref)) issues.push({ file: n.file, line: l.line, field: "(link)", message: `link target '${l.target}' is not a note section` });
    }
  }

  const ctx: CheckContext = { objectives: obj.value, notes: nts.value, banks: bnk.value, resolves };
  issues.push(...lintBanks(ctx));
  const questions: Record<string, number> = {};
  for (const o of obj.value) questions[o.id] = 0;
  for (const b of bnk.value) questions[b.objective] = (questions[b.objective] ?? 0) + b.questions.length;
  const counts: CheckReport["counts"] = { notes: nts.value.length, questions, labs: 0, drills: 0 };
  for (const c of extra) {
    const r = c.run(ctx);
    issues.push(...r.issues);
    Object.assign(counts, r.counts ?? {});
  }
  return { ok: issues.length === 0, issues, counts };
}
