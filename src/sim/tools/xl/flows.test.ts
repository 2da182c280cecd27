// End-to-end behaviour of the Xen host through the lab shell: one model behind xl, virsh, xentop and
// XenStore; time-driven shutdowns; the console; migration; users without root.
import { describe, expect, it } from "vitest";
import { script, session, sh } from "../../../../test/helpers/sim";

const names = (listOut: string) =>
  listOut
    .split("\n")
    .slice(1)
    .filter(Boolean)
    .map((l) => l.split(/\s+/)[0]);

describe("Xen host flows", () => {
  it("shows the same guests to xl and to virsh -c xen:///system, and virsh changes reach xl", () => {
    const s = session("xen");
    const xl = names(sh(s, "xl list").stdout);
    const virsh = sh(s, "virsh -c xen:///system list").stdout.split("\n").slice(2).filter(Boolean).map((l) => l.trim().split(/\s+/)[1]);
    expect(virsh).toEqual(xl);
    expect(sh(s, "virsh -c xen:///system suspend debian").exit).toBe(0);
    expect(sh(s, "xl list debian").stdout).toMatch(/debian\s+1\s+1024\s+2\s+--p---/);
    sh(s, "xl unpause debian");
    expect(sh(s, "virsh -c xen:///system domstate debian").stdout).toBe("running\n\n");
    sh(s, "virsh -c xen:///system destroy centos");
    expect(names(sh(s, "xl list").stdout)).toEqual(["Domain-0", "debian"]);
  });

  it("lets a shutdown take a moment, then applies on_poweroff and logs it", () => {
    const s = session("xen");
    expect(sh(s, "xl shutdown debian").stderr).toBe("Shutting down domain 1\n");
    expect(names(sh(s, "xl list").stdout)).toContain("debian");
    sh(s, "sleep 5");
    expect(names(sh(s, "xl list").stdout)).not.toContain("debian");
    expect(sh(s, "tail -2 /var/log/xen/xl-debian.log").stdout).toBe("Domain 1 needs to be cleaned up: destroying the domain\nDone. Exiting now\n");
  });

  it("gives a rebooted guest a new domain id (ids are never reused)", () => {
    const s = session("xen");
    sh(s, "xl reboot debian");
    sh(s, "sleep 6");
    expect(sh(s, "xl domid debian").stdout).toBe("3\n");
    sh(s, "xl create /etc/xen/pvh1.cfg");
    expect(sh(s, "xl domid pvh1").stdout).toBe("4\n");
  });

  it("keeps XenStore in step: writes reach the guest's balloon and shutdown watches", () => {
    const s = session("xen");
    expect(sh(s, "xenstore-read /local/domain/1/memory/target").stdout).toBe("1048576\n");
    sh(s, "xl mem-set debian 512m");
    const vm = sh(s, "xenstore-read /local/domain/1/vm").stdout.trim();
    expect(sh(s, `xenstore-read /local/domain/1/memory/target ${vm}/memory`).stdout).toBe("524288\n512\n");
    sh(s, "xenstore-write /local/domain/1/memory/target 786432");
    expect(sh(s, "xl list debian").stdout).toMatch(/debian\s+1\s+768\s/);
    sh(s, "xenstore-write /local/domain/1/control/shutdown poweroff");
    sh(s, "sleep 5");
    expect(sh(s, "xenstore-ls /local/domain/1").exit).toBe(1);
  });

  it("runs the console: login, a command, Ctrl-] back to the shell", () => {
    const [e] = script("xl console debian\n\nroot\nx\nhostname\n\x1d\n", "xen");
    expect(e!.stdout).toContain("debian login: root\nPassword: \n");
    expect(e!.stdout).toContain("root@debian:~# hostname\ndebian\n");
    expect(e!.exit).toBe(0);
  });

  it("runs xentop interactively until q, and xl top is xentop", () => {
    const [e] = script("xentop\nn\nq\n", "xen");
    expect(e!.stdout).toMatch(/^xentop - \d\d:\d\d:\d\d   Xen 4\.17\.7\n3 domains: 1 running, 2 blocked, 0 paused, 0 crashed, 0 dying, 0 shutdown \n/);
    expect(e!.stdout).toContain("Net0 RX:");
    const [t] = script("xl top\nq\n", "xen");
    expect(t!.stdout).toContain("      NAME  STATE   CPU(sec)");
  });

  it("migrates a guest to xen2 and refuses when the target lacks the disk", () => {
    const s = session("xen");
    expect(sh(s, "xl migrate debian xen2").exit).toBe(0);
    expect(names(sh(s, "ssh xen2 xl list").stdout)).toEqual(["Domain-0", "debian"]);
    sh(s, "ssh xen2 rm /srv/xen/debian-data.img");
    const back = sh(s, "ssh xen2 xl migrate debian xen1");
    expect(back.exit).toBe(0);
    sh(s, "rm /srv/xen/debian-data.img");
    const again = sh(s, "xl migrate debian xen2");
    expect(again.exit).toBe(1);
    expect(again.stderr).toContain("Disk vdev=xvdb failed to stat: /srv/xen/debian-data.img: No such file or directory");
    expect(again.stderr).toContain("Migration failed, resuming at sender.\n");
    expect(names(sh(s, "xl list").stdout)).toContain("debian");
  });

  it("refuses users without root, and is not installed on a KVM host", () => {
    const s = session("xen", {});
    s.state.user = "lab";
    const r = sh(s, "xl list");
    expect(r).toEqual({ stdout: "", stderr: "xencall: error: Could not obtain handle on privileged command interface: Permission denied\nlibxl: error: libxl.c:102:libxl_ctx_alloc: cannot open libxc handle: Permission denied\ncannot init xl context\n", exit: 1 });
    expect(sh(session("kvm"), "xl list")).toEqual({ stdout: "", stderr: "bash: xl: command not found\n", exit: 127 });
    expect(sh(session("xen"), "xm list").exit).toBe(127);
  });

  it("completes the subcommand after xl as Xen's bash-completion does, and file names after it", () => {
    const s = session("xen");
    expect(s.complete("xl vcpu-")).toEqual(["vcpu-list", "vcpu-pin", "vcpu-set"]);
    expect(s.complete("xl cd-")).toEqual(["cd-eject", "cd-insert"]);
    expect(s.complete("xl hel")).toEqual([]);
    expect(s.complete("xl create /etc/xen/xlex")).toEqual(["/etc/xen/xlexample.hvm", "/etc/xen/xlexample.pvhlinux", "/etc/xen/xlexample.pvlinux"]);
  });
});
