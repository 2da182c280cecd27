// Replays the virsh golden transcripts (recorded from real virsh 9.0 by scripts/record-virsh.mjs).
import { readdirSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { appendFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { replaySession } from "../../fidelity/replay";
import { goldenEditor } from "./editor";

const DIR = __dirname;
const sessions = readdirSync(DIR).filter((d) => existsSync(join(DIR, d, "transcript.json")));

describe("virsh goldens (real virsh 9.0, test driver, nodes/*.xml)", () => {
  for (const s of sessions) {
    it(s, () => {
      const meta = JSON.parse(readFileSync(join(DIR, s, "session.json"), "utf8")) as { node?: string };
      const node = join(DIR, s, meta.node ?? "../nodes/lab2-node.xml");
      const outcomes = replaySession(s, DIR, node, "/tmp/lpic3-virsh-rec/work", goldenEditor);
      const bad = outcomes.filter((o) => !o.ok);
      if (process.env.FIDELITY_DUMP) for (const o of outcomes.filter((x) => !x.ok)) appendFileSync(process.env.FIDELITY_DUMP, JSON.stringify(o) + "\n");
    if (process.env.FIDELITY_VERBOSE)
        for (const o of bad) console.log(`--- [${o.session}] ${o.cmd}\nexpected: ${JSON.stringify(o.expected)}\nactual:   ${JSON.stringify(o.actual)}`);
      expect(bad.map((o) => o.cmd)).toEqual([]);
    });
  }
});
