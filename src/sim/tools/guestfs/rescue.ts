// virt-rescue: a root shell in the libguestfs appliance with the guest's disks attached (/dev/sda ...), the
// guest mounted under /sysroot by hand or with -i. A small shell: mount, umount, ls, cat, blkid, lsblk, exit.
import { listDir, resolvePath, stat } from "../../model/fs";
import { probeChecked } from "../../shell/syntax-check";
import { filesystems } from "../../model/guestfs/disk";
import type { InteractiveProgram, Step, Tool, ToolContext, ToolResult, Chunk } from "../../shell/tool";
import type { World } from "../../model/world";
import { done, err, isResult, launchAndMount, needDisks, openHandle, out, parseC, type Parsed } from "./cli";
import { inspect } from "../../model/guestfs/inspect";
import { GError, type Handle } from "./handle";

const BANNER = "The virt-rescue escape key is \u2018^]\u2019.  Type \u2018^] h\u2019 for help.\n\n------------------------------------------------------------\n\nWelcome to virt-rescue, the libguestfs rescue shell.\n\nNote: The contents of / (root) are the rescue appliance.\nYou have to mount the guest\u2019s partitions under /sysroot\nbefore you can examine them.\n\ngroups: cannot find name for group ID 0\n";

class RescueShell implements InteractiveProgram {
  constructor(readonly h: Handle) {}

  prompt(): string {
    return "><rescue> ";
  }

  start(_w: World, tty: boolean): Step {
    return { out: [{ fd: 1, text: BANNER + (tty ? "" : "><rescue> ") }] };
  }

  eof(): Step {
    return { out: [], done: true, exit: 0 };
  }

  /** Guest path for an appliance path under /sysroot. */
  private guestPath(p: string): string | undefined {
    const abs = resolvePath("/", p);
    if (abs === "/sysroot") return "/";
    if (abs.startsWith("/sysroot/")) return abs.slice("/sysroot".length);
    return undefined;
  }

  feed(line: string, world: World, tty: boolean): Step {
    this.h.world = world;
    const words = line.trim().split(/\s+/).filter(Boolean);
    const say: Chunk[] = tty ? [] : [{ fd: 1, text: `${line}\r\n` }];
    const text = (s: string): Chunk => ({ fd: 1, text: s.replace(/\n/g, "\r\n") });
    const prompt = tty ? [] : [{ fd: 1 as const, text: "><rescue> " }];
    const [cmd, ...args] = words;
    if (!cmd) return { out: [...say, ...prompt] };
    if (cmd === "exit" || cmd === "quit" || cmd === "logout") return { out: say, done: true, exit: 0, world: this.h.world };
    try {
      switch (cmd) {
        case "mount": {
          const [dev, mp] = args.filter((a) => !a.startsWith("-"));
          if (!dev || !mp) return { out: [...say, text(this.h.mounts.map((m) => `${m.device} on /sysroot${m.mountpoint === "/" ? "" : m.mountpoint} type ${filesystems(this.h.disks).find((f) => f.device === m.device)?.fs.type ?? "ext4"} (rw,relatime)\n`).join("")), ...prompt] };
          const gp = this.guestPath(mp);
          if (gp === undefined) return { out: [...say, text(`mount: ${mp}: mount point does not exist.\n`), ...prompt] };
          this.h.mount("mount", dev, gp, args.includes("-r") || args.includes("ro"));
          return { out: [...say, ...prompt] };
        }
        case "umount": {
          const gp = this.guestPath(args[0] ?? "");
          this.h.mounts = this.h.mounts.filter((m) => m.mountpoint !== gp && m.device !== args[0]);
          return { out: [...say, ...prompt] };
        }
        case "ls":
        case "cat": {
          const target = args.filter((a) => !a.startsWith("-"))[0] ?? (cmd === "ls" ? "/" : "");
          const gp = this.guestPath(target);
          if (gp === undefined) {
            if (cmd === "ls" && resolvePath("/", target) === "/") return { out: [...say, text("bin  dev  etc  home  init  lib  lib64  proc  root  run  sbin  sys  sysroot  tmp  usr  var\n"), ...prompt] };
            return { out: [...say, text(`${cmd}: cannot access '${target}': No such file or directory\n`), ...prompt] };
          }
          if (!this.h.mounts.some((m) => m.mountpoint === "/")) return { out: [...say, ...(cmd === "ls" && gp === "/" ? [] : [text(`${cmd}: cannot access '${target}': No such file or directory\n`)]), ...prompt] };
          if (cmd === "cat") return { out: [...say, text(this.h.readFile("cat", gp)), ...prompt] };
          const l = this.h.locate("ls", gp);
          const n = l ? stat(l.ref.fs.files, l.inner) : undefined;
          if (!l || !n) return { out: [...say, text(`ls: cannot access '${target}': No such file or directory\n`), ...prompt] };
          return { out: [...say, text(n.kind === "dir" ? listDir(l.ref.fs.files, l.inner).join("  ") + "\n" : `${target}\n`), ...prompt] };
        }
        case "lsblk": {
          let s = "NAME   MAJ:MIN RM  SIZE RO TYPE MOUNTPOINTS\n";
          this.h.disks.forEach((d, i) => {
            const letter = String.fromCharCode(97 + i);
            s += `sd${letter}      8:${i * 16}    0 ${(this.h.sizes[i]! / 2 ** 30).toFixed(0)}G  0 disk \n`;
            d.partitions.forEach((p, k) => (s += `${k === d.partitions.length - 1 ? "\u2514\u2500" : "\u251c\u2500"}sd${letter}${p.num}   8:${i * 16 + p.num}    0 ${((p.end - p.start + 1) / 2 ** 30).toFixed(1)}G  0 part \n`));
          });
          return { out: [...say, text(s), ...prompt] };
        }
        case "blkid":
          return { out: [...say, text(filesystems(this.h.disks).map((f) => `${f.device}: UUID="${f.fs.uuid}" TYPE="${f.fs.type}"\n`).join("")), ...prompt] };
        default:
          return { out: [...say, text(`/bin/sh: ${cmd}: not found in the lpic3 rescue shell (try mount, ls, cat, blkid, lsblk, exit)\n`), ...prompt] };
      }
    } catch (e) {
      if (e instanceof GError) return { out: [...say, text(`${cmd}: ${e.msg.replace(/^[a-z_]+_stub: /, "")}\n`), ...prompt] };
      throw e;
    }
  }
}

export function virtRescue(ctx: ToolContext, args: string[]): ToolResult {
  const prog = "virt-rescue";
  const p = parseC(prog, args, "a:c:d:e:im:rvVwx", [{ name: "inspector", arg: "none", key: "i" }, { name: "mount", arg: "required", key: "m" }, { name: "ro", arg: "none", key: "r" }, { name: "rw", arg: "none", key: "w" }, { name: "append", arg: "required", key: "append" }, { name: "memsize", arg: "required", key: "memsize" }, { name: "network", arg: "none", key: "network" }, { name: "scratch", arg: "optional", key: "scratch" }, { name: "selinux", arg: "none", key: "selinux" }, { name: "smp", arg: "required", key: "smp" }, { name: "suggest", arg: "none", key: "suggest" }]);
  if (isResult(p)) return p;
  if (p.opts.has("suggest")) return suggest(ctx, p);
  if (!p.drives.length) return needDisks(prog);
  const h = openHandle(ctx, prog, p, { readonly: p.opts.has("r") });
  if (!("drives" in h)) return h;
  // the rescue shell needs a terminal: with piped input the appliance boots, then the console setup fails
  if (ctx.stdin !== null) return done(h, 1, [err("tcgetattr: stdin: Inappropriate ioctl for device\n")]);
  if (p.opts.has("i") || p.mounts.length) {
    const e = launchAndMount(h, prog, p.mounts, p.opts.has("r"));
    if (e) return done(h, 1, e);
  } else {
    try {
      h.launch();
    } catch (x) {
      if (x instanceof GError) return done(h, 1, [err(`libguestfs: error: ${x.text}\n`)]);
      throw x;
    }
  }
  return { exit: 0, out: [], world: h.world, interactive: new RescueShell(h) };
}

/** virt-rescue --suggest (rescue/suggest.c): inspect read-only and print the mount commands to use. */
function suggest(ctx: ToolContext, p: Parsed): ToolResult {
  const h = openHandle(ctx, "virt-rescue", p, { readonly: true });
  if (!("drives" in h)) return h;
  let text = "Inspecting the virtual machine or disk image ...\n\n";
  try {
    h.launch();
  } catch (x) {
    if (x instanceof GError) return done(h, 1, [out(text), err(`libguestfs: error: ${x.text}\n`)]);
    throw x;
  }
  const oses = inspect(h.disks);
  if (!oses.length) {
    const fses = filesystems(h.disks);
    const mountable = fses.filter((f) => f.fs.type !== "swap");
    if (!mountable.length) return done(h, 0, [out(text + "This disk contains no mountable filesystems that we recognize.\n\nHowever you can still use virt-rescue on the disk image, to try to mount\nfilesystems that are not recognized by libguestfs, or to create partitions,\nlogical volumes and filesystems on a blank disk.\n")]);
    text += "This disk contains one or more filesystems, but we don\u2019t recognize any\noperating system.  You can use these mount commands in virt-rescue (at the\n><rescue> prompt) to mount these filesystems.\n\n";
    for (const f of fses) text += `# ${f.device} has type \u2018${f.fs.type}\u2019\n${f.fs.type !== "swap" ? `mount ${f.device} /sysroot\n` : ""}\n`;
    return done(h, 0, [out(text)]);
  }
  text += "This disk contains one or more operating systems.  You can use these mount\ncommands in virt-rescue (at the ><rescue> prompt) to mount the filesystems.\n\n";
  for (const os of oses) {
    text += `# ${os.root} is the root of a linux operating system\n# type: linux, distro: ${os.distro}, version: ${os.major}.${os.minor}\n# ${os.productName}\n\n`;
    for (const [mp, dev] of [...os.mountpoints].sort((a, b) => a[0].length - b[0].length)) text += `mount ${dev} /sysroot${mp}\n`;
    text += "mount --rbind /dev /sysroot/dev\nmount --rbind /proc /sysroot/proc\nmount --rbind /sys /sysroot/sys\n\ncd /sysroot\nchroot /sysroot\n\n";
  }
  return done(h, 0, [out(text)]);
}

export const RESCUE_TOOL: Tool = probeChecked([{ name: "virt-rescue", path: "/usr/bin/virt-rescue", run: virtRescue }])[0]!;
