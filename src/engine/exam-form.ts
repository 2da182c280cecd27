// Drawing an exam form to the blueprint: one question per weight point of each objective, no repeats.
import type { Question } from "../content/schema";
import { rng, shuffle } from "./rng";

export interface FormQuestion {
  id: string;
  objective: string;
  type: Question["type"];
}

export interface BlueprintObjective {
  id: string;
  weight: number;
}

/**
 * For each objective, `weight` questions drawn at random from its bank (so the types come in the bank's
 * proportions), then the whole form shuffled. The same seed gives the same form.
 */
export function drawForm(objectives: BlueprintObjective[], bank: Map<string, Question[]>, seed: number): FormQuestion[] {
  const r = rng(seed);
  const picked: FormQuestion[] = [];
  for (const o of objectives) {
    const pool = bank.get(o.id) ?? [];
    if (pool.length < o.weight) throw new Error(`objective ${o.id} has ${pool.length} questions; the exam needs ${o.weight}`);
    for (const q of shuffle(pool, r).slice(0, o.weight)) picked.push({ id: q.id, objective: o.id, type: q.type });
  }
  return shuffle(picked, r);
}
