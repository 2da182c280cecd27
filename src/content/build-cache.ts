// Run by the build: validates objectives.yaml and writes the fast-path copy next to the bundle.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { contentDir } from "../platform/paths";
import { formatIssue } from "./issues";
import { CACHE_FILE, sha1 } from "./objectives-cache";
import { loadObjectivesFile } from "./repository";

export function writeObjectivesCache(outDir: string): boolean {
  const r = loadObjectivesFile();
  if (r.issues.length) {
    for (const i of r.issues) process.stderr.write(`build: ${formatIssue(i)}\n`);
    return false;
  }
  const text = readFileSync(join(contentDir(), "objectives.yaml"), "utf8");
  writeFileSync(join(outDir, CACHE_FILE), JSON.stringify({ sha1: sha1(text), objectives: r.value }));
  return true;
}

/** The search index for the content as it is now, with the fingerprint that keeps it honest. */
export async function writeSearchCache(outDir: string): Promise<void> {
  const { buildIndex, contentFingerprint, SEARCH_CACHE } = await import("../app/search");
  const ms = await buildIndex();
  writeFileSync(join(outDir, SEARCH_CACHE), JSON.stringify({ sha1: contentFingerprint(), index: ms.toJSON() }));
}
