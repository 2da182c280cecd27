// iproute2's `ip` (link, addr, route, tuntap) and `bridge link` over the host network model, with
// iproute2 6.1's output layout and error texts.
import { produce } from "immer";
import { probeChecked } from "../../shell/syntax-check";
import { addLink, addVethPair, allLinks, deleteLink, findLink, hasCarrier, isNetError, netOf, putNet, randomMac, setMaster, updateLink, type HostNet, type NetError, type NetLink, recalcBridgeMac } from "../../model/net/net";
import type { Host, World } from "../../model/world";
import { err, out, type Tool, type ToolContext, type ToolResult } from "../../shell/tool";

const hostOf = (ctx: ToolContext): Host => ctx.world.hosts[ctx.host]!;

function store(ctx: ToolContext, net: HostNet): World {
  return produce(ctx.world, (w) => putNet(w.hosts[ctx.host]!, net));
}

/** iproute2's matches(): the typed word is a prefix of the keyword. */
const matches = (typed: string, word: string) => typed.length > 0 && word.startsWith(typed);

function flags(l: NetLink, all: NetLink[]): string {
  const f: string[] = [];
  const carrier = hasCarrier(l, all);
  if (l.kind === "loopback") f.push("LOOPBACK");
  else {
    if (l.up && !carrier) f.push("NO-CARRIER");
    f.push("BROADCAST", "MULTICAST");
  }
  if (l.up) f.push("UP");
  if (l.up && carrier) f.push("LOWER_UP");
  // the link the device refers to (a veth's peer) is down
  if (l.peer !== undefined && !all.some((p) => p.name === l.peer && p.up)) f.push("M-DOWN");
  return f.join(",");
}

function qdisc(l: NetLink): string {
  if (!l.up) return "noop";
  if (l.kind === "loopback" || l.kind === "bridge" || l.kind === "dummy" || l.kind === "veth") return "noqueue";
  if (l.kind === "ether") return "mq";
  return "pfifo_fast";
}

function operState(l: NetLink, all: NetLink[]): string {
  if (!l.up) return "DOWN";
  if (l.kind === "loopback") return "UNKNOWN";
  const carrier = hasCarrier(l, all);
  if (l.kind === "tun") return carrier ? "UNKNOWN" : "DOWN";
  if (l.kind === "veth") return carrier ? "UP" : "LOWERLAYERDOWN";
  return carrier ? "UP" : "DOWN";
}

function header(l: NetLink, all: NetLink[], mode: boolean): string {
  return `${l.index}: ${shownName(l)}: <${flags(l, all)}> mtu ${l.mtu} qdisc ${qdisc(l)}${l.master ? ` master ${l.master}` : ""} state ${operState(l, all)}${mode ? " mode DEFAULT" : ""} group default qlen 1000\n`;
}

/** A link as `ip link` names it: a veth with its peer (veth0@veth1). */
const shownName = (l: NetLink) => (l.peer !== undefined ? `${l.name}@${l.peer}` : l.name);

function linkLine(l: NetLink): string {
  return l.kind === "loopback" ? "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n" : `    link/ether ${l.mac} brd ff:ff:ff:ff:ff:ff\n`;
}

/** The addresses a link shows: its own, plus the IPv6 link-local one once it is up with carrier. */
function addressesOf(l: NetLink, all: NetLink[]) {
  const own = l.addrs;
  return own.filter((a) => a.family === "inet" || a.scope !== "link" || (l.up && hasCarrier(l, all)));
}

function addrLines(l: NetLink, all: NetLink[], family?: "inet" | "inet6"): string {
  let s = "";
  for (const a of addressesOf(l, all)) {
    if (family && a.family !== family) continue;
    if (a.family === "inet") s += `    inet ${a.local}/${a.prefix}${a.brd ? ` brd ${a.brd}` : ""} scope ${a.scope} ${a.dynamic ? "dynamic " : ""}${l.name}\n`;
    else s += `    inet6 ${a.local}/${a.prefix} scope ${a.scope} \n`;
    s += `       valid_lft forever preferred_lft forever\n`;
  }
  return s;
}

const netErrorText = (e: NetError): string => {
  switch (e.code) {
    case "nodev":
      return `Cannot find device "${e.name}"\n`;
    case "exists":
      return "RTNETLINK answers: File exists\n";
    default:
      return "RTNETLINK answers: Operation not supported\n";
  }
};

interface IpOpts {
  family?: "inet" | "inet6";
  brief: boolean;
  details: boolean;
}

const IP_OBJECTS = ["address", "addrlabel", "maddress", "route", "rule", "neighbor", "neighbour", "ntable", "ntbl", "link", "l2tp", "fou", "ila", "macsec", "tunnel", "tunl", "tuntap", "tap", "token", "tcpmetrics", "tcp_metrics", "monitor", "xfrm", "mroute", "mrule", "netns", "netconf", "vrf", "sr", "nexthop", "mptcp", "ioam", "help", "stats"];

export function runIp(ctx: ToolContext, args: string[]): ToolResult {
  const o: IpOpts = { brief: false, details: false };
  let i = 0;
  for (; i < args.length && args[i]!.startsWith("-"); i++) {
    const a = args[i]!.replace(/^--/, "-");
    if (a === "-4") o.family = "inet";
    else if (a === "-6") o.family = "inet6";
    else if (matches(a.slice(1), "brief") && a.length > 1) o.brief = true;
    else if (matches(a.slice(1), "details")) o.details = true;
    else if (matches(a.slice(1), "statistics") || matches(a.slice(1), "color") || matches(a.slice(1), "oneline")) continue;
    else if (a === "-V" || matches(a.slice(1), "Version")) return { exit: 0, out: [out("ip utility, iproute2-6.1.0, libbpf 1.1.0\n")] };
    else if (a.length > 1 && matches(a.slice(1), "netns")) {
      // -n[etns] NAME: ip switches into /run/netns/NAME first; the lab's hosts have no named network namespaces
      const ns = args[++i];
      if (ns === undefined) return { exit: 255, out: [err(INCOMPLETE)] };
      hostOf(ctx);
      return { exit: 255, out: [err(`Cannot open network namespace "${ns}": No such file or directory\n`)] };
    }
    else return { exit: 255, out: [err(`Option "${args[i]}" is unknown, try "ip -help".\n`)] };
  }
  const obj = args[i];
  const rest = args.slice(i + 1);
  if (obj === undefined) return { exit: 255, out: [err(IP_USAGE)] };
  const name = IP_OBJECTS.find((x) => matches(obj, x));
  switch (name) {
    case "link":
      return ipLink(ctx, rest, o);
    case "address":
      return ipAddr(ctx, rest, o);
    case "route":
      return ipRoute(ctx, rest);
    case "tuntap":
    case "tap":
      return ipTuntap(ctx, rest);
    case "help":
      return { exit: 255, out: [err(IP_USAGE)] };
    case undefined:
      return { exit: 1, out: [err(`Object "${obj}" is unknown, try "ip help".\n`)] };
    default:
      return { exit: 0, out: [] };
  }
}

const IP_USAGE = `Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }
       ip [ -force ] -batch filename
where  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp |
                   link | macsec | maddress | monitor | mptcp | mroute | mrule |
                   neighbor | neighbour | netconf | netns | nexthop | ntable |
                   ntbl | route | rule | sr | tap | tcpmetrics |
                   token | tunnel | tuntap | vrf | xfrm }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |
                    -h[uman-readable] | -iec | -j[son] | -p[retty] |
                    -f[amily] { inet | inet6 | mpls | bridge | link } |
                    -4 | -6 | -M | -B | -0 |
                    -l[oops] { maximum-addr-flush-attempts } | -br[ief] |
                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |
                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |
                    -c[olor]}
`;

/** "dev NAME" or a bare NAME in a link/addr command. */
function devArg(rest: string[]): string | undefined {
  const d = rest.indexOf("dev");
  if (d >= 0) return rest[d + 1];
  return rest.find((w) => !["show", "list", "lst", "sh", "ls"].includes(w));
}

/** The show filters: [dev] NAME, up, master DEVICE, type TYPE (iproute2 6.1 ipaddr.c). */
interface ShowFilter {
  dev?: string;
  up?: boolean;
  master?: string;
  type?: string;
}

function showFilter(rest: string[]): ShowFilter | string {
  const f: ShowFilter = {};
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if (w === "dev") f.dev = rest[++i];
    else if (w === "up") f.up = true;
    else if (w === "master" || w === "type") {
      const v = rest[++i];
      if (v === undefined) return `Command line is not complete. Try option "help"\n`;
      if (w === "master") f.master = v;
      else f.type = v;
    } else if (["show", "list", "lst", "sh", "ls"].includes(w)) continue;
    else if (f.dev === undefined) f.dev = w;
    else return `Error: either "dev" is duplicate, or "${w}" is a garbage.\n`;
  }
  return f;
}

function showLinks(ctx: ToolContext, rest: string[], o: IpOpts, withAddrs: boolean): ToolResult {
  const all = allLinks(hostOf(ctx));
  const f = showFilter(rest);
  if (typeof f === "string") return { exit: 255, out: [err(f)] };
  const dev = f.dev;
  if (f.master !== undefined && !all.some((l) => l.name === f.master)) return { exit: 255, out: [err(`Error: argument "${f.master}" is wrong: Device does not exist\n\n`)] };
  // the rtnetlink kind: physical devices and lo have none
  const typeOf = (l: (typeof all)[number]) => (l.kind === "ether" || l.kind === "loopback" ? undefined : l.kind);
  const list = all.filter((l) => (dev === undefined || l.name === dev) && (!f.up || l.up) && (f.master === undefined || l.master === f.master) && (f.type === undefined || typeOf(l) === f.type));
  if (dev !== undefined && !all.some((l) => l.name === dev)) return { exit: 1, out: [err(`Device "${dev}" does not exist.\n`)] };
  let s = "";
  for (const l of list) {
    if (o.brief) {
      const mac = l.kind === "loopback" ? "00:00:00:00:00:00" : l.mac;
      if (withAddrs) {
        const addrs = addressesOf(l, all).filter((a) => !o.family || a.family === o.family).map((a) => `${a.local}/${a.prefix}`);
        s += `${shownName(l).padEnd(16)} ${operState(l, all).padEnd(14)} ${addrs.map((a) => a + " ").join("")}\n`;
      } else s += `${shownName(l).padEnd(16)} ${operState(l, all).padEnd(14)} ${mac} <${flags(l, all)}> \n`;
      continue;
    }
    if (withAddrs) {
      const lines = addrLines(l, all, o.family);
      if (o.family && !lines) continue;
      s += header(l, all, false) + (o.family ? "" : linkLine(l)) + lines;
    } else s += header(l, all, true) + linkLine(l);
  }
  return { exit: 0, out: s ? [out(s)] : [] };
}

function ipLink(ctx: ToolContext, rest: string[], o: IpOpts): ToolResult {
  const cmd = rest[0] ?? "show";
  const args = rest.slice(1);
  if (matches(cmd, "show") || matches(cmd, "list") || cmd === "lst") return showLinks(ctx, args, o, false);
  if (matches(cmd, "add")) {
    let name: string | undefined;
    let type: string | undefined;
    // iplink_parse: the device's own arguments, then "type TYPE" and the type's arguments
    let typeArgs: string[] = [];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === "type") {
        type = args[i + 1];
        if (type === undefined) return { exit: 255, out: [err(INCOMPLETE)] };
        typeArgs = args.slice(i + 2);
        break;
      } else if (args[i] === "name") name = args[++i];
      else if (args[i] === "dev") name = args[++i];
      else if (name === undefined && !["link", "address", "mtu", "txqueuelen"].includes(args[i]!)) name = args[i];
      else if (["link", "address", "mtu", "txqueuelen"].includes(args[i]!)) i++;
    }
    if (type === undefined) return { exit: 255, out: [err('Not enough information: "type" argument is required\n')] };
    if (type === "veth") return addVeth(ctx, name, typeArgs);
    if (name === undefined) return { exit: 255, out: [err('Not enough information: "dev" argument is required.\n')] };
    if (!["bridge", "dummy"].includes(type)) return { exit: 2, out: [err("Error: Unknown device type.\n")] };
    const r = addLink(hostOf(ctx), { name, kind: type as "bridge" | "dummy", mac: randomMac(ctx.world.seq), mtu: 1500, up: false, addrs: [], ...(type === "bridge" ? { stp: false } : {}) });
    if (isNetError(r)) return { exit: 2, out: [err(netErrorText(r))] };
    return { exit: 0, out: [], world: bump(store(ctx, r)) };
  }
  if (matches(cmd, "delete")) {
    const name = devArg(args);
    if (!name) return { exit: 255, out: [err('Not enough information: "dev" argument is required.\n')] };
    const r = deleteLink(hostOf(ctx), name);
    if (isNetError(r)) return { exit: r.code === "nodev" ? 1 : 2, out: [err(netErrorText(r))] };
    return { exit: 0, out: [], world: store(ctx, r) };
  }
  if (matches(cmd, "set")) {
    const name = args[0] === "dev" ? args[1] : args[0];
    const opts = args.slice(args[0] === "dev" ? 2 : 1);
    if (!name) return { exit: 255, out: [err('Not enough information: "dev" argument is required.\n')] };
    if (!findLink(hostOf(ctx), name)) return { exit: 1, out: [err(`Cannot find device "${name}"\n`)] };
    let h = hostOf(ctx);
    let net: HostNet | undefined;
    for (let i = 0; i < opts.length; i++) {
      const w = opts[i]!;
      let r: HostNet | NetError | undefined;
      if (w === "up" || w === "down") r = updateLink(h, name, (l) => void (l.up = w === "up"));
      else if (w === "master") {
        const m = opts[++i] ?? "";
        const br = findLink(h, m);
        if (!br) return { exit: 255, out: [err(`Error: argument "${m}" is wrong: Device does not exist\n\n`)] };
        if (br.kind !== "bridge") return { exit: 2, out: [err("RTNETLINK answers: Operation not supported\n")] };
        r = setMaster(h, name, m);
      } else if (w === "nomaster") r = setMaster(h, name, undefined);
      else if (w === "mtu") {
        const v = Number(opts[++i]);
        r = updateLink(h, name, (l) => void (l.mtu = v));
      } else if (w === "address") {
        const v = opts[++i] ?? "";
        r = updateLink(h, name, (l, n) => {
          l.mac = v.toLowerCase();
          l.macSet = true;
          if (l.master) recalcBridgeMac(n, l.master);
        });
      } else if (w === "name") {
        const v = opts[++i] ?? "";
        if (findLink(h, v)) return { exit: 2, out: [err("RTNETLINK answers: File exists\n")] };
        r = updateLink(h, name, (l, n) => {
          for (const p of n.links) if (p.master === name) p.master = v;
          for (const p of n.links) if (p.peer === name) p.peer = v;
          l.name = v;
        });
      } else return { exit: 255, out: [err(`Error: either "dev" is duplicate, or "${w}" is a garbage.\n`)] };
      if (isNetError(r)) return { exit: 2, out: [err(netErrorText(r))] };
      net = r;
      h = { ...h, subsystems: { ...h.subsystems, net: r } };
    }
    return { exit: 0, out: [], ...(net ? { world: store(ctx, net) } : {}) };
  }
  if (matches(cmd, "help")) return { exit: 255, out: [err("Usage: ip link add [link DEV | parentdev NAME] [ name ] NAME\n")] };
  return { exit: 255, out: [err(`Command "${cmd}" is unknown, try "ip link help".\n`)] };
}

const INCOMPLETE = 'Command line is not complete. Try option "help"\n';

/** ip link add [NAME] type veth [peer [name] PEER [address LLADDR] [mtu MTU]]: names the kernel picks when left out. */
function addVeth(ctx: ToolContext, name: string | undefined, typeArgs: string[]): ToolResult {
  let peer: string | undefined;
  let peerMac: string | undefined;
  if (typeArgs[0] === "peer") {
    const pa = typeArgs.slice(1);
    for (let i = 0; i < pa.length; i++) {
      const w = pa[i]!;
      if (w === "name" || w === "dev" || w === "address" || w === "mtu" || w === "txqueuelen") {
        const v = pa[++i];
        if (v === undefined) return { exit: 255, out: [err(INCOMPLETE)] };
        if (w === "address") peerMac = v.toLowerCase();
        else if (w === "name" || w === "dev") peer = v;
      } else if (peer === undefined) peer = w;
    }
  }
  const host = hostOf(ctx);
  const taken = new Set(allLinks(host).map((l) => l.name));
  const pick = () => {
    let k = 0;
    while (taken.has(`veth${k}`)) k++;
    taken.add(`veth${k}`);
    return `veth${k}`;
  };
  // the kernel names the peer first
  peer ??= pick();
  name ??= pick();
  const r = addVethPair(host, name, peer, [randomMac(ctx.world.seq), peerMac ?? randomMac(ctx.world.seq + 1)]);
  if (isNetError(r)) return { exit: 2, out: [err(netErrorText(r))] };
  return { exit: 0, out: [], world: bump(bump(store(ctx, r))) };
}

/** The world counter moves on whenever a random MAC was handed out. */
const bump = (w: World): World => ({ ...w, seq: w.seq + 1 });

function parseCidr(s: string): { local: string; prefix: number } | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?$/.exec(s);
  if (!m) return undefined;
  return { local: m[1]!, prefix: m[2] !== undefined ? Number(m[2]) : 32 };
}

function ipToNum(ip: string): number {
  return ip.split(".").reduce((a, b) => a * 256 + Number(b), 0);
}
const numToIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
const network = (ip: string, prefix: number) => numToIp(prefix === 0 ? 0 : Math.floor(ipToNum(ip) / 2 ** (32 - prefix)) * 2 ** (32 - prefix));
const broadcast = (ip: string, prefix: number) => numToIp(ipToNum(network(ip, prefix)) + 2 ** (32 - prefix) - 1);

function ipAddr(ctx: ToolContext, rest: string[], o: IpOpts): ToolResult {
  const cmd = rest[0] ?? "show";
  const args = rest.slice(1);
  if (matches(cmd, "show") || matches(cmd, "list") || cmd === "lst") return showLinks(ctx, args, o, true);
  if (matches(cmd, "add") || matches(cmd, "delete")) {
    const adding = matches(cmd, "add");
    const cidr = args.find((a, i) => i === 0 || (/^\d/.test(a) && args[i - 1] !== "dev"));
    const d = args.indexOf("dev");
    const dev = d >= 0 ? args[d + 1] : undefined;
    if (!dev) return { exit: 255, out: [err('Not enough information: "dev" argument is required.\n')] };
    const c = cidr ? parseCidr(cidr) : undefined;
    if (!c) return { exit: 1, out: [err(`Error: any valid prefix is expected rather than "${cidr ?? ""}".\n`)] };
    if (!findLink(hostOf(ctx), dev)) return { exit: 1, out: [err(`Cannot find device "${dev}"\n`)] };
    const b = args.indexOf("brd");
    const brd = b >= 0 ? (args[b + 1] === "+" ? broadcast(c.local, c.prefix) : args[b + 1]) : undefined;
    let failed = "";
    const r = updateLink(hostOf(ctx), dev, (l) => {
      const i = l.addrs.findIndex((a) => a.family === "inet" && a.local === c.local && a.prefix === c.prefix);
      if (adding) {
        if (i >= 0) failed = "Error: ipv4: Address already assigned.\n";
        else l.addrs.push({ family: "inet", local: c.local, prefix: c.prefix, ...(brd ? { brd } : {}), scope: "global" });
      } else if (i < 0) failed = "Error: ipv4: Address not found.\n";
      else l.addrs.splice(i, 1);
    });
    if (failed) return { exit: 2, out: [err(failed)] };
    if (isNetError(r)) return { exit: 2, out: [err(netErrorText(r))] };
    return { exit: 0, out: [], world: store(ctx, r) };
  }
  if (matches(cmd, "flush")) {
    const dev = devArg(args);
    if (!dev) return { exit: 255, out: [err("Flush requires arguments.\n")] };
    if (!findLink(hostOf(ctx), dev)) return { exit: 1, out: [err(`Device "${dev}" does not exist.\n`)] };
    const r = updateLink(hostOf(ctx), dev, (l) => void (l.addrs = l.addrs.filter((a) => a.family === "inet6" && a.scope === "link")));
    if (isNetError(r)) return { exit: 0, out: [] };
    return { exit: 0, out: [], world: store(ctx, r) };
  }
  return { exit: 255, out: [err(`Command "${cmd}" is unknown, try "ip address help".\n`)] };
}

function ipRoute(ctx: ToolContext, rest: string[]): ToolResult {
  const cmd = rest[0] ?? "show";
  const args = rest.slice(1);
  const host = hostOf(ctx);
  const all = allLinks(host);
  if (matches(cmd, "show") || matches(cmd, "list")) {
    const lines: { key: number; text: string }[] = [];
    for (const r of netOf(host).routes) {
      if (r.dst === "default") lines.push({ key: -1, text: `default via ${r.via} dev ${r.dev} ${r.proto ? `proto ${r.proto} ` : ""}${r.metric !== undefined ? `metric ${r.metric} ` : ""}\n` });
      else lines.push({ key: ipToNum(r.dst.split("/")[0]!), text: `${r.dst} ${r.via ? `via ${r.via} ` : ""}dev ${r.dev} \n` });
    }
    for (const l of all) {
      if (!l.up) continue;
      for (const a of l.addrs) {
        if (a.family !== "inet" || l.kind === "loopback") continue;
        const net = network(a.local, a.prefix);
        lines.push({ key: ipToNum(net), text: `${net}/${a.prefix} dev ${l.name} proto kernel scope link src ${a.local} ${hasCarrier(l, all) ? "" : "linkdown "}\n` });
      }
    }
    lines.sort((a, b) => a.key - b.key);
    return { exit: 0, out: lines.length ? [out(lines.map((l) => l.text).join(""))] : [] };
  }
  if (matches(cmd, "add") || matches(cmd, "delete") || matches(cmd, "replace")) {
    const dst = args[0] ?? "";
    const v = args.indexOf("via");
    const d = args.indexOf("dev");
    const via = v >= 0 ? args[v + 1] : undefined;
    let dev = d >= 0 ? args[d + 1] : undefined;
    if (!dev && via) dev = all.find((l) => l.addrs.some((a) => a.family === "inet" && network(a.local, a.prefix) === network(via, a.prefix)))?.name;
    const net = netOf(host);
    if (matches(cmd, "delete")) {
      const i = net.routes.findIndex((r) => r.dst === dst);
      if (i < 0) return { exit: 2, out: [err("RTNETLINK answers: No such process\n")] };
      const n = { ...net, routes: net.routes.filter((_, k) => k !== i) };
      return { exit: 0, out: [], world: store(ctx, n) };
    }
    if (!dev) return { exit: 2, out: [err("Error: Nexthop has invalid gateway.\n")] };
    if (net.routes.some((r) => r.dst === dst) && !matches(cmd, "replace")) return { exit: 2, out: [err("RTNETLINK answers: File exists\n")] };
    const n = { ...net, routes: [...net.routes.filter((r) => r.dst !== dst), { dst, ...(via ? { via } : {}), dev }] };
    return { exit: 0, out: [], world: store(ctx, n) };
  }
  return { exit: 255, out: [err(`Command "${cmd}" is unknown, try "ip route help".\n`)] };
}

function ipTuntap(ctx: ToolContext, rest: string[]): ToolResult {
  const cmd = rest[0] ?? "show";
  const args = rest.slice(1);
  const get = (k: string) => {
    const i = args.indexOf(k);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (matches(cmd, "show") || matches(cmd, "list")) {
    const all = allLinks(hostOf(ctx)).filter((l) => l.tuntap);
    let s = "";
    for (const l of all) {
      const t = l.tuntap!;
      s += `${l.name}: ${t.mode}${t.vnetHdr ? " vnet_hdr" : ""}${t.multiQueue ? " multi_queue" : ""}${t.persist ? " persist" : ""}${t.user !== undefined ? ` user ${t.user}` : ""}${t.group !== undefined ? ` group ${t.group}` : ""}\n`;
      if (t.attachedPid !== undefined) s += `\tAttached to processes:qemu-system-x86(${t.attachedPid})\n`;
    }
    return { exit: 0, out: s ? [out(s)] : [] };
  }
  const dev = get("dev") ?? get("name") ?? args.find((a, i) => i === 0 && !["mode", "dev", "name"].includes(a));
  const mode = get("mode");
  if (matches(cmd, "add")) {
    if (!mode) return { exit: 1, out: [err("You failed to specify a tunnel mode\n")] };
    if (mode !== "tap" && mode !== "tun") return { exit: 255, out: [err(`Unknown tunnel mode "${mode}"\n`)] };
    const host = hostOf(ctx);
    let name = dev;
    if (!name) {
      let k = 0;
      while (findLink(host, `${mode}${k}`)) k++;
      name = `${mode}${k}`;
    }
    if (findLink(host, name)) return { exit: 1, out: [err("ioctl(TUNSETIFF): Device or resource busy\n")] };
    const user = get("user");
    const r = addLink(host, { name, kind: "tun", mac: mode === "tap" ? randomMac(ctx.world.seq) : "", mtu: 1500, up: false, addrs: [], tuntap: { mode, persist: true, ...(user !== undefined ? { user: user === "root" ? 0 : Number(user) || 1000 } : {}) } });
    if (isNetError(r)) return { exit: 1, out: [err("ioctl(TUNSETIFF): Device or resource busy\n")] };
    return { exit: 0, out: [], world: bump(store(ctx, r)) };
  }
  if (matches(cmd, "delete")) {
    if (!mode) return { exit: 1, out: [err("You failed to specify a tunnel mode\n")] };
    const l = dev ? findLink(hostOf(ctx), dev) : undefined;
    if (!l || !l.tuntap || l.tuntap.attachedPid !== undefined) return { exit: 0, out: [] };
    const r = deleteLink(hostOf(ctx), l.name);
    if (isNetError(r)) return { exit: 0, out: [] };
    return { exit: 0, out: [], world: store(ctx, r) };
  }
  return { exit: 255, out: [err(`Command "${cmd}" is unknown, try "ip tuntap help".\n`)] };
}

// ------------------------------------------------------------------ bridge

function portState(l: NetLink, all: NetLink[]): string {
  if (!l.up || !hasCarrier(l, all)) return "disabled";
  const br = all.find((b) => b.name === l.master);
  if (br && !br.up) return "disabled";
  return "forwarding";
}

export function runBridge(ctx: ToolContext, args: string[]): ToolResult {
  const obj = args[0];
  if (obj === undefined) return { exit: 255, out: [err("Usage: bridge [ OPTIONS ] OBJECT { COMMAND | help }\nwhere  OBJECT := { link | fdb | mdb | vlan | vni | monitor }\n       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] |\n                    -o[neline] | -t[imestamp] | -n[etns] name |\n                    -com[pressvlans] -c[olor] -p[retty] -j[son] }\n")] };
  if (!["link", "fdb", "mdb", "vlan", "monitor", "vni"].some((x) => matches(obj, x))) return { exit: 255, out: [err(`Object "${obj}" is unknown, try "bridge help".\n`)] };
  if (!matches(obj, "link")) return { exit: 0, out: [] };
  const rest = args.slice(1);
  const cmd = rest[0] ?? "show";
  if (!matches(cmd, "show") && !matches(cmd, "list")) return { exit: 255, out: [err(`Command "${cmd}" is unknown, try "bridge link help".\n`)] };
  const d = rest.indexOf("dev");
  const dev = d >= 0 ? rest[d + 1] : undefined;
  const all = allLinks(hostOf(ctx));
  if (dev !== undefined && !all.some((l) => l.name === dev)) return { exit: 1, out: [err(`Cannot find device "${dev}"\n`)] };
  let s = "";
  for (const l of all) {
    if (!l.master || (dev !== undefined && l.name !== dev)) continue;
    const cost = l.kind === "ether" ? 4 : l.kind === "tun" ? 2 : 100;
    s += `${l.index}: ${l.name}: <${flags(l, all)}> mtu ${l.mtu} master ${l.master} state ${portState(l, all)} priority 32 cost ${cost} \n`;
  }
  return { exit: 0, out: s ? [out(s)] : [] };
}

export const IP_TOOLS: Tool[] = probeChecked([
  { name: "ip", path: "/usr/sbin/ip", run: runIp },
  { name: "bridge", path: "/usr/sbin/bridge", run: runBridge },
]);
