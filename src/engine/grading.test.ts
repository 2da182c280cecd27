import { describe, expect, it } from "vitest";
import type { Question } from "../content/schema";
import { isCorrect, parseLetters, PASS_FRACTION, scaledScore } from "./grading";

const base = { stem: "A question stem", explanation: "An explanation that teaches.", ref: "351.4#x" };
const single: Question = { ...base, id: "351.4-001", type: "single", choices: ["a", "b", "c", "d"], answer: "B" };
const multi: Question = { ...base, id: "351.4-002", type: "multi", choices: ["a", "b", "c", "d", "e"], answer: ["A", "D"] };
const fill: Question = { ...base, id: "351.4-003", type: "fill", accept: ["virsh list --all", "virsh list  --inactive --all"] };

describe("grading", () => {
  it("grades single and multi by letters, in any order and case", () => {
    expect(isCorrect(single, "b")).toBe(true);
    expect(isCorrect(single, "C")).toBe(false);
    expect(isCorrect(multi, ["D", "a"])).toBe(true);
    expect(isCorrect(multi, ["A"])).toBe(false);
    expect(isCorrect(multi, ["A", "D", "E"])).toBe(false);
    expect(isCorrect(single, undefined)).toBe(false);
  });

  it("treats spellings the shell reads alike as the same answer: a pasted prompt, quoting", () => {
    const q: Question = { ...base, id: "351.4-004", type: "fill", accept: ["virsh resume web01", "qemu-io -c 'write -P 0x11 0 1M' disk.qcow2"] };
    expect(isCorrect(q, "$ virsh resume web01")).toBe(true);
    expect(isCorrect(q, "# virsh resume web01")).toBe(true);
    expect(isCorrect(q, 'virsh resume "web01"')).toBe(true);
    expect(isCorrect(q, "virsh resume 'web01'")).toBe(true);
    expect(isCorrect(q, "virsh resume web\\01")).toBe(true);
    expect(isCorrect(q, 'qemu-io -c "write -P 0x11 0 1M" disk.qcow2')).toBe(true);
    // words the shell splits differently are different answers
    expect(isCorrect(q, "qemu-io -c write -P 0x11 0 1M disk.qcow2")).toBe(false);
    expect(isCorrect(q, "virsh 'resume web01'")).toBe(false);
    expect(isCorrect(q, "virsh resume web01'")).toBe(false);
    expect(isCorrect(q, "$virsh resume web01")).toBe(false);
  });

  it("grades fill-ins against every accepted form, ignoring surrounding and repeated spaces only", () => {
    expect(isCorrect(fill, "  virsh   list --all ")).toBe(true);
    expect(isCorrect(fill, "virsh list --inactive --all")).toBe(true);
    expect(isCorrect(fill, "virsh list -a")).toBe(false);
    expect(isCorrect(fill, "VIRSH LIST --ALL")).toBe(false);
    expect(isCorrect({ ...fill, ignore_case: true }, "VIRSH LIST --ALL")).toBe(true);
  });

  it("parses typed letters", () => {
    expect(parseLetters("a, c", 4)).toEqual(["A", "C"]);
    expect(parseLetters("c a", 4)).toEqual(["A", "C"]);
    expect(parseLetters("E", 4)).toBeNull();
    expect(parseLetters("", 4)).toBeNull();
    expect(parseLetters("virsh", 4)).toBeNull();
  });

  it("maps raw scores onto 200-800 with the pass mark at the assumed fraction", () => {
    expect(scaledScore(0, 60)).toBe(200);
    expect(scaledScore(60, 60)).toBe(800);
    expect(scaledScore(Math.round(PASS_FRACTION * 60), 60)).toBe(500);
    expect(scaledScore(38, 60)).toBeLessThan(500);
    expect(scaledScore(40, 60)).toBeGreaterThan(500);
  });
});
