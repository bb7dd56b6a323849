#!/usr/bin/env python3
"""Self-tests of compare_apidiff.py and apidiff_cases.py (no Go or gofed needed).

Run: python3 -m unittest discover -s scripts/oracle -p 'test_*.py'
"""

import argparse
import contextlib
import io
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

import apidiff_cases  # noqa: E402
import compare_apidiff  # noqa: E402

TESTS = (b"// header comment\n"
         b"package ignore\n"
         b"\n"
         b"// both\n"
         b"import \"io\"\n"
         b"\n"
         b"// old\n"
         b"type B int\n"
         b"\n"
         b"  // new   \n"
         b"\t// i B: changed from int to string\n"
         b"type B string\r\n"
         b"// c AA: added\n"
         b"type AA = B\n"
         b"//old\n"
         b"// i\n"
         b"// both\n"
         b"type s struct {\n"
         b"\t// old\n"
         b"\tX int\n"
         b"\t// new\n"
         b"\t// i   s.X:  removed  \n"
         b"}\n"
         b"// c (*T).M: added\n"
         b"// i Zed: removed\n"
         b"// i Alpha: removed\n"
         b"var _ io.Reader")


def run(script, *args):
    r = subprocess.run([sys.executable, os.path.join(HERE, script)] + list(args), capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


class Split(unittest.TestCase):
    def test_split_rules(self):
        old, new, inc, comp = apidiff_cases.split_tests(TESTS)
        self.assertEqual(new.split(b"\n")[:8], [b"// header comment", b"package ignore", b"", b"import \"io\"", b"",
                                                b"type B string", b"type AA = B", b"//old"])
        # "// i" without text and "//old" are ordinary lines; a message line
        # does not change the mode; "// both" inside the struct switches
        # back for the rest; the last line has no newline in the input.
        self.assertIn(b"//old\n// i\ntype s struct {\n", new)
        self.assertTrue(new.endswith(b"}\nvar _ io.Reader\n"))
        # The mode stays "new" after the struct's "// new": its closing
        # brace and the rest go to the new package only.
        self.assertTrue(old.endswith(b"type s struct {\n\tX int\n"))
        self.assertNotIn(b"\tX int", new)
        self.assertNotIn(b"\r", new)
        self.assertEqual(inc, ["B: changed from int to string", "s.X:  removed", "Zed: removed", "Alpha: removed"])
        self.assertEqual(comp, ["AA: added", "(*T).M: added"])
        self.assertEqual(apidiff_cases.want_lines(inc, comp),
                         ["c (*T).M: added", "c AA: added", "i Alpha: removed", "i B: changed from int to string",
                          "i Zed: removed", "i s.X:  removed"])

    def test_testdata_command(self):
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        src = os.path.join(d.name, "tests.go")
        with open(src, "wb") as f:
            f.write(TESTS)
        own = os.path.join(d.name, "own")
        os.makedirs(own)
        with open(os.path.join(own, "order.go"), "wb") as f:
            f.write(b"package p\n// old\ntype A = B\n// new\n// i A: changed from B to A\ntype A B\n"
                    b"// both\ntype B int\n")
        with open(os.path.join(own, "notes.txt"), "wb") as f:
            f.write(b"not a case\n")
        out = os.path.join(d.name, "out")
        rc, _, err = run("apidiff_cases.py", "testdata", "--tests", src, "--dir", "own=" + own, out)
        self.assertEqual(rc, 0, err)
        self.assertIn("x-exp-2022-tests: 6 expected message(s): 4 incompatible, 2 compatible", err)
        self.assertIn("own-order: 1 expected message(s): 1 incompatible, 0 compatible", err)
        with open(os.path.join(out, "x-exp-2022-tests", "want.txt")) as f:
            self.assertEqual(f.read().splitlines()[0], "c (*T).M: added")
        with open(os.path.join(out, "own-order", "want.txt")) as f:
            self.assertEqual(f.read(), "i A: changed from B to A\n")
        with open(os.path.join(out, "own-order", "new", "p.go")) as f:
            self.assertEqual(f.read(), "package p\ntype A B\ntype B int\n")
        for case in ("x-exp-2022-tests", "own-order"):
            for side in ("old", "new"):
                self.assertTrue(os.path.isfile(os.path.join(out, case, side, "p.go")))
        with open(os.path.join(out, "cases.txt")) as f:
            self.assertEqual([l.split("\t")[0] for l in f.read().splitlines()], ["x-exp-2022-tests", "own-order"])

    @unittest.skipUnless(os.path.isfile(apidiff_cases.TESTS_GO), "x/exp/apidiff testdata not installed")
    def test_real_testdata(self):
        with open(apidiff_cases.TESTS_GO, "rb") as f:
            old, new, inc, comp = apidiff_cases.split_tests(f.read())
        self.assertTrue(old.startswith(b"// This file is split"))
        self.assertIn(b"\npackage ignore\n", old)
        self.assertIn(b"\npackage ignore\n", new)
        self.assertGreater(len(inc), 30)
        self.assertGreater(len(comp), 10)
        self.assertNotIn(b"// i ", old + new)

    def test_std_pairs(self):
        # A fake GOBIN: every package exists in every release but iter, which
        # only the last three have.
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        rels = apidiff_cases.STD_RELEASES
        for i, v in enumerate(rels):
            for p in apidiff_cases.STD_PACKAGES:
                if p != "iter" or i >= len(rels) - 3:
                    os.makedirs(os.path.join(d.name, v, "go", "src", p))
        rc, out, _ = run("apidiff_cases.py", "std-pairs", "--gobin", d.name)
        self.assertEqual(rc, 0)
        rows = [tuple(l.split("\t")) for l in out.splitlines()]
        self.assertEqual(len(rows), len(set(rows)))
        for r in rows:
            self.assertEqual(len(r), 3)
            self.assertNotEqual(r[1], r[2])
        # Every consecutive pair of releases, 1.26.6 -> 1.27.3 included, with at
        # least 30 packages each.
        for o, n in zip(rels, rels[1:]):
            pkgs = {r[0] for r in rows if r[1:] == (o, n)}
            self.assertGreaterEqual(len(pkgs), 30, (o, n))
            self.assertEqual("iter" in pkgs, rels.index(o) >= len(rels) - 3, (o, n))
        self.assertIn(("bufio", "1.26.6", "1.27.3"), rows)
        self.assertTrue(any(rels.index(r[1]) > rels.index(r[2]) for r in rows), "no backward pair")


class Gocode(unittest.TestCase):
    def setUp(self):
        self.d = tempfile.TemporaryDirectory()
        self.addCleanup(self.d.cleanup)
        self.saved = apidiff_cases.GOCODE_CASES
        self.addCleanup(setattr, apidiff_cases, "GOCODE_CASES", self.saved)
        pkg = os.path.join(self.d.name, "src", "ex.org", "p")
        os.makedirs(pkg)
        with open(os.path.join(pkg, "p.go"), "w") as f:
            f.write('package p // import "ex.org/p"\n\nfunc F(x int) {}\n\nfunc G() {}\n')
        with open(os.path.join(pkg, "p_test.go"), "w") as f:
            f.write("package p\n")

    def gen(self, edits):
        apidiff_cases.GOCODE_CASES = [("c1", "ex.org/p", "what", edits)]
        out = os.path.join(self.d.name, "out")
        with contextlib.redirect_stderr(io.StringIO()):
            rc = apidiff_cases.cmd_gocode(argparse.Namespace(gocode=os.path.join(self.d.name, "src"),
                                                             gobin=os.path.join(self.d.name, "gobin"), out=out))
        return rc, out

    def test_edits_and_import_comment(self):
        rc, out = self.gen([("p.go", "func F(x int) {}", "func F(x string) {}")])
        self.assertEqual(rc, 0)
        with open(os.path.join(out, "c1", "old", "p.go")) as f:
            self.assertEqual(f.read(), "package p\n\nfunc F(x int) {}\n\nfunc G() {}\n")
        with open(os.path.join(out, "c1", "new", "p.go")) as f:
            self.assertEqual(f.read(), "package p\n\nfunc F(x string) {}\n\nfunc G() {}\n")
        self.assertFalse(os.path.exists(os.path.join(out, "c1", "old", "p_test.go")))
        with open(os.path.join(out, "cases.txt")) as f:
            self.assertEqual(f.read(), "c1\tex.org/p\twhat\n")

    def test_edit_must_match_once(self):
        rc, _ = self.gen([("p.go", "func", "fn")])
        self.assertEqual(rc, 2)
        rc, _ = self.gen([("p.go", "absent", "x")])
        self.assertEqual(rc, 2)

    def test_real_cases_apply(self):
        if not os.path.isdir(apidiff_cases.GOCODE):
            self.skipTest("gocode corpus not installed")
        apidiff_cases.GOCODE_CASES = self.saved
        if not all(os.path.isdir(os.path.join(apidiff_cases.GOCODE, c[1])) for c in self.saved):
            self.skipTest("a gocode package of the cases is not installed")
        out = os.path.join(self.d.name, "real")
        with contextlib.redirect_stderr(io.StringIO()):
            rc = apidiff_cases.cmd_gocode(argparse.Namespace(gocode=apidiff_cases.GOCODE, gobin=apidiff_cases.GOBIN,
                                                             out=out))
        self.assertEqual(rc, 0)
        self.assertGreaterEqual(len(self.saved), 5)

    def test_real_version_pair_copied_unchanged(self):
        saved = apidiff_cases.REAL_PAIRS
        self.addCleanup(setattr, apidiff_cases, "REAL_PAIRS", saved)
        newer = os.path.join(self.d.name, "gobin", "9.9", "go", "src", "vendor", "ex.org", "p")
        os.makedirs(newer)
        with open(os.path.join(newer, "p.go"), "w") as f:
            f.write("package p\n\nfunc F(x int) {}\n")
        apidiff_cases.REAL_PAIRS = [
            ("r1", "ex.org/p", "gocode -> 9.9", "GOCODE/ex.org/p", "GOBIN/9.9/go/src/vendor/ex.org/p"),
            ("r2", "ex.org/p", "missing", "GOCODE/ex.org/p", "GOBIN/1.0/go/src/vendor/ex.org/p"),
        ]
        rc, out = self.gen([])
        self.assertEqual(rc, 0)
        with open(os.path.join(out, "r1", "old", "p.go")) as f:
            self.assertEqual(f.read(), "package p\n\nfunc F(x int) {}\n\nfunc G() {}\n")
        with open(os.path.join(out, "r1", "new", "p.go")) as f:
            self.assertEqual(f.read(), "package p\n\nfunc F(x int) {}\n")
        with open(os.path.join(out, "cases.txt")) as f:
            self.assertEqual(f.read(), "c1\tex.org/p\twhat\nr1\tex.org/p\tgocode -> 9.9\n")


REF_A = "c Added: added\ni (*T).M: changed from func() to func(int)\ni Gone: removed\n"
REF_B = ""
REF_C = "i X: value changed from 1 to 2\n"


class Compare(unittest.TestCase):
    def setUp(self):
        self.d = tempfile.TemporaryDirectory()
        self.addCleanup(self.d.cleanup)

    def w(self, name, text):
        p = os.path.join(self.d.name, name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def compare(self, pairs, known=""):
        rows = []
        for i, (name, ref, fed, status, want) in enumerate(pairs):
            rows.append("\t".join([name, self.w("ref%d" % i, ref), self.w("fed%d" % i, fed), str(status),
                                   self.w("err%d" % i, "gofed: boom\n" if status == 2 else ""),
                                   self.w("want%d" % i, want) if want is not None else "-"]))
        m = self.w("manifest", "\n".join(rows) + "\n")
        return run("compare_apidiff.py", "compare", "--suite", "s", "--manifest", m, "--known", self.w("known", known),
                   "--summary", os.path.join(self.d.name, "sum"))

    def test_kind_of(self):
        k = compare_apidiff.kind_of
        self.assertEqual([k("c A: added"), k("i A: removed"), k("i A: changed from int to string"),
                          k("i A: value changed from 1 to 2"), k("i Ch1, element type: changed from int to bool"),
                          k("c Ch: removed direction"), k("i T: no longer implements I"),
                          k("i T: old is comparable, new is not"), k("i I.u: added unexported method"), k("junk")],
                         ["added", "removed", "changed", "value", "changed", "direction", "implements",
                          "comparable", "added", "other"])

    def test_agreement(self):
        rc, out, err = self.compare([("p@1..2", REF_A, REF_A, 1, None), ("q@1..2", REF_B, REF_B, 0, None)])
        self.assertEqual(rc, 0, out + err)
        self.assertRegex(out, r"agreement \(both / either\)\s+100\.00%")
        self.assertRegex(out, r"pairs identical\s+2 / 2")
        self.assertRegex(out, r"gofed exit status as its output implies\s+2 / 2")
        with open(os.path.join(self.d.name, "sum")) as f:
            self.assertEqual(f.read(), out)

    def test_differences_status_and_known(self):
        fed_a = "c Added: added\ni (*T).M: changed from func() to func([]int)\nc Gone: removed\n"
        pairs = [("p@1..2", REF_A, fed_a, 1, None), ("q@1..2", REF_B, "", 2, None),
                 ("r", REF_C, "i X: value changed from 1 to 2\ni X: value changed from 1 to 2\n", 0, None)]
        rc, out, _ = self.compare(pairs)
        self.assertEqual(rc, 1)
        self.assertIn("apidiff-missing\tp@1..2: i (*T).M: changed from func() to func(int)", out)
        self.assertIn("apidiff-extra\tp@1..2: i (*T).M: changed from func() to func([]int)", out)
        self.assertIn("apidiff-status\tq@1..2\t(exit 2, output implies 0: gofed: boom)", out)
        self.assertIn("apidiff-status\tr\t(exit 0, output implies 1)", out)
        self.assertIn("apidiff-extra\tr: i X: value changed from 1 to 2", out)
        self.assertIn("same message, other compatibility (i/c) on the two sides: 1\n  p@1..2: Gone: removed", out)
        self.assertRegex(out, r"\n  changed\s+1\s+1\n")
        self.assertRegex(out, r"agreement \(both / either\)\s+28\.57%")  # 2 both, 2 missing, 3 extra
        known = ("s\tapidiff-*\tp@1..2: ? ([*]T).M: *\tglob\n"
                 "s\tapidiff-*\tp@1..2: ? Gone: removed\tglob\n"
                 "s\tapidiff-extra\tp@1..2: i (*T).M: changed from func() to func([]int)\texact key, [ unescaped\n"
                 "s\tapidiff-status\t[qr]*\tstatus\n"
                 "s\tapidiff-extra\tr: i X: *\tdup\n"
                 "s\tapidiff-extra\tnever: *\tstale\n")
        rc, out, _ = self.compare(pairs, known)
        self.assertEqual(rc, 0, out)
        self.assertIn("matched nothing in this run (stale?)", out)
        self.assertIn("never: *", out)

    def test_want(self):
        want = "c Added: added\ni Gone: removed\ni Other: removed\n"
        rc, out, _ = self.compare([("testdata", REF_A, REF_A, 1, want)])
        self.assertEqual(rc, 0)
        self.assertIn("expected lines of testdata (apidiff's own test cases): 3 (i 2 / c 1)", out)
        self.assertRegex(out, r"reference agreement with the expected lines\s+50\.00%\s+\(2 in both, "
                              r"1 expected only, 1 reference only\)")
        self.assertIn("expected, not printed by gofed: i Other: removed", out)
        self.assertIn("printed by reference, not expected: i (*T).M: changed from func() to func(int)", out)

    def test_unsorted_and_bad_manifest(self):
        rc, out, _ = self.compare([("p", "c A: added\nc B: added\n", "c B: added\nc A: added\n", 0, None)])
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"gofed output sorted bytewise\s+NO \(1 pair\(s\)\)")
        m = self.w("bad", "p\tx\ty\n")
        rc, _, err = run("compare_apidiff.py", "compare", "--suite", "s", "--manifest", m)
        self.assertEqual(rc, 2)
        self.assertIn("want 6 TAB-separated fields", err)


if __name__ == "__main__":
    unittest.main()
