//! gofed's binary-level tests: one test binary (one link of the test dependencies instead of one per topic),
//! a module per topic. Every test runs the real `gofed` binary (`common::gofed_command`).

mod common;

#[path = "../../../gofed-registry/tests/etcd_process/mod.rs"]
mod etcd_process;
#[path = "../../../gofed-store/tests/common/mod.rs"]
mod postgres;
#[path = "../../../gofed-artifact/tests/support/raw_tar.rs"]
mod raw_tar;
#[path = "../../../gofed-artifact/tests/support/rpmbuild.rs"]
mod rpmbuild;

mod api;
mod api_model;
mod apidiff_pairing;
mod artifact;
mod bad_input;
mod cache;
mod cli;
mod console;
mod deps;
mod depsdiff;
mod errors;
mod files_on_store;
mod git_url;
mod goland;
mod gopath_links;
mod graph;
mod hostile;
mod impact;
mod imports;
mod inputs;
mod license;
mod packages;
mod placement;
mod record;
mod registry;
mod release;
mod scan;
mod scm;
mod security;
mod spec;
mod storage;
mod system;
