// `lpic3 lab`: list, start (the lab shell with live checks), status, check, hint, solution, reset, verify.
import type { Command } from "commander";
import type { ChalkInstance } from "chalk";
import type { Terminal } from "../../platform/terminal";
import type { Lab } from "../../content/lab-schema";
import type { TaskResult } from "../../engine/lab-checks";
import { usageError } from "../../app/errors";

/** A line typed in the lab shell that talks to the lab rather than the simulated host. */
const LAB_LINE = /^\s*(?:lpic3\s+)?lab(?:\s+(\S+))?\s*$/;
const isLabCommand = (line: string) => LAB_LINE.test(line);

const warnTo = (term: Terminal) => (m: string) => term.err(`lpic3: ${m}\n`);

function taskLines(lab: Lab, results: TaskResult[], c: ChalkInstance): string {
  return lab.tasks
    .map((t, i) => {
      const done = results[i]?.done;
      return `  ${done ? c.green("[x]") : "[ ]"} ${i + 1}. ${t.title}${t.detail ? `\n        ${c.dim(t.detail.trim().replace(/\n/g, "\n        "))}` : ""}`;
    })
    .join("\n");
}

function checkLines(results: TaskResult[], lab: Lab, c: ChalkInstance): string {
  const out: string[] = [];
  results.forEach((r, i) => {
    out.push(`${r.done ? c.green("✓") : c.red("✗")} Task ${i + 1}: ${lab.tasks[i]!.title}`);
    for (const k of r.checks) {
      out.push(`    ${k.ok ? c.green("✓") : c.red("✗")} ${k.label}`);
      for (const p of k.problems) out.push(`        ${c.yellow(p)}`);
    }
  });
  return out.join("\n") + "\n";
}

export function registerLab(program: Command, term: Terminal) {
  const lab = program
    .command("lab")
    .description("hands-on labs on a simulated host, checked as you go")
    .addHelpText("after", "\nExamples:\n  lpic3 lab list\n  lpic3 lab start virsh-first-steps\n  lpic3 lab hint virsh-first-steps\n  lpic3 lab verify --all");

  lab
    .command("list")
    .description("list the labs with your progress")
    .option("--json", "print JSON")
    .option("-o, --objective <id>", "only labs of one objective")
    .action(async (opts: { json?: boolean; objective?: string }) => {
      const { labList, loadSave } = await import("../../app/lab");
      const labs = labList().filter((l) => !opts.objective || l.lab.objective === opts.objective);
      if (opts.json) {
        term.out(JSON.stringify({ labs: labs.map(({ lab: l }) => ({ id: l.id, objective: l.objective, title: l.title, tasks: l.tasks.length, level: l.level, minutes: l.minutes, fixture: l.fixture })) }) + "\n");
        return;
      }
      const c = term.chalk;
      const w = Math.max(...labs.map((l) => l.lab.id.length), 2);
      term.out(`${"ID".padEnd(w)}  Obj.   Level         Min  Title\n`);
      for (const { lab: l } of labs) {
        const s = loadSave(l);
        const mark = s?.completed ? c.green(s.assisted ? " (done, assisted)" : " (done)") : s ? c.yellow(" (in progress)") : "";
        term.out(`${l.id.padEnd(w)}  ${l.objective}  ${l.level.padEnd(12)}  ${String(l.minutes).padStart(3)}  ${l.title}${mark}\n`);
      }
      term.out(`\n${labs.length} labs. Start one with 'lpic3 lab start ID'.\n`);
    });

  lab
    .command("start")
    .description("open the lab shell (resumes where you left off)")
    .argument("<id>", "lab id from 'lpic3 lab list'")
    .option("--fresh", "discard saved progress and start from the beginning")
    .action((id: string, opts: { fresh?: boolean }) => startLab(term, id, !!opts.fresh));

  lab
    .command("status")
    .description("show the tasks of a lab (or of every lab you started) with what is done")
    .argument("[id]", "lab id")
    .option("--json", "print JSON")
    .action(async (id: string | undefined, opts: { json?: boolean }) => {
      const app = await import("../../app/lab");
      const ids = id ? [id] : app.labList().filter((l) => app.loadSave(l.lab)).map((l) => l.lab.id);
      const all = ids.map((x) => app.labStatus(x, warnTo(term)));
      if (opts.json) {
        term.out(JSON.stringify({ labs: all.map((s) => ({ id: s.lab.id, started: !!s.save, completed: !!s.save?.completed, assisted: !!s.save?.assisted, tasks: s.results.map((r, i) => ({ title: s.lab.tasks[i]!.title, done: r.done })) })) }) + "\n");
        return;
      }
      const c = term.chalk;
      if (!all.length) term.out("No lab started yet. 'lpic3 lab list' shows them; 'lpic3 lab start ID' begins one.\n");
      for (const s of all) {
        const n = s.results.filter((r) => r.done).length;
        term.out(`${c.bold(s.lab.id)} · ${s.lab.title} · ${n}/${s.results.length} tasks${s.save ? (s.save.completed ? (s.save.assisted ? " · complete (assisted)" : " · complete") : "") : " · not started"}\n${taskLines(s.lab, s.results, c)}\n\n`);
      }
    });

  lab
    .command("check")
    .description("check every task of a lab against its current state, with what still differs")
    .argument("<id>", "lab id")
    .option("--json", "print JSON")
    .action(async (id: string, opts: { json?: boolean }) => {
      const app = await import("../../app/lab");
      const s = app.labStatus(id, warnTo(term));
      if (opts.json) {
        term.out(JSON.stringify({ id, done: s.results.every((r) => r.done), tasks: s.results.map((r, i) => ({ title: s.lab.tasks[i]!.title, done: r.done, checks: r.checks })) }) + "\n");
        return;
      }
      if (!s.save) term.out(term.chalk.dim("(not started: checking the start state)\n"));
      term.out(checkLines(s.results, s.lab, term.chalk));
    });

  lab
    .command("hint")
    .description("the next hint for the first unfinished task, and what still differs")
    .argument("<id>", "lab id")
    .action(async (id: string) => {
      const app = await import("../../app/lab");
      const h = app.nextHint(id, warnTo(term));
      const c = term.chalk;
      if (!h) {
        term.out("Every task of this lab is done.\n");
        return;
      }
      const l = app.getLab(id);
      term.out(`${c.bold(`Hint for task ${h.task + 1}`)} (${l.tasks[h.task]!.title})\n${h.hints.map((x, k) => `  ${k + 1}. ${x}`).join("\n")}\n`);
      if (h.differs.length) term.out(`${c.dim("Still to do:")}\n${h.differs.map((d) => `  - ${d}`).join("\n")}\n`);
      if (h.more) term.out(c.dim(`Run 'lpic3 lab hint ${id}' again for a stronger hint.\n`));
    });

  lab
    .command("solution")
    .description("show the reference solution (the lab then counts as assisted)")
    .argument("<id>", "lab id")
    .action(async (id: string) => {
      const app = await import("../../app/lab");
      const { lab: l, solution } = app.showSolution(id, warnTo(term));
      term.out(`${term.chalk.bold(`Reference solution for ${l.id}`)} ${term.chalk.dim("(the lab now counts as assisted)")}\n${solution.trimEnd()}\n`);
    });

  lab
    .command("reset")
    .description("throw away a lab's saved state so it starts afresh")
    .argument("<id>", "lab id")
    .action(async (id: string) => {
      const app = await import("../../app/lab");
      const r = app.resetLab(id);
      term.out(r.existed ? `Lab ${id} reset: 'lpic3 lab start ${id}' begins from the start state.\n` : `Lab ${id} had no saved state.\n`);
    });

  lab
    .command("verify")
    .description("replay reference solutions: every task must fail on the start state and pass afterwards")
    .argument("[ids...]", "lab ids")
    .option("--all", "verify every lab")
    .option("--json", "print JSON")
    .action(async (ids: string[], opts: { all?: boolean; json?: boolean }) => {
      const app = await import("../../app/lab");
      if (!ids.length && !opts.all) throw usageError("name the labs to verify, or use --all");
      const labs = opts.all ? app.labList().map((l) => l.lab) : ids.map((x) => app.getLab(x));
      const results = labs.map((l) => app.verifyLab(l));
      const failed = results.filter((r) => !r.ok);
      if (opts.json) term.out(JSON.stringify({ ok: failed.length === 0, labs: results.map((r) => ({ id: r.id, ok: r.ok, problems: r.problems })) }) + "\n");
      else {
        const c = term.chalk;
        for (const r of results) {
          term.out(`${r.ok ? c.green("ok  ") : c.red("FAIL")} ${r.id}\n`);
          for (const p of r.problems) term.out(`       ${p}\n`);
        }
        term.out(`${results.length - failed.length}/${results.length} labs verified\n`);
      }
      if (failed.length) process.exitCode = 1;
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The lab shell: the lab's saved host with its tasks, a live check after every command (`lpic3 lab start`, `lpic3 shell --lab`). */
export async function startLab(term: Terminal, id: string, fresh: boolean): Promise<void> {
  const app = await import("../../app/lab");
  if (fresh) app.resetLab(id);
  const { lab: l, save, resumed } = app.openLab(id, warnTo(term));
  const c = term.chalk;
  const before = app.evaluateLab(l, save.world, save.home);
  const { wrap } = await import("../render/text");
  const width = term.isTTY ? Math.min(term.columns, 100) : 80;
  const para = (text: string) =>
    text
      .trim()
      .split(/\n\s*\n/)
      .map((p) => wrap(p.replace(/\s*\n\s*/g, " "), width).join("\n"))
      .join("\n\n");
  const header =
    `${c.bold(`Lab ${l.id}`)} · ${l.objective} · ${l.title}${resumed ? c.dim(" (resumed)") : ""}\n\n` +
    `${para(l.story)}\n\n${c.bold("Tasks")}\n${taskLines(l, before, c)}\n\n` +
    wrap("Type commands as on a real host. Inside the lab: 'lab tasks', 'lab hint', 'lab check', 'lab solution'; 'exit' or Ctrl-D leaves (progress is kept).", width)
      .map((x) => c.dim(x))
      .join("\n") +
    "\n\n";
  const interactive = process.stdin.isTTY && process.stdout.isTTY;
  let last = before;
  const progress = (session: import("../../sim/shell/session").Session) => {
    const p = app.step(l, save, session, last);
    last = p.results;
    for (const i of p.newlyDone) term.out(c.green(`✓ Task ${i + 1} done: ${l.tasks[i]!.title}\n`));
    if (p.completedNow) term.out(c.green.bold(`\nAll ${l.tasks.length} tasks done: lab ${l.id} complete${save.assisted ? " (with the solution shown)" : ""}.\n`) + c.dim("Type 'exit' to leave, or keep exploring.\n"));
  };
  const labCommand = (line: string): string | null => {
    const m = LAB_LINE.exec(line);
    if (!m) return null;
    const sub = m[1] ?? "tasks";
    if (sub === "tasks" || sub === "status") return `${c.bold("Tasks")}\n${taskLines(l, last, c)}\n`;
    if (sub === "check") return checkLines(last, l, c);
    if (sub === "hint") {
      const h = app.nextHint(l.id, warnTo(term));
      // nextHint updated the saved hint counter; keep the in-memory copy in step
      const fresh = app.loadSave(l);
      if (fresh) save.hints = fresh.hints;
      if (!h) return "Every task is done.\n";
      return `${c.bold(`Hint for task ${h.task + 1}`)} (${l.tasks[h.task]!.title})\n${h.hints.map((x, k) => `  ${k + 1}. ${x}`).join("\n")}\n${h.differs.length ? `${c.dim("Still to do:")}\n${h.differs.map((d) => `  - ${d}`).join("\n")}\n` : ""}${h.more ? c.dim("('lab hint' again for a stronger hint)\n") : ""}`;
    }
    if (sub === "solution") {
      save.assisted = true;
      app.saveLab(save);
      return `${c.bold("Reference solution")} (the lab now counts as assisted)\n${l.solution.trimEnd()}\n`;
    }
    return `lab: unknown lab command '${sub}' (use tasks, hint, check or solution)\n`;
  };
  if (!interactive) {
    // piped input: each line runs as typed, followed by the live check
    const { runScript } = await import("../../app/shell");
    term.out(header);
    const session = app.sessionFor(save, { tty: false });
    const text = await readStdin();
    const lines = text.replace(/\r\n/g, "\n").split("\n");
    const chunks: string[] = [];
    const flush = () => {
      if (!chunks.length) return;
      runScript(session, chunks.join("\n") + "\n", (e) => {
        term.out(e.stdout);
        term.err(e.stderr);
        progress(session);
      });
      chunks.length = 0;
    };
    for (const line of lines) {
      if (!session.program && isLabCommand(line)) {
        flush();
        term.out(labCommand(line)!);
      } else chunks.push(line);
    }
    flush();
    progress(session);
    return;
  }
  const { terminalEditor } = await import("../../platform/editor");
  const { repl } = await import("../repl");
  const session = app.sessionFor(save, {
    tty: true,
    editor: terminalEditor,
  });
  await repl(session, term, header, {
    intercept: (line) => {
      const out = labCommand(line);
      if (out === null) return false;
      term.out(out);
      return true;
    },
    after: () => progress(session),
  });
  if (session.exited) {
    // leaving the shell ends the lab session, but the host state is kept for next time
    session.exited = false;
    app.saveLab(save);
    const done = last.filter((r) => r.done).length;
    const bye = done === l.tasks.length ? `Lab ${l.id}: all ${l.tasks.length} tasks done.` : `Lab ${l.id}: ${done}/${l.tasks.length} tasks done; the host is saved as you left it. 'lpic3 lab start ${l.id}' continues.`;
    term.out(wrap(bye, width).map((x) => c.dim(x)).join("\n") + "\n");
  }
}
