#!/usr/bin/env node
// Launcher: answers --version without loading the CLI bundle, otherwise runs dist/cli.js.
import { readFileSync, existsSync } from "node:fs";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.stdout.write(pkg.version + "\n");
} else if (!existsSync(new URL("../dist/cli.js", import.meta.url))) {
  process.stderr.write("lpic3: the CLI is not built yet: run 'npm install' (or 'npm run build') in the lpic3 folder\n");
  process.exitCode = 1;
} else {
  await import("../dist/cli.js");
}
