// Run by the build: validates objectives.yaml and writes the fast-path copy next to the bundle.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { contentDir } from "../platform/paths";
import { formatIssue } from "./issues";
import { CACHE_FILE, sha1 } from "./objectives-cache";
import { loadObjectivesFile } from "./repository";
import { readFileSync } from "node:fs";

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
