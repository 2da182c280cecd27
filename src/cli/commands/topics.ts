// `lpic3 topics`: the 13 objectives with their weights.
import type { Command } from "commander";
import type { Terminal } from "../../platform/terminal";
import { padEnd } from "../render/text";

export function registerTopics(program: Command, term: Terminal) {
  program
    .command("topics")
    .description("list the 13 exam objectives with their weights")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const { topics } = await import("../../app/topics");
      const rows = await topics();
      if (opts.json) {
        term.out(JSON.stringify({ objectives: rows }) + "\n");
        return;
      }
      const c = term.chalk;
      const total = rows.reduce((a, r) => a + r.weight, 0);
      term.out(c.bold(`${padEnd("ID", 7)}${padEnd("Weight", 8)}Title`) + "\n");
      let topic = "";
      for (const r of rows) {
        if (r.topic !== topic && topic !== "") term.out("\n");
        topic = r.topic;
        term.out(`${c.cyan(padEnd(r.id, 7))}${padEnd(String(r.weight), 8)}${r.title}\n`);
      }
      term.out(`\n${total} weight points: the exam has one question per point. Study one with 'lpic3 study ${rows[0]?.id ?? "351.1"}'.\n`);
    });
}
