//! The login form: a token typed once, kept in the envelope's session cookie ([`gofed_service::session`]).

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use gofed_service::session;
use maud::html;
use serde::Deserialize;

use crate::{page, Ctx};

#[derive(Deserialize)]
pub(crate) struct Next {
    #[serde(default)]
    next: String,
}

/// Where to go after logging in: a console page only (never another site: an open redirect would let a link
/// to this login form send the user anywhere).
fn local_target(next: &str) -> &str {
    let is_console_page = next.starts_with("/console/")
        && !next.starts_with("/console//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    if is_console_page {
        next
    } else {
        "/console/"
    }
}

pub(crate) async fn form(Query(query): Query<Next>) -> Response {
    render(&query.next, None, StatusCode::OK)
}

fn render(next: &str, problem: Option<&str>, status: StatusCode) -> Response {
    let body = html! {
        form.login method="post" action="/console/login" {
            @if let Some(problem) = problem {
                p.error role="alert" { (problem) }
            }
            label for="token" { "Token" }
            input #token type="password" name="token" autocomplete="current-password" required autofocus;
            input type="hidden" name="next" value=(local_target(next));
            button type="submit" { "Log in" }
        }
        p.hint { "The token is one of this gofed's ([server] token, tokens, tokens_file). It is kept in a cookie that page scripts cannot read, for 12 hours." }
    };
    (status, page::shell("Log in", "", body)).into_response()
}

#[derive(Deserialize)]
pub(crate) struct Login {
    token: String,
    #[serde(default)]
    next: String,
}

pub(crate) async fn submit(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Form(login): Form<Login>,
) -> Response {
    // A login is a change too: only from this origin's form (no other site may log a browser in).
    if !session::same_origin(&axum::http::Method::POST, &headers) {
        return page::error(
            StatusCode::FORBIDDEN,
            "Log in",
            "this form must be sent from the console's own page",
        );
    }
    let credentials = &ctx.console.credentials;
    if credentials.is_empty() {
        return Redirect::to(local_target(&login.next)).into_response();
    }
    if gofed_registry::token::grant(credentials, &login.token).is_none() {
        // The form again, answered 200: the page itself is fine (a 4xx would be a console error in the browser).
        return render(
            &login.next,
            Some("That token is not known here."),
            StatusCode::OK,
        );
    }
    let Some(cookie) = session::set_cookie(&login.token, ctx.console.tls) else {
        return render(
            &login.next,
            Some("That token cannot be kept in a cookie."),
            StatusCode::BAD_REQUEST,
        );
    };
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, cookie),
            (
                header::LOCATION,
                header::HeaderValue::from_str(local_target(&login.next))
                    .unwrap_or(header::HeaderValue::from_static("/console/")),
            ),
        ],
    )
        .into_response()
}

pub(crate) async fn logout() -> Response {
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, session::clear_cookie()),
            (
                header::LOCATION,
                header::HeaderValue::from_static("/console/login"),
            ),
        ],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::local_target;

    #[test]
    fn only_console_pages_are_targets() {
        assert_eq!(local_target("/console/diff?a=b"), "/console/diff?a=b");
        for bad in [
            "https://evil.example/",
            "//evil.example/console/",
            "/console//evil.example",
            "/\\evil.example",
            "/console/\\evil",
            "/v1/actions/x",
            "",
            "/console/\r\nSet-Cookie: x",
        ] {
            assert_eq!(local_target(bad), "/console/", "{bad:?}");
        }
    }
}
