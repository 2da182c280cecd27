// qemu-img convert and dd: copying guest data into a new (or existing, -n) image of any format, with
// sparse detection, compression, backing files for the target, snapshots as source and -p progress.
import type { DirtyBitmap, DiskImage } from "../../model/image";
import { supportsBitmaps } from "../../model/image/bitmaps";
import { CompressedPacker, compressedClusterSize } from "../../model/image/compress";
import type { Extent } from "../../model/image/extents";
import { overwrite, within } from "../../model/image/extents";
import { FORMATS, qcow2Allocated, roundUp } from "../../model/image/formats";
import { contentOf, writeImage, writeRuns } from "../../model/image/io";
import { l2Coverage, l2ForWrite, type Qcow2Image } from "../../model/image/qcow2";
import { blockStatus } from "../../model/image/status";
import { resolvePath } from "../../model/fs";
import { accumulate, optionHelp, secretIds, vmdkBackingError } from "./create";
import { imageOpts } from "./info";
import { combinePath, type Layer } from "./open";
import { hasHelpOption, modelOptions, optionDescs, parseOptions, reparseWarnings } from "./opts";
import { Progress } from "./progress";
import { findSnapshotParam, parseSnapshotParam, type SnapshotParam } from "./snapparam";
import type { Run } from "./run";
import { cvtnum } from "./size";
import { createImage } from "../../model/image/formats";
import { chainGuest, withGuestView } from "../../model/image/guest";

const LOCK_ERR = (name: string) => `Failed to get "write" lock\nIs another process using the image [${name}]?`;

const CACHE_MODES = ["none", "off", "writeback", "writethrough", "directsync", "unsafe"];

/** A source region and what convert does with it. */
interface Piece {
  off: number;
  len: number;
  status: "data" | "zero" | "backing";
}

/** One source image of a conversion: where it starts in the target, its length, chain and status runs. */
interface Part {
  base: number;
  len: number;
  chain: DiskImage[];
  status: ReturnType<typeof blockStatus>;
  /** src_alignment: the source's cluster size (at least a sector), bytes. */
  align: number;
}

const BUF = 2 << 20;
const MAX_REQUEST = 0x7fffffff - 511 - ((0x7fffffff - 511) % 512);

/**
 * convert_iteration_sectors(): the pieces convert copies, in order. Each block status answer is trimmed to
 * the source/target alignment; data goes in buffer-sized pieces (one cluster when compressing, where a
 * short zero or unallocated stretch is read and written as a whole cluster); with a backing file for the
 * target, what the source's top layer does not hold is left to it (and zeroes past the end of the target's
 * backing file too).
 */
function convertPieces(parts: Part[], total: number, o: { ownOnly: boolean; targetBackingLen: number; compressed: boolean; cluster: number; dense: boolean; align: number }): Piece[] {
  const out: Piece[] = [];
  let sector = 0;
  let next = 0;
  let status: Piece["status"] = "data";
  let pi = 0;
  let ri = 0;
  while (sector < total) {
    while (sector - parts[pi]!.base >= parts[pi]!.len) {
      pi++;
      ri = 0;
    }
    const part = parts[pi]!;
    let n = Math.min(total - sector, MAX_REQUEST);
    let postBackingZero = false;
    if (o.targetBackingLen >= 0) {
      if (sector >= o.targetBackingLen) postBackingZero = true;
      else if (sector + n > o.targetBackingLen) n = o.targetBackingLen - sector;
    }
    if (next <= sector) {
      const local = sector - part.base;
      while (ri < part.status.length && part.status[ri]!.off + part.status[ri]!.len <= local) ri++;
      while (ri > 0 && part.status[ri]!.off > local) ri--;
      const r = part.status[ri]!;
      n = roundUp(Math.min(n, r.off + r.len - local, part.len - local), 512);
      const align = Math.max(part.align, o.align);
      const tail = (local + n) % align;
      if (n > tail) n -= tail;
      const own = !o.ownOnly || r.depth === 0;
      if (own && r.zero) status = postBackingZero ? "backing" : "zero";
      else if (own && r.data) status = "data";
      else status = o.ownOnly ? "backing" : "data";
      next = sector + n;
    }
    n = Math.min(n, next - sector);
    if (status === "data") n = Math.min(n, o.compressed ? o.cluster : BUF);
    if (o.compressed) {
      if (n < o.cluster) {
        n = Math.min(o.cluster, total - sector);
        status = "data";
      } else n = Math.floor(n / o.cluster) * o.cluster;
    }
    if (o.dense && status === "zero") n = Math.min(n, BUF);
    out.push({ off: sector, len: n, status });
    sector += n;
  }
  return out;
}

/** Byte ranges [start, end) of `runs` that are not zero, widened to whole sectors and merged. */
function nonzeroSectors(runs: readonly Extent[]): number[][] {
  const out: number[][] = [];
  for (const r of runs) {
    if ((r.pat ?? 0) === 0 || r.kind === "zero") continue;
    const s = Math.floor(r.off / 512) * 512;
    const t = Math.ceil((r.off + r.len) / 512) * 512;
    const last = out[out.length - 1];
    if (last && s <= last[1]!) last[1] = Math.max(last[1]!, t);
    else out.push([s, t]);
  }
  return out;
}

/**
 * is_allocated_sectors_min() over a buffer's content: how much of [x, x+n) to handle alike from x, and
 * whether as data. Zero stretches shorter than `min` between data are written as data; the ends of
 * stretches are aligned to `align` (bytes, all multiples of 512).
 */
function allocatedStretch(nz: number[][], x: number, n: number, min: number, align: number): { len: number; data: boolean } {
  const one = (at: number, left: number): { len: number; data: boolean } => {
    let k = 0;
    while (k < nz.length && nz[k]![1]! <= at) k++;
    const inData = k < nz.length && nz[k]![0]! <= at;
    const runEnd = inData ? nz[k]![1]! : k < nz.length ? nz[k]![0]! : Infinity;
    let zero = !inData;
    let i = Math.min(runEnd, at + left) - at;
    if (i === left) return { len: i, data: !zero };
    const tail = (at + i) % align;
    if (tail) {
      if (zero && i <= tail) zero = false;
      if (!zero) i = Math.min(i + align - tail, left);
      else i -= tail;
    }
    return { len: i, data: !zero };
  };
  if (n < min) min = n;
  const first = one(x, n);
  if (!first.data) return first;
  let used = first.len;
  let checked = used;
  let at = x + first.len;
  let left = n - first.len;
  while (left > 0) {
    const r = one(at, left);
    at += r.len;
    left -= r.len;
    checked += r.len;
    if (r.data) used = checked;
    else if (r.len >= min) break;
  }
  return { len: used, data: true };
}

/** Build the target image: create it with the driver, as `bdrv_create` does for convert. */
function createTarget(run: Run, out: string, fmt: string, size: number, options: Record<string, string>, backing?: string, backingFmt?: string, warnings: string[] = []): DiskImage | string {
  const abs = resolvePath(run.cwd, out);
  const slash = out.lastIndexOf("/");
  // the driver's second parse of -o warns again: raw before its protocol creates the file, the others after
  if (fmt === "raw") for (const w of warnings) run.report(w);
  if (!run.parentExists(out)) return `Could not create '${out}': No such file or directory`;
  if (fmt !== "raw") for (const w of warnings) run.report(w);
  const vmdkErr = vmdkBackingError(run, fmt, out, backing);
  if (vmdkErr) return vmdkErr;
  const r = createImage({ format: fmt, virtualSize: size, options, ...(backing !== undefined ? { backingFile: backing } : {}), ...(backingFmt !== undefined ? { backingFormat: backingFmt } : {}), seed: run.nowMs + run.world.seq, fileName: out.slice(slash + 1), secrets: secretIds(run) });
  if ("error" in r) return r.error.message;
  run.saveImage(abs, r.image);
  for (const [name, img] of Object.entries(r.extraFiles ?? {})) run.saveImage(combinePath(out, name), img);
  return r.image;
}

export function convertCommand(run: Run, argv: string[]): number {
  let minSparse = 4096;
  let explicitSparse = false;
  let snapParam: SnapshotParam | undefined;
  const a = run.getopt(
    argv,
    ":hf:O:B:CcF:o:l:S:pt:T:qnm:WUr:",
    [
      { name: "help", arg: "none", key: "h" },
      { name: "object", arg: "required", key: "object" },
      { name: "image-opts", arg: "none", key: "image-opts" },
      { name: "force-share", arg: "none", key: "U" },
      { name: "target-image-opts", arg: "none", key: "target-image-opts" },
      { name: "salvage", arg: "none", key: "salvage" },
      { name: "target-is-zero", arg: "none", key: "target-is-zero" },
      { name: "bitmaps", arg: "none", key: "bitmaps" },
      { name: "skip-broken-bitmaps", arg: "none", key: "skip-broken-bitmaps" },
    ],
    (o) => {
      if (o.key === "S") {
        const c = cvtnum("buffer size for sparse output", o.arg!);
        if (!c.ok) {
          for (const l of c.lines) run.report(l);
          throw run.exit(1);
        }
        if (c.value % 512n !== 0n || c.value / 512n > 32768n) {
          run.report("Invalid buffer size for sparse output specified. Valid sizes are multiples of 512 up to 16777216. Select 0 to disable sparse detection (fully allocates output).");
          throw run.exit(1);
        }
        minSparse = Number(c.value);
        explicitSparse = true;
      }
      if (o.key === "m" && !(/^(0x[0-9a-f]+|\d+)$/i.test(o.arg!) && Number(o.arg) >= 1 && Number(o.arg) <= 16)) {
        run.report("Invalid number of coroutines. Allowed number of coroutines is between 1 and 16");
        throw run.exit(1);
      }
      if (o.key === "l") snapParam = parseSnapshotParam(run, o.arg!);
      if (o.key === "r") {
        const c = cvtnum("rate limit", o.arg!);
        if (!c.ok) {
          for (const l of c.lines) run.report(l);
          throw run.exit(1);
        }
      }
    },
  );
  let options: string | undefined;
  for (const o of a.opts) if (o.key === "o") options = accumulate(run, options, o.arg!);
  const skipCreate = a.has("n");
  const compressedOpt = a.has("c");
  const outFmt = a.get("O") ?? "raw";
  if (a.has("skip-broken-bitmaps") && !a.has("bitmaps")) run.fail("Use of --skip-broken-bitmaps requires --bitmaps");
  if (compressedOpt && a.has("C")) run.fail("Cannot enable copy offloading when -c is used");
  if (explicitSparse && a.has("C")) run.fail("Cannot enable copy offloading when -S is used");
  if (a.has("C") && a.has("salvage")) run.fail("Cannot use copy offloading in salvaging mode");
  if (a.has("target-image-opts") && !skipCreate) run.fail("--target-image-opts requires use of -n flag");
  if (skipCreate && options !== undefined) run.fail("-o has no effect when skipping image creation");
  if (a.has("target-is-zero") && !skipCreate) run.fail("--target-is-zero requires use of -n flag");
  const srcNames = a.operands.slice(0, -1);
  const outName = a.operands.length >= 1 ? a.operands[a.operands.length - 1]! : undefined;
  if (options !== undefined && hasHelpOption(options)) return optionHelp(run, outFmt, outName);
  if (srcNames.length < 1) run.fail("Must specify image file name");
  const srcCache = a.get("T");
  if (srcCache !== undefined && !CACHE_MODES.includes(srcCache)) run.fail(`Invalid source cache option: ${srcCache}`);
  const quiet = a.has("q");
  const progress = new Progress(a.has("p") && !quiet, 1);
  progress.print(0, 100);
  const fail = (msg: string): number => {
    run.report(msg);
    progress.end();
    run.stdout(progress.text);
    return 1;
  };
  // --bitmaps: one source that can hold persistent bitmaps (checked just before the target is created)
  const bitmapsOk = (): boolean => {
    if (sources.length > 1) return fail("Copying bitmaps only possible with single source") === 0;
    const src = sources[0]![0]!;
    if (!(src.native && supportsBitmaps(src.image))) return fail("Source lacks bitmap support") === 0;
    return true;
  };
  // open the sources
  const sources: Layer[][] = [];
  for (const name of srcNames) {
    let file = name;
    let fmt = a.get("f");
    if (a.has("image-opts")) ({ name: file, format: fmt } = imageOpts(run, file, fmt));
    const o = run.tryOpen(file, { ...(fmt !== undefined ? { format: fmt } : {}), forceShare: a.has("U") });
    if (!o.ok) return fail(o.message);
    sources.push(o.chain);
  }
  let srcChains = sources.map((c) => c.map((l) => l.image));
  const outAbs = outName !== undefined ? resolvePath(run.cwd, outName) : "";
  const busy = () => !a.has("U") && sources.some((c) => c.some((l) => l.abs === outAbs));
  if (snapParam !== undefined) {
    if (sources.length > 1) return fail("No support for concatenating multiple snapshot");
    const top = srcChains[0]![0]!;
    const sn = findSnapshotParam(top, snapParam);
    if (!sn || !sources[0]![0]!.native) return fail("Failed to load snapshot: Can't find snapshot");
    srcChains = [[withGuestView({ ...top, data: sn.data, virtualSize: sn.virtualSize }, sn.guest), ...srcChains[0]!.slice(1)]];
  }
  const total = srcChains.reduce((n, c) => n + roundUp(c[0]!.virtualSize, 512), 0);
  const backing = a.get("B");
  const backingFmt = a.get("F");
  let target: DiskImage;
  let targetLayer: Layer | undefined;
  let targetChain: DiskImage[] = [];
  let zeroInit = false;
  const drv = FORMATS[outFmt];
  if (!skipCreate) {
    if (!drv) return fail(`Unknown file format '${outFmt}'`);
    if (!drv.create) return fail(`Format driver '${outFmt}' does not support image creation`);
    const descs = optionDescs(outFmt, true);
    const parsed = parseOptions(options ?? "", descs);
    if (!parsed.ok) {
      for (const w of parsed.warnings ?? []) run.report(w);
      return fail(parsed.message);
    }
    for (const w of parsed.warnings) run.report(w);
    if (backing !== undefined && !descs.some((d) => d.name === "backing_file")) return fail(`Backing file not supported for file format '${outFmt}'`);
    if (backingFmt !== undefined && !descs.some((d) => d.name === "backing_fmt")) return fail(`Backing file format not supported for file format '${outFmt}'`);
    const opts = modelOptions(parsed, descs);
    delete opts.size;
    if (backing !== undefined) opts.backing_file = backing;
    if (backingFmt !== undefined) opts.backing_fmt = backingFmt;
    const outBacking = opts.backing_file;
    if (outBacking !== undefined && srcNames.length > 1) return fail("Having a backing file for the target makes no sense when concatenating multiple input images");
    if (outBacking !== undefined && opts.backing_fmt === undefined) return fail("Use of backing file requires explicit backing format");
    if (compressedOpt) {
      if (!drv.compress) return fail("Compression not supported for this file format");
      if (opts.encryption === "on" || opts["encrypt.format"] !== undefined) return fail("Compression and encryption not supported at the same time");
      if (opts.preallocation !== undefined && opts.preallocation !== "off") return fail("Compression and preallocation not supported at the same time");
    }
    if (a.has("bitmaps") && !bitmapsOk()) return 1;
    const bf = opts.backing_file;
    const bff = opts.backing_fmt;
    delete opts.backing_file;
    delete opts.backing_fmt;
    // the sources are open: creating one of their files again cannot take the write lock
    if (busy()) return fail(`${outName}: error while converting ${outFmt}: ${LOCK_ERR(outName!)}`);
    const made = createTarget(run, outName!, outFmt, total, opts, bf, bff, reparseWarnings(outFmt, parsed, descs, ["size"]));
    if (typeof made === "string") return fail(`${outName}: error while converting ${outFmt}: ${made}`);
    const cache = a.get("t");
    if (cache !== undefined && !CACHE_MODES.includes(cache)) return fail(`Invalid cache option: ${cache}`);
    const t = run.tryOpen(outName!, { format: outFmt, write: true });
    if (!t.ok) return fail(t.message);
    targetLayer = t.chain[0]!;
    targetChain = t.chain.slice(1).map((l) => l.image);
    target = made;
    // a new file reads as zeroes (bdrv_has_zero_init), preallocated or not
    zeroInit = minSparse > 0 && bf === undefined;
  } else {
    if (a.has("bitmaps") && !bitmapsOk()) return 1;
    const cache = a.get("t");
    if (cache !== undefined && !CACHE_MODES.includes(cache)) return fail(`Invalid cache option: ${cache}`);
    if (busy()) return fail(`Could not open '${outName}': ${LOCK_ERR(outName!)}`);
    const t = run.tryOpen(outName!, { ...(a.get("O") !== undefined ? { format: outFmt } : {}), write: true });
    if (!t.ok) return fail(t.message);
    targetLayer = t.chain[0]!;
    targetChain = t.chain.slice(1).map((l) => l.image);
    target = targetLayer.image;
    if (compressedOpt && !FORMATS[targetLayer.format]?.compress) return fail("Compression not supported for this file format");
    if (roundUp(target.virtualSize, 512) < total) return fail("output file is smaller than input file");
    zeroInit = a.has("target-is-zero");
  }
  if (a.has("bitmaps") && !(targetLayer.native && supportsBitmaps(target))) return fail(`Format driver '${targetLayer.format}' does not support bitmaps`);
  const hasBacking = target.backingFile !== undefined;
  const compressed = compressedOpt || (target.format === "vmdk" && target.vmdk?.createType === "streamOptimized");
  const cluster = target.clusterSize ?? 65536;
  // convert_do_copy(): compressing needs a cluster that fits the 2 MiB buffer (flat vmdk extents do not)
  const flatVmdk = target.format === "vmdk" && /Flat$/.test(target.vmdk?.createType ?? "");
  if (compressed && (flatVmdk || cluster > BUF)) return fail("invalid cluster size");
  // what to copy, piece by piece in order, as convert's coroutines write it (in order unless -W)
  const parts: Part[] = [];
  let base = 0;
  for (const c of srcChains) {
    const len = roundUp(c[0]!.virtualSize, 512);
    parts.push({ base, len, chain: c, status: blockStatus(c, 0, len), align: Math.max(512, c[0]!.clusterSize ?? 0) });
    base += len;
  }
  const targetBackingLen = hasBacking ? (targetChain[0] ? roundUp(targetChain[0].virtualSize, 512) : 0) : -1;
  const align = Math.max(1, 2 ** Math.floor(Math.log2(Math.max(1, minSparse / 512)))) * 512;
  const pieces = convertPieces(parts, total, { ownOnly: hasBacking, targetBackingLen, compressed, cluster, dense: minSparse === 0, align });
  /** What the sources hold over [s, e) of the target, as content runs. */
  const sourceContent = (s: number, e: number): Extent[] => {
    const runs: Extent[] = [];
    for (const p of parts) {
      const a = Math.max(s, p.base);
      const b = Math.min(e, p.base + p.len);
      if (b > a) for (const r of contentOf(p.chain, a - p.base, b - p.base)) runs.push({ ...r, off: r.off + p.base });
    }
    return runs;
  };
  const counted = (p: Piece) => p.status === "data" || (minSparse === 0 && p.status === "zero");
  const allocated = pieces.filter(counted).reduce((n, p) => n + p.len, 0);
  let done = 0;
  let img = target;
  const packer = compressed && img.layout ? new CompressedPacker(workCopy(img)) : undefined;
  // compressed clusters written one after another are put into the data map together (one list update)
  let pending: Extent[] = [];
  const flush = () => {
    if (!pending.length) return;
    const last = pending[pending.length - 1]!;
    img = { ...img, layout: packer!.image.layout, fileLength: packer!.image.fileLength, data: overwrite(img.data ?? [], pending[0]!.off, last.off + last.len, pending) };
    pending = [];
  };
  const writeData = (runs: Extent[]) => {
    flush();
    img = writeRuns([img, ...targetChain], runs);
  };
  const writeZeroes = (off: number, len: number) => {
    flush();
    if (!zeroInit) img = writeImage([img, ...targetChain], off, len, { kind: "zero", unmap: true });
  };
  for (const p of pieces) {
    if (counted(p)) {
      done += p.len;
      progress.print((100 * done) / allocated, 0);
    }
    if (p.status === "backing") {
      flush();
      continue;
    }
    if (p.status === "zero") {
      flush();
      if (minSparse === 0) img = writeImage([img, ...targetChain], p.off, p.len, { kind: "data", pat: 0 });
      else writeZeroes(p.off, p.len);
      continue;
    }
    const runs = sourceContent(p.off, p.off + p.len);
    if (minSparse === 0) {
      writeData(runs);
      continue;
    }
    if (compressed) {
      // a compressed cluster is written whole, unless it is all zeroes
      if (runs.every((r) => (r.pat ?? 0) === 0)) writeZeroes(p.off, p.len);
      else if (packer) {
        if (pending.length && pending[pending.length - 1]!.off + pending[pending.length - 1]!.len !== p.off) flush();
        pending.push(...compressedCluster(img, packer, p.off, runs));
      }
      else writeData(runs);
      continue;
    }
    // convert_co_write(): sector-wise sparse detection over the buffer
    const nz = nonzeroSectors(runs);
    for (let at = p.off; at < p.off + p.len; ) {
      const st = allocatedStretch(nz, at, p.off + p.len - at, minSparse, align);
      if (st.data) writeData(within(runs, at, at + st.len));
      else writeZeroes(at, st.len);
      at += st.len;
    }
  }
  flush();
  if (packer) img = { ...img, fileLength: Math.max(img.fileLength, packer.fileLength) };
  if (img.layout) img = { ...img, allocated: qcow2Allocated(img) };
  if (a.has("bitmaps")) {
    // convert_copy_bitmaps(): the source's bitmaps, last first, each created and filled in the target
    const have = img.qcow2!.bitmaps;
    const added: DirtyBitmap[] = [];
    for (const b of [...(sources[0]![0]!.image.qcow2?.bitmaps ?? [])].reverse()) {
      if (have.some((x) => x.name === b.name)) {
        run.saveLayer(targetLayer, { ...img, qcow2: { ...img.qcow2!, bitmaps: [...have, ...added] } });
        return fail(`Failed to create bitmap ${b.name}: Bitmap already exists: ${b.name}`);
      }
      added.unshift({ name: b.name, granularity: b.granularity, flags: [...b.flags], ...(b.dirty?.length ? { dirty: b.dirty } : {}) });
    }
    img = { ...img, qcow2: { ...img.qcow2!, bitmaps: [...have, ...added] } };
  }
  // the target shows the guest's files of a single source (a concatenation has no one view)
  img = withGuestView(img, srcChains.length === 1 ? chainGuest(srcChains[0]!) : undefined, targetChain);
  run.saveLayer(targetLayer, img);
  progress.print(100, 0);
  progress.end();
  run.stdout(progress.text);
  return 0;
}

/** The packer works on the target's layout; keep one mutable copy of it for the whole conversion. */
function workCopy(img: DiskImage): Qcow2Image & { fileLength: number } {
  const l = img.layout!;
  return { layout: { ...l, rc: l.rc.map((r) => ({ ...r })), rb: [...l.rb], l2: { ...l.l2 } }, fileLength: img.fileLength };
}

/** One compressed cluster into a qcow2 target: its content (zero-padded to the cluster) deflated and packed; the extents to put in the data map. */
function compressedCluster(img: DiskImage, packer: CompressedPacker, off: number, runs: Extent[]): Extent[] {
  const q = packer.image;
  const cs = q.layout.cs;
  const per = l2Coverage(q.layout) / cs;
  l2ForWrite(q, Math.floor(off / cs / per));
  const host = packer.alloc(compressedClusterSize(runs.map((r) => ({ len: r.len, pat: r.pat ?? 0 })), cs, img.qcow2?.compressionType ?? "zlib"));
  return runs.map((r): Extent => ({ off: r.off, len: r.len, kind: "data", pat: r.pat ?? 0, host, comp: true }));
}

// ------------------------------------------------------------------------------------------------ dd

export function ddCommand(run: Run, argv: string[]): number {
  const a = run.getopt(argv, ":hf:O:U", [
    { name: "help", arg: "none", key: "h" },
    { name: "object", arg: "required", key: "object" },
    { name: "image-opts", arg: "none", key: "image-opts" },
    { name: "force-share", arg: "none", key: "U" },
  ]);
  let bs = 512;
  let count: number | undefined;
  let skip: number | undefined;
  let input: string | undefined;
  let output: string | undefined;
  for (const arg of a.operands) {
    const eq = arg.indexOf("=");
    const key = eq < 0 ? undefined : arg.slice(0, eq);
    const val = arg.slice(eq + 1);
    if (key === undefined || !["bs", "count", "if", "of", "skip"].includes(key)) return run.fail(`unrecognized operand ${key ?? arg}`);
    if (key === "bs") {
      const c = cvtnum("bs", val, 1n, 2147483647n);
      if (!c.ok) {
        for (const l of c.lines) run.report(l);
        return 1;
      }
      bs = Number(c.value);
    } else if (key === "count" || key === "skip") {
      const c = cvtnum(key, val);
      if (!c.ok) {
        for (const l of c.lines) run.report(l);
        return 1;
      }
      if (key === "count") count = Number(c.value);
      else skip = Number(c.value);
    } else if (key === "if") input = val;
    else output = val;
  }
  if (input === undefined || output === undefined) return run.fail("Must specify both input and output files");
  let file = input;
  let fmt = a.get("f");
  if (a.has("image-opts")) ({ name: file, format: fmt } = imageOpts(run, file, fmt));
  const srcLayers = run.open(file, { ...(fmt !== undefined ? { format: fmt } : {}), forceShare: a.has("U") });
  const src = srcLayers.map((l) => l.image);
  const outFmt = a.get("O") ?? "raw";
  const drv = FORMATS[outFmt];
  if (!drv) return run.fail("Unknown file format");
  if (!drv.create) return run.fail(`Format driver '${outFmt}' does not support image creation`);
  let size = src[0]!.virtualSize;
  if (count !== undefined && count * bs < size) size = count * bs;
  const skipBytes = skip !== undefined ? skip * bs : 0;
  const beyond = skip !== undefined && size < skipBytes;
  if (!a.has("U") && srcLayers.some((l) => l.abs === resolvePath(run.cwd, output))) return run.fail(`${output}: error while creating output image: ${LOCK_ERR(output)}`);
  const made = createTarget(run, output, outFmt, beyond ? 0 : size - skipBytes, {});
  if (typeof made === "string") return run.fail(`${output}: error while creating output image: ${made}`);
  const t = run.tryOpen(output, { format: outFmt, write: true });
  if (!t.ok) return run.fail(t.message);
  if (beyond) run.report(`${input}: cannot skip to specified offset`);
  let img = t.chain[0]!.image;
  // dd writes every block it reads, zeroes included
  if (!beyond)
    for (const r of contentOf(src, skipBytes, size)) img = writeImage([img], r.off - skipBytes, r.len, { kind: "data", pat: r.pat ?? 0 });
  // a copy from the start shows the guest's files (its partition table is there); skipped into, it shows none
  img = withGuestView(img, skipBytes === 0 && !beyond ? chainGuest(src) : undefined);
  run.saveLayer(t.chain[0]!, img);
  return 0;
}
