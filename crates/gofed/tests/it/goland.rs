//! `gofed goland`: import paths ↔ package names, in-process and on a remote `goland` service (the same
//! answers), with an index, overrides and both distributions. The naming rules themselves are checked against
//! go-rpm-macros and Debian's installed packages in `gofed-goland`'s tests.

use std::process::Output;

use crate::common::system::{serve, wait_registered, Process};
use crate::common::{success_json, write};

/// `gofed ARGS` in-process (unless ARGS say otherwise), without a store.
fn run(args: &[&str]) -> Output {
    crate::common::gofed_with_store("off", args)
}

#[test]
fn names_both_ways_in_process_and_remote() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "provides.txt",
        "golang(github.com/spf13/cobra) = 1.8.0\ngolang(github.com/spf13/cobra/doc) = 1.8.0\n\
         golang(gopkg.in/yaml.v3)\n# comment\ngolang.org/x/net/html\n",
    );
    let index = dir.path().join("provides.txt");
    let index = index.to_str().expect("utf-8");

    let up = success_json(&run(&[
        "goland",
        "upstream2package",
        "github.com/spf13/cobra/doc",
        "gopkg.in/yaml.v3",
        "example.com/x/y",
        "--format",
        "json",
    ]));
    assert_eq!(up[0]["package"], "golang-github-spf13-cobra");
    assert_eq!(up[0]["root"], "github.com/spf13/cobra");
    assert_eq!(up[0]["devel_package"], "golang-github-spf13-cobra-devel");
    assert_eq!(up[1]["package"], "golang-gopkg-yaml-3");
    assert_eq!(up[2]["root_known"], false);
    let new = success_json(&run(&[
        "goland",
        "upstream2package",
        "gopkg.in/yaml.v3",
        "--new-versioning",
        "--format",
        "json",
    ]));
    assert_eq!(new[0]["package"], "golang-gopkg-yaml3");
    let debian = success_json(&run(&[
        "goland",
        "upstream2package",
        "golang.org/x/net/html",
        "--distro",
        "debian",
        "--format",
        "json",
    ]));
    assert_eq!(debian[0]["devel_package"], "golang-golang-x-net-dev");
    let overridden = success_json(&run(&[
        "goland",
        "upstream2package",
        "github.com/docker/docker/api",
        "--override",
        "github.com/docker/docker=moby-engine",
        "--format",
        "json",
    ]));
    assert_eq!(overridden[0]["package"], "moby-engine");
    assert_eq!(overridden[0]["overridden"], true);

    let back = success_json(&run(&[
        "goland",
        "package2upstream",
        "golang-github-spf13-cobra-devel",
        "golang-gopkg-yaml-3",
        "--index",
        index,
        "--format",
        "json",
    ]));
    assert_eq!(
        back[0]["import_paths"],
        serde_json::json!(["github.com/spf13/cobra"])
    );
    assert_eq!(
        back[1]["import_paths"],
        serde_json::json!(["gopkg.in/yaml.v3"])
    );
    assert_eq!(back[0]["from_index"], true);
    let unknown = run(&[
        "goland",
        "package2upstream",
        "golang-x-nothere",
        "--index",
        index,
    ]);
    assert_eq!(
        unknown.status.code(),
        Some(1),
        "a package the index lacks: exit 1"
    );
    assert_eq!(
        String::from_utf8_lossy(&unknown.stdout),
        "golang-x-nothere: no import path known\n"
    );
    let guessed = success_json(&run(&[
        "goland",
        "package2upstream",
        "golang-github-a-b-c",
        "--format",
        "json",
    ]));
    assert_eq!(
        guessed[0]["import_paths"],
        serde_json::json!(["github.com/a/b-c", "github.com/a-b/c"])
    );
    let bad = run(&["goland", "upstream2package", "x", "--override", "no-equals"]);
    assert_eq!(bad.status.code(), Some(2));

    let listing = run(&["goland", "listing", "--index", index]);
    assert_eq!(
        String::from_utf8_lossy(&listing.stdout),
        "golang-github-spf13-cobra: github.com/spf13/cobra (2 import paths)\n\
         golang-gopkg-yaml-3: gopkg.in/yaml.v3 (1 import path)\n\
         golang-x-net: golang.org/x/net (1 import path)\n"
    );

    // A remote goland service answers the same.
    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let _goland = serve(&["goland"], &registry.url, 6000, &dir.path().join("blobs"));
    wait_registered(&registry.url, "goland");
    let remote = run(&[
        "--registry",
        &registry.url,
        "--remote",
        "goland",
        "listing",
        "--index",
        index,
    ]);
    assert_eq!(
        remote.stdout,
        listing.stdout,
        "{}",
        String::from_utf8_lossy(&remote.stderr)
    );
}
