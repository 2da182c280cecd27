// The interactive home menu shown by a bare `lpic3` on a terminal.
import { input, select } from "@inquirer/prompts";
import type { Command } from "commander";
import type { Terminal } from "../platform/terminal";
import { topics } from "../app/topics";

export async function homeMenu(term: Terminal, program: Command): Promise<void> {
  const c = term.chalk;
  term.out(`${c.bold.magenta("lpic3")} — LPIC-3 305-300 Virtualization and Containerization\n\n`);
  const names = new Set(program.commands.map((x) => x.name()));
  const run = async (argv: string[]) => {
    const { buildProgram, reportError } = await import("./main");
    try {
      await buildProgram(term).parseAsync(argv, { from: "user" });
    } catch (e) {
      reportError(e, term, false);
    }
    process.exitCode = 0;
  };
  for (;;) {
    const choices = [
      { name: "Study a topic", value: "study" },
      { name: "Search the notes", value: "search" },
      { name: "Exam objectives and weights", value: "topics" },
      ...[
        { name: "Practice quiz", value: "quiz" },
        { name: "Timed practice exam", value: "exam" },
        { name: "Review what is due", value: "review" },
        { name: "Lab shell (simulated virsh, xl, qemu-img)", value: "shell" },
        { name: "Guided labs", value: "lab" },
        { name: "Command drills", value: "drill" },
        { name: "Progress and stats", value: "stats" },
      ].filter((x) => names.has(x.value)),
      { name: "Quit", value: "quit" },
    ];
    const what = await select({ message: "What would you like to do?", choices, pageSize: choices.length });
    if (what === "quit") return;
    if (what === "study") {
      const id = await select({
        message: "Which objective?",
        choices: (await topics()).map((t) => ({ name: `${t.id}  ${t.title} (weight ${t.weight})`, value: t.id })),
        pageSize: 13,
      });
      await run(["study", id]);
    } else if (what === "search") {
      const q = await input({ message: "Search for:" });
      if (q.trim()) await run(["search", ...q.trim().split(/\s+/)]);
    } else if (what === "lab") {
      const { labList, loadSave } = await import("../app/lab");
      const id = await select({
        message: "Which lab?",
        choices: labList().map(({ lab: l }) => {
          const s = loadSave(l);
          return { name: `${l.objective}  ${l.title} (${l.level}, ${l.minutes} min)${s?.completed ? " ✓" : s ? " …" : ""}`, value: l.id };
        }),
        pageSize: 15,
      });
      await run(["lab", "start", id]);
    } else {
      await run([what]);
    }
    term.out("\n");
  }
}
