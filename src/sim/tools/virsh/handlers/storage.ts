// virsh storage pool and volume commands.
import * as S from "../../../model/libvirt/storage";
import { normalizePool, parsePoolXml, parseVolumeXml, poolName, poolPath, poolType, poolWithSizes, volumeXml } from "../../../model/libvirt/net-xml";
import { lvErr, type LvError, type Pool, type Volume } from "../../../model/libvirt/types";
import { prettyBytes, u64 } from "../../../model/libvirt/units";
import { formatXml, kids, parseXml, stripWs, syntaxErrorText } from "../../../model/libvirt/xml";
import { exclusive, noSupport, optPool, optStr, optVol, parseSize, readXmlFile, splitCommas, unsupportedFlags, type Handler } from "../common";
import { caseSort, kv, table } from "../format";
import type { Opts } from "../parse";
import type { Virsh } from "../runtime";
import { xpathDump } from "../xpath";
import { qemuImg } from "../../qemu-img/index";
import { reedit } from "./snapshot";

const isTest = (v: Virsh) => v.conn.driver === "test";
const GiB = 1024 ** 3;
/** Size of the filesystem under a real host's pools when the fixture does not say. */
const diskBytesOf = (p: Pool) => p.capacity || 500 * GiB;

const POOL_TYPES = ["dir", "fs", "netfs", "logical", "disk", "iscsi", "iscsi-direct", "scsi", "mpath", "rbd", "sheepdog", "gluster", "zfs", "vstorage"];

const poolList: Handler = (v, o) => {
  if (!exclusive(v, o, "details", "uuid") || !exclusive(v, o, "details", "name")) return false;
  let pools = [...v.conn.pools];
  const inactive = o.has("inactive");
  const all = o.has("all");
  if (!all) pools = pools.filter((p) => (inactive ? !p.active : p.active));
  if (o.has("persistent") !== o.has("transient")) pools = pools.filter((p) => p.persistent === o.has("persistent"));
  if (o.has("autostart") !== o.has("no-autostart")) pools = pools.filter((p) => p.autostart === o.has("autostart"));
  const types = o.strQuiet("type");
  if (types !== undefined) {
    const want = splitCommas(types);
    for (const t of want)
      if (!POOL_TYPES.includes(t)) {
        v.error(`Invalid pool type '${t}'`);
        return false;
      }
    pools = pools.filter((p) => want.includes(poolType(p.def)));
  }
  pools.sort((a, b) => caseSort(poolName(a.def), poolName(b.def)));
  const uuid = o.has("uuid");
  const name = o.has("name");
  if (o.has("details")) {
    const rows = pools.map((p) => [
      poolName(p.def),
      p.active ? "running" : "inactive",
      p.autostart ? "yes" : "no",
      p.persistent ? "yes" : "no",
      p.active ? prettyBytes(p.capacity) : "-",
      p.active ? prettyBytes(p.allocation) : "-",
      p.active ? prettyBytes(p.available) : "-",
    ]);
    v.print(table(["Name", "State", "Autostart", "Persistent", "Capacity", "Allocation", "Available"], rows, !v.quiet));
    return true;
  }
  if (uuid || name) {
    let s = "";
    for (const p of pools) {
      if (uuid) s += p.uuid.padEnd(36) + (name ? " " : "\n");
      if (name) s += poolName(p.def).padEnd(20) + "\n";
    }
    v.print(s);
    return true;
  }
  v.print(table(["Name", "State", "Autostart"], pools.map((p) => [poolName(p.def), p.active ? "active" : "inactive", p.autostart ? "yes" : "no"]), !v.quiet));
  return true;
};

const poolInfo: Handler = (v, o) => {
  const r = optPool(v, o);
  if (!r) return false;
  const p = r.pool;
  let s = kv("Name:", poolName(p.def)) + kv("UUID:", p.uuid) + kv("State:", p.active ? "running" : "inactive") + kv("Persistent:", p.persistent ? "yes" : "no") + kv("Autostart:", p.autostart ? "yes" : "no");
  if (p.active) {
    const f = (n: number) => (o.has("bytes") ? u64(n) : prettyBytes(n));
    s += kv("Capacity:", f(p.capacity)) + kv("Allocation:", f(p.allocation)) + kv("Available:", f(p.available));
  }
  v.print(s);
  return true;
};

const poolDumpxml: Handler = (v, o) => {
  const r = optPool(v, o);
  if (!r) return false;
  const p = r.pool;
  if (isTest(v) && o.has("inactive")) return v.fail(unsupportedFlags(1, "testStoragePoolGetXMLDesc"));
  // --inactive: the definition a redefinition of the running pool left for its next start
  const def = o.has("inactive") && p.newDef ? p.newDef : p.def;
  const x = formatXml(p.active || isTest(v) ? poolWithSizes(def, p.active || isTest(v) ? p.capacity || S.TEST_POOL_CAPACITY : 0, p.allocation, p.active || isTest(v) ? p.available || (isTest(v) ? S.TEST_POOL_CAPACITY - p.allocation : 0) : 0) : poolWithSizes(def, 0, 0, 0));
  const xp = o.strQuiet("xpath");
  if (xp !== undefined) return xpathDump(v, x, xp, o.has("wrap"));
  v.print(x);
  return true;
};

function poolAction(failMsg: (n: string) => string, okMsg: (n: string) => string, act: (v: Virsh, p: Pool, o: Opts) => ReturnType<typeof S.startPool>): Handler {
  return (v, o) => {
    const r = optPool(v, o);
    if (!r) return false;
    const e = act(v, r.pool, o);
    if (e) {
      v.lastError = e;
      v.error(failMsg(r.name));
      return false;
    }
    v.printExtra(okMsg(r.name));
    return true;
  };
}

const onPool = <T>(v: Virsh, p: Pool, fn: (pp: Pool, c: Parameters<Parameters<Virsh["mutate"]>[0]>[0], fs: Parameters<Parameters<Virsh["mutate"]>[0]>[1]) => T): T =>
  v.mutate((c, fs) => fn(c.pools.find((x) => x.uuid === p.uuid)!, c, fs));

const poolStart = poolAction(
  (n) => `Failed to start pool ${n}`,
  (n) => `Pool ${n} started\n`,
  (v, p, o) => {
    if (isTest(v) && (o.has("build") || o.has("overwrite") || o.has("no-overwrite"))) return unsupportedFlags((o.has("build") ? 1 : 0) | (o.has("overwrite") ? 2 : 0) | (o.has("no-overwrite") ? 4 : 0), "testStoragePoolCreate");
    return onPool(v, p, (pp, c, fs) => {
      if (o.has("build") && !pp.active) S.buildPool(c, pp, fs, Math.floor(v.now / 1000));
      return S.startPool(c, pp, fs, diskBytesOf(pp));
    });
  },
);
const poolBuild = poolAction(
  (n) => `Failed to build pool ${n}`,
  (n) => `Pool ${n} built\n`,
  (v, p, o) => {
    // VIR_STORAGE_POOL_BUILD_NO_OVERWRITE = 4, _OVERWRITE = 8: the test driver takes no flags
    const flags = (o.has("no-overwrite") ? 4 : 0) | (o.has("overwrite") ? 8 : 0);
    if (isTest(v) && flags) return unsupportedFlags(flags, "testStoragePoolBuild");
    return onPool(v, p, (pp, c, fs) => S.buildPool(c, pp, fs, Math.floor(v.now / 1000)));
  },
);
const poolDestroy = poolAction(
  (n) => `Failed to destroy pool ${n}`,
  (n) => `Pool ${n} destroyed\n`,
  (v, p) => onPool(v, p, (pp, c) => S.destroyPool(c, pp)),
);
const poolUndefine = poolAction(
  (n) => `Failed to undefine pool ${n}`,
  (n) => `Pool ${n} has been undefined\n`,
  (v, p) => onPool(v, p, (pp, c) => S.undefinePool(c, pp)),
);
const poolRefresh = poolAction(
  (n) => `Failed to refresh pool ${n}`,
  (n) => `Pool ${n} refreshed\n`,
  (v, p) =>
    onPool(v, p, (pp, c, fs) => {
      if (!pp.active) return lvErr("OPERATION_INVALID", `Requested operation is not valid: storage pool '${poolName(pp.def)}' is not active`);
      S.refreshPool(c, pp, fs, diskBytesOf(pp));
      return undefined;
    }),
);
const poolDelete = poolAction(
  (n) => `Failed to delete pool ${n}`,
  (n) => `Pool ${n} deleted\n`,
  (v, p) =>
    onPool(v, p, (pp, _c, fs) => {
      if (pp.active) return lvErr("OPERATION_INVALID", `Requested operation is not valid: storage pool '${poolName(pp.def)}' is active`);
      const path = poolPath(pp.def);
      if (fs && path && fs[path]) {
        if (Object.keys(fs).some((k) => k.startsWith(path + "/"))) return lvErr("SYSTEM_ERROR", `cannot remove directory '${path}': Directory not empty`);
        delete fs[path];
      }
      return undefined;
    }),
);

const poolAutostart: Handler = (v, o) => {
  const r = optPool(v, o);
  if (!r) return false;
  const disable = o.has("disable");
  if (!r.pool.persistent) {
    v.lastError = isTest(v) ? lvErr("INVALID_ARG", "invalid argument: pool has no config file") : lvErr("OPERATION_INVALID", "Requested operation is not valid: cannot change autostart for transient pool");
    v.error(disable ? `failed to unmark pool ${r.name} as autostarted` : `failed to mark pool ${r.name} as autostarted`);
    return false;
  }
  onPool(v, r.pool, (pp) => {
    pp.autostart = !disable;
    return undefined;
  });
  v.printExtra(disable ? `Pool ${r.name} unmarked as autostarted\n` : `Pool ${r.name} marked as autostarted\n`);
  return true;
};

function definePoolXml(v: Virsh, text: string, create: boolean, o: Opts): Pool | ReturnType<typeof lvErr> {
  const def = parsePoolXml(text, { uuid: v.freshUuid });
  if ("code" in def) return def;
  return v.mutate((c, fs) => {
    if (create) {
      const clash = S.sourceConflict(c, def);
      if (clash) return lvErr("OPERATION_FAILED", `operation failed: Storage source conflict with pool: '${poolName(clash.def)}'`);
      const exists = c.pools.find((p) => poolName(p.def) === poolName(def));
      if (exists) return lvErr("OPERATION_FAILED", `operation failed: pool '${poolName(def)}' already exists with uuid ${exists.uuid}`);
    }
    const p = S.definePool(c, def);
    if ("code" in p) return p;
    if (create) {
      p.persistent = false;
      if (o.has("build")) S.buildPool(c, p, fs, Math.floor(v.now / 1000));
      const e = S.startPool(c, p, fs, diskBytesOf(p));
      if (e) return e;
    }
    return p;
  });
}

const poolDefine: Handler = (v, o) => {
  const file = optStr(v, o, "file");
  if (!file || file.value === undefined) return false;
  const text = readXmlFile(v, file.value);
  if (text === undefined) return false;
  const p = definePoolXml(v, text, false, o);
  if ("code" in p) {
    v.lastError = p;
    v.error(`Failed to define pool from ${file.value}`);
    return false;
  }
  v.printExtra(`Pool ${poolName(p.def)} defined from ${file.value}\n`);
  return true;
};

const poolCreate: Handler = (v, o) => {
  const file = optStr(v, o, "file");
  if (!file || file.value === undefined) return false;
  const text = readXmlFile(v, file.value);
  if (text === undefined) return false;
  if (isTest(v) && (o.has("build") || o.has("overwrite") || o.has("no-overwrite"))) {
    v.lastError = unsupportedFlags((o.has("build") ? 1 : 0) | (o.has("overwrite") ? 2 : 0) | (o.has("no-overwrite") ? 4 : 0), "testStoragePoolCreateXML");
    v.error(`Failed to create pool from ${file.value}`);
    return false;
  }
  const p = definePoolXml(v, text, true, o);
  if ("code" in p) {
    v.lastError = p;
    v.error(`Failed to create pool from ${file.value}`);
    return false;
  }
  v.printExtra(`Pool ${poolName(p.def)} created from ${file.value}\n`);
  return true;
};

/** virshBuildPoolXML: the XML pool-define-as / pool-create-as build from their options (unescaped). */
function buildPoolXml(v: Virsh, o: Opts): { name: string; xml: string } | undefined {
  if (!exclusive(v, o, "secret-usage", "secret-uuid")) return undefined;
  const g: Record<string, string | undefined> = {};
  for (const n of ["name", "type", "source-host", "source-path", "source-dev", "source-name", "source-format", "target", "auth-type", "auth-username", "secret-usage", "secret-uuid", "adapter-name", "adapter-wwnn", "adapter-wwpn", "adapter-parent", "source-protocol-ver", "source-initiator"]) {
    const r = optStr(v, o, n);
    if (!r) return undefined;
    g[n] = r.value;
  }
  let s = `<pool type='${g.type}'>\n  <name>${g.name}</name>\n`;
  if (g["source-host"] || g["source-path"] || g["source-dev"] || g["source-initiator"] || g["source-format"] || g["source-name"] || (g["adapter-wwnn"] && g["adapter-wwpn"]) || g["adapter-name"]) {
    s += "  <source>\n";
    if (g["source-host"]) s += `    <host name='${g["source-host"]}'/>\n`;
    if (g["source-path"]) s += `    <dir path='${g["source-path"]}'/>\n`;
    if (g["source-dev"]) s += `    <device path='${g["source-dev"]}'/>\n`;
    if (g["source-initiator"]) s += `    <initiator>\n      <iqn name='${g["source-initiator"]}'/>\n    </initiator>\n`;
    if (g["adapter-wwnn"] && g["adapter-wwpn"]) s += `    <adapter type='fc_host'${g["adapter-parent"] ? ` parent='${g["adapter-parent"]}'` : ""} wwnn='${g["adapter-wwnn"]}' wwpn='${g["adapter-wwpn"]}'/>\n`;
    else if (g["adapter-name"]) s += `    <adapter type='scsi_host' name='${g["adapter-name"]}'/>\n`;
    if (g["auth-type"] && g["auth-username"] && (g["secret-usage"] || g["secret-uuid"]))
      s += `    <auth type='${g["auth-type"]}' username='${g["auth-username"]}'>\n      <secret ${g["secret-usage"] ? `usage='${g["secret-usage"]}'` : `uuid='${g["secret-uuid"]}'`}/>\n    </auth>\n`;
    if (g["source-format"]) s += `    <format type='${g["source-format"]}'/>\n`;
    if (g["source-name"]) s += `    <name>${g["source-name"]}</name>\n`;
    if (g["source-protocol-ver"]) s += `    <protocol ver='${g["source-protocol-ver"]}'/>\n`;
    s += "  </source>\n";
  }
  if (g.target) s += `  <target>\n    <path>${g.target}</path>\n  </target>\n`;
  s += "</pool>\n";
  return { name: g.name!, xml: s };
}

function poolAs(create: boolean): Handler {
  return (v, o) => {
    const b = buildPoolXml(v, o);
    if (!b) return false;
    if (o.has("print-xml")) {
      v.print(b.xml);
      return true;
    }
    if (create && isTest(v) && (o.has("build") || o.has("overwrite") || o.has("no-overwrite"))) {
      v.lastError = unsupportedFlags((o.has("build") ? 1 : 0) | (o.has("overwrite") ? 2 : 0) | (o.has("no-overwrite") ? 4 : 0), "testStoragePoolCreateXML");
      v.error(`Failed to create pool ${b.name}`);
      return false;
    }
    const p = definePoolXml(v, b.xml, create, o);
    if ("code" in p) {
      v.lastError = p;
      v.error(create ? `Failed to create pool ${b.name}` : `Failed to define pool ${b.name}`);
      return false;
    }
    v.printExtra(create ? `Pool ${b.name} created\n` : `Pool ${b.name} defined\n`);
    return true;
  };
}

const poolName_: Handler = (v, o) => {
  const r = optPool(v, o, "pool", { name: false });
  if (!r) return false;
  v.print(`${poolName(r.pool.def)}\n`);
  return true;
};
const poolUuid: Handler = (v, o) => {
  const r = optPool(v, o, "pool", { uuid: false });
  if (!r) return false;
  v.print(`${r.pool.uuid}\n`);
  return true;
};

const poolEdit: Handler = (v, o) => {
  const r = optPool(v, o);
  if (!r) return false;
  // virsh asks for the inactive XML (the test driver refuses the flag and virsh falls back to the live one)
  const text = formatXml(isTest(v) ? r.pool.def : (r.pool.newDef ?? r.pool.def));
  v.editRequest = {
    suffix: ".xml",
    content: text,
    apply: (edited) => {
      if (edited === text) {
        v.printExtra(`Pool ${poolName(r.pool.def)} XML configuration not changed.\n`);
        return true;
      }
      const p = definePoolXml(v, edited, false, o);
      if ("code" in p) {
        v.lastError = p;
        // without a terminal virsh carries on as if the definition had worked (libvirt 9.0 prints a null name)
        return reedit(v, "Failed.", false, () => undefined, () => {
          v.printExtra("Pool (null) XML configuration edited.\n");
          return true;
        });
      }
      v.printExtra(`Pool ${poolName(p.def)} XML configuration edited.\n`);
      return true;
    },
  };
  return true;
};

// ---------------------------------------------------------------- volumes

function activePool(v: Virsh, o: Opts): Pool | undefined {
  const r = optPool(v, o);
  if (!r) return undefined;
  return r.pool;
}

const volList: Handler = (v, o) => {
  const p = activePool(v, o);
  if (!p) return false;
  if (!p.active) {
    v.lastError = lvErr("OPERATION_INVALID", "Requested operation is not valid: storage pool is not active");
    v.error("Failed to list volumes");
    return false;
  }
  const vols = [...p.volumes].sort((a, b) => caseSort(a.name, b.name));
  if (o.has("details")) {
    // --details asks virStorageVolGetInfo for each volume, which re-reads its file
    const fresh = vols.map((x) => refreshedVol(v, { vol: x, pool: p }));
    const pool = v.conn.pools.find((q) => q.uuid === p.uuid) ?? p;
    v.print(table(["Name", "Path", "Type", "Capacity", "Allocation"], fresh.map((x) => [x.name, x.path, S.volInfoType(v.conn, pool, x), prettyBytes(x.capacity), prettyBytes(x.allocation)]), !v.quiet));
    return true;
  }
  v.print(table(["Name", "Path"], vols.map((x) => [x.name, x.path]), !v.quiet));
  return true;
};

/** A volume as libvirt reports it after re-reading its file (refreshVol), looked up again in the new state. */
function refreshedVol(v: Virsh, r: { vol: Volume; pool: Pool }): Volume {
  if (isTest(v)) return r.vol;
  const pi = v.conn.pools.findIndex((q) => q.uuid === r.pool.uuid);
  const vi = pi < 0 ? -1 : v.conn.pools[pi]!.volumes.findIndex((x) => x.name === r.vol.name);
  if (vi < 0) return r.vol;
  v.mutate((c, fs) => S.refreshVolume(c, c.pools[pi]!.volumes[vi]!, fs));
  return v.conn.pools[pi]?.volumes[vi] ?? r.vol;
}

const volInfo: Handler = (v, o) => {
  const r = optVol(v, o);
  if (!r) return false;
  const x = refreshedVol(v, r);
  const bytes = o.has("bytes");
  let s = kv("Name:", x.name) + kv("Type:", S.volInfoType(v.conn, r.pool, x));
  s += kv("Capacity:", bytes ? `${x.capacity} bytes` : prettyBytes(x.capacity));
  if (o.has("physical")) s += kv("Physical:", bytes ? `${x.allocation} bytes` : prettyBytes(x.allocation));
  else s += kv("Allocation:", bytes ? `${x.allocation} bytes` : prettyBytes(x.allocation));
  v.print(s);
  return true;
};

const volDumpxml: Handler = (v, o) => {
  const r = optVol(v, o);
  if (!r) return false;
  const x = formatXml(volumeXml(refreshedVol(v, r)));
  const xp = o.strQuiet("xpath");
  if (xp !== undefined) return xpathDump(v, x, xp, o.has("wrap"));
  v.print(x);
  return true;
};

const volPath: Handler = (v, o) => {
  const r = optVol(v, o);
  if (!r) return false;
  v.print(`${r.vol.path}\n`);
  return true;
};
const volKey: Handler = (v, o) => {
  const r = optVol(v, o);
  if (!r) return false;
  v.print(`${r.vol.key ?? r.vol.path}\n`);
  return true;
};
const volName: Handler = (v, o) => {
  const r = optVol(v, o, "vol", null);
  if (!r) return false;
  v.print(`${r.vol.name}\n`);
  return true;
};
const volPool: Handler = (v, o) => {
  const r = optVol(v, o, "vol", null);
  if (!r) return false;
  v.print(`${o.has("uuid") ? r.pool.uuid : poolName(r.pool.def)}\n`);
  return true;
};

const volCreateAs: Handler = (v, o) => {
  const p = activePool(v, o);
  if (!p) return false;
  const nameR = optStr(v, o, "name");
  if (!nameR || nameR.value === undefined) return false;
  const name = nameR.value;
  const capStr = o.raw("capacity")!;
  const capacity = parseSize(v, capStr);
  if (capacity === null) return false;
  const allocStr = o.strQuiet("allocation");
  let allocation: number | undefined;
  if (allocStr !== undefined) {
    const a = parseSize(v, allocStr);
    if (a === null) return false;
    allocation = a;
  }
  const format = o.strQuiet("format");
  const bvol = o.strQuiet("backing-vol");
  const bfmt = o.strQuiet("backing-vol-format");
  let backing: Volume["backing"];
  if (bvol !== undefined) {
    const bv = S.findVolume(p, bvol) ?? S.findVolumeAnywhere(v.conn, bvol)?.vol;
    if (!bv) {
      v.lastError = lvErr("NO_STORAGE_VOL", `Storage volume not found: no storage vol with matching path '${bvol}'`);
      v.error(`failed to get vol '${bvol}'`);
      return false;
    }
    backing = { path: bv.path, ...(bfmt ? { format: bfmt } : {}) };
  }
  let xml = `<volume>\n  <name>${name}</name>\n  <capacity>${capacity}</capacity>\n`;
  if (allocation !== undefined) xml += `  <allocation>${allocation}</allocation>\n`;
  if (format) xml += `  <target>\n    <format type='${format}'/>\n  </target>\n`;
  if (backing) xml += `  <backingStore>\n    <path>${backing.path}</path>\n${bfmt ? `    <format type='${bfmt}'/>\n` : ""}  </backingStore>\n`;
  xml += "</volume>\n";
  if (o.has("print-xml")) {
    v.print(xml);
    return true;
  }
  if (isTest(v) && o.has("prealloc-metadata")) {
    v.lastError = unsupportedFlags(1, "testStorageVolCreateXML");
    v.error(`Failed to create vol ${name}`);
    return false;
  }
  const res = v.mutate((c, fs) => S.createVolume(c, c.pools.find((x) => x.uuid === p.uuid)!, { name, capacity, ...(allocation !== undefined ? { allocation } : {}), ...(format ? { format } : {}), ...(backing ? { backing } : {}) }, fs, Math.floor(v.now / 1000)));
  if ("code" in res) {
    v.lastError = res;
    v.error(`Failed to create vol ${name}`);
    return false;
  }
  v.printExtra(`Vol ${name} created\n`);
  return true;
};

const volCreate: Handler = (v, o) => {
  const p = activePool(v, o);
  if (!p) return false;
  const file = o.raw("file")!;
  const text = readXmlFile(v, file);
  if (text === undefined) return false;
  const spec = parseVolumeXml(text);
  const res =
    "code" in spec
      ? spec
      : v.mutate((c, fs) => S.createVolume(c, c.pools.find((x) => x.uuid === p.uuid)!, { name: spec.name, capacity: spec.capacity, ...(spec.allocation !== undefined ? { allocation: spec.allocation } : {}), ...(spec.format ? { format: spec.format } : {}), ...(spec.backing ? { backing: spec.backing } : {}), ...(spec.type ? { type: spec.type as Volume["type"] } : {}), ...(spec.perms ? { perms: spec.perms } : {}) }, fs, Math.floor(v.now / 1000)));
  if ("code" in res) {
    v.lastError = res;
    v.error(`Failed to create vol from ${file}`);
    return false;
  }
  v.printExtra(`Vol ${res.name} created from ${file}\n`);
  return true;
};

const volClone: Handler = (v, o) => {
  const r = optVol(v, o);
  if (!r) return false;
  const newname = o.raw("newname")!;
  const src = r.vol;
  // VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA = 1, _REFLINK = 2: the test driver takes no flags
  const flags = (o.has("prealloc-metadata") ? 1 : 0) | (o.has("reflink") ? 2 : 0);
  if (isTest(v) && flags) {
    v.lastError = unsupportedFlags(flags, "testStorageVolCreateXMLFrom");
    v.error(`Failed to clone vol from ${r.vol.name}`);
    return false;
  }
  const res = v.mutate((c, fs) => {
    const pp = c.pools.find((x) => x.uuid === r.pool.uuid)!;
    if (!pp.active) return lvErr("OPERATION_INVALID", `Requested operation is not valid: storage pool '${poolName(pp.def)}' is not active`);
    if (pp.volumes.some((x) => x.name === newname)) return lvErr("OPERATION_FAILED", "operation failed: storage vol already exists");
    if (c.driver === "test") {
      if (pp.allocation + src.allocation > pp.capacity) return lvErr("INTERNAL_ERROR", `internal error: Not enough free space in pool for volume '${newname}'`);
      const nv: Volume = { ...src, name: newname, path: `${poolPath(pp.def)}/${newname}` };
      pp.volumes.push(nv);
      S.recomputePool(c, pp);
      return nv;
    }
    const node = fs?.[src.path];
    const path = `${poolPath(pp.def)}/${newname}`;
    if (fs && node && node.kind === "file") fs[path] = { ...node, mtime: Math.floor(v.now / 1000), ...(node.lock ? { lock: undefined } : {}) };
    if (fs && fs[path] && fs[path]!.kind === "file") delete (fs[path] as { lock?: unknown }).lock;
    const nv: Volume = { ...src, name: newname, path };
    pp.volumes.push(nv);
    S.recomputePool(c, pp);
    return nv;
  });
  if ("code" in res) {
    v.lastError = res;
    v.error(`Failed to clone vol from ${r.vol.name}`);
    return false;
  }
  v.printExtra(`Vol ${newname} cloned from ${r.vol.name}\n`);
  return true;
};

const volDelete: Handler = (v, o) => {
  const r = optVol(v, o);
  if (!r) return false;
  const e = v.mutate((c, fs) => {
    const pp = c.pools.find((x) => x.uuid === r.pool.uuid)!;
    const vol = pp.volumes.find((x) => x.path === r.vol.path)!;
    return S.deleteVolume(c, pp, vol, fs);
  });
  if (e) {
    v.lastError = e;
    v.error(`Failed to delete vol ${r.name}`);
    return false;
  }
  v.printExtra(`Vol ${r.name} deleted\n`);
  return true;
};

/**
 * storageBackendResizeQemuImg: libvirt runs `qemu-img resize [--shrink] PATH SIZE` on the serving host and
 * reports a failure as a failed child process with qemu-img's message.
 */
function runQemuImgResize(v: Virsh, path: string, capacity: number, shrink: boolean): LvError | undefined {
  const args = ["resize", ...(shrink ? ["--shrink"] : []), path, String(capacity)];
  const r = qemuImg.run({ world: v.world, host: v.hostName, cwd: "/", env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" }, user: "root", stdin: null, tty: false, argv0: "/usr/bin/qemu-img" }, args);
  if (r.exit !== 0) {
    const err = r.out.filter((c) => c.fd === 2).map((c) => c.text).join("");
    return lvErr("INTERNAL_ERROR", `internal error: Child process (/usr/bin/qemu-img ${args.join(" ")}) unexpected exit status ${r.exit}${err ? `: ${err}` : ""}`);
  }
  if (r.world) v.world = r.world;
  return undefined;
}

const volResize: Handler = (v, o) => {
  const r = optVol(v, o);
  if (!r) return false;
  const capStr = o.raw("capacity")!;
  let delta = o.has("delta");
  // a leading '-' means a shrinking delta (with --shrink); a leading '+' is only strtoull's sign, not a delta
  let s = capStr.replace(/^\s+/, "");
  if (s.startsWith("-")) {
    if (!o.has("shrink")) {
      v.error("negative size requires --shrink");
      return false;
    }
    s = s.slice(1);
    delta = true;
  }
  const cap = parseSize(v, s.startsWith("+") ? s.slice(1) : s);
  if (cap === null) return false;
  if (isTest(v)) {
    v.lastError = noSupport("virStorageVolResize");
    v.error(`Failed to change size of volume '${r.name}' to ${capStr}`);
    return false;
  }
  const flags = { shrink: o.has("shrink"), allocate: o.has("allocate") };
  const abs = delta ? (o.has("shrink") ? r.vol.capacity - Math.min(cap, r.vol.capacity) : r.vol.capacity + cap) : cap;
  let e: LvError | void;
  if (S.resizedByQemuImg(v.conn, r.vol)) {
    // every format but raw goes through qemu-img resize: the same transition the learner's qemu-img runs
    e = S.checkResize(r.pool, r.vol, abs, flags);
    if (!e && flags.allocate) e = lvErr("OPERATION_UNSUPPORTED", "Operation not supported: preallocate is only supported for raw type volume");
    if (!e) e = runQemuImgResize(v, r.vol.path, abs, abs < r.vol.capacity);
    if (!e)
      v.mutate((c, fs) => {
        const pp = c.pools.find((x) => x.uuid === r.pool.uuid)!;
        S.volumeResized(c, pp, pp.volumes.find((x) => x.path === r.vol.path)!, fs);
        return undefined;
      });
  } else
    e = v.mutate((c, fs) => {
      const pp = c.pools.find((x) => x.uuid === r.pool.uuid)!;
      return S.resizeVolume(c, pp, pp.volumes.find((x) => x.path === r.vol.path)!, abs, flags, fs);
    });
  if (e) {
    v.lastError = e;
    v.error(delta ? `Failed to change size of volume '${r.name}' by ${s}` : `Failed to change size of volume '${r.name}' to ${s}`);
    return false;
  }
  v.printExtra(delta ? `Size of volume '${r.name}' successfully changed by ${s}\n` : `Size of volume '${r.name}' successfully changed to ${s}\n`);
  return true;
};

const volWipe: Handler = (v, o) => {
  const r = optVol(v, o);
  if (!r) return false;
  const alg = o.strQuiet("algorithm");
  const algs = ["zero", "nnsa", "dod", "bsi", "gutmann", "schneier", "pfitzner7", "pfitzner33", "random", "trim"];
  if (alg !== undefined && !algs.includes(alg)) {
    v.error(`Unsupported algorithm '${alg}'`);
    return false;
  }
  if (isTest(v)) {
    // cmdVolWipe calls virStorageVolWipePattern and falls back to virStorageVolWipe for the zero algorithm only
    v.lastError = noSupport(alg === undefined || alg === "zero" ? "virStorageVolWipe" : "virStorageVolWipePattern");
    v.error(`Failed to wipe vol ${r.name}`);
    return false;
  }
  v.printExtra(`Vol ${r.name} wiped\n`);
  return true;
};

const poolCapabilities: Handler = (v) => {
  if (isTest(v)) {
    v.lastError = noSupport("virConnectGetStoragePoolCapabilities");
    v.error("failed to get storage pool capabilities");
    return false;
  }
  let s = "<storagepoolCapabilities>\n";
  for (const t of POOL_TYPES) s += `  <pool type='${t}' supported='${["dir", "fs", "netfs", "logical", "disk", "iscsi", "iscsi-direct", "scsi", "mpath", "rbd", "gluster", "zfs"].includes(t) ? "yes" : "no"}'/>\n`;
  v.print(s + "</storagepoolCapabilities>\n");
  return true;
};

/** testConnectFindStoragePoolSources: fixed LVM answers, an NFS export named after the host asked for. */
function findSources(v: Virsh, type: string, spec: string | undefined): boolean {
  const fail = (e: ReturnType<typeof lvErr>) => {
    v.lastError = e;
    v.error(`Failed to find any ${type} pool sources`);
    return false;
  };
  if (!isTest(v)) return fail(noSupport(`pool type '${type}' does not support source discovery`));
  if (!POOL_TYPES.includes(type) || !["dir", "logical", "netfs"].includes(type)) return fail(noSupport(`pool type '${type}' does not support source discovery`));
  // the driver mistakes type 0 (dir) for an unknown type
  if (type === "dir") return fail(lvErr("INTERNAL_ERROR", `internal error: unknown storage pool type ${type}`));
  if (type === "logical") {
    const one = (dev: string, name: string) => `  <source>\n    <device path='${dev}'/>\n    <name>${name}</name>\n    <format type='lvm2'/>\n  </source>\n`;
    v.print(`<sources>\n${one("/dev/sda20", "testvg1")}${one("/dev/sda21", "testvg2")}</sources>\n`);
    return true;
  }
  let host: string | undefined;
  if (spec !== undefined) {
    const p = parseXml(spec);
    if ("error" in p) return fail(lvErr("XML_DETAIL", syntaxErrorText(p.error, "(storage_source_specification)")));
    const root = stripWs(p.root);
    host = root.name === "source" ? kids(root, "host")[0]?.attrs.name : undefined;
  }
  if (!host) return fail(lvErr("INVALID_ARG", "invalid argument: hostname must be specified for netfs sources"));
  v.print(`<sources>\n  <source>\n    <host name='${host}'/>\n    <dir path='/testshare'/>\n    <format type='nfs'/>\n  </source>\n</sources>\n`);
  return true;
}

const findPoolSources: Handler = (v, o) => {
  const type = o.raw("type")!;
  const file = o.strQuiet("srcSpec");
  let spec: string | undefined;
  if (file !== undefined) {
    spec = readXmlFile(v, file);
    if (spec === undefined) return false;
  }
  return findSources(v, type, spec);
};

/** find-storage-pool-sources-as builds the source spec from --host/--port/--initiator. */
const findPoolSourcesAs: Handler = (v, o) => {
  const type = o.raw("type")!;
  const host = o.strQuiet("host");
  const port = o.strQuiet("port");
  const initiator = o.strQuiet("initiator");
  let spec: string | undefined;
  if (host) {
    spec = `<source>\n  <host name='${host}'${port ? ` port='${port}'` : ""}/>\n`;
    if (initiator) spec += `  <initiator>\n    <iqn name='${initiator}'/>\n  </initiator>\n`;
    spec += "</source>\n";
  }
  return findSources(v, type, spec);
};

/** vol-create-from: a new volume described by XML, cloned from an existing one (same pool in the test driver). */
const volCreateFrom: Handler = (v, o) => {
  const p = activePool(v, o);
  if (!p) return false;
  const flags = (o.has("prealloc-metadata") ? 1 : 0) | (o.has("reflink") ? 2 : 0);
  const input = optVol(v, o, "vol", "inputpool");
  if (!input) return false;
  const file = o.raw("file")!;
  const text = readXmlFile(v, file);
  if (text === undefined) return false;
  const res = v.mutate((c, fs) => {
    const pp = c.pools.find((x) => x.uuid === p.uuid)!;
    if (c.driver === "test" && flags) return unsupportedFlags(flags, "testStorageVolCreateXMLFrom");
    if (!pp.active) return lvErr("OPERATION_INVALID", `Requested operation is not valid: storage pool '${poolName(pp.def)}' is not active`);
    const spec = parseVolumeXml(text);
    if ("code" in spec) return spec;
    const fmt = S.volFormatFor(poolType(pp.def), spec.format);
    if (typeof fmt === "object") return fmt;
    if (pp.volumes.some((x) => x.name === spec.name)) return lvErr("OPERATION_FAILED", "operation failed: storage vol already exists");
    const orig = pp.volumes.find((x) => x.name === input.vol.name);
    if (!orig) return lvErr("NO_STORAGE_VOL", `Storage volume not found: no storage vol with matching name '${input.vol.name}'`);
    return S.createVolume(c, pp, { name: spec.name, capacity: spec.capacity, ...(spec.allocation !== undefined ? { allocation: spec.allocation } : {}), ...(spec.format ? { format: spec.format } : {}), ...(spec.type ? { type: spec.type as Volume["type"] } : {}), ...(spec.backing ? { backing: spec.backing } : {}), ...(spec.perms ? { perms: spec.perms } : {}) }, fs, Math.floor(v.now / 1000));
  });
  if ("code" in res) {
    v.lastError = res;
    v.error(`Failed to create vol from ${file}`);
    return false;
  }
  v.printExtra(`Vol ${res.name} created from input vol ${input.vol.name}\n`);
  return true;
};

/** vol-upload / vol-download: the local file is opened first; the test driver has no volume streams. */
function volStream(upload: boolean): Handler {
  return (v, o) => {
    const r = optVol(v, o);
    if (!r) return false;
    const file = o.raw("file")!;
    if (upload) {
      if ("errno" in v.readLocalFile(file)) {
        v.error(`cannot read ${file}`);
        return false;
      }
    } else {
      const dir = v.absPath(file).replace(/\/[^/]*$/, "") || "/";
      if (v.fs[dir]?.kind !== "dir") {
        v.error(`cannot create ${file}`);
        return false;
      }
    }
    if (isTest(v)) {
      v.lastError = noSupport(upload ? "virStorageVolUpload" : "virStorageVolDownload");
      v.error(upload ? `cannot upload to volume ${r.name}` : `cannot download from volume ${r.name}`);
      return false;
    }
    if (!upload) v.writeLocalFile(file, "");
    return true;
  };
}

export const STORAGE_HANDLERS: Record<string, Handler> = {
  "vol-create-from": volCreateFrom,
  "vol-upload": volStream(true),
  "vol-download": volStream(false),
  "pool-capabilities": poolCapabilities,
  "find-storage-pool-sources": findPoolSources,
  "find-storage-pool-sources-as": findPoolSourcesAs,
  "pool-list": poolList,
  "pool-info": poolInfo,
  "pool-dumpxml": poolDumpxml,
  "pool-start": poolStart,
  "pool-build": poolBuild,
  "pool-destroy": poolDestroy,
  "pool-undefine": poolUndefine,
  "pool-refresh": poolRefresh,
  "pool-delete": poolDelete,
  "pool-autostart": poolAutostart,
  "pool-define": poolDefine,
  "pool-create": poolCreate,
  "pool-define-as": poolAs(false),
  "pool-create-as": poolAs(true),
  "pool-name": poolName_,
  "pool-uuid": poolUuid,
  "pool-edit": poolEdit,
  "vol-list": volList,
  "vol-info": volInfo,
  "vol-dumpxml": volDumpxml,
  "vol-path": volPath,
  "vol-key": volKey,
  "vol-name": volName,
  "vol-pool": volPool,
  "vol-create-as": volCreateAs,
  "vol-create": volCreate,
  "vol-clone": volClone,
  "vol-delete": volDelete,
  "vol-resize": volResize,
  "vol-wipe": volWipe,
};

export { normalizePool, parseXml, stripWs };
