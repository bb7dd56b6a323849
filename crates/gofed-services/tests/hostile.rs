//! Hostile inputs through the `api` service in-process (issue #19): each ends in a clear
//! error for that request, not an abort of the process that serves it.

use std::path::Path;

use gofed_service::ServiceError;
use gofed_services::{
    api_service, ApiFormat, ApiRequest, BuildContext, Output, Rendered, ServiceContext, Source,
};

/// A module `example.com/m` with one package of `src` in a temporary directory.
fn module(src: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    let write = |name: &str, text: &str| {
        std::fs::write(dir.path().join(name), text).expect("write a file of the tree");
    };
    write("go.mod", "module example.com/m\n\ngo 1.22\n");
    write("p.go", src);
    dir
}

fn request(root: &Path, contexts: Option<String>) -> ApiRequest {
    ApiRequest {
        source: Source::Path(root.to_path_buf()),
        context: BuildContext::default(),
        contexts,
        goroot: None,
        format: ApiFormat::Goapi,
        allow_errors: false,
        record: false,
        no_cache: false,
    }
}

async fn api_analysis(context: ServiceContext, req: ApiRequest) -> Result<Rendered, ServiceError> {
    api_service(context)
        .call_local::<ApiRequest, Rendered>("api_analysis", req)
        .await
}

fn text(rendered: &Rendered) -> &str {
    match &rendered.output {
        Output::Text(text) => text,
        Output::Json(json) => json.get(),
    }
}

/// `const S0 = "xxxxxxxxxxxxxxxx"` doubled 39 times: an over-budget error (422) naming the
/// limit, for this request only.
#[tokio::test]
async fn a_constant_bomb_is_unprocessable_and_names_the_budget() {
    let mut src = String::from("package m\n\nconst S0 = \"xxxxxxxxxxxxxxxx\"\n");
    for i in 1..40 {
        src.push_str(&format!("const S{i} = S{} + S{}\n", i - 1, i - 1));
    }
    let dir = module(&src);
    let context = ServiceContext {
        memory_limit: Some(32 << 20),
        ..ServiceContext::local()
    };
    let err = api_analysis(context.clone(), request(dir.path(), None))
        .await
        .expect_err("over budget");
    assert_eq!(err.status(), 422);
    // The values or their printed forms (cmd/api prints string constants whole) run out.
    let message = err.public_message();
    assert!(
        message == "analysis exceeds its memory budget of 33554432 bytes (growing constant values)"
            || message
                == "analysis exceeds its memory budget of 33554432 bytes (growing printed output)",
        "{message}"
    );
    // The same service answers the next request.
    let fine = module("package m\n\nconst S = \"x\" + \"y\"\n");
    let ok = api_analysis(context, request(fine.path(), None))
        .await
        .expect("a normal request");
    assert_eq!(
        text(&ok),
        "pkg example.com/m, const S = \"xy\"\npkg example.com/m, const S ideal-string\n"
    );
}

/// 4,000 copies of one context run one analysis; more distinct contexts than platforms
/// exist are refused with the limit named.
#[tokio::test]
async fn repeated_contexts_run_once_and_their_number_is_capped() {
    let dir = module("package m\n\n// V is exported.\nvar V int\n");
    let once = api_analysis(
        ServiceContext::local(),
        request(dir.path(), Some("linux-amd64".into())),
    )
    .await
    .expect("one context");
    let repeated = vec!["linux-amd64"; 4_000].join(",");
    let many = api_analysis(ServiceContext::local(), request(dir.path(), Some(repeated)))
        .await
        .expect("one distinct context");
    assert_eq!(text(&many), text(&once));
    assert_eq!(text(&once), "pkg example.com/m, var V int\n");

    let distinct: Vec<String> = (0..=gofed_services::request::MAX_CONTEXTS)
        .map(|i| format!("os{i}-amd64"))
        .collect();
    let err = api_analysis(
        ServiceContext::local(),
        request(dir.path(), Some(distinct.join(","))),
    )
    .await
    .expect_err("too many contexts");
    assert_eq!(err.status(), 422);
    assert!(
        err.public_message().contains("more than 128 distinct"),
        "{}",
        err.public_message()
    );
}
