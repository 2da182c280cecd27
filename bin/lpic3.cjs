#!/usr/bin/env node
// Launcher. CommonJS on purpose: `lpic3 --version` answers without starting the ESM loader or the bundle.
"use strict";
const { existsSync } = require("node:fs");
const { join } = require("node:path");
const { pathToFileURL } = require("node:url");

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  process.stdout.write(require("../package.json").version + "\n");
} else {
  const cli = join(__dirname, "..", "dist", "cli.js");
  if (!existsSync(cli)) {
    process.stderr.write("lpic3: the CLI is not built yet: run 'npm install' (or 'npm run build') in the lpic3 folder\n");
    process.exitCode = 1;
  } else {
    import(pathToFileURL(cli).href);
  }
}
