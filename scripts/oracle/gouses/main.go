// Command gouses is the reference side of gofed's uses conformance (issue #15):
// it type-checks packages with go/types and prints every use one package makes
// of another package's exported objects, as go/types records them in
// Info.Uses, with the kind of selection from Info.Selections.
//
// Usage:
//
//	gouses [-gopath DIR] [-summary | -errors] DIR...
//
// Every DIR is a package directory below GOROOT/src (the Go that built gouses,
// or $GOROOT) or below GOPATH/src (-gopath, GOPATH mode as Debian builds its
// Go packages); its import path is its path below src. The package's files
// are those go/build's default context selects (GoFiles and CgoFiles, no
// tests); imports are type-checked from source (go/importer "source"), cgo
// faked. Type errors are counted, not fatal: go/types records the uses it can
// resolve either way.
//
// Output: one line per use, tab-separated, grouped per package in input order
// and sorted by file and offset:
//
//	FILE	OFFSET	KIND	PKGPATH	NAME	DECL
//
//   - FILE: the file's path as go/build lists it (DIR/NAME.go); OFFSET: the
//     byte offset of the identifier in that file (//line directives are not
//     applied).
//   - KIND: how the identifier reaches the object:
//     qualified       pkg.Name (the Sel of a selector whose X names an import)
//     dot             Name from a dot-import
//     field, method   the Sel of x.f / x.m on a value (Info.Selections:
//                     FieldVal, MethodVal), promoted through embedding or not
//     methodexpr      T.m (MethodExpr)
//     key             a field name as a key of a struct composite literal
//     other           the Sel of any other selector
//   - PKGPATH, NAME: the object's package and name.
//   - DECL: where the object is declared: FILE:OFFSET with FILE relative to
//     its src root (GOROOT/src or GOPATH/src), "-" when it has no position.
//
// Only objects that are exported, belong to another package than the user,
// and are not package names themselves are printed.
//
// A package go/types reports errors for (an import it could not load, a type
// error) also gets one line
//
//	DIR	-1	type-errors	N	FIRST	-
//
// with N the number of errors and FIRST the first one's message: where an
// import failed, go/types records no use of that import's objects, so the
// package's uses are not a complete reference. With -summary, only the
// number of uses per KIND and the number of packages with type errors are
// printed. With -errors, only the type errors, one per line (the reference of
// gofed impact's check of a standard library change, scripts/oracle-std-impact.sh):
//
//	FILE:LINE:COL	MESSAGE
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type use struct {
	file   string
	offset int
	kind   string
	obj    types.Object
}

func main() {
	gopath := flag.String("gopath", "", "GOPATH of the packages (GOPATH mode)")
	summary := flag.Bool("summary", false, "print counts per kind only")
	errorsOnly := flag.Bool("errors", false, "print the type errors only")
	flag.Parse()
	ctxt := build.Default
	ctxt.GOPATH = *gopath
	build.Default = ctxt // the source importer reads build.Default
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "source", nil)
	roots := []string{filepath.Join(ctxt.GOROOT, "src")}
	if *gopath != "" {
		roots = append(roots, filepath.Join(*gopath, "src"))
	}
	rel := func(path string) string {
		for _, r := range roots {
			if p, err := filepath.Rel(r, path); err == nil && !strings.HasPrefix(p, "..") {
				return p
			}
		}
		return path
	}
	counts := map[string]int{}
	typeErrors := 0
	out := os.Stdout
	for _, dir := range flag.Args() {
		abs, err := filepath.Abs(dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gouses:", err)
			os.Exit(2)
		}
		bp, err := ctxt.ImportDir(abs, 0)
		if err != nil {
			continue // no buildable Go files
		}
		var files []*ast.File
		for _, name := range append(append([]string{}, bp.GoFiles...), bp.CgoFiles...) {
			f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				continue
			}
			files = append(files, f)
		}
		if len(files) == 0 {
			continue
		}
		info := &types.Info{
			Uses:       map[*ast.Ident]types.Object{},
			Selections: map[*ast.SelectorExpr]*types.Selection{},
		}
		var errs []string
		conf := types.Config{Importer: imp.(types.ImporterFrom), FakeImportC: true,
			Error: func(err error) {
				errs = append(errs, err.Error())
				if *errorsOnly {
					msg := strings.NewReplacer("\t", " ", "\n", " ").Replace(err.Error())
					if terr, ok := err.(types.Error); ok {
						p := fset.PositionFor(terr.Pos, false)
						msg = fmt.Sprintf("%s:%d:%d\t%s", p.Filename, p.Line, p.Column,
							strings.NewReplacer("\t", " ", "\n", " ").Replace(terr.Msg))
					}
					fmt.Fprintln(out, msg)
				}
			}}
		pkg, _ := conf.Check(rel(abs), fset, files, info)
		if *errorsOnly {
			continue
		}
		if len(errs) > 0 {
			typeErrors++
			if !*summary {
				first := strings.NewReplacer("\t", " ", "\n", " ").Replace(errs[0])
				fmt.Fprintf(out, "%s\t-1\ttype-errors\t%d\t%s\t-\n", dir, len(errs), first)
			}
		}
		// How each identifier is reached: selectors, keys and qualified names, by the ident.
		kindOf := map[*ast.Ident]string{}
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.SelectorExpr:
					if sel, ok := info.Selections[n]; ok {
						kindOf[n.Sel] = map[types.SelectionKind]string{
							types.FieldVal: "field", types.MethodVal: "method", types.MethodExpr: "methodexpr",
						}[sel.Kind()]
					} else if x, ok := n.X.(*ast.Ident); ok {
						if _, ok := info.Uses[x].(*types.PkgName); ok {
							kindOf[n.Sel] = "qualified"
						}
					}
					if kindOf[n.Sel] == "" {
						kindOf[n.Sel] = "other" // a selector's Sel is never a bare name
					}
				case *ast.CompositeLit:
					for _, e := range n.Elts {
						if kv, ok := e.(*ast.KeyValueExpr); ok {
							if k, ok := kv.Key.(*ast.Ident); ok {
								if v, ok := info.Uses[k].(*types.Var); ok && v.IsField() {
									kindOf[k] = "key"
								}
							}
						}
					}
				}
				return true
			})
		}
		var uses []use
		for id, obj := range info.Uses {
			if obj == nil || obj.Pkg() == nil || obj.Pkg() == pkg || !obj.Exported() {
				continue
			}
			if _, ok := obj.(*types.PkgName); ok {
				continue
			}
			kind := kindOf[id]
			if kind == "" {
				// A bare name that denotes another package's object: a dot import brought it in.
				kind = "dot"
			}
			p := fset.PositionFor(id.Pos(), false)
			uses = append(uses, use{p.Filename, p.Offset, kind, obj})
		}
		sort.Slice(uses, func(i, j int) bool {
			if uses[i].file != uses[j].file {
				return uses[i].file < uses[j].file
			}
			return uses[i].offset < uses[j].offset
		})
		for _, u := range uses {
			counts[u.kind]++
			if *summary {
				continue
			}
			decl := "-"
			if p := fset.PositionFor(u.obj.Pos(), false); p.IsValid() {
				decl = fmt.Sprintf("%s:%d", rel(p.Filename), p.Offset)
			}
			fmt.Fprintf(out, "%s\t%d\t%s\t%s\t%s\t%s\n", u.file, u.offset, u.kind, u.obj.Pkg().Path(), u.obj.Name(), decl)
		}
	}
	if *summary {
		kinds := make([]string, 0, len(counts))
		for k := range counts {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		total := 0
		for _, k := range kinds {
			fmt.Fprintf(out, "%-12s %9d\n", k, counts[k])
			total += counts[k]
		}
		fmt.Fprintf(out, "%-12s %9d\n%-12s %9d\n", "total", total, "type-errors", typeErrors)
	}
}
