import { describe, expect, it } from "vitest";
import { getoptRun } from "./getopt";

const L = [
  { name: "output", arg: "required" as const, key: "output" },
  { name: "object", arg: "required" as const, key: "object" },
  { name: "backing-chain", arg: "none" as const, key: "bc" },
  { name: "force-share", arg: "none" as const, key: "U" },
  { name: "format", arg: "required" as const, key: "f" },
];

describe("glibc getopt_long as qemu-img sees it", () => {
  it("permutes operands behind options", () => {
    const r = getoptRun(["info", "a", "-U", "b", "--output=json"], ":f:hU", L);
    expect(r).toMatchObject({ kind: "done", operands: ["a", "b"] });
    expect(r.options).toEqual([{ key: "U" }, { key: "output", arg: "json" }]);
  });

  it("names argv[optind-1] for an unknown option in a cluster (the previous word, after permutation)", () => {
    expect(getoptRun(["create", "bad.raw", "-5G"], ":F:b:f:ho:qu", [])).toMatchObject({ kind: "error", code: "?", word: "bad.raw" });
    expect(getoptRun(["info", "a", "-U", "b", "-xy"], ":f:hU", L)).toMatchObject({ kind: "error", word: "b" });
    expect(getoptRun(["info", "a", "-U", "b", "c", "-Ux"], ":f:hU", L)).toMatchObject({ kind: "error", word: "-Ux" });
    expect(getoptRun(["create", "-5G"], ":F:b:f:ho:qu", [])).toMatchObject({ kind: "error", word: "create" });
  });

  it("reports missing arguments with ':' in quiet mode and '?' otherwise", () => {
    expect(getoptRun(["info", "-f"], ":f:hU", L)).toMatchObject({ kind: "error", code: ":", word: "-f" });
    expect(getoptRun(["info", "--output"], ":f:hU", L)).toMatchObject({ kind: "error", code: ":", word: "--output" });
    const m = getoptRun(["measure", "-O"], "hf:O:o:l:U", []);
    expect(m).toMatchObject({ kind: "error", code: "?", message: "measure: option requires an argument -- 'O'\n" });
  });

  it("abbreviates long options, refuses ambiguous prefixes and arguments to flags", () => {
    expect(getoptRun(["info", "--back", "x"], ":f:hU", L)).toMatchObject({ kind: "done", options: [{ key: "bc" }] });
    expect(getoptRun(["info", "--o=json", "x"], ":f:hU", L)).toMatchObject({ kind: "error", word: "--o=json" });
    expect(getoptRun(["m", "--o=x"], "h", L)).toMatchObject({ message: "m: option '--o=x' is ambiguous; possibilities: '--output' '--object'\n" });
    expect(getoptRun(["info", "--force-share=1", "x"], ":f:hU", L)).toMatchObject({ kind: "error", word: "--force-share=1" });
  });

  it("stops at '--' and keeps what follows as operands", () => {
    expect(getoptRun(["info", "--", "-x"], ":f:hU", L)).toMatchObject({ kind: "done", operands: ["-x"] });
    expect(getoptRun(["qemu-img", "info", "-x"], "+:hVT:", [])).toMatchObject({ kind: "done", operands: ["info", "-x"] });
  });
});
