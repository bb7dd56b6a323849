#!/usr/bin/env bash
# bench-tls.sh - the latency TLS adds to a remote call, measured in one run.
#
# Usage: scripts/bench-tls.sh
#
# Starts two `gofed serve filestorage` instances on loopback, one plain and
# one with TLS (a certificate authority and a server certificate made here
# with openssl) and a token, and times the same trivial remote action
# (upload_url: a stat of a missing blob) through each, one call at a time,
# REQUESTS calls (default 5000), the two alternated ROUNDS times (default 3)
# so that machine drift hits both alike. Prints p50 / p99 of each round and
# the TLS / plain ratio of the medians. The client keeps its connections
# (HTTP keep-alive), so a handshake is paid once per connection; the ratio
# is the cost of encrypting each call. Timings depend on the machine:
# nothing here is asserted.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed),
# REQUESTS, ROUNDS.
# Exit status: 0 when every measurement ran, 1 otherwise, 2 when a tool is missing.
set -uo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ ${1:-} == -h || ${1:-} == --help ]] && { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0; }
(($# == 0)) || { echo "bench-tls: no arguments (see --help)" >&2; exit 2; }
command -v openssl >/dev/null || { echo "bench-tls: openssl missing" >&2; exit 2; }
requests=${REQUESTS:-5000}
rounds=${ROUNDS:-3}

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

# A certificate authority and a server certificate for 127.0.0.1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench CA" \
  -keyout "$tmp/ca.key" -out "$tmp/ca.pem" 2>/dev/null || { echo "bench-tls: openssl failed" >&2; exit 2; }
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$tmp/server.key" -out "$tmp/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$tmp/ext"
openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial -days 2 \
  -extfile "$tmp/ext" -out "$tmp/server.pem" 2>/dev/null || { echo "bench-tls: openssl failed" >&2; exit 2; }

start() { GOFED_BLOB_DIR=$tmp/blobs-$1 start_server "$tmp" "$@"; }
start plain "$gofed" serve filestorage --listen 127.0.0.1:0 --no-register || exit 1
plain=$url
start tls "$gofed" serve filestorage --listen 127.0.0.1:0 --no-register --tls-cert "$tmp/server.pem" \
  --tls-key "$tmp/server.key" --token bench || exit 1
secured=$url

field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
status=0
: >"$tmp/p50-plain"
: >"$tmp/p50-tls"
echo "== upload_url round trip, $requests calls one at a time, plain and TLS alternated $rounds times"
for round in $(seq 1 "$rounds"); do
  for kind in plain tls; do
    if [[ $kind == plain ]]; then
      target=$plain
      run=("$gofed" --placement "filestorage=$target" debug bench-calls --action upload_url --requests "$requests")
    else
      target=$secured
      run=(env GOFED_CA_FILE="$tmp/ca.pem" GOFED_TOKEN=bench "$gofed" --placement "filestorage=$target" debug bench-calls --action upload_url --requests "$requests")
    fi
    if "${run[@]}" >"$tmp/$kind.json"; then
      printf '  round %d %-5s p50 %4.0f us   p99 %5.0f us   (%.0f calls/s)\n' "$round" "$kind" \
        "$(field "$tmp/$kind.json" p50_us)" "$(field "$tmp/$kind.json" p99_us)" \
        "$(field "$tmp/$kind.json" calls_per_second)"
      field "$tmp/$kind.json" p50_us >>"$tmp/p50-$kind"
    else
      status=1
    fi
  done
done
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
if ((status == 0)); then
  p_plain=$(median "$tmp/p50-plain")
  p_tls=$(median "$tmp/p50-tls")
  awk -v a="$p_plain" -v b="$p_tls" 'BEGIN { printf "median p50: plain %.0f us, TLS %.0f us: TLS / plain = %.2f\n", a, b, b / a }'
fi
exit "$status"
