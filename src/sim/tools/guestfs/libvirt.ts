// The libguestfs tools' -d DOMAIN: the disk images of a libvirt domain, read through the libvirt model.
import { defaultUri, resolveUri } from "../../model/libvirt/connect";
import { disksOf } from "../../model/libvirt/domain-xml";
import { isActive, lookupDomain } from "../../model/libvirt/domains";
import type { World } from "../../model/world";

/** Disk image paths of `name` (cdroms and empty drives left out), or libguestfs' error text. */
export function domainDisks(world: World, host: string, name: string, envUri?: string, uri?: string): { files: string[]; active: boolean } | { error: string } {
  const u = uri ?? envUri ?? defaultUri(world, {});
  const r = resolveUri(world, host, u);
  if ("code" in r) return { error: `libvirt: XML-RPC error : ${r.message}\nlibguestfs: error: could not connect to libvirt (code 38, domain 7): ${r.message}\n` };
  const d = lookupDomain(r.conn, name);
  if (!d) return { error: `libguestfs: error: no libvirt domain called '${name}': Domain not found: no domain with matching name '${name}'\n` };
  const files = disksOf(d.def)
    .filter((k) => k.device === "disk" && k.source)
    .map((k) => k.source!);
  return { files, active: isActive(d) };
}
