// convert/measure -l: "snapshot.id=ID,snapshot.name=NAME" (QemuOpts, parsed while reading the options) or a
// plain snapshot id or name.
import type { DiskImage, ImageSnapshot } from "../../model/image";
import { findSnapshot } from "../../model/image";
import type { Run } from "./run";

export type SnapshotParam = { id?: string; name?: string } | { idOrName: string };

/** Parse -l as qemu-img does; a malformed "snapshot." list ends the run (exit 1). */
export function parseSnapshotParam(run: Run, arg: string): SnapshotParam {
  if (!arg.startsWith("snapshot.")) return { idOrName: arg };
  const out: { id?: string; name?: string } = {};
  let bad: string | undefined;
  for (const raw of arg.replace(/,,/g, "\0").split(",")) {
    const item = raw.replace(/\0/g, ",");
    const eq = item.indexOf("=");
    const key = eq < 0 ? item : item.slice(0, eq);
    if (eq < 0 && key !== "") run.stderr(`${run.prog}: warning: short-form boolean option '${key}' deprecated\nPlease use ${key}=on instead\n`);
    const value = eq < 0 ? "on" : item.slice(eq + 1);
    if (key === "snapshot.id") out.id = value;
    else if (key === "snapshot.name") out.name = value;
    else {
      bad = key;
      break;
    }
  }
  if (bad !== undefined) {
    run.report(`Invalid parameter '${bad}'`);
    run.report(`Failed in parsing snapshot param '${arg}'`);
    throw run.exit(1);
  }
  return out;
}

/** The snapshot -l names (bdrv_snapshot_load_tmp): by id and/or name, or the plain form by id, then name. */
export function findSnapshotParam(img: DiskImage, p: SnapshotParam): ImageSnapshot | undefined {
  if ("idOrName" in p) return findSnapshot(img, p.idOrName);
  if (p.id === undefined && p.name === undefined) return undefined;
  return (img.snapshots ?? []).find((s) => (p.id === undefined || s.id === p.id) && (p.name === undefined || s.name === p.name));
}
