// The exam blueprint with the learner's progress beside each objective.
import { objectives as loadObjectives } from "../content/repository";

export interface TopicRow {
  id: string;
  topic: string;
  title: string;
  weight: number;
}

export function topics(): TopicRow[] {
  return loadObjectives().map((o) => ({ id: o.id, topic: o.topic, title: o.title, weight: o.weight }));
}
