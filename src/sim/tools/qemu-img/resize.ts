// qemu-img resize: absolute and +/- relative sizes, --shrink, --preallocation, per-format support.
import { truncateBitmaps } from "../../model/image/bitmaps";
import type { DiskImage } from "../../model/image";
import { overwrite, truncate, within, type Extent } from "../../model/image/extents";
import { growL1, preallocateQcow2, qcow2Allocated, roundUp } from "../../model/image/formats";
import { writeImage } from "../../model/image/io";
import { addRef, sizeToL1, lastUsed, type Qcow2Image } from "../../model/image/qcow2";
import { imageOpts } from "./info";
import { RAW_PROBE_WARNING } from "./open";
import type { Run } from "./run";
import { optSize } from "./size";

const PREALLOC = ["off", "metadata", "falloc", "full"];
const EXT4_MAX_FILE = 17592186040320;
const QCOW2_MAX_L1_ENTRIES = (32 << 20) / 8;

/**
 * Resize a plain file holding a raw image (or any image seen as raw): the file gets exactly `size` bytes.
 * The filesystem keeps whole 4 KiB blocks: a block cut by a shrink stays allocated, and fallocate or a
 * full preallocation starts at the block that holds the old end of file.
 */
function resizeRaw(img: DiskImage, size: number, prealloc: string): DiskImage {
  const oldLen = img.fileLength;
  let data = img.data ?? [];
  let allocated = img.allocated;
  if (size < oldLen) {
    const dropped = within(data, size, img.virtualSize).reduce((n, e) => n + (e.host !== undefined ? e.len : 0), 0);
    const tail = within(data, size - 1, size)[0];
    data = truncate(data, size);
    const blockEnd = Math.ceil(size / 4096) * 4096;
    if (tail?.kind === "data" && blockEnd > size) data = [...data, { off: size, len: blockEnd - size, kind: "data", pat: 0, host: size }];
    allocated = Math.max(0, allocated - dropped);
  } else if (size > oldLen && (prealloc === "full" || prealloc === "falloc")) {
    const end = Math.ceil(size / 512) * 512;
    if (prealloc === "full") {
      const from = Math.floor(oldLen / 4096) * 4096;
      const keep: Extent[] = within(data, from, oldLen).map((e) => (e.kind === "data" ? e : { ...e, kind: "data" as const, pat: 0, host: e.off }));
      const holes = holesIn(keep, from, oldLen).map(([o, n]) => ({ off: o, len: n, kind: "data" as const, pat: 0, host: o }));
      const grown: Extent = { off: oldLen, len: end - oldLen, kind: "data", pat: 0, host: oldLen };
      data = overwrite(data, from, end, [...keep, ...holes, grown].sort((x, y) => x.off - y.off));
    } else {
      const held = within(data, oldLen, end);
      const fill = holesIn(held, oldLen, end).map(([o, n]) => ({ off: o, len: n, kind: "zero" as const, host: o }));
      data = overwrite(data, oldLen, end, [...held, ...fill].sort((x, y) => x.off - y.off));
    }
    allocated += roundUp(size - oldLen, 4096);
  }
  return { ...img, virtualSize: roundUp(size, 512), fileLength: size, data, allocated };
}

/** The gaps between sorted runs inside [start, end). */
function holesIn(runs: { off: number; len: number }[], start: number, end: number): [number, number][] {
  const out: [number, number][] = [];
  let cur = start;
  for (const r of runs) {
    if (r.off > cur) out.push([cur, r.off - cur]);
    cur = Math.max(cur, r.off + r.len);
  }
  if (cur < end) out.push([cur, end - cur]);
  return out;
}

function working(img: DiskImage): Qcow2Image {
  const l = img.layout!;
  return { layout: { ...l, rc: l.rc.map((r) => ({ ...r })), rb: [...l.rb], l2: { ...l.l2 } }, fileLength: img.fileLength };
}

/** qcow2_co_truncate(): grow the L1 table (and preallocate), or discard what lies beyond a shrunk end. */
function resizeQcow2(img: DiskImage, size: number, prealloc: string): DiskImage | string {
  const q = working(img);
  const l = q.layout;
  const cs = l.cs;
  let data = img.data ?? [];
  const old = img.virtualSize;
  if (size > old) {
    if (sizeToL1(l, size) > QCOW2_MAX_L1_ENTRIES) return "Failed to grow the L1 table: File too large";
    growL1(q, sizeToL1(l, size));
    if (prealloc !== "off") data = overwrite(data, old, size, preallocateQcow2(q, size, prealloc, old));
  } else if (size < old) {
    const from = Math.ceil(size / cs) * cs;
    for (const e of within(data, from, old)) {
      if (e.host === undefined) continue;
      if (e.comp) {
        if (e.off % cs === 0) addRef(l, Math.floor(e.host / cs), 1, -1);
      }
      else addRef(l, Math.floor(e.host / cs), Math.ceil(e.len / cs), -1);
    }
    data = truncate(data, from);
    const keep = sizeToL1(l, size);
    for (const [k, c] of Object.entries(l.l2)) {
      if (Number(k) >= keep) {
        addRef(l, c, 1, -1);
        delete l.l2[Number(k)];
      }
    }
    q.fileLength = (lastUsed(l) + 1) * cs;
  }
  const out: DiskImage = { ...img, virtualSize: size, data, layout: l, fileLength: q.fileLength };
  // in-memory bitmaps follow the new size (bits past a shrunk end are gone)
  if (img.qcow2?.bitmaps.length) out.qcow2 = { ...img.qcow2, bitmaps: truncateBitmaps(img.qcow2.bitmaps, size) };
  out.allocated = qcow2Allocated(out);
  return out;
}

export function resizeCommand(run: Run, argv: string[]): number {
  if (argv.length < 3) run.usage("Not enough arguments");
  const sizeArg = argv[argv.length - 1]!;
  let prealloc = "off";
  const a = run.getopt(
    argv.slice(0, -1),
    ":f:hq",
    [
      { name: "help", arg: "none", key: "h" },
      { name: "object", arg: "required", key: "object" },
      { name: "image-opts", arg: "none", key: "image-opts" },
      { name: "preallocation", arg: "required", key: "preallocation" },
      { name: "shrink", arg: "none", key: "shrink" },
    ],
    (o) => {
      if (o.key !== "preallocation") return;
      if (!PREALLOC.includes(o.arg!)) {
        run.report(`Invalid preallocation mode '${o.arg}'`);
        throw run.exit(1);
      }
      prealloc = o.arg!;
    },
  );
  if (a.operands.length !== 1) run.usage("Expecting image file name and size");
  let file = a.operands[0]!;
  let rel = 0;
  let text = sizeArg;
  if (text[0] === "+" || text[0] === "-") {
    rel = text[0] === "+" ? 1 : -1;
    text = text.slice(1);
  }
  const parsed = optSize("size", text);
  if (parsed.warning) run.report(parsed.warning);
  if (!parsed.ok) return run.fail(parsed.message);
  const n = Number(parsed.value);
  let fmt = a.get("f");
  if (a.has("image-opts")) ({ name: file, format: fmt } = imageOpts(run, file, fmt));
  const chain = run.open(file, { ...(fmt !== undefined ? { format: fmt } : {}), write: true });
  const layer = chain[0]!;
  if (layer.probedRaw) run.stderr(RAW_PROBE_WARNING(file));
  const current = layer.image.virtualSize;
  const total = rel ? current + rel * n : n;
  if (total <= 0 || total > 2 ** 63) return run.fail("New image size must be positive");
  if (total <= current && prealloc !== "off") return run.fail("Preallocation can only be used for growing images");
  if (total < current && !a.has("shrink")) {
    run.report("Use the --shrink option to perform a shrink operation.");
    return run.fail("warning: Shrinking an image will delete all data beyond the shrunken image's end. Before performing such an operation, make sure there is no important data there.");
  }
  const fmtName = layer.format;
  let next: DiskImage | string;
  if (fmtName === "raw" || fmtName === "file") {
    if (prealloc === "metadata") return run.fail("Unsupported preallocation mode: metadata");
    if (total > EXT4_MAX_FILE) return run.fail("Could not resize file: File too large");
    next = resizeRaw(layer.image, total, prealloc);
    if (!layer.native) {
      // a container resized as raw: its file grows or shrinks, its own header stays as it was
      const stored = run.tryOpen(file, { noBacking: true });
      const real = stored.ok ? stored.chain[0]!.image : layer.image;
      run.saveLayer(layer, { ...real, fileLength: total });
      if (!a.has("q")) run.stdout("Image resized.\n");
      return 0;
    }
  } else if (fmtName === "qcow2") {
    if (total % 512) return run.fail("The new size must be a multiple of 512");
    if (layer.image.qcow2?.compat === "0.10" && layer.image.snapshots?.length) return run.fail("Can't resize a v2 image which has snapshots");
    next = resizeQcow2(layer.image, total, prealloc);
    // bdrv_co_truncate(): growing over a longer backing file zeroes the new area so that the backing
    // file's data does not show through (zero clusters from the next subcluster on, written zeroes before)
    const backingLen = chain[1]?.image.virtualSize ?? 0;
    if (typeof next !== "string" && total > current && backingLen > current) {
      if (layer.image.qcow2?.compat === "0.10") return run.fail("Failed to zero out new clusters: Operation not supported");
      const below = chain.slice(1).map((l) => l.image);
      const sub = layer.image.qcow2?.extendedL2 ? layer.image.clusterSize! / 32 : layer.image.clusterSize!;
      const zeroStart = roundUp(current, sub);
      if (total > zeroStart) next = writeImage([next, ...below], zeroStart, total - zeroStart, { kind: "zero" });
      if (zeroStart > current) next = writeImage([next, ...below], current, Math.min(zeroStart, total) - current, { kind: "data", pat: 0 });
    }
  } else if (fmtName === "qed") {
    if (total < current) return run.fail("Shrinking images is currently not supported");
    if (prealloc !== "off") return run.fail(`Unsupported preallocation mode '${prealloc}'`);
    next = { ...layer.image, virtualSize: roundUp(total, 512) };
  } else if (fmtName === "luks") {
    next = resizeRaw(layer.image, total, prealloc);
  } else return run.fail("Image format driver does not support resize");
  if (typeof next === "string") return run.fail(next);
  run.saveLayer(layer, next);
  if (!a.has("q")) run.stdout("Image resized.\n");
  return 0;
}

/** Resize a qcow2 image without preallocation (amend -o size=...). */
export const resizeCommandCore = (img: DiskImage, size: number) => resizeQcow2(img, size, "off");
