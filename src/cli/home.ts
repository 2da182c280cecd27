// The interactive home menu shown by a bare `lpic3` on a terminal.
import type { Command } from "commander";
import type { Terminal } from "../platform/terminal";
import { topics } from "../app/topics";

/** True for the error an inquirer prompt rejects with when the learner presses Ctrl-C. */
const isCtrlC = (e: unknown) => e instanceof Error && e.name === "ExitPromptError";

export async function homeMenu(term: Terminal, program: Command): Promise<void> {
  const c = term.chalk;
  const { menu } = await import("./ui/menu");
  const { input } = await import("@inquirer/prompts");
  const { promptTheme } = await import("./ui/prompt-theme");
  const width = Math.min(term.columns, 100);
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
  /** A second-level question: Esc or Ctrl-C goes back to the home menu (undefined). */
  const BACK = Symbol("back");
  const ask = async <V>(message: string, choices: { name: string; value: V }[], pageSize?: number): Promise<V | undefined> => {
    try {
      const v = await menu<V | typeof BACK>({ message: () => message, choices, escape: BACK, chalk: c, width, ...(pageSize ? { pageSize } : {}) });
      if (v === BACK) return undefined;
      term.out(c.dim(`› ${choices.find((x) => x.value === v)?.name ?? ""}\n`));
      return v;
    } catch (e) {
      if (isCtrlC(e)) return undefined;
      throw e;
    }
  };
  const objectiveChoices = async () => (await topics()).map((t) => ({ name: `${t.id}  ${t.title} (weight ${t.weight})`, value: t.id }));
  const entries = [
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
  let last = 0;
  for (;;) {
    const what = await menu<string>({ message: () => "What would you like to do?", choices: entries, default: last, chalk: c, width });
    last = entries.findIndex((e) => e.value === what);
    if (what === "quit") return;
    term.out(c.dim(`› ${entries[last]!.name}\n`));
    if (what === "study") {
      const id = await ask("Which objective?", await objectiveChoices(), 13);
      if (id) await run(["study", id]);
    } else if (what === "quiz") {
      const id = await ask("Questions from which objective?", [{ name: "All objectives, 10 questions", value: "" }, ...(await objectiveChoices())], 14);
      if (id !== undefined) await run(["quiz", ...(id ? [id] : [])]);
    } else if (what === "exam") {
      const go = await ask("A practice exam: 60 questions weighted like the real one, 90 minutes on the clock.", [
        { name: "Start the exam (or continue an unfinished one)", value: true },
        { name: "Back", value: false },
      ]);
      if (go) await run(["exam"]);
    } else if (what === "search") {
      let q = "";
      try {
        q = await input({ message: "Search for (empty: back):", theme: promptTheme(c) });
      } catch (e) {
        if (!isCtrlC(e)) throw e;
      }
      if (q.trim()) await run(["search", ...q.trim().split(/\s+/)]);
    } else if (what === "lab") {
      const { labList, loadSave } = await import("../app/lab");
      const id = await ask(
        "Which lab?",
        labList().map(({ lab: l }) => {
          const s = loadSave(l);
          return { name: `${l.objective}  ${l.title} (${l.level}, ${l.minutes} min)${s?.completed ? " ✓" : s ? " …" : ""}`, value: l.id };
        }),
        Math.max(5, Math.min(15, term.rows - 4)),
      );
      if (id) await run(["lab", "start", id]);
    } else {
      await run([what]);
    }
    term.out("\n");
  }
}
