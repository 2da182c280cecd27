// How a drill item and the grading of an answer look in the terminal.
import type { ChalkInstance } from "chalk";
import type { Drill } from "../../content/drill-schema";
import type { DrillGrade } from "../../engine/drill-grading";
import { wrap } from "../render/text";

export function formatDrill(d: Drill, head: string, c: ChalkInstance, width: number): string {
  const lines = [c.bold(head), ""];
  for (const para of d.task.split("\n")) lines.push(...wrap(para, width));
  if (d.within) lines.push("", c.dim(`You are at the prompt of: ${d.within}`));
  lines.push("", c.dim(d.within ? "Type what you would enter at that prompt." : `Type the command (host fixture: ${d.fixture}${d.host ? `, on ${d.host}` : ""}).`));
  return lines.join("\n") + "\n";
}

const indent = (text: string, pad = "    ") => text.replace(/\n$/, "").split("\n").map((l) => pad + l).join("\n") + "\n";

export function formatDrillFeedback(d: Drill, g: DrillGrade, c: ChalkInstance, width: number): string {
  const out: string[] = [];
  if (g.correct) out.push(...wrap(c.green.bold("✔ Correct: ") + g.reason + ".", width));
  else {
    out.push(...wrap(c.red.bold("✘ Not quite: ") + g.reason + ".", width));
    if (g.yours.exit !== 0 && g.yours.stderr.trim()) out.push(c.dim("Your command printed:"), indent(g.yours.stderr.trimEnd()).trimEnd());
    if (g.diff.length) {
      out.push(c.dim(g.compared === "output" ? "Output (- expected, + yours):" : "What differs:"));
      // lines of output or file diffs stay as printed; differences in the host's state are sentences, wrapped
      for (const l of g.diff) {
        if (/^[-+ ] /.test(l)) out.push("    " + (l.startsWith("- ") ? c.red(l) : l.startsWith("+ ") ? c.green(l) : l));
        else out.push(...wrap(l, width, "    ", "      "));
      }
    }
  }
  out.push(`${c.bold("Reference:")} ${d.answer.includes("\n") ? "\n" + indent(d.answer).trimEnd() : d.answer}`);
  if (d.explain) for (const para of d.explain.split("\n")) out.push(...wrap(para, width).map((l) => c.dim(l)));
  return out.join("\n") + "\n";
}
