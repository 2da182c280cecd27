// The list of subcommands; each file wires one of them.
import type { Command } from "commander";
import type { Terminal } from "../../platform/terminal";
import { registerContent } from "./content";
import { registerDrill } from "./drill";
import { registerExam } from "./exam";
import { registerLab } from "./lab";
import { registerQuiz } from "./quiz";
import { registerStats } from "./stats";
import { registerSearch } from "./search";
import { registerShell } from "./shell";
import { registerStudy } from "./study";
import { registerTopics } from "./topics";

export function registerCommands(program: Command, term: Terminal): void {
  registerTopics(program, term);
  registerStudy(program, term);
  registerSearch(program, term);
  registerQuiz(program, term);
  registerExam(program, term);
  registerStats(program, term);
  registerShell(program, term);
  registerLab(program, term);
  registerDrill(program, term);
  registerContent(program, term);
}
