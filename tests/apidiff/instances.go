package p

// Rule (correspondence.go, establishCorrespondence): an instantiated generic
// type corresponds to another when their generic types correspond and so do
// their type arguments; an alias of an instance is compared as the instance
// (types.Unalias), and is not matched by name in the first pass.

// both
type Box[T any] struct{ V T }
type IntBox = Box[int]

// old
var Default Box[int]
var Named IntBox

// new
// i Default: changed from Box[int] to Box[string]
// i Named: changed from Box[int] to Box[int64]
var Default Box[string]
var Named Box[int64]

// both
var Same Box[int]
