// Grading an answer to a question, and the scaled score of an exam.
import type { Question } from "../content/schema";

export type Given = string | string[];

/** Normalise a typed answer: trim and collapse runs of spaces. */
export const normalizeFill = (s: string) => s.trim().replace(/\s+/g, " ");

export function isCorrect(q: Question, given: Given | undefined): boolean {
  if (given === undefined) return false;
  if (q.type === "single") return typeof given === "string" && given.toUpperCase() === q.answer;
  if (q.type === "multi") {
    const g = (Array.isArray(given) ? given : [given]).map((x) => x.toUpperCase());
    return g.length === q.answer.length && q.answer.every((a) => g.includes(a));
  }
  const text = normalizeFill(Array.isArray(given) ? given.join(" ") : given);
  return q.accept.some((a) => (q.ignore_case ? normalizeFill(a).toLowerCase() === text.toLowerCase() : normalizeFill(a) === text));
}

/** The key as the learner would type it: "B", "A, C", or the first accepted form. */
export function keyText(q: Question): string {
  if (q.type === "single") return q.answer;
  if (q.type === "multi") return q.answer.join(", ");
  return q.accept[0]!;
}

/**
 * LPI reports 200–800 with 500 to pass but does not publish how raw scores convert. This estimate is piecewise
 * linear: 0 correct → 200, PASS_FRACTION correct → 500, all correct → 800.
 */
export const PASS_FRACTION = 0.65;

export function scaledScore(correct: number, total: number): number {
  if (total <= 0) return 200;
  const f = correct / total;
  const s = f <= PASS_FRACTION ? 200 + (300 * f) / PASS_FRACTION : 500 + (300 * (f - PASS_FRACTION)) / (1 - PASS_FRACTION);
  return Math.round(s);
}

/** Parse a typed answer for a choice question: "b", "A,C", "a c" → letters; null when it is not letters. */
export function parseLetters(text: string, choices: number): string[] | null {
  const letters = text.toUpperCase().split(/[\s,;]+/).filter(Boolean);
  const valid = "ABCDEF".slice(0, choices);
  if (!letters.length || letters.some((l) => l.length !== 1 || !valid.includes(l))) return null;
  return [...new Set(letters)].sort();
}
