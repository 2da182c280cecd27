// The interactive lab shell: a readline loop over a simulated Session, with history and completion.
import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { PassThrough } from "node:stream";
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
    appendFileSync(historyFile(), line + "\n");
  } catch {
    /* history is a convenience; never fail the shell for it */
  }
}

/** The terminal the REPL reads and writes; a test passes streams of its own. */
export interface ReplIO {
  input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };
  output: NodeJS.WritableStream;
  error: NodeJS.WritableStream;
}

const processIO = (): ReplIO => ({ input: process.stdin, output: process.stdout, error: process.stderr });

export function writeChunks(chunks: Chunk[], io: ReplIO = processIO()) {
  for (const c of chunks) (c.fd === 1 ? io.output : io.error).write(c.text);
}

/** Optional hooks for a shell with a purpose (the lab shell): lines it handles itself, and a step after each command. */
export interface ReplHooks {
  /** Return true when the line was handled (not given to the simulated shell). */
  intercept?(line: string): boolean;
  /** Called after each command line the shell ran (and after input to an interactive program). */
  after?(line: string): void;
}

/** What to offer for Tab: a single full word gets a trailing space, as bash and virsh's readline add. */
export function completions(session: Session, line: string): [string[], string] {
  const words = line.split(/\s+/);
  const partial = words[words.length - 1] ?? "";
  const cands = session.complete(line);
  if (cands.length === 1 && !/[/=]$/.test(cands[0]!)) return [[cands[0]! + " "], partial];
  return [cands, partial];
}

type Rl = Interface & { line: string; cursor: number; history: string[]; _writeToOutput(s: string): void };

/**
 * Run the REPL until the learner exits; resolves with the last exit status.
 *
 * Keys behave as in bash: Ctrl-C drops the line being typed (and any unfinished here-document), Ctrl-D on an
 * empty line ends the innermost thing reading it (an interactive program such as `virsh`, an `ssh` login,
 * then the lab shell itself), Ctrl-Z is ignored. Interactive programs keep a history of their own, and a
 * password prompt does not echo. A console's escape keys (Ctrl-] for `xl console`) act as soon as typed.
 */
export function repl(session: Session, term: Terminal, banner: string, hooks: ReplHooks = {}, io: ReplIO = processIO()): Promise<number> {
  io.output.write(banner);
  const past = loadHistory();
  session.history = [...past];
  // readline keeps its history newest first
  let shellHistory = [...past].reverse();
  const programHistories = new Map<string, string[]>();
  let programKey: string | null = null;
  let buffer = "";
  let muted = false;
  let closingOurselves = false;
  let rl: Rl;

  // Keystrokes pass through a filter on their way to readline, so a console's escape keys can act at once.
  const keys = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode(mode: boolean): void };
  keys.isTTY = true;
  keys.setRawMode = (mode) => void io.input.setRawMode?.(mode);
  let pending = "";
  const onData = (d: Buffer | string) => {
    let pass = "";
    for (const ch of d.toString()) {
      const hot = session.program?.immediateKeys?.() ?? [];
      const cand = pending + ch;
      if (hot.includes(cand)) {
        if (pass) keys.write(pass);
        pass = "";
        pending = "";
        immediate(cand);
      } else if (hot.some((h) => h.startsWith(cand))) pending = cand;
      else {
        pass += cand;
        pending = "";
      }
    }
    if (pass) keys.write(pass);
  };
  io.input.on("data", onData);
  // a prompt that ran before (the home menu) leaves stdin paused; nothing would be read, and node would exit
  io.input.resume();

  const prompt = () => {
    rl.setPrompt(buffer ? "> " : session.prompt());
    muted = false;
    rl.prompt();
    // a password prompt (a console login) does not echo what is typed
    muted = Boolean(session.program) && /password: $/i.test(session.prompt());
  };

  // Interactive programs (virsh, guestfish, the QEMU monitor) remember their own lines, apart from the shell's.
  const keyOf = () => (session.program ? session.program.constructor.name || "program" : null);
  const historyFor = (key: string | null) => (key === null ? shellHistory : (programHistories.get(key) ?? []));
  const keepHistory = () => {
    if (programKey === null) shellHistory = rl.history;
    else programHistories.set(programKey, rl.history);
  };
  const syncHistory = () => {
    const want = keyOf();
    if (want === programKey) return;
    keepHistory();
    rl.history = historyFor(want);
    programKey = want;
  };

  const feedProgram = (line: string) => {
    writeChunks(session.feedProgram(line).out, io);
    hooks.after?.(line);
  };

  /** A console escape typed: what was typed so far and the keys go to the program as one line. */
  const immediate = (seq: string) => {
    const typed = rl.line;
    rl.line = "";
    rl.cursor = 0;
    io.output.write("\r\n");
    feedProgram(typed + seq);
    syncHistory();
    prompt();
  };

  return new Promise((resolve) => {
    const finish = () => {
      io.input.off("data", onData);
      io.input.pause();
      keys.end();
      resolve(session.state.lastExit);
    };

    const open = () => {
      rl = createInterface({
        input: keys,
        output: io.output,
        terminal: true,
        historySize: HISTORY_MAX,
        history: historyFor(programKey),
        removeHistoryDuplicates: true,
        completer: (line: string) => completions(session, line),
      } as Parameters<typeof createInterface>[0]) as Rl;
      const write = rl._writeToOutput.bind(rl);
      rl._writeToOutput = (s: string) => {
        if (!muted) write(s);
      };

      rl.on("line", (line) => {
        muted = false;
        if (session.program) {
          feedProgram(line);
          syncHistory();
          prompt();
          return;
        }
        buffer = buffer ? `${buffer}\n${line}` : line;
        if (line.trim()) saveHistoryLine(line);
        if (Session.needsMore(buffer)) {
          prompt();
          return;
        }
        const text = buffer;
        buffer = "";
        if (hooks.intercept?.(text)) {
          prompt();
          return;
        }
        writeChunks(session.run(text).out, io);
        hooks.after?.(text);
        if (session.exited) {
          closingOurselves = true;
          rl.close();
          return;
        }
        syncHistory();
        prompt();
      });

      rl.on("SIGINT", () => {
        // bash: ^C, the line (and an unfinished here-document or quote) is dropped, a fresh prompt
        muted = false;
        io.output.write("^C\n");
        buffer = "";
        rl.line = "";
        rl.cursor = 0;
        prompt();
      });
      // bash ignores Ctrl-Z at its prompt; stopping lpic3 itself would only confuse
      rl.on("SIGTSTP", () => undefined);

      rl.on("close", () => {
        muted = false;
        if (closingOurselves) return finish();
        // Ctrl-D on an empty line: end of input for whatever reads it
        keepHistory();
        if (session.program) {
          writeChunks(session.endProgram().out, io);
          hooks.after?.("");
        } else if (buffer) {
          // an unfinished here-document or quote: drop it, as ^C would
          io.output.write("\n");
          buffer = "";
        } else {
          // bash prints "exit" (or "logout" in an ssh login) and leaves that shell
          writeChunks(session.run("exit").out, io);
          hooks.after?.("exit");
          if (session.exited) return finish();
        }
        programKey = keyOf();
        open();
        prompt();
      });
    };

    open();
    prompt();
  });
}
