// Reads the shipped question banks directly (independently of the app) to know the keys in tests.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ROOT } from "./cli";

export interface RawQuestion {
  id: string;
  type: "single" | "multi" | "fill";
  choices?: string[];
  answer?: string | string[];
  accept?: string[];
}

export function allQuestions(): Map<string, RawQuestion> {
  const dir = join(ROOT, "content", "quizzes");
  const m = new Map<string, RawQuestion>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith(".yaml"))) {
    for (const q of (parse(readFileSync(join(dir, f), "utf8")) as { questions: RawQuestion[] }).questions) m.set(q.id, q);
  }
  return m;
}

/** A line that answers `q` right, or (with wrong) one that answers it wrong. */
export function answerLine(q: RawQuestion, wrong = false): string {
  if (q.type === "fill") return wrong ? "definitely-not-the-answer" : q.accept![0]!;
  const key = Array.isArray(q.answer) ? q.answer : [q.answer!];
  if (!wrong) return key.join(",");
  const other = "ABCDEF".slice(0, q.choices!.length).split("").find((l) => !key.includes(l))!;
  return other;
}
