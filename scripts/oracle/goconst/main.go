// Command goconst is the reference side of gofed's constant differential test
// (crates/gofed-types/src/constant/tests.rs, run with GOFED_ORACLE_TESTS=1). It
// reads lines of a tiny prefix expression language from stdin, evaluates them
// with go/constant, and prints one result line per input line.
//
// Expressions (tokens separated by single spaces; HEX is the hex encoding of
// arbitrary bytes, "-" for the empty string, or "=TEXT" for TEXT without spaces):
//
//	lit KIND HEX          constant.MakeFromLiteral (KIND: INT FLOAT IMAG CHAR STRING)
//	i64 N | u64 N         constant.MakeInt64 / MakeUint64
//	f64 BITS              constant.MakeFloat64(math.Float64frombits(BITS)), BITS in hex
//	str HEX | bool B | unknown
//	un OP PREC X          constant.UnaryOp (OP: ADD SUB XOR NOT)
//	bin OP X Y            constant.BinaryOp (OP: ADD SUB MUL QUO QUOINT REM AND OR XOR ANDNOT LAND LOR)
//	shift OP S X          constant.Shift (OP: SHL SHR)
//	toint X | tofloat X | tocomplex X | real X | imag X | mkimag X
//	conv TARGET WORDSIZE X   go/types' representableConst with rounding (TARGET: int8 float32 …)
//
// Commands:
//
//	show X        KIND<TAB>String()<TAB>ExactString()
//	cmp OP X Y    true or false (OP: EQL NEQ LSS LEQ GTR GEQ)
//	acc X         Int64Val, Uint64Val, Float64Val, Float32Val (bits and exactness), Sign, BitLen
//
// Division by zero (QUO, QUOINT, REM with Sign(y) == 0), representability
// failures and go/constant panics print "error" plus a short reason, as gofed
// reports them as errors. Lines that do not parse print "bad".
package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"go/constant"
	"go/token"
	"math"
	"os"
	"strconv"
	"strings"
)

type errResult string

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		fmt.Fprintln(out, run(in.Text()))
	}
}

func run(line string) (res string) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(errResult); ok {
				res = "error " + string(e)
				return
			}
			res = "error panic"
		}
	}()
	toks := strings.Split(line, " ")
	p := &parser{toks: toks}
	switch p.next() {
	case "show119":
		return p.expr().String()
	case "show":
		x := p.expr()
		return fmt.Sprintf("%s\t%s\t%s", x.Kind(), x.String(), x.ExactString())
	case "cmp":
		op := compareOps[p.next()]
		x := p.expr()
		y := p.expr()
		return strconv.FormatBool(constant.Compare(x, op, y))
	case "acc":
		x := p.expr()
		var parts []string
		if k := x.Kind(); k == constant.Int || k == constant.Unknown {
			i, iok := constant.Int64Val(x)
			u, uok := constant.Uint64Val(x)
			parts = append(parts, fmt.Sprintf("i64=%d/%v u64=%d/%v bitlen=%d", i, iok, u, uok, constant.BitLen(x)))
		}
		if k := x.Kind(); k == constant.Int || k == constant.Float || k == constant.Unknown {
			f, fok := constant.Float64Val(x)
			g, gok := constant.Float32Val(x)
			parts = append(parts, fmt.Sprintf("f64=%x/%v f32=%x/%v", math.Float64bits(f), fok, math.Float32bits(g), gok))
		}
		if x.Kind() != constant.Bool && x.Kind() != constant.String {
			parts = append(parts, fmt.Sprintf("sign=%d", constant.Sign(x)))
		}
		return strings.Join(parts, " ")
	}
	return "bad"
}

type parser struct {
	toks []string
	i    int
}

func (p *parser) next() string {
	if p.i >= len(p.toks) {
		panic(errResult("bad"))
	}
	t := p.toks[p.i]
	p.i++
	return t
}

func (p *parser) bytes() string {
	t := p.next()
	if t == "-" {
		return ""
	}
	if strings.HasPrefix(t, "=") {
		return t[1:]
	}
	b, err := hex.DecodeString(t)
	if err != nil {
		panic(errResult("bad"))
	}
	return string(b)
}

var litKinds = map[string]token.Token{"INT": token.INT, "FLOAT": token.FLOAT, "IMAG": token.IMAG, "CHAR": token.CHAR, "STRING": token.STRING}
var unaryOps = map[string]token.Token{"ADD": token.ADD, "SUB": token.SUB, "XOR": token.XOR, "NOT": token.NOT}
var binaryOps = map[string]token.Token{
	"ADD": token.ADD, "SUB": token.SUB, "MUL": token.MUL, "QUO": token.QUO, "QUOINT": token.QUO_ASSIGN,
	"REM": token.REM, "AND": token.AND, "OR": token.OR, "XOR": token.XOR, "ANDNOT": token.AND_NOT,
	"LAND": token.LAND, "LOR": token.LOR,
}
var compareOps = map[string]token.Token{"EQL": token.EQL, "NEQ": token.NEQ, "LSS": token.LSS, "LEQ": token.LEQ, "GTR": token.GTR, "GEQ": token.GEQ}

func (p *parser) expr() constant.Value {
	switch p.next() {
	case "lit":
		k := litKinds[p.next()]
		return constant.MakeFromLiteral(p.bytes(), k, 0)
	case "i64":
		n, _ := strconv.ParseInt(p.next(), 10, 64)
		return constant.MakeInt64(n)
	case "u64":
		n, _ := strconv.ParseUint(p.next(), 10, 64)
		return constant.MakeUint64(n)
	case "f64":
		n, _ := strconv.ParseUint(p.next(), 16, 64)
		return constant.MakeFloat64(math.Float64frombits(n))
	case "str":
		return constant.MakeString(p.bytes())
	case "bool":
		return constant.MakeBool(p.next() == "true")
	case "unknown":
		return constant.MakeUnknown()
	case "un":
		op := unaryOps[p.next()]
		prec, _ := strconv.ParseUint(p.next(), 10, 32)
		return constant.UnaryOp(op, p.expr(), uint(prec))
	case "bin":
		op := binaryOps[p.next()]
		x := p.expr()
		y := p.expr()
		if op == token.QUO || op == token.QUO_ASSIGN || op == token.REM {
			if x.Kind() != constant.Unknown && y.Kind() != constant.Unknown && constant.Sign(y) == 0 {
				panic(errResult("div0"))
			}
		}
		return constant.BinaryOp(x, op, y)
	case "shift":
		op := token.SHL
		if p.next() == "SHR" {
			op = token.SHR
		}
		s, _ := strconv.ParseUint(p.next(), 10, 32)
		return constant.Shift(p.expr(), op, uint(s))
	case "toint":
		return constant.ToInt(p.expr())
	case "tofloat":
		return constant.ToFloat(p.expr())
	case "tocomplex":
		return constant.ToComplex(p.expr())
	case "real":
		return constant.Real(p.expr())
	case "imag":
		return constant.Imag(p.expr())
	case "mkimag":
		return constant.MakeImag(p.expr())
	case "conv":
		target := p.next()
		ws, _ := strconv.ParseInt(p.next(), 10, 64)
		x := p.expr()
		v, err := represent(x, target, ws)
		if err != "" {
			panic(errResult(err))
		}
		return v
	}
	panic(errResult("bad"))
}

// represent mirrors go/types' representableConst (const.go, Go 1.27) with
// rounding, and Checker.representation's choice of error, judged by x's kind.
func represent(x constant.Value, target string, wordSize int64) (constant.Value, string) {
	if x.Kind() == constant.Unknown {
		return x, ""
	}
	v := x
	if representable(x, target, wordSize, &v) {
		return v, ""
	}
	numeric := func(k constant.Kind) bool {
		return k == constant.Int || k == constant.Float || k == constant.Complex
	}
	targetNumeric := target != "bool" && target != "string"
	if numeric(x.Kind()) && targetNumeric {
		if x.Kind() != constant.Int && isInteger(target) {
			return nil, "truncated"
		}
		return nil, "overflows"
	}
	return nil, "invalid"
}

func isInteger(t string) bool {
	switch t {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "untypedint":
		return true
	}
	return false
}

func representable(x constant.Value, target string, wordSize int64, rounded *constant.Value) bool {
	switch {
	case isInteger(target):
		x := constant.ToInt(x)
		if x.Kind() != constant.Int {
			return false
		}
		*rounded = x
		if x, ok := constant.Int64Val(x); ok {
			switch target {
			case "int":
				s := uint(wordSize) * 8
				return int64(-1)<<(s-1) <= x && x <= int64(1)<<(s-1)-1
			case "int8":
				return math.MinInt8 <= x && x <= math.MaxInt8
			case "int16":
				return math.MinInt16 <= x && x <= math.MaxInt16
			case "int32":
				return math.MinInt32 <= x && x <= math.MaxInt32
			case "int64", "untypedint":
				return true
			case "uint", "uintptr":
				if s := uint(wordSize) * 8; s < 64 {
					return 0 <= x && x <= int64(1)<<s-1
				}
				return 0 <= x
			case "uint8":
				return 0 <= x && x <= math.MaxUint8
			case "uint16":
				return 0 <= x && x <= math.MaxUint16
			case "uint32":
				return 0 <= x && x <= math.MaxUint32
			case "uint64":
				return 0 <= x
			}
		}
		switch n := constant.BitLen(x); target {
		case "uint", "uintptr":
			s := uint(wordSize) * 8
			return constant.Sign(x) >= 0 && n <= int(s)
		case "uint64":
			return constant.Sign(x) >= 0 && n <= 64
		case "untypedint":
			return true
		}
	case target == "float32" || target == "float64" || target == "untypedfloat":
		x := constant.ToFloat(x)
		if x.Kind() != constant.Float {
			return false
		}
		switch target {
		case "float32":
			if r := roundFloat32(x); r != nil {
				*rounded = r
				return true
			}
		case "float64":
			if r := roundFloat64(x); r != nil {
				*rounded = r
				return true
			}
		default:
			return true
		}
	case target == "complex64" || target == "complex128" || target == "untypedcomplex":
		x := constant.ToComplex(x)
		if x.Kind() != constant.Complex {
			return false
		}
		round := roundFloat64
		switch target {
		case "complex64":
			round = roundFloat32
		case "untypedcomplex":
			return true
		}
		re := round(constant.Real(x))
		im := round(constant.Imag(x))
		if re != nil && im != nil {
			*rounded = constant.BinaryOp(re, token.ADD, constant.MakeImag(im))
			return true
		}
	case target == "string":
		return x.Kind() == constant.String
	case target == "bool":
		return x.Kind() == constant.Bool
	}
	return false
}

func roundFloat32(x constant.Value) constant.Value {
	f32, _ := constant.Float32Val(x)
	f := float64(f32)
	if !math.IsInf(f, 0) {
		return constant.MakeFloat64(f)
	}
	return nil
}

func roundFloat64(x constant.Value) constant.Value {
	f, _ := constant.Float64Val(x)
	if !math.IsInf(f, 0) {
		return constant.MakeFloat64(f)
	}
	return nil
}
