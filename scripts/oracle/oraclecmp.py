"""Shared code of compare_parse.py and compare_golist.py (python3 stdlib only).

Known differences file (tests/oracle/known-differences.txt): one entry per
line, four tab-separated fields

    SUITE<TAB>CHECK<TAB>KEY<TAB>REASON

SUITE, CHECK and KEY are fnmatch globs (`*` also matches `/`); KEY is matched
against the path relative to the corpus root (a file for the parse check, a
package directory for the golist check; the latter also accepts the import
path). REASON is free text and must not be empty. Empty lines and lines
starting with `#` are ignored. A malformed line is an error (exit 2).
"""

import fnmatch
import os
import sys


class KnownEntry:
    def __init__(self, lineno, suite, check, key, reason):
        self.lineno = lineno
        self.suite = suite
        self.check = check
        self.key = key
        self.reason = reason
        self.used = 0

    def matches(self, suite, check, keys):
        if not fnmatch.fnmatchcase(suite, self.suite):
            return False
        if not fnmatch.fnmatchcase(check, self.check):
            return False
        return any(fnmatch.fnmatchcase(k, self.key) for k in keys if k)


def load_known(path):
    """Returns the list of KnownEntry; exits 2 on a malformed file."""
    entries = []
    if not path or not os.path.exists(path):
        return entries
    errors = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) < 4 or not all(x.strip() for x in fields[:4]):
                errors.append(
                    "%s:%d: expected SUITE<TAB>CHECK<TAB>KEY<TAB>REASON, got %r"
                    % (path, lineno, line)
                )
                continue
            reason = "\t".join(fields[3:]).strip()
            entries.append(KnownEntry(lineno, fields[0], fields[1], fields[2], reason))
    if errors:
        for e in errors:
            print("known-differences: " + e, file=sys.stderr)
        sys.exit(2)
    return entries


def classify(diffs, known, suite):
    """diffs: list of (check, key, detail[, alt_keys]). Returns (unlisted, listed)
    where listed items carry the matching entry."""
    unlisted, listed = [], []
    for d in diffs:
        check, key = d[0], d[1]
        keys = [key] + list(d[3] if len(d) > 3 else [])
        for e in known:
            if e.matches(suite, check, keys):
                e.used += 1
                listed.append((d, e))
                break
        else:
            unlisted.append(d)
    return unlisted, listed


def unused_entries(known, suite, all_checks):
    """Entries of this suite and of this script's checks (by glob) that
    matched nothing."""
    return [
        e
        for e in known
        if e.used == 0
        and fnmatch.fnmatchcase(suite, e.suite)
        and any(fnmatch.fnmatchcase(c, e.check) for c in all_checks)
    ]


def relkey(path, roots):
    """path relative to the first of roots it lies under (else path itself)."""
    for r in roots:
        if not r:
            continue
        r = r.rstrip("/")
        if path == r:
            return "."
        if path.startswith(r + "/"):
            return path[len(r) + 1:]
    return path


def root_variants(root):
    """ROOT as given, absolute, and with symbolic links resolved."""
    out = []
    for r in (root, os.path.abspath(root), os.path.realpath(root)):
        r = r.rstrip("/") or "/"
        if r not in out:
            out.append(r)
    return out


class Report:
    """Collects report lines; printed to stdout and written to the summary."""

    def __init__(self):
        self.lines = []

    def __call__(self, s=""):
        self.lines.append(s)

    def emit(self, summary_path):
        # Invalid UTF-8 read from Go files (kept as surrogate escapes) is
        # written as backslash escapes.
        text = "\n".join(self.lines) + "\n"
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        data = text.encode("utf-8")
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        if summary_path:
            d = os.path.dirname(summary_path)
            if d:
                os.makedirs(d, exist_ok=True)
            with open(summary_path, "wb") as f:
                f.write(data)


def report_differences(out, suite, diffs, known, limit, describe, all_checks):
    """Prints counts per check, the first `limit` unlisted and listed
    differences, and unused known entries. Returns the number of unlisted."""
    unlisted, listed = classify(diffs, known, suite)
    checks = sorted({d[0] for d in diffs})
    out("differences by check (total / listed as known / unlisted):")
    if not checks:
        out("  none")
    for c in checks:
        t = sum(1 for d in diffs if d[0] == c)
        k = sum(1 for d, _ in listed if d[0] == c)
        out("  %-16s %6d %6d %6d" % (c, t, k, t - k))
    out("")
    out("unlisted differences: %d%s" % (len(unlisted), " (first %d)" % limit if len(unlisted) > limit else ""))
    for d in unlisted[:limit]:
        out("  " + describe(d))
    if listed:
        out("")
        out("known differences: %d%s" % (len(listed), " (first %d)" % limit if len(listed) > limit else ""))
        for d, e in listed[:limit]:
            out("  %s  [known-differences.txt:%d: %s]" % (describe(d), e.lineno, e.reason))
    unused = unused_entries(known, suite, all_checks)
    if unused:
        out("")
        out("known-differences entries that matched nothing in this run (stale?):")
        for e in unused:
            out("  line %d: %s\t%s\t%s" % (e.lineno, e.suite, e.check, e.key))
    return len(unlisted)
