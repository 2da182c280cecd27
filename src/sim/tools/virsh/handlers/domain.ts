// virsh domain commands: listing, lifecycle, define/undefine/create, XML, memory and vCPUs, save/restore.
import * as D from "../../../model/libvirt/domains";
import { curMemKiB, curVcpus, disksOf, domDescription, domName, domTitle, ifacesOf, maxMemKiB, maxVcpus, osTypeOf, parseDomainXml, withName, withTextEl } from "../../../model/libvirt/domain-xml";
import { lvErr, type Domain, type LibvirtConn } from "../../../model/libvirt/types";
import { child, el, formatXml, kids, parseXml, type XmlEl } from "../../../model/libvirt/xml";
import { xpathDump } from "../xpath";
import { reedit } from "./snapshot";
import { affectFlags, cpuListArg, exclusive, noSupport, optDomain, optNum, optScaled, optStr, readXmlFile, requires, unsupportedFlags, type Handler } from "../common";
import { caseSort, cpuMapString, formatCpuList, kv, parseCpuList, table } from "../format";
import type { Opts } from "../parse";
import type { Virsh } from "../runtime";
import { startPreflight } from "../../../model/libvirt/preflight";

const isTest = (v: Virsh) => v.conn.driver === "test";

export function defContext(v: Virsh) {
  return { driver: v.conn.driver, uuid: v.freshUuid, mac: v.freshMac, ifnames: v.conn.driver === "test" };
}

/** The domain XML as virDomainGetXMLDesc gives it (id attribute while running, security label on real hosts). */
export function domainXml(v: Virsh, d: Domain, inactive: boolean, conn: LibvirtConn = v.conn): XmlEl {
  const def = inactive ? D.persistentDef(d) : d.def;
  const running = !inactive && d.state !== "shutoff";
  let x: XmlEl = running ? { ...def, attrs: { type: def.attrs.type!, id: String(d.id) } } : def;
  if (running && conn.driver === "qemu")
    x = {
      ...x,
      children: [
        ...x.children,
        { name: "seclabel", attrs: { type: "dynamic", model: "apparmor", relabel: "yes" }, children: [{ name: "label", attrs: {}, children: [`libvirt-${d.uuid}`] }, { name: "imagelabel", attrs: {}, children: [`libvirt-${d.uuid}`] }] },
        { name: "seclabel", attrs: { type: "dynamic", model: "dac", relabel: "yes" }, children: [{ name: "label", attrs: {}, children: ["+64055:+994"] }, { name: "imagelabel", attrs: {}, children: ["+64055:+994"] }] },
      ],
    };
  return x;
}

function cpuTimeSec(v: Virsh, d: Domain): number {
  if (isTest(v)) return Math.floor(v.now / 100) / 10;
  if (d.state === "shutoff" || d.startedAt === undefined) return 0;
  return Math.max(0, (v.now - d.startedAt) / 1000) * 0.35 * D.liveVcpus(d) + 4.2;
}

// ---------------------------------------------------------------- list and info

const list: Handler = (v, o) => {
  for (const [a, b] of [["table", "name"], ["table", "uuid"], ["table", "id"]] as const) if (!exclusive(v, o, a, b)) return false;
  let active = true;
  let inactive = false;
  if (o.has("inactive") || o.has("state-shutoff")) {
    active = false;
    inactive = true;
  }
  if (o.has("all")) active = inactive = true;
  const st = ["state-running", "state-paused", "state-shutoff", "state-other"].filter((s) => o.has(s));
  let doms = v.conn.domains.filter((d) => (D.isActive(d) ? active : inactive));
  if (o.has("persistent") && !o.has("transient")) doms = doms.filter((d) => d.persistent);
  if (o.has("transient") && !o.has("persistent")) doms = doms.filter((d) => !d.persistent);
  if (o.has("with-managed-save") !== o.has("without-managed-save")) doms = doms.filter((d) => d.managedSave === o.has("with-managed-save"));
  if (o.has("autostart") !== o.has("no-autostart")) doms = doms.filter((d) => d.autostart === o.has("autostart"));
  if (o.has("with-snapshot") !== o.has("without-snapshot")) doms = doms.filter((d) => d.snapshots.length > 0 === o.has("with-snapshot"));
  if (o.has("without-checkpoint") && !o.has("with-checkpoint")) doms = doms.filter(() => true);
  if (o.has("with-checkpoint") && !o.has("without-checkpoint")) doms = [];
  if (st.length) {
    doms = doms.filter(
      (d) =>
        (o.has("state-running") && d.state === "running") ||
        (o.has("state-paused") && d.state === "paused") ||
        (o.has("state-shutoff") && d.state === "shutoff") ||
        (o.has("state-other") && !["running", "paused", "shutoff"].includes(d.state)),
    );
  }
  doms = [...doms].sort((a, b) => {
    const ai = D.isActive(a);
    const bi = D.isActive(b);
    if (ai && bi) return a.id - b.id;
    if (!ai && !bi) return caseSort(D.nameOf(a), D.nameOf(b));
    return ai ? -1 : 1;
  });
  const optUuid = o.has("uuid");
  const optName = o.has("name");
  const optId = o.has("id");
  if (!optUuid && !optName && !optId) {
    const title = o.has("title");
    const rows = doms.map((d) => {
      const state = o.has("managed-save") && d.state === "shutoff" && d.managedSave ? "saved" : D.STATE_NAMES[d.state];
      const r = [D.isActive(d) ? String(d.id) : "-", D.nameOf(d), state];
      if (title) r.push((domTitle(d.def) ?? "").split("\n")[0]!);
      return r;
    });
    v.print(table(title ? ["Id", "Name", "State", "Title"] : ["Id", "Name", "State"], rows, !v.quiet));
    return true;
  }
  for (const d of doms) {
    let sep = "";
    let line = "";
    if (optUuid) {
      line += d.uuid;
      sep = " ";
    }
    if (optId) {
      if (!D.isActive(d) && !optUuid && !optName) continue;
      line += sep + (D.isActive(d) ? String(d.id) : "-");
      sep = " ";
    }
    if (optName) line += sep + D.nameOf(d);
    v.print(line + "\n");
  }
  return true;
};

function secModel(v: Virsh): { model: string; doi: string } | undefined {
  if (v.conn.driver === "test") return { model: "testSecurity", doi: "" };
  if (v.conn.driver === "qemu") return { model: "apparmor", doi: "0" };
  return undefined;
}

const dominfo: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const d = r.dom;
  let s = kv("Id:", D.isActive(d) ? String(d.id) : "-");
  s += kv("Name:", D.nameOf(d));
  s += kv("UUID:", d.uuid);
  s += kv("OS Type:", isTest(v) ? "linux" : osTypeOf(d.def));
  s += kv("State:", D.STATE_NAMES[d.state]);
  s += kv("CPU(s):", String(D.isActive(d) ? D.liveVcpus(d) : curVcpus(d.def)));
  const t = cpuTimeSec(v, d);
  if (t !== 0) s += kv("CPU time:", `${t.toFixed(1)}s`);
  s += kv("Max memory:", `${maxMemKiB(d.def)} KiB`);
  s += kv("Used memory:", `${curMemKiB(d.def)} KiB`);
  s += kv("Persistent:", d.persistent ? "yes" : "no");
  s += kv("Autostart:", d.autostart ? "enable" : "disable");
  s += kv("Managed save:", d.managedSave ? "yes" : "no");
  const sec = secModel(v);
  if (sec) {
    s += kv("Security model:", sec.model);
    s += kv("Security DOI:", sec.doi);
    if (D.isActive(d)) s += kv("Security label:", `${isTest(v) ? "libvirt-test" : `libvirt-${d.uuid}`} (enforcing)`);
  }
  (d.messages ?? []).forEach((m, i) => (s += kv(i === 0 ? "Messages:" : "", m)));
  v.print(s);
  return true;
};

const domstate: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  v.print(o.has("reason") ? `${D.STATE_NAMES[r.dom.state]} (${r.dom.reason})\n` : `${D.STATE_NAMES[r.dom.state]}\n`);
  return true;
};

const domid: Handler = (v, o) => {
  const r = optDomain(v, o, "domain", { name: true, uuid: true });
  if (!r) return false;
  v.print(D.isActive(r.dom) ? `${r.dom.id}\n` : "-\n");
  return true;
};

const domname: Handler = (v, o) => {
  const r = optDomain(v, o, "domain", { id: true, uuid: true });
  if (!r) return false;
  v.print(`${D.nameOf(r.dom)}\n`);
  return true;
};

const domuuid: Handler = (v, o) => {
  const r = optDomain(v, o, "domain", { id: true, name: true });
  if (!r) return false;
  v.print(`${r.dom.uuid}\n`);
  return true;
};

// ---------------------------------------------------------------- lifecycle

function readonlyGuard(v: Virsh, api: string): boolean {
  if (v.readonly) {
    v.lastError = lvErr("OPERATION_DENIED", `operation forbidden: read only access prevents ${api}`);
    return false;
  }
  return true;
}

const start: Handler = (v, o) => {
  // cmdStart looks the domain up by name or UUID only
  const r = optDomain(v, o, "domain", { uuid: true, name: true });
  if (!r) return false;
  const d = r.dom;
  if (D.isActive(d)) {
    v.error("Domain is already active");
    return false;
  }
  const name = D.nameOf(d);
  // VIR_DOMAIN_START_PAUSED 1, AUTODESTROY 2, BYPASS_CACHE 4, FORCE_BOOT 8, RESET_NVRAM 32; the test driver takes FORCE_BOOT only
  const flags = (o.has("paused") ? 1 : 0) | (o.has("autodestroy") ? 2 : 0) | (o.has("bypass-cache") ? 4 : 0) | (o.has("reset-nvram") ? 32 : 0);
  if (!readonlyGuard(v, "virDomainCreate")) {
    v.error(`Failed to start domain '${name}'`);
    return false;
  }
  if (isTest(v) && flags) {
    v.lastError = unsupportedFlags(flags, "testDomainCreateWithFlags");
    v.error(`Failed to start domain '${name}'`);
    return false;
  }
  const e = v.mutateDomain(d, (dd, c, fs) => {
    const err = startPreflight(c, dd, fs) ?? D.startDomain(c, dd, v.now, o.has("force-boot"));
    if (err) return err;
    if (o.has("paused")) D.setState(dd, "paused", "user");
    return undefined;
  });
  if (e) {
    v.lastError = e;
    v.error(`Failed to start domain '${name}'`);
    return false;
  }
  if (!isTest(v)) logStart(v, d);
  v.printExtra(`Domain '${name}' started\n`);
  if (o.has("console")) {
    const now = v.lookupDomain(d.uuid);
    if (!now || !consoleReady(v, now)) return false;
    if (isTest(v)) return v.fail(noSupport("virDomainOpenConsole"));
  }
  return true;
};

/** QEMU writes a line to /var/log/libvirt/qemu/NAME.log for each start. */
function logStart(v: Virsh, d: Domain) {
  const name = D.nameOf(d);
  const stamp = new Date(v.now).toISOString().replace("Z", "+0000");
  v.mutate((_c, fs) => {
    if (!fs) return undefined;
    const path = `/var/log/libvirt/qemu/${name}.log`;
    if (!fs["/var/log/libvirt/qemu"]) {
      fs["/var/log/libvirt"] ??= { kind: "dir", mode: 0o755, owner: "root", group: "root", mtime: Math.floor(v.now / 1000) };
      fs["/var/log/libvirt/qemu"] = { kind: "dir", mode: 0o750, owner: "root", group: "root", mtime: Math.floor(v.now / 1000) };
    }
    const prev = fs[path];
    const text = `${stamp}: starting up libvirt version: 9.0.0, package: 9.0.0-4+deb12u2 (Debian), qemu version: 7.2.0Debian 1:7.2+dfsg-7+deb12u7, kernel: 6.1.0-28-amd64, hostname: ${v.world.hosts[v.hostName]?.hostname ?? ""}\nLC_ALL=C \\\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\\n/usr/bin/qemu-system-x86_64 \\\n-name guest=${name},debug-threads=on \\\n-machine pc-q35-7.2,usb=off,dump-guest-core=off \\\n-accel kvm \\\n-m ${Math.round(maxMemKiB(d.def) / 1024)} \\\n-smp ${curVcpus(d.def)},sockets=${maxVcpus(d.def)},cores=1,threads=1 \\\n-uuid ${d.uuid} \\\n-no-user-config \\\n-nodefaults\nchar device redirected to /dev/pts/${d.id + 1} (label charserial0)\n`;
    fs[path] = { kind: "file", mode: 0o600, owner: "root", group: "root", mtime: Math.floor(v.now / 1000), content: (prev && prev.kind === "file" ? prev.content : "") + text };
    return undefined;
  });
}

function simpleAction(api: string, failMsg: (n: string) => string, okMsg: (n: string) => string, act: (v: Virsh, d: Domain, c: LibvirtConn, o: Opts) => ReturnType<typeof D.destroyDomain>, testFlags?: (o: Opts) => [number, string]): Handler {
  return (v, o) => {
    const r = optDomain(v, o);
    if (!r) return false;
    if (!readonlyGuard(v, api)) {
      v.error(failMsg(r.name));
      return false;
    }
    if (isTest(v) && testFlags) {
      const [flags, fn] = testFlags(o);
      if (flags) {
        v.lastError = unsupportedFlags(flags, fn);
        v.error(failMsg(r.name));
        return false;
      }
    }
    const e = v.mutateDomain(r.dom, (d, c) => act(v, d, c, o));
    if (e) {
      v.lastError = e;
      v.error(failMsg(r.name));
      return false;
    }
    v.printExtra(okMsg(r.name));
    return true;
  };
}

const SHUTDOWN_MODES: Record<string, number> = { acpi: 1, agent: 2, initctl: 4, signal: 8, paravirt: 16 };

function modeFlags(v: Virsh, o: Opts): number | null {
  const m = o.raw("mode");
  if (m === undefined) return 0;
  let f = 0;
  for (const part of m.split(",")) {
    if (!(part in SHUTDOWN_MODES)) {
      v.error(`Unknown mode ${part} value, expecting 'acpi', 'agent', 'initctl', 'signal', or 'paravirt'`);
      return null;
    }
    f |= SHUTDOWN_MODES[part]!;
  }
  return f;
}

const shutdown: Handler = (v, o) => {
  const f = modeFlags(v, o);
  if (f === null) return false;
  return simpleAction(
    "virDomainShutdown",
    (n) => `Failed to shutdown domain '${n}'`,
    (n) => `Domain '${n}' is being shutdown\n`,
    (vv, d, c) => {
      if (vv.conn.driver === "test") return D.shutdownDomain(c, d);
      if (d.state === "shutoff") return lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running");
      // a real guest powers off a moment later; the simulation completes it at once but reports it as a shutdown
      return D.shutdownDomain(c, d);
    },
    () => [f, "testDomainShutdownFlags"],
  )(v, o);
};

const reboot: Handler = (v, o) => {
  const f = modeFlags(v, o);
  if (f === null) return false;
  return simpleAction("virDomainReboot", (n) => `Failed to reboot domain '${n}'`, (n) => `Domain '${n}' is being rebooted\n`, (_vv, d, c) => D.rebootDomain(c, d))(v, o);
};

const reset = simpleAction("virDomainReset", (n) => `Failed to reset domain '${n}'`, (n) => `Domain '${n}' was reset\n`, (_vv, d) => (D.isActive(d) ? undefined : lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running")));
const destroy = simpleAction("virDomainDestroy", (n) => `Failed to destroy domain '${n}'`, (n) => `Domain '${n}' destroyed\n`, (_vv, d, c) => D.destroyDomain(c, d));
const suspend = simpleAction("virDomainSuspend", (n) => `Failed to suspend domain '${n}'`, (n) => `Domain '${n}' suspended\n`, (vv, d) => D.suspendDomain(d, vv.conn.driver));
const resume = simpleAction("virDomainResume", (n) => `Failed to resume domain '${n}'`, (n) => `Domain '${n}' resumed\n`, (vv, d) => D.resumeDomain(d, vv.conn.driver));

// ---------------------------------------------------------------- define, create, undefine

const define: Handler = (v, o) => {
  const file = optStr(v, o, "file");
  if (!file || file.value === undefined) return false;
  const text = readXmlFile(v, file.value);
  if (text === undefined) return false;
  if (!readonlyGuard(v, "virDomainDefineXML")) {
    v.error(`Failed to define domain from ${file.value}`);
    return false;
  }
  const def = parseDomainXml(text, defContext(v), "domain_definition", o.has("validate"));
  const res = "code" in def ? def : v.mutate((c) => D.defineDomain(c, def));
  if ("code" in res) {
    v.lastError = res;
    v.error(`Failed to define domain from ${file.value}`);
    return false;
  }
  v.printExtra(`Domain '${domName(res.def)}' defined from ${file.value}\n`);
  return true;
};

const create: Handler = (v, o) => {
  const file = optStr(v, o, "file");
  if (!file || file.value === undefined) return false;
  const text = readXmlFile(v, file.value);
  if (text === undefined) return false;
  if (isTest(v) && (o.has("paused") || o.has("autodestroy") || o.has("validate") || o.has("reset-nvram"))) {
    const flags = (o.has("paused") ? 1 : 0) | (o.has("autodestroy") ? 2 : 0) | (o.has("validate") ? 4 : 0) | (o.has("reset-nvram") ? 16 : 0);
    v.lastError = unsupportedFlags(flags, "testDomainCreateXML");
    v.error(`Failed to create domain from ${file.value}`);
    return false;
  }
  const def = parseDomainXml(text, defContext(v));
  const res = "code" in def ? def : v.mutate((c) => D.createDomain(c, def, v.now, o.has("paused")));
  if ("code" in res) {
    v.lastError = res;
    v.error(`Failed to create domain from ${file.value}`);
    return false;
  }
  if (!isTest(v)) logStart(v, res);
  v.printExtra(`Domain '${domName(res.def)}' created from ${file.value}\n`);
  return true;
};

const undefine: Handler = (v, o) => {
  if (!requires(v, o, "delete-storage-volume-snapshots", "remove-all-storage")) return false;
  if (!exclusive(v, o, "nvram", "keep-nvram") || !exclusive(v, o, "tpm", "keep-tpm")) return false;
  const storage = o.strQuiet("storage");
  const removeAll = o.has("remove-all-storage");
  if (!(storage || removeAll) && o.has("wipe-storage")) {
    v.error("'--wipe-storage' requires '--storage <string>' or '--remove-all-storage'");
    return false;
  }
  const r = optDomain(v, o);
  if (!r) return false;
  const d = r.dom;
  const vols: { target: string; source: string }[] = [];
  if (storage || removeAll) {
    if (D.isActive(d)) {
      v.error("Storage volume deletion is supported only on stopped domains");
      return false;
    }
    if (storage && removeAll) {
      v.error("Specified both --storage and --remove-all-storage");
      return false;
    }
    const wanted = storage ? storage.split(",") : undefined;
    const left = new Set(wanted);
    for (const disk of disksOf(d.def)) {
      if (!disk.source) continue;
      if (wanted) {
        const hit = wanted.find((w) => w === disk.target || w === disk.source);
        if (!hit) continue;
        left.delete(hit);
      }
      const owned = v.conn.pools.some((p) => p.active && p.volumes.some((x) => x.path === disk.source));
      if (!owned) {
        v.error(`Storage volume '${disk.target}'(${disk.source}) is not managed by libvirt. Remove it manually.\n`);
        continue;
      }
      vols.push({ target: disk.target, source: disk.source });
    }
    if (left.size) {
      for (const l of left) v.error(`Volume '${l}' was not found in domain's definition.\n`);
      return false;
    }
  }
  // VIR_DOMAIN_UNDEFINE_NVRAM (4), KEEP_NVRAM (8), TPM (32) and KEEP_TPM (64) are beyond the test driver. virsh
  // then falls back to the old virDomainUndefine, except for --nvram, which it will not drop silently
  const noFlags = (o.has("nvram") ? 4 : 0) | (o.has("keep-nvram") ? 8 : 0) | (o.has("tpm") ? 32 : 0) | (o.has("keep-tpm") ? 64 : 0);
  if (isTest(v) && noFlags && !o.has("nvram")) {
    if (o.has("snapshots-metadata") && d.snapshots.length) {
      v.error(`Unable to remove metadata of ${d.snapshots.length} snapshots`);
      return false;
    }
  } else if (isTest(v) && noFlags) {
    const all = noFlags | (o.has("managed-save") ? 1 : 0) | (o.has("snapshots-metadata") ? 2 : 0) | (o.has("keep-nvram") ? 8 : 0) | (o.has("checkpoints-metadata") ? 16 : 0);
    v.lastError = unsupportedFlags(all, "testDomainUndefineFlags");
    v.error(`Failed to undefine domain '${r.name}'`);
    return false;
  }
  if (!D.isActive(d) && d.managedSave && !o.has("managed-save")) {
    v.error("Refusing to undefine while domain managed save image exists");
    return false;
  }
  const e = v.mutateDomain(d, (dd, c) => D.undefineDomain(c, dd, { managedSave: o.has("managed-save"), snapshotsMetadata: o.has("snapshots-metadata") }));
  if (e) {
    v.lastError = e;
    v.error(`Failed to undefine domain '${r.name}'`);
    return false;
  }
  v.printExtra(`Domain '${r.name}' has been undefined\n`);
  for (const vol of vols) {
    const gone = v.mutate((c, fs) => {
      const p = c.pools.find((pp) => pp.volumes.some((x) => x.path === vol.source))!;
      const x = p.volumes.find((xx) => xx.path === vol.source)!;
      if (fs && fs[vol.source]) delete fs[vol.source];
      p.volumes = p.volumes.filter((y) => y !== x);
      p.allocation -= x.allocation;
      p.available += x.allocation;
      return undefined;
    });
    void gone;
    v.printExtra(`Volume '${vol.target}'(${vol.source}) removed.\n`);
  }
  return true;
};

const autostart: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const disable = o.has("disable");
  if (!r.dom.persistent && !isTest(v)) {
    v.lastError = lvErr("OPERATION_INVALID", "Requested operation is not valid: cannot set autostart for transient domain");
    v.error(disable ? `Failed to unmark domain '${r.name}' as autostarted` : `Failed to mark domain '${r.name}' as autostarted`);
    return false;
  }
  v.mutateDomain(r.dom, (d) => {
    d.autostart = !disable;
    return undefined;
  });
  v.printExtra(disable ? `Domain '${r.name}' unmarked as autostarted\n` : `Domain '${r.name}' marked as autostarted\n`);
  return true;
};

// ---------------------------------------------------------------- XML

const dumpxml: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  // testDomainGetXMLDesc takes VIR_DOMAIN_XML_COMMON_FLAGS (SECURE, INACTIVE, MIGRATABLE) only
  if (isTest(v) && o.has("update-cpu")) return v.fail(unsupportedFlags(4 | (o.has("security-info") ? 1 : 0) | (o.has("inactive") ? 2 : 0) | (o.has("migratable") ? 8 : 0), "testDomainGetXMLDesc"));
  const x = domainXml(v, r.dom, o.has("inactive"));
  const xp = o.strQuiet("xpath");
  if (xp !== undefined) return xpathDump(v, formatXml(x), xp, o.has("wrap"));
  v.print(formatXml(x));
  return true;
};

/** `edit`: hand the XML to the learner's editor; define what comes back. */
const edit: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const text = formatXml(domainXml(v, r.dom, true));
  v.editRequest = {
    suffix: ".xml",
    content: text,
    apply: (edited) => {
      if (edited === text) {
        v.printExtra(`Domain '${D.nameOf(r.dom)}' XML configuration not changed.\n`);
        return true;
      }
      const def = parseDomainXml(edited, defContext(v));
      const res = "code" in def ? def : v.mutate((c) => D.defineDomain(c, def));
      if ("code" in res) {
        v.lastError = res;
        // without a terminal virsh carries on as if the definition had worked (libvirt 9.0 prints a null name)
        return reedit(v, "Failed.", true, () => undefined, () => {
          v.printExtra("Domain '(null)' XML configuration edited.\n");
          return true;
        });
      }
      v.printExtra(`Domain '${domName(res.def)}' XML configuration edited.\n`);
      return true;
    },
  };
  return true;
};

// ---------------------------------------------------------------- save and restore

const SAVE_MAGIC = "LibvirtQemudSave";
/** testDomainSaveImageWrite: "TestGuestMagic" with its NUL, the XML length as a 4-byte int, then the XML. */
const TEST_SAVE_MAGIC = "TestGuestMagic\0";

/** The definition a save image keeps: the live XML, without the runtime id. */
function savedXml(v: Virsh, d: Domain): string {
  const x = domainXml(v, d, false);
  return formatXml({ ...x, attrs: { type: x.attrs.type! } });
}

function saveImageText(v: Virsh, xml: string, paused: boolean): string {
  if (!isTest(v)) return `${SAVE_MAGIC}\n${paused ? "paused" : "running"}\n${xml}`;
  const n = Buffer.byteLength(xml, "utf8");
  return TEST_SAVE_MAGIC + String.fromCharCode(n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255) + xml;
}

/** testDomainSaveImageOpen (and the QEMU header check): the stored definition, or libvirt's error. */
function openSaveImage(v: Virsh, file: string): { xml: string; paused: boolean } | ReturnType<typeof lvErr> {
  const abs = v.absPath(file);
  const rd = v.readLocalFile(file);
  if ("errno" in rd) return lvErr("SYSTEM_ERROR", `cannot read domain image '${abs}': ${rd.errno}`);
  const t = rd.text;
  if (!isTest(v)) {
    if (!t.startsWith(SAVE_MAGIC + "\n")) return lvErr("INTERNAL_ERROR", "internal error: mismatched header magic");
    const lines = t.split("\n");
    return { xml: lines.slice(2).join("\n"), paused: lines[1] === "paused" };
  }
  const bytes = Buffer.from(t, "latin1");
  if (Buffer.byteLength(t, "utf8") < TEST_SAVE_MAGIC.length) return lvErr("SYSTEM_ERROR", `incomplete save header in '${abs}': Success`);
  if (!t.startsWith(TEST_SAVE_MAGIC)) return lvErr("INTERNAL_ERROR", "internal error: mismatched header magic");
  if (t.length < TEST_SAVE_MAGIC.length + 4) return lvErr("SYSTEM_ERROR", `failed to read metadata length in '${abs}': Success`);
  const len = bytes.readInt32LE(TEST_SAVE_MAGIC.length);
  if (len < 1 || len > 8192) return lvErr("INTERNAL_ERROR", "internal error: length of metadata out of range");
  const xml = t.slice(TEST_SAVE_MAGIC.length + 4);
  if (Buffer.byteLength(xml, "utf8") < len) return lvErr("SYSTEM_ERROR", `incomplete metadata in '${abs}': Success`);
  return { xml, paused: false };
}

const SAVE_FLAGS = (o: Opts) => (o.has("bypass-cache") ? 1 : 0) | (o.has("running") ? 2 : 0) | (o.has("paused") ? 4 : 0);

/** --xml FILE of save/restore: virsh reads it before calling libvirt. */
function xmlOption(v: Virsh, o: Opts): { text?: string } | undefined {
  const x = optStr(v, o, "xml");
  if (!x) return undefined;
  if (x.value === undefined) return {};
  const t = readXmlFile(v, x.value);
  return t === undefined ? undefined : { text: t };
}

const save: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const file = o.raw("file")!;
  const xo = xmlOption(v, o);
  if (!xo) return false;
  const fail = () => {
    v.error(`Failed to save domain '${r.name}' to ${file}`);
    return false;
  };
  if (isTest(v) && SAVE_FLAGS(o)) {
    v.lastError = unsupportedFlags(SAVE_FLAGS(o), "testDomainSaveFlags");
    return fail();
  }
  if (isTest(v) && xo.text !== undefined) {
    v.lastError = lvErr("ARGUMENT_UNSUPPORTED", "argument unsupported: xml modification unsupported");
    return fail();
  }
  if (!D.isActive(r.dom)) {
    v.lastError = lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running");
    return fail();
  }
  const paused = (r.dom.state === "paused" && !o.has("running")) || o.has("paused");
  v.writeLocalFile(file, saveImageText(v, xo.text ?? savedXml(v, r.dom), paused));
  v.mutateDomain(r.dom, (d, c) => D.shutoffState(c, d, "saved"));
  // virshWatchJob's progress line
  if (o.has("verbose")) v.out.push({ fd: 2, text: "\rSave: [100 %]" });
  v.printExtra(`\nDomain '${r.name}' saved to ${file}\n`);
  return true;
};

const restore: Handler = (v, o) => {
  const file = o.raw("file")!;
  const xo = xmlOption(v, o);
  if (!xo) return false;
  const fail = () => {
    v.error(`Failed to restore domain from ${file}`);
    return false;
  };
  const flags = SAVE_FLAGS(o) | (o.has("reset-nvram") ? 8 : 0);
  if (isTest(v) && flags) {
    v.lastError = unsupportedFlags(flags, "testDomainRestoreFlags");
    return fail();
  }
  if (isTest(v) && xo.text !== undefined) {
    v.lastError = lvErr("ARGUMENT_UNSUPPORTED", "argument unsupported: xml modification unsupported");
    return fail();
  }
  const img = openSaveImage(v, file);
  if ("code" in img) {
    v.lastError = img;
    return fail();
  }
  const def = parseDomainXml(xo.text ?? img.xml, defContext(v));
  if ("code" in def) {
    v.lastError = def;
    return fail();
  }
  const res = v.mutate((c) => {
    const name = domName(def);
    const uuid = def.children.find((k): k is XmlEl => typeof k === "object" && k.name === "uuid")?.children.join("");
    const byUuid = c.domains.find((d) => d.uuid === uuid);
    if (byUuid && D.nameOf(byUuid) !== name) return lvErr("OPERATION_FAILED", `operation failed: domain '${D.nameOf(byUuid)}' is already defined with uuid ${uuid}`);
    const existing = byUuid ?? c.domains.find((d) => D.nameOf(d) === name);
    if (existing && existing.uuid !== uuid) return lvErr("OPERATION_FAILED", `operation failed: domain '${name}' already exists with uuid ${existing.uuid}`);
    if (existing && D.isActive(existing)) return lvErr("OPERATION_INVALID", `Requested operation is not valid: domain '${name}' is already active`);
    let d = existing;
    if (!d) {
      const made = D.createDomain(c, def, v.now, false);
      if ("code" in made) return made;
      d = made;
      D.setState(d, "running", "restored");
    } else {
      if (d.persistent) d.newDef = D.persistentDef(d);
      d.def = def;
      D.startState(c, d, "restored", v.now);
    }
    if ((img.paused && !o.has("running")) || o.has("paused")) D.setState(d, "paused", "saved");
    return d;
  });
  if ("code" in res) {
    v.lastError = res;
    return fail();
  }
  v.printExtra(`Domain restored from ${file}\n`);
  return true;
};

const saveImageDumpxml: Handler = (v, o) => {
  const file = o.raw("file")!;
  const img = openSaveImage(v, file);
  if ("code" in img) return v.fail(img);
  const xp = o.strQuiet("xpath");
  if (xp !== undefined) return xpathDump(v, img.xml, xp, o.has("wrap"));
  v.print(img.xml);
  return true;
};

const saveImageDefine: Handler = (v, o) => {
  const file = o.raw("file")!;
  const xmlFile = o.raw("xml")!;
  const text = readXmlFile(v, xmlFile);
  if (text === undefined) return false;
  const fail = (e: ReturnType<typeof lvErr>) => {
    v.lastError = e;
    v.error(`Failed to update ${file}`);
    return false;
  };
  const img = openSaveImage(v, file);
  if ("code" in img) return fail(img);
  const def = parseDomainXml(text, defContext(v));
  if ("code" in def) return fail(def);
  const paused = o.has("paused") || (img.paused && !o.has("running"));
  v.writeLocalFile(file, saveImageText(v, formatXml(def), paused));
  v.printExtra(`State file ${file} updated.\n`);
  return true;
};

/** `save-image-edit` (cmdSaveImageEdit): the saved domain XML in the editor, written back into the state file. */
const saveImageEdit: Handler = (v, o) => {
  if (o.has("running") && o.has("paused")) {
    v.error("Options --running and --paused are mutually exclusive");
    return false;
  }
  const file = o.raw("file")!;
  const img = openSaveImage(v, file);
  if ("code" in img) return v.fail(img);
  const text = img.xml;
  const edited = () => {
    v.printExtra(`State file ${file} edited.\n`);
    return true;
  };
  v.editRequest = {
    suffix: ".xml",
    content: text,
    apply: (doc) => {
      if (doc === text) {
        v.printExtra(`Saved image ${file} XML configuration not changed.\n`);
        return true;
      }
      const cur = openSaveImage(v, file);
      const def = "code" in cur ? cur : parseDomainXml(doc, defContext(v));
      if ("code" in def) {
        v.lastError = def;
        return reedit(v, "Failed.", false, () => undefined, edited);
      }
      const paused = o.has("paused") || (!("code" in cur) && cur.paused && !o.has("running"));
      v.writeLocalFile(file, saveImageText(v, formatXml(def), paused));
      return edited();
    },
  };
  return true;
};

const managedsave: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const fail = (e: ReturnType<typeof lvErr>) => {
    v.lastError = e;
    v.error(`Failed to save domain '${r.name}' state`);
    return false;
  };
  if (o.has("running") && o.has("paused")) return fail(lvErr("INVALID_ARG", "Flags 'VIR_DOMAIN_SAVE_RUNNING' and 'VIR_DOMAIN_SAVE_PAUSED' are mutually exclusive"));
  if (!D.isActive(r.dom)) return fail(lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running"));
  if (!r.dom.persistent) return fail(lvErr("OPERATION_INVALID", "Requested operation is not valid: cannot do managed save for transient domain"));
  v.mutateDomain(r.dom, (d, c) => {
    // the image restores the guest running unless it was paused (or --paused), as qemuDomainSaveInternal records
    d.managedSavePaused = o.has("paused") || (d.state === "paused" && !o.has("running"));
    D.shutoffState(c, d, "saved");
    d.managedSave = true;
    return undefined;
  });
  if (o.has("verbose")) v.out.push({ fd: 2, text: "\rManagedsave: [100 %]" });
  v.printExtra(`\nDomain '${r.name}' state saved by libvirt\n`);
  return true;
};

/** managedsave-dumpxml / managedsave-define: the test driver has no API for them. */
const managedsaveDumpxml: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  if (isTest(v)) return v.fail(noSupport("virDomainManagedSaveGetXMLDesc"));
  if (!r.dom.managedSave) return v.fail(NO_MANAGED_SAVE());
  const x = formatXml(D.managedSaveDef(r.dom));
  const xp = o.strQuiet("xpath");
  if (xp !== undefined) return xpathDump(v, x, xp, o.has("wrap"));
  v.print(x);
  return true;
};

const managedsaveDefine: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const file = o.raw("xml")!;
  const text = readXmlFile(v, file);
  if (text === undefined) return false;
  const fail = (e: ReturnType<typeof lvErr>) => {
    v.lastError = e;
    v.error(`Failed to update ${r.name} XML configuration`);
    return false;
  };
  if (isTest(v)) return fail(noSupport("virDomainManagedSaveDefineXML"));
  const e = defineManagedSave(v, r.dom, text, o);
  if (e) return fail(e);
  v.printExtra(`Managed save state file of domain '${r.name}' updated.\n`);
  return true;
};

/** qemuDomainManagedSave{GetXMLDesc,DefineXML}: no image file, no XML. */
const NO_MANAGED_SAVE = () => lvErr("OPERATION_INVALID", "Requested operation is not valid: domain does not have managed save image");

/**
 * qemuDomainManagedSaveDefineXML → qemuSaveImageDefineXML: the new XML must parse and keep the saved guest's ABI
 * (qemuSaveImageUpdateDef); --running/--paused rewrite the image's run state.
 */
function defineManagedSave(v: Virsh, dom: Domain, text: string, o: Opts): ReturnType<typeof lvErr> | undefined {
  if (!dom.managedSave) return NO_MANAGED_SAVE();
  const def = parseDomainXml(text, defContext(v));
  if ("code" in def) return def;
  const abi = D.checkAbiStability(D.managedSaveDef(dom), def);
  if (abi) return abi;
  v.mutateDomain(dom, (d) => {
    d.managedSaveDef = def;
    if (o.has("running")) d.managedSavePaused = false;
    if (o.has("paused")) d.managedSavePaused = true;
    return undefined;
  });
  return undefined;
}

/**
 * `managedsave-edit` (cmdManagedSaveEdit): the managed save image's XML in the editor, defined back into the image;
 * the test driver has neither API.
 */
const managedsaveEdit: Handler = (v, o) => {
  if (o.has("running") && o.has("paused")) {
    v.error("Options --running and --paused are mutually exclusive");
    return false;
  }
  const r = optDomain(v, o);
  if (!r) return false;
  if (v.readonly) return v.fail(lvErr("OPERATION_DENIED", "operation forbidden: virDomainManagedSaveGetXMLDesc with secure flag"));
  if (isTest(v)) return v.fail(noSupport("virDomainManagedSaveGetXMLDesc"));
  if (!r.dom.managedSave) return v.fail(NO_MANAGED_SAVE());
  const text = formatXml(D.managedSaveDef(r.dom));
  const name = D.nameOf(r.dom);
  const edited = () => {
    v.printExtra(`Managed save image of Domain '${name}' XML configuration edited.\n`);
    return true;
  };
  v.editRequest = {
    suffix: ".xml",
    content: text,
    apply: (doc) => {
      if (doc === text) {
        v.printExtra(`Managed save image of domain '${name}' XML configuration not changed.\n`);
        return true;
      }
      const dom = v.lookupDomain(r.dom.uuid);
      const e = dom ? defineManagedSave(v, dom, doc, o) : NO_MANAGED_SAVE();
      if (e) {
        v.lastError = e;
        // without a terminal virsh reports 'Failed.' and goes on as if the image had been updated
        return reedit(v, "Failed.", false, () => undefined, edited);
      }
      return edited();
    },
  };
  return true;
};

const managedsaveRemove: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  if (!r.dom.managedSave) {
    v.printExtra(`Domain '${r.name}' has no manage save image; removal skipped`);
    return true;
  }
  v.mutateDomain(r.dom, (d) => {
    d.managedSave = false;
    d.managedSaveDef = undefined;
    d.managedSavePaused = undefined;
    return undefined;
  });
  v.printExtra(`Removed managedsave image for domain '${r.name}'`);
  return true;
};

// ---------------------------------------------------------------- memory and vCPUs

type OneDef = { live: boolean };

/** virDomainObjGetOneDefState: exactly one of the running or the persistent definition. */
function oneDef(d: Domain, live: boolean, config: boolean): OneDef | ReturnType<typeof lvErr> {
  if (live && config) return lvErr("INVALID_ARG", "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive");
  const l = live || (!config && D.isActive(d));
  if (l && !D.isActive(d)) return lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running");
  if (!l && !d.persistent) return lvErr("OPERATION_INVALID", "Requested operation is not valid: transient domains do not have any persistent config");
  return { live: l };
}

const setmem: Handler = (v, o) => {
  const f = affectFlags(v, o);
  if (!f) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const bytes = optScaled(v, o, "size", 1024n, 18446744073709551615n);
  if (bytes === null || bytes === undefined) return false;
  const kib = Math.ceil(bytes / 1024);
  if (kib === 0) return v.fail(lvErr("INVALID_ARG", "memory in virDomainSetMemoryFlags must not be zero"));
  const anyFlag = o.has("config") || o.has("live") || o.has("current");
  const live = anyFlag ? f.live : true;
  const od = oneDef(r.dom, live, f.config);
  if ("code" in od) return v.fail(od);
  const e = v.mutateDomain(r.dom, (d) => D.setMemory(d, kib, { live: od.live, config: !od.live }));
  if (e) return v.fail(e);
  return true;
};

const setmaxmem: Handler = (v, o) => {
  const f = affectFlags(v, o);
  if (!f) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const bytes = optScaled(v, o, "size", 1024n, 18446744073709551615n);
  if (bytes === null || bytes === undefined) return false;
  const kib = Math.ceil(bytes / 1024);
  const od = oneDef(r.dom, f.live, f.config);
  const e = kib === 0 ? lvErr("INVALID_ARG", "memory in virDomainSetMemoryFlags must not be zero") : "code" in od ? od : v.mutateDomain(r.dom, (d) => D.setMaxMemory(d, kib, { live: od.live, config: !od.live }));
  if (e) {
    v.lastError = e;
    v.error("Unable to change MaxMemorySize");
    return false;
  }
  return true;
};

const setvcpus: Handler = (v, o) => {
  const f = affectFlags(v, o);
  if (!f) return false;
  if (!exclusive(v, o, "guest", "config")) return false;
  if (!requires(v, o, "maximum", "config")) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const count = optNum(v, o, "count", "uint");
  if (count === null || count === undefined) return false;
  if (count === 0) {
    v.error("Can't set 0 processors for a VM");
    return false;
  }
  if (isTest(v) && (o.has("guest") || o.has("hotpluggable"))) return v.fail(unsupportedFlags((o.has("guest") ? 8 : 0) | (o.has("hotpluggable") ? 16 : 0), "testDomainSetVcpusFlags"));
  const anyFlag = o.has("config") || o.has("live") || o.has("current") || o.has("maximum");
  const live = anyFlag ? f.live : true;
  const max = isTest(v) ? 32 : 255;
  if (count > max) return v.fail(lvErr("INVALID_ARG", `invalid argument: requested cpu amount exceeds maximum supported amount (${count} > ${max})`));
  const a = D.affect(r.dom, live, f.config);
  if ("code" in a) return v.fail(a);
  const e = v.mutateDomain(r.dom, (d) => D.setVcpus(d, count, { ...a, maximum: o.has("maximum") }));
  if (e) return v.fail(e);
  return true;
};

const vcpucount: Handler = (v, o) => {
  let current = o.has("current");
  const maximum = o.has("maximum");
  const active = o.has("active");
  const config = o.has("config");
  const live = o.has("live");
  const guest = o.has("guest");
  const all = !maximum && !active && !current && !config && !live && !guest;
  if (!maximum && !active && current) current = false;
  const pairs: [boolean, string, boolean, string][] = [
    [live, "live", config, "config"],
    [current, "current", live, "live"],
    [current, "current", config, "config"],
    [active, "active", maximum, "maximum"],
    [guest, "guest", config, "config"],
  ];
  for (const [a, an, b, bn] of pairs)
    if (a && b) {
      v.error(`Options --${an} and --${bn} are mutually exclusive`);
      return false;
    }
  const r = optDomain(v, o);
  if (!r) return false;
  const d = r.dom;
  const act = D.isActive(d);
  if (all) {
    const rows: [string, string, number | undefined][] = [
      ["maximum", "config", d.persistent ? maxVcpus(D.persistentDef(d)) : undefined],
      ["maximum", "live", act ? maxVcpus(d.def) : undefined],
      ["current", "config", d.persistent ? curVcpus(D.persistentDef(d)) : undefined],
      ["current", "live", act ? curVcpus(d.def) : undefined],
    ];
    let s = "";
    for (const [w, st, n] of rows) if (n !== undefined && n > 0) s += `${w.padEnd(12)} ${st.padEnd(12)} ${String(n).padStart(3)}\n`;
    v.print(s);
    return true;
  }
  if (guest) {
    v.lastError = isTest(v) ? unsupportedFlags(8, "testDomainGetVcpusFlags") : noSupport("virDomainGetVcpusFlags");
    v.error("Failed to retrieve vCPU count from the guest");
    return false;
  }
  const od = oneDef(d, live, config);
  if ("code" in od) return v.fail(od);
  const def = od.live ? d.def : D.persistentDef(d);
  v.print(`${maximum ? maxVcpus(def) : curVcpus(def)}\n`);
  return true;
};

function hostCpus(v: Virsh): number {
  return v.conn.node.cpus;
}

/** VIR_NODEINFO_MAXCPUS: every CPU of the node's topology, online or not. */
function topologyCpus(v: Virsh): number {
  const n = v.conn.node;
  return n.nodes * n.sockets * n.cores * n.threads;
}

/** The CPUs virsh maps affinities onto (virNodeGetCPUMap: the test driver always answers 8). */
const mapCpus = (v: Virsh) => (isTest(v) ? 8 : hostCpus(v));

/** A vCPU's affinity in a definition: its pin, else <vcpu cpuset=>, else every host CPU. */
function pinSet(v: Virsh, d: Domain, vcpu: number, config = false): Set<number> {
  const def = config ? D.persistentDef(d) : d.def;
  const live = !config && D.isActive(d) ? d.vcpuPins[vcpu] : undefined;
  const cputune = child(child(def, "cputune"), "vcpupin");
  const fromTune = kids(child(def, "cputune"), "vcpupin").find((p) => Number(p.attrs.vcpu) === vcpu)?.attrs.cpuset;
  const cpuset = child(def, "vcpu")?.attrs.cpuset;
  const spec = live ?? fromTune ?? cpuset;
  void cputune;
  if (spec !== undefined) return parseCpuList(spec) ?? new Set();
  const n = isTest(v) ? topologyCpus(v) : hostCpus(v);
  return new Set(Array.from({ length: n }, (_, i) => i));
}

const limited = (set: Set<number>, n: number) => new Set([...set].filter((c) => c < n));

const vcpuinfo: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const d = r.dom;
  const n = mapCpus(v);
  const pretty = o.has("pretty");
  let s = "";
  // virDomainGetVcpus lists the online vCPUs of a running domain; a shut-off one shows its pinning only
  const count = D.isActive(d) ? D.liveVcpus(d) : curVcpus(d.def);
  for (let i = 0; i < count; i++) {
    const set = pinSet(v, d, i);
    s += kv("VCPU:", i);
    if (D.isActive(d)) {
      const cpu = isTest(v) ? Math.max(...set) : (i * 2 + d.id) % n;
      s += kv("CPU:", cpu);
      s += kv("State:", "running");
      const t = isTest(v) ? Math.floor(v.now / 1000000) / 10 : Math.max(0.1, (v.now - (d.startedAt ?? v.now)) / 1000 * 0.3);
      s += kv("CPU time:", `${t.toFixed(1)}s`);
    } else {
      s += kv("CPU:", "N/A");
      s += kv("State:", "N/A");
      s += "CPU time        N/A\n";
    }
    const shown = limited(set, n);
    s += kv("CPU Affinity:", pretty ? `${formatCpuList(shown)} (out of ${n})` : cpuMapString(shown, n));
    if (i < count - 1) s += "\n";
  }
  v.print(s);
  return true;
};

const vcpupin: Handler = (v, o) => {
  const f = affectFlags(v, o);
  if (!f) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const vcpu = optNum(v, o, "vcpu", "uint");
  if (vcpu === null) return false;
  const cpulist = o.raw("cpulist");
  const d = r.dom;
  const n = mapCpus(v);
  const config = f.config || (!f.live && !D.isActive(d));
  if (cpulist === undefined) {
    const max = D.isActive(d) && !config ? maxVcpus(d.def) : maxVcpus(D.persistentDef(d));
    const rows: string[][] = [];
    for (let i = 0; i < max; i++) {
      if (vcpu !== undefined && i !== vcpu) continue;
      rows.push([String(i), formatCpuList(limited(pinSet(v, d, i, config), n))]);
    }
    if (vcpu !== undefined && vcpu >= max) {
      v.error(`vcpu ${vcpu} is out of range of live cpu count ${max}`);
      return false;
    }
    v.print(table(["VCPU", "CPU Affinity"], rows, !v.quiet));
    return true;
  }
  if (vcpu === undefined) {
    v.error("vcpupin: Missing vCPU number in pin mode.");
    return false;
  }
  // virshParseCPUList: "r" means every CPU; otherwise a bitmap with at least one CPU below maxcpu
  const set = cpuListArg(v, cpulist, n);
  if (!set) return false;
  if (isTest(v) && (f.config || f.live)) return v.fail(unsupportedFlags((f.live ? 1 : 0) | (f.config ? 2 : 0), "testDomainPinVcpuFlags"));
  if (!D.isActive(d) && (isTest(v) || f.live)) return v.fail(lvErr("OPERATION_INVALID", "Requested operation is not valid: cannot pin vcpus on an inactive domain"));
  if (vcpu >= (isTest(v) ? D.liveVcpus(d) : maxVcpus(d.def))) return v.fail(lvErr("INVALID_ARG", `invalid argument: requested vcpu '${vcpu}' is not present in the domain`));
  v.mutateDomain(d, (dd) => {
    dd.vcpuPins[vcpu] = formatCpuList(set);
    return undefined;
  });
  return true;
};

/** emulatorpin: the emulator threads' affinity (cputune emulatorpin, else the domain cpuset, else all CPUs). */
const emulatorpin: Handler = (v, o) => {
  const f = affectFlags(v, o);
  if (!f) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const d = r.dom;
  const n = mapCpus(v);
  const config = f.config || (!f.live && !D.isActive(d));
  if (f.live && !D.isActive(d)) return v.fail(lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running"));
  const def = config ? D.persistentDef(d) : d.def;
  const cpulist = o.raw("cpulist");
  if (cpulist === undefined) {
    const spec = (!config ? d.emulatorPin : undefined) ?? child(child(def, "cputune"), "emulatorpin")?.attrs.cpuset ?? child(def, "vcpu")?.attrs.cpuset;
    const set = spec !== undefined ? (parseCpuList(spec) ?? new Set<number>()) : new Set(Array.from({ length: n }, (_, i) => i));
    v.print(`emulator: CPU Affinity\n----------------------------------\n       *: ${formatCpuList(limited(set, n))}\n`);
    return true;
  }
  const set = cpuListArg(v, cpulist, n);
  if (!set) return false;
  v.mutateDomain(d, (dd) => {
    if (config) {
      const pd = D.persistentDef(dd);
      const tune = child(pd, "cputune");
      const pin = el("emulatorpin", { cpuset: formatCpuList(set) });
      const nt = tune ? { ...tune, children: [...tune.children.filter((k) => !(typeof k === "object" && k.name === "emulatorpin")), pin] } : el("cputune", {}, [pin]);
      const nd = tune ? { ...pd, children: pd.children.map((k) => (k === tune ? nt : k)) } : withTune(pd, nt);
      if (D.isActive(dd)) dd.newDef = nd;
      else dd.def = nd;
    } else dd.emulatorPin = formatCpuList(set);
    return undefined;
  });
  return true;
};

/** Put a new <cputune> where libvirt writes it (after <vcpu>, <iothreads>). */
function withTune(def: XmlEl, tune: XmlEl): XmlEl {
  const ks = def.children;
  const i = ks.findIndex((k) => typeof k === "object" && ["memtune", "blkiotune", "memoryBacking", "iothreads", "vcpu"].includes(k.name));
  const at = ks.reduce((acc, k, idx) => (typeof k === "object" && ["vcpu", "iothreads", "iothreadids", "maxMemory", "blkiotune", "memtune", "memoryBacking"].includes(k.name) ? idx + 1 : acc), i < 0 ? ks.length : i + 1);
  return { ...def, children: [...ks.slice(0, at), tune, ...ks.slice(at)] };
}

const dommemstat: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const d = r.dom;
  if (!D.isActive(d)) {
    v.lastError = lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running");
    v.error(`Failed to get memory statistics for domain ${r.name}`);
    return false;
  }
  if (o.has("period") || o.has("config") || o.has("live") || o.has("current")) {
    if (o.has("period")) {
      const p = optNum(v, o, "period", "int");
      if (p === null) return false;
      if (p !== undefined && p < 0) {
        v.error(`Invalid collection period value '${p}'`);
        return false;
      }
      if (!/<memballoon /.test(formatXml(d.def))) {
        v.lastError = lvErr("INTERNAL_ERROR", "internal error: No memory balloon device configured, can not set the collection period");
        v.error("Unable to change balloon collection period.");
        return false;
      }
    }
    return true;
  }
  // the test driver reports statistics for a running guest with a balloon (model other than none)
  const balloon = child(child(d.def, "devices"), "memballoon");
  if (isTest(v) && (d.state !== "running" || !balloon || balloon.attrs.model === "none")) {
    v.print("");
    return true;
  }
  const cur = curMemKiB(d.def);
  const lines: [string, number][] = isTest(v)
    ? [
        ["actual", cur],
        ["swap_in", 0],
        ["swap_out", 0],
        ["major_fault", 0],
        ["minor_fault", 0],
        ["unused", Math.floor(cur / 2)],
        ["available", cur],
        ["usable", Math.floor(cur / 2)],
        ["last_update", 627319920],
        ["disk_caches", Math.floor(cur / 8)],
        ["hugetlb_pgalloc", 0],
        ["hugetlb_pgfail", 0],
        ["rss", Math.floor(cur / 2)],
      ]
    : [
        ["actual", cur],
        ["swap_in", 0],
        ["swap_out", 0],
        ["major_fault", 312],
        ["minor_fault", 245871],
        ["unused", Math.floor(cur * 0.61)],
        ["available", cur - 60000],
        ["usable", Math.floor(cur * 0.72)],
        ["last_update", Math.floor(v.now / 1000)],
        ["disk_caches", Math.floor(cur * 0.09)],
        ["hugetlb_pgalloc", 0],
        ["hugetlb_pgfail", 0],
        ["rss", Math.floor(cur * 0.38) + 210000],
      ];
  v.print(lines.map(([k, n]) => `${k} ${n}\n`).join(""));
  return true;
};

// ---------------------------------------------------------------- description, rename

const desc: Handler = (v, o) => {
  const f = affectFlags(v, o);
  if (!f) return false;
  const r = optDomain(v, o);
  if (!r) return false;
  const title = o.has("title");
  const words = o.argv("new-desc");
  const d = r.dom;
  const def = f.config ? D.persistentDef(d) : d.def;
  if (o.has("edit") || words.length) {
    const value = words.join(" ");
    const cur = (title ? domTitle(def) : domDescription(def)) ?? "";
    if (value === cur) {
      v.printExtra(title ? "Domain title not changed\n" : "Domain description not changed\n");
      return true;
    }
    v.mutateDomain(d, (dd) => {
      const upd = (x: XmlEl) => withTextEl(x, title ? "title" : "description", value);
      if (f.config || !D.isActive(dd)) {
        if (D.isActive(dd)) dd.newDef = upd(dd.newDef ?? dd.def);
        else dd.def = upd(dd.def);
      }
      if (f.live || (!f.config && D.isActive(dd))) dd.def = upd(dd.def);
      return undefined;
    });
    v.printExtra(title ? "Domain title updated successfully" : "Domain description updated successfully");
    return true;
  }
  const cur = title ? domTitle(def) : domDescription(def);
  if (cur) v.print(cur);
  else v.printExtra(title ? `No title for domain: ${D.nameOf(d)}` : `No description for domain: ${D.nameOf(d)}`);
  return true;
};

const domrename: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const nn = o.raw("new-name")!;
  if (D.isActive(r.dom)) return v.fail(lvErr("OPERATION_INVALID", "Requested operation is not valid: cannot rename active domain"));
  if (v.conn.domains.some((d) => D.nameOf(d) === nn)) return v.fail(lvErr("OPERATION_INVALID", `Requested operation is not valid: domain with name '${nn}' already exists`));
  if (r.dom.snapshots.length) return v.fail(lvErr("OPERATION_INVALID", "Requested operation is not valid: cannot rename domain with snapshots"));
  v.mutateDomain(r.dom, (d) => {
    d.def = withName(d.def, nn);
    return undefined;
  });
  v.printExtra("Domain successfully renamed\n");
  return true;
};

// ---------------------------------------------------------------- console

/** cmdRunConsole's checks before it attaches: a running domain and a terminal on stdin. */
function consoleReady(v: Virsh, d: Domain): boolean {
  if (!D.isActive(d)) {
    v.error("The domain is not running");
    return false;
  }
  if (!v.ctx.tty) {
    v.error("Cannot run interactive console without a controlling TTY");
    return false;
  }
  return true;
}

const consoleCmd: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  if (!consoleReady(v, r.dom)) return false;
  v.printExtra(`Connected to domain '${D.nameOf(r.dom)}'\nEscape character is ^] (Ctrl + ])\n`);
  if (isTest(v)) return v.fail(noSupport("virDomainOpenConsole"));
  v.print(`\nDebian GNU/Linux 12 ${D.nameOf(r.dom)} ttyS0\n\n${D.nameOf(r.dom)} login: `);
  v.print("\n");
  return true;
};

export const DOMAIN_HANDLERS: Record<string, Handler> = {
  list,
  dominfo,
  domstate,
  domid,
  domname,
  domuuid,
  start,
  shutdown,
  reboot,
  reset,
  destroy,
  suspend,
  resume,
  define,
  create,
  undefine,
  autostart,
  dumpxml,
  edit,
  save,
  restore,
  managedsave,
  "managedsave-remove": managedsaveRemove,
  "managedsave-dumpxml": managedsaveDumpxml,
  "managedsave-define": managedsaveDefine,
  "managedsave-edit": managedsaveEdit,
  "save-image-dumpxml": saveImageDumpxml,
  "save-image-define": saveImageDefine,
  "save-image-edit": saveImageEdit,
  setmem,
  setmaxmem,
  setvcpus,
  vcpucount,
  vcpuinfo,
  vcpupin,
  emulatorpin,
  dommemstat,
  desc,
  domrename,
  console: consoleCmd,
};

export { parseXml, ifacesOf };
