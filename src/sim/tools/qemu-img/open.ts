// Opening image files the way QEMU's block layer does: format probing, -f mismatches, backing chains
// resolved relative to each image, image locks, chain loops, and QEMU's exact error texts for each.
import type { DiskImage } from "../../model/image";
import { resolvePath, stat, type Fs, type FileNode } from "../../model/fs";
import { FORMATS, ALL_DRIVERS, roundUp } from "../../model/image/formats";
import { normalize, type Extent } from "../../model/image/extents";

/** One opened image: the name QEMU uses for it, where it lives, and the data as its driver sees it. */
export interface Layer {
  /** File name as QEMU knows it (as typed, or composed from the overlay's name for backing files). */
  name: string;
  /** Absolute path in the simulated filesystem. */
  abs: string;
  /** Driver used (given with -f, probed, or the overlay's backing format). */
  format: string;
  /** The image seen through that driver (a qcow2 file opened as raw is a raw view of its bytes). */
  image: DiskImage;
  /** The stored image of the file, when the driver is its real format (what writes update). */
  native: boolean;
  /** The format was probed (raw guessed: QEMU warns on write). */
  probedRaw: boolean;
}

export interface OpenOptions {
  format?: string;
  write?: boolean;
  /** Open only this image, not its backing files (info, rebase -u, create's size lookup). */
  noBacking?: boolean;
  forceShare?: boolean;
}

export type OpenResult =
  | { ok: true; chain: Layer[] }
  | {
      ok: false;
      /** "Could not open 'NAME': ..." as qemu-img prints it after opening NAME itself */
      message: string;
      /** the same without the leading "Could not open 'NAME': " (what bdrv_open itself reports) */
      bare: string;
      /** WARNING lines printed before the error */
      warnings: string[];
    };

export const RAW_PROBE_WARNING = (name: string) =>
  `WARNING: Image format was not specified for '${name}' and probing guessed raw.\n         Automatically detecting the format is dangerous for raw images, write operations on block 0 will be restricted.\n         Specify the 'raw' format explicitly to remove the restrictions.\n`;

/** path_combine(): a backing file name relative to the directory of the image that names it. */
export function combinePath(base: string, rel: string): string {
  if (rel.startsWith("/") || rel === "") return rel;
  const slash = base.lastIndexOf("/");
  if (slash < 0) return rel;
  return base.slice(0, slash + 1) + rel;
}

/** Pattern prefix of a raw run that holds a whole image's bytes (see rawView). */
const IMAGE_BYTES = "image:";

/** The image a file really holds: a raw file that is a byte copy of another image is that image. */
export function imageOf(node: FileNode): DiskImage | undefined {
  const img = node.image;
  const first = img?.format === "raw" ? img.data?.[0] : undefined;
  if (!img || !first || first.off !== 0 || typeof first.pat !== "string" || !first.pat.startsWith(IMAGE_BYTES)) return img;
  try {
    return JSON.parse(first.pat.slice(IMAGE_BYTES.length)) as DiskImage;
  } catch {
    return img;
  }
}

/** The driver QEMU's probe picks for a file's content. */
export function probeFormat(node: FileNode): string {
  const img = imageOf(node);
  if (!img) return "raw";
  if (img.format === "vpc" && img.vpc?.subformat === "fixed") return "raw";
  if (img.format === "luks") return "luks";
  return img.format;
}

/** A plain file's bytes as a raw image (text files, or any image opened with -f raw). */
export function rawView(node: FileNode): DiskImage {
  const img = imageOf(node);
  const len = img ? img.fileLength : Buffer.byteLength(node.content, "utf8");
  const size = roundUp(len, 512);
  if (!img) {
    const data: Extent[] = len > 0 ? [{ off: 0, len, kind: "data", pat: `text:${hashText(node.content)}`, host: 0 }] : [];
    return { format: "raw", virtualSize: size, fileLength: len, allocated: len > 0 ? roundUp(len, 4096) : 0, data };
  }
  if (img.format === "raw") return img;
  // the container's bytes: its metadata (the first piece carries the whole image, so that a byte copy of
  // the file is that image again), then the data clusters where they sit in the file
  const whole = `${IMAGE_BYTES}${JSON.stringify(img)}`;
  const pieces: Extent[] = [];
  const put = (off: number, n: number, pat: number | string) => {
    const end = Math.min(len, off + n);
    if (end > off) pieces.push({ off, len: end - off, kind: "data", pat, host: off });
  };
  const l = img.layout;
  if (l) {
    // what QEMU wrote: data clusters where the guest data sits, whole metadata clusters otherwise, tables
    // (L1, snapshot table and L1 copies, bitmap directory) only as far as they reach
    const tables = new Map<number, number>();
    const table = (off: number, bytes: number) => bytes > 0 && tables.set(Math.floor(off / l.cs), roundUp(bytes % l.cs || l.cs, 4096));
    table(l.l1Offset + Math.floor((l.l1Size * 8 - 1) / l.cs) * l.cs, l.l1Size * 8);
    if (l.snapBytes) table(l.snapOffset + Math.floor((l.snapBytes - 1) / l.cs) * l.cs, l.snapBytes);
    if (l.bitmapDirBytes) table(l.bitmapDirOffset, l.bitmapDirBytes);
    for (const sn of img.snapshots ?? []) if (sn.l1Offset !== undefined) table(sn.l1Offset, (sn.l1Size ?? 0) * 8);
    const dataRanges = (img.data ?? [])
      .filter((e) => e.host !== undefined && !e.comp)
      .map((e) => ({ s: Math.floor(e.host! / l.cs) * l.cs, t: roundUp(e.host! + e.len, l.cs), e }))
      .sort((x, y) => x.s - y.s);
    // data clusters hold what was written, in whole 4 KiB blocks; parts zeroed with fallocate stay holes
    for (const d of dataRanges) if (!d.e.sparse && !d.e.unwritten) put(Math.floor(d.e.host! / 4096) * 4096, roundUp(d.e.host! + d.e.len, 4096) - Math.floor(d.e.host! / 4096) * 4096, d.e.kind === "data" ? (d.e.pat ?? 0) : 0);
    let k = 0;
    for (const r of l.rc) {
      let cur = r.s * l.cs;
      const end = (r.s + r.n) * l.cs;
      while (cur < end) {
        while (k < dataRanges.length && dataRanges[k]!.t <= cur) k++;
        const d = dataRanges[k];
        const stop = d && d.s < end ? Math.max(cur, d.s) : end;
        for (let c = cur / l.cs; c * l.cs < stop; ) {
          const t = tables.get(c);
          if (t !== undefined) {
            put(c * l.cs, t, c === 0 ? whole : `${img.format}-meta:${c}`);
            c++;
            continue;
          }
          // a run of whole metadata clusters up to the next table or data
          let n = 1;
          while ((c + n) * l.cs < stop && !tables.has(c + n)) n++;
          put(c * l.cs, n * l.cs, c === 0 ? whole : `${img.format}-meta:${c}`);
          c += n;
        }
        if (d && d.s < end && d.s <= stop) cur = Math.max(stop, d.t);
        else cur = end;
      }
    }
  } else {
    put(0, metaEnd(img), whole);
    for (const e of (img.data ?? []).filter((x) => x.host !== undefined && x.kind === "data" && !x.sparse)) put(e.host!, e.len, e.pat ?? 0);
    // a fixed VHD keeps its footer after the data
    if (img.format === "vpc" && img.vpc?.subformat === "fixed") put(img.virtualSize, 512, `vpc-footer:${img.virtualSize}`);
  }
  pieces.sort((x, y) => x.off - y.off);
  const data: Extent[] = [];
  for (const p of pieces) {
    const last = data[data.length - 1];
    const lastEnd = last ? last.off + last.len : 0;
    if (last && p.off < lastEnd) {
      if (p.off + p.len > lastEnd) data.push({ ...p, off: lastEnd, len: p.off + p.len - lastEnd, host: lastEnd });
      continue;
    }
    data.push(p);
  }
  return { format: "raw", virtualSize: size, fileLength: len, allocated: img.allocated, data: normalize(data) };
}

/** Where an image's own metadata ends in its file (the header area before data). */
function metaEnd(img: DiskImage): number {
  if (img.layout) return 4 * img.layout.cs;
  if (img.format === "vpc" && img.vpc?.subformat === "fixed") return 0;
  const firstData = Math.min(...(img.data ?? []).filter((e) => e.host !== undefined).map((e) => e.host!), img.fileLength);
  return firstData;
}

function hashText(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16);
}

/** Why a file cannot be read as format `fmt` (what the driver's open says). */
export function formatMismatch(fmt: string, node: FileNode): string | undefined {
  const actual = probeFormat(node);
  const image = imageOf(node);
  const real = image?.format ?? "raw";
  if (fmt === "raw" || fmt === "file") return undefined;
  if (fmt === real && !(fmt === "vpc" && actual === "raw" && false)) return undefined;
  if (fmt === "vpc" && real === "vpc") return undefined;
  switch (fmt) {
    case "qcow2":
      return "Image is not in qcow2 format";
    case "vmdk":
      return "invalid VMDK image descriptor";
    case "vdi":
      // qcow2's feature-name table sits where VDI keeps its disk size, unless a backing format extension comes first
      return real === "qcow2" && image?.qcow2?.compat === "1.1" && image.backingFormat === undefined ? "Unsupported VDI image size (size is 0x73746e756f636665, max supported is 0x1fffff8000000)" : "Image not in VDI format (bad signature 00000000)";
    case "vpc":
      return "invalid VPC image";
    case "vhdx":
      return `Could not open '${"\0"}': Invalid argument`;
    case "qed":
      return "Image not in QED format";
    case "luks":
      return "Volume is not in LUKS format";
    case "qcow":
      return real === "qcow2" ? "qcow (v1) does not support qcow version 3\nTry the 'qcow2' driver instead." : "Image not in qcow format";
    case "bochs":
      return "Image not in Bochs format";
    case "parallels":
      return "Image not in Parallels format";
    case "cloop":
      return "block_size cannot be zero";
    case "dmg":
      return "Could not locate UDIF trailer in dmg file";
    default:
      return `Driver '${fmt}' cannot open plain files`;
  }
}

/** The view a driver gives of a file. */
function viewAs(fmt: string, node: FileNode): { image: DiskImage; native: boolean } {
  const img = imageOf(node);
  if (fmt === "raw" || fmt === "file" || !img) return { image: rawView(node), native: !!img && img.format === "raw" };
  if (fmt === "vpc" && img.format === "vpc" && img.vpc?.subformat === "fixed") return { image: img, native: true };
  return { image: img, native: true };
}

export interface Opener {
  fs: Fs;
  cwd: string;
}

/**
 * Open `name` (and, unless noBacking, its backing chain). Error texts are what qemu-img prints after
 * "qemu-img: " (the caller adds "Could not open 'NAME': " where qemu-img does).
 */
export function openChain(o: Opener, name: string, opt: OpenOptions = {}): OpenResult {
  const warnings: string[] = [];
  const chain: Layer[] = [];
  const seen: string[] = [];
  let cur = name;
  let fmt = opt.format;
  // bdrv_open() refuses the combination before looking at the file
  if (opt.write && opt.forceShare) return failure(name, "force-share=on can only be used with read-only images", warnings);
  for (let depth = 0; ; depth++) {
    const r = openOne(o, cur, fmt, depth === 0 && !!opt.write);
    if (!r.ok) return failure(name, "Could not open backing file: ".repeat(depth) + r.message, warnings);
    if (depth === 0 && r.layer.probedRaw && opt.write) warnings.push(RAW_PROBE_WARNING(name));
    // a lock held by a running VM: reading the chain needs "consistent read" and refuses others' writes
    // (a read-only holder leaves reading free; a writer blocks readers unless they force-share)
    const lock = r.node.lock;
    if (lock) {
      const write = depth === 0 && opt.write;
      const ok = !write && (opt.forceShare || lock.shared);
      if (!ok) {
        const what = write ? `Failed to get "write" lock` : `Failed to get shared "write" lock`;
        const msg = `${what}\nIs another process using the image [${cur}]?`;
        return failure(name, "Could not open backing file: ".repeat(depth) + msg, warnings);
      }
    }
    chain.push(r.layer);
    if (opt.noBacking) break;
    const img = r.layer.image;
    if (!r.layer.native || img.backingFile === undefined || img.backingFile === "") break;
    seen.push(r.abs);
    const next = combinePath(cur, img.backingFile);
    const nextAbs = resolvePath(o.cwd, next);
    if (seen.includes(nextAbs)) return loopError(o, name, chain, next, nextAbs, !!opt.write, warnings);
    cur = next;
    fmt = img.backingFormat;
  }
  return { ok: true, chain };
}

/** A backing chain that comes back to itself: QEMU opens until it runs out of file descriptors. */
function loopError(o: Opener, name: string, chain: Layer[], next: string, nextAbs: string, write: boolean, warnings: string[]): OpenResult {
  if (write && nextAbs === resolvePath(o.cwd, name)) {
    if (chain.length === 1) return failure(name, `Could not open backing file: Failed to get shared "write" lock\nIs another process using the image [${next}]?`, warnings);
    return failure(name, `Failed to get "write" lock\nIs another process using the image [${name}]?`, warnings);
  }
  // with 1024 descriptors the 1017th image of the chain cannot be opened; names keep growing as each
  // backing file name is taken relative to the previous one
  const DEPTH = 1016;
  const backingOf = new Map(chain.map((l) => [l.abs, l.image.backingFile ?? ""]));
  let cur = next;
  for (let d = chain.length; d < DEPTH; d++) {
    if (cur.length >= 4096) return failure(name, `${"Could not open backing file: ".repeat(d)}Could not open '${cur}': File name too long`, warnings);
    cur = combinePath(cur, backingOf.get(resolvePath(o.cwd, cur)) ?? "");
  }
  if (cur.length >= 4096) return failure(name, `${"Could not open backing file: ".repeat(DEPTH)}Could not open '${cur}': File name too long`, warnings);
  return failure(name, `${"Could not open backing file: ".repeat(DEPTH)}Could not open '${cur}': Too many open files`, warnings);
}

const failure = (name: string, bare: string, warnings: string[]): OpenResult => ({ ok: false, message: `Could not open '${name}': ${bare}`, bare, warnings });

type OneResult = { ok: true; layer: Layer; node: FileNode; abs: string } | { ok: false; message: string };

/** Open one file with a driver; the message is the driver's own (the caller frames it). */
function openOne(o: Opener, name: string, fmt: string | undefined, write = false): OneResult {
  if (name === "") return { ok: false, message: `The 'file' block driver requires a file name` };
  if (fmt !== undefined && !ALL_DRIVERS.includes(fmt)) return { ok: false, message: `Unknown driver '${fmt}'` };
  const abs = resolvePath(o.cwd, name);
  const node = stat(o.fs, abs);
  if (!node) return { ok: false, message: `Could not open '${name}': No such file or directory` };
  // opening a directory for writing fails in open(2) already; read-only, file-posix's own check refuses it
  if (node.kind === "dir" && write) return { ok: false, message: `Could not open '${name}': Is a directory` };
  if (node.kind !== "file" || node.device) return { ok: false, message: `'file' driver requires '${name}' to be a regular file` };
  const probed = probeFormat(node);
  const driver = fmt ?? probed;
  if (fmt !== undefined) {
    const bad = formatMismatch(fmt, node);
    if (bad) return { ok: false, message: bad.includes("\0") ? bad.replace("\0", name) : bad };
  }
  if (!FORMATS[driver] && driver !== "file") return { ok: false, message: `Driver '${driver}' is not supported here` };
  const v = viewAs(driver, node);
  return { ok: true, node, abs, layer: { name, abs, format: driver === "file" ? "file" : driver, image: v.image, native: v.native, probedRaw: fmt === undefined && probed === "raw" } };
}

/** Error text for the top image when QEMU reports it without our "Could not open" framing. */
export const chainImages = (chain: Layer[]) => chain.map((l) => l.image);
