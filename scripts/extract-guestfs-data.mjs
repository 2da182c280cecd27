#!/usr/bin/env node
// Extracts guestfish's command list (names, summaries, aliases) and the synopsis of every command it has
// (what `guestfish -h CMD` prints after SYNOPSIS) into src/sim/tools/guestfs/guestfish-data.json, plus the
// --help texts of the libguestfs tools, from the installed libguestfs 1.48 / guestfs-tools.
// Usage: node scripts/extract-guestfs-data.mjs
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const env = { PATH: process.env.PATH, LC_ALL: "C", HOME: "/root", TERM: "dumb" };
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { env, encoding: "utf8" });
  return { stdout: r.stdout, stderr: r.stderr, exit: r.status };
};

const listing = run("guestfish", ["-h"]).stdout;
const commands = {};
for (const line of listing.split("\n").slice(1)) {
  const m = /^(\S+)\s+(.*)$/.exec(line);
  if (!m) continue;
  commands[m[1]] = { summary: m[2] };
}
for (const name of Object.keys(commands)) {
  const alias = /^alias for '(.+)'$/.exec(commands[name].summary);
  if (alias) {
    commands[name].alias = alias[1];
    continue;
  }
  const h = run("guestfish", ["-h", name]).stdout;
  const syn = /SYNOPSIS\n((?: {5}.*\n)+)/.exec(h);
  if (syn) commands[name].synopsis = syn[1].split("\n").map((l) => l.trim()).filter(Boolean).join(" ");
}

// full `help CMD` pages for the commands the simulator implements
const IMPLEMENTED = "add add-ro add-drive add-drive-ro launch run list-devices list-partitions list-filesystems lvs vgs pvs vfs-type vfs-uuid vfs-label part-list part-get-parttype part-init part-disk part-add part-set-bootable mkfs mkswap set-uuid set-label pvcreate vgcreate lvcreate lvcreate-free inspect-os inspect-get-roots inspect-get-type inspect-get-distro inspect-get-product-name inspect-get-hostname inspect-get-major-version inspect-get-minor-version inspect-get-arch inspect-get-package-format inspect-get-package-management inspect-get-osinfo inspect-get-mountpoints inspect-get-filesystems mount mount-ro mount-options umount umount-all mountpoints mounts ls ll cat download head head-n tail tail-n write write-append touch mkdir mkdir-p rm rm-f rm-rf rmdir cp cp-a mv ln-s ln-sf chmod chown exists is-file is-dir is-symlink readlink file grep echo blkid df df-h stat upload copy-in copy-out edit vi emacs help quit exit".split(" ");
const pages = {};
for (const name of IMPLEMENTED) pages[name] = run("guestfish", ["-h", name]).stdout;

const tools = ["guestfish", "guestmount", "guestunmount", "virt-cat", "virt-ls", "virt-df", "virt-filesystems", "virt-inspector", "virt-copy-in", "virt-copy-out", "virt-diff", "virt-edit", "virt-customize", "virt-sysprep", "virt-sparsify", "virt-resize", "virt-rescue", "virt-v2v", "virt-install"];
const help = {};
const version = {};
for (const t of tools) {
  help[t] = run(t, ["--help"]);
  version[t] = run(t, ["--version"]);
}
writeFileSync(join(root, "src/sim/tools/guestfs/guestfish-data.json"), JSON.stringify({ listing, commands, pages, help, version }, null, 1) + "\n");
console.log(`${Object.keys(commands).length} guestfish commands, ${tools.length} tools`);
