package p

var v = func() {
	if {
	}
}
