// Virtual network transitions: define, create, start, destroy, undefine, update of DHCP hosts and ranges.
import { child, el, isEl, kids, type XmlEl } from "./xml";
import { netName } from "./net-xml";
import { lvErr, type LibvirtConn, type LvError, type Network } from "./types";

export const noNetwork = (name: string) => lvErr("NO_NETWORK", `Network not found: no network with matching name '${name}'`);

export function lookupNetwork(conn: LibvirtConn, key: string): Network | undefined {
  const lower = key.toLowerCase().replace(/-/g, "");
  return (
    (/^[0-9a-f]{32}$/.test(lower) ? conn.networks.find((n) => n.uuid.replace(/-/g, "") === lower) : undefined) ?? conn.networks.find((n) => netName(n.def) === key)
  );
}

const uuidOf = (def: XmlEl) => (def.children[1] as XmlEl).children.join("");

function clash(conn: LibvirtConn, def: XmlEl): Network | LvError | undefined {
  const name = netName(def);
  const uuid = uuidOf(def);
  const byName = conn.networks.find((n) => netName(n.def) === name);
  const byUuid = conn.networks.find((n) => n.uuid === uuid);
  if (byUuid && netName(byUuid.def) !== name) return lvErr("OPERATION_FAILED", `operation failed: network '${netName(byUuid.def)}' is already defined with uuid ${uuid}`);
  if (byName && byName.uuid !== uuid) return lvErr("OPERATION_FAILED", `operation failed: network '${name}' already exists with uuid ${byName.uuid}`);
  return byName;
}

export function defineNetwork(conn: LibvirtConn, def: XmlEl): Network | LvError {
  const c = clash(conn, def);
  if (c && "code" in c) return c;
  if (c) {
    if (c.active) c.newDef = def;
    else c.def = def;
    c.persistent = true;
    return c;
  }
  const n: Network = { uuid: uuidOf(def), def, active: false, persistent: true, autostart: false };
  conn.networks.push(n);
  return n;
}

export function createNetwork(conn: LibvirtConn, def: XmlEl): Network | LvError {
  const c = clash(conn, def);
  if (c && "code" in c) return c;
  if (c && c.active) return lvErr("OPERATION_INVALID", `Requested operation is not valid: network '${netName(def)}' is already active`);
  if (c) {
    c.def = def;
    c.active = true;
    return c;
  }
  const n: Network = { uuid: uuidOf(def), def, active: true, persistent: false, autostart: false };
  conn.networks.push(n);
  return n;
}

export function startNetwork(n: Network): LvError | void {
  if (n.active) return lvErr("OPERATION_INVALID", `Requested operation is not valid: Network '${netName(n.def)}' is already running`);
  n.active = true;
}

export function destroyNetwork(conn: LibvirtConn, n: Network): LvError | void {
  if (!n.active && conn.driver !== "test") return lvErr("OPERATION_INVALID", `Requested operation is not valid: network '${netName(n.def)}' is not active`);
  n.active = false;
  if (n.newDef) {
    n.def = n.newDef;
    n.newDef = undefined;
  }
  if (!n.persistent) conn.networks = conn.networks.filter((x) => x.uuid !== n.uuid);
}

export function undefineNetwork(conn: LibvirtConn, n: Network): LvError | void {
  if (!n.persistent) return lvErr("OPERATION_INVALID", "Requested operation is not valid: network is not persistent");
  if (n.active && conn.driver === "test") return lvErr("OPERATION_INVALID", `Requested operation is not valid: Network '${netName(n.def)}' is still running`);
  n.autostart = false;
  if (n.active) {
    n.persistent = false;
    n.newDef = undefined;
  } else conn.networks = conn.networks.filter((x) => x.uuid !== n.uuid);
}

export const NET_UPDATE_COMMANDS = ["none", "modify", "delete", "add-last", "add-first"];
export const NET_UPDATE_SECTIONS = ["none", "bridge", "domain", "ip", "ip-dhcp-host", "ip-dhcp-range", "forward", "forward-interface", "forward-pf", "portgroup", "dns-host", "dns-txt", "dns-srv"];

/** net-update for DHCP hosts and ranges (the sections learners use); returns the new definition. */
export function updateNetworkDef(def: XmlEl, command: string, section: string, item: XmlEl, parentIndex: number): XmlEl | LvError {
  const ips = kids(def, "ip");
  const ip = parentIndex >= 0 ? ips[parentIndex] : ips.find((i) => child(i, "dhcp")) ?? ips[0];
  if (section === "dns-host" || section === "dns-txt" || section === "dns-srv") return updateDns(def, command, section.slice(4), item);
  if (section !== "ip-dhcp-host" && section !== "ip-dhcp-range")
    return lvErr("OPERATION_UNSUPPORTED", `Operation not supported: can't update '${section}' section of network '${netName(def)}'`);
  const want = section === "ip-dhcp-host" ? "host" : "range";
  if (item.name !== want) return lvErr("XML_ERROR", `XML error: can't update '${want}' section of network '${netName(def)}' - unrecognized element name '${item.name}'`);
  if (!ip) return lvErr("OPERATION_INVALID", `Requested operation is not valid: couldn't locate a matching IP address in network '${netName(def)}'`);
  const dhcp = child(ip, "dhcp") ?? el("dhcp");
  let entries = dhcp.children.filter(isEl);
  const same = (e: XmlEl) =>
    e.name === want &&
    (want === "host" ? (item.attrs.mac !== undefined && e.attrs.mac === item.attrs.mac) || (item.attrs.mac === undefined && e.attrs.name === item.attrs.name) || (item.attrs.ip !== undefined && e.attrs.ip === item.attrs.ip && item.attrs.mac === undefined && item.attrs.name === undefined) : e.attrs.start === item.attrs.start && e.attrs.end === item.attrs.end);
  const existing = entries.find(same);
  if (command === "add-last" || command === "add-first" || command === "add") {
    if (existing)
      return lvErr(
        "OPERATION_INVALID",
        want === "host"
          ? `Requested operation is not valid: there is an existing dhcp host entry in network '${netName(def)}' that matches "<host mac='${item.attrs.mac ?? ""}' name='${item.attrs.name ?? ""}' ip='${item.attrs.ip ?? ""}'/>"`
          : `Requested operation is not valid: there is an existing dhcp range entry in network '${netName(def)}' that matches "<range start='${item.attrs.start}' end='${item.attrs.end}'/>"`,
      );
    const ranges = entries.filter((e) => e.name === "range");
    const hosts = entries.filter((e) => e.name === "host");
    const rest = entries.filter((e) => e.name !== "range" && e.name !== "host");
    if (want === "host") entries = [...ranges, ...(command === "add-first" ? [item, ...hosts] : [...hosts, item]), ...rest];
    else entries = [...(command === "add-first" ? [item, ...ranges] : [...ranges, item]), ...hosts, ...rest];
  } else if (command === "delete") {
    if (!existing)
      return lvErr(
        "OPERATION_INVALID",
        want === "host"
          ? `Requested operation is not valid: couldn't locate a matching dhcp host entry in network '${netName(def)}'`
          : `Requested operation is not valid: couldn't locate a matching dhcp range entry in network '${netName(def)}'`,
      );
    entries = entries.filter((e) => e !== existing);
  } else if (command === "modify") {
    if (!existing)
      return lvErr("OPERATION_INVALID", `Requested operation is not valid: couldn't locate an existing dhcp host entry with "mac='${item.attrs.mac ?? ""}'" in network '${netName(def)}'`);
    entries = entries.map((e) => (e === existing ? item : e));
  }
  const newDhcp = el("dhcp", dhcp.attrs, entries);
  const newIp: XmlEl = { ...ip, children: child(ip, "dhcp") ? ip.children.map((c) => (c === dhcp ? newDhcp : c)) : [...ip.children, newDhcp] };
  return { ...def, children: def.children.map((c) => (c === ip ? newIp : c)) };
}

/** net-update of the <dns> host/txt/srv records. */
function updateDns(def: XmlEl, command: string, want: string, item: XmlEl): XmlEl | LvError {
  if (item.name !== want) return lvErr("XML_ERROR", `XML error: can't update '${want}' section of network '${netName(def)}' - unrecognized element name '${item.name}'`);
  const dns = child(def, "dns") ?? el("dns");
  const key = (e: XmlEl) => (want === "host" ? e.attrs.ip : want === "txt" ? e.attrs.name : `${e.attrs.service}/${e.attrs.protocol}`);
  let entries = dns.children.filter(isEl);
  const existing = entries.find((e) => e.name === want && key(e) === key(item));
  if (command === "delete") {
    if (!existing) return lvErr("OPERATION_INVALID", `Requested operation is not valid: couldn't locate a matching DNS ${want.toUpperCase()} record in network ${netName(def)}`);
    entries = entries.filter((e) => e !== existing);
  } else if (command === "modify") {
    if (!existing) return lvErr("OPERATION_INVALID", `Requested operation is not valid: couldn't locate a matching DNS ${want.toUpperCase()} record in network ${netName(def)}`);
    entries = entries.map((e) => (e === existing ? item : e));
  } else {
    if (existing) return lvErr("OPERATION_INVALID", `Requested operation is not valid: there is already at least one DNS ${want.toUpperCase()} record with a matching field in network ${netName(def)}`);
    entries = command === "add-first" ? [item, ...entries] : [...entries, item];
  }
  const newDns = el("dns", dns.attrs, entries);
  const ks = kids(def).filter((k) => k.name !== "dns");
  const at = ks.findIndex((k) => ["ip", "route", "portgroup", "virtualport", "bandwidth"].includes(k.name));
  if (entries.length || Object.keys(dns.attrs).length) ks.splice(at < 0 ? ks.length : at, 0, newDns);
  return { ...def, children: ks };
}
