#!/usr/bin/env python3
"""Extract virsh 9.0's command/option definitions (names, kinds, flags, help texts) from a libvirt
source tree into JSON data: src/sim/tools/virsh/commands.json. Facts only; the simulator's parser,
help and completion are our own code reading this data.

usage: scripts/extract-virsh-table.py /path/to/libvirt-9.0.0 > src/sim/tools/virsh/commands.json
"""
import json, re, sys, os

root = sys.argv[1]
tools = os.path.join(root, "tools")
files = ["vsh.h", "vsh.c", "virsh.h", "virsh-util.h", "virsh.c"] + sorted(
    f for f in os.listdir(tools) if f.startswith("virsh-") and f.endswith(".c") and "completer" not in f)
src = ""
for f in files:
    with open(os.path.join(tools, f)) as fh:
        src += "\n" + fh.read()

# drop comments
src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)

# macros: #define NAME(args) body  or #define NAME body (with \ continuations)
macros = {}
for m in re.finditer(r"^#\s*define\s+(\w+)(\([^)]*\))?[ \t]*((?:.*\\\n)*.*)$", src, flags=re.M):
    name, args, body = m.group(1), m.group(2), m.group(3)
    body = body.replace("\\\n", " ")
    params = [a.strip() for a in args[1:-1].split(",")] if args else None
    macros[name] = (params, body)


def split_args(s):
    """Split a macro call's argument text at top-level commas."""
    out, depth, cur, q = [], 0, "", None
    for ch in s:
        if q:
            cur += ch
            if ch == q and not cur.endswith("\\" + q):
                q = None
            continue
        if ch in "\"'":
            q = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
            continue
        cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def expand(text, depth=0):
    if depth > 10:
        return text
    changed = False
    out = ""
    i = 0
    for m in re.finditer(r"\b(VIRSH_\w+|VSH_CMD_\w+)\b", text):
        pass
    pos = 0
    res = ""
    pat = re.compile(r"\b(VIRSH_COMMON_OPT_\w+|VIRSH_COMMON_\w+|VSH_CMD_[A-Z_]+)\b")
    while True:
        m = pat.search(text, pos)
        if not m:
            res += text[pos:]
            break
        name = m.group(1)
        if name not in macros:
            res += text[pos:m.end()]
            pos = m.end()
            continue
        params, body = macros[name]
        res += text[pos:m.start()]
        end = m.end()
        if params is not None:
            # find parenthesised args
            j = end
            while text[j].isspace():
                j += 1
            assert text[j] == "(", name
            d = 0
            k = j
            while True:
                if text[k] == "(":
                    d += 1
                elif text[k] == ")":
                    d -= 1
                    if d == 0:
                        break
                k += 1
            args = split_args(text[j + 1:k])
            b = body
            for p, a in zip(params, args):
                b = re.sub(r"\b%s\b" % re.escape(p), lambda _m: a, b)
            res += b
            end = k + 1
        else:
            res += body
        pos = end
        changed = True
    return expand(res, depth + 1) if changed else res


def cstring(s):
    """Evaluate C string literal concatenation inside N_()/_() or bare."""
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', s)
    v = "".join(parts)
    return v.encode().decode("unicode_escape") if "\\" in v else v


def fields(entry):
    f = {}
    for m in re.finditer(r"\.(\w+)\s*=\s*((?:N?_\()?(?:\"(?:[^\"\\]|\\.)*\"\s*)+\)?|[^,}]+)", entry):
        f[m.group(1)] = m.group(2).strip()
    return f


def entries(body):
    """Top-level {...} entries of an array initializer."""
    out, d, start = [], 0, None
    q = None
    for i, ch in enumerate(body):
        if q:
            if ch == q and body[i - 1] != "\\":
                q = None
            continue
        if ch in "\"'":
            q = ch
        elif ch == "{":
            if d == 0:
                start = i
            d += 1
        elif ch == "}":
            d -= 1
            if d == 0:
                out.append(body[start:i + 1])
    return out


def flagset(s):
    s = s or "0"
    return [x.strip() for x in re.split(r"\|", s) if x.strip() not in ("0", "", "VSH_OFLAG_NONE")]


def ternary(s):
    m = re.match(r"\s*(true|false)\s*\?\s*(\w+)\s*:\s*(\w+)", s or "")
    if m:
        return m.group(2) if m.group(1) == "true" else m.group(3)
    return s


def array(kind, name):
    m = re.search(r"(?:static\s+)?const\s+%s\s+%s\[\]\s*=\s*\{(.*?)\n\};" % (kind, re.escape(name)), src, flags=re.S)
    if not m:
        return None
    return expand(m.group(1))


def opts_of(name):
    if name in (None, "NULL"):
        return []
    body = array("vshCmdOptDef", name)
    if body is None:
        raise SystemExit("no opts " + name)
    res = []
    for e in entries(body):
        f = fields(e)
        if "name" not in f or f["name"] == "NULL":
            continue
        t = ternary(f.get("type")).replace("VSH_OT_", "").lower()
        o = {"name": cstring(f["name"]), "type": t}
        fl = [x.replace("VSH_OFLAG_", "").lower() for x in flagset(ternary(f.get("flags")))]
        if fl:
            o["flags"] = fl
        if "help" in f:
            o["help"] = cstring(f["help"])
        if "completer" in f:
            o["completer"] = f["completer"]
        res.append(o)
    return res


def info_of(name):
    body = array("vshCmdInfo", name)
    res = {}
    for e in entries(body or ""):
        f = fields(e)
        if "name" not in f and not e.strip("{} \n").startswith("NULL"):
            # positional initializer: {"help", N_("...")}
            parts = split_args(e.strip()[1:-1])
            if len(parts) >= 2:
                f = {"name": parts[0], "data": parts[1]}
        if f.get("name", "NULL") != "NULL":
            res[cstring(f["name"])] = cstring(f.get("data", '""'))
    return res


groups = []
gm = re.search(r"static const vshCmdGrp cmdGroups\[\] = \{(.*?)\n\};", src, flags=re.S)
for g in entries(gm.group(1)):
    parts = split_args(g[1:-1])
    if parts[0] == "NULL":
        continue
    gname = cstring(macros[parts[0]][1])
    keyword = cstring(parts[1])
    cmds = []
    for e in entries(array("vshCmdDef", parts[2])):
        f = fields(e)
        if f.get("name", "NULL") == "NULL":
            continue
        c = {"name": cstring(f["name"])}
        fl = [x.replace("VSH_CMD_FLAG_", "").lower() for x in flagset(f.get("flags"))]
        if fl:
            c["flags"] = fl
        if "alias" in f:
            c["alias"] = cstring(f["alias"])
        else:
            info = info_of(f["info"])
            c["help"] = info.get("help", "")
            if info.get("desc"):
                c["desc"] = info["desc"]
            c["opts"] = opts_of(f.get("opts"))
        cmds.append(c)
    groups.append({"name": gname, "keyword": keyword, "commands": cmds})

json.dump({"source": "libvirt 9.0.0 tools/ (virsh)", "groups": groups}, sys.stdout, indent=1)
sys.stdout.write("\n")
