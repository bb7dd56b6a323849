#!/usr/bin/env python3
"""The release-check conformance suite: `gofed release` against gorelease-head (python3 stdlib only).

Usage:
  release_check.py --gofed GOFED --gorelease GORELEASE --go GO_BIN_DIR --work DIR
                   [--known FILE] [--summary FILE] [--limit 50] [--only NAME-PART]

Each case below writes a module proxy (`DIR/CASE/proxy/<module>/@v/`: list, .info, .mod and a module zip per
version, as golang.org/x/mod/zip lays them out) and the module about to be released (`DIR/CASE/repo/...`, a git
repository when the case says so), then runs, in the release's directory and with GOPROXY=file://.../proxy,
GOSUMDB=off, GOFLAGS=-mod=mod and the proxy's module cache of its own:

  gorelease-head ARGS          (Go of GO_BIN_DIR first in PATH)
  gofed release ARGS

The cases cover the rules of gorelease's report.go: v0, v1 and v2+ modules, module paths with and without a
major suffix, subdirectory modules and their tag prefixes, pre-release bases, inferred bases, `none`, a base of
another major, compatible, incompatible and no changes, added, removed and main packages, internal packages,
packages with errors in the base or the release, requirements added and raised, requirements and go.sum lines
missing (what `go get -d .` adds in gorelease's load directory), the go directive missing or raised, --version valid and invalid (existing, wrong major, not incremented, below pseudo-versions), and the
usage errors, downloads checked against a checksum database (Go's own sumdb test server) and changed after
it recorded them, git work trees with uncommitted changes (refused) or only ignored files, retracted versions (left out of inferred bases and queries, reported when required) and a
requirement on a higher version of the module itself; and, with --git-tags, the same questions answered from a git
repository's tags (gofed's proxy then lacks the module). The reference is gorelease's output of each run; nothing expected is written here.

Checks (KEY: the case name):
  release-text     stdout differs (the first differing line is shown)
  release-status   the exit status differs

Exit status: 0 when every difference is listed in the known-differences file, 1 otherwise, 2 on bad set-up.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oraclecmp  # noqa: E402

CHECKS = ["release-text", "release-status"]


def gomod(path, go="1.18", requires=()):
    text = f"module {path}\n"
    if go:
        text += f"\ngo {go}\n"
    if requires:
        text += "\nrequire (\n" + "".join(f"\t{m} {v}\n" for m, v in requires) + ")\n"
    return text


def pkg(name, body):
    return f"package {name}\n\n{body}\n"


def escape(path):
    return "".join("!" + c.lower() if c.isupper() else c for c in path)


def publish(proxy, module, version, files):
    d = os.path.join(proxy, escape(module), "@v")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "list"), "a") as f:
        f.write(version + "\n")
    with open(os.path.join(d, version + ".info"), "w") as f:
        json.dump({"Version": version, "Time": "2024-01-01T00:00:00Z"}, f)
    with open(os.path.join(d, version + ".mod"), "w") as f:
        f.write(files.get("go.mod", f"module {module}\n"))
    with zipfile.ZipFile(os.path.join(d, version + ".zip"), "w") as z:
        for name, content in sorted(files.items()):
            z.writestr(f"{module}@{version}/{name}", content)


def write_tree(root, files):
    for name, content in files.items():
        p = os.path.join(root, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(content)


M = "example.com/m"
BASE = {"go.mod": gomod(M), "a/a.go": pkg("a", "func A() {}\n\nfunc B() {}")}
REMOVED = {"go.mod": gomod(M), "a/a.go": pkg("a", "func A() {}")}
ADDED = {"go.mod": gomod(M), "a/a.go": pkg("a", "func A() {}\n\nfunc B() {}\n\nfunc C() {}")}
M2 = "example.com/m/v2"


def v2(files):
    return {k: (gomod(M2) if k == "go.mod" else v) for k, v in files.items()}


# name: (published {module: [(version, files)]}, release files, release dir within the repo or None, git, args)
CASES = {}


def case(name, published, release, args, subdir="", git=False, tidy=False, after_commit=None, tags=(),
         drop_sums=None, keep_sums=None, sumdb=None):
    """after_commit: files written into the release's directory after its git commit (uncommitted changes).
    tags: modules whose published versions are also commits of the release's repository, each tagged with its
    version (and the directory's tag prefix); gofed then runs with --git-tags and a proxy without them.
    drop_sums: after `go mod tidy`, the go.sum lines containing this are removed (unless they contain
    keep_sums).
    sumdb: both tools check downloads against a checksum database of the proxy (scripts/oracle/gosumdb, Go's
    own sumdb test server) made before the files named in sumdb["tamper"] are changed; sumdb["env"] is added
    to their environment."""
    CASES[name] = (published, release, subdir, git or bool(tags), args, tidy, after_commit or {}, tuple(tags),
                   (drop_sums, keep_sums), sumdb)


for base_v in ["v1.1.1", "v0.3.0", "v1.2.0-rc.1", "v0.0.1-alpha"]:
    tag = base_v.replace(".", "_")
    case(f"incompatible-{tag}", {M: [(base_v, BASE)]}, REMOVED, ["-base", base_v])
    case(f"compatible-{tag}", {M: [(base_v, BASE)]}, ADDED, ["-base", base_v])
    case(f"nochange-{tag}", {M: [(base_v, BASE)]}, BASE, ["-base", base_v])
case("inferred-incompatible", {M: [("v1.0.0", BASE), ("v1.1.1", BASE)]}, REMOVED, [])
case("inferred-compatible", {M: [("v1.0.0", BASE), ("v1.1.1", BASE), ("v1.2.0-pre", BASE)]}, ADDED, [])
case("inferred-below-version", {M: [("v1.0.0", BASE), ("v1.3.0", ADDED)]}, ADDED, ["-version", "v1.2.0"])
case("not-latest-of-major", {M: [("v1.0.0", BASE), ("v1.1.0", BASE)]}, ADDED, ["-base", "v1.0.0"])
case("version-valid-minor", {M: [("v1.1.1", BASE)]}, ADDED, ["-version", "v1.2.0"])
case("version-not-incremented", {M: [("v1.1.1", BASE)]}, ADDED, ["-version", "v1.1.2"])
case("version-incompatible", {M: [("v1.1.1", BASE)]}, REMOVED, ["-version", "v1.2.0"])
case("version-needs-suffix", {M: [("v1.1.1", BASE)]}, REMOVED, ["-version", "v2.0.0"])
case("version-exists", {M: [("v1.1.1", BASE), ("v1.2.0", BASE)]}, ADDED, ["-base", "v1.1.1", "-version", "v1.2.0"])
case("version-v0-any", {M: [("v0.1.0", BASE)]}, REMOVED, ["-version", "v0.1.1"])
case("version-patch", {M: [("v1.1.1", BASE)]}, BASE, ["-version", "v1.1.2"])
case("version-below-pseudo", {}, BASE, ["-base", "none", "-version", "v0.0.0-1"])
case("first-release", {}, BASE, ["-base", "none"])
case("first-release-inferred", {}, BASE, [])
case("first-release-version", {}, BASE, ["-version", "v0.1.0"])
case("no-base-not-first", {}, BASE, ["-version", "v1.4.0"])
case("v2-compatible", {M2: [("v2.0.0", v2(BASE))]}, v2(ADDED), [])
case("v2-incompatible", {M2: [("v2.0.0", v2(BASE))]}, v2(REMOVED), [])
case("v2-wrong-major", {M2: [("v2.0.0", v2(BASE))]}, v2(ADDED), ["-version", "v3.0.0"])
case("v2-first", {}, v2(BASE), ["-base", "none"])
case("v2-base-of-v1", {M: [("v1.5.0", BASE)]}, v2(ADDED), ["-base", "v1.5.0"])
case("other-module", {"example.com/old": [("v1.0.0", {**BASE, "go.mod": gomod("example.com/old")})]}, ADDED,
     ["-base", "example.com/old@v1.0.0"])
case("package-added", {M: [("v1.0.0", BASE)]}, {**BASE, "b/b.go": pkg("b", "func X() {}")}, [])
case("package-removed", {M: [("v1.0.0", {**BASE, "b/b.go": pkg("b", "func X() {}")})]}, BASE, [])
case("main-removed", {M: [("v1.0.0", {**BASE, "cmd/c/main.go": pkg("main", "func main() {}")})]}, BASE, [])
case("main-changed", {M: [("v1.0.0", {**BASE, "cmd/c/main.go": pkg("main", "func main() {}\n\nfunc X() {}")})]},
     {**BASE, "cmd/c/main.go": pkg("main", "func main() {}")}, [])
case("internal-changed", {M: [("v1.0.0", {**BASE, "internal/i/i.go": pkg("i", "func X() {}")})]},
     {**BASE, "internal/i/i.go": pkg("i", "func Y() {}")}, [])
case("release-errors", {M: [("v1.0.0", BASE)]}, {**ADDED, "b/b.go": pkg("b", "func X() Missing { return nil }")},
     [])
case("release-errors-body", {M: [("v1.0.0", BASE)]}, {**ADDED, "b/b.go": pkg("b", "func X() int { return \"s\" }")},
     [])
case("base-errors", {M: [("v1.0.0", {**BASE, "b/b.go": pkg("b", "var X Missing")})]},
     {**ADDED, "b/b.go": pkg("b", "var X int")}, [])
case("base-errors-initializer", {M: [("v1.0.0", {**BASE, "b/b.go": pkg("b", "var X int = \"s\"")})]},
     {**ADDED, "b/b.go": pkg("b", "var X int = 1")}, [])
case("go-directive-missing", {M: [("v1.0.0", BASE)]}, {**BASE, "go.mod": gomod(M, go=None)}, [])
case("go-directive-raised", {M: [("v1.0.0", BASE)]}, {**BASE, "go.mod": gomod(M, go="1.21")}, [])
DEP = "example.com/dep"
DEPS = {DEP: [(v, {"go.mod": gomod(DEP), "d.go": pkg("dep", "func D() {}")}) for v in ("v1.0.0", "v1.0.1", "v1.1.0")]}
USES = pkg("a", "import \"example.com/dep\"\n\nfunc A() { dep.D() }\n\nfunc B() {}")


def requiring(*requires):
    return {"go.mod": gomod(M, requires=requires), "a/a.go": USES}


case("requirement-raised-minor", {**DEPS, M: [("v1.0.0", requiring((DEP, "v1.0.0")))]}, requiring((DEP, "v1.1.0")), [],
     tidy=True)
case("requirement-raised-patch", {**DEPS, M: [("v1.0.0", requiring((DEP, "v1.0.0")))]}, requiring((DEP, "v1.0.1")), [],
     tidy=True)
case("requirement-added", {**DEPS, M: [("v1.0.0", BASE)]}, requiring((DEP, "v1.0.0")), [], tidy=True)
case("requirement-removed", {**DEPS, M: [("v1.0.0", requiring((DEP, "v1.0.0")))]}, BASE, [])

# What the release's go.mod and go.sum lack: gorelease runs `go get -d .` in its load directory and reports the
# requirements and sums it adds.
DEP2 = "example.com/dep2"
USES2 = pkg("dep2", "import \"example.com/dep\"\n\nfunc E() { dep.D() }")
DEPS2 = {**DEPS, DEP2: [("v1.0.0", {"go.mod": gomod(DEP2, requires=[(DEP, "v1.1.0")]), "e.go": USES2})]}
USES_BOTH = pkg("a", "import (\n\t\"example.com/dep\"\n\t\"example.com/dep2\"\n)\n\nfunc A() { dep.D(); dep2.E() }")
USES_DEP2 = pkg("a", "import \"example.com/dep2\"\n\nfunc A() { dep2.E() }")
case("requirement-missing", DEPS, {"go.mod": gomod(M), "a/a.go": USES}, ["-base", "none"])
case("requirement-missing-two", DEPS2, {"go.mod": gomod(M), "a/a.go": USES_BOTH}, ["-base", "none"])
case("requirement-missing-indirect", DEPS2, {"go.mod": gomod(M, requires=[(DEP2, "v1.0.0")]), "a/a.go": USES_DEP2},
     ["-base", "none"])
case("requirement-missing-indirect-go116", DEPS2,
     {"go.mod": gomod(M, go="1.16", requires=[(DEP2, "v1.0.0")]), "a/a.go": USES_DEP2}, ["-base", "none"])
case("requirement-below-selected", DEPS2,
     {"go.mod": gomod(M, requires=[(DEP, "v1.0.0"), (DEP2, "v1.0.0")]), "a/a.go": USES_BOTH}, ["-base", "none"])
case("requirement-missing-in-main", DEPS,
     {"go.mod": gomod(M), "a/a.go": BASE["a/a.go"], "cmd/c/main.go": pkg("main", "import \"example.com/dep\"\n\nfunc main() { dep.D() }")},
     ["-base", "none"])
case("requirement-missing-test-only", DEPS,
     {"go.mod": gomod(M), "a/a.go": BASE["a/a.go"], "a/a_test.go": pkg("a", "import \"example.com/dep\"\n\nvar _ = dep.D")},
     ["-base", "none"])
case("requirement-missing-other-os", DEPS,
     {"go.mod": gomod(M), "a/a.go": BASE["a/a.go"], "a/a_windows.go": pkg("a", "import \"example.com/dep\"\n\nvar _ = dep.D")},
     ["-base", "none"])
case("requirement-unknown-module", DEPS,
     {"go.mod": gomod(M), "a/a.go": pkg("a", "import \"example.com/nowhere/x\"\n\nvar _ = x.X")}, ["-base", "none"])
case("requirement-missing-with-base", {**DEPS, M: [("v1.0.0", BASE)]}, {**ADDED, "a/a.go": USES}, [])
# Downloads checked against a checksum database (GOSUMDB), and what either tool does when one was changed.
case("sumdb-verified", {M: [("v1.0.0", BASE)]}, ADDED, [], sumdb={})
case("sumdb-verified-requirements", {**DEPS, M: [("v1.0.0", requiring((DEP, "v1.0.0")))]}, requiring((DEP, "v1.1.0")),
     [], sumdb={})
case("sumdb-base-zip-tampered", {M: [("v1.0.0", BASE)]}, ADDED, [], sumdb={"tamper": [(M + "@v1.0.0", "zip")]})
case("sumdb-base-go-mod-tampered", {M: [("v1.0.0", BASE)]}, ADDED, [], sumdb={"tamper": [(M + "@v1.0.0", "mod")]})
case("sumdb-requirement-tampered", DEPS, requiring((DEP, "v1.0.0")), ["-base", "none"],
     sumdb={"tamper": [(DEP + "@v1.0.0", "zip")]})
case("sumdb-tampered-but-not-checked", {M: [("v1.0.0", BASE)]}, ADDED, [],
     sumdb={"tamper": [(M + "@v1.0.0", "zip")], "env": {"GONOSUMDB": "example.com"}})
case("sumdb-private-not-proxied", {M: [("v1.0.0", BASE)]}, ADDED, [], sumdb={"env": {"GOPRIVATE": "example.com"}})
case("sums-missing", DEPS, requiring((DEP, "v1.0.0")), ["-base", "none"])
case("sums-missing-go-mod-line", DEPS, requiring((DEP, "v1.0.0")), ["-base", "none"], tidy=True, drop_sums="/go.mod")
case("sums-missing-zip-line", DEPS, requiring((DEP, "v1.0.0")), ["-base", "none"], tidy=True, drop_sums=" h1:",
     keep_sums="/go.mod")
case("sums-complete-indirect", DEPS2, {"go.mod": gomod(M, requires=[(DEP2, "v1.0.0")]), "a/a.go": USES_DEP2},
     ["-base", "none"], tidy=True)
case("sums-complete-go116", DEPS2,
     {"go.mod": gomod(M, go="1.16", requires=[(DEP2, "v1.0.0")]), "a/a.go": USES_DEP2}, ["-base", "none"], tidy=True)

# Retractions: the go.mod of a module's latest version retracts versions, which the go command then leaves out
# of version lists and queries, and which gorelease reports when the release requires them.
RETRACTING = {"go.mod": gomod(M) + "\nretract [v1.1.0, v1.1.1] // published by mistake\n", "a/a.go": BASE["a/a.go"]}
case("inferred-skips-retracted", {M: [("v1.0.0", BASE), ("v1.1.0", BASE), ("v1.1.1", RETRACTING)]}, ADDED, [])
case("latest-skips-retracted", {M: [("v1.0.0", BASE), ("v1.1.0", BASE), ("v1.1.1", RETRACTING)]}, REMOVED,
     ["-base", "latest"])
case("version-retracted-is-free", {M: [("v1.0.0", BASE), ("v1.1.0", BASE), ("v1.1.1", RETRACTING)]}, ADDED,
     ["-version", "v1.1.0"])


def dep_versions(latest_go_mod_tail):
    files = {"d.go": pkg("dep", "func D() {}")}
    return {DEP: [("v1.0.0", {**files, "go.mod": gomod(DEP)}),
                  ("v1.0.1", {**files, "go.mod": gomod(DEP) + latest_go_mod_tail})]}


for tag, tail in [("rationale", "\nretract v1.0.0 // security bug\n"), ("no-rationale", "\nretract v1.0.0\n"),
                  ("default-rationale", "\nretract v1.0.0 // retracted by module author\n"),
                  ("interval", "\nretract (\n\t[v0.9.0, v1.0.0] // too slow\n\tv0.5.0 // other\n)\n")]:
    case(f"requirement-retracted-{tag}", {**dep_versions(tail), M: [("v1.0.0", requiring((DEP, "v1.0.0")))]},
         requiring((DEP, "v1.0.0")), [], tidy=True)
# A requirement that requires a higher version of the module being released (a cycle through the module graph).
CYCLE = {DEP: [("v1.0.0", {"go.mod": gomod(DEP, requires=[(M, "v1.5.0")]), "d.go": pkg("dep", "func D() {}")})],
         M: [("v1.4.0", requiring((DEP, "v1.0.0"))), ("v1.5.0", requiring((DEP, "v1.0.0")))]}
case("self-dependency-suggest", CYCLE, requiring((DEP, "v1.0.0")), ["-base", "v1.4.0"], tidy=True)
case("self-dependency-version", CYCLE, requiring((DEP, "v1.0.0")), ["-base", "v1.4.0", "-version", "v1.4.1"],
     tidy=True)
SUB = "example.com/repo/sub"
SUBFILES = {"go.mod": gomod(SUB), "a/a.go": pkg("a", "func A() {}")}
case("subdir-tag-prefix", {SUB: [("v1.0.0", SUBFILES)]},
     {**SUBFILES, "a/a.go": pkg("a", "func A() {}\n\nfunc B() {}")}, [], subdir="sub", git=True)
case("subdir-wrong-path", {}, {**SUBFILES, "go.mod": gomod("example.com/repo/other")}, ["-base", "none"],
     subdir="sub", git=True)
case("subdir-v2", {SUB + "/v2": [("v2.0.0", {**SUBFILES, "go.mod": gomod(SUB + "/v2")})]},
     {**SUBFILES, "go.mod": gomod(SUB + "/v2"), "a/a.go": pkg("a", "func A() {}\n\nfunc B() {}")}, [],
     subdir="sub/v2", git=True)
# gorelease releases what the last commit holds and refuses a work tree with changes (`git status --porcelain`).
case("git-untracked-file", {M: [("v1.0.0", BASE)]}, ADDED, [], git=True,
     after_commit={"a/new.go": pkg("a", "func New() {}")})
case("git-modified-file", {M: [("v1.0.0", BASE)]}, ADDED, [], git=True, after_commit={"a/a.go": REMOVED["a/a.go"]})
case("git-ignored-file", {M: [("v1.0.0", BASE)]}, {**ADDED, ".gitignore": "*.tmp\n"}, [], git=True,
     after_commit={"notes.tmp": "scratch\n"})
# The same questions answered from the repository's tags (`gofed release --git-tags`); gorelease reads the proxy.
case("tags-inferred", {M: [("v1.0.0", BASE), ("v1.1.1", BASE), ("v1.2.0-pre", BASE)]}, ADDED, [], tags=[M])
case("tags-latest", {M: [("v1.0.0", BASE), ("v1.1.1", BASE)]}, REMOVED, ["-base", "latest"], tags=[M])
case("tags-version-exists", {M: [("v1.1.1", BASE), ("v1.2.0", BASE)]}, ADDED, ["-base", "v1.1.1", "-version", "v1.2.0"],
     tags=[M])
case("tags-skips-retracted", {M: [("v1.0.0", BASE), ("v1.1.0", BASE), ("v1.1.1", RETRACTING)]}, ADDED, [],
     tags=[M])
case("tags-v2-base-of-v1", {M: [("v1.5.0", BASE)]}, v2(ADDED), ["-base", "v1.5.0"], tags=[M])
case("tags-v2", {M2: [("v2.0.0", v2(BASE)), ("v2.1.0", v2(BASE))]}, v2(REMOVED), [], tags=[M2])
case("tags-subdir", {SUB: [("v1.0.0", SUBFILES), ("v1.0.1", SUBFILES)]},
     {**SUBFILES, "a/a.go": pkg("a", "func A() {}\n\nfunc B() {}")}, [], subdir="sub", tags=[SUB])
case("tags-subdir-v2", {SUB + "/v2": [("v2.0.0", {**SUBFILES, "go.mod": gomod(SUB + "/v2")})]},
     {**SUBFILES, "go.mod": gomod(SUB + "/v2"), "a/a.go": pkg("a", "func B() {}")}, [], subdir="sub/v2",
     tags=[SUB + "/v2"])
case("tags-first-release", {}, BASE, [], tags=[M])
case("usage-version-not-canonical", {}, BASE, ["-version", "v1.2"])
case("usage-build-metadata", {}, BASE, ["-version", "v1.2.0+meta"])
case("usage-same-versions", {}, BASE, ["-base", "v1.2.0", "-version", "v1.2.0"])
case("usage-base-higher", {}, BASE, ["-base", "v1.3.0", "-version", "v1.2.0"])


# Real modules of /usr/share/gocode/src without requirements (gorelease must find every dependency in the
# offline proxy), released as v1.0.0 from Debian's tree; the release is that tree edited.
GOCODE_MODULES = [
    "github.com/google/go-cmp",
    "github.com/spf13/pflag",
    "github.com/pelletier/go-toml",
    "github.com/ulikunitz/xz",
    # (not github.com/klauspost/compress: Debian's tree imports github.com/cespare/xxhash, which its go.mod
    # does not require, so gorelease cannot load it offline.)
    "golang.org/x/sys",
]
# Real modules with requirements: every module of their requirement graph is published from Debian's tree of
# it, at each version required, and the release's go.sum is what `go mod tidy -e` makes of that proxy (go.mod
# left as Debian has it, so that what it lacks is reported).
GOCODE_MODULES_WITH_REQUIREMENTS = [
    "github.com/spf13/cobra",
    "github.com/stretchr/testify",
    "github.com/mattn/go-isatty",
    "golang.org/x/net",
    "golang.org/x/crypto",
    "github.com/rogpeppe/go-internal",
]


def requirements(gomod_text):
    """The (path, version) pairs a go.mod requires."""
    reqs, block = [], False
    for line in gomod_text.splitlines():
        line = line.split("//")[0].strip()
        if block:
            if line == ")":
                block = False
            elif line:
                parts = line.split()
                if len(parts) >= 2:
                    reqs.append((parts[0].strip('"'), parts[1]))
        elif line.startswith("require"):
            rest = line[len("require"):].strip()
            if rest == "(":
                block = True
            elif rest:
                parts = rest.split()
                if len(parts) >= 2:
                    reqs.append((parts[0].strip('"'), parts[1]))
    return reqs


def requirement_closure(gocode, module):
    """{path: set of versions} for every module `module` reaches through requirements, each read from Debian's
    tree of it; None when one is not installed."""
    seen, queue = {}, [module]
    while queue:
        path = queue.pop()
        gomod_path = os.path.join(gocode, path, "go.mod")
        if not os.path.isfile(gomod_path):
            print(f"release_check: {module} needs {path}, which is not installed: left out", file=sys.stderr)
            return None
        with open(gomod_path) as f:
            for dep, version in requirements(f.read()):
                if dep not in seen and dep != module:
                    queue.append(dep)
                seen.setdefault(dep, set()).add(version)
    return seen


def bumped(version):
    """The next patch of a release version (v1.2.3 -> v1.2.4); None for other versions."""
    m = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)", version)
    return m and f"v{m.group(1)}.{m.group(2)}.{int(m.group(3)) + 1}"


def read_module(root):
    """The files of a module tree as a module zip holds them (no VCS directories, no nested modules)."""
    files = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        dirnames[:] = sorted(
            d for d in dirnames
            if not d.startswith(".") and not os.path.exists(os.path.join(dirpath, d, "go.mod"))
        )
        for f in sorted(filenames):
            path = os.path.join(dirpath, f)
            if not os.path.isfile(path) or os.path.islink(path):
                continue
            rel = f if rel_dir == "." else os.path.join(rel_dir, f)
            try:
                with open(path, encoding="utf-8") as fh:
                    files[rel] = fh.read()
            except (UnicodeDecodeError, OSError):
                continue
    return files


def gocode_cases(gocode):
    """Two releases of each real module: one adding an exported function, one renaming the first exported
    top-level function of the root package (a removal and an addition); for a module with requirements, a
    third raising its first requirement by a patch version."""
    for module in GOCODE_MODULES + GOCODE_MODULES_WITH_REQUIREMENTS:
        root = os.path.join(gocode, module)
        if not os.path.isfile(os.path.join(root, "go.mod")):
            print(f"release_check: {module} not installed, left out", file=sys.stderr)
            continue
        files = read_module(root)
        files.pop("go.sum", None)  # its hashes are upstream's zips', not the published ones'
        gomod_text = files.get("go.mod", "")
        with_requirements = module in GOCODE_MODULES_WITH_REQUIREMENTS
        if bool(requirements(gomod_text)) != with_requirements:
            print(f"release_check: {module} has {'no ' if with_requirements else ''}requirements now, left out",
                  file=sys.stderr)
            continue
        tag = module.replace("/", "_")
        base = {module: [("v1.0.0", files)]}
        sums = None
        if with_requirements:
            closure = requirement_closure(gocode, module)
            if closure is None:
                continue
            for dep, versions in sorted(closure.items()):
                if dep == module:
                    # Required back through the graph: published from the same tree.
                    base[module] += [(v, files) for v in sorted(versions) if v != "v1.0.0"]
                    continue
                dep_files = read_module(os.path.join(gocode, dep))
                dep_files.pop("go.sum", None)
                base[dep] = [(v, dep_files) for v in sorted(versions)]
            sums = "tidy-copy"
            first, first_version = requirements(gomod_text)[0]
            raised = bumped(first_version)
            if raised and first in base:
                published = {**base, first: base[first] + [(raised, base[first][0][1])]}
                release = {**files, "go.mod": gomod_text.replace(f"{first} {first_version}", f"{first} {raised}", 1)}
                case(f"gocode-requirement-raised-{tag}", published, release, [], tidy=sums)
        # The shallowest package directory (library code: not internal, testdata, vendor or a command).
        def library(f):
            parts = f.split("/")
            return (f.endswith(".go") and not f.endswith("_test.go")
                    and not {"internal", "testdata", "vendor"} & set(parts[:-1])
                    and not re.search(r"^package main\b", files[f], re.M)
                    and not re.search(r"^//go:build ignore", files[f], re.M))
        candidates = sorted((f.count("/"), os.path.dirname(f)) for f in files if library(f))
        if not candidates:
            continue
        pkg_dir = candidates[0][1]
        roots = sorted(f for f in files if library(f) and os.path.dirname(f) == pkg_dir)
        added = dict(files)
        pkg_name = re.search(r"^package (\w+)", files[roots[0]], re.M).group(1)
        added[os.path.join(pkg_dir, "gofed_release_added.go")] = (
            f"package {pkg_name}\n\n// GofedAdded is new.\nfunc GofedAdded() int {{ return 1 }}\n")
        case(f"gocode-added-{tag}", base, added, [], tidy=sums)
        for f in roots:
            m = re.search(r"^func ([A-Z]\w*)\(", files[f], re.M)
            if m:
                renamed = dict(files)
                renamed[f] = files[f][: m.start(1)] + m.group(1) + "Renamed" + files[f][m.end(1):]
                case(f"gocode-renamed-{tag}", base, renamed, [], tidy=sums)
                break


def gosumdb_binary(args):
    """scripts/oracle/gosumdb built once per work directory with the Go of --go, in GOPATH mode on the copy of
    golang.org/x/mod that Go vendors for the go command."""
    out = os.path.join(args.work, "gosumdb-bin", "gosumdb")
    if os.path.exists(out):
        return out
    gopath = os.path.join(args.work, "gosumdb-gopath")
    shutil.rmtree(gopath, ignore_errors=True)
    shutil.copytree(os.path.join(args.go, "src", "cmd", "vendor", "golang.org", "x", "mod"),
                    os.path.join(gopath, "src", "golang.org", "x", "mod"))
    src = os.path.join(gopath, "src", "gosumdb")
    shutil.copytree(os.path.join(os.path.dirname(os.path.abspath(__file__)), "gosumdb"), src)
    env = dict(os.environ, GOPATH=gopath, GO111MODULE="off", GOTOOLCHAIN="local", GOFLAGS="",
               GOCACHE=os.path.join(args.work, "gosumdb-cache"))
    subprocess.run([os.path.join(args.go, "bin", "go"), "build", "-o", out, "."], cwd=src, env=env, check=True)
    return out


def tag_prefix(subdir, module):
    """What the version tags of `module` in directory `subdir` start with: a major version subdirectory's tags
    do not name it."""
    parts = subdir.split("/") if subdir else []
    if parts and module.endswith("/" + parts[-1]) and re.fullmatch(r"v[0-9]+", parts[-1]):
        parts = parts[:-1]
    return "".join(p + "/" for p in parts)


def clear(directory):
    """Removes what `directory` holds, except a git repository's `.git`."""
    if not os.path.isdir(directory):
        return
    for entry in os.listdir(directory):
        if entry != ".git":
            path = os.path.join(directory, entry)
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)


def run_case(name, work, args):
    published, release, subdir, git, flags, tidy, after_commit, tags, (drop_sums, keep_sums), sumdb = CASES[name]
    root = os.path.join(work, name)
    shutil.rmtree(root, ignore_errors=True)
    proxy = os.path.join(root, "proxy")
    # gofed's proxy, with --git-tags: without the modules whose versions are tags.
    deps_proxy = os.path.join(root, "deps-proxy")
    os.makedirs(proxy)
    os.makedirs(deps_proxy)
    for module in tags:
        # A repository without tags is a module without versions: the proxy lists none (rather than not knowing it).
        d = os.path.join(proxy, escape(module), "@v")
        os.makedirs(d, exist_ok=True)
        open(os.path.join(d, "list"), "a").close()
    for module, versions in published.items():
        for version, files in versions:
            publish(proxy, module, version, files)
            if module not in tags:
                publish(deps_proxy, module, version, files)
    repo = os.path.join(root, "repo")
    moddir = os.path.join(repo, subdir) if subdir else repo
    git_env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
                   GIT_COMMITTER_EMAIL="t@example.com")

    def git_run(*cmd):
        subprocess.run(["git", "-C", repo] + list(cmd), check=True, env=git_env)

    if git:
        os.makedirs(repo)
        git_run("init", "-q")
    # Each tagged version is a commit of the module's directory, in version order.
    for module in tags:
        for version, files in published.get(module, []):
            clear(moddir)
            write_tree(moddir, files)
            git_run("add", "-A")
            git_run("commit", "-q", "--allow-empty", "-m", f"{module} {version}")
            git_run("tag", tag_prefix(subdir, module) + version)
    if tags:
        clear(moddir)
    write_tree(moddir, release)
    if git:
        # gorelease reads a git repository's last commit (and refuses uncommitted changes).
        git_run("add", "-A")
        git_run("commit", "-q", "--allow-empty", "-m", "release")
        write_tree(moddir, after_commit)
    env = dict(os.environ)
    env.update(
        GOPROXY="file://" + proxy,
        GOSUMDB="off",
        GOFLAGS="-mod=mod",
        GOMODCACHE=os.path.join(root, "modcache"),
        GOPATH=os.path.join(root, "gopath"),
        GOTOOLCHAIN="local",
        PATH=os.path.join(args.go, "bin") + os.pathsep + env.get("PATH", ""),
        GOFED_STORE="off",
    )
    if tidy == "tidy-copy":
        # The go.sum `go mod tidy -e` makes for a copy of the release; its go.mod is left as it is.
        copy = os.path.join(root, "tidy-copy")
        shutil.copytree(moddir, copy)
        subprocess.run(["go", "mod", "tidy", "-e"], cwd=copy, env=env, check=False, capture_output=True)
        if os.path.exists(os.path.join(copy, "go.sum")):
            shutil.copy(os.path.join(copy, "go.sum"), os.path.join(moddir, "go.sum"))
        shutil.rmtree(copy)
    elif tidy:
        # The release's go.sum, as its author would have it (the input, not an expected output).
        subprocess.run(["go", "mod", "download", "all"], cwd=moddir, env=env, check=True, capture_output=True)
        subprocess.run(["go", "mod", "tidy"], cwd=moddir, env=env, check=True, capture_output=True)
        if drop_sums:
            sums = os.path.join(moddir, "go.sum")
            with open(sums) as f:
                lines = f.read().splitlines(keepends=True)
            with open(sums, "w") as f:
                f.writelines(l for l in lines if drop_sums not in l or (keep_sums and keep_sums in l))
    server = None
    if sumdb is not None:
        server = subprocess.Popen([gosumdb_binary(args), proxy], stdout=subprocess.PIPE, text=True)
        env.update(GOSUMDB=server.stdout.readline().strip(), **sumdb.get("env", {}))
        for module_version, kind in sumdb.get("tamper", []):
            module, version = module_version.split("@")
            file = os.path.join(proxy, escape(module), "@v", f"{version}.{kind}")
            if kind == "zip":
                with zipfile.ZipFile(file, "a") as z:
                    z.writestr(f"{module}@{version}/tampered.go", "package tampered\n")
            else:
                with open(file, "a") as f:
                    f.write("\n// tampered\n")
    ours_flags = [f"--{f[1:]}" if f.startswith("-") else f for f in flags]
    ours_env = env
    if tags:
        ours_flags.append("--git-tags")
        ours_env = dict(env, GOPROXY="file://" + deps_proxy)
    try:
        ref = subprocess.run([args.gorelease] + flags, cwd=moddir, env=env, capture_output=True, text=True)
        ours = subprocess.run([args.gofed, "release"] + ours_flags, cwd=moddir, env=ours_env,
                              capture_output=True, text=True)
    finally:
        if server is not None:
            server.kill()
            server.wait()
    # The module cache is read-only as the go command leaves it.
    subprocess.run(["chmod", "-R", "u+w", root], check=False)
    return ref, ours


def bench(args):
    """Times gorelease and gofed on each real-module case, alternating, after one warm-up run each (the module
    cache filled, the page cache warm); prints the median milliseconds and the ratio."""
    import statistics
    import time
    args.gofed, args.gorelease = os.path.abspath(args.gofed), os.path.abspath(args.gorelease)
    names = [n for n in CASES if n.startswith("gocode-")]
    if not names:
        print("release_check: no real module to time (--gocode)", file=sys.stderr)
        return 2
    print(f"{'case':52} {'gorelease':>10} {'gofed':>8} {'ratio':>6}")
    ratios = []
    for name in names:
        run_case(name, args.work, args)  # builds the case and warms both tools up
        _, _, subdir, _, flags, _, _, _, _, _ = CASES[name]
        root = os.path.join(args.work, name)
        moddir = os.path.join(root, "repo", subdir) if subdir else os.path.join(root, "repo")
        env = dict(os.environ, GOPROXY="file://" + os.path.join(root, "proxy"), GOSUMDB="off",
                   GOFLAGS="-mod=mod", GOMODCACHE=os.path.join(root, "modcache"),
                   GOPATH=os.path.join(root, "gopath"), GOTOOLCHAIN="local", GOFED_STORE="off",
                   PATH=os.path.join(args.go, "bin") + os.pathsep + os.environ.get("PATH", ""))
        times = {"gorelease": [], "gofed": []}
        for _ in range(args.bench):
            for tool, cmd in (("gorelease", [args.gorelease] + flags), ("gofed", [args.gofed, "release"])):
                started = time.perf_counter()
                subprocess.run(cmd, cwd=moddir, env=env, capture_output=True)
                times[tool].append((time.perf_counter() - started) * 1000)
        ref, ours = statistics.median(times["gorelease"]), statistics.median(times["gofed"])
        ratios.append(ref / ours)
        print(f"{name:52} {ref:8.0f}ms {ours:6.0f}ms {ref / ours:5.1f}x")
        subprocess.run(["chmod", "-R", "u+w", root], check=False)
    print(f"median ratio gorelease / gofed: {statistics.median(ratios):.1f}x over {len(ratios)} cases")
    return 0


def first_difference(a, b):
    la, lb = a.splitlines(), b.splitlines()
    for i in range(max(len(la), len(lb))):
        x = la[i] if i < len(la) else "<end>"
        y = lb[i] if i < len(lb) else "<end>"
        if x != y:
            return f"line {i + 1}: gorelease {x!r}, gofed {y!r}"
    return "trailing newlines differ"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gofed", required=True)
    ap.add_argument("--gorelease", required=True)
    ap.add_argument("--go", required=True, help="the GOROOT of the Go gorelease runs with")
    ap.add_argument("--work", required=True)
    ap.add_argument("--known")
    ap.add_argument("--summary")
    ap.add_argument("--limit", type=int, default=50)
    ap.add_argument("--only", help="run only the cases whose name contains this")
    ap.add_argument("--gocode", help="also real modules of this GOPATH src (e.g. /usr/share/gocode/src)")
    ap.add_argument("--bench", type=int, metavar="ROUNDS",
                    help="time both tools ROUNDS times on each real module case instead of comparing")
    args = ap.parse_args()
    if args.gocode:
        gocode_cases(args.gocode)
    if args.bench:
        return bench(args)
    args.gofed, args.gorelease = os.path.abspath(args.gofed), os.path.abspath(args.gorelease)
    for tool in (args.gofed, args.gorelease, os.path.join(args.go, "bin", "go")):
        if not os.access(tool, os.X_OK):
            print(f"release_check: {tool} is not an executable", file=sys.stderr)
            return 2
    known = oraclecmp.load_known(args.known)
    os.makedirs(args.work, exist_ok=True)
    diffs, same, statuses = [], 0, {}
    names = [n for n in CASES if not args.only or args.only in n]
    for name in names:
        ref, ours = run_case(name, args.work, args)
        # gorelease's usage errors and fatal errors go to stderr with exit 2 or 1: the status and stdout count.
        statuses[name] = (ref.returncode, ours.returncode)
        ok = True
        if ref.stdout != ours.stdout:
            ok = False
            diffs.append(("release-text", name, first_difference(ref.stdout, ours.stdout)))
        if ref.returncode != ours.returncode:
            ok = False
            detail = f"gorelease {ref.returncode}, gofed {ours.returncode}"
            if ours.returncode not in (0, 1):
                detail += f" ({ours.stderr.strip().splitlines()[-1:] or ['']}"[:300] + ")"
            diffs.append(("release-status", name, detail))
        same += ok
    out = oraclecmp.Report()
    out(f"release check: gofed release vs gorelease-head on {len(names)} cases")
    out(f"  identical output and exit status: {same}")
    out(f"  exit status 0/1/2 (gorelease): "
        + "/".join(str(sum(1 for r, _ in statuses.values() if r == s)) for s in (0, 1, 2)))
    out("")
    unlisted = oraclecmp.report_differences(
        out, "release", diffs, known, args.limit, lambda d: f"{d[1]} [{d[0]}]: {d[2]}", CHECKS
    )
    out.emit(args.summary)
    return 1 if unlisted else 0


if __name__ == "__main__":
    sys.exit(main())
