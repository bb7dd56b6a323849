#!/usr/bin/env python3
"""Time `gofed impact` against rebuilding the dependents with `go build` (issue #15).

Usage:
  impact_bench.py --gofed GOFED --go GO --src SRC --work DIR [--library PATH]
                  [--rounds N]

One library of SRC (a GOPATH's src; default: the package with the most
dependents in other repositories of SRC that builds) loses the exported
function the most of its dependents call (impact_corpus.py's `remove-func`).
Both tools then answer "which dependents break" for every dependent of SRC that
builds as it is:
  go build   GO's `go build -gcflags=-e DEPENDENTS` in GOPATH mode with the
             changed library first in GOPATH, its build cache warm for
             everything the change does not touch (each round removes the
             function under another name, so the library and its dependents
             are compiled again, as after a real update). It stops below a
             dependent that fails: the dependents importing it are not
             compiled, so it answers for fewer of them;
  rebuild    the same build after a compatible change (an added function):
             every dependent compiled, what rebuilding all of them costs;
  gofed      `gofed impact ORIGINAL CHANGED DEPENDENT...` (no store).
Each round runs the three; prints the median seconds, the ratios, and how
many dependents the compiler and gofed call broken: a dependent counts for
gofed by the uses in its own directory (a DEPENDENT tree holds its
subdirectories too), and one the compiler did not compile (it imports a broken
dependent) is not compared. Timings depend on the machine: nothing is
asserted.
"""

import argparse
import collections
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import impact_corpus as corpus  # noqa: E402


def buildable(go, gopath, pkgs, cache):
    """The packages of pkgs that `go list -e` finds complete (no error of their own or of
    their imports): the others never build, whatever the library does."""
    r = subprocess.run([go, "list", "-e", "-f", "{{.ImportPath}} {{if or .Error .DepsErrors}}bad{{end}}"] + pkgs,
                       cwd="/", env=corpus.go_env(gopath, cache), capture_output=True, text=True, errors="replace")
    return sorted(line.split()[0] for line in r.stdout.splitlines() if len(line.split()) == 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gofed", required=True)
    ap.add_argument("--go", required=True, help="the go command of the reference (Go 1.19)")
    ap.add_argument("--src", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--library", default="")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    src = os.path.abspath(args.src)
    gopath_orig = os.path.dirname(src)
    goroot = os.path.dirname(os.path.dirname(os.path.realpath(args.go)))
    work = os.path.abspath(args.work)
    cache = os.path.join(work, "gocache")
    os.makedirs(work, exist_ok=True)

    importers = corpus.scan(src)
    if args.library:
        libraries = [args.library]
    else:
        libraries = sorted((p for p in importers if "/internal" not in p and os.path.isdir(os.path.join(src, p))),
                           key=lambda p: (-len(importers[p]), p))
    for lib in libraries:
        rc, _, _ = corpus.go_build(args.go, gopath_orig, [lib], cache)
        if rc != 0:
            continue
        deps = buildable(args.go, gopath_orig, sorted(importers.get(lib, ())), cache)
        # The reference build of the original: it must succeed (and it warms the cache).
        rc, errors, stderr = corpus.go_build(args.go, gopath_orig, deps, cache)
        deps = [d for d in deps if not errors.get(os.path.join(src, d))]
        # The function called as `name.F(` by the most dependents (name: the package clause).
        lib_files = corpus.go_files(os.path.join(src, lib))
        head = open(os.path.join(src, lib, lib_files[0]), encoding="utf-8", errors="replace").read() if lib_files else ""
        clause = re.search(r"^package (\w+)", head, re.M)
        texts = [corpus.dependents_text(src, [d]) for d in deps]
        muts = []
        for m in corpus.mutations_of(os.path.join(src, lib)):
            if m[0] == "remove-func" and clause:
                call = re.compile(r"\b%s\.%s\(" % (clause.group(1), re.escape(m[1])))
                callers = sum(1 for t in texts if call.search(t))
                if callers:
                    muts.append((callers, m))
        muts = [m for _, m in sorted(muts, key=lambda cm: -cm[0])]
        if deps and muts:
            break
        if args.library:
            print("impact_bench: %s: no dependent that builds, or no function they call" % lib, file=sys.stderr)
            return 2
    else:
        print("impact_bench: no library to change in %s" % src, file=sys.stderr)
        return 2
    _, subject, fname, _ = muts[0]
    lib_dir = os.path.join(src, lib)
    original = open(os.path.join(lib_dir, fname), encoding="utf-8", errors="replace").read()
    size = sum(os.path.getsize(os.path.join(src, d, n)) for d in deps for n in corpus.go_files(os.path.join(src, d)))
    print("impact_bench: %s loses %s (%s); %d dependents in %s (%.1f MB of .go files)"
          % (lib, subject, fname, len(deps), src, size / 1e6), file=sys.stderr)

    gopath_new = os.path.join(work, "gopath")
    repo = corpus.repo_root(src, lib)
    shutil.rmtree(gopath_new, ignore_errors=True)
    shutil.copytree(os.path.join(src, repo), os.path.join(gopath_new, "src", repo), symlinks=True,
                    ignore=shutil.ignore_patterns(".git"))
    new_dir = os.path.join(gopath_new, "src", lib)
    times = collections.defaultdict(list)
    broken = {}
    for round_ in range(args.rounds + 1):
        # Another name each round: the compiler's cache holds no build of this version.
        new_src = corpus.FUNC.sub(lambda m: "func %s__removed%d%s(" % (m.group(1), round_, m.group(2) or "")
                                  if m.group(1) == subject else m.group(0), original, count=0)
        with open(os.path.join(new_dir, fname), "w", encoding="utf-8") as f:
            f.write(new_src)
        with open(os.path.join(new_dir, fname), "w", encoding="utf-8") as f:
            f.write(original + "\nfunc GofedBench%d() {}\n" % round_)
        t = time.perf_counter()
        rc, _, stderr = corpus.go_build(args.go, gopath_new + ":" + gopath_orig, deps, cache)
        rebuild_s = time.perf_counter() - t
        if rc != 0:
            print("impact_bench: the rebuild after a compatible change failed: %s" % stderr[:500], file=sys.stderr)
            return 1
        with open(os.path.join(new_dir, fname), "w", encoding="utf-8") as f:
            f.write(new_src)
        t = time.perf_counter()
        _, errors, _ = corpus.go_build(args.go, gopath_new + ":" + gopath_orig, deps, cache)
        go_s = time.perf_counter() - t
        t = time.perf_counter()
        r = subprocess.run([args.gofed, "impact", "--format", "json", "--goroot", goroot, lib_dir, new_dir]
                           + [os.path.join(src, d) for d in deps],
                           capture_output=True, text=True, errors="replace", env=dict(os.environ, GOFED_STORE="off"))
        gofed_s = time.perf_counter() - t
        try:
            doc = json.loads(r.stdout)
        except ValueError:
            print("impact_bench: gofed impact failed: %s" % r.stderr.strip()[:500], file=sys.stderr)
            return 1
        # Own directory only: a hit in a subdirectory is another package's.
        own_breaks = [any(h["effect"] == "breaks" and "/" not in h["position"].rsplit(":", 2)[0] for h in rep["hits"])
                      for rep in doc["dependents"]]
        broken = {
            "go build": sorted(d for d in deps if errors.get(os.path.join(src, d))),
            "gofed": sorted(d for d, b in zip(deps, own_breaks) if b),
        }
        if round_ == 0:
            continue  # warm-up: page cache, the original's build cache
        times["go build"].append(go_s)
        times["rebuild"].append(rebuild_s)
        times["gofed impact"].append(gofed_s)
        print("impact_bench: round %d: go build %.2f s, rebuild %.2f s, gofed impact %.2f s"
              % (round_, go_s, rebuild_s, gofed_s), file=sys.stderr)

    ref, full = statistics.median(times["go build"]), statistics.median(times["rebuild"])
    ours = statistics.median(times["gofed impact"])
    # Dependents the compiler did not compile: they import one that broke.
    dep_deps = corpus.go_deps(args.go, gopath_orig, deps, cache)
    not_compiled = {d for d in deps if d not in broken["go build"] and dep_deps.get(d, set()) & set(broken["go build"])}
    compared = [d for d in deps if d not in not_compiled]
    ratio = lambda a: "%.1fx" % (a / ours) if ours else "inf"
    print("library              %s (%s removed)" % (lib, subject))
    print("dependents           %d (%.1f MB of .go files)" % (len(deps), size / 1e6))
    print("go build             %.2f s (median of %d, %s; stops below broken dependents)" % (ref, args.rounds, goroot))
    print("rebuild              %.2f s (every dependent compiled)" % full)
    print("gofed impact         %.2f s" % ours)
    print("ratio                go build / gofed %s, rebuild / gofed %s" % (ratio(ref), ratio(full)))
    print("compared dependents  %d (%d not compiled by go build: they import a broken one)" % (len(compared), len(not_compiled)))
    gb = [d for d in compared if d in broken["go build"]]
    gf = [d for d in compared if d in broken["gofed"]]
    print("broken               go build %d, gofed %d" % (len(gb), len(gf)))
    for d in sorted(set(gb) ^ set(gf)):
        print("  differs: %s (go build %s, gofed %s)" % (d, d in gb, d in gf))
    return 0


if __name__ == "__main__":
    sys.exit(main())
