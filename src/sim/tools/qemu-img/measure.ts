// qemu-img measure: the file size a new image would need (qcow2_measure / raw_measure).
import type { DiskImage } from "../../model/image";
import { FORMATS, roundUp } from "../../model/image/formats";
import { blockStatus } from "../../model/image/status";
import { getoptRun } from "./getopt";
import { helpText } from "./help";
import { accumulate } from "./create";
import { modelOptions, optionDescs, parseOptions } from "./opts";
import { qdict, toJsonPretty } from "./qjson";
import { Exit, type Run } from "./run";
import { processObject, secretOf } from "./objects";
import { findSnapshotParam, parseSnapshotParam, type SnapshotParam } from "./snapparam";
import { cvtnum } from "./size";
import { imageOpts } from "./info";

/** qcow2_refcount_metadata_size(): refcount blocks and table for `clusters` clusters, as a fixed point. */
export function refcountMetadataSize(clusters: bigint, cs: bigint, refcountOrder: number): bigint {
  const perTable = cs / 8n;
  const perBlock = (cs * 8n) / 2n ** BigInt(refcountOrder);
  const ceil = (a: bigint, b: bigint) => (a + b - 1n) / b;
  let table = 0n;
  let blocks = 0n;
  let n = 0n;
  let last: bigint;
  do {
    last = n;
    blocks = ceil(clusters + table + blocks, perBlock);
    table = ceil(blocks, perTable);
    n = clusters + blocks + table;
  } while (n !== last);
  return (blocks + table) * cs;
}

/** qcow2_calc_prealloc_size(): file size of a fully allocated qcow2 image of `total` bytes. */
export function qcow2PreallocSize(total: bigint, cs: bigint, refcountOrder: number, extendedL2: boolean): bigint {
  const l2e = extendedL2 ? 16n : 8n;
  const up = (a: bigint, b: bigint) => ((a + b - 1n) / b) * b;
  const aligned = up(total, cs);
  let meta = cs;
  let nl2e = aligned / cs;
  nl2e = up(nl2e, cs / l2e);
  meta += nl2e * l2e;
  let nl1e = (nl2e * l2e) / cs;
  nl1e = up(nl1e, cs / 8n);
  meta += nl1e * 8n;
  meta += refcountMetadataSize((meta + aligned) / cs, cs, refcountOrder);
  return meta + aligned;
}

/** qcow2_get_persistent_dirty_bitmap_size(): clusters for every bitmap, its table and the directory. */
function bitmapsSize(img: DiskImage, cs: number): number {
  let total = 0;
  let dir = 0;
  for (const b of img.qcow2?.bitmaps ?? []) {
    const bytes = Math.ceil(Math.ceil(img.virtualSize / b.granularity) / 8);
    const clusters = Math.ceil(bytes / cs);
    total += clusters * cs + Math.ceil((clusters * 8) / cs) * cs;
    dir += Math.ceil((24 + Buffer.byteLength(b.name)) / 8) * 8;
  }
  return total + Math.ceil(dir / cs) * cs;
}

export function measureCommand(run: Run, argv: string[]): number {
  const longs = [
    { name: "help", arg: "none" as const, key: "h" },
    { name: "image-opts", arg: "none" as const, key: "image-opts" },
    { name: "object", arg: "required" as const, key: "object" },
    { name: "output", arg: "required" as const, key: "output" },
    { name: "size", arg: "required" as const, key: "size" },
    { name: "force-share", arg: "none" as const, key: "U" },
  ];
  // measure's option string has no leading ':': getopt prints its own message and qemu-img shows the help
  const g = getoptRun(argv, "hf:O:o:l:U", longs);
  let options: string | undefined;
  let output: "human" | "json" = "human";
  let size: bigint | undefined;
  let snapParam: SnapshotParam | undefined;
  for (const o of g.options) {
    if (o.key === "h") run.help();
    if (o.key === "o") options = accumulate(run, options, o.arg!);
    if (o.key === "l") snapParam = parseSnapshotParam(run, o.arg!);
    if (o.key === "object") processObject(run, o.arg!);
    if (o.key === "output") {
      if (o.arg === "json") output = "json";
      else if (o.arg === "human") output = "human";
      else return run.fail("--output must be used with human or json as argument.");
    }
    if (o.key === "size") {
      const c = cvtnum("image size", o.arg!);
      if (!c.ok) {
        for (const l of c.lines) run.report(l);
        return 1;
      }
      size = c.value;
    }
  }
  if (g.kind === "error") {
    run.stderr(g.message);
    run.stdout(helpText());
    throw new Exit(0);
  }
  const get = (k: string) => [...g.options].reverse().find((o) => o.key === k)?.arg;
  const has = (k: string) => g.options.some((o) => o.key === k);
  if (g.operands.length > 1) return run.fail("At most one filename argument is allowed.");
  let filename = g.operands[0];
  let fmt = get("f");
  const snap = get("l");
  if (filename === undefined && (has("image-opts") || fmt !== undefined || snap !== undefined)) return run.fail("--image-opts, -f, and -l require a filename argument.");
  if (filename !== undefined && size !== undefined) return run.fail("--size N cannot be used together with a filename.");
  if (filename === undefined && size === undefined) return run.fail("Either --size N or one filename must be specified.");
  let src: DiskImage[] | undefined;
  if (filename !== undefined) {
    if (has("image-opts")) ({ name: filename, format: fmt } = imageOpts(run, filename, fmt));
    const chain = run.open(filename, { ...(fmt !== undefined ? { format: fmt } : {}), forceShare: has("U") });
    src = chain.map((l) => l.image);
    if (snap !== undefined) {
      const sn = findSnapshotParam(src[0]!, snapParam!);
      if (!sn) return run.fail("Failed to load snapshot: Can't find snapshot");
      src = [{ ...src[0]!, data: sn.data, virtualSize: sn.virtualSize }, ...src.slice(1)];
    }
  }
  const outFmt = get("O") ?? "raw";
  if (!FORMATS[outFmt]) return run.fail(`Unknown file format '${outFmt}'`);
  if (!FORMATS[outFmt]!.measure) return run.fail(`Block driver '${outFmt}' does not support size measurement`);
  const descs = optionDescs(outFmt, true);
  const parsed = parseOptions(options ?? "", descs);
  if (!parsed.ok) {
    for (const w of parsed.warnings ?? []) run.report(w);
    run.report(parsed.message);
    return run.fail(`Invalid options for file format '${outFmt}'`);
  }
  const o = modelOptions(parsed, descs);
  const virtual = src ? src[0]!.virtualSize : Number(size!);
  // encryption: the LUKS header (default cipher and key slots) sits before the payload
  const luksKey = outFmt === "luks" ? "key-secret" : o["encrypt.format"] === "luks" ? "encrypt.key-secret" : undefined;
  let luksBytes = 0n;
  if (luksKey !== undefined) {
    const id = o[luksKey];
    if (id === undefined) return run.fail(`Parameter '${luksKey}' is required for cipher`);
    const sec = secretOf(run, id);
    if (!sec.ok) return run.fail(sec.message);
    luksBytes = 2068480n;
  }
  if (outFmt === "luks") {
    const total = BigInt(virtual) + luksBytes;
    if (output === "human") run.stdout(`required size: ${total}\nfully allocated size: ${total}\n`);
    else run.stdout(toJsonPretty(qdict([["required", total], ["fully-allocated", total]])) + "\n");
    return 0;
  }
  let required: bigint;
  let full: bigint;
  let bitmaps: number | undefined;
  if (outFmt === "raw") {
    // --size (or the source's size) replaces any -o size=
    required = src ? BigInt(virtual) : ((size ?? 0n) + 511n) / 512n * 512n;
    full = required;
  } else {
    const extL2 = o.extended_l2 === "on";
    const cs = o.cluster_size !== undefined ? Number(o.cluster_size) : 65536;
    if (!(cs >= 512 && cs <= 2 << 20 && (cs & (cs - 1)) === 0)) return run.fail("Cluster size must be a power of two between 512 and 2048k");
    const compat = o.compat ?? "1.1";
    const version = compat === "0.10" || compat === "v2" ? 2 : compat === "1.1" || compat === "v3" ? 3 : 0;
    if (!version) return run.fail(`Invalid compatibility level: '${compat}'`);
    const rbits = o.refcount_bits !== undefined ? Number(o.refcount_bits) : 16;
    if (!(rbits > 0 && rbits <= 64 && (rbits & (rbits - 1)) === 0)) return run.fail("Refcount width must be a power of two and may not exceed 64 bits");
    const prealloc = o.preallocation ?? "off";
    if (!["off", "metadata", "falloc", "full"].includes(prealloc)) return run.fail(`invalid parameter value: ${prealloc}`);
    const bcs = BigInt(cs);
    const raw = src ? BigInt(virtual) : size ?? 0n;
    let vs = ((raw + bcs - 1n) / bcs) * bcs;
    const l2e = extL2 ? 16n : 8n;
    if (((vs / bcs + bcs / l2e - 1n) / (bcs / l2e)) * 8n > 32n << 20n) return run.fail("The image size is too large (try using a larger cluster size)");
    let need = 0n;
    if (src) {
      vs = BigInt(roundUp(virtual, cs));
      if (o.backing_file !== undefined) need = vs;
      else {
        let offset = 0;
        for (const s of blockStatus(src, 0, virtual)) {
          if (s.off + s.len <= offset) continue;
          const start = Math.max(offset, s.off);
          if (s.zero) {
            offset = s.off + s.len;
            continue;
          }
          if (s.data && s.allocated) {
            const end = roundUp(s.off + s.len, cs);
            need += BigInt((start % cs) + (end - start));
            offset = end;
          } else offset = s.off + s.len;
        }
      }
      bitmaps = version >= 3 && src[0]!.format === "qcow2" ? bitmapsSize(src[0]!, cs) : undefined;
    }
    if (prealloc === "full" || prealloc === "falloc") need = vs;
    full = qcow2PreallocSize(vs, bcs, Math.log2(rbits), extL2);
    required = full - vs + need;
    if (luksBytes) {
      const hdr = ((luksBytes + bcs - 1n) / bcs) * bcs;
      full += hdr;
      required += hdr;
    }
  }
  if (output === "human") {
    run.stdout(`required size: ${required}\nfully allocated size: ${full}\n${bitmaps !== undefined ? `bitmaps size: ${bitmaps}\n` : ""}`);
  } else run.stdout(toJsonPretty(qdict([["required", required], ["fully-allocated", full], ["bitmaps", bitmaps]])) + "\n");
  return 0;
}
