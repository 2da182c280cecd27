// The libguestfs tools in the lab shell: guestfish options and REPL, the virt-* C tools, the OCaml tools
// (customize, sysprep, resize, sparsify, v2v), guestmount, virt-rescue, virt-install and the guest agent.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { session, sh } from "../../../../test/helpers/sim";
import { ocamlWrap } from "./ocaml";
import { unifiedHunks } from "./udiff";

const images = () => {
  const s = session();
  sh(s, "cd /root/images");
  return s;
};

describe("guestfish", () => {
  it("reports its usage errors like getopt and guestfish do", () => {
    const s = images();
    expect(sh(s, "guestfish --bogus")).toMatchObject({ exit: 1, stderr: "guestfish: unrecognized option '--bogus'\nTry \u2018guestfish --help\u2019 for more information.\n" });
    expect(sh(s, "guestfish -a nosuch.qcow2 -i ls /")).toMatchObject({ exit: 1, stderr: "guestfish: access: nosuch.qcow2: No such file or directory\n" });
  });
  it("runs command-line commands, prefixing errors with *stdin*:0 when not at a terminal", () => {
    const s = images();
    // guestfish prints a returned string with a newline after it, as the real one does
    expect(sh(s, "guestfish --ro -a debian12.qcow2 -i cat /etc/hostname").stdout).toBe("debian12\n\n");
    expect(sh(s, "guestfish --ro -a debian12.qcow2 -i cat /nosuch").stderr).toBe("*stdin*:0: libguestfs: error: download: /nosuch: No such file or directory\n");
    expect(sh(s, "guestfish --ro -a debian12.qcow2 -i statvfs /").stdout).toMatch(/^bsize: 4096\nfrsize: 4096\nblocks: 1011384\nbfree: \d+\n/);
  });
  it("shows its banner and the ><fs> prompt on a terminal", () => {
    const s = session("kvm", { tty: true });
    sh(s, "cd /root/images");
    const r = sh(s, "guestfish --ro -a debian12.qcow2 -i");
    expect(r.stdout).toContain("Welcome to guestfish, the guest filesystem shell for");
    // the product name inspection gives Debian (from /etc/debian_version)
    expect(r.stdout).toContain("Operating system: 12.8\n");
    expect(r.stdout).toContain("/dev/sda1 mounted on /");
  });
});

describe("virt-* C tools", () => {
  it("virt-cat and virt-ls read a guest by image or libvirt domain", () => {
    const s = images();
    expect(sh(s, "virt-cat -d web01 /etc/hostname").stdout).toBe("web01\n");
    expect(sh(s, "virt-ls -a rocky9.qcow2 /etc").stdout).toContain("redhat-release\n");
    expect(sh(s, "virt-ls -R -a debian12.qcow2 /home").stdout).toBe("/debian\n/debian/.bashrc\n");
    expect(sh(s, "virt-ls -a debian12.qcow2 /etc/hostname").stderr).toBe("libguestfs: error: ls0: opendir: /etc/hostname: Not a directory\n");
    expect(sh(s, "virt-cat -d nosuch /etc/hostname").stderr).toBe("libguestfs: error: no libvirt domain called 'nosuch': Domain not found: no domain with matching name 'nosuch'\n");
    expect(sh(s, "virt-cat -a debian12.qcow2")).toEqual({ stdout: "", stderr: "Try \u2018virt-cat --help\u2019 for more information.\n", exit: 1 });
  });
  it("virt-df with no disks lists every libvirt guest by name; without libvirtd it cannot connect", () => {
    const r = sh(session(), "virt-df -h");
    expect(r.exit).toBe(0);
    const names = r.stdout.split("\n").slice(1, -1).map((l) => l.split(":")[0]);
    expect(names).toEqual([...names].sort());
    expect(r.stdout).toMatch(/^db01:\/dev\/sda1 +960M +190M +770M +20%$/m);
    expect(r.stdout).toMatch(/^web01:\/dev\/sda1 +3\.9G/m);
    const x = sh(session("lab-qemu"), "virt-df");
    expect(x.exit).toBe(1);
    expect(x.stderr).toContain("virt-df: could not connect to libvirt (code 38, domain 7): Failed to connect socket to '/var/run/libvirt/libvirt-sock-ro'");
  });
  it("virt-df -i and --csv, and refuses -h with --csv", () => {
    const s = images();
    expect(sh(s, "virt-df -i -a debian12.qcow2").stdout).toMatch(/^Filesystem +Inodes +IUsed +IFree IUse%\ndebian12\.qcow2:\/dev\/sda1 +262144 +36238 +225906 +14%\n$/);
    expect(sh(s, "virt-df --csv -a debian12.qcow2 -a rocky9.qcow2").stdout).toMatch(/^VirtualMachine,Filesystem,1K-blocks,Used,Available,Use%\ndebian12\.qcow2\+,\/dev\/sda1,4045536,\d+,\d+,\d+\.\d\n/);
    expect(sh(s, "virt-df -h --csv -a debian12.qcow2").stderr).toBe("virt-df: you cannot use -h and --csv options together.\n");
  });
  it("virt-filesystems lists by kind, in the daemon's order, with its column rules", () => {
    const s = images();
    expect(sh(s, "virt-filesystems -a rocky9.qcow2 --extra").stdout).toBe("/dev/sda1\n/dev/rl/root\n/dev/rl/swap\n");
    expect(sh(s, "virt-filesystems -a rocky9.qcow2 --vgs --pvs --long").stdout).toMatch(/^Name +Type +Size +Parent\n\/dev\/rl +vg +\d+ +\/dev\/sda2\n\/dev\/sda2 +pv +\d+ +-\n$/);
    expect(sh(s, "virt-filesystems -a debian12.qcow2 --partitions --long --no-title").stdout).toBe("/dev/sda1  partition  83  4293918720  /dev/sda\n");
    expect(sh(s, "virt-filesystems -a debian12.qcow2 --csv -l").stdout).toBe("Name,Type,VFS,Label,Size,Parent\n/dev/sda1,filesystem,ext4,,4142628864,\n");
    expect(sh(s, "virt-filesystems -a debian12.qcow2 extra").stderr).toContain("virt-filesystems: error: extra argument \u2018extra\u2019 on command line.\n");
  });
  it("virt-inspector reports the OS, its filesystems and packages (dpkg epochs included)", () => {
    const s = images();
    const r = sh(s, "virt-inspector -a rocky9.qcow2");
    expect(r.exit).toBe(0);
    expect(r.stdout).toContain("<distro>rocky</distro>");
    expect(r.stdout).toContain('<mountpoint dev="/dev/sda1">/boot</mountpoint>');
    expect(sh(s, "virt-inspector -a debian12.qcow2").stdout).toContain("<name>openssh-server</name>\n        <epoch>1</epoch>\n");
  });
  it("virt-diff: content changes show diff -u hunks; a directory's mode change shows the changed fields", () => {
    const s = images();
    sh(s, "qemu-img create -f qcow2 -b debian12.qcow2 -F qcow2 c.qcow2");
    sh(s, "guestfish -a c.qcow2 -i <<'EOF'\nwrite-append /etc/hosts \"10.0.0.9 x\\n\"\nchmod 0700 /srv\nchmod 0600 /etc/hostname\nEOF");
    const r = sh(s, "virt-diff -a debian12.qcow2 -A c.qcow2");
    expect(r.stdout).toContain("= - 0644          9 /etc/hostname\n@@ End of diff @@\n");
    expect(r.stdout).toContain("= - 0644        188 /etc/hosts\n@@ -5,3 +5,4 @@\n ::1     localhost ip6-localhost ip6-loopback\n ff02::1 ip6-allnodes\n ff02::2 ip6-allrouters\n+10.0.0.9 x\n@@ End of diff @@\n");
    expect(r.stdout).toContain("- d 0755       4096 /srv\n+ d 0700       4096 /srv\n# changed: st_mode\n");
    expect(sh(s, "virt-diff -a debian12.qcow2").stderr).toBe("virt-diff: you must specify some -a|-A|-d|-D options, see virt-diff(1).\n");
  });
  it("virt-copy-in and virt-copy-out move files and report the library's errors", () => {
    const s = images();
    sh(s, "mkdir -p /tmp/in/sub && echo hi > /tmp/in/sub/f");
    expect(sh(s, "virt-copy-in -a debian12.qcow2 /tmp/in /srv").exit).toBe(0);
    expect(sh(s, "virt-cat -a debian12.qcow2 /srv/in/sub/f").stdout).toBe("hi\n");
    expect(sh(s, "virt-copy-in -a debian12.qcow2 /tmp/in /nosuchdir").stderr).toBe("*stdin*:0: libguestfs: error: target \u2018/nosuchdir\u2019 is not a directory\n");
    expect(sh(s, "virt-copy-out -a debian12.qcow2 /etc/hostname /nosuchdir").stderr).toBe("*stdin*:0: libguestfs: error: target \u2018/nosuchdir\u2019 is not a directory\n");
  });
});

describe("virt-customize and virt-sysprep", () => {
  it("set a random seed where the distribution keeps one, else warn; an empty machine-id gets one", () => {
    const s = images();
    sh(s, "qemu-img create -f qcow2 -b debian12.qcow2 -F qcow2 c.qcow2");
    let r = sh(s, "virt-customize -a c.qcow2 --hostname c1");
    expect(r.stdout).toMatch(/\] Setting a random seed\nvirt-customize: warning: random seed could not be set for this type of guest\n\[.*\] Setting the hostname: c1\n/);
    sh(s, "guestfish -a c.qcow2 -i mkdir-p /var/lib/urandom : truncate /etc/machine-id");
    r = sh(s, "virt-customize -a c.qcow2 --hostname c2");
    expect(r.stdout).not.toContain("warning");
    expect(r.stdout).toContain("] Setting the machine ID in /etc/machine-id\n");
    expect(sh(s, "virt-ls -l -a c.qcow2 /var/lib/urandom").stdout).toMatch(/-rw-------? +1 +0 +0 +512 .* random-seed\n/);
    expect(sh(s, "virt-cat -a c.qcow2 /etc/machine-id").stdout).toMatch(/^[0-9a-f]{32}\n$/);
  });
  it("--timezone needs the zone under /usr/share/zoneinfo; passwords are set after everything else", () => {
    const s = images();
    sh(s, "qemu-img create -f qcow2 -b debian12.qcow2 -F qcow2 c.qcow2");
    let r = sh(s, "virt-customize -a c.qcow2 --timezone Europe/Berlin");
    expect(r.exit).toBe(1);
    expect(r.stderr).toBe("virt-customize: error: timezone 'Europe/Berlin' does not exist, use a location like 'Europe/London'\n\nIf reporting bugs, run virt-customize with debugging enabled and include the complete output:\n\n  virt-customize -v -x [...]\n");
    sh(s, "guestfish -a c.qcow2 -i mkdir-p /usr/share/zoneinfo/Europe : touch /usr/share/zoneinfo/Europe/Berlin");
    r = sh(s, "virt-customize -a c.qcow2 --root-password password:secret --timezone Europe/Berlin");
    expect(r.exit).toBe(0);
    expect(r.stdout.indexOf("Setting the timezone")).toBeLessThan(r.stdout.indexOf("Setting passwords"));
    expect(sh(s, "guestfish --ro -a c.qcow2 -i readlink /etc/localtime").stdout).toBe("/usr/share/zoneinfo/Europe/Berlin\n");
    expect(sh(s, "virt-cat -a c.qcow2 /etc/shadow").stdout).toMatch(/^root:\$6\$/);
    expect(sh(s, "virt-customize -a c.qcow2 --root-password password:a --root-password password:b").stderr).toContain("multiple --root-password/--password options set the password for user \u2018root\u2019 twice");
  });
  it("wraps and colours its messages only on a terminal", () => {
    const s = session("kvm", { tty: true });
    sh(s, "cd /root/images");
    const r = sh(s, "virt-customize -a nosuch.qcow2 --hostname x");
    expect(r.stderr).toBe("\x1b[1;31mvirt-customize: error: libguestfs error: nosuch.qcow2: No such file or \ndirectory\n\nIf reporting bugs, run virt-customize with debugging enabled and include \nthe complete output:\n\n  virt-customize -v -x [...]\x1b[0m\n");
    expect(ocamlWrap("a b", false, 2)).toBe("  a b");
  });
  it("virt-sysprep runs the chosen operations and refuses a running domain", () => {
    const s = images();
    sh(s, "qemu-img create -f qcow2 -b debian12.qcow2 -F qcow2 c.qcow2");
    sh(s, "guestfish -a c.qcow2 -i write /root/.bash_history 'ls\\n'");
    const r = sh(s, "virt-sysprep -a c.qcow2 --operations bash-history,machine-id");
    expect(r.stdout).toMatch(/Performing "bash-history" \.\.\.\n.*Performing "machine-id" \.\.\.\n$/);
    expect(sh(s, "virt-cat -a c.qcow2 /root/.bash_history").exit).toBe(1);
    expect(sh(s, "virt-cat -a c.qcow2 /etc/machine-id").stdout).toBe("");
    expect(sh(s, "virt-sysprep -d web01").stderr).toContain("virt-sysprep: error: libvirt domain \u2018web01\u2019 is running or paused.  It must be shut down in order to perform virt-sysprep on it.\n");
  });
});

describe("guestmount", () => {
  it("mounts a guest, writes through FUSE, and refuses a busy or missing mountpoint", () => {
    const s = images();
    sh(s, "mkdir /mnt/g");
    expect(sh(s, "guestmount -a debian12.qcow2 -i /mnt/g").exit).toBe(0);
    expect(sh(s, "cat /mnt/g/etc/hostname").stdout).toBe("debian12\n");
    sh(s, "echo hello > /mnt/g/root/note");
    expect(sh(s, "guestunmount /mnt/g").exit).toBe(0);
    expect(sh(s, "virt-cat -a debian12.qcow2 /root/note").stdout).toBe("hello\n");
    expect(sh(s, "guestunmount /mnt/g")).toMatchObject({ exit: 2 });
    expect(sh(s, "guestmount -a debian12.qcow2 -i /nosuchdir").exit).not.toBe(0);
  });
});

describe("virt-install", () => {
  it("creates a guest in the default pool on qemu:///system, attached to the default network", () => {
    const s = session();
    const r = sh(s, "virt-install --name web02 --memory 2048 --vcpus 2 --disk size=10 --import --osinfo debian11 --network network=default --graphics vnc --noautoconsole");
    expect(r.exit).toBe(0);
    expect(r.stdout).toMatch(/\nStarting install\.\.\.\n\rAllocating 'web02\.qcow2' +\|    0 B  00:00 \.\.\. \n\rCreating domain\.\.\. +\|    0 B  00:00     \nDomain creation completed\.\n$/);
    expect(sh(s, "virsh list --all").stdout).toMatch(/ web02 +running/);
    expect(sh(s, "virsh domiflist web02").stdout).toMatch(/network +default +virtio +52:54:00/);
    expect(sh(s, "ls /var/lib/libvirt/images/web02.qcow2").exit).toBe(0);
    expect(sh(s, "virsh vol-list default").stdout).toContain("web02.qcow2");
  });
  it("refuses unknown OS names, missing media, no OS and duplicate names with virt-install's words", () => {
    const s = session();
    expect(sh(s, "virt-install --name y --memory 512 --disk none --import --osinfo debian12 --noautoconsole").stderr).toBe("ERROR    Unknown OS name 'debian12'. See `--osinfo list` for valid values.\n");
    expect(sh(s, "virt-install --name z --memory 512 --disk none --cdrom /nosuch.iso --osinfo debian11 --noautoconsole").stderr).toBe("ERROR    Validating install media '/nosuch.iso' failed: Must specify storage creation parameters for non-existent path '/nosuch.iso'.\n");
    expect(sh(s, "virt-install --name x --memory 512 --disk none --import --noautoconsole").stderr).toContain("--os-variant/--osinfo OS name is required, but no value was\nset or detected.");
    const dup = sh(s, "virt-install --name web01 --memory 1024 --disk none --import --osinfo debian11 --noautoconsole");
    expect(dup.exit).toBe(1);
    expect(dup.stdout).toBe("\nStarting install...\n");
    expect(dup.stderr).toBe("ERROR    Guest name 'web01' is already in use.\nDomain installation does not appear to have been successful.\nIf it was, you can restart your domain by running:\n  virsh --connect qemu:///system start web01\notherwise, please restart your installation.\n");
  });
  it("falls back to the generic OS when detection is asked for but not required", () => {
    const s = session();
    const r = sh(s, "virt-install --name g1 --memory 1024 --osinfo detect=on,require=off --disk size=1 --cdrom /var/lib/libvirt/isos/debian-12.8.0-amd64-netinst.iso --noautoconsole");
    expect(r.exit).toBe(0);
    expect(r.stderr).toBe("WARNING  Using --osinfo generic, VM performance may suffer. Specify an accurate OS for optimal results.\n");
    expect(r.stdout).toContain("Domain is still running. Installation may be in progress.\nYou can reconnect to the console to complete the installation process.\n");
    expect(sh(s, "virt-install --name g2 --memory 1024 --osinfo detect=on,require=on --disk none --import --noautoconsole").exit).toBe(1);
  });
});

describe("virt-v2v, virt-rescue, virt-resize, virt-sparsify", () => {
  it("virt-v2v refuses a guest without a bootloader; with GRUB's configuration it converts to raw and libvirt XML", () => {
    const s = images();
    const r0 = sh(s, "virt-v2v -i disk debian12.qcow2 -o local -os /tmp");
    expect(r0.exit).toBe(1);
    expect(r0.stdout).toMatch(/\] Converting 12\.8 to run on KVM\n$/);
    expect(r0.stderr).toContain("virt-v2v: error: no bootloader detected\n");
    sh(s, "guestfish -a debian12.qcow2 -i mkdir-p /boot/grub : touch /boot/grub/grub.cfg");
    const r = sh(s, "virt-v2v -i disk debian12.qcow2 -o local -os /tmp");
    expect(r.exit).toBe(0);
    expect(r.stdout).toContain("] Converting 12.8 to run on KVM\nvirt-v2v: This guest has virtio drivers installed.\n");
    expect(sh(s, "qemu-img info /tmp/debian12-sda").stdout).toContain("file format: raw\n");
    expect(sh(s, "cat /tmp/debian12.xml").stdout).toContain("<name>debian12</name>");
    expect(sh(s, "virt-v2v -i disk nosuch.qcow2 -o local -os /tmp").stderr).toContain("virt-v2v: error: access: No such file or directory: nosuch.qcow2\n");
    expect(sh(s, "virt-v2v -i disk debian12.qcow2 -o local").stderr).toContain("virt-v2v: error: -o disk: output directory was not specified, use '-os /dir'\n");
  });
  it("virt-rescue needs a terminal and at least one disk", () => {
    const s = images();
    expect(sh(s, "echo exit | virt-rescue -a debian12.qcow2")).toMatchObject({ exit: 1, stderr: "tcgetattr: stdin: Inappropriate ioctl for device\n" });
    expect(sh(s, "virt-rescue").stderr).toBe("virt-rescue: error: you must specify at least one -a or -d option.\nTry \u2018virt-rescue --help\u2019 for more information.\n");
  });
  it("virt-rescue --suggest prints the mount commands for the guest it finds", () => {
    const s = images();
    expect(sh(s, "virt-rescue --suggest -a rocky9.qcow2").stdout).toBe(
      "Inspecting the virtual machine or disk image ...\n\nThis disk contains one or more operating systems.  You can use these mount\ncommands in virt-rescue (at the ><rescue> prompt) to mount the filesystems.\n\n# /dev/rl/root is the root of a linux operating system\n# type: linux, distro: rocky, version: 9.4\n# Rocky Linux 9.4 (Blue Onyx)\n\nmount /dev/rl/root /sysroot/\nmount /dev/sda1 /sysroot/boot\nmount --rbind /dev /sysroot/dev\nmount --rbind /proc /sysroot/proc\nmount --rbind /sys /sysroot/sys\n\ncd /sysroot\nchroot /sysroot\n\n",
    );
    sh(s, "qemu-img create -f qcow2 blank.qcow2 1G");
    expect(sh(s, "virt-rescue --suggest -a blank.qcow2").stdout).toContain("This disk contains no mountable filesystems that we recognize.\n");
  });
  it("virt-resize expands a partition into a bigger disk; virt-sparsify copies or trims in place", () => {
    const s = images();
    sh(s, "qemu-img create -f qcow2 big.qcow2 6G");
    const r = sh(s, "virt-resize --expand /dev/sda1 debian12.qcow2 big.qcow2");
    expect(r.exit).toBe(0);
    expect(r.stdout).toContain("/dev/sda1: This partition will be resized from 4.0G to 6.0G.");
    expect(sh(s, "virt-cat -a big.qcow2 /etc/hostname").stdout).toBe("debian12\n");
    expect(sh(s, "virt-df -h -a big.qcow2").stdout).toMatch(/big\.qcow2:\/dev\/sda1 +5\.[89]G/);
    expect(sh(s, "virt-sparsify debian12.qcow2 sparse.qcow2").exit).toBe(0);
    expect(sh(s, "virt-cat -a sparse.qcow2 /etc/hostname").stdout).toBe("debian12\n");
    expect(sh(s, "virt-sparsify --in-place debian12.qcow2").stdout).toContain("Sparsify in-place operation completed with no errors");
  });
});

describe("the guest agent (virsh qemu-agent-command)", () => {
  it("answers guest-ping and guest-get-osinfo from the guest's OS, and reports bad JSON", () => {
    const s = session();
    expect(sh(s, `virsh qemu-agent-command web01 '{"execute":"guest-ping"}'`).stdout).toBe('{"return":{}}\n\n');
    expect(sh(s, `virsh qemu-agent-command web01 '{"execute":"guest-get-osinfo"}' --pretty`).stdout).toContain('"pretty-name": "Debian GNU/Linux 12 (bookworm)"');
    expect(sh(s, "virsh qemu-agent-command web01 nonsense").stderr).toBe("error: internal error: cannot parse json nonsense: lexical error: invalid char in json text.\n");
  });
});

describe("diff -u hunks", () => {
  it("prints context, merged hunks and missing final newlines as GNU diff does", () => {
    const base = Array.from({ length: 20 }, (_, i) => `l${i}`).join("\n") + "\n";
    const changed = base.replace("l3\n", "L3\n").replace("l5\n", "").replace("l17\n", "l17\nnew\n");
    expect(unifiedHunks(base, changed)).toBe("@@ -1,9 +1,8 @@\n l0\n l1\n l2\n-l3\n+L3\n l4\n-l5\n l6\n l7\n l8\n@@ -16,5 +15,6 @@\n l15\n l16\n l17\n+new\n l18\n l19\n");
    expect(unifiedHunks("a\n", "a")).toBe("@@ -1 +1 @@\n-a\n+a\n\\ No newline at end of file\n");
    expect(unifiedHunks("", "x\n")).toBe("@@ -0,0 +1 @@\n+x\n");
    expect(unifiedHunks("same\n", "same\n")).toBe("");
  });
});

describe("fuzzing", () => {
  const words = ["-a", "debian12.qcow2", "rocky9.qcow2", "nosuch.qcow2", "-d", "web01", "-i", "--ro", "-l", "-h", "-R", "--all", "--long", "--csv", "/", "/etc", "/etc/hostname", "-m", "/dev/sda1", "--hostname", "x", "--operations", "machine-id", "--", "-x", "-A", ":", "cat", "ls"];
  const tools = ["guestfish", "virt-cat", "virt-ls", "virt-df", "virt-filesystems", "virt-inspector", "virt-diff", "virt-customize", "virt-sysprep", "virt-edit"];
  it("never throws on random command lines", () => {
    fc.assert(
      fc.property(fc.constantFrom(...tools), fc.array(fc.constantFrom(...words), { maxLength: 7 }), (t, a) => {
        const r = sh(images(), [t, ...a].join(" "));
        expect(typeof r.exit).toBe("number");
        expect(r.stderr).not.toMatch(/TypeError|is not a function|undefined|\[object/);
      }),
      { numRuns: 200 },
    );
  });
});
