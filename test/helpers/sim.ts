// Test helpers: a session on a named fixture and a one-call script runner.
import { newSession, openWorld, runScript, type ScriptEntry } from "../../src/app/shell";
import type { Session, SessionOptions } from "../../src/sim/shell/session";

export function session(fixture = "kvm", options: Partial<SessionOptions> = {}): Session {
  return newSession(openWorld(fixture).world, { tty: false, ...options });
}

/** Run script text on a fresh session of `fixture`; returns the entries. */
export function script(text: string, fixture = "kvm"): ScriptEntry[] {
  return runScript(session(fixture), text);
}

/** Run one line on a session and return stdout, stderr and exit. */
export function sh(s: Session, line: string) {
  const r = s.run(line);
  return {
    stdout: r.out.filter((c) => c.fd === 1).map((c) => c.text).join(""),
    stderr: r.out.filter((c) => c.fd === 2).map((c) => c.text).join(""),
    exit: r.exit,
  };
}
