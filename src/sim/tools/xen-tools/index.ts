// The xen-tools 4.9.2 scripts of a Debian Dom0: xen-create-image (images under --dir or LVM volumes,
// a config file from xm.tmpl, optionally booted), xen-list-images and xen-delete-image.
import { produce } from "immer";
import { makeDir, removeNode, stat, writeFile, listDir, type Fs } from "../../model/fs";
import { newImage } from "../../model/image";
import { mix32, type World } from "../../model/world";
import { xenOf } from "../../model/xen/state";
import { err, out, type Chunk, type Tool, type ToolContext, type ToolResult } from "../../shell/tool";
import { XEN_TOOLS_TEXTS } from "./texts";
import { xlTool } from "../xl/index";

// ------------------------------------------------------------------- Getopt::Long, as Perl does it

type OptKind = "flag" | "neg" | "string" | "optstring" | "list";

interface ParsedLong {
  values: Record<string, string | boolean | string[]>;
  rest: string[];
  errors: string[];
}

function getoptionsLong(args: string[], spec: Record<string, OptKind>): ParsedLong {
  const values: ParsedLong["values"] = {};
  const rest: string[] = [];
  const errors: string[] = [];
  const names = Object.keys(spec);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      rest.push(...args.slice(i + 1));
      break;
    }
    if (!/^--?[^-]/.test(a)) {
      rest.push(a);
      continue;
    }
    const body = a.replace(/^--?/, "");
    const eq = body.indexOf("=");
    let name = eq >= 0 ? body.slice(0, eq) : body;
    const inline = eq >= 0 ? body.slice(eq + 1) : undefined;
    let negated = false;
    const find = (n: string) => names.find((k) => k === n) ?? (names.filter((k) => k.startsWith(n)).length === 1 ? names.find((k) => k.startsWith(n)) : undefined);
    let key = find(name);
    if (!key && /^no-?/.test(name)) {
      const base = name.replace(/^no-?/, "");
      const k = find(base);
      if (k && spec[k] === "neg") {
        key = k;
        negated = true;
        name = base;
      }
    }
    if (!key) {
      const amb = names.filter((k) => k.startsWith(name));
      errors.push(amb.length > 1 ? `Option ${name} is ambiguous (${amb.join(", ")})\n` : `Unknown option: ${name}\n`);
      continue;
    }
    const kind = spec[key]!;
    if (kind === "flag" || kind === "neg") {
      values[key] = !negated;
      continue;
    }
    let v = inline;
    if (v === undefined && kind !== "optstring") {
      v = args[i + 1];
      if (v === undefined) {
        errors.push(`Option ${key} requires an argument\n`);
        continue;
      }
      i++;
    }
    if (kind === "list") values[key] = [...((values[key] as string[] | undefined) ?? []), v!];
    else values[key] = v ?? "";
  }
  return { values, rest, errors };
}

// ----------------------------------------------------------------------------- shared bits

const sizeBytes = (s: string): number | null => {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT])?[bB]?$/.exec(s.trim());
  if (!m) return null;
  const mul = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[(m[2] ?? "m").toLowerCase() as "k"] ?? 1024 ** 2;
  return Math.round(Number(m[1]) * mul);
};

/** xen-tools.conf key = value pairs (comments dropped). */
function readToolsConf(fs: Fs): Record<string, string> {
  const n = stat(fs, "/etc/xen-tools/xen-tools.conf");
  const conf: Record<string, string> = {};
  if (!n || n.kind !== "file") return conf;
  for (const line of n.content.split("\n")) {
    const m = /^\s*([a-z_-]+)\s*=\s*([^#]*?)\s*(#.*)?$/.exec(line);
    if (m) conf[m[1]!] = m[2]!;
  }
  return conf;
}

/** What xt-guess-suite-and-mirror finds in the Dom0's sources.list. */
function guessSuite(fs: Fs): { suite: string; mirror: string } {
  const n = stat(fs, "/etc/apt/sources.list");
  const m = n?.kind === "file" ? /^deb\s+(\S+)\s+(\S+)/m.exec(n.content) : null;
  return { mirror: m ? m[1]! : "http://deb.debian.org/debian", suite: m ? m[2]! : "bookworm" };
}

function textResult(stdout: string, stderr: string, exit: number, world?: World): ToolResult {
  const chunks: Chunk[] = [];
  if (stdout) chunks.push(out(stdout));
  if (stderr) chunks.push(err(stderr));
  return { exit, out: chunks, ...(world ? { world } : {}) };
}

// -------------------------------------------------------------------------- xen-list-images

const LIST_SPEC: Record<string, OptKind> = { test: "string", extension: "optstring", help: "flag", manual: "flag", version: "flag" };

export function listImages(ctx: ToolContext, args: string[]): ToolResult {
  const p = getoptionsLong(args, LIST_SPEC);
  const t = XEN_TOOLS_TEXTS["xen-list-images"]!;
  const warn = p.errors.join("");
  if (p.values.help || p.values.manual) return textResult(t.help.stdout, warn, t.help.exit);
  if (p.values.version) return textResult(t.version.stdout, warn, 0);
  const prefix = (p.values.test as string | undefined) ?? "/etc/xen";
  const ext = (p.values.extension as string | undefined) ?? ".cfg";
  const fs = ctx.world.hosts[ctx.host]!.fs;
  let names: string[] = [];
  try {
    names = listDir(fs, prefix);
  } catch {
    names = [];
  }
  const files = names
    .filter((n) => n.endsWith(ext) && !n.startsWith("."))
    .map((n) => `${prefix}/${n}`)
    .filter((f) => stat(fs, f)?.kind === "file" && !/~$|\.dpkg-[a-z]+$|\.sxp$|\/xl\.conf$/.test(f))
    .sort();
  const blocks = files.map((f) => {
    const text = (stat(fs, f) as { content: string }).content;
    let dhcp = false;
    let ip = "";
    let mac = "";
    let name = "";
    let mem = "0";
    for (const line of text.split("\n")) {
      if (/^\s*dhcp\s*=\s*"dhcp"/i.test(line)) dhcp = true;
      const n = /^\s*name\s*=\s*["']([^'"]+)['"]/i.exec(line);
      if (n) name = n[1]!;
      const m = /^\s*memory[^0-9]*([0-9]+)/i.exec(line);
      if (m) mem = m[1]!;
      const i = /ip=([0-9.]+)/.exec(line);
      if (i) ip = i[1]!;
      const mc = /mac=['"]([^'"]+)['"]/.exec(line);
      if (mc) mac = ` [MAC: ${mc[1]}]`;
    }
    return `Name: ${name}\nMemory: ${mem} MB\n${ip ? `IP: ${ip}${mac}\n` : ""}${dhcp ? `DHCP${mac}\n` : ""}Config: ${f}\n`;
  });
  return textResult(blocks.join("\n"), warn, 0);
}

// ------------------------------------------------------------------------- xen-create-image

const CREATE_SPEC: Record<string, OptKind> = {
  dist: "string", hostname: "string", dir: "string", lvm: "string", evms: "string", zpool: "string", "image-dev": "string", "swap-dev": "string",
  size: "string", swap: "string", noswap: "flag", memory: "string", maxmem: "string", vcpus: "string", fs: "string", image: "string",
  ip: "list", gateway: "string", netmask: "string", broadcast: "string", nameserver: "string", dhcp: "neg", mac: "string", randommac: "flag", bridge: "string", vifname: "string", vlan: "string",
  mirror: "string", arch: "string", "install-method": "string", "install-source": "string", install: "string", hooks: "string", template: "string", output: "string", extension: "optstring",
  kernel: "string", initrd: "string", modules: "string", pygrub: "neg", boot: "neg", force: "neg", keep: "neg", genpass: "string", genpass_len: "string", password: "string", passwd: "neg", accounts: "neg", copyhosts: "neg", nohosts: "flag",
  role: "string", "role-args": "string", finalrole: "string", roledir: "string", partitions: "string", config: "string", cache: "string", cachedir: "string", ide: "flag", scsi: "flag", disk_device: "string", serial_device: "string",
  apt_proxy: "string", keyring: "string", "debootstrap-cmd": "string", admins: "string", hash_method: "string", lvm_thin: "string", dontformat: "flag", "tar-cmd": "string", "copy-cmd": "string",
  debug: "neg", help: "flag", manual: "flag", dumpconfig: "flag", verbose: "neg", version: "flag",
};

const ROOT_MESSAGE = "\n  In order to use this script you must be running with root privileges.\n\n  (This is necessary to mount the disk images which are created.)\n\n";

function passwordFor(seq: number): string {
  const chars = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  let s = "";
  for (let i = 0; i < 8; i++) s += chars[mix32(seq * 8 + i) % chars.length];
  return s;
}

function fingerprint(seq: number): string {
  let s = "";
  for (let i = 0; i < 11; i++) s += mix32(seq * 16 + i).toString(36).slice(0, 4);
  return `SHA256:${Buffer.from(s).toString("base64").replace(/=+$/, "").slice(0, 43)}`;
}

export function createImage(ctx: ToolContext, args: string[]): ToolResult {
  const p = getoptionsLong(args, CREATE_SPEC);
  const t = XEN_TOOLS_TEXTS["xen-create-image"]!;
  if (p.errors.length) return textResult("", p.errors.join(""), 0);
  const v = p.values;
  if (v.help || v.manual) return textResult(t.help.stdout, "", t.help.exit);
  if (v.version) return textResult(t.version.stdout, "", 0);
  if (ctx.user !== "root") return textResult(ROOT_MESSAGE, "", 127);
  const host = ctx.world.hosts[ctx.host]!;
  const fs = host.fs;
  const conf = readToolsConf(fs);
  const guess = guessSuite(fs);
  const cfg = (k: string): string | undefined => (typeof v[k] === "string" ? (v[k] as string) : conf[k] !== undefined && !conf[k]!.includes("`") ? conf[k] : undefined);
  const dist = cfg("dist") ?? guess.suite;
  const hostname = v.hostname as string | undefined;
  if (v.dumpconfig) {
    const keys = Object.keys({ ...conf, ...v }).sort();
    return textResult(keys.map((k) => `${k} : ${String(v[k] ?? conf[k] ?? "")}`).join("\n") + "\n", "", 0);
  }
  if (!hostname) return textResult("The '--hostname' argument is mandatory.\n", "", 127);
  const method = cfg("install-method") ?? "debootstrap";
  if (!["copy", "debootstrap", "cdebootstrap", "rinse", "rpmstrap", "tar"].includes(method.toLowerCase()) || ((method === "copy" || method === "tar") && !v["install-source"])) {
    return textResult("  Please specify the installation method to use, along with a source\n if that is required.\n  For example:\n     --install-method=copy        --install-source=/some/path\n     --install-method=debootstrap\n     --install-method=rinse\n     --install-method=rpmstrap\n     --install-method=tar         --install-source=/some/file.tar\n", "", 127);
  }
  const ips = (v.ip as string[] | undefined) ?? [];
  const dhcp = v.dhcp === true || (v.dhcp === undefined && conf.dhcp === "1");
  if (dhcp && ips.length && !/^\d+\.\d+\.\d+\.*$/.test(ips[0]!)) return textResult("Please choose either DHCP or static usage, not both!\n", "", 127);
  if (!dhcp && !ips.length) return textResult("Please choose one of:\n --dhcp\n --ip xx.xx.xx.xx\n", "", 127);
  let warn = "";
  if (ips.length && !dhcp) {
    if (cfg("gateway") === undefined) warn += "WARNING:  No gateway address specified!\n";
    if (cfg("netmask") === undefined) warn += "WARNING:  No netmask address specified!\n";
  }
  const output = cfg("output") ?? "/etc/xen";
  const ext = cfg("extension") ?? ".cfg";
  if (stat(fs, output)?.kind !== "dir") return textResult(`${warn}  The output directory for creating the xen configuration file within\n doesn't exist:\n           ${output}\n  Aborting.\n`, "", 127);
  const cfgPath = `${output}/${hostname}${ext}`;
  if (stat(fs, cfgPath) && !v.force) return textResult(`${warn}Configuration file already exists; ${cfgPath}\nAborting\n`, "", 127);
  const seq = ctx.world.seq;
  const mac = ((v.mac as string | undefined) ?? `00:16:3E:${[0, 1, 2].map((i) => (mix32(seq * 3 + i + hostname.length) & (i === 0 ? 0x7f : 0xff)).toString(16).toUpperCase().padStart(2, "0")).join(":")}`).toUpperCase();
  const sizeStr = cfg("size") ?? "4G";
  const swapStr = cfg("swap") ?? "512M";
  const memStr = cfg("memory") ?? "256M";
  const fsType = cfg("fs") ?? "ext4";
  const dir = cfg("dir");
  const lvm = cfg("lvm");
  const noswap = v.noswap === true;
  const kernelFromConf = conf.kernel !== undefined ? conf.kernel.replace(/`uname -r`/, "6.1.0-28-amd64") : "/boot/vmlinuz-6.1.0-28-amd64";
  const kernel = typeof v.kernel === "string" ? v.kernel : kernelFromConf;
  const initrd = typeof v.initrd === "string" ? v.initrd : (conf.initrd ?? "/boot/initrd.img-`uname -r`").replace(/`uname -r`/, "6.1.0-28-amd64");
  const pygrub = v.pygrub === true || !stat(fs, kernel);
  const mirror = cfg("mirror") ?? guess.mirror;
  const image = lvm ? "full" : (cfg("image") ?? "sparse");
  const size = sizeBytes(sizeStr) ?? 4 * 1024 ** 3;
  const swap = sizeBytes(swapStr) ?? 512 * 1024 ** 2;
  let o = warn;
  o += `\nGeneral Information\n--------------------\nHostname       :  ${hostname}\nDistribution   :  ${dist}\nMirror         :  ${mirror}\n`;
  const parts = [...(noswap ? [] : [`swap            ${swapStr.padEnd(6)}(swap)`]), `/               ${sizeStr.padEnd(6)}(${fsType})`];
  o += `Partitions     :  ${parts.join("\n                  ")}\n`;
  o += `Image type     :  ${image}\nMemory size    :  ${memStr}\n`;
  if (typeof v.maxmem === "string") o += `Max mem size   :  ${v.maxmem}\n`;
  if (pygrub) o += "Bootloader     :  pygrub\n";
  else o += `Kernel path    :  ${kernel}\nInitrd path    :  ${initrd}\n`;
  o += "\nNetworking Information\n----------------------\n";
  if (dhcp) o += `IP Address     : DHCP [MAC: ${mac}]\n`;
  else ips.forEach((ip, i) => (o += `IP Address ${i + 1}   : ${ip}${i === 0 ? ` [MAC: ${mac}]` : ""}\n`));
  if (cfg("netmask")) o += `Netmask        : ${cfg("netmask")}\n`;
  if (cfg("broadcast")) o += `Broadcast      : ${cfg("broadcast")}\n`;
  if (cfg("gateway")) o += `Gateway        : ${cfg("gateway")}\n`;
  if (cfg("nameserver")) o += `Nameserver     : ${cfg("nameserver")}\n`;
  o += "\n";
  if (!dir && !lvm) return textResult(o + "Error:  No recognised installation type.\nPlease specify a directory, lvm, zpool, or evms volume to use.\n", "", 127);
  const mtime = Math.floor(ctx.world.clock / 1000);
  const diskPath = dir ? `${dir}/domains/${hostname}/disk.img` : `/dev/${lvm}/${hostname}-disk`;
  const swapPath = dir ? `${dir}/domains/${hostname}/swap.img` : `/dev/${lvm}/${hostname}-swap`;
  if (lvm && stat(fs, `/dev/${lvm}`)?.kind !== "dir") return textResult(o + `\nCreating swap on /dev/${lvm}/${hostname}-swap\n  Volume group "${lvm}" not found\n  Cannot process volume group ${lvm}\nFailed to create swap volume ${hostname}-swap\n`, "", 127);
  if (!v.force && (stat(fs, diskPath) || (!noswap && stat(fs, swapPath)))) {
    const which = stat(fs, noswap ? diskPath : swapPath) ? (noswap ? diskPath : swapPath) : diskPath;
    return textResult(o + (dir ? `The partition image already exists.  Aborting.\nSpecify '--force' to overwrite, or remove the following file\n${which}\n` : "The LVM disk image already exists.  Aborting.\nSpecify '--force' to delete and recreate\n"), "", 127);
  }
  if (!noswap) o += dir ? `\nCreating partition image: ${swapPath}\nDone\n\nCreating swap on ${swapPath}\nDone\n` : `\nCreating swap on ${swapPath}\nDone\n`;
  o += `${dir ? `\nCreating partition image: ${diskPath}\nDone\n` : ""}\nCreating ${fsType} filesystem on ${diskPath}\nDone\n`;
  const install = cfg("install") !== "0";
  if (install) o += `Installation method: ${method}\nDone\n`;
  if (install && cfg("hooks") !== "0") o += "\nRunning hooks\nDone\n";
  o += "\nNo role scripts were specified.  Skipping\n\nCreating Xen configuration file\nDone\n\nNo role scripts were specified.  Skipping\n";
  const genpass = cfg("genpass") !== "0";
  const password = typeof v.password === "string" ? v.password : genpass ? passwordFor(seq) : undefined;
  if (password !== undefined) o += `Setting up root password\n${typeof v.password === "string" ? "" : "Generating a password for the new guest.\n"}`;
  o += "All done\n";
  const memMb = Math.round((sizeBytes(memStr) ?? 256 * 1024 ** 2) / 1024 ** 2);
  const dev = v.ide ? "hda" : v.scsi ? "sda" : (cfg("disk_device") ?? "xvda");
  const prefixImg = dir ? "file:" : "phy:";
  const rootIndex = noswap ? 1 : 2;
  const cfgText =
    `#\n# Configuration file for the Xen instance ${hostname}, created\n# by xen-tools 4.9.2 on ${new Date(ctx.world.clock).toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) (\S+) GMT$/, (_m, d, dd, mo, y, tm) => `${d} ${mo} ${String(Number(dd)).padStart(2)} ${tm} ${y}`)}.\n#\n\n#\n#  Kernel + memory size\n#\n` +
    (pygrub ? "bootloader = 'pygrub'\n" : `kernel      = '${kernel}'\nextra       = 'elevator=noop'\nramdisk     = '${initrd}'\n`) +
    `\nvcpus       = '${cfg("vcpus") ?? "1"}'\nmemory      = '${memMb}'\n` +
    (typeof v.maxmem === "string" ? `maxmem      = '${Math.round((sizeBytes(v.maxmem) ?? 0) / 1024 ** 2)}'\n` : "") +
    `\n\n#\n#  Disk device(s).\n#\nroot        = '/dev/${dev}${rootIndex} ro'\ndisk        = [\n                  '${prefixImg}${diskPath},${dev}${rootIndex},w',\n` +
    (noswap ? "" : `                  '${prefixImg}${swapPath},${dev}1,w',\n`) +
    `              ]\n\n\n#\n#  Hostname\n#\nname        = '${hostname}'\n\n#\n#  Networking\n#\n` +
    (dhcp ? `dhcp        = 'dhcp'\nvif         = [ 'mac=${mac}${cfg("bridge") ? `,bridge=${cfg("bridge")}` : ""}' ]` : `vif         = [ 'ip=${ips.join(" ")},mac=${mac}${cfg("vifname") ? `,vifname=${cfg("vifname")}` : ""}${cfg("bridge") ? `,bridge=${cfg("bridge")}` : ""}' ]`) +
    `\n\n#\n#  Behaviour\n#\non_poweroff = 'destroy'\non_reboot   = 'restart'\non_crash    = 'restart'\n\n\n\n`;
  let world: World;
  try {
    world = produceImages();
  } catch {
    // mkdir/dd could not create the image (a file in the way, a missing volume group ...)
    return textResult(o + `\nCreating partition image: ${noswap ? diskPath : swapPath}\nThe partition image creation failed to create ${noswap ? diskPath : swapPath}.\naborting\n`, "", 127);
  }
  function produceImages(): World {
    return produce(ctx.world, (w) => {
    const h = w.hosts[ctx.host]!;
    const f = h.fs;
    if (dir) makeDir(f, `${dir}/domains/${hostname}`, { parents: true, mtime });
    const mk = (path: string, bytes: number, block: boolean) => {
      const img = { ...newImage("raw", bytes), ...(image === "full" || block ? { allocated: bytes } : { allocated: Math.min(bytes, block ? bytes : 640 * 1024 * 1024) }) };
      writeFile(f, path, "", { mtime, mode: block ? 0o660 : 0o600, image: img });
      if (block) (f[path] as { device?: string }).device = "block";
    };
    if (!noswap) mk(swapPath, swap, !!lvm);
    mk(diskPath, size, !!lvm);
    makeDir(f, "/var/log/xen-tools", { parents: true, mtime });
    writeFile(f, `/var/log/xen-tools/${hostname}.log`, o, { mtime });
    writeFile(f, cfgPath, cfgText, { mtime });
    w.seq += 4;
    });
  }
  o += `\n\nLogfile produced at:\n\t /var/log/xen-tools/${hostname}.log\n`;
  o += `\nInstallation Summary\n---------------------\nHostname        :  ${hostname}\nDistribution    :  ${dist}\nMAC Address     :  ${mac}\nIP Address(es)  :  ${dhcp ? "dynamic" : ips.join(" ")}\n`;
  for (const algo of ["ECDSA", "ED25519", "RSA"]) o += `SSH Fingerprint :  ${fingerprint(seq + algo.length)} (${algo})\n`;
  o += `Root Password   :  ${password ?? "N/A"}\n\n`;
  const chunks: Chunk[] = [out(o)];
  if (v.boot === true) {
    const auto = `/etc/xen/auto/${hostname}${ext}`;
    chunks.push(out(`Creating auto-start symlink to: ${cfgPath}\n`));
    world = produce(world, (w) => {
      const f = w.hosts[ctx.host]!.fs;
      if (stat(f, "/etc/xen/auto")?.kind === "dir" && !stat(f, auto)) f[auto] = { kind: "symlink", target: cfgPath, mode: 0o777, owner: "root", group: "root", mtime };
    });
    const r = xlTool.run({ ...ctx, world, argv0: "xl" }, ["create", cfgPath]);
    if (r.world) world = r.world;
    chunks.push(...r.out);
    chunks.push(out(`Started new Xen guest: ${hostname} [${cfgPath}]\n`));
  }
  return { exit: 0, out: chunks, world };
}

// ------------------------------------------------------------------------- xen-delete-image

const DELETE_SPEC: Record<string, OptKind> = { dir: "string", "dry-run": "flag", lvm: "string", evms: "string", zpool: "string", extension: "optstring", hostname: "list", test: "flag", verbose: "flag", "no-xen-ok": "flag", help: "flag", manual: "flag", version: "flag" };

export function deleteImage(ctx: ToolContext, args: string[]): ToolResult {
  const p = getoptionsLong(args, DELETE_SPEC);
  const t = XEN_TOOLS_TEXTS["xen-delete-image"]!;
  const warnText = p.errors.join("") + (p.values["no-xen-ok"] ? "Option --no-xen-ok is deprecated and ignored. at /usr/bin/xen-delete-image line 200.\n" : "");
  const v = p.values;
  if (v.help || v.manual) return textResult(t.help.stdout, warnText, t.help.exit);
  if (v.version) return textResult(t.version.stdout, warnText, 0);
  const host = ctx.world.hosts[ctx.host]!;
  const conf = readToolsConf(host.fs);
  const methods = { dir: (v.dir as string | undefined) ?? conf.dir, lvm: (v.lvm as string | undefined) ?? conf.lvm, evms: v.evms as string | undefined, zpool: v.zpool as string | undefined };
  for (const k of ["dir", "lvm", "evms", "zpool"] as const) if (v[k]) for (const o of ["dir", "lvm", "evms", "zpool"] as const) if (o !== k) methods[o] = undefined;
  if (v.test && (methods.lvm || methods.evms || methods.zpool)) return textResult("Error: --test only works with --dir.\n", warnText, 1);
  const count = Object.values(methods).filter((x) => x !== undefined).length;
  if (count !== 1) return textResult("Please select one and only one of the installation methods to delete the DomU:\n --dir\n --evms\n --lvm\n --zpool\n", warnText, 2);
  if (!v.test && ctx.user !== "root") return textResult("\n  This script is not running with root privileges, so the configuration\n file(s) beneath /etc/xen will not be removed.\n\n", warnText, 127);
  const ext = (v.extension as string | undefined) ?? ".cfg";
  const names = [...p.rest, ...((v.hostname as string[] | undefined) ?? [])];
  const dry = v["dry-run"] === true;
  let o = "";
  const world = produce(ctx.world, (w) => {
    const f = w.hosts[ctx.host]!.fs;
    const x = xenOf(w.hosts[ctx.host]);
    for (const name of names) {
      if (x?.domains.some((d) => d.name === name)) {
        o += `Skipping xen guest '${name}' - it appears to be running.\n`;
        continue;
      }
      for (const file of [`/etc/xen/auto/${name}${ext}`, `/etc/xen/${name}${ext}`]) {
        if (!stat(f, file) && !f[file]) continue;
        if (dry) o += `Would delete: ${file}\n`;
        else {
          o += `Deleting: ${file}\n`;
          removeNode(f, file);
        }
      }
      if (methods.dir) {
        const d = `${methods.dir}/domains/${name}`;
        if (stat(f, d)?.kind === "dir") {
          if (dry) o += `Would delete: ${d}\n`;
          else {
            o += `Removing: ${d}\n`;
            removeNode(f, d, { recursive: true });
          }
        }
      } else if (methods.lvm) {
        for (const [kind, what] of [["swap", "swap volume"], ["disk", "LVM disk volume"]] as const) {
          const dev = `/dev/${methods.lvm}/${name}-${kind}`;
          if (!stat(f, dev)) continue;
          if (dry) o += `Would remove LVM ${kind} volume ${dev}\n`;
          else {
            o += `Removing ${what}\n`;
            removeNode(f, dev);
          }
        }
      }
    }
  });
  return textResult(o, warnText, 0, world);
}

function tool(name: string, path: string, run: (ctx: ToolContext, args: string[]) => ToolResult, spec: Record<string, OptKind>): Tool {
  return {
    name,
    path,
    run(ctx, args) {
      if (!xenOf(ctx.world.hosts[ctx.host])) return { exit: 127, out: [err(`bash: ${ctx.argv0}: command not found\n`)] };
      return run(ctx, args);
    },
    /** Getopt::Long's complaints about the options (unknown, ambiguous, missing value). */
    check: (args) => getoptionsLong(args, spec).errors[0]?.trim() ?? null,
  };
}

export const XEN_TOOLS_SCRIPTS: Tool[] = [tool("xen-create-image", "/usr/bin/xen-create-image", createImage, CREATE_SPEC), tool("xen-list-images", "/usr/bin/xen-list-images", listImages, LIST_SPEC), tool("xen-delete-image", "/usr/bin/xen-delete-image", deleteImage, DELETE_SPEC)];
