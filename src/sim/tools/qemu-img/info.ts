// qemu-img info: ImageInfo built as QEMU's QAPI would (so the JSON key order and the human dump of the
// format-specific part both follow from it), the human layout, snapshot tables and --backing-chain.
import type { DiskImage, ImageSnapshot } from "../../model/image";
import { qcow2Allocated, roundUp } from "../../model/image/formats";
import { resolvePath } from "../../model/fs";
import { combinePath, type Layer } from "./open";
import { QDict, qdict, qdictOrder, toJsonPretty, type QValue } from "./qjson";
import type { Run } from "./run";
import { sizeToStr } from "./size";

/** Bytes the file takes on the host filesystem (`disk size`, `actual-size`). */
export function actualSize(img: DiskImage): number {
  if (img.layout) return qcow2Allocated(img);
  return Math.max(0, img.allocated);
}

function formatSpecific(layer: Layer): QDict | undefined {
  const img = layer.image;
  if (layer.format === "qcow2" && img.qcow2) {
    const q = img.qcow2;
    const data = new QDict();
    data.set("compat", q.compat);
    if (q.dataFile !== undefined) data.set("data-file", q.dataFile);
    if (q.dataFile !== undefined) data.set("data-file-raw", !!q.dataFileRaw);
    if (q.compat === "1.1") data.set("extended-l2", q.extendedL2);
    if (q.compat === "1.1") data.set("lazy-refcounts", q.lazyRefcounts);
    if (q.compat === "1.1") data.set("corrupt", q.corrupt);
    data.set("refcount-bits", q.refcountBits);
    if (q.bitmaps.length) data.set("bitmaps", q.bitmaps.map((b) => qdict([["flags", [...b.flags]], ["name", b.name], ["granularity", b.granularity]])));
    data.set("compression-type", q.compressionType);
    // the legacy AES scheme has nothing but its name to show (LUKS shows its header: not modelled)
    if (q.encrypt?.format === "aes") data.set("encrypt", qdict([["format", "aes"]]));
    return qdict([["type", "qcow2"], ["data", data]]);
  }
  if (layer.format === "vmdk" && img.vmdk) {
    const v = img.vmdk;
    const extents = v.extents.map((e) => {
      const d = new QDict();
      if (e.compressed) d.set("compressed", true);
      d.set("virtual-size", e.virtualSize);
      d.set("filename", e.filename === "" ? layer.name : combinePath(layer.name, e.filename));
      if (e.clusterSize !== undefined) d.set("cluster-size", e.clusterSize);
      d.set("format", e.format);
      return d;
    });
    return qdict([["type", "vmdk"], ["data", qdict([["create-type", v.createType], ["cid", v.cid], ["parent-cid", v.parentCid], ["extents", extents]])]]);
  }
  return undefined;
}

function snapshotInfo(s: ImageSnapshot): QDict {
  const d = new QDict();
  d.set("id", s.id);
  d.set("name", s.name);
  d.set("vm-state-size", s.vmStateSize);
  d.set("date-sec", s.dateSec);
  d.set("date-nsec", s.dateNsec);
  d.set("vm-clock-sec", Math.floor(s.vmClockNsec / 1e9));
  d.set("vm-clock-nsec", s.vmClockNsec % 1e9);
  if (s.icount !== -1) d.set("icount", s.icount);
  return d;
}

/** The ImageInfo of one layer (bdrv_query_image_info). */
export function imageInfo(layer: Layer, fullBacking?: string): QDict {
  const img = layer.image;
  const d = new QDict();
  d.set("filename", layer.name);
  d.set("format", layer.format);
  d.set("dirty-flag", !!img.dirty);
  d.set("actual-size", actualSize(img));
  d.set("virtual-size", img.virtualSize);
  if (img.clusterSize !== undefined && layer.format !== "raw" && layer.format !== "file") d.set("cluster-size", img.clusterSize);
  if (img.qcow2?.encrypt) d.set("encrypted", true);
  if (layer.native && img.backingFile !== undefined && img.backingFile !== "") {
    d.set("backing-filename", img.backingFile);
    d.set("full-backing-filename", fullBacking ?? combinePath(layer.name, img.backingFile));
    if (img.backingFormat !== undefined) d.set("backing-filename-format", img.backingFormat);
  }
  if (layer.native && img.snapshots && img.snapshots.length) d.set("snapshots", img.snapshots.map(snapshotInfo));
  const fs = layer.native ? formatSpecific(layer) : undefined;
  if (fs) d.set("format-specific", fs);
  return d;
}

const get = (d: QDict, k: string) => d.entries.find(([x]) => x === k)?.[1];

/** `ID  TAG  VM SIZE ...` header of snapshot tables. */
export const SNAPSHOT_HEADER = `${"ID".padEnd(10)}${"TAG".padEnd(17)}${"VM SIZE".padStart(8)}${"DATE".padStart(20)}${"VM CLOCK".padStart(13)}${"ICOUNT".padStart(11)}`;

const pad2 = (n: number) => String(n).padStart(2, "0");

/** One row of a snapshot table (bdrv_snapshot_dump). */
export function snapshotRow(s: ImageSnapshot): string {
  const d = new Date(s.dateSec * 1000);
  const date = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
  const secs = Math.floor(s.vmClockNsec / 1e9);
  const clock = `${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}.${String(Math.floor(s.vmClockNsec / 1e6) % 1000).padStart(3, "0")}`;
  const icount = s.icount === -1 ? "" : String(s.icount);
  return `${s.id.padEnd(9)} ${s.name.padEnd(16)} ${sizeToStr(s.vmStateSize).padStart(8)}${date.padStart(20)}${clock.padStart(13)}${icount.padStart(11)}`;
}

/** dump_qobject() for the human "Format specific information" part. */
export function dumpQ(v: QValue, indent: number): string {
  if (v instanceof QDict) {
    let out = "";
    for (const [k, x] of qdictOrder(v)) {
      const composite = x instanceof QDict || Array.isArray(x);
      out += `${" ".repeat(indent * 4)}${k.replace(/-/g, " ")}:${composite ? "\n" : " "}${dumpQ(x, indent + 1)}${composite ? "" : "\n"}`;
    }
    return out;
  }
  if (Array.isArray(v)) {
    let out = "";
    v.forEach((x, i) => {
      const composite = x instanceof QDict || Array.isArray(x);
      out += `${" ".repeat(indent * 4)}[${i}]:${composite ? "\n" : " "}${dumpQ(x, indent + 1)}${composite ? "" : "\n"}`;
    });
    return out;
  }
  return typeof v === "boolean" ? (v ? "true" : "false") : String(v);
}

/** The human form of one ImageInfo (bdrv_image_info_dump). */
export function humanInfo(d: QDict, layer: Layer): string {
  const vs = get(d, "virtual-size") as number;
  let s = `image: ${get(d, "filename")}\nfile format: ${get(d, "format")}\nvirtual size: ${sizeToStr(vs)} (${vs} bytes)\ndisk size: ${sizeToStr(get(d, "actual-size") as number)}\n`;
  if (get(d, "encrypted") === true) s += "encrypted: yes\n";
  const cs = get(d, "cluster-size");
  if (cs !== undefined) s += `cluster_size: ${cs}\n`;
  if (get(d, "dirty-flag") === true) s += "cleanly shut down: no\n";
  const bf = get(d, "backing-filename") as string | undefined;
  if (bf !== undefined) {
    const full = get(d, "full-backing-filename") as string | undefined;
    s += `backing file: ${bf}${full === undefined ? " (cannot determine actual path)" : full !== bf ? ` (actual path: ${full})` : ""}\n`;
    const bff = get(d, "backing-filename-format");
    if (bff !== undefined) s += `backing file format: ${bff}\n`;
  }
  if (layer.native && layer.image.snapshots?.length) {
    s += `Snapshot list:\n${SNAPSHOT_HEADER}\n`;
    for (const sn of layer.image.snapshots) s += snapshotRow(sn) + "\n";
  }
  const fs = get(d, "format-specific");
  if (fs instanceof QDict) s += `Format specific information:\n${dumpQ(get(fs, "data")!, 1)}`;
  return s;
}

export function infoCommand(run: Run, argv: string[]): number {
  const a = run.getopt(argv, ":f:hU", [
    { name: "help", arg: "none", key: "h" },
    { name: "format", arg: "required", key: "f" },
    { name: "output", arg: "required", key: "output" },
    { name: "backing-chain", arg: "none", key: "backing-chain" },
    { name: "object", arg: "required", key: "object" },
    { name: "image-opts", arg: "none", key: "image-opts" },
    { name: "force-share", arg: "none", key: "U" },
  ]);
  if (a.operands.length !== 1) run.usage("Expecting one image file name");
  const output = parseOutput(run, a.get("output"));
  let name = a.operands[0]!;
  let fmt = a.get("f");
  if (a.has("image-opts")) {
    const o = imageOpts(run, name, fmt);
    name = o.name;
    fmt = o.format;
  }
  const chain = a.has("backing-chain");
  const layers: Layer[] = [];
  if (!chain) layers.push(run.open(name, { ...(fmt !== undefined ? { format: fmt } : {}), noBacking: true, forceShare: a.has("U") })[0]!);
  else {
    // each image is opened on its own (without its backing file), then its backing file by its full name
    const seen = new Set<string>();
    let cur: string | undefined = name;
    let curFmt = fmt;
    while (cur !== undefined) {
      const abs = resolvePath(run.cwd, cur);
      if (seen.has(abs)) run.fail(`Backing file '${cur}' creates an infinite loop.`);
      seen.add(abs);
      const l: Layer = run.open(cur, { ...(curFmt !== undefined ? { format: curFmt } : {}), noBacking: true, forceShare: a.has("U") })[0]!;
      layers.push(l);
      const bf = l.native ? l.image.backingFile : undefined;
      if (bf === undefined || bf === "") break;
      cur = combinePath(cur, bf);
      curFmt = l.image.backingFormat;
    }
  }
  const infos = layers.map((l) => imageInfo(l));
  if (output === "json") run.stdout(toJsonPretty(chain ? infos : infos[0]!) + "\n");
  else run.stdout(infos.map((d, i) => humanInfo(d, layers[i]!)).join("\n"));
  return 0;
}

/** --output=human|json (anything else is refused). */
export function parseOutput(run: Run, v: string | undefined): "human" | "json" {
  if (v === undefined || v === "human") return "human";
  if (v === "json") return "json";
  return run.fail("--output must be used with human or json as argument.");
}

/**
 * --image-opts: "driver=qcow2,file.filename=x" → file name and format. img_open() refuses a -f beside it; a
 * leading item without "=" is the implied "file" key (a node reference, which qemu-img never has). Errors
 * while opening the image are prefixed with the whole option string.
 */
export function imageOpts(run: Run, spec: string, fmt?: string, code = 1): { name: string; format?: string } {
  if (fmt !== undefined) run.fail("--image-opts and --format are mutually exclusive", code);
  const pairs = new Map<string, string>();
  spec
    .replace(/,,/g, "\0")
    .split(",")
    .forEach((part, i) => {
      const eq = part.indexOf("=");
      if (eq < 0) {
        if (i === 0 && part !== "") pairs.set("file", part.replace(/\0/g, ","));
        return;
      }
      pairs.set(part.slice(0, eq), part.slice(eq + 1).replace(/\0/g, ","));
    });
  const node = pairs.get("file");
  if (node !== undefined) run.fail(`Could not open '${spec}': Cannot find device='${node}' nor node-name='${node}'`, code);
  const name = pairs.get("file.filename") ?? pairs.get("filename");
  if (name === undefined) run.fail("Could not open '" + spec + "': A block device must be specified for \"file\"", code);
  run.openLabels.set(name!, spec);
  const format = pairs.get("driver");
  return { name: name!, ...(format !== undefined ? { format } : {}) };
}

export { roundUp };
