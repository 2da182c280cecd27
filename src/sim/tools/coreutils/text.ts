// Text filters and small system programs of the lab shell (grep, head, tail, wc, sort, tee, env ...).
import { resolvePath, stat, writeFile } from "../../model/fs";
import { err, out, type Chunk, type Tool, type ToolContext } from "../../shell/tool";
import { fsOf, isResult, nowSec, parseArgs, withFs } from "./files";

/** Read each operand (or stdin for none or "-"); missing files produce `name: FILE: No such file or directory`. */
function inputs(ctx: ToolContext, name: string, operands: string[], openMsg = false): { texts: { name: string; text: string }[]; errors: Chunk[] } {
  const texts: { name: string; text: string }[] = [];
  const errors: Chunk[] = [];
  const fs = fsOf(ctx);
  for (const o of operands.length ? operands : ["-"]) {
    if (o === "-") {
      texts.push({ name: "(standard input)", text: ctx.stdin ?? "" });
      continue;
    }
    const n = stat(fs, resolvePath(ctx.cwd, o));
    if (!n) errors.push(err(openMsg ? `${name}: cannot open '${o}' for reading: No such file or directory\n` : `${name}: ${o}: No such file or directory\n`));
    else if (n.kind === "dir") errors.push(err(openMsg ? `${name}: error reading '${o}': Is a directory\n` : `${name}: ${o}: Is a directory\n`));
    else texts.push({ name: o, text: n.kind === "file" ? n.content : "" });
  }
  return { texts, errors };
}

const lines = (t: string) => {
  const l = t.split("\n");
  if (l[l.length - 1] === "") l.pop();
  return l;
};

/** Translate a POSIX basic/extended regular expression into a JavaScript one (the common subset). */
export function posixRegex(pattern: string, extended: boolean, fixed: boolean, ignoreCase: boolean, word: boolean): RegExp | null {
  let src: string;
  if (fixed) src = pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  else if (extended) src = pattern;
  else {
    // BRE: \( \) \{ \} \| \+ \? are operators; bare ( ) { } | + ? are literals
    src = "";
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i]!;
      if (c === "\\" && i + 1 < pattern.length) {
        const nx = pattern[++i]!;
        src += "(){}|+?".includes(nx) ? nx : `\\${nx}`;
      } else if ("(){}|+?".includes(c)) src += `\\${c}`;
      else src += c;
    }
  }
  src = src.replace(/\[\[:(alpha|digit|alnum|space|upper|lower|punct|xdigit|blank):\]\]/g, (_m, cls: string) => `[${({ alpha: "A-Za-z", digit: "0-9", alnum: "A-Za-z0-9", space: "\\s", upper: "A-Z", lower: "a-z", punct: "!-/:-@[-`{-~", xdigit: "0-9A-Fa-f", blank: " \\t" } as Record<string, string>)[cls]}]`);
  if (word) src = `(?<![A-Za-z0-9_])(?:${src})(?![A-Za-z0-9_])`;
  try {
    return new RegExp(src, ignoreCase ? "i" : "");
  } catch {
    return null;
  }
}

const grep: Tool = {
  name: "grep",
  path: "/usr/bin/grep",
  aliases: ["egrep", "fgrep"],
  run(ctx, args) {
    const p = parseArgs(ctx, "grep", args, "e:EFivcnwloqHhrsA:B:C:x", [
      { name: "regexp", arg: "required", key: "e" },
      { name: "extended-regexp", arg: "none", key: "E" },
      { name: "fixed-strings", arg: "none", key: "F" },
      { name: "ignore-case", arg: "none", key: "i" },
      { name: "invert-match", arg: "none", key: "v" },
      { name: "count", arg: "none", key: "c" },
      { name: "line-number", arg: "none", key: "n" },
      { name: "word-regexp", arg: "none", key: "w" },
      { name: "files-with-matches", arg: "none", key: "l" },
      { name: "only-matching", arg: "none", key: "o" },
      { name: "quiet", arg: "none", key: "q" },
      { name: "silent", arg: "none", key: "q" },
      { name: "line-regexp", arg: "none", key: "x" },
      { name: "color", arg: "optional", key: "color" },
    ], 2);
    if (isResult(p)) return p;
    const f = (k: string) => p.flags.has(k);
    const operands = [...p.operands];
    const patterns = p.flags.get("e") ?? [];
    if (!patterns.length) {
      if (!operands.length) return { exit: 2, out: [err("Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n")] };
      patterns.push(operands.shift()!);
    }
    const extended = f("E") || ctx.argv0.endsWith("egrep");
    const fixed = f("F") || ctx.argv0.endsWith("fgrep");
    const res = patterns.flatMap((pat) => pat.split("\n")).map((pat) => posixRegex(f("x") ? `^(?:${pat})$` : pat, extended || f("x"), fixed && !f("x"), f("i"), f("w")));
    if (res.some((r) => r === null)) return { exit: 2, out: [err("grep: Unmatched ( or \\(\n")] };
    const regs = res as RegExp[];
    const { texts, errors } = inputs(ctx, "grep", operands);
    const many = texts.length + errors.length > 1 && !f("h");
    let matched = false;
    let text = "";
    for (const t of texts) {
      let count = 0;
      lines(t.text).forEach((line, i) => {
        const hit = regs.some((r) => r.test(line)) !== f("v");
        if (!hit) return;
        count++;
        matched = true;
        if (f("c") || f("l") || f("q")) return;
        const prefix = (many ? `${t.name}:` : "") + (f("n") ? `${i + 1}:` : "");
        if (f("o") && !f("v")) {
          for (const r of regs) for (const m of line.matchAll(new RegExp(r.source, r.flags + "g"))) if (m[0]) text += `${prefix}${m[0]}\n`;
        } else text += `${prefix}${line}\n`;
      });
      if (f("c")) text += `${many ? `${t.name}:` : ""}${count}\n`;
      if (f("l") && count) text += `${t.name}\n`;
    }
    if (f("q")) return { exit: matched ? 0 : errors.length ? 2 : 1, out: [] };
    return { exit: errors.length ? 2 : matched ? 0 : 1, out: [out(text), ...errors].filter((c) => c.text) };
  },
};

function countArg(p: { flags: Map<string, string[]> }, args: string[]): { n: number; fromEnd: boolean; bad?: string } {
  const v = p.flags.get("n")?.at(-1);
  const legacy = args.find((a) => /^-\d+$/.test(a));
  const raw = v ?? (legacy ? legacy.slice(1) : "10");
  const fromEnd = raw.startsWith("+");
  const n = Number(raw.replace(/^[+-]/, ""));
  if (!Number.isInteger(n)) return { n: 10, fromEnd, bad: raw };
  return { n: raw.startsWith("-") ? -n : n, fromEnd };
}

const headTail = (name: "head" | "tail"): Tool => ({
  name,
  path: `/usr/bin/${name}`,
  run(ctx, args) {
    const legacy = args.filter((a) => /^-\d+$/.test(a));
    const p = parseArgs(ctx, name, args.filter((a) => !/^-\d+$/.test(a)), "n:c:qvf", [
      { name: "lines", arg: "required", key: "n" },
      { name: "bytes", arg: "required", key: "c" },
      { name: "quiet", arg: "none", key: "q" },
      { name: "follow", arg: "optional", key: "f" },
    ]);
    if (isResult(p)) return p;
    const c = countArg(p, legacy);
    if (c.bad !== undefined) return { exit: 1, out: [err(`${name}: invalid number of lines: '${c.bad}'\n`)] };
    const { texts, errors } = inputs(ctx, name, p.operands, true);
    let text = "";
    texts.forEach((t, i) => {
      if (texts.length + errors.length > 1 && !p.flags.has("q")) text += `${i ? "\n" : ""}==> ${t.name === "(standard input)" ? "standard input" : t.name} <==\n`;
      const l = lines(t.text);
      let sel: string[];
      if (name === "head") sel = c.n >= 0 ? l.slice(0, c.n) : l.slice(0, Math.max(0, l.length + c.n));
      else sel = c.fromEnd ? l.slice(Math.max(0, c.n - 1)) : l.slice(Math.max(0, l.length - Math.abs(c.n)));
      text += sel.map((x) => x + "\n").join("");
    });
    return { exit: errors.length ? 1 : 0, out: [out(text), ...errors].filter((x) => x.text) };
  },
});

const wc: Tool = {
  name: "wc",
  path: "/usr/bin/wc",
  run(ctx, args) {
    const p = parseArgs(ctx, "wc", args, "lwcmL", [
      { name: "lines", arg: "none", key: "l" },
      { name: "words", arg: "none", key: "w" },
      { name: "bytes", arg: "none", key: "c" },
      { name: "chars", arg: "none", key: "m" },
    ]);
    if (isResult(p)) return p;
    const sel = ["l", "w", "c"].filter((k) => p.flags.has(k) || (k === "c" && p.flags.has("m")));
    const show = sel.length ? sel : ["l", "w", "c"];
    const { texts, errors } = inputs(ctx, "wc", p.operands);
    const rows = texts.map((t) => ({
      name: p.operands.length ? t.name : "",
      l: (t.text.match(/\n/g) ?? []).length,
      w: t.text.split(/\s+/).filter(Boolean).length,
      c: Buffer.byteLength(t.text),
    }));
    if (rows.length > 1) rows.push({ name: "total", l: rows.reduce((a, r) => a + r.l, 0), w: rows.reduce((a, r) => a + r.w, 0), c: rows.reduce((a, r) => a + r.c, 0) });
    const single = show.length === 1 && rows.length === 1 && !p.operands.length;
    const width = single ? 0 : Math.max(1, ...rows.flatMap((r) => show.map((k) => String(r[k as "l" | "w" | "c"]).length)), p.operands.length ? 0 : 7);
    const text = rows.map((r) => show.map((k) => String(r[k as "l" | "w" | "c"]).padStart(width)).join(" ") + (r.name ? ` ${r.name}` : "") + "\n").join("");
    return { exit: errors.length ? 1 : 0, out: [out(text), ...errors].filter((x) => x.text) };
  },
};

const sort: Tool = {
  name: "sort",
  path: "/usr/bin/sort",
  run(ctx, args) {
    const p = parseArgs(ctx, "sort", args, "rnuk:t:h", [
      { name: "reverse", arg: "none", key: "r" },
      { name: "numeric-sort", arg: "none", key: "n" },
      { name: "unique", arg: "none", key: "u" },
    ]);
    if (isResult(p)) return p;
    const { texts, errors } = inputs(ctx, "sort", p.operands);
    let l = texts.flatMap((t) => lines(t.text));
    l.sort(p.flags.has("n") ? (a, b) => (parseFloat(a) || 0) - (parseFloat(b) || 0) || (a < b ? -1 : a > b ? 1 : 0) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (p.flags.has("r")) l.reverse();
    if (p.flags.has("u")) l = l.filter((x, i) => i === 0 || x !== l[i - 1]);
    return { exit: errors.length ? 2 : 0, out: [out(l.map((x) => x + "\n").join("")), ...errors].filter((x) => x.text) };
  },
};

const uniq: Tool = {
  name: "uniq",
  path: "/usr/bin/uniq",
  run(ctx, args) {
    const p = parseArgs(ctx, "uniq", args, "cdu", [{ name: "count", arg: "none", key: "c" }]);
    if (isResult(p)) return p;
    const { texts, errors } = inputs(ctx, "uniq", p.operands.slice(0, 1));
    const l = texts.flatMap((t) => lines(t.text));
    const groups: { line: string; n: number }[] = [];
    for (const x of l) {
      const g = groups[groups.length - 1];
      if (g && g.line === x) g.n++;
      else groups.push({ line: x, n: 1 });
    }
    const sel = groups.filter((g) => (p.flags.has("d") ? g.n > 1 : p.flags.has("u") ? g.n === 1 : true));
    const text = sel.map((g) => (p.flags.has("c") ? `${String(g.n).padStart(7)} ${g.line}\n` : `${g.line}\n`)).join("");
    return { exit: errors.length ? 1 : 0, out: [out(text), ...errors].filter((x) => x.text) };
  },
};

const tee: Tool = {
  name: "tee",
  path: "/usr/bin/tee",
  run(ctx, args) {
    const p = parseArgs(ctx, "tee", args, "a", [{ name: "append", arg: "none", key: "a" }]);
    if (isResult(p)) return p;
    const input = ctx.stdin ?? "";
    const chunks: Chunk[] = [out(input)];
    let exit = 0;
    const world = withFs(ctx, (fs) => {
      for (const o of p.operands) {
        try {
          writeFile(fs, resolvePath(ctx.cwd, o), input, { mtime: nowSec(ctx), append: p.flags.has("a") });
        } catch {
          chunks.push(err(`tee: ${o}: No such file or directory\n`));
          exit = 1;
        }
      }
    });
    return { world, exit, out: chunks.filter((c) => c.text) };
  },
};

const env: Tool = {
  name: "env",
  path: "/usr/bin/env",
  run(ctx) {
    return { exit: 0, out: [out(Object.entries(ctx.env).map(([k, v]) => `${k}=${v}\n`).join(""))] };
  },
};

const whoami: Tool = { name: "whoami", path: "/usr/bin/whoami", run: (ctx) => ({ exit: 0, out: [out(ctx.user + "\n")] }) };

const hostname: Tool = {
  name: "hostname",
  path: "/usr/bin/hostname",
  run(ctx, args) {
    const h = ctx.world.hosts[ctx.host]!.hostname;
    if (args.includes("-f") || args.includes("--fqdn")) return { exit: 0, out: [out(h + "\n")] };
    if (args.includes("-I")) return { exit: 0, out: [out("192.168.1.10 \n")] };
    return { exit: 0, out: [out(h.split(".")[0] + "\n")] };
  },
};

const uname: Tool = {
  name: "uname",
  path: "/usr/bin/uname",
  run(ctx, args) {
    const h = ctx.world.hosts[ctx.host]!;
    const all = args.includes("-a") || args.includes("--all");
    const parts: string[] = [];
    const want = (f: string) => all || args.some((a) => a.startsWith("-") && !a.startsWith("--") && a.includes(f));
    if (want("s") || args.length === 0) parts.push("Linux");
    if (want("n")) parts.push(h.hostname.split(".")[0]!);
    if (want("r")) parts.push("6.1.0-28-amd64");
    if (want("v")) parts.push("#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)");
    if (want("m")) parts.push("x86_64");
    if (all) parts.push("GNU/Linux");
    return { exit: 0, out: [out(parts.join(" ") + "\n")] };
  },
};

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const date: Tool = {
  name: "date",
  path: "/usr/bin/date",
  run(ctx) {
    const d = new Date(ctx.world.clock);
    const p2 = (n: number) => String(n).padStart(2, "0");
    return { exit: 0, out: [out(`${DAYS[d.getUTCDay()]} ${MON[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}\n`)] };
  },
};

const sleep: Tool = {
  name: "sleep",
  path: "/usr/bin/sleep",
  run(ctx, args) {
    const s = Number(args[0]?.replace(/s$/, ""));
    if (!args.length) return { exit: 1, out: [err("sleep: missing operand\nTry 'sleep --help' for more information.\n")] };
    if (Number.isNaN(s)) return { exit: 1, out: [err(`sleep: invalid time interval '${args[0]}'\nTry 'sleep --help' for more information.\n`)] };
    return { exit: 0, out: [], world: { ...ctx.world, clock: ctx.world.clock + Math.round(s * 1000) } };
  },
};

const which: Tool = {
  name: "which",
  path: "/usr/bin/which",
  run() {
    // replaced at registry time with a version that knows the installed tools
    return { exit: 1, out: [] };
  },
};

export function whichTool(lookup: (name: string) => string | undefined): Tool {
  return {
    ...which,
    run(_ctx, args) {
      let exit = 0;
      let text = "";
      for (const a of args.filter((x) => !x.startsWith("-"))) {
        const p = lookup(a);
        if (p) text += p + "\n";
        else exit = 1;
      }
      return { exit, out: text ? [out(text)] : [] };
    },
  };
}

export const TEXT_TOOLS: Tool[] = [grep, headTail("head"), headTail("tail"), wc, sort, uniq, tee, env, whoami, hostname, uname, date, sleep];
