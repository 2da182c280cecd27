// libvirt's scaled integers (virScaleInteger) and virsh's pretty capacities.
import { lvErr, type LvError } from "./types";

/**
 * Scale `value` by a unit suffix as libvirt does: b/bytes, then k/m/g/t/p/e optionally followed by "iB"
 * (powers of 1024) or "B" (powers of 1000); a bare letter means 1024s. `scale` is the unit of a bare number.
 */
export function scaleInteger(value: bigint, suffix: string, scale: bigint, limit: bigint): bigint | LvError {
  let s = suffix;
  let mult: bigint;
  if (s === "") mult = scale;
  else {
    const lower = s.toLowerCase();
    if (lower === "b" || lower === "byte" || lower === "bytes") mult = 1n;
    else {
      let base = 1024n;
      if (s.length === 1) base = 1024n;
      else if (s.slice(1).toLowerCase() === "ib") base = 1024n;
      else if (s.length === 2 && s[1]!.toLowerCase() === "b") base = 1000n;
      else return lvErr("INVALID_ARG", `invalid argument: unknown suffix '${suffix}'`);
      const pow = "kmgtpe".indexOf(s[0]!.toLowerCase());
      if (pow < 0) return lvErr("INVALID_ARG", `invalid argument: unknown suffix '${suffix}'`);
      mult = base ** BigInt(pow + 1);
    }
  }
  if (value > limit / mult) return lvErr("OVERFLOW", `numerical overflow: value too large: ${value}${suffix}`);
  return value * mult;
}

/** Split "10G" into digits and suffix like strtoull would; null when no digits lead. */
export function splitScaled(text: string): { num: bigint; suffix: string } | null {
  const m = /^\s*(\+?)(\d+)(.*)$/.exec(text);
  if (!m) return null;
  return { num: BigInt(m[2]!), suffix: m[3]! };
}

export const ULLONG_MAX = 18446744073709551615n;

/** virsh's vshPrettyCapacity: value and unit, e.g. [20, "GiB"]. */
export function prettyCapacity(bytes: number): [number, string] {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let limit = 1024;
  for (let i = 0; i < units.length - 1; i++) {
    if (bytes < limit) return [i === 0 ? bytes : bytes / (limit / 1024), units[i]!];
    limit *= 1024;
  }
  return [bytes / (limit / 1024), "EiB"];
}

/** printf("%.Nf"): like toFixed, but an exact tie rounds to even as glibc does (3.125 → "3.12"). */
export function cFixed(x: number, digits: number): string {
  const s = x * 10 ** digits;
  if (Number.isFinite(s) && Math.abs(s) < 2 ** 52 && s - Math.trunc(s) === 0.5 * Math.sign(s) && (x * 10 ** digits * 2) % 1 === 0) {
    const down = Math.trunc(s);
    const even = down % 2 === 0 ? down : down + Math.sign(s);
    return (even / 10 ** digits).toFixed(digits);
  }
  return x.toFixed(digits);
}

/** A byte count as libvirt's unsigned long long holds it: a negative difference wraps around 2^64. */
export function u64(n: number): string {
  return n < 0 ? (2n ** 64n + BigInt(Math.round(n))).toString() : String(n);
}

/** "20.00 GiB" as virsh prints capacities (an underflowed unsigned figure shows as its wrapped value). */
export function prettyBytes(bytes: number): string {
  const [v, u] = prettyCapacity(bytes < 0 ? 2 ** 64 + bytes : bytes);
  return `${cFixed(v, 2)} ${u}`;
}
