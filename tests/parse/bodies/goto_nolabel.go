package p

func f() {
	goto
	fallthrough x
}
