// Replays golden transcripts (recorded by scripts/record-transcripts.mjs) in the simulated shell and compares
// stdout, stderr and exit status after masking the fields each entry marks volatile.
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { newSession, openWorld } from "../../../src/app/shell";
import type { Session } from "../../../src/sim/shell/session";
import { stderrOf, stdoutOf } from "../../../src/sim/shell/tool";
import { resolvePath, writeFile } from "../../../src/sim/model/fs";
import { newImage } from "../../../src/sim/model/image";
import { createTemplateImage } from "../../../src/sim/model/guestfs/fixture";

export interface GoldenEntry {
  cmd: string;
  stdin?: string;
  stdout: string;
  stderr: string;
  exit: number;
  volatile: string[];
  setup?: boolean;
  /** A guest disk built from a template of src/sim/model/guestfs/templates.json. */
  template?: { name: string; file: string; format: string };
}

export interface GoldenSession {
  name: string;
  dir: string;
  fixture: string;
  cwd: string;
  source: "recorded" | "derived";
  entries: GoldenEntry[];
}

export function loadSessions(base: string): GoldenSession[] {
  if (!existsSync(base)) return [];
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(base, d.name, "transcript.json")))
    .map((d) => {
      const dir = join(base, d.name);
      const meta = JSON.parse(readFileSync(join(dir, "session.json"), "utf8")) as { fixture?: string; cwd?: string; source?: "recorded" | "derived" };
      return { name: d.name, dir, fixture: meta.fixture ?? "kvm", cwd: meta.cwd ?? "/root", source: meta.source ?? "recorded", entries: JSON.parse(readFileSync(join(dir, "transcript.json"), "utf8")) as GoldenEntry[] };
    });
}

const mask = (s: string, vol: string[]) => vol.reduce((acc, re) => acc.replace(new RegExp(re, "gm"), "<VOLATILE>"), s);

export interface EntryResult {
  entry: GoldenEntry;
  index: number;
  stdout: string;
  stderr: string;
  exit: number;
  ok: boolean;
}

/** A session on the golden's fixture, in a directory of the same absolute path as the recording's. */
export function goldenSession(g: GoldenSession): Session {
  const local = [join(g.dir, `${g.fixture}.yaml`), join(g.dir, "..", `${g.fixture}.yaml`)].find((p) => existsSync(p));
  const s = newSession(openWorld(local ?? g.fixture).world, { tty: false });
  s.run(`mkdir -p ${g.cwd}`);
  s.run(`cd ${g.cwd}`);
  return s;
}

/**
 * Until the simulated qemu-img is installed in the registry, set-up lines that create images
 * (`qemu-img create -f FMT FILE SIZE`) are applied directly through the image model.
 */
function fallbackCreate(s: Session, cmd: string): boolean {
  if (s.tools.get("qemu-img")) return false;
  const m = /^qemu-img create -f (\S+) (\S+) (\d+)([kKMGT]?)$/.exec(cmd);
  if (!m) return false;
  const mult: Record<string, number> = { "": 1, k: 1024, K: 1024, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };
  const size = Number(m[3]) * mult[m[4]!]!;
  const path = resolvePath(s.state.cwd, m[2]!);
  s.updateFs((fs) => void writeFile(fs, path, "", { mtime: s.nowSec(), image: newImage(m[1]!, size) }));
  return true;
}

/** Run one entry: the command, then its stdin lines for an interactive program, then end of input. */
export function runEntry(s: Session, e: GoldenEntry): { stdout: string; stderr: string; exit: number } {
  if (e.template) {
    const path = resolvePath(s.state.cwd, e.template.file);
    s.world = createTemplateImage(s.world, s.state.host, path, e.template.name, e.template.format)!;
    return { stdout: e.stdout, stderr: e.stderr, exit: e.exit };
  }
  if (e.setup && fallbackCreate(s, e.cmd)) return { stdout: e.stdout, stderr: e.stderr, exit: e.exit };
  const r = s.run(e.cmd);
  const chunks = [...r.out];
  let exit = r.exit;
  if (s.program) {
    const lines = (e.stdin ?? "").split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    for (const line of lines) {
      if (!s.program) break;
      const f = s.feedProgram(line);
      chunks.push(...f.out);
      exit = f.exit;
    }
    if (s.program) {
      const f = s.endProgram();
      chunks.push(...f.out);
      exit = f.exit;
    }
  }
  return { stdout: stdoutOf(chunks), stderr: stderrOf(chunks), exit };
}

export function replay(g: GoldenSession): EntryResult[] {
  const s = goldenSession(g);
  return g.entries.map((entry, index) => {
    const r = runEntry(s, entry);
    const ok = entry.setup === true || (mask(r.stdout, entry.volatile) === mask(entry.stdout, entry.volatile) && mask(r.stderr, entry.volatile) === mask(entry.stderr, entry.volatile) && r.exit === entry.exit);
    return { entry, index, ...r, ok };
  });
}

/** Where two texts first differ, with some context on each side. */
function firstDiff(want: string, got: string): string {
  let i = 0;
  while (i < want.length && i < got.length && want[i] === got[i]) i++;
  const from = Math.max(0, i - 80);
  return `  at ${i}:\n    want: ${JSON.stringify(want.slice(from, i + 120))}\n    got:  ${JSON.stringify(got.slice(from, i + 120))}`;
}

/** A readable diff of one mismatch for test failure messages. */
export function describe(r: EntryResult): string {
  const e = r.entry;
  const lines = [`$ ${e.cmd}${e.stdin ? ` <<< ${JSON.stringify(e.stdin)}` : ""}`];
  if (e.exit !== r.exit) lines.push(`exit: want ${e.exit} got ${r.exit}`);
  const [ws, gs] = [mask(e.stdout, e.volatile), mask(r.stdout, e.volatile)];
  if (ws !== gs) lines.push(`stdout differs${firstDiff(ws, gs)}`);
  const [we, ge] = [mask(e.stderr, e.volatile), mask(r.stderr, e.volatile)];
  if (we !== ge) lines.push(`stderr differs${firstDiff(we, ge)}`);
  return lines.join("\n");
}
