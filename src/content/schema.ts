// One zod schema per content kind: each gives the TypeScript type and the load-time check.
import { z } from "zod";

export const ObjectiveId = z.string().regex(/^35[123]\.[1-5]$/, 'an exam objective id such as "351.4"');
const Anchor = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "a lower-case anchor such as storage-pools");

export const Objective = z.strictObject({
  id: ObjectiveId,
  topic: z.string(),
  title: z.string().min(1),
  weight: z.number().int().positive(),
  description: z.string(),
  key_knowledge_areas: z.array(z.string()).min(1),
  cited_objects: z.array(z.string()),
  cited_object_notes: z.array(z.string()).optional(),
});
export type Objective = z.infer<typeof Objective>;

export const ObjectivesFile = z.strictObject({
  exam: z.strictObject({
    code: z.string(),
    name: z.string(),
    objectives_version: z.string(),
    note: z.string().optional(),
    total_weight: z.number().int(),
  }),
  topics: z.array(z.strictObject({ id: z.string(), title: z.string(), weight: z.number().int() })),
  objectives: z.array(Objective).min(1),
});
export type ObjectivesFile = z.infer<typeof ObjectivesFile>;

/** Front matter of a topic note (content/topics/<id>.md). */
export const NoteFrontMatter = z.strictObject({
  id: ObjectiveId,
  title: z.string().min(1),
  weight: z.number().int().positive(),
});
export type NoteFrontMatter = z.infer<typeof NoteFrontMatter>;

/** A reference to a section of a note: "351.4#storage-pools". */
export const SectionRef = z.string().regex(/^35[123]\.[1-5]#[a-z0-9][a-z0-9-]*$/, 'a note section such as "351.4#storage-pools"');

const Letter = z.enum(["A", "B", "C", "D", "E", "F"]);
const QuestionBase = {
  id: z.string().regex(/^35[123]\.[1-5]-[0-9]{3}$/, 'an id such as "351.4-017"'),
  stem: z.string().min(10),
  explanation: z.string().min(20),
  ref: SectionRef,
  see: z.array(SectionRef).optional(),
};

export const Question = z.discriminatedUnion("type", [
  z.strictObject({ ...QuestionBase, type: z.literal("single"), choices: z.array(z.string().min(1)).min(3).max(6), answer: Letter }),
  z.strictObject({
    ...QuestionBase,
    type: z.literal("multi"),
    choices: z.array(z.string().min(1)).min(4).max(6),
    answer: z.array(Letter).min(2),
  }),
  z.strictObject({
    ...QuestionBase,
    type: z.literal("fill"),
    /** Every form the real tool accepts; compared after trimming and collapsing spaces. */
    accept: z.array(z.string().min(1)).min(1),
    ignore_case: z.boolean().optional(),
  }),
]);
export type Question = z.infer<typeof Question>;

export const QuestionBank = z.strictObject({
  objective: ObjectiveId,
  questions: z.array(Question),
});
export type QuestionBank = z.infer<typeof QuestionBank>;

export { Anchor };
