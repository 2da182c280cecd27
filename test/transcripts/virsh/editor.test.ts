// The replay's stand-in for the editors the goldens were recorded with.
import { describe, expect, it } from "vitest";
import { breToRegExp, goldenEditor, sedSubstitute, shWords } from "./editor";

describe("golden editor", () => {
  it("applies sed s/RE/REPL/ line by line, first match or all with g", () => {
    expect(sedSubstitute("s/a/b/", "aa\naa\n")).toBe("ba\nba\n");
    expect(sedSubstitute("s/a/b/g", "aa\naa\n")).toBe("bb\nbb\n");
    // a dot matches any character in the pattern but is literal in the replacement
    expect(sedSubstitute("s/type=.test./type=.kvm./", "<domain type='test'>")).toBe("<domain type=.kvm.>");
    expect(sedSubstitute("s|x\\(y*\\)|[\\1]&|", "xyyz")).toBe("[yy]xyyz");
    expect(sedSubstitute("s/1+1/2/", "1+1 11")).toBe("2 11");
    expect(breToRegExp("^a*b$", false).test("aab")).toBe(true);
  });
  it("splits sh -c text as sh does", () => {
    expect(shWords("sed -i s/name\\>a/name\\>b/ 'x y'")).toEqual(["sed", "-i", "s/name>a/name>b/", "x y"]);
  });
  it("plays true, false, missing programs and sed -i", () => {
    const env = (e: string) => ({ EDITOR: e });
    expect(goldenEditor("t", ".xml", env("true"))).toEqual({ kind: "edited", text: "t" });
    expect(goldenEditor("t", ".xml", { VISUAL: "false", EDITOR: "true" })).toMatchObject({ kind: "exit", status: 1, argv: ["false", "/tmp/virshXXXXXX.xml"] });
    expect(goldenEditor("t", ".xml", env("/nonexistent/editor"))).toMatchObject({ kind: "exec-failed", errno: "ENOENT" });
    expect(goldenEditor("t", ".xml", env("no-such-editor"))).toMatchObject({ kind: "not-found" });
    expect(goldenEditor("<a>x</a>", ".xml", env("sed -i s/x/y/"))).toEqual({ kind: "edited", text: "<a>y</a>" });
    expect(goldenEditor("t", ".xml", {})).toEqual({ kind: "no-editor" });
    expect(() => goldenEditor("t", ".xml", env("vi"))).toThrow();
  });
});
