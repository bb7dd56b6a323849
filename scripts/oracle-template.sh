#!/usr/bin/env bash
# oracle-template.sh - compare `gofed packages -f TEMPLATE` with
# `go list -e -f TEMPLATE ./...` on a tree, for a set of templates.
#
# Usage: scripts/oracle-template.sh SUITE ROOT GOROOT
#
#   SUITE   name of the corpus (summary file name), e.g. go1.27
#   ROOT    directory whose ./... is listed, inside GOROOT/src or a module
#           (go list runs in module mode, GOPROXY=off)
#   GOROOT  the Go whose go list is the reference
#
# For every template below, runs
#   (cd ROOT && go list -e -f TEMPLATE ./...)
#   gofed packages ROOT -f TEMPLATE --goos G --goarch A --cgo C
# and compares the two outputs byte for byte (and the exit statuses). GOOS,
# GOARCH, CGO_ENABLED from the environment (default linux, amd64, 1) apply to
# both sides. Reference outputs are produced here, never committed (go list
# runs through oracle_run, lib.sh: an earlier run's output on this machine is
# replayed when every input is the same). Writes
# tests/oracle/summary/template-SUITE.txt (templates compared, per template
# ok or the first differing lines).
#
# Environment: GOFED (gofed binary; default: cargo build --release -p gofed,
# target/release/gofed), KEEP=DIR (keep the raw outputs in DIR).
# Exit status: 0 every template gives go list's output, 1 a difference,
# 2 error.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; exit 2; }
[[ ${1:-} == -h || ${1:-} == --help ]] && usage
(($# == 3)) || usage
suite=$1 root=$2 goroot=$3
[[ -d $root ]] || { echo "oracle-template: ROOT $root is not a directory" >&2; exit 2; }
[[ -x $goroot/bin/go ]] || { echo "oracle-template: $goroot/bin/go not found" >&2; exit 2; }
root=$(cd "$root" && pwd -P)
goroot=$(cd "$goroot" && pwd -P)
summary=$REPO/tests/oracle/summary/template-$suite.txt
gover=$(go_version "$goroot") || { echo "oracle-template: cannot tell the Go version of $goroot" >&2; exit 2; }

# What `go list -f` users write: fields, join, range (with variables), if/else,
# with, len, printf, not/and/or/eq, index, trim markers, nil pointers printed,
# zero values of omitted fields.
# shellcheck disable=SC2016 # Go templates: the $ are theirs, not the shell's
templates=(
  '{{.ImportPath}}'
  '{{join .Imports " "}}'
  '{{.Name}} {{len .GoFiles}}'
  '{{range .TestImports}}{{.}} {{end}}'
  '{{if .Incomplete}}x{{end}}'
  '{{.ImportPath}}: {{join .XTestImports ","}}{{if .CgoFiles}} cgo={{len .CgoFiles}}{{else}} pure{{end}}'
  '{{- range $i, $f := .GoFiles}}{{if $i}},{{end}}{{$f}}{{end -}}'
  '{{printf "%-40s %3d %t %q" .ImportPath (len .Imports) .Standard .Name}}'
  '{{.Dir}}|{{.Root}}|{{.Goroot}}|{{.Match}}|{{.Module}}|{{.Error}}|{{.DepsErrors}}|{{.Incomplete}}'
  '{{with .Error}}{{.Err}}{{else}}ok{{end}} {{eq .Name "main"}} {{not .Standard}} {{and .CgoFiles .Name}} {{or .CgoFiles "-"}}'
  '{{if .GoFiles}}{{index .GoFiles 0}}{{end}} {{len .IgnoredGoFiles}} {{.IgnoredGoFiles}}
{{- /* a comment */ -}}
{{range .XTestGoFiles}}
  {{.}}{{else}} none{{end}}'
  '{{$n := len .Imports}}{{if gt $n 10}}many{{else if eq $n 0}}none{{else}}{{$n}}{{end}} {{print .Name 1 2 "x" .Standard}} {{println .Goroot}}'
)

export GOOS=${GOOS:-linux} GOARCH=${GOARCH:-amd64} CGO_ENABLED=${CGO_ENABLED:-1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gofed=$(gofed_bin) || exit 2
goenv=(env -u GOFLAGS GOROOT="$goroot" PATH="$goroot/bin:$PATH"
  GOFLAGS= GOENV=off GOTOOLCHAIN=local GOWORK=off GOPROXY=off GO111MODULE=on
  GOPATH="$tmp/gopath" GOCACHE="$tmp/gocache")
gofed_args=(--goos "$GOOS" --goarch "$GOARCH" --cgo "$CGO_ENABLED")

report=$tmp/report.txt
{
  echo "template conformance, suite $suite: $root, go list -e -f of $gover, GOOS=$GOOS GOARCH=$GOARCH CGO_ENABLED=$CGO_ENABLED"
  echo
} >"$report"
n=0 failed=0
for t in "${templates[@]}"; do
  n=$((n + 1))
  shown=${t//$'\n'/\\n}
  rc_go=0 rc_fed=0
  oracle_run --subst "$tmp" --cwd "$root" --tree "$root" --tree "$goroot" --scratch "$tmp/gopath" --scratch "$tmp/gocache" \
    --label "go list -f $suite #$n" -- "${goenv[@]}" "$goroot/bin/go" list -e -f "$t" ./... \
    >"$tmp/go.$n" 2>"$tmp/go.$n.err" || rc_go=$?
  "$gofed" packages "$root" -f "$t" "${gofed_args[@]}" >"$tmp/gofed.$n" 2>"$tmp/gofed.$n.err" || rc_fed=$?
  lines=$(wc -l <"$tmp/go.$n")
  # Both fail or both succeed (go list exits 1 on a template error, gofed 2).
  if [[ $((rc_go == 0)) != $((rc_fed == 0)) ]]; then
    failed=$((failed + 1))
    {
      printf 'FAILED  %s: go list exit %d, gofed exit %d\n' "$shown" "$rc_go" "$rc_fed"
      sed 's/^/    go list: /' "$tmp/go.$n.err" | head -n 3
      sed 's/^/    gofed:   /' "$tmp/gofed.$n.err" | head -n 3
    } >>"$report"
  elif cmp -s "$tmp/go.$n" "$tmp/gofed.$n"; then
    printf 'ok      %s (%d lines)\n' "$shown" "$lines" >>"$report"
  else
    failed=$((failed + 1))
    printf 'FAILED  %s: outputs differ (go list %d lines, gofed %d lines)\n' "$shown" "$lines" "$(wc -l <"$tmp/gofed.$n")" >>"$report"
    diff "$tmp/go.$n" "$tmp/gofed.$n" | head -n 12 | sed 's/^/    /' >>"$report" || true
  fi
  if [[ -n ${KEEP:-} ]]; then
    mkdir -p "$KEEP"
    cp "$tmp/go.$n" "$KEEP/template-$suite.$n.golist"
    cp "$tmp/gofed.$n" "$KEEP/template-$suite.$n.gofed"
  fi
done
{
  echo
  echo "templates compared: $n, identical output: $((n - failed))"
  echo "result: $([[ $failed == 0 ]] && echo ok || echo "FAILED ($failed template(s) differ)")"
} >>"$report"
mkdir -p "$(dirname "$summary")"
cp "$report" "$summary"
cat "$report"
((failed == 0))
