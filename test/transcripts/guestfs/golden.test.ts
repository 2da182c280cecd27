// Golden replay of guestfish and virt-* sessions recorded from libguestfs 1.48 with a TCG appliance (see session.json in each folder).
import { describe as group, expect, it } from "vitest";
import { describe, loadSessions, replay } from "../qemu/replay";

const sessions = loadSessions(new URL(".", import.meta.url).pathname);

for (const g of sessions) {
  group(`guestfs golden: ${g.name} (${g.source})`, () => {
    const results = replay(g);
    for (const r of results) {
      if (r.entry.setup) continue;
      it(`#${r.index} ${r.entry.cmd.split("\n")[0]!.slice(0, 100)}`, () => {
        if (!r.ok) expect.fail(describe(r));
      });
    }
  });
}
