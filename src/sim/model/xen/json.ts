// JSON as libxl prints it through yajl's beautifier: 4-space indent, `"key": value`, empty containers
// written as an opening bracket, an empty line and the closing bracket.

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json | undefined };

function esc(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (c < 0x20) out += `\\u${c.toString(16).toUpperCase().padStart(4, "0")}`;
    else out += ch;
  }
  return out + '"';
}

/** Serialise `v` as yajl_gen with yajl_gen_beautify and a 4-space indent (no trailing newline). */
export function yajl(v: Json, depth = 0): string {
  const pad = "    ".repeat(depth);
  const inner = "    ".repeat(depth + 1);
  if (v === null) return "null";
  if (typeof v === "string") return esc(v);
  if (typeof v === "number") return String(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (Array.isArray(v)) {
    if (!v.length) return `[\n\n${pad}]`;
    return `[\n${v.map((x) => inner + yajl(x, depth + 1)).join(",\n")}\n${pad}]`;
  }
  const entries = Object.entries(v).filter((e): e is [string, Json] => e[1] !== undefined);
  if (!entries.length) return `{\n\n${pad}}`;
  return `{\n${entries.map(([k, x]) => `${inner}${esc(k)}: ${yajl(x, depth + 1)}`).join(",\n")}\n${pad}}`;
}
