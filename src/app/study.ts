// Study mode: find a note, or one section of it, by objective id and section name.
import { notes as loadNotes, objectives as loadObjectives } from "../content/repository";
import type { Note, Section } from "../content/notes";
import { notFound, usageError } from "./errors";

export interface StudyPage {
  note: Note;
  section?: Section;
  markdown: string;
}

export function resolveObjective(arg: string): string {
  const objs = loadObjectives();
  const id = arg.trim();
  const exact = objs.find((o) => o.id === id);
  if (exact) return exact.id;
  const byTitle = objs.filter((o) => o.title.toLowerCase().includes(id.toLowerCase()));
  if (byTitle.length === 1) return byTitle[0]!.id;
  throw usageError(`unknown objective '${arg}': use an id from 'lpic3 topics' such as 351.4`);
}

/** Match a section by anchor, then by exact title, then by a unique title prefix or substring (case-insensitive). */
export function findSection(note: Note, name: string): Section {
  const q = name.trim().toLowerCase().replace(/^#/, "");
  const s =
    note.sections.find((x) => x.anchor === q) ??
    note.sections.find((x) => x.title.toLowerCase() === q) ??
    unique(note.sections.filter((x) => x.title.toLowerCase().startsWith(q))) ??
    unique(note.sections.filter((x) => x.title.toLowerCase().includes(q) || x.anchor.includes(q)));
  if (s) return s;
  const list = note.sections.filter((x) => x.level === 2).map((x) => x.anchor).join(", ");
  throw notFound(`no section '${name}' in ${note.id}; sections: ${list}`);
}

const unique = <T>(xs: T[]) => (xs.length === 1 ? xs[0] : undefined);

export function studyPage(objective: string, section?: string): StudyPage {
  const id = resolveObjective(objective);
  const note = loadNotes().find((n) => n.id === id);
  if (!note) throw notFound(`there is no note for ${id} yet`);
  if (section === undefined) return { note, markdown: note.markdown };
  const s = findSection(note, section);
  return { note, section: s, markdown: s.markdown };
}
