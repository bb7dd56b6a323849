#!/usr/bin/env python3
"""Compare golist.sh (go list -e -json ./...) with `gofed packages ROOT --format json`.

Usage:
  compare_golist.py --suite SUITE --root ROOT --golist GOLIST.jsonl --gofed GOFED.json
                    [--golist-errors ERRORS.jsonl] [--known FILE] [--summary FILE] [--limit 50]

GOLIST.jsonl: golist.sh's output (one JSON object per line, "dir" relative to
ROOT). GOFED.json: a stream of JSON objects as `go list -json` prints them (or a
JSON array) with go list's field names ("Dir" absolute, "ImportPath", "Name",
"GoFiles", ...; empty lists may be omitted).
ERRORS.jsonl: golist.sh's GOLIST_ERRORS file.

Checks (the CHECK column of known-differences.txt; KEY is the package
directory relative to ROOT, or its import path):
  missing         a package go list reports that gofed does not
  extra           a package gofed reports that go list does not
  duplicate       gofed reports the same (dir, import path) twice
  Name, GoFiles, CgoFiles, TestGoFiles, XTestGoFiles, IgnoredGoFiles,
  Imports, TestImports, XTestImports
                  the field differs (the detail says when only the order does)
  Error           go list reports an error for the package itself and gofed
                  does not, or the other way round (dependency errors are
                  not compared)

Exit status: 0 when every difference is listed in the known-differences file,
1 otherwise, 2 on bad input.
"""

import argparse
import collections
import json
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import oraclecmp  # noqa: E402

FIELDS = [
    ("Name", "name"),
    ("GoFiles", "go_files"),
    ("CgoFiles", "cgo_files"),
    ("TestGoFiles", "test_go_files"),
    ("XTestGoFiles", "xtest_go_files"),
    ("IgnoredGoFiles", "ignored_go_files"),
    ("Imports", "imports"),
    ("TestImports", "test_imports"),
    ("XTestImports", "xtest_imports"),
]
GOLIST_CHECKS = ["missing", "extra", "duplicate", "Error"] + [f for f, _ in FIELDS]


def load_stream(path):
    """The packages of `gofed packages --format json`: a stream of JSON objects as
    `go list -json` prints them (a JSON array is accepted too)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    dec = json.JSONDecoder()
    out, i, n = [], 0, len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        obj, i = dec.raw_decode(text, i)
        out.append(obj)
    if len(out) == 1 and isinstance(out[0], list):
        return out[0]
    return out


def list_diff(a, b):
    if sorted(a) == sorted(b):
        return "same elements, order differs: go %s, gofed %s" % (short(a), short(b))
    ca, cb = collections.Counter(a), collections.Counter(b)
    parts = []
    oa, ob = sorted((ca - cb).elements()), sorted((cb - ca).elements())
    if oa:
        parts.append("go only: " + short(oa))
    if ob:
        parts.append("gofed only: " + short(ob))
    return "; ".join(parts)


def short(xs, n=8):
    s = ", ".join(xs[:n])
    if len(xs) > n:
        s += ", ... (%d in all)" % len(xs)
    return "[" + s + "]"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suite", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--golist", required=True)
    ap.add_argument("--gofed", required=True)
    ap.add_argument("--golist-errors", default="")
    ap.add_argument("--context", default="", help="shown in the report")
    ap.add_argument("--known", default="")
    ap.add_argument("--summary", default="")
    ap.add_argument("--limit", type=int, default=50)
    args = ap.parse_args()

    known = oraclecmp.load_known(args.known)
    roots = oraclecmp.root_variants(args.root)

    go = collections.OrderedDict()
    with open(args.golist, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                o = json.loads(line)
                go[(o["dir"], o["import_path"])] = o
    go_err = {}
    if args.golist_errors:
        with open(args.golist_errors, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    o = json.loads(line)
                    if o.get("error"):
                        go_err[(o["dir"], o["import_path"])] = o["error"]

    try:
        fed_list = load_stream(args.gofed)
    except (ValueError, OSError) as e:
        print("compare_golist: cannot read gofed output %s: %s" % (args.gofed, e), file=sys.stderr)
        sys.exit(2)

    diffs = []
    fed = collections.OrderedDict()
    for p in fed_list:
        if not isinstance(p, dict):
            diffs.append(("extra", "(output)", "not a JSON object: %r" % (p,)))
            continue
        d = oraclecmp.relkey(p.get("Dir", ""), roots)
        k = (d, p.get("ImportPath", ""))
        if k in fed:
            diffs.append(("duplicate", d, "gofed lists %s twice" % (k[1],), [k[1]]))
        fed[k] = p

    c = collections.Counter()
    per_field = collections.Counter()
    for k, g in go.items():
        d, ip = k
        c["go list packages"] += 1
        p = fed.get(k)
        if p is None:
            diffs.append(("missing", d, "import path %s" % ip, [ip]))
            continue
        c["packages compared"] += 1
        for fname, gname in FIELDS:
            c["fields compared"] += 1
            gv = g.get(gname)
            fv = p.get(fname)
            if fname == "Name":
                gv = gv or ""
                fv = fv or ""
                if gv != fv:
                    diffs.append((fname, d, "go %r, gofed %r" % (gv, fv), [ip]))
                    per_field[fname] += 1
                continue
            gv = gv or []
            fv = fv or []
            if gv != fv:
                diffs.append((fname, d, list_diff(gv, fv), [ip]))
                per_field[fname] += 1
        ge = go_err.get(k, "")
        fe = p.get("Error")
        fe = (fe.get("Err", "") if isinstance(fe, dict) else str(fe)) if fe else ""
        if bool(ge) != bool(fe):
            if ge:
                diffs.append(("Error", d, "go list: %s; gofed: no error" % ge.replace("\n", " "), [ip]))
            else:
                diffs.append(("Error", d, "go list: no error; gofed: %s" % fe.replace("\n", " "), [ip]))
            per_field["Error"] += 1
        elif ge:
            c["packages with an error on both sides"] += 1
    for k in fed:
        if k not in go:
            diffs.append(("extra", k[0], "import path %s" % k[1], [k[1]]))

    diffs.sort(key=lambda x: (x[0], x[1]))
    out = oraclecmp.Report()
    out("go list conformance, suite %s: %s%s" % (args.suite, args.root, (", " + args.context) if args.context else ""))
    out("")
    out("  %-40s %7d" % ("go list packages", c["go list packages"]))
    out("  %-40s %7d" % ("gofed packages", len(fed)))
    out("  %-40s %7d" % ("packages compared", c["packages compared"]))
    out("  %-40s %7d" % ("fields compared", c["fields compared"]))
    out("  %-40s %7d" % ("packages with an error on both sides", c["packages with an error on both sides"]))
    out("  packages with differences, per field:")
    for fname in [f for f, _ in FIELDS] + ["Error"]:
        out("    %-38s %7d" % (fname, per_field[fname]))
    out("")
    n = oraclecmp.report_differences(out, args.suite, diffs, known, args.limit,
                                     lambda x: "%s\t%s\t%s" % x[:3], GOLIST_CHECKS)
    out("")
    out("result: %s" % ("ok" if n == 0 else "FAILED (%d unlisted difference(s))" % n))
    out.emit(args.summary)
    sys.exit(1 if n else 0)


if __name__ == "__main__":
    main()
