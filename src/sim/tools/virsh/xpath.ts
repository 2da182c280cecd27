// The XPath subset behind `virsh dumpxml --xpath`: location paths with /, //, *, @attr, text() and
// [@attr='v'] / [n] predicates, printed the way virsh prints them.
import { isEl, parseXml, dumpNode, type XmlEl } from "../../model/libvirt/xml";
import type { Virsh } from "./runtime";

type Item = { kind: "el"; el: XmlEl } | { kind: "text"; value: string } | { kind: "attr"; name: string; value: string };

interface Step {
  axis: "child" | "desc";
  test: string;
  preds: string[];
}

function parsePath(expr: string): Step[] | null {
  const steps: Step[] = [];
  let i = 0;
  const s = expr.trim();
  if (!s.startsWith("/")) return null;
  while (i < s.length) {
    let axis: Step["axis"] = "child";
    if (s.startsWith("//", i)) {
      axis = "desc";
      i += 2;
    } else if (s[i] === "/") i += 1;
    else return null;
    let j = i;
    while (j < s.length && s[j] !== "/" && s[j] !== "[") j++;
    const test = s.slice(i, j);
    if (!test) return null;
    const preds: string[] = [];
    while (s[j] === "[") {
      const e = s.indexOf("]", j);
      if (e < 0) return null;
      preds.push(s.slice(j + 1, e));
      j = e + 1;
    }
    steps.push({ axis, test, preds });
    i = j;
  }
  return steps;
}

function descendants(e: XmlEl): XmlEl[] {
  const outp: XmlEl[] = [];
  for (const c of e.children)
    if (isEl(c)) {
      outp.push(c);
      outp.push(...descendants(c));
    }
  return outp;
}

function applyPred(nodes: XmlEl[], pred: string): XmlEl[] | null {
  if (/^\d+$/.test(pred)) {
    const n = nodes[Number(pred) - 1];
    return n ? [n] : [];
  }
  const m = /^@([\w:-]+)\s*(?:=\s*(['"])(.*)\2)?$/.exec(pred.trim());
  if (m) return nodes.filter((n) => (m[3] === undefined ? n.attrs[m[1]!] !== undefined : n.attrs[m[1]!] === m[3]));
  const c = /^([\w:-]+)\s*=\s*(['"])(.*)\2$/.exec(pred.trim());
  if (c) return nodes.filter((n) => n.children.some((k) => isEl(k) && k.name === c[1] && k.children.join("") === c[3]));
  return null;
}

/** Evaluate `expr` against a document; null when the expression is not understood. */
export function evaluate(root: XmlEl, expr: string): Item[] | null {
  const steps = parsePath(expr);
  if (!steps) return null;
  const doc: XmlEl = { name: "#document", attrs: {}, children: [root] };
  let cur: XmlEl[] = [doc];
  for (let k = 0; k < steps.length; k++) {
    const st = steps[k]!;
    const last = k === steps.length - 1;
    if (st.test.startsWith("@")) {
      if (!last) return null;
      const name = st.test.slice(1);
      const pool = st.axis === "desc" ? cur.flatMap((c) => [c, ...descendants(c)]) : cur;
      return pool.filter((n) => name === "*" || n.attrs[name] !== undefined).flatMap((n) => (name === "*" ? Object.entries(n.attrs) : [[name, n.attrs[name]!] as [string, string]])).map(([an, value]) => ({ kind: "attr" as const, name: an, value }));
    }
    if (st.test === "text()") {
      if (!last) return null;
      return cur.flatMap((n) => n.children.filter((c): c is string => typeof c === "string")).map((value) => ({ kind: "text" as const, value }));
    }
    let next: XmlEl[] = [];
    for (const c of cur) {
      const pool = st.axis === "desc" ? descendants(c) : c.children.filter(isEl);
      let matched = pool.filter((n) => st.test === "*" || n.name === st.test);
      for (const p of st.preds) {
        const r = applyPred(matched, p);
        if (!r) return null;
        matched = r;
      }
      next.push(...matched);
    }
    next = [...new Set(next)];
    cur = next;
  }
  return cur.map((el) => ({ kind: "el" as const, el }));
}

/** virshDumpXML's --xpath output: each node on its own line, or wrapped in <nodes>. */
export function xpathDump(v: Virsh, xmlText: string, expr: string, wrap: boolean): boolean {
  const r = parseXml(xmlText);
  if ("error" in r) return false;
  const items = evaluate(r.root, expr);
  if (!items) {
    v.error(`Invalid xpath expression '${expr}'`);
    return false;
  }
  if (wrap) {
    let s = "<nodes>\n";
    for (const it of items) s += it.kind === "el" ? dumpNode(it.el, 2).replace(/^/, "") + "\n" : it.kind === "attr" ? `  ${it.name}="${it.value}"\n` : `  ${it.value}\n`;
    v.print(items.length ? s + "</nodes>\n" : "<nodes/>\n");
    return true;
  }
  v.print(items.map((it) => (it.kind === "el" ? dumpNode(it.el) : it.kind === "attr" ? ` ${it.name}="${it.value}"` : it.value) + "\n").join(""));
  return true;
}
