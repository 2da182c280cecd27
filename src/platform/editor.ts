// Opens the learner's own $EDITOR on a temporary copy (virsh edit and its kin): the one host program the
// lab shell may start, and only on a file in lpic3's data directory.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import type { EditOutcome } from "../sim/shell/tool";
import { dataDir } from "./paths";

/** Characters virsh accepts in $EDITOR for running it directly; anything else goes through `sh -c`. */
const PLAIN = /^[A-Za-z0-9\-/_.:@]+$/;

/** virFileIsExecutable: a regular file we may execute. */
function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where a command name is found, as libvirt's virFindFileInPath looks: a name with a slash must itself be an
 * executable file, a bare name is searched along PATH (/bin:/usr/bin when PATH is unset).
 */
export function findInPath(cmd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (cmd.includes("/")) return isExecutable(cmd) ? resolve(cmd) : undefined;
  if (!cmd) return undefined;
  for (const dir of (env.PATH ?? "/bin:/usr/bin").split(delimiter).filter(Boolean)) {
    const p = join(dir, cmd);
    if (isExecutable(p)) return p;
  }
  return undefined;
}

/**
 * The editor to use: $VISUAL, then $EDITOR, from the simulated shell's environment first, then the real one;
 * with neither set, vi as virsh does (or nano when there is no vi). Undefined when nothing can run.
 */
export function editorCommand(simEnv: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const set = simEnv.VISUAL || simEnv.EDITOR || env.VISUAL || env.EDITOR;
  if (set) return set;
  return ["vi", "nano"].find((e) => findInPath(e, env));
}

/**
 * The argv that runs `editor` on `file`, as virsh's vshEditFile does: directly when the editor is one plain
 * word, else `sh -c "EDITOR FILE"`. virsh refuses a file name with shell metacharacters there; ours lives in
 * the learner's data directory, so such a name is quoted instead.
 */
export function editorArgv(editor: string, file: string): string[] {
  if (PLAIN.test(editor)) return [editor, file];
  return ["sh", "-c", `${editor} ${PLAIN.test(file) ? file : `'${file.replace(/'/g, "'\\''")}'`}`];
}

/** strerror() for the errors exec() gives. */
const STRERROR: Record<string, string> = {
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  ENOEXEC: "Exec format error",
  ENOTDIR: "Not a directory",
  ELOOP: "Too many levels of symbolic links",
  ENAMETOOLONG: "File name too long",
  ETXTBSY: "Text file busy",
  E2BIG: "Argument list too long",
  EPERM: "Operation not permitted",
};

/** mkstemp-style name: six random letters and digits. */
function tempName(suffix: string): string {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const name = [...randomBytes(6)].map((b) => abc[b % abc.length]).join("");
  return `virsh${name}${suffix}`;
}

/**
 * Let the learner edit `content` in `editor`: the edited text, or how running the editor failed (the argv as
 * run, the exit status or signal, or why it could not start), for the calling program to report.
 */
export function editText(editor: string, content: string, suffix: string, env: NodeJS.ProcessEnv = process.env): EditOutcome {
  const dir = join(dataDir(), "tmp");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, tempName(suffix));
  writeFileSync(file, content, { mode: 0o600 });
  try {
    const argv = editorArgv(editor, file);
    // virCommand looks up a program given without an absolute path before it forks
    const bin = isAbsolute(argv[0]!) ? argv[0]! : findInPath(argv[0]!, env);
    if (bin === undefined) return { kind: "not-found", argv };
    const r = spawnSync(bin, argv.slice(1), { stdio: "inherit", argv0: argv[0], env });
    if (r.error) {
      const code = (r.error as NodeJS.ErrnoException).code ?? "EIO";
      return { kind: "exec-failed", argv, errno: code, message: STRERROR[code] ?? code };
    }
    if (r.signal) return { kind: "signal", argv, signal: osConstants.signals[r.signal] ?? 0 };
    if (r.status !== 0) return { kind: "exit", argv, status: r.status ?? 1 };
    return { kind: "edited", text: readFileSync(file, "utf8") };
  } finally {
    rmSync(file, { force: true });
  }
}

/**
 * The lab shell's editor callback on a terminal: the learner's editor (from the environment the simulated
 * command saw) with the terminal out of raw mode while it runs.
 */
export function terminalEditor(content: string, suffix: string, env: Readonly<Record<string, string>>): EditOutcome {
  const ed = editorCommand(env);
  if (!ed) return { kind: "no-editor" };
  process.stdin.setRawMode?.(false);
  try {
    return editText(ed, content, suffix);
  } finally {
    process.stdin.setRawMode?.(true);
  }
}
