// One look for every @inquirer prompt, coloured through lpic3's own chalk so --no-color, NO_COLOR and a
// piped stdout are honoured the same way as everywhere else; and question text wrapped at word boundaries
// (inquirer itself breaks long lines in the middle of words).
import type { ChalkInstance } from "chalk";
import { wrap } from "../render/text";

/** The theme for select, checkbox, input and confirm. The done mark is neutral: a quiz answer may be wrong. */
export function promptTheme(c: ChalkInstance) {
  return {
    prefix: { idle: c.blue("?"), done: c.cyan("›") },
    icon: { cursor: "❯", checked: c.green("◉"), unchecked: "◯" },
    style: {
      answer: (t: string) => c.cyan(t),
      message: (t: string) => c.bold(t),
      error: (t: string) => c.red(`> ${t}`),
      defaultAnswer: (t: string) => c.dim(`(${t})`),
      help: (t: string) => c.dim(t),
      highlight: (t: string) => c.cyan(t),
      key: (t: string) => c.cyan.bold(`<${t}>`),
      description: (t: string) => c.cyan(t),
      disabled: (t: string) => c.dim(t),
      keysHelpTip: (keys: [string, string][]) => keys.map(([k, a]) => `${c.bold(k)} ${c.dim(a)}`).join(c.dim(" • ")),
    },
  };
}

/** A prompt's message wrapped to `width`: the first line follows the "? " prefix, the rest line up under it. */
export function wrapMessage(text: string, width: number): string {
  return text
    .trim()
    .split("\n")
    .flatMap((para, i) => wrap(para, width, i === 0 ? "" : "  ", "  "))
    .join("\n");
}

/** A lettered choice ("B. text") wrapped so its continuation lines start under the text, after `lead` columns. */
export function wrapChoice(text: string, width: number, lead: number): string {
  return wrap(text, width - lead, "", "   ")
    .map((l, i) => (i === 0 ? l : " ".repeat(lead) + l))
    .join("\n");
}
