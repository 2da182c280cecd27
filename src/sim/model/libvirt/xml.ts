// XML documents as plain element trees: parsing (fast-xml-parser), libxml2-worded parse errors, and
// libvirt's own formatting (two-space indent, single-quoted attributes).
import { XMLParser, XMLValidator } from "fast-xml-parser";

export interface XmlEl {
  name: string;
  /** Attributes in document order. */
  attrs: Record<string, string>;
  children: XmlNode[];
  /** Formatted as an open/close pair even when empty (libvirt writes `<devices>` and pool `<source>` so). */
  block?: boolean;
  /** Kept as written (custom <metadata> content): dumped the way libxml2 dumps a node, whitespace included. */
  raw?: boolean;
  /** Driver state that libvirt keeps beside the element and never formats (an IOThread's autofill flag). */
  note?: string;
}
export type XmlNode = XmlEl | string;

export const isEl = (n: XmlNode | undefined): n is XmlEl => typeof n === "object" && n !== null;

/** A well-formedness error worded and positioned as libxml2 reports it. */
export interface XmlSyntaxError {
  line: number;
  message: string;
  /** The offending line and the caret line under it, as libvirt's catchXMLError builds them. */
  context: string;
  pointer: string;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: "#comment",
  cdataPropName: "#cdata",
});

type FxpNode = Record<string, unknown> & { ":@"?: Record<string, string> };

function convert(nodes: FxpNode[]): XmlNode[] {
  const outNodes: XmlNode[] = [];
  for (const n of nodes) {
    const key = Object.keys(n).find((k) => k !== ":@")!;
    if (key === "#text") outNodes.push(String(n[key]));
    else if (key === "#comment") continue;
    else if (key === "#cdata") {
      const inner = n[key] as FxpNode[];
      outNodes.push(inner.map((x) => String(x["#text"] ?? "")).join(""));
    } else outNodes.push({ name: key, attrs: { ...(n[":@"] ?? {}) }, children: convert(n[key] as FxpNode[]) });
  }
  return outNodes;
}

/** Parse a document; returns its root element or the error libxml2 would report. */
export function parseXml(text: string): { root: XmlEl } | { error: XmlSyntaxError } {
  const scanned = scanXml(text);
  if (scanned) return { error: scanned };
  const v = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (v !== true) return { error: at(text, text.length, "Premature end of data") };
  let tree: FxpNode[];
  try {
    tree = parser.parse(text) as FxpNode[];
  } catch {
    return { error: at(text, 0, "Start tag expected, '<' not found") };
  }
  const root = convert(tree).find(isEl);
  if (!root) return { error: at(text, 0, "Start tag expected, '<' not found") };
  return { root };
}

/** Line number and context/caret lines for an error at `offset`, the way libvirt's catchXMLError prints them. */
function at(text: string, offset: number, message: string, line?: number): XmlSyntaxError {
  const ln = line ?? text.slice(0, offset).split("\n").length;
  let cur = Math.min(offset, text.length);
  while (cur > 0 && (text[cur] === "\n" || text[cur] === "\r")) cur--;
  while (cur > 0 && text[cur] !== "\n" && text[cur] !== "\r" && cur < text.length + 1) cur--;
  if (text[cur] === "\n" || text[cur] === "\r") cur++;
  const col = offset - cur;
  let end = cur;
  while (end < text.length && text[end] !== "\n" && text[end] !== "\r") end++;
  const ctx = text.slice(cur, end);
  let ptr = "";
  for (let i = 0; i < col && i < ctx.length; i++) ptr += ctx[i] === "\t" ? "\t" : "-";
  return { line: ln, message, context: ctx === "" ? "(null)" : ctx, pointer: ptr + "^" };
}

const NAME_START = /[A-Za-z_:\u00C0-\uFFFF]/;
const NAME_CHAR = /[A-Za-z0-9_:.\-\u00B7\u00C0-\uFFFF]/;

/**
 * A small well-formedness scanner that finds the first error libxml2 would stop at and words it the
 * same way. Returns null for a well-formed document.
 */
export function scanXml(s: string): XmlSyntaxError | null {
  let i = 0;
  const n = s.length;
  const stack: { name: string; line: number }[] = [];
  let seenRoot = false;
  const lineAt = (p: number) => {
    let l = 1;
    for (let k = 0; k < p && k < n; k++) if (s[k] === "\n") l++;
    return l;
  };
  const ws = (c: string | undefined) => c === " " || c === "\t" || c === "\n" || c === "\r";
  const readName = (): string => {
    const st = i;
    if (i < n && NAME_START.test(s[i]!)) {
      i++;
      while (i < n && NAME_CHAR.test(s[i]!)) i++;
    }
    return s.slice(st, i);
  };
  const entity = (): XmlSyntaxError | null => {
    // at '&'
    i++;
    if (s[i] === "#") {
      i++;
      const hex = s[i] === "x";
      if (hex) i++;
      const st = i;
      while (i < n && (hex ? /[0-9a-fA-F]/ : /[0-9]/).test(s[i]!)) i++;
      if (i === st || s[i] !== ";") return at(s, i, hex ? "xmlParseCharRef: invalid hexadecimal value" : "xmlParseCharRef: invalid decimal value");
      i++;
      return null;
    }
    const name = readName();
    if (!name) return at(s, i, "xmlParseEntityRef: no name");
    if (s[i] !== ";") return at(s, i, "EntityRef: expecting ';'");
    i++;
    if (!["lt", "gt", "amp", "apos", "quot"].includes(name)) return at(s, i, `Entity '${name}' not defined`);
    return null;
  };
  // prolog
  if (s.startsWith("\uFEFF")) i = 1;
  if (s.startsWith("<?xml", i)) {
    const e = s.indexOf("?>", i);
    if (e < 0) return at(s, n, "parsing XML declaration: '?>' expected");
    i = e + 2;
  }
  for (;;) {
    // misc before root / after root
    while (i < n && ws(s[i])) i++;
    if (i >= n) break;
    if (s.startsWith("<!--", i)) {
      const e = s.indexOf("-->", i + 4);
      if (e < 0) return at(s, n, "Comment not terminated");
      i = e + 3;
      continue;
    }
    if (s.startsWith("<?", i)) {
      const e = s.indexOf("?>", i);
      if (e < 0) return at(s, n, "ParsePI: PI xml never end ...");
      i = e + 2;
      continue;
    }
    if (s.startsWith("<!DOCTYPE", i)) {
      const e = s.indexOf(">", i);
      if (e < 0) return at(s, n, "DOCTYPE improperly terminated");
      i = e + 1;
      continue;
    }
    if (seenRoot) return at(s, i, "Extra content at the end of the document");
    if (s[i] !== "<") return at(s, i, "Start tag expected, '<' not found");
    seenRoot = true;
    // element content loop
    do {
      if (i >= n) {
        const top = stack[stack.length - 1]!;
        return at(s, n, `Premature end of data in tag ${top.name} line ${top.line}`);
      }
      const c = s[i]!;
      if (c === "<") {
        if (s.startsWith("<!--", i)) {
          const e = s.indexOf("-->", i + 4);
          if (e < 0) return at(s, n, "Comment not terminated");
          i = e + 3;
          continue;
        }
        if (s.startsWith("<![CDATA[", i)) {
          const e = s.indexOf("]]>", i);
          if (e < 0) return at(s, n, "CData section not finished");
          i = e + 3;
          continue;
        }
        if (s.startsWith("<?", i)) {
          const e = s.indexOf("?>", i);
          if (e < 0) return at(s, n, "ParsePI: PI never end ...");
          i = e + 2;
          continue;
        }
        if (s[i + 1] === "/") {
          i += 2;
          const name = readName();
          const top = stack[stack.length - 1]!;
          if (name !== top.name) {
            let j = i;
            while (j < n && ws(s[j])) j++;
            if (s[j] === ">") j++;
            return at(s, j, `Opening and ending tag mismatch: ${top.name} line ${top.line} and ${name}`);
          }
          while (i < n && ws(s[i])) i++;
          if (s[i] !== ">") return at(s, i, `expected '>'`);
          i++;
          stack.pop();
          continue;
        }
        const tagStart = i;
        i++;
        const name = readName();
        if (!name) return at(s, i, "StartTag: invalid element name");
        const line = lineAt(tagStart);
        const seen = new Set<string>();
        for (;;) {
          const hadWs = ws(s[i]);
          while (i < n && ws(s[i])) i++;
          if (i >= n) return at(s, n, seen.size ? "attributes construct error" : `Couldn't find end of Start Tag ${name} line ${line}`);
          if (s[i] === "/" && s[i + 1] === ">") {
            i += 2;
            break;
          }
          if (s[i] === ">") {
            i++;
            stack.push({ name, line });
            break;
          }
          if (!hadWs) return at(s, i, "attributes construct error");
          const an = readName();
          if (!an) return at(s, i, "attributes construct error");
          while (i < n && ws(s[i])) i++;
          if (s[i] !== "=") return at(s, i, `Specification mandates value for attribute ${an}`);
          i++;
          while (i < n && ws(s[i])) i++;
          const q = s[i];
          if (q !== "'" && q !== '"') return at(s, i, `AttValue: " or ' expected`);
          i++;
          while (i < n && s[i] !== q) {
            if (s[i] === "<") return at(s, i, "Unescaped '<' not allowed in attributes values");
            if (s[i] === "&") {
              const e = entity();
              if (e) return e;
              continue;
            }
            i++;
          }
          if (i >= n) return at(s, n, "AttValue: ' expected");
          i++;
          if (seen.has(an)) return at(s, i, `Attribute ${an} redefined`);
          seen.add(an);
        }
        continue;
      }
      if (c === "&") {
        const e = entity();
        if (e) return e;
        continue;
      }
      i++;
    } while (stack.length);
  }
  if (!seenRoot) return at(s, n, n === 0 || s.trim() === "" ? "Document is empty" : "Start tag expected, '<' not found");
  return null;
}

/**
 * The libvirt-style error text for a syntax error in a document libvirt names `what`: "domain_definition" is
 * shown as "(domain_definition)"; a name already in parentheses or a file name is shown as given.
 */
export function syntaxErrorText(e: XmlSyntaxError, what: string): string {
  const label = what.startsWith("(") || what.includes("/") || what.includes("_xml") || what.includes(".") ? what : `(${what})`;
  return `${label}:${e.line}: ${e.message}\n${e.context}\n${e.pointer}`;
}

// ---------------------------------------------------------------- tree helpers

export const el = (name: string, attrs: Record<string, string | undefined> = {}, children: XmlNode[] = []): XmlEl => {
  const a: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) a[k] = v;
  return { name, attrs: a, children };
};

export const kids = (e: XmlEl | undefined, name?: string): XmlEl[] =>
  e ? (e.children.filter((c) => isEl(c) && (name === undefined || c.name === name)) as XmlEl[]) : [];

export const child = (e: XmlEl | undefined, name: string): XmlEl | undefined =>
  e ? (e.children.find((c) => isEl(c) && c.name === name) as XmlEl | undefined) : undefined;

/** Text content of an element (concatenated text children). */
export const text = (e: XmlEl | undefined): string | undefined => (e ? e.children.filter((c): c is string => typeof c === "string").join("") : undefined);

export const childText = (e: XmlEl | undefined, name: string): string | undefined => text(child(e, name));

/** Remove whitespace-only text between elements (libvirt re-indents everything it writes). */
export function stripWs(e: XmlEl): XmlEl {
  const hasEl = e.children.some(isEl);
  // libvirt keeps custom metadata elements as parsed, blank text included
  if (e.name === "metadata") return { name: e.name, attrs: e.attrs, children: e.children.filter(isEl).map((c) => ({ ...c, raw: true })) };
  return {
    name: e.name,
    attrs: e.attrs,
    children: e.children.filter((c) => !(typeof c === "string" && hasEl && c.trim() === "")).map((c) => (isEl(c) ? stripWs(c) : c)),
  };
}

/** virDomainDefCopy: a format/parse round trip, which drops the blank text kept inside custom metadata. */
export function copyDef(e: XmlEl): XmlEl {
  const noBlanks = (x: XmlEl): XmlEl => ({ ...x, children: x.children.filter((c) => typeof c !== "string" || c.trim() !== "").map((c) => (typeof c === "string" ? c : noBlanks(c))) });
  const walk = (x: XmlEl): XmlEl => (x.raw ? noBlanks(x) : x.children.some((c) => typeof c === "object") ? { ...x, children: x.children.map((c) => (typeof c === "string" ? c : walk(c))) } : x);
  return walk(e);
}

/**
 * xmlNodeDump with format=1: double-quoted attributes; a node with any text child is written exactly as parsed
 * (no added indentation anywhere below it), others get one element per line.
 */
function libxmlDump(e: XmlEl, indent: number, format: boolean): string {
  const attrs = Object.entries(e.attrs)
    .map(([k, v]) => ` ${k}="${escapeXml(v, '"')}"`)
    .join("");
  if (!e.children.length) return `<${e.name}${attrs}/>`;
  const fmt = format && !e.children.some((c) => typeof c === "string");
  let o = `<${e.name}${attrs}>`;
  for (const c of e.children) {
    if (typeof c === "string") o += escapeXml(c, '"').replace(/&quot;/g, '"');
    else o += fmt ? `\n${" ".repeat(indent + 2)}${libxmlDump(c, indent + 2, fmt)}` : libxmlDump(c, indent + 2, false);
  }
  return o + (fmt ? `\n${" ".repeat(indent)}` : "") + `</${e.name}>`;
}

// ---------------------------------------------------------------- formatting

export function escapeXml(s: string, quote: "'" | '"' = "'"): string {
  let o = "";
  for (const ch of s) {
    if (ch === "<") o += "&lt;";
    else if (ch === ">") o += "&gt;";
    else if (ch === "&") o += "&amp;";
    else if (ch === "'") o += quote === "'" ? "&apos;" : "'";
    else if (ch === '"') o += "&quot;";
    else o += ch;
  }
  return o;
}

/** Format as libvirt does: two-space indentation, single-quoted attributes, empty elements as `<x/>`. */
export function formatXml(e: XmlEl, indent = 0, quote: "'" | '"' = "'"): string {
  const pad = " ".repeat(indent);
  if (e.raw) return `${pad}${libxmlDump(e, indent, true)}\n`;
  const attrs = Object.entries(e.attrs)
    .map(([k, v]) => ` ${k}=${quote}${escapeXml(v, quote)}${quote}`)
    .join("");
  const elKids = e.children.filter(isEl);
  if (e.children.length === 0) return e.block ? `${pad}<${e.name}${attrs}>\n${pad}</${e.name}>\n` : `${pad}<${e.name}${attrs}/>\n`;
  if (elKids.length === 0) {
    const t = e.children.join("");
    // libvirt (virBufferEscapeString) escapes quotes in text too; libxml2's node dump (double quotes) does not
    const body = quote === "'" ? escapeXml(t, quote) : escapeXml(t, quote).replace(/&quot;/g, '"');
    return `${pad}<${e.name}${attrs}>${body}</${e.name}>\n`;
  }
  let o = `${pad}<${e.name}${attrs}>\n`;
  for (const c of e.children) {
    if (isEl(c)) o += formatXml(c, indent + 2, quote);
    else if (c.trim() !== "") o += `${pad}  ${escapeXml(c.trim(), quote)}\n`;
  }
  return o + `${pad}</${e.name}>\n`;
}

/** libxml2's xmlNodeDump style used by virsh for --xpath results: double quotes, children as written. */
export function dumpNode(e: XmlEl, indent = 0): string {
  return formatXml(e, indent, '"').replace(/\n$/, "");
}
