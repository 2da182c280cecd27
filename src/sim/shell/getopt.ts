// GNU getopt_long as glibc 2.36 implements it: permutation, clustered short options, abbreviated
// long options and glibc's exact diagnostics. qemu-img, xl and the coreutils of the lab shell parse with it.

export interface LongOption {
  name: string;
  arg: "none" | "required" | "optional";
  /** What the option is reported as (usually its short letter, or the long name). */
  key: string;
}

export type GetoptEvent =
  | { kind: "option"; key: string; arg?: string; /** as typed, e.g. "-f" or "--format" */ spelled: string }
  | { kind: "error"; message: string; /** "?" for invalid/ambiguous, ":" for a missing argument */ code: "?" | ":"; option: string };

export interface GetoptResult {
  events: GetoptEvent[];
  operands: string[];
}

interface Short {
  arg: "none" | "required" | "optional";
}

function parseShortSpec(spec: string): { shorts: Map<string, Short>; mode: "permute" | "require_order" | "return_in_order"; quiet: boolean } {
  let mode: "permute" | "require_order" | "return_in_order" = "permute";
  let i = 0;
  if (spec[0] === "+") {
    mode = "require_order";
    i++;
  } else if (spec[0] === "-") {
    mode = "return_in_order";
    i++;
  }
  let quiet = false;
  if (spec[i] === ":") {
    quiet = true;
    i++;
  }
  const shorts = new Map<string, Short>();
  for (; i < spec.length; i++) {
    const c = spec[i]!;
    if (c === ":") continue;
    let arg: Short["arg"] = "none";
    if (spec[i + 1] === ":") arg = spec[i + 2] === ":" ? "optional" : "required";
    shorts.set(c, { arg });
  }
  return { shorts, mode, quiet };
}

/**
 * Parse `argv` (without the program name) like getopt_long(argc, argv, shortSpec, longs).
 * `progname` is argv[0] as glibc prints it in messages.
 */
export function getoptLong(argv: readonly string[], shortSpec: string, longs: readonly LongOption[], progname: string, o: { posixlyCorrect?: boolean; longOnly?: boolean } = {}): GetoptResult {
  const { shorts, quiet } = parseShortSpec(shortSpec);
  let { mode } = parseShortSpec(shortSpec);
  if (o.posixlyCorrect && mode === "permute") mode = "require_order";
  const events: GetoptEvent[] = [];
  const operands: string[] = [];
  const error = (message: string, code: "?" | ":", option: string) => events.push({ kind: "error", message: quiet ? "" : message, code, option });

  let i = 0;
  while (i < argv.length) {
    const a = argv[i]!;
    if (a === "--") {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (a === "-" || !a.startsWith("-")) {
      if (mode === "require_order") {
        operands.push(...argv.slice(i));
        break;
      }
      operands.push(a);
      i++;
      continue;
    }
    if (a.startsWith("--") || (o.longOnly && a.length > 2)) {
      const body = a.startsWith("--") ? a.slice(2) : a.slice(1);
      const prefix = a.startsWith("--") ? "--" : "-";
      const eq = body.indexOf("=");
      const name = eq >= 0 ? body.slice(0, eq) : body;
      const inline = eq >= 0 ? body.slice(eq + 1) : undefined;
      const exact = longs.find((l) => l.name === name);
      let match = exact;
      if (!match) {
        const cands = longs.filter((l) => l.name.startsWith(name));
        // several long names for one identical option are not ambiguous
        const distinct = cands.filter((c, k) => cands.findIndex((d) => d.key === c.key && d.arg === c.arg) === k);
        if (distinct.length > 1) {
          error(`${progname}: option '${prefix}${name}' is ambiguous; possibilities:${cands.map((c) => ` '${prefix}${c.name}'`).join("")}\n`, "?", a);
          i++;
          continue;
        }
        match = cands[0];
      }
      if (!match) {
        if (o.longOnly && !a.startsWith("--") && shorts.has(a[1]!)) {
          // fall through to short-option handling
        } else {
          error(`${progname}: unrecognized option '${prefix}${name}'\n`, "?", a);
          i++;
          continue;
        }
      } else {
        if (match.arg === "none" && inline !== undefined) {
          error(`${progname}: option '${prefix}${match.name}' doesn't allow an argument\n`, "?", a);
          i++;
          continue;
        }
        if (match.arg === "required" && inline === undefined) {
          if (i + 1 >= argv.length) {
            error(`${progname}: option '${prefix}${match.name}' requires an argument\n`, quiet ? ":" : "?", a);
            i++;
            continue;
          }
          events.push({ kind: "option", key: match.key, arg: argv[i + 1]!, spelled: `${prefix}${match.name}` });
          i += 2;
          continue;
        }
        events.push({ kind: "option", key: match.key, ...(inline !== undefined ? { arg: inline } : {}), spelled: `${prefix}${match.name}` });
        i++;
        continue;
      }
    }
    // a cluster of short options
    let j = 1;
    let consumedNext = false;
    while (j < a.length) {
      const c = a[j]!;
      const s = shorts.get(c);
      if (!s) {
        error(`${progname}: invalid option -- '${c}'\n`, "?", `-${c}`);
        j++;
        continue;
      }
      if (s.arg === "none") {
        events.push({ kind: "option", key: c, spelled: `-${c}` });
        j++;
        continue;
      }
      const rest = a.slice(j + 1);
      if (rest !== "") events.push({ kind: "option", key: c, arg: rest, spelled: `-${c}` });
      else if (s.arg === "optional") events.push({ kind: "option", key: c, spelled: `-${c}` });
      else if (i + 1 < argv.length) {
        events.push({ kind: "option", key: c, arg: argv[i + 1]!, spelled: `-${c}` });
        consumedNext = true;
      } else error(`${progname}: option requires an argument -- '${c}'\n`, quiet ? ":" : "?", `-${c}`);
      break;
    }
    i += consumedNext ? 2 : 1;
  }
  return { events, operands };
}
