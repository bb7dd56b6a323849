#!/usr/bin/env bash
# bench-impact.sh - `gofed impact` against rebuilding the dependents with `go build`, in the same run.
#
# Usage: scripts/bench-impact.sh [LIBRARY [ROUNDS]]
#
# LIBRARY (an import path below /usr/share/gocode/src; default: the one with the most dependents
# there that builds) loses one exported function its dependents call; every dependent package of
# /usr/share/gocode/src that builds is then checked by both tools: Go 1.19's `go build -gcflags=-e`
# in GOPATH mode (as Debian builds them; its cache warm for all the change does not touch) and
# `gofed impact ORIGINAL CHANGED DEPENDENT...`. ROUNDS (default 3) rounds after a warm-up; prints
# the medians, the ratio, and the dependents each calls broken (see
# scripts/oracle/impact_bench.py). Timings depend on the machine: nothing is asserted.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed), GO119 (default
# /usr/lib/go-1.19/bin/go), SRC (default /usr/share/gocode/src).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; exit 2; }
[[ ${1:-} == -h || ${1:-} == --help ]] && usage
(($# <= 2)) || usage
go119=${GO119:-/usr/lib/go-1.19/bin/go}
src=${SRC:-/usr/share/gocode/src}
[[ -x $go119 ]] || { echo "bench-impact: $go119 is not installed (../shared/oracle/setup.sh)" >&2; exit 2; }
[[ -d $src ]] || { echo "bench-impact: $src is not a directory (scripts/install-test-deps.sh)" >&2; exit 2; }
gofed=$(gofed_bin) || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$REPO/scripts/oracle/impact_bench.py" --gofed "$gofed" --go "$go119" --src "$src" --work "$tmp" \
  --library "${1:-}" --rounds "${2:-3}"
