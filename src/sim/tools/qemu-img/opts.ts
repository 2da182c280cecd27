// QEMU's option lists (-o name=value,...): validity, ",," escapes, help requests, typed parsing against a
// driver's option descriptions, "-o help" listings and the "Formatting ..." line that echoes them.
import { FILE_OPTS, FORMATS, type OptDesc } from "../../model/image/formats";
import { optSize } from "./size";

/** is_valid_option_list(): not empty, no leading comma, no unescaped trailing comma. */
export function validOptionList(s: string): boolean {
  if (s === "" || s[0] === ",") return false;
  let i = s.length;
  while (i > 0 && s[i - 1] === ",") i--;
  return (s.length - i) % 2 === 0;
}

/** Split "a=1,b=x,,y,c" into [name, value] pairs (a bare name means "on"). */
export function splitOptions(s: string): [string, string][] {
  const out: [string, string][] = [];
  let i = 0;
  const readUntil = (stops: string): string => {
    let v = "";
    while (i < s.length) {
      const c = s[i]!;
      if (c === "," && s[i + 1] === ",") {
        v += ",";
        i += 2;
        continue;
      }
      if (stops.includes(c)) break;
      v += c;
      i++;
    }
    return v;
  };
  while (i < s.length) {
    const name = readUntil("=,");
    let value = "on";
    if (s[i] === "=") {
      i++;
      value = readUntil(",");
    }
    out.push([name, value]);
    if (s[i] === ",") i++;
  }
  return out;
}

/** qemu_opt_has_help_opt(): a bare "help" or "?" in the list. */
export function hasHelpOption(s: string): boolean {
  return s
    .replace(/,,/g, "\0")
    .split(",")
    .some((seg) => seg === "help" || seg === "?");
}

/** The merged option descriptions for a format (plus the file protocol's when a file name is known). */
export function optionDescs(format: string, withFile: boolean): OptDesc[] {
  const own = FORMATS[format]?.create ?? [];
  if (!withFile) return own;
  const names = new Set(own.map((d) => d.name));
  return [...own, ...FILE_OPTS.filter((d) => !names.has(d.name))];
}

/** `-o help` output for creation (and convert) options. */
export function printCreateHelp(format: string, withFile: boolean): string {
  const descs = [...optionDescs(format, withFile)].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let out = withFile ? "Supported options:\n" : `Supported ${format} options:\n`;
  out += helpLines(descs);
  if (!withFile) out += "\nThe protocol level may support further options.\nSpecify the target filename to include those options.\n";
  return out;
}

export function helpLines(descs: OptDesc[]): string {
  const type = (t: OptDesc["type"]) => (t === "bool" ? "bool (on/off)" : t);
  return descs.map((d) => `  ${`${d.name}=<${type(d.type)}>`.padEnd(22)} - ${d.help}\n`).join("");
}

export type ParsedOpts = { ok: true; values: Map<string, string>; /** numbers for size/num options */ numbers: Map<string, bigint>; warnings: string[] } | { ok: false; message: string; /** warnings printed before the error */ warnings?: string[] };

const BOOL_ON = ["on", "yes", "true", "y"];
const BOOL_OFF = ["off", "no", "false", "n"];

/** qemu_opts_do_parse() against `descs`: unknown names and badly typed values are errors. */
export function parseOptions(s: string, descs: OptDesc[]): ParsedOpts {
  const values = new Map<string, string>();
  const numbers = new Map<string, bigint>();
  const warnings: string[] = [];
  for (const [name, value] of splitOptions(s)) {
    const d = descs.find((x) => x.name === name);
    if (!d) return { ok: false, message: `Invalid parameter '${name}'` };
    if (d.type === "size") {
      const r = optSize(name, value);
      if (!r.ok) return { ok: false, message: r.message, warnings: [...warnings, ...(r.warning ? [r.warning] : [])] };
      if (r.warning) warnings.push(r.warning);
      numbers.set(name, r.value);
    } else if (d.type === "bool") {
      if (!BOOL_ON.includes(value) && !BOOL_OFF.includes(value)) return { ok: false, message: `Parameter '${name}' expects 'on' or 'off'` };
    } else if (d.type === "num") {
      const m = /^\s*[+]?(0x[0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(value);
      if (!m) return { ok: false, message: `Parameter '${name}' expects a number` };
      numbers.set(name, BigInt(m[1]!.startsWith("0x") ? m[1]! : m[1]!.length > 1 && m[1]!.startsWith("0") ? "0o" + m[1]!.slice(1) : m[1]!));
    }
    values.set(name, value);
    values.delete(name);
    values.set(name, value);
  }
  return { ok: true, values, numbers, warnings };
}

/** Normalised string values for the model (sizes and numbers as decimal). */
export function modelOptions(p: Extract<ParsedOpts, { ok: true }>, descs: OptDesc[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of p.values) {
    const d = descs.find((x) => x.name === k);
    out[k] = d && (d.type === "size" || d.type === "num") ? String(p.numbers.get(k)) : d?.type === "bool" ? (BOOL_ON.includes(v) ? "on" : "off") : v;
  }
  return out;
}

/**
 * Warnings of the driver's second parse of the -o sizes: most create drivers turn the options back into
 * strings and parse them again (size first, then the others; the last value of a name), so a suffixed hex
 * number warns twice. vmdk and the file protocol read the parsed numbers; `skip` names values qemu-img set
 * itself (convert's size).
 */
export function reparseWarnings(format: string, p: Extract<ParsedOpts, { ok: true }>, descs: OptDesc[], skip: string[] = []): string[] {
  if (format === "vmdk" || format === "file") return [];
  const names = descs.filter((d) => d.type === "size" && !skip.includes(d.name)).map((d) => d.name);
  const ordered = [...names.filter((n) => n === "size"), ...names.filter((n) => n !== "size")];
  return ordered.flatMap((n) => {
    const v = p.values.get(n);
    const r = v === undefined ? undefined : optSize(n, v);
    return r?.warning ? [r.warning] : [];
  });
}

const escaped = (v: string) => v.replace(/,/g, ",,");

/** The option list part of "Formatting 'x', fmt=qcow2 ..." (qemu_opts_print). */
export function formatOptions(descs: OptDesc[], p: Extract<ParsedOpts, { ok: true }>): string {
  const parts: string[] = [];
  for (const d of descs) {
    const set = p.values.get(d.name);
    const value = set ?? d.def;
    if (value === undefined) continue;
    if (d.type === "str") parts.push(`${d.name}=${escaped(value)}`);
    else if ((d.type === "size" || d.type === "num") && set !== undefined) parts.push(`${d.name}=${p.numbers.get(d.name)}`);
    else parts.push(`${d.name}=${value}`);
  }
  return parts.join(" ");
}
