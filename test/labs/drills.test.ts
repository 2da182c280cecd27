// Every drill item: its reference passes its own grading, the equivalent answers it lists pass, and the
// near-misses it lists fail. Plus the machine entry points `drill list --json` and `drill grade`.
import { describe, expect, it } from "vitest";
import { drillList, gradeAnswer, referenceProblem } from "../../src/app/drill";

const drills = drillList();

describe("drill items", () => {
  it("exist", () => {
    expect(drills.length).toBeGreaterThan(0);
  });

  for (const d of drills) {
    describe(d.id, () => {
      it("has a working reference", () => {
        expect(referenceProblem(d)).toBeNull();
      });
      for (const a of d.also) {
        it(`accepts: ${a}`, () => {
          const g = gradeAnswer(d, a);
          expect(g.correct, `${g.reason}\n${g.diff.join("\n")}\n${g.yours.stderr}`).toBe(true);
        });
      }
      for (const a of d.not) {
        it(`rejects: ${a}`, () => {
          const g = gradeAnswer(d, a);
          expect(g.correct, g.reason).toBe(false);
        });
      }
    });
  }
});
