//! Go's `fmt` as templates use it: `%v` printing of values (`fmt.Fprint`), `print`,
//! `println`, `printf` with the common verbs and flags, and strconv's quoting.

use serde_json::Value as Json;

use crate::template::exec::Val;
use crate::template::Ty;

/// strconv.Quote.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped(&mut out, c, '"');
    }
    out.push('"');
    out
}

fn push_escaped(out: &mut String, c: char, quote: char) {
    match c {
        c if c == quote || c == '\\' => {
            out.push('\\');
            out.push(c);
        }
        c if is_go_print(c) => out.push(c),
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// unicode.IsPrint, approximated without Unicode category tables: ASCII space and every
/// character that is neither a control, another space nor an invisible format character.
fn is_go_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

/// `%#U`: `U+0021 '!'`.
pub(crate) fn go_sharp_u(c: char) -> String {
    if is_go_print(c) {
        format!("U+{:04X} '{c}'", c as u32)
    } else {
        format!("U+{:04X}", c as u32)
    }
}

/// strconv.Unquote for `"..."` and `` `...` `` literals.
pub(crate) fn go_unquote(quoted: &str) -> Result<String, String> {
    if let Some(raw) = quoted
        .strip_prefix('`')
        .and_then(|rest| rest.strip_suffix('`'))
    {
        return Ok(raw.replace('\r', ""));
    }
    let body = quoted
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .ok_or_else(|| "invalid syntax".to_owned())?;
    let mut out = String::new();
    let mut rest = body;
    while !rest.is_empty() {
        let (c, tail) = unquote_one(rest, '"')?;
        out.push(c);
        rest = tail;
    }
    Ok(out)
}

/// The value of a character constant (`'a'`, `'\n'`, `'\u00e9'`).
pub(crate) fn go_unquote_char(quoted: &str) -> Result<char, String> {
    let body = quoted
        .strip_prefix('\'')
        .ok_or_else(|| "invalid syntax".to_owned())?;
    let (c, tail) = unquote_one(body, '\'')?;
    if tail != "'" {
        return Err(format!("malformed character constant: {quoted}"));
    }
    Ok(c)
}

/// strconv.UnquoteChar: one character or escape of `s`, and the rest.
fn unquote_one(s: &str, quote: char) -> Result<(char, &str), String> {
    let invalid = || "invalid syntax".to_owned();
    let mut chars = s.chars();
    let c = chars.next().ok_or_else(invalid)?;
    if c == quote && quote == '\'' {
        return Err(invalid());
    }
    if c != '\\' {
        return Ok((c, chars.as_str()));
    }
    let e = chars.next().ok_or_else(invalid)?;
    let rest = chars.as_str();
    let simple = match e {
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\u{b}'),
        '\\' => Some('\\'),
        '\'' | '"' if e == quote => Some(e),
        _ => None,
    };
    if let Some(c) = simple {
        return Ok((c, rest));
    }
    let hex = |n: usize| -> Result<(u32, &str), String> {
        let digits = rest.get(..n).ok_or_else(invalid)?;
        let v = u32::from_str_radix(digits, 16).map_err(|_| invalid())?;
        Ok((v, &rest[n..]))
    };
    let (v, tail) = match e {
        'x' => hex(2)?,
        'u' => hex(4)?,
        'U' => hex(8)?,
        '0'..='7' => {
            let digits = s.get(1..4).ok_or_else(invalid)?;
            let v = u32::from_str_radix(digits, 8).map_err(|_| invalid())?;
            if v > 255 {
                return Err(invalid());
            }
            (v, &s[4..])
        }
        _ => return Err(invalid()),
    };
    let c = char::from_u32(v).ok_or_else(invalid)?;
    Ok((c, tail))
}

/// fmt.Sprint of one value (`%v`), as a template action prints it.
pub(crate) fn sprint_value(out: &mut String, v: &Json, ty: Ty) {
    match ty {
        Ty::String => out.push_str(v.as_str().unwrap_or_default()),
        Ty::Bool => out.push_str(if v.as_bool().unwrap_or(false) {
            "true"
        } else {
            "false"
        }),
        Ty::Int => out.push_str(&v.as_i64().unwrap_or(0).to_string()),
        Ty::Float => out.push_str(&format_float(v.as_f64().unwrap_or(0.0), 'g', None)),
        Ty::Slice(elem) => {
            out.push('[');
            for (i, item) in v.as_array().into_iter().flatten().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                sprint_value(out, item, *elem);
            }
            out.push(']');
        }
        Ty::Map(elem) => {
            out.push_str("map[");
            let mut entries: Vec<_> = v.as_object().into_iter().flatten().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(key);
                out.push(':');
                sprint_value(out, item, *elem);
            }
            out.push(']');
        }
        Ty::Ptr(strukt) => match v.as_object() {
            None => out.push_str("<nil>"),
            Some(obj) => match strukt.display {
                Some(display) => out.push_str(&display(obj)),
                None => {
                    // fmt prints `&{...}` for a pointer to a struct (deeper pointers print as
                    // addresses in Go, which no output could match).
                    out.push_str("&{");
                    for (i, (name, field_ty)) in strukt.fields.iter().enumerate() {
                        if i > 0 {
                            out.push(' ');
                        }
                        let zero;
                        let field = match obj.get(*name) {
                            Some(field) => field,
                            None => {
                                zero = field_ty.zero();
                                &zero
                            }
                        };
                        sprint_value(out, field, *field_ty);
                    }
                    out.push('}');
                }
            },
        },
    }
}

/// What an action prints (text/template's `printValue`): a pointer is printed as what it
/// points to, so a struct without `String()`/`Error()` prints as `{...}`, not `&{...}`.
pub(crate) fn sprint_action(out: &mut String, v: &Json, ty: Ty) {
    let mut s = String::new();
    sprint_value(&mut s, v, ty);
    match ty {
        Ty::Ptr(strukt) if strukt.display.is_none() && !v.is_null() => {
            out.push_str(s.strip_prefix('&').unwrap_or(&s));
        }
        _ => out.push_str(&s),
    }
}

/// What an argument of `print`/`printf` is: a typed value or Go's nil interface.
fn arg_is_string(v: &Val<'_>) -> bool {
    matches!(v, Val::Typed(_, Ty::String))
}

fn sprint_arg(out: &mut String, v: &Val<'_>) {
    match v {
        Val::Invalid => out.push_str("<nil>"),
        Val::Typed(json, ty) => sprint_value(out, json, *ty),
    }
}

/// fmt.Sprint: spaces between operands when neither is a string.
pub(crate) fn sprint(args: &[Val<'_>]) -> String {
    let mut out = String::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 && !arg_is_string(arg) && !arg_is_string(&args[i - 1]) {
            out.push(' ');
        }
        sprint_arg(&mut out, arg);
    }
    out
}

/// fmt.Sprintln: spaces between all operands, and a newline.
pub(crate) fn sprintln(args: &[Val<'_>]) -> String {
    let mut out = String::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        sprint_arg(&mut out, arg);
    }
    out.push('\n');
    out
}

#[derive(Default, Clone, Copy)]
struct Spec {
    minus: bool,
    plus: bool,
    space: bool,
    zero: bool,
    sharp: bool,
    width: Option<usize>,
    precision: Option<usize>,
    verb: char,
}

/// fmt.Sprintf for the verbs templates use: `%v %s %q %d %t %x %X %o %b %c %U %e %E %f %F
/// %g %G %%`, flags `-+ 0#`, width and precision; wrong types, missing and extra arguments
/// read as in Go (`%!d(string=x)`, `%!s(MISSING)`, `%!(EXTRA int=1)`).
pub(crate) fn sprintf(format: &str, args: &[Val<'_>]) -> String {
    let mut out = String::new();
    let mut arg_idx = 0;
    let mut chars = format.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&(_, f)) = chars.peek() {
            match f {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                ' ' => spec.space = true,
                '0' => spec.zero = true,
                '#' => spec.sharp = true,
                _ => break,
            }
            chars.next();
        }
        let read_number = |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
            let mut n: Option<usize> = None;
            while let Some(&(_, d)) = chars.peek() {
                let Some(digit) = d.to_digit(10) else { break };
                n = Some(
                    n.unwrap_or(0)
                        .saturating_mul(10)
                        .saturating_add(digit as usize),
                );
                chars.next();
            }
            n
        };
        spec.width = read_number(&mut chars);
        if chars.peek().is_some_and(|&(_, c)| c == '.') {
            chars.next();
            spec.precision = Some(read_number(&mut chars).unwrap_or(0));
        }
        let Some((_, verb)) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        spec.verb = verb;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(arg_idx) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        arg_idx += 1;
        format_arg(&mut out, arg, spec);
    }
    if arg_idx < args.len() {
        out.push_str("%!(EXTRA ");
        for (i, arg) in args[arg_idx..].iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            match arg {
                Val::Invalid => out.push_str("<nil>"),
                Val::Typed(json, ty) => {
                    out.push_str(&ty.go_name());
                    out.push('=');
                    sprint_value(&mut out, json, *ty);
                }
            }
        }
        out.push(')');
    }
    out
}

fn format_arg(out: &mut String, arg: &Val<'_>, spec: Spec) {
    match arg {
        Val::Invalid => match spec.verb {
            'v' => pad(out, "<nil>", spec),
            verb => out.push_str(&format!("%!{verb}(<nil>)")),
        },
        Val::Typed(json, ty) => format_value(out, json, *ty, spec),
    }
}

fn format_value(out: &mut String, v: &Json, ty: Ty, spec: Spec) {
    match ty {
        Ty::String => {
            let s = v.as_str().unwrap_or_default();
            match spec.verb {
                'v' | 's' => {
                    let s = match spec.precision {
                        Some(p) => s.chars().take(p).collect(),
                        None => s.to_owned(),
                    };
                    pad(out, &s, spec);
                }
                'q' => pad(out, &go_quote(s), spec),
                'x' | 'X' => {
                    let hex: String = s
                        .bytes()
                        .map(|b| {
                            if spec.verb == 'x' {
                                format!("{b:02x}")
                            } else {
                                format!("{b:02X}")
                            }
                        })
                        .collect();
                    pad(out, &hex, spec);
                }
                _ => bad_verb(out, v, ty, spec.verb),
            }
        }
        Ty::Bool => match spec.verb {
            'v' | 't' => pad(
                out,
                if v.as_bool().unwrap_or(false) {
                    "true"
                } else {
                    "false"
                },
                spec,
            ),
            _ => bad_verb(out, v, ty, spec.verb),
        },
        Ty::Int => {
            let i = v.as_i64().unwrap_or(0);
            let magnitude = i.unsigned_abs();
            let digits = match spec.verb {
                'v' | 'd' => magnitude.to_string(),
                'x' => format!("{}{magnitude:x}", if spec.sharp { "0x" } else { "" }),
                'X' => format!("{}{magnitude:X}", if spec.sharp { "0X" } else { "" }),
                'o' => format!("{}{magnitude:o}", if spec.sharp { "0" } else { "" }),
                'O' => format!("0o{magnitude:o}"),
                'b' => format!("{magnitude:b}"),
                'c' => {
                    let c = u32::try_from(i)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('\u{fffd}');
                    return pad(out, &c.to_string(), spec);
                }
                'q' => {
                    let c = u32::try_from(i)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('\u{fffd}');
                    let mut q = String::from("'");
                    push_escaped(&mut q, c, '\'');
                    q.push('\'');
                    return pad(out, &q, spec);
                }
                'U' => return pad(out, &format!("U+{magnitude:04X}"), spec),
                _ => return bad_verb(out, v, ty, spec.verb),
            };
            pad_number(out, i < 0, &digits, spec);
        }
        Ty::Float => {
            let f = v.as_f64().unwrap_or(0.0);
            let verb = match spec.verb {
                'v' => 'g',
                'e' | 'E' | 'f' | 'F' | 'g' | 'G' => spec.verb,
                _ => return bad_verb(out, v, ty, spec.verb),
            };
            let text = format_float(f.abs(), verb, spec.precision);
            pad_number(out, f.is_sign_negative() && f != 0.0, &text, spec);
        }
        Ty::Slice(elem) => {
            let mut s = String::from("[");
            for (i, item) in v.as_array().into_iter().flatten().enumerate() {
                if i > 0 {
                    s.push(' ');
                }
                format_value(
                    &mut s,
                    item,
                    *elem,
                    Spec {
                        width: spec.width,
                        ..spec
                    },
                );
            }
            s.push(']');
            out.push_str(&s);
        }
        Ty::Map(_) | Ty::Ptr(_) => match spec.verb {
            'v' | 's' | 'q'
                if matches!(ty, Ty::Ptr(s) if s.display.is_some()) || spec.verb == 'v' =>
            {
                let mut s = String::new();
                sprint_value(&mut s, v, ty);
                if spec.verb == 'q' {
                    pad(out, &go_quote(&s), spec);
                } else {
                    pad(out, &s, spec);
                }
            }
            _ => bad_verb(out, v, ty, spec.verb),
        },
    }
}

fn bad_verb(out: &mut String, v: &Json, ty: Ty, verb: char) {
    out.push_str(&format!("%!{verb}({}=", ty.go_name()));
    sprint_value(out, v, ty);
    out.push(')');
}

fn pad(out: &mut String, s: &str, spec: Spec) {
    let n = s.chars().count();
    let width = spec.width.unwrap_or(0);
    if n >= width {
        out.push_str(s);
        return;
    }
    let fill = if spec.zero && !spec.minus { '0' } else { ' ' };
    if spec.minus {
        out.push_str(s);
        out.extend(std::iter::repeat_n(' ', width - n));
    } else {
        out.extend(std::iter::repeat_n(fill, width - n));
        out.push_str(s);
    }
}

/// Pads a number: the sign first, then zeros when the `0` flag asks for them.
fn pad_number(out: &mut String, negative: bool, digits: &str, spec: Spec) {
    let sign = if negative {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    let width = spec.width.unwrap_or(0);
    let n = sign.len() + digits.chars().count();
    if spec.zero && !spec.minus && n < width {
        out.push_str(sign);
        out.extend(std::iter::repeat_n('0', width - n));
        out.push_str(digits);
    } else {
        pad(
            out,
            &format!("{sign}{digits}"),
            Spec {
                zero: false,
                ..spec
            },
        );
    }
}

/// strconv.FormatFloat of a non-negative value for `%e %f %g` (and `%v` as `%g` with the
/// shortest precision).
pub(crate) fn format_float(f: f64, verb: char, precision: Option<usize>) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_sign_negative() && f != 0.0 {
        return format!("-{}", format_float(-f, verb, precision));
    }
    if f.is_infinite() {
        return "+Inf".to_owned();
    }
    let exp_form = |s: String, upper: bool| -> String {
        // Rust writes `1.5e3`; Go writes `1.5e+03`.
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        let e = if upper { 'E' } else { 'e' };
        format!("{mantissa}{e}{sign}{:02}", exp.abs())
    };
    match verb {
        'e' | 'E' => exp_form(format!("{:.*e}", precision.unwrap_or(6), f), verb == 'E'),
        'f' | 'F' => format!("{:.*}", precision.unwrap_or(6), f),
        _ => {
            // strconv's %g: the decimal digits (shortest, or rounded to the precision), then
            // %e when the exponent is < -4 or >= the precision (6 for the shortest), else %f.
            let shortest = precision.is_none();
            let sci = match precision {
                None => format!("{f:e}"),
                Some(p) => format!("{:.*e}", p.max(1) - 1, f),
            };
            let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
            let exp: i32 = exp.parse().unwrap_or(0);
            let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
            let digits = match digits.trim_end_matches('0') {
                "" => "0".to_owned(),
                trimmed => trimmed.to_owned(),
            };
            let nd = digits.len() as i32;
            let dp = exp + 1;
            let mut prec = precision.map_or(nd, |p| p.max(1) as i32);
            let mut eprec = prec;
            if eprec > nd && nd >= dp {
                eprec = nd;
            }
            if shortest {
                eprec = 6;
            }
            if exp < -4 || exp >= eprec {
                let (first, rest) = digits.split_at(1);
                let mantissa = if rest.is_empty() {
                    first.to_owned()
                } else {
                    format!("{first}.{rest}")
                };
                exp_form(format!("{mantissa}e{exp}"), verb == 'G')
            } else {
                if prec > dp {
                    prec = nd;
                }
                format!("{:.*}", (prec - dp).max(0) as usize, f)
            }
        }
    }
}
