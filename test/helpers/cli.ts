// Runs the built CLI as a user would (a separate process), with its own data directory.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");
export const BIN = join(ROOT, "bin", "lpic3.cjs");

export interface CliResult {
  stdout: string;
  stderr: string;
  status: number;
}

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), "lpic3-test-"));
}

export function lpic3(args: string[], o: { env?: Record<string, string>; input?: string; cwd?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: o.cwd ?? ROOT,
    input: o.input ?? "",
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", LPIC3_HOME: o.env?.LPIC3_HOME ?? tempHome(), ...o.env },
    timeout: 60_000,
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1 };
}
