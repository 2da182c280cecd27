// virsh's output helpers: vshTable layout, pretty capacities, CPU maps.

function safeEncode(s: string): [string, number] {
  let o = "";
  let w = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const code = c.charCodeAt(0);
    if ((c === "\\" && s[i + 1] === "x") || code < 0x20 || code === 0x7f) {
      o += "\\x" + code.toString(16).padStart(2, "0");
      w += 4;
    } else {
      o += c;
      w += 1;
    }
  }
  return [o, w];
}

/** vshTablePrintToStdout: cells padded to the widest of the column, dashes under the header. */
export function table(header: string[], rows: string[][], withHeader = true): string {
  const enc = [header, ...rows].map((r) => r.map(safeEncode));
  const n = header.length;
  const max = new Array<number>(n).fill(0);
  for (let i = withHeader ? 0 : 1; i < enc.length; i++) enc[i]!.forEach(([, w], j) => (max[j] = Math.max(max[j]!, w)));
  const line = (r: [string, number][]) => {
    let s = "";
    r.forEach(([t, w], j) => {
      s += " " + t;
      if (j < r.length - 1) s += " ".repeat(max[j]! - w + 2);
    });
    return s + "\n";
  };
  let o = "";
  if (withHeader) {
    o += line(enc[0]!);
    o += max.map((m) => "-".repeat(m + 3)).join("") + "\n";
  }
  for (let i = 1; i < enc.length; i++) o += line(enc[i]!);
  return o;
}

/** "%-15s %s\n" style key/value line used by dominfo, pool-info, net-info ... */
export const kv = (key: string, value: string | number) => `${key.padEnd(15)} ${value}\n`;

/** A CPU list ("0-3,6") as the y/- map virsh prints for `maxcpu` CPUs. */
export function cpuMapString(cpus: Set<number>, maxcpu: number): string {
  let s = "";
  for (let i = 0; i < maxcpu; i++) s += cpus.has(i) ? "y" : "-";
  return s;
}

/** virBitmapParse: "0-3,^2,6" into a set (at most 1024 bits); null when malformed. */
export function parseCpuList(s: string): Set<number> | null {
  const set = new Set<number>();
  let i = 0;
  const num = (): number | null => {
    const m = /^[ \t]*[+]?(\d+)/.exec(s.slice(i));
    if (!m) return null;
    i += m[0].length;
    const n = Number(m[1]);
    return n < 1024 ? n : null;
  };
  const skip = () => {
    while (s[i] === " " || s[i] === "\t") i++;
  };
  if (s === "") return null;
  while (i < s.length) {
    let neg = false;
    if (s[i] === "^") {
      neg = true;
      i++;
    }
    if (!/[0-9]/.test(s[i] ?? "")) return null;
    const start = num();
    if (start === null) return null;
    skip();
    if (s[i] === "," || i >= s.length) {
      if (neg) set.delete(start);
      else set.add(start);
    } else if (s[i] === "-") {
      if (neg) return null;
      i++;
      skip();
      const last = num();
      if (last === null || last < start) return null;
      for (let k = start; k <= last; k++) set.add(k);
      skip();
    }
    if (s[i] === ",") {
      i++;
      skip();
    } else if (i >= s.length) break;
    else return null;
  }
  return set;
}

/** virBitmapFormat: a set as "0-3,6". */
export function formatCpuList(cpus: Set<number>): string {
  const sorted = [...cpus].sort((a, b) => a - b);
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/** vshStrcasecmp-based sort used for names in virsh lists. */
export const caseSort = (a: string, b: string) => {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * vshTreePrint from every root (an item without a parent): "+- " before children, a "|" line above a family,
 * "|" continuing down a list of siblings, and a blank-padded line after the last leaf of a list.
 */
export function treePrint(names: string[], parentOf: (name: string) => string | undefined): string {
  let out = "";
  const walk = (i: number, last: number, root: boolean, indent: string) => {
    const name = names[i]!;
    out += `${indent}${root ? "" : "+- "}${name}\n`;
    let ind = indent;
    if (!root) ind += (i === last ? " " : "|") + " ";
    let nextLast = -1;
    names.forEach((n, j) => {
      if (parentOf(n) === name) nextLast = j;
    });
    if (nextLast !== -1) out += `${ind}  |\n`;
    names.forEach((n, j) => {
      if (parentOf(n) === name) walk(j, nextLast, false, ind + "  ");
    });
    if (nextLast === -1 && i === last) out += `${ind}\n`;
  };
  names.forEach((n, i) => {
    if (parentOf(n) === undefined) walk(i, i, true, "");
  });
  return out;
}
