// The exam's question screen and menus, driven through fake terminal streams (no TTY needed).
import { PassThrough } from "node:stream";
import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import type { Question } from "../../content/schema";
import { examScreen, type ScreenConfig } from "./exam-screen";
import { fit, menu } from "./menu";

const chalk = new Chalk({ level: 0 });

function terminal() {
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined });
  const output = Object.assign(new PassThrough(), { isTTY: true, columns: 100, rows: 30 });
  let written = "";
  output.on("data", (d: Buffer) => (written += d.toString()));
  const wait = (ms = 20) => new Promise((r) => setTimeout(r, ms));
  return {
    context: { input, output },
    /** Type keys once the prompt listens (it starts listening a moment after it is called). */
    async type(keys: string, ms?: number) {
      await wait();
      input.write(keys);
      await wait(ms);
    },
    wait,
    // eslint-disable-next-line no-control-regex
    screen: () => written.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, ""),
  };
}

const multi = {
  id: "351.2-001",
  type: "multi",
  stem: "Which three components run in Dom0 in a default Xen setup? (Choose three.)",
  choices: ["The netfront driver", "The netback driver", "The blkfront driver", "The QEMU device models", "The XenStore daemon"],
  answer: ["B", "D", "E"],
  explanation: "x",
  ref: "351.2#dom0",
} as unknown as Question;

const fill = { id: "351.2-002", type: "fill", stem: "Which Xen boot parameter sets Dom0's memory?", accept: ["dom0_mem"], explanation: "x", ref: "351.2#boot" } as unknown as Question;

const config = (q: Question, over: Partial<ScreenConfig> = {}): ScreenConfig => ({ q, index: 0, total: 5, objective: "351.2", answered: 0, flagged: false, deadline: Date.now() + 60_000, chalk, width: 100, ...over });

describe("exam question screen", () => {
  it("takes letters and Space, moves on with Enter, and shows the clock ticking", async () => {
    const t = terminal();
    const p = examScreen(config(multi, { deadline: Date.now() + 4_000 }), t.context);
    await t.type("bd");
    await t.type("\x1b[B ");
    expect(t.screen()).toContain("[x] E. The XenStore daemon");
    const first = /time left (\d:\d\d)/.exec(t.screen())![1];
    await t.wait(1100);
    const shown = [...t.screen().matchAll(/time left (\d:\d\d)/g)].map((m) => m[1]);
    expect(shown.at(-1)).not.toBe(first);
    await t.type("\r");
    expect(await p).toEqual({ kind: "answer", given: ["B", "D", "E"], move: 1 });
  });

  it("flags with F, goes back with the left arrow, opens the menu with Esc", async () => {
    let t = terminal();
    expect(await Promise.all([examScreen(config(multi), t.context), t.type("f")]).then(([a]) => a)).toEqual({ kind: "flag", given: null });
    t = terminal();
    expect(await Promise.all([examScreen(config(multi, { given: ["A"] }), t.context), t.type("\x1b[D")]).then(([a]) => a)).toEqual({ kind: "answer", given: ["A"], move: -1 });
    t = terminal();
    const p = examScreen(config(multi), t.context);
    await t.type("\x1b", 700);
    expect(await p).toEqual({ kind: "menu", given: null });
  });

  it("takes typed text for a fill-in question; Tab and Shift-Tab move, Ctrl-F flags", async () => {
    let t = terminal();
    let p = examScreen(config(fill), t.context);
    await t.type("dom0_mem");
    expect(t.screen()).toContain("Answer: dom0_mem");
    await t.type("\t");
    expect(await p).toEqual({ kind: "answer", given: "dom0_mem", move: 1 });
    t = terminal();
    p = examScreen(config(fill, { given: "dom0" }), t.context);
    await t.type("_mem\x1b[Z");
    expect(await p).toEqual({ kind: "answer", given: "dom0_mem", move: -1 });
    t = terminal();
    p = examScreen(config(fill), t.context);
    await t.type("\x06");
    expect(await p).toEqual({ kind: "flag", given: null });
  });

  it("ends with the answer so far when the time is up", async () => {
    const t = terminal();
    const p = examScreen(config(multi, { deadline: Date.now() + 500 }), t.context);
    await t.type("a");
    expect(await p).toEqual({ kind: "timeout", given: ["A"] });
  });

  it("wraps the key help to the screen width", async () => {
    const t = terminal();
    const p = examScreen(config(fill, { width: 60 }), t.context);
    await t.wait();
    for (const line of t.screen().split("\n")) expect(line.length).toBeLessThanOrEqual(60);
    await t.type("\r");
    await p;
  });
});

describe("exam menus", () => {
  const choices = ["one", "two", "three"].map((name, i) => ({ name, value: i }));

  it("chooses with the arrows and Enter, goes back with Esc, jumps by number", async () => {
    let t = terminal();
    let p = menu({ message: () => "Pick", choices, chalk, width: 80 }, t.context);
    await t.type("\x1b[B\r");
    expect(await p).toBe(1);
    t = terminal();
    p = menu({ message: () => "Pick", choices, escape: -1, chalk, width: 80 }, t.context);
    await t.type("\x1b", 700);
    expect(await p).toBe(-1);
    t = terminal();
    p = menu({ message: () => "Pick", choices, numbered: true, chalk, width: 80 }, t.context);
    await t.type("3\r");
    expect(await p).toBe(2);
  });

  it("redraws its heading every second and ends at the deadline", async () => {
    const t = terminal();
    let n = 0;
    const p = menu({ message: () => `tick ${n++}`, choices, deadline: Date.now() + 1500, timeout: -2, chalk, width: 80 }, t.context);
    expect(await p).toBe(-2);
    expect(t.screen()).toContain("tick 1");
  });

  it("cuts long entries with an ellipsis", () => {
    expect(fit("abcdef", 10)).toBe("abcdef");
    expect(fit("abc defghij", 6)).toBe("abc d…");
    expect(fit("abcd efghij", 6)).toBe("abcd…");
  });
});
