// `lpic3 study`: render a topic note (or one section) for the terminal.
import type { Command } from "commander";
import { page, type Terminal } from "../../platform/terminal";

export function registerStudy(program: Command, term: Terminal) {
  program
    .command("study")
    .description("read the study note of an objective")
    .argument("<objective>", "objective id, e.g. 351.4")
    .option("-s, --section <name>", "show one section (anchor or title, e.g. storage-pools)")
    .option("--sections", "list the note's sections")
    .addHelpText("after", "\nExamples:\n  lpic3 study 351.4\n  lpic3 study 351.4 --section snapshots\n  lpic3 study 351.4 | less")
    .action(async (objective: string, opts: { section?: string; sections?: boolean }) => {
      const { studyPage } = await import("../../app/study");
      const { renderMarkdown } = await import("../render/markdown");
      const p = studyPage(objective, opts.section);
      if (opts.sections) {
        // anchors in a column (sub-sections indented), titles lined up after them
        const col = Math.max(...p.note.sections.map((s) => 2 * (s.level - 2) + s.anchor.length)) + 2;
        for (const s of p.note.sections) {
          const lead = `${"  ".repeat(s.level - 2)}${s.anchor}`;
          term.out(`${"  ".repeat(s.level - 2)}${term.chalk.cyan(s.anchor)}${" ".repeat(col - lead.length)}${s.title.replace(/`/g, "")}\n`);
        }
        return;
      }
      const width = term.isTTY ? Math.min(term.columns, 100) : 80;
      const text = renderMarkdown(p.markdown, { width, chalk: term.chalk, wrapCode: term.isTTY });
      const where = p.section ? `${p.note.id} § ${p.section.anchor}` : p.note.id;
      page(term, text + (term.isTTY ? term.chalk.dim(`\n— ${where} · lpic3 study ${p.note.id} --sections lists the sections\n`) : ""));
    });
}
