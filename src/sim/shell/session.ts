// A learner's shell session on the simulated world: runs command lines, keeps shell state
// (cwd, variables, history, the host it is on) and hands lines to interactive programs.
import { produce } from "immer";
import { FS_MESSAGES, FsError, listDir, lstat, resolvePath, stat, writeFile, type Fs } from "../model/fs";
import type { World } from "../model/world";
import { BUILTINS, type BuiltinContext } from "./builtins";
import { ExpansionError, expandHeredoc, expandString, expandWord, globToRegExp, type ExpandContext } from "./expand";
import { parse, ShellSyntaxError, type CommandList, type Pipeline, type SimpleCommand } from "./parser";
import type { ToolRegistry } from "./registry";
import { err, out, stdoutOf, type Chunk, type EditOutcome, type InteractiveProgram, type Step, type ToolContext, type ToolResult } from "./tool";

export interface ShellState {
  host: string;
  user: string;
  cwd: string;
  /** Shell variables; those named in `exported` are the environment programs see. */
  vars: Record<string, string>;
  exported: string[];
  lastExit: number;
}

export interface SessionOptions {
  /** True when a person is at a terminal (the REPL); false in script mode. */
  tty: boolean;
  /**
   * Opens the learner's editor on text: the edited text, or how the editor failed. `env` is the environment
   * the simulated program saw (exported variables plus `EDITOR=... virsh edit` assignments).
   */
  editor?: (content: string, suffix: string, env: Readonly<Record<string, string>>) => EditOutcome;
  /** Milliseconds the simulated clock advances per command. */
  tick?: number;
}

export interface RunResult {
  out: Chunk[];
  exit: number;
}

/** Steps per command line: how far nested $(...) and scripts may go before we stop. */
const MAX_DEPTH = 32;

export class Session {
  world: World;
  state: ShellState;
  /** Shells left by `ssh`, restored by `exit`. */
  readonly stack: ShellState[] = [];
  history: string[] = [];
  /** The interactive program reading lines now, if any. */
  program?: InteractiveProgram;
  /** Set by `exit` in the outermost shell. */
  exited = false;
  private depth = 0;

  constructor(
    world: World,
    readonly tools: ToolRegistry,
    readonly options: SessionOptions,
    init: Partial<ShellState> = {},
  ) {
    this.world = world;
    const host = init.host ?? Object.keys(world.hosts)[0]!;
    const user = init.user ?? "root";
    const home = user === "root" ? "/root" : `/home/${user}`;
    this.state = {
      host,
      user,
      cwd: init.cwd ?? home,
      vars: {
        HOME: home,
        USER: user,
        LOGNAME: user,
        SHELL: "/bin/bash",
        PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        HOSTNAME: (world.hosts[host]?.hostname ?? host).split(".")[0]!,
        TERM: "xterm-256color",
        LANG: "C.UTF-8",
        ...init.vars,
      },
      exported: init.exported ?? ["HOME", "USER", "LOGNAME", "SHELL", "PATH", "TERM", "LANG", ...Object.keys(init.vars ?? {})],
      lastExit: init.lastExit ?? 0,
    };
  }

  get host() {
    return this.world.hosts[this.state.host]!;
  }

  /** The shell prompt, bash style: root@host1:~# */
  prompt(): string {
    if (this.program) return this.program.prompt();
    const home = this.state.vars.HOME ?? "";
    const cwd = home && (this.state.cwd === home || this.state.cwd.startsWith(home + "/")) ? "~" + this.state.cwd.slice(home.length) : this.state.cwd;
    return `${this.state.user}@${this.host.hostname.split(".")[0]}:${cwd}${this.state.user === "root" ? "#" : "$"} `;
  }

  /**
   * Run one input line (or several lines, e.g. a here-document). When an interactive program is active,
   * the line goes to it instead.
   */
  run(text: string): RunResult {
    if (this.program) return this.feedProgram(text);
    if (text.trim() !== "") this.history.push(text.includes("\n") ? text : text.trimEnd());
    let list: CommandList;
    try {
      list = parse(text);
    } catch (e) {
      if (e instanceof ShellSyntaxError) {
        this.state.lastExit = 2;
        return { out: [err(`bash: ${e.message}\n`)], exit: 2 };
      }
      throw e;
    }
    const r = this.execList(list, null);
    this.state.lastExit = r.exit;
    return r;
  }

  /** True when `text` needs more lines before it can run (open quote, trailing pipe, here-document). */
  static needsMore(text: string): boolean {
    try {
      parse(text);
      return false;
    } catch (e) {
      return e instanceof ShellSyntaxError && e.incomplete;
    }
  }

  /** Give a line to the active interactive program. */
  feedProgram(line: string): RunResult {
    const p = this.program!;
    const step = p.feed(line, this.world, this.options.tty);
    return this.afterStep(step);
  }

  /** End of input for the active interactive program (Ctrl-D, end of a script). */
  endProgram(): RunResult {
    const p = this.program;
    if (!p) return { out: [], exit: this.state.lastExit };
    return this.afterStep(p.eof(this.world, this.options.tty), true);
  }

  private afterStep(step: Step, forceDone = false): RunResult {
    if (step.world) this.world = step.world;
    if (step.done || forceDone) {
      this.program = undefined;
      this.state.lastExit = step.exit ?? 0;
    }
    return { out: step.out, exit: step.exit ?? 0 };
  }

  // ---------------------------------------------------------------- execution

  private execList(list: CommandList, stdin: string | null): RunResult {
    const all: Chunk[] = [];
    let exit = this.state.lastExit;
    for (const item of list.items) {
      if (this.exited) break;
      let r = this.execPipeline(item.andOr.first, stdin);
      all.push(...r.out);
      exit = r.exit;
      this.state.lastExit = exit;
      for (const next of item.andOr.rest) {
        if ((next.op === "&&" && exit !== 0) || (next.op === "||" && exit === 0)) continue;
        r = this.execPipeline(next.pipeline, stdin);
        all.push(...r.out);
        exit = r.exit;
        this.state.lastExit = exit;
      }
      if (item.background) {
        all.push(err(`[1] ${4000 + (this.world.seq % 1000)}\n`));
      }
      if (this.program) break;
    }
    return { out: all, exit };
  }

  private execPipeline(pl: Pipeline, stdin: string | null): RunResult {
    const chunks: Chunk[] = [];
    let input = stdin;
    let exit = 0;
    const n = pl.commands.length;
    // Builtins in a multi-command pipeline run in a subshell: their shell state changes are lost.
    const saved = n > 1 ? structuredClone(this.state) : undefined;
    for (let i = 0; i < n; i++) {
      const last = i === n - 1;
      const r = this.execSimple(pl.commands[i]!, input, !last);
      exit = r.exit;
      if (last) chunks.push(...r.out);
      else {
        chunks.push(...r.out.filter((c) => c.fd === 2));
        input = stdoutOf(r.out);
      }
      if (this.program && !last) {
        // an interactive program in the middle of a pipeline reads nothing more
        this.program = undefined;
      }
    }
    if (saved) this.state = { ...saved, lastExit: exit };
    if (pl.negate) exit = exit === 0 ? 1 : 0;
    return { out: chunks, exit };
  }

  expandContext(): ExpandContext {
    return {
      param: (name) => this.param(name),
      substitute: (src) => this.substitute(src),
      glob: (pattern) => this.glob(pattern),
      home: this.state.vars.HOME ?? "/root",
    };
  }

  private param(name: string): string | undefined {
    switch (name) {
      case "?":
        return String(this.state.lastExit);
      case "$":
        return String(1000 + (this.stack.length + 1) * 234);
      case "#":
        return "0";
      case "0":
        return "-bash";
      case "PWD":
        return this.state.cwd;
      case "RANDOM":
        return String(this.world.seq % 32768);
      default:
        return this.state.vars[name];
    }
  }

  /** $(...): runs in a subshell; world changes persist (they happen on the host), shell state does not. */
  private substitute(src: string): string {
    if (this.depth >= MAX_DEPTH) throw new ExpansionError("maximum nesting level exceeded");
    const saved = structuredClone(this.state);
    const savedProgram = this.program;
    this.depth++;
    try {
      const list = parse(src);
      const r = this.execList(list, null);
      return stdoutOf(r.out);
    } catch (e) {
      if (e instanceof ShellSyntaxError) return "";
      throw e;
    } finally {
      this.depth--;
      this.state = { ...saved, lastExit: this.state.lastExit };
      this.program = savedProgram;
    }
  }

  private glob(pattern: string): string[] {
    const fs = this.host.fs;
    const abs = pattern.startsWith("/");
    const parts = pattern.split("/").filter((p, i) => p !== "" || i === 0);
    let bases: string[] = [abs ? "/" : ""];
    for (const [i, part] of parts.entries()) {
      if (i === 0 && abs) continue;
      const next: string[] = [];
      if (!/[*?[]/.test(part)) {
        for (const b of bases) next.push(b === "/" ? `/${part.replace(/\\(.)/g, "$1")}` : b === "" ? part.replace(/\\(.)/g, "$1") : `${b}/${part.replace(/\\(.)/g, "$1")}`);
      } else {
        const re = globToRegExp(part);
        for (const b of bases) {
          const dir = resolvePath(this.state.cwd, b === "" ? "." : b);
          let names: string[];
          try {
            names = listDir(fs, dir);
          } catch {
            continue;
          }
          for (const name of names) {
            if (name.startsWith(".") && !part.startsWith(".")) continue;
            if (re.test(name)) next.push(b === "/" ? `/${name}` : b === "" ? name : `${b}/${name}`);
          }
        }
      }
      bases = next;
    }
    return bases.filter((p) => p !== "" && lstat(fs, resolvePath(this.state.cwd, p)) !== undefined).sort();
  }

  private execSimple(cmd: SimpleCommand, stdin: string | null, piped: boolean): RunResult {
    const ectx = this.expandContext();
    let words: string[];
    const assigns: [string, string][] = [];
    try {
      for (const a of cmd.assigns) assigns.push([a.name, expandString(a.value, ectx)]);
      words = cmd.words.flatMap((w) => expandWord(w, ectx));
    } catch (e) {
      if (e instanceof ExpansionError) return { out: [err(`bash: ${e.message}\n`)], exit: 1 };
      throw e;
    }

    // redirections: work out where each descriptor goes and what stdin is
    type Dest = { kind: "pass"; fd: 1 | 2 } | { kind: "file"; path: string } | { kind: "null" };
    const dest: Record<1 | 2, Dest> = { 1: { kind: "pass", fd: 1 }, 2: { kind: "pass", fd: 2 } };
    let input = stdin;
    for (const r of cmd.redirs) {
      let target: string;
      try {
        target = r.heredoc ? "" : expandString(r.target, ectx);
      } catch (e) {
        if (e instanceof ExpansionError) return { out: [err(`bash: ${e.message}\n`)], exit: 1 };
        throw e;
      }
      if (r.op === "<<") {
        input = r.heredoc!.expand ? expandHeredoc(r.heredoc!.body, ectx) : r.heredoc!.body;
        continue;
      }
      if (r.op === "<<<") {
        input = target + "\n";
        continue;
      }
      if (r.op === "<") {
        const path = resolvePath(this.state.cwd, target);
        const n = stat(this.host.fs, path);
        if (!n) return { out: [err(`bash: ${target}: No such file or directory\n`)], exit: 1 };
        if (n.kind === "dir") return { out: [err(`bash: ${target}: Is a directory\n`)], exit: 1 };
        input = n.kind === "file" ? n.content : "";
        continue;
      }
      if (r.op === ">&") {
        const fd = r.fd === 2 ? 2 : 1;
        if (target === "1" || target === "2") dest[fd] = { ...dest[Number(target) as 1 | 2] };
        else if (target === "-") dest[fd] = { kind: "null" };
        else return { out: [err(`bash: ${target}: ambiguous redirect\n`)], exit: 1 };
        continue;
      }
      // > >> >| &> &>>
      const append = r.op === ">>" || r.op === "&>>";
      let d: Dest;
      if (target === "/dev/null") d = { kind: "null" };
      else if (target === "/dev/stdout") d = { kind: "pass", fd: 1 };
      else if (target === "/dev/stderr") d = { kind: "pass", fd: 2 };
      else {
        const path = resolvePath(this.state.cwd, target);
        const problem = this.prepareOutputFile(path, append);
        if (problem) return { out: [err(`bash: ${target}: ${problem}\n`)], exit: 1 };
        d = { kind: "file", path };
      }
      if (r.op === "&>" || r.op === "&>>") {
        dest[1] = d;
        dest[2] = { ...d };
      } else dest[r.fd === 2 ? 2 : 1] = d;
    }

    let res: RunResult;
    if (words.length === 0) {
      for (const [k, v] of assigns) this.state.vars[k] = v;
      res = { out: [], exit: this.state.lastExit };
    } else {
      res = this.dispatch(words, assigns, input, piped || dest[1].kind !== "pass");
    }

    // route output through the redirections
    const routed: Chunk[] = [];
    for (const c of res.out) {
      const d = dest[c.fd];
      if (d.kind === "pass") routed.push(d.fd === c.fd ? c : { fd: d.fd, text: c.text });
      else if (d.kind === "file") this.appendFile(d.path, c.text);
    }
    return { out: routed, exit: res.exit };
  }

  /** Truncate or create a redirection target; returns an error text when that is impossible. */
  private prepareOutputFile(path: string, append: boolean): string | null {
    const fs = this.host.fs;
    const n = stat(fs, path);
    if (n?.kind === "dir") return "Is a directory";
    if (n && append) return null;
    try {
      this.updateFs((f) => void writeFile(f, path, "", { mtime: this.nowSec() }));
      return null;
    } catch (e) {
      if (e instanceof FsError) return FS_MESSAGES[e.code];
      throw e;
    }
  }

  private appendFile(path: string, text: string) {
    this.updateFs((f) => void writeFile(f, path, text, { mtime: this.nowSec(), append: true }));
  }

  /** Apply a mutation to the current host's filesystem as a new world. */
  updateFs(fn: (fs: Fs) => void) {
    const host = this.state.host;
    this.world = produce(this.world, (w) => {
      fn(w.hosts[host]!.fs);
    });
  }

  nowSec(): number {
    return Math.floor(this.world.clock / 1000);
  }

  exportedEnv(extra: [string, string][] = []): Record<string, string> {
    const env: Record<string, string> = {};
    for (const k of this.state.exported) if (this.state.vars[k] !== undefined) env[k] = this.state.vars[k]!;
    env.PWD = this.state.cwd;
    for (const [k, v] of extra) env[k] = v;
    return env;
  }

  /** Run an expanded command: a shell builtin, a simulated program, or a script file. */
  dispatch(words: string[], assigns: [string, string][], stdin: string | null, redirected: boolean): RunResult {
    if (this.depth >= MAX_DEPTH) return { out: [err("bash: maximum nesting level exceeded\n")], exit: 1 };
    const [name, ...args] = words as [string, ...string[]];
    this.world = { ...this.world, clock: this.world.clock + (this.options.tick ?? 1000) };
    const builtin = BUILTINS[name];
    if (builtin) return builtin(this.builtinContext(stdin, redirected, assigns), args);

    const base = name.includes("/") ? name.slice(name.lastIndexOf("/") + 1) : name;
    const tool = this.tools.get(base);
    if (name.includes("/")) {
      const path = resolvePath(this.state.cwd, name);
      const node = stat(this.host.fs, path);
      if (!node) {
        if (tool && tool.path === path) return this.runTool(tool, name, args, assigns, stdin, redirected);
        return { out: [err(`bash: ${name}: No such file or directory\n`)], exit: 127 };
      }
      if (node.kind === "dir") return { out: [err(`bash: ${name}: Is a directory\n`)], exit: 126 };
      if (tool && tool.path === path) return this.runTool(tool, name, args, assigns, stdin, redirected);
      if (!(node.mode & 0o111)) return { out: [err(`bash: ${name}: Permission denied\n`)], exit: 126 };
      return this.runScript(path, args, stdin);
    }
    if (!tool) return { out: [err(`bash: ${name}: command not found\n`)], exit: 127 };
    return this.runTool(tool, name, args, assigns, stdin, redirected);
  }

  builtinContext(stdin: string | null, redirected: boolean, assigns: [string, string][]): BuiltinContext {
    return { session: this, stdin, tty: this.options.tty && !redirected, assigns };
  }

  runTool(tool: { run(ctx: ToolContext, args: string[]): ToolResult }, argv0: string, args: string[], assigns: [string, string][], stdin: string | null, redirected: boolean): RunResult {
    const ctx: ToolContext = {
      world: this.world,
      host: this.state.host,
      cwd: this.state.cwd,
      env: this.exportedEnv(assigns),
      user: this.state.user,
      stdin,
      tty: this.options.tty && !redirected,
      argv0,
    };
    const r = tool.run(ctx, args);
    if (r.world) this.world = r.world;
    let chunks = r.out;
    let exit = r.exit;
    if (r.edit) {
      const edited: EditOutcome = this.options.editor ? this.options.editor(r.edit.content, r.edit.suffix, ctx.env) : { kind: "no-editor" };
      const step = r.edit.apply(edited, this.world);
      if (step.world) this.world = step.world;
      chunks = [...chunks, ...step.out];
      exit = step.exit ?? exit;
    }
    if (r.interactive) {
      const p = r.interactive;
      const start = p.start(this.world, this.options.tty && stdin === null);
      if (start.world) this.world = start.world;
      chunks = [...chunks, ...start.out];
      if (start.done) return { out: chunks, exit: start.exit ?? exit };
      if (stdin === null) {
        this.program = p;
        return { out: chunks, exit };
      }
      // piped input: the program reads it all now, without a terminal
      const lines = stdin.split("\n");
      if (lines[lines.length - 1] === "") lines.pop();
      for (const line of lines) {
        const s = p.feed(line, this.world, false);
        if (s.world) this.world = s.world;
        chunks.push(...s.out);
        if (s.done) return { out: chunks, exit: s.exit ?? 0 };
      }
      const e = p.eof(this.world, false);
      if (e.world) this.world = e.world;
      return { out: [...chunks, ...e.out], exit: e.exit ?? 0 };
    }
    return { out: chunks, exit };
  }

  /** Run a shell script file from the simulated filesystem (bash FILE, ./FILE, source FILE). */
  runScript(path: string, _args: string[], stdin: string | null, inCurrentShell = false): RunResult {
    const node = stat(this.host.fs, path);
    if (!node || node.kind !== "file") return { out: [err(`bash: ${path}: No such file or directory\n`)], exit: 127 };
    const saved = inCurrentShell ? undefined : structuredClone(this.state);
    this.depth++;
    try {
      const list = parse(node.content);
      return this.execList(list, stdin);
    } catch (e) {
      if (e instanceof ShellSyntaxError) return { out: [err(`${path}: ${e.message}\n`)], exit: 2 };
      throw e;
    } finally {
      this.depth--;
      if (saved) this.state = { ...saved, lastExit: this.state.lastExit };
    }
  }

  /** Words to offer when the learner presses Tab: commands first, then the tool's own completer, then files. */
  complete(line: string): string[] {
    if (this.program) return this.program.complete?.(line, this.world) ?? [];
    const m = /(?:^|[;&|]\s*|\b(?:sudo)\s+)([^\s;&|]*)$/.exec(line);
    const words = line.split(/\s+/);
    const partial = words[words.length - 1] ?? "";
    const before = words.slice(0, -1).filter(Boolean);
    const cmdIndex = Math.max(0, ...["|", "&&", "||", ";", "sudo"].map((s) => before.lastIndexOf(s) + 1));
    const cmdWords = before.slice(cmdIndex);
    if (m && cmdWords.length === 0) {
      const names = [...Object.keys(BUILTINS), ...this.tools.names()];
      return [...new Set(names)].filter((n) => n.startsWith(partial)).sort();
    }
    const tool = this.tools.get(cmdWords[0] ?? "");
    const ctx: ToolContext = { world: this.world, host: this.state.host, cwd: this.state.cwd, env: this.exportedEnv(), user: this.state.user, stdin: null, tty: true, argv0: cmdWords[0] ?? "" };
    const fromTool = tool?.complete?.(ctx, cmdWords.slice(1), partial);
    if (fromTool && fromTool.length) return fromTool;
    return this.completeFile(partial);
  }

  completeFile(partial: string): string[] {
    const slash = partial.lastIndexOf("/");
    const dirPart = slash >= 0 ? partial.slice(0, slash + 1) : "";
    const rest = partial.slice(slash + 1);
    const dir = resolvePath(this.state.cwd, dirPart || ".");
    try {
      return listDir(this.host.fs, dir)
        .filter((n) => n.startsWith(rest) && (rest.startsWith(".") || !n.startsWith(".")))
        .map((n) => dirPart + n + (stat(this.host.fs, resolvePath(dir, n))?.kind === "dir" ? "/" : ""));
    } catch {
      return [];
    }
  }
}

export { out, err };
