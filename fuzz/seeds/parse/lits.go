package p

var s = `raw
string` + "\x00\u00e9" + string('\'') + 0x1p-2i
