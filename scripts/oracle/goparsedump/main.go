// Command goparsedump is the reference side of scripts/oracle-parse.sh: it
// parses Go files with the go/parser of the Go toolchain that built it and
// prints, per file, whether the file is accepted and, for accepted files, its
// package clause, imports and top-level declared names.
//
// Usage:
//
//	goparsedump [-files-from FILE] [PATH...]
//	goparsedump -version
//
// FILE holds one path per line (empty lines ignored). Paths are printed as
// given. Each file is parsed with
//
//	parser.ParseFile(fset, path, src, parser.ParseComments|parser.SkipObjectResolution)
//
// Output: tab-separated lines, grouped per file in input order:
//
//	PATH	ok
//	PATH	error	OFFSET	LINE:COL	MESSAGE
//	PATH	package	NAME
//	PATH	import	NAME	IMPORTPATH
//	PATH	decl	KIND	NAME
//	PATH	bodyhash	LBRACE	NODES	HASH
//	PATH	node	LBRACE	KIND	OFFSET      (with -nodes)
//
// The fields:
//
//   - error: the first error of the scanner.ErrorList go/parser returns
//     (sorted by position, as ParseFile returns it); OFFSET is its byte
//     offset, LINE:COL its 1-based line and column (column in bytes).
//     In MESSAGE, backslash, tab, newline and carriage return are written
//     as \\, \t, \n, \r. A file that cannot be read gets OFFSET -1, 0:0.
//   - package, import and decl lines are printed only for accepted files.
//   - import: NAME is empty when the spec has no name; "." and "_" as
//     written; IMPORTPATH is the unquoted path (raw text if unquoting fails).
//     One line per import spec, in source order.
//   - decl: every top-level declared name in source order; KIND is const,
//     var, type, func or method. Every name of `var a, b = ...` gets its own
//     line; blank (_) names are included; import declarations are not decls.
//     For a method, NAME is RECV.NAME where RECV is the base type name of the
//     first receiver field: `*`, parentheses and type arguments/parameters
//     are stripped (`func (r *T[K]) M()` gives T.M). RECV is empty when the
//     receiver list has no fields (`func () M()`) or its type is not of that
//     shape (e.g. `func (x pkg.T) M()`, `func ([]int) M()`).
//
//   - bodyhash: one line per function declaration with a body, in source
//     order, printed for accepted files: the body's nodes in ast.Inspect order
//     (the BlockStmt first; comments left out), NODES their number, HASH the
//     64-bit FNV-1a hash (16 hex digits) of "KIND:OFFSET;" for each, KIND the
//     go/ast type name (IfStmt, Ident, ...) and OFFSET the byte offset of
//     Pos() (-1 when not valid). LBRACE is the body's '{' offset. With -nodes,
//     each of those nodes is also printed as a node line (for debugging one
//     file).
//
// Only the standard library is used, and only APIs present since Go 1.18,
// so any installed Go can build it.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"hash/fnv"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

var printNodes = flag.Bool("nodes", false, "also print every body node")

// bodyHash prints the bodyhash line (and with -nodes the node lines) of a body.
func bodyHash(b *strings.Builder, fset *token.FileSet, path string, body *ast.BlockStmt) {
	h := fnv.New64a()
	n := 0
	lbrace := fset.Position(body.Lbrace).Offset
	ast.Inspect(body, func(node ast.Node) bool {
		if node == nil {
			return false
		}
		switch node.(type) {
		case *ast.CommentGroup, *ast.Comment:
			return false
		}
		kind := reflect.TypeOf(node).Elem().Name()
		off := -1
		if node.Pos().IsValid() {
			off = fset.Position(node.Pos()).Offset
		}
		fmt.Fprintf(h, "%s:%d;", kind, off)
		n++
		if *printNodes {
			fmt.Fprintf(b, "%s\tnode\t%d\t%s\t%d\n", path, lbrace, kind, off)
		}
		return true
	})
	fmt.Fprintf(b, "%s\tbodyhash\t%d\t%d\t%016x\n", path, lbrace, n, h.Sum64())
}

var escaper = strings.NewReplacer("\\", "\\\\", "\t", "\\t", "\n", "\\n", "\r", "\\r")

func recvBase(t ast.Expr) string {
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.ParenExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

func dump(path string) string {
	var b strings.Builder
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(&b, "%s\terror\t-1\t0:0\t%s\n", path, escaper.Replace(err.Error()))
		return b.String()
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		if list, ok := err.(scanner.ErrorList); ok && len(list) > 0 {
			e := list[0]
			fmt.Fprintf(&b, "%s\terror\t%d\t%d:%d\t%s\n", path, e.Pos.Offset, e.Pos.Line, e.Pos.Column, escaper.Replace(e.Msg))
		} else {
			fmt.Fprintf(&b, "%s\terror\t-1\t0:0\t%s\n", path, escaper.Replace(err.Error()))
		}
		return b.String()
	}
	fmt.Fprintf(&b, "%s\tok\n", path)
	fmt.Fprintf(&b, "%s\tpackage\t%s\n", path, f.Name.Name)
	for _, imp := range f.Imports {
		name := ""
		if imp.Name != nil {
			name = imp.Name.Name
		}
		ipath, uerr := strconv.Unquote(imp.Path.Value)
		if uerr != nil {
			ipath = imp.Path.Value
		}
		fmt.Fprintf(&b, "%s\timport\t%s\t%s\n", path, name, escaper.Replace(ipath))
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			var kind string
			switch d.Tok {
			case token.CONST:
				kind = "const"
			case token.VAR:
				kind = "var"
			case token.TYPE:
				kind = "type"
			default:
				continue
			}
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.ValueSpec:
					for _, n := range s.Names {
						fmt.Fprintf(&b, "%s\tdecl\t%s\t%s\n", path, kind, n.Name)
					}
				case *ast.TypeSpec:
					fmt.Fprintf(&b, "%s\tdecl\t%s\t%s\n", path, kind, s.Name.Name)
				}
			}
		case *ast.FuncDecl:
			if d.Recv == nil {
				fmt.Fprintf(&b, "%s\tdecl\tfunc\t%s\n", path, d.Name.Name)
				continue
			}
			recv := ""
			if len(d.Recv.List) > 0 {
				recv = recvBase(d.Recv.List[0].Type)
			}
			fmt.Fprintf(&b, "%s\tdecl\tmethod\t%s.%s\n", path, recv, d.Name.Name)
		}
	}
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Body != nil {
			bodyHash(&b, fset, path, fn.Body)
		}
	}
	return b.String()
}

func main() {
	filesFrom := flag.String("files-from", "", "read file paths from `FILE`, one per line")
	version := flag.Bool("version", false, "print the Go version that built this program and exit")
	flag.Parse()
	if *version {
		fmt.Println(runtime.Version())
		return
	}
	paths := flag.Args()
	if *filesFrom != "" {
		data, err := os.ReadFile(*filesFrom)
		if err != nil {
			fmt.Fprintln(os.Stderr, "goparsedump:", err)
			os.Exit(2)
		}
		for _, l := range strings.Split(string(data), "\n") {
			l = strings.TrimSuffix(l, "\r")
			if l != "" {
				paths = append(paths, l)
			}
		}
	}
	if len(paths) == 0 {
		fmt.Fprintln(os.Stderr, "usage: goparsedump [-files-from FILE] [PATH...]")
		os.Exit(2)
	}

	// Parse in parallel, print in input order.
	out := make([]string, len(paths))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = dump(paths[i])
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()

	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	for _, s := range out {
		w.WriteString(s)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "goparsedump:", err)
		os.Exit(1)
	}
}
