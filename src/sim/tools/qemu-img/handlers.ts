// The subcommands besides create and info, by name.
import type { Run } from "./run";

export const HANDLERS: Record<string, (run: Run, argv: string[]) => number> = {};
