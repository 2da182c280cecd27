import { describe, expect, it } from "vitest";
import { script, session, sh } from "../../../test/helpers/sim";

describe("lab shell", () => {
  it("expands variables, command substitution, arithmetic and quotes", () => {
    const s = session();
    expect(sh(s, `X="a  b"; echo $X "$X" '$X' \${X:-none} \${Y:-none} $((6*7)) $(echo sub)`).stdout).toBe("a b a  b $X a b none 42 sub\n");
  });

  it("runs pipelines, && and || with exit statuses", () => {
    const s = session();
    expect(sh(s, "echo one two | wc -w").stdout).toBe("2\n");
    expect(sh(s, "false && echo no || echo yes").stdout).toBe("yes\n");
    expect(sh(s, "nosuch; echo $?").stdout).toBe("127\n");
    expect(sh(s, "! true; echo $?").stdout).toBe("1\n");
  });

  it("reports unknown commands as bash does", () => {
    expect(sh(session(), "xm list")).toEqual({ stdout: "", stderr: "bash: xm: command not found\n", exit: 127 });
  });

  it("writes files with redirections and here-documents, in the simulated filesystem only", () => {
    const s = session();
    sh(s, "mkdir -p /tmp/lab && cd /tmp/lab");
    sh(s, "cat > dom.xml <<EOF\n<name>$HOSTNAME</name>\nEOF");
    sh(s, "echo more >> dom.xml; echo err 1>&2 2>/dev/null");
    expect(sh(s, "cat /tmp/lab/dom.xml").stdout).toBe("<name>host1</name>\nmore\n");
    expect(sh(s, "ls").stdout).toBe("dom.xml\n");
    expect(sh(s, "cat nosuch").stderr).toBe("cat: nosuch: No such file or directory\n");
    expect(sh(s, "echo x > /nodir/f").stderr).toBe("bash: /nodir/f: No such file or directory\n");
  });

  it("never runs what the learner types on the real machine", () => {
    const s = session();
    for (const line of ["rm -rf /", "$(touch /tmp/pwned-by-lpic3)", "`touch /tmp/pwned-by-lpic3`", "/bin/sh -c 'touch /tmp/pwned-by-lpic3'"]) sh(s, line);
    expect(sh(s, "rm -rf /").stderr).toContain("dangerous to operate recursively on '/'");
    // the simulated /tmp got the file (bash would have made it there too); the real one did not
    expect(require("node:fs").existsSync("/tmp/pwned-by-lpic3")).toBe(false);
  });

  it("globs over the simulated filesystem", () => {
    const s = session();
    sh(s, "mkdir /srv/x && touch /srv/x/a.xml /srv/x/b.xml /srv/x/c.txt");
    expect(sh(s, "echo /srv/x/*.xml").stdout).toBe("/srv/x/a.xml /srv/x/b.xml\n");
    expect(sh(s, "echo /srv/x/*.none").stdout).toBe("/srv/x/*.none\n");
    expect(sh(s, "echo '/srv/x/*.xml'").stdout).toBe("/srv/x/*.xml\n");
  });

  it("exports only what export marks", () => {
    const s = session();
    sh(s, "A=1; export B=2");
    const env = sh(s, "env").stdout;
    expect(env).toContain("B=2\n");
    expect(env).not.toContain("A=1\n");
    expect(sh(s, "C=3 env | grep ^C=").stdout).toBe("C=3\n");
  });

  it("moves between hosts with ssh and back with exit", () => {
    const s = session();
    sh(s, "ssh host2");
    expect(s.prompt()).toBe("root@host2:~# ");
    expect(sh(s, "exit")).toEqual({ stdout: "logout\n", stderr: "Connection to host2 closed.\n", exit: 0 });
    expect(sh(s, "hostname").stdout).toBe("host1\n");
    expect(sh(s, "ssh nosuch").stderr).toBe("ssh: Could not resolve hostname nosuch: Name or service not known\n");
  });

  it("script mode keeps here-documents in one entry and skips comments", () => {
    const e = script("# a comment\n\ncat > a.txt <<'EOF'\nline $HOME\nEOF\ncat a.txt\n");
    expect(e.map((x) => x.cmd)).toEqual(["cat > a.txt <<'EOF'\nline $HOME\nEOF", "cat a.txt"]);
    expect(e[1]!.stdout).toBe("line $HOME\n");
  });

  it("handles a 1 MB line and binary garbage without throwing", () => {
    const s = session();
    expect(sh(s, "echo " + "x".repeat(1 << 20)).stdout.length).toBe((1 << 20) + 1);
    const garbage = Array.from({ length: 4096 }, (_, i) => String.fromCharCode((i * 7919) % 256)).join("");
    const r = sh(s, garbage);
    expect(typeof r.exit).toBe("number");
  });

  it("prints history numbered like bash", () => {
    const s = session();
    sh(s, "pwd");
    sh(s, "echo hi");
    expect(sh(s, "history").stdout).toBe("    1  pwd\n    2  echo hi\n    3  history\n");
  });
});
