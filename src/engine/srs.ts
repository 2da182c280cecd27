// Spaced repetition: every question and drill item is an FSRS card, replayed from the answer log.
import { createEmptyCard, fsrs, Rating, type Card, type Grade } from "ts-fsrs";
import type { ProgressEvent } from "./events";

export interface ItemState {
  item: string;
  objective: string;
  kind: "question" | "drill";
  card: Card;
  attempts: number;
  correct: number;
  /** Consecutive misses up to the latest answer. */
  missStreak: number;
  lastCorrect: boolean;
  lastAt: Date;
}

const scheduler = fsrs({ enable_fuzz: false });

/** Card states of every item answered at least once, from the log's answer and drill events (pure). */
export function itemStates(events: readonly ProgressEvent[]): Map<string, ItemState> {
  const states = new Map<string, ItemState>();
  const sorted = events.filter((e) => e.t === "answer" || e.t === "drill").sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  for (const e of sorted) {
    if (e.t !== "answer" && e.t !== "drill") continue;
    const at = new Date(e.at);
    const prev = states.get(e.item);
    const card: Card = prev ? prev.card : createEmptyCard(at);
    const grade: Grade = e.correct ? Rating.Good : Rating.Again;
    // answers logged out of order (an imported log) are reviewed no earlier than the card's last review
    const when = card.last_review && at < card.last_review ? card.last_review : at;
    const next = scheduler.next(card, when, grade).card;
    states.set(e.item, {
      item: e.item,
      objective: e.objective,
      kind: e.t === "drill" ? "drill" : "question",
      card: next,
      attempts: (prev?.attempts ?? 0) + 1,
      correct: (prev?.correct ?? 0) + (e.correct ? 1 : 0),
      missStreak: e.correct ? 0 : (prev?.missStreak ?? 0) + 1,
      lastCorrect: e.correct,
      lastAt: at,
    });
  }
  return states;
}

/** Items due at `now`, earliest due first. */
export function dueItems(states: Map<string, ItemState>, now: Date, kind?: ItemState["kind"]): ItemState[] {
  return [...states.values()]
    .filter((s) => (kind === undefined || s.kind === kind) && s.card.due.getTime() <= now.getTime())
    .sort((a, b) => a.card.due.getTime() - b.card.due.getTime() || (a.item < b.item ? -1 : 1));
}
