#!/usr/bin/env python3
"""Self-tests of compare_std_impact.py (no Go or gofed needed).

Run: python3 -m unittest discover -s scripts/oracle -p 'test_*.py'
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "compare_std_impact.py")

OLD = "a/a.go:3:1\tundefined: x\n"
# One error only the new library gives, one that an import broke, one both give.
NEW = "a/a.go:3:1\tundefined: x\nb/b.go:7:9\tcannot use v (type T) as U\nc/c.go:2:8\tcould not import b\n"


def gofed(*hits):
    return {
        "changes": [{"package": "lib", "message": "T: removed", "effect": "breaks", "compatible": False}],
        "dependents": [{"source": "src", "verdict": "breaks", "breaking": 1, "hits": [
            {"position": pos, "line": "", "kind": "qualified", "package": "lib", "change": "T: removed",
             "effect": effect} for pos, effect in hits]}],
    }


class CompareStdImpact(unittest.TestCase):
    def run_compare(self, doc):
        with tempfile.TemporaryDirectory() as tmp:
            paths = {}
            for name, content in (("old", OLD), ("new", NEW), ("gofed", json.dumps(doc))):
                paths[name] = os.path.join(tmp, name)
                with open(paths[name], "w", encoding="utf-8") as f:
                    f.write(content)
            out = subprocess.run([sys.executable, SCRIPT, "--old", paths["old"], "--new", paths["new"],
                                  "--gofed", paths["gofed"]], capture_output=True, text=True)
        return out.returncode, out.stdout

    def test_a_breaking_use_on_each_new_error_line_agrees(self):
        rc, out = self.run_compare(gofed(("b/b.go:7:3", "breaks"), ("d/d.go:1:1", "unchecked")))
        self.assertEqual(rc, 0, out)
        self.assertIn("recall (lines):    100.00 % (1 of 1", out)
        self.assertIn("errors of an import that broke (consequences)", out)
        self.assertRegex(out, r"packages gofed calls unchecked, none breaking +1")

    def test_a_missed_and_a_wrong_break_are_listed(self):
        rc, out = self.run_compare(gofed(("b/b.go:8:1", "breaks")))
        self.assertEqual(rc, 1, out)
        self.assertIn("recall misses: 1", out)
        self.assertIn("b/b.go:7: cannot use v", out)
        self.assertIn("precision misses: 1", out)

    def test_bad_error_lines_are_refused(self):
        global OLD
        saved, OLD = OLD, "no position here\n"
        try:
            rc, _ = self.run_compare(gofed())
        finally:
            OLD = saved
        self.assertEqual(rc, 2)


if __name__ == "__main__":
    unittest.main()
