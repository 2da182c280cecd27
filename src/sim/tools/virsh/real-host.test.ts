// The learner's path on the kvm fixture (qemu:///system on host1, host2 as migration target): define, start,
// snapshot, migrate and undefine a domain, manage pools, volumes and networks; libvirt's files kept in step.
import { describe, expect, it } from "vitest";
import { script, session, sh } from "../../../../test/helpers/sim";
import { virshTool } from "./main";
import type { EditOutcome, ToolContext } from "../../shell/tool";
import { openWorld } from "../../../app/shell";

const DOMAIN_XML = `cat > lab01.xml <<XML
<domain type='kvm'>
  <name>lab01</name>
  <memory unit='MiB'>1024</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/lab01.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='network'><source network='default'/><model type='virtio'/></interface>
  </devices>
</domain>
XML`;

describe("virsh on a real KVM host (kvm fixture)", () => {
  it("defines, starts, snapshots, migrates and undefines a domain", () => {
    const s = session("kvm");
    expect(sh(s, "virsh vol-create-as default lab01.qcow2 8G --format qcow2").stdout).toBe("Vol lab01.qcow2 created\n\n");
    s.run(DOMAIN_XML);
    expect(sh(s, "virsh define lab01.xml").stdout).toBe("Domain 'lab01' defined from lab01.xml\n\n");
    expect(sh(s, "cat /etc/libvirt/qemu/lab01.xml").stdout).toContain("virsh edit lab01");
    expect(sh(s, "virsh dumpxml lab01 --xpath //emulator").stdout).toBe("<emulator>/usr/bin/qemu-system-x86_64</emulator>\n\n");
    expect(sh(s, "virsh dumpxml lab01 --xpath //type").stdout).toBe(`<type arch="x86_64" machine="pc-q35-7.2">hvm</type>\n\n`);
    expect(sh(s, "virsh start lab01").stdout).toBe("Domain 'lab01' started\n\n");
    const info = sh(s, "virsh dominfo lab01").stdout;
    expect(info).toContain("OS Type:        hvm\n");
    expect(info).toMatch(/Security model: apparmor\nSecurity DOI:   0\nSecurity label: libvirt-[0-9a-f-]{36} \(enforcing\)\n/);
    expect(sh(s, "virsh domiflist lab01").stdout).toMatch(/ vnet\d+ +network +default +virtio /);
    expect(sh(s, "ls /var/log/libvirt/qemu").stdout).toContain("lab01.log");
    expect(sh(s, "virsh snapshot-create-as lab01 clean --description fresh").stdout).toBe("Domain snapshot clean created\n");
    expect(sh(s, "qemu-img snapshot -l -U /var/lib/libvirt/images/lab01.qcow2").stdout).toContain("clean");
    // local disks are not on host2: plain migration fails, --copy-storage-all copies them
    const bad = sh(s, "virsh migrate --live lab01 qemu+ssh://host2/system");
    expect(bad.exit).toBe(1);
    expect(bad.stderr).toContain("lab01.qcow2");
    const ok = sh(s, "virsh migrate --live --persistent --undefinesource --copy-storage-all lab01 qemu+ssh://host2/system");
    expect(ok).toEqual({ stdout: "\n", stderr: "", exit: 0 });
    expect(sh(s, "virsh list --all --name").stdout).not.toContain("lab01");
    expect(sh(s, "virsh -c qemu+ssh://host2/system domstate lab01 --reason").stdout).toBe("running (migrated)\n\n");
    expect(sh(s, "ssh host2 ls /etc/libvirt/qemu").stdout).toContain("lab01.xml");
    expect(sh(s, "virsh -c qemu+ssh://host2/system destroy lab01").exit).toBe(0);
    expect(sh(s, "virsh -c qemu+ssh://host2/system undefine lab01").stdout).toBe("Domain 'lab01' has been undefined\n\n");
    expect(sh(s, "virsh -c qemu+ssh://host2/system list --all --name").stdout).not.toContain("lab01");
  });

  it("live-migrates a guest on shared storage", () => {
    const r = script("virsh migrate --live app01 qemu+ssh://host2/system --verbose\nvirsh list --all --name\nvirsh -c qemu+ssh://host2/system list --name");
    expect(r[0]!.stderr).toBe("\rMigration: [100 %]");
    expect(r[1]!.stdout).toContain("app01");
    expect(r[2]!.stdout).toBe("app01\n\n");
  });

  it("behaves as a real host where the test driver does not", () => {
    const r = script(
      [
        "virsh shutdown win10",
        "virsh net-destroy isolated",
        "virsh net-destroy isolated",
        "virsh attach-disk web01 /var/lib/libvirt/images/debian12-base.qcow2 vdb --subdriver qcow2 --persistent",
        "virsh domblklist web01",
        "virsh version",
        "virsh uri",
        "virsh undefine db01 --remove-all-storage",
        "virsh destroy db01",
        "virsh undefine db01 --remove-all-storage",
        "ls /var/lib/libvirt/images",
      ].join("\n"),
    );
    expect(r[0]!.stderr).toBe("error: Failed to shutdown domain 'win10'\nerror: Requested operation is not valid: domain is not running\n");
    expect(r[1]!.stdout).toBe("Network isolated destroyed\n\n");
    expect(r[2]!.stderr).toBe("error: Failed to destroy network isolated\nerror: Requested operation is not valid: network 'isolated' is not active\n");
    expect(r[3]!.stdout).toBe("Disk attached successfully\n\n");
    expect(r[4]!.stdout).toContain(" vdb      /var/lib/libvirt/images/debian12-base.qcow2\n");
    expect(r[5]!.stdout).toBe("Compiled against library: libvirt 9.0.0\nUsing library: libvirt 9.0.0\nUsing API: QEMU 9.0.0\nRunning hypervisor: QEMU 7.2.0\n\n");
    expect(r[6]!.stdout).toBe("qemu:///system\n\n");
    expect(r[7]!.stderr).toBe("error: Storage volume deletion is supported only on stopped domains\n");
    expect(r[9]!.stdout).toBe("Domain 'db01' has been undefined\nVolume 'vda'(/var/lib/libvirt/images/db01.qcow2) removed.\nVolume 'vdb'(/var/lib/libvirt/images/db01-data.raw) removed.\n\n");
    expect(r[10]!.stdout).not.toContain("db01");
  });

  it("keeps pools and networks in /etc/libvirt", () => {
    const r = script(
      [
        "virsh pool-define-as backup dir --target /srv/backup",
        "virsh pool-build backup",
        "virsh pool-start backup",
        "virsh pool-autostart backup",
        "virsh vol-create-as backup b1.raw 1G",
        "ls /srv/backup /etc/libvirt/storage/autostart",
        "qemu-img create -f qcow2 /srv/backup/outside.qcow2 1G",
        "virsh vol-list backup",
        "virsh pool-refresh backup",
        "virsh vol-list backup",
        "virsh net-autostart isolated",
        "ls -l /etc/libvirt/qemu/networks/autostart",
      ].join("\n"),
    );
    expect(r[5]!.stdout).toBe("/srv/backup:\nb1.raw\n\n/etc/libvirt/storage/autostart:\nbackup.xml\ndefault.xml\nisos.xml\nshared.xml\n");
    expect(r[7]!.stdout).not.toContain("outside.qcow2");
    expect(r[9]!.stdout).toContain(" outside.qcow2   /srv/backup/outside.qcow2\n");
    expect(r[11]!.stdout).toContain("isolated.xml -> /etc/libvirt/qemu/networks/isolated.xml\n");
  });

  it("completes commands, options and live object names", () => {
    const world = openWorld("kvm").world;
    const ctx: ToolContext = { world, host: "host1", cwd: "/root", env: {}, user: "root", stdin: null, tty: true, argv0: "virsh" };
    expect(virshTool.complete!(ctx, [], "snapshot-cr")).toEqual(["snapshot-create", "snapshot-create-as"]);
    expect(virshTool.complete!(ctx, ["start"], "w")).toEqual(["web01", "win10"]);
    expect(virshTool.complete!(ctx, ["vol-info", "--pool"], "")).toEqual(["default", "isos", "shared"]);
    expect(virshTool.complete!(ctx, ["vol-info", "--pool", "isos"], "d")).toEqual(["debian-12.8.0-amd64-netinst.iso"]);
    expect(virshTool.complete!(ctx, ["dominfo"], "--d")).toEqual(["--domain"]);
    expect(virshTool.complete!(ctx, ["net-start"], "")).toEqual(["default", "isolated"]);
    expect(virshTool.complete!(ctx, ["snapshot-revert", "web01"], "")).toContain("nginx-ok");
  });
});

describe("virsh's interactive shell", () => {
  it("reads commands after `virsh` alone, with the real prompt", () => {
    const r = script("virsh\nlist --name\nbogus\nquit", "kvm");
    expect(r).toHaveLength(1);
    expect(r[0]!.stdout).toBe(
      "Welcome to virsh, the virtualization interactive terminal.\n\nType:  'help' for help with commands\n       'quit' to quit\n\nvirsh # list --name\nweb01\ndb01\napp01\ntest01\n\nvirsh # bogus\nvirsh # quit\n\n",
    );
    expect(r[0]!.stderr).toBe("error: unknown command: 'bogus'\n");
  });
});

describe("virsh edit", () => {
  const edited = (f: (t: string) => string) => (text: string): EditOutcome => ({ kind: "edited", text: f(text) });
  it("opens the editor on the XML and defines what comes back", () => {
    const s = session("kvm", { editor: edited((text) => text.replace("<memory unit='KiB'>8388608</memory>", "<memory unit='KiB'>4194304</memory>").replace("<currentMemory unit='KiB'>8388608</currentMemory>", "<currentMemory unit='KiB'>4194304</currentMemory>")) });
    expect(sh(s, "virsh edit win10").stdout).toBe("Domain 'win10' XML configuration edited.\n\n");
    expect(sh(s, "virsh dominfo win10").stdout).toContain("Max memory:     4194304 KiB\n");
    const s2 = session("kvm", { editor: edited((text) => text) });
    expect(sh(s2, "virsh net-edit default").stdout).toBe("Network default XML configuration not changed.\n\n");
    // refused XML at a terminal: libvirt's error, then the Try again? prompt (answered as n)
    const s3 = session("kvm", { tty: true, editor: edited((text) => text.replace("</name>", "")) });
    const bad = sh(s3, "virsh edit win10");
    expect(bad.exit).toBe(1);
    expect(bad.stderr).toContain("Opening and ending tag mismatch");
    expect(bad.stdout).toContain("Failed. Try again? [y,n,i,f,?]: ");
    expect(sh(s3, "virsh net-edit default").stdout).not.toContain("[y,n,i,f,?]");
    // without a terminal virsh 9.0 (measured) says Failed. and carries on, naming a null domain
    const s4 = session("kvm", { editor: edited((text) => text.replace("</name>", "")) });
    expect(sh(s4, "virsh edit win10")).toEqual({ stdout: "Domain '(null)' XML configuration edited.\n\n", stderr: "error: Failed.\n", exit: 0 });
    expect(sh(s4, "virsh dominfo win10").stdout).toContain("Max memory:     8388608 KiB\n");
    const s5 = session("kvm", { editor: edited((text) => text.replace("</network>", "")) });
    expect(sh(s5, "virsh net-edit default")).toEqual({ stdout: "Network (null) XML configuration edited.\n\n", stderr: "error: Failed.\n", exit: 0 });
    const s6 = session("kvm", { editor: edited((text) => text.replace("</pool>", "")) });
    expect(sh(s6, "virsh pool-edit default")).toEqual({ stdout: "Pool (null) XML configuration edited.\n\n", stderr: "error: Failed.\n", exit: 0 });
    expect(sh(session("kvm"), "virsh edit win10").stderr).toContain("no $EDITOR");
  });

  // qemu driver: qemuDomainManagedSaveGetXMLDesc/DefineXML refuse a domain without the image file; the new XML goes
  // through qemuSaveImageUpdateDef's ABI check; virsh's texts from cmdManagedSaveEdit (virsh 9.0 binary)
  it("managedsave-edit edits the XML the managed save image restores", () => {
    const s = session("kvm", { editor: edited((t) => t.replace("<on_crash>destroy</on_crash>", "<on_crash>restart</on_crash>")) });
    expect(sh(s, "virsh managedsave-edit web01")).toEqual({ stdout: "\n", stderr: "error: Requested operation is not valid: domain does not have managed save image\n", exit: 1 });
    expect(sh(s, "virsh managedsave-edit nosuch --running --paused").stderr).toBe("error: Options --running and --paused are mutually exclusive\n");
    expect(sh(s, "virsh managedsave web01 --paused").exit).toBe(0);
    expect(sh(s, "virsh -r managedsave-edit web01").stderr).toBe("error: operation forbidden: virDomainManagedSaveGetXMLDesc with secure flag\n");
    expect(sh(s, "virsh managedsave-edit web01")).toEqual({ stdout: "Managed save image of Domain 'web01' XML configuration edited.\n\n", stderr: "", exit: 0 });
    expect(sh(s, "virsh managedsave-dumpxml web01 --xpath //on_crash").stdout).toBe("<on_crash>restart</on_crash>\n\n");
    expect(sh(s, "grep on_crash /var/lib/libvirt/qemu/save/web01.save").stdout).toBe("  <on_crash>restart</on_crash>\n");
    // the persistent definition is untouched; starting restores the image's definition, paused as it was saved
    expect(sh(s, "virsh dumpxml web01 --xpath //on_crash").stdout).toBe("<on_crash>destroy</on_crash>\n\n");
    expect(sh(s, "virsh start web01").stdout).toBe("Domain 'web01' started\n\n");
    expect(sh(s, "virsh domstate web01").stdout).toBe("paused\n\n");
    expect(sh(s, "virsh dumpxml web01 --xpath //on_crash").stdout).toBe("<on_crash>restart</on_crash>\n\n");
    expect(sh(s, "virsh dumpxml web01 --inactive --xpath //on_crash").stdout).toBe("<on_crash>destroy</on_crash>\n\n");
    expect(sh(s, "ls /var/lib/libvirt/qemu/save").stdout).toBe("");

    const same = session("kvm", { editor: edited((t) => t) });
    sh(same, "virsh managedsave web01");
    expect(sh(same, "virsh managedsave-edit web01").stdout).toBe("Managed save image of domain 'web01' XML configuration not changed.\n\n");
    // a renamed guest breaks the saved ABI: refused, and without a terminal virsh says Failed. and carries on
    const renamed = session("kvm", { editor: edited((t) => t.replace("<name>web01</name>", "<name>web02</name>")) });
    sh(renamed, "virsh managedsave web01");
    expect(sh(renamed, "virsh managedsave-edit web01")).toEqual({ stdout: "Managed save image of Domain 'web01' XML configuration edited.\n\n", stderr: "error: Failed.\n", exit: 0 });
    expect(sh(renamed, "virsh managedsave-dumpxml web01 --xpath //name").stdout).toBe("<name>web01</name>\n\n");
    const xml = sh(renamed, "virsh managedsave-dumpxml web01").stdout.replace("<name>web01</name>", "<name>web02</name>");
    renamed.run(`cat > ms.xml <<'XML'\n${xml}XML`);
    expect(sh(renamed, "virsh managedsave-define web01 ms.xml").stderr).toBe("error: Failed to update web01 XML configuration\nerror: unsupported configuration: Target domain name 'web02' does not match source 'web01'\n");
    // the test driver has no managed save XML API
    expect(sh(session("kvm"), "virsh -c test:///default managedsave-edit test").stderr).toBe("error: this function is not supported by the connection driver: virDomainManagedSaveGetXMLDesc\n");
  });

  // measured with virsh 9.0: EDITOR=false, =/nonexistent, ='false --x', =/etc/passwd, =nosuchcmd and an
  // editor script that kills itself with SIGKILL, each `virsh -c test:///default edit test`
  it("reports a failing editor as libvirt's virCommand does", () => {
    const tmp = "/home/u/.lpic3/tmp/virshAb12Cd.xml";
    const run = (outcome: EditOutcome, cmd = "virsh edit win10") => sh(session("kvm", { editor: () => outcome }), cmd);
    let r = run({ kind: "exit", argv: ["false", tmp], status: 1 });
    expect([r.stdout, r.stderr, r.exit]).toEqual(["\n", `error: internal error: Child process (false ${tmp}) unexpected exit status 1\n`, 1]);
    r = run({ kind: "exec-failed", argv: ["/nonexistent", tmp], errno: "ENOENT", message: "No such file or directory" }, "virsh net-edit default");
    expect([r.stdout, r.stderr, r.exit]).toEqual([
      "\n",
      `libvirt:  error : cannot execute binary /nonexistent: No such file or directory\nerror: internal error: Child process (/nonexistent ${tmp}) unexpected exit status 127\n`,
      1,
    ]);
    r = run({ kind: "exec-failed", argv: ["/etc/passwd", tmp], errno: "EACCES", message: "Permission denied" }, "virsh pool-edit default");
    expect(r.stderr).toBe(`libvirt:  error : cannot execute binary /etc/passwd: Permission denied\nerror: internal error: Child process (/etc/passwd ${tmp}) unexpected exit status 126\n`);
    r = run({ kind: "exit", argv: ["sh", "-c", `false --x ${tmp}`], status: 1 });
    expect(r.stderr).toBe(`error: internal error: Child process (sh -c 'false --x ${tmp}') unexpected exit status 1\n`);
    r = run({ kind: "exit", argv: ["sh", "-c", `it's ${tmp}`], status: 2 });
    expect(r.stderr).toBe(`error: internal error: Child process (sh -c 'it'\\''s ${tmp}') unexpected exit status 2\n`);
    r = run({ kind: "signal", argv: ["/tmp/sig.sh", tmp], signal: 9 });
    expect(r.stderr).toBe(`error: internal error: Child process (/tmp/sig.sh ${tmp}) unexpected fatal signal 9\n`);
    r = run({ kind: "not-found", argv: ["nosuchcmd", tmp] });
    expect([r.stdout, r.stderr, r.exit]).toEqual(["\n", "error: Cannot find 'nosuchcmd' in path: No such file or directory\n", 1]);
    // nothing was defined: the domain is as before
    const s = session("kvm", { editor: () => ({ kind: "exit", argv: ["false", tmp], status: 1 }) });
    const before = sh(s, "virsh dumpxml win10").stdout;
    sh(s, "virsh edit win10");
    expect(sh(s, "virsh dumpxml win10").stdout).toBe(before);
  });

  it("hands the editor the environment virsh saw, EDITOR=... on the command line included", () => {
    const seen: (string | undefined)[] = [];
    const s = session("kvm", {
      editor: (content, _suffix, env) => {
        seen.push(env.VISUAL ?? env.EDITOR);
        return { kind: "edited", text: content };
      },
    });
    sh(s, "EDITOR=nano virsh edit win10");
    sh(s, "export EDITOR=vim; virsh net-edit default");
    sh(s, "VISUAL=emacs virsh pool-edit default");
    expect(seen).toEqual(["nano", "vim", "emacs"]);
  });
});

describe("vol-resize of a qcow2 volume (libvirt runs qemu-img resize)", () => {
  const imageOf = (s: ReturnType<typeof session>, path: string) => {
    const n = s.host.fs[path];
    return n && n.kind === "file" ? n.image : undefined;
  };

  it("leaves the same image as qemu-img resize, growing and shrinking", () => {
    const s = session("kvm");
    const dir = "/var/lib/libvirt/images";
    sh(s, "virsh vol-create-as default a.qcow2 8G --format qcow2");
    sh(s, "virsh vol-create-as default b.qcow2 8G --format qcow2");
    expect(sh(s, "virsh vol-resize a.qcow2 10G --pool default").stdout).toBe("Size of volume 'a.qcow2' successfully changed to 10G\n\n");
    expect(sh(s, `qemu-img resize ${dir}/b.qcow2 10G`).stdout).toBe("Image resized.\n");
    // the L1 table, refcounts, file length and allocation all come from the one transition
    expect(imageOf(s, `${dir}/a.qcow2`)).toEqual(imageOf(s, `${dir}/b.qcow2`));
    expect(sh(s, `qemu-img info ${dir}/a.qcow2`).stdout).toContain("virtual size: 10 GiB (10737418240 bytes)\n");
    expect(sh(s, "virsh vol-info a.qcow2 --pool default").stdout).toContain("Capacity:       10.00 GiB\n");
    expect(sh(s, "virsh vol-resize a.qcow2 4G --pool default --shrink").exit).toBe(0);
    expect(sh(s, `qemu-img resize --shrink ${dir}/b.qcow2 4G`).exit).toBe(0);
    expect(imageOf(s, `${dir}/a.qcow2`)).toEqual(imageOf(s, `${dir}/b.qcow2`));
    expect(sh(s, `qemu-img check ${dir}/a.qcow2`).stdout).toBe(sh(s, `qemu-img check ${dir}/b.qcow2`).stdout.replace(/b\.qcow2/g, "a.qcow2"));
  });

  it("cannot resize the disk of a running guest: qemu-img finds the image locked", () => {
    const s = session("kvm");
    const r = sh(s, "virsh vol-resize web01.qcow2 30G --pool default");
    expect(r.exit).toBe(1);
    expect(r.stderr).toContain("unexpected exit status 1: qemu-img: Could not open '/var/lib/libvirt/images/web01.qcow2': Failed to get \"write\" lock\n");
    expect(sh(s, "virsh vol-resize web01.qcow2 30G --pool default --allocate").stderr).toContain("error: Operation not supported: preallocate is only supported for raw type volume\n");
  });

  it("reports qemu-img's refusal as libvirt's failed child process", () => {
    const s = session("kvm");
    sh(s, "virsh vol-create-as default c.qcow2 1G --format qcow2");
    const r = sh(s, "virsh vol-resize c.qcow2 1073742000 --pool default");
    expect(r.exit).toBe(1);
    expect(r.stderr).toBe(
      "error: Failed to change size of volume 'c.qcow2' to 1073742000\n" +
        "error: internal error: Child process (/usr/bin/qemu-img resize /var/lib/libvirt/images/c.qcow2 1073742000) unexpected exit status 1: qemu-img: The new size must be a multiple of 512\n\n",
    );
  });
});

describe("volumes re-read from their files (virStorageBackendVolRefreshLocal)", () => {
  it("vol-info, vol-dumpxml and vol-list --details show a plain qemu-img resize without a pool refresh", () => {
    const s = session("kvm");
    expect(sh(s, "virsh vol-create-as default grow.qcow2 1G --format qcow2").exit).toBe(0);
    const path = "/var/lib/libvirt/images/grow.qcow2";
    const poolBefore = sh(s, "virsh pool-info default").stdout;
    expect(sh(s, `qemu-img resize ${path} +1G`)).toEqual({ stdout: "Image resized.\n", stderr: "", exit: 0 });
    expect(sh(s, "virsh vol-info --pool default grow.qcow2").stdout).toContain("Capacity:       2.00 GiB\n");
    expect(sh(s, `virsh vol-info --bytes ${path}`).stdout).toContain("Capacity:       2147483648 bytes\n");
    expect(sh(s, "virsh vol-dumpxml --pool default grow.qcow2").stdout).toContain("<capacity unit='bytes'>2147483648</capacity>\n");
    expect(sh(s, `qemu-img resize --shrink ${path} 512M`).exit).toBe(0);
    expect(sh(s, "virsh vol-list default --details").stdout).toMatch(/ grow\.qcow2 +\/var\/lib\/libvirt\/images\/grow\.qcow2 +file +512\.00 MiB /);
    const alloc = (s.host.fs[path] as { image?: { allocated: number } }).image!.allocated;
    expect(sh(s, `virsh vol-dumpxml ${path}`).stdout).toContain(`<allocation unit='bytes'>${alloc}</allocation>\n`);
    // the pool's totals wait for pool-refresh, as libvirt's do
    expect(sh(s, "virsh pool-info default").stdout).toBe(poolBefore);
  });
});

describe("domblkstat on a QEMU host", () => {
  it("lists QEMU's counters (flushes and total times, no error count) in virsh's order", () => {
    const out = sh(session("kvm"), "virsh domblkstat web01 vda").stdout;
    expect(out.split("\n").filter(Boolean).map((l) => l.split(" ")[1])).toEqual(["rd_req", "rd_bytes", "wr_req", "wr_bytes", "flush_operations", "rd_total_times", "wr_total_times", "flush_total_times"]);
    const n = Object.fromEntries(out.split("\n").filter(Boolean).map((l) => [l.split(" ")[1], Number(l.split(" ")[2])]));
    expect(n.rd_bytes).toBeGreaterThan(n.rd_req!);
    const human = sh(session("kvm"), "virsh domblkstat web01 vda --human").stdout;
    expect(human).toMatch(/^Device: vda\n number of read operations: {6}\d+\n/);
    expect(human).toMatch(/\n total duration of flushes \(ns\): \d+\n/);
    expect(human).not.toContain("error count");
  });
});
