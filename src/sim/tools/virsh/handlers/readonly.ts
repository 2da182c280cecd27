// `virsh -r`: libvirt's public API entry points refuse every call that changes something on a read-only
// connection ("operation forbidden: read only access prevents virXxx"). The table names, per command, the
// object virsh looks up first, the API it then calls and the message virsh prints when that call fails.
import { lvErr } from "../../../model/libvirt/types";
import { optDomain, optNetwork, optPool, optStr, optVol, readXmlFile } from "../common";
import type { Opts } from "../parse";
import type { Virsh } from "../runtime";

type Lookup = "domain" | "network" | "pool" | "vol" | "file" | "iface" | "none";

interface Gate {
  /** What virsh resolves before the call (its errors come first). */
  lookup: Lookup;
  /** The API called, or undefined when this use of the command only reads. */
  api: (o: Opts) => string | undefined;
  /** virsh's message before the libvirt error: %s the object as typed, %f the file, %n the --name option. */
  pre?: string | ((o: Opts) => string | undefined);
  /** Option holding the file for "file" lookups (default "file"). */
  fileOpt?: string;
  /** The whole libvirt message when it is not the usual "read only access prevents API". */
  message?: string;
}

const api = (name: string) => () => name;
const unlessPrint = (name: string) => (o: Opts) => (o.has("print-xml") ? undefined : name);
const withFlags = (plain: string, flagged: string, flags: string[]) => (o: Opts) => (flags.some((f) => o.has(f)) ? flagged : plain);
const AFFECT = ["live", "config", "current"];

const GATES: Record<string, Gate> = {
  start: { lookup: "domain", api: withFlags("virDomainCreate", "virDomainCreateWithFlags", ["paused", "autodestroy", "bypass-cache", "force-boot", "reset-nvram"]), pre: "Failed to start domain '%s'" },
  destroy: { lookup: "domain", api: withFlags("virDomainDestroy", "virDomainDestroyFlags", ["graceful", "remove-logs"]), pre: "Failed to destroy domain '%s'" },
  shutdown: { lookup: "domain", api: withFlags("virDomainShutdown", "virDomainShutdownFlags", ["mode"]), pre: "Failed to shutdown domain '%s'" },
  reboot: { lookup: "domain", api: api("virDomainReboot"), pre: "Failed to reboot domain '%s'" },
  reset: { lookup: "domain", api: api("virDomainReset"), pre: "Failed to reset domain '%s'" },
  suspend: { lookup: "domain", api: api("virDomainSuspend"), pre: "Failed to suspend domain '%s'" },
  resume: { lookup: "domain", api: api("virDomainResume"), pre: "Failed to resume domain '%s'" },
  define: { lookup: "file", api: withFlags("virDomainDefineXML", "virDomainDefineXMLFlags", ["validate"]), pre: "Failed to define domain from %f" },
  create: { lookup: "file", api: withFlags("virDomainCreateXML", "virDomainCreateXML", []), pre: "Failed to create domain from %f" },
  undefine: { lookup: "domain", api: api("virDomainUndefineFlags"), pre: "Failed to undefine domain '%s'" },
  autostart: { lookup: "domain", api: api("virDomainSetAutostart"), pre: (o) => (o.has("disable") ? "Failed to unmark domain '%s' as autostarted" : "Failed to mark domain '%s' as autostarted") },
  setmem: { lookup: "domain", api: api("virDomainSetMemoryFlags") },
  setmaxmem: { lookup: "domain", api: api("virDomainSetMemoryFlags"), pre: "Unable to change MaxMemorySize" },
  setvcpus: { lookup: "domain", api: withFlags("virDomainSetVcpus", "virDomainSetVcpusFlags", [...AFFECT, "maximum", "guest", "hotpluggable"]) },
  vcpupin: { lookup: "domain", api: (o) => (o.has("cpulist") ? (AFFECT.some((f) => o.has(f)) ? "virDomainPinVcpuFlags" : "virDomainPinVcpu") : undefined) },
  save: { lookup: "domain", api: withFlags("virDomainSave", "virDomainSaveFlags", ["bypass-cache", "running", "paused", "xml"]), pre: "Failed to save domain '%s' to %f" },
  managedsave: { lookup: "domain", api: api("virDomainManagedSave"), pre: "Failed to save domain '%s' state" },
  restore: { lookup: "none", api: withFlags("virDomainRestore", "virDomainRestoreFlags", ["bypass-cache", "running", "paused", "xml"]), pre: "Failed to restore domain from %f" },
  "snapshot-create": { lookup: "domain", api: api("virDomainSnapshotCreateXML") },
  "snapshot-create-as": { lookup: "domain", api: unlessPrint("virDomainSnapshotCreateXML") },
  "snapshot-delete": { lookup: "domain", api: api("virDomainSnapshotDelete"), pre: (o) => (o.raw("snapshotname") !== undefined ? "Failed to delete snapshot %N" : undefined) },
  "snapshot-revert": { lookup: "domain", api: api("virDomainRevertToSnapshot"), pre: (o) => (o.raw("snapshotname") !== undefined ? "Failed to revert snapshot %N" : undefined) },
  "attach-disk": { lookup: "domain", api: (o) => (o.has("print-xml") ? undefined : AFFECT.some((f) => o.has(f)) || o.has("persistent") ? "virDomainAttachDeviceFlags" : "virDomainAttachDevice"), pre: "Failed to attach disk" },
  "attach-interface": { lookup: "domain", api: (o) => (o.has("print-xml") ? undefined : AFFECT.some((f) => o.has(f)) || o.has("persistent") ? "virDomainAttachDeviceFlags" : "virDomainAttachDevice"), pre: "Failed to attach interface" },
  "attach-device": { lookup: "domain", api: withFlags("virDomainAttachDevice", "virDomainAttachDeviceFlags", [...AFFECT, "persistent"]), pre: "Failed to attach device from %f" },
  "detach-disk": { lookup: "domain", api: withFlags("virDomainDetachDevice", "virDomainDetachDeviceFlags", [...AFFECT, "persistent"]), pre: "Failed to detach disk" },
  "detach-device": { lookup: "domain", api: withFlags("virDomainDetachDevice", "virDomainDetachDeviceFlags", [...AFFECT, "persistent"]), pre: "Failed to detach device from %f" },
  "update-device": { lookup: "domain", api: api("virDomainUpdateDeviceFlags"), pre: "Failed to update device from %f" },
  "change-media": { lookup: "domain", api: unlessPrint("virDomainUpdateDeviceFlags"), pre: (o) => `Failed to complete action ${o.has("eject") ? "eject" : o.has("insert") ? "insert" : "update"} on media` },
  "domif-setlink": { lookup: "domain", api: api("virDomainUpdateDeviceFlags"), pre: "Failed to update interface link state" },
  desc: { lookup: "domain", api: (o) => (o.argv("new-desc").length || o.has("edit") ? "virDomainSetMetadata" : undefined), pre: (o) => (o.has("title") ? "Failed to set new domain title" : "Failed to set new domain description") },
  domrename: { lookup: "domain", api: api("virDomainRename") },
  dumpxml: { lookup: "domain", api: (o) => (o.has("security-info") ? "virDomainGetXMLDesc" : undefined), message: "operation forbidden: virDomainGetXMLDesc with secure flag" },
  "snapshot-current": { lookup: "domain", api: (o) => (o.raw("snapshotname") !== undefined ? "virDomainSnapshotGetXMLDesc" : undefined), message: "operation forbidden: virDomainSnapshotGetXMLDesc with secure flag" },
  "net-start": { lookup: "network", api: api("virNetworkCreate"), pre: "Failed to start network %s" },
  "net-destroy": { lookup: "network", api: api("virNetworkDestroy"), pre: "Failed to destroy network %s" },
  "net-define": { lookup: "file", api: api("virNetworkDefineXML"), pre: "Failed to define network from %f" },
  "net-create": { lookup: "file", api: api("virNetworkCreateXML"), pre: "Failed to create network from %f" },
  "net-undefine": { lookup: "network", api: api("virNetworkUndefine"), pre: "Failed to undefine network %s" },
  "net-autostart": { lookup: "network", api: api("virNetworkSetAutostart"), pre: (o) => (o.has("disable") ? "failed to unmark network %s as autostarted" : "failed to mark network %s as autostarted") },
  "net-update": { lookup: "network", api: api("virNetworkUpdate"), pre: "Failed to update network %s" },
  "pool-start": { lookup: "pool", api: api("virStoragePoolCreate"), pre: "Failed to start pool %s" },
  "pool-destroy": { lookup: "pool", api: api("virStoragePoolDestroy"), pre: "Failed to destroy pool %s" },
  "pool-define": { lookup: "file", api: api("virStoragePoolDefineXML"), pre: "Failed to define pool from %f" },
  "pool-create": { lookup: "file", api: api("virStoragePoolCreateXML"), pre: "Failed to create pool from %f" },
  "pool-define-as": { lookup: "none", api: unlessPrint("virStoragePoolDefineXML"), pre: "Failed to define pool %n" },
  "pool-create-as": { lookup: "none", api: unlessPrint("virStoragePoolCreateXML"), pre: "Failed to create pool %n" },
  "pool-build": { lookup: "pool", api: api("virStoragePoolBuild"), pre: "Failed to build pool %s" },
  "pool-undefine": { lookup: "pool", api: api("virStoragePoolUndefine"), pre: "Failed to undefine pool %s" },
  "pool-refresh": { lookup: "pool", api: api("virStoragePoolRefresh"), pre: "Failed to refresh pool %s" },
  "pool-delete": { lookup: "pool", api: api("virStoragePoolDelete"), pre: "Failed to delete pool %s" },
  "pool-autostart": { lookup: "pool", api: api("virStoragePoolSetAutostart"), pre: (o) => (o.has("disable") ? "failed to unmark pool %s as autostarted" : "failed to mark pool %s as autostarted") },
  "vol-create-as": { lookup: "pool", api: unlessPrint("virStorageVolCreateXML"), pre: "Failed to create vol %n" },
  "vol-create": { lookup: "pool", api: api("virStorageVolCreateXML"), pre: "Failed to create vol from %f" },
  "vol-create-from": { lookup: "pool", api: api("virStorageVolCreateXMLFrom"), pre: "Failed to create vol from %f" },
  "vol-delete": { lookup: "vol", api: api("virStorageVolDelete"), pre: "Failed to delete vol %s" },
  "vol-clone": { lookup: "vol", api: api("virStorageVolCreateXMLFrom"), pre: "Failed to clone vol from %s" },
  "vol-wipe": { lookup: "vol", api: api("virStorageVolWipe"), pre: "Failed to wipe vol %s" },
  "iface-start": { lookup: "iface", api: api("virInterfaceCreate"), pre: "Failed to start interface %s" },
  "iface-destroy": { lookup: "iface", api: api("virInterfaceDestroy"), pre: "Failed to destroy interface %s" },
  "iface-undefine": { lookup: "iface", api: api("virInterfaceUndefine"), pre: "Failed to undefine interface %s" },
  "iface-define": { lookup: "file", api: api("virInterfaceDefineXML"), pre: "Failed to define interface from %f" },
  "iface-begin": { lookup: "none", api: api("virInterfaceChangeBegin"), pre: "Failed to begin network config change transaction" },
  "iface-commit": { lookup: "none", api: api("virInterfaceChangeCommit"), pre: "Failed to commit network config change transaction" },
  "iface-rollback": { lookup: "none", api: api("virInterfaceChangeRollback"), pre: "Failed to rollback network config change transaction" },
};

/**
 * On a read-only connection, refuse a command that would change something, after the lookups virsh makes
 * first. Returns undefined when the command may run.
 */
export function readonlyGate(v: Virsh, o: Opts): boolean | undefined {
  const g = GATES[o.name];
  if (!g) return undefined;
  const called = g.api(o);
  if (!called) return undefined;
  let obj = "";
  switch (g.lookup) {
    case "domain": {
      const r = optDomain(v, o);
      if (!r) return false;
      obj = r.name;
      break;
    }
    case "network": {
      const r = optNetwork(v, o);
      if (!r) return false;
      obj = r.name;
      break;
    }
    case "pool": {
      const r = optPool(v, o);
      if (!r) return false;
      obj = r.name;
      break;
    }
    case "vol": {
      const r = optVol(v, o);
      if (!r) return false;
      obj = r.name;
      break;
    }
    case "iface": {
      const r = optStr(v, o, "interface");
      if (!r || r.value === undefined) return false;
      obj = r.value;
      break;
    }
    case "file": {
      const f = o.raw(g.fileOpt ?? "file");
      if (f !== undefined && readXmlFile(v, f) === undefined) return false;
      break;
    }
  }
  // a named snapshot is looked up before its XML is asked for
  const snapName = o.name === "snapshot-current" ? o.raw("snapshotname") : undefined;
  if (snapName !== undefined && g.lookup === "domain") {
    const d = v.lookupDomain(obj);
    if (d && !d.snapshots.some((x) => x.name === snapName)) {
      v.lastError = lvErr("NO_DOMAIN_SNAPSHOT", `Domain snapshot not found: no domain snapshot with matching name '${snapName}'`);
      return false;
    }
  }
  const pre = typeof g.pre === "function" ? g.pre(o) : g.pre;
  if (pre) v.error(pre.replace("%s", obj).replace("%f", o.raw("file") ?? "").replace("%n", o.raw("name") ?? "").replace("%N", o.raw("snapshotname") ?? ""));
  v.lastError = lvErr("OPERATION_DENIED", g.message ?? `operation forbidden: read only access prevents ${called}`);
  return false;
}
