// XPath 1.0 behind `virsh dumpxml --xpath` (and the other *-dumpxml commands): location paths with every
// axis, predicates, unions, operators and the core function library, evaluated over libvirt's XML as
// libxml2 sees it after a parse without blank text nodes; results printed the way virsh prints them.
import { isEl, parseXml, dumpNode, type XmlEl } from "../../model/libvirt/xml";
import type { Virsh } from "./runtime";

// ---------------------------------------------------------------- document model

interface XNode {
  kind: "root" | "el" | "attr" | "text";
  name: string;
  value: string;
  el?: XmlEl;
  parent?: XNode;
  kids: XNode[];
  attrs: XNode[];
  order: number;
}

function buildDoc(root: XmlEl): XNode {
  let order = 0;
  const doc: XNode = { kind: "root", name: "", value: "", kids: [], attrs: [], order: order++ };
  const walk = (e: XmlEl, parent: XNode): XNode => {
    const n: XNode = { kind: "el", name: e.name, value: "", el: e, parent, kids: [], attrs: [], order: order++ };
    for (const [k, v] of Object.entries(e.attrs)) if (v !== undefined) n.attrs.push({ kind: "attr", name: k, value: v, parent: n, kids: [], attrs: [], order: order++ });
    for (const c of e.children) {
      if (isEl(c)) n.kids.push(walk(c, n));
      else if (c.trim() !== "") n.kids.push({ kind: "text", name: "", value: c, parent: n, kids: [], attrs: [], order: order++ });
    }
    return n;
  };
  doc.kids.push(walk(root, doc));
  return doc;
}

const stringValue = (n: XNode): string => (n.kind === "attr" || n.kind === "text" ? n.value : n.kids.map(stringValue).join(""));

// ---------------------------------------------------------------- syntax

type Tok = { t: "op" | "name" | "num" | "str" | "var"; v: string };

class XPathSyntaxError extends Error {}

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = s.slice(i, i + 2);
    if (["//", "::", "..", "!=", "<=", ">="].includes(two)) {
      out.push({ t: "op", v: two });
      i += 2;
      continue;
    }
    if ("/[]()@,|=<>+-*".includes(c)) {
      out.push({ t: "op", v: c });
      i++;
      continue;
    }
    if (c === "." && !/[0-9]/.test(s[i + 1] ?? "")) {
      out.push({ t: "op", v: "." });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const e = s.indexOf(c, i + 1);
      if (e < 0) throw new XPathSyntaxError();
      out.push({ t: "str", v: s.slice(i + 1, e) });
      i = e + 1;
      continue;
    }
    const num = /^(\d+(\.\d*)?|\.\d+)/.exec(s.slice(i));
    if (num) {
      out.push({ t: "num", v: num[0] });
      i += num[0].length;
      continue;
    }
    if (c === "$") {
      const m = /^\$([A-Za-z_][\w.-]*)/.exec(s.slice(i));
      if (!m) throw new XPathSyntaxError();
      out.push({ t: "var", v: m[1]! });
      i += m[0].length;
      continue;
    }
    const nm = /^[A-Za-z_][\w.-]*(:[A-Za-z_*][\w.-]*)?/.exec(s.slice(i));
    if (!nm) throw new XPathSyntaxError();
    out.push({ t: "name", v: nm[0] });
    i += nm[0].length;
  }
  return out;
}

type Ast =
  | { k: "path"; abs: boolean; base?: Ast; steps: StepAst[] }
  | { k: "bin"; op: string; l: Ast; r: Ast }
  | { k: "neg"; e: Ast }
  | { k: "num"; v: number }
  | { k: "str"; v: string }
  | { k: "var"; v: string }
  | { k: "fn"; name: string; args: Ast[] }
  | { k: "filter"; e: Ast; preds: Ast[] };

interface StepAst {
  axis: string;
  test: string;
  preds: Ast[];
}

const AXES = ["ancestor", "ancestor-or-self", "attribute", "child", "descendant", "descendant-or-self", "following", "following-sibling", "namespace", "parent", "preceding", "preceding-sibling", "self"];
const NODE_TYPES = ["node", "text", "comment", "processing-instruction"];

class Parser {
  i = 0;
  constructor(readonly toks: Tok[]) {}
  peek(o = 0) {
    return this.toks[this.i + o];
  }
  isOp(v: string, o = 0) {
    const t = this.peek(o);
    return !!t && t.t === "op" && t.v === v;
  }
  eat(v: string) {
    if (!this.isOp(v)) throw new XPathSyntaxError();
    this.i++;
  }
  /** An operator name ("and", "div") counts as one only after an operand. */
  isWordOp(w: string) {
    const t = this.peek();
    if (!t || t.t !== "name" || t.v !== w) return false;
    const prev = this.toks[this.i - 1];
    return !!prev && !(prev.t === "op" && !["]", ")", ".", ".."].includes(prev.v)) ;
  }
  parseExpr(): Ast {
    let l = this.parseAnd();
    while (this.isWordOp("or")) {
      this.i++;
      l = { k: "bin", op: "or", l, r: this.parseAnd() };
    }
    return l;
  }
  parseAnd(): Ast {
    let l = this.parseEq();
    while (this.isWordOp("and")) {
      this.i++;
      l = { k: "bin", op: "and", l, r: this.parseEq() };
    }
    return l;
  }
  parseEq(): Ast {
    let l = this.parseRel();
    while (this.isOp("=") || this.isOp("!=")) {
      const op = this.peek()!.v;
      this.i++;
      l = { k: "bin", op, l, r: this.parseRel() };
    }
    return l;
  }
  parseRel(): Ast {
    let l = this.parseAdd();
    while (["<", ">", "<=", ">="].some((o) => this.isOp(o))) {
      const op = this.peek()!.v;
      this.i++;
      l = { k: "bin", op, l, r: this.parseAdd() };
    }
    return l;
  }
  parseAdd(): Ast {
    let l = this.parseMul();
    while (this.isOp("+") || this.isOp("-")) {
      const op = this.peek()!.v;
      this.i++;
      l = { k: "bin", op, l, r: this.parseMul() };
    }
    return l;
  }
  parseMul(): Ast {
    let l = this.parseUnary();
    while (this.isOp("*") || this.isWordOp("div") || this.isWordOp("mod")) {
      const op = this.peek()!.v;
      this.i++;
      l = { k: "bin", op, l, r: this.parseUnary() };
    }
    return l;
  }
  parseUnary(): Ast {
    if (this.isOp("-")) {
      this.i++;
      return { k: "neg", e: this.parseUnary() };
    }
    let l = this.parsePathExpr();
    while (this.isOp("|")) {
      this.i++;
      l = { k: "bin", op: "|", l, r: this.parsePathExpr() };
    }
    return l;
  }
  parsePathExpr(): Ast {
    const t = this.peek();
    if (!t) throw new XPathSyntaxError();
    const isPrimary = t.t === "num" || t.t === "str" || t.t === "var" || (t.t === "op" && t.v === "(") || (t.t === "name" && this.isOp("(", 1) && !NODE_TYPES.includes(t.v));
    if (!isPrimary) return this.parseLocationPath();
    let e = this.parsePrimary();
    const preds: Ast[] = [];
    while (this.isOp("[")) preds.push(this.parsePred());
    if (preds.length) e = { k: "filter", e, preds };
    if (this.isOp("/") || this.isOp("//")) {
      const steps: StepAst[] = [];
      this.parseRelSteps(steps, true);
      return { k: "path", abs: false, base: e, steps };
    }
    return e;
  }
  parsePrimary(): Ast {
    const t = this.peek()!;
    this.i++;
    if (t.t === "num") return { k: "num", v: Number(t.v) };
    if (t.t === "str") return { k: "str", v: t.v };
    if (t.t === "var") return { k: "var", v: t.v };
    if (t.t === "op") {
      const e = this.parseExpr();
      this.eat(")");
      return e;
    }
    this.eat("(");
    const args: Ast[] = [];
    if (!this.isOp(")")) {
      args.push(this.parseExpr());
      while (this.isOp(",")) {
        this.i++;
        args.push(this.parseExpr());
      }
    }
    this.eat(")");
    return { k: "fn", name: t.v, args };
  }
  parsePred(): Ast {
    this.eat("[");
    const e = this.parseExpr();
    this.eat("]");
    return e;
  }
  parseLocationPath(): Ast {
    const steps: StepAst[] = [];
    if (this.isOp("/")) {
      this.i++;
      const t = this.peek();
      const startsStep = !!t && (t.t === "name" || (t.t === "op" && ["@", "*", ".", ".."].includes(t.v)));
      if (startsStep) this.parseRelSteps(steps, false);
      return { k: "path", abs: true, steps };
    }
    if (this.isOp("//")) {
      this.parseRelSteps(steps, true);
      return { k: "path", abs: true, steps };
    }
    this.parseRelSteps(steps, false);
    return { k: "path", abs: false, steps };
  }
  /** Steps separated by / and //; `lead` means a separator comes first. */
  parseRelSteps(steps: StepAst[], lead: boolean) {
    let first = !lead;
    for (;;) {
      if (!first) {
        if (this.isOp("//")) {
          this.i++;
          steps.push({ axis: "descendant-or-self", test: "node()", preds: [] });
        } else if (this.isOp("/")) this.i++;
        else return;
      }
      first = false;
      steps.push(this.parseStep());
    }
  }
  parseStep(): StepAst {
    if (this.isOp(".")) {
      this.i++;
      return { axis: "self", test: "node()", preds: [] };
    }
    if (this.isOp("..")) {
      this.i++;
      return { axis: "parent", test: "node()", preds: [] };
    }
    let axis = "child";
    if (this.isOp("@")) {
      this.i++;
      axis = "attribute";
    } else if (this.peek()?.t === "name" && this.isOp("::", 1)) {
      axis = this.peek()!.v;
      if (!AXES.includes(axis)) throw new XPathSyntaxError();
      this.i += 2;
    }
    const t = this.peek();
    if (!t) throw new XPathSyntaxError();
    let test: string;
    if (t.t === "op" && t.v === "*") {
      this.i++;
      test = "*";
    } else if (t.t === "name") {
      this.i++;
      if (NODE_TYPES.includes(t.v) && this.isOp("(")) {
        this.i++;
        if (this.peek()?.t === "str") this.i++;
        this.eat(")");
        test = `${t.v}()`;
      } else test = t.v;
    } else throw new XPathSyntaxError();
    const preds: Ast[] = [];
    while (this.isOp("[")) preds.push(this.parsePred());
    return { axis, test, preds };
  }
}

// ---------------------------------------------------------------- evaluation

type Val = XNode[] | number | string | boolean;

class XPathEvalError extends Error {}

const isNodes = (v: Val): v is XNode[] => Array.isArray(v);
const docOrder = (ns: XNode[]) => [...new Set(ns)].sort((a, b) => a.order - b.order);

function toStr(v: Val): string {
  if (isNodes(v)) return v.length ? stringValue(docOrder(v)[0]!) : "";
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : Number.isInteger(v) ? String(v) : String(v);
  return String(v);
}
function toNum(v: Val): number {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  const s = toStr(v).trim();
  return /^-?(\d+(\.\d*)?|\.\d+)$/.test(s) ? Number(s) : NaN;
}
function toBool(v: Val): boolean {
  if (isNodes(v)) return v.length > 0;
  if (typeof v === "number") return v !== 0 && !Number.isNaN(v);
  if (typeof v === "string") return v.length > 0;
  return v;
}

function axisNodes(n: XNode, axis: string): XNode[] {
  const desc = (x: XNode): XNode[] => x.kids.flatMap((k) => [k, ...desc(k)]);
  const anc = (x: XNode): XNode[] => (x.parent ? [x.parent, ...anc(x.parent)] : []);
  const siblings = () => (n.parent && n.kind !== "attr" ? n.parent.kids : []);
  switch (axis) {
    case "child":
      return n.kids;
    case "attribute":
      return n.attrs;
    case "descendant":
      return desc(n);
    case "descendant-or-self":
      return [n, ...desc(n)];
    case "self":
      return [n];
    case "parent":
      return n.parent ? [n.parent] : [];
    case "ancestor":
      return anc(n);
    case "ancestor-or-self":
      return [n, ...anc(n)];
    case "following-sibling":
      return siblings().filter((s) => s.order > n.order);
    case "preceding-sibling":
      return siblings().filter((s) => s.order < n.order).reverse();
    case "following": {
      const root = anc(n).pop() ?? n;
      const skip = new Set(desc(n));
      return desc(root).filter((x) => x.order > n.order && !skip.has(x));
    }
    case "preceding": {
      const root = anc(n).pop() ?? n;
      const ancs = new Set(anc(n));
      return desc(root).filter((x) => x.order < n.order && !ancs.has(x)).reverse();
    }
  }
  return [];
}

function matches(n: XNode, test: string, axis: string): boolean {
  if (test === "node()") return true;
  if (test === "text()") return n.kind === "text";
  if (test === "comment()" || test === "processing-instruction()") return false;
  const principal = axis === "attribute" ? "attr" : "el";
  if (n.kind !== principal) return false;
  if (test === "*") return true;
  return n.name === test;
}

interface Ctx {
  node: XNode;
  pos: number;
  size: number;
}

function evalAst(a: Ast, c: Ctx): Val {
  switch (a.k) {
    case "num":
      return a.v;
    case "str":
      return a.v;
    case "var":
      throw new XPathEvalError("Undefined variable");
    case "neg":
      return -toNum(evalAst(a.e, c));
    case "filter": {
      const v = evalAst(a.e, c);
      if (!isNodes(v)) throw new XPathEvalError("Invalid type");
      return applyPreds(docOrder(v), a.preds);
    }
    case "path": {
      let cur: XNode[];
      if (a.base) {
        const b = evalAst(a.base, c);
        if (!isNodes(b)) throw new XPathEvalError("Invalid type");
        cur = b;
      } else if (a.abs) {
        let r = c.node;
        while (r.parent) r = r.parent;
        cur = [r];
      } else cur = [c.node];
      for (const st of a.steps) {
        const next: XNode[] = [];
        for (const n of cur) {
          const cand = axisNodes(n, st.axis).filter((x) => matches(x, st.test, st.axis));
          next.push(...applyPreds(cand, st.preds));
        }
        cur = docOrder(next);
      }
      return cur;
    }
    case "bin":
      return evalBin(a.op, a.l, a.r, c);
    case "fn":
      return evalFn(a.name, a.args, c);
  }
}

function applyPreds(nodes: XNode[], preds: Ast[]): XNode[] {
  let cur = nodes;
  for (const p of preds) {
    cur = cur.filter((n, i) => {
      const v = evalAst(p, { node: n, pos: i + 1, size: cur.length });
      return typeof v === "number" ? v === i + 1 : toBool(v);
    });
  }
  return cur;
}

function compare(op: string, l: Val, r: Val): boolean {
  const cmp = (x: Val, y: Val): boolean => {
    if (op === "=" || op === "!=") {
      let eq: boolean;
      if (typeof x === "boolean" || typeof y === "boolean") eq = toBool(x) === toBool(y);
      else if (typeof x === "number" || typeof y === "number") eq = toNum(x) === toNum(y);
      else eq = toStr(x) === toStr(y);
      return op === "=" ? eq : !eq;
    }
    const a = toNum(x);
    const b = toNum(y);
    return op === "<" ? a < b : op === ">" ? a > b : op === "<=" ? a <= b : a >= b;
  };
  if (isNodes(l) && isNodes(r)) return l.some((x) => r.some((y) => cmp(stringValue(x), stringValue(y))));
  if (isNodes(l)) return typeof r === "boolean" ? cmp(toBool(l), r) : l.some((x) => cmp(typeof r === "number" ? toNum(stringValue(x)) : stringValue(x), r));
  if (isNodes(r)) return typeof l === "boolean" ? cmp(l, toBool(r)) : r.some((y) => cmp(l, typeof l === "number" ? toNum(stringValue(y)) : stringValue(y)));
  return cmp(l, r);
}

function evalBin(op: string, la: Ast, ra: Ast, c: Ctx): Val {
  if (op === "or") return toBool(evalAst(la, c)) || toBool(evalAst(ra, c));
  if (op === "and") return toBool(evalAst(la, c)) && toBool(evalAst(ra, c));
  const l = evalAst(la, c);
  const r = evalAst(ra, c);
  if (op === "|") {
    if (!isNodes(l) || !isNodes(r)) throw new XPathEvalError("Invalid type");
    return docOrder([...l, ...r]);
  }
  if (["=", "!=", "<", ">", "<=", ">="].includes(op)) return compare(op, l, r);
  const x = toNum(l);
  const y = toNum(r);
  return op === "+" ? x + y : op === "-" ? x - y : op === "*" ? x * y : op === "div" ? x / y : x % y;
}

function evalFn(name: string, args: Ast[], c: Ctx): Val {
  const v = (i: number) => evalAst(args[i]!, c);
  const s = (i: number) => (args[i] ? toStr(v(i)) : stringValue(c.node));
  const nodesArg = (i: number) => {
    const x = args[i] ? v(i) : [c.node];
    if (!isNodes(x)) throw new XPathEvalError("Invalid type");
    return x;
  };
  switch (name) {
    case "last":
      return c.size;
    case "position":
      return c.pos;
    case "count":
      return nodesArg(0).length;
    case "name":
    case "local-name": {
      const ns = docOrder(nodesArg(0));
      return ns[0] && (ns[0].kind === "el" || ns[0].kind === "attr") ? ns[0].name : "";
    }
    case "string":
      return s(0);
    case "concat":
      return args.map((_, i) => toStr(v(i))).join("");
    case "starts-with":
      return s(0).startsWith(s(1));
    case "ends-with":
      return s(0).endsWith(s(1));
    case "contains":
      return s(0).includes(s(1));
    case "substring-before": {
      const a = s(0);
      const i = a.indexOf(s(1));
      return i < 0 ? "" : a.slice(0, i);
    }
    case "substring-after": {
      const a = s(0);
      const b = s(1);
      const i = a.indexOf(b);
      return i < 0 ? "" : a.slice(i + b.length);
    }
    case "substring": {
      const a = s(0);
      const st = Math.round(toNum(v(1)));
      const len = args[2] ? Math.round(toNum(v(2))) : Infinity;
      return [...a].filter((_, i) => i + 1 >= st && i + 1 < st + len).join("");
    }
    case "string-length":
      return [...s(0)].length;
    case "normalize-space":
      return s(0).trim().replace(/\s+/g, " ");
    case "translate": {
      const a = s(0);
      const from = s(1);
      const to = s(2);
      return [...a].map((ch) => (from.includes(ch) ? (to[from.indexOf(ch)] ?? "") : ch)).join("");
    }
    case "not":
      return !toBool(v(0));
    case "true":
      return true;
    case "false":
      return false;
    case "boolean":
      return toBool(v(0));
    case "number":
      return args[0] ? toNum(v(0)) : toNum(stringValue(c.node));
    case "sum":
      return nodesArg(0).reduce((a, n) => a + toNum(stringValue(n)), 0);
    case "floor":
      return Math.floor(toNum(v(0)));
    case "ceiling":
      return Math.ceil(toNum(v(0)));
    case "round":
      return Math.round(toNum(v(0)));
  }
  throw new XPathEvalError(`xmlXPathCompOpEval: function ${name} not found\nXPath error : Unregistered function`);
}

/** Evaluate `expr` against a document: a node list, or how libxml2 / virsh reject it. */
export function evaluate(root: XmlEl, expr: string): { nodes: XNode[] } | { syntax: string } | { notNodes: true } {
  let ast: Ast;
  try {
    const p = new Parser(tokenize(expr));
    ast = p.parseExpr();
    if (p.i !== p.toks.length) throw new XPathSyntaxError();
  } catch {
    return { syntax: "XPath error : Invalid expression" };
  }
  const doc = buildDoc(root);
  try {
    const v = evalAst(ast, { node: doc, pos: 1, size: 1 });
    if (!isNodes(v)) return { notNodes: true };
    return { nodes: docOrder(v) };
  } catch (e) {
    if (e instanceof XPathEvalError) return { syntax: e.message.includes("XPath error") ? e.message : `XPath error : ${e.message}` };
    throw e;
  }
}

/** How xmlNodeDump writes one result node (attributes as ` name="value"`). */
function dumpResult(n: XNode): string {
  if (n.kind === "el") return dumpNode(n.el!);
  if (n.kind === "attr") return ` ${n.name}="${n.value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;")}"`;
  if (n.kind === "text") return n.value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return "";
}

/**
 * virshDumpXML's --xpath output: each node on its own line; with --wrap, copies of the nodes added under a
 * <nodes> element (attributes become its attributes, a later one replacing an earlier one of the same name).
 */
export function xpathDump(v: Virsh, xmlText: string, expr: string, wrap: boolean): boolean {
  const r = parseXml(xmlText);
  if ("error" in r) return false;
  const res = evaluate(r.root, expr);
  if ("syntax" in res) {
    v.out.push({ fd: 2, text: `${res.syntax}\n` });
    return true;
  }
  if ("notNodes" in res) {
    v.error(`internal error: Incorrect xpath '${expr}'`);
    return false;
  }
  const items = res.nodes;
  if (wrap) {
    const attrs = new Map<string, string>();
    const kidsOut: (XmlEl | string)[] = [];
    for (const n of items) {
      if (n.kind === "attr") {
        attrs.delete(n.name);
        attrs.set(n.name, n.value);
      } else if (n.kind === "el") kidsOut.push(n.el!);
      else if (n.kind === "text") {
        const last = kidsOut[kidsOut.length - 1];
        if (typeof last === "string") kidsOut[kidsOut.length - 1] = last + n.value;
        else kidsOut.push(n.value);
      } else kidsOut.push(...(n.kids.map((k) => k.el!).filter(Boolean) as XmlEl[]));
    }
    const nodes: XmlEl = { name: "nodes", attrs: Object.fromEntries(attrs), children: kidsOut };
    v.print(dumpNode(nodes) + "\n");
    return true;
  }
  v.print(items.map((n) => dumpResult(n) + "\n").join(""));
  return true;
}
