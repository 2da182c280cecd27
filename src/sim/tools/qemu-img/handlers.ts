// The subcommands besides create and info, by name.
import { commitCommand, rebaseCommand } from "./commit";
import { convertCommand, ddCommand } from "./convert";
import { checkCommand, compareCommand, mapCommand } from "./inspect";
import type { Run } from "./run";
import { snapshotCommand } from "./snapshot";

export const HANDLERS: Record<string, (run: Run, argv: string[]) => number> = {
  snapshot: snapshotCommand,
  check: checkCommand,
  map: mapCommand,
  compare: compareCommand,
  commit: commitCommand,
  convert: convertCommand,
  dd: ddCommand,
  rebase: rebaseCommand,
};
