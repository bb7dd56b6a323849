#!/usr/bin/env bash
# oracle-golist.sh - compare `gofed packages` with `go list -e -json ./...`
# on a tree.
#
# Usage: scripts/oracle-golist.sh SUITE ROOT [GOROOT]
#
#   SUITE   name of the corpus (summary file name, first column of
#           tests/oracle/known-differences.txt), e.g. go1.27
#   ROOT    directory whose ./... is listed
#   GOROOT  the Go whose go list is the reference; default as golist.sh: the
#           Go distribution ROOT lies in, else /usr/lib/go-1.19
#
# Runs ORACLE_DIR/golist.sh ROOT [GOROOT] (memoized by oracle_run, see lib.sh) and
#   gofed packages ROOT --format json --goos G --goarch A --cgo C [--go 1.N]
# (--go only when ROOT does not lie in GOROOT/src: there gofed reads the
# GOROOT's VERSION file itself), then scripts/oracle/compare_golist.py (see
# there for the checks). GOOS, GOARCH, CGO_ENABLED from the environment
# (default linux, amd64, 1) apply to both sides. Writes
# tests/oracle/summary/golist-SUITE.txt.
# Then, on the same go list output, the project graph: `gofed graph ROOT
# --level projects --format json` with the same build context against the
# graph scripts/oracle/compare_graph.py derives from go list's Imports
# (edges and cycles between projects); writes
# tests/oracle/summary/graph-SUITE.txt.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed,
# target/release/gofed), ORACLE_DIR, KNOWN (known-differences file),
# KEEP=DIR (keep the raw outputs in DIR).
# Exit status: 0 no unlisted difference, 1 unlisted differences, 2 error.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; exit 2; }
[[ ${1:-} == -h || ${1:-} == --help ]] && usage
(($# == 2 || $# == 3)) || usage
suite=$1 root=$2
[[ -d $root ]] || { echo "oracle-golist: ROOT $root is not a directory" >&2; exit 2; }
known=${KNOWN:-$REPO/tests/oracle/known-differences.txt}
summary=$REPO/tests/oracle/summary/golist-$suite.txt
odir=$(oracle_dir)
[[ -f $odir/golist.sh ]] || { echo "oracle-golist: $odir/golist.sh not found (set ORACLE_DIR)" >&2; exit 2; }

export GOOS=${GOOS:-linux} GOARCH=${GOARCH:-amd64} CGO_ENABLED=${CGO_ENABLED:-1}
inside=$(goroot_of "$root")
if (($# == 3)); then
  goroot=$(cd "$3" && pwd -P)
else
  goroot=${inside:-/usr/lib/go-1.19}
fi
gover=$(go_version "$goroot") || { echo "oracle-golist: cannot tell the Go version of $goroot" >&2; exit 2; }
gofed_args=(packages "$root" --format json --goos "$GOOS" --goarch "$GOARCH")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gofed=$(gofed_bin) || exit 2
# --cgo takes a value (--cgo 1/0) or is a plain flag (then CGO_ENABLED, which
# gofed also reads, gives 0).
if "$gofed" packages --help 2>/dev/null | grep -q -- '--cgo <'; then
  gofed_args+=(--cgo "$CGO_ENABLED")
elif [[ $CGO_ENABLED == 1 ]]; then
  gofed_args+=(--cgo)
fi
if [[ -z $inside || $(cd "$inside" && pwd -P) != "$(cd "$goroot" && pwd -P)" ]]; then
  gofed_args+=(--go "$(go_lang "$goroot")")
fi

t0=$(date +%s.%N)
oracle_run --subst "$tmp" --tree "$root" --tree "$goroot" --exe "${ORACLE_PREFIX:-/opt/oracle}/bin/golistjsonl" \
  --out "$tmp/golist.err" --label "golist.sh $suite" -- \
  env GOLIST_ERRORS="$tmp/golist.err" bash "$odir/golist.sh" "$root" "$goroot" >"$tmp/golist.jsonl" 2>"$tmp/golist.stderr" || {
  echo "oracle-golist: golist.sh failed:" >&2
  cat "$tmp/golist.stderr" >&2
  exit 2
}
t1=$(date +%s.%N)
"$gofed" "${gofed_args[@]}" >"$tmp/gofed.json" 2>"$tmp/gofed.err" || {
  rc=$?
  if [[ ! -s $tmp/gofed.json ]]; then
    echo "oracle-golist: gofed ${gofed_args[*]} failed (exit $rc):" >&2
    head -n 20 "$tmp/gofed.err" >&2
    exit 2
  fi
}
t2=$(date +%s.%N)
if [[ -n ${KEEP:-} ]]; then
  mkdir -p "$KEEP"
  cp "$tmp/golist.jsonl" "$KEEP/golist-$suite.golist.jsonl"
  cp "$tmp/golist.err" "$KEEP/golist-$suite.golist.err"
  cp "$tmp/gofed.json" "$KEEP/golist-$suite.gofed.json"
  cp "$tmp/gofed.err" "$KEEP/golist-$suite.gofed.err"
fi

rc=0
# The project graph of the same tree and build context (gofed_args after `packages ROOT --format json`).
"$gofed" graph "$root" --level projects --format json "${gofed_args[@]:4}" >"$tmp/graph.json" 2>"$tmp/graph.err" || {
  echo "oracle-golist: gofed graph failed:" >&2
  head -n 20 "$tmp/graph.err" >&2
  rc=1
}
if [[ -s $tmp/graph.json ]]; then
  python3 "$REPO/scripts/oracle/compare_graph.py" --suite "$suite" --golist "$tmp/golist.jsonl" \
    --gofed "$tmp/graph.json" --summary "$REPO/tests/oracle/summary/graph-$suite.txt" || rc=1
fi
python3 "$REPO/scripts/oracle/compare_golist.py" --suite "$suite" --root "$root" \
  --golist "$tmp/golist.jsonl" --golist-errors "$tmp/golist.err" --gofed "$tmp/gofed.json" \
  --context "go list of $gover, GOOS=$GOOS GOARCH=$GOARCH CGO_ENABLED=$CGO_ENABLED" \
  --known "$known" --summary "$summary" || rc=$?
echo "gofed ${gofed_args[*]}"
awk -v a="$t0" -v b="$t1" -v c="$t2" \
  'BEGIN { printf "time: golist.sh %.2fs, gofed packages %.2fs\n", b - a, c - b }'
exit "$rc"
