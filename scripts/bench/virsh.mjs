// Bench: a long batch of virsh commands through `lpic3 shell --script` (one session) against the same batch in
// one real `virsh -c test:///NODE 'cmd; cmd; …'` process when virsh is installed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CYCLE = [
  "list --all",
  "dominfo debian12-web",
  "domstate rocky9-db --reason",
  "start rocky9-db",
  "vcpucount debian12-web",
  "destroy rocky9-db",
  "vol-list default --details",
  "net-list --all",
  "pool-info default",
  "snapshot-list rocky9-db",
  "setmem debian12-web 3G",
  "dumpxml alpine-test",
  "domblklist win-build",
  "net-dumpxml default",
  "vol-info debian12-web.qcow2 --pool default",
  "suspend debian12-web",
  "resume debian12-web",
  "domiflist debian12-web",
  "nodeinfo",
  "version",
];

function timed(cmd, args, opts) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { ...opts, encoding: "utf8", maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status === null) throw new Error(`${cmd} failed: ${r.error}`);
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run({ lpic3, repeat = 5, root }) {
  const dir = mkdtempSync(join(tmpdir(), "lpic3-virsh-bench-"));
  const node = join(dir, "lab-node.xml");
  copyFileSync(join(root ?? join(lpic3, "..", ".."), "test", "fidelity", "lab-node.xml"), node);
  const rows = [];
  // process start-up (node, bundle, fixture), so commands per second can be given net of it
  const empty = join(dir, "empty.sh");
  writeFileSync(empty, "");
  const startup = median(Array.from({ length: repeat }, () => timed(process.execPath, [lpic3, "shell", "--host", node, "--script", empty], { stdio: ["ignore", "ignore", "ignore"] })));
  rows.push({ name: "lpic3 shell start-up (empty script)", ours_ms: startup, real_ms: null, ratio: null, cmds_per_s: null });
  for (const n of [1000, 20000]) {
    const cmds = Array.from({ length: n }, (_, i) => CYCLE[i % CYCLE.length]);
    const script = join(dir, `batch-${n}.sh`);
    writeFileSync(script, cmds.map((c) => `virsh ${c}`).join("\n") + "\n");
    const ours = [];
    const real = [];
    const hasVirsh = spawnSync("virsh", ["--version"], { encoding: "utf8" }).status === 0;
    for (let k = 0; k < repeat; k++) {
      ours.push(timed(process.execPath, [lpic3, "shell", "--host", node, "--script", script], { stdio: ["ignore", "ignore", "ignore"] }));
      // one process; a batch this long exceeds the kernel's argument limit, so it goes in on stdin
      if (hasVirsh) real.push(timed("virsh", ["-q", "-c", `test://${node}`], { input: cmds.join("\n") + "\nquit\n", stdio: ["pipe", "ignore", "ignore"], env: { ...process.env, LC_ALL: "C" } }));
    }
    const o = median(ours);
    const r = hasVirsh ? median(real) : null;
    rows.push({ name: `virsh batch of ${n} commands`, ours_ms: o, real_ms: r, ratio: r == null ? null : o / r, cmds_per_s: (n / o) * 1000 });
    rows.push({ name: `  same, net of start-up`, ours_ms: o - startup, real_ms: null, ratio: null, cmds_per_s: (n / Math.max(1, o - startup)) * 1000 });
  }
  rmSync(dir, { recursive: true, force: true });
  return rows;
}
