// Loads every kind of content from the content folder, collecting located issues instead of throwing.
import { join } from "node:path";
import { displayPath, listFiles, readText } from "../platform/files";
import { contentDir } from "../platform/paths";
import { ContentInvalid, type ContentIssue } from "./issues";
import { parseNote, type Note } from "./notes";
import { ObjectivesFile, QuestionBank, type Objective, type Question } from "./schema";
import { parseYaml } from "./yaml-source";

export interface Loaded<T> {
  value: T;
  issues: ContentIssue[];
}

export interface LoadedBank {
  file: string;
  objective: string;
  questions: Question[];
  lineOf(path: (string | number)[]): number;
}

export function loadObjectivesFile(dir = contentDir()): Loaded<Objective[]> {
  const abs = join(dir, "objectives.yaml");
  const file = displayPath(abs);
  let text: string;
  try {
    text = readText(abs);
  } catch {
    return { value: [], issues: [{ file, line: 1, field: "(file)", message: "cannot read the objectives file" }] };
  }
  const r = parseYaml(file, text, ObjectivesFile);
  const issues = [...r.issues];
  const objectives = r.value?.objectives ?? [];
  const seen = new Set<string>();
  objectives.forEach((o, i) => {
    if (seen.has(o.id)) issues.push({ file, line: r.lineOf(["objectives", i, "id"]), field: `objectives[${i}].id`, message: `duplicate objective id '${o.id}'` });
    seen.add(o.id);
  });
  if (r.value) {
    const sum = objectives.reduce((a, o) => a + o.weight, 0);
    if (sum !== r.value.exam.total_weight)
      issues.push({ file, line: r.lineOf(["exam", "total_weight"]), field: "exam.total_weight", message: `objective weights sum to ${sum}, not ${r.value.exam.total_weight}` });
  }
  return { value: objectives, issues };
}

/** The objectives, or a ContentInvalid error naming what is wrong. */
export function objectives(dir = contentDir()): Objective[] {
  const r = loadObjectivesFile(dir);
  if (r.issues.length) throw new ContentInvalid(r.issues);
  return r.value;
}

export function loadNotes(dir = contentDir()): Loaded<Note[]> {
  const notes: Note[] = [];
  const issues: ContentIssue[] = [];
  for (const abs of listFiles(join(dir, "topics"), [".md"])) {
    const file = displayPath(abs);
    const r = parseNote(file, readText(abs));
    issues.push(...r.issues);
    if (r.note) notes.push(r.note);
  }
  return { value: notes, issues };
}

export function notes(dir = contentDir()): Note[] {
  const r = loadNotes(dir);
  if (r.issues.length) throw new ContentInvalid(r.issues);
  return r.value;
}

export function loadBanks(dir = contentDir()): Loaded<LoadedBank[]> {
  const banks: LoadedBank[] = [];
  const issues: ContentIssue[] = [];
  for (const abs of listFiles(join(dir, "quizzes"), [".yaml", ".yml"])) {
    const file = displayPath(abs);
    const r = parseYaml(file, readText(abs), QuestionBank);
    issues.push(...r.issues);
    if (r.value) banks.push({ file, objective: r.value.objective, questions: r.value.questions, lineOf: r.lineOf });
  }
  return { value: banks, issues };
}
