// Replays the virsh fidelity corpus (recorded on real virsh 9.0 against a test-driver node) through the
// simulator, the way the corpus README prescribes: batch sessions share one shell, argv lines each get a
// fresh one, interactive sessions feed their lines to `virsh` on stdin.
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { newSession, openWorld, runScript } from "../../src/app/shell";
import type { Session, SessionOptions } from "../../src/sim/shell/session";
import { writeFile } from "../../src/sim/model/fs";

export interface CorpusEntry {
  cmd: string;
  stdout: string;
  stderr: string;
  exit: number;
  volatile: string[];
  stdin?: string;
}

export interface Outcome {
  session: string;
  cmd: string;
  ok: boolean;
  expected: { stdout: string; stderr: string; exit: number };
  actual: { stdout: string; stderr: string; exit: number };
}

const mask = (s: string, vol: string[]) => vol.reduce((acc, re) => acc.replace(new RegExp(re, "gm"), "<VOLATILE>"), s);

export const CORPUS_DIR = resolve(__dirname, "virsh");
export const NODE_XML = resolve(__dirname, "lab-node.xml");

function freshSession(dir: string, nodeXml: string, cwd: string, editor?: SessionOptions["editor"]): Session {
  const s = newSession(openWorld(nodeXml).world, { tty: false, ...(editor ? { editor } : {}) });
  s.run(`mkdir -p ${cwd}`);
  s.run(`cd ${cwd}`);
  for (const f of readdirSync(dir)) {
    if (!f.endsWith(".xml")) continue;
    const text = readFileSync(join(dir, f), "utf8");
    s.updateFs((fs) => void writeFile(fs, `${cwd}/${f}`, text, { mtime: 0 }));
  }
  return s;
}

/**
 * Replay one session; `cwd` is the directory the recording ran in (files named by commands are put there);
 * `editor` plays the editors the recording ran (`EDITOR=... virsh edit ...`), as the shell's editor callback.
 */
export function replaySession(name: string, corpusDir = CORPUS_DIR, nodeXml = NODE_XML, cwd = "/tmp/fidelity-rec/work", editor?: SessionOptions["editor"]): Outcome[] {
  const dir = join(corpusDir, name);
  const meta = JSON.parse(readFileSync(join(dir, "session.json"), "utf8")) as { mode: string };
  const entries = JSON.parse(readFileSync(join(dir, "transcript.json"), "utf8")) as CorpusEntry[];
  const outcomes: Outcome[] = [];
  let shared: Session | undefined;
  for (const e of entries) {
    let actual: { stdout: string; stderr: string; exit: number };
    if (meta.mode === "interactive") {
      const s = freshSession(dir, nodeXml, cwd, editor);
      const r = runScript(s, `${e.cmd}\n${e.stdin ?? ""}`);
      actual = r[0] ?? { stdout: "", stderr: "", exit: 0 };
    } else {
      const s = meta.mode === "argv" ? freshSession(dir, nodeXml, cwd, editor) : (shared ??= freshSession(dir, nodeXml, cwd, editor));
      const r = runScript(s, e.cmd + "\n");
      actual = r[0] ?? { stdout: "", stderr: "", exit: 0 };
    }
    const ok = mask(e.stdout, e.volatile) === mask(actual.stdout, e.volatile) && mask(e.stderr, e.volatile) === mask(actual.stderr, e.volatile) && e.exit === actual.exit;
    outcomes.push({ session: name, cmd: e.cmd, ok, expected: { stdout: e.stdout, stderr: e.stderr, exit: e.exit }, actual: { stdout: actual.stdout, stderr: actual.stderr, exit: actual.exit } });
  }
  return outcomes;
}

export function replayCorpus(corpusDir = CORPUS_DIR, nodeXml = NODE_XML): Outcome[] {
  if (!existsSync(corpusDir)) return [];
  return readdirSync(corpusDir)
    .filter((d) => existsSync(join(corpusDir, d, "transcript.json")))
    .sort()
    .flatMap((d) => replaySession(d, corpusDir, nodeXml));
}
