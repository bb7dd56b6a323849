#!/usr/bin/env bash
# oracle-spec.sh - compare `gofed spec show` with rpmspec and Fedora's Go macros (../shared/oracle/rpmspec-go.sh)
# on the 365 Fedora spec files of ../shared/corpus/fedora-go-specs, then on the project's own specs of every
# construct the reader supports (tests/specs).
#
# Usage: scripts/oracle-spec.sh
#
# scripts/oracle/spec_check.py queries both for every spec (the source package: name, epoch, version, release,
# license, URL, sources, patches, BuildRequires, ExclusiveArch; every binary package: name, EVR, license, arch,
# Provides, Requires with their qualifiers, Obsoletes, Conflicts, Recommends, Suggests, Supplements, Enhances)
# and prints per-field agreement, the specs rpm refuses (gofed must still read them) and both tools' time.
# Known differences: KNOWN (default tests/oracle/known-differences.txt), SUITE fedora-specs, CHECK spec.
# Writes tests/oracle/summary/spec.txt.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed), KNOWN, ORACLE_DIR (see lib.sh),
# SPEC_CORPUS (default: ORACLE_DIR/../corpus/fedora-go-specs).
# Exit status: 0 no unlisted difference, 1 unlisted differences, 2 error.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; exit 2; }
[[ ${1:-} == -h || ${1:-} == --help ]] && usage
(($# == 0)) || usage
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
oracle=$(oracle_dir)
corpus=${SPEC_CORPUS:-$oracle/../corpus/fedora-go-specs}
[[ -x $oracle/rpmspec-go.sh ]] || { echo "oracle-spec: $oracle/rpmspec-go.sh not found" >&2; exit 2; }
[[ -d $corpus ]] || { echo "oracle-spec: $corpus not found" >&2; exit 2; }
command -v rpmspec >/dev/null || { echo "oracle-spec: rpmspec not found (apt-get install rpm)" >&2; exit 2; }
gofed=$(gofed_bin) || exit 2
mkdir -p "$repo/tests/oracle/summary"
set +e
status=0
summary=$repo/tests/oracle/summary/spec.txt
: > "$summary"
for dir in "$corpus" "$repo/tests/specs"; do
  echo "== $(basename "$dir")" | tee -a "$summary"
  python3 "$repo/scripts/oracle/spec_check.py" --gofed "$gofed" --rpmspec "$oracle/rpmspec-go.sh" \
    --known "${KNOWN:-$repo/tests/oracle/known-differences.txt}" "$dir" | tee -a "$summary"
  ((PIPESTATUS[0] == 0)) || status=1
done
exit "$status"
