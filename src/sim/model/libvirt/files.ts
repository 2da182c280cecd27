// The files a real libvirt host keeps in step with its objects: /etc/libvirt/qemu/*.xml, autostart links,
// network and storage configs, managed-save images, runtime state, and image locks of running domains.
import { makeDir, removeNode, type Fs } from "../fs";
import { disksOf, domName } from "./domain-xml";
import { netName, poolName } from "./net-xml";
import type { LibvirtConn } from "./types";
import { formatXml } from "./xml";

const header = (cmd: string, name: string) =>
  `<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\nOVERWRITTEN AND LOST. Changes to this xml configuration should be made using:\n  virsh ${cmd} ${name}\nor other application using the libvirt API.\n-->\n\n`;

export const QEMU_DIR = "/etc/libvirt/qemu";
export const NET_DIR = "/etc/libvirt/qemu/networks";
export const POOL_DIR = "/etc/libvirt/storage";
export const SAVE_DIR = "/var/lib/libvirt/qemu/save";
export const RUN_DIR = "/run/libvirt/qemu";

/** A holder string for image locks taken by a running domain. */
export const lockHolder = (host: string, dom: string) => `libvirt:${host}:${dom}`;

function setFile(fs: Fs, path: string, content: string, mtime: number, mode = 0o600) {
  const cur = fs[path];
  if (cur && cur.kind === "file" && cur.content === content) return;
  fs[path] = { kind: "file", mode, owner: "root", group: "root", mtime, content };
}

function setLink(fs: Fs, path: string, target: string, mtime: number) {
  const cur = fs[path];
  if (cur && cur.kind === "symlink" && cur.target === target) return;
  fs[path] = { kind: "symlink", mode: 0o777, owner: "root", group: "root", mtime, target };
}

/** Remove files under `dir` (not recursing) that are not in `keep`. */
function prune(fs: Fs, dir: string, keep: Set<string>, match: (name: string) => boolean) {
  const prefix = dir + "/";
  for (const p of Object.keys(fs)) {
    if (!p.startsWith(prefix) || p.indexOf("/", prefix.length) >= 0) continue;
    const n = fs[p]!;
    if (n.kind === "dir") continue;
    if (match(p.slice(prefix.length)) && !keep.has(p)) removeNode(fs, p);
  }
}

/** Bring the host's libvirt files in line with `conn` (run inside an immer draft of the host). */
export function syncHostFiles(fs: Fs, conn: LibvirtConn, mtime: number, host = ""): void {
  if (!conn.files) return;
  for (const d of [QEMU_DIR, `${QEMU_DIR}/autostart`, NET_DIR, `${NET_DIR}/autostart`, POOL_DIR, `${POOL_DIR}/autostart`, SAVE_DIR, RUN_DIR]) {
    if (!fs[d]) makeDir(fs, d, { parents: true, mtime, mode: d.startsWith("/etc") ? 0o755 : 0o711 });
  }
  const keep = new Set<string>();
  const keepAuto = new Set<string>();
  const keepSave = new Set<string>();
  const keepRun = new Set<string>();
  for (const dom of conn.domains) {
    const name = domName(dom.def);
    if (dom.persistent) {
      const p = `${QEMU_DIR}/${name}.xml`;
      setFile(fs, p, header("edit", name) + formatXml(dom.newDef ?? dom.def), mtime);
      keep.add(p);
      if (dom.autostart) {
        const a = `${QEMU_DIR}/autostart/${name}.xml`;
        setLink(fs, a, p, mtime);
        keepAuto.add(a);
      }
    }
    if (dom.managedSave) {
      const s = `${SAVE_DIR}/${name}.save`;
      setFile(fs, s, `LibvirtQemudSave\n${formatXml(dom.managedSaveDef ?? dom.def)}`, mtime);
      keepSave.add(s);
    }
    if (dom.state !== "shutoff") {
      const r = `${RUN_DIR}/${name}.xml`;
      setFile(fs, r, formatXml(dom.def), mtime);
      keepRun.add(r);
      const pid = `${RUN_DIR}/${name}.pid`;
      setFile(fs, pid, `${10000 + dom.id * 17}`, mtime, 0o644);
      keepRun.add(pid);
    }
  }
  prune(fs, QEMU_DIR, keep, (n) => n.endsWith(".xml"));
  prune(fs, `${QEMU_DIR}/autostart`, keepAuto, (n) => n.endsWith(".xml"));
  prune(fs, SAVE_DIR, keepSave, (n) => n.endsWith(".save"));
  prune(fs, RUN_DIR, keepRun, (n) => n.endsWith(".xml") || n.endsWith(".pid"));

  const keepNet = new Set<string>();
  const keepNetAuto = new Set<string>();
  for (const n of conn.networks) {
    if (!n.persistent) continue;
    const name = netName(n.def);
    const p = `${NET_DIR}/${name}.xml`;
    setFile(fs, p, header("net-edit", name) + formatXml(n.newDef ?? n.def), mtime);
    keepNet.add(p);
    if (n.autostart) {
      const a = `${NET_DIR}/autostart/${name}.xml`;
      setLink(fs, a, p, mtime);
      keepNetAuto.add(a);
    }
  }
  prune(fs, NET_DIR, keepNet, (n) => n.endsWith(".xml"));
  prune(fs, `${NET_DIR}/autostart`, keepNetAuto, (n) => n.endsWith(".xml"));

  const keepPool = new Set<string>();
  const keepPoolAuto = new Set<string>();
  for (const p of conn.pools) {
    if (!p.persistent) continue;
    const name = poolName(p.def);
    const f = `${POOL_DIR}/${name}.xml`;
    setFile(fs, f, header("pool-edit", name) + formatXml(p.newDef ?? p.def), mtime);
    keepPool.add(f);
    if (p.autostart) {
      const a = `${POOL_DIR}/autostart/${name}.xml`;
      setLink(fs, a, f, mtime);
      keepPoolAuto.add(a);
    }
  }
  prune(fs, POOL_DIR, keepPool, (n) => n.endsWith(".xml"));
  prune(fs, `${POOL_DIR}/autostart`, keepPoolAuto, (n) => n.endsWith(".xml"));

  // QEMU's image locks: writable disks of running domains are held exclusively, read-only ones shared
  const want = new Map<string, { holder: string; shared: boolean }>();
  for (const dom of conn.domains) {
    if (dom.state === "shutoff") continue;
    for (const disk of disksOf(dom.def)) {
      if (!disk.source || disk.type !== "file") continue;
      want.set(disk.source, { holder: lockHolder(host || conn.uri, domName(dom.def)), shared: disk.readonly });
    }
  }
  const prefix = `libvirt:${host || conn.uri}:`;
  for (const [p, n] of Object.entries(fs)) {
    if (n.kind !== "file") continue;
    const w = want.get(p);
    if (w) {
      if (!n.lock || n.lock.holder !== w.holder || n.lock.shared !== w.shared) n.lock = w;
    } else if (n.lock && n.lock.holder.startsWith(prefix)) delete n.lock;
  }
}
