package p

// Rule (compatibility.go, receiverNamedType and objectString): a method
// declared on an alias receiver keeps the alias as its receiver type, so the
// message names the method by the alias; the method still belongs to the
// method set of the aliased defined type.

// both
type impl struct{ n int }
type Impl = impl

func (Impl) Keep() {}

// old
// i Impl.Len: removed
// i (*Impl).Reset: removed
func (Impl) Len() int { return 0 }
func (*Impl) Reset()  {}

// new
// c (*Impl).Grow: added
func (*Impl) Grow(int) {}
