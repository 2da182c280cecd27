// Topic notes: Markdown files with YAML front matter, split into anchored sections.
import { NoteFrontMatter, Anchor } from "./schema";
import type { ContentIssue } from "./issues";
import { parseYaml } from "./yaml-source";

export interface Section {
  anchor: string;
  title: string;
  level: number;
  /** 1-based line of the heading in the file. */
  line: number;
  /** Markdown of the section: its heading and everything up to the next heading of the same or a higher level. */
  markdown: string;
  /** Markdown of the section's own text, up to the next heading of any level. */
  ownMarkdown: string;
}

export interface NoteLink {
  target: string;
  line: number;
}

export interface Note {
  file: string;
  id: string;
  title: string;
  weight: number;
  markdown: string;
  /** 1-based line of the file where `markdown` starts (the line after the front matter). */
  bodyLine: number;
  sections: Section[];
  links: NoteLink[];
}

const HEADING = /^(#{1,6})[ \t]+(.*?)(?:[ \t]+\{#([^}\s]*)\})?[ \t]*#*[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const LINK = /\[[^\]]*\]\(([^)\s]+)\)/g;

export function parseNote(file: string, text: string): { note?: Note; issues: ContentIssue[] } {
  const issues: ContentIssue[] = [];
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  if (lines[0] !== "---") {
    return { issues: [{ file, line: 1, field: "(front matter)", message: "a note must start with a '---' line opening its YAML front matter (id, title, weight)" }] };
  }
  const close = lines.indexOf("---", 1);
  if (close < 0) return { issues: [{ file, line: 1, field: "(front matter)", message: "front matter is not closed by a '---' line" }] };
  const fm = parseYaml(file, lines.slice(1, close).join("\n"), NoteFrontMatter, 1);
  issues.push(...fm.issues);

  const bodyStart = close + 1; // 0-based index of first body line
  const body = lines.slice(bodyStart);
  const heads: { level: number; title: string; anchor?: string; idx: number }[] = [];
  const links: NoteLink[] = [];
  let fence: string | null = null;
  body.forEach((l, i) => {
    const f = FENCE.exec(l);
    if (f) {
      if (fence === null) fence = f[1]![0]!.repeat(3);
      else if (l.trim().startsWith(fence)) fence = null;
      return;
    }
    if (fence !== null) return;
    const h = HEADING.exec(l);
    if (h) heads.push({ level: h[1]!.length, title: h[2]!, anchor: h[3], idx: i });
    for (const m of l.matchAll(LINK)) {
      const t = m[1]!;
      if (!/^[a-z]+:/.test(t)) links.push({ target: t, line: bodyStart + i + 1 });
    }
  });
  if (fence !== null) issues.push({ file, line: lines.length, field: "(markdown)", message: "a code block is not closed" });

  const sections: Section[] = [];
  const seen = new Map<string, number>();
  if (!heads.some((h) => h.level === 1)) issues.push({ file, line: bodyStart + 1, field: "(markdown)", message: "the note has no '# Title' heading" });
  for (const [k, h] of heads.entries()) {
    const line = bodyStart + h.idx + 1;
    if (h.level === 1) continue;
    if (h.level > 3) {
      if (h.anchor !== undefined) checkAnchor(h.anchor, line);
      continue;
    }
    if (h.anchor === undefined) {
      issues.push({ file, line, field: "(heading)", message: `heading '${h.title}' needs a stable anchor, e.g. '## ${h.title} {#${slug(h.title)}}'` });
      continue;
    }
    if (!checkAnchor(h.anchor, line)) continue;
    const endSame = heads.slice(k + 1).find((n) => n.level <= h.level);
    const next = heads[k + 1];
    sections.push({
      anchor: h.anchor,
      title: h.title,
      level: h.level,
      line,
      markdown: body.slice(h.idx, endSame ? endSame.idx : body.length).join("\n").trim(),
      ownMarkdown: body.slice(h.idx, next ? next.idx : body.length).join("\n").trim(),
    });
  }

  function checkAnchor(a: string, line: number): boolean {
    if (!Anchor.safeParse(a).success) {
      issues.push({ file, line, field: "(anchor)", message: `anchor '#${a}' must be lower-case letters, digits and dashes` });
      return false;
    }
    const prev = seen.get(a);
    if (prev !== undefined) {
      issues.push({ file, line, field: "(anchor)", message: `duplicate anchor '#${a}' (first used on line ${prev})` });
      return false;
    }
    seen.set(a, line);
    return true;
  }

  if (!fm.value) return { issues };
  return {
    note: { file, ...fm.value, markdown: body.join("\n"), bodyLine: bodyStart + 1, sections, links },
    issues,
  };
}

export function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/`/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}
