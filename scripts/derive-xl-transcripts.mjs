#!/usr/bin/env node
// Builds the golden transcripts under test/transcripts/xl/<session>/transcript.json.
//
// Xen cannot run on the machines this project is built on, so these goldens are DERIVED, not recorded:
//  * entries marked "reference" take their expected output literally from shared/reference/xl.md, whose
//    samples were rendered by Debian's real xl 4.17 / xentop / xenstore binaries over stand-in libraries,
//    or quoted from Xen 4.17.7's source (help texts, usage and error messages, printf formats);
//  * entries marked "simulator" freeze the simulator's own output for steps the reference has no sample
//    for (numbers that depend on the simulated clock, the learner flow); their formats were checked
//    against the reference's printf formats by hand. Re-running this script refreshes only those.
//
// Usage: node scripts/derive-xl-transcripts.mjs [PATH/TO/reference/xl.md]
//        then UPDATE_XL_TRANSCRIPTS=1 npx vitest run test/transcripts/xl   (fills the "simulator" parts)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const refPath = process.argv[2] ?? "/work/shared/reference/xl.md";
const ref = readFileSync(refPath, "utf8");
const OUT = join(root, "test/transcripts/xl");

// ----------------------------------------------------------------------------- reference parsing

/** `xl help CMD` blocks of §2.1 with their trailing-newline notes. */
function helpBlocks() {
  const out = [];
  const re = /`xl help ([a-z0-9-]+)`\n```\n([\s\S]*?)```\n\n\*\(stdout; ends with (\d) newline character\(s\) after the last visible text\)\*/g;
  let m;
  while ((m = re.exec(ref))) out.push({ cmd: `xl help ${m[1]}`, stdout: m[2].replace(/\n+$/, "") + "\n".repeat(Number(m[3])) });
  return out;
}

function fullListing() {
  const m = /\*\*Full help listing\*\*[\s\S]*?```\n(Usage xl[\s\S]*?)```/.exec(ref);
  return m[1];
}

/** The §8 transcript blocks: "# CMD" lines followed by their output. */
function walkthroughBlocks() {
  const sec = ref.slice(ref.indexOf("## 8. Walk-through"), ref.indexOf("## 9."));
  const entries = [];
  for (const block of sec.split("```").filter((_, i) => i % 2 === 1)) {
    const lines = block.replace(/^\n/, "").split("\n");
    let cur = null;
    for (const line of lines) {
      if (/^# \(/.test(line)) continue;
      const c = /^# ((?:xl|xentop) [^(]*?)\s*(?:\(.*)?$/.exec(line);
      if (c) {
        if (cur) entries.push(cur);
        cur = { cmd: c[1], lines: [] };
      } else if (cur) cur.lines.push(line);
    }
    if (cur) entries.push(cur);
  }
  return entries.map((e) => {
    while (e.lines.length && e.lines[e.lines.length - 1] === "") e.lines.pop();
    const text = e.lines.length ? e.lines.join("\n") + "\n" : "";
    const toStderr = /^xl (shutdown|reboot)/.test(e.cmd);
    return { cmd: e.cmd, text, toStderr };
  });
}

/** The rest of the code block that contains `marker` (from the marker's line on). */
function blockFrom(marker) {
  const i = ref.indexOf(marker);
  if (i < 0) throw new Error(`marker not found: ${marker}`);
  const rest = ref.slice(i);
  return rest.slice(0, rest.indexOf("```"));
}

function codeAfter(marker) {
  const i = ref.indexOf(marker);
  if (i < 0) throw new Error(`marker not found: ${marker}`);
  const m = /```\n([\s\S]*?)```/.exec(ref.slice(i));
  return m[1];
}

// --------------------------------------------------------------------------------- sessions

const R = (cmd, stdout, stderr, exit) => ({ cmd, stdout, stderr, exit, source: "reference" });

function helpSession() {
  const entries = [R("xl", fullListing(), "", 1), R("xl help", fullListing(), "", 0), R("xl help help", fullListing(), "", 0)];
  for (const b of helpBlocks()) entries.push(R(b.cmd, b.stdout, "", 0));
  entries.push(R("xl help foo", 'command "foo" not implemented\n', "", 0), R("xl help --long", 'command "--long" not implemented\n', "", 0));
  entries.push(R("xl help li", helpBlocks().find((b) => b.cmd === "xl help list").stdout, "", 0));
  entries.push(R("xl list -h", helpBlocks().find((b) => b.cmd === "xl help list").stdout, "", 0));
  entries.push(R("xl list --help", helpBlocks().find((b) => b.cmd === "xl help list").stdout, "", 0));
  return { fixture: "xen", description: "xl's full help listing and every ★ command's help page (reference §1.3, §2.1)", entries };
}

function cliErrorSession() {
  const listHelp = helpBlocks().find((b) => b.cmd === "xl help list").stdout;
  const createHelp = helpBlocks().find((b) => b.cmd === "xl help create").stdout;
  const pauseHelp = "Usage: xl [-vtTf] pause <Domain>\n\nPause execution of a domain.\n\n";
  const sysrqHelp = helpBlocks().find((b) => b.cmd === "xl help sysrq").stdout;
  const restoreHelp = helpBlocks().find((b) => b.cmd === "xl help restore").stdout;
  const cdInsertHelp = helpBlocks().find((b) => b.cmd === "xl help cd-insert").stdout;
  const A = "/usr/lib/xen-4.17/bin/xl";
  const entries = [
    R("xl -x list", "", `${A}: invalid option -- 'x'\nunknown global option\n`, 1),
    R("xl --help", "", `${A}: invalid option -- '-'\nunknown global option\n`, 1),
    R("xl -h", "", `${A}: invalid option -- 'h'\nunknown global option\n`, 1),
    R("xl foo", "", "command not implemented\n", 1),
    R("xl d", "", "command not implemented\n", 1),
    R("xl -N list", "", "command does not implement -N (dryrun) option\n", 1),
    R("xl list -x", "", "option `x' not supported.\n", 2),
    R("xl list --bogus", "", "option `\0' not supported.\n", 2),
    R("xl pause", pauseHelp, "'xl pause' requires at least 1 argument.\n\n", 2),
    R("xl cd-insert debian", cdInsertHelp, "'xl cd-insert' requires at least 3 arguments.\n\n", 2),
    R("xl list debian -v", listHelp, "", 1),
    R("xl list a b", listHelp, "", 1),
    R("xl list foo", "", "foo is an invalid domain identifier (rc=-6)\n", 1),
    R("xl list 7", "", "Error: Domain '7' does not exist.\n", 1),
    R("xl vcpu-list debian -h", null, "-h is an invalid domain identifier (rc=-6)\n", 1),
    R("xl block-list debian -x", null, "-x is an invalid domain identifier\n", 0),
    R("xl create f.cfg memory=512 -c", createHelp, "", 2),
    R("xl create", "", "Config file not specified and none in save file\n", 6),
    R("xl create /etc/xen/nope.cfg", "", "Failed to read config file: /etc/xen/nope.cfg: No such file or directory\n", 3),
    R("xl shutdown", "", "You must specify -a or a domain id.\n\n", 1),
    R("xl destroy 0", "", "Not destroying domain 0; use -f to force.\nThis can only be done when using a disaggregated hardware domain and toolstack.\n\n", 1),
    R("xl destroy 9", "", "libxl: error: libxl_domain.c:1183:libxl__destroy_domid: Domain 9:Non-existant domain\nlibxl: error: libxl_domain.c:1137:domain_destroy_callback: Domain 9:Unable to destroy guest\nlibxl: error: libxl_domain.c:1064:domain_destroy_cb: Domain 9:Destruction of domain failed\ndestroy failed (rc=-21)\n", 1),
    R("xl shutdown 9", "", "Shutting down domain 9\nlibxl: error: libxl_dom.c:37:libxl__domain_type: unable to get domain type for domid=9\nshutdown failed (rc=-3)\n", 1),
    R("xl pause 9", "", "libxl: error: libxl_domain.c:587:libxl_domain_pause: Domain 9:Pausing domain: No such process\n", 0),
    R("xl unpause 9", "", "libxl: error: libxl_dom.c:37:libxl__domain_type: unable to get domain type for domid=9\n", 0),
    R("xl rename debian centos", "", 'libxl: error: libxl_domain.c:81:libxl__domain_rename: Domain 1:Domain with name "centos" already exists.\nCan\'t rename domain \'debian\'.\n', 1),
    R("xl domid foo", "", "Can't get domid of domain name 'foo', maybe this domain does not exist.\n", 1),
    R("xl domid debian", "1\n", "", 0),
    R("xl domname 7", "", "Can't get domain name of domain id '7', maybe this domain does not exist.\n", 1),
    R("xl domname abc", "", "Invalid domain id.\n\n", 1),
    R("xl domname 1", "debian\n", "", 0),
    R("xl mem-set debian 12x", "", "invalid memory size: 12x\n", 1),
    R("xl mem-set debian 512MB", "", "invalid memory size: 512MB\n", 1),
    R("xl mem-set debian 1.5g", "", "invalid memory size: 1.5g\n", 1),
    R("xl mem-set debian 4096", "", "libxl: error: libxl_mem.c:278:libxl_set_memory_target: Domain 1:memory_dynamic_max must be less than or equal to memory_static_max\n\ncannot set domid 1 dynamic max memory to : 4096\n", 1),
    R("xl vcpu-set debian x", "", "Error: Invalid argument.\n", 1),
    R("xl vcpu-set debian 16", "", "You are overcommmitting! You have 8 physical CPUs and want 16 vCPUs! Aborting, use --ignore-host to continue\n", 1),
    R("xl vcpu-pin debian x 2-3", "", "Error: Invalid argument x as VCPU.\n", 1),
    R("xl vcpu-pin -f debian all 2", "", "Error: --force and 'all' as VCPU not allowed.\n", 1),
    R("xl -N vcpu-pin debian 0 0,2-3 4-7", "cpumap: 0,2-3 4-7\n", "", 0),
    R("xl trigger debian foo", "", 'Invalid trigger "foo"\n', 1),
    R("xl sysrq debian ab", sysrqHelp, "Invalid sysrq.\n\n", 1),
    R("xl button-press debian x", "", 'WARNING: "button-press" is deprecated. Please use "trigger"\nx is an invalid button identifier\n', 1),
    R("xl console -t foo debian", "", "console type supported are: pv, serial, vuart\n", 1),
    R("xl console 0", "", "Can't specify Domain-0\n", 22),
    R("xl cpupool-list foo", "", "Pool 'foo' does not exist\n", 1),
    R("xl sched-credit", "", "", 0),
    R("xl sched-credit -s", "Cpupool Pool-0: [sched params unavailable]\n", "", 0),
    R("xl sched-credit -w 5", "", "Must specify a domain.\n", 1),
    R("xl sched-credit -d debian", "Name                                ID Weight  Cap\n", "libxl_domain_sched_params_get returned credit2 not credit.\n", 1),
    R("xl sched-credit2 -d debian", "Name                                ID Weight  Cap\ndebian                               1    256    0\n", "", 0),
    R("xl info xen_ver", "4.17.7\n", "", 0),
    R("xl info bogus", "", "", 0),
    R("xl restore", restoreHelp, "'xl restore' requires at least 1 argument.\n\n", 2),
    R("xl restore /nope", "", "Can't open restore file: No such file or directory\n", 1),
    R("xl restore /etc/hostname", "", "File has wrong magic number - corrupt or for a different tool?\n", 1),
    R("xl block-detach debian xvdz", "", "Error: Device xvdz not connected.\n", 1),
    R("xl network-detach debian 5", "", "Unknown device 5.\n", 1),
    R("xl cd-insert centos hdc /nonexist.iso", "", "Cannot stat file: /nonexist.iso\n", 1),
    R("xl network-attach debian foo=bar", "", "unrecognized argument `foo=bar'\n", 1),
    R("xl network-attach debian mac=zz", "", "Invalid parameter `mac'.\n", 1),
    R("xl network-attach debian type=xen", "", "Invalid parameter `type'.\n", 1),
    R("xl block-attach debian target=/x", "", "command line: config parsing error in disk specification: no vdev specified in `target=/x'\n", 1),
    R("xl block-attach foo xvdc", "", "foo is an invalid domain identifier\n", 1),
    R("xl -N block-attach debian 'phy:/dev/vg0/extra,xvdc,w'", blockFrom("$ xl -N block-attach").replace(/^\$ .*\n/, ""), "", 0),
    R("xl -N network-attach debian bridge=xenbr1 mac=00:16:3e:11:22:33 model=e1000 vifname=vif-web ip=192.168.1.10 rate=10Mb/s", blockFrom("$ xl -N network-attach").replace(/^\$ .*\n/, ""), "", 0),
    R("xl config-update debian", "", "WARNING: xl now has better capability to manage domain configuration, avoid using this command when possible\nConfig file not specified\n", 1),
    R("xl config-update", "Usage: xl [-vtTfN] config-update <Domain> <ConfigFile> [options] [vars]\n\nUpdate a running domain's saved configuration, used when rebuilding the domain after reboot.\nWARNING: xl now has better capability to manage domain configuration, avoid using this command when possible.\n\nOptions:\n\n-h                      Print this help.\n-f FILE, --defconfig=FILE\n                     Use the given configuration file.\n-d                      Enable debug messages.\n\n", "xl config-update requires a domain argument\n", 1),
    R("xl getenforce", "Flask XSM Disabled\n", "", 255),
    R("xl setenforce", "Usage: xl [-vtTf] setenforce <1|0|Enforcing|Permissive>\n\nSets the current enforcing mode of the Flask Xen security module.\n\n", "", 2),
    R("xl setenforce 1", "", "Flask XSM disabled\n", 255),
    R("xm list", "", "bash: xm: command not found\n", 127),
    // errata E01, E02, E03, E27: names from study material that do not exist
    R("xl infos", "", "command not implemented\n", 1),
    R("xen-list-image", "", "bash: xen-list-image: command not found\n", 127),
    R("xen top", "", "bash: xen: command not found\n", 127),
    R("xl resume debian", "", "command not implemented\n", 1),
    // E10: a bare number is MiB in xl 4.17 (the man page says KiB)
    R("xl mem-set debian 900", "", "", 0),
    R("xl list debian", null, "", 0),
  ];
  return { fixture: "xen", description: "global options, prefix dispatch, def_getopt errors, domain lookup and command errors (reference §1, §3)", entries };
}

/** §4.2 diagnostics: each case is a config file written with a here-document, then `xl create`. */
function configErrorSession() {
  const F = "/root/t.cfg";
  const PY = "warning: Config file looks like it contains Python code.\nwarning:  Arbitrary Python is no longer supported.\nwarning:  See https://wiki.xen.org/wiki/PythonInXlConfig\n";
  const FAIL = "Failed to parse config: Invalid argument\n";
  const pre = 'name = "t"\nmemory = 512\n';
  const cases = [
    [pre + "kernel = vmlinuz\n", `${F}:3: config parsing error near \`vmlinuz': syntax error, unexpected IDENT, expecting STRING or NUMBER or '['\n${FAIL}`],
    [pre + "on_crash = preserve\n", `${F}:3: config parsing error near \`preserve': syntax error, unexpected IDENT, expecting STRING or NUMBER or '['\n${FAIL}`],
    [pre + "vcpus =\n", `${F}:2: config parsing error near <newline>: syntax error, unexpected NEWLINE, expecting STRING or NUMBER or '['\n${FAIL}`],
    [pre + "maxmem = 512MB\n", `${F}:3: config parsing error near \`MB': lexical error\n${FAIL}`],
    ['name = "t"\nMemory = 512\n', `${F}:2: config parsing error near \`Memory': lexical error\n${FAIL}`],
    [pre + 'extra = "console=hvc0\n', `${F}:3: config parsing error near \`"console=hvc0': lexical error\n${FAIL}`],
    [pre + 'name = "x" "y"\n', `${F}:3: config parsing error near \`"y"': syntax error, unexpected STRING, expecting $end\n${FAIL}`],
    [pre + "vcpus = 2,\n", `${F}:3: config parsing error near \`,': syntax error, unexpected ',', expecting $end\n${FAIL}`],
    [pre + "disk = [ 'a' 'b' ]\n", `${F}:3: config parsing error near \`'b'': syntax error, unexpected STRING, expecting ']'\n${FAIL}`],
    [pre + "= 5\n", `${F}:3: config parsing error near \`=': syntax error, unexpected '=', expecting $end or IDENT or NEWLINE or ';'\n${FAIL}`],
    [pre + "vif = [ 'x' ]]\n", `${F}:3: config parsing error near \`]': syntax error, unexpected ']', expecting $end\n${FAIL}`],
    ["import os\n", `${F}:1: config parsing error near \`os': syntax error, unexpected IDENT, expecting += or '='\n${FAIL}`],
    [pre + "extra = 'a\\qb'\n", `${F}:3: config parsing error near \`'a\\qb'': invalid character after backlash in quoted string\n${FAIL}`],
    [pre + "my-key = 1\n", `${F}:3: config parsing error near \`-key': lexical error\n${PY}${FAIL}`],
    [pre + "vcpus = int(2)\n", `${F}:3: config parsing error near \`int': syntax error, unexpected IDENT, expecting STRING or NUMBER or '['\n${F}:3: config parsing error near \`(2)': lexical error\n${PY}${FAIL}`],
    ['kernel = "/boot/vmlinuz-6.1.0-28-amd64"\n', "Domain name must be specified.\n"],
    ['name = "t"\n', "Neither kernel nor bootloader specified\n"],
    ['name = "t"\nkernel = "/boot/vmlinuz-6.1.0-28-amd64"\nvcpus = 4\nmaxvcpus = 2\n', "xl: maxvcpus < vcpus\n"],
    ['name = "t"\ntype = "xen"\n', "Invalid domain type xen.\n"],
    ['name = "t"\nkernel = "/boot/vmlinuz-6.1.0-28-amd64"\non_crash = "explode"\n', 'Unknown on_crash action "explode" specified\n'],
    ['name = "t"\nuuid = "zzz"\n', "Failed to parse UUID: zzz\n"],
    ['name = "t"\nkernel = "/boot/vmlinuz-6.1.0-28-amd64"\ndisk = [ \'/dev/vg/x,xvda,w\' ]\n', `${F}: config parsing error in disk specification: unknown value for format: near \`xvda' in \`/dev/vg/x,xvda,w'\n`],
    ['name = "t"\nbuilder = "hvm"\ntype = "pv"\n', 'Contradicting "builder" and "type" options specified.\n'],
  ];
  const entries = [];
  for (const [text, err] of cases) {
    entries.push({ cmd: `cat > ${F} <<'EOF'\n${text}EOF`, stdout: "", stderr: "", exit: 0, source: "setup" });
    const exit = /^Failed|\n.*Failed to parse config/.test(err) || err.includes("Failed to parse") ? 1 : 1;
    entries.push(R(`xl create ${F}`, "", `Parsing config from ${F}\n${err}`, exit));
  }
  // EOF inside a list and a comment on the last line (no newline at the end of the file)
  entries.push({ cmd: `printf 'name = "t"\\nmemory = 1\\n\\ndisk = [ "a"' > ${F}`, stdout: "", stderr: "", exit: 0, source: "setup" });
  entries.push(R(`xl create ${F}`, "", `Parsing config from ${F}\n${F}:4: config parsing error near \`': syntax error, unexpected $end, expecting ']'\n${FAIL}`, 1));
  entries.push({ cmd: `printf 'name = "t"\\nmemory = 1\\n# comment' > ${F}`, stdout: "", stderr: "", exit: 0, source: "setup" });
  entries.push(R(`xl create ${F}`, "", `Parsing config from ${F}\n${F}:3: config parsing error near \`#': lexical error\n${FAIL}`, 1));
  entries.push({ cmd: `printf 'name = "t"\\nx = "a"\\nmemory = 1\\nvcpus = 1\\nx += [ "b" ]\\n' > ${F}`, stdout: "", stderr: "", exit: 0, source: "setup" });
  entries.push(R(`xl create ${F}`, "", `Parsing config from ${F}\n${F}:5: config parsing error near \`]': can't add [list] to "string" or vice versa\n${FAIL}`, 1));
  // type mismatches only warn: the dry run still prints the config
  entries.push({ cmd: `cat > ${F} <<'EOF'\nname = "t"\nkernel = "/boot/vmlinuz-6.1.0-28-amd64"\nmemory = "12x"\nvif = "bridge=xenbr0"\nEOF`, stdout: "", stderr: "", exit: 0, source: "setup" });
  entries.push({ cmd: `xl create -n -q ${F} | head -3`, stdout: '{\n    "c_info": {\n        "type": "pv",\n', stderr: `${F}:3: warning: parameter \`memory' is not a valid number\n${F}:4: warning: parameter \`vif' is a single value but should be a list\n`, exit: 0, source: "reference" });
  return { fixture: "xen", description: "xl.cfg grammar diagnostics and semantic errors through xl create (reference §4.2, §3.4)", entries };
}

function walkthroughSession() {
  const entries = [];
  for (const b of walkthroughBlocks()) {
    if (b.cmd === "xl vcpu-list") continue; // the reference's invented per-vCPU times do not add up; see format tests
    if (b.cmd === "xl list" && entries.some((e) => e.cmd === "xl reboot debian")) continue; // "a few seconds later": replaced below
    const exit = b.cmd === "xl shutdown centos" ? 1 : 0;
    entries.push(R(b.cmd, b.toStderr ? "" : b.text, b.toStderr ? b.text : "", exit));
  }
  entries.push({ cmd: "sleep 20", stdout: "", stderr: "", exit: 0, source: "setup" });
  entries.push({ cmd: "xl list", stdout: null, stderr: "", exit: 0, source: "simulator" });
  entries.push({ cmd: "cat /var/log/xen/xl-debian.log", stdout: null, stderr: "", exit: 0, source: "simulator" });
  return { fixture: "walkthrough/xenhost.yaml", tick: 0, description: "the reference walk-through (§8) on its invented host, with time stopped between commands", entries };
}

function xenstoreXentopSession() {
  const usage = codeAfter("`/usr/sbin/xentop` → wrapper");
  const entries = [
    R("xentop -h", usage, "", 0),
    R("xentop --help", usage, "", 0),
    R("xentop -z", usage, "/usr/lib/xen-4.17/bin/xentop: invalid option -- 'z'\n", 0),
    R("xenstore-ls /local/domain/1", codeAfter("`xenstore-ls /local/domain/1`"), "", 0),
    R("xenstore-ls -p /local/domain/1/memory", codeAfter("`xenstore-ls -p /local/domain/1/memory`"), "", 0),
    R("xenstore-read /local/domain/1/name", "debian\n", "", 0),
    R("xenstore-read -p /local/domain/1/name", "/local/domain/1/name: debian\n", "", 0),
    R("xenstore-list /local/domain", "0\n1\n2\n", "", 0),
    R("xenstore-read /local/domain/9/name", "", "xenstore-read: couldn't read path /local/domain/9/name\n", 1),
    R("xenstore-list /nope", "", "xenstore-list: could not list path /nope\n", 1),
    R("xenstore-ls /nope", "", "xenstore-ls: xs_directory (/nope): No such file or directory\n", 1),
    R("xenstore-rm /nope", "", "xenstore-rm: could not remove path /nope\n", 1),
    R("xenstore-write /a", "", "xenstore-write: Usage: xenstore-write [-h] [-s] [-R] key value [...]\n", 1),
    R("xenstore-read", "", "xenstore-read: Usage: xenstore-read [-h] [-p] [-s] [-R] key [...]\n", 1),
    R("xenstore-list -h", "", "xenstore-list: Usage: xenstore-list [-h] [-p] [-s] key [...]\n", 1),
    R("xenstore-ls -h", "", "xenstore-ls: Usage: xenstore-ls [-h] [-f] [-p] [-s] [path]\n", 1),
    R("xenstore-rm", "", "xenstore-rm: Usage: xenstore-rm [-h] [-s] [-t] key [...]\n", 1),
    R("xenstore-chmod -h", "", "xenstore-chmod: Usage: xenstore-chmod [-h] [-u] [-r] [-s] key <mode [modes...]>\n", 1),
    R("xenstore-watch", "", "xenstore-watch: Usage: xenstore-watch [-h] [-n NR] key\n", 1),
    R("/usr/bin/xenstore-read", "", "xenstore-read: Usage: /usr/bin/xenstore-read [-h] [-p] [-s] [-R] key [...]\n", 1),
    R("xenstore", "", "xenstore: Usage: xenstore <mode> [-h] [...]\n", 1),
    R("xenstore foo", "", "xenstore: unknown mode foo\n\n", 1),
    R("xenstore read /local/domain/2/name", "centos\n", "", 0),
    R("xenstore-chmod /local/domain/1/data x1", "", "xenstore-chmod: Invalid permission specification: 'x'\n", 1),
    R("xenstore-write /local/domain/1/data/greeting hello", "", "", 0),
    R("xenstore-read /local/domain/1/data/greeting", "hello\n", "", 0),
  ];
  return { fixture: "walkthrough/xenhost.yaml", tick: 0, description: "xentop usage and the xenstore-* tools over the walk-through host's store (reference §6, §7)", entries };
}

/** The learner flow of issue 5, on the shipped xen fixture: outputs frozen from the simulator. */
function labFlowSession() {
  const S = (c) => ({ ...(typeof c === "string" ? { cmd: c } : c), stdout: null, stderr: null, exit: null, source: "simulator" });
  const cmds = [
    "cat > /etc/xen/web1.cfg <<EOF\nname    = \"web1\"\ntype    = \"pvh\"\nkernel  = \"/boot/vmlinuz-6.1.0-28-amd64\"\nramdisk = \"/boot/initrd.img-6.1.0-28-amd64\"\ncmdline = \"root=/dev/xvda1 ro console=hvc0\"\nmemory  = 512\nmaxmem  = 1024\nvcpus   = 2\ndisk    = [ 'phy:/dev/vg0/lab1,xvda,w' ]\nvif     = [ 'bridge=xenbr0' ]\nEOF",
    "xl create /etc/xen/web1.cfg",
    "xl list",
    "xentop -b -i 1",
    "xl block-attach web1 phy:/dev/vg0/lab2,xvdb,w",
    "xl block-list web1",
    "xl mem-set web1 768m",
    "xl list web1",
    "xenstore-read /local/domain/3/memory/target",
    "xl mem-max web1 2048",
    "xl mem-set web1 1536",
    "xl vcpu-set web1 1",
    "xl vcpu-list web1",
    "xl pause web1",
    "xl list web1",
    "xl unpause web1",
    "xl save web1 /var/lib/xen/save/web1.save",
    "xl list",
    "xl restore /var/lib/xen/save/web1.save",
    "xl list",
    "xl migrate web1 xen2",
    "xl list",
    "ssh xen2 xl list",
    "ssh xen2 xenstore-ls /local/domain/1/memory",
    "ssh xen2 xenstore-read /local/domain/1/name /local/domain/1/vm",
    "ssh xen2 cat /var/log/xen/xl-web1.log",
    { cmd: "xl console debian", input: ["", "root", "secret", "uname -r", "\x1d"] },
    "xl shutdown -w debian",
    "xl list",
  ];
  return { fixture: "xen", description: "issue 5's learner flow: heredoc config, create, list/xentop, disk attach, memory, save/restore, migrate to xen2, XenStore, console", entries: cmds.map(S) };
}

const SESSIONS = { help: helpSession, "cli-errors": cliErrorSession, "config-errors": configErrorSession, walkthrough: walkthroughSession, "xenstore-xentop": xenstoreXentopSession, "lab-flow": labFlowSession };

for (const [name, make] of Object.entries(SESSIONS)) {
  const s = make();
  const dir = join(OUT, name);
  mkdirSync(dir, { recursive: true });
  const fixture = s.fixture.includes("/") ? join(OUT, s.fixture) : s.fixture;
  const session = {
    tool: "xl",
    fixture: s.fixture,
    ...(s.tick !== undefined ? { tick: s.tick } : {}),
    recorded: false,
    derived: "DERIVED, NOT RECORDED: expected output from shared/reference/xl.md (rendered by Debian's real xl 4.17 binaries over stand-in libraries, or read from Xen 4.17.7's source); entries marked \"simulator\" freeze the simulator's output for steps without a reference sample",
    description: s.description,
  };
  writeFileSync(join(dir, "session.json"), JSON.stringify(session, null, 2) + "\n");
  writeFileSync(join(dir, "cmds.txt"), s.entries.map((e) => [e.cmd, ...(e.input ?? []).map((l) => `| ${JSON.stringify(l).slice(1, -1)}`)].join("\n")).join("\n") + "\n");
  // entries left null are filled from the simulator by: UPDATE_XL_TRANSCRIPTS=1 npx vitest run test/transcripts/xl
  const file = join(dir, "transcript.json");
  const old = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : [];
  s.entries.forEach((e, i) => {
    const o = old[i];
    if (!o || o.cmd !== e.cmd) return;
    for (const k of ["stdout", "stderr", "exit"]) if (e[k] === null) e[k] = o[k] ?? null;
  });
  writeFileSync(file, JSON.stringify(s.entries, null, 1) + "\n");
  console.log(`${name}: ${s.entries.length} entries`);
}
