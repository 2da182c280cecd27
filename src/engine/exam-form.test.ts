import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Question } from "../content/schema";
import { drawForm } from "./exam-form";

const objectives = [
  { id: "351.1", weight: 6 },
  { id: "351.4", weight: 9 },
  { id: "353.2", weight: 2 },
];
const bank = new Map<string, Question[]>(
  objectives.map((o) => [
    o.id,
    Array.from({ length: o.weight * 10 }, (_, i) => ({ id: `${o.id}-${String(i + 1).padStart(3, "0")}`, type: (["single", "multi", "fill"] as const)[i % 3]!, stem: "stem text here", explanation: "an explanation here", ref: `${o.id}#x`, ...(i % 3 === 2 ? { accept: ["x"] } : i % 3 === 1 ? { choices: ["a", "b", "c", "d"], answer: ["A", "B"] } : { choices: ["a", "b", "c", "d"], answer: "A" }) }) as Question),
  ]),
);

describe("drawForm", () => {
  it("draws one question per weight point, without repeats, the same for the same seed", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const form = drawForm(objectives, bank, seed);
        expect(form).toHaveLength(17);
        for (const o of objectives) expect(form.filter((q) => q.objective === o.id)).toHaveLength(o.weight);
        expect(new Set(form.map((q) => q.id)).size).toBe(17);
        expect(drawForm(objectives, bank, seed)).toEqual(form);
      }),
      { numRuns: 200 },
    );
  });

  it("gives different forms for different seeds", () => {
    const forms = new Set(Array.from({ length: 20 }, (_, s) => drawForm(objectives, bank, s).map((q) => q.id).join()));
    expect(forms.size).toBe(20);
  });
});
