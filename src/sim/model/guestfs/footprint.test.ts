// An installed guest's footprint told the same way by every tool: qemu-img info, virsh vol-info/vol-list/
// pool-info, virt-df; the fixture's allocation_gib honoured with deleted files' data that virt-sparsify
// reclaims; a fixture asking for less than its guest takes is refused.
import { describe, expect, it } from "vitest";
import { session, sh } from "../../../../test/helpers/sim";
import { loadYamlFixture } from "../../fixtures/load";

const IMG = "/var/lib/libvirt/images/debian12-base.qcow2";
const GiB = 2 ** 30;
/** "disk size: 1.6 GiB" → bytes */
const diskSize = (info: string) => {
  const m = /^disk size: ([\d.]+) (KiB|MiB|GiB)$/m.exec(info)!;
  return Number(m[1]) * { KiB: 2 ** 10, MiB: 2 ** 20, GiB }[m[2] as "KiB" | "MiB" | "GiB"];
};

describe("guest image footprint (kvm fixture)", () => {
  it("qemu-img info, vol-info, vol-list --details, pool-info and virt-df agree on debian12-base.qcow2", () => {
    const s = session();
    const info = sh(s, `qemu-img info --output=json ${IMG}`);
    const actual = JSON.parse(info.stdout)["actual-size"] as number;
    // allocation_gib: 1.6 in kvm.yaml, of which the installed Debian 12 takes 1.25 GiB on /
    expect(actual / GiB).toBeCloseTo(1.6, 2);
    expect(sh(s, `virsh vol-info --bytes ${IMG}`).stdout).toContain(`Allocation:     ${actual} bytes`);
    expect(sh(s, "virsh vol-list default --details").stdout).toMatch(/debian12-base\.qcow2 .* 10\.00 GiB +1\.60 GiB/);
    const df = sh(s, `virt-df -a ${IMG}`).stdout;
    const used = Number(/debian12-base\.qcow2:\/dev\/sda1 +\d+ +(\d+)/.exec(df)![1]) * 1024;
    expect(used / GiB).toBeGreaterThan(1.2);
    expect(used / GiB).toBeLessThan(1.4);
    expect(used).toBeLessThan(actual);
    expect(sh(s, `virt-df -h -a ${IMG}`).stdout).toMatch(/sda1 +3\.9G +1\.3G +2\.4G +33%/);
    // the pool's allocation is the sum of its volumes, as a refresh finds them
    const vols = sh(s, "virsh vol-list default").stdout.split("\n").slice(2).filter(Boolean).map((l) => l.trim().split(/\s+/)[1]!);
    const sum = vols.reduce((a, p) => a + Number(/Allocation: +(\d+) bytes/.exec(sh(s, `virsh vol-info --bytes ${p}`).stdout)![1]), 0);
    expect(sh(s, "virsh pool-info --bytes default").stdout).toContain(`Allocation:     ${sum}`);
  });

  it("guest-less volumes get their allocation_gib as plain data", () => {
    const s = session();
    expect(diskSize(sh(s, "qemu-img info -U /var/lib/libvirt/images/db01-data.raw").stdout)).toBe(18 * GiB);
    expect(sh(s, "qemu-img info /var/lib/libvirt/images/win10.qcow2").stdout).toContain("disk size: 21.5 GiB");
    expect(sh(s, "virsh vol-list default --details").stdout).toMatch(/win10\.qcow2 .* 64\.00 GiB +21\.50 GiB/);
  });

  it("Rocky 9: /boot and the root LV hold the installed system", () => {
    const df = sh(session(), "virt-df -h -a /var/lib/libvirt/images/db01.qcow2").stdout;
    expect(df).toMatch(/db01\.qcow2:\/dev\/sda1 +960M +190M +770M +20%/);
    expect(df).toMatch(/db01\.qcow2:\/dev\/rl\/root +2\.3G +1\.6G/);
  });

  it("a convert to raw and back keeps the allocation; measure agrees", () => {
    const s = session();
    const before = diskSize(sh(s, `qemu-img info ${IMG}`).stdout);
    expect(sh(s, `qemu-img convert -O raw ${IMG} /tmp/d.raw`).exit).toBe(0);
    const raw = diskSize(sh(s, "qemu-img info /tmp/d.raw").stdout);
    expect(sh(s, "qemu-img convert -O qcow2 /tmp/d.raw /tmp/d.qcow2").exit).toBe(0);
    const back = diskSize(sh(s, "qemu-img info /tmp/d.qcow2").stdout);
    expect(Math.abs(raw - before) / before).toBeLessThan(0.02);
    expect(Math.abs(back - before) / before).toBeLessThan(0.02);
    const need = Number(/^required size: (\d+)$/m.exec(sh(s, `qemu-img measure -O qcow2 ${IMG}`).stdout)![1]);
    expect(Math.abs(need - before) / before).toBeLessThan(0.02);
  });

  it("virt-sparsify drops the deleted files' data, in a copy and in place", () => {
    const s = session();
    expect(sh(s, `virt-sparsify ${IMG} /tmp/sp.qcow2`).exit).toBe(0);
    const sparse = diskSize(sh(s, "qemu-img info /tmp/sp.qcow2").stdout);
    expect(sparse / GiB).toBeGreaterThan(1.2);
    expect(sparse / GiB).toBeLessThan(1.35);
    expect(sh(s, "virt-df -h -a /tmp/sp.qcow2").stdout).toMatch(/sda1 +3\.9G +1\.3G/);
    const pool0 = sh(s, "virsh pool-info --bytes default").stdout;
    expect(sh(s, `virt-sparsify --in-place ${IMG}`).exit).toBe(0);
    const after = diskSize(sh(s, `qemu-img info ${IMG}`).stdout);
    expect(after).toBeCloseTo(sparse, -6);
    expect(sh(s, `virsh vol-info ${IMG}`).stdout).toMatch(/Allocation: +1\.2\d GiB/);
    // the pool's totals wait for a refresh
    expect(sh(s, "virsh pool-info --bytes default").stdout).toBe(pool0);
    sh(s, "virsh pool-refresh default");
    expect(sh(s, "virsh pool-info --bytes default").stdout).not.toBe(pool0);
  });

  it("content check: an allocation_gib below what the guest takes is reported", () => {
    const yaml = `id: t\ntitle: t\nclock: "2026-01-15T09:00:00Z"\nhosts:\n  - name: h\n    hostname: h.example\n    memory_mib: 4096\n    cpu: { cores: 2 }\n    libvirt:\n      pools:\n        - name: default\n          path: /var/lib/libvirt/images\n          volumes:\n            - { name: a.qcow2, capacity_gib: 10, allocation_gib: 0.5 }\n    guests:\n      /var/lib/libvirt/images/a.qcow2: debian12\n`;
    const r = loadYamlFixture(yaml, "t.yaml");
    expect(r.issues.map((i) => `${i.field}: ${i.message}`)).toEqual([expect.stringMatching(/^hosts\[0\]\.libvirt\.pools\[0\]\.volumes\[0\]\.allocation_gib: 0\.5 GiB is less than the guest operating system in \/var\/lib\/libvirt\/images\/a\.qcow2 takes: at least 1\.\d\d$/)]);
  });
});
