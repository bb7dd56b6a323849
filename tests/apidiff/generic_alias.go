package p

// Rule (go/types since Go 1.24: generic aliases, `type A[P any] = T`): an
// instance A[X] is T with P replaced by X. A changed generic alias prints
// its aliased type with the parameters' names; a var of an instance prints
// the instance Unalias'ed at the top, the aliases inside it kept, and the
// instance inside a signature prints as the alias's own name with its
// arguments.

// both
type ID = int
type Pair[K comparable, V any] struct {
	K K
	V V
}

// old
type GA[T comparable] = Pair[T, ID]
type Two[A comparable, B any] = map[A][]B

var GV GA[string]
var Fn func(GA[string]) error
var M Two[ID, string]

// new
// i GA: changed from Pair[T, ID] to Pair[T, string]
// i GV: changed from Pair[string, ID] to Pair[string, string]
// i Fn: changed from func(GA[string]) error to func(GA[string]) string
// i Two: changed from map[A][]B to map[A]B
// i M: changed from map[ID][]string to map[ID]string
type GA[T comparable] = Pair[T, string]
type Two[A comparable, B any] = map[A]B

var GV GA[string]
var Fn func(GA[string]) string
var M Two[ID, string]
