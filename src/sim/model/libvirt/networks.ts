// Virtual network transitions: define, create, start, destroy, undefine, update of DHCP hosts and ranges.
import { child, el, kids, type XmlEl } from "./xml";
import { checkRange, formatIp, ipPrefix, parseIp, type IpAddr } from "./ipaddr";
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
  if (c && c.active) return lvErr("OPERATION_INVALID", `Requested operation is not valid: network is already active as '${netName(c.def)}'`);
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
  // the test driver refuses any running network first; the network driver makes a running one transient
  if (n.active && conn.driver === "test") return lvErr("OPERATION_INVALID", `Requested operation is not valid: Network '${netName(n.def)}' is still running`);
  if (!n.persistent) return lvErr("OPERATION_INVALID", "Requested operation is not valid: network is not persistent");
  n.autostart = false;
  if (n.active) {
    n.persistent = false;
    n.newDef = undefined;
  } else conn.networks = conn.networks.filter((x) => x.uuid !== n.uuid);
}

export const NET_UPDATE_COMMANDS = ["none", "modify", "delete", "add-last", "add-first"];
export const NET_UPDATE_SECTIONS = ["none", "bridge", "domain", "ip", "ip-dhcp-host", "ip-dhcp-range", "forward", "forward-interface", "forward-pf", "portgroup", "dns-host", "dns-txt", "dns-srv"];

/** net-update (virNetworkDefUpdateSection): DHCP hosts and ranges, DNS records, portgroups, forward interfaces. */
export function updateNetworkDef(def: XmlEl, command: string, section: string, item: XmlEl, parentIndex: number): XmlEl | LvError {
  const name = netName(def);
  const noSupport = (what: string) => lvErr("OPERATION_UNSUPPORTED", `Operation not supported: can't update '${what}' section of network '${name}'`);
  const checkName = (want: string) => (item.name !== want ? lvErr("XML_ERROR", `XML error: unexpected element <${item.name}>, expecting <${want}>, while updating network '${name}'`) : undefined);
  switch (section) {
    case "bridge":
    case "domain":
    case "ip":
    case "forward":
      return noSupport(section);
    case "forward-pf":
      return noSupport("forward pf");
    case "ip-dhcp-host":
      return checkName("host") ?? updateDhcpHost(def, command, item, parentIndex);
    case "ip-dhcp-range":
      return checkName("range") ?? updateDhcpRange(def, command, item, parentIndex);
    case "dns-host":
      if (command === "modify") return lvErr("OPERATION_UNSUPPORTED", "Operation not supported: DNS HOST records cannot be modified, only added or deleted");
      return checkName("host") ?? updateDnsHost(def, command, item);
    case "dns-txt":
      if (command === "modify") return lvErr("OPERATION_UNSUPPORTED", "Operation not supported: DNS TXT records cannot be modified, only added or deleted");
      return checkName("txt") ?? updateDnsTxt(def, command, item);
    case "dns-srv":
      if (command === "modify") return lvErr("OPERATION_UNSUPPORTED", "Operation not supported: DNS SRV records cannot be modified, only added or deleted");
      return checkName("srv") ?? updateDnsSrv(def, command, item);
    case "portgroup":
      return checkName("portgroup") ?? updatePortgroup(def, command, item);
    case "forward-interface":
      return checkName("interface") ?? updateForwardIf(def, command, item);
  }
  return lvErr("OPERATION_UNSUPPORTED", "Operation not supported: can't update unrecognized section of network");
}

const isAdd = (command: string) => command === "add-first" || command === "add-last";
const ipFamily = (ip: XmlEl): 4 | 6 => (ip.attrs.family === "ipv6" || (ip.attrs.address ?? "").includes(":") ? 6 : 4);
const replaceKid = (parent: XmlEl, old: XmlEl | undefined, repl: XmlEl | undefined): XmlEl => {
  if (old && repl) return { ...parent, children: parent.children.map((c) => (c === old ? repl : c)) };
  if (old) return { ...parent, children: parent.children.filter((c) => c !== old) };
  if (repl) return { ...parent, children: [...parent.children, repl] };
  return parent;
};
const insertAt = <T>(xs: T[], x: T, first: boolean) => (first ? [x, ...xs] : [...xs, x]);

/** virNetworkIPDefByIndex: the <ip> at --parent-index, else the one with DHCP, else the first IPv4/IPv6 one. */
function ipByIndex(def: XmlEl, parentIndex: number): XmlEl | LvError {
  const ips = kids(def, "ip");
  if (parentIndex >= 0) {
    const ip = ips[parentIndex];
    return ip ?? lvErr("OPERATION_INVALID", `Requested operation is not valid: couldn't update dhcp host entry - no <ip> element found at index ${parentIndex} in network '${netName(def)}'`);
  }
  const ip = ips.find((i) => kids(child(i, "dhcp"), "range").length || kids(child(i, "dhcp"), "host").length) ?? ips.find((i) => ipFamily(i) === 4) ?? ips.find((i) => ipFamily(i) === 6);
  return ip ?? lvErr("OPERATION_INVALID", `Requested operation is not valid: couldn't update dhcp host entry - no <ip> element found in network '${netName(def)}'`);
}

function withDhcp(def: XmlEl, ip: XmlEl, fn: (ranges: XmlEl[], hosts: XmlEl[]) => { ranges: XmlEl[]; hosts: XmlEl[] }): XmlEl {
  const dhcp = child(ip, "dhcp");
  const others = kids(dhcp).filter((k) => k.name !== "range" && k.name !== "host");
  const r = fn(kids(dhcp, "range"), kids(dhcp, "host"));
  const nd = r.ranges.length || r.hosts.length || others.length ? el("dhcp", dhcp?.attrs ?? {}, [...r.ranges, ...r.hosts, ...others]) : undefined;
  return replaceKid(def, ip, { ...replaceKid(ip, dhcp, nd), block: true });
}

/** virNetworkDefUpdateCheckMultiDHCP: DHCP may live on one address of each family only. */
function multiDhcp(def: XmlEl, ip: XmlEl): LvError | undefined {
  const fam = ipFamily(ip);
  for (const o of kids(def, "ip"))
    if (o !== ip && ipFamily(o) === fam && (kids(child(o, "dhcp"), "range").length || kids(child(o, "dhcp"), "host").length))
      return lvErr("OPERATION_INVALID", `Requested operation is not valid: dhcp is supported only for a single ${fam === 4 ? "IPv4" : "IPv6"} address on each network`);
  return undefined;
}

const MAC_RE = /^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/;

interface DhcpHost {
  mac?: string;
  id?: string;
  name?: string;
  ip?: IpAddr;
  el: XmlEl;
}

function parseDhcpHost(netname: string, ip: XmlEl, e: XmlEl, partial: boolean): DhcpHost | LvError {
  const x = (m: string) => lvErr("XML_ERROR", `XML error: ${m}`);
  const { mac, id, name } = e.attrs;
  if (mac !== undefined) {
    if (ipFamily(ip) === 6) return x(`Invalid to specify MAC address '${mac}' in network '${netname}' IPv6 static host definition`);
    if (!MAC_RE.test(mac)) return x(`Cannot parse MAC address '${mac}' in network '${netname}'`);
    if (parseInt(mac.split(":")[0]!, 16) & 1) return x(`expected unicast mac address, found multicast '${mac}' in network '${netname}'`);
  }
  if (id !== undefined) {
    const bad = /[^0-9a-fA-F:]/.exec(id);
    if (bad) return x(`Invalid character '${bad[0]}' in id '${id}' of network '${netname}'`);
  }
  if (name !== undefined && !/^[A-Za-z]/.test(name)) return x(`Cannot use host name '${name}' in network '${netname}'`);
  let addr: IpAddr | undefined;
  if (e.attrs.ip !== undefined) {
    addr = parseIp(e.attrs.ip);
    if (!addr) return x(`Invalid IP address in static host definition for network '${netname}'`);
  }
  if (partial) {
    if (mac === undefined && name === undefined && addr === undefined) return x(`At least one of name, mac, or ip attribute must be specified for static host definition in network '${netname}'`);
  } else {
    if (ipFamily(ip) === 6) {
      if (id === undefined && name === undefined) return x(`Static host definition in IPv6 network '${netname}' must have id or name attribute`);
    } else if (mac === undefined && name === undefined) return x(`Static host definition in IPv4 network '${netname}' must have mac or name attribute`);
    if (!addr) return x(`Missing IP address in static host definition for network '${netname}'`);
  }
  const macN = mac?.split(":").map((p) => p.toLowerCase().padStart(2, "0")).join(":");
  const lease = child(e, "lease");
  return {
    ...(macN ? { mac: macN } : {}),
    ...(id !== undefined ? { id } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(addr ? { ip: addr } : {}),
    el: el("host", { mac: macN, id, name, ip: addr ? formatIp(addr) : undefined }, lease ? [lease] : []),
  };
}

const sameIp = (a: IpAddr | undefined, b: IpAddr | undefined) => !!a && !!b && a.family === b.family && a.value === b.value;

function updateDhcpHost(def: XmlEl, command: string, item: XmlEl, parentIndex: number): XmlEl | LvError {
  const name = netName(def);
  const ip = ipByIndex(def, parentIndex);
  if ("code" in ip) return ip;
  const partial = command === "delete";
  const host = parseDhcpHost(name, ip, item, partial);
  if ("code" in host) return host;
  if (!partial && host.ip && host.ip.family !== ipFamily(ip))
    return lvErr("OPERATION_INVALID", "Requested operation is not valid: the address family of a host entry IP must match the address family of the dhcp element's parent");
  const existing = kids(child(ip, "dhcp"), "host").map((h) => ({ e: h, mac: h.attrs.mac?.toLowerCase(), name: h.attrs.name, ip: h.attrs.ip ? parseIp(h.attrs.ip) : undefined }));
  const shown = `"<host mac='${host.mac ?? "unknown"}' name='${host.name ?? "(null)"}' ip='${host.ip ? formatIp(host.ip) : "unknown"}'/>"`;
  if (command === "modify") {
    const hit = existing.find((h) => (host.mac && h.mac && host.mac === h.mac) || sameIp(host.ip, h.ip) || (host.name !== undefined && host.name === h.name));
    if (!hit)
      return lvErr("OPERATION_INVALID", `Requested operation is not valid: couldn't locate an existing dhcp host entry with "mac='${host.mac ?? "unknown"}'" "name='${host.name ?? "(null)"}'" "ip='${host.ip ? formatIp(host.ip) : "unknown"}'" in network '${name}'`);
    return withDhcp(def, ip, (ranges, hosts) => ({ ranges, hosts: hosts.map((h) => (h === hit.e ? host.el : h)) }));
  }
  if (isAdd(command)) {
    const m = multiDhcp(def, ip);
    if (m) return m;
    if (existing.some((h) => (host.mac && h.mac && host.mac === h.mac) || (host.name !== undefined && host.name === h.name) || sameIp(host.ip, h.ip)))
      return lvErr("OPERATION_INVALID", `Requested operation is not valid: there is an existing dhcp host entry in network '${name}' that matches ${shown}`);
    return withDhcp(def, ip, (ranges, hosts) => ({ ranges, hosts: insertAt(hosts, host.el, command === "add-first") }));
  }
  const hit = existing.find((h) => (!host.mac || !h.mac || host.mac === h.mac) && (host.name === undefined || host.name === h.name) && (!host.ip || sameIp(host.ip, h.ip)));
  if (!hit) return lvErr("OPERATION_INVALID", `Requested operation is not valid: couldn't locate a matching dhcp host entry in network '${name}'`);
  return withDhcp(def, ip, (ranges, hosts) => ({ ranges, hosts: hosts.filter((h) => h !== hit.e) }));
}

function updateDhcpRange(def: XmlEl, command: string, item: XmlEl, parentIndex: number): XmlEl | LvError {
  const name = netName(def);
  const ip = ipByIndex(def, parentIndex);
  if ("code" in ip) return ip;
  if (command === "modify") return lvErr("OPERATION_UNSUPPORTED", "Operation not supported: dhcp ranges cannot be modified, only added or deleted");
  const addr = (attr: "start" | "end"): IpAddr | LvError => {
    const t = item.attrs[attr];
    if (t === undefined) return lvErr("XML_ERROR", `XML error: Missing '${attr}' attribute in dhcp range for network '${name}'`);
    return parseIp(t) ?? lvErr("SYSTEM_ERROR", `Cannot parse socket address '${t}': Name or service not known`);
  };
  const start = addr("start");
  if ("code" in start) return start;
  const end = addr("end");
  if ("code" in end) return end;
  const net = parseIp(ip.attrs.address ?? "");
  if (net) {
    const bad = checkRange(start, end, net, ipPrefix(ip.attrs));
    if (bad) return lvErr("INTERNAL_ERROR", `internal error: ${bad}`);
  }
  if (start.family !== ipFamily(ip)) return lvErr("OPERATION_INVALID", "Requested operation is not valid: the address family of a dhcp range must match the address family of the dhcp element's parent");
  const ranges = kids(child(ip, "dhcp"), "range");
  const hit = ranges.find((r) => sameIp(parseIp(r.attrs.start ?? ""), start) && sameIp(parseIp(r.attrs.end ?? ""), end));
  if (isAdd(command)) {
    const m = multiDhcp(def, ip);
    if (m) return m;
    if (hit) return lvErr("OPERATION_INVALID", `Requested operation is not valid: there is an existing dhcp range entry in network '${name}' that matches "<range start='${formatIp(start)}' end='${formatIp(end)}'/>"`);
    const lease = child(item, "lease");
    const nr = el("range", { start: formatIp(start), end: formatIp(end) }, lease ? [lease] : []);
    return withDhcp(def, ip, (rs, hosts) => ({ ranges: insertAt(rs, nr, command === "add-first"), hosts }));
  }
  if (!hit) return lvErr("OPERATION_INVALID", `Requested operation is not valid: couldn't locate a matching dhcp range entry in network '${name}'`);
  return withDhcp(def, ip, (rs, hosts) => ({ ranges: rs.filter((r) => r !== hit), hosts }));
}

/** <dns> in libvirt's order: forwarders, TXT, SRV, then host records. */
function withDns(def: XmlEl, fn: (d: { fwd: XmlEl[]; txt: XmlEl[]; srv: XmlEl[]; host: XmlEl[] }) => void): XmlEl {
  const dns = child(def, "dns");
  const parts = { fwd: kids(dns, "forwarder"), txt: kids(dns, "txt"), srv: kids(dns, "srv"), host: kids(dns, "host") };
  fn(parts);
  const all = [...parts.fwd, ...parts.txt, ...parts.srv, ...parts.host];
  const nd = all.length || Object.keys(dns?.attrs ?? {}).length ? el("dns", dns?.attrs ?? {}, all) : undefined;
  if (dns) return replaceKid(def, dns, nd);
  if (!nd) return def;
  const ks = kids(def);
  const at = ks.findIndex((k) => ["ip", "route", "portgroup", "virtualport", "bandwidth"].includes(k.name));
  ks.splice(at < 0 ? ks.length : at, 0, nd);
  return { ...def, children: ks };
}

function updateDnsHost(def: XmlEl, command: string, item: XmlEl): XmlEl | LvError {
  const name = netName(def);
  const add = isAdd(command);
  const names = kids(item, "hostname").map((h) => h.children.join(""));
  if (names.some((n) => n === "") || (!names.length && add)) return lvErr("XML_DETAIL", `Missing hostname in network '${name}' DNS HOST record`);
  let addr: IpAddr | undefined;
  if (item.attrs.ip !== undefined) {
    addr = parseIp(item.attrs.ip);
    if (!addr) return lvErr("XML_DETAIL", `Invalid IP address in network '${name}' DNS HOST record`);
  } else {
    if (add) return lvErr("XML_DETAIL", `Missing IP address in network '${name}' DNS HOST record`);
    if (!names.length) return lvErr("XML_DETAIL", `Missing ip and hostname in network '${name}' DNS HOST record`);
  }
  const hosts = kids(child(def, "dns"), "host");
  const found = hosts.filter((h) => sameIp(addr, parseIp(h.attrs.ip ?? "")) || (!add && names.some((n) => kids(h, "hostname").some((k) => k.children.join("") === n))));
  if (add) {
    if (found.length) return lvErr("OPERATION_INVALID", `Requested operation is not valid: there is already at least one DNS HOST record with a matching field in network ${name}`);
    const nh = el("host", { ip: formatIp(addr!) }, names.map((n) => el("hostname", {}, [n])));
    return withDns(def, (d) => void (d.host = insertAt(d.host, nh, command === "add-first")));
  }
  if (!found.length) return lvErr("OPERATION_INVALID", `Requested operation is not valid: couldn't locate a matching DNS HOST record in network ${name}`);
  if (found.length > 1) return lvErr("OPERATION_INVALID", `Requested operation is not valid: multiple matching DNS HOST records were found in network ${name}`);
  return withDns(def, (d) => void (d.host = d.host.filter((h) => h !== found[0])));
}

function updateDnsTxt(def: XmlEl, command: string, item: XmlEl): XmlEl | LvError {
  const name = netName(def);
  const add = isAdd(command);
  const tname = item.attrs.name;
  if (tname === undefined) return lvErr("XML_DETAIL", `missing required name attribute in DNS TXT record of network ${name}`);
  if (/[ ,]/.test(tname)) return lvErr("XML_DETAIL", `prohibited character in DNS TXT record name '${tname}' of network ${name}`);
  if (item.attrs.value === undefined && add) return lvErr("XML_DETAIL", `missing required value attribute in DNS TXT record named '${tname}' of network ${name}`);
  const hit = kids(child(def, "dns"), "txt").find((t) => t.attrs.name === tname);
  if (add) {
    if (hit) return lvErr("OPERATION_INVALID", `Requested operation is not valid: there is already a DNS TXT record with name '${tname}' in network ${name}`);
    const nt = el("txt", { name: tname, value: item.attrs.value });
    return withDns(def, (d) => void (d.txt = insertAt(d.txt, nt, command === "add-first")));
  }
  if (!hit) return lvErr("OPERATION_INVALID", `Requested operation is not valid: couldn't locate a matching DNS TXT record in network ${name}`);
  return withDns(def, (d) => void (d.txt = d.txt.filter((t) => t !== hit)));
}

function updateDnsSrv(def: XmlEl, command: string, item: XmlEl): XmlEl | LvError {
  const name = netName(def);
  const add = isAdd(command);
  const a = item.attrs;
  const d = (m: string) => lvErr("XML_DETAIL", m);
  if (a.service === undefined && add) return d(`missing required service attribute in DNS SRV record of network '${name}'`);
  if (a.service !== undefined) {
    if (a.service.length > 15) return d(`service attribute '${a.service}' in network '${name}' is too long, limit is 15 bytes`);
    if (/[^A-Za-z0-9_\-+/*]/.test(a.service)) return d(`invalid character in service attribute '${a.service}' in DNS SRV record of network '${name}'`);
  }
  if (a.protocol === undefined && add) return d(`missing required protocol attribute in DNS SRV record '${a.service ?? "(null)"}' of network '${name}'`);
  if (a.protocol !== undefined && /[^A-Za-z0-9\-+/]/.test(a.protocol)) return d(`invalid character in protocol attribute '${a.protocol}' in DNS SRV record of network '${name}'`);
  for (const [attr, max, word] of [["port", 65535, "invalid DNS SRV port"], ["priority", 65535, "Invalid DNS SRV priority"], ["weight", 65535, "invalid DNS SRV weight"]] as const) {
    const v = a[attr];
    if (v === undefined) continue;
    if (a.target === undefined && /^\d+$/.test(v)) return d(`DNS SRV ${attr} attribute not permitted without target for service '${a.service ?? "(null)"}' in network '${name}'`);
    if (!/^\d+$/.test(v) || Number(v) > max || (attr === "port" && Number(v) < 1)) return d(`${word} attribute for service '${a.service ?? "(null)"}' in network '${name}'`);
  }
  const srvs = kids(child(def, "dns"), "srv");
  const found = srvs.filter((s) => (a.domain === undefined || s.attrs.domain === a.domain) && (a.service === undefined || s.attrs.service === a.service) && (a.protocol === undefined || s.attrs.protocol === a.protocol) && (a.target === undefined || s.attrs.target === a.target));
  if (add) {
    if (found.length) return lvErr("OPERATION_INVALID", `Requested operation is not valid: there is already at least one DNS SRV record matching all specified fields in network ${name}`);
    const ns = el("srv", { service: a.service, protocol: a.protocol, domain: a.domain, target: a.target, port: a.port, priority: a.priority, weight: a.weight });
    return withDns(def, (dd) => void (dd.srv = insertAt(dd.srv, ns, command === "add-first")));
  }
  if (!found.length) return lvErr("OPERATION_INVALID", `Requested operation is not valid: couldn't locate a matching DNS SRV record in network ${name}`);
  if (found.length > 1) return lvErr("OPERATION_INVALID", `Requested operation is not valid: multiple DNS SRV records matching all specified fields were found in network ${name}`);
  return withDns(def, (dd) => void (dd.srv = dd.srv.filter((s) => s !== found[0])));
}

/** A portgroup as virPortGroupDefFormat writes it: name, default, then vlan, virtualport, bandwidth. */
export function normalizePortgroup(e: XmlEl): XmlEl {
  const isDefault = (e.attrs.default ?? "").toLowerCase() === "yes";
  const ks = ["vlan", "virtualport", "bandwidth"].flatMap((n) => kids(e, n));
  // virPortGroupDefFormat writes the closing tag even for an empty portgroup
  return { ...el("portgroup", { name: e.attrs.name, default: isDefault ? "yes" : undefined, trustGuestRxFilters: e.attrs.trustGuestRxFilters }, ks), block: true };
}

function updatePortgroup(def: XmlEl, command: string, item: XmlEl): XmlEl | LvError {
  const name = netName(def);
  if (item.attrs.name === undefined) return lvErr("XML_ERROR", "XML error: Missing required name attribute in portgroup");
  const pg = normalizePortgroup(item);
  const all = kids(def, "portgroup");
  const byName = all.find((p) => p.attrs.name === pg.attrs.name);
  const dflt = all.find((p) => p.attrs.default === "yes");
  if (!byName && (command === "modify" || command === "delete"))
    return lvErr("OPERATION_INVALID", `Requested operation is not valid: couldn't find a portgroup entry in network '${name}' matching <portgroup name='${pg.attrs.name}'>`);
  if (byName && isAdd(command)) return lvErr("OPERATION_INVALID", `Requested operation is not valid: there is an existing portgroup entry in network '${name}' that matches "<portgroup name='${pg.attrs.name}'>"`);
  if (command !== "delete" && pg.attrs.default === "yes" && dflt && dflt !== byName)
    return lvErr("OPERATION_INVALID", `Requested operation is not valid: a different portgroup entry in network '${name}' is already set as the default. Only one default is allowed.`);
  if (command === "modify") return replaceKid(def, byName, pg);
  if (command === "delete") return replaceKid(def, byName, undefined);
  // new portgroups go after the existing ones (first/last among them), before virtualport/bandwidth
  const ks = kids(def);
  const pgs = ks.filter((k) => k.name === "portgroup");
  const at = command === "add-first" && pgs.length ? ks.indexOf(pgs[0]!) : pgs.length ? ks.indexOf(pgs[pgs.length - 1]!) + 1 : (() => {
    const i = ks.findIndex((k) => ["virtualport", "bandwidth"].includes(k.name));
    return i < 0 ? ks.length : i;
  })();
  ks.splice(at, 0, pg);
  return { ...def, children: ks };
}

function updateForwardIf(def: XmlEl, command: string, item: XmlEl): XmlEl | LvError {
  const name = netName(def);
  if (command === "modify") return lvErr("OPERATION_UNSUPPORTED", "Operation not supported: forward interface entries cannot be modified, only added or deleted");
  const dev = item.attrs.dev;
  if (dev === undefined) return lvErr("XML_ERROR", "XML error: missing dev attribute in <interface> element");
  const fwd = child(def, "forward") ?? el("forward", {});
  const ifs = kids(fwd, "interface");
  const hit = ifs.find((i) => i.attrs.dev === dev);
  let nifs: XmlEl[];
  if (isAdd(command)) {
    if (hit) return lvErr("OPERATION_INVALID", `Requested operation is not valid: there is an existing interface entry in network '${name}' that matches "<interface dev='${dev}'>"`);
    nifs = insertAt(ifs, el("interface", { dev }), command === "add-first");
  } else {
    if (!hit) return lvErr("OPERATION_INVALID", `Requested operation is not valid: couldn't find an interface entry in network '${name}' matching <interface dev='${dev}'>`);
    nifs = ifs.filter((i) => i !== hit);
  }
  return replaceKid(def, child(def, "forward"), forwardWithIfs(fwd, nifs));
}

/** <forward> after its interface list changed: without a <pf>, dev= names the first interface. */
export function forwardWithIfs(fwd: XmlEl, ifs: XmlEl[]): XmlEl {
  const pfs = kids(fwd, "pf");
  const rest = kids(fwd).filter((k) => k.name !== "interface" && k.name !== "pf");
  const { dev: _old, ...others } = fwd.attrs;
  const dev = !pfs.length ? ifs[0]?.attrs.dev : undefined;
  return el("forward", { dev, ...others }, [...rest, ...pfs, ...ifs]);
}
