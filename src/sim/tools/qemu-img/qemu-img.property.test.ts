// Random qemu-img command lines never crash the simulator and always answer the way qemu-img does:
// an exit status qemu-img uses and messages in qemu-img's own forms.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { session, sh } from "../../../../test/helpers/sim";
import { SUBCOMMAND_NAMES, USAGE_LINES } from "./commands";

const OPTS = [...new Set(USAGE_LINES.join(" ").match(/--?[A-Za-z][\w-]*/g) ?? [])];
const SIZES = ["1G", "0", "-5G", "1E", "8E", "16E", "9223372036854775807", "99999999999999999999", "1.5G", "abc", "0x10", "1.2.3G", "+1G", "-1M", "10X", "1P", "512", ""];
const FILES = ["base.qcow2", "top.qcow2", "self.qcow2", "loop1.qcow2", "plain.raw", "missing.qcow2", "dir", "", "new.img", "disk.vmdk", "chain49.qcow2", "bm.qcow2", "v2bm.qcow2"];
const FORMATS = ["qcow2", "raw", "vmdk", "vdi", "vpc", "vhdx", "qed", "bogus", ""];

function setup() {
  const s = session();
  for (const line of [
    "mkdir -p /root/p/dir && cd /root/p",
    "qemu-img create -q -f qcow2 base.qcow2 1G",
    "qemu-io -c 'write -P 1 0 1M' base.qcow2",
    "qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 top.qcow2",
    "qemu-img create -q -f qcow2 self.qcow2 1G",
    "qemu-img rebase -u -b self.qcow2 -F qcow2 self.qcow2",
    "qemu-img create -q -f qcow2 loop1.qcow2 1G",
    "qemu-img create -q -f qcow2 -b loop1.qcow2 -F qcow2 loop2.qcow2",
    "qemu-img rebase -u -b loop2.qcow2 -F qcow2 loop1.qcow2",
    "qemu-img create -q plain.raw 16M",
    "qemu-img create -q -f vmdk disk.vmdk 1G",
    "qemu-img create -q -f qcow2 chain0.qcow2 1G",
    // persistent bitmaps, and a v2 file whose header still names bitmaps (leaked clusters)
    "qemu-img create -q -f qcow2 bm.qcow2 1G",
    "qemu-img bitmap --add bm.qcow2 b1",
    "qemu-img bitmap --add -g 512K bm.qcow2 b2",
    "qemu-io -c 'write -P 2 0 2M' bm.qcow2",
    "cp bm.qcow2 v2bm.qcow2",
    "qemu-img amend -o compat=0.10 v2bm.qcow2",
  ])
    sh(s, line);
  // a deep backing chain
  for (let i = 1; i < 50; i++) sh(s, `qemu-img create -q -f qcow2 -b chain${i - 1}.qcow2 -F qcow2 chain${i}.qcow2`);
  return s;
}

const word = fc.oneof(
  fc.constantFrom(...OPTS),
  fc.constantFrom(...SIZES),
  fc.constantFrom(...FILES),
  fc.constantFrom(...FORMATS),
  fc.constantFrom("-o", "cluster_size=4K", "help", "preallocation=full", "compat=0.10", "backing_file=base.qcow2", "--output=json", "-b", "-F", "-f", "-O", "-l", "-c", "-d", "-a", "s1", "if=base.qcow2", "of=x.raw", "bs=1M", "--", "--add", "--remove", "--merge", "--bitmaps", "b1", "b2", "-g", "-r", "leaks"),
  fc.string({ maxLength: 6 }),
);

const ALLOWED_EXIT = new Set([0, 1, 2, 3, 63]);
const STDERR_LINE = /^(qemu-img: |WARNING: |         |Try 'qemu-img --help'|Is another process using|Could not open backing image\.|Detected format of|This option is only|You can use 'qemu-img rebase'|Optional suffix|and exabytes|qemu-img: warning: |measure: |Some clusters may be leaked|Leaked cluster \d+ refcount=\d+ reference=0$|Repairing cluster \d+ refcount=\d+ reference=0$)/;

describe("qemu-img robustness", () => {
  it("answers any command line without crashing, with qemu-img's exit statuses and message forms", () => {
    const s = setup();
    fc.assert(
      fc.property(fc.constantFrom(...SUBCOMMAND_NAMES), fc.array(word, { maxLength: 7 }), (cmd, args) => {
        const line = ["qemu-img", cmd, ...args.map((a) => `'${a.replace(/'/g, "'\\''")}'`)].join(" ");
        const r = sh(s, line);
        expect(ALLOWED_EXIT.has(r.exit), line).toBe(true);
        expect(r.stderr, line).not.toMatch(/internal error/);
        for (const l of r.stderr.split("\n").filter(Boolean)) expect(l, line).toMatch(STDERR_LINE);
      }),
      { numRuns: 400, seed: 4242 },
    );
  });

  it("handles exabyte, negative and malformed sizes like qemu-img", () => {
    const s = setup();
    expect(sh(s, "qemu-img create -f qcow2 x.qcow2 1E").stderr).toBe("qemu-img: x.qcow2: The image size is too large for file format 'qcow2' (try using a larger cluster size)\n");
    expect(sh(s, "qemu-img create x.raw 8E").stderr).toBe("qemu-img: Invalid image size specified. Must be between 0 and 9223372036854775807.\n");
    expect(sh(s, "qemu-img create x.raw -5G").stderr).toBe("qemu-img: unrecognized option 'x.raw'\nTry 'qemu-img --help' for more information\n");
    expect(sh(s, "qemu-img resize plain.raw -- -1G").exit).toBe(1);
    expect(sh(s, "qemu-img create -f qcow2 x.qcow2 9223372036854775807").stderr).toBe("qemu-img: x.qcow2: Could not resize image: Image size cannot be negative\n");
  });

  it("follows deep chains and stops at loops the way qemu-img does", () => {
    const s = setup();
    const deep = sh(s, "qemu-img info --backing-chain chain49.qcow2");
    expect(deep.exit).toBe(0);
    expect(deep.stdout.match(/^image: /gm)?.length).toBe(50);
    expect(sh(s, "qemu-img info --backing-chain self.qcow2").stderr).toBe("qemu-img: Backing file 'self.qcow2' creates an infinite loop.\n");
    const loop = sh(s, "qemu-img map loop1.qcow2");
    expect(loop.exit).toBe(1);
    expect(loop.stderr).toMatch(/^qemu-img: Could not open 'loop1\.qcow2': (Could not open backing file: ){1016}Could not open 'loop\d\.qcow2': Too many open files\n$/);
    expect(sh(s, "qemu-img create -f qcow2 -b self2.qcow2 -F qcow2 self2.qcow2 1G").stderr).toBe("qemu-img: self2.qcow2: Error: Trying to create an image with the same filename as the backing file\n");
  });
});
