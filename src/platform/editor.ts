// Opens the learner's own $EDITOR on a temporary copy (virsh edit and its kin): the one host program the
// lab shell may start, and only on a file in lpic3's data directory.
import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { dataDir } from "./paths";

/** Characters virsh accepts in $EDITOR for running it directly; anything else goes through `sh -c`. */
const PLAIN = /^[A-Za-z0-9\-/_.:@]+$/;

function onPath(cmd: string, env: NodeJS.ProcessEnv = process.env): boolean {
  for (const dir of (env.PATH ?? "").split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      /* not here */
    }
  }
  return false;
}

/**
 * The editor to use: $VISUAL, then $EDITOR, from the simulated shell's environment first, then the real one;
 * with neither set, vi as virsh does (or nano when there is no vi). Undefined when nothing can run.
 */
export function editorCommand(simEnv: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const set = simEnv.VISUAL || simEnv.EDITOR || env.VISUAL || env.EDITOR;
  if (set) return set;
  return ["vi", "nano"].find((e) => onPath(e, env));
}

/** The argv that runs `editor` on `file`, as virsh's vshEditFile does: directly, or through `sh -c`. */
export function editorArgv(editor: string, file: string): string[] {
  if (PLAIN.test(editor)) return [editor, file];
  return ["sh", "-c", `${editor} '${file.replace(/'/g, "'\\''")}'`];
}

export function editText(editor: string, content: string, suffix: string): string | null {
  const dir = join(dataDir(), "tmp");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `virsh${process.pid}-${Date.now()}${suffix}`);
  writeFileSync(file, content, { mode: 0o600 });
  try {
    const [cmd, ...args] = editorArgv(editor, file);
    const r = spawnSync(cmd!, args, { stdio: "inherit" });
    if (r.error || r.status !== 0) return null;
    return readFileSync(file, "utf8");
  } finally {
    rmSync(file, { force: true });
  }
}
