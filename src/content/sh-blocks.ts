// The shell commands of a note's ```sh code blocks, located by line: continuation lines joined, comments and
// here-document bodies kept out of the command words, each command of a pipeline or and-or list on its own,
// sudo and shell keywords (do, then, !) stripped. Words are expanded without running anything: quotes come
// off, variables stay as written ($VM), a command substitution's commands are extracted too.
import { expandWord, ExpansionError, type ExpandContext } from "../sim/shell/expand";
import { parse, ShellSyntaxError, type SimpleCommand } from "../sim/shell/parser";

export interface ShCommand {
  /** 1-based line in the file where the command's source starts. */
  line: number;
  /** The command as written (continuations joined, the here-document body left out). */
  text: string;
  /** Expanded words, the program first (after sudo and shell keywords). */
  words: string[];
  /** A here-document read as the command's input, and the file line of its first body line. */
  stdin?: { text: string; line: number };
}

export interface ShExtract {
  commands: ShCommand[];
  /** Source the lab shell's parser does not read (subshells, case ...): not checked. */
  skipped: { line: number; text: string; reason: string }[];
}

const SH_LANGS = new Set(["sh", "bash", "shell"]);
const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([A-Za-z0-9_+-]*)/;
/** Words that start a compound command and are followed by a command (`do virsh start web01`). */
const LEADING = new Set(["do", "then", "else", "elif", "if", "while", "until", "!", "{", "time", "exec", "nohup", "command"]);
/** Words after which no command follows on this simple command (`for d in ...`, `done`). */
const NO_COMMAND = new Set(["for", "case", "select", "done", "fi", "}", "esac", "in", "function"]);

/** Every command of the note's shell blocks; `firstLine` is the file line of `markdown`'s first line. */
export function shCommands(markdown: string, firstLine = 1): ShExtract {
  const lines = markdown.replace(/\r\n/g, "\n").split("\n");
  const res: ShExtract = { commands: [], skipped: [] };
  let i = 0;
  while (i < lines.length) {
    const f = FENCE.exec(lines[i]!);
    i++;
    if (!f) continue;
    const fence = f[1]!;
    const end = lines.findIndex((l, k) => k >= i && l.trim().startsWith(fence[0]!.repeat(fence.length)) && /^\s*[`~]+\s*$/.test(l));
    const stop = end < 0 ? lines.length : end;
    if (SH_LANGS.has(f[2]!.toLowerCase())) blockCommands(lines.slice(i, stop), firstLine + i, res);
    i = stop + 1;
  }
  return res;
}

/** The commands of one block's lines; `line0` is the file line of its first line. */
export function blockCommands(block: string[], line0: number, res: ShExtract): void {
  let k = 0;
  while (k < block.length) {
    const start = k;
    let text = block[k]!;
    k++;
    if (text.trim() === "" || text.trim().startsWith("#")) continue;
    for (;;) {
      try {
        const list = parse(text);
        const cmds: SimpleCommand[] = [];
        for (const it of list.items) for (const p of [it.andOr.first, ...it.andOr.rest.map((r) => r.pipeline)]) cmds.push(...p.commands);
        const nLines = text.split("\n").length;
        for (const c of cmds) addCommand(c, line0 + start, line0 + start + nLines, res);
        break;
      } catch (e) {
        if (e instanceof ShellSyntaxError && e.incomplete && k < block.length) {
          text += "\n" + block[k]!;
          k++;
          continue;
        }
        res.skipped.push({ line: line0 + start, text, reason: e instanceof Error ? e.message : String(e) });
        break;
      }
    }
  }
}

/** Record one simple command (and the commands of its substitutions); `endLine` is the line after its source. */
function addCommand(c: SimpleCommand, line: number, endLine: number, res: ShExtract): void {
  const nested: string[] = [];
  const ctx: ExpandContext = {
    param: (name) => `$${name}`,
    substitute: (src) => {
      nested.push(src);
      return "x";
    },
    glob: () => [],
    home: "~",
  };
  let words: string[] = [];
  try {
    for (const w of c.words) words.push(...expandWord(w, ctx));
    for (const a of c.assigns) expandWord(a.value, ctx);
    for (const r of c.redirs) if (r.op !== "<<") expandWord(r.target, ctx);
  } catch (e) {
    if (!(e instanceof ExpansionError)) throw e;
    res.skipped.push({ line, text: c.words.join(" "), reason: e.message });
    return;
  }
  for (const src of nested) {
    const sub: ShExtract = { commands: [], skipped: [] };
    blockCommands(src.split("\n"), line, sub);
    res.commands.push(...sub.commands.map((s) => ({ ...s, line })));
    res.skipped.push(...sub.skipped.map((s) => ({ ...s, line })));
  }
  words = stripPrefix(words);
  if (!words.length) return;
  const cmd: ShCommand = { line, text: [...c.assigns.map((a) => `${a.name}=${a.value}`), ...c.words].join(" "), words };
  const hd = c.redirs.find((r) => r.op === "<<" && r.heredoc);
  if (hd?.heredoc) {
    const bodyLines = hd.heredoc.body === "" ? 0 : hd.heredoc.body.replace(/\n$/, "").split("\n").length;
    // the body ends on the line before the delimiter, which is the unit's last line
    cmd.stdin = { text: hd.heredoc.body, line: endLine - 1 - bodyLines };
  } else {
    const hs = c.redirs.find((r) => r.op === "<<<");
    if (hs) {
      const v = expandWord(hs.target, ctx).join(" ");
      cmd.stdin = { text: v + "\n", line };
    }
  }
  res.commands.push(cmd);
}

/** Drop sudo (with its options), env assignments and shell keywords before the program name. */
function stripPrefix(words: string[]): string[] {
  let w = words;
  for (;;) {
    const h = w[0];
    if (h === undefined || NO_COMMAND.has(h)) return [];
    if (LEADING.has(h)) w = w.slice(1);
    else if (h === "sudo") {
      let j = 1;
      while (j < w.length && w[j]!.startsWith("-")) j += /^-[ugCDhprT]$/.test(w[j]!) ? 2 : 1;
      w = w.slice(j);
    } else if (h === "env") {
      let j = 1;
      while (j < w.length && (w[j]!.startsWith("-") || /^[A-Za-z_][A-Za-z0-9_]*=/.test(w[j]!))) j++;
      w = w.slice(j);
    } else return w;
  }
}
