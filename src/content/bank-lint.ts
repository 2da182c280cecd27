// Lints question banks: ids, stems, references, keys and the shape of each question type.
import type { CheckContext } from "./check";
import type { ContentIssue } from "./issues";

const LETTERS = "ABCDEF";
const NUMBER_WORDS: Record<string, number> = { two: 2, three: 3, four: 4, five: 5, "2": 2, "3": 3, "4": 4, "5": 5 };
const CHOOSE = /\(\s*choose\s+(two|three|four|five|[2-5])\b[^)]*\)/i;
const BANNED = /\b(all|none) of the (above|these|options)\b/i;

const norm = (s: string) => s.toLowerCase().replace(/\s+/g, " ").trim();

export function lintBanks(ctx: CheckContext): ContentIssue[] {
  const issues: ContentIssue[] = [];
  const ids = new Map<string, string>();
  const stems = new Map<string, string>();
  const known = new Set(ctx.objectives.map((o) => o.id));
  // multi-answer keys over all banks: how often each position is a key, against how often it exists
  const multiKeys: Record<string, number> = {};
  const multiSeats: Record<string, number> = {};
  let firstBank: string | undefined;
  // single-choice questions whose key is the uniquely longest choice (a test-wise candidate's tell)
  let singlesAll = 0;
  let keyLongest = 0;

  for (const b of ctx.banks) {
    firstBank ??= b.file;
    const at = (path: (string | number)[], field: string, message: string) =>
      issues.push({ file: b.file, line: b.lineOf(path), field, message });
    if (!known.has(b.objective)) at(["objective"], "objective", `'${b.objective}' is not an exam objective`);
    const letterCount: Record<string, number> = {};
    let singles = 0;

    b.questions.forEach((q, i) => {
      const p = (f: string) => ["questions", i, f];
      const f = (name: string) => `questions[${i}].${name}`;
      if (!q.id.startsWith(`${b.objective}-`)) at(p("id"), f("id"), `id '${q.id}' does not belong to objective ${b.objective}`);
      const prevId = ids.get(q.id);
      if (prevId) at(p("id"), f("id"), `duplicate id '${q.id}' (also in ${prevId})`);
      ids.set(q.id, b.file);
      const stem = norm(q.stem);
      const prevStem = stems.get(stem);
      if (prevStem) at(p("stem"), f("stem"), `the same stem is already used by ${prevStem}`);
      stems.set(stem, q.id);
      if (!ctx.resolves(q.ref)) at(p("ref"), f("ref"), `'${q.ref}' is not a section of a note`);
      q.see?.forEach((r, k) => {
        if (!ctx.resolves(r)) at(["questions", i, "see", k], `${f("see")}[${k}]`, `'${r}' is not a section of a note`);
      });

      if (q.type === "fill") {
        const seen = new Set<string>();
        q.accept.forEach((a, k) => {
          const n = q.ignore_case ? norm(a) : a.replace(/\s+/g, " ").trim();
          if (seen.has(n)) at(["questions", i, "accept", k], `${f("accept")}[${k}]`, `'${a}' is listed twice`);
          seen.add(n);
        });
        return;
      }
      const n = q.choices.length;
      const inRange = (l: string) => LETTERS.indexOf(l) < n;
      q.choices.forEach((c, k) => {
        if (BANNED.test(c)) at(["questions", i, "choices", k], `${f("choices")}[${k}]`, `'${c}' — do not use "all/none of the above" choices`);
      });
      // case matters in choices (":z" and ":Z" are different SELinux options)
      const dup = q.choices.map((c) => c.replace(/\s+/g, " ").trim()).find((c, k, all) => all.indexOf(c) !== k);
      if (dup) at(p("choices"), f("choices"), `choice '${dup}' appears twice`);
      if (q.type === "single") {
        if (!inRange(q.answer)) at(p("answer"), f("answer"), `answer ${q.answer} but there are only ${n} choices`);
        letterCount[q.answer] = (letterCount[q.answer] ?? 0) + 1;
        singles++;
        singlesAll++;
        const lens = q.choices.map((c) => c.length);
        const key = lens[LETTERS.indexOf(q.answer)] ?? 0;
        if (lens.filter((x) => x >= key).length === 1) keyLongest++;
        if (CHOOSE.test(q.stem)) at(p("stem"), f("stem"), "a single-answer question must not say 'Choose N'");
      } else {
        for (const l of q.answer) if (!inRange(l)) at(p("answer"), f("answer"), `answer ${l} but there are only ${n} choices`);
        for (const l of q.answer) multiKeys[l] = (multiKeys[l] ?? 0) + 1;
        for (const l of LETTERS.slice(0, n)) multiSeats[l] = (multiSeats[l] ?? 0) + 1;
        if (new Set(q.answer).size !== q.answer.length) at(p("answer"), f("answer"), "the key lists a letter twice");
        if (q.answer.length >= n) at(p("answer"), f("answer"), "every choice is in the key");
        const m = CHOOSE.exec(q.stem);
        if (!m) at(p("stem"), f("stem"), `a multi question must state how many to choose, e.g. "(Choose ${q.answer.length === 2 ? "two" : "three"}.)"`);
        else if (NUMBER_WORDS[m[1]!.toLowerCase()] !== q.answer.length)
          at(p("stem"), f("stem"), `the stem says choose ${m[1]} but the key has ${q.answer.length} answers`);
      }
    });

    if (singles >= 12) {
      for (const l of "ABCD") {
        const share = (letterCount[l] ?? 0) / singles;
        if (share > 0.4 || share < 0.1)
          at(["questions"], "questions", `answer keys are skewed: ${l} is the key of ${letterCount[l] ?? 0} of ${singles} single-choice questions (keep each of A-D between 10% and 40%)`);
      }
    }
  }

  // a learner must not be able to guess that A is usually part of the answer: each position (with enough
  // questions to tell) is a key within 25% of the average rate
  const seats = Object.values(multiSeats).reduce((a, x) => a + x, 0);
  const keys = Object.values(multiKeys).reduce((a, x) => a + x, 0);
  if (firstBank && seats > 0) {
    const mean = keys / seats;
    for (const [l, n] of Object.entries(multiSeats)) {
      if (n < 40) continue;
      const rate = (multiKeys[l] ?? 0) / n;
      if (rate > mean * 1.25 || rate < mean * 0.75)
        issues.push({ file: firstBank, line: 1, field: "questions", message: `multi-answer keys are skewed: choice ${l} is in the key of ${multiKeys[l] ?? 0} of the ${n} multi questions that have it (${Math.round(rate * 100)}%, against ${Math.round(mean * 100)}% for all positions); reorder some questions' choices` });
    }
  }
  // the key may be the longest choice about as often as chance has it (one in four), not much more
  if (firstBank && singlesAll >= 40 && keyLongest / singlesAll > 0.35)
    issues.push({ file: firstBank, line: 1, field: "questions", message: `the key is the uniquely longest choice in ${keyLongest} of ${singlesAll} single-choice questions (${Math.round((100 * keyLongest) / singlesAll)}%): a candidate could pick the longest answer; keep it under 35% by tightening keys or making distractors as concrete` });
  return issues;
}
