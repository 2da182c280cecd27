// `lpic3 shell`: the simulated lab host, interactive or from a script.
import type { Command } from "commander";
import type { Terminal } from "../../platform/terminal";
import { readText } from "../../platform/files";
import { usageError } from "../../app/errors";

export function registerShell(program: Command, term: Terminal) {
  program
    .command("shell")
    .description("a simulated Linux host with virsh, qemu-img, xl and friends (nothing runs on your machine)")
    .option("--host <fixture>", "host fixture: kvm, xen, a .yaml fixture or a libvirt <node> .xml file", "kvm")
    .option("--script <file>", "run the file's lines as typed commands ('-' reads stdin)")
    .option("--json", "with --script: print one JSON array of {cmd, stdout, stderr, exit}")
    .option("--lab <id>", "open a lab's host with its tasks checked as you go (same as 'lpic3 lab start ID')")
    .addHelpText("after", "\nExamples:\n  lpic3 shell\n  lpic3 shell --host xen\n  lpic3 shell --lab virsh-first-steps\n  lpic3 shell --script lab.sh --json")
    .action(async (opts: { host: string; script?: string; json?: boolean; lab?: string }, cmd: Command) => {
      if (opts.lab !== undefined) {
        if (opts.script !== undefined || opts.json || cmd.getOptionValueSource("host") === "cli") throw usageError("--lab opens the lab's own host: it does not combine with --host, --script or --json (pipe commands into 'lpic3 shell --lab ID' instead)");
        const { startLab } = await import("./lab");
        await startLab(term, opts.lab, false);
        return;
      }
      const { openWorld, newSession, runScript } = await import("../../app/shell");
      if (opts.json && !opts.script) throw usageError("--json needs --script FILE");
      const { world, title } = openWorld(opts.host);
      if (opts.script !== undefined) {
        const text = opts.script === "-" ? await readStdin() : readScript(opts.script);
        const session = newSession(world, { tty: false });
        if (opts.json) {
          term.out(JSON.stringify(runScript(session, text)) + "\n");
          return;
        }
        const echo = bufferedEcho(term);
        const entries = runScript(session, text, echo.entry);
        echo.flush();
        process.exitCode = entries.length ? entries[entries.length - 1]!.exit : 0;
        return;
      }
      if (!process.stdin.isTTY) {
        // piped input: behave like `bash < file`
        const session = newSession(world, { tty: false });
        const echo = bufferedEcho(term);
        const entries = runScript(session, await readStdin(), echo.entry);
        echo.flush();
        process.exitCode = entries.length ? entries[entries.length - 1]!.exit : 0;
        return;
      }
      const { terminalEditor } = await import("../../platform/editor");
      const { repl } = await import("../repl");
      const session = newSession(world, {
        tty: true,
        editor: terminalEditor,
      });
      const c = term.chalk;
      const { wrap } = await import("../render/text");
      const intro = wrap("A simulated host: nothing you type runs on your machine. 'help' lists what is installed, 'exit' or Ctrl-D leaves.", Math.min(term.columns, 100));
      const banner = c.dim(`lpic3 lab shell · ${title}\n${intro.join("\n")}\n\n`);
      process.exitCode = await repl(session, term, banner);
    });
}

/**
 * Print each entry's output as it completes. stdout is gathered into large writes (a 20,000-line script would
 * otherwise make 20,000 system calls) and flushed before anything goes to stderr, so the two keep their order.
 */
function bufferedEcho(term: Terminal) {
  let pending = "";
  const flush = () => {
    if (pending) term.out(pending);
    pending = "";
  };
  const entry = (e: { stdout: string; stderr: string }) => {
    pending += e.stdout;
    if (e.stderr) {
      flush();
      term.err(e.stderr);
    } else if (pending.length > 1 << 16) flush();
  };
  return { entry, flush };
}

function readScript(path: string): string {
  try {
    return readText(path);
  } catch {
    throw usageError(`cannot read script '${path}'`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
