#!/usr/bin/env python3
"""Self-tests of the conformance comparison scripts (no Go or gofed needed).

Run: python3 -m unittest discover -s scripts/oracle -p 'test_*.py'
"""

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import oraclecmp  # noqa: E402

SRC_X = b"""package a

import (
\t"fmt"
\tm "math"
)

func F() { fmt.Println(m.Pi) }

func (t *T[K]) M() { x := ; }
"""


class Tmp:
    def __init__(self, test):
        self.dir = tempfile.TemporaryDirectory()
        test.addCleanup(self.dir.cleanup)
        self.root = self.dir.name

    def write(self, rel, data):
        p = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        return p


def run(script, *args):
    r = subprocess.run([sys.executable, os.path.join(HERE, script)] + list(args),
                       capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


class KnownDifferencesFile(unittest.TestCase):
    def test_repository_file_parses(self):
        path = os.path.join(REPO, "tests", "oracle", "known-differences.txt")
        entries = oraclecmp.load_known(path)
        for e in entries:
            self.assertTrue(e.reason)

    def test_malformed_line_is_an_error(self):
        t = Tmp(self)
        p = t.write("k.txt", "go1.27\tdecls\tonly three fields\n")
        with self.assertRaises(SystemExit) as cm, contextlib.redirect_stderr(io.StringIO()):
            oraclecmp.load_known(p)
        self.assertEqual(cm.exception.code, 2)

    def test_globs(self):
        t = Tmp(self)
        p = t.write("k.txt", "# c\n\n*\timports*\tx/testdata/*\treason with\ttab\n")
        (e,) = oraclecmp.load_known(p)
        self.assertEqual(e.reason, "reason with\ttab")
        self.assertTrue(e.matches("gocode", "imports-order", ["x/testdata/a/b.go"]))
        self.assertFalse(e.matches("gocode", "decls", ["x/testdata/a/b.go"]))
        self.assertFalse(e.matches("gocode", "imports", ["y/a.go"]))


class CompareParse(unittest.TestCase):
    def setUp(self):
        self.t = Tmp(self)
        r = self.t.root
        self.x = self.t.write("a/x.go", SRC_X)
        self.y = self.t.write("a/y.go", "package a\n\nvar a, b = 1, 2\n")
        self.z = self.t.write("a/z.go", "package a\nfunc G() {}\n")
        self.files = self.t.write("files", "\n".join([self.x, self.y, self.z]) + "\n")
        body_start = SRC_X.index(b"{ x")
        body_end = len(SRC_X) - 1  # one past the closing brace
        self.go = self.t.write("go.txt", "".join([
            "%s\terror\t98\t10:27\texpected operand, found ';'\n" % self.x,
            "%s\tok\n%s\tpackage\ta\n%s\tdecl\tvar\ta\n%s\tdecl\tvar\tb\n" % ((self.y,) * 4),
            "%s\tok\n%s\tpackage\ta\n%s\tdecl\tfunc\tG\n%s\tbodyhash\t20\t1\t0123456789abcdef\n" % ((self.z,) * 4),
        ]))
        self.fed_lines = [
            "%s\terror\t98\t10:27\texpected operand, found ';'" % self.x,
            "%s\tbody\t%d\t%d" % (self.x, body_start, body_end),
            "%s\tok" % self.y, "%s\tpackage\ta" % self.y, "%s\tdecl\tvar\ta" % self.y,
            "%s\tdecl\tvar\tb" % self.y,
            "%s\tok" % self.z, "%s\tpackage\ta" % self.z, "%s\tdecl\tfunc\tG" % self.z,
            "%s\tbodyhash\t20\t1\t0123456789abcdef" % self.z, "%s\tnode\t20\tBlockStmt\t20" % self.z,
        ]
        self.x_accepted = [
            "%s\tok" % self.x, "%s\tpackage\ta" % self.x, "%s\timport\t\tfmt" % self.x,
            "%s\timport\tm\tmath" % self.x, "%s\tdecl\tfunc\tF" % self.x,
            "%s\tdecl\tmethod\tT.M" % self.x,
        ]
        self.known = self.t.write("known.txt", "")
        self.summary = os.path.join(r, "summary.txt")

    def compare(self, fed_lines, known=""):
        fed = self.t.write("fed.txt", "\n".join(fed_lines) + "\n")
        with open(self.known, "w") as f:
            f.write(known)
        return run("compare_parse.py", "--suite", "s", "--root", self.t.root, "--files", self.files,
                   "--go", self.go, "--gofed", fed, "--known", self.known, "--summary", self.summary)

    def test_agreement(self):
        rc, out, err = self.compare(self.fed_lines)
        self.assertEqual(rc, 0, out + err)
        self.assertRegex(out, r"rejected by both, same error offset\s+1\n")
        self.assertRegex(out, r"accepted by both\s+2\n")
        self.assertRegex(out, r"bodies equal \(every node\)\s+1\n")
        with open(self.summary) as f:
            self.assertEqual(f.read(), out)

    def test_categories(self):
        lines = self.x_accepted + [l for l in self.fed_lines if not l.startswith(self.x)]  # x: accept
        lines = [l.replace("var\ta", "var\tTMP").replace("var\tb", "var\ta").replace("var\tTMP", "var\tb")
                 if l.startswith(self.y) else l for l in lines]  # y: order
        lines = [l for l in lines if not l.startswith(self.z)]  # z: missing
        lines.append("%s\tok" % os.path.join(self.t.root, "a/w.go"))  # extra
        rc, out, _ = self.compare(lines)
        self.assertEqual(rc, 1)
        for check, key in (("accept", "a/x.go"), ("decls-order", "a/y.go"), ("missing", "a/z.go"), ("extra", "a/w.go")):
            self.assertRegex(out, r"\n  %s\t%s\t" % (check, key))

    def test_known_difference_passes(self):
        lines = [l for l in self.fed_lines if not l.endswith("\tdecl\tfunc\tG")]
        rc, out, _ = self.compare(lines)
        self.assertEqual(rc, 1)
        self.assertIn("decls\ta/z.go\tgo only: func G", out)
        rc, out, _ = self.compare(lines, "s\tdecls\ta/*.go\tbecause\ns\treject\tnothing\tstale\n")
        self.assertEqual(rc, 0, out)
        self.assertIn("matched nothing", out)

    def test_error_offset_and_bodies(self):
        lines = [l.replace("\t98\t10:27", "\t97\t10:26") for l in self.fed_lines]  # x: another offset
        lines = [l.replace("0123456789abcdef", "0123456789abcdee") for l in lines]  # z: another node
        rc, out, _ = self.compare(lines)
        self.assertEqual(rc, 1)
        self.assertIn("error-offset\ta/x.go\tgo: 10:27", out)
        self.assertIn("bodies\ta/z.go\tbody at offset 20: go 1 nodes 0123456789abcdef", out)

    def test_reject_and_bad_body_span(self):
        lines = [l for l in self.fed_lines if not l.startswith(self.z)] + self.x_accepted
        lines.append("%s\terror\t10\t2:1\tsomething" % self.z)
        lines = [l.replace("\tbody\t", "\tbody\t1") if "\tbody\t" in l else l for l in lines]
        rc, out, _ = self.compare(lines)
        self.assertEqual(rc, 1)
        self.assertIn("reject\ta/z.go\tgofed: 2:1 something", out)
        self.assertIn("body-span\ta/x.go", out)


class CompareUses(unittest.TestCase):
    def setUp(self):
        self.t = Tmp(self)
        self.go = self.t.write("go.txt", "".join([
            "a/x.go\t10\tqualified\tfmt\tPrintln\tfmt/print.go:1\n",
            "a/x.go\t20\tmethod\tbytes\tWrite\tbytes/buffer.go:2\n",
            "a/x.go\t30\tdot\tfmt\tSprint\tfmt/print.go:3\n",
            "a/x.go\t40\tother\tC\tx\t-\n",
            "b\t-1\ttype-errors\t1\tcould not import x/y\t-\n",
            "b/y.go\t5\tqualified\tos\tExit\tos/proc.go:4\n",
        ]))

    def compare(self, fed_lines, known=""):
        fed = self.t.write("fed.txt", "".join(l + "\n" for l in fed_lines))
        k = self.t.write("known.txt", known)
        return run("compare_uses.py", "--suite", "s", "--go", self.go, "--gofed", fed, "--known", k,
                   "--packages-only")

    def test_agreement_and_pending_kinds(self):
        rc, out, err = self.compare(["a/x.go\t10\tqualified\tfmt\tPrintln\t-", "a/x.go\t20\tmethod\tbytes\tWrite\t-",
                                     "a/x.go\t30\tdot\tfmt\tSprint\t-",
                                     "b/y.go\t5\tqualified\tos\tExit\t-",
                                     "b/y.go\t9\tqualified\tx/y\tZ\t-", "c/z.go\t1\tqualified\tos\tExit\t-"])
        self.assertEqual(rc, 0, out + err)
        self.assertRegex(out, r"equal\s+4\n")
        self.assertRegex(out, r"not resolved by gofed yet: other\s+1\n")
        self.assertRegex(out, r"not comparable\)\s+1\n")

    def test_implicit_uses_are_counted_not_compared(self):
        # An implicit use at the offset of a dot use does not hide it.
        rc, out, err = self.compare(["a/x.go\t10\tqualified\tfmt\tPrintln\t-", "a/x.go\t20\tmethod\tbytes\tWrite\t-",
                                     "a/x.go\t30\tdot\tfmt\tSprint\t-", "a/x.go\t30\timplicit\tio\tWriter\t-",
                                     "a/x.go\t35\timplicit\tio\tWriter\t-", "b/y.go\t5\tqualified\tos\tExit\t-"])
        self.assertEqual(rc, 0, out + err)
        self.assertRegex(out, r"equal\s+4\n")
        self.assertRegex(out, r"gofed only, not compared: implicit\s+2\n")

    def test_missing_extra_and_object(self):
        rc, out, _ = self.compare(["a/x.go\t10\tqualified\tfmt\tPrint\t-", "a/x.go\t11\tqualified\tfmt\tX\t-"])
        self.assertEqual(rc, 1)
        for check, key in (("uses-object", "a/x.go:10"), ("uses-extra", "a/x.go:11"), ("uses-missing", "a/x.go:30"),
                           ("uses-missing", "b/y.go:5")):
            self.assertIn("%s\t%s\t" % (check, key), out)


class CompareGolist(unittest.TestCase):
    def setUp(self):
        self.t = Tmp(self)
        self.root = self.t.root
        pk = lambda d, ip, **kw: dict({"dir": d, "import_path": ip, "name": ip.split("/")[-1], "imports": [],
                                       "test_imports": [], "xtest_imports": [], "go_files": [], "cgo_files": [],
                                       "test_go_files": [], "xtest_go_files": [], "ignored_go_files": []}, **kw)
        self.golist = self.t.write("golist.jsonl", "".join(json.dumps(p) + "\n" for p in [
            pk(".", "ex.com/r", go_files=["a.go", "b.go"], imports=["fmt", "os"]),
            pk("sub", "ex.com/r/sub", go_files=["s.go"], test_go_files=["s_test.go"], test_imports=["testing"]),
        ]))
        self.errors = self.t.write("errors.jsonl", "")
        self.fed = [
            {"Dir": self.root, "ImportPath": "ex.com/r", "Name": "r", "GoFiles": ["a.go", "b.go"],
             "Imports": ["fmt", "os"], "Standard": False},
            {"Dir": os.path.join(self.root, "sub"), "ImportPath": "ex.com/r/sub", "Name": "sub",
             "GoFiles": ["s.go"], "TestGoFiles": ["s_test.go"], "TestImports": ["testing"]},
        ]

    def compare(self, fed, known=""):
        f = self.t.write("fed.json", json.dumps(fed))
        k = self.t.write("known.txt", known)
        return run("compare_golist.py", "--suite", "s", "--root", self.root, "--golist", self.golist,
                   "--golist-errors", self.errors, "--gofed", f, "--known", k)

    def test_agreement(self):
        rc, out, err = self.compare(self.fed)
        self.assertEqual(rc, 0, out + err)
        self.assertRegex(out, r"fields compared\s+18\n")

    def test_agreement_on_a_stream(self):
        # `gofed packages --format json` prints go list -json's stream of indented objects.
        f = self.t.write("fed.json", "".join(json.dumps(p, indent="\t") + "\n" for p in self.fed))
        k = self.t.write("known.txt", "")
        rc, out, err = run("compare_golist.py", "--suite", "s", "--root", self.root, "--golist", self.golist,
                           "--golist-errors", self.errors, "--gofed", f, "--known", k)
        self.assertEqual(rc, 0, out + err)
        self.assertRegex(out, r"gofed packages\s+2\n")

    def test_differences(self):
        fed = json.loads(json.dumps(self.fed))
        fed[0]["Imports"] = ["os", "fmt"]
        fed[0]["Error"] = {"Err": "boom"}
        fed[1]["ImportPath"] = "ex.com/r/other"
        rc, out, _ = self.compare(fed)
        self.assertEqual(rc, 1)
        self.assertIn("Imports\t.\tsame elements, order differs", out)
        self.assertIn("Error\t.\tgo list: no error; gofed: boom", out)
        self.assertIn("missing\tsub\timport path ex.com/r/sub", out)
        self.assertIn("extra\tsub\timport path ex.com/r/other", out)
        rc, out, _ = self.compare(fed, "s\t*\t.\tx\ns\t*\tex.com/r/*\tkeyed by import path\n")
        self.assertEqual(rc, 0, out)


if __name__ == "__main__":
    unittest.main()
