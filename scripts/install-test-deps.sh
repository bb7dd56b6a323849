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
PACKAGES=(
  etcd-server
  golang-github-pkg-errors-dev
  golang-github-stretchr-testify-dev
  golang-github-stretchr-objx-dev
  golang-github-spf13-cobra-dev
  golang-github-spf13-pflag-dev
  golang-github-spf13-viper-dev
  golang-golang-x-net-dev
  golang-golang-x-sys-dev
  golang-golang-x-text-dev
  golang-golang-x-crypto-dev
  golang-golang-x-sync-dev
  golang-golang-x-term-dev
  golang-golang-x-time-dev
  golang-golang-x-oauth2-dev
  golang-github-google-go-cmp-dev
  golang-gopkg-yaml.v2-dev
  golang-gopkg-yaml.v3-dev
  golang-gopkg-check.v1-dev
  golang-github-sirupsen-logrus-dev
  golang-github-prometheus-client-golang-dev
  golang-github-prometheus-common-dev
  golang-github-prometheus-procfs-dev
  golang-github-gorilla-mux-dev
  golang-github-gorilla-websocket-dev
  golang-github-burntsushi-toml-dev
  golang-github-davecgh-go-spew-dev
  golang-github-pmezard-go-difflib-dev
  golang-github-mattn-go-isatty-dev
  golang-github-mattn-go-colorable-dev
  golang-github-fatih-color-dev
  golang-google-protobuf-dev
  golang-github-golang-protobuf-1-5-dev
  golang-github-gogo-protobuf-dev
  golang-github-google-uuid-dev
  golang-github-google-btree-dev
  golang-github-hashicorp-go-multierror-dev
  golang-github-hashicorp-golang-lru-dev
  golang-github-klauspost-compress-dev
  golang-github-cespare-xxhash-dev
  golang-github-json-iterator-go-dev
  golang-github-urfave-cli-dev
  golang-github-urfave-cli-v2-dev
  golang-github-miekg-dns-dev
  golang-github-go-logr-logr-dev
  golang-go.uber-zap-dev
  golang-google-grpc-dev
  golang-github-fsnotify-fsnotify-dev
  golang-github-dustin-go-humanize-dev
)

check_only=0
[[ ${1:-} == --check ]] && check_only=1

missing=()
for p in "${PACKAGES[@]}"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $st == "install ok installed" ]] || missing+=("$p")
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
