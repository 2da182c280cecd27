// Shared pieces of virsh handlers: object lookups with virsh's messages, numeric options, unsupported APIs.
import type { Domain, LvError, Network, Pool, Volume } from "../../model/libvirt/types";
import { lvErr } from "../../model/libvirt/types";
import { netName, poolName } from "../../model/libvirt/net-xml";
import { findVolume, findVolumeAnywhere, noVolume } from "../../model/libvirt/storage";
import { scaleInteger, splitScaled, ULLONG_MAX } from "../../model/libvirt/units";
import { OptError, strToLong, type Opts } from "./parse";
import type { Virsh } from "./runtime";
import { parseCpuList } from "./format";

export type Handler = (v: Virsh, o: Opts) => boolean;

/** vshCommandOptStringReq with its "Option argument is empty" message; undefined means the command fails. */
export function optStr(v: Virsh, o: Opts, name: string): { value: string | undefined } | undefined {
  try {
    return { value: o.str(name) };
  } catch (e) {
    if (e instanceof OptError) {
      v.error(e.message);
      return undefined;
    }
    throw e;
  }
}

/** virshCommandOptDomain: by ID, UUID or name; "failed to get domain" when none matches. */
export function optDomain(v: Virsh, o: Opts, optname = "domain", by: { id?: boolean; uuid?: boolean; name?: boolean } = { id: true, uuid: true, name: true }): { dom: Domain; name: string } | undefined {
  const s = optStr(v, o, optname);
  if (!s || s.value === undefined) return undefined;
  const name = s.value;
  let d: Domain | undefined;
  v.debugMsg(1, `${o.name}: found option <${optname}>: ${name}\n`);
  if (by.id && /^\s*[+-]?\d+$/.test(name) && strToLong(name, "int") !== null && Number(strToLong(name, "int")) >= 0) {
    v.debugMsg(0, `${o.name}: <${optname}> looks like ID\n`);
    const id = Number(strToLong(name, "int"));
    d = v.conn.domains.find((x) => x.id === id && x.state !== "shutoff");
  }
  if (!d && by.uuid && name.length === 36) {
    v.debugMsg(0, `${o.name}: <${optname}> trying as domain UUID\n`);
    const hex = name.toLowerCase().replace(/-/g, "");
    d = v.conn.domains.find((x) => x.uuid.replace(/-/g, "") === hex);
  }
  if (!d && by.name) {
    v.debugMsg(0, `${o.name}: <${optname}> trying as domain NAME\n`);
    d = v.conn.domains.find((x) => childName(x) === name);
  }
  v.lastError = undefined;
  if (!d) {
    v.error(`failed to get domain '${name}'`);
    return undefined;
  }
  return { dom: d, name };
}

const childName = (d: Domain) => (d.def.children.find((c) => typeof c === "object" && c.name === "name") as { children: string[] }).children.join("");

type By = { uuid?: boolean; name?: boolean };

/** virUUIDParse: 32 hex digits, dashes allowed between pairs, surrounding blanks ignored. */
export function parseUuid(s: string): string | undefined {
  const t = s.trim();
  const hex: string[] = [];
  for (let i = 0; i < t.length; ) {
    if (t[i] === "-") {
      i++;
      continue;
    }
    if (!/[0-9a-fA-F]/.test(t[i]!) || !/[0-9a-fA-F]/.test(t[i + 1] ?? "")) return undefined;
    hex.push(t.slice(i, i + 2).toLowerCase());
    i += 2;
    if (hex.length === 16) {
      if (t.slice(i).trim() !== "") return undefined;
      break;
    }
  }
  if (hex.length !== 16) return undefined;
  const h = hex.join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * virshCommandOptNetworkBy/PoolBy: by UUID when the argument has a UUID's length, then by name; the libvirt
 * error of the last lookup stays behind for vshReportError.
 */
function lookupBy<T extends { uuid: string }>(key: string, by: By, all: T[], nameOf: (x: T) => string, api: string, what: string, code: string, trace?: (how: string) => void): { obj: T } | { err: LvError | undefined } {
  let err: LvError | undefined;
  if (by.uuid !== false && key.length === 36) {
    trace?.("UUID");
    const u = parseUuid(key);
    if (u === undefined) err = lvErr("INVALID_ARG", `uuidstr in ${api} must be a valid UUID`);
    else {
      const f = all.find((x) => x.uuid === u);
      if (f) return { obj: f };
      err = lvErr(code, `${what} with matching uuid '${u}'`);
    }
  }
  if (by.name !== false) {
    trace?.("NAME");
    const f = all.find((x) => nameOf(x) === key);
    if (f) return { obj: f };
    err = lvErr(code, `${what} with matching name '${key}'`);
  }
  return { err };
}

export function optNetwork(v: Virsh, o: Opts, optname = "network", by: By = {}): { net: Network; name: string } | undefined {
  const s = optStr(v, o, optname);
  if (!s || s.value === undefined) return undefined;
  const name = s.value;
  v.debugMsg(0, `${o.name}: found option <${optname}>: ${name}\n`);
  const r = lookupBy(name, by, v.conn.networks, (n) => netName(n.def), "virNetworkLookupByUUIDString", "Network not found: no network", "NO_NETWORK", (how) => v.debugMsg(0, `${o.name}: <${optname}> trying as network ${how}\n`));
  if ("err" in r) {
    v.lastError = r.err;
    v.error(`failed to get network '${name}'`);
    return undefined;
  }
  return { net: r.obj, name };
}

export function optPool(v: Virsh, o: Opts, optname = "pool", by: By = {}): { pool: Pool; name: string } | undefined {
  const s = optStr(v, o, optname);
  if (!s || s.value === undefined) return undefined;
  const name = s.value;
  v.debugMsg(0, `${o.name}: found option <${optname}>: ${name}\n`);
  const r = lookupBy(name, by, v.conn.pools, (p) => poolName(p.def), "virStoragePoolLookupByUUIDString", "Storage pool not found: no storage pool", "NO_STORAGE_POOL", (how) => v.debugMsg(0, `${o.name}: <${optname}> trying as pool ${how}\n`));
  if ("err" in r) {
    v.lastError = r.err;
    v.error(`failed to get pool '${name}'`);
    return undefined;
  }
  return { pool: r.obj, name };
}

/** virshCommandOptVolBy: --pool then name; otherwise key/path across active pools. */
export function optVol(v: Virsh, o: Opts, optname = "vol", poolopt: string | null = "pool"): { vol: Volume; pool: Pool; name: string } | undefined {
  const s = optStr(v, o, optname);
  if (!s || s.value === undefined) return undefined;
  const n = s.value;
  let pool: Pool | undefined;
  if (poolopt) {
    const ps = optStr(v, o, poolopt);
    if (!ps) return undefined;
    if (ps.value !== undefined) {
      const p = optPool(v, o, poolopt);
      if (!p) return undefined;
      pool = p.pool;
      if (!pool.active) {
        v.lastError = undefined;
        v.error(`pool '${ps.value}' is not active`);
        return undefined;
      }
    }
  }
  let vol: Volume | undefined;
  let inPool: Pool | undefined;
  v.debugMsg(0, `${o.name}: found option <${optname}>: ${n}\n`);
  if (pool) {
    v.debugMsg(0, `${o.name}: <${optname}> trying as vol name\n`);
    vol = pool.volumes.find((x) => x.name === n);
    inPool = pool;
  }
  if (!vol) {
    v.debugMsg(0, `${o.name}: <${optname}> trying as vol key\n`);
    const any = findVolumeAnywhere(v.conn, n);
    if (any) {
      vol = any.vol;
      inPool = any.pool;
    }
  }
  if (!vol) {
    v.debugMsg(0, `${o.name}: <${optname}> trying as vol path\n`);
    v.lastError = noVolume(n);
    if (pool || !poolopt) v.error(`failed to get vol '${n}'`);
    else v.error(`failed to get vol '${n}', specifying --${poolopt} might help`);
    return undefined;
  }
  v.lastError = undefined;
  if (pool && inPool && inPool.uuid !== pool.uuid) {
    v.error(`Requested volume '${n}' is not in pool '${(pool.def.children[0] as { children: string[] }).children.join("")}'`);
    return undefined;
  }
  return { vol, pool: inPool!, name: n };
}

export { findVolume };

/** vshCommandOptInt & co.: undefined when absent, null after printing the error for a bad value. */
export function optNum(v: Virsh, o: Opts, name: string, kind: "int" | "uint" | "ull" | "ll", wrap = false): number | undefined | null {
  const raw = o.raw(name);
  if (raw === undefined) return undefined;
  const n = strToLong(raw, kind, wrap);
  if (n === null) {
    v.error(`Numeric value '${raw}' for <${name}> option is malformed or out of range`);
    return null;
  }
  return Number(n);
}

/** vshCommandOptScaledInt: a size with an optional unit suffix; `scale` is the unit of a bare number. */
export function optScaled(v: Virsh, o: Opts, name: string, scale: bigint, max: bigint = ULLONG_MAX): number | undefined | null {
  const raw = o.raw(name);
  if (raw === undefined) return undefined;
  const sp = /^[ \t]*\+?(\d+)(.*)$/.exec(raw);
  if (!sp || BigInt(sp[1]!) > ULLONG_MAX) {
    v.error(`Scaled numeric value '${raw}' for <${name}> option is malformed or out of range`);
    return null;
  }
  const r = scaleInteger(BigInt(sp[1]!), sp[2]!, scale, max);
  if (typeof r !== "bigint") {
    v.lastError = r;
    v.error(`Scaled numeric value '${raw}' for <${name}> option is malformed or out of range`);
    return null;
  }
  return Number(r);
}

/** virshVolSize / vshStrToScaledSize for vol-create-as sizes: "Malformed size X". */
export function parseSize(v: Virsh, text: string): number | null {
  const sp = splitScaled(text);
  // strtoull overflow: no libvirt error behind the message
  if (!sp || sp.num > ULLONG_MAX) {
    v.error(`Malformed size ${text}`);
    return null;
  }
  const r = scaleInteger(sp.num, sp.suffix, 1n, ULLONG_MAX);
  if (typeof r !== "bigint") {
    v.lastError = r;
    v.error(`Malformed size ${text}`);
    return null;
  }
  return Number(r);
}

/** An API the connection's driver does not implement. */
export const noSupport = (api: string): LvError => lvErr("NO_SUPPORT", `this function is not supported by the connection driver: ${api}`);
/**
 * libvirt's public entry points refuse a change on a read-only connection before the driver sees it: true (with
 * the error recorded) when `api` must not run.
 */
export function readonlyDenies(v: Virsh, api: string): boolean {
  if (!v.readonly) return false;
  v.lastError = lvErr("OPERATION_DENIED", `operation forbidden: read only access prevents ${api}`);
  return true;
}
export const unsupportedFlags = (flags: number, fn: string): LvError => lvErr("INVALID_ARG", `unsupported flags (0x${flags.toString(16)}) in function ${fn}`);

/** VSH_EXCLUSIVE_OPTIONS: prints virsh's message and returns false when both are given. */
export function exclusive(v: Virsh, o: Opts, a: string, b: string): boolean {
  if (o.has(a) && o.has(b)) {
    v.error(`Options --${a} and --${b} are mutually exclusive`);
    return false;
  }
  return true;
}

export function requires(v: Virsh, o: Opts, a: string, b: string): boolean {
  if (o.has(a) && !o.has(b)) {
    v.error(`Option --${b} is required by option --${a}`);
    return false;
  }
  return true;
}

/** The --live/--config/--current trio with virsh's checks; undefined after an error. */
export function affectFlags(v: Virsh, o: Opts): { live: boolean; config: boolean } | undefined {
  const current = o.has("current");
  const live = o.has("live");
  const config = o.has("config");
  if (current && live) {
    v.error("Options --current and --live are mutually exclusive");
    return undefined;
  }
  if (current && config) {
    v.error("Options --current and --config are mutually exclusive");
    return undefined;
  }
  return { live, config };
}

/** Read an XML file named on the command line, with virsh's "Failed to open file" message. */
export function readXmlFile(v: Virsh, file: string): string | undefined {
  const r = v.readLocalFile(file);
  if ("errno" in r) {
    v.error(`Failed to open file '${file}': ${r.errno}`);
    return undefined;
  }
  return r.text;
}

/**
 * A cpulist argument as virshParseCPUList reads it (vcpupin, emulatorpin, iothreadpin): "r" means every one
 * of the host's `n` CPUs, otherwise a bitmap with at least one CPU, all below `n`. Undefined after reporting
 * the error.
 */
export function cpuListArg(v: Virsh, cpulist: string, n: number): Set<number> | undefined {
  if (cpulist.startsWith("r")) return new Set(Array.from({ length: n }, (_, i) => i));
  const parsed = parseCpuList(cpulist);
  if (!parsed || parsed.size === 0) {
    if (!parsed) v.lastError = lvErr("INVALID_ARG", `invalid argument: Failed to parse bitmap '${cpulist}'`);
    v.error(`Invalid cpulist '${cpulist}'`);
    return undefined;
  }
  const last = Math.max(...parsed);
  if (last >= n) {
    v.error(`CPU ${last} in cpulist '${cpulist}' exceed the maxcpu ${n}`);
    return undefined;
  }
  return parsed;
}

/** vshStringToArray: split on ',' where ',,' stands for a literal comma. */
export function splitCommas(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "," && s[i + 1] === ",") {
      cur += ",";
      i++;
    } else if (s[i] === ",") {
      out.push(cur);
      cur = "";
    } else cur += s[i];
  }
  out.push(cur);
  return out;
}
