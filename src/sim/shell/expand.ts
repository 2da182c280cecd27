// Word expansion as bash does it: quotes, escapes, parameters, command substitution, tilde,
// field splitting of unquoted expansions and pathname globbing over the simulated filesystem.

export interface ExpandContext {
  /** Value of a shell parameter, or undefined when unset. */
  param(name: string): string | undefined;
  /** Run `src` in a subshell of the simulated shell and return its stdout. */
  substitute(src: string): string;
  /** Paths matching a glob pattern (absolute or relative to cwd), sorted; [] when none. */
  glob(pattern: string): string[];
  home: string;
}

/** One character of an expanded word: whether it was quoted (no globbing) and whether it may be field-split. */
interface Piece {
  text: string;
  quoted: boolean;
  splittable: boolean;
}

export class ExpansionError extends Error {}

/** Expand a raw word into zero or more fields (bash's word splitting and globbing apply). */
export function expandWord(raw: string, ctx: ExpandContext): string[] {
  const pieces = scan(raw, ctx, false);
  const fields = split(pieces);
  const out: string[] = [];
  for (const f of fields) {
    const hasGlob = f.some((p) => !p.quoted && /[*?[]/.test(p.text));
    const text = f.map((p) => p.text).join("");
    if (hasGlob) {
      const pattern = f.map((p) => (p.quoted ? p.text.replace(/[*?[\]\\]/g, "\\$&") : p.text)).join("");
      const m = ctx.glob(pattern);
      if (m.length) {
        out.push(...m);
        continue;
      }
    }
    out.push(text);
  }
  return out;
}

/** Expand without splitting or globbing (assignments, here-strings, redirection targets). */
export function expandString(raw: string, ctx: ExpandContext): string {
  return scan(raw, ctx, false)
    .map((p) => p.text)
    .join("");
}

/** Expand a here-document body: parameters, command substitution and backslash escapes of $ ` \ only. */
export function expandHeredoc(body: string, ctx: ExpandContext): string {
  return scan(body, ctx, true)
    .map((p) => p.text)
    .join("");
}

function split(pieces: Piece[]): Piece[][] {
  const fields: Piece[][] = [];
  let cur: Piece[] = [];
  let started = false;
  for (const p of pieces) {
    if (!p.splittable) {
      cur.push(p);
      started = true;
      continue;
    }
    const parts = p.text.split(/[ \t\n]+/);
    parts.forEach((part, i) => {
      if (i > 0) {
        if (started) fields.push(cur);
        cur = [];
        started = false;
      }
      if (part !== "") {
        cur.push({ text: part, quoted: false, splittable: false });
        started = true;
      }
    });
  }
  if (started) fields.push(cur);
  return fields;
}

function scan(raw: string, ctx: ExpandContext, heredoc: boolean): Piece[] {
  const out: Piece[] = [];
  const lit = (text: string, quoted: boolean) => out.push({ text, quoted, splittable: false });
  let i = 0;
  const n = raw.length;
  let buf = "";
  const flush = () => {
    if (buf) lit(buf, heredoc);
    buf = "";
  };
  if (!heredoc && raw[0] === "~" && (n === 1 || raw[1] === "/")) {
    lit(ctx.home, true);
    i = 1;
  }
  while (i < n) {
    const c = raw[i]!;
    if (!heredoc && c === "'") {
      flush();
      const e = raw.indexOf("'", i + 1);
      lit(raw.slice(i + 1, e < 0 ? n : e), true);
      // '' still produces an (empty) field
      if (e === i + 1) out.push({ text: "", quoted: true, splittable: false });
      i = e < 0 ? n : e + 1;
    } else if (!heredoc && c === '"') {
      flush();
      const start = out.length;
      i = scanDouble(i + 1);
      if (out.length === start) out.push({ text: "", quoted: true, splittable: false });
    } else if (c === "\\") {
      if (heredoc) {
        const nx = raw[i + 1];
        if (nx === "$" || nx === "`" || nx === "\\") {
          buf += nx;
          i += 2;
        } else if (nx === "\n") i += 2;
        else {
          buf += c;
          i++;
        }
      } else {
        flush();
        if (i + 1 < n) lit(raw[i + 1]!, true);
        i += 2;
      }
    } else if (c === "$" || c === "`") {
      flush();
      i = dollar(i, heredoc);
    } else {
      buf += c;
      i++;
    }
  }
  flush();
  return out;

  function scanDouble(j: number): number {
    let s = "";
    const push = () => {
      if (s) lit(s, true);
      s = "";
    };
    while (j < n && raw[j] !== '"') {
      const c = raw[j]!;
      if (c === "\\" && j + 1 < n && '$`"\\\n'.includes(raw[j + 1]!)) {
        if (raw[j + 1] !== "\n") s += raw[j + 1];
        j += 2;
      } else if (c === "$" || c === "`") {
        push();
        j = dollar(j, true);
      } else {
        s += c;
        j++;
      }
    }
    push();
    return j + 1;
  }

  /** Expand the $… or `…` at j; quoted expansions are not split. Returns the index after it. */
  function dollar(j: number, quoted: boolean): number {
    const emit = (text: string) => out.push({ text, quoted, splittable: !quoted });
    if (raw[j] === "`") {
      let e = j + 1;
      let src = "";
      while (e < n && raw[e] !== "`") {
        if (raw[e] === "\\" && e + 1 < n && "$`\\".includes(raw[e + 1]!)) {
          src += raw[e + 1];
          e += 2;
        } else src += raw[e++];
      }
      emit(ctx.substitute(src).replace(/\n+$/, ""));
      return e + 1;
    }
    const nx = raw[j + 1];
    if (nx === "(" && raw[j + 2] === "(") {
      const e = raw.indexOf("))", j + 3);
      if (e < 0) throw new ExpansionError("bad arithmetic expression");
      emit(String(arith(raw.slice(j + 3, e), ctx)));
      return e + 2;
    }
    if (nx === "(") {
      let depth = 1;
      let e = j + 2;
      while (e < n && depth > 0) {
        if (raw[e] === "\\") e++;
        else if (raw[e] === "'") e = raw.indexOf("'", e + 1);
        else if (raw[e] === "(") depth++;
        else if (raw[e] === ")") depth--;
        if (e < 0) {
          e = n;
          break;
        }
        e++;
      }
      emit(ctx.substitute(raw.slice(j + 2, e - 1)).replace(/\n+$/, ""));
      return e;
    }
    if (nx === "{") {
      const e = raw.indexOf("}", j + 2);
      const inner = raw.slice(j + 2, e < 0 ? n : e);
      emit(braced(inner));
      return e < 0 ? n : e + 1;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9?$#!@*-])/.exec(raw.slice(j + 1));
    if (!m) {
      out.push({ text: "$", quoted: true, splittable: false });
      return j + 1;
    }
    emit(ctx.param(m[1]!) ?? "");
    return j + 1 + m[1]!.length;
  }

  function braced(inner: string): string {
    if (inner.startsWith("#")) return String((ctx.param(inner.slice(1)) ?? "").length);
    const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9?$#!@*])(?:(:?[-=+?])(.*))?$/.exec(inner);
    if (!m) throw new ExpansionError(`\${${inner}}: bad substitution`);
    const v = ctx.param(m[1]!);
    const op = m[2];
    const word = m[3] ?? "";
    if (!op) return v ?? "";
    const unset = op.startsWith(":") ? v === undefined || v === "" : v === undefined;
    const kind = op.replace(":", "");
    if (kind === "-" || kind === "=") return unset ? expandString(word, ctx) : v!;
    if (kind === "+") return unset ? "" : expandString(word, ctx);
    if (unset) throw new ExpansionError(`${m[1]}: ${word || "parameter null or not set"}`);
    return v!;
  }
}

/** Integer arithmetic for $(( )): + - * / % and parentheses over numbers and variables. */
function arith(expr: string, ctx: ExpandContext): number {
  const toks = expr.match(/\d+|[A-Za-z_][A-Za-z0-9_]*|[-+*/%()]/g) ?? [];
  let p = 0;
  const primary = (): number => {
    const t = toks[p++];
    if (t === "(") {
      const v = sum();
      p++;
      return v;
    }
    if (t === "-") return -primary();
    if (t === undefined) return 0;
    if (/^\d/.test(t)) return Number(t);
    return Number(ctx.param(t) ?? 0) || 0;
  };
  const prod = (): number => {
    let v = primary();
    while (toks[p] === "*" || toks[p] === "/" || toks[p] === "%") {
      const op = toks[p++];
      const r = primary();
      if ((op === "/" || op === "%") && r === 0) throw new ExpansionError("division by 0 (error token is \"0\")");
      v = op === "*" ? v * r : op === "/" ? Math.trunc(v / r) : v % r;
    }
    return v;
  };
  const sum = (): number => {
    let v = prod();
    while (toks[p] === "+" || toks[p] === "-") v = toks[p++] === "+" ? v + prod() : v - prod();
    return v;
  };
  return sum();
}

/** Convert a glob pattern (one path component) to a RegExp. Leading dots are matched only explicitly. */
export function globToRegExp(pat: string): RegExp {
  let re = "^";
  for (let i = 0; i < pat.length; i++) {
    const c = pat[i]!;
    if (c === "\\" && i + 1 < pat.length) re += escapeRe(pat[++i]!);
    else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const e = pat.indexOf("]", i + 2);
      if (e < 0) re += "\\[";
      else {
        let cls = pat.slice(i + 1, e);
        if (cls.startsWith("!")) cls = "^" + cls.slice(1);
        re += "[" + cls.replace(/\\/g, "\\\\") + "]";
        i = e;
      }
    } else re += escapeRe(c);
  }
  return new RegExp(re + "$");
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
export const hasGlobChars = (s: string) => /(^|[^\\])[*?[]/.test(s);
