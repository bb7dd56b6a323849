//! Browser sessions: a web page cannot send `Authorization: Bearer`, so a login form (the console's) sets the
//! token in a cookie, which the envelope accepts as it accepts the header.
//!
//! The cookie is `HttpOnly` (page scripts never read it), `SameSite=Strict` (no other site's page sends it) and
//! `Secure` when the envelope serves TLS. A request authenticated by the cookie that changes something (any method
//! but GET and HEAD) must also come from a page of the same origin ([`same_origin`]): SameSite is the browser's
//! promise, this is the server's own check against cross-site request forgery.

use axum::http::{header, HeaderMap, HeaderValue, Method};

/// The cookie's name.
pub const COOKIE: &str = "gofed_session";

/// How long a browser keeps the session: 12 hours.
pub const MAX_AGE_SECONDS: u64 = 12 * 3600;

/// The `Set-Cookie` value that stores `token` (hex-encoded: a token may hold any character, a cookie value may
/// not), `Secure` when served over TLS.
pub fn set_cookie(token: &str, secure: bool) -> Option<HeaderValue> {
    let hex: String = token.bytes().map(|b| format!("{b:02x}")).collect();
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={hex}; Path=/; HttpOnly; SameSite=Strict; Max-Age={MAX_AGE_SECONDS}{secure}"
    ))
    .ok()
}

/// The `Set-Cookie` value that ends the session.
pub fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("gofed_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// The token of a request's session cookie, if it has a well-formed one.
pub fn token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .and_then(|(_, hex)| decode_hex(hex))
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .filter(|token| !token.is_empty())
}

/// `text` percent-encoded for a query value: everything but ASCII letters, digits and `-._~/`.
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Whether a request may act on its session cookie: reads (GET, HEAD) always; anything else only from a page of
/// this origin, as the browser says: `Sec-Fetch-Site: same-origin`, else an `Origin` whose host is the `Host`
/// asked for. A request with neither header is refused (browsers send one; other clients use the bearer token).
pub fn same_origin(method: &Method, headers: &HeaderMap) -> bool {
    if method == Method::GET || method == Method::HEAD {
        return true;
    }
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site")) {
        return site == "same-origin";
    }
    match (text(header::ORIGIN), text(header::HOST)) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, origin_host)| origin_host == host),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_str(value).expect("a header value"));
        }
        headers
    }

    #[test]
    fn the_cookie_carries_any_token() {
        for given in ["s3cret", "a;b=c d\"é", "\u{1b}[2J"] {
            let set = set_cookie(given, true).expect("a cookie");
            let set = set.to_str().expect("ASCII");
            assert!(set.ends_with("; Secure"), "{set}");
            assert!(set.contains("HttpOnly; SameSite=Strict"), "{set}");
            let pair = set.split(';').next().expect("name=value");
            let sent = headers(&[("cookie", &format!("other=1; {pair}; x=y"))]);
            assert_eq!(token(&sent).as_deref(), Some(given), "{pair}");
        }
        assert!(!set_cookie("t", false)
            .expect("a cookie")
            .to_str()
            .expect("ASCII")
            .contains("Secure"));
    }

    #[test]
    fn malformed_cookies_are_no_session() {
        for cookie in [
            "gofed_session=",
            "gofed_session=abc",
            "gofed_session=zz",
            "gofed_session=ff",
            "other=736563726574",
        ] {
            assert_eq!(token(&headers(&[("cookie", cookie)])), None, "{cookie}");
        }
    }

    #[test]
    fn changes_need_the_same_origin() {
        let post = Method::POST;
        assert!(same_origin(&Method::GET, &HeaderMap::new()));
        assert!(!same_origin(&post, &HeaderMap::new()));
        assert!(same_origin(
            &post,
            &headers(&[("sec-fetch-site", "same-origin")])
        ));
        for site in ["cross-site", "same-site", "none"] {
            assert!(!same_origin(
                &post,
                &headers(&[
                    ("sec-fetch-site", site),
                    ("origin", "http://h:1"),
                    ("host", "h:1")
                ])
            ));
        }
        assert!(same_origin(
            &post,
            &headers(&[
                ("origin", "http://127.0.0.1:8080"),
                ("host", "127.0.0.1:8080")
            ])
        ));
        assert!(!same_origin(
            &post,
            &headers(&[
                ("origin", "http://evil.example"),
                ("host", "127.0.0.1:8080")
            ])
        ));
        assert!(!same_origin(
            &post,
            &headers(&[("origin", "null"), ("host", "h")])
        ));
    }
}
