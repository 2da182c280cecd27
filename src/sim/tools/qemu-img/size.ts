// QEMU's size arithmetic: qemu_strtosz() (k/M/G/T/P/E suffixes, fractions, hex), qemu-img's cvtnum()
// messages, QemuOpts size parameters, and size_to_str() ("1.5 GiB") as qemu-img info prints sizes.

const U64 = (1n << 64n) - 1n;
export const INT64_MAX = (1n << 63n) - 1n;

export type StrtoszResult = { ok: true; value: bigint; /** a hex number carried a suffix (qemu warns) */ hexSuffix: boolean } | { ok: false; code: "EINVAL" | "ERANGE"; /** qemu warned about a hex suffix before it failed */ hexSuffix?: boolean };

function suffixMul(c: string | undefined, unit: bigint): bigint {
  switch ((c ?? "").toUpperCase()) {
    case "B":
      return 1n;
    case "K":
      return unit;
    case "M":
      return unit ** 2n;
    case "G":
      return unit ** 3n;
    case "T":
      return unit ** 4n;
    case "P":
      return unit ** 5n;
    case "E":
      return unit ** 6n;
    default:
      return 0n;
  }
}

/** strtoull's view of the leading integer: [value or "ERANGE", index after it] or null when no digits. */
function strtou64(s: string, base: 10 | 16): { v: bigint | "ERANGE"; end: number; neg: boolean } | null {
  let i = 0;
  while (i < s.length && " \t\n\v\f\r".includes(s[i]!)) i++;
  let neg = false;
  if (s[i] === "+" || s[i] === "-") {
    neg = s[i] === "-";
    i++;
  }
  if (base === 16 && s[i] === "0" && (s[i + 1] === "x" || s[i + 1] === "X") && /[0-9a-fA-F]/.test(s[i + 2] ?? "")) i += 2;
  const re = base === 10 ? /[0-9]/ : /[0-9a-fA-F]/;
  const start = i;
  while (i < s.length && re.test(s[i]!)) i++;
  if (i === start) return null;
  const v = BigInt((base === 16 ? "0x" : "") + s.slice(start, i));
  return { v: v > U64 ? "ERANGE" : v, end: i, neg };
}

/** qemu_strtosz(): a byte count with an optional binary suffix; the whole string must be used. */
export function strtosz(s: string, unit = 1024n): StrtoszResult {
  const int = strtou64(s, 10);
  if (!int) return { ok: false, code: "EINVAL" };
  if (int.v === "ERANGE") return { ok: false, code: "ERANGE" };
  if (int.neg) return { ok: false, code: "EINVAL" };
  let val = int.v;
  let end = int.end;
  let hex = false;
  let valf = 0n;
  if (val === 0n && (s[end] === "x" || s[end] === "X")) {
    const h = strtou64(s, 16);
    if (!h) return { ok: false, code: "EINVAL" };
    if (h.v === "ERANGE") return { ok: false, code: "ERANGE" };
    val = h.v;
    end = h.end;
    if (s[end] === ".") return { ok: false, code: "EINVAL" };
    hex = true;
  } else if (s[end] === ".") {
    const m = /^\.\d+(?:[eE][+-]?\d+)?|^\.(?=[eE][+-]?\d)/.exec(s.slice(end));
    const frac = m && m[0] !== "." ? m[0] : null;
    if (!frac) end++;
    else {
      if (/[eE]/.test(frac)) return { ok: false, code: "EINVAL" };
      valf = BigInt(Math.floor(Number("0" + frac) * 2 ** 64));
      if (valf > U64) valf = U64;
      end += frac.length;
    }
  }
  let mul = suffixMul(s[end], unit);
  let hexSuffix = false;
  if (mul > 0n) {
    hexSuffix = hex;
    end++;
  } else mul = 1n;
  // qemu warns about a suffixed hex number as soon as it sees the suffix, before it rejects what follows
  const bad = (code: "EINVAL" | "ERANGE"): StrtoszResult => ({ ok: false, code, ...(hexSuffix ? { hexSuffix } : {}) });
  if (end !== s.length) return bad("EINVAL");
  if (mul === 1n) {
    if (valf !== 0n) return { ok: false, code: "EINVAL" };
    return { ok: true, value: val, hexSuffix };
  }
  const fracPart = valf * mul;
  let total = val * mul + (fracPart >> 64n);
  total += (fracPart & U64) >> 63n;
  if (total > U64) return bad("ERANGE");
  return { ok: true, value: total, hexSuffix };
}

export type Cvtnum = { ok: true; value: bigint; warning?: string } | { ok: false; lines: string[] };

const hexWarning = (s: string) => `warning: Using a multiplier suffix on hex numbers is deprecated: ${s}`;

/** qemu-img's cvtnum_full(): what `create`, `measure --size`, `map --start-offset` ... print for bad sizes. */
export function cvtnum(what: string, s: string, min = 0n, max = INT64_MAX): Cvtnum {
  const r = strtosz(s);
  const warned = r.hexSuffix ? [hexWarning(s)] : [];
  if (!r.ok && r.code === "EINVAL") {
    return { ok: false, lines: [...warned, `Invalid ${what} specified. You may use k, M, G, T, P or E suffixes for`, "kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes."] };
  }
  if (!r.ok || r.value > max || r.value < min) return { ok: false, lines: [...warned, `Invalid ${what} specified. Must be between ${min} and ${max}.`] };
  return { ok: true, value: r.value, ...(r.hexSuffix ? { warning: hexWarning(s) } : {}) };
}

/** A QemuOpts size parameter (-o size=..., resize's size): error text as QEMU's option parser words it. */
export function optSize(name: string, s: string): { ok: true; value: bigint; warning?: string } | { ok: false; message: string; warning?: string } {
  const r = strtosz(s);
  const warned = r.hexSuffix ? { warning: hexWarning(s) } : {};
  if (!r.ok && r.code === "ERANGE") return { ok: false, message: `Value '${s}' is out of range for parameter '${name}'`, ...warned };
  if (!r.ok)
    return {
      ...warned,
      ok: false,
      message: `Parameter '${name}' expects a non-negative number below 2^64\nOptional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.`,
    };
  return { ok: true, value: r.value, ...warned };
}

/** C's printf("%0.3g", v) for the positive values size_to_str() prints. */
export function g3(value: number): string {
  let v = value;
  if (v === 0) return "0";
  const exp = Math.floor(Math.log10(Math.abs(v)));
  // printf rounds exact ties to even (192.5 -> "192"); toPrecision rounds them up
  const scaled = v * 10 ** (2 - exp);
  if (scaled - Math.floor(scaled) === 0.5 && Math.floor(scaled) % 2 === 0) v = Math.floor(scaled) / 10 ** (2 - exp);
  let s = v.toPrecision(3);
  if (/e/.test(s) || exp < -4 || exp >= 3) {
    const [m, e] = v.toExponential(2).split("e") as [string, string];
    const mant = m.includes(".") ? m.replace(/0+$/, "").replace(/\.$/, "") : m;
    const n = Number(e);
    return `${mant}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
  }
  if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
  return s;
}

const SUFFIXES = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

/** size_to_str(): "196 KiB", "1.5 GiB", "0 B". */
export function sizeToStr(bytes: number): string {
  let i = 0;
  if (bytes > 0) {
    // frexp(val / (1000/1024)) exponent, minus one, divided by ten
    const e = Math.floor(Math.log2(bytes / (1000 / 1024))) + 1;
    i = Math.max(0, Math.floor((e - 1) / 10));
    if (i > 6) i = 6;
  }
  return `${g3(bytes / 2 ** (i * 10))} ${SUFFIXES[i]}B`;
}

/** C's printf("%.Nf"): ties that are exact in binary round to even (3.125 -> "3.12"). */
export function fixed(v: number, digits: number): string {
  const scaled = v * 10 ** digits;
  const fl = Math.floor(scaled);
  if (scaled - fl === 0.5) return ((fl % 2 === 0 ? fl : fl + 1) / 10 ** digits).toFixed(digits);
  return v.toFixed(digits);
}
