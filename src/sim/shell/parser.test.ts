import { describe, expect, it } from "vitest";
import { parse, ShellSyntaxError } from "./parser";

describe("parse", () => {
  it("splits lists, and-or chains and pipelines", () => {
    const l = parse("a 1 | b && c || d; e &");
    expect(l.items).toHaveLength(2);
    const first = l.items[0]!.andOr;
    expect(first.first.commands.map((c) => c.words)).toEqual([["a", "1"], ["b"]]);
    expect(first.rest.map((r) => [r.op, r.pipeline.commands[0]!.words[0]])).toEqual([["&&", "c"], ["||", "d"]]);
    expect(l.items[1]!.background).toBe(true);
  });

  it("keeps quotes in raw words and separates assignments", () => {
    const c = parse(`FOO=bar virsh -c 'test:///default' "list --all"`).items[0]!.andOr.first.commands[0]!;
    expect(c.assigns).toEqual([{ name: "FOO", value: "bar" }]);
    expect(c.words).toEqual(["virsh", "-c", "'test:///default'", '"list --all"']);
  });

  it("reads redirections with descriptors", () => {
    const c = parse("cmd >out 2>&1 <in 2>>log &>all").items[0]!.andOr.first.commands[0]!;
    expect(c.redirs.map((r) => [r.fd, r.op, r.target])).toEqual([
      [1, ">", "out"],
      [2, ">&", "1"],
      [0, "<", "in"],
      [2, ">>", "log"],
      [1, "&>", "all"],
    ]);
  });

  it("collects here-document bodies, quoted delimiters turn off expansion", () => {
    const c = parse("cat > f.xml <<EOF\n<a>$X</a>\nEOF\necho done").items;
    expect(c[0]!.andOr.first.commands[0]!.redirs[1]!.heredoc).toEqual({ body: "<a>$X</a>\n", expand: true });
    expect(c[1]!.andOr.first.commands[0]!.words).toEqual(["echo", "done"]);
    const q = parse("cat <<'EOF'\n$X\nEOF").items[0]!.andOr.first.commands[0]!.redirs[0]!.heredoc;
    expect(q).toEqual({ body: "$X\n", expand: false });
  });

  it("says when input is incomplete", () => {
    for (const s of ["echo 'open", 'echo "open', "a |", "a &&", "cat <<EOF\nno end", "echo $(date"]) {
      try {
        parse(s);
        expect.fail(`parsed ${s}`);
      } catch (e) {
        expect(e).toBeInstanceOf(ShellSyntaxError);
        expect((e as ShellSyntaxError).incomplete).toBe(true);
      }
    }
  });

  it("words bash's syntax errors", () => {
    expect(() => parse("| a")).toThrow("syntax error near unexpected token `|'");
    expect(() => parse("a ;; b")).toThrow("syntax error near unexpected token `;;'");
    expect(() => parse("echo >")).toThrow("syntax error near unexpected token `newline'");
  });

  it("ignores comments and joins continued lines", () => {
    const l = parse("echo a \\\n b # comment\n# whole line");
    expect(l.items[0]!.andOr.first.commands[0]!.words).toEqual(["echo", "a", "b"]);
  });
});
