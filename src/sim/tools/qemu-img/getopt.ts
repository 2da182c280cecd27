// glibc getopt_long step by step, with its argv permutation and optind: qemu-img words its option errors
// with argv[optind - 1] at the moment getopt returns '?' or ':', which only this level of detail reproduces.

export interface LongOpt {
  name: string;
  arg: "none" | "required";
  /** What getopt returns for it: a short letter or a long-only key. */
  key: string;
}

export type GetoptOutcome =
  | { kind: "done"; options: { key: string; arg?: string }[]; /** operands in their (permuted) order */ operands: string[] }
  | {
      kind: "error";
      /** '?' unknown/ambiguous/bad argument, ':' missing argument (only with a leading ':' in the spec) */
      code: "?" | ":";
      /** argv[optind - 1] when getopt returned: the word qemu-img names */
      word: string;
      /** glibc's own diagnostic (printed only when the spec does not start with ':') */
      message: string;
      options: { key: string; arg?: string }[];
    };

interface ShortSpec {
  arg: "none" | "required" | "optional";
}

function parseSpec(spec: string) {
  let i = 0;
  let ordering: "permute" | "require" = "permute";
  if (spec[0] === "+") {
    ordering = "require";
    i++;
  }
  const quiet = spec[i] === ":";
  if (quiet) i++;
  const shorts = new Map<string, ShortSpec>();
  for (; i < spec.length; i++) {
    const c = spec[i]!;
    if (c === ":") continue;
    let arg: ShortSpec["arg"] = "none";
    if (spec[i + 1] === ":") arg = spec[i + 2] === ":" ? "optional" : "required";
    shorts.set(c, { arg });
  }
  return { ordering, quiet, shorts };
}

/**
 * Run getopt_long over argv (argv[0] is the program or subcommand name, as qemu-img passes it) until it
 * returns -1 or the first error. `progname` is what glibc prints in its own messages (argv[0]).
 */
export function getoptRun(argvIn: readonly string[], spec: string, longs: readonly LongOpt[]): GetoptOutcome {
  const argv = [...argvIn];
  const argc = argv.length;
  const { ordering, quiet, shorts } = parseSpec(spec);
  const progname = argv[0] ?? "";
  let optind = 1;
  let firstNonopt = 1;
  let lastNonopt = 1;
  let nextchar = "";
  const options: { key: string; arg?: string }[] = [];
  const isNonoption = (k: number) => argv[k]![0] !== "-" || argv[k]!.length === 1;

  const exchange = () => {
    const bottom = firstNonopt;
    const middle = lastNonopt;
    const top = optind;
    const moved = [...argv.slice(middle, top), ...argv.slice(bottom, middle)];
    argv.splice(bottom, top - bottom, ...moved);
    firstNonopt += optind - lastNonopt;
    lastNonopt = optind;
  };

  const fail = (code: "?" | ":", message: string): GetoptOutcome => ({ kind: "error", code, word: argv[optind - 1] ?? "", message: quiet ? "" : message, options });

  for (;;) {
    if (nextchar === "") {
      if (lastNonopt > optind) lastNonopt = optind;
      if (firstNonopt > optind) firstNonopt = optind;
      if (ordering === "permute") {
        if (firstNonopt !== lastNonopt && lastNonopt !== optind) exchange();
        else if (lastNonopt !== optind) firstNonopt = optind;
        while (optind < argc && isNonoption(optind)) optind++;
        lastNonopt = optind;
      }
      if (optind !== argc && argv[optind] === "--") {
        optind++;
        if (firstNonopt !== lastNonopt && lastNonopt !== optind) exchange();
        else if (firstNonopt === lastNonopt) firstNonopt = optind;
        lastNonopt = argc;
        optind = argc;
      }
      if (optind === argc) {
        if (firstNonopt !== lastNonopt) optind = firstNonopt;
        return { kind: "done", options, operands: argv.slice(optind) };
      }
      if (isNonoption(optind)) {
        // require_order: stop at the first operand
        return { kind: "done", options, operands: argv.slice(optind) };
      }
      const word = argv[optind]!;
      if (word[1] === "-") {
        const body = word.slice(2);
        const eq = body.indexOf("=");
        const name = eq >= 0 ? body.slice(0, eq) : body;
        let found: LongOpt | undefined = longs.find((l) => l.name === name);
        let ambiguous: LongOpt[] = [];
        if (!found) {
          for (const l of longs) {
            if (!l.name.startsWith(name)) continue;
            if (!found) found = l;
            else if (found.arg !== l.arg || found.key !== l.key) ambiguous.push(l);
          }
          if (ambiguous.length) ambiguous = [found!, ...ambiguous];
        }
        if (ambiguous.length) {
          optind++;
          const cands = longs.filter((l) => l.name.startsWith(name));
          return fail("?", `${progname}: option '--${body}' is ambiguous; possibilities:${cands.map((c) => ` '--${c.name}'`).join("")}\n`);
        }
        if (!found) {
          optind++;
          return fail("?", `${progname}: unrecognized option '--${body}'\n`);
        }
        optind++;
        if (eq >= 0) {
          if (found.arg === "none") return fail("?", `${progname}: option '--${found.name}' doesn't allow an argument\n`);
          options.push({ key: found.key, arg: body.slice(eq + 1) });
        } else if (found.arg === "required") {
          if (optind < argc) options.push({ key: found.key, arg: argv[optind++]! });
          else return fail(quiet ? ":" : "?", `${progname}: option '--${found.name}' requires an argument\n`);
        } else options.push({ key: found.key });
        continue;
      }
      nextchar = word.slice(1);
    }
    const c = nextchar[0]!;
    nextchar = nextchar.slice(1);
    const s = c === ":" ? undefined : shorts.get(c);
    if (nextchar === "") optind++;
    if (!s) return fail("?", `${progname}: invalid option -- '${c}'\n`);
    if (s.arg === "none") {
      options.push({ key: c });
      continue;
    }
    if (s.arg === "optional") {
      if (nextchar !== "") {
        options.push({ key: c, arg: nextchar });
        optind++;
      } else options.push({ key: c });
      nextchar = "";
      continue;
    }
    if (nextchar !== "") {
      options.push({ key: c, arg: nextchar });
      optind++;
    } else if (optind === argc) {
      nextchar = "";
      return fail(quiet ? ":" : "?", `${progname}: option requires an argument -- '${c}'\n`);
    } else options.push({ key: c, arg: argv[optind++]! });
    nextchar = "";
  }
}
