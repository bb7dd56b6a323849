//! The page shell (head, navigation, main), and what every page uses: error pages, paging links, query-string
//! encoding.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};

/// The navigation: (path, label).
const NAV: [(&str, &str); 6] = [
    ("/console/", "System"),
    ("/console/actions", "Actions"),
    ("/console/projects", "Projects"),
    ("/console/packages", "Packages"),
    ("/console/diff", "API changes"),
    ("/console/scans", "Scans"),
];

/// A whole page: `title`, the navigation with `current` marked, and `body`.
pub(crate) fn shell(title: &str, current: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · gofed" }
                link rel="stylesheet" href="/console/assets/console.css";
                // An icon of our own: without one the browser asks for /favicon.ico (a 404, a console error).
                link rel="icon" href="/console/assets/favicon.svg" type="image/svg+xml";
                script src="/console/assets/console.js" defer {}
            }
            body {
                header {
                    a.brand href="/console/" { "gofed" }
                    nav {
                        @for (href, label) in NAV {
                            a href=(href) aria-current=[(href == current).then_some("page")] { (label) }
                        }
                    }
                    form.logout method="post" action="/console/logout" {
                        button type="submit" { "Log out" }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// An error page with `status`: what went wrong, said plainly (the message is escaped like everything else).
pub(crate) fn error(status: StatusCode, title: &str, message: &str) -> Response {
    (
        status,
        shell(
            title,
            "",
            html! {
                p.error { (message) }
            },
        ),
    )
        .into_response()
}

/// "Next page" link keeping the query, when there is a next page.
pub(crate) fn next_link(base: &str, query: &[(&str, &str)], next: Option<String>) -> Markup {
    html! {
        @if let Some(after) = next {
            p.pager {
                a rel="next" href=(href(base, &[query, &[("after", after.as_str())]].concat())) { "Next page →" }
            }
        }
    }
}

/// `base?k=v&...` with the values percent-encoded; empty values left out.
pub(crate) fn href(base: &str, query: &[(&str, &str)]) -> String {
    let mut url = base.to_owned();
    let mut first = true;
    for (key, value) in query {
        if value.is_empty() {
            continue;
        }
        url.push(if first { '?' } else { '&' });
        first = false;
        url.push_str(key);
        url.push('=');
        url.push_str(&gofed_service::session::url_encode(value));
    }
    url
}
