package p

func f() {
	defer x
}
