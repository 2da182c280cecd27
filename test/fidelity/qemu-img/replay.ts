// Replays qemu-img fidelity sessions (real qemu-img 7.2 transcripts) through the simulated shell: one
// shell per session, in an empty directory like the recording's, every line a separate command.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { newSession, openWorld, runScript } from "../../../src/app/shell";

export interface Entry {
  cmd: string;
  stdout: string;
  stderr: string;
  exit: number;
  volatile: string[];
  setup?: boolean;
}

export interface Outcome {
  session: string;
  cmd: string;
  setup: boolean;
  ok: boolean;
  expected: { stdout: string; stderr: string; exit: number };
  actual: { stdout: string; stderr: string; exit: number };
}

export const CORPUS = fileURLToPath(new URL(".", import.meta.url));
export const CWD = "/tmp/fidelity-rec/work";

export const mask = (s: string, vol: string[]) => vol.reduce((acc, re) => acc.replace(new RegExp(re, "gm"), "<VOLATILE>"), s);

/** Replay one session directory (holding transcript.json) and compare every line. */
export function replaySession(dir: string, name = dir): Outcome[] {
  const entries = JSON.parse(readFileSync(join(dir, "transcript.json"), "utf8")) as Entry[];
  const meta = existsSync(join(dir, "session.json")) ? (JSON.parse(readFileSync(join(dir, "session.json"), "utf8")) as { cwd?: string }) : {};
  const cwd = meta.cwd ?? CWD;
  const s = newSession(openWorld("kvm").world, { tty: false });
  s.run(`mkdir -p ${cwd}`);
  s.run(`cd ${cwd}`);
  return entries.map((e) => {
    const r = runScript(s, e.cmd + "\n")[0] ?? { stdout: "", stderr: "", exit: 0 };
    const actual = { stdout: r.stdout, stderr: r.stderr, exit: r.exit };
    const ok = mask(e.stdout, e.volatile) === mask(actual.stdout, e.volatile) && mask(e.stderr, e.volatile) === mask(actual.stderr, e.volatile) && e.exit === actual.exit;
    return { session: name, cmd: e.cmd, setup: !!e.setup, ok, expected: { stdout: e.stdout, stderr: e.stderr, exit: e.exit }, actual };
  });
}

/** Every session under `root` (directories with a transcript.json), in name order. */
export function replayAll(root = CORPUS): Outcome[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => existsSync(join(root, d, "transcript.json")))
    .sort()
    .flatMap((d) => replaySession(join(root, d), d));
}
