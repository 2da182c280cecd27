// qemu-img check, map and compare: the read-only views of an image's allocation and content.
import type { DiskImage } from "../../model/image";
import { contentOf } from "../../model/image/io";
import { blockStatus, type StatusRun } from "../../model/image/status";
import { l2Coverage, refcount } from "../../model/image/qcow2";
import { repairLeaks } from "../../model/image/bitmaps";
import { imageEndOffset } from "../../model/image/qcow2";
import { imageOpts, parseOutput } from "./info";
import { combinePath, RAW_PROBE_WARNING, type Layer } from "./open";
import { qdict, toJsonPretty } from "./qjson";
import type { Run } from "./run";
import { cvtnum, fixed } from "./size";
import { Progress } from "./progress";

interface CheckResult {
  total: number;
  allocated: number;
  fragmented: number;
  compressed: number;
  endOffset: number;
}

/** What qcow2's (and qed's) consistency check counts. */
export function checkStats(img: DiskImage): CheckResult | undefined {
  const cs = img.clusterSize ?? 65536;
  const total = Math.ceil(img.virtualSize / cs);
  if (img.format === "qcow2" && img.layout) {
    const per = l2Coverage(img.layout) / cs;
    let allocated = 0;
    let fragmented = 0;
    let compressed = 0;
    let l2 = -1;
    let next = 0;
    let last = -1;
    for (const e of img.data ?? []) {
      if (e.host === undefined) continue;
      let c = Math.floor(e.off / cs);
      const end = Math.ceil((e.off + e.len) / cs);
      // runs split inside a cluster (data written over part of it) still make one cluster
      if (c === last) c++;
      while (c < end) {
        const l1 = Math.floor(c / per);
        const stop = Math.min(end, (l1 + 1) * per);
        if (l1 !== l2) {
          l2 = l1;
          next = 0;
        }
        const n = stop - c;
        allocated += n;
        if (e.comp) {
          compressed += n;
          fragmented += n;
        } else {
          const host = e.host + (c * cs - e.off);
          if (next && host !== next) fragmented++;
          next = host + n * cs;
        }
        c = stop;
      }
      last = end - 1;
    }
    return { total, allocated, fragmented, compressed, endOffset: imageEndOffset(img.layout) };
  }
  if (img.format === "qed") {
    let allocated = 0;
    let fragmented = 0;
    let next = 0;
    let last = -1;
    for (const e of img.data ?? []) {
      if (e.host === undefined) continue;
      for (let c = Math.floor(e.off / cs); c * cs < e.off + e.len; c++) {
        if (c === last) continue;
        last = c;
        const host = e.host + (c * cs - e.off);
        allocated++;
        if (next && host !== next) fragmented++;
        next = host + cs;
      }
    }
    return { total, allocated, fragmented, compressed: 0, endOffset: 0 };
  }
  return undefined;
}

const pct = (a: number, b: number) => fixed((a * 100) / b, 2);

export function checkCommand(run: Run, argv: string[]): number {
  let write = false;
  const a = run.getopt(
    argv,
    ":hf:r:T:qU",
    [
      { name: "help", arg: "none", key: "h" },
      { name: "format", arg: "required", key: "f" },
      { name: "repair", arg: "required", key: "r" },
      { name: "output", arg: "required", key: "output" },
      { name: "object", arg: "required", key: "object" },
      { name: "image-opts", arg: "none", key: "image-opts" },
      { name: "force-share", arg: "none", key: "U" },
    ],
    (o) => {
      if (o.key !== "r") return;
      write = true;
      if (o.arg !== "leaks" && o.arg !== "all") run.usage(`Unknown option value for -r (expecting 'leaks' or 'all'): ${o.arg}`);
    },
  );
  if (a.operands.length !== 1) run.usage("Expecting one image file name");
  let file = a.operands[0]!;
  const output = parseOutput(run, a.get("output"));
  checkCache(run, a.get("T"), "source");
  let fmt = a.get("f");
  if (a.has("image-opts")) ({ name: file, format: fmt } = imageOpts(run, file, fmt));
  const layer = run.open(file, { ...(fmt !== undefined ? { format: fmt } : {}), write, forceShare: a.has("U") })[0]!;
  if (write && layer.probedRaw) run.stderr(RAW_PROBE_WARNING(file));
  const quiet = a.has("q");
  const info = ["qcow2", "qed", "vmdk", "vdi", "vhdx", "qcow", "parallels"].includes(layer.format) && layer.native;
  if (!info) return run.fail("This image format does not support checks", 63);
  // leaked clusters: listed on stderr by the qcow2 driver; with -r their refcounts are dropped
  const leaked = layer.native ? (layer.image.qcow2?.leaked ?? []) : [];
  const rcOf = (c: number) => (layer.image.layout ? refcount(layer.image.layout, c) : 1);
  for (const c of leaked) run.stderr(`Leaked cluster ${c} refcount=${rcOf(c)} reference=0\n`);
  let img = layer.image;
  let fixed = 0;
  if (write && leaked.length) {
    for (const c of leaked) run.stderr(`Repairing cluster ${c} refcount=${rcOf(c)} reference=0\n`);
    img = repairLeaks(img);
    run.saveLayer(layer, img);
    fixed = leaked.length;
  }
  const leaks = fixed ? 0 : leaked.length;
  const st = checkStats(img);
  if (output === "json") {
    const d = qdict([
      ["filename", file],
      ["format", layer.format],
      ["check-errors", 0],
      ["leaks", leaks || undefined],
      ["leaks-fixed", fixed || undefined],
      ["image-end-offset", st?.endOffset || undefined],
      ["total-clusters", st?.total || undefined],
      ["allocated-clusters", st?.allocated || undefined],
      ["fragmented-clusters", st?.fragmented || undefined],
      ["compressed-clusters", st?.compressed || undefined],
    ]);
    if (!quiet) run.stdout(toJsonPretty(d) + "\n");
    return leaks ? 3 : 0;
  }
  let s = fixed ? `The following inconsistencies were found and repaired:\n\n    ${fixed} leaked clusters\n    0 corruptions\n\nDouble checking the fixed image now...\n` : "";
  s += leaks ? `\n${leaks} leaked clusters were found on the image.\nThis means waste of disk space, but no harm to data.\n` : "No errors were found on the image.\n";
  if (st && st.total && st.allocated) s += `${st.allocated}/${st.total} = ${pct(st.allocated, st.total)}% allocated, ${pct(st.fragmented, st.allocated)}% fragmented, ${pct(st.compressed, st.allocated)}% compressed clusters\n`;
  if (st?.endOffset) s += `Image end offset: ${st.endOffset}\n`;
  if (!quiet) run.stdout(s);
  return leaks ? 3 : 0;
}

/** bdrv_parse_cache_mode() for -t/-T. */
export function checkCache(run: Run, mode: string | undefined, which: "source" | "cache"): void {
  if (mode === undefined) return;
  if (!["none", "off", "writeback", "writethrough", "directsync", "unsafe"].includes(mode)) run.fail(which === "source" ? `Invalid source cache option: ${mode}` : `Invalid cache option: ${mode}`);
}

// -------------------------------------------------------------------------------------------- map

interface MapEntry {
  start: number;
  length: number;
  depth: number;
  present: boolean;
  zero: boolean;
  data: boolean;
  offset?: number;
  filename?: string;
}

/** The file a status run's data lives in (for "Mapped to ... File"). */
function fileOf(chain: Layer[], r: StatusRun): string | undefined {
  if (r.offset === undefined) return undefined;
  const l = chain[r.depth]!;
  const ext = l.image.vmdk?.extents;
  if (ext && ext.length && ext[0]!.filename !== "") return combinePath(l.name, ext[r.extent ?? 0]!.filename);
  return l.name;
}

/** Map entries over [start, end): QEMU's merge rules, and its 1 GiB probe steps. */
export function mapEntries(chain: Layer[], start: number, end: number): MapEntry[] {
  const imgs = chain.map((l) => l.image);
  const entries: MapEntry[] = [];
  for (let s = start; s < end; s += 1 << 30) {
    for (const r of blockStatus(imgs, s, Math.min(end, s + (1 << 30)))) {
      entries.push({ start: r.off, length: r.len, depth: r.depth, present: r.allocated, zero: r.zero, data: r.data, ...(r.offset !== undefined ? { offset: r.offset, filename: fileOf(chain, r)! } : {}) });
    }
  }
  return entries;
}

const mergeable = (c: MapEntry, n: MapEntry) =>
  c.length > 0 &&
  c.zero === n.zero &&
  c.data === n.data &&
  c.depth === n.depth &&
  c.present === n.present &&
  !c.filename === !n.filename &&
  (c.offset === undefined) === (n.offset === undefined) &&
  (!c.filename || c.filename === n.filename) &&
  (c.offset === undefined || c.offset + c.length === n.offset);

const hex = (n: number) => (n === 0 ? "0" : `0x${n.toString(16)}`);

export function mapCommand(run: Run, argv: string[]): number {
  let start = 0;
  let max = -1;
  const a = run.getopt(
    argv,
    ":f:s:l:hU",
    [
      { name: "help", arg: "none", key: "h" },
      { name: "format", arg: "required", key: "f" },
      { name: "output", arg: "required", key: "output" },
      { name: "object", arg: "required", key: "object" },
      { name: "image-opts", arg: "none", key: "image-opts" },
      { name: "force-share", arg: "none", key: "U" },
      { name: "start-offset", arg: "required", key: "s" },
      { name: "max-length", arg: "required", key: "l" },
    ],
    (o) => {
      if (o.key === "s" || o.key === "l") {
        const c = cvtnum(o.key === "s" ? "start offset" : "max length", o.arg!);
        if (!c.ok) {
          for (const l of c.lines) run.report(l);
          throw run.exit(1);
        }
        if (o.key === "s") start = Number(c.value);
        else max = Number(c.value);
      }
    },
  );
  if (a.operands.length !== 1) run.usage("Expecting one image file name");
  let file = a.operands[0]!;
  const output = parseOutput(run, a.get("output"));
  let fmt = a.get("f");
  if (a.has("image-opts")) ({ name: file, format: fmt } = imageOpts(run, file, fmt));
  const chain = run.open(file, { ...(fmt !== undefined ? { format: fmt } : {}), forceShare: a.has("U") });
  let length = chain[0]!.image.virtualSize;
  if (max !== -1) length = Math.min(start + max, length);
  const human = output === "human";
  let text = human ? `${"Offset".padEnd(16)}${"Length".padEnd(16)}${"Mapped to".padEnd(16)}File\n` : "[";
  const items = start < length ? mapEntries(chain, start, length) : [];
  let curr: MapEntry = { start, length: 0, depth: 0, present: false, zero: false, data: false };
  let failed = false;
  const dump = (e: MapEntry, next: MapEntry | undefined): boolean => {
    if (human) {
      if (e.data && e.offset === undefined) {
        run.stdout(text);
        text = "";
        run.report("File contains external, encrypted or compressed clusters.");
        return false;
      }
      if (e.data && !e.zero) text += `${hex(e.start).padEnd(16)}${hex(e.length).padEnd(16)}${hex(e.offset ?? 0).padEnd(16)}${e.filename ?? ""}\n`;
      if (next && (!next.data || next.zero)) {
        next.data = false;
        next.zero = true;
      }
    } else {
      text += `{ "start": ${e.start}, "length": ${e.length}, "depth": ${e.depth}, "present": ${e.present}, "zero": ${e.zero}, "data": ${e.data}${e.offset !== undefined ? `, "offset": ${e.offset}` : ""}}`;
      if (next) text += ",\n";
    }
    return true;
  };
  for (const next of items) {
    if (mergeable(curr, next)) {
      curr.length += next.length;
      continue;
    }
    if (curr.length > 0 && !dump(curr, next)) {
      failed = true;
      break;
    }
    curr = { ...next };
  }
  if (!failed) {
    if (!dump(curr, undefined)) failed = true;
    else if (!human) text += "]\n";
  }
  run.stdout(text);
  return failed ? 1 : 0;
}

// ------------------------------------------------------------------------------------------ compare

/** Block status as one bdrv_block_status_above() call reports it: cut where a qcow2 layer's L2 table ends. */
function statusRuns(chain: DiskImage[], start: number, end: number): (StatusRun & { eof: boolean })[] {
  const cuts = new Set<number>();
  for (const img of chain) {
    if (!img.layout) continue;
    const cov = l2Coverage(img.layout);
    for (let c = Math.ceil(start / cov) * cov; c < end; c += cov) if (c > start) cuts.add(c);
  }
  const size = chain[0]!.virtualSize;
  const out: (StatusRun & { eof: boolean })[] = [];
  for (const r of blockStatus(chain, start, end)) {
    let s = r.off;
    const e = r.off + r.len;
    const inside = [...cuts].filter((c) => c > s && c < e).sort((x, y) => x - y);
    for (const c of [...inside, e]) {
      out.push({ ...r, off: s, len: c - s, ...(r.offset !== undefined ? { offset: r.offset + (s - r.off) } : {}), eof: c === size });
      s = c;
    }
  }
  return out;
}

const IO_BUF = 2 << 20;

/**
 * Where a block-status answer from `off` ends at the latest, by what each driver looks at per call: an L2
 * table's reach (qcow2, qed), one block (vdi; an allocated vpc block), one grain (sparse vmdk).
 */
function driverLimit(chain: DiskImage[], off: number, r: StatusRun): number {
  let lim = Infinity;
  chain.forEach((img, depth) => {
    let unit = 0;
    const cs = img.clusterSize ?? 0;
    if (img.layout) unit = l2Coverage(img.layout);
    else if (img.format === "qed" && img.qed && cs) unit = ((img.qed.tableClusters * cs) / 8) * cs;
    else if (img.format === "vdi" && cs) unit = cs;
    else if (img.format === "vmdk" && cs && !/Flat$/.test(img.vmdk?.createType ?? "")) unit = cs;
    else if (img.format === "vpc" && img.vpc?.subformat !== "fixed" && cs && r.depth === depth && r.data) unit = cs;
    if (unit) lim = Math.min(lim, (Math.floor(off / unit) + 1) * unit);
  });
  return lim;
}

export function compareCommand(run: Run, argv: string[]): number {
  const a = run.getopt(argv, ":hf:F:T:pqsU", [
    { name: "help", arg: "none", key: "h" },
    { name: "object", arg: "required", key: "object" },
    { name: "image-opts", arg: "none", key: "image-opts" },
    { name: "force-share", arg: "none", key: "U" },
  ]);
  const quiet = a.has("q");
  if (a.operands.length !== 2) run.usage("Expecting two image file names");
  const [f1, f2] = a.operands as [string, string];
  const progress = new Progress(a.has("p") && !quiet, 2);
  const say = (s: string) => !quiet && run.stdout(progress.take() + s);
  const finish = (code: number) => {
    progress.end();
    run.stdout(progress.take());
    return code;
  };
  if (a.get("T") !== undefined && !["none", "off", "writeback", "writethrough", "directsync", "unsafe"].includes(a.get("T")!)) {
    run.report(`Invalid source cache option: ${a.get("T")}`);
    return finish(2);
  }
  // img_open() for each image in turn (--image-opts: option strings, no -f/-F beside them)
  const opener = (spec: string, fmt: string | undefined) => {
    if (!a.has("image-opts")) return run.tryOpen(spec, { ...(fmt !== undefined ? { format: fmt } : {}), forceShare: a.has("U") });
    try {
      const o = imageOpts(run, spec, fmt, 2);
      return run.tryOpen(o.name, { ...(o.format !== undefined ? { format: o.format } : {}), forceShare: a.has("U") });
    } catch (e) {
      progress.end();
      run.stdout(progress.take());
      throw e;
    }
  };
  const o1 = opener(f1, a.get("f"));
  if (!o1.ok) {
    run.report(o1.message);
    return finish(2);
  }
  const o2 = opener(f2, a.get("F"));
  if (!o2.ok) {
    run.report(o2.message);
    return finish(2);
  }
  const c1 = o1.chain.map((l) => l.image);
  const c2 = o2.chain.map((l) => l.image);
  const size1 = c1[0]!.virtualSize;
  const size2 = c2[0]!.virtualSize;
  const total = Math.min(size1, size2);
  const base = Math.max(size1, size2);
  progress.print(0, 100);
  if (a.has("s") && size1 !== size2) {
    say("Strict mode: Image size mismatch!\n");
    return finish(1);
  }
  const s1 = blockStatus(c1, 0, total);
  const s2 = blockStatus(c2, 0, total);
  let i = 0;
  let j = 0;
  let off = 0;
  while (off < total && i < s1.length && j < s2.length) {
    const x = s1[i]!;
    const y = s2[j]!;
    // each image answers for at most one of its driver's units from `off`, and reports EOF when that answer
    // reaches its end, before the chunk is cut to the shorter one
    const lim1 = Math.min(x.off + x.len, driverLimit(c1, off, x));
    const lim2 = Math.min(y.off + y.len, driverLimit(c2, off, y));
    let end = Math.min(lim1, lim2);
    const eof1 = lim1 === size1;
    const eof2 = lim2 === size2;
    if (a.has("s") && (x.allocated !== y.allocated || x.zero !== y.zero || x.data !== y.data || (x.offset === undefined) !== (y.offset === undefined) || eof1 !== eof2)) {
      say(`Strict mode: Offset ${off} block status mismatch!\n`);
      return finish(1);
    }
    if (!(x.zero && y.zero) && (x.allocated || y.allocated)) {
      end = Math.min(end, off + IO_BUF);
      const d = firstDiff(c1, c2, off, end);
      if (d >= 0) {
        say(`Content mismatch at offset ${d}!\n`);
        return finish(1);
      }
    }
    progress.print(((end - off) / base) * 100, 100);
    off = end;
    if (x.off + x.len <= end) i++;
    if (y.off + y.len <= end) j++;
  }
  if (size1 !== size2) {
    say("Warning: Image size mismatch!\n");
    const over = size1 > size2 ? c1 : c2;
    for (const r of statusRuns(over, total, base)) {
      let o = r.off;
      while (o < r.off + r.len) {
        let n = r.off + r.len - o;
        if (r.allocated && !r.zero) {
          n = Math.min(n, IO_BUF);
          for (const c of contentOf(over, o, o + n)) {
            if (c.pat !== 0) {
              say(`Content mismatch at offset ${Math.floor(c.off / 512) * 512}!\n`);
              return finish(1);
            }
          }
        }
        progress.print((n / base) * 100, 100);
        o += n;
      }
    }
  }
  say("Images are identical.\n");
  return finish(0);
}

/** First differing sector in [start, end), or -1. */
function firstDiff(a: DiskImage[], b: DiskImage[], start: number, end: number): number {
  const ra = contentOf(a, start, end);
  const rb = contentOf(b, start, end);
  let i = 0;
  let j = 0;
  while (i < ra.length && j < rb.length) {
    const x = ra[i]!;
    const y = rb[j]!;
    if (x.pat !== y.pat) return Math.floor(Math.max(x.off, y.off) / 512) * 512;
    const end = Math.min(x.off + x.len, y.off + y.len);
    if (x.off + x.len === end) i++;
    if (y.off + y.len === end) j++;
  }
  return -1;
}
