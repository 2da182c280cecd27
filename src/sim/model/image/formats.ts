// The image formats qemu-img 7.2 knows: their creation options (names, types, defaults, help lines), what
// each supports (resize, snapshots, check, compression), and how a new image of each looks on disk.
import type { DiskImage } from "../image";
import type { Extent } from "./extents";
import { bitmapTables } from "./bitmaps";
import { freshLayout, growL1, allocAt, allocBytes, l2Coverage, l2ForWrite, refcountArea, sizeToL1, type Qcow2Image } from "./qcow2";

export type OptType = "str" | "size" | "bool" | "num";

export interface OptDesc {
  name: string;
  type: OptType;
  help: string;
  /** Default shown in the "Formatting ..." line. */
  def?: string;
}

const SIZE: OptDesc = { name: "size", type: "size", help: "Virtual disk size" };
const BACKING_FILE: OptDesc = { name: "backing_file", type: "str", help: "File name of a base image" };
const BACKING_FMT: OptDesc = { name: "backing_fmt", type: "str", help: "Image format of the base image" };

/** Options of the "file" protocol driver, appended when a target file name is known. */
export const FILE_OPTS: OptDesc[] = [
  SIZE,
  { name: "nocow", type: "bool", help: "Turn off copy-on-write (valid only on btrfs)" },
  { name: "preallocation", type: "str", help: "Preallocation mode (allowed values: off, falloc, full)" },
  { name: "extent_size_hint", type: "size", help: "Extent size hint for the image file, 0 to disable" },
];

const CRYPTO_OPTS = (prefix: string, secretHelp: string): OptDesc[] => [
  { name: `${prefix}key-secret`, type: "str", help: secretHelp },
  { name: `${prefix}cipher-alg`, type: "str", help: "Name of encryption cipher algorithm" },
  { name: `${prefix}cipher-mode`, type: "str", help: "Name of encryption cipher mode" },
  { name: `${prefix}ivgen-alg`, type: "str", help: "Name of IV generator algorithm" },
  { name: `${prefix}ivgen-hash-alg`, type: "str", help: "Name of IV generator hash algorithm" },
  { name: `${prefix}hash-alg`, type: "str", help: "Name of encryption hash algorithm" },
  { name: `${prefix}iter-time`, type: "num", help: "Time to spend in PBKDF in milliseconds" },
];

export interface FormatInfo {
  name: string;
  /** Creation options in QEMU's declaration order (which the "Formatting" line follows). */
  create?: OptDesc[];
  /** Options `amend` accepts, in `amend -o help` order. */
  amend?: OptDesc[];
  backing: boolean;
  resize: "yes" | "grow" | "no";
  snapshots: boolean;
  check: boolean;
  compress: boolean;
  measure: boolean;
  bitmaps: boolean;
  /** Size of the allocation unit for guest data, bytes. */
  grain: (img: DiskImage) => number;
}

const QCOW2_CREATE: OptDesc[] = [
  { name: "encryption", type: "bool", help: "Encrypt the image with format 'aes'. (Deprecated in favor of encrypt.format=aes)" },
  { name: "encrypt.format", type: "str", help: "Encrypt the image, format choices: 'aes', 'luks'" },
  ...CRYPTO_OPTS("encrypt.", "ID of secret providing qcow AES key or LUKS passphrase"),
  { name: "cluster_size", type: "size", help: "qcow2 cluster size", def: "65536" },
  { name: "extended_l2", type: "bool", help: "Extended L2 tables", def: "off" },
  { name: "preallocation", type: "str", help: "Preallocation mode (allowed values: off, metadata, falloc, full)" },
  { name: "compression_type", type: "str", help: "Compression method used for image cluster compression", def: "zlib" },
  SIZE,
  { name: "compat", type: "str", help: "Compatibility level (v2 [0.10] or v3 [1.1])" },
  BACKING_FILE,
  BACKING_FMT,
  { name: "data_file", type: "str", help: "File name of an external data file" },
  { name: "data_file_raw", type: "bool", help: "The external data file must stay valid as a raw image" },
  { name: "lazy_refcounts", type: "bool", help: "Postpone refcount updates", def: "off" },
  { name: "refcount_bits", type: "num", help: "Width of a reference count entry in bits", def: "16" },
];

const QCOW2_AMEND: OptDesc[] = [
  BACKING_FILE,
  BACKING_FMT,
  { name: "compat", type: "str", help: "Compatibility level (v2 [0.10] or v3 [1.1])" },
  { name: "data_file", type: "str", help: "File name of an external data file" },
  { name: "data_file_raw", type: "bool", help: "The external data file must stay valid as a raw image" },
  { name: "encrypt.iter-time", type: "num", help: "Time to spend in PBKDF in milliseconds" },
  { name: "encrypt.keyslot", type: "num", help: "Select a single keyslot to modify explicitly" },
  { name: "encrypt.new-secret", type: "str", help: "New secret to set in the matching keyslots. Empty string to erase" },
  { name: "encrypt.old-secret", type: "str", help: "Select all keyslots that match this password" },
  { name: "encrypt.state", type: "str", help: "Select new state of affected keyslots (active/inactive)" },
  { name: "lazy_refcounts", type: "bool", help: "Postpone refcount updates" },
  { name: "refcount_bits", type: "num", help: "Width of a reference count entry in bits" },
  SIZE,
];

const no = { backing: false, resize: "no" as const, snapshots: false, check: false, compress: false, measure: false, bitmaps: false };

export const FORMATS: Record<string, FormatInfo> = {
  raw: { name: "raw", create: [SIZE], ...no, resize: "yes", measure: true, grain: () => 4096 },
  qcow2: { name: "qcow2", create: QCOW2_CREATE, amend: QCOW2_AMEND, backing: true, resize: "yes", snapshots: true, check: true, compress: true, measure: true, bitmaps: true, grain: (i) => i.clusterSize ?? 65536 },
  qed: {
    name: "qed",
    create: [SIZE, BACKING_FILE, BACKING_FMT, { name: "cluster_size", type: "size", help: "Cluster size (in bytes)", def: "65536" }, { name: "table_size", type: "size", help: "L1/L2 table size (in clusters)" }],
    ...no,
    backing: true,
    resize: "grow",
    check: true,
    grain: (i) => i.clusterSize ?? 65536,
  },
  vmdk: {
    name: "vmdk",
    create: [
      SIZE,
      { name: "adapter_type", type: "str", help: "Virtual adapter type, can be one of ide (default), lsilogic, buslogic or legacyESX" },
      BACKING_FILE,
      { name: "backing_fmt", type: "str", help: "Must be 'vmdk' if present" },
      { name: "compat6", type: "bool", help: "VMDK version 6 image", def: "off" },
      { name: "hwversion", type: "str", help: "VMDK hardware version", def: "undefined" },
      { name: "toolsversion", type: "str", help: "VMware guest tools version" },
      { name: "subformat", type: "str", help: "VMDK flat extent format, can be one of {monolithicSparse (default) | monolithicFlat | twoGbMaxExtentSparse | twoGbMaxExtentFlat | streamOptimized} " },
      { name: "zeroed_grain", type: "bool", help: "Enable efficient zero writes using the zeroed-grain GTE feature" },
    ],
    ...no,
    backing: true,
    check: true,
    compress: true,
    grain: () => 65536,
  },
  vdi: { name: "vdi", create: [SIZE, { name: "static", type: "bool", help: "VDI static (pre-allocated) image", def: "off" }], ...no, check: true, grain: () => 1 << 20 },
  vpc: {
    name: "vpc",
    create: [
      SIZE,
      { name: "subformat", type: "str", help: "Type of virtual hard disk format. Supported formats are {dynamic (default) | fixed} " },
      { name: "force_size", type: "bool", help: "Force disk size calculation to use the actual size specified, rather than using the nearest CHS-based calculation" },
    ],
    ...no,
    grain: () => 2 << 20,
  },
  vhdx: {
    name: "vhdx",
    create: [
      { name: "size", type: "size", help: "Virtual disk size; max of 64TB." },
      { name: "log_size", type: "size", help: "Log size; min 1MB.", def: "1048576" },
      { name: "block_size", type: "size", help: "Block Size; min 1MB, max 256MB. 0 means auto-calculate based on image size.", def: "0" },
      { name: "subformat", type: "str", help: "VHDX format type, can be either 'dynamic' or 'fixed'. Default is 'dynamic'." },
      {
        name: "block_state_zero",
        type: "bool",
        help: "Force use of payload blocks of type 'ZERO'. Non-standard, but default.  Do not set to 'off' when using 'qemu-img convert' with subformat=dynamic.",
      },
    ],
    ...no,
    resize: "yes",
    check: true,
    grain: (i) => i.vhdx?.blockSize ?? 8 << 20,
  },
  parallels: {
    name: "parallels",
    create: [SIZE, { name: "cluster_size", type: "size", help: "Parallels image cluster size", def: "1048576" }],
    ...no,
    resize: "grow",
    check: true,
    grain: (i) => i.clusterSize ?? 1 << 20,
  },
  file: { name: "file", create: FILE_OPTS, ...no, resize: "yes", grain: () => 4096 },
  dmg: { name: "dmg", ...no, grain: () => 4096 },
  bochs: { name: "bochs", ...no, grain: () => 4096 },
  cloop: { name: "cloop", ...no, grain: () => 4096 },
  qcow: {
    name: "qcow",
    create: [
      SIZE,
      BACKING_FILE,
      { name: "backing_fmt", type: "str", help: "Format of the backing image" },
      { name: "encryption", type: "bool", help: "Encrypt the image with format 'aes'. (Deprecated in favor of encrypt.format=aes)" },
      { name: "encrypt.format", type: "str", help: "Encrypt the image, format choices: 'aes'" },
      { name: "encrypt.key-secret", type: "str", help: "ID of the secret that provides the AES encryption key" },
    ],
    ...no,
    backing: true,
    compress: true,
    grain: () => 4096,
  },
  luks: {
    name: "luks",
    create: [SIZE, ...CRYPTO_OPTS("", "ID of the secret that provides the keyslot passphrase")],
    // keyslot management (block_crypto_amend_opts_luks)
    amend: [
      { name: "iter-time", type: "num", help: "Time to spend in PBKDF in milliseconds" },
      { name: "keyslot", type: "num", help: "Select a single keyslot to modify explicitly" },
      { name: "new-secret", type: "str", help: "New secret to set in the matching keyslots. Empty string to erase" },
      { name: "old-secret", type: "str", help: "Select all keyslots that match this password" },
      { name: "state", type: "str", help: "Select new state of affected keyslots (active/inactive)" },
    ],
    ...no,
    resize: "yes",
    measure: true,
    grain: () => 4096,
  },
};

/** Every driver name in `qemu-img --help`'s "Supported formats" list. */
export const ALL_DRIVERS = [
  "blkdebug", "blklogwrites", "blkverify", "bochs", "cloop", "compress", "copy-before-write", "copy-on-read", "dmg", "file", "ftp", "ftps", "gluster", "host_cdrom",
  "host_device", "http", "https", "iscsi", "iser", "luks", "nbd", "nfs", "null-aio", "null-co", "nvme", "parallels", "preallocate", "qcow", "qcow2", "qed", "quorum",
  "raw", "rbd", "replication", "snapshot-access", "ssh", "throttle", "vdi", "vhdx", "vmdk", "vpc", "vvfat",
];

export const supportsInternalSnapshots = (format: string) => FORMATS[format]?.snapshots === true;

export interface CreateSpec {
  format: string;
  /** Bytes; rounded up to 512 as the block layer does. */
  virtualSize: number;
  /** -o values as typed (already checked for type by the caller). */
  options: Record<string, string>;
  backingFile?: string;
  backingFormat?: string;
  /** Clock for generated ids (vmdk CID), epoch ms. */
  seed?: number;
  /** The image's own file name (vmdk names its extent files after it). */
  fileName?: string;
  /** Ids of the secrets defined with --object (encryption key-secret options name one). */
  secrets?: string[];
}

/** A creation failure: the driver's message, and whether an empty file is left behind. */
export interface CreateError {
  message: string;
  leavesEmptyFile: boolean;
  /** The driver failed with EFBIG: `qemu-img create` words that as "The image size is too large ...". */
  efbig?: boolean;
  /** The driver failed before the protocol layer created (or truncated) the file. */
  beforeFile?: boolean;
}

export type CreateResult = { image: DiskImage; /** extra files (vmdk extents) by name relative to the image */ extraFiles?: Record<string, DiskImage> } | { error: CreateError };

const fail = (message: string, leavesEmptyFile = false, efbig = false): CreateResult => ({ error: { message, leavesEmptyFile, ...(efbig ? { efbig } : {}) } });

export const isPow2 = (n: number) => n > 0 && Number.isInteger(n) && (n & (n - 1)) === 0 && n === 2 ** Math.round(Math.log2(n));

const onOff = (v: string | undefined, dflt = false) => (v === undefined ? dflt : ["on", "yes", "true", "y"].includes(v));

export const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

/** The VHD CHS geometry (cylinders, heads, sectors per track) for a sector count. */
function chs(totalSectors: number): [number, number, number] {
  const ts = Math.min(totalSectors, 65535 * 16 * 255);
  let spt: number;
  let heads: number;
  let cth: number;
  if (ts >= 65535 * 16 * 63) {
    spt = 255;
    heads = 16;
    cth = Math.floor(ts / spt);
  } else {
    spt = 17;
    cth = Math.floor(ts / spt);
    heads = Math.max(4, Math.ceil(cth / 1024));
    if (cth >= heads * 1024 || heads > 16) {
      spt = 31;
      heads = 16;
      cth = Math.floor(ts / spt);
    }
    if (cth >= heads * 1024) {
      spt = 63;
      heads = 16;
      cth = Math.floor(ts / spt);
    }
  }
  return [Math.floor(cth / heads), heads, spt];
}

/** The size a VHD of `bytes` really gets: the nearest CHS geometry at or above it. */
export function vpcSize(bytes: number, force = false): number | "too-large" {
  const rounded = roundUp(bytes, 512);
  // the CHS geometry search; force_size (and any size past the largest geometry) uses the sector count as is,
  // up to VHD_MAX_SECTORS (0xff000000 sectors, 2040 GiB)
  let product = 65535 * 16 * 255;
  if (!force) {
    const want = Math.min(65535 * 16 * 255, Math.floor(rounded / 512));
    let geo: [number, number, number] = [0, 0, 0];
    for (let i = 0; want > geo[0] * geo[1] * geo[2]; i++) geo = chs(want + i);
    product = geo[0] * geo[1] * geo[2];
  }
  if (product === 65535 * 16 * 255) {
    const total = Math.floor(rounded / 512);
    if (total > 0xff000000) return "too-large";
    return total * 512;
  }
  return product * 512;
}

export function vhdxBlockSize(size: number, requested: number): number {
  if (requested) return Math.min(256 << 20, Math.max(1 << 20, requested));
  if (size > 32 * 2 ** 40) return 64 << 20;
  if (size > 100 * 2 ** 30) return 32 << 20;
  if (size > 2 ** 30) return 16 << 20;
  return 8 << 20;
}

/** Bytes of a LUKS header with the default cipher (aes-256-xts, sha256, 4000 stripes, 8 key slots). */
const LUKS_HEADER = 2068480;
const QCOW2_MAX_L1_ENTRIES = (32 << 20) / 8;
const EXT4_MAX_FILE = 17592186040320;

/** A deterministic 32-bit value from a seed (VMDK content ids). */
export function cidFrom(seed: number): number {
  let z = (seed + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** The first 4 KiB block a new raw file gets written (QEMU probes the alignment with it). */
const firstBlock = (size: number): Extent[] => (size > 0 ? [{ off: 0, len: Math.min(4096, size), kind: "data", pat: 0, host: 0 }] : []);

/** Build a new image of `spec.format`; option values were type-checked by the caller. */
export function createImage(spec: CreateSpec): CreateResult {
  const o = spec.options;
  const size = roundUp(spec.virtualSize, 512);
  const base = { virtualSize: size, data: [] as Extent[] };
  switch (spec.format) {
    case "raw": {
      const pre = o.preallocation ?? "off";
      if (!["off", "falloc", "full", "metadata"].includes(pre)) return fail(`invalid parameter value: ${pre}`);
      if (pre === "metadata") return fail("Unsupported preallocation mode: metadata", true);
      if (spec.virtualSize > 2 ** 63 - 1024) return fail("Could not resize file: Invalid argument", true);
      if (size > EXT4_MAX_FILE) return fail("Could not resize file: File too large", true, true);
      let data = firstBlock(size);
      if (pre === "full") data = size > 0 ? [{ off: 0, len: size, kind: "data", pat: 0, host: 0 }] : [];
      else if (pre === "falloc" && size > 4096) data = [...data, { off: 4096, len: size - 4096, kind: "zero", host: 4096 }];
      return { image: { format: "raw", ...base, data, fileLength: size, allocated: pre === "off" ? roundUp(Math.min(size, 4096), 4096) : roundUp(size, 4096) } };
    }
    case "qcow2":
      return createQcow2(spec, size);
    case "qed": {
      const cs = o.cluster_size !== undefined ? Number(o.cluster_size) : 65536;
      const table = o.table_size !== undefined ? Number(o.table_size) : 4;
      if (!isPow2(cs) || cs < 4096 || cs > 64 << 20) return fail(`QED cluster size must be within range [4096, 67108864] and power of 2`, true);
      if (!isPow2(table) || table < 1 || table > 16) return fail("QED table size must be within range [1, 16] and power of 2", true);
      const maxSize = (cs / 8) * (cs / 8) * table * table * cs;
      if (size > maxSize) return fail(`QED image size must be a non-zero multiple of cluster size and less than ${maxSize} bytes`, true);
      const len = cs + table * cs;
      return {
        image: {
          format: "qed",
          ...base,
          fileLength: len,
          allocated: 4096 + table * cs,
          clusterSize: cs,
          qed: { tableClusters: table, l2: {} },
          ...(spec.backingFile !== undefined ? { backingFile: spec.backingFile } : {}),
          // QED only records that a raw backing file must not be probed
          ...(spec.backingFormat === "raw" ? { backingFormat: "raw" } : {}),
        },
      };
    }
    case "vmdk":
      return createVmdk(spec, size);
    case "vdi": {
      if (size > 0x1fffff8000000) return fail(`Unsupported VDI image size (size is 0x${size.toString(16)}, max supported is 0x1fffff8000000)`);
      const blocks = Math.ceil(size / (1 << 20));
      const header = 512 + roundUp(blocks * 4, 512);
      const isStatic = onOff(o.static);
      const len = isStatic ? header + blocks * (1 << 20) : header;
      // a static image's data starts right after the header and block map, in the file block they end in
      const headBlock = isStatic && header % 4096 ? Math.min(size, roundUp(header, 4096) - header) : 0;
      const data: Extent[] = headBlock > 0 ? [{ off: 0, len: headBlock, kind: "data", pat: 0, host: header }] : [];
      return { image: { format: "vdi", ...base, data, fileLength: len, allocated: roundUp(header, 4096), clusterSize: 1 << 20, vdi: { static: isStatic } } };
    }
    case "vpc": {
      const sub = o.subformat ?? "dynamic";
      if (sub !== "dynamic" && sub !== "fixed") return fail(`Parameter 'subformat' does not accept value '${sub}'`, true);
      const real = vpcSize(size, onOff(o.force_size));
      if (real === "too-large") return fail("Disk size is too large, max size is 2040 GiB", true, true);
      // a fixed image is the data then the footer; growing the new file wrote its first block (file-posix)
      if (sub === "fixed") return { image: { format: "vpc", virtualSize: real, data: firstBlock(real), fileLength: real + 512, allocated: 8192, vpc: { subformat: "fixed" } } };
      const entries = Math.ceil(real / (2 << 20));
      const len = 512 + 1024 + roundUp(entries * 4, 512) + 512;
      return { image: { format: "vpc", virtualSize: real, data: [], fileLength: len, allocated: roundUp(len, 4096), clusterSize: 2 << 20, vpc: { subformat: "dynamic" } } };
    }
    case "vhdx": {
      const sub = o.subformat ?? "dynamic";
      if (sub !== "dynamic" && sub !== "fixed") return fail(`Parameter 'subformat' does not accept value '${sub}'`, true);
      if (size > 64 * 2 ** 40) return fail("Image size too large; max of 64TB", true);
      // sizes given are rounded up to whole MiB first; a block size of 0 means the default for the image
      // size, a larger one than 256 MiB is cut down to it before the power-of-two check
      const logSize = o.log_size !== undefined ? roundUp(Number(o.log_size), 1 << 20) : 1 << 20;
      if (logSize > 0xffffffff) return fail("Log size must be smaller than 4 GB", true);
      if (logSize < 1 << 20) return fail("Log size must be a multiple of 1 MB", true);
      const req = o.block_size !== undefined ? roundUp(Number(o.block_size), 1 << 20) : 0;
      const blockSize = vhdxBlockSize(size, req);
      if (!isPow2(blockSize)) return fail("Block size must be a power of two", true);
      const fixed = sub === "fixed";
      const len = fixed ? (8 << 20) + roundUp(size, 1 << 20) : 8 << 20;
      return {
        image: {
          format: "vhdx",
          ...base,
          data: fixed && size > 0 ? [{ off: 0, len: size, kind: "data", pat: 0, host: 8 << 20 }] : [],
          fileLength: len,
          allocated: 1265664,
          clusterSize: blockSize,
          vhdx: { blockSize, logSize },
        },
      };
    }
    case "parallels": {
      const cs = o.cluster_size !== undefined ? Number(o.cluster_size) : 1 << 20;
      return { image: { format: "parallels", ...base, fileLength: 1 << 20, allocated: 1 << 20, clusterSize: cs } };
    }
    case "file":
      return { image: { format: "raw", ...base, fileLength: size, allocated: 0 } };
    case "qcow":
      return { image: { format: "qcow", ...base, fileLength: 48 + roundUp(Math.ceil(size / (512 * 4096)) * 8, 512), allocated: 4096, clusterSize: 4096, ...backingOf(spec) } };
    case "luks":
      if (!o["key-secret"]) return fail("Parameter 'key-secret' is required for cipher");
      if (!spec.secrets?.includes(o["key-secret"])) return fail(`No secret with id '${o["key-secret"]}'`);
      return { image: { format: "luks", ...base, fileLength: size + (16 << 20), allocated: 16 << 20 } };
    default:
      return fail(`Driver '${spec.format}' does not support image creation`);
  }
}

const backingOf = (spec: CreateSpec) => ({
  ...(spec.backingFile !== undefined ? { backingFile: spec.backingFile } : {}),
  ...(spec.backingFormat !== undefined ? { backingFormat: spec.backingFormat } : {}),
});

function createQcow2(spec: CreateSpec, size: number): CreateResult {
  const o = spec.options;
  const cs = o.cluster_size !== undefined ? Number(o.cluster_size) : 65536;
  const compatRaw = o.compat ?? "1.1";
  const compat = compatRaw === "0.10" || compatRaw === "v2" ? "0.10" : compatRaw === "1.1" || compatRaw === "v3" ? "1.1" : undefined;
  const lazy = onOff(o.lazy_refcounts);
  const refcountBits = o.refcount_bits !== undefined ? Number(o.refcount_bits) : 16;
  const compression = o.compression_type ?? "zlib";
  const extendedL2 = onOff(o.extended_l2);
  const pre = o.preallocation ?? "off";
  // the legacy encryption=on is an alias of encrypt.format (its 'aes' is the QAPI 'qcow')
  if (o.encryption !== undefined && o["encrypt.format"] !== undefined) return { error: { message: "'encrypt.format' and its alias 'encryption' can't be used at the same time", leavesEmptyFile: false, beforeFile: true } };
  const cryptRaw = o["encrypt.format"] ?? (onOff(o.encryption) ? "aes" : undefined);
  const crypt = cryptRaw === "qcow" ? "aes" : cryptRaw;
  // QAPI parsing of enum values first (in BlockdevCreateOptionsQcow2's field order), then qcow2_co_create's checks
  if (compat === undefined) return fail(`Parameter 'version' does not accept value '${compatRaw}'`);
  if (crypt !== undefined && crypt !== "aes" && crypt !== "luks") return fail(`Parameter 'format' does not accept value '${crypt}'`);
  if (crypt === undefined && Object.keys(o).some((k) => k.startsWith("encrypt.") && k !== "encrypt.format")) return fail("Parameter 'encrypt.format' is missing");
  if (!["off", "metadata", "falloc", "full"].includes(pre)) return fail(`Parameter 'preallocation' does not accept value '${pre}'`);
  if (compression !== "zlib" && compression !== "zstd") return fail(`Parameter 'compression-type' does not accept value '${compression}'`);
  if (!isPow2(cs) || cs < 512 || cs > 2 << 20) return fail("Cluster size must be a power of two between 512 and 2048k");
  if (extendedL2 && cs < 16384) return fail("Extended L2 entries are only supported with cluster sizes of at least 16384 bytes");
  if (spec.backingFile !== undefined && pre !== "off" && !extendedL2) return fail("Backing file and preallocation can only be used at the same time if extended_l2 is on");
  if (spec.backingFormat !== undefined && spec.backingFile === undefined) return fail("Backing format cannot be used without backing file");
  if (compat === "0.10" && lazy) return fail("Lazy refcounts only supported with compatibility level 1.1 and above (use version=v3 or greater)");
  if (!isPow2(refcountBits) || refcountBits > 64) return fail("Refcount width must be a power of two and may not exceed 64 bits");
  if (compat === "0.10" && refcountBits !== 16) return fail("Different refcount widths than 16 bits require compatibility level 1.1 or above (use version=v3 or greater)");
  if (onOff(o.data_file_raw) && o.data_file === undefined) return fail("data-file-raw requires data-file");
  if (onOff(o.data_file_raw) && spec.backingFile !== undefined) return fail("Backing file and data-file-raw cannot be used at the same time");
  if (o.data_file !== undefined && compat === "0.10") return fail("External data files are only supported with compatibility level 1.1 and above (use version=v3 or greater)");
  if (compat === "0.10" && compression !== "zlib") return fail("Non-zlib compression type is only supported with compatibility level 1.1 and above (use version=v3 or greater)");
  if (extendedL2 && compat === "0.10") return fail("Extended L2 entries are only supported with compatibility level 1.1 and above (use version=v3 or greater)");
  if (crypt) {
    // qcrypto_block_create(): the secret is looked up after the layout checks
    const key = o["encrypt.key-secret"];
    if (key === undefined) return fail("Parameter 'encrypt.key-secret' is required for cipher");
    if (!spec.secrets?.includes(key)) return fail(`No secret with id '${key}'`);
  }
  const l2e = extendedL2 ? 16 : 8;
  if (spec.virtualSize > 2 ** 63 - 1024) return fail("Could not resize image: Image size cannot be negative");
  if (sizeToL1({ cs, l2Entry: l2e }, size) > QCOW2_MAX_L1_ENTRIES) return fail("Could not resize image: Failed to grow the L1 table: File too large", false, true);
  // preallocated data has to fit in the host file (ext4: 16 TiB)
  if (pre !== "off" && size + (size / cs) * l2e > EXT4_MAX_FILE) return fail("Could not resize image: File too large", false, true);
  const q: Qcow2Image = freshLayout({ cs, refcountBits, extendedL2, virtualSize: size });
  // the LUKS header (default cipher, eight key slots) gets clusters of its own after the L1 table
  if (crypt === "luks") allocBytes(q, roundUp(LUKS_HEADER, cs));
  let data: Extent[] = [];
  if (pre !== "off" && size > 0) data = preallocateQcow2(q, size, pre);
  q.layout.next = 0;
  const image: DiskImage = {
    format: "qcow2",
    virtualSize: size,
    fileLength: q.fileLength,
    allocated: 0,
    clusterSize: cs,
    data,
    layout: q.layout,
    qcow2: { compat, lazyRefcounts: lazy, refcountBits, compressionType: compression as "zlib" | "zstd", extendedL2, corrupt: false, bitmaps: [], ...(o.data_file !== undefined ? { dataFile: o.data_file, dataFileRaw: onOff(o.data_file_raw) } : {}), ...(crypt ? { encrypt: { format: crypt as "aes" | "luks" } } : {}) },
    snapshots: [],
    ...backingOf(spec),
  };
  image.allocated = qcow2Allocated(image);
  return { image };
}

/**
 * Allocate L2 tables and data clusters for guest bytes [from, size) (preallocation=metadata|falloc|full,
 * at creation or when growing). Returns the new data runs.
 */
function preallocateQcow2(q: Qcow2Image, size: number, mode: string, from = 0): Extent[] {
  const l = q.layout;
  const cov = l2Coverage(l);
  const data: Extent[] = [];
  if (mode === "metadata") {
    for (let i = Math.floor(from / cov); i * cov < size; i++) {
      l2ForWrite(q, i);
      const s = Math.max(from, i * cov);
      const len = Math.min((i + 1) * cov, size) - s;
      const clusters = Math.ceil(len / l.cs);
      const host = allocBytes(q, clusters * l.cs, 0);
      data.push({ off: s, len, kind: "data", pat: 0, host, sparse: true });
    }
    q.fileLength = Math.max(q.fileLength, (lastCluster(q) + 1) * l.cs);
    return data;
  }
  // falloc/full: a new refcount area at the end of the file, the data after it, L2 tables wherever free
  const clusters = Math.ceil(size / l.cs) - Math.floor(from / l.cs);
  const perL2 = cov / l.cs;
  const start = lastCluster(q) + 1;
  const at = refcountArea(q, start, clusters + Math.ceil(clusters / perL2) + 1);
  const host = allocAt(q, at, clusters);
  for (let i = Math.floor(from / cov); i * cov < size; i++) l2ForWrite(q, i);
  data.push({ off: Math.floor(from / l.cs) * l.cs, len: size - Math.floor(from / l.cs) * l.cs, kind: "data", pat: 0, host, ...(mode === "falloc" ? { unwritten: true as const } : {}) });
  return data;
}

const lastCluster = (q: Qcow2Image) => {
  const r = q.layout.rc[q.layout.rc.length - 1]!;
  return r.s + r.n - 1;
};

/**
 * Bytes of the qcow2 file that hold something on the host filesystem: whole clusters for the header,
 * refcount structures, L2 tables and written data; tables (L1, snapshot table, bitmap directory) only as
 * far as they reach, in 4 KiB blocks; preallocated-but-unwritten data not at all.
 */
export function qcow2Allocated(img: DiskImage): number {
  const l = img.layout;
  if (!l) return roundUp(img.fileLength, 4096);
  let bytes = 0;
  for (const r of l.rc) bytes += r.n * l.cs;
  // tables written only as far as they reach
  const partial = (off: number, n: number) => {
    if (n > 0) bytes -= l.cs - Math.min(l.cs, roundUp(n, 4096));
  };
  partial(l.l1Offset, l.l1Size * 8 - Math.floor((l.l1Size * 8 - 1) / l.cs) * l.cs);
  if (l.snapBytes) partial(l.snapOffset, l.snapBytes - Math.floor((l.snapBytes - 1) / l.cs) * l.cs);
  if (l.bitmapDirBytes) partial(l.bitmapDirOffset, l.bitmapDirBytes);
  for (const t of bitmapTables(img)) partial(t.offset, t.bytes - Math.floor((t.bytes - 1) / l.cs) * l.cs);
  for (const sn of img.snapshots ?? []) if (sn.l1Offset !== undefined) partial(sn.l1Offset, ((sn.l1Size ?? 0) * 8) % l.cs || l.cs);
  // preallocated clusters never written, and host clusters only partly filled with compressed data
  const comp = new Map<number, number>();
  for (const e of img.data ?? []) {
    if (e.host === undefined) continue;
    if (e.comp) {
      const c = Math.floor(e.host / l.cs);
      comp.set(c, Math.max(comp.get(c) ?? 0, (e.host % l.cs) + 128));
    } else if (e.sparse) bytes -= Math.ceil(e.len / l.cs) * l.cs;
  }
  for (const used of comp.values()) bytes -= l.cs - Math.min(l.cs, roundUp(used, 4096));
  return Math.max(0, Math.min(roundUp(img.fileLength, 4096), bytes));
}

function createVmdk(spec: CreateSpec, size: number): CreateResult {
  const o = spec.options;
  const sub = o.subformat ?? "monolithicSparse";
  const adapter = o.adapter_type ?? "ide";
  if (!["monolithicSparse", "monolithicFlat", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat", "streamOptimized"].includes(sub)) return fail(`invalid parameter value: ${sub}`);
  if (!["ide", "lsilogic", "buslogic", "legacyESX"].includes(adapter)) return fail(`invalid parameter value: ${adapter}`);
  if (onOff(o.compat6) && o.hwversion !== undefined && o.hwversion !== "undefined") return fail("compat6 cannot be enabled with hwversion set");
  const cid = cidFrom(spec.seed ?? size);
  const sparseLen = (bytes: number) => {
    const grains = Math.ceil(bytes / 65536);
    const gts = Math.max(1, Math.ceil(grains / 512));
    const gd = Math.ceil((gts * 4) / 512);
    return roundUp(21 + 2 * (gd + 4 * gts), 128) * 512;
  };
  const sparseAlloc = (bytes: number) => {
    const gts = Math.max(1, Math.ceil(Math.ceil(bytes / 65536) / 512));
    return 4096 + 2 * roundUp(Math.ceil((gts * 4) / 512) * 512, 4096);
  };
  const meta = (createType: string, extents: VmdkExt[]) => ({ createType, cid, parentCid: 0xffffffff, extents, ...(o.hwversion ? { hwversion: o.hwversion } : {}), adapterType: adapter, ...(onOff(o.zeroed_grain) && !createType.endsWith("Flat") ? { zeroedGrain: true } : {}) });
  type VmdkExt = { filename: string; virtualSize: number; clusterSize?: number; format: string; compressed?: boolean; fileLength?: number };
  if (sub === "monolithicSparse" || sub === "streamOptimized") {
    const len = sparseLen(size);
    return {
      image: {
        format: "vmdk",
        virtualSize: size,
        data: [],
        fileLength: sub === "streamOptimized" ? len + 1536 : len,
        allocated: sparseAlloc(size),
        clusterSize: 65536,
        vmdk: meta(sub, [{ filename: "", virtualSize: size, clusterSize: 65536, format: "", ...(sub === "streamOptimized" ? { compressed: true } : {}) }]),
        ...backingOf(spec),
      },
    };
  }
  // descriptor file plus extent files named after it
  const flat = sub.endsWith("Flat");
  const split = sub.startsWith("twoGb");
  const pieces: number[] = [];
  if (split) for (let left = size; left > 0 || pieces.length === 0; left -= 2 ** 31) pieces.push(Math.min(left, 2 ** 31));
  else pieces.push(size);
  const name = spec.fileName ?? "disk.vmdk";
  const dot = name.lastIndexOf(".");
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
  const extents: VmdkExt[] = pieces.map((len, i) => ({ filename: `${stem}-${split ? `${flat ? "f" : "s"}${String(i + 1).padStart(3, "0")}` : "flat"}${ext}`, virtualSize: len, ...(flat ? {} : { clusterSize: 65536, fileLength: sparseLen(len) }), format: flat ? "FLAT" : "SPARSE" }));
  // flat extent files are grown from nothing, which writes their first block (file-posix)
  const data: Extent[] = [];
  if (flat) for (let i = 0, at = 0; i < pieces.length; at += pieces[i]!, i++) if (pieces[i]! > 0) data.push({ off: at, len: Math.min(4096, pieces[i]!), kind: "data", pat: 0, host: 0 });
  const extraFiles: Record<string, DiskImage> = {};
  for (const e of extents) {
    extraFiles[e.filename] = flat
      ? { format: "raw", virtualSize: e.virtualSize, fileLength: e.virtualSize, allocated: 0, data: [] }
      : { format: "vmdk", virtualSize: e.virtualSize, fileLength: sparseLen(e.virtualSize), allocated: sparseAlloc(e.virtualSize), clusterSize: 65536, data: [], vmdk: meta("monolithicSparse", []) };
  }
  const descLen = 300 + extents.length * 40;
  return { image: { format: "vmdk", virtualSize: size, data, fileLength: descLen, allocated: 4096, ...(flat ? {} : { clusterSize: 65536 }), vmdk: meta(sub, extents), ...backingOf(spec) }, extraFiles };
}

/** qcow2 preallocation is exported for resize --preallocation. */
export { preallocateQcow2, growL1 };
