// What statfs(2) and stat(2) report for a guest filesystem: the geometry mke2fs 1.47 and mkfs.xfs 6.1 choose
// for a device size (Debian 12's defaults), the space the kernel's ext4 and XFS drivers (Linux 6.1) keep for
// themselves, and the blocks the files take. Measured against libguestfs 1.48's appliance: empty ext4 from
// 16 MiB to 100 GiB and XFS from 300 MiB to 1 TiB match to the block (see statfs.test.ts).
import type { Fs, FsNode } from "../fs";
import type { GuestFs } from "./disk";

export interface StatVfs {
  bsize: number;
  frsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
  favail: number;
  fsid: number;
  flag: number;
  namemax: number;
}

const MiB = 2 ** 20;
const TiB = 2 ** 40;

// ------------------------------------------------------------------ ext2/3/4 (mke2fs.conf of e2fsprogs 1.47)

export interface ExtGeometry {
  bs: number;
  blocks: number;
  firstData: number;
  groups: number;
  inodesPerGroup: number;
  itableBlocks: number;
  gdtBlocks: number;
  rsvGdt: number;
  journal: number;
  /** Blocks the filesystem's own structures take: what statfs leaves out of f_blocks. */
  overhead: number;
  reserved: number;
}

const hasSuper = (g: number) => {
  if (g <= 1) return true;
  for (const b of [3, 5, 7]) {
    let x = b;
    while (x < g) x *= b;
    if (x === g) return true;
  }
  return false;
};

/** ext2fs_default_journal_size: journal blocks for a filesystem of `blocks` blocks (-1: too small). */
function journalBlocks(blocks: number): number {
  if (blocks < 2048) return -1;
  if (blocks < 32768) return 1024;
  if (blocks < 256 * 1024) return 4096;
  if (blocks < 512 * 1024) return 8192;
  if (blocks < 4096 * 1024) return 16384;
  if (blocks < 8192 * 1024) return 32768;
  if (blocks < 16384 * 1024) return 65536;
  if (blocks < 32768 * 1024) return 131072;
  return 262144;
}

export function extGeometry(type: "ext2" | "ext3" | "ext4", size: number): ExtGeometry {
  const kind = size < 3 * MiB ? "floppy" : size < 512 * MiB ? "small" : size < 4 * TiB ? "default" : size < 16 * TiB ? "big" : "huge";
  const bs = kind === "floppy" || kind === "small" ? 1024 : 4096;
  const ratio = { floppy: 8192, small: 4096, default: 16384, big: 32768, huge: 65536 }[kind];
  const inodeSize = 256;
  let blocks = Math.floor(size / bs);
  const inodes = Math.floor((blocks * bs) / ratio);
  const firstData = bs === 1024 ? 1 : 0;
  const bpg = bs * 8;
  const desc = type === "ext4" ? 64 : 32;
  for (;;) {
    const groups = Math.ceil((blocks - firstData) / bpg);
    let ipg = Math.ceil(inodes / groups);
    ipg = Math.min(ipg, bpg);
    let itb = Math.ceil((ipg * inodeSize) / bs);
    ipg = Math.floor((itb * bs) / inodeSize);
    ipg = Math.max(8, ipg) & ~7;
    itb = Math.ceil((ipg * inodeSize) / bs);
    const gdtBlocks = Math.ceil((groups * desc) / bs);
    const maxBlocks = blocks < Math.floor(0xffffffff / 1024) ? blocks * 1024 : 0xffffffff;
    const rsvGroups = Math.ceil((maxBlocks - firstData) / bpg);
    const rsvGdt = Math.max(0, Math.min(Math.ceil(rsvGroups / (bs / desc)) - gdtBlocks, bs / 4));
    const rem = (blocks - firstData) % bpg;
    const lastOverhead = 2 + itb + (hasSuper(groups - 1) ? 1 + gdtBlocks + rsvGdt : 0);
    if (rem && groups > 1 && rem < lastOverhead + 50) {
      blocks -= rem;
      continue;
    }
    const journal = type === "ext2" ? 0 : Math.max(0, journalBlocks(blocks));
    let sb = 0;
    for (let g = 0; g < groups; g++) if (hasSuper(g)) sb += 1 + gdtBlocks + rsvGdt;
    const overhead = firstData + sb + groups * (2 + itb) + journal;
    return { bs, blocks, firstData, groups, inodesPerGroup: ipg, itableBlocks: itb, gdtBlocks, rsvGdt, journal, overhead, reserved: Math.floor(blocks * 0.05) };
  }
}

// ------------------------------------------------------------------ XFS (mkfs.xfs 6.1 defaults: crc, finobt, reflink, sparse inodes)

export interface XfsGeometry {
  dblocks: number;
  agcount: number;
  agsize: number;
  logBlocks: number;
  imaxpct: number;
}

/** The smallest XFS mkfs.xfs 6.1 makes. */
export const XFS_MIN_SIZE = 300 * MiB;

export function xfsGeometry(size: number): XfsGeometry {
  const dblocks = Math.floor(size / 4096);
  const maxAg = 2 ** 28 - 1;
  let agsize: number;
  if (dblocks * 4096 >= 4 * TiB) agsize = maxAg;
  else if (dblocks * 4096 >= 128 * MiB) agsize = Math.floor(dblocks / 4) + (dblocks % 4 ? 1 : 0);
  else agsize = Math.max(4096, Math.floor(dblocks / 8) + (dblocks % 8 ? 1 : 0));
  const agcount = Math.ceil(dblocks / agsize);
  const logBlocks = Math.min(Math.max(16384, Math.floor(dblocks / 2048)), 524288, agsize - 64);
  const imaxpct = dblocks * 4096 < TiB ? 25 : dblocks * 4096 < 50 * TiB ? 5 : 1;
  return { dblocks, agcount, agsize, logBlocks, imaxpct };
}

/** xfs_btree_calc_size: blocks a btree needs at most for `records` records with these minimum fills. */
function btreeSize(leafMin: number, nodeMin: number, records: number): number {
  let level = Math.ceil(records / leafMin);
  let blocks = level;
  while (level > 1) {
    level = Math.ceil(level / nodeMin);
    blocks += level;
  }
  return blocks;
}

/** Blocks a read-write mount hides: the reserve pool and each AG's refcount and free-inode btree reservations. */
function xfsRwReserve(g: XfsGeometry): number {
  let hidden = Math.min(Math.floor(g.dblocks / 20), 8192);
  const logAg = Math.floor(g.agcount / 2);
  for (let a = 0; a < g.agcount; a++) {
    let ag = a === g.agcount - 1 ? g.dblocks - a * g.agsize : g.agsize;
    if (a === logAg) ag -= g.logBlocks;
    hidden += btreeSize(168, 252, ag) + btreeSize(126, 252, Math.floor((ag * 8) / 64)) - 2;
  }
  return hidden;
}

// ------------------------------------------------------------------ what the files take

const childNames = (files: Fs, dir: string): string[] => {
  const prefix = dir === "/" ? "/" : dir + "/";
  const out: string[] = [];
  for (const p of Object.keys(files)) if (p !== dir && p.startsWith(prefix) && !p.slice(prefix.length).includes("/")) out.push(p.slice(prefix.length));
  return out;
};

/** The shortform size of an XFS directory (header, and per entry: length, offset, name, type, inode). */
const xfsShortform = (names: string[]) => 6 + names.reduce((a, n) => a + 8 + Buffer.byteLength(n), 0);
const XFS_LITERAL = 336;

/** st_size of a node as stat(2) reports it on this filesystem. */
export function nodeSize(fs: GuestFs, path: string, n: FsNode): number {
  if (n.kind === "symlink") return Buffer.byteLength(n.target);
  if (n.kind === "file") return fs.sizes?.[path] ?? Buffer.byteLength(n.content);
  if (fs.type === "xfs") {
    const sf = xfsShortform(childNames(fs.files, path));
    return sf <= XFS_LITERAL ? sf : dirBlocks(fs, path) * 4096;
  }
  return dirBlocks(fs, path) * blockSize(fs);
}

export function blockSize(fs: GuestFs): number {
  if (fs.type === "ext2" || fs.type === "ext3" || fs.type === "ext4") return extGeometry(fs.type, fs.size).bs;
  return 4096;
}

/** Data blocks of a directory. */
function dirBlocks(fs: GuestFs, path: string): number {
  const names = childNames(fs.files, path);
  if (fs.type === "xfs") {
    if (xfsShortform(names) <= XFS_LITERAL) return 0;
    const data = names.reduce((a, n) => a + Math.ceil((12 + Buffer.byteLength(n)) / 8) * 8, 32);
    if (64 + data + 8 * (names.length + 2) + 8 <= 4096) return 1;
    return Math.ceil(data / (4096 - 64)) + 1;
  }
  const bs = blockSize(fs);
  if (path === "/lost+found") return bs === 1024 ? 12 : 4;
  const usable = bs - (fs.type === "ext4" ? 12 : 0);
  const bytes = names.reduce((a, n) => a + 8 + Math.ceil(Buffer.byteLength(n) / 4) * 4, 24);
  return bytes <= usable ? 1 : 1 + Math.ceil(bytes / (usable * 0.75));
}

/** Blocks (of the filesystem's block size) a node's data takes. */
export function nodeBlocks(fs: GuestFs, path: string, n: FsNode): number {
  const bs = blockSize(fs);
  if (n.kind === "file") return Math.ceil((fs.sizes?.[path] ?? Buffer.byteLength(n.content)) / bs);
  if (n.kind === "symlink") {
    const len = Buffer.byteLength(n.target);
    return fs.type === "xfs" ? (len <= XFS_LITERAL ? 0 : 1) : len < 60 ? 0 : 1;
  }
  return dirBlocks(fs, path);
}

/** st_blocks (512-byte units) as ls -s and du see them. */
export const statBlocks = (fs: GuestFs, path: string, n: FsNode): number => (nodeBlocks(fs, path, n) * blockSize(fs)) / 512;

/** XFS inode chunks (64 inodes): new directories go round the allocation groups, files stay with their parent. */
function xfsChunks(fs: GuestFs, agcount: number): number {
  const agOf = new Map<string, number>([["/", 0]]);
  const count = new Array<number>(agcount).fill(0);
  count[0] = 2; // the realtime bitmap and summary inodes sit beside the root
  let rotor = 0;
  for (const [p, n] of Object.entries(fs.files)) {
    let ag: number;
    if (p === "/") ag = 0;
    else if (n.kind === "dir") {
      ag = rotor;
      rotor = (rotor + 1) % agcount;
    } else ag = agOf.get(p.slice(0, p.lastIndexOf("/")) || "/") ?? 0;
    agOf.set(p, ag);
    count[ag]! += 1;
  }
  return count.reduce((a, c) => a + Math.ceil(c / 64), 0);
}

// ------------------------------------------------------------------ statvfs

/** statvfs of a mounted guest filesystem; XFS hides more on a read-write mount than on a read-only one. */
export function statvfs(fs: GuestFs, readonly: boolean): StatVfs {
  const entries = Object.entries(fs.files);
  const bs0 = blockSize(fs);
  const content = entries.reduce((a, [p, n]) => a + (p === "/lost+found" || p === "/" ? 0 : nodeBlocks(fs, p, n)), 0) + (fs.payload ? Math.ceil(fs.payload.bytes / bs0) : 0);
  const created = entries.filter(([p]) => p !== "/" && p !== "/lost+found").length + (fs.payload?.files ?? 0);
  const common = { fsid: 2049, namemax: 255, flag: readonly ? 4097 : 4096 };
  if (fs.type === "ext2" || fs.type === "ext3" || fs.type === "ext4") {
    const g = extGeometry(fs.type, fs.size);
    const blocks = g.blocks - g.overhead;
    const base = 1 + (g.bs === 1024 ? 12 : 4) + 1 + (g.journal > 4 * 32768 ? 1 : 0);
    const used = Math.min(blocks, base + content);
    const bfree = blocks - used;
    const resv = Math.min(Math.floor(g.blocks / 50), 4096);
    const files = g.groups * g.inodesPerGroup;
    const ffree = Math.max(0, files - 11 - created);
    return { bsize: g.bs, frsize: g.bs, blocks, bfree, bavail: Math.max(0, bfree - g.reserved - resv), files, ffree, favail: ffree, ...common };
  }
  if (fs.type === "xfs") {
    const g = xfsGeometry(fs.size);
    const blocks = g.dblocks - g.logBlocks;
    const chunks = xfsChunks(fs, g.agcount) + Math.ceil((fs.payload?.files ?? 0) / 64);
    const used = Math.min(blocks, g.agcount * 14 + 8 * chunks + content + (readonly ? 0 : xfsRwReserve(g)));
    const bfree = blocks - used;
    const maxi = Math.floor(Math.floor((g.dblocks * g.imaxpct) / 100) / 8) * 64;
    const files = Math.min(chunks * 64 + bfree * 8, maxi);
    const ffree = Math.max(0, files - 3 - created);
    return { bsize: 4096, frsize: 4096, blocks, bfree, bavail: bfree, files, ffree, favail: ffree, ...common };
  }
  // vfat, btrfs: a plain estimate
  const blocks = Math.floor(fs.size / 4096);
  const used = Math.min(blocks, 1 + content);
  return { bsize: 4096, frsize: 4096, blocks, bfree: blocks - used, bavail: blocks - used, files: 0, ffree: 0, favail: 0, ...common };
}

// ------------------------------------------------------------------ du

/**
 * The payload's blocks by directory. Rule: a payload with `dirs` puts each directory's fraction of the bytes
 * under that directory (and in none of its modelled subdirectories: "/usr" holds /usr/share, /usr/include
 * and the like, "/usr/lib" the libraries and kernel modules); without `dirs` everything lies under "/". The
 * shares are whole blocks that add up to exactly the blocks statvfs counts for the payload (each share
 * rounded down, the last one taking what is left), so du / and statvfs tell the same used space.
 */
export function payloadBlocks(fs: GuestFs): [string, number][] {
  if (!fs.payload) return [];
  const total = Math.ceil(fs.payload.bytes / blockSize(fs));
  const dirs = Object.entries(fs.payload.dirs ?? { "/": 1 });
  let left = total;
  return dirs.map(([d, f], i) => {
    const b = i === dirs.length - 1 ? left : Math.min(left, Math.floor(total * f));
    left -= b;
    return [d, b];
  });
}

/**
 * What du -s counts under `inner` on this filesystem, in 512-byte units (st_blocks): the modelled nodes at
 * and below it, minus those under `hidden` (other filesystems mounted over them), plus the payload's shares
 * that lie there. Symlinks are not followed.
 */
export function duBlocks(fs: GuestFs, inner: string, hidden: string[] = []): number {
  const under = (p: string, d: string) => d === "/" || p === d || p.startsWith(d + "/");
  let n = 0;
  for (const [p, node] of Object.entries(fs.files)) {
    if (!under(p, inner) || hidden.some((h) => under(p, h))) continue;
    n += statBlocks(fs, p, node);
  }
  const per = blockSize(fs) / 512;
  for (const [d, b] of payloadBlocks(fs)) if (under(d, inner) && !hidden.some((h) => under(d, h))) n += b * per;
  return n;
}
