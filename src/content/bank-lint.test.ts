import { describe, expect, test } from "vitest";
import { lintBanks } from "./bank-lint";
import type { CheckContext } from "./check";
import { checkContent } from "./check";

function ctx(answers: string[][]): CheckContext {
  const questions = answers.map((answer, i) => ({
    id: `351.4-${String(i + 1).padStart(3, "0")}`,
    type: "multi" as const,
    stem: `Question number ${i + 1}: which two are right? (Choose two.)`,
    choices: ["one", "two", "three", "four", "five"],
    answer,
    explanation: "Because.",
    ref: "351.4",
  }));
  return {
    objectives: [{ id: "351.4", weight: 9 }] as unknown as CheckContext["objectives"],
    notes: [],
    banks: [{ file: "content/quizzes/351.4.yaml", objective: "351.4", questions, lineOf: () => 1 }] as unknown as CheckContext["banks"],
    resolves: () => true,
  };
}

const skew = (c: CheckContext) => lintBanks(c).filter((i) => i.message.startsWith("multi-answer keys are skewed"));

describe("multi-answer key positions", () => {
  test("A in almost every key is reported, naming the position and the rates", () => {
    const answers = Array.from({ length: 50 }, (_, i) => ["A", "BCDE"[i % 4]!]);
    const found = skew(ctx(answers));
    expect(found.map((i) => i.message.split(":")[1]!.trim().split(" ")[1])).toContain("A");
    expect(found[0]!.message).toContain("of the 50 multi questions");
  });
  test("keys spread over the positions pass", () => {
    const pairs = [["A", "B"], ["C", "D"], ["E", "A"], ["B", "C"], ["D", "E"]];
    expect(skew(ctx(Array.from({ length: 50 }, (_, i) => pairs[i % 5]!)))).toEqual([]);
  });
  test("the shipped banks pass", () => {
    expect(checkContent().issues.filter((i) => i.message.includes("skewed") || i.message.includes("uniquely longest"))).toEqual([]);
  });
  test("a bank whose key is usually the longest choice is reported", () => {
    const c = ctx([]);
    const bank = c.banks[0] as unknown as { questions: unknown[] };
    bank.questions = Array.from({ length: 40 }, (_, i) => ({
      id: `351.4-${String(i + 1).padStart(3, "0")}`,
      type: "single",
      stem: `Single question ${i + 1}?`,
      choices: ["short", "brief", "the right answer, explained at length", "tiny"],
      answer: "C",
      explanation: "Because.",
      ref: "351.4",
    }));
    expect(lintBanks(c).map((i) => i.message).find((m) => m.includes("uniquely longest"))).toContain("40 of 40 single-choice questions (100%)");
  });
});
