package p

// Rule (correspondence.go, corr and establishCorrespondence with
// types.Unalias): an alias is compared as the type it stands for. An alias of
// a basic type that becomes a defined type is a change of type; a defined
// type that becomes an alias of its own underlying basic type is not (the
// two types merge); an alias that switches targets blames the target.

// old
type Size = int

// new
// i Size: changed from int to Size
type Size int

// old
type Count int

// new
type Count = int

// both
type flag bool
type text string

// old
type Mode = flag

// new
// i flag: changed from bool to string
type Mode = text
