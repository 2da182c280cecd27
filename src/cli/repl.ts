// The interactive lab shell: a readline loop over a simulated Session, with history and completion.
import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { Session } from "../sim/shell/session";
import type { Chunk } from "../sim/shell/tool";
import { dataDir } from "../platform/paths";
import type { Terminal } from "../platform/terminal";

const HISTORY_MAX = 1000;

function historyFile() {
  return join(dataDir(), "shell_history");
}

function loadHistory(): string[] {
  try {
    return readFileSync(historyFile(), "utf8").split("\n").filter(Boolean).slice(-HISTORY_MAX);
  } catch {
    return [];
  }
}

function saveHistoryLine(line: string) {
  try {
    mkdirSync(dataDir(), { recursive: true });
    appendFileSync(historyFile(), line.replace(/\n/g, " ") + "\n");
  } catch {
    /* history is a convenience; never fail the shell for it */
  }
}

export function writeChunks(chunks: Chunk[]) {
  for (const c of chunks) (c.fd === 1 ? process.stdout : process.stderr).write(c.text);
}

/** Optional hooks for a shell with a purpose (the lab shell): lines it handles itself, and a step after each command. */
export interface ReplHooks {
  /** Return true when the line was handled (not given to the simulated shell). */
  intercept?(line: string): boolean;
  /** Called after each command line the shell ran (and after input to an interactive program). */
  after?(line: string): void;
}

/** Run the REPL until the learner exits; resolves with the last exit status. */
export function repl(session: Session, term: Terminal, banner: string, hooks: ReplHooks = {}): Promise<number> {
  term.out(banner);
  const past = loadHistory();
  session.history = [...past];
  const rl: Interface = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
    historySize: HISTORY_MAX,
    history: [...past].reverse(),
    removeHistoryDuplicates: true,
    completer: (line: string) => {
      const words = line.split(/\s+/);
      const partial = words[words.length - 1] ?? "";
      const cands = session.complete(line);
      return [cands, partial];
    },
  } as Parameters<typeof createInterface>[0]);
  let buffer = "";
  const prompt = () => {
    rl.setPrompt(buffer ? "> " : session.prompt());
    rl.prompt();
  };
  return new Promise((resolve) => {
    rl.on("line", (line) => {
      if (session.program) {
        writeChunks(session.feedProgram(line).out);
        if (!session.program) saveHistoryLine(line);
        hooks.after?.(line);
        prompt();
        return;
      }
      buffer = buffer ? `${buffer}\n${line}` : line;
      if (Session.needsMore(buffer)) {
        prompt();
        return;
      }
      const text = buffer;
      buffer = "";
      if (text.trim()) saveHistoryLine(text);
      if (hooks.intercept?.(text)) {
        prompt();
        return;
      }
      writeChunks(session.run(text).out);
      hooks.after?.(text);
      if (session.exited) {
        rl.close();
        return;
      }
      prompt();
    });
    rl.on("SIGINT", () => {
      process.stdout.write("^C\n");
      buffer = "";
      prompt();
    });
    rl.on("close", () => {
      if (session.program) writeChunks(session.endProgram().out);
      if (!session.exited) process.stdout.write("\n");
      resolve(session.state.lastExit);
    });
    prompt();
  });
}
