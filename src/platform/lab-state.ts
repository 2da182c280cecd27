// Saved lab sessions: one JSON file per lab under <data dir>/labs/, replaced atomically (write, fsync, rename).
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { dataDir } from "./paths";

export function labStateDir(): string {
  return join(dataDir(), "labs");
}

const fileFor = (id: string) => join(labStateDir(), `${id}.json`);

/** The saved state of lab `id` as parsed JSON, null when there is none, or an error text when it is unreadable. */
export function readLabState(id: string): { value: unknown } | { error: string } | null {
  const f = fileFor(id);
  if (!existsSync(f)) return null;
  try {
    return { value: JSON.parse(readFileSync(f, "utf8")) };
  } catch (e) {
    const aside = `${f}.damaged-${Date.now()}`;
    try {
      renameSync(f, aside);
    } catch {
      /* keep going: the learner still gets a fresh lab */
    }
    return { error: `the saved state of lab '${id}' could not be read (${e instanceof Error ? e.message : String(e)}); it was set aside as ${aside}` };
  }
}

export function writeLabState(id: string, value: unknown): void {
  mkdirSync(labStateDir(), { recursive: true });
  const f = fileFor(id);
  const tmp = `${f}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, JSON.stringify(value));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, f);
}

export function removeLabState(id: string): boolean {
  const f = fileFor(id);
  if (!existsSync(f)) return false;
  rmSync(f);
  return true;
}
