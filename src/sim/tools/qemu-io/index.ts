// qemu-io 7.2: open one image, run -c commands (write, read, discard ...) on it the way a guest would.
import type { DiskImage } from "../../model/image";
import { probeTool } from "../../shell/syntax-check";
import { discardImage, readChain, runContent, writeImage } from "../../model/image/io";
import { writeCompressed } from "../../model/image/compress";
import type { Tool, ToolContext } from "../../shell/tool";
import { getoptRun, type LongOpt } from "../qemu-img/getopt";
import { type Layer } from "../qemu-img/open";
import { Exit, Run } from "../qemu-img/run";
import { strtosz } from "../qemu-img/size";

const USAGE = `Usage: qemu-io [OPTIONS]... [-c STRING]... [file]
QEMU Disk exerciser

  --object OBJECTDEF   define an object such as 'secret' for
                       passwords and/or encryption keys
  --image-opts         treat file as option string
  -c, --cmd STRING     execute command with its arguments
                       from the given string
  -f, --format FMT     specifies the block driver to use
  -r, --read-only      export read-only
  -s, --snapshot       use snapshot file
  -n, --nocache        disable host cache, short for -t none
  -C, --copy-on-read   enable copy-on-read
  -m, --misalign       misalign allocations for O_DIRECT
  -k, --native-aio     use kernel AIO implementation
                       (Linux only, prefer use of -i)
  -i, --aio=MODE       use AIO mode (threads, native or io_uring)
  -t, --cache=MODE     use the given cache mode for the image
  -d, --discard=MODE   use the given discard mode for the image
  -T, --trace [[enable=]<pattern>][,events=<file>][,file=<file>]
                       specify tracing options
                       see qemu-img(1) man page for full description
  -U, --force-share    force shared permissions
  -h, --help           display this help and exit
  -V, --version        output version information and exit

See 'qemu-io -c help' for information on available commands.

See <https://qemu.org/contribute/report-a-bug> for how to report bugs.
More information on the QEMU project at <https://qemu.org>.
`;

const VERSION = "qemu-io version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\nCopyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers\n";

const MAIN_LONGS: LongOpt[] = [
  { name: "help", arg: "none", key: "h" },
  { name: "version", arg: "none", key: "V" },
  { name: "cmd", arg: "required", key: "c" },
  { name: "format", arg: "required", key: "f" },
  { name: "read-only", arg: "none", key: "r" },
  { name: "snapshot", arg: "none", key: "s" },
  { name: "nocache", arg: "none", key: "n" },
  { name: "copy-on-read", arg: "none", key: "C" },
  { name: "misalign", arg: "none", key: "m" },
  { name: "native-aio", arg: "none", key: "k" },
  { name: "discard", arg: "required", key: "d" },
  { name: "cache", arg: "required", key: "t" },
  { name: "trace", arg: "required", key: "T" },
  { name: "object", arg: "required", key: "object" },
  { name: "image-opts", arg: "none", key: "image-opts" },
  { name: "force-share", arg: "none", key: "U" },
  { name: "aio", arg: "required", key: "i" },
];

interface Cmd {
  name: string;
  alt?: string;
  args: string;
  oneline: string;
  argmin: number;
  argmax: number;
  spec: string;
}

const CMDS: Cmd[] = [
  { name: "read", alt: "r", args: "[-abCqv] [-P pattern [-s off] [-l len]] off len", oneline: "reads a number of bytes at a specified offset", argmin: 2, argmax: -1, spec: "bCcqpP:s:l:v" },
  { name: "write", alt: "w", args: "[-bcCfnquz] [-P pattern | -s source_file] off len", oneline: "writes a number of bytes at a specified offset", argmin: 2, argmax: -1, spec: "bcCfnpP:qs:uz" },
  { name: "discard", alt: "d", args: "[-Cq] off len", oneline: "discards a number of bytes at a specified offset", argmin: 2, argmax: -1, spec: "Cq" },
];

const MAX_TRANSFER = 2147483136;

/** qemu-io's cvtstr(): "64 KiB", "1.500 KiB", "100 bytes". */
function cvtstr(v: number): string {
  const units: [number, string][] = [
    [2 ** 60, " EiB"],
    [2 ** 50, " PiB"],
    [2 ** 40, " TiB"],
    [2 ** 30, " GiB"],
    [2 ** 20, " MiB"],
    [2 ** 10, " KiB"],
  ];
  let suffix = " bytes";
  for (const [m, s] of units)
    if (v >= m) {
      v /= m;
      suffix = s;
      break;
    }
  const s = v.toFixed(3);
  return s.endsWith(".000") ? s.slice(0, -4) + suffix : s + suffix;
}

function report(op: string, offset: number, count: number, total: number): string {
  // the elapsed time cannot be simulated; qemu-io's throughput line varies from run to run anyway
  const secs = Math.max(0.0001, total / (400 * 2 ** 20));
  return `${op} ${total}/${count} bytes at offset ${offset}\n${cvtstr(total)}, 1 ops; 00.00 sec (${cvtstr(total / secs)}/sec and ${(1 / secs).toFixed(4)} ops/sec)\n`;
}

function parsePattern(s: string): number | undefined {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const body = m[2]!;
  const v = (m[1] === "-" ? -1 : 1) * Number(body.startsWith("0x") || body.startsWith("0X") ? body : body.length > 1 && body.startsWith("0") ? Number.parseInt(body, 8) : body);
  return v < 0 || v > 255 ? undefined : v;
}

/** qemu-io's cvtnum(); prints its parsing error and returns undefined on failure. */
function cvtnum(run: Run, s: string): number | undefined {
  const r = strtosz(s);
  if (!r.ok || r.value > (1n << 63n) - 1n) {
    run.stdout(!r.ok && r.code === "EINVAL" ? `Parsing error: non-numeric argument, or extraneous/unrecognized suffix -- ${s}\n` : `Parsing error: argument too large -- ${s}\n`);
    return undefined;
  }
  return Number(r.value);
}

/** Split a -c string into words (qemu-io's breakline: whitespace, double quotes group). */
function breakline(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) out.push(m[1] ?? m[2]!);
  return out;
}

interface Session {
  run: Run;
  chain: Layer[];
  readOnly: boolean;
}

/** Print a message on stdout and report the command as failed. */
function say(run: Run, text: string): false {
  run.stdout(text);
  return false;
}

const usageLine = (c: Cmd) => `${c.name} ${c.args} -- ${c.oneline}\n`;

/** Run one qemu-io command; false when it failed. */
function command(s: Session, line: string): boolean {
  const words = breakline(line);
  if (words.length === 0) return true;
  const name = words[0]!;
  const cmd = CMDS.find((c) => c.name === name || c.alt === name);
  if (!cmd) {
    if (name === "help") {
      s.run.stdout(CMDS.map(usageLine).join("") + "\nUse 'help commandname' for extended help.\n");
      return true;
    }
    s.run.stderr(`command "${name}" not found\n`);
    return false;
  }
  const g = getoptRun(words, cmd.spec, []);
  if (g.kind === "error") {
    s.run.stderr(g.message.replace(/^[^:]*:/, `${cmd.name}:`));
    s.run.stdout(usageLine(cmd));
    return false;
  }
  const argc = g.operands.length;
  if (argc < cmd.argmin) {
    s.run.stderr(`bad argument count ${argc} to ${cmd.name}, expected at least ${cmd.argmin} arguments\n`);
    return false;
  }
  if (argc !== 2) {
    s.run.stdout(usageLine(cmd));
    return false;
  }
  const flags = new Map<string, string>();
  for (const o of g.options) flags.set(o.key, o.arg ?? "");
  return cmd.name === "write" ? writeCmd(s, flags, g.operands) : cmd.name === "read" ? readCmd(s, flags, g.operands) : discardCmd(s, flags, g.operands);
}

function top(s: Session): DiskImage {
  return s.chain[0]!.image;
}

function save(s: Session, img: DiskImage) {
  s.chain[0] = { ...s.chain[0]!, image: img };
  s.run.saveLayer(s.chain[0]!, img);
}

function writeCmd(s: Session, f: Map<string, string>, ops: string[]): boolean {
  const run = s.run;
  const z = f.has("z");
  let pattern = 0xcd;
  if (f.has("P")) {
    const p = parsePattern(f.get("P")!);
    if (p === undefined) {
      run.stdout(`${f.get("P")} is not a valid pattern byte\n`);
      return false;
    }
    pattern = p;
  }
  if (f.has("b") && z) return say(run, "-b and -z cannot be specified at the same time\n");
  if (f.has("f") && (f.has("b") || z)) return say(run, "-f and -b or -z cannot be specified at the same time\n");
  if (f.has("n") && !z) return say(run, "-n requires -z to be specified\n");
  if (f.has("u") && !z) return say(run, "-u requires -z to be specified\n");
  if (Number(z) + Number(f.has("P")) + Number(f.has("s")) > 1) return say(run, "Only one of -z, -P, and -s can be specified at the same time\n");
  const offset = cvtnum(run, ops[0]!);
  if (offset === undefined) return false;
  const count = cvtnum(run, ops[1]!);
  if (count === undefined) return false;
  if (count > MAX_TRANSFER && !f.has("n")) return say(run, `length cannot exceed ${MAX_TRANSFER} without -n, given ${ops[1]}\n`);
  if (f.has("b") || f.has("c")) {
    if (offset % 512) return say(run, `${offset} is not a sector-aligned value for 'offset'\n`);
    if (count % 512) return say(run, `${count} is not a sector-aligned value for 'count'\n`);
  }
  if (s.readOnly) {
    run.stderr("qemu-io: Block node is read-only\n");
    return false;
  }
  const img = top(s);
  if (offset + count > img.virtualSize) return say(run, "write failed: Input/output error\n");
  if (f.has("b")) {
    // the VM state area of a qcow2 image; nothing a later command shows depends on it
  } else if (count > 0) {
    const chain = s.chain.map((l) => l.image);
    if (f.has("c")) {
      const r = writeCompressed(chain, offset, count, pattern);
      if (typeof r === "string") return say(run, `write failed: ${r}\n`);
      save(s, r);
    } else save(s, writeImage(chain, offset, count, z ? { kind: "zero", unmap: f.has("u") } : { kind: "data", pat: pattern }));
  }
  if (!f.has("q")) run.stdout(f.has("C") ? `${count},1,0:00:00.00,0.000,0.000\n` : report("wrote", offset, count, count));
  return true;
}

function readCmd(s: Session, f: Map<string, string>, ops: string[]): boolean {
  const run = s.run;
  let pattern: number | undefined;
  if (f.has("P")) {
    pattern = parsePattern(f.get("P")!);
    if (pattern === undefined) {
      run.stdout(`${f.get("P")} is not a valid pattern byte\n`);
      return false;
    }
  }
  const offset = cvtnum(run, ops[0]!);
  if (offset === undefined) return false;
  const count = cvtnum(run, ops[1]!);
  if (count === undefined) return false;
  if (count > MAX_TRANSFER) return say(run, `length cannot exceed ${MAX_TRANSFER}, given ${ops[1]}\n`);
  const img = top(s);
  if (offset + count > img.virtualSize) return say(run, "read failed: Input/output error\n");
  let ok = true;
  const chain = s.chain.map((l) => l.image);
  if (pattern !== undefined) {
    let pOff = 0;
    let pLen = count;
    if (f.has("s")) {
      const v = cvtnum(run, f.get("s")!);
      if (v === undefined) return false;
      pOff = v;
      pLen = count - pOff;
    }
    if (f.has("l")) {
      const v = cvtnum(run, f.get("l")!);
      if (v === undefined) return false;
      pLen = v;
    }
    const runs = readChain(chain, offset + pOff, offset + pOff + pLen);
    if (runs.some((r) => runContent(r) !== pattern)) {
      run.stdout(`Pattern verification failed at offset ${offset + pOff}, ${pLen} bytes\n`);
      ok = false;
    }
  }
  if (f.has("v")) run.stdout(hexdump(chain, offset, count));
  if (!f.has("q")) run.stdout(f.has("C") ? `${count},1,0:00:00.00,0.000,0.000\n` : report("read", offset, count, count));
  return ok;
}

function hexdump(chain: DiskImage[], offset: number, count: number): string {
  let out = "";
  const bytes: number[] = [];
  for (const r of readChain(chain, offset, offset + count)) {
    const c = runContent(r);
    const b = typeof c === "number" ? c : 0;
    for (let i = 0; i < r.len && bytes.length < count; i++) bytes.push(b);
  }
  for (let i = 0; i < bytes.length; i += 16) {
    const row = bytes.slice(i, i + 16);
    out += `${(offset + i).toString(16).padStart(8, "0")}:  ${row.map((b) => b.toString(16).padStart(2, "0")).join(" ")}  ${row.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("")}\n`;
  }
  return out;
}

function discardCmd(s: Session, f: Map<string, string>, ops: string[]): boolean {
  const run = s.run;
  const offset = cvtnum(run, ops[0]!);
  if (offset === undefined) return false;
  const count = cvtnum(run, ops[1]!);
  if (count === undefined) return false;
  if (count > MAX_TRANSFER) return say(run, `length cannot exceed ${MAX_TRANSFER}, given ${ops[1]}\n`);
  if (s.readOnly) {
    run.stderr("qemu-io: Block node is read-only\n");
    return false;
  }
  const img = top(s);
  if (offset + count > img.virtualSize) return say(run, "discard failed: Input/output error\n");
  if (count > 0) save(s, discardImage(s.chain.map((l) => l.image), offset, count));
  if (!f.has("q")) run.stdout(f.has("C") ? `${count},1,0:00:00.00,0.000,0.000\n` : report("discard", offset, count, count));
  return true;
}

function main(run: Run, args: string[]): number {
  const g = getoptRun(["qemu-io", ...args], "hVc:d:f:rsnCmki:t:T:U", MAIN_LONGS);
  if (g.kind === "error") {
    run.stderr(g.message);
    run.stdout(USAGE);
    return 1;
  }
  const cmds: string[] = [];
  let fmt: string | undefined;
  let readOnly = false;
  for (const o of g.options) {
    if (o.key === "h") {
      run.stdout(USAGE);
      return 0;
    }
    if (o.key === "V") {
      run.stdout(VERSION);
      return 0;
    }
    if (o.key === "c") cmds.push(o.arg!);
    if (o.key === "f") fmt = o.arg;
    if (o.key === "r") readOnly = true;
  }
  if (g.operands.length > 1) {
    run.stdout(USAGE);
    return 1;
  }
  const file = g.operands[0];
  if (file === undefined) {
    if (cmds.length === 0) return 0;
    run.stderr("no file open, try 'help open'\n");
    return 1;
  }
  const r = run.tryOpen(file, { ...(fmt !== undefined ? { format: fmt } : {}), write: !readOnly, forceShare: g.options.some((o) => o.key === "U") });
  if (!r.ok) {
    for (const w of r.warnings) run.stderr(w);
    run.stderr(`qemu-io: can't open device ${file}: ${r.bare}\n`);
    return 1;
  }
  if (!readOnly && r.chain[0]!.probedRaw) run.stderr(`WARNING: Image format was not specified for '${file}' and probing guessed raw.\n         Automatically detecting the format is dangerous for raw images, write operations on block 0 will be restricted.\n         Specify the 'raw' format explicitly to remove the restrictions.\n`);
  const s: Session = { run, chain: r.chain, readOnly };
  const lines = cmds.length ? cmds : (run.ctx.stdin ?? "").split("\n").filter((l) => l.trim() !== "");
  let failed = false;
  for (const c of lines) {
    if (!cmds.length) run.stdout("qemu-io> ");
    if (!command(s, c)) failed = true;
  }
  if (!cmds.length) run.stdout("qemu-io> ");
  return failed ? 1 : 0;
}

export const qemuIo: Tool = {
  name: "qemu-io",
  path: "/usr/bin/qemu-io",
  run(ctx: ToolContext, args: string[]) {
    const run = new Run(ctx);
    run.prog = "qemu-io";
    try {
      return run.result(main(run, args));
    } catch (e) {
      if (e instanceof Exit) return run.result(e.code);
      run.stderr(`qemu-io: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      return run.result(1);
    }
  },
  check: (args) => probeTool(qemuIo, args),
};
