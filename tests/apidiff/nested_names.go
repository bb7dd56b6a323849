package p

// Rule (apidiff.go, typeChanged: removeNamesFromSignature strips the names
// of the changed type's own signature only): a signature inside it, a
// callback's or an interface literal's method's, prints its parameter and
// result names as go/types does (`a, b int` as `a int, b int`, a named
// result in parentheses); interface literal methods in go/types' order,
// embedded elements after them.

// both
type ID = int

// old
var Callback func(cb func(n int, s ...string) (ok bool)) error

func Walk(root string, fn func(path, name string, depth ID) error) {}

var Visitor func(v interface {
	Visit(node string) (w interface{ Leave() })
	Enter(x, y int)
	error
})

type Handler func(next func(_ int) int) int

// new
// i Callback: changed from func(func(n int, s ...string) (ok bool)) error to func(func(n int, s ...string) (ok bool)) string
// i Walk: changed from func(string, func(path string, name string, depth ID) error) to func(string, func(path string, name string, depth ID) error) int
// i Visitor: changed from func(interface{Enter(x int, y int); Visit(node string) (w interface{Leave()}); error}) to func(interface{Enter(x int, y int); Visit(node string) (w interface{Leave()}); error}) bool
// i Handler: changed from func(func(_ int) int) int to func(func(_ int) int) string
var Callback func(cb func(n int, s ...string) (ok bool)) string

func Walk(root string, fn func(path, name string, depth ID) error) int { return 0 }

var Visitor func(v interface {
	Visit(node string) (w interface{ Leave() })
	Enter(x, y int)
	error
}) bool

type Handler func(next func(_ int) int) string
