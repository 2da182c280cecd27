// Storage pool and volume transitions: define, build, start, destroy, undefine, refresh; volume create,
// clone, delete, resize, wipe. Pools of real-host connections mirror directories of the host filesystem.
import { basename, dirname, listDir, makeDir, removeNode, stat, writeFile, type Fs, type FileNode } from "../fs";
import { newImage } from "../image";
import { child, childText, el, kids, type XmlEl } from "./xml";
import { poolName, poolPath, poolType } from "./net-xml";
import { lvErr, type LibvirtConn, type LvError, type Pool, type StoragePerms, type Volume } from "./types";

/** The test driver's fixed pool size (testStoragePoolObjSetDefaults): 100 GiB. */
export const TEST_POOL_CAPACITY = 100 * 1024 ** 3;

export const noPool = (name: string) => lvErr("NO_STORAGE_POOL", `Storage pool not found: no storage pool with matching name '${name}'`);
export const noVolume = (key: string) => lvErr("NO_STORAGE_VOL", `Storage volume not found: no storage vol with matching path '${key}'`);

export function lookupPool(conn: LibvirtConn, key: string): Pool | undefined {
  const lower = key.toLowerCase().replace(/-/g, "");
  return (
    (/^[0-9a-f]{32}$/.test(lower) ? conn.pools.find((p) => p.uuid.replace(/-/g, "") === lower) : undefined) ?? conn.pools.find((p) => poolName(p.def) === key)
  );
}

export function recomputePool(conn: LibvirtConn, p: Pool, diskBytes?: number): void {
  const alloc = p.volumes.reduce((a, v) => a + v.allocation, 0);
  if (conn.driver === "test") {
    p.capacity = TEST_POOL_CAPACITY;
    p.allocation = alloc;
    p.available = TEST_POOL_CAPACITY - alloc;
  } else {
    p.capacity = diskBytes ?? p.capacity;
    p.allocation = alloc;
    p.available = Math.max(0, p.capacity - alloc);
  }
}

/** virStoragePoolObjSourceFindDuplicate: another pool using the same storage source (by pool type). */
export function sourceConflict(conn: LibvirtConn, def: XmlEl): Pool | undefined {
  const src = (d: XmlEl) => child(d, "source");
  const devs = (d: XmlEl) => kids(src(d), "device").map((x) => x.attrs.path ?? "");
  const dir = (d: XmlEl) => child(src(d), "dir")?.attrs.path;
  const sname = (d: XmlEl) => childText(src(d), "name");
  const hosts = (d: XmlEl) => kids(src(d), "host");
  // virStoragePoolSourceMatchSingleHost
  const sameHost = (a: XmlEl, b: XmlEl) => {
    const ha = hosts(a);
    const hb = hosts(b);
    if (ha.length !== 1 && hb.length !== 1) return false;
    if (hb[0]?.attrs.port && ha[0]?.attrs.port !== hb[0].attrs.port) return false;
    return ha[0]?.attrs.name === hb[0]?.attrs.name;
  };
  const t = poolType(def);
  const deviceTypes = ["iscsi", "fs", "logical", "disk", "zfs"];
  return conn.pools.find((p) => {
    const o = p.def;
    const ot = poolType(o);
    if (poolName(o) === poolName(def)) return false;
    switch (ot) {
      case "dir":
        return t === ot && poolPath(o) === poolPath(def);
      case "gluster":
        return t === ot && sname(o) === sname(def) && dir(o) === dir(def) && sameHost(o, def);
      case "netfs":
        return t === ot && dir(o) === dir(def) && sameHost(o, def);
      case "scsi": {
        if (t !== ot) return false;
        const a = child(src(o), "adapter");
        const b = child(src(def), "adapter");
        const at = a?.attrs.type ?? (a?.attrs.name ? "scsi_host" : "fc_host");
        const bt = b?.attrs.type ?? (b?.attrs.name ? "scsi_host" : "fc_host");
        if (at === "fc_host" && bt === "fc_host") return a?.attrs.wwnn === b?.attrs.wwnn && a?.attrs.wwpn === b?.attrs.wwpn;
        if (at === "scsi_host" && bt === "scsi_host") {
          const num = (x: XmlEl | undefined) => /^(?:scsi_)?host(\d+)$/.exec(x?.attrs.name ?? "")?.[1];
          return num(a) !== undefined && num(a) === num(b);
        }
        return false;
      }
      case "iscsi":
      case "fs":
      case "logical":
      case "disk":
      case "zfs": {
        if (!deviceTypes.includes(t)) return false;
        if ((ot === "iscsi") !== (t === "iscsi")) return false;
        const dup = devs(o).some((x) => devs(def).includes(x));
        if (ot === "iscsi") return dup && childText(child(src(o), "initiator"), "iqn") === childText(child(src(def), "initiator"), "iqn") && child(child(src(o), "initiator"), "iqn")?.attrs.name === child(child(src(def), "initiator"), "iqn")?.attrs.name;
        return dup;
      }
      case "sheepdog":
        return t === ot && sameHost(o, def);
      case "mpath":
        return t === ot;
      case "vstorage":
        return t === ot && sname(o) === sname(def);
      default:
        return false;
    }
  });
}

export function definePool(conn: LibvirtConn, def: XmlEl): Pool | LvError {
  const clash = sourceConflict(conn, def);
  if (clash) return lvErr("OPERATION_FAILED", `operation failed: Storage source conflict with pool: '${poolName(clash.def)}'`);
  const name = poolName(def);
  const uuid = (def.children[1] as XmlEl).children.join("");
  const byName = conn.pools.find((p) => poolName(p.def) === name);
  const byUuid = conn.pools.find((p) => p.uuid === uuid);
  if (byName && byName.uuid !== uuid) return lvErr("OPERATION_FAILED", `operation failed: pool '${name}' already exists with uuid ${byName.uuid}`);
  if (byUuid && poolName(byUuid.def) !== name) return lvErr("OPERATION_FAILED", `operation failed: pool '${poolName(byUuid.def)}' is already defined with uuid ${uuid}`);
  if (byName) {
    // virStoragePoolObjListAdd: a running pool keeps its live definition until it stops
    if (byName.active) byName.newDef = def;
    else byName.def = def;
    byName.persistent = true;
    if (conn.driver === "test") {
      // testStoragePoolObjSetDefaults runs on the live definition: the allocation figure starts again from 0
      byName.capacity = TEST_POOL_CAPACITY;
      byName.allocation = 0;
      byName.available = TEST_POOL_CAPACITY;
    }
    return byName;
  }
  const p: Pool = { uuid, def, active: false, persistent: true, autostart: false, volumes: [], capacity: 0, allocation: 0, available: 0 };
  conn.pools.push(p);
  return p;
}

export function undefinePool(conn: LibvirtConn, p: Pool): LvError | void {
  if (p.active) return lvErr("OPERATION_INVALID", `Requested operation is not valid: storage pool '${poolName(p.def)}' is active`);
  conn.pools = conn.pools.filter((x) => x.uuid !== p.uuid);
}

/** pool-build: for directory pools, mkdir the target path on the host. */
export function buildPool(conn: LibvirtConn, p: Pool, fs: Fs | undefined, mtime: number): LvError | void {
  if (p.active) return lvErr("OPERATION_INVALID", `Requested operation is not valid: storage pool '${poolName(p.def)}' is active`);
  const path = poolPath(p.def);
  if (fs && path && ["dir", "fs", "netfs"].includes(poolType(p.def))) makeDir(fs, path, { parents: true, mtime, mode: 0o755 });
}

export function startPool(conn: LibvirtConn, p: Pool, fs: Fs | undefined, diskBytes: number): LvError | void {
  if (p.active) return lvErr("OPERATION_INVALID", `Requested operation is not valid: storage pool '${poolName(p.def)}' is active`);
  if (fs && conn.driver !== "test") {
    const path = poolPath(p.def);
    if (["dir", "fs", "netfs"].includes(poolType(p.def)) && path && stat(fs, path)?.kind !== "dir")
      return lvErr("SYSTEM_ERROR", `cannot open directory '${path}': No such file or directory`);
    p.active = true;
    refreshPool(conn, p, fs, diskBytes);
    return;
  }
  p.active = true;
  recomputePool(conn, p);
}

export function destroyPool(conn: LibvirtConn, p: Pool): LvError | void {
  if (!p.active) return lvErr("OPERATION_INVALID", `Requested operation is not valid: storage pool '${poolName(p.def)}' is not active`);
  p.active = false;
  if (p.newDef) p.def = p.newDef;
  p.newDef = undefined;
  if (!p.persistent) conn.pools = conn.pools.filter((x) => x.uuid !== p.uuid);
}

/** Rescan a directory pool's files into volumes (real hosts); the test driver keeps its list. */
export function refreshPool(conn: LibvirtConn, p: Pool, fs: Fs | undefined, diskBytes: number): void {
  const path = poolPath(p.def);
  if (conn.driver !== "test" && fs && path && ["dir", "fs", "netfs"].includes(poolType(p.def))) {
    let names: string[] = [];
    try {
      names = listDir(fs, path);
    } catch {
      names = [];
    }
    const vols: Volume[] = [];
    for (const n of names) {
      const full = `${path}/${n}`;
      const node = stat(fs, full);
      if (!node || node.kind !== "file") continue;
      vols.push(volumeFromFile(n, full, node));
    }
    p.volumes = vols;
  }
  recomputePool(conn, p, diskBytes);
}

export function volumeFromFile(name: string, path: string, node: FileNode): Volume {
  const img = node.image;
  const length = img ? img.fileLength : Buffer.byteLength(node.content, "utf8");
  return {
    name,
    path,
    type: "file",
    capacity: img ? img.virtualSize : length,
    allocation: img ? img.allocated : Math.ceil(length / 4096) * 4096,
    format: img?.format ?? (name.endsWith(".iso") ? "iso" : "raw"),
    ...(img?.backingFile ? { backing: { path: img.backingFile.startsWith("/") ? img.backingFile : `${dirname(path)}/${img.backingFile}`, ...(img.backingFormat ? { format: img.backingFormat } : {}) } } : {}),
  };
}

/**
 * virStorageBackendVolRefreshLocal, which virStorageVolGetInfo and virStorageVolGetXMLDesc run first on a
 * local pool of a real host: capacity and allocation read back from the image in the volume's file (changed
 * behind libvirt's back by `qemu-img resize`, say). The pool's own totals wait for a pool refresh, as in
 * libvirt. Nothing changes when the file has no image or already matches.
 */
export function refreshVolume(conn: LibvirtConn, v: Volume, fs: Fs | undefined): void {
  if (conn.driver === "test" || !fs) return;
  const node = stat(fs, v.path);
  if (node?.kind !== "file" || !node.image) return;
  if (v.capacity !== node.image.virtualSize) v.capacity = node.image.virtualSize;
  if (v.allocation !== node.image.allocated) v.allocation = node.image.allocated;
}

export function findVolume(p: Pool, key: string): Volume | undefined {
  return p.volumes.find((v) => v.name === key) ?? p.volumes.find((v) => v.path === key);
}

/** A volume by path or key across all active pools (vol-info PATH without --pool). */
export function findVolumeAnywhere(conn: LibvirtConn, key: string): { pool: Pool; vol: Volume } | undefined {
  for (const p of conn.pools) {
    if (!p.active) continue;
    const v = p.volumes.find((x) => (x.key ?? x.path) === key);
    if (v) return { pool: p, vol: v };
  }
  for (const p of conn.pools) {
    if (!p.active) continue;
    const v = p.volumes.find((x) => x.path === key);
    if (v) return { pool: p, vol: v };
  }
  return undefined;
}

const FILE_FORMATS = ["none", "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop", "cow", "qcow", "qcow2", "qed", "vmdk"];
const DISK_FORMATS = ["none", "linux", "fat16", "fat32", "linux-swap", "linux-lvm", "linux-raid", "extended"];
const FILE_FORMAT_POOLS = ["dir", "fs", "netfs", "gluster", "rbd", "sheepdog", "vstorage"];

/**
 * A volume's format as its pool type reads it (virStorageVolDefParseXML with the pool's volume options):
 * file-backed pools know image formats (default raw), disk pools partition types (default none), the others
 * keep no format at all.
 */
export function volFormatFor(poolType: string, format: string | undefined): string | undefined | LvError {
  const known = FILE_FORMAT_POOLS.includes(poolType) ? FILE_FORMATS : poolType === "disk" ? DISK_FORMATS : undefined;
  if (!known) return undefined;
  if (format === undefined) return poolType === "disk" ? "none" : "raw";
  if (!known.includes(format)) return lvErr("CONFIG_UNSUPPORTED", `unsupported configuration: unknown volume format type ${format}`);
  return format;
}

/** The type virStorageVolGetInfo reports: the test driver derives it from the pool type alone. */
export function volInfoType(conn: LibvirtConn, p: Pool, v: Volume): string {
  if (conn.driver !== "test") return v.type;
  // virStorageVolTypeForPool
  const t = poolType(p.def);
  return ["dir", "fs", "netfs", "vstorage"].includes(t) ? "file" : ["sheepdog", "iscsi-direct", "gluster", "rbd"].includes(t) ? "network" : "block";
}

export interface VolCreate {
  name: string;
  capacity: number;
  allocation?: number;
  format?: string;
  backing?: { path: string; format?: string; perms?: StoragePerms };
  type?: Volume["type"];
  perms?: StoragePerms;
}

export function createVolume(conn: LibvirtConn, p: Pool, spec: VolCreate, fs: Fs | undefined, mtime: number): Volume | LvError {
  if (!p.active) return lvErr("OPERATION_INVALID", `Requested operation is not valid: storage pool '${poolName(p.def)}' is not active`);
  const fmt = conn.driver === "test" ? volFormatFor(poolType(p.def), spec.format) : (spec.format ?? "raw");
  if (typeof fmt === "object") return fmt;
  // virStorageVolDefParseXML reads the backing store's format (defaulting like the volume's own) while parsing
  let backing = spec.backing;
  if (backing && conn.driver === "test") {
    const bfmt = volFormatFor(poolType(p.def), backing.format);
    if (typeof bfmt === "object") return bfmt;
    backing = { path: backing.path, ...(bfmt ? { format: bfmt } : {}), ...(backing.perms ? { perms: backing.perms } : {}) };
  }
  if (p.volumes.some((v) => v.name === spec.name)) return lvErr("OPERATION_FAILED", "operation failed: storage vol already exists");
  // the test driver prints the pool target path with %s, NULL for pools without one
  const base = poolPath(p.def) ?? (conn.driver === "test" ? "(null)" : "");
  const path = `${base}/${spec.name}`;
  const format = spec.format ?? "raw";
  let vol: Volume;
  if (conn.driver === "test") {
    const alloc = spec.allocation ?? spec.capacity;
    if (p.allocation + alloc > p.capacity) return lvErr("INTERNAL_ERROR", `internal error: Not enough free space in pool for volume '${spec.name}'`);
    vol = { name: spec.name, path, type: spec.type ?? "file", capacity: spec.capacity, allocation: alloc, ...(fmt ? { format: fmt } : {}), ...(backing ? { backing } : {}), ...(spec.perms ? { perms: spec.perms } : {}) };
  } else {
    const img = newImage(format === "iso" ? "raw" : format, spec.capacity, spec.backing ? { backingFile: spec.backing.path, ...(spec.backing.format ? { backingFormat: spec.backing.format } : {}) } : {});
    if (spec.allocation !== undefined && format === "raw") img.allocated = Math.min(spec.allocation, spec.capacity);
    if (img.allocated > p.available) return lvErr("INTERNAL_ERROR", `internal error: Not enough free space in pool for volume '${spec.name}'`);
    if (fs) writeFile(fs, path, "", { mtime, mode: 0o600, image: img });
    vol = { name: spec.name, path, type: "file", capacity: img.virtualSize, allocation: img.allocated, format: img.format, ...(spec.backing ? { backing: spec.backing } : {}) };
  }
  p.volumes.push(vol);
  p.volumes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  recomputePool(conn, p);
  return vol;
}

export function deleteVolume(conn: LibvirtConn, p: Pool, v: Volume, fs: Fs | undefined): LvError | void {
  if (fs && conn.driver !== "test" && stat(fs, v.path)) {
    const node = stat(fs, v.path);
    if (node?.kind === "file" && node.lock) return lvErr("OPERATION_INVALID", `Requested operation is not valid: volume '${v.name}' is still in use.`);
    removeNode(fs, v.path);
  }
  p.volumes = p.volumes.filter((x) => x.name !== v.name);
  recomputePool(conn, p);
}

/** storageVolResize's checks before the backend runs (capacity, shrink flag, allocation, pool space). */
export function checkResize(p: Pool, v: Volume, capacity: number, o: { shrink: boolean; allocate: boolean }): LvError | void {
  if (capacity < v.capacity && !o.shrink) return lvErr("INVALID_ARG", "invalid argument: Can't shrink capacity below current capacity unless shrink flag explicitly specified");
  if (capacity < v.allocation && o.shrink && v.format !== "raw") return lvErr("INVALID_ARG", "invalid argument: Can't shrink capacity below current allocation");
  if (capacity - v.allocation > p.available && o.allocate) return lvErr("OPERATION_FAILED", "operation failed: Not enough space left in storage pool");
}

/**
 * Whether a local pool resizes this volume by running `qemu-img resize` (storageBackendVolResizeLocal: every
 * format but raw), rather than truncating or extending the file itself.
 */
export const resizedByQemuImg = (conn: LibvirtConn, v: Volume): boolean => conn.driver !== "test" && conn.files && v.format !== "raw" && v.format !== undefined;

/** The volume as its file now is, after qemu-img changed the image (virStorageBackendVolRefreshLocal). */
export function volumeResized(conn: LibvirtConn, p: Pool, v: Volume, fs: Fs | undefined): void {
  const node = fs ? stat(fs, v.path) : undefined;
  if (node?.kind === "file" && node.image) {
    v.capacity = node.image.virtualSize;
    v.allocation = node.image.allocated;
  }
  recomputePool(conn, p);
}

/** A raw volume resized by virFileResize (or any volume of a driver without files): the file gets the new size. */
export function resizeVolume(conn: LibvirtConn, p: Pool, v: Volume, capacity: number, o: { shrink: boolean; allocate: boolean }, fs: Fs | undefined): LvError | void {
  const bad = checkResize(p, v, capacity, o);
  if (bad) return bad;
  v.capacity = capacity;
  if (v.format === "raw") v.allocation = o.allocate ? capacity : Math.min(v.allocation, capacity);
  const node = fs ? stat(fs, v.path) : undefined;
  if (node?.kind === "file" && node.image) {
    node.image.virtualSize = capacity;
    if (node.image.format === "raw") {
      node.image.fileLength = capacity;
      node.image.allocated = v.allocation;
    }
  }
  recomputePool(conn, p);
}

export function volumeTarget(vol: Volume): XmlEl {
  return el("target", {}, [el("path", {}, [vol.path])]);
}

export { basename };
