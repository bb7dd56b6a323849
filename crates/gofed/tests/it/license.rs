//! `gofed license`: the license files of a tree and its SPDX headers, the same in-process, from an archive of the
//! tree and on a remote `license` service; `license diff` between two versions; `license name`; answers cached.
//! License texts are Debian's (`/usr/share/common-licenses`, base-files).

use std::path::Path;
use std::process::{Command, Output};

use crate::common::system::{serve, wait_registered, Process};
use crate::common::{success_json, write};

const MIT: &str = "MIT License

Copyright (c) 2019 Some Body

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the \"Software\"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
";

fn apache() -> String {
    std::fs::read_to_string("/usr/share/common-licenses/Apache-2.0")
        .expect("/usr/share/common-licenses/Apache-2.0 (Debian base-files)")
}

/// `gofed ARGS` with its store at `store` (`off`, `sqlite:DIR`), in-process unless ARGS say otherwise.
fn run(store: &str, args: &[&str]) -> Output {
    crate::common::gofed_with_store(store, args)
}

/// A module under Apache-2.0 with a vendored MIT module, an MIT SPDX header, a file named like a license that is
/// none, and license files where no analysis looks (`testdata`, `.git`).
fn project(dir: &Path) {
    write(dir, "go.mod", "module example.com/p\n\ngo 1.21\n");
    write(dir, "LICENSE", apache());
    write(
        dir,
        "p.go",
        "// SPDX-License-Identifier: MIT\n\npackage p\n\nimport _ \"github.com/x/y\"\n",
    );
    write(
        dir,
        "vendor/modules.txt",
        "# github.com/x/y v1.0.0\n## explicit\ngithub.com/x/y\n",
    );
    write(dir, "vendor/github.com/x/y/LICENSE.md", MIT);
    write(dir, "vendor/github.com/x/y/y.go", "package y\n");
    write(
        dir,
        "docs/COPYING",
        "Nobody may copy this file, except on Tuesdays.\n",
    );
    write(dir, "testdata/LICENSE", MIT);
    write(dir, ".git/LICENSE", MIT);
}

/// The license files a JSON document reports: path → (verdict kind, SPDX ids).
fn files_of(doc: &serde_json::Value) -> Vec<(String, String, Vec<String>)> {
    doc["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            let ids = f["matches"]
                .as_array()
                .expect("matches")
                .iter()
                .map(|m| m["spdx_id"].as_str().expect("spdx_id").to_owned())
                .collect();
            (
                f["path"].as_str().expect("path").to_owned(),
                f["verdict"]["kind"].as_str().expect("verdict").to_owned(),
                ids,
            )
        })
        .collect()
}

#[test]
fn licenses_of_a_directory_its_archive_and_on_a_remote_service() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tree = dir.path().join("p");
    project(&tree);
    let archive = dir.path().join("p.tar.gz");
    let tar = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(dir.path())
        .arg("p")
        .status()
        .expect("tar");
    assert!(tar.success());
    // A FIFO named like a license file is never opened (that would hang), here or in a bundle.
    let fifo = tree.join("LICENSE.fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo")
        .success());
    let tree_arg = tree.to_str().expect("utf-8 path");

    let local = run("off", &["license", tree_arg, "--format", "json"]);
    let doc = success_json(&local);
    assert_eq!(
        doc["summary"]["expression"], "Apache-2.0 AND MIT",
        "{doc:#}"
    );
    assert_eq!(doc["spdx_headers"]["MIT"], 1);
    assert_eq!(
        files_of(&doc),
        vec![
            (
                "LICENSE".to_owned(),
                "detected".to_owned(),
                vec!["Apache-2.0".to_owned()]
            ),
            ("docs/COPYING".to_owned(), "unknown".to_owned(), vec![]),
            (
                "vendor/github.com/x/y/LICENSE.md".to_owned(),
                "detected".to_owned(),
                vec!["MIT".to_owned()]
            ),
        ]
    );
    assert_eq!(doc["summary"]["unknown_files"][0], "docs/COPYING");
    assert_eq!(doc["meta"]["cached"], false);

    // A saved analysis summarised again gives the same expression.
    write(dir.path(), "analysis.json", &local.stdout);
    let saved = dir.path().join("analysis.json");
    let summary = success_json(&run(
        "off",
        &[
            "license",
            "summarize",
            saved.to_str().expect("utf-8"),
            "--format",
            "json",
        ],
    ));
    assert_eq!(summary["expression"], "Apache-2.0 AND MIT");
    assert_eq!(
        summary["unknown_files"],
        serde_json::json!(["docs/COPYING"])
    );
    write(dir.path(), "bad.json", "{\"files\": 3}");
    let bad = run(
        "off",
        &[
            "license",
            "summarize",
            dir.path().join("bad.json").to_str().expect("utf-8"),
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a license_analysis document"));

    let text = run("off", &["license", tree_arg]);
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).expect("utf-8");
    assert!(text.contains("\nlicense: Apache-2.0 AND MIT\n"), "{text}");
    assert!(text.starts_with("LICENSE: Apache-2.0 (score "), "{text}");
    assert!(
        text.contains("docs/COPYING: unknown (no license matches)\n"),
        "{text}"
    );
    assert!(
        text.contains("SPDX-License-Identifier: MIT (1 file)\n"),
        "{text}"
    );

    // The archive's files are the tree's, below the directory it unpacks to.
    let packed = success_json(&run(
        "off",
        &[
            "license",
            archive.to_str().expect("utf-8"),
            "--format",
            "json",
        ],
    ));
    assert_eq!(files_of(&packed), files_of(&doc));
    assert_eq!(packed["summary"], doc["summary"]);

    // A remote license service reads the uploaded bundle, which carries the license files.
    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let _license = serve(
        &["license", "filestorage"],
        &registry.url,
        6000,
        &dir.path().join("blobs"),
    );
    wait_registered(&registry.url, "license");
    wait_registered(&registry.url, "filestorage");
    let remote = run(
        "off",
        &[
            "--registry",
            &registry.url,
            "--remote",
            "license",
            tree_arg,
            "--format",
            "json",
        ],
    );
    assert_eq!(success_json(&remote), doc, "remote equals in-process");
}

#[test]
fn license_diff_names_the_files_that_changed_and_both_expressions() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (v1, v2) = (dir.path().join("v1"), dir.path().join("v2"));
    write(&v1, "LICENSE", MIT);
    write(&v1, "NOTICE", "Nothing to see.\n");
    write(&v1, "p.go", "package p\n");
    project(&v2);
    let (v1, v2) = (v1.to_str().expect("utf-8"), v2.to_str().expect("utf-8"));
    let doc = success_json(&run(
        "off",
        &["license", "diff", v1, v2, "--format", "json"],
    ));
    assert_eq!(doc["old_license"], "MIT");
    assert_eq!(doc["new_license"], "Apache-2.0 AND MIT");
    assert_eq!(doc["ids_added"], serde_json::json!(["Apache-2.0"]));
    assert_eq!(doc["ids_removed"], serde_json::json!([]));
    let changes: Vec<(String, String)> = doc["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or("").to_owned(),
                f["change"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("LICENSE", "changed"),
            ("NOTICE", "removed"),
            ("docs/COPYING", "added"),
            ("vendor/github.com/x/y/LICENSE.md", "added"),
        ]
        .map(|(p, c)| (p.to_owned(), c.to_owned()))
    );
    let text = run("off", &["license", "diff", v1, v2]);
    assert!(text.status.success(), "a report: exits 0");
    let text = String::from_utf8(text.stdout).expect("utf-8");
    assert!(
        text.starts_with("license: MIT -> Apache-2.0 AND MIT\n~ LICENSE: MIT -> Apache-2.0\n"),
        "{text}"
    );
    assert!(
        text.contains("\n+ vendor/github.com/x/y/LICENSE.md: MIT\n"),
        "{text}"
    );
    let same = run("off", &["license", "diff", v2, v2]);
    assert_eq!(
        String::from_utf8_lossy(&same.stdout),
        "license: Apache-2.0 AND MIT (unchanged)\n"
    );
}

#[test]
fn license_names_and_unknown_names() {
    let expat = run("off", &["license", "name", "Expat", "--format", "json"]);
    let doc = success_json(&expat);
    assert_eq!(doc["licenses"][0]["spdx"], "MIT");
    assert_eq!(doc["licenses"][0]["full_name"], "MIT License");
    let bsd = success_json(&run("off", &["license", "name", "BSD", "--format", "json"]));
    let ids: Vec<&str> = bsd["licenses"]
        .as_array()
        .expect("licenses")
        .iter()
        .filter_map(|l| l["spdx"].as_str())
        .collect();
    assert!(
        ids.contains(&"BSD-2-Clause") && ids.contains(&"BSD-3-Clause"),
        "{ids:?}"
    );
    let apache = run("off", &["license", "name", "ASL 2.0"]);
    assert!(String::from_utf8_lossy(&apache.stdout).starts_with("SPDX: Apache-2.0\n"));
    let unknown = run("off", &["license", "name", "no such license"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("not known"));
}

#[test]
fn license_compatibility_answers_with_reasons_and_exit_statuses() {
    let apache_gpl2 = run(
        "off",
        &["license", "compatible", "Apache-2.0", "GPL-2.0-only"],
    );
    assert_eq!(apache_gpl2.status.code(), Some(1), "no: exit 1");
    let text = String::from_utf8_lossy(&apache_gpl2.stdout);
    assert!(
        text.starts_with("Apache-2.0 into GPL-2.0-only: no\n  "),
        "{text}"
    );
    let dual = success_json(&run(
        "off",
        &[
            "license",
            "compatible",
            "Apache-2.0 OR GPL-2.0-only",
            "GPL-2.0-only",
            "--format",
            "json",
        ],
    ));
    assert_eq!(dual["verdict"], "yes");
    let lgpl = success_json(&run(
        "off",
        &[
            "license",
            "compatible",
            "LGPL-2.1-or-later",
            "MIT",
            "--format",
            "json",
        ],
    ));
    assert_eq!(lgpl["verdict"], "conditional");
    assert!(
        lgpl["reasons"][0].as_str().unwrap_or("").contains("relink"),
        "{lgpl}"
    );
    let unknown = run("off", &["license", "compatible", "LicenseRef-mine", "MIT"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stdout).contains(": unknown\n"));
}

#[test]
fn a_repeated_license_analysis_is_answered_from_the_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tree = dir.path().join("p");
    project(&tree);
    let store = format!("sqlite:{}", dir.path().join("store").display());
    let args = ["license", tree.to_str().expect("utf-8"), "--format", "json"];
    let first = success_json(&run(&store, &args));
    let second = success_json(&run(&store, &args));
    assert_eq!(first["meta"]["cached"], false);
    assert_eq!(second["meta"]["cached"], true);
    assert_eq!(first["files"], second["files"]);
    // A changed license file is a new input.
    std::thread::sleep(std::time::Duration::from_millis(20));
    write(&tree, "LICENSE", MIT);
    let changed = success_json(&run(&store, &args));
    assert_eq!(changed["meta"]["cached"], false);
    assert_eq!(changed["summary"]["expression"], "MIT");
}
