// Host facts and host networking in the lab shell: lscpu, lsmod/modprobe with /dev/kvm, virt-host-validate,
// ps/kill, ip/brctl/tunctl over the network model (libvirt's virbr/vnet links, Xen's bridges), fuzzing.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { session, sh } from "../../../../test/helpers/sim";

describe("lscpu", () => {
  it("prints the flat layout when piped and the sectioned one on a terminal", () => {
    const flat = sh(session(), "lscpu").stdout;
    expect(flat).toMatch(/^Architecture: +x86_64\n/);
    expect(flat).toMatch(/^Virtualization: +VT-x$/m);
    expect(flat).toMatch(/^L1d cache: +128 KiB \(4 instances\)$/m);
    expect(flat).toMatch(/^Vulnerability Meltdown: +Not affected$/m);
    expect(flat).not.toContain("Virtualization features:");
    const tty = sh(session("kvm", { tty: true }), "lscpu").stdout;
    expect(tty).toContain("Virtualization features:\n  Virtualization:");
    expect(tty).toContain("Caches (sum of all):\n  L1d:");
    for (const line of tty.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
  });
  it("shows the CPU flags grep looks for and rejects unknown options", () => {
    const s = session();
    expect(sh(s, "grep -c -E 'vmx|svm' /proc/cpuinfo").stdout).not.toBe("0\n");
    expect(sh(s, "lscpu | grep -o -w vmx").stdout).toBe("vmx\n");
    const r = sh(s, "lscpu --bogus");
    expect(r).toEqual({ stdout: "", stderr: "lscpu: unrecognized option '--bogus'\nTry 'lscpu --help' for more information.\n", exit: 1 });
  });
});

describe("lsmod and modprobe", () => {
  it("lists the KVM modules with their users and reference counts", () => {
    const out = sh(session(), "lsmod").stdout;
    expect(out).toMatch(/^Module +Size  Used by\n/);
    expect(out).toMatch(/^kvm +1142784  1 kvm_intel$/m);
    expect(out).toMatch(/^irqbypass +16384  1 kvm$/m);
    // four running libvirt guests: /dev/kvm, the VM and each vCPU hold the arch module
    expect(out).toMatch(/^kvm_intel +380928  \d+$/m);
    expect(sh(session(), "lsmod x").stderr).toBe("Usage: lsmod\n");
  });
  it("refuses to remove modules in use and a missing module", () => {
    const s = session();
    expect(sh(s, "modprobe -r kvm").stderr).toBe("modprobe: FATAL: Module kvm is in use.\n");
    expect(sh(s, "modprobe -r kvm_intel")).toMatchObject({ exit: 1, stderr: "modprobe: FATAL: Module kvm_intel is in use.\n" });
    expect(sh(s, "modprobe nosuch")).toMatchObject({ exit: 1, stderr: "modprobe: FATAL: Module nosuch not found in directory /lib/modules/6.1.0-28-amd64\n" });
    expect(sh(s, "modprobe --frobnicate kvm").stderr).toBe("modprobe: unrecognized option '--frobnicate'\n");
  });
  it("removing kvm_intel takes /dev/kvm away; loading it brings it back; kvm_amd does not load on Intel", () => {
    const s = session();
    for (const d of ["web01", "db01", "app01", "test01"]) sh(s, `virsh destroy ${d}`);
    expect(sh(s, "modprobe -r -v kvm_intel").stdout).toBe("rmmod kvm_intel\nrmmod kvm\nrmmod irqbypass\n");
    expect(sh(s, "lsmod | grep kvm").exit).toBe(1);
    expect(sh(s, "ls -l /dev/kvm").stderr).toBe("ls: cannot access '/dev/kvm': No such file or directory\n");
    const v = sh(s, "virt-host-validate qemu");
    expect(v.exit).toBe(1);
    expect(v.stdout).toContain("Checking if device /dev/kvm exists                                   : FAIL (Check that the 'kvm-intel' or 'kvm-amd' modules are loaded & the BIOS has enabled virtualization)\n");
    expect(sh(s, "modprobe -v kvm_intel").stdout).toBe(
      "insmod /lib/modules/6.1.0-28-amd64/kernel/virt/lib/irqbypass.ko \ninsmod /lib/modules/6.1.0-28-amd64/kernel/arch/x86/kvm/kvm.ko \ninsmod /lib/modules/6.1.0-28-amd64/kernel/arch/x86/kvm/kvm-intel.ko \n",
    );
    expect(sh(s, "ls -l /dev/kvm").stdout).toMatch(/^crw-rw---- 1 root kvm 0 /);
    expect(sh(s, "cat /proc/modules").stdout).toContain("kvm_intel 380928 0 - Live");
    expect(sh(s, "modprobe kvm_amd")).toMatchObject({ exit: 1, stderr: "modprobe: ERROR: could not insert 'kvm_amd': Operation not supported\n" });
    expect(sh(s, "modprobe -n kvm_intel nested=1").exit).toBe(0);
  });
});

describe("virt-host-validate", () => {
  it("checks the QEMU and LXC drivers, with usage and version", () => {
    const s = session();
    const q = sh(s, "virt-host-validate qemu");
    expect(q.exit).toBe(0);
    expect(q.stdout.split("\n")[0]).toBe("  QEMU: Checking for hardware virtualization                                 : PASS");
    expect(q.stdout).toContain("WARN (No ACPI DMAR table found");
    expect(sh(s, "virt-host-validate").stdout).toContain("   LXC: Checking for namespace pid");
    expect(sh(s, "virt-host-validate xen")).toMatchObject({ exit: 1, stderr: "virt-host-validate: unsupported hypervisor name xen\n" });
    expect(sh(s, "virt-host-validate --version").stdout).toBe("9.0.0\n");
  });
});

describe("ps and kill", () => {
  it("shows libvirt's QEMU processes and a QEMU started by hand until it is killed", () => {
    const s = session();
    const ps = sh(s, "ps aux").stdout;
    expect(ps).toMatch(/^USER +PID %CPU %MEM +VSZ +RSS TTY +STAT START +TIME COMMAND\n/);
    expect(ps).toContain("/usr/sbin/libvirtd --timeout 120");
    expect(ps).toMatch(/-name guest=web01,debug-threads=on .* -smp 2,maxcpus=4,sockets=4,dies=1,cores=1,threads=1 /);
    sh(s, "cd /root/images");
    expect(sh(s, "qemu-system-x86_64 -m 512 -hda debian12.qcow2 -display none -daemonize").exit).toBe(0);
    const line = sh(s, "ps aux | grep 'hda debian12'").stdout.split("\n").find((l) => l.includes("qemu-system-x86_64 -m 512"))!;
    const pid = line.split(/ +/)[1]!;
    expect(sh(s, `kill ${pid}`).exit).toBe(0);
    expect(sh(s, "ps aux").stdout).not.toContain("-hda debian12.qcow2");
    expect(sh(s, `kill ${pid}`).stderr).toBe(`bash: kill: (${pid}) - No such process\n`);
    expect(sh(s, "qemu-img info debian12.qcow2").exit).toBe(0);
  });
});

describe("host networking", () => {
  it("shows libvirt's bridges and the running guests' vnet taps", () => {
    const s = session();
    const br = sh(s, "brctl show").stdout;
    expect(br).toBe("bridge name\tbridge id\t\tSTP enabled\tinterfaces\nvirbr0\t\t8000.5254003a1fc2\tyes\t\tvnet0\n\t\t\t\t\t\t\tvnet1\n\t\t\t\t\t\t\tvnet2\nvirbr1\t\t8000.5254009e4401\tyes\t\tvnet3\n");
    expect(sh(s, "ip -br link").stdout).toMatch(/^vnet0 +UNKNOWN +fe:54:00:6b:21:0a <BROADCAST,MULTICAST,UP,LOWER_UP> $/m);
    expect(sh(s, "ip addr show virbr0").stdout).toContain("    inet 192.168.122.1/24 brd 192.168.122.255 scope global virbr0\n");
    expect(sh(s, "ip link show master virbr1").stdout).toMatch(/^\d+: vnet3: .* master virbr1 /);
    // a guest that stops takes its tap away
    sh(s, "virsh destroy test01");
    expect(sh(s, "brctl show virbr1").stdout).not.toContain("vnet3");
  });
  it("builds a bridge with a persistent tap; the bridge takes its port's MAC and cannot be deleted while up", () => {
    const s = session();
    expect(sh(s, "tunctl -t tap0").stdout).toBe("Set 'tap0' persistent and owned by uid 0\n");
    expect(sh(s, "brctl addbr br0").exit).toBe(0);
    expect(sh(s, "brctl addbr br0").stderr).toBe("device br0 already exists; can't create bridge with the same name\n");
    expect(sh(s, "brctl addif br0 tap0").exit).toBe(0);
    const tapMac = sh(s, "cat /sys/class/net/tap0/address").stdout.trim() || sh(s, "ip -br link show tap0").stdout.split(/ +/)[2]!;
    expect(sh(s, "ip -br link show br0").stdout.split(/ +/)[2]).toBe(tapMac);
    expect(sh(s, "brctl show br0").stdout).toContain(`br0\t\t8000.${tapMac.replace(/:/g, "")}\tno\t\ttap0\n`);
    sh(s, "ip link set br0 up");
    expect(sh(s, "ip -br link show br0").stdout).toMatch(/^br0 +DOWN +\S+ <NO-CARRIER,BROADCAST,MULTICAST,UP> $/m);
    expect(sh(s, "brctl delbr br0").stderr).toBe("bridge br0 is still up; can't delete it\n");
    sh(s, "ip link set br0 down");
    expect(sh(s, "brctl delbr br0").exit).toBe(0);
    expect(sh(s, "tunctl -d tap0").stdout).toBe("Set 'tap0' nonpersistent\n");
    expect(sh(s, "ip link show tap0").stderr).toBe('Device "tap0" does not exist.\n');
  });
  it("does not let ip or brctl change links libvirt owns beyond what the kernel allows", () => {
    const s = session();
    expect(sh(s, "brctl addif virbr0 eno1").exit).toBe(0);
    expect(sh(s, "ip -br link show master virbr0").stdout).toContain("eno1");
    expect(sh(s, "ip link del nosuch").stderr).toBe("Cannot find device \"nosuch\"\n");
  });
  it("the Xen host has xenbr0 with eno1 as its port", () => {
    const s = session("xen");
    expect(sh(s, "brctl show").stdout).toMatch(/^xenbr0\t\t8000\.[0-9a-f]{12}\tno\t\teno1$/m);
  });
});

describe("fuzzing", () => {
  const words = ["-r", "-v", "-n", "kvm", "kvm_intel", "kvm_amd", "tun", "bridge", "nosuch", "show", "addbr", "delbr", "addif", "delif", "br0", "tap0", "eno1", "virbr0", "link", "addr", "set", "up", "down", "master", "nomaster", "-t", "-d", "-br", "add", "type", "del", "route", "-e", "qemu", "lxc", "--", "x"];
  const tools = ["modprobe", "lsmod", "lscpu", "brctl", "tunctl", "ip", "virt-host-validate", "ps", "kill"];
  it("never throws on random host tool command lines", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...tools), fc.array(fc.constantFrom(...words), { maxLength: 6 })), { minLength: 1, maxLength: 6 }), (cmds) => {
        const s = session();
        for (const [t, a] of cmds) {
          const r = sh(s, [t, ...a].join(" "));
          expect(typeof r.exit).toBe("number");
          expect(r.stderr).not.toMatch(/TypeError|undefined|NaN|\[object/);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe("veth pairs", () => {
  it("creates both ends, reports the peer's state in the flags and deletes the pair together", () => {
    const s = session();
    expect(sh(s, "ip link add veth0 type veth peer name veth1").exit).toBe(0);
    const shown = sh(s, "ip link show veth0").stdout;
    expect(shown).toMatch(/^\d+: veth0@veth1: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n/);
    sh(s, "ip link set veth0 up");
    expect(sh(s, "ip link show veth0").stdout).toContain("veth0@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN");
    sh(s, "ip link set veth1 up");
    expect(sh(s, "ip link show veth0").stdout).toContain("veth0@veth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP");
    expect(sh(s, "ip link add veth1 type dummy").stderr).toBe("RTNETLINK answers: File exists\n");
    expect(sh(s, "ip link del veth1").exit).toBe(0);
    expect(sh(s, "ip link show veth0")).toEqual({ stdout: "", stderr: 'Device "veth0" does not exist.\n', exit: 1 });
  });
});
