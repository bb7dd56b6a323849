package p

func f() {
	if {}
	if {}
	if {}
	if {}
	if {}
	if {}
	if {}
	if {}
	if {}
	if {}
	if {}
	if {}
}

func g() {}
