#!/usr/bin/env node
// Re-records the qemu-img golden transcripts from the real qemu-img/qemu-io 7.2 installed on this machine.
// Each session in test/transcripts/qemu-img/<name>/cmds.txt runs line by line (bash -c, LC_ALL=C, TZ=UTC)
// in a scratch directory that starts empty; the session is recorded twice and lines whose output differs
// between the runs outside the volatile masks are reported and kept with their whole output marked volatile
// (the command still runs on replay, so later lines see its effect).
// Usage: node scripts/record-qemu-img.mjs [SESSION...]
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DIR = join(ROOT, "test/transcripts/qemu-img");
const WORK = "/tmp/lpic3-qemu-img-rec/work";

const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith("--"));

function version() {
  try {
    return execFileSync("qemu-img", ["--version"], { encoding: "utf8" }).split("\n")[0];
  } catch {
    console.error("qemu-img is not installed here; nothing recorded.");
    process.exit(1);
  }
}

/** Patterns whose matches vary between runs or machines, for a command and its output. */
function volatileFor(cmd, stdout, stderr) {
  const v = [];
  const text = stdout + stderr;
  if (/^disk size: /m.test(text)) v.push("^disk size: .*$");
  if (/"actual-size": \d+/.test(text)) v.push('"actual-size": \\d+');
  if (/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/.test(text)) v.push("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}");
  if (/"date-sec": \d+/.test(text)) v.push('"date-sec": \\d+', '"date-nsec": \\d+');
  if (/\bcid: \d+/.test(text)) v.push("\\bcid: \\d+", "parent cid: \\d+");
  if (/"cid": \d+/.test(text)) v.push('"cid": \\d+', '"parent-cid": \\d+');
  if (/#block\d+/.test(text)) v.push("#block\\d+");
  if (/^qemu-io\b/.test(cmd) && /ops; /.test(text)) v.push("^\\S+ \\S+, \\d+ ops; [0-9:.]+ sec \\(.*\\)$");
  if (/^Run completed in /m.test(text)) v.push("^Run completed in [0-9.]+ seconds\\.$");
  if (/ -p /.test(` ${cmd} `) && /\(\d+\.\d+\/100%\)/.test(text) && /^qemu-img (commit|rebase|amend|compare)\b/.test(cmd)) v.push("^(?: *\\(\\d+\\.\\d+/100%\\)\\r)+$");
  return v;
}

function runSession(cmds) {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  return cmds.map((cmd) => {
    // a typical 1024 descriptor limit: backing-chain loops fail at the same depth as on most machines
    const r = spawnSync("bash", ["-c", `ulimit -n 1024; ${cmd}`], { cwd: WORK, env: { PATH: process.env.PATH, LC_ALL: "C", TZ: "UTC", HOME: "/root" }, encoding: "utf8", timeout: 120000 });
    const entry = { cmd, stdout: r.stdout ?? "", stderr: r.stderr ?? "", exit: r.status ?? 1 };
    entry.volatile = volatileFor(cmd, entry.stdout, entry.stderr);
    if (!/^qemu-img\b/.test(cmd)) entry.setup = true;
    return entry;
  });
}

const mask = (s, vol) => vol.reduce((acc, re) => acc.replace(new RegExp(re, "gm"), "<VOLATILE>"), s);
const same = (a, b) => a.exit === b.exit && mask(a.stdout, a.volatile) === mask(b.stdout, a.volatile) && mask(a.stderr, a.volatile) === mask(b.stderr, a.volatile);

const ver = version();
const sessions = readdirSync(DIR).filter((d) => existsSync(join(DIR, d, "cmds.txt")) && (only.length === 0 || only.includes(d)));
for (const name of sessions.sort()) {
  const cmds = readFileSync(join(DIR, name, "cmds.txt"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#"));
  const first = runSession(cmds);
  const second = runSession(cmds);
  const unstable = first.filter((e, i) => !same(e, second[i]));
  for (const e of unstable) console.warn(`${name}: unstable: ${e.cmd}`);
  const keep = first.map((e, i) => (same(e, second[i]) ? e : { ...e, volatile: ["^[\\s\\S]*$"] }));
  writeFileSync(join(DIR, name, "transcript.json"), JSON.stringify(keep, null, 2) + "\n");
  writeFileSync(
    join(DIR, name, "session.json"),
    JSON.stringify({ tool: "qemu-img", mode: "exec", cwd: WORK, env: { LC_ALL: "C", TZ: "UTC" }, recordedWith: ver, source: "real qemu-img on a scratch directory (scripts/record-qemu-img.mjs)" }, null, 2) + "\n",
  );
  console.log(`${name}: ${keep.length} commands`);
}
rmSync(WORK, { recursive: true, force: true });
