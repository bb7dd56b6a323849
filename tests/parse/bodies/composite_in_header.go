package p

func f() {
	for x := range T{1, 2} {
	}
}
