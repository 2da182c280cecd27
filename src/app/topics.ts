// The exam blueprint with the learner's progress beside each objective.
import { cachedObjectives } from "../content/objectives-cache";

export interface TopicRow {
  id: string;
  topic: string;
  title: string;
  weight: number;
}

export async function topics(): Promise<TopicRow[]> {
  return (await cachedObjectives()).map((o) => ({ id: o.id, topic: o.topic, title: o.title, weight: o.weight }));
}
