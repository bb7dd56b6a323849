package p

// Rule (apidiff.go, typeChanged with go/types' Alias): a changed type is
// printed as go/types prints it, Unalias'ed at the top only; an alias named
// inside a signature, slice, map, pointer or channel keeps its name. A
// variable whose whole type is an alias prints the type the alias stands for.

// both
type ID = int
type Names = []string
type Handler = func(ID) error

// old
var Lookup func(ID, ...Names) (*ID, error)
var Index map[ID]chan ID
var Current Handler

func Parse(s string, base ID) ID { return 0 }

// new
// i Lookup: changed from func(ID, ...Names) (*ID, error) to func(string, ...Names) (*ID, error)
// i Index: changed from map[ID]chan ID to map[string]chan ID
// i Current: changed from func(ID) error to func(string) error
// i Parse: changed from func(string, ID) ID to func(string, int) (ID, error)
var Lookup func(string, ...Names) (*ID, error)
var Index map[string]chan ID
var Current func(string) error

func Parse(s string, base int) (ID, error) { return 0, nil }
