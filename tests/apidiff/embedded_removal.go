package p

// Rule (compatibility.go, checkMethodSet): a method removed from an embedded
// type leaves both the value and the pointer method set of the embedding
// type; it is reported once, from the pointer method set.

// both
type Base struct{}

func (Base) Keep() {}

type Outer struct{ Base }

// old
// i Base.Name: removed
// i Base.Name, method set of *Outer: removed
func (Base) Name() string { return "" }
