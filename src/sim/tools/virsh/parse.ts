// virsh's own command-line parser (vshCommandParse): command strings with quotes and ';', argv lists,
// positional filling of options, and virsh's exact usage errors.
import { findCommand, hasFlag, type CmdDef, type OptDef } from "./table";

export interface ParsedOpt {
  def: OptDef;
  data?: string;
}

export interface ParsedCmd {
  def: CmdDef;
  opts: ParsedOpt[];
}

export type Token = { kind: "arg"; text: string } | { kind: "end" } | { kind: "subcmd" } | { kind: "error"; message: string };

/** A source of tokens: vshCommandStringGetArg over a string, or argv words. */
export interface TokenSource {
  next(report: boolean): Token;
}

export function argvSource(words: string[]): TokenSource {
  let i = 0;
  return { next: () => (i < words.length ? { kind: "arg", text: words[i++]! } : { kind: "end" }) };
}

/** vshCommandStringGetArg: shell-like words, `;` or newline between commands, `#` comments. */
export function stringSource(s: string): TokenSource & { pos(): number } {
  let p = 0;
  return {
    pos: () => p,
    next(report: boolean): Token {
      while (s[p] === " " || s[p] === "\t" || (s[p] === "\\" && s[p + 1] === "\n")) p += s[p] === "\\" ? 2 : 1;
      if (p >= s.length) return { kind: "end" };
      if (s[p] === ";" || s[p] === "\n") {
        p++;
        return { kind: "subcmd" };
      }
      if (s[p] === "#") {
        while (p < s.length && s[p] !== "\n") p++;
        if (p < s.length) p++;
        return { kind: "subcmd" };
      }
      let single = false;
      let double = false;
      let q = "";
      while (p < s.length) {
        const c = s[p]!;
        if (!double && !single && (c === " " || c === "\t" || c === ";" || c === "\n")) break;
        if (!double && c === "'") {
          single = !single;
          p++;
          continue;
        } else if (!single && c === "\\") {
          p++;
          if (p >= s.length) {
            return report ? { kind: "error", message: "dangling \\" } : { kind: "error", message: "" };
          } else if (s[p] === "\n") {
            p++;
            continue;
          }
        } else if (!single && c === '"') {
          double = !double;
          p++;
          continue;
        }
        q += s[p]!;
        p++;
      }
      if (double && report) return { kind: "error", message: 'missing "' };
      return { kind: "arg", text: q };
    },
  };
}

export interface ParseResult {
  cmds: ParsedCmd[];
  /** vshError texts (without "error: "), in order; non-empty means the parse failed. */
  errors: string[];
}

const isAlnum = (c: string | undefined) => c !== undefined && /[A-Za-z0-9]/.test(c);

/** vshCommandParse without partial mode: every command of the source, or the errors that stop it. */
export function parseCommands(src: TokenSource): ParseResult {
  const cmds: ParsedCmd[] = [];
  const fail = (...errors: string[]): ParseResult => ({ cmds: [], errors });
  for (;;) {
    let def: CmdDef | undefined;
    const opts: ParsedOpt[] = [];
    let dataOnly = false;
    let needArg: number[] = [];
    let required = new Set<number>();
    const seen = new Set<number>();
    let tk: Token;
    for (;;) {
      tk = src.next(true);
      if (tk.kind === "error") return fail(tk.message);
      if (tk.kind !== "arg") break;
      const t = tk.text;
      if (!def) {
        if (t.startsWith("#")) {
          let x: Token;
          do x = src.next(false);
          while (x.kind === "arg");
          tk = x;
          break;
        }
        let found = findCommand(t);
        if (!found) return fail(`unknown command: '${t}'`);
        if (found.alias) found = findCommand(found.alias)!;
        def = found;
        needArg = [];
        required = new Set();
        def.opts.forEach((o, i) => {
          if (o.type === "bool" || o.type === "alias") return;
          if (!hasFlag(o, "req_opt")) needArg.push(i);
          if (hasFlag(o, "req")) required.add(i);
        });
        continue;
      }
      let opt: OptDef | undefined;
      let data: string | undefined;
      if (!dataOnly && t[0] === "-" && t[1] === "-" && isAlnum(t[2])) {
        let name = t.slice(2);
        let optstr: string | undefined;
        const eq = name.indexOf("=");
        if (eq >= 0) {
          optstr = name.slice(eq + 1);
          name = name.slice(0, eq);
        }
        if (name === "help") {
          opt = { name: "help", type: "bool" };
        } else {
          let idx = -1;
          for (let i = 0; i < def.opts.length; i++) {
            const o = def.opts[i]!;
            if (o.name !== name) continue;
            if (o.type === "alias") {
              const h = o.help ?? "";
              const e2 = h.indexOf("=");
              if (e2 >= 0) {
                if (optstr !== undefined) return fail(`invalid '=' after option --${o.name}`);
                optstr = h.slice(e2 + 1);
                name = h.slice(0, e2);
              } else name = h;
              continue;
            }
            if (seen.has(i) && o.type !== "argv") return fail(`option --${name} already seen`);
            idx = i;
            break;
          }
          if (idx < 0) {
            if (def.name === "help") continue;
            return fail(`command '${def.name}' doesn't support option --${name}`);
          }
          seen.add(idx);
          opt = def.opts[idx]!;
          if (opt.type !== "bool") {
            if (optstr !== undefined) data = optstr;
            else {
              const nx = src.next(true);
              if (nx.kind === "error") return fail(nx.message);
              if (nx.kind !== "arg") return fail(`expected syntax: --${opt.name} <${opt.type === "int" ? "number" : "string"}>`);
              data = nx.text;
            }
            if (opt.type !== "argv") needArg = needArg.filter((x) => x !== idx);
          } else if (optstr !== undefined) return fail(`invalid '=' after option --${opt.name}`);
        }
      } else if (!dataOnly && t === "--") {
        dataOnly = true;
        continue;
      } else {
        if (!needArg.length) {
          if (def.name === "help") continue;
          return fail(`unexpected data '${t}'`);
        }
        const i = needArg[0]!;
        opt = def.opts[i]!;
        if (opt.type !== "argv") needArg.shift();
        seen.add(i);
        data = t;
      }
      opts.push({ def: opt, ...(data !== undefined ? { data } : {}) });
    }
    if (def) {
      let cmd: ParsedCmd = { def, opts };
      if (opts.some((o) => o.def.name === "help" && o.def.type === "bool" && !def!.opts.some((d) => d.name === "help"))) {
        const help = findCommand("help")!;
        cmd = { def: help, opts: [{ def: help.opts[0]!, data: def.name }] };
      } else {
        const missing = [...required].filter((i) => !seen.has(i)).sort((a, b) => a - b);
        if (missing.length)
          return fail(
            ...missing.map((i) => {
              const o = def!.opts[i]!;
              return o.type === "data" || o.type === "argv" ? `command '${def!.name}' requires <${o.name}> option` : `command '${def!.name}' requires --${o.name} option`;
            }),
          );
      }
      cmds.push(cmd);
    }
    if (tk.kind === "end") break;
  }
  return { cmds, errors: [] };
}

// ---------------------------------------------------------------- option access (vshCommandOpt*)

export class OptError extends Error {}

/** Typed access to a parsed command's options with virsh's messages for bad values. */
export class Opts {
  constructor(readonly cmd: ParsedCmd) {}

  get name() {
    return this.cmd.def.name;
  }

  private find(name: string): ParsedOpt | undefined {
    return this.cmd.opts.find((o) => o.def.name === name);
  }

  has(name: string): boolean {
    return this.find(name) !== undefined;
  }

  bool(name: string): boolean {
    return this.has(name);
  }

  /** vshCommandOptStringReq: the value, undefined when absent; throws (after the message) when empty. */
  str(name: string, errors?: string[]): string | undefined {
    const o = this.find(name);
    if (!o) return undefined;
    if (o.data === "" && !hasFlag(o.def, "empty_ok")) {
      errors?.push(`Failed to get option '${name}': Option argument is empty`);
      throw new OptError(`Failed to get option '${name}': Option argument is empty`);
    }
    return o.data;
  }

  /** vshCommandOptStringQuiet: the value or undefined (empty counts as absent unless allowed). */
  strQuiet(name: string): string | undefined {
    const o = this.find(name);
    if (!o) return undefined;
    if (o.data === "" && !hasFlag(o.def, "empty_ok")) return undefined;
    return o.data;
  }

  argv(name: string): string[] {
    return this.cmd.opts.filter((o) => o.def.name === name).map((o) => o.data ?? "");
  }

  raw(name: string): string | undefined {
    return this.find(name)?.data;
  }
}

const LIMITS = {
  int: [-2147483648n, 2147483647n],
  uint: [0n, 4294967295n],
  ull: [0n, 18446744073709551615n],
  ll: [-9223372036854775808n, 9223372036854775807n],
} as const;

/**
 * virStrToLong_*: parse a whole decimal string with optional leading whitespace and sign. `wrap` lets
 * negative values wrap for unsigned types (virStrToLong_ui); otherwise they are rejected.
 */
export function strToLong(s: string, kind: keyof typeof LIMITS, wrap = false): bigint | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)$/.exec(s);
  if (!m) return null;
  let v = BigInt(m[2]!);
  const neg = m[1] === "-";
  const [min, max] = LIMITS[kind];
  if (kind === "uint" || kind === "ull") {
    if (neg) {
      if (!wrap) return v === 0n ? 0n : null;
      if (v > max) return null;
      v = v === 0n ? 0n : max + 1n - v;
      return v;
    }
    return v > max ? null : v;
  }
  if (neg) v = -v;
  return v < min || v > max ? null : v;
}
