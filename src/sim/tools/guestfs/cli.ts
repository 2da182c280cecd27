// What the libguestfs C tools share: their common options (-a, -d, -c, --format, -m, -v, -V, -x, --help),
// getopt_long's messages, adding the disks and mounting the guest by inspection or by -m.
import { getoptLong, type LongOption } from "../../shell/getopt";
import type { Chunk, ToolContext, ToolResult } from "../../shell/tool";
import { inspect } from "../../model/guestfs/inspect";
import { resolvePath, stat } from "../../model/fs";
import { GUESTFS_DATA } from "./guestfish";
import { GError, Handle } from "./handle";
import { domainDisks } from "./libvirt";

export interface CTool {
  name: string;
  short: string;
  longs: LongOption[];
}

export interface Parsed {
  opts: Map<string, string[]>;
  operands: string[];
  drives: { kind: "a" | "d"; value: string; format?: string; second?: boolean }[];
  mounts: string[];
}

export const COMMON_LONGS: LongOption[] = [
  { name: "add", arg: "required", key: "a" },
  { name: "blocksize", arg: "optional", key: "blocksize" },
  { name: "connect", arg: "required", key: "c" },
  { name: "domain", arg: "required", key: "d" },
  { name: "echo-keys", arg: "none", key: "echo-keys" },
  { name: "format", arg: "optional", key: "format" },
  { name: "help", arg: "none", key: "help" },
  { name: "key", arg: "required", key: "key" },
  { name: "keys-from-stdin", arg: "none", key: "keys-from-stdin" },
  { name: "verbose", arg: "none", key: "v" },
  { name: "version", arg: "none", key: "V" },
];

export const err = (text: string): Chunk => ({ fd: 2, text });
export const out = (text: string): Chunk => ({ fd: 1, text });

/** Parse a C tool's command line; a usage error comes back as the tool's result. */
export function parseC(prog: string, args: string[], short: string, longs: LongOption[]): Parsed | ToolResult {
  const r = getoptLong(args, short, [...COMMON_LONGS, ...longs], prog);
  const e = r.events.find((x) => x.kind === "error");
  if (e && e.kind === "error") return { exit: 1, out: [err(`${e.message}Try \u2018${prog} --help\u2019 for more information.\n`)] };
  const opts = new Map<string, string[]>();
  const drives: Parsed["drives"] = [];
  const mounts: string[] = [];
  let format: string | undefined;
  for (const ev of r.events) {
    if (ev.kind !== "option") continue;
    if (ev.key === "help") return { exit: 0, out: [out(GUESTFS_DATA.help[prog]?.stdout ?? "")] };
    if (ev.key === "V") return { exit: 0, out: [out(GUESTFS_DATA.version[prog]?.stdout ?? `${prog} 1.48.2\n`)] };
    if (ev.key === "format") format = ev.arg || undefined;
    if (ev.key === "a" || ev.key === "A") drives.push({ kind: "a", value: ev.arg!, ...(format ? { format } : {}), ...(ev.key === "A" ? { second: true } : {}) });
    else if (ev.key === "d" || ev.key === "D") drives.push({ kind: "d", value: ev.arg!, ...(ev.key === "D" ? { second: true } : {}) });
    else if (ev.key === "m") mounts.push(ev.arg!);
    opts.set(ev.key, [...(opts.get(ev.key) ?? []), ev.arg ?? ""]);
  }
  return { opts, operands: r.operands, drives, mounts };
}

export const isResult = (x: Parsed | ToolResult): x is ToolResult => "exit" in x;

/** Add the -a/-d disks to a new handle; errors are the tool's own wording. */
export function openHandle(ctx: ToolContext, prog: string, p: Parsed, o: { readonly: boolean; which?: "first" | "second" }): Handle | ToolResult {
  const h = new Handle(ctx.world, ctx.host, ctx.cwd);
  h.readonly = o.readonly;
  for (const d of p.drives) {
    if ((o.which === "second") !== !!d.second) continue;
    if (d.kind === "a") {
      if (!stat(h.fs, resolvePath(ctx.cwd, d.value))) return { exit: 1, out: [err(`${prog}: access: ${d.value}: No such file or directory\n`)] };
      h.addDrive(d.value, { readonly: o.readonly, ...(d.format ? { format: d.format } : {}) });
    } else {
      const r = domainDisks(ctx.world, ctx.host, d.value, ctx.env.LIBVIRT_DEFAULT_URI, p.opts.get("c")?.[0], o.readonly);
      if ("error" in r) return { exit: 1, out: [err(r.error)] };
      for (const f of r.files) h.addDrive(f, { readonly: o.readonly });
    }
  }
  return h;
}

const NO_OS = (prog: string) => `${prog}: no operating system was found on this disk\n\nIf using guestfish \u2018-i\u2019 option, remove this option and instead\nuse the commands \u2018run\u2019 followed by \u2018list-filesystems\u2019.\nYou can then mount filesystems you want by hand using the\n\u2018mount\u2019 or \u2018mount-ro\u2019 command.\n\nIf using guestmount \u2018-i\u2019, remove this option and choose the\nfilesystem(s) you want to see by manually adding \u2018-m\u2019 option(s).\nUse \u2018virt-filesystems\u2019 to see what filesystems are available.\n\nIf using other virt tools, this disk image won\u2019t work\nwith these tools.  Use the guestfish equivalent commands\n(see the virt tool manual page).\n`;

/** Launch and mount: the -m filesystems if given, else the inspected OS's mountpoints. */
export function launchAndMount(h: Handle, prog: string, mounts: string[], ro: boolean): Chunk[] | undefined {
  try {
    h.launch();
  } catch (e) {
    if (e instanceof GError) return [err(`libguestfs: error: ${e.text}\n`)];
    throw e;
  }
  if (mounts.length) {
    for (const m of mounts) {
      const [dev = "", mp = "/"] = m.split(":");
      try {
        h.mount("mount_options", dev, mp, ro);
      } catch (e) {
        if (!(e instanceof GError)) throw e;
        const fsList = h.filesystems().filter((f) => f.fs.type !== "swap");
        return [err(`libguestfs: error: mount_options: mount_options_stub: ${dev}: No such file or directory\n${prog}: \u2018${dev}\u2019 could not be mounted.\n${prog}: Did you mean to mount one of these filesystems?\n${fsList.map((f) => `${prog}: \t${f.device} (${f.fs.type})\n`).join("")}`)];
      }
    }
    return undefined;
  }
  const os = inspect(h.disks)[0];
  if (!os) return [err(NO_OS(prog))];
  for (const [mp, dev] of os.mountpoints) {
    try {
      h.mount("mount_options", dev, mp, ro);
    } catch {
      // skipped, as the tools do for a mountpoint that does not exist
    }
  }
  return undefined;
}

/** Result of a tool run with the handle's world (changes written back to the images). */
export const done = (h: Handle, exit: number, chunks: Chunk[]): ToolResult => ({ exit, out: chunks, world: h.world });

/** "you must specify at least one -a or -d option", then usage(EXIT_FAILURE). */
export const needDisks = (prog: string): ToolResult => ({ exit: 1, out: [err(`${prog}: error: you must specify at least one -a or -d option.\nTry \u2018${prog} --help\u2019 for more information.\n`)] });

/** usage (EXIT_FAILURE) of the C tools: only the pointer to --help. */
export const tryHelp = (prog: string): ToolResult => ({ exit: 1, out: [err(`Try \u2018${prog} --help\u2019 for more information.\n`)] });
