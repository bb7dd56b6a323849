package p

func f() {
	switch x, y := a.(type) {
	}
}
