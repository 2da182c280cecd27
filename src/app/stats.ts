// Progress statistics for `lpic3 stats` and `lpic3 topics`.
import { computeStats, type Stats } from "../engine/stats";
import { readEvents, progressStore } from "./progress";
import { bank } from "./questions";

export function stats(now = new Date()): Stats {
  const b = bank();
  const objectives = b.objectives.map((o) => ({ id: o.id, title: o.title, weight: o.weight, questions: b.byObjective.get(o.id)?.length ?? 0 }));
  return computeStats(readEvents(), objectives, now);
}

/** Mastery per objective, or null when the learner has no progress yet (keeps `topics` fast). */
export function masteryByObjective(): Map<string, { mastery: number; answered: number; questions: number }> | null {
  if (!progressStore().exists()) return null;
  return new Map(stats().objectives.map((o) => [o.id, { mastery: o.mastery, answered: o.answered, questions: o.questions }]));
}
