// Guest images from templates: a disk image file whose guest is a ready-made OS (fixtures, labs, goldens).
import { produce } from "immer";
import { makeDir, writeFile } from "../fs";
import { newImage, type DiskImage } from "../image";
import type { GuestDisk, GuestFs } from "./disk";
import { uuidFor, type Host, type World } from "../world";
import { buildTemplate, TEMPLATES } from "./build";
import { putGuest } from "./image";

/**
 * Create `path` on `host` as a `format` image holding the guest of template `name`; undefined if unknown.
 * Without `installed` the guest is the bare template the golden recordings built with guestfish (a few
 * files); with it, an installed system's footprint as fixtures have it.
 */
export function createTemplateImage(world: World, host: string, path: string, name: string, format = "qcow2", o: { installed?: boolean } = {}): World | undefined {
  const t = TEMPLATES[name];
  if (!t) return undefined;
  const mtime = Math.floor(world.clock / 1000);
  const guest = buildTemplate(name, mtime, (n) => uuidFor(world.seq * 31 + n), o);
  if (!guest) return undefined;
  return produce(world, (w) => {
    const fs = w.hosts[host]!.fs;
    makeDir(fs, path.slice(0, path.lastIndexOf("/")) || "/", { parents: true, mtime });
    writeFile(fs, path, "", { mtime, image: newImage(format, t.size) });
    putGuest(fs, path, guest);
    w.seq += 1;
  });
}

/**
 * The `guests:` section of a host fixture: image path → template name, giving images that other sections
 * created (libvirt volumes) or new ones a guest OS, e.g. `/var/lib/libvirt/images/web01.qcow2: debian12`.
 * The guest is an installed system: its filesystems hold the template's `installed` payload.
 */
export function loadGuestsSection(section: unknown, host: Host, world: World): { path: (string | number)[]; message: string }[] {
  if (typeof section !== "object" || section === null || Array.isArray(section)) return [{ path: [], message: "a map of image path to guest template, e.g. /var/lib/libvirt/images/web01.qcow2: debian12" }];
  const problems: { path: (string | number)[]; message: string }[] = [];
  const mtime = Math.floor(world.clock / 1000);
  let n = 0;
  for (const [path, spec] of Object.entries(section as Record<string, unknown>)) {
    const [name, hostname] = typeof spec === "string" ? (spec.split(":") as [string, string?]) : ["", undefined];
    if (!TEMPLATES[name]) {
      problems.push({ path: [path], message: `a guest template: one of ${Object.keys(TEMPLATES).join(", ")}` });
      continue;
    }
    if (!path.startsWith("/")) {
      problems.push({ path: [path], message: "an absolute image path" });
      continue;
    }
    const built = buildTemplate(name, mtime, (k) => uuidFor(0x6e57 + n * 97 + k), { installed: true });
    n++;
    if (!built) continue;
    const guest = hostname ? renameGuest(built, hostname) : built;
    const node = host.fs[path];
    if (!node) {
      makeDir(host.fs, path.slice(0, path.lastIndexOf("/")) || "/", { parents: true, mtime });
      writeFile(host.fs, path, "", { mtime, image: newImage("qcow2", TEMPLATES[name]!.size) });
    } else if (node.kind !== "file") {
      problems.push({ path: [path], message: "an image file, not a directory" });
      continue;
    }
    putGuest(host.fs, path, guest);
    // internal snapshots the image already has (libvirt's) were taken of this same guest
    const img = (host.fs[path] as { image?: DiskImage }).image;
    if (img?.snapshots) img.snapshots = img.snapshots.map((s) => (s.guest ? s : { ...s, guest }));
  }
  return problems;
}

/** A template guest with another hostname (/etc/hostname and the 127.0.1.1 line of /etc/hosts). */
function renameGuest(d: GuestDisk, hostname: string): GuestDisk {
  const short = hostname.split(".")[0]!;
  const fix = (fs: GuestFs): GuestFs => {
    const files = { ...fs.files };
    const hn = files["/etc/hostname"];
    if (hn?.kind !== "file") return fs;
    files["/etc/hostname"] = { ...hn, content: hostname + "\n" };
    const hosts = files["/etc/hosts"];
    if (hosts?.kind === "file") files["/etc/hosts"] = { ...hosts, content: hosts.content.replace(/^127\.0\.1\.1\t.*$/m, `127.0.1.1\t${hostname === short ? short : `${hostname}\t${short}`}`) };
    return { ...fs, files };
  };
  return { ...d, partitions: d.partitions.map((p) => (p.fs ? { ...p, fs: fix(p.fs) } : p)), vgs: d.vgs.map((vg) => ({ ...vg, lvs: vg.lvs.map((lv) => (lv.fs ? { ...lv, fs: fix(lv.fs) } : lv)) })) };
}
