#!/usr/bin/env bash
# bench-system.sh - the service system's call paths, measured in one run.
#
# Usage: scripts/bench-system.sh [TREE]
#
# Prints three measurements (real processes on loopback, release build):
#   1. in-process call overhead: nanoseconds per call of a trivial action
#      (u64 -> u64) called directly, through Service::call_local, and through
#      a System that places it local (`gofed debug bench-calls --local-overhead`);
#   2. remote round trip of a trivial action (filestorage's upload_url: a stat
#      of a missing blob) through the System at a fixed address, one call at a
#      time: p50 / p99 latency (target: p50 < 1 ms);
#   3. throughput of a CPU-bound action (api_analysis of TREE, uploaded once as
#      a bundle; default /usr/share/gocode/src/golang.org/x/net, else a
#      generated module) with 1 and then 2 `api` instances found through a
#      `gofed registry`, each instance pinned to one core (taskset, one rayon
#      thread), CONCURRENCY calls in flight (default 4), REQUESTS calls
#      (default 200): calls per second and the ratio 2 / 1 (target >= 1.7 on
#      a machine with at least 2 cores; the client shares the cores).
#   4. soak (issue #19): the same api_analysis calls against the 2 instances
#      for SOAK_SECONDS (default 120), every HOSTILE_EVERY-th call (default 4)
#      a hostile request (a path as sha256 at a foreign origin, an unknown file
#      at a new origin each time, a 100,000-byte mount, a file declared too
#      large), while SLOW_CLIENTS (default 16) connections trickle action
#      bodies at one byte a second: reports crashes (instances no longer
#      running; must be 0), hostile requests refused with a 4xx (must be all),
#      normal calls failed, their p50/p99, and each instance's peak memory.
#      SOAK_SECONDS=0 skips it.
# Timings depend on the machine: nothing here is asserted.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed),
# REQUESTS, CONCURRENCY, SOAK_SECONDS, HOSTILE_EVERY, SLOW_CLIENTS.
# Exit status: 0 when every measurement ran (and the soak crashed nothing), 1 otherwise, 2 when a tool is missing.
set -uo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ ${1:-} == -h || ${1:-} == --help ]] && { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0; }
(($# <= 1)) || { echo "bench-system: expected at most one argument, a tree (see --help)" >&2; exit 2; }
command -v taskset >/dev/null || { echo "bench-system: taskset missing (util-linux)" >&2; exit 2; }
requests=${REQUESTS:-200}
concurrency=${CONCURRENCY:-4}
soak_seconds=${SOAK_SECONDS:-120}
hostile_every=${HOSTILE_EVERY:-4}
slow_clients=${SLOW_CLIENTS:-16}

tmp=$(mktemp -d)
pids=()
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  ((${#pids[@]})) && kill "${pids[@]}" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

if [[ -n ${GOFED:-} ]]; then
  gofed=$GOFED
else
  (cd "$REPO" && cargo build --release -q -p gofed) || { echo "bench-system: build failed" >&2; exit 2; }
  gofed=$REPO/target/release/gofed
fi

tree=${1:-/usr/share/gocode/src/golang.org/x/net}
if [[ ! -d $tree ]]; then
  tree=$tmp/big
  mkdir -p "$tree"
  echo "module example.com/big" >"$tree/go.mod"
  for i in $(seq 0 199); do
    {
      printf 'package big\n\nimport "io"\n\ntype T%d struct { A int; R io.Reader }\n\n' "$i"
      for j in $(seq 0 29); do printf 'func (t *T%d) M%d(x int) (int, error) { return x, nil }\n\nconst C%d_%d = %d << 3\n\n' "$i" "$j" "$i" "$j" "$j"; done
    } >"$tree/f$i.go"
  done
fi

# start NAME CMD...: start_server (lib.sh) in $tmp, sets $url.
start() { GOFED_BLOB_DIR=$tmp/blobs-$1 start_server "$tmp" "$@"; }

# field JSON KEY
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
status=0

echo "== 1. in-process call overhead (2,000,000 calls)"
if "$gofed" debug bench-calls --local-overhead --requests 2000000 >"$tmp/local.json"; then
  printf '  direct %.1f ns   Service::call_local %.1f ns   System::call (local) %.1f ns\n' \
    "$(field "$tmp/local.json" direct_ns)" "$(field "$tmp/local.json" call_local_ns)" "$(field "$tmp/local.json" system_local_ns)"
else
  status=1
fi

start registry "$gofed" registry --listen 127.0.0.1:0 || exit 1
registry=$url
start storage "$gofed" serve filestorage --listen 127.0.0.1:0 --registry "$registry" || exit 1
storage=$url

echo "== 2. remote round trip, trivial action (upload_url), 5000 calls one at a time"
if "$gofed" --placement "filestorage=$storage" debug bench-calls --action upload_url --requests 5000 >"$tmp/trivial.json"; then
  printf '  p50 %.0f us   p90 %.0f us   p99 %.0f us   (%.0f calls/s)\n' \
    "$(field "$tmp/trivial.json" p50_us)" "$(field "$tmp/trivial.json" p90_us)" \
    "$(field "$tmp/trivial.json" p99_us)" "$(field "$tmp/trivial.json" calls_per_second)"
else
  status=1
fi

echo "== 3. throughput, api_analysis of $tree ($requests calls, $concurrency in flight)"
bench_api() {
  "$gofed" --registry "$registry" --placement api=remote --placement "filestorage=$storage" \
    debug bench-calls --action api_analysis --tree "$tree" --requests "$requests" --concurrency "$concurrency" >"$tmp/api$1.json"
}
wait_instances() {
  local i
  for i in $(seq 1 100); do
    [[ $("$gofed" system status --registry "$registry" --format json |
      python3 -c 'import json,sys; print(sum(len(s["instances"]) for s in json.load(sys.stdin)["services"] if s["name"] == "api"))') == "$1" ]] && return 0
    sleep 0.1
  done
  return 1
}
RAYON_NUM_THREADS=1 start api0 taskset -c 0 "$gofed" serve api --listen 127.0.0.1:0 --registry "$registry" || exit 1
api0=$url
api0_pid=${pids[-1]}
wait_instances 1 && bench_api 1 || status=1
RAYON_NUM_THREADS=1 start api1 taskset -c 1 "$gofed" serve api --listen 127.0.0.1:0 --registry "$registry" || exit 1
api1=$url
api1_pid=${pids[-1]}
wait_instances 2 && bench_api 2 || status=1
if [[ -s $tmp/api1.json && -s $tmp/api2.json ]]; then
  one=$(field "$tmp/api1.json" calls_per_second)
  two=$(field "$tmp/api2.json" calls_per_second)
  printf '  1 instance: %.1f calls/s (p50 %.0f ms)   2 instances: %.1f calls/s (p50 %.0f ms)   ratio %.2f\n' \
    "$one" "$(python3 -c "print($(field "$tmp/api1.json" p50_us) / 1000)")" \
    "$two" "$(python3 -c "print($(field "$tmp/api2.json" p50_us) / 1000)")" \
    "$(python3 -c "print($two / $one)")"
  echo "  api_analysis calls per instance with 2: $(python3 -c 'import json,sys; d = json.load(open(sys.argv[1]))["per_instance"]; print(", ".join(f"{k}: {v}" for k, v in d.items() if k != sys.argv[2]))' "$tmp/api2.json" "$storage")"
fi

if ((soak_seconds > 0)); then
  echo "== 4. soak: api_analysis for ${soak_seconds} s, every ${hostile_every}th call hostile, ${slow_clients} slow bodies, 2 instances"
  # Slow clients: each connection sends an action body of 100,000 bytes at one byte a second, and starts again when
  # the instance gives up on it (408).
  python3 - "$soak_seconds" "$slow_clients" "$api0" "$api1" <<'PY' &
import socket, sys, threading, time
seconds, clients, urls = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
deadline = time.time() + seconds
def trickle(url):
    host, port = url.removeprefix("http://").split(":")
    while time.time() < deadline:
        try:
            s = socket.create_connection((host, int(port)), timeout=5)
            s.sendall(b"POST /v1/actions/api_analysis HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
            while time.time() < deadline:
                s.sendall(b" ")
                time.sleep(1)
        except OSError:
            time.sleep(0.1)
threads = [threading.Thread(target=trickle, args=(urls[i % len(urls)],), daemon=True) for i in range(clients)]
for t in threads: t.start()
time.sleep(max(0, deadline - time.time()))
PY
  slow_pid=$!
  pids+=("$slow_pid")
  "$gofed" --registry "$registry" --placement api=remote --placement "filestorage=$storage" \
    debug bench-calls --action api_analysis --tree "$tree" --concurrency "$concurrency" \
    --duration-ms $((soak_seconds * 1000)) --hostile-every "$hostile_every" >"$tmp/soak.json" 2>"$tmp/soak.err" || status=1
  wait "$slow_pid" 2>/dev/null
  crashes=0
  for pid in "$api0_pid" "$api1_pid"; do kill -0 "$pid" 2>/dev/null || crashes=$((crashes + 1)); done
  peak() { awk '/^VmHWM/ { printf "%.0f MB", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"; }
  echo "  crashes: $crashes   peak memory: api0 $(peak "$api0_pid"), api1 $(peak "$api1_pid")"
  ((crashes == 0)) || status=1
  if [[ -s $tmp/soak.json ]]; then
    printf '  normal calls: %d done, %d failed, p50 %.0f ms, p99 %.0f ms   hostile: %d sent, %d refused with a 4xx\n' \
      "$(field "$tmp/soak.json" requests)" "$(field "$tmp/soak.json" failed)" \
      "$(python3 -c "print($(field "$tmp/soak.json" p50_us) / 1000)")" "$(python3 -c "print($(field "$tmp/soak.json" p99_us) / 1000)")" \
      "$(field "$tmp/soak.json" hostile)" "$(field "$tmp/soak.json" hostile_refused)"
  else
    cat "$tmp/soak.err" >&2
  fi
fi
exit "$status"
