// `npm run bench`: start-up time and peak memory of the CLI against bare node, then the simulator suites.
// Runs are interleaved (A B C A B C ...) so machine noise hits every command alike; figures are medians.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const lpic3 = join(root, "bin", "lpic3.cjs");
const probe = join(root, "scripts", "bench", "rss-probe.mjs");
const runs = Number(process.env.BENCH_RUNS ?? 15);
const home = mkdtempSync(join(tmpdir(), "lpic3-bench-"));
const env = { ...process.env, LPIC3_HOME: home, NO_COLOR: "1" };

const cases = [
  { name: "node -e 0", args: ["-e", "0"] },
  { name: "lpic3 --version", args: [lpic3, "--version"] },
  { name: "lpic3 topics --json", args: [lpic3, "topics", "--json"] },
  { name: "lpic3 search xen", args: [lpic3, "search", "xen"] },
];
const targets = { "lpic3 --version": 1.25, "lpic3 topics --json": 1.5 };

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function timeOnce(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && !(args.includes("search") && r.status === 1)) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return ms;
}

function rssOnce(args) {
  const out = join(home, `rss-${process.pid}`);
  rmSync(out, { force: true });
  spawnSync(process.execPath, ["--import", pathToFileURL(probe).href, ...args], { env: { ...env, LPIC3_RSS_OUT: out }, stdio: "ignore" });
  return Number(readFileSync(out, "utf8").trim().split("\n").pop()) / 1024;
}

// warm the file cache
for (const c of cases) timeOnce(c.args);
const times = Object.fromEntries(cases.map((c) => [c.name, []]));
const rss = Object.fromEntries(cases.map((c) => [c.name, []]));
for (let i = 0; i < runs; i++) {
  for (const c of cases) times[c.name].push(timeOnce(c.args));
  for (const c of cases) rss[c.name].push(rssOnce(c.args));
}
const base = { ms: median(times["node -e 0"]), mb: median(rss["node -e 0"]) };
console.log(`Start-up (median of ${runs} interleaved runs; node ${process.version})`);
console.log(`${"command".padEnd(24)}${"wall ms".padStart(9)}${"x node".padStart(8)}${"peak MB".padStart(9)}${"x node".padStart(8)}  target`);
let failed = false;
for (const c of cases) {
  const ms = median(times[c.name]);
  const mb = median(rss[c.name]);
  const ratio = ms / base.ms;
  const target = targets[c.name];
  const verdict = target === undefined ? "" : ratio <= target ? `<= ${target}x ok` : `<= ${target}x MISSED`;
  if (target !== undefined && ratio > target) failed = true;
  console.log(`${c.name.padEnd(24)}${ms.toFixed(1).padStart(9)}${ratio.toFixed(2).padStart(8)}${mb.toFixed(1).padStart(9)}${(mb / base.mb).toFixed(2).padStart(8)}  ${verdict}`);
}

// simulator suites: scripts/bench/<suite>.mjs export run({ lpic3, repeat }) → rows
const suites = readdirSync(join(root, "scripts", "bench")).filter((f) => f.endsWith(".mjs") && f !== "rss-probe.mjs").sort();
for (const f of suites) {
  const mod = await import(pathToFileURL(join(root, "scripts", "bench", f)).href);
  const rows = await mod.run({ lpic3, repeat: Number(process.env.BENCH_REPEAT ?? 5), root });
  console.log(`\n${f.replace(/\.mjs$/, "")}`);
  console.log(`${"case".padEnd(34)}${"ours ms".padStart(10)}${"real ms".padStart(10)}${"ours/real".padStart(11)}${"cmds/s".padStart(10)}`);
  for (const r of rows) {
    const real = r.real_ms == null ? "n/a" : r.real_ms.toFixed(1);
    const ratio = r.ratio == null ? "n/a" : r.ratio.toFixed(2);
    console.log(`${r.name.padEnd(34)}${r.ours_ms.toFixed(1).padStart(10)}${real.padStart(10)}${ratio.padStart(11)}${(r.cmds_per_s == null ? "" : Math.round(r.cmds_per_s).toString()).padStart(10)}`);
  }
}
rmSync(home, { recursive: true, force: true });
if (failed) process.exitCode = 1;
