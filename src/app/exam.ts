// The timed practice exam: drawing a form to the blueprint, keeping every answer in the log as it is given,
// resuming an interrupted exam, and scoring it.
import type { Question } from "../content/schema";
import type { ProgressEvent } from "../engine/events";
import { drawForm, type FormQuestion } from "../engine/exam-form";
import { isCorrect, scaledScore, type Given } from "../engine/grading";
import { AppError, usageError } from "./errors";
import { readEvents, record } from "./progress";
import { bank } from "./questions";

export const DEFAULT_MINUTES = 90;

export interface ExamPlan {
  seed: number;
  minutes: number;
  objectives?: string[];
  questions: FormQuestion[];
}

export function planExam(seed: number, minutes = DEFAULT_MINUTES, objectives?: string[]): ExamPlan {
  const b = bank();
  if (!Number.isInteger(seed) || seed < 0) throw usageError(`--seed must be a whole number >= 0, not '${seed}'`);
  if (!(minutes > 0)) throw usageError(`--minutes must be more than 0`);
  const chosen = objectives?.length ? objectives : undefined;
  for (const id of chosen ?? []) if (!b.byObjective.has(id)) throw usageError(`unknown objective '${id}': use an id from 'lpic3 topics' such as 351.4`);
  const blueprint = b.objectives.filter((o) => !chosen || chosen.includes(o.id)).map((o) => ({ id: o.id, weight: o.weight }));
  const short = blueprint.filter((o) => (b.byObjective.get(o.id)?.length ?? 0) < o.weight);
  if (short.length)
    throw new AppError("content", `not enough questions for an exam: ${short.map((o) => `${o.id} has ${b.byObjective.get(o.id)?.length ?? 0}, needs ${o.weight}`).join("; ")}`);
  return { seed, minutes, ...(chosen ? { objectives: chosen } : {}), questions: drawForm(blueprint, b.byObjective, seed) };
}

export interface ExamSession {
  exam: string;
  plan: ExamPlan;
  answers: Map<string, Given>;
  flagged: Set<string>;
  /** Seconds of exam time used so far. */
  elapsed: number;
}

export const question = (id: string): { q: Question; objective: string } => {
  const hit = bank().byId.get(id);
  if (!hit) throw usageError(`question '${id}' is no longer in the question banks`);
  return hit;
};

export function startExam(plan: ExamPlan, now = new Date()): ExamSession {
  const exam = `exam-${plan.seed}-${now.getTime().toString(36)}`;
  record({ t: "exam-start", exam, seed: plan.seed, minutes: plan.minutes, ...(plan.objectives ? { objectives: plan.objectives } : {}), questions: plan.questions.map((q) => q.id) });
  return { exam, plan, answers: new Map(), flagged: new Set(), elapsed: 0 };
}

/** The most recent exam that was started but neither submitted nor abandoned, rebuilt from the log. */
export function unfinishedExam(events: ProgressEvent[] = readEvents()): ExamSession | undefined {
  let s: ExamSession | undefined;
  for (const e of events) {
    if (e.t === "exam-start") {
      const b = bank();
      const questions = e.questions.filter((id) => b.byId.has(id)).map((id) => ({ id, objective: b.byId.get(id)!.objective, type: b.byId.get(id)!.q.type }));
      s = { exam: e.exam, plan: { seed: e.seed, minutes: e.minutes, ...(e.objectives ? { objectives: e.objectives } : {}), questions }, answers: new Map(), flagged: new Set(), elapsed: 0 };
    } else if (!s || !("exam" in e) || e.exam !== s.exam) continue;
    else if (e.t === "exam-answer") {
      if (e.given === null) s.answers.delete(e.item);
      else s.answers.set(e.item, e.given);
      s.elapsed = Math.max(s.elapsed, e.elapsed);
    } else if (e.t === "exam-flag") {
      if (e.flagged) s.flagged.add(e.item);
      else s.flagged.delete(e.item);
      s.elapsed = Math.max(s.elapsed, e.elapsed);
    } else if (e.t === "exam-pause") s.elapsed = Math.max(s.elapsed, e.elapsed);
    else if (e.t === "exam-submit" || e.t === "exam-abandon") s = undefined;
  }
  return s;
}

export function saveAnswer(s: ExamSession, item: string, given: Given | null, elapsed: number) {
  if (given === null) s.answers.delete(item);
  else s.answers.set(item, given);
  s.elapsed = elapsed;
  record({ t: "exam-answer", exam: s.exam, item, given, elapsed: round(elapsed) });
}

export function setFlag(s: ExamSession, item: string, flagged: boolean, elapsed: number) {
  if (flagged) s.flagged.add(item);
  else s.flagged.delete(item);
  s.elapsed = elapsed;
  record({ t: "exam-flag", exam: s.exam, item, flagged, elapsed: round(elapsed) });
}

export function pauseExam(s: ExamSession, elapsed: number) {
  s.elapsed = elapsed;
  record({ t: "exam-pause", exam: s.exam, elapsed: round(elapsed) });
}

export function abandonExam(s: ExamSession) {
  record({ t: "exam-abandon", exam: s.exam });
}

const round = (x: number) => Math.round(x * 10) / 10;

export interface ExamResult {
  exam: string;
  correct: number;
  total: number;
  scaled: number;
  passed: boolean;
  reason: "submitted" | "timeout";
  byObjective: Record<string, { correct: number; total: number }>;
  missed: { q: Question; objective: string; given?: Given }[];
}

export function scoreExam(s: ExamSession, reason: ExamResult["reason"]): ExamResult {
  const byObjective: ExamResult["byObjective"] = {};
  const missed: ExamResult["missed"] = [];
  let correct = 0;
  for (const fq of s.plan.questions) {
    const { q, objective } = question(fq.id);
    const given = s.answers.get(fq.id);
    const ok = isCorrect(q, given);
    const o = (byObjective[objective] ??= { correct: 0, total: 0 });
    o.total++;
    if (ok) {
      o.correct++;
      correct++;
    } else missed.push({ q, objective, ...(given !== undefined ? { given } : {}) });
  }
  const total = s.plan.questions.length;
  const scaled = scaledScore(correct, total);
  return { exam: s.exam, correct, total, scaled, passed: scaled >= 500, reason, byObjective, missed };
}

/** Score the exam and log it: one answer event per answered question (for spaced repetition) and the result. */
export function submitExam(s: ExamSession, reason: ExamResult["reason"], elapsed: number): ExamResult {
  const r = scoreExam(s, reason);
  const answers = s.plan.questions
    .filter((fq) => s.answers.has(fq.id))
    .map((fq) => {
      const { q, objective } = question(fq.id);
      const given = s.answers.get(fq.id)!;
      return { t: "answer" as const, item: q.id, objective, source: "exam" as const, given, correct: isCorrect(q, given), exam: s.exam };
    });
  record(...answers, { t: "exam-submit", exam: s.exam, reason, elapsed: round(elapsed), correct: r.correct, total: r.total, scaled: r.scaled, passed: r.passed, byObjective: r.byObjective });
  return r;
}
