#!/usr/bin/env bash
# bench-license.sh - license detection speed: gofed against ScanCode toolkit on the same files, in one run.
#
# Usage: scripts/bench-license.sh [WORKDIR]   (default /tmp/gofed-bench-license)
#
# 1. gofed alone on the whole of /usr/share/gocode/src (`gofed license DIR`: every license file matched against
#    the SPDX list, every .go file read for SPDX headers): files per second, median of ROUNDS runs.
# 2. The same files for both tools: every stand-alone license text of the installed golang-*-dev packages'
#    Debian copyright files (the dump of crates/gofed-license/tests/debian.rs), each written as DIR/N/LICENSE;
#    `gofed license` and `scancode --license -n NPROC` on that tree, alternated ROUNDS times; files per second
#    of each and the ratio of the medians.
# ScanCode is installed into a virtualenv under WORKDIR on first use (PyPI `scancode-toolkit`, pluggy pinned
# below 1.6 as in scripts/license-scancode.sh). Timings depend on the machine: nothing is asserted. Run by hand,
# not in CI (ScanCode's install and runs take minutes).
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed), ROUNDS (default 3), GOCODE
# (default /usr/share/gocode/src).
# Exit status: 0 when every measurement ran, 1 otherwise, 2 when a tool is missing.
set -uo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ ${1:-} == -h || ${1:-} == --help ]] && { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0; }
work=${1:-/tmp/gofed-bench-license}
rounds=${ROUNDS:-3}
gocode=${GOCODE:-/usr/share/gocode/src}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ -d $gocode ]] || { echo "bench-license: $gocode missing (scripts/install-test-deps.sh)" >&2; exit 2; }
gofed=$(gofed_bin) || exit 2
export GOFED_STORE=off
mkdir -p "$work"

# Seconds taken by a command (its output discarded), as a decimal.
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null 2>&1 || return 1
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.3f}')"
}
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
rate() { python3 -c "print(f'{$1 / $2:.0f}')"; }

status=0
# 1. gofed on the whole tree.
counts=$("$gofed" license "$gocode" --format json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(len(d["files"]), d["n_go_files"])') || { echo "bench-license: gofed license $gocode failed" >&2; exit 1; }
read -r n_license n_go <<< "$counts"
times=()
for _ in $(seq "$rounds"); do times+=("$(seconds "$gofed" license "$gocode" --format json)") || status=1; done
t=$(median "${times[@]}")
echo "gofed license $gocode: $n_license license files and $n_go .go files in ${t}s (median of $rounds): $(rate $((n_license + n_go)) "$t") files/s"

# 2. The same license texts for both.
texts=$work/texts
tree=$work/tree
rm -rf "$texts" "$tree"
mkdir -p "$texts" "$tree"
(cd "$repo" && GOFED_LICENSE_DUMP="$texts" cargo test -q --release -p gofed-license --test debian > /dev/null 2>&1) \
  || { echo "bench-license: dumping the license texts failed" >&2; exit 1; }
n=0
for f in "$texts"/*; do
  [[ $(basename "$f") == index.tsv ]] && continue
  n=$((n + 1))
  mkdir -p "$tree/$n"
  cp "$f" "$tree/$n/LICENSE"
done
if [[ ! -x $work/venv/bin/scancode ]]; then
  python3 -m venv "$work/venv" && "$work/venv/bin/pip" install -q scancode-toolkit 'pluggy<1.6' \
    || { echo "bench-license: cannot install scancode-toolkit" >&2; exit 2; }
fi
ours=() theirs=()
for _ in $(seq "$rounds"); do
  ours+=("$(seconds "$gofed" license "$tree" --format json)") || status=1
  theirs+=("$(seconds "$work/venv/bin/scancode" --license --quiet -n "$(nproc)" --json "$work/scancode.json" "$tree")") || status=1
done
to=$(median "${ours[@]}")
ts=$(median "${theirs[@]}")
echo "the same $n license texts (median of $rounds): gofed ${to}s ($(rate "$n" "$to") files/s), scancode ${ts}s ($(rate "$n" "$ts") files/s), scancode / gofed: $(python3 -c "print(f'{$ts / $to:.0f}')")x"
exit "$status"
