#!/usr/bin/env python3
"""Self-tests of oracle_cache.py, the memoizer of the reference tools' runs (no Go needed).

Each test runs the real oracle_cache.py on a small bash tool that counts its runs in a
scratch file, so a hit is seen as a run that did not happen.

Run: python3 -m unittest discover -s scripts/oracle -p 'test_*.py'
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE_PY = os.path.join(HERE, "oracle_cache.py")

TOOL = r"""#!/bin/bash
# tool.sh COUNTER INPUT OUTFILE OUTDIR: prints bytes, a stderr line, writes outputs, exits 3.
echo run >>"$1"
printf 'stdout\0bytes without a final newline|'
cat "$2"
printf 'stderr GOOS=%s input=%s\n' "${GOOS:-}" "$2" >&2
cat "$2" >"$3"
mkdir -p "$4/sub"
printf 'in a directory\n' >"$4/sub/f.txt"
exit 3
"""


class Base(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = self._tmp.name
        self.cache = os.path.join(self.dir, "cache")
        self.stats = os.path.join(self.dir, "stats")
        self.work = os.path.join(self.dir, "work")
        self.scratch = os.path.join(self.dir, "scratch")
        os.makedirs(self.work)
        os.makedirs(self.scratch)
        self.counter = os.path.join(self.scratch, "runs")
        self.tool = os.path.join(self.dir, "bin", "tool.sh")
        os.makedirs(os.path.dirname(self.tool))
        with open(self.tool, "w") as f:
            f.write(TOOL)
        os.chmod(self.tool, 0o755)
        self.input = os.path.join(self.work, "input.txt")
        with open(self.input, "w") as f:
            f.write("input one\n")
        # A PATH without go: its GOROOT would be fingerprinted on every call (slow, not needed here).
        self.path = os.path.join(self.dir, "path")
        os.makedirs(self.path)
        for tool in ("bash", "env", "cat", "mkdir", "sleep"):
            os.symlink(shutil.which(tool), os.path.join(self.path, tool))
        self.tree = os.path.join(self.dir, "tree")
        os.makedirs(os.path.join(self.tree, "a"))
        with open(os.path.join(self.tree, "a", "x.go"), "w") as f:
            f.write("package a\n")

    def tearDown(self):
        self._tmp.cleanup()

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOFED_ORACLE_CACHE")}
        env.update(GOFED_ORACLE_CACHE=self.cache, GOFED_ORACLE_CACHE_STATS=self.stats, PATH=self.path)
        env.update(extra)
        return env

    def runs(self):
        if not os.path.exists(self.counter):
            return 0
        with open(self.counter) as f:
            return len(f.read().splitlines())

    def last_stat(self):
        with open(self.stats) as f:
            return f.read().splitlines()[-1].split("\t")

    def call(self, work=None, extra_opts=(), env=None, cmd=None):
        """One oracle_cache.py run of the tool in `work`; returns (status, stdout, stderr, outfile, outdir file)."""
        work = work or self.work
        outfile, outdir = os.path.join(work, "out.txt"), os.path.join(work, "outdir")
        for p in (outfile, os.path.join(outdir, "sub", "f.txt")):
            if os.path.exists(p):
                os.unlink(p)
        if os.path.isdir(os.path.join(outdir, "sub")):
            os.rmdir(os.path.join(outdir, "sub"))
        os.makedirs(outdir, exist_ok=True)
        cmd = cmd or [self.tool, self.counter, os.path.join(work, "input.txt"), outfile, outdir]
        args = [sys.executable, CACHE_PY, "run", "--subst", work, "--scratch", self.scratch, "--tree", self.tree,
                "--out", outfile, "--out", outdir] + list(extra_opts) + ["--"] + cmd
        r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env or self.env())
        files = []
        for p in (outfile, os.path.join(outdir, "sub", "f.txt")):
            if os.path.exists(p):
                with open(p, "rb") as f:
                    files.append(f.read())
            else:
                files.append(None)
        return (r.returncode, r.stdout, r.stderr) + tuple(files)

    def entries(self):
        d = os.path.join(self.cache, "v1", "entries")
        if not os.path.isdir(d):
            return []
        return [os.path.join(d, kk, k) for kk in os.listdir(d) for k in os.listdir(os.path.join(d, kk))]


class HitTest(Base):
    def test_hit_reproduces_stdout_stderr_status_and_outputs(self):
        first = self.call()
        self.assertEqual(self.runs(), 1)
        self.assertEqual(self.last_stat()[0], "miss")
        self.assertEqual(first[0], 3)
        self.assertEqual(first[1], b"stdout\0bytes without a final newline|input one\n")
        self.assertIn(b"stderr GOOS=", first[2])
        second = self.call()
        self.assertEqual(self.runs(), 1, "a hit must not run the tool")
        self.assertEqual(self.last_stat()[0], "hit")
        self.assertEqual(second, first)

    def test_substituted_directory_is_replayed_as_the_current_one(self):
        first = self.call()
        other = os.path.join(self.dir, "work2")
        os.makedirs(other)
        with open(os.path.join(other, "input.txt"), "w") as f:
            f.write("input one\n")
        second = self.call(work=other)
        self.assertEqual(self.runs(), 1, "the --subst directory is no input")
        self.assertIn(("input=%s/input.txt" % other).encode(), second[2])
        self.assertEqual(second[2], first[2].replace(self.work.encode(), other.encode()))

    def test_stdout_and_stderr_into_one_file_keep_their_order(self):
        script = os.path.join(self.dir, "bin", "interleave.sh")
        with open(script, "w") as f:
            f.write("#!/bin/bash\necho run >>\"$1\"\necho 1; echo 2 >&2; echo 3; echo 4 >&2\n")
        os.chmod(script, 0o755)
        outs = []
        for _ in range(2):
            log = os.path.join(self.dir, "combined.log")
            with open(log, "wb") as f:
                subprocess.run([sys.executable, CACHE_PY, "run", "--scratch", self.scratch, "--", script,
                                self.counter], stdout=f, stderr=subprocess.STDOUT, env=self.env(), check=True)
            with open(log, "rb") as f:
                outs.append(f.read())
        self.assertEqual(self.runs(), 1)
        self.assertEqual(outs[0], b"1\n2\n3\n4\n")
        self.assertEqual(outs[1], outs[0])


class MissTest(Base):
    def test_changed_input_file_misses(self):
        self.call()
        with open(self.input, "w") as f:
            f.write("input two\n")
        r = self.call()
        self.assertEqual(self.runs(), 2)
        self.assertTrue(r[1].endswith(b"input two\n"))
        self.assertEqual(r[3], b"input two\n")

    def test_changed_executable_misses(self):
        self.call()
        with open(self.tool, "a") as f:
            f.write("# a comment changes the bytes, not the output\n")
        self.call()
        self.assertEqual(self.runs(), 2)

    def test_changed_go_variable_misses_and_unrelated_variable_hits(self):
        self.call(env=self.env(GOOS="linux"))
        r = self.call(env=self.env(GOOS="windows"))
        self.assertEqual(self.runs(), 2)
        self.assertIn(b"GOOS=windows", r[2])
        self.call(env=self.env(GOOS="windows", SOME_UNRELATED_VARIABLE="x"))
        self.assertEqual(self.runs(), 2)

    def test_changed_tree_file_misses(self):
        self.call()
        p = os.path.join(self.tree, "a", "x.go")
        st = os.stat(p)
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        self.call()
        self.assertEqual(self.runs(), 2)
        with open(os.path.join(self.tree, "a", "y.go"), "w") as f:
            f.write("package a\n")
        self.call()
        self.assertEqual(self.runs(), 3)

    def test_changed_content_input_misses(self):
        gen = os.path.join(self.work, "gen")
        os.makedirs(gen)
        with open(os.path.join(gen, "list.txt"), "w") as f:
            f.write("a\n")
        self.call(extra_opts=["--content", gen])
        self.call(extra_opts=["--content", gen])
        self.assertEqual(self.runs(), 1)
        with open(os.path.join(gen, "list.txt"), "w") as f:
            f.write("b\n")
        self.call(extra_opts=["--content", gen])
        self.assertEqual(self.runs(), 2)


class SafetyTest(Base):
    def test_killed_write_leaves_no_entry(self):
        r = self.call(env=self.env(GOFED_ORACLE_CACHE_TEST_KILL_BEFORE_RENAME="1"))
        self.assertEqual(r[0], -signal.SIGKILL)
        self.assertEqual(self.runs(), 1)
        self.assertEqual(self.entries(), [])
        tmp = os.path.join(self.cache, "v1", "tmp")
        left = os.listdir(tmp)
        self.assertEqual(len(left), 1, "the killed write's temporary directory")
        self.assertTrue(os.path.exists(os.path.join(tmp, left[0], "entry", "meta.json")),
                        "the kill came after the entry was complete, just before its rename")
        # The next run misses and stores; the killed run's leftover goes once it is a day old.
        old = time.time() - 2 * 86400
        os.utime(os.path.join(tmp, left[0]), (old, old))
        self.call()
        self.assertEqual(self.runs(), 2)
        self.assertEqual(len(self.entries()), 1)
        self.assertEqual(os.listdir(tmp), [])

    def test_killed_run_leaves_no_entry(self):
        script = os.path.join(self.dir, "bin", "slow.sh")
        with open(script, "w") as f:
            f.write("#!/bin/bash\necho started >>\"$1\"\nsleep 30\n")
        os.chmod(script, 0o755)
        p = subprocess.Popen([sys.executable, CACHE_PY, "run", "--scratch", self.scratch, "--", script, self.counter],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env(),
                             start_new_session=True)
        deadline = time.time() + 20
        while self.runs() == 0 and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.runs(), 1, "the tool started")
        os.killpg(p.pid, signal.SIGKILL)
        p.wait(timeout=20)
        self.assertEqual(self.entries(), [])

    def test_signal_or_high_status_is_not_stored(self):
        for status in (125, 130):
            self.call(cmd=["bash", "-c", 'echo run >>"$1"; exit %d' % status, "x", self.counter])
            self.assertEqual(self.last_stat()[0], "nostore")
        self.call(cmd=["bash", "-c", 'echo run >>"$1"; exit 130', "x", self.counter])
        self.assertEqual(self.runs(), 3)
        self.assertEqual(self.entries(), [])

    def test_input_changed_during_the_run_is_not_stored(self):
        gen = os.path.join(self.work, "gen")
        os.makedirs(gen)
        cmd = ["bash", "-c", 'echo run >>"$1"; echo more >>"$2/list.txt"', "x", self.counter, gen]
        self.call(extra_opts=["--content", gen], cmd=cmd)
        self.assertEqual(self.last_stat()[0], "nostore")
        self.assertIn("changed during the run", self.last_stat()[2])
        self.assertEqual(self.entries(), [])

    def test_undeclared_directory_is_an_error_and_the_tool_still_runs(self):
        undeclared = os.path.join(self.dir, "undeclared")
        os.makedirs(undeclared)
        for _ in range(2):
            r = self.call(cmd=["env", "GOPATH=" + undeclared, self.tool, self.counter, self.input,
                               os.path.join(self.work, "out.txt"), os.path.join(self.work, "outdir")])
            self.assertEqual(r[0], 3)
            self.assertTrue(r[1].endswith(b"input one\n"))
            self.assertEqual(self.last_stat()[0], "error")
            self.assertIn(undeclared, self.last_stat()[2])
        self.assertEqual(self.runs(), 2)
        self.assertEqual(self.entries(), [])

    def test_off_runs_every_time_and_stores_nothing(self):
        for _ in range(2):
            r = self.call(env=self.env(GOFED_ORACLE_CACHE="off"))
            self.assertEqual(r[0], 3)
        self.assertEqual(self.runs(), 2)
        self.assertFalse(os.path.exists(self.cache))
        self.assertEqual(self.last_stat()[0], "off")


class PruneTest(Base):
    def test_least_recently_used_goes_first_and_old_entries_go(self):
        for i in range(3):
            with open(self.input, "w") as f:
                f.write("input %d\n" % i + "x" * 1000)
            self.call()
        entries = self.entries()
        self.assertEqual(len(entries), 3)
        now = time.time()
        by_input = {}
        for e in entries:
            with open(os.path.join(e, "out.0"), "rb") as f:
                by_input[f.read()[:7]] = e
        # Last used: input 0 an hour ago, input 1 now, input 2 two hours ago.
        for name, age in ((b"input 0", 3600), (b"input 1", 0), (b"input 2", 7200)):
            os.utime(by_input[name], (now - age, now - age))
        size = sum(os.path.getsize(os.path.join(e, f)) for e in entries for f in os.listdir(e))
        r = subprocess.run([sys.executable, CACHE_PY, "prune"], stdout=subprocess.PIPE, text=True,
                           env=self.env(GOFED_ORACLE_CACHE_MAX_BYTES=str(size - 1)))
        self.assertEqual(r.returncode, 0)
        self.assertEqual(sorted(self.entries()), sorted([by_input[b"input 0"], by_input[b"input 1"]]))
        subprocess.run([sys.executable, CACHE_PY, "prune"], stdout=subprocess.PIPE,
                       env=self.env(GOFED_ORACLE_CACHE_MAX_DAYS=str(1800 / 86400)), check=True)
        self.assertEqual(self.entries(), [by_input[b"input 1"]])


if __name__ == "__main__":
    unittest.main()
