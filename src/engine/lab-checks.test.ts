import { describe, expect, it } from "vitest";
import { probe } from "../app/lab";
import { drillRunner } from "../app/drill";
import { openWorld } from "../app/shell";
import { Check, sizeBytes } from "../content/lab-schema";
import { evaluateCheck, humanSize } from "./lab-checks";

const world = openWorld("lab-kvm").world;
const ctx = { host: "host1", probe };
const check = (c: unknown, w = world) => evaluateCheck(w, Check.parse(c), ctx);

describe("lab checks", () => {
  it("reads domains", () => {
    expect(check({ domain: { name: "web", state: "running" } }).ok).toBe(true);
    const r = check({ domain: { name: "web", autostart: true, vcpus: 2, memory_mib: 2048 } });
    expect(r.ok).toBe(false);
    expect(r.label).toBe("domain web starts at boot, has 2 vCPUs, has 2048 MiB of memory");
    expect(r.problems).toEqual(["autostart should be yes, but is no"]);
    expect(check({ domain: { name: "nope" } }).problems).toEqual(["there is no domain nope"]);
    expect(check({ domain: { name: "db", exists: false } }).problems).toEqual(["domain db still exists"]);
    expect(check({ domain: { name: "web", disks: [{ target: "vda", source: "/var/lib/libvirt/images/web.qcow2", format: "qcow2" }], interfaces: [{ network: "default" }] } }).ok).toBe(true);
    expect(check({ domain: { name: "web", disks: [{ target: "vdb" }] } }).problems).toEqual(["it has no disk vdb (its disks: vda)"]);
  });

  it("reads pools, volumes and networks", () => {
    expect(check({ pool: { name: "backup", active: true } }).problems).toEqual(["active should be yes, but is no"]);
    expect(check({ volume: { pool: "default", name: "web.qcow2", format: "qcow2", capacity: "10G", backing: "/var/lib/libvirt/images/debian12-base.qcow2" } }).ok).toBe(true);
    expect(check({ volume: { pool: "default", name: "scratch.img", format: "qcow2" } }).problems).toEqual(["the volume exists but its format is raw, not qcow2"]);
    expect(check({ volume: { pool: "default", name: "db.qcow2", capacity: "20G" } }).problems).toEqual(["the volume exists but its capacity is 40 GiB, not 20 GiB"]);
    expect(check({ volume: { pool: "backup", name: "x.qcow2" } }).problems).toEqual(["pool backup is not active, so its volumes cannot be listed"]);
    expect(check({ network: { name: "isolated", active: true, autostart: true } }).problems).toEqual(["active should be yes, but is no", "autostart should be yes, but is no"]);
    expect(check({ network: { name: "default", forward: "nat", bridge: "virbr0", ip: "192.168.122.1" } }).ok).toBe(true);
  });

  it("reads images and their chains", () => {
    const r = check({ image: { path: "/var/lib/libvirt/images/web.qcow2", format: "qcow2", virtual_size: 10 * 1024 ** 3, chain: ["/var/lib/libvirt/images/debian12-base.qcow2"] } });
    expect(r.problems).toEqual([]);
    expect(check({ image: { path: "/var/lib/libvirt/images/db.qcow2", backing_file: "base.qcow2" } }).problems).toEqual(["it has no backing file"]);
    expect(check({ image: { path: "/nope.qcow2" } }).problems).toEqual(["/nope.qcow2 does not exist"]);
  });

  it("reads files, and probes with a command without changing the world", () => {
    expect(check({ file: { path: "/root/xml/app.xml", contains: "<name>app</name>" } }).ok).toBe(true);
    expect(check({ file: { path: "/root/xml/app.xml", contains: "<name>web</name>" } }).problems).toEqual(['/root/xml/app.xml does not contain "<name>web</name>"']);
    const r = check({ command: { run: "virsh start db && virsh domstate db", describe: "db can start", stdout_contains: "running" } });
    expect(r.ok).toBe(true);
    expect(check({ domain: { name: "db", state: "shut off" } }).ok).toBe(true);
  });

  it("sees changes made in the shell", () => {
    const after = drillRunner(world, "virsh autostart web\nvirsh setvcpus db 3 --config").world;
    expect(check({ domain: { name: "web", autostart: true } }, after).ok).toBe(true);
    expect(check({ domain: { name: "db", vcpus: 3, max_vcpus: 4 } }, after).ok).toBe(true);
  });

  it("reads sizes in binary units", () => {
    expect(sizeBytes("20G")).toBe(20 * 1024 ** 3);
    expect(sizeBytes("512MiB")).toBe(512 * 1024 ** 2);
    expect(sizeBytes(4096)).toBe(4096);
    expect(humanSize(1.5 * 1024 ** 3)).toBe("1.50 GiB");
    expect(humanSize(123)).toBe("123 bytes");
  });

  it("reads Xen guests", () => {
    const xen = openWorld("lab-xen").world;
    const x = (c: unknown, w = xen) => evaluateCheck(w, Check.parse(c), { host: "xen1", probe });
    expect(x({ xen_domain: { name: "debian", state: "running", type: "pv", memory_mib: 1024, vcpus: 2, max_vcpus: 4, disks: ["xvda", "xvdb"], disk_targets: ["/dev/vg0/debian-disk"], nics: 1 } }).problems).toEqual([]);
    expect(x({ xen_domain: { name: "debian", memory_mib: 1536 } }).problems).toEqual(["its memory is 1024 MiB, not 1536 MiB"]);
    expect(x({ xen_domain: { name: "web" } }).problems).toEqual(["there is no Xen guest web on xen1"]);
    const after = drillRunner(xen, "xl mem-set debian 1536\nxl migrate centos xen2").world;
    expect(x({ xen_domain: { name: "debian", memory_mib: 1536 } }, after).ok).toBe(true);
    expect(x({ xen_domain: { name: "centos", host: "xen2", state: "running" } }, after).ok).toBe(true);
    expect(x({ xen_domain: { name: "centos", exists: false } }, after).ok).toBe(true);
  });

  it("reads QEMU processes started by hand", () => {
    const w = drillRunner(world, "qemu-system-x86_64 -enable-kvm -name lab1 -m 1G -smp 2 -drive file=/var/lib/libvirt/images/data.qcow2,format=qcow2,if=virtio,snapshot=on -netdev user,id=n0,hostfwd=tcp::2222-:22 -device virtio-net-pci,netdev=n0 -vnc :1 -daemonize").world;
    expect(check({ qemu_vm: { name: "lab1", status: "running", accel: "kvm", memory_mib: 1024, cpus: 2, drives: ["/var/lib/libvirt/images/data.qcow2"], vnc_display: 1, hostfwd: ["tcp:2222:22"], snapshot_mode: true } }, w).problems).toEqual([]);
    expect(check({ qemu_vm: { name: "lab1", memory_mib: 2048, vnc_display: 2, hostfwd: ["tcp:8080:80"] } }, w).problems).toEqual([
      "its memory is 1024 MiB, not 2048 MiB",
      "its VNC display is :1",
      "it does not forward tcp port 8080 to the guest's port 80 (it forwards tcp:2222:22)",
    ]);
    expect(check({ qemu_vm: { name: "lab1" } }).problems).toEqual(["no QEMU process named lab1 runs on host1"]);
  });

  it("never throws on a check it cannot evaluate", () => {
    expect(check({ domain: { name: "web", uri: "qemu+ssh://nowhere/system" } }).ok).toBe(false);
    expect(evaluateCheck(world, Check.parse({ command: { run: "true", describe: "x" } }), { host: "host1" }).problems).toEqual(["(this check needs the simulator to run a command)"]);
  });
});
