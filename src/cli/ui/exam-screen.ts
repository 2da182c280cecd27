// One exam question on screen with a live countdown: the learner answers, moves, flags or opens the menu.
import { createPrompt, isBackspaceKey, isDownKey, isEnterKey, isSpaceKey, isUpKey, useEffect, useKeypress, useState } from "@inquirer/core";
import type { ChalkInstance } from "chalk";
import type { Question } from "../../content/schema";
import type { Given } from "../../engine/grading";
import { wrap } from "../render/text";

export type ScreenAction =
  | { kind: "answer"; given: Given | null; move: 1 | -1 | 0 }
  | { kind: "flag"; given: Given | null }
  | { kind: "menu"; given: Given | null }
  | { kind: "timeout"; given: Given | null };

export interface ScreenConfig {
  q: Question;
  index: number;
  total: number;
  objective: string;
  answered: number;
  flagged: boolean;
  given?: Given;
  /** Epoch ms when time runs out. */
  deadline: number;
  chalk: ChalkInstance;
  width: number;
}

export function formatClock(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return `${h ? `${h}:` : ""}${String(m).padStart(h ? 2 : 1, "0")}:${String(sec).padStart(2, "0")}`;
}

export const examScreen = createPrompt<ScreenAction, ScreenConfig>((config, done) => {
  const { q, chalk: c } = config;
  const letters = "ABCDEF";
  const initialSel = q.type === "fill" ? [] : Array.isArray(config.given) ? config.given : config.given ? [config.given] : [];
  const [selected, setSelected] = useState<string[]>(initialSel);
  const [cursor, setCursor] = useState(Math.max(0, letters.indexOf(initialSel[0] ?? "A")));
  const [text, setText] = useState(q.type === "fill" && typeof config.given === "string" ? config.given : "");
  const [now, setNow] = useState(Date.now());
  const [status, setStatus] = useState<"idle" | "done">("idle");

  const current = (): Given | null => {
    if (q.type === "fill") return text.trim() ? text : null;
    if (q.type === "single") return selected[0] ?? null;
    return selected.length ? [...selected].sort() : null;
  };
  const finish = (a: ScreenAction) => {
    setStatus("done");
    done(a);
  };

  useEffect((rl) => {
    if (q.type === "fill" && text) rl.write(text);
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);

  useEffect(() => {
    if (status === "idle" && now >= config.deadline) finish({ kind: "timeout", given: current() });
  }, [now]);

  useKeypress((key, rl) => {
    if (status !== "idle") return;
    const shiftTab = key.name === "tab" && key.shift;
    const tab = key.name === "tab" && !key.shift;
    if (key.name === "escape") return finish({ kind: "menu", given: current() });
    if (q.type === "fill") {
      if (tab || shiftTab) {
        rl.clearLine(0);
        rl.write(text);
        return finish({ kind: "answer", given: current(), move: tab ? 1 : -1 });
      }
      if (isEnterKey(key)) return finish({ kind: "answer", given: current(), move: 1 });
      if (isUpKey(key) || isDownKey(key)) return finish({ kind: "answer", given: current(), move: isUpKey(key) ? -1 : 1 });
      if (key.ctrl && key.name === "f") return finish({ kind: "flag", given: current() });
      setText(rl.line);
      return;
    }
    const n = q.choices.length;
    if (isEnterKey(key)) return finish({ kind: "answer", given: current(), move: 1 });
    if (tab || key.name === "right") return finish({ kind: "answer", given: current(), move: 1 });
    if (shiftTab || key.name === "left") return finish({ kind: "answer", given: current(), move: -1 });
    if (isUpKey(key)) return setCursor((cursor + n - 1) % n);
    if (isDownKey(key)) return setCursor((cursor + 1) % n);
    if (key.name === "f" && !key.ctrl) return finish({ kind: "flag", given: current() });
    if (isBackspaceKey(key) || key.name === "delete") return setSelected([]);
    const letterIdx = key.name.length === 1 ? letters.indexOf(key.name.toUpperCase()) : -1;
    const idx = isSpaceKey(key) ? cursor : letterIdx >= 0 && letterIdx < n ? letterIdx : -1;
    if (idx < 0) return;
    setCursor(idx);
    const l = letters[idx]!;
    if (q.type === "single") setSelected([l]);
    else setSelected(selected.includes(l) ? selected.filter((x) => x !== l) : [...selected, l]);
  });

  const remaining = config.deadline - now;
  const clock = formatClock(remaining);
  const clockStyled = remaining < 5 * 60_000 ? c.bold.red(clock) : remaining < 15 * 60_000 ? c.yellow(clock) : c.green(clock);
  const width = Math.min(config.width, 100);
  const head = `${c.bold(`Question ${config.index + 1} of ${config.total}`)}  ${c.dim(`${config.objective} · ${q.type === "single" ? "choose one" : q.type === "multi" ? "choose all that apply" : "type the answer"}`)}${config.flagged ? "  " + c.yellow("⚑ flagged") : ""}`;
  const status_ = `${c.dim("answered")} ${config.answered}/${config.total}   ${c.dim("time left")} ${clockStyled}`;
  const lines: string[] = [head, status_, ""];
  for (const para of q.stem.trim().split(/\n/)) lines.push(...wrap(para, width));
  lines.push("");
  if (q.type === "fill") {
    lines.push(`${c.cyan("Answer:")} ${text}`);
  } else {
    q.choices.forEach((ch, i) => {
      const l = letters[i]!;
      const on = selected.includes(l);
      const mark = q.type === "single" ? (on ? "(•)" : "( )") : on ? "[x]" : "[ ]";
      const pointer = i === cursor ? c.cyan("›") : " ";
      const body = wrap(`${l}. ${ch}`, width - 6, "", "   ");
      lines.push(`${pointer} ${on ? c.cyan(mark) : mark} ${on ? c.bold(body[0]!) : body[0]}`, ...body.slice(1).map((b) => `      ${b}`));
    });
  }
  const keys = wrap(
    q.type === "fill"
      ? "Enter save and next · Tab/↓ next · Shift-Tab/↑ previous · Ctrl-F flag · Esc menu (review, jump, submit)"
      : `${q.type === "single" ? "A–" + letters[q.choices.length - 1] + " or Space choose" : "A–" + letters[q.choices.length - 1] + " or Space toggle"} · Enter/→ next · ← previous · F flag · Esc menu (review, jump, submit)`,
    width,
  ).map((l) => c.dim(l));
  // a fill-in question keeps the cursor on its answer line, with the keys below it
  if (q.type === "fill") return [lines.join("\n"), ["", ...keys].join("\n")];
  // a choice question has no text cursor: hide it (inquirer shows it again when the screen is done)
  return [...lines, "", ...keys].join("\n") + "\u001b[?25l";
});
