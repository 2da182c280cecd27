// Robustness: random and mutated xl / xentop / xenstore command lines and random xl.cfg files never
// throw, and every failure is worded the way xl words its errors.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openWorld, newSession } from "../../../app/shell";
import { parseCfg } from "../../model/xen/cfg";
import { readDomainConfig, DEFAULT_GLOBALS } from "../../model/xen/domain-config";
import { parseDiskSpec } from "../../model/xen/disk-spec";
import { parseVifSpec } from "../../model/xen/vif-spec";
import { stderrOf, stdoutOf } from "../../shell/tool";
import { XL_CMD_TEXTS } from "./cmdtable-texts";
import { xlTool } from "./index";
import { xentopTool } from "../xentop/index";
import { XENSTORE_TOOLS } from "../xenstore/index";
import { XEN_TOOLS_SCRIPTS } from "../xen-tools/index";
import type { World } from "../../model/world";

const base = openWorld("xen").world;
const ctxFor = (world: World, argv0 = "xl") => ({ world, host: "xen1", cwd: "/root", env: {}, user: "root", stdin: null, tty: false, argv0 });

const WORDS = ["debian", "centos", "0", "1", "2", "7", "99999", "web1", "xvda", "xvdb", "hdc", "/etc/xen/debian.cfg", "/etc/xen/pvh1.cfg", "/dev/null", "phy:/dev/vg0/lab1,xvdc,w", "bridge=xenbr0", "mac=00:16:3e:00:00:01", "512", "2g", "12x", "-", "all", "2-7", "^1", "xen2", "/var/lib/xen/save/x.save", "memory=256", 'name="t"', "-a", "-w", "-F", "-p", "-c", "-l", "-v", "-n", "-d", "-s", "-e", "-N", "-f", "-h", "--help", "--", "--long", "--bogus", "-x", "", " ", "é", "\x00", "\x1d", "a".repeat(300)];

const word = fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 12 }), fc.stringMatching(/^-{1,2}[a-zA-Z-]{0,10}$/));
const cmdName = fc.oneof(fc.constantFrom(...XL_CMD_TEXTS.map((c) => c.name)), fc.constantFrom("help", "li", "d", "vcpu-", "foo", ""));

describe("xl robustness", () => {
  it("never throws on random command lines and keeps xl's exit codes", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("-v", "-N", "-f", "-t", "-T", "-x"), { maxLength: 2 }), cmdName, fc.array(word, { maxLength: 6 }), (globals, cmd, args) => {
        const r = xlTool.run(ctxFor(base), [...globals, cmd, ...args]);
        expect([0, 1, 2, 3, 6, 22, 253, 255]).toContain(r.exit);
        const err = stderrOf(r.out);
        if (r.exit === 2 && err) expect(err.replace(/^WARNING: xl now has better capability[^\n]*\n/, "")).toMatch(/option `[\s\S]' not supported\.\n$|requires at least \d+ arguments?\.\n\n$|malformed (BDF|PCI_SPEC_STRING) [^\n]*\n$|^$/);
        expect(typeof stdoutOf(r.out)).toBe("string");
      }),
      { numRuns: Number(process.env.XL_FC_RUNS ?? 3000) },
    );
  });

  it("survives sequences of commands that change the host", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(cmdName, fc.array(word, { maxLength: 4 })), { minLength: 1, maxLength: 12 }), (steps) => {
        let world = base;
        for (const [cmd, args] of steps) {
          const r = xlTool.run(ctxFor(world), [cmd, ...args]);
          expect(r.exit, `${cmd} ${args.join(" ")}`).not.toBe(139);
          if (r.world) world = r.world;
          world = { ...world, clock: world.clock + 1000 };
        }
        const list = xlTool.run(ctxFor(world), ["list"]);
        expect(list.exit).toBe(0);
        expect(stdoutOf(list.out)).toMatch(/^Name {40}ID {3}Mem VCPUs\tState\tTime\(s\)\n/);
      }),
      { numRuns: Number(process.env.XL_FC_RUNS ?? 400) },
    );
  });

  it("handles a 1 MB argument and binary garbage", () => {
    const big = "x".repeat(1 << 20);
    for (const args of [["list", big], ["create", big], ["mem-set", "debian", big], [big], ["block-attach", "debian", big], ["\x00\xff\x1b[2J"]]) {
      const r = xlTool.run(ctxFor(base), args);
      expect(r.exit).toBeGreaterThan(0);
    }
  });

  it("the xen-tools scripts never throw", () => {
    fc.assert(
      fc.property(fc.constantFrom(...XEN_TOOLS_SCRIPTS), fc.array(fc.oneof(word, fc.constantFrom("--hostname=t1", "--dir=/home/xen", "--dir=/etc/hostname", "--dir=", "--lvm=vg0", "--lvm=nope", "--dhcp", "--ip=10.0.0.9", "--size=1G", "--size=x", "--swap=0", "--noswap", "--boot", "--force", "--dry-run", "--test", "t1", "debian", "--output=/nope", "--memory=64G")), { maxLength: 7 }), (tool, args) => {
        const r = tool.run(ctxFor(base, tool.name), args);
        expect([0, 1, 2, 127]).toContain(r.exit);
      }),
      { numRuns: Number(process.env.XL_FC_RUNS ?? 1500) },
    );
  });

  it("xentop and the xenstore tools never throw", () => {
    fc.assert(
      fc.property(fc.constantFrom(xentopTool, ...XENSTORE_TOOLS), fc.array(fc.oneof(word, fc.constantFrom("/local/domain/1", "/vm", "/", "-b", "-i", "1", "-p", "-f", "-R", "-t")), { maxLength: 5 }), (tool, args) => {
        const r = tool.run(ctxFor(base, tool.name), tool === xentopTool ? [...(args.includes("-b") ? [] : ["-b"]), ...args] : args);
        expect([0, 1, 127]).toContain(r.exit);
      }),
      { numRuns: 1500 },
    );
  });
});

// ------------------------------------------------------------------------ random xl.cfg files

const cfgToken = fc.oneof(
  fc.constantFrom("name", "memory", "maxmem", "vcpus", "maxvcpus", "kernel", "disk", "vif", "type", "on_crash", "cpus", "extra", "root", "Memory", "my-key", "x.y"),
  fc.constantFrom(" = ", "=", " += ", "+=", "\n", ";", "[", "]", ",", " ", "\t", "#c\n", "#", "(", ")", ":", "'", '"'),
  fc.constantFrom('"pv"', '"hvm"', "'pvh'", "512", "0x200", "08", "'phy:/dev/vg0/lab1,xvda,w'", "'/dev/x,xvda,w'", "'bridge=xenbr0'", '"a\\qb"', '"\\x41"', '"\\101"', "preserve", "'2-7'", "'^all'", "99999999999999999999"),
  fc.string({ maxLength: 6 }),
);

describe("xl.cfg robustness", () => {
  it("parses random token soup without throwing; every message is xl-shaped", () => {
    fc.assert(
      fc.property(fc.array(cfgToken, { maxLength: 40 }), (toks) => {
        const text = toks.join("");
        const p = parseCfg("/etc/xen/t.cfg", text);
        for (const m of p.messages) expect(m).toMatch(/^(\/etc\/xen\/t\.cfg:\d+: config parsing error near (`[\s\S]*'|<newline>|): [^\n]+|warning: [^\n]+)\n$/);
        const r = readDomainConfig("/etc/xen/t.cfg", text, DEFAULT_GLOBALS);
        if (!r.config) expect(r.exit).toBeGreaterThan(0);
        for (const m of r.messages) expect(m.endsWith("\n") || /option$/.test(m)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it("creates domains from random files through the shell without throwing", () => {
    fc.assert(
      fc.property(fc.array(cfgToken, { maxLength: 30 }), (toks) => {
        const s = newSession(base, { tty: false });
        s.updateFs((fs) => void (fs["/root/t.cfg"] = { kind: "file", mode: 0o644, owner: "root", group: "root", mtime: 0, content: 'name = "r"\nkernel = "/boot/vmlinuz-6.1.0-28-amd64"\n' + toks.join("") }));
        const r = s.run("xl create /root/t.cfg; xl list");
        expect(r.exit).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it("parses random disk and vif specs without throwing", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom("phy:", "file:", "raw:", "qcow2:", "xyz:", "/dev/vg/x", "xvda", "hdc:cdrom", "cdrom", "w", "r", "rw", "ro", "target=", "vdev=", "format=", "access=", "devtype=", "backendtype=", "script=", "foo=bar", ",", ", ", "=", ":"), fc.string({ maxLength: 5 })), { maxLength: 12 }), (parts) => {
        const spec = parts.join("");
        const d = parseDiskSpec("command line", [spec]);
        for (const m of d.messages) expect(m).toMatch(/^command line: config parsing error in disk specification: [^\n]*\n$/);
        const v = parseVifSpec(spec, "command line", {});
        for (const m of v.messages) expect(m.endsWith("\n")).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
