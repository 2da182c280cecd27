// qemu-img convert and dd: copying guest data into a new (or existing, -n) image of any format, with
// sparse detection, compression, backing files for the target, snapshots as source and -p progress.
import type { DirtyBitmap, DiskImage } from "../../model/image";
import { supportsBitmaps } from "../../model/image/bitmaps";
import { findSnapshot } from "../../model/image";
import { CompressedPacker, compressedSize } from "../../model/image/compress";
import type { Extent } from "../../model/image/extents";
import { overwrite } from "../../model/image/extents";
import { FORMATS, qcow2Allocated, roundUp } from "../../model/image/formats";
import { contentOf, writeImage } from "../../model/image/io";
import { l2Coverage, l2ForWrite, type Qcow2Image } from "../../model/image/qcow2";
import { blockStatus } from "../../model/image/status";
import { resolvePath } from "../../model/fs";
import { accumulate, optionHelp } from "./create";
import { imageOpts } from "./info";
import { combinePath, type Layer } from "./open";
import { hasHelpOption, modelOptions, optionDescs, parseOptions } from "./opts";
import { Progress } from "./progress";
import type { Run } from "./run";
import { cvtnum } from "./size";
import { createImage } from "../../model/image/formats";

const CACHE_MODES = ["none", "off", "writeback", "writethrough", "directsync", "unsafe"];

/** A source region and what convert does with it. */
interface Piece {
  off: number;
  len: number;
  status: "data" | "zero" | "backing";
  /** Content runs (absolute target offsets) for data pieces. */
  runs: Extent[];
}

/** Build the target image: create it with the driver, as `bdrv_create` does for convert. */
function createTarget(run: Run, out: string, fmt: string, size: number, options: Record<string, string>, backing?: string, backingFmt?: string): DiskImage | string {
  const abs = resolvePath(run.cwd, out);
  const slash = out.lastIndexOf("/");
  if (!run.parentExists(out)) return `Could not create '${out}': No such file or directory`;
  const r = createImage({ format: fmt, virtualSize: size, options, ...(backing !== undefined ? { backingFile: backing } : {}), ...(backingFmt !== undefined ? { backingFormat: backingFmt } : {}), seed: run.nowMs + run.world.seq, fileName: out.slice(slash + 1) });
  if ("error" in r) return r.error.message;
  run.saveImage(abs, r.image);
  for (const [name, img] of Object.entries(r.extraFiles ?? {})) run.saveImage(combinePath(out, name), img);
  return r.image;
}

/** The source chain's view for convert: whole chain, or only the top layer when the target has a backing file. */
function sourcePieces(chain: DiskImage[], base: number, len: number, ownOnly: boolean, chunk: number, compressed: boolean, cluster: number, dense: boolean): Piece[] {
  const out: Piece[] = [];
  const status = blockStatus(chain, 0, len);
  for (const s of status) {
    let st: Piece["status"];
    if (ownOnly && (s.depth > 0 || !s.allocated)) st = "backing";
    else if (s.zero) st = "zero";
    else if (s.data) st = "data";
    else st = ownOnly ? "backing" : "data";
    // data (and, with -S 0, zeroes too) goes in buffer-sized pieces
    const step = st === "data" ? (compressed ? cluster : chunk) : st === "zero" && dense ? chunk : Number.MAX_SAFE_INTEGER;
    for (let o = s.off; o < s.off + s.len; ) {
      const n = Math.min(step, s.off + s.len - o);
      out.push({ off: base + o, len: n, status: st, runs: st === "data" ? contentOf(chain, o, o + n).map((r) => ({ ...r, off: r.off + base })) : [] });
      o += n;
    }
  }
  return out;
}

export function convertCommand(run: Run, argv: string[]): number {
  let minSparse = 4096;
  let explicitSparse = false;
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
    if (a.has("image-opts")) ({ name: file, format: fmt } = imageOpts(run, file));
    const o = run.tryOpen(file, { ...(fmt !== undefined ? { format: fmt } : {}), forceShare: a.has("U") });
    if (!o.ok) return fail(o.message);
    sources.push(o.chain);
  }
  let srcChains = sources.map((c) => c.map((l) => l.image));
  const snap = a.get("l");
  if (snap !== undefined) {
    if (sources.length > 1) return fail("No support for concatenating multiple snapshot");
    const m = /^snapshot\.(id|name)=(.*)$/.exec(snap);
    const top = srcChains[0]![0]!;
    const sn = m ? (top.snapshots ?? []).find((s) => (m[1] === "id" ? s.id : s.name) === m[2]) : findSnapshot(top, snap);
    if (!sn || !sources[0]![0]!.native) return fail("Failed to load snapshot: Can't find snapshot");
    srcChains = [[{ ...top, data: sn.data, virtualSize: sn.virtualSize }, ...srcChains[0]!.slice(1)]];
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
    if (!parsed.ok) return fail(parsed.message);
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
    const made = createTarget(run, outName!, outFmt, total, opts, bf, bff);
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
  // what to copy, piece by piece in order, as convert's coroutines write it (in order unless -W)
  const pieces: Piece[] = [];
  let base = 0;
  for (const c of srcChains) {
    pieces.push(...sourcePieces(c, base, roundUp(c[0]!.virtualSize, 512), hasBacking, 2 << 20, compressed, cluster, minSparse === 0));
    base += roundUp(c[0]!.virtualSize, 512);
  }
  const counted = (p: Piece) => p.status === "data" || (minSparse === 0 && p.status === "zero");
  const allocated = pieces.filter(counted).reduce((n, p) => n + p.len, 0);
  let done = 0;
  let img = target;
  const packer = compressed && img.layout ? new CompressedPacker(workCopy(img)) : undefined;
  for (const p of pieces) {
    if (counted(p)) {
      done += p.len;
      progress.print((100 * done) / allocated, 0);
    }
    if (p.status === "backing") continue;
    if (p.status === "zero" && minSparse === 0) {
      img = writeImage([img, ...targetChain], p.off, p.len, { kind: "data", pat: 0 });
      continue;
    }
    if (p.status === "zero") {
      if (!zeroInit) img = writeImage([img, ...targetChain], p.off, p.len, { kind: "zero", unmap: true });
      continue;
    }
    for (const r of p.runs) {
      const isZero = r.pat === 0;
      if (isZero && minSparse > 0) {
        if (r.len >= minSparse || compressed) {
          if (!zeroInit) img = writeImage([img, ...targetChain], r.off, r.len, { kind: "zero", unmap: true });
          continue;
        }
      }
      if (compressed && packer) img = writeCompressedCluster(img, packer, r);
      else if (compressed) img = writeImage([img, ...targetChain], r.off, r.len, { kind: "data", pat: r.pat! });
      else img = writeImage([img, ...targetChain], r.off, r.len, { kind: "data", pat: r.pat! });
    }
  }
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

/** One compressed cluster into a qcow2 target (or a streamOptimized vmdk grain). */
function writeCompressedCluster(img: DiskImage, packer: CompressedPacker, r: Extent): DiskImage {
  const q = packer.image;
  const cs = q.layout.cs;
  const per = l2Coverage(q.layout) / cs;
  l2ForWrite(q, Math.floor(r.off / cs / per));
  const host = packer.alloc(compressedSize(r.pat ?? 0, cs, img.qcow2?.compressionType ?? "zlib"));
  return { ...img, layout: q.layout, fileLength: q.fileLength, data: overwrite(img.data ?? [], r.off, r.off + r.len, [{ off: r.off, len: r.len, kind: "data", pat: r.pat ?? 0, host, comp: true }]) };
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
  if (a.has("image-opts")) ({ name: file, format: fmt } = imageOpts(run, file));
  const src = run.open(file, { ...(fmt !== undefined ? { format: fmt } : {}), forceShare: a.has("U") }).map((l) => l.image);
  const outFmt = a.get("O") ?? "raw";
  const drv = FORMATS[outFmt];
  if (!drv) return run.fail("Unknown file format");
  if (!drv.create) return run.fail(`Format driver '${outFmt}' does not support image creation`);
  let size = src[0]!.virtualSize;
  if (count !== undefined && count * bs < size) size = count * bs;
  const skipBytes = skip !== undefined ? skip * bs : 0;
  const beyond = skip !== undefined && size < skipBytes;
  const made = createTarget(run, output, outFmt, beyond ? 0 : size - skipBytes, {});
  if (typeof made === "string") return run.fail(`${output}: error while creating output image: ${made}`);
  const t = run.tryOpen(output, { format: outFmt, write: true });
  if (!t.ok) return run.fail(t.message);
  if (beyond) run.report(`${input}: cannot skip to specified offset`);
  let img = t.chain[0]!.image;
  // dd writes every block it reads, zeroes included
  if (!beyond)
    for (const r of contentOf(src, skipBytes, size)) img = writeImage([img], r.off - skipBytes, r.len, { kind: "data", pat: r.pat ?? 0 });
  run.saveLayer(t.chain[0]!, img);
  return 0;
}
