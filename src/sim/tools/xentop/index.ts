// xentop: the Xen domains table (batch mode -b -i N, and the interactive curses view as an interactive
// program). Figures come from the Xen model at the world clock; CPU(%) needs two samples.
import { produce } from "immer";
import { getoptLong, type LongOption } from "../../shell/getopt";
import { err, out, type Chunk, type InteractiveProgram, type Step, type Tool, type ToolContext, type ToolResult } from "../../shell/tool";
import { XEN_VERSION, cpuTimeNs, ioValue, isRunnable, runSeconds, vcpuTimeNs, xenOf, freeMemoryMiB, type XenDomain, type XenState } from "../../model/xen/state";
import { needsSettle, settle } from "../../model/xen/transitions";
import type { World } from "../../model/world";

export const XENTOP_ARGV0 = "/usr/lib/xen-4.17/bin/xentop";

const USAGE = (prog: string) =>
  `Usage: ${prog} [OPTION]\nDisplays ongoing information about xen vm resources \n\n-h, --help           display this help and exit\n-V, --version        output version information and exit\n-d, --delay=SECONDS  seconds between updates (default 3)\n-n, --networks       output vif network data\n-x, --vbds           output vbd block device data\n-r, --repeat-header  repeat table header before each domain\n-v, --vcpus          output vcpu data\n-b, --batch\t     output in batch mode, no user input accepted\n-i, --iterations     number of iterations before exiting\n-f, --full-name      output the full domain name (not truncated)\n\nReport bugs to <xen-devel@lists.xen.org>.\n`;

const VERSION = "xentop 1.0\nWritten by Judy Fischbach, David Hendricks, Josh Triplett\n\nCopyright (C) 2005  International Business Machines  Corp\nThis is free software; see the source for copying conditions.There is NO\nwarranty; not even for MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.\n";

const LONGS: LongOption[] = [
  { name: "help", arg: "none", key: "h" },
  { name: "version", arg: "none", key: "V" },
  { name: "networks", arg: "none", key: "n" },
  { name: "vbds", arg: "none", key: "x" },
  { name: "repeat-header", arg: "none", key: "r" },
  { name: "vcpus", arg: "none", key: "v" },
  { name: "delay", arg: "required", key: "d" },
  { name: "batch", arg: "none", key: "b" },
  { name: "iterations", arg: "required", key: "i" },
  { name: "full-name", arg: "none", key: "f" },
];

export interface TopOptions {
  delay: number;
  networks: boolean;
  vbds: boolean;
  repeat: boolean;
  vcpus: boolean;
  fullName: boolean;
  /** Index into the field table used for sorting (0 = NAME, xentop's start value). */
  sort: number;
}

/** What libxenstat reports for a domain at one instant. */
interface Sample {
  d: XenDomain;
  cpuNs: number;
  netTx: number;
  netRx: number;
  nets: { rb: number; rp: number; tb: number; tp: number }[];
  vbds: { dev: number; oo: number; rd: number; wr: number; rs: number; ws: number }[];
}

function sample(d: XenDomain, t: number): Sample {
  const run = runSeconds(d, t);
  const nets = d.nics.map((n) => ({ rb: ioValue(n.io, "rb", run), rp: ioValue(n.io, "rp", run), tb: ioValue(n.io, "tb", run), tp: ioValue(n.io, "tp", run) }));
  const vbds = d.disks
    .filter((k) => k.backend === "phy")
    .map((k) => ({ dev: k.devid, oo: ioValue(k.io, "oo", run), rd: ioValue(k.io, "rd", run), wr: ioValue(k.io, "wr", run), rs: ioValue(k.io, "rs", run), ws: ioValue(k.io, "ws", run) }));
  return { d, cpuNs: cpuTimeNs(d, t), netTx: nets.reduce((s, n) => s + n.tb, 0), netRx: nets.reduce((s, n) => s + n.rb, 0), nets, vbds };
}

const intWidth = (n: number) => Math.floor(Math.log10(n) + 1);

function stateLetters(d: XenDomain): string {
  const run = isRunnable(d);
  const shut = d.shutdown !== undefined && d.shutdown !== 3;
  const crash = d.shutdown === 3;
  const blocked = run && d.domid !== 0;
  const running = run && d.domid === 0;
  return `${d.dying ? "d" : "-"}${shut ? "s" : "-"}${blocked ? "b" : "-"}${crash ? "c" : "-"}${d.paused ? "p" : "-"}${running ? "r" : "-"}`;
}

const HEADERS = ["NAME", "STATE", "CPU(sec)", "CPU(%)", "MEM(k)", "MEM(%)", "MAXMEM(k)", "MAXMEM(%)", "VCPUS", "NETS", "NETTX(k)", "NETRX(k)", "VBDS", "VBD_OO", "VBD_RD", "VBD_WR", "VBD_RSECT", "VBD_WSECT", "SSID"];
const WIDTHS = [10, 6, 10, 6, 10, 6, 10, 9, 5, 4, 8, 8, 4, 8, 8, 8, 10, 10, 4];

/** Sort keys per field (xentop's compare functions; numbers sort descending). */
function sortKey(field: number, s: Sample, pct: number, x: XenState): string | number {
  const sum = (k: "rd" | "wr" | "rs" | "ws" | "oo") => s.vbds.reduce((a, v) => a + v[k], 0);
  switch (field) {
    case 0:
      return s.d.name.toLowerCase();
    case 1:
      return stateLetters(s.d);
    case 2:
      return -s.cpuNs;
    case 3:
      return -pct;
    case 4:
    case 5:
      return -s.d.memKiB;
    case 6:
    case 7:
      return -(s.d.hvMaxKiB ?? x.totalMiB * 1024 * 2);
    case 8:
      return -s.d.maxVcpus;
    case 9:
      return -s.d.nics.length;
    case 10:
      return -s.netTx;
    case 11:
      return -s.netRx;
    case 12:
      return -s.vbds.length;
    case 13:
      return -sum("oo");
    case 14:
      return -sum("rd");
    case 15:
      return -sum("wr");
    case 16:
      return -sum("rs");
    case 17:
      return -sum("ws");
    default:
      return 0;
  }
}

/** One refresh of the table: header(s), rows and the optional detail lines. */
export function table(x: XenState, t: number, prevT: number | null, o: TopOptions): string {
  const totKiB = x.totalMiB * 1024;
  const samples = x.domains.map((d) => sample(d, t));
  const pctOf = (s: Sample) => {
    if (prevT === null || t === prevT) return 0;
    const prev = cpuTimeNs(s.d, prevT);
    return (s.cpuNs - prev) / 10.0 / ((t - prevT) * 1000);
  };
  samples.sort((a, b) => {
    const ka = sortKey(o.sort, a, pctOf(a), x);
    const kb = sortKey(o.sort, b, pctOf(b), x);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const w = [...WIDTHS];
  if (o.fullName) for (const s of samples) w[0] = Math.max(w[0]!, s.d.name.length);
  for (const s of samples) {
    const sum = (k: "rd" | "wr" | "rs" | "ws") => s.vbds.reduce((a, v) => a + v[k], 0);
    w[10] = Math.max(w[10]!, intWidth(Math.floor(s.netTx / 1024) + 1));
    w[11] = Math.max(w[11]!, intWidth(Math.floor(s.netRx / 1024) + 1));
    w[14] = Math.max(w[14]!, intWidth(sum("rd") + 1));
    w[15] = Math.max(w[15]!, intWidth(sum("wr") + 1));
    w[16] = Math.max(w[16]!, intWidth(sum("rs") + 1));
    w[17] = Math.max(w[17]!, intWidth(sum("ws") + 1));
  }
  const header = HEADERS.map((h, i) => h.padStart(w[i]!)).join(" ") + "\n";
  let s = "";
  samples.forEach((sm, i) => {
    if (i === 0 || o.repeat) s += header;
    const d = sm.d;
    const sum = (k: "rd" | "wr" | "rs" | "ws" | "oo") => sm.vbds.reduce((a, v) => a + v[k], 0);
    const cells = [
      o.fullName ? d.name.padStart(w[0]!) : d.name.slice(0, 10).padStart(10),
      stateLetters(d),
      String(Math.floor(sm.cpuNs / 1e9)).padStart(10),
      pctOf(sm).toFixed(1).padStart(6),
      String(d.memKiB).padStart(10),
      ((d.memKiB / totKiB) * 100).toFixed(1).padStart(6),
      d.hvMaxKiB === null ? "no limit".padStart(10) : String(d.hvMaxKiB).padStart(10),
      d.hvMaxKiB === null ? "n/a".padStart(9) : ((d.hvMaxKiB / totKiB) * 100).toFixed(1).padStart(9),
      String(d.maxVcpus).padStart(5),
      String(d.nics.length).padStart(4),
      String(Math.floor(sm.netTx / 1024)).padStart(w[10]!),
      String(Math.floor(sm.netRx / 1024)).padStart(w[11]!),
      String(sm.vbds.length).padStart(4),
      String(sum("oo")).padStart(8),
      String(sum("rd")).padStart(w[14]!),
      String(sum("wr")).padStart(w[15]!),
      String(sum("rs")).padStart(w[16]!),
      String(sum("ws")).padStart(w[17]!),
      "0".padStart(4),
    ];
    s += cells.join(" ") + "\n";
    if (o.vcpus) {
      s += "VCPUs(sec): ";
      for (let v = 0; v < d.maxVcpus; v++) {
        if (v >= d.onlineVcpus) continue;
        if (v !== 0 && v % 5 === 0) s += "\n        ";
        s += ` ${String(v).padStart(2)}: ${String(Math.floor(vcpuTimeNs(d, v, t) / 1e9)).padStart(10)}s`;
      }
      s += "\n";
    }
    if (o.networks) {
      sm.nets.forEach((n, i) => {
        s += `Net${i} RX: ${String(n.rb).padStart(8)}bytes ${String(n.rp).padStart(8)}pkts ${"0".padStart(8)}err ${"0".padStart(8)}drop  TX: ${String(n.tb).padStart(8)}bytes ${String(n.tp).padStart(8)}pkts ${"0".padStart(8)}err ${"0".padStart(8)}drop\n`;
      });
    }
    if (o.vbds) {
      for (const v of sm.vbds) {
        const details = `[${(v.dev >> 8).toString(16).padStart(2)}:${(v.dev & 0xff).toString(16).padStart(2)}] `;
        s += `VBD BlkBack ${String(v.dev).padStart(4)} ${details} OO: ${String(v.oo).padStart(8)}   RD: ${String(v.rd).padStart(8)}   WR: ${String(v.wr).padStart(8)}   RSECT: ${String(v.rs).padStart(10)}   WSECT: ${String(v.ws).padStart(10)}\n`;
      }
    }
  });
  return s;
}

/** The three summary lines of the interactive view. */
export function summary(x: XenState, t: number): string {
  let run = 0,
    block = 0,
    pause = 0,
    shut = 0,
    crash = 0,
    dying = 0;
  for (const d of x.domains) {
    const l = stateLetters(d);
    if (l[5] === "r") run++;
    else if (l[2] === "b") block++;
    else if (l[4] === "p") pause++;
    else if (l[1] === "s") shut++;
    else if (l[3] === "c") crash++;
    else if (l[0] === "d") dying++;
  }
  const tot = x.totalMiB * 1024;
  const free = freeMemoryMiB(x) * 1024;
  const time = new Date(t).toISOString().slice(11, 19);
  return `xentop - ${time}   Xen ${XEN_VERSION.major}.${XEN_VERSION.minor}${XEN_VERSION.extra}\n${x.domains.length} domains: ${run} running, ${block} blocked, ${pause} paused, ${crash} crashed, ${dying} dying, ${shut} shutdown \nMem: ${tot}k total, ${tot - free}k used, ${free}k free    CPUs: ${x.nrCpus} @ ${Math.floor(x.info.cpuMhz)}MHz\n`;
}

const XENTOP_KEYS = [..."qnbvrsdQNBVRSD"];

const BOTTOM = "  Delay  Networks  vBds  VCPUs  Repeat header  Sort order  Quit  ";

class XentopScreen implements InteractiveProgram {
  private prevT: number | null = null;
  private promptText: string | null = null;

  constructor(
    private readonly host: string,
    private readonly o: TopOptions,
    private iterations: number | null,
  ) {}

  prompt(): string {
    return this.promptText !== null ? `${this.promptText}: ` : "";
  }

  /** A full-screen program: each command key acts at once (the delay is typed and ends with Enter). */
  immediateKeys(): readonly string[] {
    return this.promptText !== null ? [] : XENTOP_KEYS;
  }

  private frame(world: World, tty: boolean): { world: World; text: string } {
    const w = produce(world, (wd) => {
      const ids = { seq: wd.seq };
      settle(wd.hosts[this.host]!, wd.clock, ids);
      wd.seq = ids.seq;
    });
    const x = xenOf(w.hosts[this.host])!;
    const text = (tty ? "\x1b[H\x1b[2J" : "") + summary(x, w.clock) + table(x, w.clock, this.prevT, this.o) + BOTTOM + "\n";
    this.prevT = w.clock;
    return { world: w, text };
  }

  start(world: World, tty: boolean): Step {
    const f = this.frame(world, tty);
    if (this.iterations !== null && --this.iterations === 0) return { world: f.world, out: [out(f.text)], done: true, exit: 0 };
    return { world: f.world, out: [out(f.text)] };
  }

  feed(line: string, world: World, tty: boolean): Step {
    const key = line.trim().slice(0, 1).toLowerCase();
    if (this.promptText !== null) {
      const n = parseInt(line.trim(), 10);
      if (n > 0) this.o.delay = n;
      this.promptText = null;
    } else if (key === "q" || line.includes("\x1b") || line.includes("\x03")) {
      return { out: [], done: true, exit: 0 };
    } else if (key === "n") this.o.networks = !this.o.networks;
    else if (key === "b") this.o.vbds = !this.o.vbds;
    else if (key === "v") this.o.vcpus = !this.o.vcpus;
    else if (key === "r") this.o.repeat = !this.o.repeat;
    else if (key === "s") this.o.sort = (this.o.sort + 1) % HEADERS.length;
    else if (key === "d") {
      this.promptText = "Delay(sec)";
      return { out: [out(tty ? "" : `  Delay(sec): \n`)] };
    }
    const next: World = { ...world, clock: world.clock + this.o.delay * 1000 };
    const f = this.frame(next, tty);
    if (this.iterations !== null && --this.iterations === 0) return { world: f.world, out: [out(f.text)], done: true, exit: 0 };
    return { world: f.world, out: [out(f.text)] };
  }

  eof(): Step {
    return { out: [], done: true, exit: 0 };
  }
}

/** Batch mode: `iterations` tables `delay` seconds apart (the clock moves on as xentop sleeps). */
function batch(world: World, host: string, o: TopOptions, iterations: number): { world: World; text: string } {
  let w = world;
  let text = "";
  let prev: number | null = null;
  for (let i = 0; i < iterations; i++) {
    if (i > 0) w = { ...w, clock: w.clock + o.delay * 1000 };
    w = produce(w, (wd) => {
      const ids = { seq: wd.seq };
      settle(wd.hosts[host]!, wd.clock, ids);
      wd.seq = ids.seq;
    });
    text += table(xenOf(w.hosts[host])!, w.clock, prev, o);
    prev = w.clock;
  }
  return { world: w, text };
}

/** Batch runs without -i go on until interrupted; the lab stops them after this many tables. */
const BATCH_UNTIL_INTERRUPT = 5;

const SHORTS = "hVnxrvd:bi:f";

export function runXentop(ctx: ToolContext, args: string[], argv0 = XENTOP_ARGV0): ToolResult {
  const chunks: Chunk[] = [];
  const h = ctx.world.hosts[ctx.host];
  if (!xenOf(h)) return { exit: 1, out: [err("ERROR:  Can't find hypervisor information in sysfs!\n")] };
  const g = getoptLong(args, SHORTS, LONGS, argv0);
  const o: TopOptions = { delay: 3, networks: false, vbds: false, repeat: false, vcpus: false, fullName: false, sort: 0 };
  let isBatch = false;
  let iterations: number | null = null;
  for (const ev of g.events) {
    if (ev.kind === "error") {
      chunks.push(err(ev.message), out(USAGE(argv0)));
      return { exit: 0, out: chunks };
    }
    switch (ev.key) {
      case "h":
        return { exit: 0, out: [out(USAGE(argv0))] };
      case "V":
        return { exit: 0, out: [out(VERSION)] };
      case "n":
        o.networks = true;
        break;
      case "x":
        o.vbds = true;
        break;
      case "r":
        o.repeat = true;
        break;
      case "v":
        o.vcpus = true;
        break;
      case "d":
        o.delay = Math.max(0, parseInt(ev.arg ?? "", 10) || 0);
        break;
      case "b":
        isBatch = true;
        break;
      case "i":
        iterations = parseInt(ev.arg ?? "", 10) || 0;
        break;
      case "f":
        o.fullName = true;
        break;
    }
  }
  if (ctx.user !== "root") return { exit: 1, out: [err("Failed to initialize xenstat library\n")] };
  if (isBatch) {
    const n = iterations === null || iterations <= 0 ? BATCH_UNTIL_INTERRUPT : iterations;
    const r = batch(ctx.world, ctx.host, o, n);
    return { exit: 0, out: [out(r.text)], world: r.world };
  }
  return { exit: 0, out: [], interactive: new XentopScreen(ctx.host, o, iterations !== null && iterations > 0 ? iterations : null) };
}

/** `xl top` runs xentop (interactive). */
export function xentopInteractive(ctx: ToolContext, world: World, host: string): ToolResult {
  return runXentop({ ...ctx, world, host }, []);
}

export const xentopTool: Tool = {
  name: "xentop",
  path: "/usr/sbin/xentop",
  run(ctx, args) {
    if (!xenOf(ctx.world.hosts[ctx.host])) return { exit: 127, out: [err(`bash: ${ctx.argv0}: command not found\n`)] };
    return runXentop(ctx, args);
  },
  /** xentop's getopt_long: an unknown option or a missing argument is its only usage error. */
  check(args) {
    const e = getoptLong(args, SHORTS, LONGS, XENTOP_ARGV0).events.find((ev) => ev.kind === "error");
    return e && e.kind === "error" ? e.message.trim() : null;
  },
};
