//go:build linux && !cgo

package p
type T[P any] struct{ x [N]P }
var x = map[string]func(int) <-chan T[int]{}
const (A = iota; B)
