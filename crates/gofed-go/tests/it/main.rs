//! gofed-go's integration tests: one test binary (one link instead of one per topic), a module per topic.

use gofed_go::build::{Context, Selector};
use gofed_go::load::LoadConfig;

mod api;
mod api_release;
mod apidiff;
mod hostile;
mod load_heads;
mod placeholders;
mod release;

/// The loader's configuration of the tests' trees: module `example.com/m`, Go 1.27's
/// linux/amd64, tests and vendored packages left out.
fn load_config() -> LoadConfig {
    LoadConfig {
        selector: Selector::Single(Context::for_go(27, "linux", "amd64")),
        go_minor: Some(27),
        import_path: Some("example.com/m".into()),
        include_vendor: false,
        skip_tests: true,
        keep_sources: false,
    }
}
