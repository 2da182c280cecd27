// qemu-img amend (qcow2 compat level, lazy refcounts, refcount width, size) and qemu-img bitmap
// (persistent dirty bitmaps in qcow2 v3 images).
import type { DiskImage, DirtyBitmap } from "../../model/image";
import { mergeBitmap, removeBitmap } from "../../model/image/bitmaps";
import { FORMATS, qcow2Allocated } from "../../model/image/formats";
import type { Extent } from "../../model/image/extents";
import { addRef, allocBytes, freeBytes, refblockEntries, type Qcow2Image } from "../../model/image/qcow2";
import { accumulate } from "./create";
import { imageOpts } from "./info";
import { RAW_PROBE_WARNING } from "./open";
import { hasHelpOption, helpLines, modelOptions, parseOptions } from "./opts";
import { Progress } from "./progress";
import { resizeCommandCore } from "./resize";
import type { Run } from "./run";
import { cvtnum } from "./size";

function amendHelp(run: Run, fmt: string): number {
  const drv = FORMATS[fmt];
  if (!drv) return run.fail(`Unknown file format '${fmt}'`);
  if (!drv.amend) return run.fail(`Format driver '${fmt}' does not support option amendment`);
  run.stdout(`Amend options for '${fmt}':\n${helpLines([...drv.amend].sort((a, b) => (a.name < b.name ? -1 : 1)))}`);
  return 0;
}

function working(img: DiskImage): Qcow2Image {
  const l = img.layout!;
  return { layout: { ...l, rc: l.rc.map((r) => ({ ...r })), rb: [...l.rb], l2: { ...l.l2 } }, fileLength: img.fileLength };
}

/** qcow2_change_refcount_order(): new refcount blocks and table at the end, the old ones freed. */
function changeRefcountWidth(img: DiskImage, bits: number): DiskImage {
  const q = working(img);
  const l = q.layout;
  const oldBlocks = l.rb.filter((c) => c);
  const oldRt = l.rtOffset;
  const oldRtClusters = l.rtClusters;
  let used = 0;
  for (const r of l.rc) used = Math.max(used, r.s + r.n);
  const per = refblockEntries({ cs: l.cs, refcountBits: bits });
  const blocks = Math.max(1, Math.ceil((used + 4) / per));
  const newBlocks: number[] = [];
  for (let i = 0; i < blocks; i++) newBlocks.push(allocBytes(q, l.cs) / l.cs);
  const rt = allocBytes(q, Math.max(l.cs, Math.ceil((blocks * 8) / l.cs) * l.cs));
  for (const c of oldBlocks) addRef(l, c, 1, -1);
  freeBytes(q, oldRt, oldRtClusters * l.cs);
  l.rb = newBlocks;
  l.rtOffset = rt;
  l.rtClusters = Math.max(1, Math.ceil((blocks * 8) / l.cs));
  l.refcountBits = bits;
  const out: DiskImage = { ...img, layout: l, fileLength: q.fileLength, qcow2: { ...img.qcow2!, refcountBits: bits } };
  out.allocated = qcow2Allocated(out);
  return out;
}

/** qcow2_downgrade() to v2: zero clusters become unallocated (or allocated zeroes), v3 features go. */
function downgrade(img: DiskImage): DiskImage | string {
  const q = img.qcow2!;
  if (q.refcountBits !== 16) return "compat=0.10 requires refcount_bits=16";
  if (q.dataFile !== undefined) return "Cannot downgrade an image with a data file";
  const backed = img.backingFile !== undefined;
  const data: Extent[] = [];
  for (const e of img.data ?? []) {
    if (e.kind !== "zero") data.push(e);
    else if (e.host !== undefined) data.push({ ...e, kind: "data", pat: 0 });
    else if (backed) data.push(e);
  }
  // bitmaps are not refused: QEMU stores them again when it closes the file, into a v2 header that cannot
  // mark them consistent (see v2BitmapsDropped)
  return { ...img, data, qcow2: { ...q, compat: "0.10", lazyRefcounts: false, extendedL2: false, corrupt: false } };
}

export function amendCommand(run: Run, argv: string[]): number {
  let options: string | undefined;
  const a = run.getopt(
    argv,
    ":ho:f:t:pq",
    [
      { name: "help", arg: "none", key: "h" },
      { name: "object", arg: "required", key: "object" },
      { name: "image-opts", arg: "none", key: "image-opts" },
      { name: "force", arg: "none", key: "force" },
    ],
    (o) => {
      if (o.key === "o") options = accumulate(run, options, o.arg!);
    },
  );
  if (options === undefined) run.usage("Must specify options (-o)");
  const progress = new Progress(a.has("p") && !a.has("q"), 1);
  const finish = (code: number) => {
    progress.end();
    run.stdout(progress.text);
    return code;
  };
  const fmtOpt = a.get("f");
  const filename = a.operands.length === 1 ? a.operands[0] : undefined;
  if (fmtOpt !== undefined && hasHelpOption(options)) return finish(amendHelp(run, fmtOpt));
  if (a.operands.length !== 1) {
    run.report("Expecting one image file name");
    return finish(1);
  }
  const cache = a.get("t");
  if (cache !== undefined && !["none", "off", "writeback", "writethrough", "directsync", "unsafe"].includes(cache)) {
    run.report(`Invalid cache option: ${cache}`);
    return finish(1);
  }
  let file = filename!;
  let fmt = fmtOpt;
  if (a.has("image-opts")) ({ name: file, format: fmt } = imageOpts(run, file, fmt));
  const o = run.tryOpen(file, { ...(fmt !== undefined ? { format: fmt } : {}), write: true });
  if (!o.ok) {
    for (const w of o.warnings) run.stderr(w);
    run.report(o.message);
    return finish(1);
  }
  const layer = o.chain[0]!;
  if (layer.probedRaw) run.stderr(RAW_PROBE_WARNING(file));
  if (hasHelpOption(options)) return finish(amendHelp(run, layer.format));
  const drv = FORMATS[layer.format];
  if (!drv?.amend || !layer.native || layer.format !== "qcow2") {
    run.report(`Format driver '${layer.format}' does not support option amendment`);
    return finish(1);
  }
  const parsed = parseOptions(options, drv.amend);
  if (!parsed.ok) {
    for (const w of parsed.warnings ?? []) run.report(w);
    const asCreate = parseOptions(options, [...drv.amend, ...(drv.create ?? [])]);
    run.stderr(`qemu-img: ${parsed.message}\n${asCreate.ok ? "This option is only supported for image creation\n" : ""}`);
    return finish(1);
  }
  const v = modelOptions(parsed, drv.amend);
  let img = layer.image;
  const q = img.qcow2!;
  const oldVersion = q.compat === "0.10" ? 2 : 3;
  let newVersion = oldVersion;
  if (v.compat !== undefined) {
    if (v.compat === "0.10" || v.compat === "v2") newVersion = 2;
    else if (v.compat === "1.1" || v.compat === "v3") newVersion = 3;
    else {
      run.report(`Unknown compatibility level ${v.compat}`);
      return finish(1);
    }
  }
  let bits = q.refcountBits;
  if (v.refcount_bits !== undefined) {
    bits = Number(v.refcount_bits);
    if (!(bits > 0 && bits <= 64 && (bits & (bits - 1)) === 0)) {
      run.report("Refcount width must be a power of two and may not exceed 64 bits");
      return finish(1);
    }
  }
  if (v.data_file !== undefined && q.dataFile === undefined) {
    run.report("data-file can only be set for images that use an external data file");
    return finish(1);
  }
  if (v.data_file_raw === "on" && !q.dataFileRaw) {
    run.report("data-file-raw cannot be set on existing images");
    return finish(1);
  }
  if (Object.keys(v).some((k) => k.startsWith("encrypt.")) && !q.encrypt) {
    run.report("Can't amend encryption options - encryption not present");
    return finish(1);
  }
  progress.print(0, 0);
  const fail = (msg: string) => {
    run.saveLayer(layer, img);
    run.report(msg);
    return finish(1);
  };
  // the amend status callback reports each operation's share of the work
  const ops = Number(newVersion !== oldVersion) + Number(bits !== img.qcow2!.refcountBits);
  let done = 0;
  const opDone = () => progress.print((100 * ++done) / Math.max(1, ops), 0);
  if (newVersion > oldVersion) {
    img = { ...img, qcow2: { ...img.qcow2!, compat: "1.1" } };
    progress.print(0, 0);
    progress.print(50, 0);
    opDone();
  }
  if (bits !== img.qcow2!.refcountBits) {
    if (newVersion < 3) return fail("Refcount widths other than 16 bits require compatibility level 1.1 or above (use compat=1.1 or greater)");
    img = changeRefcountWidth(img, bits);
    progress.print(0, 0);
    opDone();
  }
  if ((v.backing_file !== undefined && v.backing_file !== img.backingFile) || (v.backing_fmt !== undefined && v.backing_fmt !== img.backingFormat)) {
    run.saveLayer(layer, img);
    run.stderr("qemu-img: Cannot amend the backing file\nYou can use 'qemu-img rebase' instead.\n");
    return finish(1);
  }
  if (v.lazy_refcounts !== undefined && (v.lazy_refcounts === "on") !== img.qcow2!.lazyRefcounts) {
    if (v.lazy_refcounts === "on" && newVersion < 3) return fail("Lazy refcounts only supported with compatibility level 1.1 and above (use compat=1.1 or greater)");
    img = { ...img, qcow2: { ...img.qcow2!, lazyRefcounts: v.lazy_refcounts === "on" } };
  }
  if (v.size !== undefined && Number(v.size) !== img.virtualSize) {
    const r = resizeCommandCore(img, Number(v.size));
    if (typeof r === "string") return fail(r);
    img = r;
  }
  if (newVersion < oldVersion || (newVersion === 2 && img.qcow2!.compat === "1.1")) {
    const d = downgrade(img);
    if (typeof d === "string") return fail(d);
    img = d;
    opDone();
  }
  run.saveLayer(layer, img);
  progress.print(100, 0);
  return finish(0);
}

// ------------------------------------------------------------------------------------------- bitmap

export function bitmapCommand(run: Run, argv: string[]): number {
  const actions: { act: string; src?: string }[] = [];
  let granularity: number | undefined;
  const a = run.getopt(
    argv,
    ":b:f:F:g:h",
    [
      { name: "help", arg: "none", key: "h" },
      { name: "object", arg: "required", key: "object" },
      { name: "image-opts", arg: "none", key: "image-opts" },
      { name: "add", arg: "none", key: "add" },
      { name: "remove", arg: "none", key: "remove" },
      { name: "clear", arg: "none", key: "clear" },
      { name: "enable", arg: "none", key: "enable" },
      { name: "disable", arg: "none", key: "disable" },
      { name: "merge", arg: "required", key: "merge" },
      { name: "granularity", arg: "required", key: "g" },
      { name: "source-file", arg: "required", key: "b" },
      { name: "source-format", arg: "required", key: "F" },
    ],
    (o) => {
      if (o.key === "g") {
        const c = cvtnum("granularity", o.arg!);
        if (!c.ok) {
          for (const l of c.lines) run.report(l);
          throw run.exit(1);
        }
        granularity = Number(c.value);
      }
      if (["add", "remove", "clear", "enable", "disable"].includes(o.key)) actions.push({ act: o.key });
      if (o.key === "merge") actions.push({ act: "merge", src: o.arg! });
    },
  );
  if (!actions.length) return run.fail("Need at least one of --add, --remove, --clear, --enable, --disable, or --merge");
  if (granularity && !actions.some((x) => x.act === "add")) return run.fail("granularity only supported with --add");
  if (a.has("F") && !a.has("b")) return run.fail("-F only supported with -b");
  if (a.has("b") && !actions.some((x) => x.act === "merge")) return run.fail("Merge bitmap source file only supported with --merge");
  if (a.operands.length !== 2) return run.fail("Expecting filename and bitmap name");
  let [file, name] = a.operands as [string, string];
  let fmt = a.get("f");
  if (a.has("image-opts")) ({ name: file, format: fmt } = imageOpts(run, file, fmt));
  const layer = run.open(file, { ...(fmt !== undefined ? { format: fmt } : {}), write: true, noBacking: true })[0]!;
  if (layer.probedRaw) run.stderr(RAW_PROBE_WARNING(file));
  let source = layer.image;
  if (a.has("b")) {
    const src = run.tryOpen(a.get("b")!, { ...(a.get("F") !== undefined ? { format: a.get("F")! } : {}), noBacking: true });
    if (!src.ok) return run.fail(src.message);
    // the image is already open for writing: opening it again for reading collides with our own lock
    if (src.chain[0]!.abs === layer.abs) return run.fail(`Could not open '${a.get("b")}': Failed to get shared "write" lock\nIs another process using the image [${a.get("b")}]?`);
    source = src.chain[0]!.image;
  }
  let img = layer.image;
  const list = () => img.qcow2?.bitmaps ?? [];
  const setList = (bitmaps: DirtyBitmap[]) => {
    img = { ...img, qcow2: { ...img.qcow2!, bitmaps } };
  };
  const node = `#block${100 + (run.world.seq % 400)}`;
  const failed = (op: string, msg: string) => {
    if (img !== layer.image) run.saveLayer(layer, img);
    return run.fail(`Operation ${op} on bitmap ${name} failed: ${msg}`);
  };
  for (const act of actions) {
    const idx = list().findIndex((b) => b.name === name);
    switch (act.act) {
      case "add": {
        if (name === "") return failed("add", "Bitmap name cannot be empty");
        if (idx >= 0) return failed("add", `Bitmap already exists: ${name}`);
        const g = granularity ?? Math.max(4096, img.clusterSize ?? 65536);
        if (g < 512 || (g & (g - 1)) !== 0 || g > 2 ** 31) return failed("add", "Granularity must be power of 2 and at least 512");
        if (!layer.native || img.format !== "qcow2") return failed("add", `Can't store persistent bitmaps to ${node}: Operation not supported`);
        if (img.qcow2!.compat === "0.10") return failed("add", `Can't make bitmap '${name}' persistent in '${node}': Cannot store dirty bitmaps in qcow2 v2 files`);
        if (name.length > 1023) return failed("add", "Bitmap name is too long");
        setList([...list(), { name, granularity: g, flags: ["auto"] }]);
        break;
      }
      case "remove":
        if (idx < 0) return failed("remove", `Dirty bitmap '${name}' not found`);
        img = removeBitmap(img, name);
        break;
      case "clear":
        if (idx < 0) return failed("clear", `Dirty bitmap '${name}' not found`);
        setList(list().map((b, i) => (i === idx ? { ...b, dirty: [] } : b)));
        break;
      case "enable":
        if (idx < 0) return failed("enable", `Dirty bitmap '${name}' not found`);
        setList(list().map((b, i) => (i === idx ? { ...b, flags: ["auto"] } : b)));
        break;
      case "disable":
        if (idx < 0) return failed("disable", `Dirty bitmap '${name}' not found`);
        setList(list().map((b, i) => (i === idx ? { ...b, flags: [] } : b)));
        break;
      case "merge": {
        if (idx < 0) return failed("merge", `Dirty bitmap '${name}' not found`);
        const src = (a.has("b") ? (source.qcow2?.bitmaps ?? []) : list()).find((b) => b.name === act.src);
        if (!src) return failed("merge", `Dirty bitmap '${act.src}' not found`);
        setList(list().map((b, i) => (i === idx ? mergeBitmap(b, src) : b)));
        break;
      }
    }
  }
  run.saveLayer(layer, img);
  return 0;
}
