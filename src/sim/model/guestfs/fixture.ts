// Guest images from templates: a disk image file whose guest is a ready-made OS (fixtures, labs, goldens).
import { produce } from "immer";
import { makeDir, writeFile } from "../fs";
import { newImage } from "../image";
import { uuidFor, type World } from "../world";
import { buildTemplate, TEMPLATES } from "./build";
import { putGuest } from "./image";

/** Create `path` on `host` as a `format` image holding the guest of template `name`; undefined if unknown. */
export function createTemplateImage(world: World, host: string, path: string, name: string, format = "qcow2"): World | undefined {
  const t = TEMPLATES[name];
  if (!t) return undefined;
  const mtime = Math.floor(world.clock / 1000);
  const guest = buildTemplate(name, mtime, (n) => uuidFor(world.seq * 31 + n));
  if (!guest) return undefined;
  return produce(world, (w) => {
    const fs = w.hosts[host]!.fs;
    makeDir(fs, path.slice(0, path.lastIndexOf("/")) || "/", { parents: true, mtime });
    writeFile(fs, path, "", { mtime, image: newImage(format, t.size) });
    putGuest(fs, path, guest);
    w.seq += 1;
  });
}
