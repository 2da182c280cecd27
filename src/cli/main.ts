// Entry point: wires commander to the use cases and maps every error to one line and an exit code.
import { Command, CommanderError, Option } from "commander";
import { AppError, exitCodeFor } from "../app/errors";
import { packageVersion } from "../platform/paths";
import { processTerminal, type Terminal } from "../platform/terminal";
import { registerCommands } from "./commands/index";

export async function main(argv: string[]): Promise<number> {
  const term = processTerminal(argv);
  const debug = argv.includes("--debug") || Boolean(process.env.LPIC3_DEBUG);
  const program = buildProgram(term);
  try {
    if (argv.length === 0 || (argv.length === 1 && ["--no-color", "--debug"].includes(argv[0]!))) {
      if (process.stdin.isTTY && process.stdout.isTTY) {
        const { homeMenu } = await import("./home");
        await homeMenu(term, program);
        return 0;
      }
      term.out(program.helpInformation());
      return 0;
    }
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    return reportError(err, term, debug);
  }
}

export function buildProgram(term: Terminal): Command {
  const program = new Command("lpic3")
    .description("Study, practise and self-test for LPIC-3 305-300 (Virtualization and Containerization), offline.")
    .version(packageVersion(), "-V, --version", "print the version")
    .addOption(new Option("--no-color", "no colours in the output (NO_COLOR=1 does the same)"))
    .addOption(new Option("--debug", "show stack traces of errors"))
    .helpOption("-h, --help", "show help")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: (s) => term.out(s), writeErr: (s) => term.err(s) });
  program.addHelpCommand("help [command]", "show help for a command");
  registerCommands(program, term);
  // Every subcommand reports usage errors the same way.
  for (const c of program.commands) inherit(c, term);
  return program;
}

function inherit(c: Command, term: Terminal) {
  c.exitOverride().configureOutput({ writeOut: (s) => term.out(s), writeErr: (s) => term.err(s) }).showSuggestionAfterError(true);
  for (const sub of c.commands) inherit(sub, term);
}

export function reportError(err: unknown, term: Terminal, debug: boolean): number {
  if (err instanceof CommanderError) {
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return 0;
    return 2; // commander has already printed its message
  }
  const c = term.chalk;
  if (err instanceof AppError) {
    if (err.code === "cancelled") {
      term.err("\n" + err.message + "\n");
    } else {
      const details = err.details.length > 1 ? err.details : [];
      for (const d of details) term.err(d + "\n");
      term.err(`${c.red("lpic3:")} ${err.message}\n`);
    }
  } else if (isPromptExit(err)) {
    term.err("\n");
    return 130;
  } else {
    const msg = err instanceof Error ? err.message : String(err);
    term.err(`${c.red("lpic3: internal error:")} ${msg}\n`);
    if (!debug) term.err("Run again with --debug to see where it happened, and please report it.\n");
  }
  if (debug && err instanceof Error && err.stack) term.err(err.stack + "\n");
  return exitCodeFor(err);
}

/** @inquirer/prompts throws ExitPromptError when the learner presses Ctrl-C at a prompt. */
function isPromptExit(err: unknown): boolean {
  return err instanceof Error && (err.name === "ExitPromptError" || err.name === "AbortPromptError");
}
