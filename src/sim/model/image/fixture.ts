// The `images:` section of a host fixture: disk image files a lab starts with (format, size, backing file,
// guest data written into them, internal snapshots), built through the same model qemu-img uses.
import { z } from "zod";
import type { DiskImage } from "../image";
import { dirname, makeDir, writeFile } from "../fs";
import type { Host, World } from "../world";
import { createImage } from "./formats";
import { writeImage } from "./io";
import { addInternalSnapshot } from "./snapshot";

const Size = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+(\.\d+)?[kKMGTPE]?$/, "a size such as 20G, 512M or 1048576")]);

const Write = z.strictObject({
  offset: Size,
  length: Size,
  /** Byte value written (qemu-io -P); omit with `zero: true` for write -z. */
  pattern: z.number().int().min(0).max(255).optional(),
  zero: z.boolean().default(false),
});

const ImageFx = z.strictObject({
  path: z.string().regex(/^\//, "an absolute path"),
  format: z.string().default("qcow2"),
  size: Size,
  backing_file: z.string().optional(),
  backing_fmt: z.string().optional(),
  /** qemu-img create -o options, e.g. { cluster_size: "65536", compat: "0.10" } (sizes in bytes). */
  options: z.record(z.string(), z.string()).default({}),
  writes: z.array(Write).default([]),
  snapshots: z.array(z.string()).default([]),
});

const ImagesSection = z.array(ImageFx);

const UNITS: Record<string, number> = { k: 2 ** 10, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50, E: 2 ** 60 };

/** "20G" → bytes. */
export function fixtureSize(v: number | string): number {
  if (typeof v === "number") return v;
  const m = /^(\d+(?:\.\d+)?)([kKMGTPE]?)$/.exec(v)!;
  return Math.round(Number(m[1]) * (m[2] ? UNITS[m[2]]! : 1));
}

export function loadImagesSection(section: unknown, host: Host, world: World): { path: (string | number)[]; message: string }[] {
  const r = ImagesSection.safeParse(section);
  if (!r.success) return r.error.issues.map((i) => ({ path: i.path as (string | number)[], message: i.message }));
  const problems: { path: (string | number)[]; message: string }[] = [];
  const mtime = Math.floor(world.clock / 1000);
  const images = new Map<string, DiskImage>();
  r.data.forEach((fx, i) => {
    const made = createImage({
      format: fx.format,
      virtualSize: fixtureSize(fx.size),
      options: fx.options,
      ...(fx.backing_file !== undefined ? { backingFile: fx.backing_file } : {}),
      ...(fx.backing_fmt !== undefined ? { backingFormat: fx.backing_fmt } : {}),
      seed: world.clock + i,
      fileName: fx.path.slice(fx.path.lastIndexOf("/") + 1),
    });
    if ("error" in made) {
      problems.push({ path: [i], message: made.error.message });
      return;
    }
    let img = made.image;
    // guest writes see the backing chain declared earlier in the section
    const backing = fx.backing_file !== undefined ? images.get(fx.backing_file.startsWith("/") ? fx.backing_file : `${dirname(fx.path)}/${fx.backing_file}`) : undefined;
    for (const w of fx.writes) {
      img = writeImage([img, ...(backing ? [backing] : [])], fixtureSize(w.offset), fixtureSize(w.length), w.zero ? { kind: "zero" } : { kind: "data", pat: w.pattern ?? 0xcd });
    }
    for (const name of fx.snapshots) {
      const s = addInternalSnapshot(img, { name, dateSec: mtime, dateNsec: 0 });
      if ("error" in s) problems.push({ path: [i, "snapshots"], message: `${fx.format} images have no internal snapshots` });
      else img = s;
    }
    makeDir(host.fs, dirname(fx.path), { parents: true, mtime });
    writeFile(host.fs, fx.path, "", { mtime, image: img });
    for (const [name, extra] of Object.entries(made.extraFiles ?? {})) writeFile(host.fs, `${dirname(fx.path)}/${name}`, "", { mtime, image: extra });
    images.set(fx.path, img);
  });
  return problems;
}
