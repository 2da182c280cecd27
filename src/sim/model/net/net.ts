// A host's network stack as plain data (links, bridges, tap devices, addresses, routes) and its transitions,
// as iproute2, bridge-utils, tunctl and QEMU's tap backends change it. Other stacks' devices (libvirt's
// virbr0/vnetN, Xen's vifX.Y) are read through link providers, so `ip link` shows them too.
import { mix32, type Host } from "../world";

export type LinkKind = "loopback" | "ether" | "bridge" | "tun" | "dummy" | "veth";

export interface NetAddr {
  family: "inet" | "inet6";
  /** Address without prefix, e.g. 192.168.10.11 */
  local: string;
  prefix: number;
  /** IPv4 broadcast (ip addr add ... brd + or the kernel's default for DHCP/ifupdown addresses). */
  brd?: string;
  scope: "host" | "global" | "link";
  dynamic?: boolean;
}

export interface TunTap {
  mode: "tap" | "tun";
  /** Created with ip tuntap add / tunctl (survives the process); false for a QEMU-created tap. */
  persist: boolean;
  user?: number;
  group?: number;
  /** pid of the process that has the device open (QEMU), which gives it carrier. */
  attachedPid?: number;
  vnetHdr?: boolean;
  multiQueue?: boolean;
}

export interface NetLink {
  name: string;
  index: number;
  kind: LinkKind;
  mac: string;
  mtu: number;
  /** Administratively up (ip link set up). */
  up: boolean;
  /** The bridge this port is enslaved to. */
  master?: string;
  addrs: NetAddr[];
  tuntap?: TunTap;
  /** Bridge settings (kind bridge). */
  stp?: boolean;
  /** The MAC was set explicitly (libvirt's <mac>, ip link set address): a bridge keeps it as its id. */
  macSet?: boolean;
  /** Which stack made the link (shown by providers; plain links have none). */
  origin?: "libvirt" | "xen" | "qemu";
  /** Physical NICs have a cable plugged in. */
  cable?: boolean;
  /** The other end of a veth pair. */
  peer?: string;
}

/** A route added by hand or by ifupdown (the kernel's own prefix routes follow from the addresses). */
export interface NetRoute {
  /** "default" or a prefix such as 192.168.10.0/24. */
  dst: string;
  via?: string;
  dev: string;
  proto?: "kernel" | "static" | "dhcp" | "boot";
  scope?: "link" | "host";
  src?: string;
  metric?: number;
}

export interface HostNet {
  links: NetLink[];
  routes: NetRoute[];
  nextIndex: number;
}

export const NET_KEY = "net";

/** Devices other stacks keep (virbr0, vnet0, vif1.0 ...), derived from their state each time. */
export type LinkProvider = (host: Host) => NetLink[];
export const LINK_PROVIDERS: LinkProvider[] = [];

/** A stable MAC for a host's physical NIC (Intel OUI). */
function hostMac(host: Host, salt: number): string {
  const v = mix32(host.name.split("").reduce((a, c) => a * 31 + c.charCodeAt(0), salt) >>> 0);
  return `3c:ec:ef:${[16, 8, 0].map((s) => ((v >>> s) & 0xff).toString(16).padStart(2, "0")).join(":")}`;
}

/** The host's own address on the lab LAN: host1 → 192.168.1.10, host2 → .11 ... (what `hostname -I` shows). */
export function lanAddress(host: Host): string {
  const n = /(\d+)$/.exec(host.name)?.[1];
  return `192.168.1.${9 + (n ? Number(n) : 1)}`;
}

/** The state a freshly booted host has: lo, the NIC eno1 (on the Xen bridge when the host runs Xen). */
export function defaultNet(host: Host): HostNet {
  const ip = lanAddress(host);
  const xenBridges = ((host.subsystems.xen as { bridges?: string[] } | undefined)?.bridges ?? []).slice();
  const links: NetLink[] = [
    { name: "lo", index: 1, kind: "loopback", mac: "00:00:00:00:00:00", mtu: 65536, up: true, addrs: [{ family: "inet", local: "127.0.0.1", prefix: 8, scope: "host" }, { family: "inet6", local: "::1", prefix: 128, scope: "host" }] },
    { name: "eno1", index: 2, kind: "ether", mac: hostMac(host, 1), mtu: 1500, up: true, cable: true, addrs: [] },
  ];
  const lanDev = xenBridges[0] ?? "eno1";
  xenBridges.forEach((b, i) => {
    links.push({ name: b, index: 3 + i, kind: "bridge", mac: i === 0 ? links[1]!.mac : hostMac(host, 10 + i), mtu: 1500, up: true, stp: false, addrs: [] });
    if (i === 0) links[1]!.master = b;
  });
  const dev = links.find((l) => l.name === lanDev)!;
  dev.addrs.push({ family: "inet", local: ip, prefix: 24, brd: "192.168.1.255", scope: "global" });
  dev.addrs.push({ family: "inet6", local: linkLocal(dev.mac), prefix: 64, scope: "link" });
  return { links, routes: [{ dst: "default", via: "192.168.1.1", dev: lanDev }], nextIndex: 3 + xenBridges.length };
}

/** The EUI-64 link-local IPv6 address of a MAC. */
export function linkLocal(mac: string): string {
  const b = mac.split(":").map((x) => parseInt(x, 16));
  b[0] = b[0]! ^ 2;
  const w = [(b[0]! << 8) | b[1]!, (b[2]! << 8) | 0xff, (0xfe << 8) | b[3]!, (b[4]! << 8) | b[5]!];
  return "fe80::" + w.map((x) => x.toString(16)).join(":");
}

/** The host's own network state (what ip/brctl change). */
export function netOf(host: Host): HostNet {
  return (host.subsystems[NET_KEY] as HostNet | undefined) ?? defaultNet(host);
}

/** Every link the kernel has: the host's own plus those other stacks created, in ifindex order. */
export function allLinks(host: Host): NetLink[] {
  const own = netOf(host);
  const derived = LINK_PROVIDERS.flatMap((p) => p(host)).filter((l) => !own.links.some((o) => o.name === l.name));
  let next = Math.max(own.nextIndex, ...own.links.map((l) => l.index + 1));
  const numbered = derived.map((l) => ({ ...l, index: next++ }));
  return [...own.links, ...numbered].sort((a, b) => a.index - b.index);
}

export function findLink(host: Host, name: string): NetLink | undefined {
  return allLinks(host).find((l) => l.name === name);
}

/** Whether a bridge of that name exists (for other stacks: Xen's vif-bridge, libvirt's <interface type='bridge'>). */
export function bridgeExists(host: Host, name: string): boolean {
  return findLink(host, name)?.kind === "bridge";
}

export type NetError =
  | { code: "exists"; name: string }
  | { code: "nodev"; name: string }
  | { code: "busy"; name: string }
  | { code: "not-bridge"; name: string }
  | { code: "not-port"; name: string; bridge: string }
  | { code: "is-up"; name: string }
  | { code: "foreign"; name: string };

export const isNetError = (x: unknown): x is NetError => typeof x === "object" && x !== null && "code" in x && !("links" in x);

/** A locally administered MAC for a new virtual device, from the world counter. */
export function randomMac(seq: number): string {
  const v = mix32(seq * 7919 + 13);
  const w = mix32(seq * 104729 + 7);
  const first = ((v >>> 24) & 0xfc) | 0x02;
  return [first, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff, (w >>> 8) & 0xff, w & 0xff].map((x) => x.toString(16).padStart(2, "0")).join(":");
}

function clone(n: HostNet): HostNet {
  return { links: n.links.map((l) => ({ ...l, addrs: [...l.addrs], ...(l.tuntap ? { tuntap: { ...l.tuntap } } : {}) })), routes: n.routes.map((r) => ({ ...r })), nextIndex: n.nextIndex };
}

/** Add a link (ip link add, brctl addbr, ip tuntap add, tunctl, QEMU's tap). */
export function addLink(host: Host, link: Omit<NetLink, "index">): HostNet | NetError {
  if (findLink(host, link.name)) return { code: "exists", name: link.name };
  const n = clone(netOf(host));
  const index = Math.max(n.nextIndex, ...allLinks(host).map((l) => l.index + 1));
  n.links.push({ ...link, index });
  n.nextIndex = index + 1;
  return n;
}

/** A veth pair (ip link add NAME type veth peer name PEER): the kernel registers the peer first. */
export function addVethPair(host: Host, name: string, peer: string, macs: [string, string]): HostNet | NetError {
  for (const x of [name, peer]) if (findLink(host, x)) return { code: "exists", name: x };
  const n = clone(netOf(host));
  const index = Math.max(n.nextIndex, ...allLinks(host).map((l) => l.index + 1));
  n.links.push({ name: peer, index, kind: "veth", peer: name, mac: macs[1], mtu: 1500, up: false, addrs: [] });
  n.links.push({ name, index: index + 1, kind: "veth", peer, mac: macs[0], mtu: 1500, up: false, addrs: [] });
  n.nextIndex = index + 2;
  return n;
}

/** Delete a link and everything that refers to it (its ports are released, its routes go, a veth's peer goes with it). */
export function deleteLink(host: Host, name: string): HostNet | NetError {
  const n = clone(netOf(host));
  const link = n.links.find((l) => l.name === name);
  if (!link) return findLink(host, name) ? { code: "foreign", name } : { code: "nodev", name };
  const gone = new Set([name, ...(link.peer !== undefined ? [link.peer] : [])]);
  const masters = n.links.filter((l) => gone.has(l.name) && l.master).map((l) => l.master!);
  n.links = n.links.filter((l) => !gone.has(l.name));
  for (const l of n.links) if (l.master !== undefined && gone.has(l.master)) delete l.master;
  n.routes = n.routes.filter((r) => !gone.has(r.dev));
  for (const m of masters) recalcBridgeMac(n, m);
  return n;
}

/** br_stp_recalculate_bridge_id: a bridge whose address was never set takes its lowest port's MAC; with no
 * ports left it keeps the one it has. */
export function recalcBridgeMac(n: HostNet, bridge: string): void {
  const br = n.links.find((l) => l.name === bridge);
  if (!br || br.kind !== "bridge" || br.macSet) return;
  const ports = n.links.filter((p) => p.master === bridge).map((p) => p.mac).sort();
  if (ports.length) br.mac = ports[0]!;
}

/** Change one of the host's own links. */
export function updateLink(host: Host, name: string, fn: (l: NetLink, n: HostNet) => NetError | void): HostNet | NetError {
  const n = clone(netOf(host));
  const link = n.links.find((l) => l.name === name);
  if (!link) return findLink(host, name) ? { code: "foreign", name } : { code: "nodev", name };
  const e = fn(link, n);
  if (e) return e;
  return n;
}

/** Bring a link up or down; a bridge's own routes follow its state. */
export function setUp(host: Host, name: string, up: boolean): HostNet | NetError {
  return updateLink(host, name, (l) => {
    l.up = up;
  });
}

/** Enslave `name` to bridge `master` (ip link set master / brctl addif), or release it (master undefined). */
export function setMaster(host: Host, name: string, master: string | undefined): HostNet | NetError {
  if (master !== undefined) {
    const br = findLink(host, master);
    if (!br) return { code: "nodev", name: master };
    if (br.kind !== "bridge") return { code: "not-bridge", name: master };
  }
  return updateLink(host, name, (l, n) => {
    const before = l.master;
    if (master === undefined) delete l.master;
    else l.master = master;
    for (const b of [before, master]) if (b) recalcBridgeMac(n, b);
  });
}

/** Whether a link has carrier: a cable, a bridge with a port that has carrier, a tap a process holds. */
export function hasCarrier(link: NetLink, all: NetLink[]): boolean {
  if (link.kind === "loopback" || link.kind === "dummy") return true;
  if (link.kind === "ether") return link.cable !== false;
  if (link.kind === "tun") return link.tuntap?.attachedPid !== undefined || link.origin !== undefined;
  if (link.kind === "bridge") return all.some((p) => p.master === link.name && p.up && hasCarrier(p, all));
  // a veth has carrier while both ends are up
  if (link.kind === "veth") return link.up && all.some((p) => p.name === link.peer && p.up);
  return link.up;
}

/** The 8000.xxxxxxxxxxxx bridge id brctl prints: priority 8000 and the bridge's MAC (which follows its lowest
 * port unless it was set). */
export function bridgeId(link: NetLink, _all?: NetLink[]): string {
  return `8000.${link.mac.replace(/:/g, "")}`;
}

/** Store a changed network state on a host (inside an immer draft or on a plain copy). */
export function putNet(host: Host, net: HostNet): void {
  host.subsystems[NET_KEY] = net;
}

/** The tap devices a QEMU process holds are released when it exits: non-persistent ones disappear. */
export function releaseTaps(host: Host, pid: number): HostNet {
  const n = clone(netOf(host));
  n.links = n.links.filter((l) => !(l.tuntap?.attachedPid === pid && !l.tuntap.persist));
  for (const l of n.links) if (l.tuntap?.attachedPid === pid) delete l.tuntap.attachedPid;
  return n;
}

/** The first free name for a pattern such as tap%d (the kernel's choice for a tap without a name). */
export function freeName(host: Host, prefix: string): string {
  const names = new Set(allLinks(host).map((l) => l.name));
  let i = 0;
  while (names.has(`${prefix}${i}`)) i++;
  return `${prefix}${i}`;
}

/** The interface that carries the default route (Debian's /etc/qemu-ifup looks for a bridge there). */
export function defaultRouteDev(host: Host): string | undefined {
  return netOf(host).routes.find((r) => r.dst === "default")?.dev;
}
