// Practice quizzes: choosing questions (optionally only due ones) and recording each answer.
import type { Question } from "../content/schema";
import { isCorrect, type Given } from "../engine/grading";
import { rng, shuffle } from "../engine/rng";
import { dueItems, itemStates } from "../engine/srs";
import { bank } from "./questions";
import { readEvents, record } from "./progress";
import { usageError } from "./errors";

export interface QuizOptions {
  objectives: string[];
  count: number;
  type?: Question["type"];
  due?: boolean;
  seed?: number;
}

export interface QuizItem {
  q: Question;
  objective: string;
}

/**
 * Questions for a quiz: due ones first (earliest due), then ones never answered, then the rest, each group in
 * random order. With `due`, only due questions.
 */
export function chooseQuestions(o: QuizOptions, now = new Date()): QuizItem[] {
  const b = bank();
  for (const id of o.objectives) if (!b.byObjective.has(id)) throw usageError(`unknown objective '${id}': use an id from 'lpic3 topics' such as 351.4`);
  const wanted = new Set(o.objectives.length ? o.objectives : b.objectives.map((x) => x.id));
  const pool: QuizItem[] = [];
  for (const [objective, qs] of b.byObjective) {
    if (!wanted.has(objective)) continue;
    for (const q of qs) if (!o.type || q.type === o.type) pool.push({ q, objective });
  }
  const states = itemStates(readEvents());
  const r = rng(o.seed ?? Date.now() % 2 ** 31);
  const due = dueItems(states, now, "question").map((s) => pool.find((p) => p.q.id === s.item)).filter((x): x is QuizItem => !!x);
  if (o.due) return due.slice(0, o.count);
  const dueIds = new Set(due.map((d) => d.q.id));
  const fresh = shuffle(pool.filter((p) => !states.has(p.q.id)), r);
  const rest = shuffle(pool.filter((p) => states.has(p.q.id) && !dueIds.has(p.q.id)), r);
  return [...due, ...fresh, ...rest].slice(0, o.count);
}

export interface AnswerResult {
  correct: boolean;
}

export function answerQuestion(item: QuizItem, given: Given, source: "quiz" | "review" = "quiz"): AnswerResult {
  const correct = isCorrect(item.q, given);
  record({ t: "answer", item: item.q.id, objective: item.objective, source, given, correct });
  return { correct };
}

/** Sections to read again for questions missed at least twice in a row. */
export function weakSpots(limit = 5): { item: string; objective: string; ref: string; misses: number }[] {
  const b = bank();
  return [...itemStates(readEvents()).values()]
    .filter((s) => s.kind === "question" && s.missStreak >= 2)
    .sort((a, c) => c.missStreak - a.missStreak)
    .slice(0, limit)
    .map((s) => ({ item: s.item, objective: s.objective, ref: b.byId.get(s.item)?.q.ref ?? s.objective, misses: s.missStreak }));
}
