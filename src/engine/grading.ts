// Grading an answer to a question, and the scaled score of an exam.
import type { Question } from "../content/schema";

export type Given = string | string[];

/**
 * Normalise a typed answer so that spellings the shell treats alike compare equal: a pasted `$ ` or `# `
 * prompt goes, whitespace between words collapses, and quoting is canonical (`"web01"`, `'web01'` and
 * `web01` are the same word; a word that needs quoting is single-quoted). Text the shell could not split
 * (an unclosed quote) is only trimmed and collapsed.
 */
export function normalizeFill(s: string): string {
  const text = s.trim().replace(/^[$#]\s+(?=\S)/, "");
  const words = shellWords(text);
  if (!words) return text.replace(/\s+/g, " ");
  return words.map((w) => (w === "" || /[^\w@%+=:,./-]/.test(w) ? `'${w.replace(/'/g, "'\\''")}'` : w)).join(" ");
}

/** Split like the shell does (quotes, backslashes), without expanding anything; null for an unclosed quote. */
function shellWords(text: string): string[] | null {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return null;
      cur += text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === "\\" && j + 1 < text.length && '"\\$`'.includes(text[j + 1]!)) j++;
        cur += text[j];
      }
      if (j >= text.length) return null;
      i = j;
    } else if (c === "\\" && i + 1 < text.length) {
      cur += text[++i];
    } else cur += c;
  }
  if (inWord) words.push(cur);
  return words;
}

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
