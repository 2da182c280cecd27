// What a simulated program is: argv and a read-only view of the world in, a new world and output out.
import type { World } from "../model/world";

export interface Chunk {
  fd: 1 | 2;
  text: string;
}

export interface ToolContext {
  world: World;
  /** Name of the host the shell is on. */
  host: string;
  cwd: string;
  /** Exported environment (what the program sees). */
  env: Readonly<Record<string, string>>;
  user: string;
  /** Piped or redirected input; null when the program reads the terminal. */
  stdin: string | null;
  /** True when stdout is the learner's terminal (not a pipe, a redirection or script capture). */
  tty: boolean;
  /** The command name as typed (e.g. "virsh" or "/usr/bin/virsh"). */
  argv0: string;
}

/** One step of an interactive program (banner, a line of input, end of input). */
export interface Step {
  world?: World;
  out: Chunk[];
  /** The program has exited. */
  done?: boolean;
  exit?: number;
}

/**
 * A program that reads lines after it starts: virsh's own shell, guestfish, the QEMU monitor, xl console.
 * With tty=false (script mode, piped input) the program writes its prompt and echoes the line itself,
 * exactly as the real program does with piped input; with tty=true the learner's terminal shows both.
 */
export interface InteractiveProgram {
  prompt(): string;
  start(world: World, tty: boolean): Step;
  feed(line: string, world: World, tty: boolean): Step;
  /** End of input (Ctrl-D or the end of a script). */
  eof(world: World, tty: boolean): Step;
  /** Words to complete the current input line (optional). */
  complete?(line: string, world: World): string[];
  /**
   * Key sequences the program acts on the moment they are typed, without waiting for Enter (a console's
   * escape: Ctrl-] for `xl console`, Ctrl-A then a letter for QEMU's -nographic mux). On a terminal the lab
   * shell feeds the line typed so far plus the sequence as one line. Optional; most programs read lines.
   */
  immediateKeys?(): readonly string[];
}

/**
 * How running the learner's editor ended. `argv` is the command as it was run (the editor directly, or
 * `sh -c "EDITOR FILE"`), so programs can name it in their own words.
 */
export type EditOutcome =
  | { kind: "edited"; text: string }
  /** No editor is set and none of the fallbacks is installed: nothing ran. */
  | { kind: "no-editor" }
  /** The program is not on PATH (a bare name) or not an executable file (a relative path): nothing ran. */
  | { kind: "not-found"; argv: string[] }
  /** exec() of the program failed; `errno` its code (ENOENT, EACCES...), `message` strerror's text. */
  | { kind: "exec-failed"; argv: string[]; errno: string; message: string }
  /** The editor ran and exited with a non-zero status. */
  | { kind: "exit"; argv: string[]; status: number }
  /** The editor was killed by a signal (its number). */
  | { kind: "signal"; argv: string[]; signal: number };

/** A request to let the learner edit a temporary copy of some text in their own $EDITOR (virsh edit). */
export interface EditRequest {
  /** Suggested file name suffix, e.g. ".xml". */
  suffix: string;
  content: string;
  /** What the program does once the editor has run (or failed to). */
  apply(edited: EditOutcome, world: World): Step;
}

export interface ToolResult {
  world?: World;
  out: Chunk[];
  exit: number;
  /** Set when the program keeps reading input after this command line (e.g. `virsh` with no command). */
  interactive?: InteractiveProgram;
  edit?: EditRequest;
}

export interface Tool {
  /** Command name as found on PATH. */
  name: string;
  /** Other names for the same program (e.g. qemu-kvm). */
  aliases?: string[];
  /** Where `which` finds it. */
  path: string;
  run(ctx: ToolContext, args: string[]): ToolResult;
  /** Candidates for the word being completed; `args` are the words before it. */
  complete?(ctx: ToolContext, args: string[], partial: string): string[];
  /**
   * Syntax check without running: the usage error the real tool would print for this command line (unknown
   * subcommand or option, missing or surplus argument, malformed value), or null when the line is well formed.
   * `lpic3 content check` uses it to keep every command in the notes valid.
   */
  check?(args: string[]): string | null;
  /**
   * For programs that read commands on their input (a guestfish script in a here-document): check each of
   * them without running. The first error, with its 1-based line in `input`, or null when all are well formed.
   */
  checkInput?(args: string[], input: string): { line: number; message: string } | null;
}

export const out = (text: string): Chunk => ({ fd: 1, text });
export const err = (text: string): Chunk => ({ fd: 2, text });

export function result(exit: number, ...chunks: (Chunk | string | undefined)[]): ToolResult {
  return { exit, out: chunks.filter((c): c is Chunk | string => c !== undefined && c !== "").map((c) => (typeof c === "string" ? out(c) : c)) };
}

export const stdoutOf = (chunks: Chunk[]) => chunks.filter((c) => c.fd === 1).map((c) => c.text).join("");
export const stderrOf = (chunks: Chunk[]) => chunks.filter((c) => c.fd === 2).map((c) => c.text).join("");
