// Loading labs (labs/*.yaml) and drills (content/drills/*.yaml) with located issues instead of exceptions.
import { join } from "node:path";
import { displayPath, listFiles, readText } from "../platform/files";
import { contentDir, labsDir } from "../platform/paths";
import { DrillFile, type Drill } from "./drill-schema";
import type { ContentIssue } from "./issues";
import { Lab } from "./lab-schema";
import { parseYaml } from "./yaml-source";

export interface LoadedLab {
  lab: Lab;
  file: string;
  lineOf(path: (string | number)[]): number;
}

export function loadLabs(dir = labsDir()): { labs: LoadedLab[]; issues: ContentIssue[] } {
  const labs: LoadedLab[] = [];
  const issues: ContentIssue[] = [];
  const seen = new Map<string, string>();
  for (const abs of listFiles(dir, [".yaml", ".yml"])) {
    const file = displayPath(abs);
    const r = parseYaml(file, readText(abs), Lab);
    issues.push(...r.issues);
    if (!r.value) continue;
    const prev = seen.get(r.value.id);
    if (prev) issues.push({ file, line: r.lineOf(["id"]), field: "id", message: `duplicate lab id '${r.value.id}' (also ${prev})` });
    seen.set(r.value.id, file);
    labs.push({ lab: r.value, file, lineOf: r.lineOf });
  }
  return { labs, issues };
}

export function loadDrills(dir = join(contentDir(), "drills")): { drills: Drill[]; issues: ContentIssue[] } {
  const drills: Drill[] = [];
  const issues: ContentIssue[] = [];
  const seen = new Map<string, string>();
  for (const abs of listFiles(dir, [".yaml", ".yml"])) {
    const file = displayPath(abs);
    const r = parseYaml(file, readText(abs), DrillFile);
    issues.push(...r.issues);
    if (!r.value) continue;
    const f = r.value;
    f.items.forEach((it, i) => {
      const line = r.lineOf(["items", i, "id"]);
      const prev = seen.get(it.id);
      if (prev) issues.push({ file, line, field: `items[${i}].id`, message: `duplicate drill id '${it.id}' (also ${prev})` });
      seen.set(it.id, `${file}:${line}`);
      drills.push({
        id: it.id,
        objective: it.objective ?? f.objective,
        tool: f.tool,
        ...(f.family ? { family: f.family } : {}),
        fixture: it.fixture ?? f.fixture,
        ...(f.host ? { host: f.host } : {}),
        ...(f.setup || it.setup ? { setup: [f.setup, it.setup].filter(Boolean).map((x) => x!.replace(/\n*$/, "\n")).join("") } : {}),
        ...(it.within ? { within: it.within.trim() } : {}),
        task: it.task.trim(),
        answer: it.answer.trim(),
        grade: it.grade,
        mask: it.mask,
        ignorePaths: it.ignore_paths,
        also: it.also,
        not: it.not,
        ...(it.explain ? { explain: it.explain.trim() } : {}),
        see: f.see,
        file,
        line,
      });
    });
  }
  return { drills, issues };
}
