// Domain tunables the test driver keeps in the definition: memtune, blkiotune, numatune, per-disk I/O
// throttling (blkdeviotune), the scheduler (schedinfo) and IOThreads (iothreadinfo/add/del/pin/set).
// The command side follows virsh 9.0's cmd* functions (option parsing, messages), the driver side
// test_driver.c and domain_driver.c; values live in the domain XML, formatted as virDomainDefFormat does.
import * as D from "../../../model/libvirt/domains";
import { curVcpus, setTop } from "../../../model/libvirt/domain-xml";
import { lvErr, type Domain, type LvError } from "../../../model/libvirt/types";
import { scaleInteger } from "../../../model/libvirt/units";
import { child, childText, el, isEl, kids, text, type XmlEl } from "../../../model/libvirt/xml";
import { affectFlags, cpuListArg, optDomain, readonlyDenies, optNum, optScaled, optStr, unsupportedFlags, type Handler } from "../common";
import { formatCpuList, parseCpuList, table } from "../format";
import type { Opts } from "../parse";
import type { Virsh } from "../runtime";

const isTest = (v: Virsh) => v.conn.driver === "test";
const param = (name: string, value: string | number | bigint) => `${name.padEnd(15)}: ${value}\n`;
/** VIR_DOMAIN_MEMORY_PARAM_UNLIMITED */
const UNLIMITED = 9007199254740991n;

const flagsClash = () => lvErr("INVALID_ARG", "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive");
const notRunning = () => lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running");
const noPersistent = () => lvErr("OPERATION_INVALID", "Requested operation is not valid: transient domains do not have any persistent config");

type Which = "live" | "config";

/** virDomainObjGetOneDefState: the one definition --live/--config/--current select. */
export function oneDef(d: Domain, f: { live: boolean; config: boolean }): Which | LvError {
  if (f.live && f.config) return flagsClash();
  if (!f.live && !f.config) return D.isActive(d) ? "live" : "config";
  if (f.live && !D.isActive(d)) return notRunning();
  if (f.config && !d.persistent) return noPersistent();
  return f.live ? "live" : "config";
}

/**
 * The definition a tunables query reads. virsh first asks how many parameters there are (the --live --config
 * clash fails there), then their values (a missing definition fails there); each step has its own message.
 */
function queryDef(v: Virsh, d: Domain, f: { live: boolean; config: boolean }, count: string, values: string): Which | undefined {
  if (f.live && f.config) {
    v.lastError = flagsClash();
    v.error(`Unable to get number of ${count} parameters`);
    return undefined;
  }
  const w = oneDef(d, f);
  if (typeof w !== "string") {
    v.lastError = w;
    v.error(`Unable to get ${values} parameters`);
    return undefined;
  }
  return w;
}

/** virDomainObjGetDefs: both definitions an edit with --live and --config touches. */
export function bothDefs(d: Domain, f: { live: boolean; config: boolean }): Which[] | LvError {
  let live = f.live;
  let config = f.config;
  if (!live && !config) {
    if (D.isActive(d)) live = true;
    else config = true;
  }
  if (live && !D.isActive(d)) return notRunning();
  if (config && !d.persistent) return noPersistent();
  return [...(live ? (["live"] as Which[]) : []), ...(config ? (["config"] as Which[]) : [])];
}

export const defOf = (d: Domain, w: Which) => (w === "live" || !D.isActive(d) ? d.def : D.persistentDef(d));

export function putDef(d: Domain, w: Which, fn: (def: XmlEl) => XmlEl) {
  if (w === "live" && D.isActive(d)) d.def = fn(d.def);
  else D.editConfig(d, fn);
}

// ---------------------------------------------------------------- memtune

const MEM_FIELDS = ["hard_limit", "soft_limit", "min_guarantee", "swap_hard_limit"] as const;
type MemField = (typeof MEM_FIELDS)[number];

function memtuneOf(def: XmlEl): Record<MemField, bigint> {
  const t = child(def, "memtune");
  const out = {} as Record<MemField, bigint>;
  for (const f of MEM_FIELDS) {
    const s = childText(t, f)?.trim();
    out[f] = s !== undefined && /^\d+$/.test(s) ? BigInt(s) : f === "min_guarantee" ? 0n : UNLIMITED;
  }
  return out;
}

/** virDomainMemtuneFormat: limits below "unlimited" (and a non-zero guarantee), in KiB. */
function memtuneXml(m: Record<MemField, bigint>): XmlEl | undefined {
  const ks = MEM_FIELDS.filter((f) => (f === "min_guarantee" ? m[f] !== 0n : m[f] < UNLIMITED)).map((f) => el(f, { unit: "KiB" }, [String(m[f])]));
  return ks.length ? el("memtune", {}, ks) : undefined;
}

/** virshMemtuneGetSize: strtoll, negative meaning unlimited, then a KiB-scaled suffix, rounded up to KiB. */
function memtuneSize(v: Virsh, raw: string): bigint | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)(.*)$/s.exec(raw);
  if (!m) return null;
  let n = BigInt(m[2]!);
  if (m[1] === "-") n = -n;
  if (n > 0x7fffffffffffffffn || n < -0x8000000000000000n) return null;
  if (n < 0n) return UNLIMITED;
  const r = scaleInteger(n, m[3]!, 1024n, 0x7fffffffffffffffn);
  if (typeof r !== "bigint") {
    v.lastError = r;
    return null;
  }
  return (r + 1023n) / 1024n;
}

const memtune: Handler = (v, o) => {
  const f = affectFlags(v, o);
  if (!f) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const sets: [MemField, bigint][] = [];
  for (const [opt, field] of [["hard-limit", "hard_limit"], ["soft-limit", "soft_limit"], ["swap-hard-limit", "swap_hard_limit"], ["min-guarantee", "min_guarantee"]] as const) {
    const raw = o.strQuiet(opt);
    if (raw === undefined) continue;
    const n = memtuneSize(v, raw);
    if (n === null) {
      v.error(`Unable to parse integer parameter ${opt}`);
      return false;
    }
    sets.push([field, n]);
  }
  const d = r.dom;
  if (!sets.length) {
    const w = queryDef(v, d, f, "memory", "memory");
    if (!w) return false;
    const m = memtuneOf(defOf(d, w));
    const show = (x: bigint) => (x === UNLIMITED ? "unlimited" : x);
    v.print(param("hard_limit", show(m.hard_limit)) + param("soft_limit", show(m.soft_limit)) + param("swap_hard_limit", show(m.swap_hard_limit)));
    return true;
  }
  const fail = (e: LvError) => {
    v.lastError = e;
    v.error("Unable to change memory parameters");
    return false;
  };
  if (readonlyDenies(v, "virDomainSetMemoryParameters")) return fail(v.lastError!);
  if (isTest(v)) {
    // virTypedParamsValidate: the test driver knows three limits
    const bad = sets.find(([k]) => k === "min_guarantee");
    if (bad) return fail(lvErr("ARGUMENT_UNSUPPORTED", "argument unsupported: parameter 'min_guarantee' not supported"));
  }
  const w = oneDef(d, f);
  if (typeof w !== "string") return fail(w);
  const want = Object.fromEntries(sets) as Partial<Record<MemField, bigint>>;
  if (want.hard_limit !== undefined || want.swap_hard_limit !== undefined) {
    // testDomainSetMemoryParameters compares against the running definition's limits
    const cur = memtuneOf(d.def);
    const mem = want.hard_limit ?? cur.hard_limit;
    const swap = want.swap_hard_limit ?? cur.swap_hard_limit;
    if (mem > swap) return fail(lvErr("INVALID_ARG", "invalid argument: memory hard_limit tunable value must be lower than or equal to swap_hard_limit"));
  }
  v.mutateDomain(d, (dd) => {
    putDef(dd, w, (def) => setTop(def, "memtune", memtuneXml({ ...memtuneOf(def), ...want })));
    return undefined;
  });
  return true;
};

// ---------------------------------------------------------------- blkiotune

const BLKIO_KINDS = [
  ["device_weight", "device-weights", "weight"],
  ["device_read_iops_sec", "device-read-iops-sec", "read_iops_sec"],
  ["device_write_iops_sec", "device-write-iops-sec", "write_iops_sec"],
  ["device_read_bytes_sec", "device-read-bytes-sec", "read_bytes_sec"],
  ["device_write_bytes_sec", "device-write-bytes-sec", "write_bytes_sec"],
] as const;
type BlkioKey = (typeof BLKIO_KINDS)[number][2];
interface BlkioDev {
  path: string;
  vals: Partial<Record<BlkioKey, bigint>>;
}

function blkioOf(def: XmlEl): { weight: number; devs: BlkioDev[] } {
  const t = child(def, "blkiotune");
  const devs = kids(t, "device").map((dv) => ({
    path: childText(dv, "path")?.trim() ?? "",
    vals: Object.fromEntries(BLKIO_KINDS.map(([, , k]) => [k, BigInt(childText(dv, k)?.trim() || "0")])) as Partial<Record<BlkioKey, bigint>>,
  }));
  return { weight: Number(childText(t, "weight")?.trim() ?? "0"), devs };
}

/** virDomainDefFormatBlkiotune: the weight when set, then each device with its non-zero values. */
function blkioXml(b: { weight: number; devs: BlkioDev[] }): XmlEl | undefined {
  const ks: XmlEl[] = [];
  if (b.weight) ks.push(el("weight", {}, [String(b.weight)]));
  for (const dv of b.devs) {
    const vals = BLKIO_KINDS.map(([, , k]) => k).filter((k) => (dv.vals[k] ?? 0n) !== 0n);
    if (!vals.length) continue;
    ks.push(el("device", {}, [el("path", {}, [dv.path]), ...vals.map((k) => el(k, {}, [String(dv.vals[k])]))]));
  }
  return ks.length ? el("blkiotune", {}, ks) : undefined;
}

/** virDomainDriverParseBlkioDeviceStr: "path,value[,path,value...]". */
function parseBlkioDevices(type: string, s: string, bytes: boolean): { path: string; value: bigint }[] | LvError {
  const parseErr = () => lvErr("INVALID_ARG", `invalid argument: unable to parse blkio device '${type}' '${s}'`);
  if (s === "") return [];
  if ((s.split(",").length - 1) % 2 === 0) return parseErr();
  const out: { path: string; value: bigint }[] = [];
  let temp = s;
  for (;;) {
    const comma = temp.indexOf(",");
    if (comma < 0) return parseErr();
    const path = temp.slice(0, comma);
    temp = temp.slice(comma + 1);
    // virStrToLong_uip / _ullp: digits (after blanks and a +), stopping at the first other character
    const m = /^[ \t\n\v\f\r]*\+?(\d+)/.exec(temp);
    const max = bytes ? 18446744073709551615n : 4294967295n;
    if (!m || BigInt(m[1]!) > max) return lvErr("INVALID_ARG", `invalid argument: invalid value '${temp}' for parameter '${type}' of device '${path}'`);
    out.push({ path, value: BigInt(m[1]!) });
    const rest = temp.slice(m[0].length);
    if (rest === "") break;
    if (rest[0] !== ",") return parseErr();
    temp = rest.slice(1);
  }
  return out;
}

const blkiotune: Handler = (v, o) => {
  const f = affectFlags(v, o);
  if (!f) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const d = r.dom;
  const sets: { field: string; value: string | number }[] = [];
  if (o.has("weight")) {
    const w = optNum(v, o, "weight", "int");
    if (w === null || w === undefined) return false;
    if (w <= 0) {
      v.error(`Invalid value of ${w} for I/O weight`);
      return false;
    }
    sets.push({ field: "weight", value: w });
  }
  for (const [field, opt] of BLKIO_KINDS) {
    if (!o.has(opt)) continue;
    const s = o.strQuiet(opt);
    if (s === undefined) {
      v.error("Unable to parse string parameter");
      return false;
    }
    sets.push({ field, value: s });
  }
  if (!sets.length) {
    const w = queryDef(v, d, f, "blkio", "blkio");
    if (!w) return false;
    const b = blkioOf(defOf(d, w));
    let s = param("weight", b.weight);
    for (const [field, , key] of BLKIO_KINDS) {
      const parts = b.devs.filter((dv) => (dv.vals[key] ?? 0n) !== 0n).map((dv) => `${dv.path},${dv.vals[key]}`);
      s += param(field, parts.join(","));
    }
    v.print(s);
    return true;
  }
  const w = readonlyDenies(v, "virDomainSetBlkioParameters") ? v.lastError! : oneDef(d, f);
  if (typeof w !== "string") {
    v.lastError = w;
    v.error("Unable to change blkio parameters");
    return false;
  }
  // virDomainDriverSetupPersistentDefBlkioParams: every parameter is applied, a bad one fails the call
  let err: LvError | undefined;
  v.mutateDomain(d, (dd) => {
    putDef(dd, w, (def) => {
      const b = blkioOf(def);
      for (const s of sets) {
        if (s.field === "weight") {
          b.weight = Number(s.value);
          continue;
        }
        const kind = BLKIO_KINDS.find((k) => k[0] === s.field)!;
        const parsed = parseBlkioDevices(s.field, String(s.value), kind[2].endsWith("bytes_sec"));
        if ("code" in parsed) {
          err = parsed;
          continue;
        }
        for (const p of parsed) {
          const ex = b.devs.find((dv) => dv.path === p.path);
          if (ex) ex.vals = { ...ex.vals, [kind[2]]: p.value };
          else if (p.value !== 0n) b.devs.push({ path: p.path, vals: { [kind[2]]: p.value } });
        }
      }
      return setTop(def, "blkiotune", blkioXml(b));
    });
    return undefined;
  });
  if (err) {
    v.lastError = err;
    v.error("Unable to change blkio parameters");
    return false;
  }
  return true;
};

// ---------------------------------------------------------------- numatune

const NUMA_MODES = ["strict", "preferred", "interleave", "restrictive"];

/** virBitmapParse for a nodeset: ranges, exclusions (^N), below 1024 bits. */
function parseBitmap(s: string): Set<number> | undefined {
  const set = new Set<number>();
  const parts = s.split(",");
  const neg: number[] = [];
  for (const p0 of parts) {
    const p = p0.trim();
    if (p.startsWith("^")) {
      if (!/^\^\d+$/.test(p)) return undefined;
      neg.push(Number(p.slice(1)));
      continue;
    }
    const m = /^(\d+)(?:-(\d+))?$/.exec(p);
    if (!m) return undefined;
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    if (b < a || b >= 1024) return undefined;
    for (let i = a; i <= b; i++) set.add(i);
  }
  for (const n of neg) {
    if (n >= 1024) return undefined;
    set.delete(n);
  }
  return set;
}

const numatune: Handler = (v, o) => {
  const f = affectFlags(v, o);
  if (!f) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const d = r.dom;
  const ns = optStr(v, o, "nodeset");
  if (!ns) return false;
  const ms = optStr(v, o, "mode");
  if (!ms) return false;
  let mode: number | undefined;
  if (ms.value !== undefined) {
    const byName = NUMA_MODES.indexOf(ms.value);
    const m = byName >= 0 ? byName : /^\s*[+-]?(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)$/i.test(ms.value) ? Number.parseInt(ms.value.trim(), ms.value.trim().replace(/^[+-]/, "").toLowerCase().startsWith("0x") ? 16 : ms.value.trim().replace(/^[+-]/, "").startsWith("0") ? 8 : 10) : NaN;
    if (Number.isNaN(m)) {
      v.error(`Invalid mode: ${ms.value}`);
      return false;
    }
    mode = m;
  }
  const nodeset = ns.value;
  if (nodeset === undefined && mode === undefined) {
    const w = queryDef(v, d, f, "memory", "numa");
    if (!w) return false;
    const m = child(child(defOf(d, w), "numatune"), "memory");
    v.print(param("numa_mode", m?.attrs.mode ?? "strict") + param("numa_nodeset", m?.attrs.nodeset ?? ""));
    return true;
  }
  const fail = (e: LvError) => {
    v.lastError = e;
    v.error("Unable to change numa parameters");
    return false;
  };
  if (readonlyDenies(v, "virDomainSetNumaParameters")) return fail(v.lastError!);
  const w = oneDef(d, f);
  if (typeof w !== "string") return fail(w);
  // testDomainSetNumaParameters takes the nodeset before the mode (virsh's order)
  let set: Set<number> | undefined;
  if (nodeset !== undefined) {
    set = parseBitmap(nodeset);
    if (!set) return fail(lvErr("INVALID_ARG", `invalid argument: Failed to parse bitmap '${nodeset}'`));
    if (!set.size) return fail(lvErr("OPERATION_INVALID", `Requested operation is not valid: Invalid nodeset of 'numatune': ${nodeset}`));
  }
  if (mode !== undefined && (mode < 0 || mode >= NUMA_MODES.length)) return fail(lvErr("INVALID_ARG", `invalid argument: unsupported numatune mode: '${mode}'`));
  const def = defOf(d, w);
  const mem = child(child(def, "numatune"), "memory");
  if (w === "live" && mode !== undefined && mem && NUMA_MODES.indexOf(mem.attrs.mode ?? "strict") !== mode) return fail(lvErr("OPERATION_INVALID", "Requested operation is not valid: can't change numatune mode for running domain"));
  // virDomainNumatuneSet: a first setting defaults to strict; static placement needs a nodeset
  const newMode = mode !== undefined ? NUMA_MODES[mode]! : (mem?.attrs.mode ?? "strict");
  const newSet = set !== undefined ? formatCpuList(set) : mem?.attrs.nodeset;
  const placement = mem?.attrs.placement ?? (newSet !== undefined || (child(def, "vcpu")?.attrs.placement ?? "static") === "static" ? "static" : "auto");
  if (placement === "static" && newSet === undefined) return fail(lvErr("CONFIG_UNSUPPORTED", "unsupported configuration: nodeset for NUMA memory tuning must be set if 'placement' is 'static'"));
  v.mutateDomain(d, (dd) => {
    putDef(dd, w, (df) => {
      const tune = child(df, "numatune");
      const memEl = el("memory", placement === "static" ? { mode: newMode, nodeset: newSet } : { mode: newMode, placement });
      const rest = kids(tune).filter((k) => k.name !== "memory");
      return setTop(df, "numatune", el("numatune", {}, [memEl, ...rest]));
    });
    return undefined;
  });
  return true;
};

// ---------------------------------------------------------------- blkdeviotune

const IOTUNE = [
  "total_bytes_sec", "read_bytes_sec", "write_bytes_sec", "total_iops_sec", "read_iops_sec", "write_iops_sec",
  "total_bytes_sec_max", "read_bytes_sec_max", "write_bytes_sec_max", "total_iops_sec_max", "read_iops_sec_max", "write_iops_sec_max",
  "size_iops_sec", "group_name",
  "total_bytes_sec_max_length", "read_bytes_sec_max_length", "write_bytes_sec_max_length", "total_iops_sec_max_length", "read_iops_sec_max_length", "write_iops_sec_max_length",
];
/** TEST_BLOCK_IOTUNE_MAX */
const IOTUNE_LIMIT = 1000000000000000n;

/** virDomainDiskByName: a disk by target, else by source path. */
function diskByName(def: XmlEl, name: string): XmlEl | undefined {
  const disks = kids(child(def, "devices"), "disk");
  return disks.find((k) => child(k, "target")?.attrs.dev === name) ?? disks.find((k) => {
    const s = child(k, "source");
    return s && [s.attrs.file, s.attrs.dev, s.attrs.dir, s.attrs.name].includes(name);
  });
}

const blkdeviotune: Handler = (v, o) => {
  const f = affectFlags(v, o);
  if (!f) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const d = r.dom;
  const dev = optStr(v, o, "device");
  if (!dev || dev.value === undefined) return false;
  const sets: [string, bigint | string][] = [];
  for (const name of IOTUNE) {
    const opt = name.replace(/_/g, "-");
    if (!o.has(opt)) continue;
    if (name === "group_name") {
      const g = optStr(v, o, opt);
      if (!g || g.value === undefined) {
        v.error("Unable to parse group-name parameter");
        return false;
      }
      sets.push([name, g.value]);
      continue;
    }
    const n = /bytes_sec(_max)?$/.test(name) ? optScaled(v, o, opt, 1n) : optNum(v, o, opt, "ull");
    if (n === null || n === undefined) {
      v.error("Unable to parse integer parameter");
      return false;
    }
    sets.push([name, BigInt(n)]);
  }
  const key = dev.value;
  if (!sets.length) {
    const w = queryDef(v, d, f, "block I/O throttle", "block I/O throttle");
    if (!w) return false;
    const fail = (e: LvError) => {
      v.lastError = e;
      v.error("Unable to get block I/O throttle parameters");
      return false;
    };
    const disk = diskByName(defOf(d, w), key);
    if (!disk) return fail(lvErr("INVALID_ARG", `invalid argument: disk '${key}' was not found in the domain config`));
    const tune = child(disk, "iotune");
    v.print(IOTUNE.map((n) => param(n, childText(tune, n)?.trim() ?? (n === "group_name" ? "" : "0"))).join(""));
    return true;
  }
  const fail = (e: LvError) => {
    v.lastError = e;
    v.error("Unable to change block I/O throttle");
    return false;
  };
  if (readonlyDenies(v, "virDomainSetBlockIoTune")) return fail(v.lastError!);
  const w = oneDef(d, f);
  if (typeof w !== "string") return fail(w);
  const disk = diskByName(defOf(d, w), key);
  if (!disk) return fail(lvErr("INVALID_ARG", `invalid argument: missing persistent configuration for disk '${key}'`));
  const tune = child(disk, "iotune");
  const info: Record<string, bigint | string> = {};
  for (const n of IOTUNE) info[n] = n === "group_name" ? (childText(tune, n) ?? "") : BigInt(childText(tune, n)?.trim() || "0");
  for (const [n, val] of sets) {
    if (typeof val === "bigint" && val > IOTUNE_LIMIT) return fail(lvErr("ARGUMENT_UNSUPPORTED", `argument unsupported: block I/O throttle limit value must be no more than ${IOTUNE_LIMIT}`));
    info[n] = val;
  }
  const num = (n: string) => info[n] as bigint;
  for (const kind of ["bytes_sec", "iops_sec", "bytes_sec_max", "iops_sec_max"]) {
    if (num(`total_${kind}`) && (num(`read_${kind}`) || num(`write_${kind}`))) return fail(lvErr("INVALID_ARG", `invalid argument: total and read/write of ${kind} cannot be set at the same time`));
  }
  for (const fld of ["total_bytes_sec", "read_bytes_sec", "write_bytes_sec", "total_iops_sec", "read_iops_sec", "write_iops_sec"]) {
    if (num(fld) > num(`${fld}_max`)) return fail(lvErr("INVALID_ARG", `invalid argument: ${fld} cannot be set higher than ${fld}_max `));
  }
  // virDomainDiskIotuneFormat: the non-zero limits and a group name
  const iotune = IOTUNE.filter((n) => (n === "group_name" ? info[n] !== "" : info[n] !== 0n)).map((n) => el(n, {}, [String(info[n])]));
  v.mutateDomain(d, (dd) => {
    putDef(dd, w, (df) => {
      const devs = child(df, "devices")!;
      const target = diskByName(df, key)!;
      const nd = { ...target, children: target.children.filter((k) => !(isEl(k) && k.name === "iotune")) };
      if (iotune.length) {
        const i = nd.children.findIndex((k) => isEl(k) && k.name === "target");
        nd.children.splice(i + 1, 0, el("iotune", {}, iotune));
      }
      return { ...df, children: df.children.map((k) => (k === devs ? { ...devs, children: devs.children.map((x) => (x === target ? nd : x)) } : k)) };
    });
    return undefined;
  });
  return true;
};

// ---------------------------------------------------------------- schedinfo

const schedinfo: Handler = (v, o) => {
  const f = affectFlags(v, o);
  if (!f) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const test = isTest(v);
  v.print(param("Scheduler", test ? "fair" : "posix"));
  const params: [string, "uint" | "ull" | "ll"][] = test ? [["weight", "uint"]] : [["cpu_shares", "ull"], ["vcpu_period", "ull"], ["vcpu_quota", "ll"], ["emulator_period", "ull"], ["emulator_quota", "ll"], ["global_period", "ull"], ["global_quota", "ll"], ["iothread_period", "ull"], ["iothread_quota", "ll"]];
  const flagged = f.live || f.config || o.has("current");
  // testDomainGetSchedulerParametersFlags accepts no flags; virsh always passes VIR_TYPED_PARAM_STRING_OKAY
  if (test && flagged) return v.fail(unsupportedFlags(4 | (f.live && f.config ? 0 : (f.live ? 1 : 0) | (f.config ? 2 : 0)), "testDomainGetSchedulerParametersFlags"));
  // cmdSchedInfoUpdate: each --set name=value, then --cap and --weight
  const updates: string[] = [];
  const one = (field: string, val: string): boolean => {
    const p = params.find(([n]) => n === field);
    if (!p) {
      v.error(`invalid scheduler option: ${field}`);
      return false;
    }
    const ok = p[1] === "uint" ? /^\s*[+-]?\d+$/.test(val) && (BigInt(val.trim()) <= 4294967295n && BigInt(val.trim()) >= -4294967295n) : /^\s*[+-]?\d+$/.test(val);
    if (!ok) {
      v.lastError = lvErr("INVALID_ARG", `invalid argument: Invalid value for field '${field}': expected ${p[1] === "uint" ? "unsigned int" : p[1] === "ull" ? "unsigned long long" : "long long"}`);
      return false;
    }
    updates.push(field);
    return true;
  };
  for (const s of o.argv("set")) {
    const eq = s.indexOf("=");
    if (eq < 0) {
      v.error("Invalid syntax for --set, expecting name=value");
      return false;
    }
    if (!one(s.slice(0, eq), s.slice(eq + 1))) return false;
  }
  for (const n of ["cap", "weight"]) {
    const s = optStr(v, o, n);
    if (!s) return false;
    if (s.value !== undefined && !one(n, s.value)) return false;
  }
  if (new Set(updates).size !== updates.length) {
    const dup = updates.find((u, i) => updates.indexOf(u) !== i)!;
    return v.fail(lvErr("INVALID_ARG", `invalid argument: parameter '${dup}' occurs multiple times`));
  }
  if (updates.length && readonlyDenies(v, f.live || f.config || o.has("current") ? "virDomainSetSchedulerParametersFlags" : "virDomainSetSchedulerParameters")) return false;
  // the test driver accepts the weight and keeps it nowhere
  v.print(test ? param("weight", 50) : param("cpu_shares", 1024));
  return true;
};

// ---------------------------------------------------------------- IOThreads

interface IOThread {
  id: number;
  autofill: boolean;
  pin?: string;
}

export function iothreadsOf(def: XmlEl): IOThread[] {
  const ids = kids(child(def, "iothreadids"), "iothread");
  const pins = kids(child(def, "cputune"), "iothreadpin");
  const pinOf = (id: number) => pins.find((p) => Number(p.attrs.iothread) === id)?.attrs.cpuset;
  if (ids.length) return ids.map((t) => ({ id: Number(t.attrs.id), autofill: t.note === "autofill", pin: pinOf(Number(t.attrs.id)) }));
  const n = Number(text(child(def, "iothreads")) ?? "0");
  return Array.from({ length: n }, (_, i) => ({ id: i + 1, autofill: true, pin: pinOf(i + 1) }));
}

/** virDomainDefIOThreadsFormat: the count, and the ids when any was not filled in automatically. */
function withIothreads(def: XmlEl, ts: IOThread[]): XmlEl {
  let d = setTop(def, "iothreads", ts.length ? el("iothreads", {}, [String(ts.length)]) : undefined);
  // autofilled ids stay listed (marked) once another one forces the list out
  d = setTop(d, "iothreadids", ts.some((t) => !t.autofill) ? el("iothreadids", {}, ts.map((t) => ({ ...el("iothread", { id: String(t.id) }), ...(t.autofill ? { note: "autofill" } : {}) }))) : undefined);
  const tune = child(d, "cputune");
  const others = kids(tune).filter((k) => k.name !== "iothreadpin");
  const pins = ts.filter((t) => t.pin !== undefined).map((t) => el("iothreadpin", { iothread: String(t.id), cpuset: t.pin }));
  // cputune order: the scheduler values, vcpupin, emulatorpin, iothreadpin, then the sched/cache elements
  const before = others.filter((k) => ["shares", "period", "quota", "global_period", "global_quota", "emulator_period", "emulator_quota", "iothread_period", "iothread_quota", "vcpupin", "emulatorpin"].includes(k.name));
  const after = others.filter((k) => !before.includes(k));
  const nk = [...before, ...pins, ...after];
  return setTop(d, "cputune", nk.length ? el("cputune", tune?.attrs ?? {}, nk) : undefined);
}

const iothreadinfo: Handler = (v, o) => {
  const f = affectFlags(v, o);
  if (!f) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const w = oneDef(r.dom, f);
  if (typeof w !== "string") {
    v.lastError = w;
    v.error("Unable to get domain IOThreads information");
    return false;
  }
  const def = defOf(r.dom, w);
  const ts = iothreadsOf(def);
  if (!ts.length) {
    v.printExtra("No IOThreads found for the domain");
    return true;
  }
  // virDomainDriverGetIOThreadsConfig: a pin, else the domain cpuset, else one bit per vCPU
  const cpuset = child(def, "vcpu")?.attrs.cpuset;
  const rows = ts.map((t) => [String(t.id), formatCpuList(parseCpuList(t.pin ?? cpuset ?? `0-${curVcpus(def) - 1}`) ?? new Set<number>())]);
  v.print(table(["IOThread ID", "CPU Affinity"], rows, !v.quiet));
  return true;
};

function iothreadId(v: Virsh, o: Opts, name: string): number | undefined {
  const n = optNum(v, o, name, "int");
  if (n === null || n === undefined) return undefined;
  if (n <= 0) {
    v.error(`Invalid IOThread id value: '${n}'`);
    return undefined;
  }
  return n;
}

function changeIothread(add: boolean): Handler {
  return (v, o) => {
    const f = affectFlags(v, o);
    if (!f) return false;
    const r = optDomain(v, o);
    if (!r) return false;
    const id = iothreadId(v, o, "id");
    if (id === undefined) return false;
    const d = r.dom;
    if (readonlyDenies(v, add ? "virDomainAddIOThread" : "virDomainDelIOThread")) return false;
    const ws = bothDefs(d, f);
    if (!Array.isArray(ws)) return v.fail(ws);
    for (const w of ws) {
      const def = defOf(d, w);
      const ts = iothreadsOf(def);
      if (add && ts.some((t) => t.id === id)) return v.fail(lvErr("INVALID_ARG", `invalid argument: an IOThread is already using iothread_id '${id}'`));
      if (!add) {
        if (!ts.some((t) => t.id === id)) return v.fail(lvErr("INVALID_ARG", `invalid argument: cannot find IOThread '${id}' in iothreadids list`));
        const disk = kids(child(def, "devices"), "disk").find((k) => child(k, "driver")?.attrs.iothread === String(id));
        if (disk) return v.fail(lvErr("INVALID_ARG", `invalid argument: cannot remove IOThread ${id} since it is being used by disk '${child(disk, "target")?.attrs.dev ?? ""}'`));
        if (kids(child(def, "devices"), "controller").some((k) => child(k, "driver")?.attrs.iothread === String(id))) return v.fail(lvErr("INVALID_ARG", `invalid argument: cannot remove IOThread '${id}' since it is being used by controller`));
      }
    }
    v.mutateDomain(d, (dd) => {
      for (const w of ws) putDef(dd, w, (def) => {
        const ts = iothreadsOf(def);
        return withIothreads(def, add ? [...ts, { id, autofill: false }] : ts.filter((t) => t.id !== id));
      });
      return undefined;
    });
    return true;
  };
}

const iothreadpin: Handler = (v, o) => {
  const f = affectFlags(v, o);
  if (!f) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const id = optNum(v, o, "iothread", "uint");
  if (id === null || id === undefined) return false;
  const cl = optStr(v, o, "cpulist");
  if (!cl || cl.value === undefined) return false;
  const cpulist = cl.value;
  const n = isTest(v) ? 8 : v.conn.node.cpus;
  const set = cpuListArg(v, cpulist, n);
  if (!set) return false;
  const d = r.dom;
  if (readonlyDenies(v, "virDomainPinIOThread")) return false;
  const ws = bothDefs(d, f);
  if (!Array.isArray(ws)) return v.fail(ws);
  for (const w of ws) if (!iothreadsOf(defOf(d, w)).some((t) => t.id === id)) return v.fail(lvErr("INVALID_ARG", `invalid argument: iothreadid ${id} not found`));
  v.mutateDomain(d, (dd) => {
    for (const w of ws) putDef(dd, w, (def) => withIothreads(def, iothreadsOf(def).map((t) => (t.id === id ? { ...t, autofill: false, pin: formatCpuList(set) } : t))));
    return undefined;
  });
  return true;
};

const iothreadset: Handler = (v, o) => {
  const f = affectFlags(v, o);
  if (!f) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const id = iothreadId(v, o, "id");
  if (id === undefined) return false;
  let n = 0;
  for (const [opt, kind] of [["poll-max-ns", "ull"], ["poll-grow", "uint"], ["poll-shrink", "uint"], ["thread-pool-min", "int"], ["thread-pool-max", "int"]] as const) {
    if (!o.has(opt)) continue;
    const x = optNum(v, o, opt, kind);
    if (x === null) return false;
    n++;
  }
  if (!n) {
    v.error("Not enough arguments passed, nothing to set");
    return false;
  }
  const d = r.dom;
  if (readonlyDenies(v, "virDomainSetIOThreadParams")) return false;
  // testDomainSetIOThreadParams works on the running domain only
  if (isTest(v) && f.config) return v.fail(unsupportedFlags(2 | (f.live ? 1 : 0), "testDomainSetIOThreadParams"));
  const w = oneDef(d, f);
  if (typeof w !== "string") return v.fail(w);
  if (!iothreadsOf(defOf(d, w)).some((t) => t.id === id)) return v.fail(lvErr("INVALID_ARG", `invalid argument: cannot find IOThread '${id}' in iothreadids`));
  return true;
};

export const TUNE_HANDLERS: Record<string, Handler> = {
  memtune,
  blkiotune,
  numatune,
  blkdeviotune,
  schedinfo,
  iothreadinfo,
  iothreadadd: changeIothread(true),
  iothreaddel: changeIothread(false),
  iothreadpin,
  iothreadset,
};
