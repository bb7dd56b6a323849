#!/usr/bin/env bash
# oracle-impact.sh - the mutation corpus of `gofed impact` against the Go compiler (issue #15).
#
# Usage: scripts/oracle-impact.sh [LIBRARIES [MUTATIONS-PER-LIBRARY]]
#
# Mutates the API of LIBRARIES (default 80) packages of /usr/share/gocode/src that other
# repositories there import, MUTATIONS-PER-LIBRARY (default 10) changes each, and compares
# `gofed impact` with `go build` of Go 1.19 in GOPATH mode (as Debian builds its Go packages)
# on every (mutation, dependent) pair: recall, precision, every miss listed (see
# scripts/oracle/impact_corpus.py). Writes tests/oracle/summary/impact-gocode.txt.
#
# Long (about half a minute per library on two cores): run by hand, not by scripts/test.sh;
# its figures go to the closing note of #15.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed), GO119 (the
# reference go command, default /usr/lib/go-1.19/bin/go), SRC (default /usr/share/gocode/src).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; exit 2; }
[[ ${1:-} == -h || ${1:-} == --help ]] && usage
(($# <= 2)) || usage
go119=${GO119:-/usr/lib/go-1.19/bin/go}
src=${SRC:-/usr/share/gocode/src}
[[ -x $go119 ]] || { echo "oracle-impact: $go119 is not installed (../shared/oracle/setup.sh)" >&2; exit 2; }
[[ -d $src ]] || { echo "oracle-impact: $src is not a directory (scripts/install-test-deps.sh)" >&2; exit 2; }
gofed=$(gofed_bin) || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$REPO/scripts/oracle/impact_corpus.py" --gofed "$gofed" --go "$go119" --src "$src" --work "$tmp" \
  --libraries "${1:-80}" --mutations-per-library "${2:-10}" \
  --summary "$REPO/tests/oracle/summary/impact-gocode.txt"
