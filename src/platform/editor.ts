// Opens the learner's own $EDITOR on a temporary copy (virsh edit and its kin): the one host program the
// lab shell may start, and only on a file in lpic3's data directory.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dataDir } from "./paths";

/** The editor to use, from the simulated shell's environment first, then the real one. */
export function editorCommand(simEnv: Readonly<Record<string, string>>): string | undefined {
  return simEnv.VISUAL || simEnv.EDITOR || process.env.VISUAL || process.env.EDITOR || undefined;
}

export function editText(editor: string, content: string, suffix: string): string | null {
  const dir = join(dataDir(), "tmp");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `virsh${process.pid}-${Date.now()}${suffix}`);
  writeFileSync(file, content, { mode: 0o600 });
  try {
    const [cmd, ...args] = editor.split(/\s+/).filter(Boolean);
    const r = spawnSync(cmd!, [...args, file], { stdio: "inherit" });
    if (r.error || r.status !== 0) return null;
    return readFileSync(file, "utf8");
  } finally {
    rmSync(file, { force: true });
  }
}
