// Syntax checks without running (Tool.check): a tool's own option parsing runs against a world it cannot
// read. The first look at the world (a host, its files, the clock) means the command line parsed: the probe
// stops there and nothing ran. A usage error printed before that is the check's answer.
import type { World } from "../model/world";
import type { Chunk, Tool, ToolContext, ToolResult } from "./tool";

/** Thrown by the probe world on any access; tools that catch errors still leave the probe's flag set. */
class StateBarrier extends Error {
  constructor() {
    super("syntax check: the command line parsed and the tool reached the world");
  }
}

export interface Probe {
  ctx: ToolContext;
  /** True once the tool touched the world (the command line was accepted). */
  readonly reached: boolean;
}

/** A context whose world stops the tool at its first access (root in /root, no input, not a terminal). */
export function probe(argv0: string, o: { stdin?: string | null; env?: Record<string, string> } = {}): Probe {
  let reached = false;
  const stop = (): never => {
    reached = true;
    throw new StateBarrier();
  };
  const world = new Proxy({} as World, { get: stop, has: stop, ownKeys: stop, getOwnPropertyDescriptor: stop, set: stop });
  const ctx: ToolContext = { world, host: "check", cwd: "/root", env: { HOME: "/root", USER: "root", PATH: "/usr/sbin:/usr/bin:/sbin:/bin", ...o.env }, user: "root", stdin: o.stdin ?? null, tty: false, argv0 };
  return {
    ctx,
    get reached() {
      return reached;
    },
  };
}

/** Which line of a failed run's output is the usage error (default: the first non-empty line). */
export type LinePicker = (lines: string[]) => string | undefined;

/** The error a probed run printed: a line of stderr (stdout when stderr is empty), or null when accepted. */
export function usageError(p: Probe, res: () => { exit: number; out: Chunk[] }, pick: LinePicker = (l) => l[0]): string | null {
  let r: { exit: number; out: Chunk[] };
  try {
    r = res();
  } catch (e) {
    if (p.reached) return null;
    return `simulator error while checking: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (p.reached || r.exit === 0) return null;
  const line = errorLine(r.out, pick) ?? `exit status ${r.exit}`;
  // a message naming the lab is a limit of the simulation (virt-v2v -i ova ...), not the real tool's usage error
  return LAB_LIMIT.test(line) ? null : line;
}

/** How the simulator words what it does not simulate ("the lpic3 lab converts local disk images only"). */
export const LAB_LIMIT = /\blpic3 lab\b/;

/** The picked non-empty line of stderr, else of stdout. */
export function errorLine(chunks: Chunk[], pick: LinePicker = (l) => l[0]): string | undefined {
  for (const fd of [2, 1] as const) {
    const lines = chunks
      .filter((c) => c.fd === fd)
      .map((c) => c.text)
      .join("")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "");
    if (lines.length) return pick(lines) ?? lines[0];
  }
  return undefined;
}

/** Check a command line by running the program against the probe world (for programs that parse it all first). */
export function probeRun(run: (ctx: ToolContext, args: string[]) => ToolResult, argv0: string, args: string[], pick?: LinePicker): string | null {
  const p = probe(argv0);
  return usageError(p, () => run(p.ctx, args), pick);
}

/** probeRun for a registered tool, under its own name. */
export function probeTool(tool: Tool, args: string[], pick?: LinePicker): string | null {
  return probeRun((c, a) => tool.run(c, a), tool.name, args, pick);
}

/** The tools with a probing check (a tool that has its own check keeps it). */
export function probeChecked(tools: Tool[], pick?: LinePicker): Tool[] {
  return tools.map((t) => (t.check ? t : { ...t, check: (args: string[]) => probeTool(t, args, pick) }));
}
