import { describe, expect, test } from "vitest";
import { markdownToText, snippet, tokenize } from "./search";

describe("search text", () => {
  test("markup is dropped without leaving spaces before punctuation or inside brackets", () => {
    expect(markdownToText("another image, the **overlay**, refers to (`qcow2`) and _this_.")).toBe("another image, the overlay, refers to (qcow2) and this.");
    expect(markdownToText("Use `virsh list --all`; see [the note](#x) {#anchor}")).toBe("Use virsh list --all; see the note");
    expect(markdownToText("snake_case_name stays")).toBe("snake_case_name stays");
  });
  test("tokens keep inner dashes and also yield their parts", () => {
    expect(tokenize("cloud-localds forwarded_port")).toEqual(["cloud-localds", "cloud", "localds", "forwarded_port", "forwarded", "port"]);
  });
  test("a snippet centres on the first match", () => {
    const s = snippet(`${"word ".repeat(100)}backing file ${"tail ".repeat(100)}`, ["backing"], 40);
    expect(s.startsWith("…")).toBe(true);
    expect(s).toContain("backing file");
  });
});
