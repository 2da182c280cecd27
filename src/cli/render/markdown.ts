// Renders a note's Markdown for the terminal: coloured on a TTY, plain text when piped.
import type { ChalkInstance } from "chalk";
import { Lexer, type Token, type Tokens } from "marked";
import { highlight } from "./highlight";
import { padEnd, stripAnsi, visibleWidth, wrap } from "./text";

export interface RenderOptions {
  width: number;
  chalk: ChalkInstance;
  /** Fold code lines longer than the width (on a terminal); piped output keeps them whole for grep and copy. */
  wrapCode?: boolean;
}

const ANCHOR = /\s*\{#[^}]*\}\s*$/;

export function renderMarkdown(md: string, opts: RenderOptions): string {
  const tokens = new Lexer({ gfm: true }).lex(md);
  const out = new Renderer(opts).blocks(tokens, 0);
  return out.join("\n").replace(/\n{3,}/g, "\n\n").trim() + "\n";
}

class Renderer {
  private c: ChalkInstance;
  private width: number;
  private wrapCode: boolean;
  constructor(o: RenderOptions) {
    this.c = o.chalk;
    this.width = Math.max(40, o.width);
    this.wrapCode = o.wrapCode ?? false;
  }

  blocks(tokens: Token[], indent: number): string[] {
    const out: string[] = [];
    for (const t of tokens) {
      const lines = this.block(t, indent);
      if (lines.length) out.push(...lines, "");
    }
    while (out.length && out[out.length - 1] === "") out.pop();
    return out;
  }

  private block(t: Token, indent: number): string[] {
    const c = this.c;
    const pad = " ".repeat(indent);
    const w = this.width - indent;
    switch (t.type) {
      case "heading": {
        const tok = t as Tokens.Heading;
        const text = this.inline(tok.tokens ?? []).replace(ANCHOR, "");
        if (c.level === 0) {
          const plain = stripAnsi(text);
          if (tok.depth === 1) return [plain.toUpperCase(), "=".repeat(Math.min(w, visibleWidth(plain)))];
          if (tok.depth === 2) return ["", plain, "-".repeat(Math.min(w, visibleWidth(plain)))];
          return [plain];
        }
        if (tok.depth === 1) return [c.bold.underline.magenta(stripAnsi(text).toUpperCase())];
        if (tok.depth === 2) return ["", c.bold.cyan(text), c.cyan("─".repeat(Math.min(w, visibleWidth(text))))];
        if (tok.depth === 3) return [c.bold.yellow(text)];
        return [c.bold(text)];
      }
      case "paragraph":
        return wrap(this.inline((t as Tokens.Paragraph).tokens).replace(/\n/g, " "), w).map((l) => pad + l);
      case "text": {
        const tt = t as Tokens.Text;
        const s = tt.tokens ? this.inline(tt.tokens) : tt.text;
        return wrap(s.replace(/\n/g, " "), w).map((l) => pad + l);
      }
      case "code": {
        const tok = t as Tokens.Code;
        const lang = (tok.lang ?? "").split(/\s/)[0] ?? "";
        const bar = c.level === 0 ? "    " : c.dim("│ ");
        const more = c.level === 0 ? "  ↪ " : c.dim("↪ ");
        const room = w - visibleWidth(bar);
        if (!this.wrapCode || tok.text.split("\n").every((l) => visibleWidth(l) <= room)) return highlight(tok.text, lang, c).map((l) => pad + bar + l);
        // Long lines are folded: shell commands at a space with a trailing backslash (still a valid command),
        // anything else (program output) at a late space or at the width, its continuation marked in the margin.
        const shell = SHELL_LANGS.has(lang.toLowerCase());
        const folded = tok.text.split("\n").flatMap((l) => (shell ? foldShell(l, room) : foldHard(l, room).map((x, i) => (i ? CONT + x : x))));
        return highlight(folded.join("\n"), lang, c).map((l) => {
          const cont = stripAnsi(l).startsWith(CONT);
          return pad + (cont ? more + l.replace(CONT, "") : bar + l);
        });
      }
      case "list":
        return this.list(t as Tokens.List, indent);
      case "blockquote": {
        const inner = this.blocks((t as Tokens.Blockquote).tokens, 0);
        const bar = c.level === 0 ? "> " : c.dim("▌ ");
        return inner.flatMap((l) => wrap(l, w - 2)).map((l) => pad + bar + (c.level === 0 ? l : c.italic(l)));
      }
      case "table":
        return this.table(t as Tokens.Table, indent);
      case "hr":
        return [pad + (c.level === 0 ? "-".repeat(Math.min(w, 60)) : c.dim("─".repeat(Math.min(w, 60))))];
      case "space":
        return [];
      case "html":
        return [pad + (t as Tokens.HTML).text.trim()];
      default:
        return "text" in t && typeof t.text === "string" ? [pad + t.text] : [];
    }
  }

  private list(l: Tokens.List, indent: number): string[] {
    const out: string[] = [];
    const start = typeof l.start === "number" ? l.start : 1;
    l.items.forEach((item, i) => {
      const bullet = l.ordered ? `${start + i}.` : this.c.level === 0 ? "-" : "•";
      const marker = item.task ? (item.checked ? "[x] " : "[ ] ") : "";
      const body = this.blocks(
        item.tokens.filter((tk) => tk.type !== "checkbox"),
        indent + bullet.length + 1,
      );
      const first = body[0] ?? "";
      const lead = " ".repeat(indent) + (this.c.level === 0 ? bullet : this.c.cyan(bullet)) + " " + marker;
      out.push(lead + first.slice(indent + bullet.length + 1), ...body.slice(1).filter((x) => x !== ""));
    });
    return out;
  }

  private table(t: Tokens.Table, indent: number): string[] {
    const c = this.c;
    const head = t.header.map((h) => this.inline(h.tokens));
    const rows = t.rows.map((r) => r.map((cell) => this.inline(cell.tokens)));
    const widths = head.map((h, i) => Math.max(visibleWidth(h), ...rows.map((r) => visibleWidth(r[i] ?? ""))));
    const total = widths.reduce((a, b) => a + b, 0) + 3 * widths.length + 1;
    const pad = " ".repeat(indent);
    if (total > this.width - indent) {
      // Too wide for the screen: one block per row, "Header: value".
      const out: string[] = [];
      rows.forEach((r, k) => {
        if (k) out.push("");
        r.forEach((cell, i) => out.push(...wrap(`${c.bold(stripAnsi(head[i] ?? ""))}: ${cell}`, this.width - indent - 2, pad + (i === 0 ? "▸ " : "  "), pad + "    ")));
      });
      return out;
    }
    const sep = (l: string, m: string, r: string) => pad + c.dim(l + widths.map((w) => "─".repeat(w + 2)).join(m) + r);
    const line = (cells: string[], bold = false) =>
      pad + c.dim("│") + cells.map((x, i) => " " + padEnd(bold ? c.bold(x) : x, widths[i]!) + " ").join(c.dim("│")) + c.dim("│");
    if (c.level === 0) {
      const plain = (cells: string[]) => pad + "| " + cells.map((x, i) => padEnd(x, widths[i]!)).join(" | ") + " |";
      return [plain(head), pad + "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...rows.map(plain)];
    }
    return [sep("┌", "┬", "┐"), line(head, true), sep("├", "┼", "┤"), ...rows.map((r) => line(r)), sep("└", "┴", "┘")];
  }

  inline(tokens: Token[]): string {
    const c = this.c;
    return tokens
      .map((t): string => {
        switch (t.type) {
          case "strong":
            return c.bold(this.inline((t as Tokens.Strong).tokens));
          case "em":
            return c.italic(this.inline((t as Tokens.Em).tokens));
          case "codespan":
            return c.level === 0 ? `\`${unescape((t as Tokens.Codespan).text)}\`` : c.yellow(unescape((t as Tokens.Codespan).text));
          case "del":
            return c.strikethrough(this.inline((t as Tokens.Del).tokens));
          case "br":
            return "\n";
          case "link": {
            const l = t as Tokens.Link;
            const text = this.inline(l.tokens);
            if (/^[a-z]+:/.test(l.href)) return `${c.underline(text)} ${c.dim(`<${l.href}>`)}`;
            const [id, anchor] = l.href.replace(/\.md(?=#|$)/, "").split("#");
            const where = `${id || "this note"}${anchor ? ` §${anchor}` : ""}`;
            return `${c.underline(text)} ${c.dim(`(see ${where})`)}`;
          }
          case "escape":
          case "text": {
            const tt = t as Tokens.Text;
            return tt.tokens ? this.inline(tt.tokens) : unescape(tt.text);
          }
          case "html":
            return (t as Tokens.HTML).text;
          default:
            return "raw" in t ? String(t.raw) : "";
        }
      })
      .join("");
  }
}

const SHELL_LANGS = new Set(["sh", "bash", "shell", "console", "shell-session", "zsh", ""]);
/** Marks a continuation line of folded program output until the margin is drawn. */
const CONT = "\u0000";

/** Cut a line into pieces of at most `width` columns, after a space when one is near the end, else at the width. */
export function foldHard(line: string, width: number): string[] {
  const out: string[] = [];
  let rest = line;
  while (visibleWidth(rest) > width) {
    const sp = rest.lastIndexOf(" ", width - 1);
    const at = sp >= width / 2 ? sp + 1 : width;
    out.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  out.push(rest);
  return out;
}

/**
 * Fold a shell command at spaces outside quotes, each piece ending with " \\" so the whole still runs when
 * copied; continuation lines are indented. A line with no place to break is cut at the width.
 */
export function foldShell(line: string, width: number): string[] {
  const indent = (/^\s*/.exec(line)?.[0] ?? "") + "    ";
  const out: string[] = [];
  let rest = line;
  let first = true;
  while (visibleWidth(rest) > width) {
    const lead = first ? "" : indent;
    // spaces outside quotes where the line may break
    const breaks: number[] = [];
    let quote: string | null = null;
    for (let i = lead.length; i < rest.length; i++) {
      const ch = rest[i]!;
      if (quote) {
        if (ch === quote) quote = null;
        else if (ch === "\\" && quote === '"') i++;
      } else if (ch === "'" || ch === '"') quote = ch;
      else if (ch === "\\") i++;
      else if (ch === " " && i > lead.length && rest[i - 1] !== " ") breaks.push(i);
    }
    const at = breaks.filter((i) => i + 2 <= width).pop();
    if (at === undefined) break;
    out.push(rest.slice(0, at) + " \\");
    rest = indent + rest.slice(at + 1).trimStart();
    first = false;
  }
  out.push(...foldHard(rest, width).map((x, i) => (i ? CONT + x : x)));
  return out;
}

function unescape(s: string): string {
  return s.replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'");
}
