// qemu-system-x86_64 in the lab shell: the learner's flow (boot, monitor snapshots, qemu-img, guestfish,
// virt-cat), processes and locks, networking backends, KVM availability, option parsing units and fuzzing.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { script, session, sh } from "../../../../test/helpers/sim";
import { parseHmp } from "./hmp";
import { parseOpts, parseSize, splitOpts } from "./qemu-opts";
import { readlineEcho } from "./monitor";

const plain = (s: string) => s.replace(/\x1b\[[KD]/g, "").replace(/\r/g, "");

describe("QemuOpts", () => {
  it("splits key=value lists with ,, escapes and an implied first key", () => {
    expect(splitOpts("disk.qcow2,,x,if=virtio", "file").pairs).toEqual([["file", "disk.qcow2,x"], ["if", "virtio"]]);
    expect(splitOpts("user,id=n0,hostfwd=tcp::2222-:22", "type").pairs).toEqual([["type", "user"], ["id", "n0"], ["hostfwd", "tcp::2222-:22"]]);
    expect(splitOpts("nodelay").pairs).toEqual([["delay", "off"]]);
  });
  it("words errors the way qemu_opts_parse does", () => {
    const mem = { name: "memory", implied: "size", keys: { size: "size" as const, slots: "number" as const }, merge: true };
    expect(() => parseOpts("1G,foo=1", mem)).toThrow("Invalid parameter 'foo'");
    expect(() => parseOpts("size=1G,id=x", mem)).toThrow("Invalid parameter 'id'");
    const nd = { name: "netdev", implied: "type" };
    const first = parseOpts("user,id=n0", nd);
    expect(() => parseOpts("user,id=n0", nd, [first])).toThrow("Duplicate ID 'n0' for netdev");
    expect(() => parseOpts("user,id=0bad", nd)).toThrow("Parameter 'id' expects an identifier");
  });
  it("reads sizes like qemu_strtosz (bare -m numbers are MiB)", () => {
    expect(parseSize("1G")).toBe(2 ** 30);
    expect(parseSize("512", 2 ** 20)).toBe(512 * 2 ** 20);
    expect(parseSize("1.5G")).toBe(1.5 * 2 ** 30);
    expect(parseSize("2GB")).toBeUndefined();
    expect(parseSize("-5")).toBeUndefined();
  });
});

describe("HMP parser", () => {
  it("finds commands, info subcommands and aliases", () => {
    expect(parseHmp("c").kind).toBe("ok");
    expect(parseHmp("info status")).toMatchObject({ kind: "ok", info: true, name: "status" });
    expect(parseHmp("   ").kind).toBe("empty");
  });
  it("reports unknown commands and bad arguments with the monitor's words", () => {
    expect(parseHmp("usb_add tablet")).toEqual({ kind: "error", text: "unknown command: 'usb_add'\n" });
    expect(parseHmp("info kqemu")).toEqual({ kind: "error", text: "unknown command: 'info kqemu'\n" });
    expect(parseHmp("sendkey")).toEqual({ kind: "error", text: 'sendkey: string expected\nTry "help sendkey" for more information\n' });
    expect(parseHmp("quit now")).toEqual({ kind: "error", text: 'quit|q: extraneous characters at the end of line\nTry "help quit" for more information\n' });
  });
  it("echoes piped input the way QEMU's readline redraws it", () => {
    expect(readlineEcho("ab")).toBe("a\x1b[K\x1b[Dab\x1b[K\r\n");
  });
});

describe("the learner's flow", () => {
  it("boots a VM with the monitor on stdio, snapshots, and edits the guest's files", () => {
    const r = script(`cd /root/images
qemu-system-x86_64 -enable-kvm -m 1024 -hda debian12.qcow2 -display none -monitor stdio
info kvm
savevm clean
quit
qemu-img snapshot -l debian12.qcow2
guestfish -a debian12.qcow2 -i <<'END'
write /etc/hostname "changed\\n"
END
virt-cat -a debian12.qcow2 /etc/hostname
qemu-system-x86_64 -enable-kvm -m 1024 -hda debian12.qcow2 -display none -monitor stdio
loadvm clean
quit
virt-cat -a debian12.qcow2 /etc/hostname`);
    expect(plain(r[1]!.stdout)).toContain("kvm support: enabled");
    expect(r[2]!.stdout).toMatch(/^1 +clean +\S+ MiB/m);
    expect(r[4]!.stdout).toBe("changed\n");
    expect(r[6]!.stdout).toBe("debian12\n");
  });

  it("refuses loadvm of a disk-only snapshot and savevm on raw disks (errata E55, E41)", () => {
    const r = script(`qemu-img create -f qcow2 d.qcow2 1G
qemu-img create -f raw r.raw 1G
qemu-img snapshot -c disk1 d.qcow2
qemu-system-x86_64 -S -display none -nodefaults -hda d.qcow2 -monitor stdio
loadvm disk1
quit
qemu-system-x86_64 -S -display none -nodefaults -drive file=r.raw,format=raw -monitor stdio
savevm s1
quit`);
    expect(plain(r[3]!.stdout)).toContain("Error: This is a disk-only snapshot. Revert to it  offline using qemu-img");
    expect(plain(r[4]!.stdout)).toContain("Error: Device 'ide0-hd0' is writable but does not support snapshots");
  });

  it("refuses loadvm on a disk with dirty bitmaps, after reverting the disks before it (as QEMU 7.2 does)", () => {
    const r = script(`cd /root/images
qemu-img convert -O qcow2 debian12.qcow2 a.qcow2
qemu-img create -f qcow2 b.qcow2 1G
qemu-system-x86_64 -S -display none -nodefaults -hda a.qcow2 -hdb b.qcow2 -monitor stdio
savevm s1
quit
guestfish -a a.qcow2 -i write /etc/hostname changed
qemu-img bitmap --add b.qcow2 bm0
qemu-system-x86_64 -S -display none -nodefaults -hda a.qcow2 -hdb b.qcow2 -monitor stdio
loadvm s1
quit
virt-cat -a a.qcow2 /etc/hostname
qemu-img snapshot -l b.qcow2`);
    expect(plain(r[3]!.stdout)).not.toContain("Error");
    expect(plain(r[6]!.stdout)).toContain("Error: Could not load snapshot 's1' on 'ide0-hd1': Device has active dirty bitmaps\n");
    // bdrv_all_goto_snapshot() had reverted ide0-hd0 before it met the bitmap
    expect(r[7]!.stdout).toBe("debian12\n");
    expect(r[8]!.stdout).toMatch(/^1 +s1 /m);
  });

  it("a guest OS shuts down on system_powerdown and QEMU exits; -no-shutdown keeps it", () => {
    const r = script(`cd /root/images
qemu-system-x86_64 -m 512 -hda debian12.qcow2 -display none -monitor stdio
system_powerdown
ps -ef
qemu-system-x86_64 -m 512 -hda debian12.qcow2 -display none -no-shutdown -monitor stdio
system_powerdown
info status
quit`);
    expect(r[1]!.exit).toBe(0);
    expect(r[2]!.stdout).not.toContain("-hda debian12.qcow2");
    expect(plain(r[3]!.stdout)).toContain("VM status: paused (shutdown)");
  });
});

describe("processes and locks", () => {
  it("-daemonize leaves a process ps shows and that holds the image lock until killed", () => {
    const s = session();
    sh(s, "qemu-img create -f qcow2 vm.qcow2 1G");
    expect(sh(s, "qemu-system-x86_64 -name vm1 -m 512 -hda vm.qcow2 -display none -daemonize").exit).toBe(0);
    const ps = sh(s, "ps -ef").stdout;
    const line = ps.split("\n").find((l) => l.includes("-name vm1"))!;
    expect(line).toContain("qemu-system-x86_64 -name vm1 -m 512 -hda vm.qcow2 -display none -daemonize");
    const pid = line.trim().split(/\s+/)[1]!;
    expect(sh(s, "qemu-img info vm.qcow2").stderr).toContain('Failed to get shared "write" lock');
    expect(sh(s, "qemu-system-x86_64 -m 512 -hda vm.qcow2 -display none -daemonize").stderr).toBe('qemu-system-x86_64: -hda vm.qcow2: Failed to get "write" lock\nIs another process using the image [vm.qcow2]?\n');
    expect(sh(s, `kill ${pid}`).exit).toBe(0);
    expect(sh(s, "qemu-img info vm.qcow2").exit).toBe(0);
    expect(sh(s, `kill ${pid}`).stderr).toBe(`bash: kill: (${pid}) - No such process\n`);
  });

  it("kvm (Debian's link) prefers KVM; without the kvm_intel module KVM cannot be used", () => {
    const s = session();
    sh(s, "kvm -S -display none -nodefaults -monitor stdio");
    expect(plain(sh(s, "info kvm").stdout)).toContain("kvm support: enabled");
    sh(s, "quit");
    // the libvirt guests hold the module (their /dev/kvm, VM and vCPU files)
    expect(sh(s, "modprobe -r kvm_intel").stderr).toBe("modprobe: FATAL: Module kvm_intel is in use.\n");
    for (const d of ["web01", "db01", "app01", "test01"]) sh(s, `virsh destroy ${d}`);
    expect(sh(s, "lsmod").stdout).toMatch(/^kvm_intel +380928  0\n/m);
    expect(sh(s, "modprobe -r kvm_intel").exit).toBe(0);
    const r = sh(s, "qemu-system-x86_64 -enable-kvm -S -display none -nodefaults");
    expect(r.exit).toBe(1);
    expect(r.stderr).toBe("Could not access KVM kernel module: No such file or directory\nqemu-system-x86_64: failed to initialize kvm: No such file or directory\n");
    expect(sh(s, "qemu-system-x86_64 -accel kvm -accel tcg -S -display none -nodefaults -daemonize").stderr).toContain("qemu-system-x86_64: falling back to tcg\n");
    expect(sh(s, "qemu-kvm -m 512").stderr).toBe("bash: qemu-kvm: command not found\n");
  });
});

describe("network backends", () => {
  it("-netdev tap creates a tap the host sees; Debian's qemu-ifup adds it to the bridge of the default route", () => {
    const s = session();
    const r = sh(s, "qemu-system-x86_64 -S -display none -nodefaults -netdev tap,id=t0 -device virtio-net-pci,netdev=t0 -daemonize");
    expect(r.stderr).toBe("W: /etc/qemu-ifup: no bridge for guest interface found\n");
    expect(sh(s, "ip link show tap0").stdout).toContain("tap0: <BROADCAST,MULTICAST,UP,LOWER_UP>");
    expect(sh(s, "ip tuntap list").stdout).toMatch(/^tap0: tap vnet_hdr\n\tAttached to processes:qemu-system-x86\(\d+\)\n/);
  });

  it("-netdev bridge needs /etc/qemu/bridge.conf to allow the bridge", () => {
    const s = session();
    expect(sh(s, "qemu-system-x86_64 -S -display none -nodefaults -netdev bridge,id=n0,br=br0").stderr).toBe("failed to parse default acl file `/etc/qemu/bridge.conf'\nqemu-system-x86_64: -netdev bridge,id=n0,br=br0: bridge helper failed\n");
    sh(s, "mkdir -p /etc/qemu");
    sh(s, "echo 'allow br0' > /etc/qemu/bridge.conf");
    expect(sh(s, "qemu-system-x86_64 -S -display none -nodefaults -netdev bridge,id=n0,br=br0").stderr).toBe("failed to get mtu of bridge `br0': No such device\nqemu-system-x86_64: -netdev bridge,id=n0,br=br0: bridge helper failed\n");
    sh(s, "ip link add br0 type bridge");
    expect(sh(s, "qemu-system-x86_64 -S -display none -nodefaults -netdev bridge,id=n0,br=br0 -device e1000,netdev=n0 -daemonize").exit).toBe(0);
    expect(sh(s, "brctl show br0").stdout).toMatch(/^br0\t\t8000\.[0-9a-f]{12}\tno\t\ttap0\n/m);
  });

  it("user networking forwards host ports (info usernet)", () => {
    const r = script(`qemu-system-x86_64 -S -display none -nodefaults -netdev user,id=n0,hostfwd=tcp::2222-:22 -device virtio-net-pci,netdev=n0 -monitor stdio
info usernet
quit`);
    expect(plain(r[0]!.stdout)).toContain("  TCP[HOST_FORWARD]  10               *  2222       10.0.2.15    22     0     0");
  });
});

describe("-nographic", () => {
  it("multiplexes the serial console and the monitor on stdio (Ctrl-A c, Ctrl-A x)", () => {
    const s = session();
    expect(sh(s, "qemu-system-x86_64 -S -nographic -m 256").exit).toBe(0);
    expect(s.program).toBeDefined();
    const sw = s.feedProgram("\x01c");
    expect(sw.out.map((c) => c.text).join("")).toBe("QEMU 7.2.22 monitor - type 'help' for more information\r\n(qemu) ");
    expect(plain(s.feedProgram("info status").out.map((c) => c.text).join(""))).toContain("VM status: paused (prelaunch)");
    expect(s.feedProgram("\x01x").out.map((c) => c.text).join("")).toBe("QEMU: Terminated\n\r");
    expect(s.program).toBeUndefined();
  });
});

describe("robustness", () => {
  const words = fc.constantFrom("-m", "512", "-hda", "x.qcow2", "-drive", "file=x,if=virtio", "-netdev", "user,id=n", "-device", "e1000,netdev=n", "-S", "-display", "none", "-monitor", "stdio", "-smp", "4,cores=2", "-cpu", "host", "-machine", "q35", "-vnc", ":1", "-boot", "d", "-nodefaults", "-snapshot", "-k", "de", "-name", "vm", ",", "=", "");
  it("never throws on random command lines", () => {
    const s = session();
    fc.assert(
      fc.property(fc.array(fc.oneof(words, fc.string()), { maxLength: 12 }), (args) => {
        const r = s.run(["qemu-system-x86_64", ...args.map((a) => `'${a.replace(/'/g, "")}'`)].join(" "));
        expect([0, 1]).toContain(r.exit);
        if (s.program) s.endProgram();
      }),
      { numRuns: 300 },
    );
  });
  it("never throws on random monitor lines", () => {
    const s = session();
    sh(s, "qemu-img create -f qcow2 f.qcow2 1G");
    sh(s, "qemu-system-x86_64 -S -display none -hda f.qcow2 -monitor stdio");
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom("info", "info block", "savevm a", "loadvm a", "delvm a", "change ide1-cd0 f.qcow2", "eject -f ide1-cd0", "sendkey ctrl-alt-f1", "x /10x 0", "migrate_set_parameter downtime-limit x", "help info")), (line) => {
        if (!s.program || /^\s*(quit|q)\b/.test(line)) return;
        s.feedProgram(line);
      }),
      { numRuns: 300 },
    );
  });
});
