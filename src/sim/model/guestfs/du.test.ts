// guestfish du counts the installed system's payload where the template puts it, so du / agrees with df-h
// and statvfs; subdirectories get their share; du crosses into filesystems mounted below the path.
import { describe, expect, it } from "vitest";
import { session, sh } from "../../../../test/helpers/sim";
import templates from "./templates.json";
import { duBlocks, payloadBlocks } from "./statfs";
import type { GuestFs } from "./disk";

const DEB = "/var/lib/libvirt/images/debian12-base.qcow2";
const ROCKY = "/var/lib/libvirt/images/db01.qcow2";
const gf = (img: string, cmds: string) => sh(session(), `guestfish --ro -a ${img} -i ${cmds}`);
/** "1.3G" → KiB */
const human = (v: string) => Number(v.slice(0, -1)) * { K: 1, M: 2 ** 10, G: 2 ** 20 }[v.slice(-1) as "K" | "M" | "G"];

describe("guestfish du and the installed payload", () => {
  it("Debian 12: du / matches df-h's and df's used figure, statvfs's blocks", () => {
    const r = gf(DEB, "du / : df-h : df : statvfs /");
    expect(r.exit).toBe(0);
    const [du, ...rest] = r.stdout.split("\n");
    const kib = Number(du);
    expect(kib).toBeGreaterThan(1.25 * 2 ** 20);
    const dfh = /^\/dev\/sda1 +\S+ +(\S+) /m.exec(rest.join("\n"))!;
    expect(dfh[1]).toBe("1.3G");
    expect(Math.abs(kib - human(dfh[1]!))).toBeLessThan(0.05 * 2 ** 20);
    // df's used KiB: the filesystem's own few blocks (root dir, lost+found) are in both; within 4 blocks
    const used = Number(/^\/dev\/sda1 +\d+ +(\d+) /m.exec(rest.join("\n"))![1]);
    expect(Math.abs(used - kib)).toBeLessThanOrEqual(16);
    const v = Object.fromEntries([...r.stdout.matchAll(/^(\w+): (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
    expect(Math.abs(((v.blocks! - v.bfree!) * v.bsize!) / 1024 - kib)).toBeLessThanOrEqual(16);
  });

  it("Debian 12: subdirectories hold their share; symlinks and files count their own blocks", () => {
    const r = gf(DEB, "du / : du /usr : du /usr/lib : du /var : du /etc : du /bin : du /etc/hostname : du /home");
    const [all, usr, lib, v, etc, bin, host, home] = r.stdout.trim().split("\n").map(Number) as number[];
    // /usr holds 79% of the 1.25 GiB payload (/usr 16, /usr/lib 55, /usr/bin 6, /usr/sbin 2)
    expect(usr! / (1.25 * 2 ** 20)).toBeCloseTo(0.79, 2);
    expect(lib! / (1.25 * 2 ** 20)).toBeCloseTo(0.55, 2);
    expect(v! / (1.25 * 2 ** 20)).toBeCloseTo(0.15, 2);
    expect(etc! / (1.25 * 2 ** 20)).toBeCloseTo(0.01, 2);
    expect(usr! + v! + etc!).toBeLessThan(all!);
    expect(bin).toBe(0); // /bin -> usr/bin, not followed
    expect(host).toBe(4); // one 4 KiB block
    expect(home).toBe(12); // /home and /home/debian (a block each) and .bashrc
  });

  it("Rocky 9: du / crosses into /boot; du /boot agrees with its df-h line", () => {
    const r = gf(ROCKY, "du / : du /boot : df-h");
    const [all, boot] = r.stdout.split("\n").slice(0, 2).map(Number) as [number, number];
    expect(/sda1 +960M +191M /.test(r.stdout)).toBe(true);
    expect(Math.abs(boot - 190 * 1024)).toBeLessThan(1024);
    expect(all - boot).toBeGreaterThan(1.56 * 2 ** 20);
    expect(/rl-root +2\.4G +1\.6G /.test(r.stdout)).toBe(true);
    expect(Math.abs((all - boot) / 2 ** 20 - 1.6)).toBeLessThan(0.05);
  });

  it("missing paths fail like the daemon's du", () => {
    const r = gf(DEB, "du /nope");
    expect(r.exit).toBe(1);
    expect(r.stderr).toContain("libguestfs: error: du: /nope: du: cannot access '/sysroot/nope': No such file or directory");
  });

  it("templates' payload shares add up to 1 and lie on directories the template has", () => {
    for (const t of Object.values(templates) as { dirs: string[]; installed?: Record<string, { dirs?: Record<string, number> }>; mounts: string[][] }[]) {
      for (const [mp, p] of Object.entries(t.installed ?? {})) {
        if (!p.dirs) continue;
        expect(Object.values(p.dirs).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
        for (const d of Object.keys(p.dirs)) {
          const abs = mp === "/" ? d : mp + d;
          expect(t.dirs.some((x) => x === abs || x.startsWith(abs + "/")), abs).toBe(true);
          // not on another filesystem mounted below this one
          expect(t.mounts.some(([, m]) => m !== mp && m !== "/" && (abs === m || abs.startsWith(m + "/"))), abs).toBe(false);
        }
      }
    }
  });

  it("payload shares sum to the blocks statvfs counts", () => {
    const fs: GuestFs = { type: "ext4", uuid: "u", size: 2 ** 32, files: {}, payload: { bytes: 1342177281, files: 1, dirs: { "/a": 0.333, "/b": 0.333, "/c": 0.334 } } };
    expect(payloadBlocks(fs).reduce((a, [, b]) => a + b, 0)).toBe(Math.ceil(1342177281 / 4096));
    expect(duBlocks(fs, "/b")).toBe(Math.floor(Math.ceil(1342177281 / 4096) * 0.333) * 8);
    expect(duBlocks(fs, "/", ["/c"])).toBe(2 * Math.floor(Math.ceil(1342177281 / 4096) * 0.333) * 8);
  });
});
