// The subcommands besides create and info, by name.
import { commitCommand, rebaseCommand } from "./commit";
import { convertCommand, ddCommand } from "./convert";
import { measureCommand } from "./measure";
import { resizeCommand } from "./resize";
import { amendCommand, bitmapCommand } from "./amend";
import { benchCommand } from "./bench";
import { checkCommand, compareCommand, mapCommand } from "./inspect";
import type { Run } from "./run";
import { snapshotCommand } from "./snapshot";

export const HANDLERS: Record<string, (run: Run, argv: string[]) => number> = {
  snapshot: snapshotCommand,
  amend: amendCommand,
  bitmap: bitmapCommand,
  bench: benchCommand,
  check: checkCommand,
  map: mapCommand,
  compare: compareCommand,
  commit: commitCommand,
  convert: convertCommand,
  dd: ddCommand,
  measure: measureCommand,
  resize: resizeCommand,
  rebase: rebaseCommand,
};
