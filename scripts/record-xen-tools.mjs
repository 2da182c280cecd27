#!/usr/bin/env node
// Records test/transcripts/xl/xen-tools/transcript.json from the real xen-tools 4.9.2 scripts installed
// here, over a scratch copy of the xen fixture's /etc/xen (LC_ALL=C). xen-list-images reads
// --test DIR; paths under the scratch dir are written back as /etc/xen in the transcript.
// Usage: node scripts/record-xen-tools.mjs
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const root = new URL("..", import.meta.url).pathname;
const SCRATCH = "/tmp/lpic3-rec-xen-tools";
const fx = parse(readFileSync(join(root, "content/hosts/xen.yaml"), "utf8"));
const xen1 = fx.hosts.find((h) => h.name === "xen1");
rmSync(SCRATCH, { recursive: true, force: true });
mkdirSync(`${SCRATCH}/etc/xen`, { recursive: true });
for (const [p, text] of Object.entries(xen1.xen.files)) writeFileSync(join(SCRATCH, p), text);
writeFileSync(`${SCRATCH}/etc/xen/xl.conf`, readFileSync("/etc/xen/xl.conf", "utf8"));
const EXTRA = `#\n# made by hand\n#\nname = 'web3'\nmemory = 384\nvif = [ 'ip=192.168.1.53,mac="00:16:3e:aa:bb:cc"' ]\ndhcp = "dhcp"\n`;

const clean = (s) => s.replace(/Couldn't find a useful entry in the sources\.list files of the Dom0\. Tried:\n(  \S+\n)+/g, "").replaceAll(`${SCRATCH}/etc/xen`, "/etc/xen");
const run = (args) => {
  const r = spawnSync(args[0], [...args.slice(1)], { encoding: "utf8", env: { ...process.env, LC_ALL: "C" } });
  return { stdout: clean(r.stdout), stderr: clean(r.stderr), exit: r.status };
};
const entries = [];
const rec = (cmd, real) => entries.push({ cmd, ...run(real), source: "recorded" });
rec("xen-list-images", ["xen-list-images", "--test", `${SCRATCH}/etc/xen`]);
rec("xen-list-images --help", ["xen-list-images", "--help"]);
rec("xen-list-images --version", ["xen-list-images", "--version"]);
rec("xen-list-images --extension=.conf", ["xen-list-images", "--test", `${SCRATCH}/etc/xen`, "--extension=.conf"]);
writeFileSync(`${SCRATCH}/etc/xen/web3.cfg`, EXTRA);
entries.push({ cmd: `cat > /etc/xen/web3.cfg <<'EOF'\n${EXTRA}EOF`, stdout: "", stderr: "", exit: 0, source: "setup" });
rec("xen-list-images", ["xen-list-images", "--test", `${SCRATCH}/etc/xen`]);
rec("xen-delete-image", ["xen-delete-image"]);
rec("xen-delete-image --version", ["xen-delete-image", "--version"]);
rec("xen-create-image --version", ["xen-create-image", "--version"]);
rec("xen-create-image --foo", ["xen-create-image", "--foo"]);
rec("xen-create-image --dir=/home/xen --dhcp", ["xen-create-image", "--dir=/home/xen", "--dhcp"]);
const dir = join(root, "test/transcripts/xl/xen-tools");
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "session.json"), JSON.stringify({ tool: "xen-tools", fixture: "xen", recorded: true, derived: "RECORDED from the real xen-tools 4.9.2 scripts (Debian 12) by scripts/record-xen-tools.mjs over a scratch copy of the fixture's /etc/xen", description: "xen-list-images over the fixture's guest configs; xen-tools option and usage errors" }, null, 2) + "\n");
writeFileSync(join(dir, "cmds.txt"), entries.map((e) => e.cmd).join("\n") + "\n");
writeFileSync(join(dir, "transcript.json"), JSON.stringify(entries, null, 1) + "\n");
rmSync(SCRATCH, { recursive: true, force: true });
console.log(`${entries.length} entries`);
