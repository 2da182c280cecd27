// Replays the xl/xentop/xenstore golden transcripts (derived from the Xen reference, not recorded) and the
// xen-tools ones (recorded from the real scripts), see each session.json, through the simulated shell,
// one session per directory, and compares every entry.
// UPDATE_XL_TRANSCRIPTS=1 fills in or refreshes the entries marked "simulator"; "reference" entries
// are never rewritten.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { newSession, openWorld, runScript } from "../../../src/app/shell";

interface Entry {
  cmd: string;
  stdout: string | null;
  stderr: string | null;
  exit: number | null;
  source: "reference" | "simulator" | "setup" | "recorded";
  /** Lines an interactive program (xl console) reads after the command. */
  input?: string[];
}

const DIR = new URL(".", import.meta.url).pathname;
const UPDATE = !!process.env.UPDATE_XL_TRANSCRIPTS;

const sessions = readdirSync(DIR).filter((d) => existsSync(join(DIR, d, "session.json")));

describe("xl golden transcripts (derived from the Xen 4.17 reference)", () => {
  it("has sessions", () => expect(sessions.length).toBeGreaterThanOrEqual(6));

  for (const name of sessions) {
    it(name, () => {
      const meta = JSON.parse(readFileSync(join(DIR, name, "session.json"), "utf8")) as { fixture: string; tick?: number; recorded: boolean; derived: string };
      // every session says how it was made: derived from the reference, or recorded from a real tool
      expect(meta.derived).toMatch(meta.recorded ? /^RECORDED/ : /^DERIVED, NOT RECORDED/);
      const file = join(DIR, name, "transcript.json");
      const entries = JSON.parse(readFileSync(file, "utf8")) as Entry[];
      const fixture = meta.fixture.includes("/") ? join(DIR, meta.fixture) : meta.fixture;
      const session = newSession(openWorld(fixture).world, { tty: false, ...(meta.tick !== undefined ? { tick: meta.tick } : {}) });
      const got = runScript(session, entries.map((e) => [e.cmd, ...(e.input ?? [])].join("\n")).join("\n") + "\n");
      expect(got.map((g) => g.cmd)).toEqual(entries.map((e) => e.cmd));
      let changed = false;
      entries.forEach((e, i) => {
        const g = got[i]!;
        if (UPDATE && (e.source === "simulator" || e.stdout === null || e.stderr === null || e.exit === null)) {
          const next = { stdout: e.source === "simulator" || e.stdout === null ? g.stdout : e.stdout, stderr: e.source === "simulator" || e.stderr === null ? g.stderr : e.stderr, exit: e.source === "simulator" || e.exit === null ? g.exit : e.exit };
          if (next.stdout !== e.stdout || next.stderr !== e.stderr || next.exit !== e.exit) changed = true;
          Object.assign(e, next);
        }
        expect({ cmd: e.cmd, stdout: g.stdout, stderr: g.stderr, exit: g.exit }, `${name} #${i}: ${e.cmd}`).toEqual({ cmd: e.cmd, stdout: e.stdout, stderr: e.stderr, exit: e.exit });
      });
      if (UPDATE && changed) writeFileSync(file, JSON.stringify(entries, null, 1) + "\n");
    });
  }
});
