#!/usr/bin/env python3
"""Self-tests of compare_api.py (no Go or gofed needed).

Run: python3 -m unittest discover -s scripts/oracle -p 'test_*.py'
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

import compare_api  # noqa: E402

REF = """pkg a, const C = 1
pkg a, const C ideal-int
pkg a, func F([]uint8) error
pkg a, method (*T) M() int
pkg a, type I interface { M }
pkg a, type I interface, M() int
pkg a, type P[$0 interface{ ~int | ~string }] struct
pkg a, type P[$0 interface{ ~int | ~string }] struct, X $0
pkg a, type T struct
pkg a, type T struct, embedded io.Reader
pkg a, var V int
pkg b (windows-amd64), func W() int
pkg b, func B()
"""


def run(*args):
    r = subprocess.run([sys.executable, os.path.join(HERE, "compare_api.py")] + list(args),
                       capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


class Kinds(unittest.TestCase):
    def test_kind_of(self):
        want = ["const", "const", "func", "method", "type", "iface-method", "type", "field", "type", "field",
                "var", "func", "func"]
        got = [compare_api.kind_of(compare_api.parse_line(l)[2]) for l in REF.splitlines()]
        self.assertEqual(got, want)

    def test_parse_context(self):
        self.assertEqual(compare_api.parse_line("pkg b (windows-amd64), func W() int"),
                         ("b", "windows-amd64", "func W() int"))
        self.assertIsNone(compare_api.parse_line("garbage"))


class Compare(unittest.TestCase):
    def setUp(self):
        self.d = tempfile.TemporaryDirectory()
        self.addCleanup(self.d.cleanup)

    def w(self, name, text):
        p = os.path.join(self.d.name, name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def compare(self, fed, known="", packages=None):
        args = ["compare", "--suite", "s", "--reference", self.w("ref", REF), "--gofed", self.w("fed", fed),
                "--known", self.w("known", known), "--summary", os.path.join(self.d.name, "sum")]
        if packages is not None:
            args += ["--packages", self.w("pkgs", packages)]
        return run(*args)

    def test_agreement(self):
        rc, out, err = self.compare(REF)
        self.assertEqual(rc, 0, out + err)
        self.assertRegex(out, r"agreement \(both / either\)\s+100\.00%")
        with open(os.path.join(self.d.name, "sum")) as f:
            self.assertEqual(f.read(), out)

    def test_differences_and_known(self):
        fed = REF.replace("const C = 1", "const C = 2") + "pkg a, type P[$0 any] struct\n"
        rc, out, _ = self.compare(fed)
        self.assertEqual(rc, 1)
        self.assertIn("api-missing\tpkg a, const C = 1", out)
        self.assertIn("api-extra\tpkg a, const C = 2", out)
        self.assertRegex(out, r"\n  const\s+1\s+1\n")
        self.assertRegex(out, r"agreement \(both / either\)\s+80\.00%")  # 12 / 15
        known = ("s\tapi-*\tpkg a, const C = ?\tglob\n"
                 "s\tapi-extra\tpkg a, type P[$0 any] struct\texact line, [ unescaped\n")
        rc, out, _ = self.compare(fed, known)
        self.assertEqual(rc, 0, out)

    def test_duplicate_and_packages_filter(self):
        fed = REF + "pkg a, var V int\npkg other, func X()\n"
        rc, out, _ = self.compare(fed, packages="a\nb\n")
        self.assertEqual(rc, 1)
        self.assertIn("api-extra\tpkg a, var V int", out)
        self.assertNotIn("pkg other", out.split("unlisted differences")[1])
        self.assertRegex(out, r"gofed lines of other packages \(ignored\)\s+1\n")


class Load(unittest.TestCase):
    def test_bisection_drops_failing_packages(self):
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        fake = os.path.join(d.name, "fake.sh")
        with open(fake, "w") as f:
            f.write('#!/bin/sh\nfor p in "$@"; do case $p in bad*) echo "goapi: package error: $p: boom" >&2; '
                    'exit 3;; esac; done\nfor p in "$@"; do echo "pkg $p, func F()"; done\n')
        os.chmod(fake, 0o755)
        pk = os.path.join(d.name, "pkgs")
        with open(pk, "w") as f:
            f.write("a\nbad1\nc\nd\nbad2\n")
        out, dr = os.path.join(d.name, "out"), os.path.join(d.name, "dropped")
        rc, _, err = run("load", "--out", out, "--dropped", dr, "--packages", pk, "--", fake)
        self.assertEqual(rc, 0, err)
        with open(out) as f:
            self.assertEqual(f.read(), "pkg a, func F()\npkg c, func F()\npkg d, func F()\n")
        with open(dr) as f:
            self.assertEqual(f.read(), "bad1\texit 3, goapi: package error: bad1: boom\n"
                                       "bad2\texit 3, goapi: package error: bad2: boom\n")

    def test_attribution_with_allow_errors(self):
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        fake = os.path.join(d.name, "fake.sh")
        with open(fake, "w") as f:
            f.write('#!/bin/sh\nallow=0; [ "$1" = -allow-errors ] && { allow=1; shift; }\nbad=0\n'
                    'for p in "$@"; do case $p in bad*) bad=1; echo "goapi: package error: dep: boom $p" >&2;; esac\n'
                    '  [ $allow = 1 ] && echo "2026/01/01 00:00:00 package x (\\"$p\\")" >&2; done\n'
                    '[ $bad = 1 ] && [ $allow = 0 ] && exit 3\n'
                    'echo "$*" >> "$(dirname "$0")/calls"\n'
                    '[ $bad = 1 ] && exit 3\nfor p in "$@"; do echo "pkg $p, func F()"; done\n')
        os.chmod(fake, 0o755)
        pk = os.path.join(d.name, "pkgs")
        with open(pk, "w") as f:
            f.write("a\nbad1\nc\nd\nbad2\n")
        out, dr = os.path.join(d.name, "out"), os.path.join(d.name, "dropped")
        rc, _, err = run("load", "--out", out, "--dropped", dr, "--packages", pk,
                         "--allow-errors-flag=-allow-errors", "--", fake)
        self.assertEqual(rc, 0, err)
        self.assertIn("3 run(s)", err)  # failing run, attribution run, run of the rest
        with open(out) as f:
            self.assertEqual(f.read(), "pkg a, func F()\npkg c, func F()\npkg d, func F()\n")
        with open(dr) as f:
            self.assertEqual(f.read(), "bad1\texit 3, goapi: package error: dep: boom bad1\n"
                                       "bad2\texit 3, goapi: package error: dep: boom bad2\n")


class SelectGocode(unittest.TestCase):
    def test_round_robin(self):
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        pk = lambda ip, **kw: dict({"import_path": ip, "name": "x", "go_files": ["x.go"], "cgo_files": []}, **kw)
        rows = [pk("github.com/a/r1"), pk("github.com/a/r1/s1"), pk("github.com/a/r1/s2"),
                pk("github.com/a/r2"), pk("github.com/a/r2/internal/x"), pk("github.com/a/r2/cmd", name="main"),
                pk("gopkg.in/y.v2"), pk("gopkg.in/y.v2/c", cgo_files=["c.go"]), pk("ex.org/e")]
        g = os.path.join(d.name, "g.jsonl")
        with open(g, "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
        e = os.path.join(d.name, "e.jsonl")
        with open(e, "w") as f:
            f.write(json.dumps({"import_path": "ex.org/e"}) + "\n")
        rc, out, _ = run("select-gocode", "--golist", g, "--golist-errors", e, "--count", "4")
        self.assertEqual(rc, 0)
        self.assertEqual(out.split(), ["github.com/a/r1", "github.com/a/r1/s1", "github.com/a/r2", "gopkg.in/y.v2"])


if __name__ == "__main__":
    unittest.main()
