#!/usr/bin/env node
// Re-records the virsh golden transcripts in test/transcripts/virsh/ from the real virsh (libvirt-clients 9.0)
// against libvirt's test driver, the way the shared fidelity corpus was recorded:
//   batch sessions: all lines run in ONE virsh process (`virsh -c test:///NODE 'cmd1; echo M; cmd2 …'`), output
//     cut at echo markers, the exit status of line i from a run of lines 1..i; lines virsh's parser rejects are
//     recorded standalone (they never run);
//   argv sessions: every line is its own process (shell word splitting); leading NAME=VALUE words are put in
//     that process's environment, as sh does (`EDITOR='sed -i s/a/b/' virsh edit dom`);
//   interactive sessions: the lines are piped into `virsh` with no command.
// Each session is recorded twice; output that differs between the runs must be covered by a volatile rule.
// usage: node scripts/record-virsh.mjs [SESSION…]      (LC_ALL=C TZ=UTC are set here)
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const ROOT = resolve(new URL("..", import.meta.url).pathname);
const DIR = join(ROOT, "test/transcripts/virsh");
const REC = "/tmp/lpic3-virsh-rec";
const ENV = { ...process.env, LC_ALL: "C", TZ: "UTC", HOME: REC, VIRSH_DEFAULT_CONNECT_URI: "", LIBVIRT_DEFAULT_URI: "" };

/** Volatile output by command: regexes (JS, flags gm) whose matches vary between runs or machines. */
const VOLATILE = {
  dominfo: ["CPU time:\\s+[0-9.]+s"],
  vcpuinfo: ["CPU time:\\s+[0-9.]+s"],
  "snapshot-list": ["\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} [+-]\\d{4}", "^\\s*\\d{9,}\\b.*$"],
  "snapshot-current": ["<creationTime>\\d+</creationTime>"],
  "snapshot-dumpxml": ["<creationTime>\\d+</creationTime>"],
  "snapshot-create": ["Domain snapshot \\d{9,} created"],
  "snapshot-create-as": ["Domain snapshot \\d{9,} created"],
  "snapshot-delete": ["Domain snapshot \\d{9,} deleted"],
  "checkpoint-list": ["\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} [+-]\\d{4}"],
  "checkpoint-dumpxml": ["<creationTime>\\d+</creationTime>"],
  domifstat: ["^\\S+ (rx|tx)_(bytes|packets|errs|drop) \\d+$"],
  domblkstat: ["^ (number of [a-z ]+|error count|total duration of [a-z ]+):\\s+\\d+$", "^\\S+ (rd_req|rd_bytes|wr_req|wr_bytes|errs|flush_operations|rd_total_times|wr_total_times|flush_total_times) \\d+$"],
  nodecpustats: ["^(user|system|idle|iowait|usage):\\s+\\S+$"],
  hostname: ["^.+$"],
  uri: ["test:///[^\\s'\\x22]+"],
  restore: ["/tmp/lpic3-virsh-rec/work/?"],
  "pool-dumpxml": ["<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}</uuid>"],
  "net-dumpxml": ["<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}</uuid>", "<mac address='52:54:00(:[0-9a-f]{2}){3}'/>"],
  dumpxml: ["<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}</uuid>", "<mac address='52:54:00(:[0-9a-f]{2}){3}'/>"],
  "net-uuid": ["^[0-9a-f-]{36}$"],
  "pool-uuid": ["^[0-9a-f-]{36}$"],
  domuuid: ["^[0-9a-f-]{36}$"],
  create: ["uuid [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"],
};
// the *-edit commands name their mkstemp file (/tmp/virshXXXXXX.xml) when the editor fails
for (const c of ["edit", "net-edit", "pool-edit", "snapshot-edit", "checkpoint-edit", "save-image-edit", "managedsave-edit", "iface-edit", "nwfilter-edit"])
  VOLATILE[c] = [...(VOLATILE[c] ?? []), "/tmp/virsh[A-Za-z0-9]{6}\\.xml"];
/** Rules added to a line only when its two recordings differ (random UUIDs of objects defined without one). */
const UUID_LINE = "^UUID:\\s+[0-9a-f-]{36}$";
const CONDITIONAL = { "pool-info": [UUID_LINE], "net-info": [UUID_LINE], dominfo: [UUID_LINE] };
const TIMING = ["\\(Time: [0-9.]+ ms\\)"];

/** POSIX-sh-like word splitting of a recorded command line. */
function shellSplit(line) {
  const words = [];
  let cur = "";
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'") {
      const e = line.indexOf("'", i + 1);
      cur += line.slice(i + 1, e);
      i = e;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') {
        if (line[j] === "\\" && ['"', "\\", "$", "`"].includes(line[j + 1])) j++;
        cur += line[j++];
      }
      i = j;
      inWord = true;
    } else if (c === "\\") {
      cur += line[++i];
      inWord = true;
    } else if (c === " " || c === "\t") {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** Quote one argument for virsh's own command-string parser. */
const vq = (a) => (a !== "" && /^[A-Za-z0-9_@%+=:,./<>-]+$/.test(a) ? a : `"${a.replace(/(["\\])/g, "\\$1")}"`);

/** Leading NAME=VALUE words of a split line (sh's assignment prefix) and the words after them. */
function assignments(words) {
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i])) i++;
  const env = Object.fromEntries(words.slice(0, i).map((w) => [w.slice(0, w.indexOf("=")), w.slice(w.indexOf("=") + 1)]));
  return { env, words: words.slice(i) };
}

function virsh(args, input, mayHang = false, reset = () => {}, extraEnv = {}) {
  // stdin from /dev/null unless fed: save/migrate wait forever on an empty pipe. virsh 9.0 also hangs now and then
  // after save/managedsave (a race in its job-watch loop with the test driver): such runs are repeated
  for (let attempt = 0; attempt < 6; attempt++) {
    if (attempt > 0) reset();
    const r = spawnSync("virsh", args, { cwd: join(REC, "work"), env: { ...ENV, ...extraEnv }, encoding: "utf8", timeout: 8000, ...(input !== undefined ? { input } : { stdio: ["ignore", "pipe", "pipe"] }) });
    if (r.error?.code === "ETIMEDOUT") continue;
    if (r.error) throw new Error(`virsh ${args.join(" ")}: ${r.error.message}`);
    return { stdout: r.stdout, stderr: r.stderr, exit: r.status ?? 1 };
  }
  if (mayHang) return null;
  throw new Error(`virsh ${args.join(" ")}: timed out 6 times`);
}

function cmdNameOf(words) {
  return words.find((w, i) => i > 0 && !w.startsWith("-") && (i === 1 || !["-c", "--connect", "-d", "-e", "-k", "-K", "-l"].includes(words[i - 1])));
}

function volatileFor(words) {
  // an argument may hold a whole command string ("list; dominfo x"): every command in it counts
  const first = words.indexOf(cmdNameOf(words));
  const names = new Set([cmdNameOf(words)]);
  if (first > 0 && words.length - first === 1) for (const part of words[first].split(";")) names.add(part.trim().split(/\s+/)[0]);
  const v = [...new Set([...names].flatMap((n) => VOLATILE[n] ?? []))];
  if (words.some((w) => /^-[qrvVh]*t[qrvVh]*$/.test(w)) || words.includes("--timing")) v.push(...TIMING);
  return v;
}

const PARSE_ERROR = /^error: (unknown command: |command '[^']*' (requires|doesn't support)|unexpected data |expected syntax: |option --\S+ already seen|invalid '=' after option|missing "|dangling \\)/;

function prepare(session, meta) {
  rmSync(REC, { recursive: true, force: true });
  mkdirSync(join(REC, "nodes"), { recursive: true });
  mkdirSync(join(REC, "work"), { recursive: true });
  const nodeSrc = resolve(join(DIR, session), meta.node);
  const node = join(REC, "nodes", meta.node.split("/").pop());
  cpSync(nodeSrc, node);
  // the files a node names by <domain file="…"/> (and the like) sit beside it
  const nodeDir = dirname(nodeSrc);
  for (const f of readdirSync(nodeDir)) if (f.endsWith(".xml") && join(nodeDir, f) !== nodeSrc) cpSync(join(nodeDir, f), join(REC, "nodes", f));
  for (const f of readdirSync(join(DIR, session))) if (f.endsWith(".xml") || f.endsWith(".save")) cpSync(join(DIR, session, f), join(REC, "work", f));
  return `test://${node}`;
}

function recordOnce(session) {
  const dir = join(DIR, session);
  const meta = JSON.parse(readFileSync(join(dir, "session.json"), "utf8"));
  const lines = readFileSync(join(dir, "cmds.txt"), "utf8").split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
  const uri = prepare(session, meta);
  const out = [];
  if (meta.mode === "interactive") {
    const r = virsh(["-c", uri], lines.join("\n") + "\n", false, () => prepare(session, meta));
    return [{ cmd: "virsh", stdout: r.stdout, stderr: r.stderr, exit: r.exit, volatile: ["CPU time:\\s+[0-9.]+s"], stdin: lines.join("\n") + "\n" }];
  }
  if (meta.mode === "argv") {
    for (const l of lines) {
      prepare(session, meta);
      const { env, words: w } = assignments(shellSplit(l));
      const args = w.slice(1);
      const hasC = args.some((a, i) => (a === "-c" || a.startsWith("--connect")) && i < args.indexOf(args.find((x) => !x.startsWith("-")) ?? ""));
      const r = virsh(hasC ? args : ["-c", uri, ...args], undefined, false, () => prepare(session, meta), env);
      out.push({ cmd: l, stdout: r.stdout, stderr: r.stderr, exit: r.exit, volatile: volatileFor(w) });
    }
    return out;
  }
  // batch
  const words = lines.map(shellSplit);
  for (const [i, w] of words.entries()) if (Object.keys(assignments(w).env).length) throw new Error(`${session}: line ${i + 1} sets variables; put it in an argv session`);
  for (const [i, w] of words.entries()) if (w[1]?.startsWith("-")) throw new Error(`${session}: line ${i + 1} has global options; put it in an argv session`);
  // lines that end or redirect a batch (quit, exit, connect) and parser rejects run standalone
  const standalone = words.map((w) => {
    prepare(session, meta);
    const r = virsh(["-c", uri, ...w.slice(1)], undefined, true, () => prepare(session, meta));
    if (r === null) return null;
    if (["quit", "exit", "connect"].includes(w[1] ?? "")) return r;
    return r.exit !== 0 && r.stdout === "" && PARSE_ERROR.test(r.stderr) ? r : null;
  });
  // one argument is itself a command string (virsh parses it as such); several are re-quoted for the string parser
  const runnable = words.map((w, i) => (standalone[i] ? null : w.length === 2 ? w[1] : w.slice(1).map(vq).join(" ")));
  prepare(session, meta);
  const parts = [];
  runnable.forEach((c, i) => {
    if (c === null) return;
    parts.push(c, `echo --err @@M${i}@@`, `echo @@M${i}@@`);
  });
  const all = virsh(["-c", uri, parts.join(" ; ")], undefined, false, () => prepare(session, meta));
  let so = all.stdout;
  let se = all.stderr;
  for (let i = 0; i < lines.length; i++) {
    const w = words[i];
    if (standalone[i]) {
      out.push({ cmd: lines[i], stdout: standalone[i].stdout, stderr: standalone[i].stderr, exit: standalone[i].exit, volatile: volatileFor(w) });
      continue;
    }
    const mo = `\n@@M${i}@@\n`;
    const k = so.indexOf(mo);
    const ke = se.indexOf(`error: @@M${i}@@\n`);
    if (k < 0 || ke < 0) throw new Error(`${session}: marker ${i} missing (line: ${lines[i]})`);
    const stdout = so.slice(0, k);
    const stderr = se.slice(0, ke);
    so = so.slice(k + mo.length);
    se = se.slice(ke + `error: @@M${i}@@\n`.length);
    prepare(session, meta);
    const prefix = runnable.slice(0, i + 1).filter((c) => c !== null);
    const ex = virsh(["-c", uri, prefix.join(" ; ")], undefined, false, () => prepare(session, meta)).exit;
    out.push({ cmd: lines[i], stdout, stderr, exit: ex, volatile: volatileFor(w) });
  }
  return out;
}

function masked(s, vol) {
  return vol.reduce((a, re) => a.replace(new RegExp(re, "gm"), "<VOLATILE>"), s);
}

const sessions = process.argv.slice(2).length ? process.argv.slice(2) : readdirSync(DIR).filter((d) => existsSync(join(DIR, d, "cmds.txt")));
for (const s of sessions) {
  const a = recordOnce(s);
  const b = recordOnce(s);
  a.forEach((e, i) => {
    const f = b[i];
    const differs = (vol) => masked(e.stdout, vol) !== masked(f.stdout, vol) || masked(e.stderr, vol) !== masked(f.stderr, vol);
    const extra = CONDITIONAL[cmdNameOf(assignments(shellSplit(e.cmd)).words)?.trim().split(/\s+/)[0]] ?? [];
    if (differs(e.volatile) && extra.length && !differs([...e.volatile, ...extra])) e.volatile.push(...extra);
    if (masked(e.stdout, e.volatile) !== masked(f.stdout, e.volatile) || masked(e.stderr, e.volatile) !== masked(f.stderr, e.volatile) || e.exit !== f.exit)
      console.warn(`${s}: line ${i + 1} (${e.cmd}) differs between two recordings; add a volatile rule`);
  });
  writeFileSync(join(DIR, s, "transcript.json"), JSON.stringify(a, null, 1) + "\n");
  console.log(`${s}: ${a.length} commands recorded`);
}
rmSync(REC, { recursive: true, force: true });
