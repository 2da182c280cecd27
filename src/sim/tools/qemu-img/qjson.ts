// QEMU's pretty JSON (qobject_to_json_pretty): 4-space indents, and dictionary keys in QDict's hash-bucket
// order, which is why "virtual-size" comes before "filename" in qemu-img's JSON output.

export type QValue = number | bigint | string | boolean | QValue[] | QDict;

/** A dictionary whose entries keep insertion order; the printer applies QDict's iteration order. */
export class QDict {
  readonly entries: [string, QValue][] = [];
  set(key: string, value: QValue | undefined): this {
    if (value === undefined) return this;
    const i = this.entries.findIndex(([k]) => k === key);
    if (i >= 0) this.entries.splice(i, 1);
    this.entries.push([key, value]);
    return this;
  }
}

export const qdict = (pairs: [string, QValue | undefined][]) => {
  const d = new QDict();
  for (const [k, v] of pairs) d.set(k, v);
  return d;
};

const QDICT_BUCKET_MAX = 512;

/** tdb_hash() as QDict uses it, reduced to a bucket index. */
export function qdictBucket(key: string): number {
  const bytes = Buffer.from(key, "utf8");
  let value = Math.imul(0x238f13af, bytes.length) >>> 0;
  for (let i = 0; i < bytes.length; i++) value = (value + ((bytes[i]! << ((i * 5) % 24)) >>> 0)) >>> 0;
  const h = (Math.imul(1103515243, value) + 12345) >>> 0;
  return h % QDICT_BUCKET_MAX;
}

const bucketCache = new Map<string, number>();
const bucketOf = (k: string) => {
  let b = bucketCache.get(k);
  if (b === undefined) bucketCache.set(k, (b = qdictBucket(k)));
  return b;
};

/** Keys in the order QDict iterates them: by bucket, newest first within a bucket. */
export function qdictOrder(d: QDict): [string, QValue][] {
  return d.entries
    .map((e, i) => ({ e, i, b: bucketOf(e[0]) }))
    .sort((x, y) => x.b - y.b || y.i - x.i)
    .map((x) => x.e);
}

function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += "\\u" + c.toString(16).padStart(4, "0");
    else if (c > 0xffff) {
      const v = c - 0x10000;
      out += "\\u" + (0xd800 + (v >> 10)).toString(16).padStart(4, "0") + "\\u" + (0xdc00 + (v & 0x3ff)).toString(16).padStart(4, "0");
    } else if (c > 0x7e) out += "\\u" + c.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

export function toJsonPretty(v: QValue, level = 0): string {
  const ind = (n: number) => " ".repeat(4 * n);
  if (typeof v === "string") return quote(v);
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (Array.isArray(v)) {
    if (v.length === 0) return `[\n${ind(level)}]`;
    return `[\n${v.map((x) => ind(level + 1) + toJsonPretty(x, level + 1)).join(",\n")}\n${ind(level)}]`;
  }
  const items = qdictOrder(v);
  if (items.length === 0) return `{\n${ind(level)}}`;
  return `{\n${items.map(([k, x]) => `${ind(level + 1)}${quote(k)}: ${toJsonPretty(x, level + 1)}`).join(",\n")}\n${ind(level)}}`;
}
