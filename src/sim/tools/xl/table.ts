// xl's command table: every subcommand of Xen 4.17's xl_cmdtable.c, declared as data. Summaries, usage
// and option help come from cmdtable-texts.ts (generated from xl itself); this table adds what each
// command's SWITCH_FOREACH_OPT declares: its getopt letters, long options and the positional minimum.
// The dispatcher parses with def_getopt's rules from these fields, so help, usage errors and parsing
// all read one declaration.
import type { ParsedOpts, XlCtx } from "./context";
import { HEADERS, xlBlockAttach, xlBlockDetach, xlBlockList, xlCd, xlEmptyList, xlNetworkAttach, xlNetworkDetach, xlNetworkList, xlPciAssignableList, xlPciChange, xlPciList, xlUnsupportedDevice, xlUsbList } from "./devices";
import { xlButtonPress, xlClaims, xlConfigUpdate, xlCreate, xlDestroy, xlDomid, xlDomname, xlDumpCore, xlList, xlPause, xlRename, xlShutdownOrReboot, xlSysrq, xlTrigger, xlUptime, xlVmList } from "./domain";
import { xlDebugKeys, xlDmesg, xlFlaskChange, xlGetenforce, xlHostOnly, xlInfo, xlQemuMonitor, xlSetParameters, xlSharing, xlTop, xlVncviewer } from "./host";
import { xlCpupoolCpu, xlCpupoolCreate, xlCpupoolDestroy, xlCpupoolList, xlCpupoolMigrate, xlCpupoolNumaSplit, xlCpupoolRename, xlMem, xlSchedCredit, xlSchedRtds, xlVcpuList, xlVcpuPin, xlVcpuSet } from "./resources";
import { xlMigrate, xlMigrateReceive, xlRestore, xlSave } from "./saverestore";
import { xlConsole } from "./console-cmd";

export type LongSpec = [name: string, arg: "none" | "required" | "optional", key: string];

/** A command parsed by def_getopt: letters (xl adds "h"), long options (xl adds --help), minimum positionals. */
export interface XlParsed {
  shorts: string;
  longs?: LongSpec[];
  min: number;
  run: (ctx: XlCtx, p: ParsedOpts) => number;
}

/** A command that reads its arguments itself (create, config-update, the Flask commands ...). */
export interface XlRaw {
  raw: true;
  run: (ctx: XlCtx, argv: string[]) => number;
}

export type XlSpec = XlParsed | XlRaw;

const P = (shorts: string, min: number, run: XlParsed["run"], longs?: LongSpec[]): XlParsed => ({ shorts, min, run, ...(longs ? { longs } : {}) });
const raw = (run: XlRaw["run"]): XlRaw => ({ raw: true, run });

const PSR_MSG = "Failed to get Platform Shared Resource info: this CPU does not support Intel RDT/PSR\n";
const CREDIT_LONGS: LongSpec[] = [["domain", "required", "d"], ["weight", "required", "w"], ["cap", "required", "c"], ["schedparam", "none", "s"], ["tslice_ms", "required", "t"], ["ratelimit_us", "required", "r"], ["migration_delay_us", "required", "m"], ["cpupool", "required", "p"]];
const CREDIT2_LONGS: LongSpec[] = [["domain", "required", "d"], ["weight", "required", "w"], ["cap", "required", "c"], ["schedparam", "none", "s"], ["ratelimit_us", "required", "r"], ["cpupool", "required", "p"]];

/** Every xl subcommand, in xl's table order. */
export const XL_SPECS: Record<string, XlSpec> = {
  create: raw(xlCreate),
  "config-update": raw(xlConfigUpdate),
  list: P("lvhZcn", 0, xlList, [["long", "none", "l"], ["verbose", "none", "v"], ["context", "none", "Z"], ["cpupool", "none", "c"], ["numa", "none", "n"]]),
  destroy: P("f", 1, xlDestroy),
  shutdown: P("awF", 0, (c, p) => xlShutdownOrReboot(c, p, false), [["all", "none", "a"], ["wait", "none", "w"]]),
  reboot: P("awF", 0, (c, p) => xlShutdownOrReboot(c, p, true), [["all", "none", "a"], ["wait", "none", "w"]]),
  "pci-attach": P("", 2, (c, p) => xlPciChange(c, p, "pci-attach")),
  "pci-detach": P("f", 2, (c, p) => xlPciChange(c, p, "pci-detach")),
  "pci-list": P("", 1, xlPciList),
  "pci-assignable-add": P("n:", 1, (c, p) => xlPciChange(c, p, "pci-assignable-add"), [["name", "required", "n"]]),
  "pci-assignable-remove": P("r", 1, (c, p) => xlPciChange(c, p, "pci-assignable-remove")),
  "pci-assignable-list": P("n", 0, xlPciAssignableList, [["show-names", "none", "n"]]),
  pause: P("", 1, (c, p) => xlPause(c, p, false)),
  unpause: P("", 1, (c, p) => xlPause(c, p, true)),
  console: P("n:t:", 1, xlConsole),
  vncviewer: P("a", 1, xlVncviewer, [["autopass", "none", "a"], ["vncviewer-autopass", "none", "a"]]),
  save: P("cpD", 2, xlSave),
  migrate: P("FC:s:epD", 2, xlMigrate, [["debug", "none", "debug"], ["live", "none", "live"]]),
  restore: P("FcpdeVA", 1, xlRestore, [["vncviewer", "none", "V"], ["vncviewer-autopass", "none", "A"]]),
  "migrate-receive": P("Fedrp", 0, xlMigrateReceive, [["colo", "none", "colo"], ["coloft-script", "required", "coloft-script"], ["userspace-colo-proxy", "none", "userspace-colo-proxy"]]),
  "dump-core": P("", 2, xlDumpCore),
  "cd-insert": P("", 3, (c, p) => xlCd(c, p, true)),
  "cd-eject": P("", 2, (c, p) => xlCd(c, p, false)),
  "mem-max": P("", 2, (c, p) => xlMem(c, p, true)),
  "mem-set": P("", 2, (c, p) => xlMem(c, p, false)),
  "button-press": raw(xlButtonPress),
  "vcpu-list": P("", 0, xlVcpuList),
  "vcpu-pin": P("fi", 3, xlVcpuPin, [["force", "none", "f"], ["ignore-global-affinity-masks", "none", "i"]]),
  "vcpu-set": P("i", 2, xlVcpuSet, [["ignore-host", "none", "i"]]),
  "vm-list": P("", 0, xlVmList),
  info: P("n", 0, xlInfo, [["numa", "none", "n"]]),
  sharing: P("", 0, xlSharing),
  "sched-credit": P("d:w:c:p:t:r:m:s", 0, (c, p) => xlSchedCredit(c, p, "credit"), CREDIT_LONGS),
  "sched-credit2": P("d:w:c:p:r:s", 0, (c, p) => xlSchedCredit(c, p, "credit2"), CREDIT2_LONGS),
  "sched-rtds": P("d:p:b:e:v:c", 0, xlSchedRtds, [["domain", "required", "d"], ["period", "required", "p"], ["budget", "required", "b"], ["extratime", "required", "e"], ["vcpuid", "required", "v"], ["cpupool", "required", "c"]]),
  domid: P("", 1, xlDomid),
  domname: P("", 1, xlDomname),
  rename: P("", 2, xlRename),
  trigger: P("", 2, xlTrigger),
  sysrq: P("", 2, xlSysrq),
  "debug-keys": P("", 1, xlDebugKeys),
  "set-parameters": P("", 1, xlSetParameters),
  dmesg: P("c", 0, xlDmesg, [["clear", "none", "c"]]),
  top: P("", 0, xlTop),
  "network-attach": P("", 1, xlNetworkAttach),
  "network-list": P("", 1, xlNetworkList),
  "network-detach": P("", 2, xlNetworkDetach),
  "channel-list": P("", 1, (c, p) => xlEmptyList(c, p, HEADERS["channel-list"]!)),
  "block-attach": P("", 2, xlBlockAttach),
  "block-list": P("", 1, xlBlockList),
  "block-detach": P("f", 2, xlBlockDetach, [["force", "none", "f"]]),
  "vtpm-attach": P("", 1, (c, p) => xlUnsupportedDevice(c, p, "vtpm-attach")),
  "vtpm-list": P("", 1, (c, p) => xlEmptyList(c, p, HEADERS["vtpm-list"]!)),
  "vtpm-detach": P("", 2, (c, p) => xlUnsupportedDevice(c, p, "vtpm-detach")),
  "vkb-attach": P("", 2, (c, p) => xlUnsupportedDevice(c, p, "vkb-attach")),
  "vkb-list": P("", 1, (c, p) => xlEmptyList(c, p, HEADERS["vkb-list"]!)),
  "vkb-detach": P("", 2, (c, p) => xlUnsupportedDevice(c, p, "vkb-detach")),
  "vdispl-attach": P("", 1, (c, p) => xlUnsupportedDevice(c, p, "vdispl-attach")),
  "vdispl-list": P("", 1, (c, p) => xlEmptyList(c, p, HEADERS["vdispl-list"]!)),
  "vdispl-detach": P("", 2, (c, p) => xlUnsupportedDevice(c, p, "vdispl-detach")),
  "vsnd-attach": P("", 2, (c, p) => xlUnsupportedDevice(c, p, "vsnd-attach")),
  "vsnd-list": P("", 1, (c, p) => xlEmptyList(c, p, HEADERS["vsnd-list"]!)),
  "vsnd-detach": P("", 2, (c, p) => xlUnsupportedDevice(c, p, "vsnd-detach")),
  uptime: P("s", 0, xlUptime),
  claims: P("", 0, xlClaims),
  "cpupool-create": P("nf:", 0, xlCpupoolCreate, [["defconfig", "required", "f"], ["dryrun", "none", "n"]]),
  "cpupool-list": P("c", 0, xlCpupoolList, [["cpus", "none", "c"]]),
  "cpupool-destroy": P("", 1, xlCpupoolDestroy),
  "cpupool-rename": P("", 2, xlCpupoolRename),
  "cpupool-cpu-add": P("", 2, (c, p) => xlCpupoolCpu(c, p, true)),
  "cpupool-cpu-remove": P("", 2, (c, p) => xlCpupoolCpu(c, p, false)),
  "cpupool-migrate": P("", 2, xlCpupoolMigrate),
  "cpupool-numa-split": P("", 0, xlCpupoolNumaSplit),
  getenforce: raw(xlGetenforce),
  setenforce: raw((c, a) => xlFlaskChange(c, a, "setenforce")),
  loadpolicy: raw((c, a) => xlFlaskChange(c, a, "loadpolicy")),
  remus: P("Fbundi:s:N:ecp", 2, (c, p) => xlHostOnly(c, p, true, "Remus: the backup host must run xl remus-receive; this lab has no Remus network buffering (CONFIG_REMUS_NETBUF=n)\n")),
  devd: P("Fp:", 0, (c, p) => xlHostOnly(c, p, false, "xl devd: a device daemon is only needed in driver domains\n"), [["pidfile", "required", "p"]]),
  "psr-hwinfo": P("mab", 0, (c, p) => xlHostOnly(c, p, false, PSR_MSG)),
  "psr-cmt-attach": P("", 1, (c, p) => xlHostOnly(c, p, false, PSR_MSG)),
  "psr-cmt-detach": P("", 1, (c, p) => xlHostOnly(c, p, false, PSR_MSG)),
  "psr-cmt-show": P("", 1, (c, p) => xlHostOnly(c, p, false, PSR_MSG)),
  "psr-cat-set": P("s:l:cd", 2, (c, p) => xlHostOnly(c, p, false, PSR_MSG)),
  "psr-cat-show": P("l:", 0, (c, p) => xlHostOnly(c, p, false, PSR_MSG)),
  "psr-mba-set": P("s:", 0, (c, p) => xlHostOnly(c, p, false, PSR_MSG)),
  "psr-mba-show": P("", 0, (c, p) => xlHostOnly(c, p, false, PSR_MSG)),
  "usbctrl-attach": P("", 1, (c, p) => xlUnsupportedDevice(c, p, "usbctrl-attach")),
  "usbctrl-detach": P("", 2, (c, p) => xlUnsupportedDevice(c, p, "usbctrl-detach")),
  "usbdev-attach": P("", 2, (c, p) => xlUnsupportedDevice(c, p, "usbdev-attach")),
  "usbdev-detach": P("", 3, (c, p) => xlUnsupportedDevice(c, p, "usbdev-detach")),
  "usb-list": P("", 1, xlUsbList),
  "qemu-monitor-command": P("", 2, xlQemuMonitor),
};
