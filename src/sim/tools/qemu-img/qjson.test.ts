import { describe, expect, it } from "vitest";
import { qdict, toJsonPretty } from "./qjson";

describe("QEMU's pretty JSON", () => {
  it("orders keys by QDict hash bucket, as qemu-img info --output=json does", () => {
    const d = qdict([
      ["filename", "x"],
      ["format", "raw"],
      ["dirty-flag", false],
      ["actual-size", 4096],
      ["virtual-size", 512],
    ]);
    expect(toJsonPretty(d)).toBe('{\n    "virtual-size": 512,\n    "filename": "x",\n    "format": "raw",\n    "actual-size": 4096,\n    "dirty-flag": false\n}');
  });
  it("prints empty lists the way QEMU does and escapes non-ASCII", () => {
    expect(toJsonPretty(qdict([["flags", []]]))).toBe('{\n    "flags": [\n    ]\n}');
    expect(toJsonPretty("é\n")).toBe('"\\u00e9\\n"');
  });
});
