// The shared virsh fidelity corpus must replay with at least 95% of its commands matching.
import { appendFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { replayCorpus } from "./replay";

describe("virsh fidelity corpus (test driver, lab-node.xml)", () => {
  it("matches at least 95% of the recorded commands", () => {
    const outcomes = replayCorpus();
    const ok = outcomes.filter((o) => o.ok).length;
    const rate = ok / outcomes.length;
    if (process.env.FIDELITY_DUMP) for (const o of outcomes.filter((x) => !x.ok)) appendFileSync(process.env.FIDELITY_DUMP, JSON.stringify(o) + "\n");
    if (process.env.FIDELITY_VERBOSE) {
      for (const o of outcomes.filter((x) => !x.ok)) {
        console.log(`--- [${o.session}] ${o.cmd}`);
        console.log("expected:", JSON.stringify(o.expected));
        console.log("actual:  ", JSON.stringify(o.actual));
      }
    }
    console.log(`virsh corpus: ${ok}/${outcomes.length} = ${(rate * 100).toFixed(1)}%`);
    expect(outcomes.length).toBeGreaterThan(500);
    expect(rate).toBeGreaterThanOrEqual(0.95);
  });
});
