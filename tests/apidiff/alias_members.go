package p

// Rule (apidiff.go, typeChanged; go/types' Alias kept in every type): the
// changed type of a struct field, a method, an interface method, a defined
// type's declared type and a struct literal keeps the alias names its
// declaration wrote (a promoted field: where the shallowest embedded type
// declares it), as does an alias of another package (`os.FileInfo`,
// printed by its package path); only the top is Unalias'ed (S.F, E.X).

import "os"

// both
type ID = int
type Names = []string
type Pair[K comparable, V any] struct {
	K K
	V V
}

// old
type S struct {
	F ID
	G []ID
	H map[string]Names
	P *Pair[ID, Names]
}
type T struct{}

func (T) M(a ID) Names                      { return nil }
func (*T) N(a string, b ...ID) (*ID, error) { return nil, nil }

type I interface {
	M(ID) Names
	N(func(ID)) error
}
type Base interface{ B(ID) }
type J interface {
	Base
	C(ID)
}
type E struct{ Inner }
type Inner struct {
	X ID
	Y []ID
}
type Deep struct{ *E }

func (Inner) Q(ID) {}

type V func(ID) ID
type X []ID
type Ch chan ID

var Lit struct {
	F ID
	G []ID
}
var Stat func(os.FileInfo) error

// new
// i S.F: changed from int to string
// i S.G: changed from []ID to []string
// i S.H: changed from map[string]Names to map[ID]Names
// i S.P: changed from *Pair[ID, Names] to *Pair[string, Names]
// i T.M: changed from func(ID) Names to func(string) Names
// i (*T).N: changed from func(string, ...ID) (*ID, error) to func(ID, ...string) (*ID, error)
// i I.M: changed from func(ID) Names to func(string) Names
// i I.N: changed from func(func(ID)) error to func(func(string)) error
// i Base.B: changed from func(ID) to func(string)
// i J.C: changed from func(ID) to func(string)
// i E.X: changed from int to string
// i Inner.X: changed from int to string
// i E.Y: changed from []ID to []string
// i Inner.Y: changed from []ID to []string
// i Deep.X: changed from int to string
// i Deep.Y: changed from []ID to []string
// i Inner.Q: changed from func(ID) to func(string)
// i V: changed from func(ID) ID to func(string) ID
// i X: changed from []ID to []string
// i Ch, element type: changed from int to string
// i Lit: changed from struct{F ID; G []ID} to struct{F string; G []ID}
// i Stat: changed from func(os.FileInfo) error to func(os.FileInfo) string
type S struct {
	F string
	G []string
	H map[ID]Names
	P *Pair[string, Names]
}
type T struct{}

func (T) M(a string) Names                  { return nil }
func (*T) N(a ID, b ...string) (*ID, error) { return nil, nil }

type I interface {
	M(string) Names
	N(func(string)) error
}
type Base interface{ B(string) }
type J interface {
	Base
	C(string)
}
type E struct{ Inner }
type Inner struct {
	X string
	Y []string
}
type Deep struct{ *E }

func (Inner) Q(string) {}

type V func(string) ID
type X []string
type Ch chan string

var Lit struct {
	F string
	G []ID
}
var Stat func(os.FileInfo) string
