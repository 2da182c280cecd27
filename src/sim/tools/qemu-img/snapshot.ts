// qemu-img snapshot: list, create, apply and delete internal snapshots.
import { addInternalSnapshot, applyInternalSnapshot, deleteInternalSnapshot, findSnapshot, type DiskImage } from "../../model/image";
import { SNAPSHOT_HEADER, snapshotRow, imageOpts } from "./info";
import { RAW_PROBE_WARNING } from "./open";
import type { Run } from "./run";

/** "Snapshot list:" and the table, or nothing when there are no snapshots (dump_snapshots). */
export function snapshotList(img: DiskImage): string {
  const list = img.snapshots ?? [];
  if (!list.length) return "";
  return `Snapshot list:\n${SNAPSHOT_HEADER}\n${list.map((s) => snapshotRow(s) + "\n").join("")}`;
}

export function snapshotCommand(run: Run, argv: string[]): number {
  let action: "list" | "apply" | "create" | "delete" | undefined;
  let name = "";
  // actions are checked as getopt returns them, so "Cannot mix" wins over later option errors
  const a = run.getopt(argv, ":la:c:d:hqU", [
    { name: "help", arg: "none", key: "h" },
    { name: "object", arg: "required", key: "object" },
    { name: "image-opts", arg: "none", key: "image-opts" },
    { name: "force-share", arg: "none", key: "U" },
  ], (o) => {
    const act = o.key === "l" ? "list" : o.key === "a" ? "apply" : o.key === "c" ? "create" : o.key === "d" ? "delete" : undefined;
    if (!act) return;
    if (action) run.usage("Cannot mix '-l', '-a', '-c', '-d'");
    action = act;
    name = o.arg ?? "";
  });
  if (a.operands.length !== 1) run.usage("Expecting one image file name");
  let file = a.operands[0]!;
  let fmt: string | undefined;
  if (a.has("image-opts")) ({ name: file, format: fmt } = imageOpts(run, file, fmt));
  const write = action !== "list";
  const layer = run.open(file, { ...(fmt !== undefined ? { format: fmt } : {}), write, noBacking: false, forceShare: a.has("U") })[0]!;
  if (write && layer.probedRaw) run.stderr(RAW_PROBE_WARNING(file));
  const img = layer.image;
  switch (action) {
    case "list":
      if (layer.native) run.stdout(snapshotList(img));
      return 0;
    case "create": {
      const ms = run.nowMs;
      const r = layer.native ? addInternalSnapshot(img, { name, dateSec: Math.floor(ms / 1000), dateNsec: (ms % 1000) * 1e6 + (run.world.seq % 1000) * 1000 }) : { error: "unsupported" as const };
      if ("error" in r) return run.fail(`Could not create snapshot '${name}': -95 (Operation not supported)`);
      run.saveLayer(layer, r);
      return 0;
    }
    case "apply": {
      // bdrv_snapshot_goto() refuses while any dirty bitmap is loaded
      if (layer.native && img.qcow2?.bitmaps.length) return run.fail(`Could not apply snapshot '${name}': Device has active dirty bitmaps`);
      if (!layer.native || img.format !== "qcow2") {
        if (layer.probedRaw) run.stderr(RAW_PROBE_WARNING(file));
        return run.fail(`Could not apply snapshot '${name}': Block driver does not support snapshots`);
      }
      const r = applyInternalSnapshot(img, name);
      if ("error" in r) return run.fail(`Could not apply snapshot '${name}': Failed to load snapshot: No such file or directory`);
      run.saveLayer(layer, r);
      return 0;
    }
    case "delete": {
      const sn = layer.native ? findSnapshot(img, name, "name") : undefined;
      if (!sn) return run.fail(`Could not delete snapshot '${name}': snapshot not found`);
      const r = deleteInternalSnapshot(img, sn.id, "id-or-name");
      if ("error" in r) return run.fail(`Could not delete snapshot '${name}': snapshot not found`);
      run.saveLayer(layer, r);
      return 0;
    }
    default:
      return 0;
  }
}
