// The libguestfs tools' -d DOMAIN: the disk images of a libvirt domain, read through the libvirt model.
import { defaultUri, resolveUri } from "../../model/libvirt/connect";
import { disksOf, domName } from "../../model/libvirt/domain-xml";
import { isActive, lookupDomain } from "../../model/libvirt/domains";
import type { World } from "../../model/world";

/** The connection the tools open (read-only ones use libvirtd's -ro socket), or the error text. */
function connect(world: World, host: string, envUri: string | undefined, uri: string | undefined, readonly: boolean) {
  const u = uri ?? envUri ?? defaultUri(world, {});
  const r = resolveUri(world, host, u);
  if (!("code" in r)) return r;
  const msg = readonly ? r.message.replace("libvirt-sock'", "libvirt-sock-ro'") : r.message;
  return { error: `libvirt: XML-RPC error : ${msg}\nlibguestfs: error: could not connect to libvirt (code 38, domain 7): ${msg}\n` };
}

const diskFiles = (def: Parameters<typeof disksOf>[0]) =>
  disksOf(def)
    .filter((k) => k.device === "disk" && k.source)
    .map((k) => k.source!);

/** Every domain of the connection, sorted by name, with its disk images (virt-df with no -a or -d). */
export function allDomains(world: World, host: string, envUri?: string, uri?: string): { list: { name: string; files: string[] }[] } | { error: string } {
  const r = connect(world, host, envUri, uri, true);
  if ("error" in r) return r;
  const list = r.conn.domains.map((d) => ({ name: domName(d.def), files: diskFiles(d.def) }));
  return { list: list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
}

/** Disk image paths of `name` (cdroms and empty drives left out), or libguestfs' error text. */
export function domainDisks(world: World, host: string, name: string, envUri?: string, uri?: string, readonly = true): { files: string[]; active: boolean } | { error: string } {
  const r = connect(world, host, envUri, uri, readonly);
  if ("error" in r) return r;
  const d = lookupDomain(r.conn, name);
  if (!d) return { error: `libguestfs: error: no libvirt domain called '${name}': Domain not found: no domain with matching name '${name}'\n` };
  return { files: diskFiles(d.def), active: isActive(d) };
}
