// The guestfs-tools written in OCaml: virt-customize, virt-sysprep, virt-sparsify, virt-resize, and virt-v2v
// (local conversion). They share an option parser (Getopt with --long and -s options) and print their progress
// as "[  SECONDS] message" lines.
import { produce } from "immer";
import { probeChecked } from "../../shell/syntax-check";
import { basename, dirname, resolvePath, stat, writeFile, type Fs } from "../../model/fs";
import { newImage } from "../../model/image";
import { filesystems, type GuestDisk } from "../../model/guestfs/disk";
import { guestOf, imageChain, putGuest, trimGuest, withoutDeleted } from "../../model/guestfs/image";
import { inspect } from "../../model/guestfs/inspect";
import type { Chunk, Tool, ToolContext, ToolResult } from "../../shell/tool";
import { run as runCmd, type CmdContext } from "./commands";
import { GUESTFS_DATA } from "./guestfish";
import { GError, Handle } from "./handle";
import { domainDisks } from "./libvirt";
import { perlSubst } from "./virt";

const out = (text: string): Chunk => ({ fd: 1, text });
const err = (text: string): Chunk => ({ fd: 2, text });

interface OcamlOpt {
  /** Takes an argument. */
  arg: boolean;
  key: string;
}

/** Parse OCaml-tool options: --long, --long=value, -s, -s value; operands anywhere. */
function parseOcaml(prog: string, args: string[], table: Record<string, OcamlOpt>): { opts: [string, string][]; operands: string[] } | ToolResult {
  const opts: [string, string][] = [];
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      operands.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = a.startsWith("--") ? (eq >= 0 ? a.slice(2, eq) : a.slice(2)) : a.slice(1);
    const o = table[name];
    if (!o) return { exit: 1, out: [err(`${prog}: ${a.startsWith("--") ? `unrecognized option '${a.split("=")[0]}'` : `invalid option -- '${a.slice(1)}'`}\nTry \u2018${prog} --help\u2019 or consult ${prog}(1) for more information.\n`)] };
    if (o.arg) {
      let v = eq >= 0 ? a.slice(eq + 1) : undefined;
      if (v === undefined) {
        if (i + 1 >= args.length) return { exit: 1, out: [err(`${prog}: option '${a}' needs an argument.\nTry \u2018${prog} --help\u2019 or consult ${prog}(1) for more information.\n`)] };
        v = args[++i]!;
      }
      opts.push([o.key, v]);
    } else opts.push([o.key, ""]);
  }
  return { opts, operands };
}

const has = (opts: [string, string][], k: string) => opts.some(([x]) => x === k);
const get = (opts: [string, string][], k: string) => opts.filter(([x]) => x === k).map(([, v]) => v);

/** Tools_utils.wrap: on a terminal (or with --wrap) words move to the next line before column 76. */
export function ocamlWrap(str: string, wrap: boolean, indent = 0): string {
  if (!wrap) return " ".repeat(indent) + str;
  let res = "";
  let column = 0;
  let i = 0;
  while (i < str.length) {
    let j = i;
    while (j < str.length && str[j] !== " " && str[j] !== "\n") j++;
    let next = column + (j - i) + 1;
    if (column + (j - i) >= 76) {
      res += "\n" + " ".repeat(indent);
      next = indent + (j - i) + 1;
    }
    res += str.slice(i, j);
    if (j >= str.length) break;
    if (str[j] === " ") {
      res += " ";
      column = next;
    } else {
      res += "\n" + " ".repeat(indent);
      column = indent;
    }
    i = j + 1;
  }
  return res;
}

/** Tools_utils.error: the message and how to report a bug (red and wrapped on a terminal). */
export function ocamlError(prog: string, msg: string, tty: boolean): string {
  const [on, off] = tty ? ["\x1b[1;31m", "\x1b[0m"] : ["", ""];
  return `${on}${ocamlWrap(`${prog}: error: ${msg}`, tty)}\n\n${ocamlWrap(`If reporting bugs, run ${prog} with debugging enabled and include the complete output:\n\n  ${prog} -v -x [...]`, tty)}${off}\n`;
}

/** Tools_utils.info, on stdout (magenta on a terminal). */
export function ocamlInfo(prog: string, msg: string, tty: boolean): string {
  const [on, off] = tty ? ["\x1b[1;35m", "\x1b[0m"] : ["", ""];
  return `${on}${ocamlWrap(`${prog}: ${msg}`, tty)}${off}\n`;
}

/** Tools_utils.warning, on stdout (blue on a terminal). */
export function ocamlWarning(prog: string, msg: string, tty: boolean): string {
  const [on, off] = tty ? ["\x1b[1;34m", "\x1b[0m"] : ["", ""];
  return `${on}${ocamlWrap(`${prog}: warning: ${msg}`, tty)}${off}\n`;
}

/** The "[  1.2] message" progress lines (seconds since start, derived from the step number). */
class Progress {
  private t = 0;
  readonly lines: string[] = [];
  constructor(
    readonly quiet: boolean,
    readonly tty = false,
    readonly prog = "",
  ) {}
  step(msg: string, dt = 0.1) {
    this.t += dt;
    if (!this.quiet) this.lines.push(`[${this.t.toFixed(1).padStart(6)}] ${this.tty ? `\x1b[0;32m${msg}\x1b[0m` : msg}\n`);
  }
  /** A warning goes to stdout between the progress lines, quiet or not. */
  warn(msg: string) {
    this.lines.push(ocamlWarning(this.prog, msg, this.tty));
  }
}

// ------------------------------------------------------------------ customize operations (shared with sysprep)

const CUSTOMIZE_OPTS: Record<string, OcamlOpt> = Object.fromEntries(
  [
    ["append-line", true], ["chmod", true], ["commands-from-file", true], ["copy", true], ["copy-in", true], ["delete", true], ["edit", true], ["firstboot", true], ["firstboot-command", true], ["firstboot-install", true], ["hostname", true], ["install", true], ["link", true], ["mkdir", true], ["move", true], ["password", true], ["password-crypto", true], ["root-password", true], ["run", true], ["run-command", true], ["scrub", true], ["ssh-inject", true], ["timezone", true], ["touch", true], ["truncate", true], ["truncate-recursive", true], ["uninstall", true], ["update", false], ["upload", true], ["write", true], ["selinux-relabel", false], ["sm-register", false], ["sm-unregister", false], ["sm-remove", false], ["sm-attach", true], ["sm-credentials", true], ["no-logfile", false],
  ].map(([k, a]) => [k as string, { arg: a as boolean, key: k as string }]),
);

const COMMON_OCAML: Record<string, OcamlOpt> = {
  a: { arg: true, key: "a" },
  add: { arg: true, key: "a" },
  c: { arg: true, key: "c" },
  connect: { arg: true, key: "c" },
  d: { arg: true, key: "d" },
  domain: { arg: true, key: "d" },
  n: { arg: false, key: "dry-run" },
  dryrun: { arg: false, key: "dry-run" },
  "dry-run": { arg: false, key: "dry-run" },
  format: { arg: true, key: "format" },
  help: { arg: false, key: "help" },
  q: { arg: false, key: "q" },
  quiet: { arg: false, key: "q" },
  v: { arg: false, key: "v" },
  verbose: { arg: false, key: "v" },
  V: { arg: false, key: "V" },
  version: { arg: false, key: "V" },
  x: { arg: false, key: "x" },
  color: { arg: false, key: "color" },
  colors: { arg: false, key: "color" },
  colour: { arg: false, key: "color" },
  colours: { arg: false, key: "color" },
  "echo-keys": { arg: false, key: "echo-keys" },
  key: { arg: true, key: "key" },
  "keys-from-stdin": { arg: false, key: "keys-from-stdin" },
  network: { arg: false, key: "network" },
  "no-network": { arg: false, key: "no-network" },
  wrap: { arg: false, key: "wrap" },
  m: { arg: true, key: "memsize" },
  memsize: { arg: true, key: "memsize" },
  smp: { arg: true, key: "smp" },
  attach: { arg: true, key: "attach" },
  "attach-format": { arg: true, key: "attach-format" },
};

/** Open the -a/-d disks read-write, launch and mount the guest by inspection. */
function openGuest(ctx: ToolContext, prog: string, opts: [string, string][], readonly: boolean): Handle | ToolResult {
  const h = new Handle(ctx.world, ctx.host, ctx.cwd);
  for (const [k, v] of opts) {
    if (k === "a") {
      if (!stat(h.fs, resolvePath(ctx.cwd, v))) return { exit: 1, out: [err(ocamlError(prog, `libguestfs error: ${v}: No such file or directory`, ctx.tty))] };
      h.addDrive(v, { readonly });
    } else if (k === "d") {
      const r = domainDisks(ctx.world, ctx.host, v, ctx.env.LIBVIRT_DEFAULT_URI, get(opts, "c")[0], readonly);
      if ("error" in r) return { exit: 1, out: [err(r.error)] };
      if (r.active && !readonly) return { exit: 1, out: [err(ocamlError(prog, `libvirt domain \u2018${v}\u2019 is running or paused.  It must be shut down in order to perform virt-${prog.slice(5)} on it.`, ctx.tty))] };
      for (const f of r.files) h.addDrive(f, { readonly });
    }
  }
  if (!h.drives.length) return { exit: 1, out: [err(ocamlError(prog, `no -a or -d option was given.  Read ${prog}(1) for help.`, ctx.tty))] };
  try {
    h.launch();
  } catch (e) {
    if (e instanceof GError) return { exit: 1, out: [err(`libguestfs: error: ${e.text}\n`)] };
    throw e;
  }
  const os = inspect(h.disks)[0];
  if (!os) return { exit: 1, out: [err(ocamlError(prog, `no operating systems were found in the guest image`, ctx.tty))] };
  for (const [mp, dev] of os.mountpoints) {
    try {
      h.mount("mount_options", dev, mp, readonly);
    } catch {
      // an unmountable entry of /etc/fstab is skipped
    }
  }
  return h;
}

function cmdCtx(h: Handle, ctx: ToolContext): CmdContext {
  return { h, now: Math.floor(h.world.clock / 1000), seq: () => ++h.world.seq, hostFs: () => h.fs, setHostFs: (fn: (fs: Fs) => void) => (h.world = produce(h.world, (w) => fn(w.hosts[ctx.host]!.fs))), cwd: ctx.cwd };
}

/** Run the customize operations in command-line order; returns an error text to stop with, if any. */
function customize(h: Handle, ctx: ToolContext, prog: string, opts: [string, string][], p: Progress): string | undefined {
  const c = cmdCtx(h, ctx);
  const call = (name: string, pos: string[]) => runCmd(c, name, { pos, opt: {} });
  const split = (v: string) => {
    const i = v.indexOf(":");
    return i < 0 ? [v, ""] : [v.slice(0, i), v.slice(i + 1)];
  };
  const ensureParent = (path: string) => {
    try {
      call("mkdir-p", [dirname(path)]);
    } catch {
      // exists
    }
  };
  const fail = (msg: string) => ocamlError(prog, `${msg}`, ctx.tty);
  const isFile = (f: string) => {
    const l = h.locate("is_file", f, false);
    return l ? stat(l.ref.fs.files, l.inner)?.kind === "file" : false;
  };
  const isDir = (f: string) => {
    const l = h.locate("is_dir", f, false);
    return l ? stat(l.ref.fs.files, l.inner)?.kind === "dir" : false;
  };
  const entropy = (n: number) => {
    let x = (h.world.seq + 1) * 2654435761;
    let r = "";
    for (let i = 0; i < n; i++) {
      x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6a09e667) >>> 0;
      // the sim's files hold text: 7-bit bytes keep the size what the real tool writes
      r += String.fromCharCode(x & 0x7f);
    }
    return r;
  };
  const passwords: [string, string, string][] = [];
  try {
    // Customize_run: a random seed (a file the distro's boot scripts read, or one created where they look)
    p.step("Setting a random seed");
    const os = inspect(h.disks)[0];
    let seeded = false;
    if (os) {
      for (const f of ["/var/lib/random-seed", "/var/lib/systemd/random-seed", "/var/lib/urandom/random-seed", "/var/lib/misc/random-seed", "/etc/random-seed"]) {
        if (!isFile(f)) continue;
        // truncate and append, keeping the file's permissions
        call("write", [f, entropy(Math.min(Math.max(Buffer.byteLength(h.readFile("download", f)), 512), 8192))]);
        seeded = true;
      }
      if (!seeded) {
        const d = os.distro;
        const f = ["fedora", "rhel", "centos", "scientificlinux", "oraclelinux", "redhat-based"].includes(d) ? "/var/lib/random-seed" : ["debian", "ubuntu", "kalilinux"].includes(d) ? "/var/lib/urandom/random-seed" : ["opensuse", "sles", "suse-based"].includes(d) ? "/var/lib/misc/random-seed" : undefined;
        if (f && isDir(dirname(f))) {
          call("write", [f, entropy(512)]);
          call("chown", ["0", "0", f]);
          call("chmod", ["0600", f]);
          seeded = true;
        }
      }
    }
    if (!seeded) p.warn("random seed could not be set for this type of guest");
    // an empty /etc/machine-id gets an id before anything is installed
    if (isFile("/etc/machine-id") && h.readFile("download", "/etc/machine-id") === "") {
      p.step("Setting the machine ID in /etc/machine-id");
      call("write", ["/etc/machine-id", [...entropy(16)].map((ch) => ch.charCodeAt(0).toString(16).padStart(2, "0")).join("") + "\n"]);
    }
    for (const [k, v] of opts) {
      switch (k) {
        case "hostname": {
          p.step(`Setting the hostname: ${v}`);
          call("write", ["/etc/hostname", `${v}\n`]);
          try {
            const hosts = h.readFile("download", "/etc/hosts");
            call("write", ["/etc/hosts", hosts.replace(/^(127\.0\.1\.1\s+).*$/m, `$1${v}`)]);
          } catch {
            // no /etc/hosts
          }
          break;
        }
        case "write": {
          const [f, content] = split(v);
          p.step(`Writing: ${f}`);
          call("write", [f!, content!]);
          break;
        }
        case "append-line": {
          const [f, line] = split(v);
          p.step(`Appending line to ${f}`);
          let cur = "";
          try {
            cur = h.readFile("download", f!);
          } catch {
            cur = "";
          }
          call("write", [f!, cur + (cur && !cur.endsWith("\n") ? "\n" : "") + line + "\n"]);
          break;
        }
        case "mkdir":
          p.step(`Making directory: ${v}`);
          call("mkdir-p", [v]);
          break;
        case "touch":
          p.step(`Running touch: ${v}`);
          call("touch", [v]);
          break;
        case "delete":
          p.step(`Deleting: ${v}`);
          call("rm-rf", [v]);
          break;
        case "truncate":
          p.step(`Truncating: ${v}`);
          call("write", [v, ""]);
          break;
        case "chmod": {
          const [perm, f] = split(v);
          p.step(`Changing permissions of ${f} to ${perm}`);
          call("chmod", [perm!, f!]);
          break;
        }
        case "copy": {
          const [src, dst] = split(v);
          p.step(`Copying (in image): ${src} to ${dst}`);
          call("cp-a", [src!, dst!]);
          break;
        }
        case "move": {
          const [src, dst] = split(v);
          p.step(`Moving: ${src} to ${dst}`);
          call("mv", [src!, dst!]);
          break;
        }
        case "link": {
          const [target, ...links] = v.split(":");
          for (const l of links) {
            p.step(`Linking: ${l} -> ${target}`);
            call("ln-sf", [target!, l]);
          }
          break;
        }
        case "copy-in": {
          const [local, remote] = split(v);
          p.step(`Copying: ${local} to ${remote}`);
          call("copy-in", [local!, remote!]);
          break;
        }
        case "upload": {
          const [local, remote] = split(v);
          p.step(`Uploading: ${local} to ${remote}`);
          call("upload", [local!, remote!]);
          break;
        }
        case "edit": {
          const [f, expr] = split(v);
          p.step(`Editing: ${f}`);
          const r = perlSubst(expr!, h.readFile("download", f!));
          if (typeof r !== "string") return fail(`--edit '${v}': only s/RE/REPL/FLAGS expressions are available in the lpic3 lab`);
          call("write", [f!, r]);
          break;
        }
        case "timezone": {
          p.step(`Setting the timezone: ${v}`);
          const target = `/usr/share/zoneinfo/${v}`;
          const tl = h.locate("exists", target, false);
          if (!tl || !stat(tl.ref.fs.files, tl.inner)) return fail(`timezone '${v}' does not exist, use a location like 'Europe/London'`);
          call("ln-sf", [target, "/etc/localtime"]);
          break;
        }
        case "root-password":
        case "password": {
          const [user, sel] = k === "root-password" ? ["root", v] : split(v);
          if (!/^(password:|random|disabled|locked|file:)/.test(sel!)) return fail(`invalid --${k} selector '${sel}'; see the man page`);
          if (passwords.some(([u]) => u === user)) return fail(`multiple --root-password/--password options set the password for user \u2018${user}\u2019 twice`);
          passwords.push([user!, sel!, k]);
          break;
        }
        case "ssh-inject": {
          const [user, sel] = split(v);
          p.step(`SSH key inject: ${user}`);
          const home = user === "root" ? "/root" : `/home/${user}`;
          call("mkdir-p", [`${home}/.ssh`]);
          let cur = "";
          try {
            cur = h.readFile("download", `${home}/.ssh/authorized_keys`);
          } catch {
            cur = "";
          }
          const key = sel?.startsWith("string:") ? sel.slice(7) : `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL+lpic3lab ${user}@host1`;
          call("write", [`${home}/.ssh/authorized_keys`, cur + key + "\n"]);
          call("chmod", ["0700", `${home}/.ssh`]);
          call("chmod", ["0600", `${home}/.ssh/authorized_keys`]);
          break;
        }
        case "firstboot-command": {
          p.step(`Installing firstboot command: ${v}`);
          ensureParent("/usr/lib/virt-sysprep/scripts/x");
          const n = String(1).padStart(4, "0");
          call("write", [`/usr/lib/virt-sysprep/scripts/${n}-${v.replace(/[^a-z0-9]+/gi, "-").toLowerCase().slice(0, 40)}`, `#!/bin/sh\n${v}\n`]);
          break;
        }
        case "run-command":
          p.step(`Running: ${v}`);
          return fail(`--run-command needs the guest's own programs, which the lpic3 lab cannot run; use --write, --append-line or --edit instead`);
        case "install":
        case "update":
        case "uninstall":
        case "firstboot-install":
          p.step(k === "update" ? "Updating packages" : `Installing packages: ${v}`);
          return fail(`${k === "update" ? "--update" : `--${k}`}: the appliance has no network in the lpic3 lab`);
        case "selinux-relabel":
          break;
        default:
          break;
      }
    }
    // all the passwords are set at the end
    if (passwords.length) {
      p.step("Setting passwords");
      let shadow = h.readFile("download", "/etc/shadow");
      for (const [user, sel] of passwords) {
        const hash = sel === "disabled" ? "*" : sel.startsWith("locked") ? "!" : `$6$${saltFor(h.world.seq)}$${hashFor(sel, h.world.seq)}`;
        const re = new RegExp(`^${user}:[^:]*:`, "m");
        if (!re.test(shadow)) return fail(`user ${user} does not exist in the guest`);
        shadow = shadow.replace(re, `${user}:${hash}:`);
      }
      call("write", ["/etc/shadow", shadow]);
    }
  } catch (e) {
    if (e instanceof GError) return ocamlError(prog, `libguestfs error: ${e.text}`, ctx.tty);
    throw e;
  }
  return undefined;
}

const saltFor = (n: number) => "lpic3" + (n % 100000).toString(36).padStart(11, "x");
function hashFor(sel: string, n: number): string {
  let h = 2166136261 ^ n;
  for (const ch of sel) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  const chars = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  let s = "";
  for (let i = 0; i < 86; i++) {
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
    s += chars[h % 64];
  }
  return s;
}

function ocamlHelp(prog: string, opts: [string, string][]): ToolResult | undefined {
  if (has(opts, "help")) return { exit: 0, out: [out(GUESTFS_DATA.help[prog]?.stdout ?? "")] };
  if (has(opts, "V")) return { exit: 0, out: [out(GUESTFS_DATA.version[prog]?.stdout ?? `${prog} 1.48.2\n`)] };
  return undefined;
}

export function virtCustomize(ctx: ToolContext, args: string[]): ToolResult {
  const prog = "virt-customize";
  const p0 = parseOcaml(prog, args, { ...COMMON_OCAML, ...CUSTOMIZE_OPTS });
  if ("exit" in p0) return p0;
  const h0 = ocamlHelp(prog, p0.opts);
  if (h0) return h0;
  if (p0.operands.length) return { exit: 1, out: [err(ocamlError(prog, `extra parameter on the command line`, ctx.tty))] };
  const p = new Progress(has(p0.opts, "q"), ctx.tty, prog);
  p.step("Examining the guest ...", 0);
  const h = openGuest(ctx, prog, p0.opts, false);
  if (!("drives" in h)) return { ...h, out: [out(p.lines.join("")), ...h.out].filter((c) => c.text) };
  const e = has(p0.opts, "dry-run") ? undefined : customize(h, ctx, prog, p0.opts.filter(([k]) => CUSTOMIZE_OPTS[k]), p);
  if (e) return { exit: 1, out: [out(p.lines.join("")), err(e)], world: h.world };
  p.step("Finishing off");
  return { exit: 0, out: p.lines.length ? [out(p.lines.join(""))] : [], world: h.world };
}

/** virt-sysprep's operations: name, on by default, description (virt-sysprep --list-operations). */
export const SYSPREP_OPS: [string, boolean, string][] = [
  ["abrt-data", true, "Remove the crash data generated by ABRT"],
  ["backup-files", true, "Remove editor backup files from the guest"],
  ["bash-history", true, "Remove the bash history in the guest"],
  ["blkid-tab", true, "Remove blkid tab in the guest"],
  ["ca-certificates", false, "Remove CA certificates in the guest"],
  ["crash-data", true, "Remove the crash data generated by kexec-tools"],
  ["cron-spool", true, "Remove user at-jobs and cron-jobs"],
  ["customize", true, "Customize the guest"],
  ["dhcp-client-state", true, "Remove DHCP client leases"],
  ["dhcp-server-state", true, "Remove DHCP server leases"],
  ["dovecot-data", true, "Remove Dovecot (mail server) data"],
  ["firewall-rules", false, "Remove the firewall rules"],
  ["flag-reconfiguration", false, "Flag the system for reconfiguration"],
  ["fs-uuids", false, "Change filesystem UUIDs"],
  ["ipa-client", true, "Remove the IPA files"],
  ["kerberos-data", false, "Remove Kerberos data in the guest"],
  ["kerberos-hostkeytab", true, "Remove the Kerberos host keytab file in the guest"],
  ["logfiles", true, "Remove many log files from the guest"],
  ["lvm-uuids", true, "Change LVM2 PV and VG UUIDs"],
  ["machine-id", true, "Remove the local machine ID"],
  ["mail-spool", true, "Remove email from the local mail spool directory"],
  ["net-hostname", true, "Remove HOSTNAME and DHCP_HOSTNAME in network interface configuration"],
  ["net-hwaddr", true, "Remove HWADDR (hard-coded MAC address) configuration"],
  ["net-nmconn", true, "Remove system-local NetworkManager connection profiles (keyfiles)"],
  ["pacct-log", true, "Remove the process accounting log files"],
  ["package-manager-cache", true, "Remove package manager cache"],
  ["pam-data", true, "Remove the PAM data in the guest"],
  ["passwd-backups", true, "Remove /etc/passwd- and similar backup files"],
  ["puppet-data-log", true, "Remove the data and log files of puppet"],
  ["rh-subscription-manager", true, "Remove the RH subscription manager files"],
  ["rhn-systemid", true, "Remove the RHN system ID"],
  ["rpm-db", true, "Remove host-specific RPM database files"],
  ["samba-db-log", true, "Remove the database and log files of Samba"],
  ["script", true, "Run arbitrary scripts against the guest"],
  ["smolt-uuid", true, "Remove the Smolt hardware UUID"],
  ["ssh-hostkeys", true, "Remove the SSH host keys in the guest"],
  ["ssh-userdir", true, "Remove \".ssh\" directories in the guest"],
  ["sssd-db-log", true, "Remove the database and log files of sssd"],
  ["tmp-files", true, "Remove temporary files"],
  ["udev-persistent-net", true, "Remove udev persistent net rules"],
  ["user-account", false, "Remove the user accounts in the guest"],
  ["utmp", true, "Remove the utmp file"],
  ["yum-uuid", true, "Remove the yum UUID"],
];

export function virtSysprep(ctx: ToolContext, args: string[]): ToolResult {
  const prog = "virt-sysprep";
  const p0 = parseOcaml(prog, args, { ...COMMON_OCAML, ...CUSTOMIZE_OPTS, "list-operations": { arg: false, key: "list-operations" }, operation: { arg: true, key: "operations" }, operations: { arg: true, key: "operations" }, enable: { arg: true, key: "operations" }, "keep-user-accounts": { arg: true, key: "keep-user-accounts" }, "remove-user-accounts": { arg: true, key: "remove-user-accounts" }, "mount-options": { arg: true, key: "mount-options" }, "no-selinux-relabel": { arg: false, key: "no-selinux-relabel" }, script: { arg: true, key: "script" }, scriptdir: { arg: true, key: "scriptdir" } });
  if ("exit" in p0) return p0;
  const h0 = ocamlHelp(prog, p0.opts);
  if (h0) return h0;
  if (has(p0.opts, "list-operations")) return { exit: 0, out: [out(SYSPREP_OPS.map(([n, d, t]) => `${n} ${d ? "*" : " "} ${t}\n`).join(""))] };
  let enabled = new Set(SYSPREP_OPS.filter(([, d]) => d).map(([n]) => n));
  for (const spec of get(p0.opts, "operations")) {
    const list = spec.split(",");
    const explicit = list.filter((x) => !x.startsWith("-"));
    if (explicit.length && ![...list].some((x) => x === "defaults" || x === "all")) enabled = new Set();
    for (const item of list) {
      const neg = item.startsWith("-");
      const name = neg ? item.slice(1) : item;
      if (name === "defaults") SYSPREP_OPS.filter(([, d]) => d).forEach(([n]) => enabled.add(n));
      else if (name === "all") SYSPREP_OPS.forEach(([n]) => enabled.add(n));
      else if (!SYSPREP_OPS.some(([n]) => n === name)) return { exit: 1, out: [err(ocamlError(prog, `--operations: \u2018${name}\u2019 is not a known operation`, ctx.tty))] };
      else if (neg) enabled.delete(name);
      else enabled.add(name);
    }
  }
  const p = new Progress(has(p0.opts, "q"), ctx.tty, prog);
  p.step("Examining the guest ...", 0);
  const h = openGuest(ctx, prog, p0.opts, false);
  if (!("drives" in h)) return { ...h, out: [out(p.lines.join("")), ...h.out].filter((c) => c.text) };
  const c = cmdCtx(h, ctx);
  const rm = (path: string) => {
    try {
      runCmd(c, "rm-rf", { pos: [path], opt: {} });
    } catch {
      // not there
    }
  };
  const truncate = (path: string) => {
    try {
      if (h.locate("exists", path)) runCmd(c, "write", { pos: [path, ""], opt: {} });
    } catch {
      // not there
    }
  };
  const customOpts = p0.opts.filter(([k]) => CUSTOMIZE_OPTS[k]);
  let first = true;
  for (const [name] of SYSPREP_OPS) {
    if (!enabled.has(name) || name === "customize" || name === "lvm-uuids") continue;
    p.step(`Performing "${name}" ...`, first ? 2.9 : 0.1);
    first = false;
    if (has(p0.opts, "dry-run")) continue;
    switch (name) {
      case "machine-id":
        truncate("/etc/machine-id");
        rm("/var/lib/dbus/machine-id");
        break;
      case "bash-history":
        rm("/root/.bash_history");
        for (const u of ["debian", "rocky"]) rm(`/home/${u}/.bash_history`);
        break;
      case "tmp-files":
        for (const dir of ["/tmp", "/var/tmp"]) {
          try {
            for (const f of h.list("ls", dir)) rm(`${dir}/${f}`);
          } catch {
            // no such dir
          }
        }
        break;
      case "logfiles":
        for (const f of ["/var/log/dpkg.log", "/var/log/syslog", "/var/log/messages", "/var/log/auth.log"]) rm(f);
        break;
      case "ssh-hostkeys":
        try {
          for (const f of h.list("ls", "/etc/ssh")) if (/^ssh_host_/.test(f)) rm(`/etc/ssh/${f}`);
        } catch {
          // no /etc/ssh
        }
        break;
      case "ssh-userdir":
        rm("/root/.ssh");
        break;
      case "net-nmconn":
        try {
          for (const f of h.list("ls", "/etc/NetworkManager/system-connections")) rm(`/etc/NetworkManager/system-connections/${f}`);
        } catch {
          // not NetworkManager
        }
        break;
      case "package-manager-cache":
        rm("/var/cache/apt/archives");
        break;
      case "user-account":
        break;
      default:
        break;
    }
  }
  if (enabled.has("customize") && !has(p0.opts, "dry-run")) {
    const e = customize(h, ctx, prog, customOpts, p);
    if (e) return { exit: 1, out: [out(p.lines.join("")), err(e)], world: h.world };
  }
  if (enabled.has("lvm-uuids")) p.step(`Performing "lvm-uuids" ...`);
  return { exit: 0, out: p.lines.length ? [out(p.lines.join(""))] : [], world: h.world };
}

export function virtSparsify(ctx: ToolContext, args: string[]): ToolResult {
  const prog = "virt-sparsify";
  const p0 = parseOcaml(prog, args, { ...COMMON_OCAML, "in-place": { arg: false, key: "in-place" }, inplace: { arg: false, key: "in-place" }, compress: { arg: false, key: "compress" }, convert: { arg: true, key: "convert" }, "check-tmpdir": { arg: true, key: "check-tmpdir" }, ignore: { arg: true, key: "ignore" }, o: { arg: true, key: "o" }, tmp: { arg: true, key: "tmp" }, zero: { arg: true, key: "zero" }, "machine-readable": { arg: false, key: "machine-readable" } });
  if ("exit" in p0) return p0;
  const h0 = ocamlHelp(prog, p0.opts);
  if (h0) return h0;
  const inPlace = has(p0.opts, "in-place");
  const usage = (msg: string): ToolResult => ({ exit: 1, out: [err(ocamlError(prog, `${msg}`, ctx.tty))] });
  if (inPlace ? p0.operands.length !== 1 : p0.operands.length !== 2) return usage(inPlace ? "usage is: virt-sparsify [--options] --in-place disk" : "usage is: virt-sparsify [--options] indisk outdisk");
  const src = resolvePath(ctx.cwd, p0.operands[0]!);
  const node = stat(ctx.world.hosts[ctx.host]!.fs, src);
  if (!node || node.kind !== "file") return usage(`${p0.operands[0]}: No such file or directory`);
  const guest = guestOf(ctx.world.hosts[ctx.host]!.fs, src);
  const p = new Progress(has(p0.opts, "q"), ctx.tty, prog);
  const fsNames = filesystems([guest]).filter((f) => f.fs.type !== "swap").map((f) => f.device);
  if (inPlace) {
    p.step("Trimming " + (fsNames[0] ?? "/dev/sda"), 2.0);
    for (const f of fsNames.slice(1)) p.step(`Trimming ${f}`);
    p.step("Sparsify in-place operation completed with no errors", 0.3);
    const trimmed = produce(ctx.world, (w) => void trimGuest(w.hosts[ctx.host]!.fs, src));
    return { exit: 0, out: [out(p.lines.join(""))], ...(trimmed !== ctx.world ? { world: trimmed } : {}) };
  }
  const dst = resolvePath(ctx.cwd, p0.operands[1]!);
  if (dst === src) return usage("input filename is the same as the output filename");
  p.step("Create overlay file in /tmp to protect source disk", 0);
  p.step("Examine source disk");
  for (const f of fsNames) p.step(`Fill free space in ${f} with zero`, 1.4);
  p.step("Copy to destination and make sparse", 3.1);
  const fmt = get(p0.opts, "convert")[0] ?? node.image?.format ?? "raw";
  const world = produce(ctx.world, (w) => {
    const fs = w.hosts[ctx.host]!.fs;
    writeFile(fs, dst, "", { mtime: Math.floor(w.clock / 1000), image: newImage(fmt, node.image?.virtualSize ?? Buffer.byteLength(node.content)) });
    // the free space was zeroed in the overlay, so deleted files' data is not copied
    putGuest(fs, dst, withoutDeleted(guest));
  });
  p.step("Sparsify operation completed with no errors.", 0.2);
  return { exit: 0, out: [out(p.lines.join("") + ocamlInfo(prog, "Before deleting the old disk, carefully check that the target disk boots and works correctly.", ctx.tty))], world };
}

export function virtResize(ctx: ToolContext, args: string[]): ToolResult {
  const prog = "virt-resize";
  const p0 = parseOcaml(prog, args, { ...COMMON_OCAML, expand: { arg: true, key: "expand" }, resize: { arg: true, key: "resize" }, "resize-force": { arg: true, key: "resize" }, shrink: { arg: true, key: "shrink" }, delete: { arg: true, key: "delete" }, ignore: { arg: true, key: "ignore" }, "lv-expand": { arg: true, key: "lv-expand" }, "LV-expand": { arg: true, key: "lv-expand" }, lvexpand: { arg: true, key: "lv-expand" }, LVexpand: { arg: true, key: "lv-expand" }, "output-format": { arg: true, key: "output-format" }, "align-first": { arg: true, key: "align-first" }, alignment: { arg: true, key: "alignment" }, "no-copy-boot-loader": { arg: false, key: "x1" }, "no-expand-content": { arg: false, key: "x2" }, "no-extra-partition": { arg: false, key: "x3" }, "no-sparse": { arg: false, key: "x4" }, "ntfsresize-force": { arg: false, key: "x5" }, "unknown-filesystems": { arg: true, key: "x6" }, "machine-readable": { arg: false, key: "x7" }, debug: { arg: false, key: "v" } });
  if ("exit" in p0) return p0;
  const h0 = ocamlHelp(prog, p0.opts);
  if (h0) return h0;
  const fail = (msg: string): ToolResult => ({ exit: 1, out: [err(ocamlError(prog, `${msg}`, ctx.tty))] });
  if (p0.operands.length !== 2) return fail("you must give exactly two disk images on the command line");
  const fs = ctx.world.hosts[ctx.host]!.fs;
  const [inName, outName] = p0.operands as [string, string];
  const src = resolvePath(ctx.cwd, inName);
  const dst = resolvePath(ctx.cwd, outName);
  const p = new Progress(has(p0.opts, "q"), ctx.tty, prog);
  p.step(`Examining ${inName}`, 0);
  const failAfter = (msg: string): ToolResult => ({ exit: 1, out: [out(p.lines.join("")), err(ocamlError(prog, msg, ctx.tty))].filter((c) => c.text) });
  const sn = stat(fs, src);
  if (!sn) return failAfter(`libguestfs error: ${inName}: No such file or directory`);
  const dn = stat(fs, dst);
  if (!dn || dn.kind !== "file") return failAfter(`libguestfs error: ${outName}: No such file or directory`);
  const guest = guestOf(fs, src);
  const inSize = imageChain(fs, src)[0]?.image.virtualSize ?? 0;
  const outSize = dn.image?.virtualSize ?? Buffer.byteLength(dn.content);
  const expand = get(p0.opts, "expand")[0];
  const num = expand ? Number(/^\/dev\/sda(\d+)$/.exec(expand)?.[1]) : undefined;
  if (expand && !guest.partitions.some((pt) => pt.num === num)) return failAfter(`${expand}: partition not found in the source disk image (this error came from \u2018--expand\u2019 option on the command line).  Try running this command: virt-filesystems --partitions --long -a ${inName}`);
  if (outSize < inSize) return failAfter(`output size is too small for this disk image, try increasing the output disk size by at least ${((inSize - outSize) / 2 ** 30).toFixed(1)}G`);
  const delta = outSize - inSize;
  const hs = (b: number) => `${(b / 2 ** 30).toFixed(1)}G`;
  let summary = "**********\n\nSummary of changes:\n\n";
  let parts = guest.partitions;
  if (num !== undefined) {
    const pt = guest.partitions.find((x) => x.num === num)!;
    const oldSize = pt.end - pt.start + 1;
    summary += ocamlInfo(prog, `/dev/sda${num}: This partition will be resized from ${hs(oldSize)} to ${hs(oldSize + delta)}.  The filesystem ${pt.fs?.type ?? "unknown"} on /dev/sda${num} will be expanded using the \u2018${pt.fs?.type === "xfs" ? "xfs_growfs" : "resize2fs"}\u2019 method.`, ctx.tty) + "\n";
    parts = guest.partitions.map((x) => (x.num === num ? { ...x, end: x.end + delta, ...(x.fs ? { fs: { ...x.fs, size: x.fs.size + delta } } : {}) } : x.num > num ? { ...x, start: x.start + delta, end: x.end + delta } : x));
  } else if (delta > 2 ** 20) summary += ocamlInfo(prog, `There is a surplus of ${hs(delta)}.  An extra partition will be created for the surplus.`, ctx.tty) + "\n";
  summary += "**********\n";
  const lines = p.lines.join("") + summary;
  const p2 = new Progress(has(p0.opts, "q"), ctx.tty, prog);
  p2.step(`Setting up initial partition table on ${outName}`, 3.1);
  for (const pt of guest.partitions) p2.step(`Copying /dev/sda${pt.num}`, 0.9);
  if (num !== undefined) p2.step(`Expanding /dev/sda${num} using the \u2018${guest.partitions.find((x) => x.num === num)!.fs?.type === "xfs" ? "xfs_growfs" : "resize2fs"}\u2019 method`, 2.6);
  const next: GuestDisk = { ...guest, partitions: parts };
  if (has(p0.opts, "dry-run")) return { exit: 0, out: [out(lines)] };
  const world = produce(ctx.world, (w) => {
    putGuest(w.hosts[ctx.host]!.fs, dst, next);
  });
  return { exit: 0, out: [out(lines + p2.lines.join("") + "\n" + ocamlInfo(prog, "Resize operation completed with no errors.  Before deleting the old disk, carefully check that the resized disk boots and works correctly.", ctx.tty))], world };
}

/** virt-v2v -i disk IMG -o local -os DIR [-of FMT] [-on NAME]: a converted copy and its libvirt XML. */
export function virtV2v(ctx: ToolContext, args: string[]): ToolResult {
  const prog = "virt-v2v";
  const table: Record<string, OcamlOpt> = { ...COMMON_OCAML, i: { arg: true, key: "i" }, ic: { arg: true, key: "ic" }, if: { arg: true, key: "if" }, o: { arg: true, key: "o" }, oc: { arg: true, key: "oc" }, of: { arg: true, key: "of" }, on: { arg: true, key: "on" }, os: { arg: true, key: "os" }, oa: { arg: true, key: "oa" }, b: { arg: true, key: "b" }, bridge: { arg: true, key: "b" }, n: { arg: true, key: "net" }, network: { arg: true, key: "net" }, "print-source": { arg: false, key: "print-source" }, "machine-readable": { arg: false, key: "machine-readable" } };
  const p0 = parseOcaml(prog, args, table);
  if ("exit" in p0) return p0;
  const h0 = ocamlHelp(prog, p0.opts);
  if (h0) return h0;
  const input = get(p0.opts, "i")[0] ?? "libvirt";
  const output = get(p0.opts, "o")[0] ?? "libvirt";
  const p = new Progress(has(p0.opts, "q"), ctx.tty, prog);
  p.step(`Setting up the source: -i ${input}${p0.operands[0] !== undefined ? ` ${p0.operands[0]}` : ""}`, 0);
  const fail = (msg: string): ToolResult => ({ exit: 1, out: [out(p.lines.join("")), err(ocamlError(prog, msg, ctx.tty))].filter((c) => c.text) });
  if (p0.operands.length !== 1) return fail(input === "disk" ? "-i disk: expecting a disk image (filename) on the command line" : `-i ${input}: expecting a libvirt guest name on the command line`);
  if (input !== "disk") return fail(`-i ${input}: the lpic3 lab converts local disk images only (-i disk)`);
  const fs = ctx.world.hosts[ctx.host]!.fs;
  const src = resolvePath(ctx.cwd, p0.operands[0]!);
  if (!stat(fs, src)) return fail(`access: No such file or directory: ${p0.operands[0]}`);
  if (output !== "local" && output !== "qemu" && output !== "null") return fail(`-o ${output}: the lpic3 lab writes local output only (-o local, -o qemu or -o null)`);
  const os = get(p0.opts, "os")[0];
  if (output !== "null" && !os) return fail(`-o ${output === "local" ? "disk" : output}: output directory was not specified, use '-os /dir'`);
  const dir = os ? resolvePath(ctx.cwd, os) : "";
  if (os && stat(fs, dir)?.kind !== "dir") return fail(`-os ${os}: output directory does not exist or is not a directory`);
  const guest = guestOf(fs, src);
  const osInfo = inspect([guest])[0];
  p.step("Opening the source", 1.1);
  p.step("Inspecting the source", 2.9);
  if (!osInfo) return fail(`inspection could not detect the source guest (or physical machine).\n\nAssuming that you are running virt-v2v/virt-p2v on a source which is supported (and not, for example, a blank disk), then this should not happen.\n\nNo root device found in this operating system image.`);
  const name = get(p0.opts, "on")[0] ?? basename(src).replace(/\.[^.]*$/, "");
  const fmt = get(p0.opts, "of")[0] ?? "raw";
  // a guest file as the appliance sees it, mounted the way inspection found it
  const guestHas = (f: string) =>
    filesystems([guest]).some((r) => {
      const mp = osInfo.mountpoints.find(([, dev]) => dev === r.device)?.[0];
      if (mp === undefined) return false;
      const inner = mp === "/" ? f : f.startsWith(mp + "/") ? f.slice(mp.length) : undefined;
      return inner !== undefined && stat(r.fs.files, inner)?.kind === "file";
    });
  // on RPM guests the source inspection runs a shell command inside the guest
  if (osInfo.packageFormat === "rpm" && !guestHas("/bin/sh")) return fail("libguestfs error: sh: /bin/sh: No such file or directory");
  p.step("Checking for sufficient free disk space in the guest", 1.2);
  p.step("Converting " + osInfo.productName + " to run on KVM", 0.1);
  // Linux_bootloaders: a GRUB 2 or GRUB legacy configuration (the lab's template images have none)
  const bootloader = ["/boot/grub2/grub.cfg", "/boot/grub/grub.cfg", "/boot/grub/menu.lst", "/boot/grub/grub.conf"].some(guestHas);
  if (!bootloader) return fail("no bootloader detected");
  const lines = [`virt-v2v: This guest has virtio drivers installed.\n`];
  const before = p.lines.length;
  p.step("Mapping filesystem data to avoid copying unused and blank areas", 5.2);
  p.step("Closing the overlay", 0.4);
  p.step("Assigning disks to buses", 0.1);
  p.step("Checking if the guest needs BIOS or UEFI to boot", 0.1);
  p.step(`Setting up the destination: -o ${output}${os ? ` -os ${os}` : ""}`, 0.1);
  p.step("Copying disk 1/1", 0.9);
  p.step("Creating output metadata", 1.8);
  p.step("Finishing off", 0.1);
  if (output === "null") return { exit: 0, out: [out(p.lines.slice(0, before).join("") + lines.join("") + p.lines.slice(before).join(""))] };
  const disk = `${dir}/${name}-sda`;
  const size = imageChain(fs, src)[0]?.image.virtualSize ?? 0;
  const xml = `<?xml version='1.0' encoding='utf-8'?>\n<domain type='kvm'>\n  <!-- generated by virt-v2v 2.2.0 -->\n  <name>${name}</name>\n  <metadata>\n    <libosinfo:libosinfo xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'>\n      <libosinfo:os id='http://debian.org/debian/${osInfo.major}'/>\n    </libosinfo:libosinfo>\n  </metadata>\n  <memory unit='KiB'>2097152</memory>\n  <currentMemory unit='KiB'>2097152</currentMemory>\n  <vcpu>1</vcpu>\n  <features>\n    <acpi/>\n    <apic/>\n  </features>\n  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n  <on_crash>restart</on_crash>\n  <devices>\n    <disk type='file' device='disk'>\n      <driver name='qemu' type='${fmt}'/>\n      <source file='${disk}'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n    <video>\n      <model type='virtio'/>\n    </video>\n    <graphics type='vnc' autoport='yes'/>\n    <rng model='virtio'>\n      <backend model='random'>/dev/urandom</backend>\n    </rng>\n    <memballoon model='virtio'/>\n    <input type='tablet' bus='usb'/>\n    <input type='mouse' bus='ps2'/>\n    <console type='pty'/>\n  </devices>\n</domain>\n`;
  const world = produce(ctx.world, (w) => {
    const f = w.hosts[ctx.host]!.fs;
    const mtime = Math.floor(w.clock / 1000);
    writeFile(f, disk, "", { mtime, image: newImage(fmt, size) });
    putGuest(f, disk, guest);
    writeFile(f, `${dir}/${name}.xml`, xml, { mtime });
  });
  return { exit: 0, out: [out(p.lines.slice(0, before).join("") + lines.join("") + p.lines.slice(before).join(""))], world };
}

export const OCAML_TOOLS: Tool[] = probeChecked([
  { name: "virt-customize", path: "/usr/bin/virt-customize", run: virtCustomize },
  { name: "virt-sysprep", path: "/usr/bin/virt-sysprep", run: virtSysprep },
  { name: "virt-sparsify", path: "/usr/bin/virt-sparsify", run: virtSparsify },
  { name: "virt-resize", path: "/usr/bin/virt-resize", run: virtResize },
  { name: "virt-v2v", path: "/usr/bin/virt-v2v", run: virtV2v },
]);
