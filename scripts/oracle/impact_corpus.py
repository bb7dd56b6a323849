#!/usr/bin/env python3
"""Mutation corpus of `gofed impact` against the Go compiler (issue #15).

Usage:
  impact_corpus.py --gofed GOFED --go GO --src SRC --work DIR [--libraries N]
                   [--mutations-per-library M] [--seed S] [--summary FILE]

SRC is a GOPATH's src (/usr/share/gocode/src). Libraries are packages of SRC
that packages of other repositories of SRC import (their dependents). For each
library, API mutations of the kinds apidiff knows are made on a copy of its
directory, one at a time:

  remove-func       func F(...)        -> func F__gofed_removed(...)
  change-params     func F(a)          -> func F(gofedAdded struct{}, a)
  change-param-type func F(a int, ...) -> func F(a int64, ...)  (the first
                    parameter, of a basic type: int<->int64, uint->int,
                    string<->[]byte, bool->int, float64->float32)
  change-result-type func F(...) int {  -> func F(...) int64 {  (a single
                    result of a basic type, the same pairs)
  remove-method     func (r T) M(...)  -> func (r T) M__gofed_removed(...)
  remove-field      F T  (in a struct) -> F__gofed_removed T
  change-field-type F T  (in a struct) -> F []T
  add-field         type T struct {    -> type T struct { ... GofedAdded int }
                    (compatible for apidiff; unkeyed literals break)
  add-iface-method  type I interface { -> type I interface { GofedAdded()
  var-to-pointer    var V T            -> var V *T
  remove-type       type T ...         -> type T__gofed_removed ...
  change-const-type const C = 3        -> const C uint64 = 3  (an untyped
                    integer constant, on its line or in a const block)
  tighten-constraint func F[T any, ...] -> func F[T comparable, ...]  (the
                    first type parameter constrained by any)

A mutation whose library no longer builds is dropped (the library itself used
what was removed). The ground truth is GO's `go build -gcflags=-e` in GOPATH
mode (GO111MODULE=off), as Debian builds its Go packages: each dependent
package is built against the original library (it must build) and against the
mutated one (GOPATH=WORK/gopath:SRC-parent, the mutated copy first); the
compile errors in the dependent's own files are what the mutation broke.
`gofed impact ORIGINAL MUTATED DEPENDENT... --goroot GOROOT-of-GO` answers
for all of a library's dependents at once; only uses in the dependent's own
directory (not its subdirectories) are counted, as only those are built.

Report (every (mutation, dependent) pair whose dependent builds originally):
  recall (pairs)       broken pairs gofed does not call safe / broken pairs
  recall (lines)       compile error lines holding a use gofed reports / all
  precision            pairs gofed calls `breaks` that fail / pairs it calls `breaks`
  precision (lines)    lines of broken pairs with a use gofed calls breaking that
                       hold a compile error / such lines
  unchecked            pairs gofed calls `unchecked`, and how many fail
Each miss is listed (the first --limit of each kind), and each broken pair
called `unchecked`.

Exit status: 0, or 2 on bad input. This is a measurement, run by hand
(scripts/oracle-impact.sh): its figures go to the closing note of #15.
"""

import argparse
import collections
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time

SKIP_DIRS = {"testdata", "vendor", "internal"}


def go_files(d):
    try:
        names = sorted(os.listdir(d))
    except OSError:
        return []
    return [n for n in names if n.endswith(".go") and not n.endswith("_test.go") and os.path.isfile(os.path.join(d, n))]


IMPORT_BLOCK = re.compile(r"^import\s*\((.*?)^\)", re.S | re.M)
IMPORT_LINE = re.compile(r'^import\s+(?:[\w.]+\s+)?"([^"]+)"', re.M)
QUOTED = re.compile(r'"([^"]+)"')


def imports_of(d):
    out = set()
    for n in go_files(d):
        try:
            src = open(os.path.join(d, n), encoding="utf-8", errors="replace").read()
        except OSError:
            continue
        if "// +build ignore" in src or "//go:build ignore" in src:
            continue
        for block in IMPORT_BLOCK.findall(src):
            out.update(QUOTED.findall(block))
        out.update(IMPORT_LINE.findall(src))
    return out


def repo_of(path):
    parts = path.split("/")
    n = 3 if parts[0] in ("github.com", "gitlab.com", "bitbucket.org") else 2
    return "/".join(parts[:n])


def scan(src):
    """Import path -> set of importing package import paths (other repositories only)."""
    importers = collections.defaultdict(set)
    for root, dirs, files in os.walk(src):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith((".", "_")))
        if not any(f.endswith(".go") and not f.endswith("_test.go") for f in files):
            continue
        path = os.path.relpath(root, src)
        for imp in imports_of(root):
            if repo_of(imp) != repo_of(path):
                importers[imp].add(path)
    return importers


def repo_root(src, lib):
    """The directory (below src) of lib's module (the nearest go.mod), else of its repository."""
    d = lib
    while d and d != ".":
        if os.path.isfile(os.path.join(src, d, "go.mod")):
            return d
        d = os.path.dirname(d)
    return repo_of(lib)


# ---- mutations

FUNC = re.compile(r"^func ([A-Z]\w*)(\[[^\]]*\])?\(", re.M)
METHOD = re.compile(r"^func \(\s*\w*\s*\*?\s*([A-Z]\w*)[^)]*\)\s*([A-Z]\w*)\(", re.M)
TYPE_BLOCK = re.compile(r"^type ([A-Z]\w*) (struct|interface) \{\n(.*?)^\}", re.M | re.S)
TYPE_DECL = re.compile(r"^type ([A-Z]\w*)\b", re.M)
FIELD = re.compile(r"^\t([A-Z]\w*)[ \t]+([^\s`/,]+)(.*)$", re.M)
# A basic type and the one a mutation gives it: some uses compile either way (constants,
# values passed on as `any`, results dropped), which is what these mutations test.
OTHER_TYPE = {"int": "int64", "int64": "int", "uint": "int", "string": "[]byte", "[]byte": "string",
              "bool": "int", "float64": "float32"}
BASIC = r"(int64|int|uint|string|\[\]byte|bool|float64)"
FIRST_PARAM = re.compile(r"\s*\w+(?:\s*,\s*\w+)*\s+" + BASIC + r"(?=[,)])")
RESULT = re.compile(r"^func [A-Z]\w*\([^()\n]*\) " + BASIC + r" \{$", re.M)
# A package-level variable declared with a type and no value: `var V T`.
VAR = re.compile(r"^var ([A-Z]\w*) ([A-Za-z][\w.]*)$", re.M)
# An untyped integer constant, on its own line or in a const block: `const C = 3`, `\tC = 3`.
CONST_LINE = re.compile(r"^const ([A-Z]\w*) = \d+$", re.M)
CONST_BLOCK = re.compile(r"^const \(\n(.*?)^\)", re.M | re.S)
CONST_ENTRY = re.compile(r"^\t([A-Z]\w*) = \d+$", re.M)


def mutations_of(d):
    """(kind, subject, file, new source) for the library directory d."""
    out = []
    for n in go_files(d):
        path = os.path.join(d, n)
        src = open(path, encoding="utf-8", errors="replace").read()
        if re.search(r"^//\s*(\+build|go:build)", src, re.M):
            continue  # build-constrained files may not be the ones built
        for m in FUNC.finditer(src):
            name, at = m.group(1), m.start(1)
            out.append(("remove-func", name, n, src[:at] + name + "__gofed_removed" + src[m.end(1):]))
            paren = m.end() - 1
            rest = src[paren + 1:]
            added = "gofedAdded struct{}" + ("" if rest.startswith(")") else ", ")
            out.append(("change-params", name, n, src[:paren + 1] + added + rest))
            # A type parameter's constraint tightened: any -> comparable.
            tparams = m.group(2)
            if tparams and re.search(r"\bany\b", tparams):
                at = m.start(2)
                tight = re.sub(r"\bany\b", "comparable", tparams, count=1)
                out.append(("tighten-constraint", name, n, src[:at] + tight + src[m.end(2):]))
            p = FIRST_PARAM.match(rest)
            if p:
                at = paren + 1 + p.start(1)
                out.append(("change-param-type", name, n,
                            src[:at] + OTHER_TYPE[p.group(1)] + src[paren + 1 + p.end(1):]))
        for m in RESULT.finditer(src):
            name = m.group(0)[len("func "):].split("(", 1)[0]
            out.append(("change-result-type", name, n,
                        src[:m.start(1)] + OTHER_TYPE[m.group(1)] + src[m.end(1):]))
        for m in METHOD.finditer(src):
            recv, name, at = m.group(1), m.group(2), m.start(2)
            out.append(("remove-method", recv + "." + name, n, src[:at] + name + "__gofed_removed" + src[m.end(2):]))
        for m in TYPE_BLOCK.finditer(src):
            tname, kind, body = m.group(1), m.group(2), m.group(3)
            body_start = m.start(3)
            if kind == "interface":
                out.append(("add-iface-method", tname, n, src[:body_start] + "\tGofedAdded()\n" + src[body_start:]))
                continue
            # Compatible for apidiff; unkeyed literals of the type stop compiling.
            out.append(("add-field", tname, n, src[:m.end(3)] + "\tGofedAdded int\n" + src[m.end(3):]))
            for f in FIELD.finditer(body):
                fname, ftype = f.group(1), f.group(2)
                if ftype in ("struct", "interface", "func") or ftype.endswith("{"):
                    continue
                at = body_start + f.start(1)
                out.append(("remove-field", tname + "." + fname, n, src[:at] + fname + "__gofed_removed" + src[at + len(fname):]))
                at = body_start + f.start(2)
                out.append(("change-field-type", tname + "." + fname, n, src[:at] + "[]" + src[at:]))
        # An untyped constant given a type: untyped int -> uint64.
        consts = [(m.group(1), m.end(1)) for m in CONST_LINE.finditer(src)]
        for b in CONST_BLOCK.finditer(src):
            consts += [(e.group(1), b.start(1) + e.end(1)) for e in CONST_ENTRY.finditer(b.group(1))]
        for name, at in consts:
            out.append(("change-const-type", name, n, src[:at] + " uint64" + src[at:]))
        for m in VAR.finditer(src):
            out.append(("var-to-pointer", m.group(1), n, src[:m.start(2)] + "*" + src[m.start(2):]))
        for m in TYPE_DECL.finditer(src):
            name, at = m.group(1), m.start(1)
            out.append(("remove-type", name, n, src[:at] + name + "__gofed_removed" + src[m.end(1):]))
    return out


def dependents_text(src, deps):
    """The dependents' own source text, to tell which names of the library they mention."""
    text = []
    for d in deps:
        for n in go_files(os.path.join(src, d)):
            try:
                text.append(open(os.path.join(src, d, n), encoding="utf-8", errors="replace").read())
            except OSError:
                pass
    return "\n".join(text)


def pick(mutations, k, rng, mentioned):
    """Up to k mutations, spread over the kinds; those whose name the dependents mention
    (`.Name`) first: a mutation of something nobody uses tells little. The choice only selects
    what to mutate; the compiler decides what breaks."""
    by_kind = collections.defaultdict(list)
    for m in mutations:
        by_kind[m[0]].append(m)
    for kind, v in by_kind.items():
        rng.shuffle(v)
        # Mentioned names last: popped first.
        v.sort(key=lambda m: re.search(r"\b%s\b" % re.escape(m[1].rsplit(".", 1)[-1]), mentioned) is not None)
    out = []
    while len(out) < k and any(by_kind.values()):
        for kind in sorted(by_kind):
            if by_kind[kind] and len(out) < k:
                out.append(by_kind[kind].pop())
    return out


# ---- the compiler

ERROR = re.compile(r"^(\S+\.go):(\d+):(\d+): (.*)$")


def go_env(gopath, cache):
    """The go command's environment: GOPATH mode on gopath, offline, the build cache at cache."""
    env = dict(os.environ, GOPATH=gopath, GO111MODULE="off", GOFLAGS="", GOCACHE=cache,
               GOTOOLCHAIN="local", GOPROXY="off", CGO_ENABLED="1")
    env.pop("GOROOT", None)
    return env


def go_build(go, gopath, pkgs, cache):
    """{package dir (absolute): [(file, line, message)]} for `go build -gcflags=-e PKGS`."""
    env = go_env(gopath, cache)
    r = subprocess.run([go, "build", "-gcflags=-e", "-o", os.devnull] + pkgs if len(pkgs) == 1
                       else [go, "build", "-gcflags=-e"] + pkgs,
                       cwd="/", env=env, capture_output=True, text=True, errors="replace")
    errors = collections.defaultdict(list)
    for line in r.stderr.splitlines():
        m = ERROR.match(line)
        if not m:
            continue
        f = m.group(1)
        f = f if f.startswith("/") else os.path.normpath(os.path.join("/", f))
        errors[os.path.dirname(f)].append((os.path.basename(f), int(m.group(2)), m.group(4)))
    return r.returncode, errors, r.stderr


def go_deps(go, gopath, pkgs, cache):
    """{package: the set of its transitive imports} (go list -deps)."""
    env = go_env(gopath, cache)
    r = subprocess.run([go, "list", "-e", "-f", "{{.ImportPath}} {{join .Deps \" \"}}"] + pkgs,
                       cwd="/", env=env, capture_output=True, text=True, errors="replace")
    out = {}
    for line in r.stdout.splitlines():
        parts = line.split()
        if parts:
            out[parts[0]] = set(parts[1:])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gofed", required=True)
    ap.add_argument("--go", required=True, help="the go command of the reference (Go 1.19)")
    ap.add_argument("--src", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--libraries", type=int, default=40)
    ap.add_argument("--min-dependents", type=int, default=2)
    ap.add_argument("--max-dependents", type=int, default=12)
    ap.add_argument("--mutations-per-library", type=int, default=10)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--limit", type=int, default=30)
    ap.add_argument("--summary", default="")
    args = ap.parse_args()
    src = os.path.abspath(args.src)
    gopath_orig = os.path.dirname(src)
    goroot = os.path.dirname(os.path.dirname(os.path.realpath(args.go)))
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    cache = os.path.join(work, "gocache")
    rng = random.Random(args.seed)

    t0 = time.time()
    importers = scan(src)
    candidates = sorted(p for p, deps in importers.items()
                        if os.path.isdir(os.path.join(src, p)) and go_files(os.path.join(src, p))
                        and args.min_dependents <= len(deps) and "/internal" not in p)
    rng.shuffle(candidates)

    c = collections.Counter()
    misses = collections.defaultdict(list)
    by_kind = collections.defaultdict(collections.Counter)
    libraries_done = 0
    gofed_time = go_time = 0.0
    for lib in candidates:
        if libraries_done >= args.libraries:
            break
        lib_dir = os.path.join(src, lib)
        deps = sorted(importers[lib])
        rng.shuffle(deps)
        deps = sorted(deps[:args.max_dependents])
        # The library and its dependents must build as they are.
        rc, _, _ = go_build(args.go, gopath_orig, [lib], cache)
        if rc != 0:
            continue
        t = time.time()
        _, base_errors, _ = go_build(args.go, gopath_orig, deps, cache)
        go_time += time.time() - t
        deps = [d for d in deps if not base_errors.get(os.path.join(src, d))]
        # A dependent whose build fails for another reason (a missing import) names no file.
        ok_deps = []
        for d in deps:
            rc, _, _ = go_build(args.go, gopath_orig, [d], cache)
            if rc == 0:
                ok_deps.append(d)
        deps = ok_deps
        if len(deps) < args.min_dependents:
            continue
        # Which dependents each one imports (transitively): a dependent that imports a broken
        # one is not compiled, so whether it broke is not known.
        dep_deps = go_deps(args.go, gopath_orig, deps, cache)
        muts = pick(mutations_of(lib_dir), args.mutations_per_library, rng, dependents_text(src, deps))
        kept = 0
        for kind, subject, fname, new_src in muts:
            # The library's whole repository (its module, or its repository root in the
            # GOPATH) is copied: a GOPATH entry that has a directory of an import path hides
            # the later entries' one, and the copy must resolve its own imports as the
            # original does.
            gopath_new = os.path.join(work, "gopath")
            shutil.rmtree(gopath_new, ignore_errors=True)
            repo = repo_root(src, lib)
            shutil.copytree(os.path.join(src, repo), os.path.join(gopath_new, "src", repo), symlinks=True,
                            ignore=shutil.ignore_patterns(".git"))
            new_dir = os.path.join(gopath_new, "src", lib)
            with open(os.path.join(new_dir, fname), "w", encoding="utf-8") as f:
                f.write(new_src)
            gopath = gopath_new + ":" + gopath_orig
            rc, _, _ = go_build(args.go, gopath, [lib], cache)
            if rc != 0:
                c["mutations dropped (the library no longer builds)"] += 1
                continue
            t = time.time()
            rc, errors, stderr = go_build(args.go, gopath, deps, cache)
            go_time += time.time() - t
            if rc != 0 and not errors:
                c["mutations dropped (the build failed without a compile error)"] += 1
                misses["build-failed"].append("%s %s %s: %s" % (lib, kind, subject, stderr.strip()[:300]))
                continue
            # Errors outside the dependents (the library's own repository used what was
            # removed): the dependents were not compiled.
            dep_dirs = {os.path.join(src, d) for d in deps}
            if any(d not in dep_dirs for d in errors):
                c["mutations dropped (they break the library's repository)"] += 1
                continue
            broken = {d for d in deps if errors.get(os.path.join(src, d))}
            t = time.time()
            r = subprocess.run([args.gofed, "impact", "--format", "json", "--goroot", goroot, lib_dir, new_dir]
                               + [os.path.join(src, d) for d in deps],
                               capture_output=True, text=True, errors="replace", env=dict(os.environ, GOFED_STORE="off"))
            gofed_time += time.time() - t
            try:
                doc = json.loads(r.stdout)
            except ValueError:
                c["gofed failed"] += 1
                misses["gofed-failed"].append("%s %s %s: %s" % (lib, kind, subject, r.stderr.strip()[:300]))
                continue
            kept += 1
            c["mutations"] += 1
            for d, report in zip(deps, doc["dependents"]):
                dep_dir = os.path.join(src, d)
                errs = errors.get(dep_dir, [])
                if not errs and dep_deps.get(d, set()) & broken:
                    c["pairs not compiled (they import a broken dependent)"] += 1
                    continue
                hits = collections.defaultdict(list)
                for h in report["hits"]:
                    pos = h["position"].rsplit(":", 2)
                    if "/" in pos[0]:
                        continue  # a subdirectory: another package
                    hits[(pos[0], int(pos[1]))].append(h)
                breaking_hits = [h for hs in hits.values() for h in hs if h["effect"] == "breaks"]
                verdict = "breaks" if breaking_hits else ("unchecked" if hits else "safe")
                c["pairs"] += 1
                k = by_kind[kind]
                k["pairs"] += 1
                what = "%s %s %s / %s" % (lib, kind, subject, d)
                if errs:
                    c["broken pairs"] += 1
                    k["broken"] += 1
                    if verdict == "safe":
                        misses["recall-pair"].append("%s: %s" % (what, "; ".join("%s:%d: %s" % e for e in errs[:3])))
                    else:
                        c["broken pairs not called safe"] += 1
                        k["found"] += 1
                    error_lines = {(f, line) for f, line, _ in errs}
                    for key, hs in hits.items():
                        if any(h["effect"] == "breaks" for h in hs):
                            c["breaking use lines"] += 1
                            if key in error_lines:
                                c["breaking use lines with an error"] += 1
                            else:
                                misses["precision-line"].append("%s: %s:%d: %s" % (what, key[0], key[1], hs[0]["change"]))
                    for f, line, msg in errs:
                        c["error lines"] += 1
                        if (f, line) in hits:
                            c["error lines with a use"] += 1
                        elif verdict != "safe":
                            misses["recall-line"].append("%s: %s:%d: %s" % (what, f, line, msg))
                if verdict == "breaks":
                    c["called breaks"] += 1
                    k["called breaks"] += 1
                    if errs:
                        c["called breaks, confirmed"] += 1
                        k["confirmed"] += 1
                    else:
                        h = breaking_hits[0]
                        misses["precision"].append("%s: %s (%s)" % (what, h["position"], h["change"]))
                elif verdict == "unchecked":
                    c["called unchecked"] += 1
                    if errs:
                        c["called unchecked, broken"] += 1
                        h = next(h for hs in hits.values() for h in hs)
                        misses["unchecked-broken"].append("%s: %s (%s); %s" % (
                            what, h["position"], h["change"], "; ".join("%s:%d: %s" % e for e in errs[:2])))
        if kept:
            libraries_done += 1
            c["libraries"] += 1
            print("impact corpus: %s: %d mutations x %d dependents (%d pairs so far, %.0f s)"
                  % (lib, kept, len(deps), c["pairs"], time.time() - t0), file=sys.stderr)

    def pct(a, b):
        return "%.2f %%" % (100.0 * a / b) if b else "-"

    lines = ["impact mutation corpus: gofed impact vs go build (%s, GOPATH mode) on %s" % (goroot, src), ""]
    for label in ("libraries", "mutations", "mutations dropped (the library no longer builds)",
                  "mutations dropped (the build failed without a compile error)",
                  "mutations dropped (they break the library's repository)", "pairs",
                  "pairs not compiled (they import a broken dependent)",
                  "broken pairs", "called breaks", "called unchecked", "called unchecked, broken", "gofed failed"):
        lines.append("  %-52s %7d" % (label, c[label]))
    lines.append("")
    lines.append("  recall (pairs): %s (%d of %d broken pairs not called safe)"
                 % (pct(c["broken pairs not called safe"], c["broken pairs"]), c["broken pairs not called safe"], c["broken pairs"]))
    lines.append("  recall (lines): %s (%d of %d compile error lines hold a reported use)"
                 % (pct(c["error lines with a use"], c["error lines"]), c["error lines with a use"], c["error lines"]))
    lines.append("  precision:      %s (%d of %d `breaks` verdicts fail to build)"
                 % (pct(c["called breaks, confirmed"], c["called breaks"]), c["called breaks, confirmed"], c["called breaks"]))
    lines.append("  precision (lines): %s (%d of %d lines with a breaking use hold a compile error)"
                 % (pct(c["breaking use lines with an error"], c["breaking use lines"]),
                    c["breaking use lines with an error"], c["breaking use lines"]))
    lines.append("")
    lines.append("  by mutation kind: pairs, broken, found (not safe), called breaks, confirmed")
    for kind in sorted(by_kind):
        k = by_kind[kind]
        lines.append("    %-19s %6d %6d %6d %6d %6d" % (kind, k["pairs"], k["broken"], k["found"], k["called breaks"], k["confirmed"]))
    lines.append("")
    lines.append("  time: go build %.0f s, gofed impact %.0f s" % (go_time, gofed_time))
    for kind in ("recall-pair", "recall-line", "precision", "precision-line", "unchecked-broken", "gofed-failed",
                 "build-failed"):
        if misses[kind]:
            lines.append("")
            lines.append("%s misses: %d (first %d)" % (kind, len(misses[kind]), args.limit))
            for m in misses[kind][:args.limit]:
                lines.append("  " + m)
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if args.summary:
        with open(args.summary, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
