// Colours for code blocks: shell commands get their command word and options picked out.
import type { ChalkInstance } from "chalk";

const SHELL_LANGS = new Set(["sh", "bash", "shell", "console", "shell-session", "zsh", ""]);
const CMD_STARTERS = new Set(["|", "||", "&&", ";", "sudo", "time", "exec", "env", "then", "do", "else", "$", "#"]);

export function highlight(code: string, lang: string, c: ChalkInstance): string[] {
  const l = lang.toLowerCase();
  const lines = code.split("\n");
  if (c.level === 0) return lines;
  if (SHELL_LANGS.has(l)) return highlightShell(lines, c);
  if (l === "xml" || l === "html") return lines.map((x) => highlightXml(x, c));
  if (["yaml", "yml", "ini", "toml", "hcl", "conf", "cfg", "xl", "json", "ruby", "dockerfile", "terraform", "properties"].includes(l))
    return lines.map((x) => highlightKeyValue(x, l, c));
  return lines.map((x) => c.white(x));
}

function highlightShell(lines: string[], c: ChalkInstance): string[] {
  let continued = false;
  return lines.map((line) => {
    if (/^\s*#/.test(line) && !continued) return c.dim(line);
    const out: string[] = [];
    let expectCmd = !continued;
    const re = /(\s+)|("(?:[^"\\]|\\.)*"?|'[^']*'?)|(\|\||&&|[|;<>]|\\$)|([^\s|;<>"']+)/g;
    let mm: RegExpExecArray | null;
    while ((mm = re.exec(line))) {
      const [tok, ws, str, op, word] = mm;
      if (ws) out.push(ws);
      else if (str) out.push(c.green(str));
      else if (op) {
        out.push(op === "\\" ? c.dim(op) : c.magenta(op));
        if (op !== ">" && op !== "<" && op !== "\\") expectCmd = true;
      } else if (word) {
        if (word.startsWith("#") && out.every((t) => t.trim() === "")) {
          out.push(c.dim(line.slice(mm.index)));
          break;
        }
        if (expectCmd && /^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) out.push(c.cyan(word));
        else if (expectCmd) {
          out.push(c.bold.green(word));
          expectCmd = CMD_STARTERS.has(word);
        } else if (/^--?[A-Za-z]/.test(word)) out.push(c.yellow(word));
        else out.push(tok);
      }
    }
    continued = /\\\s*$/.test(line);
    return out.join("");
  });
}

function highlightXml(line: string, c: ChalkInstance): string {
  return line.replace(/(<\/?)([\w:.-]+)([^>]*?)(\/?>)|(<!--.*?-->)/g, (all, open, name, attrs, close, comment) => {
    if (comment) return c.dim(comment);
    const a = (attrs as string).replace(/([\w:.-]+)(=)("[^"]*"|'[^']*')/g, (_x, k, eq, v) => c.yellow(k) + eq + c.green(v));
    return c.blue(open + name) + a + c.blue(close);
  });
}

function highlightKeyValue(line: string, lang: string, c: ChalkInstance): string {
  const comment = lang === "json" ? null : /^(\s*)(#|\/\/)(.*)$/.exec(line);
  if (comment) return comment[1] + c.dim(comment[2]! + comment[3]);
  if (lang === "dockerfile") return line.replace(/^(\s*)([A-Z]+)\b/, (_x, sp, kw) => sp + c.bold.magenta(kw));
  return line.replace(/^(\s*-?\s*)("?[\w.@/-]+"?)(\s*[:=])/, (_x, sp, key, sep) => sp + c.cyan(key) + sep);
}
