// Statistics from the progress log: mastery per objective, exam history, labs, drills, readiness (pure).
import type { ProgressEvent } from "./events";
import { scaledScore } from "./grading";
import { dueItems, itemStates } from "./srs";

export interface ObjectiveInfo {
  id: string;
  title: string;
  weight: number;
  /** Questions in the bank. */
  questions: number;
}

export interface ObjectiveStats extends ObjectiveInfo {
  /** Distinct questions answered at least once. */
  answered: number;
  /** Questions whose latest answer was right. */
  mastered: number;
  /** mastered / questions. */
  mastery: number;
  /** Share right among the last RECENT answers (null when none). */
  recentAccuracy: number | null;
  recentAnswers: number;
}

export interface ExamRecord {
  exam: string;
  at: string;
  correct: number;
  total: number;
  scaled: number;
  passed: boolean;
  reason: "submitted" | "timeout";
}

export interface Stats {
  objectives: ObjectiveStats[];
  answers: { total: number; correct: number };
  exams: ExamRecord[];
  /** Change in estimated score per exam over the last five exams (least squares), or null with fewer than two. */
  examTrend: number | null;
  labs: { started: number; completed: number; assisted: number; ids: string[] };
  drills: Record<string, { answered: number; correct: number; accuracy: number }>;
  due: { questions: number; drills: number };
  readiness: { percent: number; scaled: number; basis: string };
}

export const RECENT = 20;

export function computeStats(events: ProgressEvent[], objectives: ObjectiveInfo[], now: Date): Stats {
  const states = itemStates(events);
  const byObjective = new Map<string, ProgressEvent[]>();
  let total = 0;
  let correct = 0;
  for (const e of events) {
    if (e.t !== "answer") continue;
    total++;
    if (e.correct) correct++;
    const l = byObjective.get(e.objective) ?? [];
    l.push(e);
    byObjective.set(e.objective, l);
  }
  const obj: ObjectiveStats[] = objectives.map((o) => {
    const its = [...states.values()].filter((s) => s.kind === "question" && s.objective === o.id);
    const recent = (byObjective.get(o.id) ?? []).slice(-RECENT) as Extract<ProgressEvent, { t: "answer" }>[];
    const mastered = its.filter((s) => s.lastCorrect).length;
    return {
      ...o,
      answered: its.length,
      mastered,
      mastery: o.questions ? mastered / o.questions : 0,
      recentAccuracy: recent.length ? recent.filter((e) => e.correct).length / recent.length : null,
      recentAnswers: recent.length,
    };
  });

  const exams: ExamRecord[] = events
    .filter((e): e is Extract<ProgressEvent, { t: "exam-submit" }> => e.t === "exam-submit")
    .map((e) => ({ exam: e.exam, at: e.at, correct: e.correct, total: e.total, scaled: e.scaled, passed: e.passed, reason: e.reason }));
  const last = exams.slice(-5).map((e) => e.scaled);
  let examTrend: number | null = null;
  if (last.length >= 2) {
    const n = last.length;
    const mx = (n - 1) / 2;
    const my = last.reduce((a, b) => a + b, 0) / n;
    const num = last.reduce((a, y, x) => a + (x - mx) * (y - my), 0);
    const den = last.reduce((a, _y, x) => a + (x - mx) ** 2, 0);
    examTrend = Math.round((num / den) * 10) / 10;
  }

  const labIds = new Map<string, string>();
  let started = 0;
  for (const e of events) {
    if (e.t !== "lab") continue;
    if (e.status === "started") started++;
    if (e.status === "completed" && labIds.get(e.lab) !== "assisted") labIds.set(e.lab, "completed");
    if (e.status === "assisted") labIds.set(e.lab, "assisted");
  }
  const drills: Stats["drills"] = {};
  for (const e of events) {
    if (e.t !== "drill") continue;
    const d = (drills[e.tool] ??= { answered: 0, correct: 0, accuracy: 0 });
    d.answered++;
    if (e.correct) d.correct++;
    d.accuracy = d.correct / d.answered;
  }

  // Readiness: the exam draws one question per weight point, so the expected share right is the weight-average of
  // each objective's recent accuracy, pulled towards a guess rate of 1/4 while there are few answers.
  const weightSum = obj.reduce((a, o) => a + o.weight, 0) || 1;
  const p = obj.reduce((a, o) => a + o.weight * ((o.recentAccuracy ?? 0) * o.recentAnswers + 1) / (o.recentAnswers + 4), 0) / weightSum;
  const percent = Math.round(p * 100);
  return {
    objectives: obj,
    answers: { total, correct },
    exams,
    examTrend,
    labs: { started, completed: [...labIds.values()].filter((v) => v === "completed").length, assisted: [...labIds.values()].filter((v) => v === "assisted").length, ids: [...labIds.keys()].sort() },
    drills,
    due: { questions: dueItems(states, now, "question").length, drills: dueItems(states, now, "drill").length },
    readiness: {
      percent,
      scaled: scaledScore(percent, 100),
      basis: `weight-averaged accuracy over your last ${RECENT} answers per objective, each pulled towards a 25% guess rate until you have answered enough (accuracy = (right + 1) / (answers + 4)); converted with the same estimated 200–800 scale as the exam`,
    },
  };
}
