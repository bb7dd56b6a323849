#!/usr/bin/env python3
"""Compare goparsedump (go/parser) with `gofed debug parse` on the same files.

Usage:
  compare_parse.py --suite SUITE --root ROOT --files LIST --go GO.txt --gofed GOFED.txt
                   [--known FILE] [--summary FILE] [--limit 50]

Both outputs are goparsedump's line format (see scripts/oracle/goparsedump/
main.go), bodies included: each function body's nodes in ast.Inspect order,
hashed (`bodyhash` lines). gofed also prints `PATH<TAB>body<TAB>START<TAB>END`
lines, the byte spans of the function bodies its fast parse (bodies skipped)
skipped (from `{` through `}`; END may be the offset of the `}` or one past
it).

Checks (the CHECK column of known-differences.txt), per file:
  missing        a listed file gofed printed nothing for
  extra          gofed printed a file that is not in the list
  format         a gofed line that is not in the expected format
  reject         Go accepts the file, gofed rejects it
  accept         Go rejects the file, gofed accepts it
  error-offset   both reject, the first errors are at different offsets
  package        both accept, package names differ
  imports        both accept, the imports differ as multisets
  imports-order  both accept, same imports in another order
  decls          both accept, the declarations differ as multisets
  decls-order    both accept, same declarations in another order
  bodies         both accept, the function bodies' nodes differ (kind or
                 position of a node, in go/ast's order)
  body-span      a gofed body span that is not {...} in the file's bytes
For files both reject, the first error's message is not compared (only where it
is).

Exit status: 0 when every difference is listed in the known-differences file,
1 otherwise, 2 on bad input.
"""

import argparse
import collections
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import oraclecmp  # noqa: E402

PARSE_CHECKS = [
    "missing", "extra", "format", "reject", "accept", "package", "imports",
    "imports-order", "decls", "decls-order", "bodies", "body-span", "error-offset",
]


class FileResult:
    __slots__ = ("status", "offset", "linecol", "msg", "package", "imports", "decls", "bodies", "hashes", "bad")

    def __init__(self):
        self.status = None  # "ok" | "error"
        self.offset = None
        self.linecol = ""
        self.msg = ""
        self.package = None
        self.imports = []
        self.decls = []
        self.bodies = []
        self.hashes = []  # (lbrace, nodes, hash) per function declaration body
        self.bad = []


def parse_dump(path, allow_body):
    """Returns (dict path -> FileResult, order of paths, malformed lines)."""
    res = collections.OrderedDict()
    stray = []
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            fields = line.split("\t")
            if len(fields) < 2:
                stray.append("%s:%d: %r" % (path, lineno, line))
                continue
            p, kind = fields[0], fields[1]
            r = res.get(p)
            if r is None:
                r = res[p] = FileResult()
            n = len(fields)
            if kind == "ok" and n == 2:
                if r.status is not None:
                    r.bad.append("second status line: %r" % line)
                r.status = "ok"
            elif kind == "error" and n >= 5:
                if r.status is not None:
                    r.bad.append("second status line: %r" % line)
                r.status = "error"
                try:
                    r.offset = int(fields[2])
                except ValueError:
                    r.bad.append("bad offset: %r" % line)
                r.linecol = fields[3]
                r.msg = "\t".join(fields[4:])
            elif kind == "package" and n == 3:
                if r.package is not None:
                    r.bad.append("second package line: %r" % line)
                r.package = fields[2]
            elif kind == "import" and n == 4:
                r.imports.append((fields[2], fields[3]))
            elif kind == "decl" and n == 4:
                r.decls.append((fields[2], fields[3]))
            elif kind == "bodyhash" and n == 5:
                try:
                    r.hashes.append((int(fields[2]), int(fields[3]), fields[4]))
                except ValueError:
                    r.bad.append("bad bodyhash: %r" % line)
            elif kind == "node":
                pass  # -nodes / --nodes output, for reading one file's differences
            elif kind == "body" and n == 4 and allow_body:
                try:
                    r.bodies.append((int(fields[2]), int(fields[3])))
                except ValueError:
                    r.bad.append("bad body span: %r" % line)
            else:
                r.bad.append("unexpected line: %r" % line)
    return res, stray


def multiset_diff(a, b, fmt):
    ca, cb = collections.Counter(a), collections.Counter(b)
    only_a = sorted((ca - cb).elements())
    only_b = sorted((cb - ca).elements())
    parts = []
    if only_a:
        parts.append("go only: " + ", ".join(fmt(x) for x in only_a[:6]) + (" ..." if len(only_a) > 6 else ""))
    if only_b:
        parts.append("gofed only: " + ", ".join(fmt(x) for x in only_b[:6]) + (" ..." if len(only_b) > 6 else ""))
    return "; ".join(parts)


def first_order_diff(a, b, fmt):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return "first at #%d: go %s, gofed %s" % (i, fmt(x), fmt(y))
    return "lengths differ"


def fmt_import(x):
    return ("%s %s" % (x[0], x[1])) if x[0] else x[1]


def fmt_decl(x):
    return "%s %s" % x


def first_body_diff(go_hashes, fed_hashes):
    for (gl, gn, gh), (fl, fn, fh) in zip(go_hashes, fed_hashes):
        if (gl, gn, gh) != (fl, fn, fh):
            return "body at offset %d: go %d nodes %s, gofed body at %d: %d nodes %s" % (gl, gn, gh, fl, fn, fh)
    return "go %d bodies, gofed %d" % (len(go_hashes), len(fed_hashes))


def body_span_problems(src, bodies):
    """What is wrong with gofed's skipped-body spans: each must run from a '{' to a '}'
    (END at the '}' or one past it)."""
    problems = []
    n = len(src)
    for start, end in bodies:
        if not (0 <= start < n) or src[start:start + 1] != b"{":
            problems.append("body %d-%d: no '{' at %d" % (start, end, start))
            continue
        if 0 <= end < n and src[end:end + 1] == b"}":
            close = end
        elif 0 < end <= n and src[end - 1:end] == b"}":
            close = end - 1
        else:
            problems.append("body %d-%d: no '}' at %d or %d" % (start, end, end, end - 1))
            continue
        if close <= start:
            problems.append("body %d-%d: empty or reversed" % (start, end))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suite", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--files", required=True, help="the file list both tools were given")
    ap.add_argument("--go", required=True, help="goparsedump output")
    ap.add_argument("--gofed", required=True, help="gofed debug parse output")
    ap.add_argument("--go-version", default="", help="shown in the report")
    ap.add_argument("--known", default="")
    ap.add_argument("--summary", default="")
    ap.add_argument("--limit", type=int, default=50)
    args = ap.parse_args()

    known = oraclecmp.load_known(args.known)
    roots = oraclecmp.root_variants(args.root)
    with open(args.files, encoding="utf-8", errors="surrogateescape") as f:
        files = [l.rstrip("\n") for l in f if l.strip()]
    go, go_stray = parse_dump(args.go, allow_body=False)
    fed, fed_stray = parse_dump(args.gofed, allow_body=True)
    if go_stray or any(r.bad or r.status is None for r in go.values()):
        print("compare_parse: malformed goparsedump output", file=sys.stderr)
        for s in go_stray[:5]:
            print("  " + s, file=sys.stderr)
        sys.exit(2)

    diffs = []  # (check, key, detail)
    msg_info = []  # rejected by both at the same offset, in other words
    key = lambda p: oraclecmp.relkey(p, roots)
    c = collections.Counter()
    for s in fed_stray:
        diffs.append(("format", "(output)", s))
    listed = set(files)
    for p in fed:
        if p not in listed:
            diffs.append(("extra", key(p), "gofed printed a file that was not asked for"))

    for p in files:
        c["files"] += 1
        g = go.get(p)
        if g is None:
            print("compare_parse: goparsedump printed nothing for %s" % p, file=sys.stderr)
            sys.exit(2)
        c["go accepted" if g.status == "ok" else "go rejected"] += 1
        r = fed.get(p)
        k = key(p)
        if r is None:
            diffs.append(("missing", k, "gofed printed nothing for this file"))
            continue
        if r.bad or r.status is None:
            diffs.append(("format", k, "; ".join(r.bad[:3]) or "no ok/error line"))
            if r.status is None:
                continue
        if r.bodies:
            c["gofed bodies"] += len(r.bodies)
        if r.bodies and r.status == "ok":
            try:
                with open(p, "rb") as f:
                    src = f.read()
            except OSError as e:
                src = b""
                print("compare_parse: cannot read %s: %s" % (p, e), file=sys.stderr)
            problems = body_span_problems(src, r.bodies)
            if problems:
                diffs.append(("body-span", k, "; ".join(problems[:3])))

        if g.status == "ok" and r.status == "ok":
            c["accepted by both"] += 1
            if g.package != r.package:
                diffs.append(("package", k, "go %r, gofed %r" % (g.package, r.package)))
            for what, gl, rl, fmt in (("imports", g.imports, r.imports, fmt_import), ("decls", g.decls, r.decls, fmt_decl)):
                if collections.Counter(gl) != collections.Counter(rl):
                    diffs.append((what, k, multiset_diff(gl, rl, fmt)))
                elif gl != rl:
                    diffs.append((what + "-order", k, first_order_diff(gl, rl, fmt)))
                else:
                    c[what + " equal"] += 1
            c["function bodies"] += len(g.hashes)
            if g.hashes == r.hashes:
                c["bodies equal (every node)"] += len(g.hashes)
            else:
                diffs.append(("bodies", k, first_body_diff(g.hashes, r.hashes)))
        elif g.status == "error" and r.status == "error":
            c["rejected by both"] += 1
            if g.offset == r.offset:
                c["rejected by both, same error offset"] += 1
                if g.msg != r.msg:
                    msg_info.append("%s\tgo: %s %s; gofed: %s" % (k, g.linecol, g.msg, r.msg))
            else:
                diffs.append(("error-offset", k, "go: %s %s (offset %s); gofed: %s %s (offset %s)"
                              % (g.linecol, g.msg, g.offset, r.linecol, r.msg, r.offset)))
        elif g.status == "ok":
            diffs.append(("reject", k, "gofed: %s %s" % (r.linecol, r.msg)))
        else:
            diffs.append(("accept", k, "go: %s %s (offset %s)" % (g.linecol, g.msg, g.offset)))

    diffs.sort(key=lambda d: (d[0], d[1]))
    out = oraclecmp.Report()
    out("parse conformance, suite %s: %s%s" % (args.suite, args.root, ", go/parser of %s" % args.go_version if args.go_version else ""))
    out("")
    for label in ("files", "go accepted", "go rejected", "accepted by both", "rejected by both",
                  "rejected by both, same error offset", "imports equal", "decls equal",
                  "function bodies", "bodies equal (every node)", "gofed bodies"):
        out("  %-40s %7d" % (label, c[label]))
    out("")
    n = oraclecmp.report_differences(out, args.suite, diffs, known, args.limit,
                                     lambda d: "%s\t%s\t%s" % d[:3], PARSE_CHECKS)
    if msg_info:
        out("")
        out("not a difference: rejected by both at the same offset, other words: %d%s"
            % (len(msg_info), " (first %d)" % args.limit if len(msg_info) > args.limit else ""))
        for s in sorted(msg_info)[:args.limit]:
            out("  " + s)
    out("")
    out("result: %s" % ("ok" if n == 0 else "FAILED (%d unlisted difference(s))" % n))
    out.emit(args.summary)
    sys.exit(1 if n else 0)


if __name__ == "__main__":
    main()
