// `lpic3 exam`: a timed practice exam drawn to the blueprint, interactive or answered from a file or stdin.
import type { Command } from "commander";
import { cancelled, usageError } from "../../app/errors";
import type { ExamResult, ExamSession } from "../../app/exam";
import type { Given } from "../../engine/grading";
import { page, type Terminal } from "../../platform/terminal";
import { wrap } from "../render/text";

interface ExamCliOptions {
  seed?: string;
  minutes: string;
  objectives?: string;
  plan?: boolean;
  json?: boolean;
  resume?: boolean;
  abandon?: boolean;
  answers?: string;
}

export function registerExam(program: Command, term: Terminal) {
  program
    .command("exam")
    .description("take a timed practice exam: 60 questions in 90 minutes, weighted like the real one")
    .option("--seed <n>", "draw the form for this seed (the same seed gives the same questions)")
    .option("--minutes <n>", "time allowed", "90")
    .option("--objectives <ids>", "only these objectives, comma-separated (one question per weight point each)")
    .option("--plan", "print the form without starting the exam")
    .option("--json", "with --plan or non-interactive answers: print JSON")
    .option("--resume", "continue the exam that was interrupted, with the time that was left")
    .option("--abandon", "discard an unfinished exam")
    .option("--answers <file>", "answer from a file, one line per question (also used when stdin is not a terminal)")
    .addHelpText(
      "after",
      "\nNon-interactive answers: one line per question in form order; letters for choice questions (B, or A,C),\nthe text for fill-in questions, an empty line to leave one unanswered. End of input before the last\nquestion saves the exam for --resume.\n\nExamples:\n  lpic3 exam\n  lpic3 exam --seed 42 --objectives 351.4,351.5\n  lpic3 exam --plan --seed 7 --json\n  lpic3 exam --resume",
    )
    .action(async (opts: ExamCliOptions) => runExam(term, opts));
}

async function runExam(term: Terminal, opts: ExamCliOptions) {
  const exam = await import("../../app/exam");
  const minutes = Number(opts.minutes);
  if (!(minutes > 0)) throw usageError(`--minutes must be a number above 0, not '${opts.minutes}'`);
  const seed = opts.seed !== undefined ? Number(opts.seed) : Math.floor(Math.random() * 1_000_000);
  if (!Number.isInteger(seed) || seed < 0) throw usageError(`--seed must be a whole number >= 0, not '${opts.seed}'`);
  const objectives = opts.objectives?.split(/[,\s]+/).filter(Boolean);

  if (opts.plan) {
    const plan = exam.planExam(seed, minutes, objectives);
    if (opts.json) {
      term.out(JSON.stringify({ seed: plan.seed, minutes: plan.minutes, ...(plan.objectives ? { objectives: plan.objectives } : {}), questions: plan.questions }) + "\n");
      return;
    }
    const counts = new Map<string, number>();
    for (const q of plan.questions) counts.set(q.objective, (counts.get(q.objective) ?? 0) + 1);
    term.out(`Exam form for seed ${plan.seed}: ${plan.questions.length} questions, ${plan.minutes} minutes\n`);
    for (const [o, n] of [...counts].sort()) term.out(`  ${o}  ${n}\n`);
    return;
  }

  const unfinished = exam.unfinishedExam();
  if (opts.abandon) {
    if (!unfinished) throw usageError("there is no unfinished exam to abandon");
    exam.abandonExam(unfinished);
    term.out(`Abandoned the exam started with seed ${unfinished.plan.seed}.\n`);
    return;
  }
  const interactive = !opts.answers && process.stdin.isTTY && process.stdout.isTTY;
  let session: ExamSession;
  if (opts.resume) {
    if (!unfinished) throw usageError("there is no unfinished exam to resume; start one with 'lpic3 exam'");
    session = unfinished;
  } else if (unfinished) {
    if (!interactive) throw usageError(`an exam (seed ${unfinished.plan.seed}) is not finished: continue it with 'lpic3 exam --resume' or discard it with 'lpic3 exam --abandon'`);
    const { menu } = await import("../ui/menu");
    const left = Math.max(0, unfinished.plan.minutes * 60 - unfinished.elapsed);
    const what = await menu({
      message: () => `You have an unfinished exam (seed ${unfinished.plan.seed}, ${unfinished.answers.size}/${unfinished.plan.questions.length} answered, ${Math.ceil(left / 60)} min left).`,
      choices: [
        { name: "Resume it", value: "resume" },
        { name: "Abandon it and start a new exam", value: "new" },
        { name: "Quit", value: "quit" },
      ],
      escape: "quit",
      chalk: term.chalk,
      width: Math.min(term.columns, 100),
    });
    if (what === "quit") return;
    if (what === "resume") session = unfinished;
    else {
      exam.abandonExam(unfinished);
      session = exam.startExam(exam.planExam(seed, minutes, objectives));
    }
  } else session = exam.startExam(exam.planExam(seed, minutes, objectives));

  const result = interactive ? await interactiveExam(term, session) : await scriptedExam(term, session, opts);
  if (!result) return;
  if (opts.json && !interactive) {
    term.out(JSON.stringify({ exam: result.exam, correct: result.correct, total: result.total, scaled: result.scaled, passed: result.passed, reason: result.reason, byObjective: result.byObjective, missed: result.missed.map((m) => m.q.id) }) + "\n");
    return;
  }
  const text = await formatResult(term, result);
  if (interactive) page(term, text);
  else term.out(text);
}

/** Answers from a file or piped stdin, one line per unanswered question in form order. */
async function scriptedExam(term: Terminal, s: ExamSession, opts: ExamCliOptions): Promise<ExamResult | undefined> {
  const exam = await import("../../app/exam");
  const { parseLetters } = await import("../../engine/grading");
  const { formatQuestion } = await import("../ui/question-view");
  const { lineSource } = await import("../../platform/lines");
  const out = opts.json ? (x: string) => term.err(x) : (x: string) => term.out(x);
  const lines = lineSource(opts.answers);
  const startWall = Date.now();
  const startElapsed = s.elapsed;
  const elapsed = () => startElapsed + (Date.now() - startWall) / 1000;
  const limit = s.plan.minutes * 60;
  const c = term.chalk;
  const width = Math.min(term.columns, 100);
  try {
    const todo = s.plan.questions.map((fq, i) => ({ fq, i })).filter(({ fq }) => !s.answers.has(fq.id));
    for (const { fq, i } of todo) {
      if (elapsed() >= limit) return exam.submitExam(s, "timeout", limit);
      const { q, objective } = exam.question(fq.id);
      out(`\n${formatQuestion(q, `Question ${i + 1} of ${s.plan.questions.length} · ${objective} · ${formatClockLeft(limit - elapsed())} left`, c, width)}`);
      const line = await lines.next();
      if (line === null) {
        exam.pauseExam(s, elapsed());
        term.err(`Answers so far are saved (${s.answers.size}/${s.plan.questions.length}). Continue with 'lpic3 exam --resume'.\n`);
        return undefined;
      }
      // an answer that arrives after the time is up does not count
      if (elapsed() >= limit) return exam.submitExam(s, "timeout", limit);
      if (line.trim() === "") continue;
      let given: Given;
      if (q.type === "fill") given = line;
      else {
        const letters = parseLetters(line, q.choices.length);
        if (letters === null) {
          term.err(`question ${i + 1}: '${line}' is not an answer (letters A–${"ABCDEF"[q.choices.length - 1]}); left unanswered\n`);
          continue;
        }
        given = q.type === "single" ? letters[0]! : letters;
      }
      exam.saveAnswer(s, fq.id, given, elapsed());
    }
  } finally {
    lines.close();
  }
  return exam.submitExam(s, elapsed() >= limit ? "timeout" : "submitted", Math.min(elapsed(), limit));
}

function formatClockLeft(sec: number): string {
  const s = Math.max(0, Math.ceil(sec));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** The interactive exam: question screens with a live countdown, a menu for review, jump, flag and submit. */
async function interactiveExam(term: Terminal, s: ExamSession): Promise<ExamResult | undefined> {
  const exam = await import("../../app/exam");
  const { examScreen, formatClock } = await import("../ui/exam-screen");
  const { menu, fit } = await import("../ui/menu");
  const c = term.chalk;
  const startWall = Date.now();
  const startElapsed = s.elapsed;
  const limit = s.plan.minutes * 60;
  const elapsed = () => Math.min(limit, startElapsed + (Date.now() - startWall) / 1000);
  const deadline = startWall + (limit - startElapsed) * 1000;
  const total = s.plan.questions.length;
  const width = Math.min(term.columns, 100);
  const same = (a: Given | undefined, b: Given | null) => JSON.stringify(a ?? null) === JSON.stringify(b);
  const keep = (id: string, given: Given | null) => {
    if (!same(s.answers.get(id), given)) exam.saveAnswer(s, id, given, elapsed());
  };
  const timeLeft = () => {
    const ms = deadline - Date.now();
    const t = formatClock(ms);
    return ms < 5 * 60_000 ? c.bold.red(t) : ms < 15 * 60_000 ? c.yellow(t) : c.green(t);
  };
  let index = Math.max(0, s.plan.questions.findIndex((fq) => !s.answers.has(fq.id)));
  const screen = fullScreen(term);

  /** The menu behind Esc; a number is a question to jump to. */
  const examMenu = async (): Promise<"submit" | "quit" | "timeout" | number | null> => {
    for (;;) {
      const unanswered = s.plan.questions.filter((fq) => !s.answers.has(fq.id)).length;
      const id = s.plan.questions[index]!.id;
      screen.clear();
      const what = await menu<string>({
        message: () => `Exam menu · ${total - unanswered}/${total} answered · ${s.flagged.size} flagged · ${timeLeft()} left`,
        choices: [
          { name: `Back to question ${index + 1}`, value: "back" },
          { name: "Review all questions (answered, unanswered, flagged) and jump", value: "review" },
          { name: s.flagged.has(id) ? `Unflag question ${index + 1}` : `Flag question ${index + 1} for review`, value: "flag" },
          { name: "Submit the exam", value: "submit" },
          { name: "Save and quit (continue later with lpic3 exam --resume)", value: "quit" },
        ],
        escape: "back",
        deadline,
        timeout: "timeout",
        chalk: c,
        width,
      });
      if (what === "timeout") return "timeout";
      if (what === "back") return null;
      if (what === "quit") return "quit";
      if (what === "flag") {
        exam.setFlag(s, id, !s.flagged.has(id), elapsed());
        return null;
      }
      if (what === "submit") {
        const flagged = s.flagged.size;
        const warn = [unanswered ? `${unanswered} question${unanswered === 1 ? " is" : "s are"} unanswered` : "", flagged ? `${flagged} flagged` : ""].filter(Boolean).join(", ");
        screen.clear();
        const ok = await menu<string>({
          message: () => `Submit the exam now?${warn ? ` ${warn}.` : ""} · ${timeLeft()} left`,
          choices: [
            { name: "No, back to the menu", value: "no" },
            { name: "Yes, submit and see the result", value: "yes" },
          ],
          escape: "no",
          deadline,
          timeout: "timeout",
          chalk: c,
          width,
        });
        if (ok === "timeout") return "timeout";
        if (ok === "yes") return "submit";
        continue;
      }
      // review: every question with its state; Enter jumps to it, Esc goes back to the menu
      screen.clear();
      const jump = await menu<number>({
        message: () => `Jump to a question · ${total - unanswered}/${total} answered · ${timeLeft()} left`,
        pageSize: Math.max(5, Math.min(total, term.rows - 5)),
        numbered: true,
        choices: s.plan.questions.map((fq, i) => {
          const { q } = exam.question(fq.id);
          const st = s.answers.has(fq.id) ? c.green("✔ answered  ") : c.red("· unanswered");
          const fl = s.flagged.has(fq.id) ? c.yellow(" ⚑") : "  ";
          const lead = `${String(i + 1).padStart(2)}. ${st}${fl}  `;
          return { name: lead + fit(q.stem.trim().replace(/\s+/g, " "), width - 2 - 18 - 4 - 2), value: i };
        }),
        default: index,
        escape: -1,
        deadline,
        timeout: -2,
        chalk: c,
        width,
      });
      if (jump === -2) return "timeout";
      if (jump >= 0) return jump;
    }
  };

  /** Ctrl-C: every answer is already saved; offer to leave. */
  const leave = async (): Promise<"quit" | "continue" | "abandon" | "timeout"> => {
    screen.clear();
    try {
      return await menu<"quit" | "continue" | "abandon" | "timeout">({
        message: () => `Leave the exam? · ${timeLeft()} left`,
        choices: [
          { name: "Save and quit — continue later with lpic3 exam --resume", value: "quit" },
          { name: "Continue the exam", value: "continue" },
          { name: "Abandon this exam (it will not count)", value: "abandon" },
        ],
        escape: "continue",
        deadline,
        timeout: "timeout",
        chalk: c,
        width,
      });
    } catch (e) {
      // a second Ctrl-C leaves, keeping everything
      if (e instanceof Error && e.name === "ExitPromptError") return "quit";
      throw e;
    }
  };

  screen.enter();
  let outcome: { result?: ExamResult; note?: string; abandoned?: boolean };
  try {
    outcome = await (async () => {
      for (;;) {
        const fq = s.plan.questions[index]!;
        const { q, objective } = exam.question(fq.id);
        if (Date.now() >= deadline) return { result: exam.submitExam(s, "timeout", limit) };
        let m: Awaited<ReturnType<typeof examMenu>> | undefined;
        try {
          screen.clear();
          const a = await examScreen({ q, index, total, objective, answered: s.answers.size, flagged: s.flagged.has(fq.id), given: s.answers.get(fq.id), deadline, chalk: c, width: term.columns }, { clearPromptOnDone: true });
          keep(fq.id, a.given);
          if (a.kind === "timeout") return { result: exam.submitExam(s, "timeout", limit) };
          if (a.kind === "flag") exam.setFlag(s, fq.id, !s.flagged.has(fq.id), elapsed());
          else if (a.kind === "answer" && !(a.move === 1 && index === total - 1)) index = Math.max(0, Math.min(total - 1, index + a.move));
          else m = await examMenu();
        } catch (e) {
          if (!(e instanceof Error) || e.name !== "ExitPromptError") throw e;
          const what = await leave();
          if (what === "timeout") return { result: exam.submitExam(s, "timeout", limit) };
          if (what === "quit") m = "quit";
          if (what === "abandon") {
            exam.abandonExam(s);
            return { abandoned: true };
          }
        }
        if (m === "timeout") return { result: exam.submitExam(s, "timeout", limit) };
        if (m === "submit") return { result: exam.submitExam(s, "submitted", elapsed()) };
        if (m === "quit") return { note: saveAndQuit(exam, s, elapsed()) };
        if (typeof m === "number") index = m;
      }
    })();
  } finally {
    screen.leave();
  }
  if (outcome.abandoned) throw cancelled("Exam abandoned.");
  if (outcome.note) term.out(outcome.note);
  if (outcome.result?.reason === "timeout") term.out(c.red.bold("Time is up: the exam was submitted.\n"));
  return outcome.result;
}

/**
 * The exam runs on the terminal's alternate screen, one question at a time at the top, as a full-screen
 * program does; leaving it restores what was on the terminal before.
 */
function fullScreen(term: Terminal) {
  let on = false;
  const leave = () => {
    if (!on) return;
    on = false;
    process.stdout.write("\u001b[?1049l");
    process.off("exit", leave);
  };
  return {
    enter() {
      if (!term.isTTY) return;
      on = true;
      process.stdout.write("\u001b[?1049h\u001b[H\u001b[2J");
      process.on("exit", leave);
    },
    clear() {
      if (on) process.stdout.write("\u001b[H\u001b[2J");
    },
    leave,
  };
}

/** Pause the exam; the line that tells the learner how to come back. */
function saveAndQuit(exam: typeof import("../../app/exam"), s: ExamSession, elapsed: number): string {
  exam.pauseExam(s, elapsed);
  const left = Math.max(0, Math.floor(s.plan.minutes * 60 - elapsed));
  return `Saved: ${s.answers.size}/${s.plan.questions.length} answered, ${Math.floor(left / 60)} min ${left % 60} s left. Continue with 'lpic3 exam --resume'.\n`;
}

export async function formatResult(term: Terminal, r: ExamResult): Promise<string> {
  const { bar, formatFeedback } = await import("../ui/question-view");
  const { cachedObjectives } = await import("../../content/objectives-cache");
  const titles = new Map((await cachedObjectives()).map((o) => [o.id, o.title]));
  const c = term.chalk;
  const width = Math.min(term.columns, 100);
  const pct = Math.round((100 * r.correct) / r.total);
  const lines: string[] = [];
  lines.push("", c.bold(`Result: ${r.correct}/${r.total} correct (${pct}%)${r.reason === "timeout" ? " — submitted when time ran out" : ""}`));
  lines.push(`Estimated score: ${c.bold(String(r.scaled))} on LPI's 200–800 scale · pass mark 500 · ${r.passed ? c.green.bold("PASS") : c.red.bold("FAIL")}`);
  lines.push(...wrap(c.dim("This is an estimate: LPI does not publish how raw scores convert to its scale. lpic3 maps 0% to 200, 65% to 500 and 100% to 800, in straight lines between."), width));
  lines.push("", c.bold("By objective"));
  for (const [o, s] of Object.entries(r.byObjective).sort()) {
    const title = (titles.get(o) ?? "").slice(0, 34).padEnd(34);
    lines.push(`  ${o}  ${title} ${bar(s.correct / s.total, 20, c)} ${s.correct}/${s.total}`);
  }
  if (r.missed.length) {
    lines.push("", c.bold(`Questions to review (${r.missed.length})`));
    r.missed.forEach((m, i) => {
      lines.push("", ...wrap(`${c.bold(`${i + 1}. [${m.q.id}]`)} ${m.q.stem.trim().split("\n").join(" ")}`, width, "", "   "));
      if (m.q.type !== "fill") m.q.choices.forEach((ch, k) => lines.push(...wrap(`${"ABCDEF"[k]}. ${ch}`, width, "   ", "      ")));
      lines.push(formatFeedback(m.q, m.given, false, c, width).trimEnd());
    });
  }
  return lines.join("\n") + "\n";
}
