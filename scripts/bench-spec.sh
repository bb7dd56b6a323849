#!/usr/bin/env bash
# bench-spec.sh - spec reading speed: `gofed spec` against rpmspec with Fedora's Go macros (rpmspec-go.sh), on
# the same specs, in one run.
#
# Usage: scripts/bench-spec.sh
#
# Every spec of the Fedora Go spec corpus (ORACLE_DIR/../corpus/fedora-go-specs, 365 files) through each tool,
# one process per spec, sequentially, alternated ROUNDS times:
#   rpmspec  rpmspec-go.sh -q --provides SPEC     (one query; a second one per field costs as much again)
#   gofed    gofed spec provides SPEC             (the whole spec is read for any query)
#   gofed-all  gofed spec show --format json SPEC (every field at once)
# Prints the median seconds of each, the specs per second and the ratio rpmspec/gofed. Timings depend on the
# machine: nothing is asserted. Run by hand, not in CI.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed), ROUNDS (default 3), ORACLE_DIR,
# SPEC_CORPUS.
# Exit status: 0 when every measurement ran, 1 otherwise, 2 when a tool is missing.
set -uo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ ${1:-} == -h || ${1:-} == --help ]] && { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0; }
rounds=${ROUNDS:-3}
oracle=$(oracle_dir)
corpus=${SPEC_CORPUS:-$oracle/../corpus/fedora-go-specs}
[[ -x $oracle/rpmspec-go.sh ]] || { echo "bench-spec: $oracle/rpmspec-go.sh not found" >&2; exit 2; }
command -v rpmspec >/dev/null || { echo "bench-spec: rpmspec not found (apt-get install rpm)" >&2; exit 2; }
[[ -d $corpus ]] || { echo "bench-spec: $corpus not found" >&2; exit 2; }
gofed=$(gofed_bin) || exit 2
export GOFED_STORE=off
mapfile -t specs < <(find "$corpus" -maxdepth 1 -name '*.spec' | sort)
n=${#specs[@]}

# Seconds to run `CMD... SPEC` once per spec (exit statuses ignored: rpm refuses some specs, gofed exits 1 on
# those too, and both have done the work).
each() {
  local start end spec
  start=$(date +%s.%N)
  for spec in "${specs[@]}"; do "$@" "$spec" > /dev/null 2>&1; done
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.3f}')"
}
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

declare -a t_rpm t_gofed t_all
for _ in $(seq "$rounds"); do
  t_rpm+=("$(each "$oracle/rpmspec-go.sh" -q --provides)")
  t_gofed+=("$(each "$gofed" spec provides)")
  t_all+=("$(each "$gofed" spec show --format json)")
done
rpm=$(median "${t_rpm[@]}")
one=$(median "${t_gofed[@]}")
all=$(median "${t_all[@]}")
python3 - "$n" "$rpm" "$one" "$all" "$rounds" <<'PY'
import sys
n, rpm, one, all_, rounds = int(sys.argv[1]), *map(float, sys.argv[2:5]), sys.argv[5]
print(f"{n} specs, one process per spec, median of {rounds} rounds:")
print(f"  rpmspec -q --provides        {rpm:7.2f} s  {n / rpm:7.0f} specs/s")
print(f"  gofed spec provides          {one:7.2f} s  {n / one:7.0f} specs/s  ({rpm / one:.1f}x rpmspec)")
print(f"  gofed spec show --format json {all_:6.2f} s  {n / all_:7.0f} specs/s  ({rpm / all_:.1f}x rpmspec; every field)")
PY
