// Network, storage pool, volume and nwfilter XML: validation with libvirt's wording and canonical form.
import { child, childText, el, isEl, kids, parseXml, stripWs, syntaxErrorText, text, type XmlEl } from "./xml";
import { lvErr, type DriverKind, type LvError, type StoragePerms, type Volume } from "./types";
import { scaleInteger, u64, ULLONG_MAX } from "./units";

const FORWARD_MODES = ["nat", "route", "open", "bridge", "private", "vepa", "passthrough", "hostdev"];
const NET_ORDER = ["name", "uuid", "metadata", "forward", "port", "bridge", "mtu", "mac", "domain", "dns", "ip", "route", "portgroup", "virtualport", "bandwidth"];

function orderBy(nodes: XmlEl[], names: string[]): XmlEl[] {
  const r = (n: string) => (names.indexOf(n) < 0 ? names.length : names.indexOf(n));
  return nodes
    .map((n, i) => ({ n, i }))
    .sort((a, b) => r(a.n.name) - r(b.n.name) || a.i - b.i)
    .map((x) => x.n);
}

function normUuid(u: string | undefined, fresh: () => string): string | LvError {
  if (u === undefined) return fresh();
  const hex = u.trim().replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return lvErr("INTERNAL_ERROR", "internal error: malformed uuid element");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`.toLowerCase();
}

const ipv4 = (s: string) => /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(s) && s.split(".").every((p) => Number(p) <= 255);

export function parseNetworkXml(xmlText: string, o: { driver: DriverKind; uuid: () => string; bridgeName?: () => string; mac?: () => string }, what = "network_definition"): XmlEl | LvError {
  const r = parseXml(xmlText);
  if ("error" in r) return lvErr("XML_DETAIL", syntaxErrorText(r.error, what));
  const root = stripWs(r.root);
  if (root.name !== "network") return lvErr("XML_ERROR", `XML error: expecting root element of 'network', not '${root.name}'`);
  const name = childText(root, "name")?.trim();
  if (!name) return lvErr("NO_NAME", "missing name information");
  if (name.includes("/")) return lvErr("XML_ERROR", `XML error: name ${name} cannot contain '/'`);
  const uuid = normUuid(childText(root, "uuid"), o.uuid);
  if (typeof uuid !== "string") return uuid;
  const fwd = child(root, "forward");
  const mode = fwd ? (fwd.attrs.mode ?? "nat") : undefined;
  if (mode !== undefined && !FORWARD_MODES.includes(mode)) return lvErr("CONFIG_UNSUPPORTED", `unsupported configuration: unknown forwarding type '${mode}'`);
  for (const ip of kids(root, "ip")) {
    const a = ip.attrs.address;
    if (a !== undefined && !ipv4(a) && !a.includes(":")) return lvErr("XML_ERROR", `XML error: Invalid address '${a}' in network '${name}'`);
  }
  const routed = mode === undefined || ["nat", "route", "open"].includes(mode);
  const out: XmlEl[] = [el("name", {}, [name]), el("uuid", {}, [uuid])];
  for (const k of kids(root)) {
    if (k.name === "name" || k.name === "uuid") continue;
    if (!NET_ORDER.includes(k.name)) continue;
    if (k.name === "forward") {
      // libvirt writes dev first (the first forward interface when there is no <pf>), and lists the device as an <interface> too
      const attrs: Record<string, string> = {};
      const firstIf = child(k, "interface")?.attrs.dev;
      if (k.attrs.dev !== undefined) attrs.dev = k.attrs.dev;
      else if (firstIf !== undefined && !child(k, "pf")) attrs.dev = firstIf;
      attrs.mode = mode!;
      for (const [a, b] of Object.entries(k.attrs)) if (attrs[a] === undefined) attrs[a] = b;
      const fk = kids(k);
      if (k.attrs.dev !== undefined && !fk.some((x) => x.name === "interface")) fk.push(el("interface", { dev: k.attrs.dev }));
      out.push(el("forward", attrs, fk));
    }
    else if (k.name === "ip") {
      const dhcp = child(k, "dhcp");
      const ipKids = kids(k).map((c) => (c.name === "dhcp" ? { ...c, children: orderBy(kids(c), ["range", "host", "bootp"]) } : c));
      // virNetworkIPDefFormat always writes an open/close pair
      out.push({ ...k, children: dhcp ? ipKids : k.children.filter((c) => typeof c !== "string" || c.trim() !== ""), block: true });
    } else if (k.name === "portgroup") {
      // virPortGroupDefFormat: name, default, then vlan, virtualport, bandwidth; always an open/close pair
      const isDefault = (k.attrs.default ?? "").toLowerCase() === "yes";
      out.push({ ...el("portgroup", { name: k.attrs.name, default: isDefault ? "yes" : undefined, trustGuestRxFilters: k.attrs.trustGuestRxFilters }, orderBy(kids(k).filter((x) => ["vlan", "virtualport", "bandwidth"].includes(x.name)), ["vlan", "virtualport", "bandwidth"])), block: true });
    } else out.push(k);
  }
  let bridge = out.find((k) => k.name === "bridge");
  if (routed) {
    const bname = bridge?.attrs.name ?? o.bridgeName?.();
    const nb = el("bridge", { name: bname, stp: bridge?.attrs.stp ?? "on", delay: bridge?.attrs.delay ?? "0" });
    for (const [k, v] of Object.entries(bridge?.attrs ?? {})) if (nb.attrs[k] === undefined) nb.attrs[k] = v;
    if (bridge) out[out.indexOf(bridge)] = nb;
    else out.push(nb);
    bridge = nb;
    if (o.mac && !out.some((k) => k.name === "mac")) out.push(el("mac", { address: o.mac() }));
  }
  return el("network", root.attrs.connections !== undefined ? {} : {}, orderBy(out, NET_ORDER));
}

export const netName = (d: XmlEl) => childText(d, "name")!;
export const netUuid = (d: XmlEl) => childText(d, "uuid")!;
export const netBridge = (d: XmlEl) => child(d, "bridge")?.attrs.name;
export const netForwardMode = (d: XmlEl) => {
  const f = child(d, "forward");
  return f ? (f.attrs.mode ?? "nat") : undefined;
};

// ---------------------------------------------------------------- storage pools

const POOL_TYPES = ["dir", "fs", "netfs", "logical", "disk", "iscsi", "iscsi-direct", "scsi", "mpath", "rbd", "sheepdog", "gluster", "zfs", "vstorage"];
const DEFAULT_SOURCE_FORMAT: Record<string, string> = { fs: "auto", netfs: "auto", logical: "lvm2", disk: "unknown" };

export function parsePoolXml(xmlText: string, o: { uuid: () => string }, what = "storage_pool_definition"): XmlEl | LvError {
  const r = parseXml(xmlText);
  if ("error" in r) return lvErr("XML_DETAIL", syntaxErrorText(r.error, what));
  return normalizePool(r.root, o);
}

export function normalizePool(rootIn: XmlEl, o: { uuid: () => string }): XmlEl | LvError {
  const root = stripWs(rootIn);
  if (root.name !== "pool") return lvErr("XML_ERROR", `XML error: expecting root element of 'pool', not '${root.name}'`);
  const type = root.attrs.type;
  if (type === undefined) return lvErr("XML_ERROR", "XML error: storage pool missing type attribute");
  if (!POOL_TYPES.includes(type)) return lvErr("XML_ERROR", `XML error: Invalid value for attribute 'type' in element 'pool': '${type}'.`);
  const name = childText(root, "name")?.trim();
  if (!name) return lvErr("XML_ERROR", "XML error: missing pool source name element");
  const uuid = normUuid(childText(root, "uuid"), o.uuid);
  if (typeof uuid !== "string") return uuid;
  const src = child(root, "source");
  const srcKids: XmlEl[] = [];
  for (const h of kids(src, "host")) srcKids.push(h);
  for (const d of kids(src, "device")) srcKids.push(d);
  for (const d of kids(src, "dir")) srcKids.push(d);
  for (const a of kids(src, "adapter")) srcKids.push(a);
  const srcName = childText(src, "name")?.trim();
  if (type === "rbd" && !srcName) return lvErr("XML_ERROR", "XML error: element 'name' is mandatory for RBD pool");
  // pools named by their source default the source name to the pool name
  const named = ["logical", "rbd", "sheepdog", "gluster", "zfs", "vstorage"].includes(type);
  if (srcName || named) srcKids.push(el("name", {}, [srcName || name]));
  const iqn = child(child(src, "initiator"), "iqn");
  if (iqn?.attrs.name) srcKids.push(el("initiator", {}, [el("iqn", { name: iqn.attrs.name })]));
  const fmt = child(src, "format") ?? (DEFAULT_SOURCE_FORMAT[type] ? el("format", { type: DEFAULT_SOURCE_FORMAT[type] }) : undefined);
  if (fmt) srcKids.push(fmt);
  // virStorageAuthDefFormat: type and username, then the secret by uuid or usage
  const auth = child(src, "auth");
  if (auth) {
    const sec = child(auth, "secret");
    const secAttrs = sec?.attrs.uuid ? { uuid: sec.attrs.uuid } : sec?.attrs.usage ? { usage: sec.attrs.usage } : {};
    srcKids.push(el("auth", { type: auth.attrs.type, username: auth.attrs.username }, [el("secret", secAttrs)]));
  }
  const proto = child(src, "protocol");
  if (proto?.attrs.ver) srcKids.push(el("protocol", { ver: proto.attrs.ver }));
  const tgt = child(root, "target");
  const path = type === "logical" ? `/dev/${srcName || name}` : type === "zfs" ? `/dev/zvol/${srcName || name}` : ["rbd", "sheepdog", "gluster", "iscsi-direct"].includes(type) ? undefined : childText(tgt, "path")?.trim();
  // virStoragePoolDefParseXML's order: source host, source dir, source device, then the target path
  if (["netfs", "iscsi", "iscsi-direct", "rbd", "sheepdog", "gluster"].includes(type) && !kids(src, "host").length) return lvErr("XML_ERROR", "XML error: missing storage pool source host name");
  if ((type === "netfs" || type === "gluster") && !child(src, "dir")?.attrs.path) return lvErr("XML_ERROR", "XML error: missing storage pool source path");
  // virStorageAdapterValidate for SCSI pools
  if (type === "scsi") {
    const ad = child(src, "adapter");
    const at = ad?.attrs.type ?? (ad?.attrs.name !== undefined || ad?.attrs.parent !== undefined ? "scsi_host" : ad?.attrs.wwnn !== undefined ? "fc_host" : undefined);
    if (!ad || !at) return lvErr("XML_ERROR", "XML error: missing storage pool source adapter");
    if (at === "scsi_host" && ad.attrs.name === undefined && !child(ad, "parentaddr")) return lvErr("XML_ERROR", "XML error: Either 'name' or 'parent' must be specified for the 'scsi_host' adapter");
    if (at === "fc_host" && (ad.attrs.wwnn === undefined || ad.attrs.wwpn === undefined)) return lvErr("XML_ERROR", "XML error: 'wwnn' and 'wwpn' must be specified for adapter type 'fchost'");
  }
  if (["fs", "disk"].includes(type) && !kids(src, "device").length) return lvErr("XML_ERROR", "XML error: missing storage pool source device name");
  if (["dir", "fs", "netfs", "disk", "iscsi", "scsi", "mpath", "vstorage"].includes(type) && !path) return lvErr("XML_ERROR", "XML error: missing storage pool target path");
  const tgtKids: XmlEl[] = [];
  if (path) tgtKids.push(el("path", {}, [path.replace(/\/+$/, "") || "/"]));
  const perms = parsePerms(child(tgt, "permissions"));
  if (perms && "code" in perms) return perms;
  tgtKids.push(...permsXml(perms));
  return el("pool", { type }, [el("name", {}, [name]), el("uuid", {}, [uuid]), { ...el("source", {}, srcKids), block: true }, ...(tgtKids.length ? [el("target", {}, tgtKids)] : [])]);
}

export const poolName = (d: XmlEl) => childText(d, "name")!;
export const poolType = (d: XmlEl) => d.attrs.type!;
export const poolPath = (d: XmlEl) => childText(child(d, "target"), "path");

/** Pool XML with the live figures, as pool-dumpxml prints it. */
export function poolWithSizes(def: XmlEl, cap: number, alloc: number, avail: number): XmlEl {
  const ks = kids(def);
  return el("pool", def.attrs, [
    ks[0]!,
    ks[1]!,
    el("capacity", { unit: "bytes" }, [String(cap)]),
    el("allocation", { unit: "bytes" }, [String(alloc)]),
    el("available", { unit: "bytes" }, [u64(avail)]),
    ...ks.slice(2),
  ]);
}

// ---------------------------------------------------------------- volumes

function sizeOf(e: XmlEl | undefined): number | LvError | undefined {
  if (!e) return undefined;
  const t = (text(e) ?? "").trim();
  if (!/^\d+$/.test(t)) return lvErr("XML_ERROR", "XML error: malformed capacity element");
  const v = scaleInteger(BigInt(t), e.attrs.unit ?? "bytes", 1n, ULLONG_MAX);
  return typeof v === "bigint" ? Number(v) : v;
}

export interface VolumeSpec {
  name: string;
  capacity: number;
  allocation?: number;
  format?: string;
  backing?: { path: string; format?: string; perms?: StoragePerms };
  type?: string;
  key?: string;
  path?: string;
  perms?: StoragePerms;
}

/** strtoll on the whole string (leading blanks and a sign allowed, nothing after the digits). */
function strToLL(s: string, base: 8 | 10): bigint | undefined {
  const m = (base === 8 ? /^[ \t\n\v\f\r]*([+-]?)([0-7]+)$/ : /^[ \t\n\v\f\r]*([+-]?)(\d+)$/).exec(s);
  if (!m) return undefined;
  const v = BigInt((base === 8 ? "0o" : "") + m[2]!) * (m[1] === "-" ? -1n : 1n);
  return v > 0x7fffffffffffffffn || v < -0x8000000000000000n ? undefined : v;
}

/** virStorageDefParsePerms: <mode> octal within 0777, <owner>/<group> an id_t or -1, <label> kept as written. */
export function parsePerms(pe: XmlEl | undefined): StoragePerms | LvError | undefined {
  if (!pe) return undefined;
  const perms: StoragePerms = {};
  const mode = text(child(pe, "mode") ?? el("x")) ?? "";
  if (mode !== "") {
    const m = strToLL(mode, 8);
    if (m === undefined || m < -0x80000000n || m > 0x7fffffffn || (m & ~0o777n) !== 0n) return lvErr("XML_ERROR", "XML error: malformed octal mode");
    perms.mode = Number(m);
  }
  for (const which of ["owner", "group"] as const) {
    const e = child(pe, which);
    if (!e) continue;
    const n = strToLL(text(e) ?? "", 10);
    if (n === undefined || ((n < 0n || n > 0xffffffffn) && n !== -1n)) return lvErr("XML_ERROR", `XML error: malformed ${which} element`);
    if (n !== -1n && n !== 0xffffffffn) perms[which] = Number(n);
  }
  const label = text(child(pe, "label") ?? el("x")) ?? "";
  if (label !== "") perms.label = label;
  return perms;
}

/** virStorage*DefFormat's <permissions>: only what is set; mode printed as 0%o, ids as %d. */
export function permsXml(p: StoragePerms | undefined): XmlEl[] {
  if (!p || (p.mode === undefined && p.owner === undefined && p.group === undefined && p.label === undefined)) return [];
  const ks: XmlEl[] = [];
  if (p.mode !== undefined) ks.push(el("mode", {}, ["0" + p.mode.toString(8)]));
  if (p.owner !== undefined) ks.push(el("owner", {}, [String(p.owner | 0)]));
  if (p.group !== undefined) ks.push(el("group", {}, [String(p.group | 0)]));
  if (p.label !== undefined) ks.push(el("label", {}, [p.label]));
  return [el("permissions", {}, ks)];
}

export function parseVolumeXml(xmlText: string, what = "storage_volume_definition"): VolumeSpec | LvError {
  const r = parseXml(xmlText);
  if ("error" in r) return lvErr("XML_DETAIL", syntaxErrorText(r.error, what));
  return volumeFromEl(stripWs(r.root));
}

export function volumeFromEl(root: XmlEl): VolumeSpec | LvError {
  if (root.name !== "volume") return lvErr("XML_ERROR", `XML error: expecting root element of 'volume', not '${root.name}'`);
  const name = childText(root, "name")?.trim();
  if (!name) return lvErr("XML_ERROR", "XML error: missing volume name element");
  // virStorageVolDefParseXML's order: the backing store (path, format, permissions), capacity, allocation, then the target
  const bs = child(root, "backingStore");
  const bsPath = bs ? text(child(bs, "path") ?? el("x")) ?? "" : "";
  let backing: VolumeSpec["backing"];
  if (bsPath !== "") {
    const bperms = parsePerms(child(bs, "permissions"));
    if (bperms && "code" in bperms) return bperms;
    const bfmt = child(bs, "format")?.attrs.type;
    backing = { path: bsPath, ...(bfmt ? { format: bfmt } : {}), ...(bperms ? { perms: bperms } : {}) };
  }
  const cap = sizeOf(child(root, "capacity"));
  if (cap === undefined) return lvErr("XML_ERROR", "XML error: missing capacity element");
  if (typeof cap !== "number") return cap;
  const alloc = sizeOf(child(root, "allocation"));
  if (alloc !== undefined && typeof alloc !== "number") return alloc;
  const tgt = child(root, "target");
  const perms = parsePerms(child(tgt, "permissions"));
  if (perms && "code" in perms) return perms;
  const key = text(child(root, "key") ?? el("x")) ?? "";
  const path = text(child(tgt, "path") ?? el("x")) ?? "";
  return {
    name,
    capacity: cap,
    ...(alloc !== undefined ? { allocation: alloc } : {}),
    format: child(tgt, "format")?.attrs.type,
    ...(backing ? { backing } : {}),
    ...(root.attrs.type ? { type: root.attrs.type } : {}),
    ...(key ? { key } : {}),
    ...(path ? { path } : {}),
    ...(perms ? { perms } : {}),
  };
}

export function volumeXml(v: Volume): XmlEl {
  return el("volume", { type: v.type }, [
    el("name", {}, [v.name]),
    el("key", {}, [v.key ?? v.path]),
    el("capacity", { unit: "bytes" }, [String(v.capacity)]),
    el("allocation", { unit: "bytes" }, [String(v.allocation)]),
    el("target", {}, [el("path", {}, [v.path]), ...(v.format ? [el("format", { type: v.format })] : []), ...permsXml(v.perms)]),
    ...(v.backing ? [el("backingStore", {}, [el("path", {}, [v.backing.path]), ...(v.backing.format ? [el("format", { type: v.backing.format })] : []), ...permsXml(v.backing.perms)])] : []),
  ]);
}

// ---------------------------------------------------------------- nwfilters

export function parseNwfilterXml(xmlText: string, o: { uuid: () => string }, what = "nwfilter_definition"): XmlEl | LvError {
  const r = parseXml(xmlText);
  if ("error" in r) return lvErr("XML_DETAIL", syntaxErrorText(r.error, what));
  const root = stripWs(r.root);
  if (root.name !== "filter") return lvErr("XML_ERROR", `XML error: expecting root element of 'filter', not '${root.name}'`);
  const name = root.attrs.name;
  if (!name) return lvErr("XML_ERROR", "XML error: filter has no name");
  const uuid = normUuid(childText(root, "uuid"), o.uuid);
  if (typeof uuid !== "string") return uuid;
  const attrs: Record<string, string> = { name };
  if (root.attrs.chain) attrs.chain = root.attrs.chain;
  if (root.attrs.priority) attrs.priority = root.attrs.priority;
  return el("filter", attrs, [el("uuid", {}, [uuid]), ...kids(root).filter((k) => k.name !== "uuid")]);
}

export { isEl };
