#!/usr/bin/env bash
# bench-artifact.sh - `gofed api` of a .tar.xz read in memory, against
# extracting it with `tar` and running `gofed api` on the directory.
#
# Usage: scripts/bench-artifact.sh
#
# Makes, at run time, a .tar.xz of Go source of about TARGET_MB megabytes
# (default 20) from /usr/share/gocode/src: whole host/owner directories
# (github.com/x, golang.org/x, ...) in name order until their source is
# about 14 times TARGET_MB (what xz -6 makes of Go source: 190 MB of gocode gave 13 MB), packed as
# `src/...` so that both runs see a GOPATH tree. Then runs alternately
# (after one warm-up of each; RUNS runs of each, output discarded):
#   A. gofed api ARCHIVE --format goapi --go 1.27 --goos linux --goarch amd64
#      --cgo false -e   (the archive read and unpacked in memory);
#   B. rm -rf DIR; mkdir DIR; tar -xJf ARCHIVE -C DIR; gofed api DIR/src
#      with the same flags   (extraction to disk, then the directory).
# Prints for each the median and maximum wall time, the median system time
# and the largest peak resident memory (/usr/bin/time), and the ratios B / A
# of the medians and of the maxima (above 1: reading in memory is faster).
# The first outputs of A and B are compared: they must be equal (the same
# API whichever way the tree was read). Timings depend on the machine (the
# load average is printed): nothing here is asserted. Not for CI: making the
# archive alone takes a minute or more.
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed),
# RUNS (default 5), TARGET_MB (default 20), GOCODE (default
# /usr/share/gocode/src).
# Exit status: 0 when every measurement ran and the outputs were equal, 1
# otherwise, 2 when a required tool is missing.
set -uo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ ${1:-} == -h || ${1:-} == --help ]] && { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0; }
(($# == 0)) || { echo "bench-artifact: no arguments expected (see --help)" >&2; exit 2; }
GOCODE=${GOCODE:-/usr/share/gocode/src}
runs=${RUNS:-5}
target_mb=${TARGET_MB:-20}
[[ -d $GOCODE ]] || { echo "bench-artifact: $GOCODE missing" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "bench-artifact: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
command -v xz >/dev/null || { echo "bench-artifact: xz missing" >&2; exit 2; }
status=0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

gofed=$(gofed_bin) || { echo "bench-artifact: no gofed binary" >&2; exit 2; }

# The source: host/owner directories in name order until about 14 x TARGET_MB of it.
want_kb=$((target_mb * 1024 * 14))
dirs=()
total_kb=0
while read -r kb dir; do
  ((total_kb >= want_kb)) && break
  dirs+=("src/${dir#"$GOCODE"/}")
  total_kb=$((total_kb + kb))
done < <(for host in "$GOCODE"/*/; do du -s --apparent-size "$host"*/ 2>/dev/null; done | sort -k2)
((${#dirs[@]} > 0)) || { echo "bench-artifact: nothing to pack under $GOCODE" >&2; exit 2; }
archive=$tmp/gocode.tar.xz
echo "bench-artifact: packing ${#dirs[@]} directories of $GOCODE ($((total_kb / 1024)) MB) with tar -cJf ..." >&2
tar -C "${GOCODE%/src}" -cJf "$archive" "${dirs[@]}" || { echo "bench-artifact: tar -cJf failed" >&2; exit 2; }
archive_mb=$(du -m --apparent-size "$archive" | cut -f1)
go_files=$(tar -tJf "$archive" | grep -c '\.go$')

flags=(--format goapi --go 1.27 --goos linux --goarch amd64 --cgo false -e)
in_memory=(env -u GOROOT "$gofed" api "$archive" "${flags[@]}")
extracted=(env -u GOROOT sh -c 'rm -rf "$1/x" && mkdir "$1/x" && tar -xJf "$2" -C "$1/x" && shift 2 && exec "$@"'
  sh "$tmp" "$archive" "$gofed" api "$tmp/x/src" "${flags[@]}")

# run_once NAME CMD...: one run, output discarded; appends "wall user sys maxrss_kb" to $tmp/NAME.runs. gofed
# exits 1 when packages have errors (-e prints the API all the same): the exit status is not the measure, the time
# line is (the first outputs were checked).
run_once() {
  local name=$1
  shift
  /usr/bin/time -o "$tmp/$name.time" -f '%e %U %S %M' "$@" >/dev/null 2>"$tmp/$name.err"
  tail -n 1 "$tmp/$name.time" | grep -E '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+$' >>"$tmp/$name.runs"
}

# A first run fails when it prints nothing.
"${in_memory[@]}" >"$tmp/in_memory.out" 2>"$tmp/in_memory.first.err"
"${extracted[@]}" >"$tmp/extracted.out" 2>"$tmp/extracted.first.err"
if [[ ! -s $tmp/in_memory.out || ! -s $tmp/extracted.out ]]; then
  echo "bench-artifact: a first run printed nothing:" >&2
  head -n 5 "$tmp/in_memory.first.err" "$tmp/extracted.first.err" | sed 's/^/    /' >&2
  exit 1
fi
if cmp -s "$tmp/in_memory.out" "$tmp/extracted.out"; then
  same="equal ($(wc -l <"$tmp/in_memory.out") lines)"
else
  same="DIFFERENT"
  status=1
  diff "$tmp/extracted.out" "$tmp/in_memory.out" | head -n 10 | sed 's/^/    /' >&2
fi

echo "bench-artifact: $runs alternating runs of each ..." >&2
for ((i = 0; i < runs; i++)); do
  run_once in_memory "${in_memory[@]}" || { echo "bench-artifact: in-memory run $((i + 1)) failed" >&2; status=1; break; }
  run_once extracted "${extracted[@]}" || { echo "bench-artifact: extract run $((i + 1)) failed" >&2; status=1; break; }
done

python3 - "$tmp" "$archive_mb" "$((total_kb / 1024))" "$go_files" "$same" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)" <<'EOF'
import os, statistics, sys
tmp, archive_mb, source_mb, go_files, same, load, ncpu = sys.argv[1:]

def stats(name):
    path = os.path.join(tmp, name + ".runs")
    if not os.path.exists(path):
        return None
    rows = [[float(x) for x in line.split()] for line in open(path) if line.strip()]
    if not rows:
        return None
    wall = [r[0] for r in rows]
    return {"n": len(rows), "med": statistics.median(wall), "max": max(wall),
            "sys": statistics.median(r[2] for r in rows), "rss": max(r[3] for r in rows) / 1024}

def cell(s, key, fmt):
    return fmt % s[key] if s else "n/a"

print()
print("gofed api of a .tar.xz: alternating runs after one warm-up each; load average %s on %s CPUs" % (load, ncpu))
print("archive: %s MB .tar.xz of %s MB of /usr/share/gocode source, %s .go files" % (archive_mb, source_mb, go_files))
print()
print("%-36s %4s %10s %10s %9s %9s" % ("", "runs", "median", "max", "sys med", "peak RSS"))
a, b = stats("in_memory"), stats("extracted")
for label, s in (("gofed api ARCHIVE (in memory)", a), ("tar -xJf + gofed api DIR", b)):
    print("%-36s %4s %10s %10s %9s %9s" % (label, s["n"] if s else "-", cell(s, "med", "%.3f s"),
          cell(s, "max", "%.3f s"), cell(s, "sys", "%.2f s"), cell(s, "rss", "%.0f MB")))
for key, what in (("med", "medians"), ("max", "maxima")):
    r = "%.2fx" % (b[key] / a[key]) if a and b and a[key] > 0 else "n/a"
    print("%-36s %s" % ("  extract+dir / in memory, " + what, r))
print("%-36s %s" % ("  outputs", same))
print()
print("peak RSS: the largest process of a run (for the extract run, tar or gofed); in memory, gofed holds the")
print("unpacked tree (the archive's files) for the whole analysis.")
EOF
exit "$status"
