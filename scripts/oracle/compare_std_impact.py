#!/usr/bin/env python3
"""Compare `gofed impact` of a standard library update with go/types (see
scripts/oracle-std-impact.sh).

Usage:
  compare_std_impact.py --old OLD.txt --new NEW.txt --gofed GOFED.json
                        [--title TEXT] [--summary FILE] [--limit 30]

OLD.txt, NEW.txt: the type errors of every package of a GOPATH checked against the old and
the new standard library (gouses -errors: FILE:LINE:COL<TAB>MESSAGE, FILE relative to the
GOPATH's src). GOFED.json: `gofed impact OLD NEW SRC --format json`, SRC the one dependent
(its positions relative to SRC too).

A line breaks when the new library gives an error on it that the old one does not. An
error that an import failed to type-check ("could not import") is the consequence of a
break in that import, counted apart. Checks:
  recall      every breaking line holds a use gofed reports as breaking
  precision   every line gofed reports a breaking use on breaks
gofed's `unchecked` uses are counted per change (what uses the change where its effect is
not decided per use).

Exit status: 0 when both hold, 1 otherwise, 2 on bad input.
"""

import argparse
import collections
import json
import os
import sys


def read_errors(path):
    """{(file, line): message} of a gouses -errors output."""
    errors = {}
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for lineno, text in enumerate(f, 1):
            pos, sep, msg = text.rstrip("\n").partition("\t")
            parts = pos.rsplit(":", 2)
            if not sep or len(parts) != 3 or not parts[1].isdigit():
                print("compare_std_impact: %s:%d: not FILE:LINE:COL<TAB>MESSAGE: %r" % (path, lineno, text),
                      file=sys.stderr)
                sys.exit(2)
            errors.setdefault((parts[0], int(parts[1])), msg)
    return errors


def read_gofed(path):
    """The changes, and the hits as (file, line, effect, change)."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        changes = [(c["package"], c["message"]) for c in doc["changes"]]
        hits = []
        for dependent in doc["dependents"]:
            for h in dependent["hits"]:
                file, line, _col = h["position"].rsplit(":", 2)
                hits.append((file, int(line), h["effect"], "%s: %s" % (h["package"], h["change"])))
    except (OSError, ValueError, KeyError) as err:
        print("compare_std_impact: %s: %s" % (path, err), file=sys.stderr)
        sys.exit(2)
    return changes, hits


def compare(old, new, changes, hits, title, limit):
    """The summary's lines and whether recall and precision hold."""
    added = {k: m for k, m in new.items() if k not in old}
    breaking = {k: m for k, m in added.items() if "could not import" not in m}
    consequences = len(added) - len(breaking)
    gofed_breaking = {(f, l) for f, l, effect, _ in hits if effect == "breaks"}
    missed = sorted(k for k in breaking if k not in gofed_breaking)
    wrong = sorted(k for k in gofed_breaking if k not in breaking)
    pkg = lambda key: os.path.dirname(key[0])  # noqa: E731
    broken_pkgs = {pkg(k) for k in breaking}
    gofed_pkgs = {pkg(k) for k in gofed_breaking}
    using = collections.defaultdict(set)
    for f, l, _effect, change in hits:
        using[change].add(os.path.dirname(f))
    unchecked_pkgs = {os.path.dirname(f) for f, _l, effect, _ in hits if effect == "unchecked"} - gofed_pkgs

    out = ["impact of a standard library update: gofed impact vs go/types (GOPATH mode), %s" % title, ""]
    rows = [
        ("incompatible changes (and compatible ones unkeyed literals see)", len(changes)),
        ("packages that use what changed", len({os.path.dirname(f) for f, *_ in hits})),
        ("lines with an error only the new library gives", len(breaking)),
        ("  of which in packages gofed calls breaking", len([k for k in breaking if pkg(k) in gofed_pkgs])),
        ("errors of an import that broke (consequences)", consequences),
        ("packages that break (go/types)", len(broken_pkgs)),
        ("packages gofed calls breaking", len(gofed_pkgs)),
        ("packages gofed calls unchecked, none breaking", len(unchecked_pkgs)),
    ]
    out += ["  %-64s %8d" % row for row in rows]
    pct = lambda a, b: 100.0 * a / b if b else 100.0  # noqa: E731
    out += [
        "",
        "  recall (lines):    %6.2f %% (%d of %d breaking lines hold a breaking use)"
        % (pct(len(breaking) - len(missed), len(breaking)), len(breaking) - len(missed), len(breaking)),
        "  precision (lines): %6.2f %% (%d of %d lines with a breaking use break)"
        % (pct(len(gofed_breaking) - len(wrong), len(gofed_breaking)), len(gofed_breaking) - len(wrong),
           len(gofed_breaking)),
        "",
        "by change: packages using it / breaking (go/types) / called breaking (gofed)",
    ]
    for package, message in changes:
        change = "%s: %s" % (package, message)
        users = using.get(change, set())
        out.append("  %-90s %5d %5d %5d" % (change[:90], len(users), len(users & broken_pkgs), len(users & gofed_pkgs)))
    for name, keys, what in (("recall misses", missed, breaking), ("precision misses", wrong, None)):
        if keys:
            out += ["", "%s: %d (first %d)" % (name, len(keys), limit)]
            for f, l in keys[:limit]:
                out.append("  %s:%d%s" % (f, l, ": " + what[(f, l)] if what else ""))
    return out, not missed and not wrong


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True)
    ap.add_argument("--new", required=True)
    ap.add_argument("--gofed", required=True)
    ap.add_argument("--title", default="")
    ap.add_argument("--summary")
    ap.add_argument("--limit", type=int, default=30)
    args = ap.parse_args()
    changes, hits = read_gofed(args.gofed)
    lines, ok = compare(read_errors(args.old), read_errors(args.new), changes, hits, args.title, args.limit)
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text + "\nresult: %s\n" % ("ok" if ok else "DIFFERENCES"))
    if args.summary:
        with open(args.summary, "w", encoding="utf-8") as f:
            f.write(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
