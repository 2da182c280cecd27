// Bundles the CLI with esbuild: one ESM entry plus lazily loaded chunks, so start-up resolves few modules.
// Builds into a scratch folder and swaps it in, so a CLI run during a rebuild never sees half a bundle.
import { build } from "esbuild";
import { renameSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = `${root}dist`;
const tmp = `${root}dist.tmp-${process.pid}`;
await build({
  entryPoints: { cli: `${root}src/cli/entry.ts` },
  outdir: tmp,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  chunkNames: "chunks/[name]-[hash]",
  legalComments: "none",
  minify: true,
  logLevel: "warning",
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: { js: "import { createRequire as __lpic3Require } from 'node:module'; const require = __lpic3Require(import.meta.url);" },
});
// The validated objectives for the fast path (see src/content/objectives-cache.ts).
await build({ entryPoints: [`${root}src/content/build-cache.ts`], outfile: `${tmp}/build-cache.mjs`, bundle: true, format: "esm", platform: "node", target: "node20", logLevel: "warning", banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" } });
const { writeObjectivesCache, writeSearchCache } = await import(`${tmp}/build-cache.mjs`);
const ok = writeObjectivesCache(tmp);
// A content problem must not break the build: the search index is then built at search time instead.
if (ok) await writeSearchCache(tmp).catch((e) => console.warn(`build: no search index cache (${e.message})`));
rmSync(`${tmp}/build-cache.mjs`);
if (!ok) {
  rmSync(tmp, { recursive: true, force: true });
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
renameSync(tmp, out);
