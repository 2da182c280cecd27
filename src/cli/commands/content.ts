// `lpic3 content check`: validate every content file.
import type { Command } from "commander";
import type { Terminal } from "../../platform/terminal";
import { formatIssue } from "../../content/issues";

export function registerContent(program: Command, term: Terminal) {
  const content = program.command("content").description("work with the study content");
  content
    .command("check")
    .description("validate notes, question banks, labs, drills and host fixtures")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const { checkContent } = await import("../../content/check");
      const { labChecker, fixtureChecker } = await import("../../app/lab");
      const { drillChecker } = await import("../../app/drill");
      const { noteCommandChecker } = await import("../../app/note-commands");
      const report = checkContent(undefined, [fixtureChecker, labChecker, drillChecker, noteCommandChecker]);
      if (opts.json) {
        term.out(JSON.stringify({ ok: report.ok, errors: report.issues, counts: report.counts }) + "\n");
      } else {
        for (const i of report.issues) term.err(formatIssue(i) + "\n");
        const q = Object.values(report.counts.questions).reduce((a, b) => a + b, 0);
        const summary = `${report.counts.notes} notes, ${q} questions, ${report.counts.labs} labs, ${report.counts.drills} drills`;
        if (report.ok) term.out(`content OK: ${summary}\n`);
        else term.err(`${report.issues.length} problem${report.issues.length === 1 ? "" : "s"} found (${summary})\n`);
      }
      if (!report.ok) process.exitCode = 2;
    });
}
