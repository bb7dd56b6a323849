#!/usr/bin/env python3
"""API features of `gofed api --format goapi` against cmd/api / goapi (python3 stdlib only).

Usage:
  compare_api.py compare --suite SUITE --reference REF.txt --gofed GOFED.txt
                         [--packages PKGS.txt] [--context TEXT] [--notes FILE]
                         [--known FILE] [--summary FILE] [--limit 50]
  compare_api.py select-gocode --golist GOLIST.jsonl [--golist-errors ERRORS.jsonl]
                         [--count 150]
  compare_api.py load --out OUT.txt --dropped DROPPED.txt --packages PKGS.txt
                         [--allow-errors-flag F] -- CMD [ARG...]

compare
  REF.txt and GOFED.txt hold cmd/api feature lines (`pkg P, func F()`,
  `pkg P (CONTEXT), ...`), one per line. The two are compared as multisets
  of lines. With --packages (one import path per line) only the lines of
  those packages are compared on both sides; the others are counted and
  ignored. The report (stdout and --summary) gives the line counts, the
  agreement (lines in both / lines in either), the differences grouped by
  feature kind, by package (and by context when there are context-tagged
  lines), a table per package, then the differences themselves.

  Checks (the CHECK column of known-differences.txt; KEY is the feature
  line, an fnmatch glob, or the exact line itself, which spares escaping
  the `[` of `[]byte` as `[[]`):
    api-missing   a line the reference prints and gofed does not (or prints
                  fewer times)
    api-extra     a line gofed prints and the reference does not (or prints
                  fewer times)

  Feature kinds: const, var, func, method, type (`type T ...` without a
  member, aliases included), field (`type T struct, F int` and
  `type T struct, embedded E`), iface-method (`type T interface, M()` and
  `type T interface, unexported methods`), other (anything else, e.g. a
  gofed line that is not `pkg P, ...`).

select-gocode
  Prints the import paths of the gocode suite, one per line, sorted: from
  golist.sh's output, the packages with no go list error (their own or of a
  dependency), at least one Go file, no cgo files, not named main, and no
  `internal`, `testdata` or `vendor` path element; grouped by repository
  root (the first three path elements under github.com, golang.org,
  gitlab.com and bitbucket.org, the first two elsewhere), roots in bytewise
  order, packages in a root in bytewise order; then taken round-robin (the
  first package of every root, then the second of every root that has
  one, ...) until COUNT are chosen. Deterministic for a given tree.

load
  Runs CMD ARG... PKG... with every package of PKGS.txt (the reference:
  goapi/goapi-new print the features of all named packages, merged). When
  the run fails (any non-zero exit: 3 for a load or type error in a package
  or a dependency, 2 for a fatal error or a panic of cmd/api's code), the
  set is split in halves and each half run again, down to single packages,
  which are dropped. When CMD has goapi's -v flag and cmd/api's code
  panicked, the package it was exporting (the last `package NAME ("PATH")`
  log line before the panic) is dropped directly and the rest run again
  without bisecting. With --allow-errors-flag F (goapi: -allow-errors, and
  -v in CMD), a failing set is first run once more with F: goapi then
  prints each requested package's load errors just before the `package`
  log line of its export, which names the packages to drop; the rest is run
  again without F (bisected if it still fails). OUT.txt gets the merged, bytewise sorted features of
  the packages that loaded, DROPPED.txt `PKG<TAB>REASON` lines (REASON: the
  first `panic:` or error line of the failing run's stderr). Exit 0 when at
  least one package loaded, 2 otherwise.

Exit status of compare: 0 when every difference is listed in the
known-differences file, 1 otherwise, 2 on bad input.
"""

import argparse
import collections
import fnmatch
import json
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import oraclecmp  # noqa: E402

API_CHECKS = ["api-missing", "api-extra"]
KINDS = ["const", "var", "func", "method", "type", "field", "iface-method", "other"]

LINE_RE = re.compile(r"^pkg ([^ ,]+)(?: \(([^)]*)\))?, (.*)$")


def parse_line(line):
    """Returns (package, context or "", rest) or None for a malformed line."""
    m = LINE_RE.match(line)
    if not m:
        return None
    return m.group(1), m.group(2) or "", m.group(3)


def kind_of(rest):
    """Feature kind of the part after `pkg P, `."""
    word = rest.split(" ", 1)[0]
    if word in ("const", "var", "func", "method"):
        return word
    if word != "type":
        return "other"
    # type NAME[TPARAMS] ...: skip the name and its bracketed type parameters
    # (which may hold spaces), then look at what follows.
    s = rest[5:]
    depth = 0
    i = 0
    while i < len(s):
        c = s[i]
        if c in "[(":
            depth += 1
        elif c in "])":
            depth -= 1
        elif c == " " and depth == 0:
            break
        i += 1
    tail = s[i + 1:]
    if tail.startswith("struct, "):
        return "field"
    if tail.startswith("interface, "):
        return "iface-method"
    return "type"


class ApiKnownEntry(oraclecmp.KnownEntry):
    """A known-differences entry whose KEY also matches a line literally."""

    def matches(self, suite, check, keys):
        if super().matches(suite, check, keys):
            return True
        return (fnmatch.fnmatchcase(suite, self.suite) and fnmatch.fnmatchcase(check, self.check)
                and self.key in keys)


def load_known(path):
    out = []
    for e in oraclecmp.load_known(path):
        out.append(ApiKnownEntry(e.lineno, e.suite, e.check, e.key, e.reason))
    return out


def read_lines(path, what):
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            return [l.rstrip("\n").rstrip("\r") for l in f if l.strip()]
    except OSError as e:
        print("compare_api: cannot read %s %s: %s" % (what, path, e), file=sys.stderr)
        sys.exit(2)


def pct(a, b):
    return "%.2f%%" % (100.0 * a / b) if b else "n/a"


def cmd_compare(args):
    known = load_known(args.known)
    ref_all = read_lines(args.reference, "reference")
    fed_all = read_lines(args.gofed, "gofed output")
    pkgset = None
    if args.packages:
        pkgset = set(read_lines(args.packages, "package list"))

    def split(lines):
        kept, other, bad = [], 0, []
        for l in lines:
            p = parse_line(l)
            if p is None:
                bad.append(l)
                continue
            if pkgset is not None and p[0] not in pkgset:
                other += 1
                continue
            kept.append(l)
        return kept, other, bad

    ref, ref_other, ref_bad = split(ref_all)
    fed, fed_other, fed_bad = split(fed_all)
    fed_sorted = all(fed_all[i].encode("utf-8", "surrogateescape") <= fed_all[i + 1].encode("utf-8", "surrogateescape")
                     for i in range(len(fed_all) - 1))
    rc, fc = collections.Counter(ref), collections.Counter(fed)
    both = rc & fc
    only_ref, only_fed = rc - fc, fc - rc
    nboth, nref, nfed = sum(both.values()), sum(rc.values()), sum(fc.values())
    nmiss, nextra = sum(only_ref.values()), sum(only_fed.values())
    union = nboth + nmiss + nextra

    diffs = []
    for check, cnt in (("api-missing", only_ref), ("api-extra", only_fed)):
        for line in sorted(cnt, key=lambda s: s.encode("utf-8", "surrogateescape")):
            n = cnt[line]
            diffs.append((check, line, "%d times" % n if n > 1 else ""))
    for l in fed_bad:
        diffs.append(("api-extra", l, "not a feature line"))
        nextra += 1
        union += 1

    # Groupings.
    per_pkg = collections.defaultdict(lambda: [0, 0, 0, 0, 0])  # ref gofed both missing extra
    for cnt, col in ((rc, 0), (fc, 1), (both, 2), (only_ref, 3), (only_fed, 4)):
        for line, n in cnt.items():
            per_pkg[parse_line(line)[0]][col] += n
    by_kind = collections.OrderedDict((k, [0, 0, "", ""]) for k in KINDS)
    by_ctx = collections.defaultdict(lambda: [0, 0])
    ctx_seen = False
    for col, cnt in ((0, only_ref), (1, only_fed)):
        for line in sorted(cnt, key=lambda s: s.encode("utf-8", "surrogateescape")):
            _, ctx, rest = parse_line(line)
            k = kind_of(rest)
            by_kind[k][col] += cnt[line]
            if not by_kind[k][2 + col]:
                by_kind[k][2 + col] = line
            by_ctx[ctx or "(all contexts)"][col] += cnt[line]
    for line in fed_bad:
        by_kind["other"][1] += 1
        if not by_kind["other"][3]:
            by_kind["other"][3] = line
    for line in list(rc) + list(fc):
        if parse_line(line)[1]:
            ctx_seen = True
            break

    out = oraclecmp.Report()
    out("API conformance, suite %s%s" % (args.suite, (": " + args.context) if args.context else ""))
    out("")
    rows = [
        ("reference lines", nref),
        ("gofed lines", nfed),
    ]
    if pkgset is not None:
        rows += [("packages compared (--packages)", len(pkgset)),
                 ("reference lines of other packages (ignored)", ref_other),
                 ("gofed lines of other packages (ignored)", fed_other)]
    rows += [
        ("lines in both", nboth),
        ("only in the reference (api-missing)", nmiss),
        ("only in gofed (api-extra)", nextra),
        ("reference packages (with features)", len([p for p, v in per_pkg.items() if v[0]])),
        ("gofed packages (with features)", len([p for p, v in per_pkg.items() if v[1]])),
    ]
    for name, n in rows:
        out("  %-48s %7d" % (name, n))
    out("  %-48s %7s" % ("agreement (both / either)", pct(nboth, union)))
    out("  %-48s %7s" % ("reference lines gofed prints", pct(nboth, nref)))
    out("  %-48s %7s" % ("gofed output sorted bytewise", "yes" if fed_sorted else "NO"))
    if ref_bad:
        out("  %-48s %7d" % ("malformed reference lines (ignored)", len(ref_bad)))
    if fed_bad:
        out("  %-48s %7d" % ("malformed gofed lines (api-extra)", len(fed_bad)))
    notes = read_lines(args.notes, "notes") if args.notes else []
    if notes:
        out("")
        for l in notes:
            out(l)
    out("")
    out("differences by feature kind (only-reference / only-gofed, first example of each):")
    if not nmiss and not nextra:
        out("  none")
    for k, (m, e, exm, exe) in by_kind.items():
        if m or e:
            out("  %-14s %6d %6d" % (k, m, e))
            if exm:
                out("      reference only: %s" % exm)
            if exe:
                out("      gofed only:     %s" % exe)
    if ctx_seen:
        out("")
        out("differences by context (only-reference / only-gofed):")
        if not by_ctx:
            out("  none")
        for c in sorted(by_ctx):
            out("  %-30s %6d %6d" % (c, by_ctx[c][0], by_ctx[c][1]))
    diffpk = sorted((p for p, v in per_pkg.items() if v[3] or v[4]),
                    key=lambda p: (-(per_pkg[p][3] + per_pkg[p][4]), p))
    out("")
    out("differences by package (only-reference / only-gofed), largest first: %d package(s)%s"
        % (len(diffpk), " (first %d)" % args.limit if len(diffpk) > args.limit else ""))
    if not diffpk:
        out("  none")
    for p in diffpk[:args.limit]:
        out("  %-50s %6d %6d" % (p, per_pkg[p][3], per_pkg[p][4]))
    out("")
    out("per package (reference / gofed / both / only-reference / only-gofed; * = differs):")
    for p in sorted(per_pkg):
        v = per_pkg[p]
        out("  %s %-50s %6d %6d %6d %6d %6d" % ("*" if v[3] or v[4] else " ", p, v[0], v[1], v[2], v[3], v[4]))
    out("")

    def describe(d):
        return "%s\t%s%s" % (d[0], d[1], ("\t(" + d[2] + ")") if d[2] else "")

    n = oraclecmp.report_differences(out, args.suite, diffs, known, args.limit, describe, API_CHECKS)
    out("")
    out("result: %s" % ("ok" if n == 0 else "FAILED (%d unlisted difference(s))" % n))
    out.emit(args.summary)
    return 1 if n else 0


def repo_root(ip):
    p = ip.split("/")
    n = 3 if p[0] in ("github.com", "golang.org", "gitlab.com", "bitbucket.org") else 2
    return "/".join(p[:n])


def cmd_select_gocode(args):
    bad = set()
    if args.golist_errors:
        with open(args.golist_errors, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    bad.add(json.loads(line)["import_path"])
    cands = set()
    with open(args.golist, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            o = json.loads(line)
            ip = o["import_path"]
            parts = ip.split("/")
            if (ip in bad or o.get("cgo_files") or not o.get("go_files") or o.get("name") in ("main", "", None)
                    or ip.startswith("_/")
                    or any(x in ("internal", "testdata", "vendor") for x in parts)):
                continue
            cands.add(ip)
    by_root = collections.defaultdict(list)
    for ip in sorted(cands, key=lambda s: s.encode()):
        by_root[repo_root(ip)].append(ip)
    roots = sorted(by_root, key=lambda s: s.encode())
    chosen = []
    i = 0
    while len(chosen) < args.count:
        added = False
        for r in roots:
            if i < len(by_root[r]) and len(chosen) < args.count:
                chosen.append(by_root[r][i])
                added = True
        if not added:
            break
        i += 1
    for ip in sorted(chosen, key=lambda s: s.encode()):
        print(ip)
    print("select-gocode: %d candidate package(s) in %d repository root(s), %d chosen"
          % (len(cands), len(roots), len(chosen)), file=sys.stderr)
    return 0


LOG_RE = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d ")  # log.Print lines of -v
EXPORT_RE = re.compile(r'^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d package \S+ \("([^"]+)"\)$')


def panic_culprit(stderr):
    """With goapi -v: the package being exported when cmd/api's code panicked."""
    last = None
    for l in stderr.splitlines():
        if l.startswith("panic:"):
            return last
        m = EXPORT_RE.match(l)
        if m:
            last = m.group(1)
    return None


def failure_reason(rc, stderr):
    lines = [l.strip() for l in stderr.splitlines() if l.strip() and not LOG_RE.match(l)]
    for l in lines:
        if l.startswith("panic:"):
            return "exit %d, %s" % (rc, l)
    for l in lines:
        if "error" in l.lower():
            return "exit %d, %s" % (rc, l)
    return "exit %d, %s" % (rc, lines[0] if lines else "no message")


def cmd_load(args):
    cmd = list(args.cmd)
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if not cmd:
        print("compare_api load: no command given", file=sys.stderr)
        return 2
    pkgs = read_lines(args.packages, "package list")
    lines, dropped = [], []
    runs = [0]

    def run(ps, attribute=True):
        runs[0] += 1
        r = subprocess.run(cmd + ps, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode == 0:
            lines.extend(l for l in r.stdout.decode("utf-8", "surrogateescape").splitlines() if l.strip())
            return
        err = r.stderr.decode("utf-8", "replace")
        reason = failure_reason(r.returncode, err)
        if len(ps) == 1:
            dropped.append((ps[0], reason))
            return
        culprit = panic_culprit(err)
        if culprit in ps:
            dropped.append((culprit, reason))
            run([p for p in ps if p != culprit])
            return
        if args.allow_errors_flag and attribute:
            bad = attributed_errors(ps)
            if bad:
                dropped.extend(bad)
                names = set(p for p, _ in bad)
                rest = [p for p in ps if p not in names]
                if rest:
                    run(rest, attribute=False)
                return
        h = len(ps) // 2
        run(ps[:h], attribute=False)
        run(ps[h:], attribute=False)

    def attributed_errors(ps):
        """One run with the allow-errors flag: goapi prints each root's
        errors just before exporting it (-v logs `package NAME ("PATH")`),
        so the errors seen since the previous export belong to PATH."""
        runs[0] += 1
        r = subprocess.run(cmd + [args.allow_errors_flag] + ps, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        bad, pending = [], []
        for l in r.stderr.decode("utf-8", "replace").splitlines():
            if l.startswith("panic:"):
                return []
            m = EXPORT_RE.match(l)
            if m:
                if pending:
                    bad.append((m.group(1), "exit 3, " + pending[0]))
                pending = []
            elif l.startswith("goapi: package error:"):
                pending.append(l.strip())
        if pending or any(p not in ps for p, _ in bad):
            return []  # errors of a package that was not exported: bisect instead
        return bad

    if pkgs:
        run(pkgs)
    lines.sort(key=lambda s: s.encode("utf-8", "surrogateescape"))
    with open(args.out, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.writelines(l + "\n" for l in lines)
    with open(args.dropped, "w", encoding="utf-8") as f:
        for p, reason in sorted(dropped):
            f.write("%s\t%s\n" % (p, reason.replace("\t", " ")))
    print("load: %d package(s), %d dropped, %d run(s) of %s" % (len(pkgs), len(dropped), runs[0], cmd[0]),
          file=sys.stderr)
    return 0 if len(dropped) < len(pkgs) else 2


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compare")
    c.add_argument("--suite", required=True)
    c.add_argument("--reference", required=True)
    c.add_argument("--gofed", required=True)
    c.add_argument("--packages", default="")
    c.add_argument("--context", default="", help="shown in the report")
    c.add_argument("--notes", default="", help="file whose lines are copied into the report")
    c.add_argument("--known", default="")
    c.add_argument("--summary", default="")
    c.add_argument("--limit", type=int, default=50)
    s = sub.add_parser("select-gocode")
    s.add_argument("--golist", required=True)
    s.add_argument("--golist-errors", default="")
    s.add_argument("--count", type=int, default=150)
    l = sub.add_parser("load")
    l.add_argument("--out", required=True)
    l.add_argument("--dropped", required=True)
    l.add_argument("--packages", required=True)
    l.add_argument("--allow-errors-flag", default="",
                   help="CMD's flag to print despite errors (goapi: -allow-errors), to find the failing packages in one run")
    l.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    fn = {"compare": cmd_compare, "select-gocode": cmd_select_gocode, "load": cmd_load}[args.command]
    sys.exit(fn(args))


if __name__ == "__main__":
    main()
