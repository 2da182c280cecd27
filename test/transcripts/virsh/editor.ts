// The editors the virsh goldens were recorded with (scripts/record-virsh.mjs runs `EDITOR=... virsh ...` lines
// with the real programs), played back in-process for the replay: `true` (no change), `false` (exit 1), a path
// under /nonexistent/ (exec fails), a name no-such-... (not on PATH), and `sed -i s/RE/REPL/[g]` (the substitution applied to
// the text). Anything else throws, so a golden that needs another editor fails loudly instead of passing by luck.
import type { EditOutcome } from "../../../src/sim/shell/tool";
import { editorArgv } from "../../../src/platform/editor";

/** The file name the outcome's argv shows; goldens mask /tmp/virshXXXXXX.xml as volatile. */
const TEMP = (suffix: string) => `/tmp/virshXXXXXX${suffix}`;

/** sh's word splitting of `sh -c` text: blanks separate words, quotes and backslashes are removed. */
export function shWords(text: string): string[] {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'") {
      const e = text.indexOf("'", i + 1);
      if (e < 0) throw new Error(`unterminated quote in ${text}`);
      cur += text.slice(i + 1, e);
      i = e;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') {
        if (text[j] === "\\" && '"\\$`'.includes(text[j + 1] ?? "")) j++;
        cur += text[j++];
      }
      i = j;
      inWord = true;
    } else if (c === "\\") {
      cur += text[++i] ?? "";
      inWord = true;
    } else if (c === " " || c === "\t") {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
    } else if (";&|<>()$`".includes(c)) {
      throw new Error(`test editor: shell syntax not supported: ${text}`);
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** A POSIX basic regular expression as a JavaScript one (the subset sed scripts in goldens use). */
export function breToRegExp(re: string, global: boolean): RegExp {
  let out = "";
  for (let i = 0; i < re.length; i++) {
    const c = re[i]!;
    if (c === "\\") {
      const n = re[++i];
      if (n === undefined) throw new Error(`trailing backslash in ${re}`);
      if ("(){}".includes(n)) out += n;
      else if (n === "<" || n === ">") out += "\\b"; // GNU word boundaries
      else if (/[1-9]/.test(n)) out += `\\${n}`;
      else if (n === "n") out += "\\n";
      else out += n.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    } else if (c === "[") {
      const e = re.indexOf("]", i + (re[i + 1] === "^" ? 3 : 2));
      if (e < 0) throw new Error(`unterminated bracket in ${re}`);
      out += "[" + re.slice(i + 1, e).replace(/\\/g, "\\\\") + "]";
      i = e;
    } else if ("+?{}()|/".includes(c)) out += `\\${c}`;
    else if (c === "*" && (out === "" || out === "^")) out += "\\*";
    else out += c;
  }
  return new RegExp(out, global ? "g" : "");
}

/** The replacement of `s/RE/REPL/` in String.replace's notation: & is the match, \1..\9 the groups. */
function replacement(repl: string): string {
  let out = "";
  for (let i = 0; i < repl.length; i++) {
    const c = repl[i]!;
    if (c === "\\") {
      const n = repl[++i] ?? "";
      out += /[1-9]/.test(n) ? `$${n}` : n === "n" ? "\n" : n === "$" ? "$$" : n;
    } else if (c === "&") out += "$&";
    else if (c === "$") out += "$$";
    else out += c;
  }
  return out;
}

/** Apply a sed `s/RE/REPL/[g]` script to every line of text, as `sed -i` does. */
export function sedSubstitute(script: string, text: string): string {
  if (script[0] !== "s" || script.length < 2) throw new Error(`test editor: only s/// scripts: ${script}`);
  const d = script[1]!;
  const parts: string[] = [];
  let cur = "";
  for (let i = 2; i < script.length; i++) {
    const c = script[i]!;
    if (c === "\\" && script[i + 1] === d) {
      cur += d;
      i++;
    } else if (c === "\\") {
      cur += c + (script[++i] ?? "");
    } else if (c === d) {
      parts.push(cur);
      cur = "";
    } else cur += c;
  }
  if (parts.length !== 2 || !/^g?$/.test(cur)) throw new Error(`test editor: unsupported sed script ${script}`);
  const re = breToRegExp(parts[0]!, cur === "g");
  const repl = replacement(parts[1]!);
  return text
    .split("\n")
    .map((l) => l.replace(re, repl))
    .join("\n");
}

/** The shell's editor callback for golden replays: runs the recorded editors on the text in-process. */
export function goldenEditor(content: string, suffix: string, env: Readonly<Record<string, string>>): EditOutcome {
  const editor = env.VISUAL || env.EDITOR;
  if (!editor) return { kind: "no-editor" };
  const argv = editorArgv(editor, TEMP(suffix));
  const words = argv[0] === "sh" ? shWords(argv[2]!).slice(0, -1) : [argv[0]!];
  const [prog, ...args] = words;
  // the recordings name missing programs so: /nonexistent/... (exec fails) and no-such-... (not on PATH)
  if (argv[0] !== "sh" && prog!.startsWith("/nonexistent/")) return { kind: "exec-failed", argv, errno: "ENOENT", message: "No such file or directory" };
  if (argv[0] !== "sh" && prog!.startsWith("no-such-")) return { kind: "not-found", argv };
  switch (prog!.replace(/^\/(usr\/)?bin\//, "")) {
    case "true":
      return { kind: "edited", text: content };
    case "false":
      return { kind: "exit", argv, status: 1 };
    case "sed": {
      if (args.length !== 2 || args[0] !== "-i") throw new Error(`test editor: only sed -i SCRIPT: ${editor}`);
      return { kind: "edited", text: sedSubstitute(args[1]!, content) };
    }
    default:
      throw new Error(`test editor: ${editor} is not one the goldens use`);
  }
}
