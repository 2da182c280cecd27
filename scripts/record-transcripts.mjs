#!/usr/bin/env node
// Records golden transcripts from the real tools (qemu-system-x86_64, qemu-img, ip, brctl, guestfish, virt-*)
// for the sessions under test/transcripts/<tool>/<session>/cmds.txt, writing transcript.json beside each.
//
// Usage: node scripts/record-transcripts.mjs [SESSION_DIR...]   (default: every session of qemu, host, guestfs)
//
// cmds.txt format (one entry per command, in order; each runs with `bash -c` in a fresh, fixed directory):
//   # comment                        ignored
//   @volatile REGEX                  masks REGEX (JS syntax, flags gm) in this and every later entry
//   @mask REGEX                      masks REGEX in the next entry only
//   @drop REGEX                      removes REGEX from the recorded output of this and later entries (artefacts
//                                    of the recording machine, e.g. nested-KVM CPUID warnings); listed in "dropped"
//   @timeout SECONDS                 time limit of the next entry (default 20)
//   @setup                           the next entry only prepares state (replayed, not compared)
//   @template NAME FILE [FORMAT]     set-up entry: a guest disk image built from the template NAME of
//                                    src/sim/model/guestfs/templates.json (qemu-img create + a guestfish script
//                                    here; the simulator builds the same disk from the same data)
//   COMMAND                          the command line; a here-document takes the lines up to its terminator
//   | LINE                           a line fed on the previous command's stdin (interactive programs)
//
// session.json beside cmds.txt (read, and completed by this script): tool, fixture, description, netns (true:
// run in a private network namespace that only has `lo`), env (extra environment), timeout (seconds per entry),
// libvirtd (true: a libvirtd of its own for qemu:///system -- the session runs in a private mount namespace with
// fresh tmpfs state under /run/libvirt, /var/lib/libvirt and /etc/libvirt/qemu, and in the network namespace,
// where libvirtd starts its default network; nothing of it is visible to the rest of the machine).
//
// Every session is recorded twice; an entry whose two runs differ outside its masks is reported so that the
// mask can be added. Processes a session leaves running (qemu -daemonize) are found by a marker
// variable in their environment and ended by pid.
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const WORK = "/tmp/lpic3-rec/work";
const NETNS = "lpic3rec";

function parseCmds(text) {
  const lines = text.split("\n");
  const entries = [];
  let volatile = [];
  let drop = [];
  let pending = { mask: [], timeout: 20, setup: false };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "" || line.startsWith("#")) continue;
    if (line.startsWith("@volatile ")) {
      volatile = [...volatile, line.slice(10)];
      continue;
    }
    if (line.startsWith("@drop ")) {
      drop = [...drop, line.slice(6)];
      continue;
    }
    if (line.startsWith("@mask ")) {
      pending.mask.push(line.slice(6));
      continue;
    }
    if (line.startsWith("@timeout ")) {
      pending.timeout = Number(line.slice(9));
      continue;
    }
    if (line.startsWith("@template ")) {
      const [name, file, format = "qcow2"] = line.slice(10).trim().split(/\s+/);
      entries.push({ cmd: `# template ${name} ${file} ${format}`, template: { name, file, format }, stdinLines: [], volatile: [], drop: [], timeout: 300, setup: true });
      continue;
    }
    if (line === "@setup") {
      pending.setup = true;
      continue;
    }
    if (line.startsWith("| ") || line === "|") {
      const e = entries[entries.length - 1];
      e.stdinLines.push(line.slice(2));
      continue;
    }
    let cmd = line;
    const hd = /<<-?\s*['"]?(\w+)['"]?/.exec(line);
    if (hd) {
      while (i + 1 < lines.length) {
        cmd += "\n" + lines[++i];
        if (lines[i] === hd[1]) break;
      }
    }
    entries.push({ cmd, stdinLines: [], volatile: [...volatile, ...pending.mask], drop, timeout: pending.timeout, setup: pending.setup });
    pending = { mask: [], timeout: 20, setup: false };
  }
  return entries;
}

function cleanWork() {
  killLeftovers();
  rmSync("/tmp/lpic3-rec", { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
}

/** End the processes a session left running (qemu -daemonize ...): they carry LPIC3_REC in their environment. */
function killLeftovers() {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    let environ = "";
    try {
      environ = readFileSync(`/proc/${pid}/environ`, "utf8");
    } catch {
      continue;
    }
    if (!environ.split("\0").includes("LPIC3_REC=1")) continue;
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {}
  }
  spawnSync("sleep", ["0.3"]);
}

const TEMPLATES = JSON.parse(readFileSync(join(root, "src/sim/model/guestfs/templates.json"), "utf8"));

/** guestfish's double-quoted string syntax for `write`. */
const gfQuote = (s) => '"' + s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\t/g, "\\t") + '"';

/** The guestfish script that builds a template's disk (the same steps the simulator's template builder takes). */
export function templateScript(t) {
  const lines = ["run", `part-init /dev/sda ${t.ptable === "gpt" ? "gpt" : "mbr"}`];
  t.partitions.forEach((p, i) => {
    lines.push(`part-add /dev/sda p ${p.start} ${p.end}`);
    if (p.bootable) lines.push(`part-set-bootable /dev/sda ${i + 1} true`);
  });
  t.partitions.forEach((p, i) => {
    const dev = `/dev/sda${i + 1}`;
    if (p.fs === "swap") lines.push(`mkswap ${dev} uuid:${p.uuid}`);
    else if (p.fs) lines.push(`mkfs ${p.fs} ${dev}`, `set-uuid ${dev} ${p.uuid}`);
    if (p.pv) lines.push(`pvcreate ${dev}`, `vgcreate ${p.pv} ${dev}`);
  });
  if (t.lvm) {
    for (const lv of t.lvm.lvs) lines.push(`lvcreate-free ${lv.name} ${t.lvm.vg} ${lv.percent}`);
    for (const lv of t.lvm.lvs) {
      const dev = `/dev/${t.lvm.vg}/${lv.name}`;
      if (lv.fs === "swap") lines.push(`mkswap ${dev} uuid:${lv.uuid}`);
      else lines.push(`mkfs ${lv.fs} ${dev}`, `set-uuid ${dev} ${lv.uuid}`);
    }
  }
  for (const [dev, mp] of t.mounts) {
    if (mp !== "/") lines.push(`mkdir-p ${mp}`);
    lines.push(`mount ${dev} ${mp}`);
  }
  for (const d of t.dirs) lines.push(`mkdir-p ${d}`);
  const files = { ...t.files, ...(t.bootfiles ?? {}) };
  for (const [path, content] of Object.entries(files)) {
    lines.push(`mkdir-p ${path.slice(0, path.lastIndexOf("/")) || "/"}`, `write ${path} ${gfQuote(content)}`);
  }
  for (const path of t.elf ?? []) lines.push(`upload ${path} ${path}`);
  for (const [link, target] of t.symlinks ?? []) lines.push(`ln-s ${target} ${link}`);
  for (const [path, mode] of t.modes ?? []) lines.push(`chmod ${mode} ${path}`);
  for (const [path, uid, gid] of t.owners ?? []) lines.push(`chown ${uid} ${gid} ${path}`);
  lines.push("umount-all");
  return lines.join("\n") + "\n";
}

function buildTemplate(e, session) {
  const t = TEMPLATES[e.template.name];
  const env = { PATH: process.env.PATH, HOME: "/root", LC_ALL: "C", TZ: "UTC", LPIC3_REC: "1", ...(session.env ?? {}) };
  execFileSync("qemu-img", ["create", "-q", "-f", e.template.format, e.template.file, String(t.size)], { cwd: WORK, env });
  const r = spawnSync("guestfish", ["-a", e.template.file], { cwd: WORK, env, input: templateScript(t), encoding: "utf8" });
  if (r.status !== 0) throw new Error(`template ${e.template.name}: guestfish failed: ${r.stderr}`);
  return { stdout: "", stderr: "", exit: 0 };
}

let outputCount = 0;

function runEntry(e, session) {
  if (e.template) return buildTemplate(e, session);
  const env = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/root", LC_ALL: "C", LANG: "C", TZ: "UTC", TERM: "dumb", LPIC3_REC: "1", ...(session.env ?? {}) };
  const input = e.stdinLines.length ? e.stdinLines.join("\n") + "\n" : "";
  const argv = session.netns || session.libvirtd ? ["ip", ["netns", "exec", NETNS, "bash", "-c", e.cmd]] : ["bash", ["-c", e.cmd]];
  // output goes to files, not pipes: a program whose pipe is full queues its output, and QEMU drops what is
  // still queued when `quit` ends it
  // (a file per entry: a timed-out program's children may still be writing to the previous one)
  const n = ++outputCount;
  const [o, x] = [`/tmp/lpic3-rec/stdout.${n}`, `/tmp/lpic3-rec/stderr.${n}`];
  const fo = openSync(o, "w");
  const fx = openSync(x, "w");
  const r = spawnSync(argv[0], argv[1], { cwd: WORK, env, input, timeout: (session.timeout ?? e.timeout) * 1000, killSignal: "SIGKILL", stdio: ["pipe", fo, fx] });
  closeSync(fo);
  closeSync(fx);
  const clean = (s) => e.drop.reduce((acc, re) => acc.replace(new RegExp(re, "gm"), ""), s);
  return { stdout: clean(readFileSync(o, "utf8")), stderr: clean(readFileSync(x, "utf8")), exit: r.status ?? 124 };
}

function withNetns(session, fn) {
  if (!session.netns && !session.libvirtd) return fn();
  spawnSync("ip", ["netns", "del", NETNS]);
  execFileSync("ip", ["netns", "add", NETNS]);
  execFileSync("ip", ["netns", "exec", NETNS, "ip", "link", "set", "lo", "up"]);
  try {
    if (session.libvirtd) startLibvirtd();
    return fn();
  } finally {
    // everything left in the namespace: libvirtd, virtlogd, dnsmasq, the guests' QEMU
    const pids = spawnSync("ip", ["netns", "pids", NETNS]).stdout.toString().split(/\s+/).filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {}
    }
    spawnSync("sleep", ["0.5"]);
    spawnSync("ip", ["netns", "del", NETNS]);
  }
}

/** Fresh libvirt state on tmpfs (this process runs in its own mount namespace), then libvirtd in the netns. */
const LIBVIRT_DIRS = ["/run/libvirt", "/var/lib/libvirt", "/etc/libvirt/qemu"];
function startLibvirtd() {
  const keep = readFileSync("/etc/libvirt/qemu/networks/default.xml", "utf8");
  for (const d of LIBVIRT_DIRS) {
    spawnSync("umount", [d]);
    mkdirSync(d, { recursive: true });
    execFileSync("mount", ["-t", "tmpfs", "tmpfs", d]);
  }
  mkdirSync("/etc/libvirt/qemu/networks/autostart", { recursive: true });
  writeFileSync("/etc/libvirt/qemu/networks/default.xml", keep);
  mkdirSync("/var/lib/libvirt/images", { recursive: true });
  const env = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/root", LC_ALL: "C", LANG: "C", TZ: "UTC" };
  execFileSync("ip", ["netns", "exec", NETNS, "sh", "-c", "virtlogd -d && libvirtd -d && sleep 2 && virsh -q -c qemu:///system net-start default >/dev/null && virsh -q -c qemu:///system net-autostart default >/dev/null"], { env });
}

const mask = (s, vol) => vol.reduce((acc, re) => acc.replace(new RegExp(re, "gm"), "<VOLATILE>"), s);

function recordSession(dir) {
  const session = JSON.parse(readFileSync(join(dir, "session.json"), "utf8"));
  const entries = parseCmds(readFileSync(join(dir, "cmds.txt"), "utf8"));
  const runs = [0, 1].map(() => {
    cleanWork();
    const out = withNetns(session, () => entries.map((e) => runEntry(e, session)));
    killLeftovers();
    return out;
  });
  const transcript = entries.map((e, i) => {
    const [a, b] = [runs[0][i], runs[1][i]];
    if (!e.setup && (mask(a.stdout, e.volatile) !== mask(b.stdout, e.volatile) || mask(a.stderr, e.volatile) !== mask(b.stderr, e.volatile) || a.exit !== b.exit)) {
      console.error(`${dir}: entry ${i + 1} differs between runs: ${e.cmd.split("\n")[0]}`);
      const [x, y] = [mask(a.stdout + "\n--stderr--\n" + a.stderr, e.volatile), mask(b.stdout + "\n--stderr--\n" + b.stderr, e.volatile)];
      let k = 0;
      while (k < x.length && x[k] === y[k]) k++;
      console.error(JSON.stringify({ at: k, a: x.slice(Math.max(0, k - 150), k + 150), b: y.slice(Math.max(0, k - 150), k + 150), exits: [a.exit, b.exit] }));
    }
    return {
      cmd: e.cmd,
      ...(e.stdinLines.length ? { stdin: e.stdinLines.join("\n") + "\n" } : {}),
      stdout: a.stdout,
      stderr: a.stderr,
      exit: a.exit,
      volatile: e.volatile,
      ...(e.drop.length ? { dropped: e.drop } : {}),
      ...(e.setup ? { setup: true } : {}),
      ...(e.template ? { template: e.template } : {}),
    };
  });
  const versions = {
    "qemu-system-x86_64": spawnSync("qemu-system-x86_64", ["--version"]).stdout.toString().split("\n")[0],
    "qemu-img": spawnSync("qemu-img", ["--version"]).stdout.toString().split("\n")[0],
  };
  writeFileSync(join(dir, "session.json"), JSON.stringify({ ...session, source: "recorded", cwd: WORK, recorded_with: { ...versions, ...(session.recorded_with_extra ?? {}) } }, null, 2) + "\n");
  writeFileSync(join(dir, "transcript.json"), JSON.stringify(transcript, null, 2) + "\n");
  console.log(`${dir}: ${transcript.length} entries`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) main();

function main() {
const args = process.argv.slice(2);
const dirs = args.length
  ? args.map((a) => resolve(a))
  : ["qemu", "host", "guestfs"].flatMap((t) => {
      const base = join(root, "test/transcripts", t);
      if (!existsSync(base)) return [];
      return readdirSync(base, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(join(base, d.name, "cmds.txt"))).map((d) => join(base, d.name));
    });
for (const d of dirs) {
  const s = JSON.parse(readFileSync(join(d, "session.json"), "utf8"));
  if (s.source === "derived") {
    console.log(`${d}: derived (hand-written), skipped`);
    continue;
  }
  if (s.libvirtd && !process.env.LPIC3_REC_MNTNS) {
    // the libvirt state goes on tmpfs mounts only this recording sees
    const r = spawnSync("unshare", ["-m", "--propagation", "private", process.execPath, fileURLToPath(import.meta.url), d], { stdio: "inherit", env: { ...process.env, LPIC3_REC_MNTNS: "1" } });
    if (r.status !== 0) process.exitCode = 1;
    continue;
  }
  recordSession(d);
}
}
