package p

// Rule (correspondence.go, typeParamListsCorrespond): two generic types
// correspond when their type parameter lists have the same length and the
// constraints correspond (correspondence, not identity: a constraint naming
// a type of the package compares through that type's correspondence).

// both
type Number interface{ ~int | ~float64 }

type Pair[K comparable, V Number] struct {
	Key K
	Val V
}

// old
type List[T comparable] []T

// new
// i List: changed from List[T comparable] to List[T any]
type List[T any] []T
