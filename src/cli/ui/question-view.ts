// How a question, its feedback and a score bar look in the terminal.
import type { ChalkInstance } from "chalk";
import type { Question } from "../../content/schema";
import { keyText, type Given } from "../../engine/grading";
import { wrap } from "../render/text";

const LETTERS = "ABCDEF";

export function formatQuestion(q: Question, head: string, c: ChalkInstance, width: number): string {
  const lines = [c.bold(head), ""];
  for (const para of q.stem.trim().split("\n")) lines.push(...wrap(para, width));
  if (q.type !== "fill") {
    lines.push("");
    q.choices.forEach((ch, i) => lines.push(...wrap(`${LETTERS[i]}. ${ch}`, width, "  ", "     ")));
    lines.push("", c.dim(q.type === "single" ? "Answer with one letter." : "Answer with the letters of every correct choice, e.g. A,C."));
  } else lines.push("", c.dim("Type the answer."));
  return lines.join("\n") + "\n";
}

export function givenText(q: Question, given: Given | undefined): string {
  if (given === undefined) return "(no answer)";
  if (q.type === "fill") return Array.isArray(given) ? given.join(" ") : given;
  return (Array.isArray(given) ? given : [given]).join(", ");
}

export function formatFeedback(q: Question, given: Given | undefined, correct: boolean, c: ChalkInstance, width: number): string {
  const lines: string[] = [];
  if (correct) lines.push(c.green.bold("✔ Correct."));
  else {
    const yours = given == null ? "You did not answer" : `You answered ${c.bold(givenText(q, given))}`;
    lines.push(...wrap(`${c.red.bold("✘ Not quite.")} ${yours}; the answer is ${c.bold(keyText(q))}.`, width));
    if (q.type === "fill" && q.accept.length > 1) lines.push(c.dim(`Also accepted: ${q.accept.slice(1).join(" · ")}`));
  }
  if (q.type !== "fill" && !correct) {
    const key = Array.isArray(q.answer) ? q.answer : [q.answer];
    for (const k of key) lines.push(...wrap(`${k}. ${q.choices[LETTERS.indexOf(k)]}`, width, "  ", "     ").map((l) => c.green(l)));
  }
  lines.push("");
  for (const para of q.explanation.trim().split("\n")) lines.push(...wrap(para, width));
  const [id, anchor] = q.ref.split("#");
  lines.push("", c.dim(`Read more: lpic3 study ${id} --section ${anchor}`));
  return lines.join("\n") + "\n";
}

export function bar(fraction: number, width: number, c: ChalkInstance): string {
  const full = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  const color = fraction >= 0.75 ? c.green : fraction >= 0.5 ? c.yellow : c.red;
  return c.level === 0 ? "#".repeat(full) + ".".repeat(width - full) : color("█".repeat(full)) + c.dim("░".repeat(width - full));
}
