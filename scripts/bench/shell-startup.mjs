// Bench: `lpic3 shell` start-up with an empty script on the built-in host fixtures (process start, bundle,
// fixture load with its images written to their allocation), so the cost of building a world is tracked.
// The kvm fixture is the default one; its target is 250 ms on the bench machine (median, wall clock).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const FIXTURES = ["kvm", "xen"];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function run({ lpic3, repeat = 5 }) {
  const dir = mkdtempSync(join(tmpdir(), "lpic3-startup-bench-"));
  const empty = join(dir, "empty.sh");
  writeFileSync(empty, "");
  const env = { ...process.env, LPIC3_HOME: dir, NO_COLOR: "1" };
  const once = (fixture) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [lpic3, "shell", "--host", fixture, "--script", empty], { env, stdio: ["ignore", "ignore", "pipe"] });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`lpic3 shell --host ${fixture} exited ${r.status}: ${r.stderr}`);
    return ms;
  };
  for (const f of FIXTURES) once(f); // warm the file cache
  const times = Object.fromEntries(FIXTURES.map((f) => [f, []]));
  // interleaved, at least 10 runs each, so machine noise hits every fixture alike
  for (let i = 0; i < Math.max(10, repeat); i++) for (const f of FIXTURES) times[f].push(once(f));
  rmSync(dir, { recursive: true, force: true });
  return FIXTURES.map((f) => ({ name: `lpic3 shell start-up --host ${f}`, ours_ms: median(times[f]), real_ms: null, ratio: null, cmds_per_s: null }));
}
