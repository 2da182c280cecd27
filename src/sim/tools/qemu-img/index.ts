// qemu-img 7.2 in the lab shell: global options, then one subcommand from the table.
import type { Tool, ToolContext } from "../../shell/tool";
import { buildTable, SUBCOMMAND_NAMES } from "./commands";
import { createCommand } from "./create";
import { VERSION_BANNER } from "./help";
import { infoCommand } from "./info";
import { Exit, Run, runGuarded } from "./run";
import { completeQemuImg } from "./complete";
import { HANDLERS } from "./handlers";
import { probeTool } from "../../shell/syntax-check";

export const SUBCOMMANDS = buildTable({ create: createCommand, info: infoCommand, ...HANDLERS });

function main(run: Run, args: string[]): number {
  const argv = ["qemu-img", ...args];
  const g = run.getopt(argv, "+:hVT:", [
    { name: "help", arg: "none", key: "h" },
    { name: "version", arg: "none", key: "V" },
    { name: "trace", arg: "required", key: "T" },
  ]);
  for (const o of g.opts) {
    if (o.key === "h") run.help();
    if (o.key === "T") for (const w of traceWarnings(o.arg!)) run.report(w);
    if (o.key === "V") {
      run.stdout(VERSION_BANNER);
      return 0;
    }
  }
  const [cmd, ...rest] = g.operands;
  if (cmd === undefined) run.usage("Not enough arguments");
  const sub = SUBCOMMANDS.find((s) => s.name === cmd);
  if (!sub) run.usage(`Command not found: ${cmd}`);
  return sub.run(run, [cmd, ...rest]);
}

/** -T/--trace: "[enable=]PATTERN[,events=FILE][,file=FILE]"; unknown events only draw a warning. */
function traceWarnings(spec: string): string[] {
  const out: string[] = [];
  for (const part of spec.split(",")) {
    const [k, v] = part.includes("=") ? (part.split("=", 2) as [string, string]) : ["enable", part];
    if (k === "enable" && v && !/\*/.test(v)) out.push(`warning: trace event '${v}' does not exist`);
  }
  return out;
}

export const qemuImg: Tool = {
  name: "qemu-img",
  path: "/usr/bin/qemu-img",
  run(ctx: ToolContext, args: string[]) {
    const run = new Run(ctx);
    try {
      return runGuarded(run, () => main(run, args));
    } catch (e) {
      // a simulator bug must not take the shell down: report it the way qemu-img reports failures
      if (e instanceof Exit) return run.result(e.code);
      run.report(`internal error: ${e instanceof Error ? e.message : String(e)}`);
      return run.result(1);
    }
  },
  complete: (ctx, args, partial) => completeQemuImg(ctx, args, partial),
  /** Global options and the subcommand's own parse, up to its first look at a file. */
  check: (args) => probeTool(qemuImg, args),
};

export { SUBCOMMAND_NAMES };
