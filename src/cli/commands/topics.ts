// `lpic3 topics`: the 13 objectives with their weights.
import type { Command } from "commander";
import type { Terminal } from "../../platform/terminal";
import { existsSync } from "node:fs";
import { progressLogPath } from "../../platform/paths";
import { padEnd } from "../render/text";

export function registerTopics(program: Command, term: Terminal) {
  program
    .command("topics")
    .description("list the 13 exam objectives with their weights")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const { topics } = await import("../../app/topics");
      const rows = await topics();
      // the progress store and question banks load only when there is progress to show
      const progress = existsSync(progressLogPath()) ? (await import("../../app/stats")).masteryByObjective() : null;
      if (opts.json) {
        const objectives = rows.map((r) => {
          const p = progress?.get(r.id);
          return p ? { ...r, progress: { answered: p.answered, questions: p.questions, mastery: Math.round(p.mastery * 1000) / 1000 } } : r;
        });
        term.out(JSON.stringify({ objectives }) + "\n");
        return;
      }
      const c = term.chalk;
      const total = rows.reduce((a, r) => a + r.weight, 0);
      term.out(c.bold(`${padEnd("ID", 7)}${padEnd("Weight", 8)}${progress ? padEnd("Mastery", 10) : ""}Title`) + "\n");
      let topic = "";
      for (const r of rows) {
        if (r.topic !== topic && topic !== "") term.out("\n");
        topic = r.topic;
        const p = progress?.get(r.id);
        const m = progress ? padEnd(p ? `${Math.round(p.mastery * 100)}%` : "-", 10) : "";
        term.out(`${c.cyan(padEnd(r.id, 7))}${padEnd(String(r.weight), 8)}${m}${r.title}\n`);
      }
      term.out(`\n${total} weight points: the exam has one question per point. Study one with 'lpic3 study ${rows[0]?.id ?? "351.1"}'.\n`);
    });
}
