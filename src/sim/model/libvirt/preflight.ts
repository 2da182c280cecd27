// What libvirt's QEMU driver checks before it starts a domain, with its error texts: the networks the domain
// plugs into exist and are active, and its disk images and their backing chains can be opened.
import { dirname, resolvePath, stat, type Fs } from "../fs";
import { disksOf, ifacesOf } from "./domain-xml";
import { lookupNetwork } from "./networks";
import { lvErr, type Domain, type LibvirtConn, type LvError } from "./types";

/** Debian's libvirt-qemu user and group, which QEMU runs as (qemu.conf user/group defaults). */
const QEMU_UID = 64055;
const QEMU_GID = 64055;

export function startPreflight(conn: LibvirtConn, d: Domain, fs: Fs | undefined): LvError | undefined {
  if (conn.driver === "test") return undefined;
  for (const i of ifacesOf(d.def)) {
    if (i.type !== "network") continue;
    const n = lookupNetwork(conn, i.source);
    if (!n) return lvErr("NO_NETWORK", `Network not found: no network with matching name '${i.source}'`);
    if (!n.active) return lvErr("OPERATION_INVALID", `Requested operation is not valid: network '${i.source}' is not active`);
  }
  if (!fs) return undefined;
  const as = `(as uid:${QEMU_UID}, gid:${QEMU_GID})`;
  for (const k of disksOf(d.def)) {
    if (k.type !== "file" || !k.source) continue;
    const node = stat(fs, k.source);
    if (!node) return lvErr("SYSTEM_ERROR", `Cannot access storage file '${k.source}' ${as}: No such file or directory`);
    // walk the backing chain as the image headers record it (relative names are relative to the image)
    let cur = k.source;
    for (let depth = 0; depth < 64; depth++) {
      const n = stat(fs, cur);
      const img = n?.kind === "file" ? n.image : undefined;
      if (!img?.backingFile) break;
      const next = resolvePath(dirname(cur), img.backingFile);
      if (!stat(fs, next)) return lvErr("SYSTEM_ERROR", `Cannot access backing file '${img.backingFile}' of storage file '${cur}' ${as}: No such file or directory`);
      cur = next;
    }
  }
  return undefined;
}
