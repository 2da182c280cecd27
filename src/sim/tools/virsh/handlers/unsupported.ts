// Commands whose libvirt API the simulated drivers do not implement (the test driver lacks them; block jobs,
// agent and QEMU-monitor calls need a real guest). virsh still does its own work first (option checks, object
// lookups, reading files) and prints its own message before libvirt's "not supported" error; this table
// holds that per command.
import { noSupport, optDomain, optNetwork, optStr, readXmlFile, type Handler } from "../common";
import type { Opts } from "../parse";
import type { Virsh } from "../runtime";

interface Unsupported {
  /** Object looked up first. */
  lookup?: "domain" | "network";
  /** Option naming a file virsh reads before the call. */
  file?: string;
  /** virsh-side checks: a message ends the command before any call. */
  check?: (o: Opts) => string | undefined;
  /** The API called (may depend on the options). */
  api: string | ((o: Opts) => string);
  /** virsh's message printed before libvirt's error; %s is replaced by the option it names. */
  pre?: string;
}

const TABLE: Record<string, Unsupported> = {
  blockcommit: { lookup: "domain", api: "virDomainBlockCommit" },
  blockcopy: {
    lookup: "domain",
    check: (o) => (o.raw("dest") === undefined && o.raw("xml") === undefined ? "need either --dest or --xml" : undefined),
    api: (o) => (o.raw("xml") !== undefined || o.has("bandwidth") || o.has("granularity") || o.has("buf-size") || o.has("transient-job") || o.has("synchronous-writes") ? "virDomainBlockCopy" : "virDomainBlockRebase"),
  },
  blockjob: { lookup: "domain", api: (o) => (o.has("abort") || o.has("pivot") ? "virDomainBlockJobAbort" : o.has("bandwidth") ? "virDomainBlockJobSetSpeed" : "virDomainGetBlockJobInfo") },
  blockpull: { lookup: "domain", api: (o) => (o.raw("base") !== undefined ? "virDomainBlockRebase" : "virDomainBlockPull") },
  blockresize: { lookup: "domain", api: "virDomainBlockResize", pre: "Failed to resize block device '%path'" },
  "detach-device-alias": { lookup: "domain", api: "virDomainDetachDeviceAlias", pre: "Failed to detach device with alias %alias" },
  domjobabort: { lookup: "domain", api: (o) => (o.has("postcopy") ? "virDomainAbortJobFlags" : "virDomainAbortJob") },
  dompmsuspend: {
    lookup: "domain",
    check: (o) => (["mem", "disk", "hybrid"].includes(o.raw("target") ?? "") ? undefined : "Invalid target"),
    api: "virDomainPMSuspendForDuration",
    pre: "Domain '%domain' could not be suspended",
  },
  dompmwakeup: { lookup: "domain", api: "virDomainPMWakeup", pre: "Domain '%domain' could not be woken up" },
  "domxml-from-native": { file: "config", api: "virConnectDomainXMLFromNative" },
  "domxml-to-native": {
    check: (o) => (o.raw("domain") === undefined && o.raw("xml") === undefined ? "need either domain or domain XML" : o.raw("domain") !== undefined && o.raw("xml") !== undefined ? "Options --domain and --xml are mutually exclusive" : undefined),
    api: "virConnectDomainXMLToNative",
  },
  "get-user-sshkeys": { lookup: "domain", api: "virDomainAuthorizedSSHKeysGet" },
  "lxc-enter-namespace": { lookup: "domain", api: "virDomainLxcOpenNamespace" },
  "migrate-getmaxdowntime": { lookup: "domain", api: "virDomainMigrateGetMaxDowntime" },
  "migrate-compcache": { lookup: "domain", api: (o) => (o.has("size") ? "virDomainMigrateSetCompressionCache" : "virDomainMigrateGetCompressionCache") },
  "migrate-setspeed": { lookup: "domain", api: "virDomainMigrateSetMaxSpeed" },
  "migrate-getspeed": { lookup: "domain", api: "virDomainMigrateGetMaxSpeed" },
  "migrate-postcopy": { lookup: "domain", api: "virDomainMigrateStartPostCopy" },
  "qemu-attach": { api: "virDomainQemuAttach", pre: "Failed to attach to pid %pid" },
  "qemu-monitor-command": { lookup: "domain", api: "virDomainQemuMonitorCommand" },
  "qemu-monitor-event": { api: "virConnectDomainQemuMonitorEventRegister" },
  "guest-agent-timeout": { lookup: "domain", api: "virDomainAgentSetResponseTimeout" },
  "update-device": { lookup: "domain", file: "file", api: "virDomainUpdateDeviceFlags", pre: "Failed to update device from %file" },
  guestvcpus: { lookup: "domain", api: (o) => (o.has("enable") || o.has("disable") ? "virDomainSetGuestVcpus" : "virDomainGetGuestVcpus") },
  setvcpu: {
    check: (o) => (o.has("enable") && o.has("disable") ? "Options --enable and --disable are mutually exclusive" : !o.has("enable") && !o.has("disable") ? "one of --enable, --disable is required" : undefined),
    lookup: "domain",
    api: "virDomainSetVcpu",
  },
  domblkthreshold: { lookup: "domain", api: "virDomainSetBlockThreshold" },
  guestinfo: { lookup: "domain", api: "virDomainGetGuestInfo" },
  "domdirtyrate-calc": { lookup: "domain", api: "virDomainStartDirtyRateCalc" },
  allocpages: { api: "virNodeAllocPages" },
  "node-memory-tune": { api: (o) => (["shm-pages-to-scan", "shm-sleep-millisecs", "shm-merge-across-nodes"].some((n) => o.has(n)) ? "virNodeSetMemoryParameters" : "virNodeGetMemoryParameters"), pre: "%SET" },
  "hypervisor-cpu-baseline": { api: "virConnectBaselineHypervisorCPU" },
  "hypervisor-cpu-compare": { file: "file", api: "virConnectCompareHypervisorCPU" },
  nodesevinfo: { api: "virNodeGetSEVInfo", pre: "Unable to get host SEV information" },
  "nwfilter-binding-create": { file: "file", api: "virNWFilterBindingCreateXML", pre: "Failed to create network filter from %file" },
  "nwfilter-binding-delete": { api: "virNWFilterBindingLookupByPortDev", pre: "failed to get nwfilter binding '%binding'" },
  "nwfilter-binding-dumpxml": { api: "virNWFilterBindingLookupByPortDev", pre: "failed to get nwfilter binding '%binding'" },
  "nwfilter-binding-list": { api: "virConnectListAllNWFilterBindings", pre: "Failed to list network filter bindings" },
  "net-port-create": { lookup: "network", file: "file", api: "virNetworkPortCreateXML", pre: "Failed to create network from %file" },
  "nodedev-define": { file: "file", api: "virNodeDeviceDefineXML", pre: "Failed to define node device from '%file'" },
  "secret-define": { file: "file", api: "virSecretDefineXML", pre: "Failed to set attributes from %file" },
  "backup-begin": { lookup: "domain", api: "virDomainBackupBegin" },
  "backup-dumpxml": { lookup: "domain", api: "virDomainBackupGetXMLDesc" },
};

function handler(u: Unsupported): Handler {
  return (v: Virsh, o: Opts) => {
    const msg = u.check?.(o);
    if (msg && !u.lookup) {
      v.error(msg);
      return false;
    }
    if (u.lookup === "domain" && !optDomain(v, o)) return false;
    if (u.lookup === "network" && !optNetwork(v, o)) return false;
    if (msg) {
      v.error(msg);
      return false;
    }
    if (u.file) {
      const f = optStr(v, o, u.file);
      if (!f) return false;
      if (f.value !== undefined && readXmlFile(v, f.value) === undefined) return false;
    }
    const api = typeof u.api === "string" ? u.api : u.api(o);
    if (u.pre === "%SET") v.error(api.includes("Set") ? "Unable to change memory parameters" : "Unable to get number of memory parameters");
    else if (u.pre) v.error(u.pre.replace(/%([a-z-]+)/g, (_m, name: string) => o.raw(name) ?? ""));
    return v.fail(noSupport(api));
  };
}

export const UNSUPPORTED_HANDLERS: Record<string, Handler> = Object.fromEntries(Object.entries(TABLE).map(([k, u]) => [k, handler(u)]));

/** Commands driven by this table (for the table self-test). */
export const UNSUPPORTED_COMMANDS = Object.keys(TABLE);
