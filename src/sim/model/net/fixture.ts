// The `net:` section of a host fixture: the physical NICs, their addresses and the default gateway.
import { z } from "zod";
import type { Host, World } from "../world";
import { defaultNet, linkLocal, putNet, type HostNet } from "./net";

const NetSection = z.strictObject({
  /** Physical NICs; an empty list gives a host with only `lo` (like a fresh network namespace). */
  interfaces: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-z][a-z0-9._-]*$/, "an interface name such as eno1"),
        mac: z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, "a MAC address such as 3c:ec:ef:12:34:56").optional(),
        /** IPv4 address with prefix, e.g. 192.168.1.10/24. */
        address: z.string().regex(/^\d+\.\d+\.\d+\.\d+\/\d+$/, "an address such as 192.168.1.10/24").optional(),
        up: z.boolean().default(true),
      }),
    )
    .optional(),
  gateway: z.string().optional(),
  /** Whether lo is up (a fresh network namespace has it down). */
  loopback_up: z.boolean().default(true),
});

export function loadNetSection(section: unknown, host: Host, _world: World): { path: (string | number)[]; message: string }[] {
  const r = NetSection.safeParse(section);
  if (!r.success) return r.error.issues.map((i) => ({ path: i.path as (string | number)[], message: i.message }));
  const fx = r.data;
  const base = defaultNet(host);
  const lo = { ...base.links[0]!, up: fx.loopback_up, ...(fx.loopback_up ? {} : { addrs: [] }) };
  const net: HostNet = { links: [lo], routes: [], nextIndex: 2 };
  if (fx.interfaces === undefined) {
    putNet(host, { ...base, links: [lo, ...base.links.slice(1)] });
    return [];
  }
  fx.interfaces.forEach((nic, i) => {
    const mac = nic.mac ?? base.links[1]!.mac.replace(/..$/, (h) => ((parseInt(h, 16) + i) % 256).toString(16).padStart(2, "0"));
    const addrs: HostNet["links"][number]["addrs"] = [];
    if (nic.address) {
      const [local, prefix] = nic.address.split("/") as [string, string];
      addrs.push({ family: "inet", local, prefix: Number(prefix), scope: "global" });
      addrs.push({ family: "inet6", local: linkLocal(mac), prefix: 64, scope: "link" });
    }
    net.links.push({ name: nic.name, index: 2 + i, kind: "ether", mac, mtu: 1500, up: nic.up, cable: true, addrs });
  });
  net.nextIndex = 2 + fx.interfaces.length;
  if (fx.gateway && fx.interfaces[0]) net.routes.push({ dst: "default", via: fx.gateway, dev: fx.interfaces[0].name });
  putNet(host, net);
  return [];
}
