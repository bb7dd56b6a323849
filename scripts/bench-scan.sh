#!/usr/bin/env bash
# bench-scan.sh - `gofed scan` throughput with 1 and 2 `api` instances, in one run.
#
# Usage: scripts/bench-scan.sh [TREE]
#
# Builds a git repository whose TAGS tags (default 24) each hold TREE (default
# /usr/share/gocode/src/golang.org/x/net, else a generated module) plus one
# file of its own, and copies it (the copy's revisions are new jobs, keyed by
# path, and new analyses: the result cache keys a revision by repository and
# commit). Then, real processes on loopback, one SQLite store shared by the
# services and the scan:
#   1. in-process: `gofed scan REPO` (one job at a time, the analysis on every core);
#   2. 1 instance: `gofed serve api` pinned to one core (taskset, one rayon
#      thread), `gofed scan --remote` (one job per instance);
#   3. 2 instances: a second one on the other core, the copy scanned.
# Prints jobs per second for each and the ratio 2 / 1. The scan's client shares
# the cores (it reads each revision from git, packs and uploads it).
# Timings depend on the machine: nothing here is asserted.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed), TAGS.
set -uo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ ${1:-} == -h || ${1:-} == --help ]] && { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0; }
command -v taskset >/dev/null || { echo "bench-scan: taskset missing (util-linux)" >&2; exit 2; }
tags=${TAGS:-24}

tmp=$(mktemp -d)
pids=()
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  ((${#pids[@]})) && kill "${pids[@]}" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

gofed=$(gofed_bin) || exit 2

tree=${1:-/usr/share/gocode/src/golang.org/x/net}
repo=$tmp/repo
mkdir -p "$repo"
if [[ -d $tree ]]; then
  cp -r "$tree/." "$repo/"
  [[ -f $repo/go.mod ]] || printf 'module golang.org/x/net\n\ngo 1.21\n' >"$repo/go.mod"
else
  echo "module example.com/big" >"$repo/go.mod"
  for i in $(seq 0 99); do
    {
      printf 'package big\n\nimport "io"\n\ntype T%d struct { A int; R io.Reader }\n\n' "$i"
      for j in $(seq 0 29); do printf 'func (t *T%d) M%d(x int) (int, error) { return x, nil }\n\n' "$i" "$j"; done
    } >"$repo/f$i.go"
  done
fi
rm -rf "$repo/.git"
g() { git -C "$repo" -c user.name=bench -c user.email=bench@example.com "$@"; }
g init -q -b main
pkg_dir=$(dirname "$(find "$repo" -name '*.go' ! -name '*_test.go' | sort | head -1)")
pkg=$(awk '/^package / { print $2; exit }' "$(find "$pkg_dir" -maxdepth 1 -name '*.go' ! -name '*_test.go' | sort | head -1)")
for n in $(seq 1 "$tags"); do
  printf 'package %s\n\nfunc BenchScan%d() {}\n' "$pkg" "$n" >"$pkg_dir/bench_scan_$n.go"
  g add -A && g commit -q -m "release $n" && g tag "v0.$n.0"
done
cp -r "$repo" "$tmp/copy"
echo "bench-scan: $tags tags of $tree ($(find "$repo" -name '*.go' | wc -l) Go files each)"

export GOFED_STORE=sqlite:$tmp/store

# start NAME CMD...: start_server (lib.sh) in $tmp, sets $url.
start() { GOFED_BLOB_DIR=$tmp/blobs start_server "$tmp" "$@"; }
wait_instances() {
  local i
  for i in $(seq 1 100); do
    [[ $("$gofed" system status --registry "$registry" --format json |
      python3 -c 'import json,sys; print(sum(len(s["instances"]) for s in json.load(sys.stdin)["services"] if s["name"] == "api"))') == "$1" ]] && return 0
    sleep 0.1
  done
  return 1
}
# scan LABEL REPO [FLAGS...]: prints jobs/s, sets $rate.
scan() {
  local label=$1 dir=$2
  shift 2
  local start end
  start=$(date +%s.%N)
  "$gofed" "$@" scan "$dir" --format json >"$tmp/$label.json" 2>"$tmp/$label.err" || {
    echo "bench-scan: $label failed:" >&2
    cat "$tmp/$label.err" >&2
    return 1
  }
  end=$(date +%s.%N)
  rate=$(python3 -c "import json,sys; d = json.load(open(sys.argv[1])); n = len([j for j in d['jobs'] if j['state'] == 'done']); print(f'{n / ($end - $start):.2f}')" "$tmp/$label.json")
  printf '  %-12s %s jobs/s (%.1f s)\n' "$label" "$rate" "$(python3 -c "print($end - $start)")"
}
status=0

echo "== in-process"
scan in-process "$repo" || status=1
# Fresh revisions for the remote runs: new jobs, no cached results.
rm -rf "$tmp/store"

start registry "$gofed" registry --listen 127.0.0.1:0 || exit 1
registry=$url
start storage "$gofed" serve filestorage --listen 127.0.0.1:0 --registry "$registry" || exit 1
remote=(--registry "$registry" --placement api=remote --placement filestorage=remote)
RAYON_NUM_THREADS=1 start api0 taskset -c 0 "$gofed" serve api --listen 127.0.0.1:0 --registry "$registry" || exit 1
wait_instances 1 || status=1
echo "== remote"
scan 1-instance "$repo" "${remote[@]}" || status=1
one=$rate
RAYON_NUM_THREADS=1 start api1 taskset -c 1 "$gofed" serve api --listen 127.0.0.1:0 --registry "$registry" || exit 1
wait_instances 2 || status=1
scan 2-instances "$tmp/copy" "${remote[@]}" || status=1
two=$rate
python3 -c "print(f'  ratio 2 / 1 instances: {$two / $one:.2f}')" 2>/dev/null || status=1
exit $status
