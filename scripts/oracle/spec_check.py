#!/usr/bin/env python3
"""spec_check.py - gofed spec against rpmspec with Fedora's Go macros, on a directory of spec files.

Usage: spec_check.py --gofed BIN --rpmspec RPMSPEC-GO.SH [--known FILE] [--jobs N] [--only NAME] [--show N] SPEC-DIR

For every spec, the reference (rpmspec-go.sh -q with a --qf of every compared field, for the binary packages and
for the source package) and `gofed spec show --format json` are rendered to the same lines:
  SRPM name|epoch|version|release|license|url, S source file names (rpm's header order: last declared first),
  PATCH, BR (BuildRequires), EA (ExclusiveArch); per binary package (sorted by name) PKG
  name|epoch|version|release|license|arch, P, R deptype, O, C, REC, SUG, SUP, ENH.
Specs the reference refuses are counted apart, with rpm's first error: gofed must still read them and report an
error.
Prints per-field agreement and the specs that differ; exits 1 when a spec the reference parses differs and is
not listed in the known-differences file (entries `fedora-specs<TAB>spec<TAB>SPEC-FILE<TAB>REASON`), or when a
listed spec no longer differs.
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import time

BIN_QF = ("PKG %{NAME}|%{EPOCH}|%{VERSION}|%{RELEASE}|%{LICENSE}|%{ARCH}\\n"
          "[P %{PROVIDENEVRS}\\n][R %{REQUIREFLAGS:deptype} %{REQUIRENEVRS}\\n][O %{OBSOLETENEVRS}\\n]"
          "[C %{CONFLICTNEVRS}\\n][REC %{RECOMMENDNEVRS}\\n][SUG %{SUGGESTNEVRS}\\n][SUP %{SUPPLEMENTNEVRS}\\n]"
          "[ENH %{ENHANCENEVRS}\\n]")
SRC_QF = ("SRPM %{NAME}|%{EPOCH}|%{VERSION}|%{RELEASE}|%{LICENSE}|%{URL}\\n"
          "[S %{SOURCE}\\n][PATCH %{PATCH}\\n][BR %{REQUIRENEVRS}\\n][EA %{EXCLUSIVEARCH}\\n]")

# rpm's deptype tag format: the qualifier names in this order, "manual" when none.
DEPTYPES = [("pre", 1 << 9), ("post", 1 << 10), ("preun", 1 << 11), ("postun", 1 << 12), ("verify", 1 << 13),
            ("interp", 1 << 8), ("rpmlib", 1 << 24), ("auto", (1 << 14) | (1 << 15)), ("pretrans", 1 << 7),
            ("posttrans", 1 << 5), ("config", 1 << 28), ("missingok", 1 << 19)]


def deptype(flags):
    names = [name for name, bit in DEPTYPES if flags & bit]
    return ",".join(names) if names else "manual"


def nevr(dep):
    ops = {2: "<", 4: ">", 8: "=", 10: "<=", 12: ">="}
    op = ops.get(dep["flags"] & 14, "")
    return f"{dep['name']} {op} {dep['version']}" if op else dep["name"]


def package_blocks(lines):
    """Lines of a query output grouped into per-package blocks, sorted by package name."""
    blocks, current = [], None
    for line in lines:
        if line.startswith("PKG "):
            current = [line]
            blocks.append(current)
        elif current is not None:
            current.append(line)
    return sorted(blocks, key=lambda b: b[0])


def reference(rpmspec, spec):
    out = {}
    for key, args in (("bin", ["-q", "--qf", BIN_QF]), ("src", ["-q", "--srpm", "--qf", SRC_QF])):
        proc = subprocess.run([rpmspec, *args, spec], capture_output=True, text=True, errors="replace")
        if proc.returncode != 0:
            errors = [l for l in proc.stderr.splitlines() if "error" in l]
            return None, (errors[0] if errors else proc.stderr.strip()[:200])
        out[key] = proc.stdout.splitlines()
    return out, None


def ours(gofed, spec):
    proc = subprocess.run([gofed, "spec", "show", "--format", "json", spec], capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"gofed spec show {spec}: exit {proc.returncode}: {proc.stderr.strip()[:300]}")
    doc = json.loads(proc.stdout)
    src = doc["source"]
    epoch = lambda e: "(none)" if e is None else str(e)
    srpm = [f"SRPM {src['name']}|{epoch(src['epoch'])}|{src['version']}|{src['release']}|{src['license']}|"
            f"{src['url'] if src['url'] is not None else '(none)'}"]
    srpm += [f"S {s['file_name']}" for s in reversed(src["sources"])]
    srpm += [f"PATCH {s['file_name']}" for s in reversed(src["patches"])]
    srpm += [f"BR {nevr(d)}" for d in src["build_requires"]]
    srpm += [f"EA {a}" for a in src["exclusive_arch"]]
    binary = []
    for p in doc["packages"]:
        binary.append(f"PKG {p['name']}|{epoch(p['epoch'])}|{p['version']}|{p['release']}|{p['license']}|{p['arch']}")
        binary += [f"P {nevr(d)}" for d in p["provides"]]
        binary += [f"R {deptype(d['flags'])} {nevr(d)}" for d in p["requires"]]
        for tag, key in (("O", "obsoletes"), ("C", "conflicts"), ("REC", "recommends"), ("SUG", "suggests"),
                         ("SUP", "supplements"), ("ENH", "enhances")):
            binary += [f"{tag} {nevr(d)}" for d in p[key]]
    return {"bin": binary, "src": srpm}, doc


def field(line):
    return line.split(" ", 1)[0]


def compare(name, ref, got):
    """Differences as (field, reference line or None, gofed line or None)."""
    diffs = []
    if ref["src"] != got["src"]:
        for line in ref["src"]:
            if line not in got["src"]:
                diffs.append((field(line), line, None))
        for line in got["src"]:
            if line not in ref["src"]:
                diffs.append((field(line), None, line))
    rb, gb = package_blocks(ref["bin"]), package_blocks(got["bin"])
    if rb != gb:
        rset = {l for b in rb for l in b}
        gset = {l for b in gb for l in b}
        for line in sorted(rset - gset):
            diffs.append((field(line), line, None))
        for line in sorted(gset - rset):
            diffs.append((field(line), None, line))
    return diffs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gofed", required=True)
    ap.add_argument("--rpmspec", required=True)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--known", help="known-differences file (tests/oracle/known-differences.txt)")
    ap.add_argument("--only")
    ap.add_argument("--show", type=int, default=20, help="differing specs to print in full")
    ap.add_argument("dir")
    args = ap.parse_args()
    known = {}
    if args.known:
        with open(args.known, encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 4 and parts[0] == "fedora-specs" and parts[1] == "spec":
                    known[parts[2]] = parts[3]
    specs = sorted(f for f in os.listdir(args.dir) if f.endswith(".spec"))
    if args.only:
        specs = [s for s in specs if s.startswith(args.only)]

    def one(spec):
        path = os.path.join(args.dir, spec)
        t0 = time.perf_counter()
        ref, error = reference(args.rpmspec, path)
        t1 = time.perf_counter()
        got, doc = ours(args.gofed, path)
        t2 = time.perf_counter()
        return spec, ref, error, got, doc, t1 - t0, t2 - t1

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(one, specs))

    fields = {}
    differing, refused = [], []
    ref_time = gofed_time = 0.0
    for spec, ref, error, got, doc, tr, tg in results:
        ref_time += tr
        gofed_time += tg
        if ref is None:
            refused.append((spec, error, doc))
            continue
        diffs = compare(spec, ref, got)
        lines = set(field(l) for l in ref["src"] + ref["bin"] + got["src"] + got["bin"])
        bad = {d[0] for d in diffs}
        for f in lines:
            ok, total = fields.get(f, (0, 0))
            fields[f] = (ok + (f not in bad), total + 1)
        if diffs:
            differing.append((spec, diffs))
    parsed = len(results) - len(refused)
    print(f"specs: {len(results)}; the reference parses {parsed}; identical {parsed - len(differing)}; "
          f"differing {len(differing)}")
    for f in sorted(fields):
        ok, total = fields[f]
        print(f"  field {f:6} identical in {ok}/{total} specs")
    for spec, diffs in differing[: args.show]:
        print(f"DIFF {spec}")
        for f, r, g in diffs[:12]:
            print(f"  {'rpm  ' if r else 'gofed'} {r or g}")
    print(f"the reference refuses {len(refused)} specs; gofed reads them all and must report an error in each:")
    unreported = []
    for spec, error, doc in refused:
        errors = [d["message"] for d in doc["diagnostics"] if d["severity"] == "error"]
        if not errors:
            unreported.append(spec)
        print(f"  {spec}: rpm: {error.split(': ', 2)[-1] if error else '?'}; gofed: "
              f"{len(doc['packages'])} packages, {'error: ' + errors[0] if errors else 'no error'}")
    print(f"time: rpmspec {ref_time:.1f} s ({2 * len(results)} runs), gofed {gofed_time:.1f} s "
          f"({len(results)} runs)")
    unlisted = [spec for spec, _ in differing if spec not in known]
    stale = [spec for spec in known if spec in specs and spec not in {s for s, _ in differing}]
    for spec, _ in differing:
        if spec in known:
            print(f"known difference: {spec}: {known[spec]}")
    for spec in unlisted:
        print(f"UNLISTED difference: {spec}")
    for spec in stale:
        print(f"STALE known difference (now identical): {spec}")
    for spec in unreported:
        print(f"UNREPORTED refusal: rpm refuses {spec}, gofed reports no error")
    return 1 if unlisted or stale or unreported else 0


if __name__ == "__main__":
    sys.exit(main())
