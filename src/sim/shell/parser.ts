// Parses the bash subset of the lab shell into an AST: lists, and-or chains, pipelines, simple commands,
// redirections and here-documents. Words stay raw (quotes intact) until expansion.

export interface Redir {
  /** File descriptor redirected (1 for ">", 0 for "<"). */
  fd: number;
  op: ">" | ">>" | "<" | ">&" | "<<" | "<<<" | "&>" | "&>>" | ">|";
  /** Raw target word (for "<<": the delimiter). */
  target: string;
  heredoc?: { body: string; expand: boolean };
}

export interface SimpleCommand {
  assigns: { name: string; value: string }[];
  words: string[];
  redirs: Redir[];
}

export interface Pipeline {
  negate: boolean;
  commands: SimpleCommand[];
}

export interface AndOr {
  first: Pipeline;
  rest: { op: "&&" | "||"; pipeline: Pipeline }[];
}

export interface CommandList {
  items: { andOr: AndOr; background: boolean }[];
}

export class ShellSyntaxError extends Error {
  constructor(
    message: string,
    /** True when more input could complete the text (open quote, trailing |, pending here-document). */
    readonly incomplete = false,
  ) {
    super(message);
  }
}

type Tok = { t: "word"; v: string } | { t: "op"; v: string } | { t: "redir"; fd: number; op: Redir["op"] } | { t: "nl" };

const OPS = ["&&", "||", ";;", "|&", "|", ";", "&", "(", ")"];

/** Split `src` into tokens; here-document bodies are collected into `heredocs` in order of appearance. */
function lex(src: string): { toks: Tok[]; heredocs: { body: string; expand: boolean; missing: string | null }[] } {
  const toks: Tok[] = [];
  const heredocs: { body: string; expand: boolean; missing: string | null }[] = [];
  const pending: { delim: string; strip: boolean; expand: boolean }[] = [];
  let i = 0;
  const n = src.length;

  const readHeredocs = () => {
    // i points just after a newline
    for (const h of pending) {
      const lines: string[] = [];
      let found = false;
      while (i < n) {
        let e = src.indexOf("\n", i);
        if (e < 0) e = n;
        let line = src.slice(i, e);
        i = e + 1;
        if (h.strip) line = line.replace(/^\t+/, "");
        if (line === h.delim) {
          found = true;
          break;
        }
        lines.push(line);
      }
      if (i > n) i = n;
      heredocs.push({ body: lines.length ? lines.join("\n") + "\n" : "", expand: h.expand, missing: found ? null : h.delim });
    }
    pending.length = 0;
  };

  while (i < n) {
    const c = src[i]!;
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === "\\" && src[i + 1] === "\n") {
      i += 2;
      continue;
    }
    if (c === "\n") {
      toks.push({ t: "nl" });
      i++;
      if (pending.length) readHeredocs();
      continue;
    }
    if (c === "#") {
      while (i < n && src[i] !== "\n") i++;
      continue;
    }
    // redirections, optionally preceded by a digit
    const rm = /^(\d?)(&>>|&>|>>|>&|>\||<<<|<<-|<<|>|<)/.exec(src.slice(i, i + 5));
    if (rm) {
      const fdText = rm[1]!;
      let op = rm[2]!;
      i += rm[0].length;
      const strip = op === "<<-";
      if (strip) op = "<<";
      const fd = fdText !== "" ? Number(fdText) : op.startsWith("<") ? 0 : 1;
      toks.push({ t: "redir", fd, op: op as Redir["op"] });
      if (op === "<<") {
        while (src[i] === " " || src[i] === "\t") i++;
        const start = i;
        const w = readWord();
        if (w === "") throw new ShellSyntaxError("syntax error near unexpected token `newline'");
        const quoted = /["'\\]/.test(src.slice(start, i));
        pending.push({ delim: w.replace(/["'\\]/g, ""), strip, expand: !quoted });
        toks.push({ t: "word", v: w });
      }
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op) {
      toks.push({ t: "op", v: op });
      i += op.length;
      continue;
    }
    toks.push({ t: "word", v: readWord() });
  }
  if (pending.length) {
    for (const h of pending) heredocs.push({ body: "", expand: h.expand, missing: h.delim });
    pending.length = 0;
  }
  return { toks, heredocs };

  function readWord(): string {
    const start = i;
    while (i < n) {
      const c = src[i]!;
      if (c === " " || c === "\t" || c === "\n" || c === ";" || c === "&" || c === "|" || c === "(" || c === ")" || c === "<" || c === ">") {
        // a digit-prefixed redirection is part of the next token only at word start
        break;
      }
      if (c === "\\") {
        if (i + 1 >= n) throw new ShellSyntaxError("unexpected end of input after \\", true);
        i += 2;
        continue;
      }
      if (c === "'") {
        const e = src.indexOf("'", i + 1);
        if (e < 0) throw new ShellSyntaxError("unexpected EOF while looking for matching `''", true);
        i = e + 1;
        continue;
      }
      if (c === '"') {
        i = skipDouble(i + 1);
        continue;
      }
      if (c === "`") {
        i = skipBacktick(i + 1);
        continue;
      }
      if (c === "$" && src[i + 1] === "(") {
        i = skipParen(i + 2);
        continue;
      }
      if (c === "$" && src[i + 1] === "{") {
        const e = src.indexOf("}", i + 2);
        if (e < 0) throw new ShellSyntaxError("unexpected EOF while looking for matching `}'", true);
        i = e + 1;
        continue;
      }
      i++;
    }
    return src.slice(start, i);
  }
  function skipDouble(j: number): number {
    while (j < n) {
      const c = src[j]!;
      if (c === "\\") j += 2;
      else if (c === '"') return j + 1;
      else if (c === "`") j = skipBacktick(j + 1);
      else if (c === "$" && src[j + 1] === "(") j = skipParen(j + 2);
      else j++;
    }
    throw new ShellSyntaxError("unexpected EOF while looking for matching `\"'", true);
  }
  function skipBacktick(j: number): number {
    while (j < n) {
      if (src[j] === "\\") j += 2;
      else if (src[j] === "`") return j + 1;
      else j++;
    }
    throw new ShellSyntaxError("unexpected EOF while looking for matching ``'", true);
  }
  function skipParen(j: number): number {
    let depth = 1;
    while (j < n) {
      const c = src[j]!;
      if (c === "\\") j += 2;
      else if (c === "'") {
        const e = src.indexOf("'", j + 1);
        if (e < 0) break;
        j = e + 1;
      } else if (c === '"') j = skipDouble(j + 1);
      else if (c === "(") {
        depth++;
        j++;
      } else if (c === ")") {
        depth--;
        j++;
        if (depth === 0) return j;
      } else j++;
    }
    throw new ShellSyntaxError("unexpected EOF while looking for matching `)'", true);
  }
}

const ASSIGN = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** Parse shell source (one or more lines). Throws ShellSyntaxError with bash's wording. */
export function parse(src: string): CommandList {
  const { toks, heredocs } = lex(src);
  let p = 0;
  let hd = 0;
  const items: CommandList["items"] = [];
  const unexpected = (t: Tok | undefined) =>
    new ShellSyntaxError(`syntax error near unexpected token \`${t === undefined || t.t === "nl" ? "newline" : t.t === "word" ? t.v : t.t === "op" ? t.v : t.op}'`);

  const skipNl = () => {
    while (toks[p]?.t === "nl") p++;
  };

  function command(): SimpleCommand {
    const cmd: SimpleCommand = { assigns: [], words: [], redirs: [] };
    for (;;) {
      const t = toks[p];
      if (!t) break;
      if (t.t === "word") {
        if (cmd.words.length === 0 && ASSIGN.test(t.v)) {
          const eq = t.v.indexOf("=");
          cmd.assigns.push({ name: t.v.slice(0, eq), value: t.v.slice(eq + 1) });
        } else cmd.words.push(t.v);
        p++;
      } else if (t.t === "redir") {
        p++;
        const target = toks[p];
        if (!target || target.t !== "word") throw unexpected(target);
        p++;
        const r: Redir = { fd: t.fd, op: t.op, target: target.v };
        if (t.op === "<<") {
          const h = heredocs[hd++]!;
          if (h.missing !== null) throw new ShellSyntaxError(`here-document delimited by end-of-file (wanted \`${h.missing}')`, true);
          r.heredoc = { body: h.body, expand: h.expand };
        }
        cmd.redirs.push(r);
      } else break;
    }
    if (cmd.words.length === 0 && cmd.assigns.length === 0 && cmd.redirs.length === 0) throw unexpected(toks[p]);
    return cmd;
  }

  function pipeline(): Pipeline {
    let negate = false;
    if (toks[p]?.t === "word" && (toks[p] as { v: string }).v === "!") {
      negate = true;
      p++;
    }
    const commands = [command()];
    while (toks[p]?.t === "op" && ((toks[p] as { v: string }).v === "|" || (toks[p] as { v: string }).v === "|&")) {
      p++;
      skipNl();
      if (p >= toks.length) throw new ShellSyntaxError("syntax error: unexpected end of file", true);
      commands.push(command());
    }
    return { negate, commands };
  }

  skipNl();
  while (p < toks.length) {
    const t = toks[p]!;
    if (t.t === "op" && (t.v === "(" || t.v === ")" || t.v === ";;" || t.v === ";" || t.v === "&" || t.v === "|" || t.v === "&&" || t.v === "||")) throw unexpected(t);
    const first = pipeline();
    const rest: AndOr["rest"] = [];
    while (toks[p]?.t === "op" && ((toks[p] as { v: string }).v === "&&" || (toks[p] as { v: string }).v === "||")) {
      const op = (toks[p] as { v: string }).v as "&&" | "||";
      p++;
      skipNl();
      if (p >= toks.length) throw new ShellSyntaxError("syntax error: unexpected end of file", true);
      rest.push({ op, pipeline: pipeline() });
    }
    let background = false;
    const sep = toks[p];
    if (sep?.t === "op" && (sep.v === ";" || sep.v === "&")) {
      background = sep.v === "&";
      p++;
    } else if (sep && sep.t !== "nl") throw unexpected(sep);
    items.push({ andOr: { first, rest }, background });
    skipNl();
  }
  return { items };
}
