// qemu-img convert, commit, rebase and dd carry the guest's files (what virt-cat and guestfish see) with
// the data they copy; run as a script through the shell, as a learner would type it.
import { describe, expect, it } from "vitest";
import { script } from "../../../../test/helpers/sim";

/** Run `lines` in /root/images; the output of each line by its text. */
function run(lines: string[]) {
  const entries = script(["cd /root/images", ...lines].join("\n") + "\n");
  const byCmd = (cmd: string) => {
    const e = entries.find((x) => x.cmd === cmd);
    if (!e) throw new Error(`not run: ${cmd}`);
    return { stdout: e.stdout, stderr: e.stderr, exit: e.exit };
  };
  return byCmd;
}

describe("qemu-img keeps the guest's files with the data", () => {
  it("convert: raw and qcow2 copies show the source's files", () => {
    const out = run([
      "qemu-img convert -O raw debian12.qcow2 disk.raw",
      "qemu-img convert -O qcow2 disk.raw new.qcow2",
      "virt-cat -a disk.raw /etc/hostname",
      "virt-cat -a new.qcow2 /etc/hostname",
      "qemu-img convert -c -O qcow2 new.qcow2 small.qcow2",
      "virt-cat -a small.qcow2 /etc/hostname",
    ]);
    expect(out("qemu-img convert -O raw debian12.qcow2 disk.raw").exit).toBe(0);
    expect(out("virt-cat -a disk.raw /etc/hostname")).toEqual({ stdout: "debian12\n", stderr: "", exit: 0 });
    expect(out("virt-cat -a new.qcow2 /etc/hostname")).toEqual({ stdout: "debian12\n", stderr: "", exit: 0 });
    expect(out("virt-cat -a small.qcow2 /etc/hostname").stdout).toBe("debian12\n");
  });

  it("convert of an overlay flattens what the guest wrote over its backing file", () => {
    const out = run([
      "qemu-img create -f qcow2 -b debian12.qcow2 -F qcow2 top.qcow2",
      "guestfish -a top.qcow2 -i write /etc/motd 'from the overlay'",
      "qemu-img convert -O qcow2 top.qcow2 flat.qcow2",
      "qemu-img info flat.qcow2 --output=json",
      "virt-cat -a flat.qcow2 /etc/motd",
      "virt-cat -a flat.qcow2 /etc/hostname",
      "qemu-img convert -O qcow2 -B debian12.qcow2 -F qcow2 top.qcow2 thin.qcow2",
      "virt-cat -a thin.qcow2 /etc/motd",
    ]);
    expect(out("qemu-img info flat.qcow2 --output=json").stdout).not.toContain("backing-filename");
    expect(out("virt-cat -a flat.qcow2 /etc/motd").stdout).toBe("from the overlay");
    expect(out("virt-cat -a flat.qcow2 /etc/hostname").stdout).toBe("debian12\n");
    expect(out("virt-cat -a thin.qcow2 /etc/motd").stdout).toBe("from the overlay");
  });

  it("convert -l takes the files of the internal snapshot", () => {
    const out = run([
      "qemu-img convert -O qcow2 debian12.qcow2 snap.qcow2",
      "qemu-img snapshot -c before snap.qcow2",
      "guestfish -a snap.qcow2 -i write /etc/hostname changed",
      "virt-cat -a snap.qcow2 /etc/hostname",
      "qemu-img convert -O raw -l before snap.qcow2 old.raw",
      "virt-cat -a old.raw /etc/hostname",
    ]);
    expect(out("virt-cat -a snap.qcow2 /etc/hostname").stdout).toBe("changed");
    expect(out("virt-cat -a old.raw /etc/hostname").stdout).toBe("debian12\n");
  });

  it("commit: the base shows the file the guest wrote in the overlay, and the emptied overlay still does", () => {
    const out = run([
      "qemu-img convert -O qcow2 debian12.qcow2 base.qcow2",
      "qemu-img create -f qcow2 -b base.qcow2 -F qcow2 over.qcow2",
      "guestfish -a over.qcow2 -i write /root/note 'kept'",
      "virt-cat -a base.qcow2 /root/note",
      "qemu-img commit over.qcow2",
    ]);
    expect(out("virt-cat -a base.qcow2 /root/note").exit).toBe(1);
    expect(out("qemu-img commit over.qcow2").stdout).toBe("Image committed.\n");
    const after = run([
      "qemu-img convert -O qcow2 debian12.qcow2 base.qcow2",
      "qemu-img create -f qcow2 -b base.qcow2 -F qcow2 over.qcow2",
      "guestfish -a over.qcow2 -i write /root/note 'kept'",
      "qemu-img commit over.qcow2",
      "virt-cat -a base.qcow2 /root/note",
      "virt-cat -a over.qcow2 /root/note",
    ]);
    expect(after("virt-cat -a base.qcow2 /root/note")).toEqual({ stdout: "kept", stderr: "", exit: 0 });
    expect(after("virt-cat -a over.qcow2 /root/note").stdout).toBe("kept");
  });

  it("commit -b into a deeper base takes the files of every layer above it", () => {
    const out = run([
      "qemu-img convert -O qcow2 debian12.qcow2 b0.qcow2",
      "qemu-img create -f qcow2 -b b0.qcow2 -F qcow2 b1.qcow2",
      "guestfish -a b1.qcow2 -i write /root/one '1'",
      "qemu-img create -f qcow2 -b b1.qcow2 -F qcow2 b2.qcow2",
      "guestfish -a b2.qcow2 -i write /root/two '2'",
      "qemu-img commit -b b0.qcow2 b2.qcow2",
      "virt-cat -a b0.qcow2 /root/one",
      "virt-cat -a b0.qcow2 /root/two",
    ]);
    expect(out("qemu-img commit -b b0.qcow2 b2.qcow2").exit).toBe(0);
    expect(out("virt-cat -a b0.qcow2 /root/one").stdout).toBe("1");
    expect(out("virt-cat -a b0.qcow2 /root/two").stdout).toBe("2");
  });

  it("a safe rebase keeps what the guest sees; an unsafe one shows the new backing file's files", () => {
    const out = run([
      "qemu-img create -f qcow2 blank.qcow2 10G",
      "qemu-img create -f qcow2 -b debian12.qcow2 -F qcow2 r1.qcow2",
      "qemu-img rebase -b blank.qcow2 -F qcow2 r1.qcow2",
      "virt-cat -a r1.qcow2 /etc/hostname",
      "qemu-img create -f qcow2 -b debian12.qcow2 -F qcow2 r2.qcow2",
      "qemu-img rebase -b '' r2.qcow2",
      "virt-cat -a r2.qcow2 /etc/hostname",
      "qemu-img create -f qcow2 -b debian12.qcow2 -F qcow2 r3.qcow2",
      "qemu-img rebase -u -b blank.qcow2 -F qcow2 r3.qcow2",
      "virt-cat -a r3.qcow2 /etc/hostname",
      "qemu-img create -f qcow2 -b blank.qcow2 -F qcow2 r4.qcow2",
      "qemu-img rebase -b debian12.qcow2 -F qcow2 r4.qcow2",
      "virt-filesystems -a r4.qcow2",
    ]);
    expect(out("virt-cat -a r1.qcow2 /etc/hostname").stdout).toBe("debian12\n");
    expect(out("virt-cat -a r2.qcow2 /etc/hostname").stdout).toBe("debian12\n");
    expect(out("virt-cat -a r3.qcow2 /etc/hostname").exit).toBe(1);
    // a blank disk stays blank over a backing file with an operating system
    expect(out("virt-filesystems -a r4.qcow2")).toMatchObject({ stdout: "", exit: 0 });
  });

  it("dd copies the files from the start of the disk", () => {
    const out = run(["qemu-img dd -O qcow2 if=debian12.qcow2 of=dd.qcow2", "virt-cat -a dd.qcow2 /etc/hostname"]);
    expect(out("virt-cat -a dd.qcow2 /etc/hostname").stdout).toBe("debian12\n");
  });
});
