#!/usr/bin/env python3
"""Compare `gofed graph ROOT --level projects --format json` with the project graph derived from go list.

Usage:
  compare_graph.py --suite SUITE --golist GOLIST.jsonl --gofed GRAPH.json [--summary FILE] [--limit 50]

GOLIST.jsonl: golist.sh's output (go list -e -json ./..., one package per line). GRAPH.json: gofed's graph.

The reference graph is built here from go list alone: each go list package belongs to the project gofed's node
lists it under (so the grouping is gofed's, and is checked first: every go list package in exactly one
project, no other package listed); an edge joins two projects when a package of one imports (go list's
Imports: resolved, non-test) a package of the other; the cycles are the strongly connected components of more
than one project (Tarjan's algorithm, written here).

Checks:
  package-missing   a go list package that no gofed project lists
  package-extra     a package a gofed project lists that go list does not report
  edge-missing      an edge of the reference that gofed lacks
  edge-extra        an edge gofed has that the reference lacks
  cycles            the sets of cycles differ

Exit status: 0 when everything agrees, 1 otherwise, 2 on bad input.
"""

import argparse
import json
import sys


def strongly_connected(nodes, successors):
    """Tarjan's algorithm, iteratively; returns the components as sets."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []
    counter = 0
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(successors.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, it = work[-1]
            advanced = False
            for succ in it:
                if succ not in index:
                    index[succ] = low[succ] = counter
                    counter += 1
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(successors.get(succ, ())))))
                    advanced = True
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--suite", required=True)
    ap.add_argument("--golist", required=True)
    ap.add_argument("--gofed", required=True)
    ap.add_argument("--summary")
    ap.add_argument("--limit", type=int, default=50)
    args = ap.parse_args()
    try:
        with open(args.golist) as f:
            golist = [json.loads(line) for line in f if line.strip()]
        with open(args.gofed) as f:
            graph = json.load(f)
    except (OSError, ValueError) as err:
        print(f"compare_graph: {err}", file=sys.stderr)
        return 2
    if graph.get("level") != "projects":
        print("compare_graph: the gofed graph must be --level projects", file=sys.stderr)
        return 2

    project_of = {}
    for node in graph["nodes"]:
        for pkg in node.get("packages", []):
            project_of[pkg] = node["name"]
    imports = {p["import_path"]: p.get("imports") or [] for p in golist}
    problems = []
    for pkg in sorted(set(imports) - set(project_of)):
        problems.append(("package-missing", pkg))
    for pkg in sorted(set(project_of) - set(imports)):
        problems.append(("package-extra", pkg))

    reference = set()
    for pkg, imps in imports.items():
        if pkg not in project_of:
            continue
        for imp in imps:
            if imp in imports and imp in project_of and project_of[imp] != project_of[pkg]:
                reference.add((project_of[pkg], project_of[imp]))
    ours = {(e["from"], e["to"]) for e in graph["edges"]}
    for edge in sorted(reference - ours):
        problems.append(("edge-missing", f"{edge[0]} -> {edge[1]}"))
    for edge in sorted(ours - reference):
        problems.append(("edge-extra", f"{edge[0]} -> {edge[1]}"))

    successors = {}
    for a, b in reference:
        successors.setdefault(a, set()).add(b)
    nodes = sorted({n["name"] for n in graph["nodes"]})
    want_cycles = sorted(sorted(c) for c in strongly_connected(nodes, successors) if len(c) > 1)
    got_cycles = sorted(sorted(c) for c in graph["cycles"])
    if want_cycles != got_cycles:
        problems.append(("cycles", f"go list: {want_cycles}; gofed: {got_cycles}"))

    lines = [
        f"project graph conformance, suite {args.suite}: gofed graph --level projects vs go list's Imports",
        "",
        f"  go list packages                {len(imports):8d}",
        f"  projects                        {len(graph['nodes']):8d}",
        f"  edges (go list)                 {len(reference):8d}",
        f"  edges (gofed)                   {len(ours):8d}",
        f"  cycles (go list)                {len(want_cycles):8d}",
        f"  cycles (gofed)                  {len(got_cycles):8d}",
        f"  differences                     {len(problems):8d}",
    ]
    for cycle in got_cycles:
        lines.append(f"  cycle: {' '.join(cycle)}")
    for check, key in problems[: args.limit]:
        lines.append(f"  {check}: {key}")
    text = "\n".join(lines) + "\n"
    if args.summary:
        with open(args.summary, "w") as f:
            f.write(text)
    print(text, end="")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
