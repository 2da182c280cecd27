// xl's device subcommands: block-*, network-*, cd-insert/eject, and the rarer device families
// (channel, vtpm, vkb, vdispl, vsnd, usb, pci), which list empty tables on this host.
import { parseDiskSpec, type DiskSpec } from "../../model/xen/disk-spec";
import { yajl, type Json } from "../../model/xen/json";
import { domainById, type XenState } from "../../model/xen/state";
import { applyNicToken, type NicSpec } from "../../model/xen/vif-spec";
import { attachDisk, attachNic, cdInsert, detachDisk, detachNic, libxlLog } from "../../model/xen/transitions";
import { resolvePath, stat } from "../../model/fs";
import { has, resolveDomain, type XlCtx, type ParsedOpts } from "./context";
import { blockHeader, blockRows, l, nicHeader, nicRows } from "./format";

const xenOfHost = (h: { subsystems: Record<string, unknown> }) => h.subsystems.xen as XenState;

function diskJson(d: DiskSpec): Json {
  return {
    pdev_path: d.pdevPath,
    vdev: d.vdev,
    backend: d.backend,
    format: d.format,
    script: d.script,
    removable: d.removable ? 1 : undefined,
    readwrite: d.readwrite ? 1 : undefined,
    is_cdrom: d.isCdrom ? 1 : undefined,
  };
}

export function xlBlockAttach(ctx: XlCtx, p: ParsedOpts): number {
  const dom = p.args[0]!;
  const domid = resolveDomain(ctx.xen, dom);
  if (domid === null) {
    ctx.err(`${dom} is an invalid domain identifier\n`);
    return 1;
  }
  const specs = p.args.slice(1);
  const parsed = parseDiskSpec("command line", specs);
  for (const m of parsed.messages) ctx.err(m);
  if (!parsed.ok) return 1;
  const disk = parsed.disk;
  if (disk.pdevPath) disk.pdevPath = disk.pdevPath.startsWith("/") ? disk.pdevPath : resolvePath(ctx.tool.cwd, disk.pdevPath);
  if (ctx.dryrun) {
    ctx.out(`disk: ${yajl(diskJson(parsed.disk))}\n\n`);
    return 0;
  }
  const res = ctx.update((host) => attachDisk(host, domid, disk));
  for (const m of res.messages) ctx.err(m);
  return res.exit;
}

export function xlBlockList(ctx: XlCtx, p: ParsedOpts): number {
  ctx.out(blockHeader());
  for (const a of p.args) {
    const id = resolveDomain(ctx.xen, a);
    if (id === null) {
      ctx.err(`${a} is an invalid domain identifier\n`);
      continue;
    }
    const d = domainById(ctx.xen, id);
    if (d) ctx.out(blockRows(d));
  }
  return 0;
}

export function xlBlockDetach(ctx: XlCtx, p: ParsedOpts): number {
  const domid = ctx.findDomain(p.args[0]!);
  const res = ctx.update((host) => detachDisk(xenOfHost(host), domid, p.args[1]!, has(p, "f")));
  for (const m of res.messages) ctx.err(m.replace("libxl_device_disk_safe_remove", has(p, "f") ? "libxl_device_disk_destroy" : "libxl_device_disk_safe_remove"));
  return res.exit;
}

export function xlCd(ctx: XlCtx, p: ParsedOpts, insert: boolean): number {
  const domid = ctx.findDomain(p.args[0]!);
  const vdev = p.args[1]!;
  const target = insert ? p.args[2]! : "";
  const spec = `vdev=${vdev},access=r,devtype=cdrom,target=${target}`;
  const parsed = parseDiskSpec("command line", [spec]);
  for (const m of parsed.messages) ctx.err(m);
  if (!parsed.ok) return 1;
  const d = parsed.disk;
  if (d.format !== "empty") {
    const abs = resolvePath(ctx.tool.cwd, d.pdevPath ?? "");
    if (!stat(ctx.host.fs, abs)) {
      ctx.err(`Cannot stat file: ${d.pdevPath}\n`);
      return 1;
    }
  }
  if (ctx.dryrun) return 0;
  const res = ctx.update((host) => cdInsert(host, domid, d.vdev!, d.format === "empty" ? "" : d.pdevPath ?? "", d.format));
  for (const m of res.messages) ctx.err(m);
  return res.exit;
}

function nicJson(n: NicSpec): Json {
  return {
    backend_domname: n.backendDomname,
    devid: n.devid,
    mtu: n.mtu,
    model: n.model,
    mac: n.mac,
    ip: n.ip,
    bridge: n.bridge,
    ifname: n.ifname,
    script: n.script,
    nictype: n.nictype,
    rate_bytes_per_interval: n.rateBytesPerInterval,
    rate_interval_usecs: n.rateIntervalUsecs,
    gatewaydev: n.gatewaydev,
  };
}

export function xlNetworkAttach(ctx: XlCtx, p: ParsedOpts): number {
  const domid = ctx.findDomain(p.args[0]!);
  const g = ctx.globals;
  // set_default_nic_values: only what xl.conf sets explicitly lands in the JSON
  const nic: NicSpec = { ...(g.vifScript ? { script: g.vifScript } : {}), ...(g.vifBridge ? { bridge: g.vifBridge } : {}), ...(g.vifGatewaydev ? { gatewaydev: g.vifGatewaydev } : {}), ...(g.vifBackend ? { backendDomname: g.vifBackend } : {}) };
  for (const a of p.args.slice(1)) {
    const r = applyNicToken(nic, a, "command line");
    for (const m of r.messages) ctx.err(m);
    if (r.bad) return 1;
  }
  if (ctx.dryrun) {
    ctx.out(`vif: ${yajl(nicJson(nic))}\n\n`);
    return 0;
  }
  const filled: NicSpec = { ...nic };
  const res = ctx.update((host, ids) => attachNic(xenOfHost(host), domid, filled, ids));
  for (const m of res.messages) ctx.err(m);
  return res.exit;
}

export function xlNetworkList(ctx: XlCtx, p: ParsedOpts): number {
  ctx.out(nicHeader());
  for (const a of p.args) {
    const id = ctx.findDomain(a);
    const d = domainById(ctx.xen, id);
    if (d) ctx.out(nicRows(d));
  }
  return 0;
}

export function xlNetworkDetach(ctx: XlCtx, p: ParsedOpts): number {
  const domid = ctx.findDomain(p.args[0]!);
  const arg = p.args[1]!;
  const key = arg.includes(":") ? arg : String(Number(/^\s*[+-]?\d+/.exec(arg)?.[0] ?? "0"));
  const res = ctx.update((host) => detachNic(xenOfHost(host), domid, key));
  for (const m of res.messages) ctx.err(m.replace(`Unknown device ${key}.`, `Unknown device ${arg}.`));
  return res.exit;
}

// ------------------------------------------------------------------- rarer device families

/** A listing command whose devices this host never has: the header, and each domain checked. */
export function xlEmptyList(ctx: XlCtx, p: ParsedOpts, header: string): number {
  ctx.out(header);
  for (const a of p.args) ctx.findDomain(a);
  return 0;
}

export const HEADERS: Record<string, string> = {
  "channel-list": `${l("Idx", 3)} ${l("BE", 2)} ${l("state", 5)} ${l("evt-ch", 6)} ${"ring-ref".padStart(8)} ${l("connection", 10)} ${l("", 30)}\n`,
  "vtpm-list": `${l("Idx", 3)} ${l("BE", 2)} ${l("Uuid", 36)} ${l("handle", 6)} ${l("state", 5)} ${l("evt-ch", 6)} ${l("ring-ref", 5)} ${l("BE-path", 10)}\n`,
  "vkb-list": `${l("Idx", 3)} ${l("BE", 2)} ${l("handle", 6)} ${l("state", 5)} ${l("evt-ch", 6)} ${"ref".padStart(6)} ${l("BE-type", 10)} ${l("unique-id", 10)} ${l("BE-path", 30)}\n`,
  "vdispl-list": `${l("Idx", 3)} ${l("BE", 2)} ${l("Hdl", 3)} ${l("Sta", 3)} ${l("Evch", 4)} ${l("Rref", 4)} ${l("BE-path", 30)}\n`,
  "vsnd-list": `${l("Idx", 3)} ${l("BE", 2)} ${l("Hdl", 3)} ${l("Sta", 3)} ${l("Evch", 4)} ${l("Rref", 4)} ${l("BE-path", 30)}\n`,
};

export function xlPciList(ctx: XlCtx, p: ParsedOpts): number {
  ctx.findDomain(p.args[0]!);
  ctx.out("Vdev Device\n");
  return 0;
}

export function xlPciAssignableList(ctx: XlCtx, _p: ParsedOpts): number {
  return 0;
}

/** pci-attach/detach, pci-assignable-add/remove: no device is bound to pciback on this host. */
export function xlPciChange(ctx: XlCtx, p: ParsedOpts, name: string): number {
  const bdf = name.startsWith("pci-assignable") ? p.args[0]! : p.args[1]!;
  if (!name.startsWith("pci-assignable")) ctx.findDomain(p.args[0]!);
  if (!/^(?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/.test(bdf)) {
    ctx.err(name === "pci-assignable-remove" ? `pci-assignable-remove: malformed BDF '${bdf}'\n` : name === "pci-assignable-add" ? `pci-assignable-add: malformed BDF "${bdf}"\n` : `${name}: malformed PCI_SPEC_STRING "${bdf}"\n`);
    return 2;
  }
  const full = bdf.length === 7 ? `0000:${bdf}` : bdf;
  if (name === "pci-assignable-add") ctx.err(libxlLog("error", "libxl_pci.c", 796, "libxl__device_pci_assignable_add", `Couldn't open /sys/bus/pci/devices/${full}/driver: No such file or directory`));
  else ctx.err(libxlLog("error", "libxl_pci.c", 1492, "libxl__device_pci_add", `PCI device ${full} is not assignable`));
  return 1;
}

export function xlUsbList(ctx: XlCtx, p: ParsedOpts): number {
  ctx.findDomain(p.args[0]!);
  return 0;
}

/** Attach/detach commands for device families this simulator does not model. */
export function xlUnsupportedDevice(ctx: XlCtx, p: ParsedOpts, name: string): number {
  const domid = ctx.findDomain(p.args[0]!);
  const kind = name.replace(/-(attach|detach)$/, "");
  const attach = name.endsWith("attach");
  if (!attach) {
    ctx.err(`Error: Device ${p.args[1]} not connected.\n`);
    return 1;
  }
  if (ctx.dryrun) {
    ctx.out(`${kind}: {\n\n}\n\n`);
    return 0;
  }
  ctx.err(libxlLog("error", "libxl_device.c", 1470, "libxl__wait_device_connection", `Backend /local/domain/0/backend/${kind}/${domid}/0 not ready`));
  ctx.err(`libxl_device_${kind}_add failed.\n`);
  return 1;
}
