#!/usr/bin/env python3
"""Compare gouses (go/types' Info.Uses) with `gofed debug uses` on the same packages.

Usage:
  compare_uses.py --suite SUITE --go GO.txt --gofed GOFED.txt [--known FILE]
                  [--summary FILE] [--limit 50]

Both files hold gouses' line format (see scripts/oracle/gouses/main.go):
FILE OFFSET KIND PKGPATH NAME DECL, tab-separated. A use is identified by
FILE and OFFSET; DECL is not compared (gofed does not print it yet).

gofed resolves every KIND gouses prints but "other" (selectors go/types records
no selection for, such as cgo's C.x). Checks (the CHECK column of
known-differences.txt, KEY FILE:OFFSET):
  uses-missing   go/types records the use, gofed does not
  uses-extra     gofed reports a use go/types does not record
  uses-object    both, another object (KIND, PKGPATH or NAME differ)
Uses of a kind gofed does not resolve are counted as "not resolved by gofed
yet", per kind. With --packages-only, gofed lines for directories gouses
printed nothing for are ignored.

gofed's "implicit" uses (a value used as another package's interface: passed,
assigned, returned, converted, asserted) have no counterpart in go/types' Info;
they are counted, not compared (gofed impact's tests check them against the
compiler).

A package go/types could not check without errors (gouses' type-errors line:
most often an import its source importer cannot load in GOPATH mode) is no
complete reference: go/types records no use of an import it could not load.
There, a use only gofed reports is counted ("not comparable"), not a
difference; a use go/types records and gofed does not is still one.

Exit status: 0 when every difference is listed in the known-differences file,
1 otherwise, 2 on bad input.
"""

import argparse
import collections
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import oraclecmp  # noqa: E402

CHECKS = ["uses-missing", "uses-extra", "uses-object"]
GOFED_ONLY = ("implicit",)
RESOLVED = ("qualified", "dot", "field", "method", "methodexpr", "key")


def read(path, errors=None, gofed_only=None):
    uses = {}
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for lineno, line in enumerate(f, 1):
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 6:
                print("compare_uses: %s:%d: not 6 fields: %r" % (path, lineno, line), file=sys.stderr)
                sys.exit(2)
            try:
                key = (fields[0], int(fields[1]))
            except ValueError:
                print("compare_uses: %s:%d: bad offset" % (path, lineno), file=sys.stderr)
                sys.exit(2)
            if fields[2] == "type-errors":
                if errors is not None:
                    errors[fields[0]] = (int(fields[3]), fields[4])
                continue
            if gofed_only is not None and fields[2] in GOFED_ONLY:
                gofed_only[fields[2]] += 1
                continue
            uses[key] = tuple(fields[2:5])
    return uses


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suite", required=True)
    ap.add_argument("--go", required=True)
    ap.add_argument("--gofed", required=True)
    ap.add_argument("--known", default="")
    ap.add_argument("--summary", default="")
    ap.add_argument("--limit", type=int, default=50)
    ap.add_argument("--packages-only", action="store_true",
                    help="ignore gofed's uses in directories gouses printed nothing for")
    args = ap.parse_args()
    known = oraclecmp.load_known(args.known)
    errors = {}
    gofed_only = collections.Counter()
    go, fed = read(args.go, errors), read(args.gofed, gofed_only=gofed_only)
    if args.packages_only:
        dirs = {k[0].rsplit("/", 1)[0] for k in go} | set(errors)
        fed = {k: v for k, v in fed.items() if k[0].rsplit("/", 1)[0] in dirs}

    c = collections.Counter()
    pending = collections.Counter()
    diffs = []
    for key, (kind, path, name) in sorted(go.items()):
        c["go/types uses"] += 1
        if kind not in RESOLVED:
            pending[kind] += 1
            continue
        c["of the kinds gofed resolves"] += 1
        got = fed.get(key)
        k = "%s:%d" % key
        if got is None:
            diffs.append(("uses-missing", k, "%s %s.%s" % (kind, path, name)))
        elif got != (kind, path, name):
            diffs.append(("uses-object", k, "go %s %s.%s, gofed %s %s.%s" % ((kind, path, name) + got)))
        else:
            c["equal"] += 1
    for key, (kind, path, name) in sorted(fed.items()):
        if key not in go or go[key][0] not in RESOLVED:
            if key[0].rsplit("/", 1)[0] in errors:
                c["gofed only, in packages go/types has errors in (not comparable)"] += 1
                continue
            diffs.append(("uses-extra", "%s:%d" % key, "%s %s.%s" % (kind, path, name)))

    out = oraclecmp.Report()
    out("uses conformance, suite %s: gofed debug uses vs go/types (gouses)" % args.suite)
    out("")
    c["packages go/types has errors in"] = len(errors)
    for label in ("go/types uses", "of the kinds gofed resolves", "equal", "packages go/types has errors in",
                  "gofed only, in packages go/types has errors in (not comparable)"):
        out("  %-40s %9d" % (label, c[label]))
    for kind in sorted(pending):
        out("  %-40s %9d" % ("not resolved by gofed yet: " + kind, pending[kind]))
    for kind in sorted(gofed_only):
        out("  %-40s %9d" % ("gofed only, not compared: " + kind, gofed_only[kind]))
    out("")
    n = oraclecmp.report_differences(out, args.suite, diffs, known, args.limit,
                                     lambda d: "%s\t%s\t%s" % d[:3], CHECKS)
    out("")
    out("result: %s" % ("ok" if n == 0 else "FAILED (%d unlisted difference(s))" % n))
    out.emit(args.summary)
    sys.exit(1 if n else 0)


if __name__ == "__main__":
    main()
