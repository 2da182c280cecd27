// The XenStore tree, kept in step with the domains: what libxl, the backends and the guests write
// (generated from the Xen state), with xenstore-write / xenstore-rm changes layered on top.
import { REASON_LETTER, domainById, type XenDomain, type XenState } from "./state";

export interface XsNode {
  value: string;
  /** Permissions as xenstore-ls -p prints them, owner first: ["n0", "r1"]. */
  perms: string[];
}

/** Full path → node; every parent exists. Children are listed in byte order (oxenstored). */
export type XsTree = Map<string, XsNode>;

const cache = new WeakMap<XenState, XsTree>();

function put(t: XsTree, path: string, value: string, perms: string[]) {
  const parts = path.split("/").filter(Boolean);
  let cur = "";
  for (let i = 0; i < parts.length - 1; i++) {
    cur += "/" + parts[i];
    if (!t.has(cur)) t.set(cur, { value: "", perms });
  }
  t.set(path, { value, perms });
}

function dir(t: XsTree, path: string, perms: string[]) {
  if (!t.has(path)) put(t, path, "", perms);
}

const xenbusState = (s: number) => String(s);

function guest(t: XsTree, x: XenState, d: XenDomain) {
  const id = d.domid;
  const base = `/local/domain/${id}`;
  const ro = ["n0", `r${id}`];
  const own = [`n${id}`];
  dir(t, base, ro);
  const vm = `/vm/${d.uuid}`;
  put(t, `${vm}/uuid`, d.uuid, ro);
  put(t, `${vm}/name`, d.name, ro);
  const c = d.config;
  if (d.type === "hvm") put(t, `${vm}/image/ostype`, "hvm", ro);
  else {
    put(t, `${vm}/image/ostype`, "linux", ro);
    if (c?.kernel) put(t, `${vm}/image/kernel`, c.kernel, ro);
    if (c?.ramdisk) put(t, `${vm}/image/ramdisk`, c.ramdisk, ro);
    if (c?.cmdline) put(t, `${vm}/image/cmdline`, c.cmdline, ro);
  }
  const st = Math.floor(d.startTime / 1000);
  put(t, `${vm}/start_time`, `${st}.${String(Math.floor((d.startTime % 1000) / 10)).padStart(2, "0")}`, ro);
  if (d.type === "hvm") put(t, `${vm}/rtc/timeoffset`, String(c?.rtcTimeoffset ?? 0), ro);
  if (d.memSet) put(t, `${vm}/memory`, String(Math.floor((d.targetKiB ?? d.memKiB) / 1024)), ro);

  for (const k of ["attr", "data", "drivers", "error", "feature"]) dir(t, `${base}/${k}`, own);
  put(t, `${base}/console/backend`, `/local/domain/0/backend/console/${id}/0`, ro);
  put(t, `${base}/console/backend-id`, "0", ro);
  put(t, `${base}/console/limit`, "1048576", ro);
  put(t, `${base}/console/output`, "pty", ro);
  put(t, `${base}/console/port`, "2", ro);
  put(t, `${base}/console/ring-ref`, String(1966078 - (id - 1) * 65536), ro);
  put(t, `${base}/console/tty`, d.tty, ro);
  put(t, `${base}/console/type`, "xenconsoled", ro);
  dir(t, `${base}/control`, own);
  if (d.pvDrivers) {
    for (const f of ["feature-poweroff", "feature-reboot", "feature-suspend", "platform-feature-multiprocessor-suspend", "platform-feature-xs_reset_watches"]) put(t, `${base}/control/${f}`, "1", own);
  }
  put(t, `${base}/control/shutdown`, d.shutdown !== undefined ? (d.shutdown === 1 ? "reboot" : "") : d.pending ? (d.pending.kind === "reboot" ? "reboot" : "poweroff") : "", own);
  put(t, `${base}/control/sysrq`, "", own);
  for (let i = 0; i < d.maxVcpus; i++) put(t, `${base}/cpu/${i}/availability`, i < d.onlineVcpus ? "online" : "offline", ro);
  dir(t, `${base}/device`, ro);
  put(t, `${base}/device/suspend/event-channel`, "", own);
  d.disks.forEach((k, diskIndex) => {
    const kind = k.backend === "qdisk" ? "qdisk" : "vbd";
    const fe = `${base}/device/vbd/${k.devid}`;
    const be = `/local/domain/0/backend/${kind}/${id}/${k.devid}`;
    const fperm = [`n${id}`, "r0"];
    put(t, `${fe}/backend`, be, fperm);
    put(t, `${fe}/backend-id`, "0", fperm);
    put(t, `${fe}/device-type`, k.cdrom ? "cdrom" : "disk", fperm);
    if (k.evtch >= 0) put(t, `${fe}/event-channel`, String(k.evtch), fperm);
    put(t, `${fe}/protocol`, "x86_64-abi", fperm);
    if (k.ringRef >= 0) put(t, `${fe}/ring-ref`, String(k.ringRef), fperm);
    put(t, `${fe}/state`, xenbusState(k.state), fperm);
    put(t, `${fe}/trusted`, "1", fperm);
    put(t, `${fe}/virtual-device`, String(k.devid), fperm);
    const bperm = ["n0", `r${id}`];
    put(t, `${be}/bootable`, "1", bperm);
    put(t, `${be}/dev`, k.vdev, bperm);
    put(t, `${be}/device-type`, k.cdrom ? "cdrom" : "disk", bperm);
    put(t, `${be}/discard-enable`, k.readwrite ? "1" : "0", bperm);
    put(t, `${be}/frontend`, fe, bperm);
    put(t, `${be}/frontend-id`, String(id), bperm);
    if (kind === "vbd") {
      put(t, `${be}/hotplug-status`, "connected", bperm);
      put(t, `${be}/info`, k.cdrom ? "5" : "0", bperm);
    }
    put(t, `${be}/mode`, k.readwrite ? "w" : "r", bperm);
    put(t, `${be}/online`, "1", bperm);
    put(t, `${be}/params`, k.target, bperm);
    if (kind === "vbd") {
      const minor = (id - 1) * 4 + diskIndex + 1;
      put(t, `${be}/physical-device`, `fe:${minor.toString(16)}`, bperm);
      put(t, `${be}/physical-device-path`, k.target.startsWith("/dev/") ? `/dev/dm-${minor}` : `/dev/loop${minor % 8}`, bperm);
    }
    put(t, `${be}/removable`, k.cdrom ? "1" : "0", bperm);
    if (k.script || kind === "vbd") put(t, `${be}/script`, k.script ? `/etc/xen/scripts/${k.script}` : "/etc/xen/scripts/block", bperm);
    put(t, `${be}/sector-size`, "512", bperm);
    put(t, `${be}/sectors`, String(k.sectors), bperm);
    put(t, `${be}/specification`, "xen", bperm);
    put(t, `${be}/state`, xenbusState(k.state), bperm);
    put(t, `${be}/type`, kind === "vbd" ? "phy" : "qdisk", bperm);
    put(t, `/libxl/${id}/device/vbd/${k.devid}/backend`, be, ["n0"]);
    put(t, `/libxl/${id}/device/vbd/${k.devid}/frontend`, fe, ["n0"]);
  });
  for (const n of d.nics) {
    const fe = `${base}/device/vif/${n.devid}`;
    const be = `/local/domain/0/backend/vif/${id}/${n.devid}`;
    const fperm = [`n${id}`, "r0"];
    put(t, `${fe}/backend`, be, fperm);
    put(t, `${fe}/backend-id`, "0", fperm);
    put(t, `${fe}/event-channel`, String(n.evtch), fperm);
    for (const f of ["feature-gso-tcpv4", "feature-rx-notify", "feature-sg"]) put(t, `${fe}/${f}`, "1", fperm);
    put(t, `${fe}/handle`, String(n.devid), fperm);
    put(t, `${fe}/mac`, n.mac, fperm);
    put(t, `${fe}/mtu`, String(n.mtu), fperm);
    put(t, `${fe}/request-rx-copy`, "1", fperm);
    put(t, `${fe}/rx-ring-ref`, String(n.rxRef), fperm);
    put(t, `${fe}/state`, "4", fperm);
    put(t, `${fe}/trusted`, "1", fperm);
    put(t, `${fe}/tx-ring-ref`, String(n.txRef), fperm);
    const bperm = ["n0", `r${id}`];
    put(t, `${be}/bridge`, n.bridge, bperm);
    for (const f of ["feature-ctrl-ring", "feature-gso-tcpv4", "feature-gso-tcpv6", "feature-ipv6-csum-offload", "feature-multicast-control", "feature-rx-copy", "feature-sg"]) put(t, `${be}/${f}`, "1", bperm);
    put(t, `${be}/frontend`, fe, bperm);
    put(t, `${be}/frontend-id`, String(id), bperm);
    put(t, `${be}/handle`, String(n.devid), bperm);
    put(t, `${be}/hotplug-status`, "connected", bperm);
    if (n.ip) put(t, `${be}/ip`, n.ip, bperm);
    put(t, `${be}/mac`, n.mac, bperm);
    if (n.mtu !== 1500) put(t, `${be}/mtu`, String(n.mtu), bperm);
    put(t, `${be}/online`, "1", bperm);
    if (n.rateBytesPerInterval !== undefined) put(t, `${be}/rate`, `${n.rateBytesPerInterval},${n.rateIntervalUsecs}`, bperm);
    put(t, `${be}/script`, n.script.startsWith("/") ? n.script : `/etc/xen/scripts/${n.script}`, bperm);
    put(t, `${be}/state`, "4", bperm);
    put(t, `${be}/type`, n.nictype, bperm);
    if (n.vifname) put(t, `${be}/vifname`, n.vifname, bperm);
    put(t, `/libxl/${id}/device/vif/${n.devid}/backend`, be, ["n0"]);
    put(t, `/libxl/${id}/device/vif/${n.devid}/frontend`, fe, ["n0"]);
  }
  const cbe = `/local/domain/0/backend/console/${id}/0`;
  put(t, `${cbe}/frontend`, `${base}/console`, ["n0", `r${id}`]);
  put(t, `${cbe}/frontend-id`, String(id), ["n0", `r${id}`]);
  put(t, `${cbe}/online`, "1", ["n0", `r${id}`]);
  put(t, `${cbe}/protocol`, "vt100", ["n0", `r${id}`]);
  put(t, `${cbe}/state`, "1", ["n0", `r${id}`]);
  put(t, `${base}/domid`, String(id), ro);
  const video = d.type === "hvm" ? (c?.videoMemKiB ?? 0) : 0;
  put(t, `${base}/memory/static-max`, String(d.staticMaxKiB), ro);
  put(t, `${base}/memory/target`, String(d.targetKiB ?? d.memKiB), ro);
  put(t, `${base}/memory/videoram`, String(d.type === "hvm" ? video : 0), ro);
  put(t, `${base}/name`, d.name, ro);
  if (d.type === "hvm") {
    put(t, `${base}/hvmloader/allow-memory-relocate`, "1", ro);
    put(t, `${base}/platform/acpi`, "1", ro);
    put(t, `${base}/platform/acpi_s3`, "1", ro);
    put(t, `${base}/platform/acpi_s4`, "1", ro);
    put(t, `${base}/platform/device-model`, "qemu_xen", ro);
    put(t, `${base}/serial/0/tty`, `/dev/pts/${Number(d.tty.replace(/\D/g, "")) + 1}`, ro);
    put(t, `/local/domain/0/device-model/${id}/state`, "running", ["n0", `r${id}`]);
  }
  put(t, `${base}/store/port`, "1", ro);
  put(t, `${base}/store/ring-ref`, String(1966079 - (id - 1) * 65536), ro);
  put(t, `${base}/vm`, `/vm/${d.uuid}`, ro);
  put(t, `/libxl/${id}/type`, d.type, ["n0"]);
  if (d.type === "hvm") put(t, `/libxl/${id}/dm-version`, "qemu_xen", ["n0"]);
  if (d.shutdown !== undefined) put(t, `/libxl/${id}/shutdown-reason`, REASON_LETTER[d.shutdown] ?? "-", ["n0"]);
}

/** The tree as libxl and the drivers leave it for this state (cached per state object). */
export function generatedTree(x: XenState): XsTree {
  const hit = cache.get(x);
  if (hit) return hit;
  const t: XsTree = new Map();
  const n0 = ["n0"];
  t.set("/", { value: "", perms: n0 });
  dir(t, "/local", n0);
  dir(t, "/local/domain", n0);
  dir(t, "/libxl", n0);
  dir(t, "/tool", n0);
  put(t, "/tool/xenstored", "", n0);
  dir(t, "/vm", n0);
  for (const p of x.cpupools) put(t, `/local/pool/${p.id}/name`, p.name, n0);
  const dom0 = domainById(x, 0);
  if (dom0) {
    dir(t, "/local/domain/0/backend", n0);
    for (const f of ["feature-poweroff", "feature-reboot", "feature-suspend", "platform-feature-multiprocessor-suspend", "platform-feature-xs_reset_watches"]) put(t, `/local/domain/0/control/${f}`, "1", n0);
    dir(t, "/local/domain/0/device-model", n0);
    put(t, "/local/domain/0/domid", "0", n0);
    put(t, "/local/domain/0/memory/static-max", String(dom0.staticMaxKiB), n0);
    put(t, "/local/domain/0/memory/target", String(dom0.targetKiB ?? dom0.memKiB), n0);
    put(t, "/local/domain/0/name", dom0.name, n0);
  }
  for (const d of x.domains) if (d.domid !== 0) guest(t, x, d);
  cache.set(x, t);
  return t;
}

const treeCache = new WeakMap<XenState, XsTree>();

/** The store as xenstore-ls sees it: generated nodes plus the learner's own writes and removals. */
export function xenstoreTree(x: XenState): XsTree {
  if (!x.xsOps.length) return generatedTree(x);
  const hit = treeCache.get(x);
  if (hit) return hit;
  const t = new Map(generatedTree(x));
  for (const op of x.xsOps) {
    if (op.op === "write") {
      const existing = t.get(op.path);
      const parentPerms = nearestPerms(t, op.path);
      put(t, op.path, op.value ?? "", existing?.perms ?? parentPerms);
    } else if (op.op === "chmod") {
      const n = t.get(op.path);
      if (n) t.set(op.path, { ...n, perms: op.perms ?? n.perms });
    } else removeSubtree(t, op.path);
  }
  treeCache.set(x, t);
  return t;
}

function nearestPerms(t: XsTree, path: string): string[] {
  let p = path;
  while (p.length > 1) {
    p = p.slice(0, p.lastIndexOf("/")) || "/";
    const n = t.get(p);
    if (n) return n.perms;
  }
  return ["n0"];
}

function removeSubtree(t: XsTree, path: string) {
  const prefix = path === "/" ? "/" : path + "/";
  for (const k of [...t.keys()]) if (k === path || k.startsWith(prefix)) t.delete(k);
  if (path === "/") t.set("/", { value: "", perms: ["n0"] });
}

/** Normalise a path the way xenstored accepts it, or null when it is not valid. */
export function canonicalPath(p: string): string | null {
  if (!p.startsWith("/")) return null;
  if (p.length > 1 && p.endsWith("/")) return null;
  if (p.includes("//")) return null;
  if (!/^[A-Za-z0-9\-/_@]+$/.test(p)) return null;
  return p;
}

/** Names of the children of `path`, sorted bytewise; null when the node does not exist. */
const childIndex = new WeakMap<XsTree, Map<string, string[]>>();

/** Children of every node, built once per tree (trees are never changed after they are handed out). */
function children(t: XsTree): Map<string, string[]> {
  const hit = childIndex.get(t);
  if (hit) return hit;
  const idx = new Map<string, string[]>();
  for (const k of t.keys()) {
    if (k === "/") continue;
    const cut = k.lastIndexOf("/");
    const parent = cut === 0 ? "/" : k.slice(0, cut);
    const list = idx.get(parent);
    if (list) list.push(k.slice(cut + 1));
    else idx.set(parent, [k.slice(cut + 1)]);
  }
  for (const list of idx.values()) list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  childIndex.set(t, idx);
  return idx;
}

export function xsDirectory(t: XsTree, path: string): string[] | null {
  if (!t.has(path)) return null;
  return [...(children(t).get(path) ?? [])];
}

/** Escape a value as xenstore-read and xenstore-ls print it (sanitise_value). */
export function sanitise(v: string): string {
  let out = "";
  for (const ch of v) {
    const c = ch.charCodeAt(0);
    if (c >= 0x20 && c <= 0x7e && ch !== "\\") out += ch;
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\\") out += "\\\\";
    else if (c < 8) out += "\\" + c.toString(8).padStart(3, "0");
    else out += "\\x" + (c & 0xff).toString(16).padStart(2, "0");
  }
  return out;
}

/** The reverse escape xenstore-write applies to its value argument (unsanitise_value). */
export function unsanitise(v: string): string {
  let out = "";
  for (let i = 0; i < v.length; i++) {
    const ch = v[i]!;
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const n = v[++i];
    if (n === undefined) break;
    if (n === "t") out += "\t";
    else if (n === "n") out += "\n";
    else if (n === "r") out += "\r";
    else if (n === "\\") out += "\\";
    else if (n === "x") {
      const m = /^[0-9a-fA-F]{1,2}/.exec(v.slice(i + 1));
      out += m ? String.fromCharCode(parseInt(m[0], 16)) : "x";
      if (m) i += m[0].length;
    } else if (n >= "0" && n <= "7") {
      const m = /^[0-7]{1,3}/.exec(v.slice(i))!;
      out += String.fromCharCode(parseInt(m[0], 8));
      i += m[0].length - 1;
    } else out += n;
  }
  return out;
}
