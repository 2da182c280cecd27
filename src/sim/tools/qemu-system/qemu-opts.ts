// QEMU's "key=value,key=value" option strings (QemuOpts): splitting with ",," escapes, the implied first key,
// flag shorthands, and the error texts for unknown keys and bad values.

export type OptType = "string" | "bool" | "number" | "size";

/** One option list (like QEMU's QemuOptsList): its name for duplicate-id errors and its known keys. */
export interface OptsList {
  name: string;
  /** The key a bare first element stands for (e.g. "size" for -m, "type" for -netdev). */
  implied?: string;
  /** Known keys and their types; undefined accepts any key (checked later by the device/backend). */
  keys?: Record<string, OptType>;
  /** Whether an id= is allowed and stored (lists that merge, like -m or -boot, refuse it). */
  merge?: boolean;
}

export interface ParsedOpts {
  id?: string;
  /** Keys in order of appearance; a repeated key keeps its last value in `values`. */
  order: string[];
  values: Record<string, string>;
  /** Every name/value pair in order, repeats included (hostfwd=...,hostfwd=...). */
  pairs: [string, string][];
  /** True when a "help" or "?" flag appeared. */
  help: boolean;
}

export class OptsError extends Error {
  constructor(
    message: string,
    /** Extra lines printed after the message (QEMU's error hints). */
    readonly hint = "",
  ) {
    super(message);
  }
}

/** Read a value up to the next single comma; ",," stands for a literal comma. */
function readValue(s: string, i: number): [string, number] {
  let v = "";
  while (i < s.length) {
    if (s[i] === ",") {
      if (s[i + 1] === ",") {
        v += ",";
        i += 2;
        continue;
      }
      break;
    }
    v += s[i++];
  }
  return [v, i];
}

/** Split an option string into name/value pairs the way QEMU's get_opt_name_value does. */
export function splitOpts(s: string, implied?: string): { pairs: [string, string][]; help: boolean } {
  const pairs: [string, string][] = [];
  let help = false;
  let i = 0;
  let first = implied;
  while (i < s.length) {
    const rest = s.slice(i);
    const m = /^[^=,]*/.exec(rest)![0];
    let name: string;
    let value: string;
    if (rest[m.length] !== "=") {
      if (first !== undefined) {
        name = first;
        [value, i] = readValue(s, i);
      } else {
        name = m;
        i += m.length;
        if (name.startsWith("no")) {
          name = name.slice(2);
          value = "off";
        } else {
          value = "on";
          if (name === "help" || name === "?") help = true;
        }
      }
    } else {
      name = m;
      [value, i] = readValue(s, i + m.length + 1);
    }
    first = undefined;
    pairs.push([name, value]);
    if (s[i] === ",") i++;
  }
  return { pairs, help };
}

export const SIZE_HINT = "Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.\n";

/**
 * A size in bytes as qemu_strtosz reads it: a decimal number (a fraction is allowed with a suffix), then one
 * of B/K/M/G/T/P/E (any case). `defaultUnit` applies to a bare number (MiB for -m). Undefined when invalid.
 */
export function parseSize(s: string, defaultUnit = 1): number | undefined {
  const m = /^(\d+)(\.\d+)?([bBkKmMgGtTpPeE])?$/.exec(s);
  if (!m) return undefined;
  const mult: Record<string, number> = { b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50, e: 2 ** 60 };
  const unit = m[3] ? mult[m[3].toLowerCase()]! : defaultUnit;
  if (m[2] && !m[3] && defaultUnit === 1) return undefined;
  const v = Number(m[1] + (m[2] ?? "")) * unit;
  if (!Number.isFinite(v) || v >= 2 ** 64) return undefined;
  return Math.floor(v);
}

export function checkType(key: string, value: string, type: OptType): void {
  if (type === "bool" && value !== "on" && value !== "off" && value !== "yes" && value !== "no" && value !== "true" && value !== "false") {
    throw new OptsError(`Parameter '${key}' expects 'on' or 'off'`);
  }
  if (type === "number" && !/^(0x[0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.test(value)) throw new OptsError(`Parameter '${key}' expects a number`);
  if (type === "size" && parseSize(value) === undefined) throw new OptsError(`Parameter '${key}' expects a non-negative number below 2^64`, SIZE_HINT);
}

const ID_RE = /^[A-Za-z][A-Za-z0-9._-]*$/;

/**
 * Parse `s` for `list` (qemu_opts_parse_noisily): id extraction, duplicate ids against `existing`, unknown keys
 * and typed values. Throws OptsError with QEMU's wording.
 */
export function parseOpts(s: string, list: OptsList, existing: ParsedOpts[] = []): ParsedOpts {
  // only lists with known keys answer "help" (QEMU passes no help flag for lists that accept anything)
  const split = splitOpts(s, list.implied);
  const pairs = split.pairs;
  const help = split.help && list.keys !== undefined;
  const idPair = splitOpts(s).pairs.find(([k]) => k === "id");
  const id = idPair?.[1];
  if (id !== undefined) {
    if (list.merge) throw new OptsError("Invalid parameter 'id'");
    if (!ID_RE.test(id)) throw new OptsError("Parameter 'id' expects an identifier", "Identifiers consist of letters, digits, '-', '.', '_', starting with a letter.\n");
    if (existing.some((o) => o.id === id)) throw new OptsError(`Duplicate ID '${id}' for ${list.name}`);
  }
  const out: ParsedOpts = { id, order: [], values: {}, pairs: pairs.filter(([k]) => k !== "id"), help };
  if (help) return out;
  for (const [k, v] of pairs) {
    if (k === "id") continue;
    if (list.keys) {
      const t = list.keys[k];
      if (!t) throw new OptsError(`Invalid parameter '${k}'`);
      checkType(k, v, t);
    }
    if (!(k in out.values)) out.order.push(k);
    out.values[k] = v;
  }
  return out;
}
