// Connection URIs to drivers: which host and which connection state a `virsh -c URI` talks to.
import { readFile as fsRead, resolvePath } from "../fs";
import { mix32, uuidFor, macFor, type Host, type World } from "../world";
import { DEFAULT_TEST_NODE, loadTestNode, type Gen } from "./node-xml";
import { lvErr, type LibvirtConn, type LibvirtHost, type LvError } from "./types";
import { XEN_LIBVIRT_DRIVER } from "../xen/libvirt-view";

export const libvirtOf = (h: Host | undefined): LibvirtHost | undefined => h?.subsystems.libvirt as LibvirtHost | undefined;

/** Where a connection's state lives: persisted in the world (a host's libvirt) or private to one virsh run. */
export type Resolved =
  | { kind: "world"; host: string; key: string; conn: LibvirtConn }
  | { kind: "local"; host: string; conn: LibvirtConn; external?: string };

/**
 * Drivers whose state belongs to another model (the Xen host behind xen:///system): a view of it as a
 * connection, and the write-back of what a virsh command changed in that view.
 */
export interface ExternalDriver {
  view(world: World, host: string): LibvirtConn | undefined;
  commit(world: World, host: string, before: LibvirtConn, after: LibvirtConn): World;
}

export const EXTERNAL_DRIVERS: Record<string, ExternalDriver> = { xen: XEN_LIBVIRT_DRIVER };

/** Generators for ids that a fresh test connection needs (they do not touch the world's counter). */
export function localGen(seed: number): Gen {
  let n = seed;
  return {
    uuid: () => uuidFor(0x5eed0000 + n++),
    mac: () => macFor(mix32(0x3ac0000 + n++)),
  };
}

let defaultTest: LibvirtConn | undefined;

/** libvirt's built-in test:///default host, fresh for every virsh process (shared immutable start state). */
export function defaultTestConn(): LibvirtConn {
  if (!defaultTest) {
    const c = loadTestNode(DEFAULT_TEST_NODE, "test:///default", localGen(1));
    if ("code" in c) throw new Error(c.message);
    defaultTest = c;
  }
  return defaultTest;
}

function hostByName(world: World, name: string): string | undefined {
  if (world.hosts[name]) return name;
  const lower = name.toLowerCase();
  return Object.keys(world.hosts).find((k) => world.hosts[k]!.hostname.toLowerCase() === lower || world.hosts[k]!.hostname.split(".")[0]!.toLowerCase() === lower);
}

/**
 * Drivers that present another model through libvirt (e.g. the Xen model behind xen:///system): given the
 * world and the target host, return the connection, or undefined to fall back to the host's libvirt state.
 */
export const DRIVER_SEAMS: Record<string, (world: World, host: string, uri: string) => Resolved | LvError | undefined> = {};

/** Turn a URI typed by the user into the connection it reaches from `fromHost`, or the error virsh shows. */
export function resolveUri(world: World, fromHost: string, uri: string): Resolved | LvError {
  const m = /^([a-z0-9]+)(?:\+([a-z0-9]+))?:\/\/(?:([^@/]*)@)?([^/?]*)(\/[^?]*)?(?:\?.*)?$/i.exec(uri);
  const noSocket = lvErr("SYSTEM_ERROR", "Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory");
  if (!m) return noSocket;
  const driver = m[1]!.toLowerCase();
  const transport = m[2];
  const server = m[4] ?? "";
  const path = m[5] ?? "";
  if (driver === "test") {
    const h = world.hosts[fromHost];
    const lv = libvirtOf(h);
    if (lv?.conns[uri]) return { kind: "world", host: fromHost, key: uri, conn: lv.conns[uri]! };
    if (path === "/default") return { kind: "local", host: fromHost, conn: defaultTestConn() };
    const file = path;
    let text: string | undefined;
    try {
      text = h ? fsRead(h.fs, resolvePath("/", file)) : undefined;
    } catch {
      text = undefined;
    }
    if (text === undefined) return { ...lvErr("XML_ERROR", `XML error: failed to parse xml document '${file}'`), warning: `I/O warning : failed to load external entity "${file}"\n` };
    const c = loadTestNode(text, uri, localGen(world.seq), file, (abs) => {
      try {
        return fsRead(h!.fs, resolvePath("/", abs));
      } catch {
        return undefined;
      }
    });
    if ("code" in c) return c;
    return { kind: "local", host: fromHost, conn: c };
  }
  let target = fromHost;
  if (server !== "" && !["localhost", "127.0.0.1"].includes(server.replace(/:\d+$/, ""))) {
    const found = hostByName(world, server.replace(/:\d+$/, ""));
    if (!found) {
      if (transport === "ssh" || transport === undefined)
        return lvErr("SYSTEM_ERROR", `Cannot recv data: ssh: Could not resolve hostname ${server}: Name or service not known: Connection reset by peer`);
      return lvErr("SYSTEM_ERROR", `unable to connect to server at '${server}:16509': Name or service not known`);
    }
    target = found;
  }
  const ext = (path === "" || path === "/system") && !transport ? EXTERNAL_DRIVERS[driver]?.view(world, target) : undefined;
  if (ext) return { kind: "local", host: target, conn: ext, external: driver };
  const seam = DRIVER_SEAMS[driver]?.(world, target, uri);
  if (seam) return seam;
  const lv = libvirtOf(world.hosts[target]);
  const want = `${driver}://${path === "" ? "/system" : path}`;
  const key = lv ? Object.keys(lv.conns).find((k) => k === want || (driver === "qemu" && k === "qemu:///system" && want === "qemu:///system")) : undefined;
  if (!lv || !key) {
    return noSocket;
  }
  return { kind: "world", host: target, key, conn: lv.conns[key]! };
}

/** The URI used when none is given: LIBVIRT_DEFAULT_URI from the environment, else the world's default. */
export function defaultUri(world: World, env: Readonly<Record<string, string>>): string {
  return env.LIBVIRT_DEFAULT_URI || world.defaultUri;
}
