// Tab completion for qemu-img: subcommands, their options, format names after -f/-O/-F; file names
// are left to the shell.
import type { ToolContext } from "../../shell/tool";
import { FORMATS } from "../../model/image/formats";
import { SUBCOMMAND_NAMES, USAGE_LINES } from "./commands";

const FORMAT_OPTS = new Set(["-f", "-O", "-F", "--format", "--source-format"]);

export function completeQemuImg(_ctx: ToolContext, args: string[], partial: string): string[] {
  const words = args.filter((a) => a !== "");
  const cmdIndex = words.findIndex((w) => !w.startsWith("-"));
  if (cmdIndex < 0) return [...SUBCOMMAND_NAMES, "--help", "--version"].filter((n) => n.startsWith(partial));
  const prev = words[words.length - 1];
  if (prev && FORMAT_OPTS.has(prev)) return Object.keys(FORMATS).filter((f) => f.startsWith(partial)).sort();
  if (partial.startsWith("-")) {
    const usage = USAGE_LINES[SUBCOMMAND_NAMES.indexOf(words[cmdIndex]!)] ?? "";
    const opts = [...new Set((usage.match(/--?[A-Za-z][\w-]*/g) ?? []).map((o) => o))];
    return opts.filter((o) => o.startsWith(partial)).sort();
  }
  return [];
}
