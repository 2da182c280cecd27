// The exam objectives on the fast path: a validated copy made at build time, used while objectives.yaml is
// unchanged (same SHA-1), so `lpic3 topics` need not load the YAML parser and the schema library.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { contentDir, packageRoot } from "../platform/paths";
import type { Objective } from "./schema";

export const CACHE_FILE = "objectives.cache.json";

export interface ObjectivesCache {
  sha1: string;
  objectives: Objective[];
}

export const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

export async function cachedObjectives(dir = contentDir()): Promise<Objective[]> {
  const text = readFileSync(join(dir, "objectives.yaml"), "utf8");
  const cacheFile = join(packageRoot(), "dist", CACHE_FILE);
  if (existsSync(cacheFile)) {
    try {
      const c = JSON.parse(readFileSync(cacheFile, "utf8")) as ObjectivesCache;
      if (c.sha1 === sha1(text)) return c.objectives;
    } catch {
      /* a damaged cache is ignored: fall through to the full load */
    }
  }
  const { objectives } = await import("./repository");
  return objectives(dir);
}
