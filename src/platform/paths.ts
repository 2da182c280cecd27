// Where the package's own files and the learner's data live.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/** The directory holding lpic3's package.json (works from dist/ bundles and from src/ under vitest). */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, "utf8")).name === "lpic3") return (root = dir);
      } catch {
        /* not ours; keep looking */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find the lpic3 package root");
    dir = up;
  }
}

export function contentDir(): string {
  return process.env.LPIC3_CONTENT_DIR ? resolve(process.env.LPIC3_CONTENT_DIR) : join(packageRoot(), "content");
}

export function labsDir(): string {
  return process.env.LPIC3_LABS_DIR ? resolve(process.env.LPIC3_LABS_DIR) : join(packageRoot(), "labs");
}

/** The learner's data directory: $LPIC3_HOME, else $XDG_DATA_HOME/lpic3, else ~/.local/share/lpic3. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LPIC3_HOME) return resolve(env.LPIC3_HOME);
  const xdg = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith("/") ? env.XDG_DATA_HOME : join(homedir(), ".local", "share");
  return join(xdg, "lpic3");
}

export function packageVersion(): string {
  return JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")).version as string;
}

/** The progress log (see platform/store.ts); here so a caller can test for it without loading the store. */
export function progressLogPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(dataDir(env), "progress.jsonl");
}
