// xl's host subcommands: info, dmesg, top, sharing, debug-keys, set-parameters, the Flask commands and
// the few that only make sense with hardware or daemons this lab host lacks (psr-*, remus, devd ...).
import { domainById } from "../../model/xen/state";
import { has, type XlCtx, type ParsedOpts } from "./context";
import { readHostFile } from "./domain";
import { infoLines, l, r } from "./format";
import { xentopInteractive } from "../xentop/index";

export function xlInfo(ctx: XlCtx, p: ParsedOpts): number {
  const numa = has(p, "n");
  const key = !numa && p.args.length ? p.args[0]! : undefined;
  let s = "";
  for (const [k, v, block] of infoLines(ctx.xen, ctx.host.hostname.split(".")[0]!, numa)) {
    if (block !== undefined) {
      s += `${k.padEnd(23)}:\n${block}`;
      continue;
    }
    const line = k === "virt_caps" ? `${k.padEnd(23)}:${ctx.xen.info.virtCaps}\n` : `${k.padEnd(23)}: ${v}\n`;
    if (key === undefined) s += line;
    else if (line.startsWith(key)) {
      const c = line.indexOf(":");
      if (c >= 0 && line[c + 1] === " ") s += line.slice(c + 2);
    }
  }
  ctx.out(s);
  return 0;
}

export function xlDmesg(ctx: XlCtx, p: ParsedOpts): number {
  const lines = ctx.xen.dmesg;
  if (lines.length) ctx.out(lines.join("\n") + "\n");
  if (has(p, "c")) ctx.update((host) => void ((host.subsystems.xen as typeof ctx.xen).dmesg = []));
  return 0;
}

export function xlTop(ctx: XlCtx, _p: ParsedOpts): number {
  const r2 = xentopInteractive(ctx.tool, ctx.world, ctx.hostName);
  for (const c of r2.out) ctx.chunks.push(c);
  if (r2.interactive) ctx.interactive = r2.interactive;
  return r2.exit;
}

export function xlSharing(ctx: XlCtx, p: ParsedOpts): number {
  const x = ctx.xen;
  let doms = x.domains;
  if (p.args.length === 1) {
    const id = ctx.findDomain(p.args[0]!);
    const d = domainById(x, id);
    if (!d) {
      ctx.err(`Error: Domain '${p.args[0]}' does not exist.\n`);
      return 1;
    }
    doms = [d];
  } else if (p.args.length > 1) {
    ctx.help("sharing");
    return 1;
  }
  let s = "Name                                        ID   Mem Shared\n";
  for (const d of doms) s += `${l(d.name, 40)} ${r(d.domid, 5)} ${r(Math.floor(d.memKiB / 1024), 5)}  ${r(0, 5)}\n`;
  ctx.out(s);
  return 0;
}

export function xlDebugKeys(ctx: XlCtx, p: ParsedOpts): number {
  const keys = p.args[0]!;
  const add: string[] = [];
  for (const k of keys) {
    if (k === "h") add.push("(XEN) 'h' pressed -> showing installed handlers", "(XEN)  key '%' (ascii '25') => trap to xendbg", "(XEN)  key 'd' (ascii '64') => dump registers", "(XEN)  key 'q' (ascii '71') => dump domain (and guest debug) info", "(XEN)  key 'r' (ascii '72') => dump run queues", "(XEN)  key 't' (ascii '74') => display multi-cpu clock info");
    else if (k === "q") {
      add.push("(XEN) 'q' pressed -> dumping domain info (now = 0x" + Math.floor(ctx.now * 1e6).toString(16) + ")");
      for (const d of ctx.xen.domains) add.push(`(XEN) General information for domain ${d.domid}:`, `(XEN)     refcnt=3 dying=0 pause_count=${d.paused ? 1 : 0}`, `(XEN)     nr_pages=${Math.floor(d.memKiB / 4)} xenheap_pages=5 shared_pages=0 paged_pages=0 dirty_cpus={} max_pages=${Math.floor((d.hvMaxKiB ?? d.memKiB) / 4)}`);
    } else if (k === "r") add.push(`(XEN) sched_smt_power_savings: disabled`, `(XEN) NOW=${Math.floor(ctx.now * 1e6)}`, `(XEN) Online Cpus: 0-${ctx.xen.nrCpus - 1}`, `(XEN) Cpupool 0:`, `(XEN) Scheduler: ${ctx.xen.scheduler === "credit2" ? "SMP Credit Scheduler rev2 (credit2)" : "SMP Credit Scheduler (credit)"}`);
    else add.push(`(XEN) '${k}' pressed -> ${k === "t" ? "display multi-cpu clock info" : "key handled"}`);
  }
  ctx.update((host) => {
    const x = host.subsystems.xen as typeof ctx.xen;
    x.dmesg = [...x.dmesg, ...add];
  });
  return 0;
}

export function xlSetParameters(ctx: XlCtx, p: ParsedOpts): number {
  const params = p.args[0]!;
  if (!/^[a-z_0-9-]+=\S*( [a-z_0-9-]+=\S*)*$/.test(params)) {
    ctx.err(`libxl: error: libxl.c:560:libxl_set_parameters: setting parameters: Invalid argument\ncannot set parameters: ${params}\n`);
    return 1;
  }
  ctx.update((host) => {
    const x = host.subsystems.xen as typeof ctx.xen;
    x.dmesg = [...x.dmesg, `(XEN) parameter "${params.split("=")[0]}" set`];
  });
  return 0;
}

/** The Flask commands parse no options; without FLASK they fail with -1 (exit status 255). */
export function xlGetenforce(ctx: XlCtx, _argv: string[]): number {
  ctx.out("Flask XSM Disabled\n");
  return 255;
}

export function xlFlaskChange(ctx: XlCtx, argv: string[], name: "setenforce" | "loadpolicy"): number {
  const arg = argv[0];
  if (arg === undefined) {
    ctx.help(name);
    return 2;
  }
  if (name === "setenforce" && !["0", "1"].includes(arg) && !["permissive", "enforcing"].includes(arg.toLowerCase())) {
    ctx.help("setenforce");
    return 2;
  }
  if (name === "loadpolicy") {
    const f = readHostFile(ctx, arg);
    if ("error" in f) {
      ctx.err(`Error occurred opening policy file '${arg}': ${f.error}\n`);
      return 255;
    }
  }
  ctx.err("Flask XSM disabled\n");
  return 255;
}

/** Commands that need hardware or companion daemons this lab host does not have. */
export function xlHostOnly(ctx: XlCtx, p: ParsedOpts, domainArg: boolean, message: string): number {
  if (domainArg && p.args[0]) ctx.findDomain(p.args[0]);
  ctx.err(message);
  return 1;
}

export function xlVncviewer(ctx: XlCtx, p: ParsedOpts): number {
  const domid = ctx.findDomain(p.args[0]!);
  const d = domainById(ctx.xen, domid);
  if (!d) {
    ctx.err(`libxl: error: libxl_console.c:404:libxl_vncviewer_exec: Domain ${domid}:Unable to get domain type\n`);
    return 1;
  }
  ctx.err("libxl: error: libxl_console.c:364:libxl_vncviewer_exec: execlp vncviewer: No such file or directory\n");
  return 1;
}

export function xlQemuMonitor(ctx: XlCtx, p: ParsedOpts): number {
  const domid = ctx.findDomain(p.args[0]!);
  if (p.args.length > 2) {
    ctx.err("Invalid arguments.\n");
    return 1;
  }
  const d = domainById(ctx.xen, domid);
  if (!d || d.type !== "hvm") {
    ctx.err(`libxl: error: libxl_qmp.c:1837:qmp_ev_connect: Domain ${domid}:Failed to connect to QMP socket /var/run/xen/qmp-libxl-${domid}: No such file or directory\n`);
    return 1;
  }
  const cmd = p.args[1]!;
  if (cmd === "info status") ctx.out(`VM status: ${d.paused ? "paused" : "running"}\n`);
  else if (cmd === "info version") ctx.out("7.2.0\n");
  else if (cmd === "info block") ctx.out(d.disks.map((k) => `${k.vdev === "hdc" ? "ide1-cd0" : `ide${k.vdev === "hda" || k.vdev === "hdb" ? 0 : 1}-hd${k.vdev.endsWith("b") || k.vdev.endsWith("d") ? 1 : 0}`} (#block${k.devid}): ${k.target || "[not inserted]"} (${k.format})`).join("\n") + "\n");
  else ctx.out("\n");
  return 0;
}
