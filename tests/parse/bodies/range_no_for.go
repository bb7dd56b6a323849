package p

func f() {
	x := range y
}
