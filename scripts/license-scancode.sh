#!/usr/bin/env bash
# license-scancode.sh - ScanCode toolkit as a second reference for gofed-license, per file.
#
# Usage: scripts/license-scancode.sh [WORKDIR]   (default /tmp/gofed-license-scancode)
#
# 1. Runs crates/gofed-license/tests/debian.rs with GOFED_LICENSE_DUMP, which writes every stand-alone license
#    text of the installed golang-*-dev packages' Debian copyright files with an index (file, Debian's name,
#    gofed's SPDX ids).
# 2. Installs scancode-toolkit into a virtualenv under WORKDIR (PyPI; pluggy pinned below 1.6, whose hook
#    discovery no longer finds ScanCode's class-based hook specs: "did not find any 'pre_scan' hooks").
# 3. Runs `scancode --license` on the texts and prints, per file and in total, whether gofed and ScanCode agree
#    (same set of SPDX ids, deprecated ids such as GPL-2.0 read as GPL-2.0-only), and each against Debian.
set -euo pipefail
work=${1:-/tmp/gofed-license-scancode}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$work/texts"
if [[ ! -x $work/venv/bin/scancode ]]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q scancode-toolkit 'pluggy<1.6'
fi
(cd "$repo" && GOFED_LICENSE_DUMP="$work/texts" cargo test -q -p gofed-license --test debian)
start=$(date +%s.%N)
"$work/venv/bin/scancode" --license --quiet -n "$(nproc)" --json "$work/scancode.json" "$work/texts"
end=$(date +%s.%N)
echo "scancode: $(ls "$work/texts" | wc -l) files in $(echo "$end - $start" | bc) s"
python3 - "$work" <<'EOF'
import json, re, sys
work = sys.argv[1]
index = {}
for line in open(f"{work}/texts/index.tsv"):
    name, debian, ours = line.rstrip("\n").split("\t")
    index[name] = (debian, set(ours.split()))
def ids(expr):
    if not expr:
        return set()
    res = set()
    for tok in re.split(r"[()\s]+", expr):
        if tok and tok not in ("AND", "OR", "WITH") and not tok.startswith("LicenseRef-"):
            res.add({"GPL-2.0": "GPL-2.0-only", "GPL-3.0": "GPL-3.0-only", "GPL-2.0+": "GPL-2.0-or-later",
                     "GPL-3.0+": "GPL-3.0-or-later", "LGPL-2.1": "LGPL-2.1-only", "LGPL-3.0": "LGPL-3.0-only",
                     "LGPL-2.1+": "LGPL-2.1-or-later", "LGPL-3.0+": "LGPL-3.0-or-later"}.get(tok, tok))
        elif tok.startswith("LicenseRef-"):
            res.add(tok)
    return res
data = json.load(open(f"{work}/scancode.json"))
n = agree = disagree = ours_only = sc_only = neither = 0
for f in data["files"]:
    if f["type"] != "file":
        continue
    name = f["path"].rsplit("/", 1)[-1]
    if name not in index:
        continue
    debian, ours = index[name]
    sc = ids(f.get("detected_license_expression_spdx"))
    n += 1
    if ours and sc:
        if ours == sc:
            agree += 1
        else:
            disagree += 1
            print(f"DIFFER\t{name}\tdebian={debian}\tgofed={sorted(ours)}\tscancode={sorted(sc)}")
    elif ours:
        ours_only += 1
        print(f"SCANCODE-NONE\t{name}\tdebian={debian}\tgofed={sorted(ours)}")
    elif sc:
        sc_only += 1
        print(f"GOFED-UNKNOWN\t{name}\tdebian={debian}\tscancode={sorted(sc)}")
    else:
        neither += 1
print(f"files {n}: both agree {agree}, differ {disagree}, gofed only {ours_only}, scancode only {sc_only}, "
      f"neither {neither}")
EOF
