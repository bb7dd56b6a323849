//! gofed-go's integration tests: one test binary (one link instead of one per topic), a module per topic.

mod api;
mod api_release;
mod apidiff;
mod hostile;
mod load_heads;
mod placeholders;
mod release;
