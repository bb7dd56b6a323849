//! Imports through symbolic links in a GOPATH: Debian installs `github.com/go-asn1-ber/asn1-ber`
//! as a link to `gopkg.in/asn1-ber.v1`, and go/build resolves an import through it, so the
//! importing package is checked against the linked package, under the path it wrote. `go list
//! ./...` does not list the linked path, and a link leading out of the tree is not followed.

use std::os::unix::fs::symlink;

use crate::common::{gofed, stdout_of, write};

/// The package behind the links (named, as Debian's `asn1-ber` is `ber`, otherwise than its
/// directories).
const REAL: &str = "package shared

type T struct{}

func (T) M() int { return 0 }

func F() T { return T{} }
";

const USER: &str = "package user

import (
	\"example.com/alias\"
	outside \"example.com/outside\"
)

type U struct{ shared.T }

type W struct{ outside.T }

var X = shared.F()
";

#[test]
fn imports_resolve_through_links_that_stay_inside_the_tree() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let src = scratch.path().join("gopath/src");
    write(&src, "example.org/shared/shared.go", REAL);
    write(&src, "example.com/user/user.go", USER);
    symlink("../example.org/shared", src.join("example.com/alias")).expect("link");
    let elsewhere = scratch.path().join("elsewhere/shared");
    write(&elsewhere, "shared.go", REAL);
    symlink(&elsewhere, src.join("example.com/outside")).expect("link");
    let src_arg = src.to_str().expect("utf-8");

    // The linked package's method is promoted into U (cmd/api lists it); W's embedded type is
    // unknown: the link leads out of the tree.
    let api = stdout_of(&gofed(&["api", src_arg, "--format", "goapi"]), "gofed api");
    assert!(
        api.contains("pkg example.com/user, method (U) M() int\n"),
        "{api}"
    );
    assert!(!api.contains("method (W) M()"), "{api}");
    // The walk lists the real package only, not the linked path.
    assert!(!api.contains("pkg example.com/alias,"), "{api}");

    // The uses name the linked package by the path written.
    let uses = stdout_of(&gofed(&["debug", "uses", src_arg]), "gofed debug uses");
    let used: Vec<(&str, &str)> = uses
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            Some((*fields.get(3)?, *fields.get(4)?))
        })
        .collect();
    assert!(used.contains(&("example.com/alias", "T")), "{uses}");
    assert!(used.contains(&("example.com/alias", "F")), "{uses}");
    assert!(
        !used.iter().any(|(path, _)| *path == "example.com/outside"),
        "{uses}"
    );
}
