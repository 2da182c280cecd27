// Moving progress between machines: export, import (merge without duplicates) and reset.
import { readFileSync, writeFileSync } from "node:fs";
import { migrate, ProgressEvent } from "../engine/events";
import { readEvents, progressStore } from "./progress";
import { AppError, usageError } from "./errors";

const HEADER = "lpic3-progress";

export function exportProgress(file: string): number {
  const events = readEvents();
  const header = JSON.stringify({ [HEADER]: 1, exported: new Date().toISOString(), events: events.length });
  writeFileSync(file, [header, ...events.map((e) => JSON.stringify(e))].join("\n") + "\n", { mode: 0o600 });
  return events.length;
}

export function importProgress(file: string): { added: number; present: number; kept: string | null } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw usageError(`cannot read '${file}'`);
  }
  const lines = text.split("\n");
  const incoming: ProgressEvent[] = [];
  const problems: string[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      problems.push(`${file}:${i + 1}: (json): not a JSON line`);
      return;
    }
    if (raw && typeof raw === "object" && HEADER in raw) return;
    const r = ProgressEvent.safeParse(migrate(raw as Record<string, unknown>));
    if (r.success) incoming.push(r.data);
    else problems.push(`${file}:${i + 1}: ${r.error.issues[0]?.path.join(".") || "(event)"}: ${r.error.issues[0]?.message ?? "not an lpic3 progress event"}`);
  });
  if (problems.length) throw new AppError("usage", `'${file}' is not an lpic3 progress export (${problems.length} bad line${problems.length > 1 ? "s" : ""}); nothing was imported`, problems.slice(0, 20));
  const current = readEvents();
  const ids = new Set(current.map((e) => e.id));
  const fresh = incoming.filter((e) => !ids.has(e.id));
  if (fresh.length === 0) return { added: 0, present: incoming.length, kept: null };
  const merged = [...current, ...fresh].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const kept = progressStore().replace(merged, "before-import");
  return { added: fresh.length, present: incoming.length - fresh.length, kept };
}

export function resetProgress(): string | null {
  return progressStore().replace([], "before-reset");
}
