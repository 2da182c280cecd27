// Golden replay of qemu-system-x86_64 sessions recorded from the real QEMU 7.2 (see session.json in each folder).
import { describe as group, expect, it } from "vitest";
import { describe, loadSessions, replay } from "./replay";

const sessions = loadSessions(new URL(".", import.meta.url).pathname);

for (const g of sessions) {
  group(`qemu golden: ${g.name} (${g.source})`, () => {
    const results = replay(g);
    for (const r of results) {
      if (r.entry.setup) continue;
      it(`#${r.index} ${r.entry.cmd.split("\n")[0]!.slice(0, 100)}`, () => {
        if (!r.ok) expect.fail(describe(r));
      });
    }
  });
}
