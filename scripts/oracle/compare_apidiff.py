#!/usr/bin/env python3
"""API changes of `gofed apidiff --format lines` against x/exp/apidiff (python3 stdlib only).

Usage:
  compare_apidiff.py compare --suite SUITE --manifest MANIFEST.tsv
                             [--context TEXT] [--notes FILE] [--known FILE]
                             [--summary FILE] [--limit 50]

MANIFEST.tsv has one line per compared pair (a package between an old and a
new version), six TAB-separated fields:

    PAIR  REFERENCE  GOFED  GOFED_STATUS  GOFED_STDERR  WANT

  PAIR          the pair's name, e.g. `net/http@1.23.9..1.24.11`, `pkg-errors`,
                `testdata`
  REFERENCE     file with the oracle's lines (`i MESSAGE` / `c MESSAGE`)
  GOFED         file with gofed's lines
  GOFED_STATUS  gofed's exit status
  GOFED_STDERR  file with gofed's stderr, or `-`
  WANT          file with the expected lines (apidiff's own test cases), or `-`

Pairs the reference could not load are not in the manifest (the calling
script lists them in the notes). Both sides of a pair are compared as
multisets of lines. The report (stdout and --summary) gives the message
counts, the agreement (lines in both / lines in either), whether gofed's exit
status is the one its output implies (1 with an incompatible change, 0
without; 2 is an error) and its output is sorted bytewise; with WANT files,
the agreement of the reference and of gofed with the expected lines; the
differences grouped by change kind and by pair, a table per pair, then the
differences.

Checks (the CHECK column of known-differences.txt):
  apidiff-missing  a line the reference prints and gofed does not (or prints
                   fewer times); KEY `PAIR: LINE`, e.g.
                   `slices@1.22.10..1.23.9: c Chunk: added`
  apidiff-extra    a line gofed prints and the reference does not; same KEY
  apidiff-status   gofed's exit status is not the one its output implies
                   (0 without an `i` line, 1 with one), e.g. 2 for an error;
                   KEY `PAIR`
KEY is an fnmatch glob (`*` also matches `/`) or the exact key itself (so
`[` in `[]byte` needs no escaping).

Change kinds (the apidiff wording after `NAME: `): added (also `added
unexported method`), removed, changed (`changed from X to Y`), value (`value
changed from X to Y`), direction (`changed direction`, `removed direction`),
implements (`no longer implements I`), comparable (`old is comparable, new is
not`), other (anything else, e.g. a malformed line). A message both sides print with different `i`/`c` letters is counted
under "same message, other compatibility" as well.

Exit status: 0 when every difference is listed in the known-differences
file, 1 otherwise, 2 on bad input.
"""

import argparse
import collections
import fnmatch
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import oraclecmp  # noqa: E402

CHECKS = ["apidiff-missing", "apidiff-extra", "apidiff-status"]
KINDS = ["added", "removed", "changed", "value", "direction", "implements", "comparable", "other"]


def bkey(s):
    return s.encode("utf-8", "surrogateescape")


def parse_line(line):
    """Returns (letter, message) for `i MESSAGE` / `c MESSAGE`, else None."""
    if len(line) > 2 and line[0] in "ic" and line[1] == " ":
        return line[0], line[2:]
    return None


KIND_RE = re.compile(r": (added$|added unexported method$|removed$|value changed from |changed from "
                     r"|changed direction$|removed direction$|no longer implements |old is comparable, new is not$)")
KIND_OF_MATCH = {"added": "added", "added unexported method": "added", "removed": "removed",
                 "value changed from ": "value", "changed from ": "changed", "changed direction": "direction",
                 "removed direction": "direction", "no longer implements ": "implements",
                 "old is comparable, new is not": "comparable"}


def kind_of(line):
    """Change kind of `i MESSAGE` / `c MESSAGE` (the first `: VERB` after
    the object name decides)."""
    p = parse_line(line)
    if p is None:
        return "other"
    m = KIND_RE.search(p[1])
    if not m:
        return "other"
    return KIND_OF_MATCH[m.group(1)]


class KnownEntry(oraclecmp.KnownEntry):
    """A known-differences entry whose KEY also matches a key literally."""

    def matches(self, suite, check, keys):
        if super().matches(suite, check, keys):
            return True
        return (fnmatch.fnmatchcase(suite, self.suite) and fnmatch.fnmatchcase(check, self.check)
                and self.key in keys)


def load_known(path):
    return [KnownEntry(e.lineno, e.suite, e.check, e.key, e.reason) for e in oraclecmp.load_known(path)]


def read_lines(path, what):
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            return [l.rstrip("\n").rstrip("\r") for l in f if l.strip()]
    except OSError as e:
        print("compare_apidiff: cannot read %s %s: %s" % (what, path, e), file=sys.stderr)
        sys.exit(2)


def read_manifest(path):
    pairs = []
    for n, l in enumerate(read_lines(path, "manifest"), 1):
        f = l.split("\t")
        if len(f) != 6:
            print("compare_apidiff: %s:%d: want 6 TAB-separated fields, got %r" % (path, n, l), file=sys.stderr)
            sys.exit(2)
        try:
            status = int(f[3])
        except ValueError:
            print("compare_apidiff: %s:%d: bad exit status %r" % (path, n, f[3]), file=sys.stderr)
            sys.exit(2)
        pairs.append({"name": f[0], "ref": f[1], "fed": f[2], "status": status,
                      "stderr": None if f[4] == "-" else f[4], "want": None if f[5] == "-" else f[5]})
    return pairs


def pct(a, b):
    return "%.2f%%" % (100.0 * a / b) if b else "n/a"


def multiset_diff(a, b):
    ca, cb = collections.Counter(a), collections.Counter(b)
    both = ca & cb
    return both, ca - cb, cb - ca


def first_stderr_line(path):
    if not path:
        return ""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for l in f:
                if l.strip():
                    return l.strip()
    except OSError:
        pass
    return ""


def cmd_compare(args):
    known = load_known(args.known)
    pairs = read_manifest(args.manifest)
    out = oraclecmp.Report()
    diffs = []
    tot = collections.Counter()
    by_kind = collections.OrderedDict((k, [0, 0, "", ""]) for k in KINDS)
    per_pair = []
    unsorted_pairs, status_bad = [], []
    other_letter = []
    want_rows = []
    for p in pairs:
        ref = read_lines(p["ref"], "reference output")
        fed = read_lines(p["fed"], "gofed output")
        both, miss, extra = multiset_diff(ref, fed)
        nb, nm, ne = sum(both.values()), sum(miss.values()), sum(extra.values())
        tot["ref"] += len(ref)
        tot["fed"] += len(fed)
        tot["both"] += nb
        tot["miss"] += nm
        tot["extra"] += ne
        for l in ref:
            tot["ref_" + (l[0] if parse_line(l) else "?")] += 1
        for l in fed:
            tot["fed_" + (l[0] if parse_line(l) else "?")] += 1
        if any(bkey(fed[i]) > bkey(fed[i + 1]) for i in range(len(fed) - 1)):
            unsorted_pairs.append(p["name"])
        implied = 1 if any(l.startswith("i ") for l in fed) else 0
        status_ok = p["status"] == implied
        if not status_ok:
            err = first_stderr_line(p["stderr"])
            detail = "exit %d, output implies %d%s" % (p["status"], implied, (": " + err) if err else "")
            status_bad.append(p["name"])
            diffs.append(("apidiff-status", p["name"], detail))
        for check, cnt, col in (("apidiff-missing", miss, 0), ("apidiff-extra", extra, 1)):
            for line in sorted(cnt, key=bkey):
                n = cnt[line]
                diffs.append((check, "%s: %s" % (p["name"], line), "%d times" % n if n > 1 else ""))
                k = kind_of(line)
                by_kind[k][col] += n
                if not by_kind[k][2 + col]:
                    by_kind[k][2 + col] = "%s: %s" % (p["name"], line)
        # Same message, other letter.
        mref = collections.Counter(parse_line(l)[1] for l in miss.elements() if parse_line(l))
        mfed = collections.Counter(parse_line(l)[1] for l in extra.elements() if parse_line(l))
        for m in sorted((mref & mfed), key=bkey):
            other_letter.append("%s: %s" % (p["name"], m))
        per_pair.append((p["name"], len(ref), len(fed), nb, nm, ne, p["status"], status_ok))
        if p["want"]:
            want = read_lines(p["want"], "expected lines")
            wr_both, wr_miss, wr_extra = multiset_diff(want, ref)
            wf_both, wf_miss, wf_extra = multiset_diff(want, fed)
            want_rows.append((p["name"], want, (wr_both, wr_miss, wr_extra), (wf_both, wf_miss, wf_extra)))

    union = tot["both"] + tot["miss"] + tot["extra"]
    out("apidiff conformance, suite %s%s" % (args.suite, (": " + args.context) if args.context else ""))
    out("")
    rows = [
        ("pairs compared", len(pairs)),
        ("reference lines (i / c)", "%d (%d / %d)" % (tot["ref"], tot["ref_i"], tot["ref_c"])),
        ("gofed lines (i / c)", "%d (%d / %d)" % (tot["fed"], tot["fed_i"], tot["fed_c"])),
        ("lines in both", tot["both"]),
        ("only in the reference (apidiff-missing)", tot["miss"]),
        ("only in gofed (apidiff-extra)", tot["extra"]),
        ("pairs with changes (reference)", sum(1 for r in per_pair if r[1])),
        ("pairs identical", "%d / %d" % (sum(1 for r in per_pair if not r[4] and not r[5]), len(pairs))),
    ]
    for name, n in rows:
        out("  %-48s %9s" % (name, n))
    out("  %-48s %9s" % ("agreement (both / either)", pct(tot["both"], union) if union else "100.00%"))
    out("  %-48s %9s" % ("reference lines gofed prints", pct(tot["both"], tot["ref"]) if tot["ref"] else "n/a"))
    out("  %-48s %9s" % ("gofed exit status as its output implies",
                         "%d / %d" % (len(pairs) - len(status_bad), len(pairs))))
    out("  %-48s %9s" % ("gofed output sorted bytewise", "yes" if not unsorted_pairs else
                         "NO (%d pair(s))" % len(unsorted_pairs)))
    if tot["ref_?"]:
        out("  %-48s %9d" % ("malformed reference lines", tot["ref_?"]))
    if tot["fed_?"]:
        out("  %-48s %9d" % ("malformed gofed lines (apidiff-extra)", tot["fed_?"]))
    for name, want, wr, wf in want_rows:
        out("")
        out("expected lines of %s (apidiff's own test cases): %d (i %d / c %d)"
            % (name, len(want), sum(1 for l in want if l.startswith("i ")), sum(1 for l in want if l.startswith("c "))))
        for who, (b, m, e) in (("reference", wr), ("gofed", wf)):
            nb, nm, ne = sum(b.values()), sum(m.values()), sum(e.values())
            out("  %-48s %9s  (%d in both, %d expected only, %d %s only)"
                % ("%s agreement with the expected lines" % who, pct(nb, nb + nm + ne) if nb + nm + ne else "100.00%",
                   nb, nm, ne, who))
            for l in sorted(m, key=bkey):
                out("      expected, not printed by %s: %s" % (who, l))
            for l in sorted(e, key=bkey):
                out("      printed by %s, not expected: %s" % (who, l))
    notes = read_lines(args.notes, "notes") if args.notes else []
    if notes:
        out("")
        for l in notes:
            out(l)
    out("")
    out("differences by change kind (only-reference / only-gofed, first example of each):")
    if not tot["miss"] and not tot["extra"]:
        out("  none")
    for k, (m, e, exm, exe) in by_kind.items():
        if m or e:
            out("  %-14s %6d %6d" % (k, m, e))
            if exm:
                out("      reference only: %s" % exm)
            if exe:
                out("      gofed only:     %s" % exe)
    if other_letter:
        out("")
        out("same message, other compatibility (i/c) on the two sides: %d" % len(other_letter))
        for m in other_letter[:args.limit]:
            out("  " + m)
    diffp = sorted((r for r in per_pair if r[4] or r[5] or not r[7]), key=lambda r: (-(r[4] + r[5]), r[0]))
    out("")
    out("differences by pair (only-reference / only-gofed / gofed exit status), largest first: %d pair(s)%s"
        % (len(diffp), " (first %d)" % args.limit if len(diffp) > args.limit else ""))
    if not diffp:
        out("  none")
    for r in diffp[:args.limit]:
        out("  %-50s %6d %6d %6s" % (r[0], r[4], r[5], r[6] if r[7] else "%d!" % r[6]))
    out("")
    out("per pair (reference / gofed / both / only-reference / only-gofed / gofed exit; * = differs, ! = unexpected exit):")
    for r in sorted(per_pair, key=lambda r: bkey(r[0])):
        out("  %s %-50s %6d %6d %6d %6d %6d %4s"
            % ("*" if r[4] or r[5] or not r[7] else " ", r[0], r[1], r[2], r[3], r[4], r[5],
               r[6] if r[7] else "%d!" % r[6]))
    out("")

    def describe(d):
        return "%s\t%s%s" % (d[0], d[1], ("\t(" + d[2] + ")") if d[2] else "")

    n = oraclecmp.report_differences(out, args.suite, diffs, known, args.limit, describe, CHECKS)
    out("")
    out("result: %s" % ("ok" if n == 0 else "FAILED (%d unlisted difference(s))" % n))
    out.emit(args.summary)
    return 1 if n else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compare")
    c.add_argument("--suite", required=True)
    c.add_argument("--manifest", required=True)
    c.add_argument("--context", default="", help="shown in the report")
    c.add_argument("--notes", default="", help="file whose lines are copied into the report")
    c.add_argument("--known", default="")
    c.add_argument("--summary", default="")
    c.add_argument("--limit", type=int, default=50)
    args = ap.parse_args()
    sys.exit({"compare": cmd_compare}[args.command](args))


if __name__ == "__main__":
    main()
