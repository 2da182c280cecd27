// `lpic3 stats` and `lpic3 progress export|import|reset`.
import type { Command } from "commander";
import type { Terminal } from "../../platform/terminal";
import { cancelled, usageError } from "../../app/errors";
import { padEnd } from "../render/text";

export function registerStats(program: Command, term: Terminal) {
  program
    .command("stats")
    .description("mastery per objective, exam history, labs, drills and an estimate of readiness")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const { stats } = await import("../../app/stats");
      const { bar } = await import("../ui/question-view");
      const s = stats();
      if (opts.json) {
        term.out(JSON.stringify(s) + "\n");
        return;
      }
      const c = term.chalk;
      const { wrap } = await import("../render/text");
      const { fit } = await import("../ui/menu");
      const width = term.isTTY ? Math.min(term.columns, 100) : 80;
      term.out(wrap(`${c.bold("Mastery by objective")}  ${c.dim("(bar length = exam weight; filled = questions whose latest answer was right)")}`, width).join("\n") + "\n");
      // id, title, bar, count, recent accuracy: the bar and title give way on a narrow screen
      const maxWeight = Math.max(...s.objectives.map((o) => o.weight));
      const countW = Math.max(...s.objectives.map((o) => `${o.mastered}/${o.questions}`.length));
      const accW = "recent 100% of 20".length;
      const perPoint = width >= 96 ? 3 : 2;
      const titleW = Math.max(12, Math.min(34, width - 2 - 5 - 2 - 1 - maxWeight * perPoint - 1 - countW - 2 - accW));
      for (const o of s.objectives) {
        const acc = o.recentAccuracy === null ? c.dim("no answers yet") : `recent ${Math.round(o.recentAccuracy * 100)}% of ${o.recentAnswers}`;
        term.out(`  ${o.id}  ${padEnd(fit(o.title, titleW), titleW)} ${padEnd(bar(o.mastery, o.weight * perPoint, c), maxWeight * perPoint)} ${`${o.mastered}/${o.questions}`.padStart(countW)}  ${acc}\n`);
      }
      term.out(`\n${c.bold("Answers")}: ${s.answers.total} (${s.answers.total ? Math.round((100 * s.answers.correct) / s.answers.total) : 0}% right) · due now: ${s.due.questions} question${s.due.questions === 1 ? "" : "s"}, ${s.due.drills} drill${s.due.drills === 1 ? "" : "s"}\n`);
      term.out(`\n${c.bold("Practice exams")}${s.exams.length ? ` (${s.exams.length}${s.exams.length > 10 ? ", the last 10" : ""})` : ": none yet — try 'lpic3 exam'"}\n`);
      for (const e of s.exams.slice(-10)) term.out(`  ${e.at.slice(0, 16).replace("T", " ")}  ${String(e.scaled).padStart(3)}  ${e.correct}/${e.total}  ${e.passed ? c.green("pass") : c.red("fail")}${e.reason === "timeout" ? c.dim(" (time ran out)") : ""}\n`);
      if (s.examTrend !== null) term.out(`  trend: ${s.examTrend >= 0 ? "+" : ""}${s.examTrend} points per exam over the last ${Math.min(5, s.exams.length)}\n`);
      term.out(`\n${c.bold("Labs")}: ${s.labs.completed} completed${s.labs.assisted ? `, ${s.labs.assisted} with the solution shown` : ""}\n`);
      const tools = Object.entries(s.drills);
      term.out(`${c.bold("Drills")}: ${tools.length ? tools.map(([t, d]) => `${t} ${Math.round(d.accuracy * 100)}% of ${d.answered}`).join(" · ") : "none yet"}\n`);
      term.out("\n" + wrap(`${c.bold("Readiness (an estimate)")}: about ${s.readiness.percent}% expected right → ${s.readiness.scaled} on the 200–800 scale (pass 500)`, width).join("\n") + "\n");
      term.out(wrap(`How: ${s.readiness.basis}.`, width, "  ").map((l) => c.dim(l)).join("\n") + "\n");
    });

  const progress = program.command("progress").description("move or clear your progress");
  progress
    .command("export")
    .description("write all your progress to a file")
    .argument("<file>", "file to write")
    .action(async (file: string) => {
      const { exportProgress } = await import("../../app/progress-transfer");
      term.out(`Exported ${exportProgress(file)} events to ${file}.\n`);
    });
  progress
    .command("import")
    .description("merge progress exported on another machine (events already present are skipped)")
    .argument("<file>", "file made by 'lpic3 progress export'")
    .action(async (file: string) => {
      const { importProgress } = await import("../../app/progress-transfer");
      const r = importProgress(file);
      term.out(`Imported ${r.added} new events (${r.present} were already here).${r.kept ? ` The previous log is kept as ${r.kept}.` : ""}\n`);
    });
  progress
    .command("reset")
    .description("start again with no progress (the old log is kept as a backup file)")
    .option("-y, --yes", "do not ask for confirmation")
    .action(async (opts: { yes?: boolean }) => {
      if (!opts.yes) {
        if (!process.stdin.isTTY) throw usageError("refusing to reset without confirmation: add --yes");
        const { confirm } = await import("@inquirer/prompts");
        const { promptTheme } = await import("../ui/prompt-theme");
        if (!(await confirm({ message: "Erase all your progress (answers, exams, labs, drills)?", default: false, theme: promptTheme(term.chalk) }))) throw cancelled("Nothing was changed.");
      }
      const { resetProgress } = await import("../../app/progress-transfer");
      const kept = resetProgress();
      term.out(`Progress reset.${kept ? ` The old log is kept as ${kept}.` : ""}\n`);
    });
}
