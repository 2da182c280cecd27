// `lpic3 search`: ranked full-text search over notes and questions.
import type { Command } from "commander";
import type { Terminal } from "../../platform/terminal";
import { usageError } from "../../app/errors";

export function registerSearch(program: Command, term: Terminal) {
  program
    .command("search")
    .description("search the notes and questions")
    .argument("<terms...>", "words to look for")
    .option("-n, --limit <n>", "how many results", "10")
    .option("--json", "print JSON")
    .action(async (terms: string[], opts: { limit: string; json?: boolean }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw usageError(`--limit must be a positive whole number, not '${opts.limit}'`);
      const { search } = await import("../../app/search");
      const hits = await search(terms.join(" "), limit);
      if (opts.json) {
        term.out(JSON.stringify({ query: terms.join(" "), results: hits }) + "\n");
        return;
      }
      const c = term.chalk;
      if (hits.length === 0) {
        term.out(`No matches for '${terms.join(" ")}'.\n`);
        process.exitCode = 1;
        return;
      }
      const words = [...new Set(hits.flatMap((h) => h.terms))].sort((a, b) => b.length - a.length);
      const re = words.length ? new RegExp(`(${words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})`, "gi") : null;
      const mark = (s: string) => (re && c.level > 0 ? s.replace(re, (m) => c.bold.yellow(m)) : re ? s.replace(re, (m) => `[${m}]`) : s);
      const { wrap } = await import("../render/text");
      const { fit } = await import("../ui/menu");
      const width = term.isTTY ? Math.min(term.columns, 100) : 80;
      for (const h of hits) {
        const where = h.kind === "note" ? `${h.objective} § ${h.ref}` : `${h.objective} question ${h.ref}`;
        term.out(`${c.cyan(where)}  ${c.bold(fit(h.title, Math.max(20, width - where.length - 2)))}\n`);
        term.out(wrap(mark(h.snippet), width, "  ").join("\n") + "\n");
        term.out(h.kind === "note" ? c.dim(`  lpic3 study ${h.objective} --section ${h.ref}`) + "\n\n" : "\n");
      }
    });
}
