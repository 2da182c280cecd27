import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import { promptTheme, wrapChoice, wrapMessage } from "./prompt-theme";

describe("prompt text", () => {
  const stem = "How does libvirt record that persistent domain web01 is to be started automatically when the daemon starts?";

  it("wraps a question at word boundaries, continuation lines under the text after '? '", () => {
    const lines = wrapMessage(stem, 60).split("\n");
    expect(lines.length).toBe(2);
    expect(lines[1]!.startsWith("  ")).toBe(true);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(60);
    expect(lines.join(" ").replace(/\s+/g, " ")).toBe(stem);
  });

  it("wraps a lettered choice so it fits the width with the cursor column, hanging under its text", () => {
    const text = "D. It creates the symlink /etc/libvirt/qemu/autostart/web01.xml pointing to the domain's XML.";
    const lines = wrapChoice(text, 60, 2).split("\n");
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(2 + l.length).toBeLessThanOrEqual(60);
    for (const l of lines.slice(1)) expect(l).toMatch(/^ {5}\S/);
  });

  it("colours only through the chalk it is given, and marks a finished prompt neutrally", () => {
    const plain = promptTheme(new Chalk({ level: 0 }));
    expect(plain.style.highlight("x")).toBe("x");
    expect(plain.prefix.done).toBe("›");
    expect(promptTheme(new Chalk({ level: 1 })).style.highlight("x")).toContain("\u001b[");
  });
});
