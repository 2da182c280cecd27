// A list to choose from whose heading is redrawn every second (the exam's menus show the time left ticking),
// with Esc to go back, digits to jump to an entry, and a deadline that ends it.
import { createPrompt, isDownKey, isEnterKey, isUpKey, useEffect, useKeypress, useState } from "@inquirer/core";
import type { ChalkInstance } from "chalk";
import { visibleWidth, wrap } from "../render/text";

export interface MenuChoice<V> {
  name: string;
  value: V;
}

export interface MenuConfig<V> {
  /** The heading, asked again every second (it may show a clock). */
  message: () => string;
  choices: MenuChoice<V>[];
  /** Index of the entry the cursor starts on. */
  default?: number;
  /** Entries shown at once; the list scrolls past that. */
  pageSize?: number;
  /** Value returned when the learner presses Esc (no Esc when undefined). */
  escape?: V;
  /** Epoch ms; at that moment the menu ends with `timeout`. */
  deadline?: number;
  timeout?: V;
  /** Digits pick the entry with that number (1-based), as in a numbered list. */
  numbered?: boolean;
  chalk: ChalkInstance;
  width: number;
}

/** Cut `s` to `width` columns, ending with an ellipsis when something was cut. */
export function fit(s: string, width: number): string {
  if (visibleWidth(s) <= width) return s;
  let out = "";
  for (const ch of s) {
    if (visibleWidth(out + ch) > width - 1) break;
    out += ch;
  }
  return out.replace(/\s+$/, "") + "…";
}

function menuPrompt<V>() {
  return createPrompt<V, MenuConfig<V>>((config, done) => {
    const c = config.chalk;
    const n = config.choices.length;
    const [cursor, setCursor] = useState(Math.max(0, Math.min(n - 1, config.default ?? 0)));
    const [, setNow] = useState(Date.now());
    const [digits, setDigits] = useState("");
    const [status, setStatus] = useState<"idle" | "done">("idle");
    const finish = (v: V) => {
      setStatus("done");
      done(v);
    };

    useEffect(() => {
      const t = setInterval(() => {
        setNow(Date.now());
        if (config.deadline !== undefined && Date.now() >= config.deadline) finish(config.timeout as V);
      }, 1000);
      return () => clearInterval(t);
    }, []);

    useKeypress((key) => {
      if (status !== "idle") return;
      if (isEnterKey(key)) return finish(config.choices[cursor]!.value);
      if (key.name === "escape" && config.escape !== undefined) return finish(config.escape);
      if (isUpKey(key)) return setCursor((cursor + n - 1) % n);
      if (isDownKey(key)) return setCursor((cursor + 1) % n);
      if (key.name === "home") return setCursor(0);
      if (key.name === "end") return setCursor(n - 1);
      if (key.name === "pageup") return setCursor(Math.max(0, cursor - (config.pageSize ?? n)));
      if (key.name === "pagedown") return setCursor(Math.min(n - 1, cursor + (config.pageSize ?? n)));
      if (config.numbered && /^[0-9]$/.test(key.name ?? "")) {
        // "1" then "2" within a moment picks 12; a number past the end starts again
        const typed = digits + key.name;
        const k = Number(typed) - 1;
        const next = k >= 0 && k < n ? typed : key.name;
        const i = Number(next) - 1;
        setDigits(next);
        if (i >= 0 && i < n) setCursor(i);
      }
    });

    const head = wrap(config.message(), config.width)
      .map((l) => c.bold(l))
      .join("\n");
    if (status === "done") return "";
    const size = Math.min(n, config.pageSize ?? n);
    const start = Math.max(0, Math.min(n - size, cursor - Math.floor(size / 2)));
    const lines = [head];
    for (let i = start; i < start + size; i++) {
      const ch = config.choices[i]!;
      const text = fit(ch.name, config.width - 2);
      lines.push(i === cursor ? `${c.cyan("❯")} ${c.cyan(text)}` : `  ${text}`);
    }
    const help = [size < n ? `${start + 1}–${start + size} of ${n}` : "", "↑↓ move", config.numbered ? "number jumps" : "", "Enter choose", config.escape !== undefined ? "Esc back" : ""].filter(Boolean);
    lines.push("", c.dim(help.join(" · ")));
    return lines.join("\n") + "\u001b[?25l";
  });
}

/** Ask for one of `choices`; Ctrl-C rejects with inquirer's ExitPromptError like the other prompts. */
export function menu<V>(config: MenuConfig<V>, context?: Parameters<ReturnType<typeof menuPrompt<V>>>[1]): Promise<V> {
  return menuPrompt<V>()(config, { clearPromptOnDone: true, ...context });
}
