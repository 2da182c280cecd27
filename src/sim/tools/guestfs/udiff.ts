// The hunks GNU `diff -u` prints for two texts (3 lines of context, "\ No newline at end of file"), without
// its two header lines: what virt-diff shows between a changed file's line and "@@ End of diff @@".

type Op = { kind: " " | "-" | "+"; line: string; a: number; b: number };

function lines(text: string): { lines: string[]; lastNl: boolean } {
  if (text === "") return { lines: [], lastNl: true };
  const ls = text.split("\n");
  const lastNl = ls[ls.length - 1] === "";
  if (lastNl) ls.pop();
  return { lines: ls, lastNl };
}

/** Edit script by longest common subsequence (files here are small; big ones fall back to replace-all). */
function script(a: string[], b: string[]): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  const ops: Op[] = [];
  for (let i = 0; i < pre; i++) ops.push({ kind: " ", line: a[i]!, a: i, b: i });
  if (am.length * bm.length > 4_000_000) {
    am.forEach((l, i) => ops.push({ kind: "-", line: l, a: pre + i, b: pre }));
    bm.forEach((l, j) => ops.push({ kind: "+", line: l, a: pre + am.length, b: pre + j }));
  } else {
    const n = am.length;
    const m = bm.length;
    const L: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) L[i]![j] = am[i] === bm[j] ? L[i + 1]![j + 1]! + 1 : Math.max(L[i + 1]![j]!, L[i]![j + 1]!);
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && am[i] === bm[j]) {
        ops.push({ kind: " ", line: am[i]!, a: pre + i, b: pre + j });
        i++;
        j++;
      } else if (i < n && (j >= m || L[i + 1]![j]! >= L[i]![j + 1]!)) ops.push({ kind: "-", line: am[i]!, a: pre + i++, b: pre + j });
      else ops.push({ kind: "+", line: bm[j]!, a: pre + i, b: pre + j++ });
    }
  }
  for (let k = 0; k < suf; k++) ops.push({ kind: " ", line: a[a.length - suf + k]!, a: a.length - suf + k, b: b.length - suf + k });
  return normalise(ops);
}

/** Within each run of changes put the deletions first, as diff prints them. */
function normalise(ops: Op[]): Op[] {
  const out: Op[] = [];
  let i = 0;
  while (i < ops.length) {
    if (ops[i]!.kind === " ") {
      out.push(ops[i++]!);
      continue;
    }
    const run: Op[] = [];
    while (i < ops.length && ops[i]!.kind !== " ") run.push(ops[i++]!);
    out.push(...run.filter((o) => o.kind === "-"), ...run.filter((o) => o.kind === "+"));
  }
  return out;
}

const range = (start: number, count: number) => (count === 1 ? `${start + 1}` : count === 0 ? `${start},0` : `${start + 1},${count}`);

/** diff -u a b | tail -n +3: the hunks, or "" when the texts are equal. */
export function unifiedHunks(textA: string, textB: string, context = 3): string {
  if (textA === textB) return "";
  const A = lines(textA);
  const B = lines(textB);
  // a last line without its newline differs from the same line with one
  const a = A.lines.map((l, i) => (i === A.lines.length - 1 && !A.lastNl ? l + "\u0000nonl" : l));
  const b = B.lines.map((l, i) => (i === B.lines.length - 1 && !B.lastNl ? l + "\u0000nonl" : l));
  const ops = script(a, b);
  const changes = ops.map((o, i) => (o.kind === " " ? -1 : i)).filter((i) => i >= 0);
  if (!changes.length) return "";
  // group changes whose context overlaps
  const hunks: [number, number][] = [];
  for (const c of changes) {
    const last = hunks[hunks.length - 1];
    if (last && c - last[1] <= 2 * context + 1) last[1] = c;
    else hunks.push([c, c]);
  }
  let out = "";
  for (const [first, lastChange] of hunks) {
    const from = Math.max(0, first - context);
    const to = Math.min(ops.length - 1, lastChange + context);
    const part = ops.slice(from, to + 1);
    const aCount = part.filter((o) => o.kind !== "+").length;
    const bCount = part.filter((o) => o.kind !== "-").length;
    const aStart = part.find((o) => o.kind !== "+")?.a ?? part[0]!.a;
    const bStart = part.find((o) => o.kind !== "-")?.b ?? part[0]!.b;
    out += `@@ -${range(aStart, aCount)} +${range(bStart, bCount)} @@\n`;
    for (const o of part) {
      const nonl = o.line.endsWith("\u0000nonl");
      out += `${o.kind}${nonl ? o.line.slice(0, -5) : o.line}\n${nonl ? "\\ No newline at end of file\n" : ""}`;
    }
  }
  return out;
}
