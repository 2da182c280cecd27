// Bench: a long qemu-img session through `lpic3 shell --script` (one simulated shell) against the same
// commands run by the real qemu-img/qemu-io (one process each, as a shell runs them) in a scratch directory.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One round of typical commands; {i} makes the names of each round distinct. */
const ROUND = [
  "qemu-img create -f qcow2 base{i}.qcow2 10G",
  'qemu-io -c "write -P 0x11 0 4M" base{i}.qcow2',
  "qemu-img create -f qcow2 -b base{i}.qcow2 -F qcow2 top{i}.qcow2",
  'qemu-io -c "write -P 0x22 1M 2M" top{i}.qcow2',
  "qemu-img info top{i}.qcow2",
  "qemu-img info --backing-chain --output=json top{i}.qcow2",
  "qemu-img map top{i}.qcow2",
  "qemu-img check top{i}.qcow2",
  "qemu-img snapshot -c s1 top{i}.qcow2",
  "qemu-img snapshot -l top{i}.qcow2",
  "qemu-img compare base{i}.qcow2 top{i}.qcow2",
  "qemu-img convert -O qcow2 top{i}.qcow2 flat{i}.qcow2",
  "qemu-img resize flat{i}.qcow2 +1G",
  "qemu-img commit top{i}.qcow2",
  "qemu-img rebase -u -b base{i}.qcow2 -F qcow2 flat{i}.qcow2",
  "qemu-img measure -O qcow2 flat{i}.qcow2",
  "qemu-img info nosuch{i}.qcow2",
  "qemu-img create -f raw raw{i}.img 1G",
  "qemu-img convert -O raw base{i}.qcow2 raw{i}.img",
  "qemu-img info raw{i}.img",
];

function timed(cmd, args, opts) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { ...opts, encoding: "utf8", maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status === null) throw new Error(`${cmd} failed: ${r.error}`);
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const commands = (rounds) => Array.from({ length: rounds }, (_, i) => ROUND.map((c) => c.replaceAll("{i}", String(i)))).flat();

export async function run({ lpic3, repeat = 5 }) {
  const dir = mkdtempSync(join(tmpdir(), "lpic3-qemu-img-bench-"));
  const rows = [];
  const empty = join(dir, "empty.sh");
  writeFileSync(empty, "");
  const startup = median(Array.from({ length: repeat }, () => timed(process.execPath, [lpic3, "shell", "--script", empty], { stdio: ["ignore", "ignore", "ignore"] })));
  rows.push({ name: "lpic3 shell start-up (empty script)", ours_ms: startup, real_ms: null, ratio: null, cmds_per_s: null });
  const hasReal = spawnSync("qemu-img", ["--version"], { encoding: "utf8" }).status === 0;
  for (const rounds of [5, 50]) {
    const cmds = commands(rounds);
    const script = join(dir, `session-${rounds}.sh`);
    writeFileSync(script, ["mkdir -p /root/bench", "cd /root/bench", ...cmds].join("\n") + "\n");
    const ours = [];
    const real = [];
    for (let k = 0; k < repeat; k++) {
      ours.push(timed(process.execPath, [lpic3, "shell", "--script", script], { stdio: ["ignore", "ignore", "ignore"] }));
      // the real tools only for the short session: every line is a process and images take real disk space
      if (hasReal && rounds === 5) {
        const work = join(dir, `real-${k}`);
        mkdirSync(work);
        real.push(timed("bash", ["-c", cmds.join("\n")], { cwd: work, stdio: ["ignore", "ignore", "ignore"], env: { ...process.env, LC_ALL: "C", TZ: "UTC" } }));
        rmSync(work, { recursive: true, force: true });
      }
    }
    const o = median(ours);
    const r = real.length ? median(real) : null;
    rows.push({ name: `qemu-img session, ${cmds.length} commands`, ours_ms: o, real_ms: r, ratio: r == null ? null : o / r, cmds_per_s: (cmds.length / o) * 1000 });
    rows.push({ name: "  same, net of start-up", ours_ms: o - startup, real_ms: null, ratio: null, cmds_per_s: (cmds.length / Math.max(1, o - startup)) * 1000 });
  }
  rmSync(dir, { recursive: true, force: true });
  return rows;
}
