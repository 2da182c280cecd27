// Ranked full-text search over note sections and quiz questions.
import MiniSearch, { type Options } from "minisearch";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { listFiles } from "../platform/files";
import { contentDir, packageRoot } from "../platform/paths";

export const SEARCH_CACHE = "search.cache.json";

export interface SearchHit {
  kind: "note" | "question";
  objective: string;
  /** Section anchor for notes, question id for questions. */
  ref: string;
  title: string;
  snippet: string;
  /** Words of the document that matched, for highlighting. */
  terms: string[];
  score: number;
}

interface Doc {
  id: string;
  kind: SearchHit["kind"];
  objective: string;
  ref: string;
  title: string;
  text: string;
}

/** Words with their inner dashes, dots and underscores kept, plus their parts: "cloud-localds" → cloud-localds, cloud, localds. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/[\p{L}\p{N}]+(?:[-_.:/][\p{L}\p{N}]+)*/gu)) {
    const w = m[0];
    out.push(w);
    if (/[-_.:/]/.test(w)) out.push(...w.split(/[-_.:/]+/).filter((p) => p.length > 1));
  }
  return out;
}

export function markdownToText(md: string): string {
  return md
    .replace(/\{#[a-z0-9-]+\}/g, "")
    .replace(/^```.*$/gm, "")
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[*`>#|]+|(?<![\p{L}\p{N}])_+|_+(?![\p{L}\p{N}])/gu, " ")
    .replace(/\s+/g, " ")
    // markup gone, no space is left before closing punctuation or after an opening bracket ("the overlay, refers")
    .replace(/ (?=[,.;:!?)\]])/g, "")
    .replace(/([(\[]) /g, "$1")
    .trim();
}

async function documents(): Promise<Doc[]> {
  const { loadBanks, notes: loadNotes } = await import("../content/repository");
  const docs: Doc[] = [];
  for (const n of loadNotes()) {
    for (const s of n.sections) {
      docs.push({ id: `${n.id}#${s.anchor}`, kind: "note", objective: n.id, ref: s.anchor, title: s.title.replace(/`/g, ""), text: markdownToText(s.ownMarkdown.split("\n").slice(1).join("\n")) });
    }
  }
  for (const b of loadBanks().value) {
    for (const q of b.questions) {
      const choices = q.type === "fill" ? "" : q.choices.join(" ");
      docs.push({ id: `q:${q.id}`, kind: "question", objective: b.objective, ref: q.id, title: q.stem.split("\n")[0]!.slice(0, 80), text: `${q.stem} ${choices} ${q.explanation}` });
    }
  }
  return docs;
}

const INDEX_OPTIONS: Options<Doc> = {
  fields: ["title", "text"],
  storeFields: ["kind", "objective", "ref", "title", "text"],
  tokenize,
  processTerm: (t) => t.toLowerCase(),
  searchOptions: { boost: { title: 3 }, prefix: (t) => t.length >= 4, fuzzy: (t) => (t.length >= 6 ? 0.15 : 0) },
};

/** SHA-1 over every note and question bank (names and bytes): the search index is valid while it is unchanged. */
export function contentFingerprint(dir = contentDir()): string {
  const h = createHash("sha1");
  for (const f of [...listFiles(join(dir, "topics"), [".md"]), ...listFiles(join(dir, "quizzes"), [".yaml", ".yml"])]) {
    h.update(f.slice(dir.length)).update("\0").update(readFileSync(f)).update("\0");
  }
  return h.digest("hex");
}

export async function buildIndex(): Promise<MiniSearch<Doc>> {
  const ms = new MiniSearch<Doc>(INDEX_OPTIONS);
  ms.addAll(await documents());
  return ms;
}

/** The index built with the bundle when the content has not changed since; otherwise built now. */
async function index(): Promise<MiniSearch<Doc>> {
  const cache = join(packageRoot(), "dist", SEARCH_CACHE);
  if (existsSync(cache)) {
    try {
      const c = JSON.parse(readFileSync(cache, "utf8")) as { sha1: string; index: unknown };
      if (c.sha1 === contentFingerprint()) return MiniSearch.loadJS(c.index as Parameters<typeof MiniSearch.loadJS>[0], INDEX_OPTIONS);
    } catch {
      /* a damaged cache is rebuilt below */
    }
  }
  return buildIndex();
}

export async function search(query: string, limit = 10): Promise<SearchHit[]> {
  const ms = await index();
  let results = ms.search(query, { combineWith: "AND" });
  if (results.length === 0) results = ms.search(query, { combineWith: "OR" });
  // A note section outranks a question with the same score: notes are where learning happens.
  return results
    .map((r) => ({ r, s: r.score * (r.kind === "note" ? 1.5 : 1) }))
    .sort((a, b) => b.s - a.s)
    .slice(0, limit)
    .map(({ r, s }) => ({
      kind: r.kind as Doc["kind"],
      objective: r.objective as string,
      ref: r.ref as string,
      title: r.title as string,
      terms: r.terms,
      snippet: snippet(r.text as string, r.terms),
      score: Math.round(s * 100) / 100,
    }));
}

/** About `width` characters of `text` around the first match of any term. */
export function snippet(text: string, terms: string[], width = 160): string {
  const lower = text.toLowerCase();
  let at = -1;
  for (const t of [...terms].sort((a, b) => b.length - a.length)) {
    const i = lower.indexOf(t.toLowerCase());
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  if (at < 0) at = 0;
  let start = Math.max(0, at - Math.floor(width / 3));
  if (start > 0) {
    const sp = text.indexOf(" ", start);
    start = sp >= 0 && sp < at ? sp + 1 : start;
  }
  let end = Math.min(text.length, start + width);
  if (end < text.length) {
    const sp = text.lastIndexOf(" ", end);
    if (sp > at) end = sp;
  }
  return (start > 0 ? "…" : "") + text.slice(start, end) + (end < text.length ? "…" : "");
}
