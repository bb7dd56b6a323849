package p

// Rule (correspondence.go, *types.Struct: `old.Tag(i) != new.Tag(i)`): a
// struct type's field tags are part of it. A changed, added or removed tag
// changes a struct literal type, printed with its tags quoted as
// strconv.Quote does (go/types' TypeString); a defined struct type's field
// tags are not compared (its fields are, one by one).

// old
var V struct {
	F int `json:"a"`
}
var W []struct{ G int }
var X map[string]struct {
	H string `x:"\xff"`
}

type S struct {
	F int `json:"a"`
}

// new
// i V: changed from struct{F int "json:\"a\""} to struct{F int "json:\"b\""}
// i W: changed from []struct{G int} to []struct{G int "x:\"y\""}
// i X: changed from map[string]struct{H string "x:\"\\xff\""} to map[string]struct{H string}
var V struct {
	F int `json:"b"`
}
var W []struct {
	G int `x:"y"`
}
var X map[string]struct {
	H string
}

type S struct {
	F int `json:"b"`
}
