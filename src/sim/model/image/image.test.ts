// The image model on its own: creation layouts, guest writes, snapshots and the fixture section, checked
// against what real qemu-img/qemu-io 7.2 produced for the same steps.
import { describe, expect, it } from "vitest";
import { newImage, type DiskImage } from "../image";
import { loadYamlFixture } from "../../fixtures/load";
import { stat } from "../fs";
import { addInternalSnapshot, applyInternalSnapshot, deleteInternalSnapshot } from "./snapshot";
import { blockStatus } from "./status";
import { contentOf, discardImage, writeImage } from "./io";
import { imageEndOffset } from "./qcow2";

const GiB = 2 ** 30;
const MiB = 2 ** 20;

describe("qcow2 layout", () => {
  it("creates a fresh image as qemu-img does (header, refcount table and block, L1)", () => {
    const img = newImage("qcow2", 4 * GiB);
    expect(img.fileLength).toBe(196672); // 3 clusters + 8 L1 entries
    expect(img.layout!.l1Offset).toBe(0x30000);
    expect(imageEndOffset(img.layout!)).toBe(0x40000);
    expect(newImage("qcow2", 10 * GiB, { options: { cluster_size: "4096" } }).fileLength).toBe(53248);
    expect(newImage("qcow2", 10 * GiB, { options: { cluster_size: "512" } }).fileLength).toBe(2633216);
  });

  it("allocates L2 tables before data, first fit, and reuses freed clusters", () => {
    let img: DiskImage = newImage("qcow2", 4 * GiB);
    img = writeImage([img], 0, 64 * 1024, { kind: "data", pat: 1 });
    img = writeImage([img], 700 * MiB, 64 * 1024, { kind: "data", pat: 2 });
    img = writeImage([img], 100 * 1024, 10 * 1024, { kind: "data", pat: 3 });
    const hosts = blockStatus([img], 0, img.virtualSize).filter((s) => s.data).map((s) => [s.off, s.offset]);
    expect(hosts).toEqual([
      [0, 0x50000],
      [65536, 0x80000],
      [700 * MiB, 0x70000],
    ]);
    img = discardImage([img], 700 * MiB, 64 * 1024);
    img = writeImage([img], 3 * GiB, 64 * 1024, { kind: "data", pat: 5 });
    // the freed data cluster (0x70000) takes the new L2 table, the data goes after the end
    expect(blockStatus([img], 3 * GiB, 3 * GiB + 65536)[0]!.offset).toBe(0x90000);
  });

  it("copies on write from the backing file for partial clusters", () => {
    let base = newImage("qcow2", GiB);
    base = writeImage([base], 0, MiB, { kind: "data", pat: 0x11 });
    let top = newImage("qcow2", GiB, { backingFile: "base.qcow2", backingFormat: "qcow2" });
    top = writeImage([top, base], 512 * 1024 + 100, 10, { kind: "data", pat: 0x22 });
    expect(contentOf([top, base], 512 * 1024, 512 * 1024 + 65536).map((r) => r.pat)).toEqual([0x11, 0x22, 0x11]);
  });

  it("keeps snapshot data apart and shares clusters by refcount", () => {
    let img: DiskImage = newImage("qcow2", GiB);
    img = writeImage([img], 0, 2 * MiB, { kind: "data", pat: 0x10 });
    const s = addInternalSnapshot(img, { name: "s1", dateSec: 0, dateNsec: 0 });
    if ("error" in s) throw new Error("snapshot");
    img = writeImage([s], MiB, 2 * MiB, { kind: "data", pat: 0x20 });
    expect(contentOf([img], 0, 3 * MiB).map((r) => r.pat)).toEqual([0x10, 0x20]);
    const back = applyInternalSnapshot(img, "s1");
    if ("error" in back) throw new Error("apply");
    expect(contentOf([back], 0, 3 * MiB).map((r) => r.pat)).toEqual([0x10, 0]);
    const gone = deleteInternalSnapshot(back, "s1");
    expect("error" in gone ? gone : gone.snapshots).toEqual([]);
    expect(addInternalSnapshot(newImage("raw", MiB), { name: "x", dateSec: 0, dateNsec: 0 })).toEqual({ error: "unsupported" });
  });

  it("rounds sizes up to sectors and computes VHD geometry sizes", () => {
    expect(newImage("raw", 1000).virtualSize).toBe(1024);
    expect(newImage("vpc", GiB).virtualSize).toBe(1073995776);
    expect(newImage("vpc", 64 * MiB).virtualSize).toBe(67125248);
    expect(newImage("vmdk", GiB).fileLength).toBe(196608);
    expect(newImage("vdi", GiB).fileLength).toBe(4608);
  });
});

describe("images fixture section", () => {
  it("builds image files with data and snapshots that qemu-img sees", () => {
    const r = loadYamlFixture(
      [
        "id: img-test",
        "title: images",
        'clock: "2026-01-15T09:00:00Z"',
        "hosts:",
        "  - name: host1",
        "    hostname: host1",
        "    images:",
        "      - { path: /var/lib/libvirt/images/base.qcow2, size: 10G, writes: [{ offset: 0, length: 1M, pattern: 66 }], snapshots: [clean] }",
        "      - { path: /var/lib/libvirt/images/web.qcow2, size: 10G, backing_file: base.qcow2, backing_fmt: qcow2 }",
      ].join("\n"),
      "test.yaml",
    );
    expect(r.issues).toEqual([]);
    const fs = r.world!.hosts.host1!.fs;
    const base = stat(fs, "/var/lib/libvirt/images/base.qcow2");
    expect(base?.kind === "file" && base.image?.snapshots?.map((s) => s.name)).toEqual(["clean"]);
    const web = stat(fs, "/var/lib/libvirt/images/web.qcow2");
    expect(web?.kind === "file" && web.image?.backingFile).toBe("base.qcow2");
  });
});
