// Parses YAML and validates it with a zod schema, reporting problems with line numbers.
import { isNode, LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import type { ContentIssue } from "./issues";

export type Path = (string | number)[];

export const fieldName = (path: readonly PropertyKey[]): string =>
  path.length === 0
    ? "(document)"
    : path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");

export interface YamlSource<T> {
  value?: T;
  issues: ContentIssue[];
  /** Line (1-based, in the file) where the node at `path` starts, or of its nearest existing parent. */
  lineOf(path: Path): number;
  doc?: Document;
}

/**
 * Parse `text` (which starts at `lineOffset` lines into `file`) and check it against `schema`.
 * YAML syntax errors and schema violations come back as issues; nothing throws.
 */
export function parseYaml<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S,
  lineOffset = 0,
): YamlSource<z.infer<S>> {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const issues: ContentIssue[] = [];
  const lineAt = (offset: number) => lc.linePos(offset).line + lineOffset;
  const lineOf = (path: Path): number => {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return lineAt(node.range[0]);
    }
    return 1 + lineOffset;
  };
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      issues.push({ file, line: lineAt(e.pos[0]), field: "(yaml)", message: e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "") });
    }
    return { issues, lineOf, doc };
  }
  const data = doc.toJS({ maxAliasCount: 100 });
  const r = schema.safeParse(data);
  if (!r.success) {
    for (const iss of r.error.issues) {
      const path = iss.path as Path;
      if (iss.code === "unrecognized_keys") {
        for (const k of iss.keys) issues.push({ file, line: lineOf([...path, k]), field: fieldName([...path, k]), message: "unknown field" });
        continue;
      }
      issues.push({ file, line: lineOf(path), field: fieldName(path), message: describeIssue(iss) });
    }
    return { issues, lineOf, doc };
  }
  return { value: r.data, issues, lineOf, doc };
}

function describeIssue(iss: z.core.$ZodIssue): string {
  if (iss.code === "invalid_type" && /received undefined/.test(iss.message)) return `required field is missing (${iss.message})`;
  return iss.message;
}
