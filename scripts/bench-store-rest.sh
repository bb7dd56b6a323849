#!/usr/bin/env bash
# bench-store-rest.sh - latency of the storage services' REST views on loopback.
#
# Usage: scripts/bench-store-rest.sh
#
# Builds a git repository of a small module with REVISIONS tagged revisions
# (default 20; each adds an exported function), records `gofed api REV --store
# --format json` of each and `gofed deps` of the last in a fresh SQLite store,
# starts `gofed serve apistorage depsstorage` on loopback over that store, and
# sends REQUESTS (default 1000) GET requests per route, one at a time on one
# kept-alive HTTP/1.1 connection (a Python http.client client: python3, no
# other packages), after 20 warm-up requests. Prints per route p50 / p99 / max
# latency in milliseconds and requests per second:
#   /api/v1/projects?limit=100
#   /api/v1/projects/{project}/revisions?limit=100
#   /api/v1/projects/{project}/revisions?limit=1&after=CURSOR (a middle page)
#   /api/v1/projects/{project}/{rev}/api       (the recorded JSON document)
#   /api/v1/projects/{project}/{rev}/deps
#   /api/v1/projects/{project}/apidiff?old=v1.0.0&new=LAST  (REQUESTS/10 of them:
#                                               each reads two models and diffs)
#   /api/v1/openapi.json
# Every answer must be 200, else the script fails. Timings depend on the
# machine: nothing here is asserted.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed),
# REQUESTS, REVISIONS.
# Exit status: 0 when every route was measured, 1 otherwise, 2 when a tool is missing.
set -uo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ ${1:-} == -h || ${1:-} == --help ]] && { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0; }
(($# == 0)) || { echo "bench-store-rest: no arguments expected (see --help)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench-store-rest: python3 missing" >&2; exit 2; }
command -v git >/dev/null || { echo "bench-store-rest: git missing" >&2; exit 2; }
requests=${REQUESTS:-1000}
revisions=${REVISIONS:-20}

tmp=$(mktemp -d)
pids=()
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  ((${#pids[@]})) && kill "${pids[@]}" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

gofed=$(gofed_bin) || { echo "bench-store-rest: no gofed binary" >&2; exit 2; }
store="sqlite:$tmp/store"
repo=$tmp/repo
mkdir -p "$repo"
git -C "$repo" init -q -b main
git -C "$repo" config user.email bench@example.com
git -C "$repo" config user.name bench
printf 'module example.com/bench/m\n\ngo 1.21\n' >"$repo/go.mod"
printf 'package m\n\n// F0 is the first function.\nfunc F0() {}\n' >"$repo/m.go"
for ((i = 1; i <= revisions; i++)); do
  printf '\n// F%d is function %d.\nfunc F%d(x int) string { return "" }\n' "$i" "$i" "$i" >>"$repo/m.go"
  git -C "$repo" add -A
  git -C "$repo" commit -qm "v1.$((i - 1)).0"
  git -C "$repo" tag "v1.$((i - 1)).0"
done
last="v1.$((revisions - 1)).0"
echo "recording $revisions revisions in $store"
for ((i = 0; i < revisions; i++)); do
  GOFED_STORE=$store "$gofed" api "$repo@v1.$i.0" --store --format json >/dev/null ||
    { echo "bench-store-rest: gofed api --store failed" >&2; exit 1; }
done
GOFED_STORE=$store "$gofed" deps "$repo@$last" --store --format json >/dev/null ||
  { echo "bench-store-rest: gofed deps --store failed" >&2; exit 1; }

GOFED_STORE=$store GOFED_BLOB_DIR=$tmp/blobs start_server "$tmp" serve "$gofed" serve apistorage depsstorage \
  --listen 127.0.0.1:0 --no-register || exit 1
echo "serving on $url (gofed $gofed)"

python3 - "$url" "$requests" "$last" <<'PY'
import http.client, json, sys, time, urllib.parse

url, requests, last = sys.argv[1], int(sys.argv[2]), sys.argv[3]
host = urllib.parse.urlparse(url).netloc
conn = http.client.HTTPConnection(host, timeout=120)
project = urllib.parse.quote("example.com/bench/m", safe="")

def get(path):
    conn.request("GET", path)
    answer = conn.getresponse()
    body = answer.read()
    if answer.status != 200:
        sys.exit(f"bench-store-rest: GET {path}: {answer.status} {body[:300]!r}")
    return body

page = json.loads(get(f"/api/v1/projects/{project}/revisions?limit=1"))
middle = page["next"]
for _ in range(len(json.loads(get(f"/api/v1/projects/{project}/revisions?limit=1000"))["items"]) // 2 - 1):
    middle = json.loads(get(f"/api/v1/projects/{project}/revisions?limit=1&after={middle}"))["next"]

routes = [
    ("projects", "/api/v1/projects?limit=100", requests),
    ("revisions", f"/api/v1/projects/{project}/revisions?limit=100", requests),
    ("revisions page", f"/api/v1/projects/{project}/revisions?limit=1&after={middle}", requests),
    ("api document", f"/api/v1/projects/{project}/{last}/api", requests),
    ("deps document", f"/api/v1/projects/{project}/{last}/deps", requests),
    ("apidiff", f"/api/v1/projects/{project}/apidiff?old=v1.0.0&new={last}", max(requests // 10, 1)),
    ("openapi.json", "/api/v1/openapi.json", requests),
]
print(f"{'route':<16} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'req/s':>8} {'bytes':>8}")
for name, path, n in routes:
    for _ in range(20):
        get(path)
    times = []
    size = 0
    start = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        size = len(get(path))
        times.append((time.perf_counter() - t) * 1000)
    total = time.perf_counter() - start
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"{name:<16} {n:>6} {p(0.50):>8.3f} {p(0.99):>8.3f} {times[-1]:>8.3f} {n / total:>8.0f} {size:>8}")
PY
