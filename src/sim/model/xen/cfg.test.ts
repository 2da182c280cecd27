import { describe, expect, it } from "vitest";
import { parseCfg, XluConfig } from "./cfg";

const F = "/etc/xen/t.cfg";
/** Messages for a file whose line 3 is `line` (two valid lines before it, as in the reference samples). */
const at3 = (line: string) => parseCfg(F, `name = "t"\nmemory = 512\n${line}\n`).messages.join("");

describe("xl.cfg grammar (libxlu_cfg)", () => {
  it("reads strings, numbers, lists, comments, continuation and last-wins", () => {
    const r = parseCfg(F, `# comment\nname = 'web' # trailing\nmemory = 0x200\ndisk = [ 'a',\n  "b", ]\nvcpus=1;vcpus=2\nextra = "x"\nextra += " y"\n`);
    expect(r.err).toBe(0);
    const x = new XluConfig(F, r.settings);
    expect(x.getString("name")).toBe("web");
    expect(x.getLong("memory")).toBe(512);
    expect(x.getLong("vcpus")).toBe(2);
    expect(x.getString("extra")).toBe("x y");
    const disk = x.getList("disk");
    expect(Array.isArray(disk) && XluConfig.strings(disk)).toEqual(["a", "b"]);
  });

  it("words syntax errors as bison does, with xl's line numbers", () => {
    expect(at3("kernel = vmlinuz")).toBe(`${F}:3: config parsing error near \`vmlinuz': syntax error, unexpected IDENT, expecting STRING or NUMBER or '['\n`);
    expect(at3('name = "x" "y"')).toBe(`${F}:3: config parsing error near \`"y"': syntax error, unexpected STRING, expecting $end\n`);
    expect(at3("vcpus = 2,")).toBe(`${F}:3: config parsing error near \`,': syntax error, unexpected ',', expecting $end\n`);
    expect(at3("disk = [ 'a' 'b' ]")).toBe(`${F}:3: config parsing error near \`'b'': syntax error, unexpected STRING, expecting ']'\n`);
    expect(at3("= 5")).toBe(`${F}:3: config parsing error near \`=': syntax error, unexpected '=', expecting $end or IDENT or NEWLINE or ';'\n`);
    expect(at3("vif = [ 'x' ]]")).toBe(`${F}:3: config parsing error near \`]': syntax error, unexpected ']', expecting $end\n`);
    expect(parseCfg(F, "import os\n").messages.join("")).toBe(`${F}:1: config parsing error near \`os': syntax error, unexpected IDENT, expecting += or '='\n`);
    // the NEWLINE token's line is decremented once more by yyerror
    expect(at3("memory =")).toBe(`${F}:2: config parsing error near <newline>: syntax error, unexpected NEWLINE, expecting STRING or NUMBER or '['\n`);
  });

  it("reports lexical errors once per line and warns about Python", () => {
    expect(at3("memory = 512MB")).toBe(`${F}:3: config parsing error near \`MB': lexical error\n`);
    expect(at3("Memory = 512")).toBe(`${F}:3: config parsing error near \`Memory': lexical error\n`);
    expect(at3('extra = "console=hvc0')).toBe(`${F}:3: config parsing error near \`"console=hvc0': lexical error\n`);
    expect(at3("extra = 'a\\qb'")).toBe(`${F}:3: config parsing error near \`'a\\qb'': invalid character after backlash in quoted string\n`);
    expect(at3("my-key = 1")).toBe(
      `${F}:3: config parsing error near \`-key': lexical error\nwarning: Config file looks like it contains Python code.\nwarning:  Arbitrary Python is no longer supported.\nwarning:  See https://wiki.xen.org/wiki/PythonInXlConfig\n`,
    );
    expect(at3("vcpus = int(2)")).toBe(
      `${F}:3: config parsing error near \`int': syntax error, unexpected IDENT, expecting STRING or NUMBER or '['\n${F}:3: config parsing error near \`(2)': lexical error\nwarning: Config file looks like it contains Python code.\nwarning:  Arbitrary Python is no longer supported.\nwarning:  See https://wiki.xen.org/wiki/PythonInXlConfig\n`,
    );
    expect(parseCfg(F, 'name = "t"\nmemory = 1\n# comment').messages.join("")).toBe(`${F}:3: config parsing error near \`#': lexical error\n`);
  });

  it("rejects adding a list to a string", () => {
    const r = parseCfg(F, `name = "t"\nx = "a"\nmemory = 1\nvcpus = 1\nx += [ "b" ]\n`);
    expect(r.messages.join("")).toBe(`${F}:5: config parsing error near \`]': can't add [list] to "string" or vice versa\n`);
    expect(r.err).toBe(22);
  });

  it("resynchronises at the next line after a syntax error", () => {
    const r = parseCfg(F, `a = b\nc = d\ne = f\n`);
    expect(r.messages).toHaveLength(3);
    expect(r.err).toBe(22);
  });

  it("warns on type mismatches when values are read", () => {
    const x = new XluConfig(F, parseCfg(F, `memory = "12x"\ndisk = "a"\nkernel = [ "k" ]\nvcpus += 2\nmaxmem = 99999999999999999999\n`).settings);
    expect(x.getLong("memory")).toBeUndefined();
    expect(x.getList("disk")).toBe(22);
    expect(x.getString("kernel")).toBeUndefined();
    expect(x.getLong("vcpus")).toBeUndefined();
    expect(x.getLong("maxmem")).toBeUndefined();
    expect(x.messages.join("")).toBe(
      `${F}:1: warning: parameter \`memory' is not a valid number\n${F}:2: warning: parameter \`disk' is a single value but should be a list\n${F}:3: warning: parameter \`kernel' is a list but should be a single value\n${F}:4: warning: can't use += with numbers for parameter \`vcpus'\n${F}:5: warning: parameter \`maxmem' could not be parsed as a number: Numerical result out of range\n`,
    );
  });
});
