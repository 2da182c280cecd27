// The lab shell use cases: open a fixture as a world, run scripts in it, start an interactive session.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ContentInvalid } from "../content/issues";
import { displayPath, listFiles, readText } from "../platform/files";
import { contentDir } from "../platform/paths";
import { loadNodeXmlFixture, loadYamlFixture, type FixtureLoad } from "../sim/fixtures/load";
import type { World } from "../sim/model/world";
import { Session, type SessionOptions } from "../sim/shell/session";
import { stderrOf, stdoutOf } from "../sim/shell/tool";
import { createRegistry } from "../sim/tools/index";
import { notFound } from "./errors";

export const DEFAULT_FIXTURE = "kvm";

export function fixtureNames(): string[] {
  return listFiles(join(contentDir(), "hosts"), [".yaml"]).map((f) => f.slice(f.lastIndexOf("/") + 1, -5));
}

/** A file's text, or undefined when it cannot be read (a test-driver node's referenced files). */
function readIfFile(path: string): string | undefined {
  try {
    return readText(path);
  } catch {
    return undefined;
  }
}

/** Resolve a fixture name (kvm, xen), a YAML path or a libvirt <node> XML path to a world. */
export function openWorld(fixture: string = DEFAULT_FIXTURE): { world: World; title: string } {
  const named = join(contentDir(), "hosts", `${fixture}.yaml`);
  let r: FixtureLoad;
  if (/^[a-z0-9-]+$/.test(fixture) && existsSync(named)) r = loadYamlFixture(readText(named), displayPath(named));
  else if (existsSync(fixture)) {
    const abs = resolve(fixture);
    r = /\.xml$/i.test(abs) ? loadNodeXmlFixture(readText(abs), abs, undefined, readIfFile) : loadYamlFixture(readText(abs), displayPath(abs));
  } else throw notFound(`no host fixture '${fixture}': use one of ${fixtureNames().join(", ")} or a path to a .yaml fixture or libvirt <node> .xml file`);
  if (r.issues.length || !r.world) throw new ContentInvalid(r.issues);
  return { world: r.world, title: r.title ?? fixture };
}

export function newSession(world: World, options: SessionOptions): Session {
  return new Session(world, createRegistry(), options);
}

export interface ScriptEntry {
  cmd: string;
  stdout: string;
  stderr: string;
  exit: number;
}

/**
 * Run script text in one session as the contract describes: blank and # lines skipped, a here-document
 * (or any unfinished line) takes the following lines, an interactive program takes the following lines
 * as its input until it exits.
 */
export function runScript(session: Session, text: string, onEntry?: (e: ScriptEntry) => void): ScriptEntry[] {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const entries: ScriptEntry[] = [];
  let i = 0;
  while (i < lines.length && !session.exited) {
    let cmd = lines[i++]!;
    if (cmd.trim() === "" || cmd.trimStart().startsWith("#")) continue;
    // only lines that could open a here-document, a quote or a continuation need the parser's opinion
    if (/[<'"\\|&(`]/.test(cmd)) while (Session.needsMore(cmd) && i < lines.length) cmd += "\n" + lines[i++]!;
    const r = session.run(cmd);
    const chunks = [...r.out];
    let exit = r.exit;
    while (session.program) {
      if (i >= lines.length) {
        const e = session.endProgram();
        chunks.push(...e.out);
        exit = e.exit;
        break;
      }
      const f = session.feedProgram(lines[i++]!);
      chunks.push(...f.out);
      exit = f.exit;
    }
    const entry = { cmd, stdout: stdoutOf(chunks), stderr: stderrOf(chunks), exit };
    entries.push(entry);
    onEntry?.(entry);
  }
  return entries;
}
