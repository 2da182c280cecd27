// The xl configuration-file language (xl.cfg, xl.conf): libxlu's flex lexer and bison LALR parser,
// reproduced as a small state machine so that errors, line numbers and recovery match xl's own.

/** A parsed value: a string (numbers are strings too, as in libxlu) or a list. `line` is where it starts. */
export type CfgValue = { kind: "string"; value: string; line: number } | { kind: "list"; items: CfgValue[]; line: number };

export interface CfgSetting {
  name: string;
  value: CfgValue;
  op: "=" | "+=";
  line: number;
}

export interface CfgParse {
  /** Stored settings, oldest first (lookups take the last one with a name, as libxlu's list head does). */
  settings: CfgSetting[];
  /** Lines libxlu wrote to stderr while parsing (each ends with "\n"). */
  messages: string[];
  /** errno-style result: 0, or EINVAL (22) after any error. */
  err: number;
}

// ------------------------------------------------------------------------------------------- lexer

type Tok = "$end" | "IDENT" | "STRING" | "NUMBER" | "NEWLINE" | "+=" | "=" | ";" | "[" | "]" | ",";

/** bison's symbol numbers: the order of "expecting" lists. */
const SYMNUM: Record<Tok, number> = { $end: 0, IDENT: 3, STRING: 4, NUMBER: 5, NEWLINE: 6, "+=": 7, "=": 8, ";": 9, "[": 10, "]": 11, ",": 12 };
const SYMNAME: Record<Tok, string> = { $end: "$end", IDENT: "IDENT", STRING: "STRING", NUMBER: "NUMBER", NEWLINE: "NEWLINE", "+=": "+=", "=": "'='", ";": "';'", "[": "'['", "]": "']'", ",": "','" };

const IDENT_RE = /[a-z][._0-9a-z]*/y;
const NUMBER_RE = /[0-9][0-9a-fx]*/y;
const COMMENT_RE = /#[^\n]*\n/y;
const SQ_RE = /'(?:[^'\\\n]|\\[^\n])*'/y;
const DQ_RE = /"(?:[^"\\\n]|\\[^\n])*"/y;
const LEXERR_WORD_RE = /[^ \t\n]*/y;

function matchAt(re: RegExp, s: string, pos: number): string | null {
  re.lastIndex = pos;
  const m = re.exec(s);
  return m ? m[0] : null;
}

interface Lexed {
  tok: Tok;
  /** yytext when the token was returned. */
  text: string;
  /** The string value (IDENT/NUMBER/STRING). */
  value?: string;
  /** yylloc.first_line for this token (unchanged from the previous token at end of input). */
  line: number;
}

class Lexer {
  pos = 0;
  /** flex's yylineno: 1 + newlines consumed so far. */
  lineno = 1;
  /** yylloc.first_line as last set by a rule. */
  lloc = 1;
  /** yytext of the last matched rule (what yyerror quotes). */
  text = "";

  constructor(
    private readonly s: string,
    private readonly ctx: ParseCtx,
  ) {}

  next(): Lexed {
    const s = this.s;
    for (;;) {
      if (this.pos >= s.length) {
        // flex's end-of-buffer "match" leaves a one-character (NUL) yytext that prints as nothing
        this.text = "\0";
        return { tok: "$end", text: "\0", line: this.lloc };
      }
      const p = this.pos;
      const c = s[p]!;
      // longest match first; on equal length the earlier rule wins (flex)
      const ident = matchAt(IDENT_RE, s, p);
      if (ident) return this.got("IDENT", ident, ident);
      const num = matchAt(NUMBER_RE, s, p);
      if (num) return this.got("NUMBER", num, num);
      if (c === " " || c === "\t") {
        this.pos++;
        continue;
      }
      if (c === "+" && s[p + 1] === "=") return this.got("+=", "+=");
      if (c === "," || c === "[" || c === "]" || c === "=" || c === ";") return this.got(c as Tok, c);
      if (c === "\n") {
        this.advance("\n");
        this.lloc = this.lineno - 1;
        return { tok: "NEWLINE", text: "\n", line: this.lloc };
      }
      if (c === "#") {
        const cm = matchAt(COMMENT_RE, s, p);
        if (cm) {
          this.advance(cm);
          this.lloc = this.lineno - 1;
          return { tok: "NEWLINE", text: cm, line: this.lloc };
        }
      }
      if (c === "'" || c === '"') {
        const str = matchAt(c === "'" ? SQ_RE : DQ_RE, s, p);
        if (str) {
          this.advance(str);
          this.lloc = this.lineno;
          return { tok: "STRING", text: str, value: this.ctx.dequote(str, this), line: this.lloc };
        }
      }
      // a character no rule takes: lexical error state (flex's yymore keeps the first character)
      if ("+,-.():".includes(c)) this.ctx.likelyPython = true;
      this.pos++;
      let text = c;
      if (this.pos >= s.length) {
        // only the end-of-buffer follows: flex treats this as end of input, no error reported
        continue;
      }
      const n = s[this.pos]!;
      if (n === "\n") {
        this.pos++;
        this.lineno++;
        text += "\n";
        this.text = text;
        this.ctx.lexicalError("lexical error", this);
        this.lloc = this.lineno - 1;
        return { tok: "NEWLINE", text, line: this.lloc };
      }
      const word = matchAt(LEXERR_WORD_RE, s, this.pos)!;
      const take = word.length > 0 ? word : n; // [^ \t\n]* or one blank
      this.pos += take.length;
      text += take;
      this.text = text;
      this.ctx.lexicalError("lexical error", this);
    }
  }

  private advance(text: string) {
    this.pos += text.length;
    for (const ch of text) if (ch === "\n") this.lineno++;
    this.text = text;
  }

  private got(tok: Tok, text: string, value?: string): Lexed {
    this.advance(text);
    this.lloc = this.lineno;
    return { tok, text, value, line: this.lloc };
  }
}

// ------------------------------------------------------------------------------------------ parser

interface ParseCtx {
  err: number;
  likelyPython: boolean;
  lexerrLine: number;
  lexicalError(msg: string, lx: Lexer): void;
  dequote(src: string, lx: Lexer): string;
}

/** LALR(1) tables derived by hand from libxlu_cfg_y.y (32 states, bison's default reductions). */
type Act = { s: number } | { r: number } | "accept";
interface State {
  acts?: Partial<Record<Tok, Act>>;
  def?: number;
  gotos?: Partial<Record<Nt, number>>;
  errorShift?: number;
}
type Nt = "file" | "stmts" | "stmt" | "assignment" | "endstmt" | "value" | "atom" | "valuelist" | "values" | "nlok";

const RULES: { lhs: Nt; len: number }[] = [
  { lhs: "file", len: 0 }, // unused slot 0
  { lhs: "file", len: 1 }, // 1 file: stmts
  { lhs: "file", len: 2 }, // 2 file: stmts assignment
  { lhs: "stmts", len: 0 }, // 3
  { lhs: "stmts", len: 2 }, // 4 stmts stmt
  { lhs: "stmt", len: 2 }, // 5 assignment endstmt
  { lhs: "stmt", len: 1 }, // 6 endstmt
  { lhs: "stmt", len: 2 }, // 7 error NEWLINE
  { lhs: "assignment", len: 3 }, // 8 IDENT '=' value
  { lhs: "assignment", len: 3 }, // 9 IDENT "+=" value
  { lhs: "endstmt", len: 1 }, // 10 NEWLINE
  { lhs: "endstmt", len: 1 }, // 11 ';'
  { lhs: "value", len: 1 }, // 12 atom
  { lhs: "value", len: 4 }, // 13 '[' nlok valuelist ']'
  { lhs: "atom", len: 1 }, // 14 STRING
  { lhs: "atom", len: 1 }, // 15 NUMBER
  { lhs: "valuelist", len: 0 }, // 16
  { lhs: "valuelist", len: 1 }, // 17 values
  { lhs: "valuelist", len: 3 }, // 18 values ',' nlok
  { lhs: "values", len: 2 }, // 19 value nlok
  { lhs: "values", len: 5 }, // 20 values ',' nlok value nlok
  { lhs: "nlok", len: 0 }, // 21
  { lhs: "nlok", len: 2 }, // 22 nlok NEWLINE
];

const VALUE_START: Partial<Record<Tok, Act>> = { STRING: { s: 15 }, NUMBER: { s: 16 }, "[": { s: 17 } };
const STATES: State[] = [];
STATES[0] = { def: 3, gotos: { file: 1, stmts: 2 } };
STATES[1] = { acts: { $end: "accept" } };
STATES[2] = { acts: { $end: { r: 1 }, IDENT: { s: 5 }, NEWLINE: { s: 6 }, ";": { s: 7 } }, errorShift: 4, gotos: { stmt: 8, assignment: 9, endstmt: 10 } };
STATES[4] = { acts: { NEWLINE: { s: 11 } } };
STATES[5] = { acts: { "+=": { s: 12 }, "=": { s: 13 } } };
STATES[6] = { def: 10 };
STATES[7] = { def: 11 };
STATES[8] = { def: 4 };
STATES[9] = { acts: { NEWLINE: { s: 6 }, ";": { s: 7 } }, def: 2, gotos: { endstmt: 14 } };
STATES[10] = { def: 6 };
STATES[11] = { def: 7 };
STATES[12] = { acts: VALUE_START, gotos: { value: 18, atom: 19 } };
STATES[13] = { acts: VALUE_START, gotos: { value: 20, atom: 19 } };
STATES[14] = { def: 5 };
STATES[15] = { def: 14 };
STATES[16] = { def: 15 };
STATES[17] = { def: 21, gotos: { nlok: 21 } };
STATES[18] = { def: 9 };
STATES[19] = { def: 12 };
STATES[20] = { def: 8 };
STATES[21] = { acts: { NEWLINE: { s: 22 }, ...VALUE_START }, def: 16, gotos: { valuelist: 24, values: 25, value: 23, atom: 19 } };
STATES[22] = { def: 22 };
STATES[23] = { def: 21, gotos: { nlok: 26 } };
STATES[24] = { acts: { "]": { s: 27 } } };
STATES[25] = { acts: { ",": { s: 28 } }, def: 17 };
STATES[26] = { acts: { NEWLINE: { s: 22 } }, def: 19 };
STATES[27] = { def: 13 };
STATES[28] = { def: 21, gotos: { nlok: 29 } };
STATES[29] = { acts: { NEWLINE: { s: 22 }, ...VALUE_START }, def: 18, gotos: { value: 30, atom: 19 } };
STATES[30] = { def: 21, gotos: { nlok: 31 } };
STATES[31] = { acts: { NEWLINE: { s: 22 } }, def: 20 };

function syntaxMessage(state: State, tok: Tok): string {
  const expected = (Object.keys(state.acts ?? {}) as Tok[]).sort((a, b) => SYMNUM[a] - SYMNUM[b]);
  let msg = `syntax error, unexpected ${SYMNAME[tok]}`;
  if (expected.length > 0 && expected.length <= 4) msg += `, expecting ${expected.map((t) => SYMNAME[t]).join(" or ")}`;
  return msg;
}

/** Semantic values on the parser's stack. */
type Sem = { str?: string; value?: CfgValue | null; line: number } | undefined;

/**
 * Parse xl.cfg text. `source` is how messages name it (the file as given to xl, "command line" ...).
 * Never throws; every problem is a message in the result.
 */
export function parseCfg(source: string, text: string): CfgParse {
  const messages: string[] = [];
  const settings: CfgSetting[] = [];
  const ctx: ParseCtx = {
    err: 0,
    likelyPython: false,
    lexerrLine: -1,
    lexicalError(msg, lx) {
      const line = lx.lineno;
      yyerror(line, lx.text, msg);
      ctx.lexerrLine = line;
    },
    dequote(src, lx) {
      if (ctx.err) return "";
      let q = "";
      const end = src.length - 1;
      let p = 1;
      while (p < end) {
        const c = src[p++]!;
        if (c !== "\\") {
          q += c;
          continue;
        }
        const nc = src[p++]!;
        const simple: Record<string, string> = { '"': '"', "'": "'", "\\": "\\", a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };
        if (simple[nc] !== undefined) {
          q += simple[nc];
          continue;
        }
        // libxlu's numeric escapes never store a character; \x skips one more byte before reading digits
        let minlen: number, maxlen: number, base: number, basetext: string;
        if (nc === "x") {
          p++;
          [minlen, maxlen, base, basetext] = [2, 2, 16, "hex"];
        } else if (nc >= "0" && nc <= "7") {
          [minlen, maxlen, base, basetext] = [1, 3, 10, "octal"];
        } else {
          ctx.lexicalError("invalid character after backlash in quoted string", lx);
          ctx.err = 22;
          return q;
        }
        const numbuf = src.slice(p, p + maxlen);
        const digits = base === 16 ? /^[0-9a-fA-F]*/.exec(numbuf.replace(/^\s+/, ""))![0] : /^[0-9]*/.exec(numbuf.replace(/^\s+/, ""))![0];
        const used = digits.length ? numbuf.length - numbuf.replace(/^\s+/, "").length + digits.length : 0;
        if (used <= minlen) {
          ctx.lexicalError(`invalid digit after backslash ${basetext}numerical character escape in quoted string`, lx);
          ctx.err = 22;
          return q;
        }
        p += used;
      }
      return q;
    },
  };

  function yyerror(line: number, ytext: string, msg: string) {
    let lineno = line;
    if (lineno <= ctx.lexerrLine) return;
    let len = ytext.length;
    let newline = "";
    if (len > 0 && ytext[len - 1] === "\n") {
      len--;
      lineno--;
      if (!len) newline = "<newline>";
    }
    while (len > 0 && (ytext[len - 1] === "\t" || ytext[len - 1] === " ")) len--;
    // printf's %.*s stops at a NUL byte
    let shown = ytext.slice(0, len);
    const nul = shown.indexOf("\0");
    if (nul >= 0) shown = shown.slice(0, nul);
    messages.push(`${source}:${lineno}: config parsing error near ${len ? "`" : ""}${shown}${len ? "'" : ""}${newline}: ${msg}\n`);
    if (!ctx.err) ctx.err = 22;
  }

  const lx = new Lexer(text, ctx);
  const stack: number[] = [0];
  const sems: Sem[] = [undefined];
  let look: Lexed | null = null;
  let errstatus = 0;
  let guard = 0;

  const store = (name: string | undefined, op: "=" | "+=", val: CfgValue | null | undefined, line: number) => {
    if (ctx.err || !name || !val) return;
    let v = val;
    if (op === "+=") {
      const prev = findSetting(settings, name);
      if (prev) {
        if (prev.value.kind !== v.kind) {
          ctx.lexicalError('can\'t add [list] to "string" or vice versa', lx);
          ctx.err = 22;
          return;
        }
        v = v.kind === "string" ? { ...v, value: (prev.value as { value: string }).value + v.value } : { ...v, items: [...(prev.value as { items: CfgValue[] }).items, ...v.items] };
        if (prev.value.kind === "list") prev.value = { ...prev.value, items: [] };
      }
    }
    settings.push({ name, value: v, op, line });
  };

  for (;;) {
    if (++guard > 10_000_000) break;
    const st = STATES[stack[stack.length - 1]!]!;
    let act: Act | undefined;
    if (st.acts) {
      if (!look) look = lx.next();
      act = st.acts[look.tok];
    }
    if (!act && st.def !== undefined) act = { r: st.def };
    if (act === "accept") break;
    if (act && "s" in act) {
      stack.push(act.s);
      sems.push({ str: look!.value, line: look!.line });
      look = null;
      if (errstatus) errstatus--;
      continue;
    }
    if (act && "r" in act) {
      const rule = RULES[act.r]!;
      const rhs = sems.splice(sems.length - rule.len, rule.len);
      stack.splice(stack.length - rule.len, rule.len);
      // YYLLOC_DEFAULT: the first symbol's line, or the previous symbol's end for an empty rule
      const line = rule.len ? rhs[0]?.line ?? 0 : sems[sems.length - 1]?.line ?? 0;
      let sem: Sem = { line };
      switch (act.r) {
        case 8:
          store(rhs[0]?.str, "=", rhs[2]?.value, rhs[2]?.line ?? line);
          break;
        case 9:
          store(rhs[0]?.str, "+=", rhs[2]?.value, rhs[2]?.line ?? line);
          break;
        case 12:
          sem = { line, value: ctx.err ? null : { kind: "string", value: rhs[0]?.str ?? "", line } };
          break;
        case 13:
          sem = { line, value: rhs[2]?.value ?? null };
          break;
        case 14:
        case 15:
          sem = { line, str: rhs[0]?.str };
          break;
        case 16:
          sem = { line, value: ctx.err ? null : { kind: "list", items: [], line: lx.lloc } };
          break;
        case 17:
        case 18:
          sem = { line, value: rhs[0]?.value ?? null };
          break;
        case 19: {
          const v = rhs[0]?.value;
          sem = { line, value: ctx.err || !v ? null : { kind: "list", items: [v], line } };
          break;
        }
        case 20: {
          const list = rhs[0]?.value;
          const v = rhs[3]?.value;
          if (!ctx.err && list?.kind === "list" && v) list.items.push(v);
          sem = { line, value: list ?? null };
          break;
        }
      }
      const under = STATES[stack[stack.length - 1]!]!;
      stack.push(under.gotos![rule.lhs]!);
      sems.push(sem);
      continue;
    }
    // syntax error
    if (!errstatus) yyerror(look!.line, lx.text, syntaxMessage(st, look!.tok));
    if (errstatus === 3) {
      if (look!.tok === "$end") break; // YYABORT
      look = null;
    }
    errstatus = 3;
    while (stack.length && STATES[stack[stack.length - 1]!]!.errorShift === undefined) {
      stack.pop();
      sems.pop();
    }
    if (!stack.length) break;
    stack.push(STATES[stack[stack.length - 1]!]!.errorShift!);
    sems.push(undefined);
  }

  if (ctx.err && ctx.likelyPython) {
    messages.push("warning: Config file looks like it contains Python code.\n", "warning:  Arbitrary Python is no longer supported.\n", "warning:  See https://wiki.xen.org/wiki/PythonInXlConfig\n");
  }
  return { settings, messages, err: ctx.err };
}

function findSetting(settings: CfgSetting[], name: string): CfgSetting | undefined {
  for (let i = settings.length - 1; i >= 0; i--) if (settings[i]!.name === name) return settings[i];
  return undefined;
}

// ------------------------------------------------------------------------------ typed lookups

const ESRCH = 3;
const EINVAL = 22;
const ERANGE = 34;

/** C strtol(s, &ep, base) over a JS string: value (as bigint), index after the number, and overflow. */
export function strtol(s: string, base = 0): { value: bigint; end: number; range: boolean } {
  let i = 0;
  while (i < s.length && /[ \t\n\v\f\r]/.test(s[i]!)) i++;
  let neg = false;
  if (s[i] === "+" || s[i] === "-") {
    neg = s[i] === "-";
    i++;
  }
  let b = base;
  if ((b === 0 || b === 16) && s[i] === "0" && (s[i + 1] === "x" || s[i + 1] === "X") && /[0-9a-fA-F]/.test(s[i + 2] ?? "")) {
    i += 2;
    b = 16;
  } else if (b === 0) b = s[i] === "0" ? 8 : 10;
  const start = i;
  let v = 0n;
  for (; i < s.length; i++) {
    const d = parseInt(s[i]!, 36);
    if (Number.isNaN(d) || d >= b) break;
    v = v * BigInt(b) + BigInt(d);
  }
  if (i === start) return { value: 0n, end: 0, range: false };
  const max = 0x7fffffffffffffffn;
  const range = neg ? v > max + 1n : v > max;
  if (range) v = neg ? -(max + 1n) : max;
  return { value: neg ? -v : v, end: i, range };
}

/**
 * Typed access to parsed settings with libxlu's warnings (xlu_cfg_get_string, _long, _list ...).
 * Warnings accumulate in `messages`, in the order the caller asks.
 */
export class XluConfig {
  readonly messages: string[] = [];
  constructor(
    readonly source: string,
    readonly settings: CfgSetting[],
  ) {}

  find(name: string): CfgSetting | undefined {
    return findSetting(this.settings, name);
  }

  private atom(name: string, dontWarn: boolean): CfgSetting | number {
    const set = this.find(name);
    if (!set) return ESRCH;
    if (set.value.kind !== "string") {
      if (!dontWarn) this.messages.push(`${this.source}:${set.line}: warning: parameter \`${name}' is a list but should be a single value\n`);
      return EINVAL;
    }
    return set;
  }

  /** The string value, or undefined (absent, or a list: warned). */
  getString(name: string, dontWarn = false): string | undefined {
    const a = this.atom(name, dontWarn);
    return typeof a === "number" ? undefined : (a.value as { value: string }).value;
  }

  /** xlu_cfg_get_bounded_long: the value, or an errno (ESRCH absent, EINVAL/ERANGE with a warning). */
  getBoundedLong(name: string, min: bigint, max: bigint, dontWarn = false): { value: number } | { err: number } {
    const a = this.atom(name, dontWarn);
    if (typeof a === "number") return { err: a };
    const s = (a.value as { value: string }).value;
    if (a.op === "+=") {
      if (!dontWarn) this.messages.push(`${this.source}:${a.line}: warning: can't use += with numbers for parameter \`${name}'\n`);
      return { err: EINVAL };
    }
    const r = strtol(s, 0);
    if (r.range) {
      if (!dontWarn) this.messages.push(`${this.source}:${a.line}: warning: parameter \`${name}' could not be parsed as a number: Numerical result out of range\n`);
      return { err: ERANGE };
    }
    if (r.end === 0 || r.end !== s.length) {
      if (!dontWarn) this.messages.push(`${this.source}:${a.line}: warning: parameter \`${name}' is not a valid number\n`);
      return { err: EINVAL };
    }
    if (r.value < min) {
      if (!dontWarn) this.messages.push(`${this.source}:${a.line}: warning: value \`${r.value}' is smaller than minimum bound '${min}'\n`);
      return { err: EINVAL };
    }
    if (r.value > max) {
      if (!dontWarn) this.messages.push(`${this.source}:${a.line}: warning: value \`${r.value}' is greater than maximum bound '${max}'\n`);
      return { err: EINVAL };
    }
    return { value: Number(r.value) };
  }

  /** xlu_cfg_get_long: the number, or undefined (absent or invalid, warned). */
  getLong(name: string, dontWarn = false): number | undefined {
    const r = this.getBoundedLong(name, -0x8000000000000000n, 0x7fffffffffffffffn, dontWarn);
    return "value" in r ? r.value : undefined;
  }

  getDefbool(name: string, dontWarn = false): boolean | undefined {
    const l = this.getLong(name, dontWarn);
    return l === undefined ? undefined : l !== 0;
  }

  /** xlu_cfg_get_list: the list, or an errno (ESRCH absent; EINVAL a single value, warned). */
  getList(name: string, dontWarn = false): CfgValue[] | number {
    const set = this.find(name);
    if (!set) return ESRCH;
    if (set.value.kind !== "list") {
      if (!dontWarn) this.messages.push(`${this.source}:${set.line}: warning: parameter \`${name}' is a single value but should be a list\n`);
      return EINVAL;
    }
    return set.value.items;
  }

  /** String items of a list up to the first non-string one (xlu_cfg_get_listitem loops stop there). */
  static strings(items: CfgValue[]): string[] {
    const out: string[] = [];
    for (const it of items) {
      if (it.kind !== "string") break;
      out.push(it.value);
    }
    return out;
  }
}

export const ERRNO = { ESRCH, EINVAL, ERANGE } as const;
