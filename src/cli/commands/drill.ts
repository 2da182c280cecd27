// `lpic3 drill`: type the command for a task; graded by what it does on a simulated host. Also `drill list`
// and `drill grade` (the machine entry points of the contract).
import type { Command } from "commander";
import type { Terminal } from "../../platform/terminal";
import type { Drill } from "../../content/drill-schema";
import type { LineSource } from "../../platform/lines";
import { usageError } from "../../app/errors";

interface DrillCliOptions {
  tool?: string[];
  objective?: string[];
  count: string;
  due?: boolean;
  seed?: string;
  answers?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, ...v.split(",").filter(Boolean)];

export function registerDrill(program: Command, term: Terminal) {
  const drill = program
    .command("drill")
    .description("command drills: type the command, graded by its effect on a simulated host")
    .option("-t, --tool <tool>", "only drills for a tool (virsh, xl, qemu-img ...); repeatable", collect)
    .option("-o, --objective <id>", "only drills of an objective, e.g. 351.4; repeatable", collect)
    .option("-n, --count <n>", "how many items", "10")
    .option("--due", "only items that spaced repetition says are due")
    .option("--seed <n>", "fixed order for the draw")
    .option("--answers <file>", "read answers from a file, one per line (also used when stdin is not a terminal)")
    .addHelpText("after", "\nExamples:\n  lpic3 drill --tool virsh --count 5\n  lpic3 drill --objective 351.5\n  lpic3 drill --due\n  lpic3 drill grade --item virsh-autostart --answer 'virsh autostart web'")
    .action(async (opts: DrillCliOptions) => {
      const count = Number(opts.count);
      if (!Number.isInteger(count) || count < 1) throw usageError(`--count must be a positive whole number, not '${opts.count}'`);
      const seed = opts.seed !== undefined ? Number(opts.seed) : undefined;
      if (seed !== undefined && !Number.isInteger(seed)) throw usageError(`--seed must be a whole number, not '${opts.seed}'`);
      const { chooseDrills } = await import("../../app/drill");
      const items = chooseDrills({ tools: opts.tool ?? [], objectives: opts.objective ?? [], count, ...(opts.due ? { due: true } : {}), ...(seed !== undefined ? { seed } : {}) });
      if (!items.length) {
        term.out(opts.due ? "No drills are due. Come back later, or run 'lpic3 drill' for new ones.\n" : "No drills match.\n");
        return;
      }
      await runDrills(term, items, opts.answers, "Drill");
    });

  drill
    .command("list")
    .description("list drill items")
    .option("--json", "print JSON")
    .option("-t, --tool <tool>", "only drills for a tool; repeatable", collect)
    .option("-o, --objective <id>", "only drills of an objective; repeatable", collect)
    .action(async (_o: unknown, cmd: Command) => {
      // `drill` itself has --tool and --objective, and commander gives them to the parent wherever they stand
      const opts = cmd.optsWithGlobals<{ json?: boolean; tool?: string[]; objective?: string[] }>();
      const { drillList } = await import("../../app/drill");
      const all = drillList();
      const tools = new Set<string>(all.map((d) => d.tool));
      for (const t of opts.tool ?? []) if (!tools.has(t)) throw usageError(`unknown tool '${t}': drills exist for ${[...tools].sort().join(", ")}`);
      const objectives = new Set(all.map((d) => d.objective));
      for (const x of opts.objective ?? []) if (!objectives.has(x)) throw usageError(`no drills for objective '${x}': drills exist for ${[...objectives].sort().join(", ")}`);
      const items = all.filter((d) => (!opts.tool?.length || opts.tool.includes(d.tool)) && (!opts.objective?.length || opts.objective.includes(d.objective)));
      if (opts.json) {
        term.out(JSON.stringify({ drills: items.map((d) => ({ id: d.id, objective: d.objective, tool: d.tool, fixture: d.fixture, task: d.task, answer: d.answer })) }) + "\n");
        return;
      }
      const w = Math.max(...items.map((d) => d.id.length), 2);
      for (const d of items) term.out(`${d.id.padEnd(w)}  ${d.objective}  ${d.tool.padEnd(12)}  ${d.task.split("\n")[0]}\n`);
      const per = new Map<string, number>();
      for (const d of items) per.set(d.tool, (per.get(d.tool) ?? 0) + 1);
      term.out(`\n${items.length} drills: ${[...per].map(([t, n]) => `${t} ${n}`).join(", ")}\n`);
    });

  drill
    .command("grade")
    .description("grade one answer to a drill item, as the drill would")
    .requiredOption("--item <id>", "drill item id")
    .requiredOption("--answer <command>", "the command to grade")
    .option("--json", "print JSON")
    .action(async (opts: { item: string; answer: string; json?: boolean }) => {
      const { getDrill, gradeAnswer } = await import("../../app/drill");
      const d = getDrill(opts.item);
      const g = gradeAnswer(d, opts.answer);
      if (opts.json) {
        term.out(JSON.stringify({ correct: g.correct, reason: g.reason, compared: g.compared, diff: g.diff, reference: d.answer, output: g.yours }) + "\n");
        return;
      }
      const { formatDrillFeedback } = await import("../ui/drill-view");
      term.out(formatDrillFeedback(d, g, term.chalk, Math.min(term.columns, 100)));
      if (!g.correct) process.exitCode = 1;
    });
}

/** Ask each drill, grade and record the answer; shared with `lpic3 review` (which sums up on its own). */
export async function runDrills(term: Terminal, items: Drill[], answersFile: string | undefined, label: string | ((i: number, n: number) => string), lines?: LineSource, summary = !lines): Promise<{ right: number; asked: number; stopped: boolean }> {
  const { answerDrill } = await import("../../app/drill");
  const { formatDrill, formatDrillFeedback } = await import("../ui/drill-view");
  const c = term.chalk;
  const width = Math.min(term.columns, 100);
  const interactive = !lines && !answersFile && process.stdin.isTTY && process.stdout.isTTY;
  const own = !lines && !interactive;
  const src = lines ?? (interactive ? null : (await import("../../platform/lines")).lineSource(answersFile));
  let right = 0;
  let asked = 0;
  let stopped = false;
  try {
    for (const [i, d] of items.entries()) {
      const head = typeof label === "string" ? `${label} ${i + 1}/${items.length}` : label(i, items.length);
      term.out("\n" + formatDrill(d, `${head} · ${d.id} · ${d.tool} · ${d.objective}`, c, width));
      let answer: string | null;
      if (interactive) {
        const { input } = await import("@inquirer/prompts");
        const { promptTheme } = await import("../ui/prompt-theme");
        try {
          answer = await input({ message: "$", required: true, theme: promptTheme(c) });
        } catch (e) {
          // Ctrl-C ends the drills; what was answered is kept and summed up below
          if (e instanceof Error && e.name === "ExitPromptError") {
            term.out(c.dim("\nStopped; your answers so far are saved.\n"));
            stopped = true;
            break;
          }
          throw e;
        }
      } else {
        answer = await src!.next();
        if (answer === null) break;
        term.out(`$ ${answer}\n`);
      }
      const g = answerDrill(d, answer);
      asked++;
      if (g.correct) right++;
      term.out(formatDrillFeedback(d, g, c, width));
    }
  } finally {
    if (own) src?.close();
  }
  if (asked && summary) {
    term.out(`\n${c.bold("Summary")}: ${right}/${asked} correct (${Math.round((100 * right) / asked)}%)\n`);
    const { weakDrills } = await import("../../app/drill");
    const weak = weakDrills(3);
    if (weak.length) {
      term.out(`\n${c.bold("Missed more than once")} — worth re-reading:\n`);
      for (const w of weak) {
        const [obj, sec] = w.ref.split("#");
        term.out(`  ${w.item} (missed ${w.misses}×): lpic3 study ${obj}${sec ? ` --section ${sec}` : ""}\n`);
      }
    }
  }
  if (stopped && !lines) process.exitCode = 130;
  return { right, asked, stopped };
}
