// Guest-side and statistics commands the test driver answers itself: cpu-stats, domfsfreeze/domfsthaw/
// domfstrim (two fake mount points, / and /boot, whose frozen state the driver keeps per domain), domstats
// (state and IOThread groups), perf events, lifecycle actions, send-process-signal, set-user-password,
// set-user-sshkeys, domlaunchsecinfo and update-memory-device. The command side follows virsh 9.0's cmd*
// functions, the driver side test_driver.c; real-host connections answer as QEMU would for a guest without
// an agent where that is simple, otherwise like the test driver.
import * as D from "../../../model/libvirt/domains";
import { setTop } from "../../../model/libvirt/domain-xml";
import { lvErr, type Domain } from "../../../model/libvirt/types";
import { child, childText, el, kids, type XmlEl } from "../../../model/libvirt/xml";
import { affectFlags, exclusive, noSupport, optDomain, optNum, optStr, readonlyDenies, readXmlFile, requires, unsupportedFlags, type Handler } from "../common";
import type { Virsh } from "../runtime";
import { bothDefs, defOf, iothreadsOf, oneDef, putDef } from "./tune";

const isTest = (v: Virsh) => v.conn.driver === "test";
const notRunning = () => lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running");

// ---------------------------------------------------------------- cpu-stats

/** TEST_TOTAL_CPUTIME and the fixed user/system times of testDomainGetCPUStats (ns). */
const TOTAL_NS = 48772617035n;
const USER_NS = 5540000000n;
const SYSTEM_NS = 6460000000n;

/** virsh prints CPU times as seconds with nine decimals. */
function seconds(name: string, ns: bigint): string {
  const s = `${ns / 1000000000n}.${String(ns % 1000000000n).padStart(9, "0")}`;
  return `\t${name.padEnd(12)} ${s.padStart(19)} seconds\n`;
}

const cpuStats: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  let showTotal = o.has("total");
  let showPerCpu = false;
  const start = optNum(v, o, "start", "int");
  if (start === null) return false;
  if (start !== undefined) {
    if (start < 0) {
      v.error("Invalid value for start CPU");
      return false;
    }
    showPerCpu = true;
  }
  const count = optNum(v, o, "count", "int");
  if (count === null) return false;
  if (count !== undefined) {
    if (count < 0) {
      v.error("Invalid value for number of CPUs to show");
      return false;
    }
    showPerCpu = true;
  }
  if (!showTotal && !showPerCpu) showTotal = showPerCpu = true;
  const d = r.dom;
  const failed = (e = notRunning()) => {
    v.lastError = e;
    v.error(`Failed to retrieve CPU statistics for domain '${D.nameOf(d)}'`);
    return false;
  };
  if (!D.isActive(d)) return failed();
  let out = "";
  if (showPerCpu) {
    // the test driver reports the host's cores as the CPUs of every guest
    const maxId = v.conn.node.cores;
    const first = start ?? 0;
    if (first >= maxId) {
      v.error(`Start CPU ${first} is out of range (min: 0, max: ${maxId - 1})`);
      return false;
    }
    let n = count ?? maxId - first;
    if (n > maxId - first) {
      n = maxId - first;
      out += `Only ${n} CPUs available to show\n`;
    }
    const per = TOTAL_NS / BigInt(maxId);
    for (let i = first; i < first + n; i++) out += `CPU${i}:\n` + seconds("cpu_time", per + BigInt(i)) + seconds("vcpu_time", per + BigInt(i) - 1234567890n);
  }
  if (showTotal) out += "Total:\n" + seconds("cpu_time", TOTAL_NS) + seconds("user_time", USER_NS) + seconds("system_time", SYSTEM_NS);
  v.print(out);
  return true;
};

// ---------------------------------------------------------------- file systems

/** The test driver's guest: "/" and "/boot", frozen or not. */
const MOUNTS = ["/", "/boot"];

function fsFreezeThaw(freeze: boolean): Handler {
  return (v, o) => {
    const r = optDomain(v, o);
    if (!r) return false;
    const points = o.argv("mountpoint");
    const fail = (e: ReturnType<typeof lvErr>) => {
      v.lastError = e;
      v.error(freeze ? "Unable to freeze filesystems" : "Unable to thaw filesystems");
      return false;
    };
    if (readonlyDenies(v, freeze ? "virDomainFSFreeze" : "virDomainFSThaw")) return fail(v.lastError!);
    if (!D.isActive(r.dom)) return fail(notRunning());
    const before = r.dom.frozen ?? [false, false];
    const next: [boolean, boolean] = [before[0], before[1]];
    let n = 0;
    if (!points.length) {
      n = freeze ? next.filter((x) => !x).length : next.filter((x) => x).length;
      next[0] = next[1] = freeze;
    } else
      for (const p of points) {
        const i = MOUNTS.indexOf(p);
        if (i < 0) return fail(lvErr("OPERATION_INVALID", `Requested operation is not valid: mount point not found: ${p}`));
        if (next[i] !== freeze) {
          next[i] = freeze;
          n++;
        }
      }
    v.mutateDomain(r.dom, (d) => {
      d.frozen = next;
      return undefined;
    });
    v.print(freeze ? `Froze ${n} filesystem(s)\n` : `Thawed ${n} filesystem(s)\n`);
    return true;
  };
}

const domfstrim: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const min = optNum(v, o, "minimum", "ull");
  if (min === null) return false;
  const mp = optStr(v, o, "mountpoint");
  if (!mp) return false;
  const fail = (e: ReturnType<typeof lvErr>) => {
    v.lastError = e;
    v.error("Unable to invoke fstrim");
    return false;
  };
  if (readonlyDenies(v, "virDomainFSTrim")) return fail(v.lastError!);
  if (!D.isActive(r.dom)) return fail(notRunning());
  if (mp.value !== undefined && !MOUNTS.includes(mp.value)) return fail(lvErr("OPERATION_INVALID", `Requested operation is not valid: mount point not found: ${mp.value}`));
  return true;
};

// ---------------------------------------------------------------- domstats

/** virDomainState numbers and the reason numbers of each state, by the words virsh prints for them. */
const STATE_NUM: Record<string, number> = { nostate: 0, running: 1, blocked: 2, paused: 3, shutdown: 4, shutoff: 5, crashed: 6, pmsuspended: 7 };
const REASONS: Record<string, string[]> = {
  running: ["unknown", "booted", "migrated", "restored", "from snapshot", "unpaused", "migration canceled", "save canceled", "event wakeup", "crashed", "post-copy", "post-copy failed"],
  blocked: ["unknown"],
  paused: ["unknown", "user", "migrating", "saving", "dumping", "I/O error", "watchdog", "from snapshot", "shutting down", "creating snapshot", "crashed", "starting up", "post-copy", "post-copy failed", "api error"],
  shutdown: ["unknown", "user"],
  shutoff: ["unknown", "shutdown", "destroyed", "crashed", "migrated", "saved", "failed", "from snapshot", "daemon"],
  crashed: ["unknown", "panicked"],
  pmsuspended: ["unknown"],
  nostate: ["unknown"],
};

const STAT_GROUPS = ["state", "cpu-total", "balloon", "vcpu", "interface", "block", "perf", "iothread", "memory", "dirtyrate", "vm"];

/** testConnectGetAllDomainStats: the state group, and IOThreads of running guests. */
function statsRecord(d: Domain, groups: Set<string>): string {
  let s = `Domain: '${D.nameOf(d)}'\n`;
  if (groups.has("state")) {
    const reason = Math.max(0, (REASONS[d.state] ?? ["unknown"]).indexOf(d.reason));
    s += `  state.state=${STATE_NUM[d.state] ?? 0}\n  state.reason=${reason}\n`;
  }
  if (groups.has("iothread") && D.isActive(d)) {
    const ts = iothreadsOf(d.def);
    if (ts.length) {
      s += `  iothread.count=${ts.length}\n`;
      for (const t of ts) s += `  iothread.${t.id}.poll-max-ns=32768\n  iothread.${t.id}.poll-grow=0\n  iothread.${t.id}.poll-shrink=0\n`;
    }
  }
  return s;
}

const domstats: Handler = (v, o) => {
  const asked = STAT_GROUPS.filter((g) => o.has(g));
  const groups = new Set(asked.length ? asked : STAT_GROUPS);
  const names = o.argv("domain");
  let doms: Domain[];
  if (names.length) {
    doms = [];
    for (const n of names) {
      const d = v.lookupDomain(n);
      if (!d) {
        v.lastError = undefined;
        v.error(`failed to get domain '${n}'`);
        return false;
      }
      doms.push(d);
    }
  } else {
    const has = (f: string) => o.has(`list-${f}`);
    doms = v.conn.domains.filter((d) => {
      const active = D.isActive(d);
      if ((has("active") || has("inactive")) && !((has("active") && active) || (has("inactive") && !active))) return false;
      if ((has("persistent") || has("transient")) && !((has("persistent") && d.persistent) || (has("transient") && !d.persistent))) return false;
      const st = ["running", "paused", "shutoff", "other"].filter(has);
      if (st.length) {
        const k = d.state === "running" || d.state === "paused" || d.state === "shutoff" ? d.state : "other";
        if (!st.includes(k)) return false;
      }
      return true;
    });
  }
  v.print(doms.map((d) => statsRecord(d, groups)).join("\n"));
  return true;
};

// ---------------------------------------------------------------- perf

/** virPerfEvent, in the enum's order. */
const PERF_EVENTS = [
  "cmt", "mbmt", "mbml", "cpu_cycles", "instructions", "cache_references", "cache_misses", "branch_instructions", "branch_misses", "bus_cycles",
  "stalled_cycles_frontend", "stalled_cycles_backend", "ref_cpu_cycles", "cpu_clock", "task_clock", "page_faults", "context_switches",
  "cpu_migrations", "page_faults_min", "page_faults_maj", "alignment_faults", "emulation_faults",
];

const perfLine = (name: string, on: boolean) => `${name.padEnd(15)}: ${on ? "enabled" : "disabled"}\n`;

/** virDomainPerfDefFormat: <perf> with the events set either way, in enum order. */
function withPerf(def: XmlEl, changes: [string, boolean][]): XmlEl {
  const state = new Map(kids(child(def, "perf"), "event").map((e) => [e.attrs.name ?? "", e.attrs.enabled === "yes"]));
  for (const [n, b] of changes) state.set(n, b);
  const evs = PERF_EVENTS.filter((n) => state.has(n)).map((n) => el("event", { name: n, enabled: state.get(n) ? "yes" : "no" }));
  return setTop(def, "perf", evs.length ? el("perf", {}, evs) : undefined);
}

const perf: Handler = (v, o) => {
  const f = affectFlags(v, o);
  if (!f) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const params: [string, boolean][] = [];
  for (const [opt, on] of [["enable", true], ["disable", false]] as const) {
    const s = optStr(v, o, opt);
    if (!s) return false;
    if (s.value !== undefined) for (const n of s.value.split(",")) if (n !== "") params.push([n, on]);
  }
  const d = r.dom;
  if (!params.length) {
    const w = oneDef(d, f);
    if (typeof w !== "string") {
      v.lastError = w;
      v.error("Unable to get perf events");
      return false;
    }
    const on = new Set(kids(child(defOf(d, w), "perf"), "event").filter((e) => e.attrs.enabled === "yes").map((e) => e.attrs.name));
    v.print(PERF_EVENTS.map((n) => perfLine(n, on.has(n))).join(""));
    return true;
  }
  const fail = (e: ReturnType<typeof lvErr>) => {
    v.lastError = e;
    v.error("Unable to enable/disable perf events");
    return false;
  };
  if (readonlyDenies(v, "virDomainSetPerfEvents")) return fail(v.lastError!);
  // virTypedParamsValidate, then the one definition the flags pick
  const seen = new Set<string>();
  for (const [n] of params) {
    if (!PERF_EVENTS.includes(n)) return fail(lvErr("ARGUMENT_UNSUPPORTED", `argument unsupported: parameter '${n}' not supported`));
    if (seen.has(n)) return fail(lvErr("INVALID_ARG", `invalid argument: parameter '${n}' occurs multiple times`));
    seen.add(n);
  }
  const w = oneDef(d, f);
  if (typeof w !== "string") return fail(w);
  v.mutateDomain(d, (dd) => {
    putDef(dd, w, (def) => withPerf(def, params));
    return undefined;
  });
  v.print(params.map(([n, b]) => perfLine(n, b)).join(""));
  return true;
};

// ---------------------------------------------------------------- lifecycle actions

const LIFECYCLE_TYPES = ["poweroff", "reboot", "crash"];
const LIFECYCLE_ACTIONS = ["destroy", "restart", "rename-restart", "preserve", "coredump-destroy", "coredump-restart"];

const setLifecycleAction: Handler = (v, o) => {
  const f = affectFlags(v, o);
  if (!f) return false;
  const type = o.raw("type")!;
  const action = o.raw("action")!;
  if (!LIFECYCLE_TYPES.includes(type)) {
    v.error(`Invalid lifecycle type '${type}'.`);
    return false;
  }
  if (!LIFECYCLE_ACTIONS.includes(action)) {
    v.error(`Invalid lifecycle action '${action}'.`);
    return false;
  }
  const r = optDomain(v, o);
  if (!r) return false;
  const fail = (e: ReturnType<typeof lvErr>) => {
    v.lastError = e;
    v.error("Unable to change lifecycle action.");
    return false;
  };
  if (readonlyDenies(v, "virDomainSetLifecycleAction")) return fail(v.lastError!);
  // virDomainDefLifecycleActionAllowed: core dumps only on a crash
  if (type !== "crash" && action.startsWith("coredump-")) return fail(lvErr("CONFIG_UNSUPPORTED", `unsupported configuration: Lifecycle event '${type}' doesn't support '${action}' action`));
  const ws = bothDefs(r.dom, f);
  if (!Array.isArray(ws)) return fail(ws);
  const tag = `on_${type}`;
  v.mutateDomain(r.dom, (d) => {
    for (const w of ws) putDef(d, w, (def) => setTop(def, tag, el(tag, {}, [action])));
    return undefined;
  });
  return true;
};

// ---------------------------------------------------------------- guest agent style calls

/** virDomainProcessSignal names, by number. */
const SIGNALS = [
  "nop", "hup", "int", "quit", "ill", "trap", "abrt", "bus", "fpe", "kill", "usr1", "segv", "usr2", "pipe", "alrm", "term", "stkflt", "chld", "cont",
  "stop", "tstp", "ttin", "ttou", "urg", "xcpu", "xfsz", "vtalrm", "prof", "winch", "poll", "pwr", "sys",
  ...Array.from({ length: 33 }, (_, i) => `rt${i}`),
];

/** virsh's getSignalNumber: a number, or a name with an optional SIG/SIG_ prefix, any case. */
function signalNumber(s: string): number {
  const low = s.toLowerCase();
  if (/^[ \t\n]*[+-]?\d+$/.test(low)) {
    const n = Number(low.trim());
    return n >= -2147483648 && n <= 2147483647 ? n : -1;
  }
  const name = low.startsWith("sig_") ? low.slice(4) : low.startsWith("sig") ? low.slice(3) : low;
  return SIGNALS.indexOf(name);
}

const sendProcessSignal: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const pid = optNum(v, o, "pid", "ll");
  if (pid === null || pid === undefined) return false;
  const signame = o.raw("signame")!;
  const signum = signalNumber(signame);
  if (signum < 0) {
    v.error(`malformed signal name: ${signame}`);
    return false;
  }
  if (readonlyDenies(v, "virDomainSendProcessSignal")) return false;
  if (pid !== 1) return v.fail(lvErr("INVALID_ARG", "invalid argument: only sending a signal to pid 1 is supported"));
  if (signum >= SIGNALS.length) return v.fail(lvErr("INVALID_ARG", `invalid argument: signum value ${signum} is out of range`));
  return true;
};

const setUserPassword: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const user = o.raw("user")!;
  if (readonlyDenies(v, "virDomainSetUserPassword")) return false;
  if (!D.isActive(r.dom)) return v.fail(notRunning());
  v.printExtra(`Password set successfully for ${user} in ${r.name}`);
  return true;
};

const setUserSshkeys: Handler = (v, o) => {
  if (!requires(v, o, "remove", "file") || !exclusive(v, o, "reset", "remove")) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const file = optStr(v, o, "file");
  if (!file) return false;
  // without a file the keys would be read from nowhere: only --reset may go without one
  if (file.value === undefined && !o.has("reset")) {
    v.error("Option --file is required");
    return false;
  }
  if (file.value !== undefined && readXmlFile(v, file.value) === undefined) return false;
  if (readonlyDenies(v, "virDomainAuthorizedSSHKeysSet")) return false;
  return v.fail(noSupport("virDomainAuthorizedSSHKeysSet"));
};

const domlaunchsecinfo: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  if (isTest(v)) {
    // virsh asks with VIR_TYPED_PARAM_STRING_OKAY, a flag testDomainGetLaunchSecurityInfo refuses
    v.lastError = unsupportedFlags(4, "testDomainGetLaunchSecurityInfo");
    v.error("Unable to get launch security parameters");
    return false;
  }
  return true;
};

/** update-memory-device: virsh finds the one virtio-mem/virtio-pmem device itself before updating it. */
const updateMemoryDevice: Handler = (v, o) => {
  const f = affectFlags(v, o);
  if (!f) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const alias = optStr(v, o, "alias");
  if (!alias) return false;
  const node = optNum(v, o, "node", "int");
  if (node === null) return false;
  const def = f.config || !D.isActive(r.dom) ? D.persistentDef(r.dom) : r.dom.def;
  const mems = kids(child(def, "devices"), "memory").filter((m) => {
    if (alias.value !== undefined && child(m, "alias")?.attrs.name !== alias.value) return false;
    if (node !== undefined && childText(child(m, "target"), "node")?.trim() !== String(node)) return false;
    return true;
  });
  if (!mems.length) {
    v.error("no memory device found");
    return false;
  }
  if (mems.length > 1) {
    v.error("multiple memory devices found, use --alias or --node to select one");
    return false;
  }
  return v.fail(noSupport("virDomainUpdateDeviceFlags"));
};

export const GUEST_HANDLERS: Record<string, Handler> = {
  "cpu-stats": cpuStats,
  domfsfreeze: fsFreezeThaw(true),
  domfsthaw: fsFreezeThaw(false),
  domfstrim,
  domstats,
  perf,
  "set-lifecycle-action": setLifecycleAction,
  "send-process-signal": sendProcessSignal,
  "set-user-password": setUserPassword,
  "set-user-sshkeys": setUserSshkeys,
  domlaunchsecinfo,
  "update-memory-device": updateMemoryDevice,
};
