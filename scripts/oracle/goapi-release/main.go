// Command goapi-release prints the exported API of Go packages in the line
// format of one Go release's cmd/api (Go 1.21 and later): the emitting code
// is that release's own (see walker_head.go.in), the packages are loaded
// with golang.org/x/tools/go/packages and type-checked by the go/types of
// the Go that built this program, so build it with the release it imitates.
//
// Usage: goapi-release [-goroot G] [-allow-errors] [-v] PATTERN...
//
// The patterns are go list patterns or import paths, loaded together from
// the current directory; the build context is the environment's (GOOS,
// GOARCH, CGO_ENABLED, GO111MODULE, GOPATH). -goroot G runs G/bin/go with
// GOROOT=G. Features of all packages are merged and printed sorted. Exit
// status 3 (and no output) if loading reports an error in a package or its
// dependencies, unless -allow-errors; 2 on usage or load failure.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/tools/go/packages"
)

var (
	goroot      = flag.String("goroot", "", "GOROOT whose bin/go runs go list (default: go on PATH)")
	allowErrors = flag.Bool("allow-errors", false, "print the API even if loading reported errors")
	logExports  = flag.Bool("v", false, `log each package before exporting it (package NAME ("PATH")), as goapi -v does`)
)

const loadMode = packages.NeedName | packages.NeedTypes | packages.NeedImports |
	packages.NeedDeps | packages.NeedSyntax | packages.NeedTypesInfo

func die(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "goapi-release: "+format+"\n", args...)
	os.Exit(2)
}

// errorsOf returns the errors of pkg and all its dependencies, dependencies first.
func errorsOf(pkg *packages.Package) []string {
	var errs []string
	seen := map[*packages.Package]bool{}
	var visit func(p *packages.Package)
	visit = func(p *packages.Package) {
		if seen[p] {
			return
		}
		seen[p] = true
		paths := make([]string, 0, len(p.Imports))
		for path := range p.Imports {
			paths = append(paths, path)
		}
		sort.Strings(paths)
		for _, path := range paths {
			visit(p.Imports[path])
		}
		for _, e := range p.Errors {
			errs = append(errs, p.PkgPath+": "+e.Error())
		}
	}
	visit(pkg)
	return errs
}

func main() {
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: goapi-release [-goroot G] [-allow-errors] PATTERN...")
		os.Exit(2)
	}
	if *goroot != "" {
		if _, err := os.Stat(filepath.Join(*goroot, "bin", "go")); err != nil {
			die("bad -goroot %s: %v", *goroot, err)
		}
		os.Setenv("PATH", filepath.Join(*goroot, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
		os.Setenv("GOROOT", *goroot)
	}
	env := append(os.Environ(), "GOTOOLCHAIN=local", "GOWORK=off", "GOPACKAGESDRIVER=off")
	cfg := &packages.Config{Mode: loadMode, Env: env}
	roots, err := packages.Load(cfg, flag.Args()...)
	if err != nil {
		die("load %v: %v", flag.Args(), err)
	}
	w := NewWalker()
	done := map[string]bool{}
	bad := false
	for _, p := range roots {
		errs := errorsOf(p)
		for _, e := range errs {
			// goapi's words: compare_api.py load attributes errors by them.
			fmt.Fprintf(os.Stderr, "goapi: package error: %s\n", e)
		}
		if p.Types == nil || len(errs) > 0 {
			bad = true
		}
		if (bad && !*allowErrors) || p.Types == nil || done[p.Types.Path()] {
			continue
		}
		done[p.Types.Path()] = true
		if *logExports {
			log.Println(p.Types)
		}
		w.export(&apiPackage{Package: p.Types, Files: p.Syntax})
	}
	if bad && !*allowErrors {
		fmt.Fprintln(os.Stderr, "goapi-release: errors while loading; no API printed (use -allow-errors to print anyway)")
		os.Exit(3)
	}
	bw := bufio.NewWriter(os.Stdout)
	for _, f := range w.Features() {
		fmt.Fprintln(bw, f)
	}
	if err := bw.Flush(); err != nil {
		die("%v", err)
	}
}
