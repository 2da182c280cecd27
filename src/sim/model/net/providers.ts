// The network devices other stacks create, read from their state: libvirt's network bridges (virbr0) and the
// tap devices of running domains (vnetN), and Xen's backend interfaces of running guests (vifDOMID.DEVID).
import { libvirtOf } from "../libvirt/connect";
import { ifacesOf } from "../libvirt/domain-xml";
import { isActive } from "../libvirt/domains";
import { netBridge } from "../libvirt/net-xml";
import { child, childText } from "../libvirt/xml";
import { mix32, type Host } from "../world";
import { LINK_PROVIDERS, linkLocal, type NetLink } from "./net";

const mac = (seed: string, prefix: string) => {
  const v = mix32(seed.split("").reduce((a, c) => (a * 33 + c.charCodeAt(0)) >>> 0, 7));
  return `${prefix}:${[16, 8, 0].map((s) => ((v >>> s) & 0xff).toString(16).padStart(2, "0")).join(":")}`;
};

function prefixOf(netmask: string | undefined, prefix: string | undefined): number {
  if (prefix) return Number(prefix);
  if (!netmask) return 24;
  return netmask.split(".").reduce((a, o) => a + Number(o).toString(2).split("").filter((b) => b === "1").length, 0);
}

/** libvirt (qemu:///system): active networks' bridges with their addresses, running domains' vnetN taps. */
function libvirtLinks(host: Host): NetLink[] {
  const conn = libvirtOf(host)?.conns["qemu:///system"];
  if (!conn) return [];
  const out: NetLink[] = [];
  const bridgeOfNet = new Map<string, string>();
  for (const n of conn.networks) {
    const br = netBridge(n.def);
    const netName = childText(n.def, "name") ?? "";
    if (br) bridgeOfNet.set(netName, br);
    if (!n.active || !br) continue;
    const ip = child(n.def, "ip");
    const m = child(n.def, "mac")?.attrs.address ?? mac(br, "52:54:00");
    const link: NetLink = { name: br, index: 0, kind: "bridge", mac: m, macSet: true, mtu: 1500, up: true, stp: child(n.def, "bridge")?.attrs.stp !== "off", addrs: [], origin: "libvirt" };
    if (ip?.attrs.address) {
      const pfx = prefixOf(ip.attrs.netmask, ip.attrs.prefix);
      const parts = ip.attrs.address.split(".").map(Number);
      const hostBits = 32 - pfx;
      const num = parts.reduce((a, b) => a * 256 + b, 0);
      const bcast = Math.floor(num / 2 ** hostBits) * 2 ** hostBits + 2 ** hostBits - 1;
      link.addrs.push({ family: "inet", local: ip.attrs.address, prefix: pfx, brd: [24, 16, 8, 0].map((s) => Math.floor(bcast / 2 ** s) % 256).join("."), scope: "global" });
      link.addrs.push({ family: "inet6", local: linkLocal(m), prefix: 64, scope: "link" });
    }
    out.push(link);
  }
  let vnet = 0;
  for (const d of conn.domains) {
    if (!isActive(d)) continue;
    for (const i of ifacesOf(d.def)) {
      const master = i.type === "network" ? bridgeOfNet.get(i.source) : i.type === "bridge" ? i.source : undefined;
      const name = i.target ?? `vnet${vnet}`;
      vnet++;
      out.push({ name, index: 0, kind: "tun", mac: i.mac ? `fe${i.mac.slice(2)}` : mac(name, "fe:54:00"), mtu: 1500, up: true, addrs: [{ family: "inet6", local: linkLocal(i.mac ? `fe${i.mac.slice(2)}` : mac(name, "fe:54:00")), prefix: 64, scope: "link" }], ...(master ? { master } : {}), tuntap: { mode: "tap", persist: false, attachedPid: 4100, vnetHdr: true }, origin: "libvirt" });
    }
  }
  return out;
}

interface XenView {
  bridges?: string[];
  domains?: { domid: number; nics?: { devid: number; bridge?: string; vifname?: string; mac?: string }[]; config?: { nics?: { devid?: number; bridge?: string; vifname?: string; mac?: string }[] } | null }[];
}

/** Xen: vifDOMID.DEVID for each network interface of a running guest, enslaved to its bridge. */
function xenLinks(host: Host): NetLink[] {
  const x = host.subsystems.xen as XenView | undefined;
  if (!x?.domains) return [];
  const out: NetLink[] = [];
  for (const d of x.domains) {
    if (d.domid === 0) continue;
    const nics = d.nics ?? d.config?.nics ?? [];
    nics.forEach((n, i) => {
      const devid = n.devid ?? i;
      const name = n.vifname ?? `vif${d.domid}.${devid}`;
      out.push({ name, index: 0, kind: "ether", mac: "fe:ff:ff:ff:ff:ff", mtu: 1500, up: true, cable: true, addrs: [{ family: "inet6", local: "fe80::fcff:ffff:feff:ffff", prefix: 64, scope: "link" }], ...(n.bridge ? { master: n.bridge } : {}), origin: "xen" });
    });
  }
  return out;
}

LINK_PROVIDERS.push(libvirtLinks, xenLinks);
