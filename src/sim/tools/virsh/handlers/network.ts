// virsh virtual network and network filter commands.
import * as N from "../../../model/libvirt/networks";
import { ifacesOf } from "../../../model/libvirt/domain-xml";
import { netBridge, netName, parseNetworkXml, parseNwfilterXml } from "../../../model/libvirt/net-xml";
import { lvErr, type DhcpLease, type LibvirtConn, type Network } from "../../../model/libvirt/types";
import { child, formatXml, kids, parseXml, stripWs, syntaxErrorText } from "../../../model/libvirt/xml";
import { exclusive, noSupport, optNetwork, optNum, optStr, readXmlFile, unsupportedFlags, type Handler } from "../common";
import { caseSort, kv, table } from "../format";
import type { Opts } from "../parse";
import type { Virsh } from "../runtime";
import { xpathDump } from "../xpath";
import { ipAdd, maskBits } from "./devices";
import { reedit } from "./snapshot";

const isTest = (v: Virsh) => v.conn.driver === "test";

const netList: Handler = (v, o) => {
  const optTable = o.has("table");
  const name = o.has("name");
  const uuid = o.has("uuid");
  if (Number(optTable) + Number(name) + Number(uuid) > 1) {
    v.error("Only one argument from --table, --name and --uuid may be specified.");
    return false;
  }
  let nets = [...v.conn.networks];
  const inactive = o.has("inactive");
  const all = o.has("all");
  if (!all) nets = nets.filter((n) => (inactive ? !n.active : n.active));
  if (o.has("persistent") !== o.has("transient")) nets = nets.filter((n) => n.persistent === o.has("persistent"));
  if (o.has("autostart") !== o.has("no-autostart")) nets = nets.filter((n) => n.autostart === o.has("autostart"));
  nets.sort((a, b) => caseSort(netName(a.def), netName(b.def)));
  if (uuid || name) {
    v.print(nets.map((n) => (uuid ? n.uuid : netName(n.def)) + "\n").join(""));
    return true;
  }
  v.print(table(["Name", "State", "Autostart", "Persistent"], nets.map((n) => [netName(n.def), n.active ? "active" : "inactive", n.autostart ? "yes" : "no", n.persistent ? "yes" : "no"]), !v.quiet));
  return true;
};

const netInfo: Handler = (v, o) => {
  const r = optNetwork(v, o);
  if (!r) return false;
  const n = r.net;
  let s = kv("Name:", netName(n.def)) + kv("UUID:", n.uuid) + kv("Active:", n.active ? "yes" : "no") + kv("Persistent:", n.persistent ? "yes" : "no") + kv("Autostart:", n.autostart ? "yes" : "no");
  const b = netBridge(n.def);
  if (b) s += kv("Bridge:", b);
  v.print(s);
  v.lastError = undefined;
  return true;
};

const netDumpxml: Handler = (v, o) => {
  const r = optNetwork(v, o);
  if (!r) return false;
  if (o.has("inactive") && isTest(v)) return v.fail(unsupportedFlags(1, "testNetworkGetXMLDesc"));
  const def = o.has("inactive") ? (r.net.newDef ?? r.net.def) : r.net.def;
  const x = formatXml(!isTest(v) && r.net.active && !o.has("inactive") ? { ...def, attrs: { connections: String(connections(v.conn, netName(def))) } } : def).replace(" connections='0'", "");
  const xp = o.strQuiet("xpath");
  if (xp !== undefined) return xpathDump(v, x, xp, o.has("wrap"));
  v.print(x);
  return true;
};

function connections(conn: LibvirtConn, name: string): number {
  let n = 0;
  for (const d of conn.domains) if (d.state !== "shutoff") for (const i of ifacesOf(d.def)) if (i.type === "network" && i.source === name) n++;
  return n;
}

const netUuid: Handler = (v, o) => {
  const r = optNetwork(v, o, "network", { uuid: false });
  if (!r) return false;
  v.print(`${r.net.uuid}\n`);
  return true;
};
const netName_: Handler = (v, o) => {
  const r = optNetwork(v, o, "network", { name: false });
  if (!r) return false;
  v.print(`${netName(r.net.def)}\n`);
  return true;
};

function usedBridges(conn: LibvirtConn): Set<string> {
  return new Set(conn.networks.map((n) => netBridge(n.def)).filter((b): b is string => !!b));
}

function netCtx(v: Virsh) {
  if (isTest(v)) return { driver: v.conn.driver, uuid: v.freshUuid };
  const used = usedBridges(v.conn);
  return {
    driver: v.conn.driver,
    uuid: v.freshUuid,
    mac: v.freshMac,
    bridgeName: () => {
      let i = 0;
      while (used.has(`virbr${i}`)) i++;
      return `virbr${i}`;
    },
  };
}

function defineOrCreate(create: boolean): Handler {
  return (v, o) => {
    const file = optStr(v, o, "file");
    if (!file || file.value === undefined) return false;
    const text = readXmlFile(v, file.value);
    if (text === undefined) return false;
    const def = parseNetworkXml(text, netCtx(v));
    const res = "code" in def ? def : v.mutate((c) => (create ? N.createNetwork(c, def) : N.defineNetwork(c, def)));
    if ("code" in res) {
      v.lastError = res;
      v.error(create ? `Failed to create network from ${file.value}` : `Failed to define network from ${file.value}`);
      return false;
    }
    v.printExtra(create ? `Network ${netName(res.def)} created from ${file.value}\n` : `Network ${netName(res.def)} defined from ${file.value}\n`);
    return true;
  };
}

function netAction(fail: (n: string) => string, ok: (n: string) => string, act: (c: LibvirtConn, n: Network) => ReturnType<typeof N.startNetwork>): Handler {
  return (v, o) => {
    const r = optNetwork(v, o);
    if (!r) return false;
    v.lastError = undefined;
    const e = v.mutate((c) => act(c, c.networks.find((x) => x.uuid === r.net.uuid)!));
    if (e) {
      v.lastError = e;
      v.error(fail(r.name));
      return false;
    }
    v.printExtra(ok(r.name));
    return true;
  };
}

const netStart = netAction(
  (n) => `Failed to start network ${n}`,
  (n) => `Network ${n} started\n`,
  (_c, n) => N.startNetwork(n),
);
const netDestroy = netAction(
  (n) => `Failed to destroy network ${n}`,
  (n) => `Network ${n} destroyed\n`,
  (c, n) => N.destroyNetwork(c, n),
);
const netUndefine = netAction(
  (n) => `Failed to undefine network ${n}`,
  (n) => `Network ${n} has been undefined\n`,
  (c, n) => N.undefineNetwork(c, n),
);

const netAutostart: Handler = (v, o) => {
  const r = optNetwork(v, o);
  if (!r) return false;
  v.lastError = undefined;
  const disable = o.has("disable");
  if (!r.net.persistent && !isTest(v)) {
    v.lastError = lvErr("OPERATION_INVALID", "Requested operation is not valid: cannot set autostart for transient network");
    v.error(disable ? `failed to unmark network ${r.name} as autostarted` : `failed to mark network ${r.name} as autostarted`);
    return false;
  }
  v.mutate((c) => {
    c.networks.find((x) => x.uuid === r.net.uuid)!.autostart = !disable;
    return undefined;
  });
  v.printExtra(disable ? `Network ${r.name} unmarked as autostarted\n` : `Network ${r.name} marked as autostarted\n`);
  return true;
};

const netUpdate: Handler = (v, o) => {
  if (!exclusive(v, o, "current", "live") || !exclusive(v, o, "current", "config")) return false;
  const r = optNetwork(v, o);
  if (!r) return false;
  v.lastError = undefined;
  const commandStr = o.raw("command")!;
  const command = commandStr === "add" ? "add-last" : commandStr;
  if (!N.NET_UPDATE_COMMANDS.includes(command) || command === "none") {
    v.error(`unrecognized command name '${commandStr}'`);
    return false;
  }
  const section = o.raw("section")!;
  if (!N.NET_UPDATE_SECTIONS.includes(section) || section === "none") {
    v.error(`unrecognized section name '${section}'`);
    return false;
  }
  const pi = optNum(v, o, "parent-index", "int");
  if (pi === null) return false;
  let xml = o.raw("xml")!;
  if (!xml.startsWith("<")) {
    const f = v.readLocalFile(xml);
    if ("errno" in f) return v.fail(lvErr("SYSTEM_ERROR", `Failed to open file '${xml}': ${f.errno}`));
    xml = f.text;
  }
  const p = parseXml(xml);
  if ("error" in p) {
    v.lastError = lvErr("XML_DETAIL", syntaxErrorText(p.error, "network_update_xml"));
    v.error(`Failed to update network ${netName(r.net.def)}`);
    v.reportError();
    return false;
  }
  const item = stripWs(p.root);
  const config = o.has("config");
  const live = o.has("live");
  const net = r.net;
  const res = v.mutate((c) => {
    const n = c.networks.find((x) => x.uuid === net.uuid)!;
    const doLive = live || (!config && n.active);
    const doConfig = config || (!live && !n.active);
    if (doLive && !n.active) return lvErr("OPERATION_INVALID", "Requested operation is not valid: network is not running");
    if (doConfig && !n.persistent) return lvErr("OPERATION_INVALID", "Requested operation is not valid: cannot change persistent config of a transient network");
    if (doLive) {
      const d = N.updateNetworkDef(n.def, command, section, item, pi ?? -1);
      if ("code" in d) return d;
      // a live-only change must not reach the persistent definition: keep the old one as the next-start one
      if (n.persistent && !n.newDef && c.driver !== "test") n.newDef = n.def;
      n.def = d;
    }
    if (doConfig) {
      const base = n.active ? (n.newDef ?? n.def) : n.def;
      const d = doLive && !n.newDef ? n.def : N.updateNetworkDef(base, command, section, item, pi ?? -1);
      if ("code" in d) return d;
      if (n.active) n.newDef = d;
      else n.def = d;
      if (c.driver === "test") n.newDef = undefined;
    }
    // the next-start definition is kept only while it differs from the running one
    if (n.newDef && formatXml(n.newDef) === formatXml(n.def)) n.newDef = undefined;
    return undefined;
  });
  if (res) {
    v.lastError = res;
    v.error(`Failed to update network ${netName(net.def)}`);
    v.reportError();
    return false;
  }
  const name = netName(net.def);
  if (config) v.printExtra(live ? `Updated network ${name} persistent config and live state` : `Updated network ${name} persistent config`);
  else if (live || net.active) v.printExtra(`Updated network ${name} live state`);
  else v.printExtra(`Updated network ${name} persistent config`);
  return true;
};

/** What dnsmasq would have handed out: one lease per running domain NIC on the network. */
export function leasesOf(conn: LibvirtConn, n: Network, now: number): DhcpLease[] {
  const out: DhcpLease[] = [];
  const ip = kids(n.def, "ip").find((i) => child(i, "dhcp"));
  if (!ip || !n.active) return out;
  const dhcp = child(ip, "dhcp")!;
  const range = child(dhcp, "range");
  const hosts = kids(dhcp, "host");
  const prefix = ip.attrs.prefix ? Number(ip.attrs.prefix) : maskBits(ip.attrs.netmask ?? "255.255.255.0");
  let next = 0;
  const doms = [...conn.domains].filter((d) => d.state !== "shutoff").sort((a, b) => a.id - b.id);
  for (const d of doms) {
    for (const nic of ifacesOf(d.def)) {
      if (nic.type !== "network" || nic.source !== netName(n.def)) continue;
      const fixed = hosts.find((h) => h.attrs.mac?.toLowerCase() === nic.mac);
      const addr = fixed?.attrs.ip ?? (range?.attrs.start ? ipAdd(range.attrs.start, 100 + next++) : undefined);
      if (!addr) continue;
      const name = (d.def.children[0] as { children: string[] }).children.join("");
      out.push({ network: netName(n.def), mac: nic.mac, ip: addr, prefix, hostname: fixed?.attrs.name ?? name, clientId: `ff:00:${nic.mac.slice(9)}:00:01:00:01:2c:${nic.mac.slice(9)}`, expiry: Math.floor(((d.startedAt ?? now) + Math.max(1, Math.ceil((now - (d.startedAt ?? now) + 1) / 3600_000)) * 3600_000) / 1000) });
    }
  }
  return out;
}

const netDhcpLeases: Handler = (v, o) => {
  const mac = o.strQuiet("mac");
  const r = optNetwork(v, o);
  if (!r) return false;
  v.lastError = undefined;
  if (isTest(v)) {
    v.lastError = noSupport("virNetworkGetDHCPLeases");
    v.error(`Failed to get leases info for ${r.name}`);
    return false;
  }
  if (!r.net.active) {
    v.lastError = lvErr("OPERATION_INVALID", `Requested operation is not valid: network '${netName(r.net.def)}' is not active`);
    v.error(`Failed to get leases info for ${r.name}`);
    return false;
  }
  const leases = leasesOf(v.conn, r.net, v.now)
    .filter((l) => mac === undefined || l.mac === mac.toLowerCase())
    .sort((a, b) => (a.mac < b.mac ? -1 : 1));
  const fmt = (t: number) => new Date(t * 1000).toISOString().replace("T", " ").slice(0, 19);
  v.print(table(["Expiry Time", "MAC address", "Protocol", "IP address", "Hostname", "Client ID or DUID"], leases.map((l) => [fmt(l.expiry), l.mac, "ipv4", `${l.ip}/${l.prefix}`, l.hostname ?? "-", l.clientId ?? "-"]), !v.quiet));
  return true;
};

const netEdit: Handler = (v, o) => {
  const r = optNetwork(v, o);
  if (!r) return false;
  v.lastError = undefined;
  const text = formatXml(r.net.newDef ?? r.net.def);
  v.editRequest = {
    suffix: ".xml",
    content: text,
    apply: (edited) => {
      if (edited === text) {
        v.printExtra(`Network ${netName(r.net.def)} XML configuration not changed.\n`);
        return true;
      }
      const def = parseNetworkXml(edited, netCtx(v));
      const res = "code" in def ? def : v.mutate((c) => N.defineNetwork(c, def));
      if ("code" in res) {
        v.lastError = res;
        // without a terminal virsh carries on as if the definition had worked (libvirt 9.0 prints a null name)
        return reedit(v, "Failed.", false, () => undefined, () => {
          v.printExtra("Network (null) XML configuration edited.\n");
          return true;
        });
      }
      v.printExtra(`Network ${netName(res.def)} XML configuration edited.\n`);
      return true;
    },
  };
  return true;
};

const netPortList: Handler = (v, o) => {
  const r = optNetwork(v, o);
  if (!r) return false;
  v.lastError = undefined;
  if (isTest(v)) return v.fail(noSupport("virNetworkListAllPorts"));
  v.print(table(["UUID"], [], !v.quiet));
  return true;
};

/**
 * net-port-dumpxml / net-port-delete: the port is looked up by UUID, which no simulated driver keeps ports for.
 * virsh 9.0 prints its message and still reports success when a lookup fails (cmdNetworkPort* start with
 * ret = true).
 */
const netPortByUuid: Handler = (v, o) => {
  const r = optNetwork(v, o);
  if (r) v.error(`failed to get network port '${o.raw("port") ?? ""}'`);
  v.lastError = undefined;
  return true;
};

// ---------------------------------------------------------------- nwfilters

function optFilter(v: Virsh, o: Opts) {
  const s = optStr(v, o, "nwfilter");
  if (!s || s.value === undefined) return undefined;
  const key = s.value;
  const f = (key.length === 36 ? v.conn.nwfilters.find((x) => x.uuid === key.toLowerCase()) : undefined) ?? v.conn.nwfilters.find((x) => x.name === key);
  if (!f) {
    v.lastError = lvErr("NO_NWFILTER", `Network filter not found: no nwfilter with matching name '${key}'`);
    v.error(`failed to get nwfilter '${key}'`);
    return undefined;
  }
  return { f, name: key };
}

const nwfilterList: Handler = (v) => {
  if (isTest(v)) {
    v.lastError = noSupport("virConnectNumOfNWFilters");
    v.error("Failed to count network filters");
    return false;
  }
  const fs = [...v.conn.nwfilters].sort((a, b) => caseSort(a.name, b.name));
  v.print(table(["UUID", "Name"], fs.map((f) => [f.uuid, f.name]), !v.quiet));
  return true;
};

const nwfilterDumpxml: Handler = (v, o) => {
  if (isTest(v)) {
    const key = o.raw("nwfilter") ?? "";
    v.lastError = noSupport(key.length === 36 ? "virNWFilterLookupByUUID" : "virNWFilterLookupByName");
    v.error(`failed to get nwfilter '${key}'`);
    return false;
  }
  const r = optFilter(v, o);
  if (!r) return false;
  v.print(formatXml(r.f.def));
  return true;
};

const nwfilterDefine: Handler = (v, o) => {
  const file = optStr(v, o, "file");
  if (!file || file.value === undefined) return false;
  const text = readXmlFile(v, file.value);
  if (text === undefined) return false;
  if (isTest(v)) {
    v.lastError = noSupport("virNWFilterDefineXML");
    v.error(`Failed to define network filter from ${file.value}`);
    return false;
  }
  const def = parseNwfilterXml(text, { uuid: v.freshUuid });
  if ("code" in def) {
    v.lastError = def;
    v.error(`Failed to define network filter from ${file.value}`);
    return false;
  }
  const name = def.attrs.name!;
  v.mutate((c) => {
    const ex = c.nwfilters.find((x) => x.name === name);
    const uuid = (def.children[0] as { children: string[] }).children.join("");
    if (ex) ex.def = { ...def, children: [{ name: "uuid", attrs: {}, children: [ex.uuid] }, ...def.children.slice(1)] };
    else c.nwfilters.push({ uuid, name, def });
    return undefined;
  });
  v.printExtra(`Network filter ${name} defined from ${file.value}\n`);
  return true;
};

const nwfilterUndefine: Handler = (v, o) => {
  if (isTest(v)) {
    const key = o.raw("nwfilter") ?? "";
    v.lastError = noSupport(key.length === 36 ? "virNWFilterLookupByUUID" : "virNWFilterLookupByName");
    v.error(`failed to get nwfilter '${key}'`);
    return false;
  }
  const r = optFilter(v, o);
  if (!r) return false;
  const inUse = v.conn.domains.some((d) => d.state !== "shutoff" && JSON.stringify(d.def).includes(`"filter":"${r.f.name}"`));
  if (inUse) {
    v.lastError = lvErr("OPERATION_INVALID", "Requested operation is not valid: nwfilter is in use");
    v.error(`Failed to undefine network filter ${r.name}`);
    return false;
  }
  v.mutate((c) => {
    c.nwfilters = c.nwfilters.filter((x) => x.uuid !== r.f.uuid);
    return undefined;
  });
  v.printExtra(`Network filter ${r.name} undefined\n`);
  return true;
};

export const NETWORK_HANDLERS: Record<string, Handler> = {
  "net-list": netList,
  "net-info": netInfo,
  "net-dumpxml": netDumpxml,
  "net-uuid": netUuid,
  "net-name": netName_,
  "net-define": defineOrCreate(false),
  "net-create": defineOrCreate(true),
  "net-start": netStart,
  "net-destroy": netDestroy,
  "net-undefine": netUndefine,
  "net-autostart": netAutostart,
  "net-update": netUpdate,
  "net-dhcp-leases": netDhcpLeases,
  "net-edit": netEdit,
  "net-port-list": netPortList,
  "net-port-dumpxml": netPortByUuid,
  "net-port-delete": netPortByUuid,
  "nwfilter-list": nwfilterList,
  "nwfilter-dumpxml": nwfilterDumpxml,
  "nwfilter-define": nwfilterDefine,
  "nwfilter-undefine": nwfilterUndefine,
};
