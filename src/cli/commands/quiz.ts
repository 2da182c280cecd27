// `lpic3 quiz` and `lpic3 review`: questions one at a time with instant feedback; every answer is logged.
import type { Command } from "commander";
import { Option } from "commander";
import type { Terminal } from "../../platform/terminal";
import { usageError } from "../../app/errors";
import type { Given } from "../../engine/grading";

interface QuizCliOptions {
  count: string;
  type?: "single" | "multi" | "fill";
  due?: boolean;
  seed?: string;
  answers?: string;
}

export function registerQuiz(program: Command, term: Terminal) {
  program
    .command("quiz")
    .description("practise questions with instant feedback and explanations")
    .argument("[objectives...]", "objective ids to draw from (default: all), e.g. 351.4 352.3")
    .option("-n, --count <n>", "how many questions", "10")
    .addOption(new Option("-t, --type <type>", "only one kind of question").choices(["single", "multi", "fill"]))
    .option("--due", "only questions that spaced repetition says are due")
    .option("--seed <n>", "fixed order for the draw")
    .option("--answers <file>", "read answers from a file, one per line (also used when stdin is not a terminal)")
    .addHelpText("after", "\nExamples:\n  lpic3 quiz 351.4 --count 20\n  lpic3 quiz --type fill\n  lpic3 quiz --due")
    .action(async (objectives: string[], opts: QuizCliOptions) => runQuiz(term, objectives, opts, "quiz"));

  program
    .command("review")
    .description("review what spaced repetition says is due, earliest first")
    .option("-n, --count <n>", "how many items at most", "20")
    .option("--answers <file>", "read answers from a file, one per line")
    .action(async (opts: QuizCliOptions) => runQuiz(term, [], { ...opts, due: true }, "review"));
}

async function runQuiz(term: Terminal, objectives: string[], opts: QuizCliOptions, source: "quiz" | "review") {
  const count = Number(opts.count);
  if (!Number.isInteger(count) || count < 1) throw usageError(`--count must be a positive whole number, not '${opts.count}'`);
  const seed = opts.seed !== undefined ? Number(opts.seed) : undefined;
  if (seed !== undefined && !Number.isInteger(seed)) throw usageError(`--seed must be a whole number, not '${opts.seed}'`);
  const { chooseQuestions, answerQuestion, weakSpots } = await import("../../app/quiz");
  const { formatQuestion, formatFeedback } = await import("../ui/question-view");
  const { parseLetters } = await import("../../engine/grading");
  // review serves due drills too, in one queue ordered by due date
  const queue =
    source === "review"
      ? (await import("../../app/drill")).reviewQueue(count)
      : chooseQuestions({ objectives, count, ...(opts.type ? { type: opts.type } : {}), ...(opts.due ? { due: true } : {}), ...(seed !== undefined ? { seed } : {}) }).map((item) => ({ kind: "question" as const, item }));
  const items = queue;
  const c = term.chalk;
  if (items.length === 0) {
    term.out(opts.due ? "Nothing is due for review. Come back later, or run 'lpic3 quiz' for new questions.\n" : "No questions match.\n");
    return;
  }
  const interactive = !opts.answers && process.stdin.isTTY && process.stdout.isTTY;
  const width = Math.min(term.columns, 100);
  const lines = interactive ? null : (await import("../../platform/lines")).lineSource(opts.answers);
  let right = 0;
  let asked = 0;
  let stopped = false;
  const perObjective = new Map<string, { right: number; total: number }>();
  try {
    for (const [i, entry] of items.entries()) {
      if (entry.kind === "drill") {
        const { runDrills } = await import("./drill");
        const r = await runDrills(term, [entry.drill], opts.answers, () => `Review ${i + 1}/${items.length}`, lines ?? undefined, false);
        if (r.stopped) stopped = true;
        if (r.asked === 0) break;
        asked++;
        right += r.right;
        const o = perObjective.get(entry.drill.objective) ?? { right: 0, total: 0 };
        o.total++;
        o.right += r.right;
        perObjective.set(entry.drill.objective, o);
        continue;
      }
      const item = entry.item;
      const q = item.q;
      const head = `${source === "review" ? "Review" : "Question"} ${i + 1}/${items.length} · ${q.id} · ${q.type === "single" ? "single choice" : q.type === "multi" ? "multiple choice" : "fill in the blank"}`;
      let given: Given;
      if (interactive) {
        const { select, checkbox, input } = await import("@inquirer/prompts");
        const { promptTheme, wrapChoice, wrapMessage } = await import("../ui/prompt-theme");
        const theme = promptTheme(c);
        term.out("\n" + c.bold(head) + "\n");
        const message = wrapMessage(q.stem, width - 2);
        // the cursor column takes 2 characters in a select, 3 in a checkbox (cursor and box)
        const choices = (lead: number) => q.type === "fill" ? [] : q.choices.map((ch, k) => ({ name: wrapChoice(`${"ABCDEF"[k]}. ${ch}`, width, lead), value: "ABCDEF"[k]!, short: "ABCDEF"[k]! }));
        const lines = (cs: { name: string }[]) => cs.reduce((n, x) => n + x.name.split("\n").length, 0);
        try {
          if (q.type === "single") {
            const cs = choices(2);
            given = await select({ message, choices: cs, pageSize: lines(cs), loop: false, theme });
          } else if (q.type === "multi") {
            const cs = choices(3);
            given = await checkbox({ message, choices: cs, pageSize: lines(cs), loop: false, required: true, shortcuts: { all: null, invert: null }, theme });
          } else given = await input({ message: `${message}\n${c.cyan("Answer:")}`, required: true, theme });
        } catch (e) {
          // Ctrl-C ends the quiz; what was answered is kept and summed up below
          if (e instanceof Error && e.name === "ExitPromptError") {
            term.out(c.dim("\nQuiz stopped; your answers so far are saved.\n"));
            stopped = true;
            break;
          }
          throw e;
        }
      } else {
        term.out("\n" + formatQuestion(q, head, c, width));
        let line = await lines!.next();
        if (line === null) break;
        if (q.type !== "fill") {
          let letters = parseLetters(line, q.choices.length);
          while (letters === null) {
            term.err(`Please answer with letters A–${"ABCDEF"[q.choices.length - 1]}.\n`);
            line = await lines!.next();
            if (line === null) break;
            letters = parseLetters(line, q.choices.length);
          }
          if (letters === null) break;
          given = q.type === "single" ? letters[0]! : letters;
        } else given = line;
      }
      const r = answerQuestion(item, given, source);
      asked++;
      if (r.correct) right++;
      const o = perObjective.get(item.objective) ?? { right: 0, total: 0 };
      o.total++;
      if (r.correct) o.right++;
      perObjective.set(item.objective, o);
      term.out(formatFeedback(q, given, r.correct, c, width));
    }
  } finally {
    lines?.close();
  }
  if (stopped) process.exitCode = 130;
  if (asked === 0) return;
  term.out(`\n${c.bold("Summary")}: ${right}/${asked} correct (${Math.round((100 * right) / asked)}%)\n`);
  for (const [o, s] of [...perObjective].sort()) term.out(`  ${o}  ${s.right}/${s.total}\n`);
  const weak = weakSpots(3);
  if (weak.length) {
    term.out(`\n${c.bold("Missed more than once")} — worth re-reading:\n`);
    for (const w of weak) term.out(`  ${w.item} (missed ${w.misses}×): lpic3 study ${w.ref.split("#")[0]} --section ${w.ref.split("#")[1]}\n`);
  }
}
