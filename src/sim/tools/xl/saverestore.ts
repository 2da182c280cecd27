// xl save, restore and migrate: the save-file format (xl header + the domain config as JSON + the
// memory stream), and live migration to another simulated Xen host over "ssh".
import { produce } from "immer";
import { configJsonText, readDomainConfig, type DomainConfig } from "../../model/xen/domain-config";
import { newImage } from "../../model/image";
import { domainById, runSeconds, xenOf, type XenDomain } from "../../model/xen/state";
import { createDomain, destroyDomain, libxlLog, xlLog, type CreateOptions } from "../../model/xen/transitions";
import { dirname, resolvePath, stat, writeFile } from "../../model/fs";
import type { Host } from "../../model/world";
import { has, last, type XlCtx, type ParsedOpts } from "./context";
import { readHostFile } from "./domain";
import { consoleProgram } from "./console";

/** The first bytes of every xl save file (savefileheader_magic). */
export const SAVE_MAGIC = "Xen saved domain, xl format\n \0 \r";

interface SaveImage {
  config: DomainConfig;
  runtime: NonNullable<CreateOptions["carry"]>;
  type: string;
}

function carryOf(d: XenDomain, now: number): NonNullable<CreateOptions["carry"]> {
  return {
    runSec: runSeconds(d, now),
    memKiB: d.memKiB,
    staticMaxKiB: d.staticMaxKiB,
    onlineVcpus: d.onlineVcpus,
    console: d.console,
    consoleSeen: d.consoleSeen,
    macs: d.nics.map((n) => n.mac),
    pvDrivers: d.pvDrivers,
  };
}

/** The config a save or migration carries: the live one, with live MACs, memory and vCPUs. */
function liveConfig(d: XenDomain): DomainConfig {
  const c = d.config!;
  return { ...c, name: d.name, uuid: d.uuid, nics: c.nics.map((n, i) => ({ ...n, mac: d.nics[i]?.mac ?? n.mac })), targetMemKiB: d.memKiB, maxMemKiB: d.staticMaxKiB, availVcpus: d.onlineVcpus };
}

const infoLen = (c: DomainConfig) => 4 + configJsonText(c).length + 1 + 1;
const typeName = (t: string) => (t === "hvm" ? "x86 HVM" : t === "pvh" ? "x86 PVH" : "x86 PV");

export function xlSave(ctx: XlCtx, p: ParsedOpts): number {
  if (p.args.length > 3) {
    ctx.help("save");
    return 1;
  }
  const domid = ctx.findDomain(p.args[0]!);
  const file = p.args[1]!;
  const checkpoint = has(p, "c");
  const leavePaused = has(p, "p");
  const d = domainById(ctx.xen, domid);
  let config: DomainConfig | undefined;
  if (p.args[2] !== undefined) {
    const f = readHostFile(ctx, p.args[2]);
    if ("error" in f) {
      ctx.err("unable to read overridden config file\n");
      return 1;
    }
    const read = readDomainConfig(p.args[2], f.text, ctx.globals);
    for (const m of read.messages) ctx.err(m);
    if (!read.config) return read.exit ?? 1;
    config = read.config;
  } else if (d?.config) config = liveConfig(d);
  if (!d || !config) {
    if (!d) ctx.err(libxlLog("error", "libxl_domain.c", 2015, "libxl_retrieve_domain_configuration", "Fail to get domain configuration: No such process", domid));
    ctx.err("unable to retrieve domain configuration\n");
    return 1;
  }
  const abs = resolvePath(ctx.tool.cwd, file);
  const dir = stat(ctx.host.fs, dirname(abs));
  if (!dir || dir.kind !== "dir" || stat(ctx.host.fs, abs)?.kind === "dir") {
    ctx.err(`Failed to open temp file ${file} for writing\n`);
    return 1;
  }
  ctx.err(`Saving to ${file} new xl format (info 0x3/0x0/${infoLen(config)})\n`);
  const pages = Math.floor(d.memKiB / 4);
  ctx.err(`xc: info: Saving domain ${domid}, type ${typeName(d.type)}\nxc: Frames: ${pages}/${pages}  100%\nxc: End of stream: 0/0    0%\n`);
  const image: SaveImage = { config, runtime: carryOf(d, ctx.now), type: d.type };
  const content = SAVE_MAGIC + "\n" + JSON.stringify(image) + "\n";
  ctx.update((host) => {
    const bytes = d.memKiB * 1024 + 1024 * 1024;
    writeFile(host.fs, abs, content, { mtime: Math.floor(ctx.now / 1000), image: { ...newImage("raw", bytes), allocated: bytes } });
    const x = xenOf(host)!;
    if (leavePaused || checkpoint) {
      const dd = domainById(x, domid)!;
      if (leavePaused) dd.paused = true;
      if (leavePaused) {
        if (dd.runAt !== null) {
          dd.runSec += Math.max(0, ctx.now - dd.runAt) / 1000;
          dd.runAt = null;
        }
      }
    } else {
      if (d.monitored) xlLog(host.fs, d.name, [`Domain ${domid} has shut down, reason code 2 0x2`, "Domain has suspended.", `Domain ${domid} has been destroyed.`], ctx.now);
      destroyDomain(x, domid);
    }
  });
  return 0;
}

function readSave(ctx: XlCtx, file: string): SaveImage | "missing" | "magic" {
  const abs = resolvePath(ctx.tool.cwd, file);
  const n = stat(ctx.host.fs, abs);
  if (!n || n.kind !== "file") return "missing";
  if (!n.content.startsWith(SAVE_MAGIC)) return "magic";
  try {
    return JSON.parse(n.content.slice(SAVE_MAGIC.length + 1)) as SaveImage;
  } catch {
    return "magic";
  }
}

export function xlRestore(ctx: XlCtx, p: ParsedOpts): number {
  let configFile: string | undefined;
  let file: string;
  if (p.args.length === 1) file = p.args[0]!;
  else if (p.args.length === 2) {
    configFile = p.args[0]!;
    file = p.args[1]!;
  } else {
    ctx.help("restore");
    return 1;
  }
  const img = readSave(ctx, file);
  if (img === "missing") {
    ctx.err("Can't open restore file: No such file or directory\n");
    return 1;
  }
  if (img === "magic") {
    ctx.err("File has wrong magic number - corrupt or for a different tool?\n");
    return 1;
  }
  ctx.err(`Loading new save file ${file} (new xl fmt info 0x3/0x0/${infoLen(img.config)})\n Savefile contains xl domain config in JSON format\n`);
  let config = img.config;
  if (configFile !== undefined) {
    const f = readHostFile(ctx, configFile);
    if ("error" in f) {
      ctx.err(`Failed to read config file: ${configFile}: ${f.error}\n`);
      return 1;
    }
    ctx.err(`Parsing config from ${configFile}\n`);
    const read = readDomainConfig(configFile, f.text, ctx.globals);
    for (const m of read.messages) ctx.err(m);
    if (!read.config) return 1;
    config = { ...read.config, uuid: read.config.uuid ?? img.config.uuid };
  } else ctx.err("Parsing config from <saved>\n");
  const monitored = !has(p, "e");
  const paused = has(p, "p");
  const res = ctx.update((host, ids) => createDomain(host, config, { now: ctx.now, ids, paused, monitored, carry: img.runtime }));
  for (const m of res.messages) ctx.err(m);
  if (!res.ok) return 1;
  ctx.err(`xc: info: Found ${typeName(img.type)} domain from Xen 4.17\nxc: info: Restoring domain\nxc: info: Restore successful\nxc: info: XenStore: mfn 0x${(0x1ffff - res.domid).toString(16)}, dom 0, evt 1\nxc: info: Console: mfn 0x${(0x1fffe - res.domid).toString(16)}, dom 0, evt 2\n`);
  const d = domainById(ctx.xen, res.domid)!;
  if (monitored) ctx.update((host) => xlLog(host.fs, d.name, [`Waiting for domain ${d.name} (domid ${d.domid}) to die [pid ${2000 + d.domid * 37}]`], ctx.now));
  if (has(p, "c")) ctx.interactive = consoleProgram(ctx.hostName, d.domid, ctx.tool.tty);
  return 0;
}

function targetHost(ctx: XlCtx, name: string): string | undefined {
  const w = ctx.world;
  const bare = name.replace(/^[^@]*@/, "");
  if (bare === "localhost" || bare === "127.0.0.1") return ctx.hostName;
  return Object.keys(w.hosts).find((h) => h === bare || w.hosts[h]!.hostname === bare || w.hosts[h]!.hostname.split(".")[0] === bare);
}

export function xlMigrate(ctx: XlCtx, p: ParsedOpts): number {
  const domid = ctx.findDomain(p.args[0]!);
  const hostArg = p.args[1]!;
  const ssh = last(p, "s") ?? "ssh";
  const d = domainById(ctx.xen, domid);
  let config: DomainConfig | undefined;
  const cfgFile = last(p, "C");
  if (cfgFile !== undefined) {
    const f = readHostFile(ctx, cfgFile);
    if ("error" in f) {
      ctx.err("unable to read overridden config file\n");
      return 1;
    }
    const read = readDomainConfig(cfgFile, f.text, ctx.globals);
    for (const m of read.messages) ctx.err(m);
    if (!read.config) return read.exit ?? 1;
    config = { ...read.config, uuid: d?.uuid ?? read.config.uuid };
  } else if (d?.config) config = liveConfig(d);
  if (!d) {
    ctx.err(libxlLog("error", "libxl_domain.c", 2015, "libxl_retrieve_domain_configuration", "Fail to get domain configuration: No such process", domid));
    ctx.err("unable to retrieve domain configuration\n");
    return 1;
  }
  if (!config) {
    ctx.err("No config file stored for running domain and none supplied - cannot migrate.\n");
    return 1;
  }
  const target = ssh === "" ? undefined : targetHost(ctx, hostArg);
  const pid = 3500 + domid;
  if (!target) {
    ctx.err(ssh === "" ? `sh: 1: ${hostArg}: not found\n` : `ssh: Could not resolve hostname ${hostArg}: Name or service not known\n`);
    ctx.err(libxlLog("error", "libxl_utils.c", 515, "libxl_read_exactly", "file/stream truncated reading banner from migration receiver stream"));
    ctx.err(libxlLog("error", "libxl_exec.c", 117, "libxl_report_child_exitstatus", `migration transport process [${pid}] exited with error status ${ssh === "" ? 127 : 255}`));
    return 1;
  }
  const tx = xenOf(ctx.world.hosts[target]);
  if (!tx) {
    ctx.err(`bash: line 1: xl: command not found\n`);
    ctx.err(libxlLog("error", "libxl_utils.c", 515, "libxl_read_exactly", "file/stream truncated reading banner from migration receiver stream"));
    ctx.err(libxlLog("error", "libxl_exec.c", 117, "libxl_report_child_exitstatus", `migration transport process [${pid}] exited with error status 127`));
    return 1;
  }
  if (config.disableMigrate) {
    ctx.err(libxlLog("error", "libxl_dom_save.c", 391, "libxl__domain_save", "cannot save domain: domain is not migratable: Invalid argument", domid));
  }
  const len = infoLen(config);
  ctx.err("migration target: Ready to receive domain.\n");
  ctx.err(`Saving to migration stream new xl format (info 0x3/0x0/${len})\n`);
  ctx.err(`Loading new save file <incoming migration stream> (new xl fmt info 0x3/0x0/${len})\n Savefile contains xl domain config in JSON format\nParsing config from <saved>\n`);
  if (config.disableMigrate) {
    ctx.err("migration sender: libxl_domain_suspend failed (rc=-3)\nMigration failed, resuming at sender.\n");
    return 1;
  }
  const carry = carryOf(d, ctx.now);
  const preserve = has(p, "D");
  const paused = has(p, "p");
  const monitored = !has(p, "e");
  let outcome: { ok: boolean; messages: string[]; domid?: number } = { ok: false, messages: [] };
  const next = produce(ctx.world, (w) => {
    const ids = { seq: w.seq };
    const th = w.hosts[target]!;
    const r = createDomain(th as Host, config!, { now: ctx.now, ids, paused: true, monitored, nameOverride: `${config!.name}--incoming`, carry: { ...carry, ...(preserve ? { domid } : {}) } });
    w.seq = ids.seq;
    if (!r.ok) {
      outcome = { ok: false, messages: r.messages };
      return;
    }
    outcome = { ok: true, messages: r.messages, domid: r.domid };
    const srcX = xenOf(w.hosts[ctx.hostName])!;
    const src = domainById(srcX, domid)!;
    const name = src.name;
    src.name = `${name}--migratedaway`;
    if (src.monitored) xlLog(w.hosts[ctx.hostName]!.fs, name, [`Domain ${domid} has shut down, reason code 2 0x2`, "Domain has suspended.", `Domain ${domid} has been destroyed.`], ctx.now);
    destroyDomain(srcX, domid);
    const dst = domainById(xenOf(th)!, r.domid)!;
    dst.name = name;
    if (dst.config) dst.config = { ...dst.config, name };
    dst.startTime = ctx.now;
    if (!paused) {
      dst.paused = false;
      dst.runAt = ctx.now;
    }
    if (monitored) xlLog(th.fs, name, [`Waiting for domain ${name} (domid ${r.domid}) to die [pid ${2000 + r.domid * 37}]`], ctx.now);
  });
  const o = outcome as { ok: boolean; messages: string[]; domid?: number };
  for (const m of o.messages) ctx.err(m);
  if (!o.ok) {
    const code = o.messages.some((m) => m.includes("Unable to set disk defaults")) ? -6 : -3;
    ctx.err(`migration target: Domain creation failed (code ${code}).\n`);
    ctx.err("migration sender: libxl_domain_suspend failed (rc=-3)\nMigration failed, resuming at sender.\n");
    return 1;
  }
  ctx.world = next;
  ctx.err(
    `xc: info: Saving domain ${domid}, type ${typeName(d.type)}\nxc: info: Found ${typeName(d.type)} domain from Xen 4.17\nxc: info: Restoring domain\nxc: info: Restore successful\n` +
      "migration target: Transfer complete, requesting permission to start domain.\n" +
      "migration sender: Target has acknowledged transfer.\n" +
      "migration sender: Giving target permission to start.\n" +
      "migration target: Got permission, starting domain.\n" +
      "migration target: Domain started successsfully.\n" +
      "migration sender: Target reports successful startup.\n" +
      "Migration successful.\n",
  );
  return 0;
}

/** migrate-receive is for xl itself (the far end of migrate); run by hand it waits for a stream. */
export function xlMigrateReceive(ctx: XlCtx, _p: ParsedOpts): number {
  ctx.out("xl migration receiver ready, send binary domain data.\n");
  ctx.err("migration target: Ready to receive domain.\n");
  ctx.err(libxlLog("error", "libxl_utils.c", 515, "libxl_read_exactly", "file/stream truncated reading ipc msg header from domain 0 save/restore helper stdout pipe"));
  ctx.err("migration target: Domain creation failed (code -3).\n");
  return 1;
}
