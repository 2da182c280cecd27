// The human monitor's command line (HMP): command lookup in the table, argument parsing by args_type, and
// the help listings, with the monitor's own wording for every parse error.
import { QEMU, type HmpDef } from "./data";

export type HmpArgs = Record<string, string | number | boolean | undefined>;

export type HmpParse =
  | { kind: "empty" }
  | { kind: "error"; text: string }
  | { kind: "ok"; def: HmpDef; info: boolean; args: HmpArgs; name: string };

const isSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\v" || c === "\f";

export function matches(input: string, name: string): boolean {
  return name.split("|").includes(input);
}

export function findCmd(table: HmpDef[], name: string): HmpDef | undefined {
  return table.find((c) => matches(name, c.name));
}

/** One word, or a "quoted string" with \n \r \\ \' \" escapes (monitor get_str). */
function getStr(s: string, p: number): { value?: string; p: number; error?: string } {
  while (isSpace(s[p])) p++;
  if (p >= s.length) return { p };
  if (s[p] === '"') {
    p++;
    let v = "";
    while (p < s.length && s[p] !== '"') {
      if (s[p] === "\\") {
        const c = s[p + 1];
        p += 2;
        const map: Record<string, string> = { n: "\n", r: "\r", "\\": "\\", "'": "'", '"': '"' };
        if (c === undefined || !(c in map)) return { p, error: `unsupported escape code: '\\${c ?? ""}'\n` };
        v += map[c];
      } else v += s[p++];
    }
    if (s[p] !== '"') return { p, error: "unterminated string\n" };
    return { value: v, p: p + 1 };
  }
  let v = "";
  while (p < s.length && !isSpace(s[p])) v += s[p++];
  return { value: v, p };
}

/** Split args_type ("name:s,force:-f,speed:o?") into key and type. */
function argTypes(t: string): { key: string; type: string }[] {
  if (!t) return [];
  return t.split(",").map((part) => {
    const i = part.indexOf(":");
    return { key: part.slice(0, i), type: part.slice(i + 1) };
  });
}

/** A number expression the monitor accepts (decimal, 0x hex, negative), or undefined. */
function getNumber(s: string, p: number): { value?: number; p: number } {
  while (isSpace(s[p])) p++;
  const m = /^-?(0x[0-9a-fA-F]+|\d+)/.exec(s.slice(p));
  if (!m) return { p };
  return { value: Number(m[0].startsWith("-") ? -Number(m[0].slice(1)) : Number(m[0])), p: p + m[0].length };
}

/** Parse a monitor command line the way monitor/hmp.c does. */
export function parseHmp(line: string): HmpParse {
  let p = 0;
  while (isSpace(line[p])) p++;
  if (p >= line.length) return { kind: "empty" };
  const start = p;
  while (p < line.length && line[p] !== "/" && !isSpace(line[p])) p++;
  const name = line.slice(start, p);
  let def = findCmd(QEMU.hmp, name);
  if (!def) return { kind: "error", text: `unknown command: '${line.slice(0, p)}'\n` };
  while (isSpace(line[p])) p++;
  let info = false;
  let fullName = def.name;
  if (def.name === "info" && p < line.length) {
    const s2 = p;
    while (p < line.length && line[p] !== "/" && !isSpace(line[p])) p++;
    const sub = line.slice(s2, p);
    const d2 = findCmd(QEMU.hmpInfo, sub);
    if (!d2) return { kind: "error", text: `unknown command: '${line.slice(0, p)}'\n` };
    def = d2;
    info = true;
    fullName = d2.name;
    while (isSpace(line[p])) p++;
  }
  const cmdEnd = p;
  const fail = (text: string): HmpParse => {
    let e = p;
    while (e > 0 && isSpace(line[e - 1])) e--;
    void cmdEnd;
    return { kind: "error", text: `${text}Try "help ${line.slice(start, Math.max(e, start)).trim()}" for more information\n` };
  };
  const args: HmpArgs = {};
  for (const { key, type } of argTypes(def.argsType)) {
    const c = type[0]!;
    const optional = type.endsWith("?");
    if (c === "s" || c === "F" || c === "B") {
      while (isSpace(line[p])) p++;
      if (optional && p >= line.length) continue;
      const r = getStr(line, p);
      if (r.error) {
        p = r.p;
        return fail(r.error + `${fullName}: ${c === "F" ? "filename" : c === "B" ? "block device name" : "string"} expected\n`);
      }
      if (r.value === undefined) {
        p = r.p;
        return fail(`${fullName}: ${c === "F" ? "filename" : c === "B" ? "block device name" : "string"} expected\n`);
      }
      args[key] = r.value;
      p = r.p;
    } else if (c === "S") {
      while (isSpace(line[p])) p++;
      if (optional && p >= line.length) continue;
      if (p >= line.length) return fail(`${fullName}: string expected\n`);
      args[key] = line.slice(p);
      p = line.length;
    } else if (c === "i" || c === "l" || c === "M") {
      while (isSpace(line[p])) p++;
      if (optional && p >= line.length) continue;
      const r = getNumber(line, p);
      if (r.value === undefined) {
        p = r.p;
        return fail(p >= line.length ? "unexpected end of expression\n" : `invalid char '${line[p]}' in expression\n`);
      }
      args[key] = c === "M" ? r.value * 2 ** 20 : r.value;
      p = r.p;
    } else if (c === "o") {
      while (isSpace(line[p])) p++;
      if (optional && p >= line.length) continue;
      const m = /^(\d+(?:\.\d+)?)([bkmgtpeBKMGTPE]?)/.exec(line.slice(p));
      if (!m) return fail("invalid size\n");
      const mult: Record<string, number> = { "": 2 ** 20, b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50, e: 2 ** 60 };
      args[key] = Math.floor(Number(m[1]) * mult[m[2]!.toLowerCase()]!);
      p += m[0].length;
    } else if (c === "b") {
      while (isSpace(line[p])) p++;
      const b = p;
      while (p < line.length && !isSpace(line[p])) p++;
      const w = line.slice(b, p);
      if (w !== "on" && w !== "off") return fail("Expected 'on' or 'off'\n");
      args[key] = w === "on";
    } else if (c === "-") {
      const flag = type[1]!;
      const save = p;
      while (isSpace(line[p])) p++;
      if (line[p] === "-") {
        if (line[p + 1] === flag) {
          if (type[2] === "s") {
            p += 2;
            const r = getStr(line, p);
            if (r.value === undefined) {
              p = r.p;
              return fail(`${fullName}: value expected for -${flag}\n`);
            }
            args[key] = r.value;
            p = r.p;
          } else {
            args[key] = true;
            p += 2;
          }
        } else if (!def.argsType.split(",").some((a) => a.endsWith(`:-${line[p + 1]}`))) {
          return fail(`${fullName}: unsupported option -${line[p + 1] ?? ""}\n`);
        } else p = save;
      } else p = save;
    } else if (c === "T") {
      while (isSpace(line[p])) p++;
      if (optional && p >= line.length) continue;
      const m = /^\d+(\.\d+)?/.exec(line.slice(p));
      if (!m) return fail("Invalid number\n");
      args[key] = Number(m[0]);
      p += m[0].length;
    } else if (c === "O") {
      while (isSpace(line[p])) p++;
      if (p >= line.length) continue;
      const r = getStr(line, p);
      args[key] = r.value;
      p = r.p;
    } else if (c === "/") {
      while (isSpace(line[p])) p++;
      if (line[p] === "/") {
        const m = /^\/\d*[oduxicbhwgL]*/.exec(line.slice(p))!;
        p += m[0].length;
        if (p < line.length && !isSpace(line[p])) return fail(`invalid char in format: '${line[p]}'\n`);
        args.format = m[0];
      }
    }
  }
  while (isSpace(line[p])) p++;
  if (p < line.length) return fail(`${fullName}: extraneous characters at the end of line\n`);
  return { kind: "ok", def, info, args, name: fullName };
}

/** `help [cmd]` and `info` with no subcommand. */
export function helpText(arg?: string): string {
  const one = (prefix: string, c: HmpDef) => `${prefix}${c.name} ${c.params} -- ${c.help}\n`;
  if (arg === undefined || arg.trim() === "") return QEMU.hmp.map((c) => one("", c)).join("");
  const words = arg.trim().split(/\s+/);
  if (words[0] === "log") return "";
  const c = findCmd(QEMU.hmp, words[0]!);
  if (!c) return `unknown command: '${words[0]}'\n`;
  if (c.name === "info") {
    if (words.length === 1) return QEMU.hmpInfo.map((x) => one("info ", x)).join("");
    const sub = findCmd(QEMU.hmpInfo, words[1]!);
    if (!sub) return `unknown command: 'info ${words[1]}'\n`;
    return one("info ", sub);
  }
  return one("", c);
}

export const infoList = () => QEMU.hmpInfo.map((x) => `info ${x.name} ${x.params} -- ${x.help}\n`).join("");
