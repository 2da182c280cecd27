import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import { foldHard, foldShell, renderMarkdown } from "./markdown";
import { stripAnsi, visibleWidth } from "./text";

describe("code blocks on a narrow terminal", () => {
  const cmd = `docker run -d -p 443:443 --restart always --name registry -v "$PWD/certs:/certs" -e REGISTRY_HTTP_ADDR=0.0.0.0:443 registry:2`;

  it("folds a shell command at spaces outside quotes with a trailing backslash, so it still runs", () => {
    const lines = foldShell(cmd, 50);
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(50);
    for (const l of lines.slice(0, -1)) expect(l.endsWith(" \\")).toBe(true);
    for (const l of lines.slice(1)) expect(l.startsWith("    ")).toBe(true);
    // joining the continuations gives back the command
    expect(lines.map((l) => l.replace(/ \\$/, "").trim()).join(" ")).toBe(cmd);
    // never inside the quoted argument
    expect(lines.some((l) => l.includes('"$PWD/certs:/certs"'))).toBe(true);
  });

  it("folds program output after a late space, or at the width", () => {
    expect(foldHard("aaaa bbbb cccc", 10)).toEqual(["aaaa bbbb ", "cccc"]);
    expect(foldHard("x".repeat(25), 10)).toEqual(["x".repeat(10), "x".repeat(10), "x".repeat(5)]);
  });

  it("keeps every line of a rendered note within the width on a terminal, with the margin on each line", () => {
    const md = "# T\n\n```sh\n" + cmd + "\n```\n\n```text\n" + "out ".repeat(40) + "\n```\n";
    for (const level of [0, 1] as const) {
      const text = renderMarkdown(md, { width: 60, chalk: new Chalk({ level }), wrapCode: true });
      const code = text.split("\n").filter((l) => /^(│|↪| {4}| {2}↪)/.test(stripAnsi(l)));
      expect(code.length).toBeGreaterThan(3);
      for (const l of text.split("\n")) expect(visibleWidth(l)).toBeLessThanOrEqual(60);
    }
    // piped, code stays whole for grep and copy
    expect(renderMarkdown(md, { width: 60, chalk: new Chalk({ level: 0 }) })).toContain(cmd);
  });
});
