package p

func f(x int, c chan int, s []T) (r int) {
	var a, b = 1, 2
	const k = iota
	type L[P any] struct{ f P }
	if y := x; y > 0 {
		r = T{1}.a
	} else if x < 0 {
		for i := range s {
			_ = i
		}
	} else {
		switch v := z.(type) {
		case int, string:
			go g(v)
		default:
		}
	}
L:
	for {
		select {
		case c <- 1:
		case v, ok := <-c:
			_, _ = v, ok
			break L
		case <-c:
			continue L
		default:
			goto M
		}
	}
M:
	a++
	b--
	a, b = b, a
	a += b &^ 3
	c <- <-c
	func() { defer h() }()
	for i := 0; i < 10; i++ {
	}
	for ;; {
		break
	}
	for range c {
	}
	for x = range 10 {
	}
	switch {
	case a > b:
		fallthrough
	default:
	}
	switch x := f(); x {
	}
	switch t := 0; t := y.(type) {
	}
	{
		;
	}
	if x == (T{}) {
	}
	for _, v := range []T{{1}, {2}} {
		_ = v
	}
	if f := func() bool { return T{} == T{} }; f() {
	}
	_ = map[string]int{"a": 1}[`a`]
	_ = s[1:2:3]
	_ = x.(interface{ M() })
	var _ = struct{ a [4]int }{}
	return a + b
}

func (t *T[K]) g() (int, error) { return 0, nil }
