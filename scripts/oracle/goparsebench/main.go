// Command goparsebench measures go/parser's single-threaded throughput, the
// reference number for scripts/bench.sh.
//
// Usage:
//
//	goparsebench [-n RUNS] [-comments] [-files-from FILE] [DIR|FILE...]
//
// Every .go file under each DIR (walked without following symbolic links,
// testdata, vendor, _ and . directories included) and every FILE is read into
// memory first. Then, RUNS times (default 5), all of them are parsed once in
// one goroutine with
//
//	parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
//
// (plus parser.ParseComments with -comments), a fresh token.FileSet per run.
// Files go/parser rejects are parsed (and timed) like the others. Prints one
// JSON object:
//
//	{"files":N,"bytes":N,"rejected":N,"runs":N,"seconds":MEDIAN,"mb_per_s":X,"go":"go1.N.M"}
//
// seconds is the median wall time of one run; mb_per_s = bytes/1e6/seconds.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

type file struct {
	path string
	src  []byte
}

func main() {
	runs := flag.Int("n", 5, "number of timed runs")
	comments := flag.Bool("comments", false, "also pass parser.ParseComments")
	filesFrom := flag.String("files-from", "", "read file paths from `FILE`, one per line")
	flag.Parse()

	var paths []string
	if *filesFrom != "" {
		data, err := os.ReadFile(*filesFrom)
		if err != nil {
			fmt.Fprintln(os.Stderr, "goparsebench:", err)
			os.Exit(2)
		}
		for _, l := range strings.Split(string(data), "\n") {
			if l != "" {
				paths = append(paths, l)
			}
		}
	}
	for _, arg := range flag.Args() {
		fi, err := os.Stat(arg)
		if err != nil {
			fmt.Fprintln(os.Stderr, "goparsebench:", err)
			os.Exit(2)
		}
		if !fi.IsDir() {
			paths = append(paths, arg)
			continue
		}
		// Resolve a symlinked root (e.g. /usr/lib/go-1.19/src), then walk
		// without following links below it.
		root, err := filepath.EvalSymlinks(arg)
		if err != nil {
			root = arg
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && strings.HasSuffix(p, ".go") {
				paths = append(paths, p)
			}
			return nil
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "goparsebench:", err)
			os.Exit(2)
		}
	}
	if len(paths) == 0 || *runs < 1 {
		fmt.Fprintln(os.Stderr, "usage: goparsebench [-n RUNS] [-comments] [-files-from FILE] [DIR|FILE...]")
		os.Exit(2)
	}

	files := make([]file, 0, len(paths))
	var total int64
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "goparsebench:", err)
			os.Exit(2)
		}
		files = append(files, file{p, src})
		total += int64(len(src))
	}

	mode := parser.SkipObjectResolution
	if *comments {
		mode |= parser.ParseComments
	}
	rejected := 0
	times := make([]float64, 0, *runs)
	for r := 0; r < *runs; r++ {
		runtime.GC()
		fset := token.NewFileSet()
		rej := 0
		start := time.Now()
		for _, f := range files {
			if _, err := parser.ParseFile(fset, f.path, f.src, mode); err != nil {
				rej++
			}
		}
		times = append(times, time.Since(start).Seconds())
		rejected = rej
	}
	sort.Float64s(times)
	med := times[len(times)/2]
	if len(times)%2 == 0 {
		med = (times[len(times)/2-1] + times[len(times)/2]) / 2
	}
	out := map[string]interface{}{
		"files":    len(files),
		"bytes":    total,
		"rejected": rejected,
		"runs":     *runs,
		"seconds":  med,
		"mb_per_s": float64(total) / 1e6 / med,
		"go":       runtime.Version(),
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "goparsebench:", err)
		os.Exit(1)
	}
}
