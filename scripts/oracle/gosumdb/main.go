// gosumdb serves a Go checksum database for the modules of a file-system module proxy, with
// golang.org/x/mod/sumdb's own test server (the vendored copy in Go's cmd/vendor), so that the go command and
// gofed can be checked against the real protocol offline.
//
// Usage: gosumdb PROXY_DIR
//
// It hashes every PROXY_DIR/<escaped module>/@v/<version>.{zip,mod} at start (dirhash.HashZip and
// dirhash.Hash1 of "go.mod", as go.sum records them), listens on 127.0.0.1 (a free port), prints one line,
// "VERIFIER_KEY http://127.0.0.1:PORT" (a GOSUMDB value), and serves /lookup, /latest and /tile until killed.
// A module changed after the start is served with its hashes from the start: a tampered download.
package main

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/sumdb/note"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gosumdb PROXY_DIR")
		os.Exit(2)
	}
	root := os.Args[1]
	sums := map[string]string{} // "path version" -> go.sum lines
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		dir, file := filepath.Split(p)
		if filepath.Base(dir) != "@v" || !(strings.HasSuffix(file, ".zip") || strings.HasSuffix(file, ".mod")) {
			return nil
		}
		escMod, _ := filepath.Rel(root, filepath.Dir(filepath.Clean(dir)))
		mod, err := module.UnescapePath(filepath.ToSlash(escMod))
		if err != nil {
			return err
		}
		vers, err := module.UnescapeVersion(strings.TrimSuffix(strings.TrimSuffix(file, ".zip"), ".mod"))
		if err != nil {
			return err
		}
		key := mod + " " + vers
		if strings.HasSuffix(file, ".zip") {
			h, err := dirhash.HashZip(p, dirhash.Hash1)
			if err != nil {
				return err
			}
			sums[key] = fmt.Sprintf("%s %s %s\n", mod, vers, h) + sums[key]
		} else {
			h, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) { return os.Open(p) })
			if err != nil {
				return err
			}
			sums[key] += fmt.Sprintf("%s %s/go.mod %s\n", mod, vers, h)
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "gosumdb:", err)
		os.Exit(1)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, "sumdb.test")
	if err != nil {
		fmt.Fprintln(os.Stderr, "gosumdb:", err)
		os.Exit(1)
	}
	server := sumdb.NewTestServer(skey, func(path, vers string) ([]byte, error) {
		if s, ok := sums[path+" "+vers]; ok {
			return []byte(s), nil
		}
		return nil, os.ErrNotExist
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "gosumdb:", err)
		os.Exit(1)
	}
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(out, "%s http://%s\n", vkey, ln.Addr())
	out.Flush()
	http.Serve(ln, sumdb.NewServer(server))
}
