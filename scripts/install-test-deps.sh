#!/usr/bin/env bash
# install-test-deps.sh - install the Debian golang-*-dev packages whose
# sources under /usr/share/gocode/src form the "gocode" conformance corpus
# (a GOPATH tree of widely used Go libraries, Debian bookworm versions).
#
# Usage: scripts/install-test-deps.sh [--check]
#   --check   only report which packages are missing (exit 1 if any)
#
# Installs only the packages that are missing (apt-get, needs root the first
# time; runs `apt-get update` once if a package is unknown to apt-cache).
# Their dependencies (more golang-*-dev packages) come along automatically.
# Exit status: 0 ok (all present), 1 failure.
set -euo pipefail

# Every one exists in Debian bookworm (checked with apt-cache policy).
# etcd-server: the real etcd the registry's etcd backend is tested against
# (crates/gofed-registry/tests/etcd.rs starts it on loopback with a temp dir).
# rpm: rpmbuild, which crates/gofed-artifact/tests/rpm.rs builds RPMs and SRPMs with; rpm's Lua, which runs
# go-rpm-macros' own rpmname for crates/gofed-goland/tests/naming.rs.
# git: the tests build repositories with it, and crates/gofed/tests/it/git_url.rs serves them over smart HTTP
# with its `git http-backend`.
# openssl: crates/gofed/tests/it/artifact.rs makes a CA and a server certificate with it and serves an archive
# over https with `openssl s_server`.
# bzip2, zstd, xz-utils: the archive tests compress tarballs with the real tools (tar -j, --zstd, -J).
# postgresql: crates/gofed-store/tests/store.rs and crash.rs run the store's suite against a throw-away
# cluster (initdb + postgres from /usr/lib/postgresql/<version>/bin, on loopback in a temp dir).
# rpmlint: crates/gofed/tests/it/spec.rs checks that generated specs have no rpmlint error, and the `rpm`
# service's rpm_lint runs it.
# The corpus itself is listed in scripts/gocode-corpus.txt (why those).
# chromium, chromium-driver: the console's browser tests (crates/gofed/tests/it/console.rs) drive a real
# headless Chromium through ChromeDriver. graphviz: the console draws dependency graphs with `dot` when it is
# installed (layout-rs otherwise; the tests check both).
PACKAGES=(etcd-server rpm rpmlint git openssl bzip2 zstd xz-utils postgresql systemd chromium chromium-driver graphviz)
while read -r line; do
  [[ -z $line || $line == \#* ]] || PACKAGES+=("$line")
done <"$(dirname "${BASH_SOURCE[0]}")/gocode-corpus.txt"

check_only=0
[[ ${1:-} == --check ]] && check_only=1

# One dpkg-query for all of them (one per package takes seconds).
declare -A installed=()
while read -r name status; do
  [[ $status == "install ok installed" ]] && installed[$name]=1
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
missing=()
for p in "${PACKAGES[@]}"; do
  [[ -n ${installed[$p]:-} ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-test-deps: all ${#PACKAGES[@]} packages installed"
  exit 0
fi
echo "install-test-deps: missing ${#missing[@]} of ${#PACKAGES[@]}: ${missing[*]}"
((check_only)) && exit 1

command -v apt-get >/dev/null || { echo "install-test-deps: ERROR: apt-get not found" >&2; exit 1; }
if ((EUID != 0)); then
  echo "install-test-deps: ERROR: must run as root to install packages" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists when one of the packages is unknown (fresh machine).
need_update=0
for p in "${missing[@]}"; do
  cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/{print $2}')
  if [[ -z $cand || $cand == "(none)" ]]; then need_update=1; break; fi
done
if ((need_update)); then
  apt-get update -qq || { echo "install-test-deps: ERROR: apt-get update failed" >&2; exit 1; }
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
  { echo "install-test-deps: ERROR: apt-get install failed" >&2; exit 1; }
echo "install-test-deps: installed ${#missing[@]} package(s)"
