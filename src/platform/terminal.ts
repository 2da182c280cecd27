// The terminal the CLI talks to: colour support, width, paging.
import { spawnSync } from "node:child_process";
import { Chalk, type ChalkInstance } from "chalk";

export interface Terminal {
  isTTY: boolean;
  columns: number;
  rows: number;
  chalk: ChalkInstance;
  out(s: string): void;
  err(s: string): void;
}

/** Colour is off for NO_COLOR (any non-empty value), --no-color, TERM=dumb or a non-TTY stdout; FORCE_COLOR turns it on. */
export function colorLevel(argv: string[], env: NodeJS.ProcessEnv, isTTY: boolean): 0 | 1 | 2 | 3 {
  if (argv.includes("--no-color") || (env.NO_COLOR !== undefined && env.NO_COLOR !== "")) return 0;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false") return env.FORCE_COLOR === "3" ? 3 : env.FORCE_COLOR === "2" ? 2 : 1;
  if (!isTTY || env.TERM === "dumb") return 0;
  if (env.COLORTERM === "truecolor" || env.COLORTERM === "24bit") return 3;
  return /256/.test(env.TERM ?? "") ? 2 : 1;
}

export function processTerminal(argv = process.argv.slice(2)): Terminal {
  const isTTY = Boolean(process.stdout.isTTY);
  return {
    isTTY,
    columns: process.stdout.columns || 80,
    rows: process.stdout.rows || 24,
    chalk: new Chalk({ level: colorLevel(argv, process.env, isTTY) }),
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
  };
}

/**
 * Show `text`, through the learner's pager when it is longer than the screen and stdout is a TTY.
 * This is lpic3's own output (a study note), never something a learner typed into the simulator.
 */
export function page(term: Terminal, text: string): void {
  const lines = text.split("\n").length;
  if (!term.isTTY || lines < term.rows || process.env.LPIC3_NO_PAGER) {
    term.out(text);
    return;
  }
  const pager = process.env.PAGER || "less";
  const env = { ...process.env, LESS: process.env.LESS ?? "FRX" };
  const r = spawnSync(pager, pager === "less" ? ["-R"] : [], { input: text, stdio: ["pipe", "inherit", "inherit"], env, shell: pager !== "less" });
  if (r.error) term.out(text);
}
