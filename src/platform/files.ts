// Reading the package's content files from disk, with paths shown relative to the working directory.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";

export function displayPath(abs: string): string {
  const rel = relative(process.cwd(), abs);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : abs;
}

export const readText = (abs: string) => readFileSync(abs, "utf8");

/** Files of `dir` whose names end with one of `exts`, sorted; [] when the folder does not exist. */
export function listFiles(dir: string, exts: string[]): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && exts.some((x) => e.name.endsWith(x)))
    .map((e) => join(dir, e.name))
    .sort();
}
