// The question banks as the study use cases need them: by objective and by id.
import { ContentInvalid } from "../content/issues";
import { loadBanks, objectives as loadObjectives } from "../content/repository";
import type { Objective, Question } from "../content/schema";

export interface Bank {
  objectives: Objective[];
  byObjective: Map<string, Question[]>;
  byId: Map<string, { q: Question; objective: string }>;
}

let cached: Bank | undefined;

export function bank(): Bank {
  if (cached) return cached;
  const r = loadBanks();
  if (r.issues.length) throw new ContentInvalid(r.issues);
  const objectives = loadObjectives();
  const byObjective = new Map<string, Question[]>();
  const byId = new Map<string, { q: Question; objective: string }>();
  for (const o of objectives) byObjective.set(o.id, []);
  for (const b of r.value) {
    for (const q of b.questions) {
      byObjective.get(b.objective)?.push(q);
      byId.set(q.id, { q, objective: b.objective });
    }
  }
  return (cached = { objectives, byObjective, byId });
}
