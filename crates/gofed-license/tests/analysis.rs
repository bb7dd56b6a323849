//! License analysis of small trees: real license texts (Debian's `/usr/share/common-licenses`, from base-files),
//! several licenses in one file, overrides, summaries, and hostile inputs.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use gofed_license::{
    license_analysis, license_summarize, Config, DirTree, LicenseFile, MemoryTree, UnknownReason,
    Verdict,
};

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

fn common_license(name: &str) -> String {
    std::fs::read_to_string(format!("/usr/share/common-licenses/{name}")).unwrap_or_else(|err| {
        panic!("/usr/share/common-licenses/{name} (Debian base-files): {err}")
    })
}

fn tree(files: &[(&str, &[u8])]) -> MemoryTree {
    MemoryTree::new(
        files
            .iter()
            .map(|(p, b)| (p.to_string(), b.to_vec()))
            .collect(),
    )
}

fn file<'a>(files: &'a [LicenseFile], path: &str) -> &'a LicenseFile {
    files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{path} not reported"))
}

fn ids(f: &LicenseFile) -> Vec<String> {
    f.spdx_ids()
}

#[test]
fn files_at_any_depth_with_their_directory() {
    let apache = common_license("Apache-2.0");
    let bsd = common_license("BSD");
    let t = tree(&[
        ("LICENSE", MIT.as_bytes()),
        ("vendor/github.com/a/b/LICENSE.txt", apache.as_bytes()),
        ("sub/module/COPYING", bsd.as_bytes()),
        ("license_test.go", b"package x\n"),
        (
            "main.go",
            b"// SPDX-License-Identifier: MIT OR Apache-2.0\npackage main\n",
        ),
        (
            "other.go",
            b"/* SPDX-License-Identifier: NOT-A-LICENSE-ID(( */\npackage main\n",
        ),
    ]);
    let analysis = license_analysis(&t, &Config::default()).unwrap();
    let paths: Vec<_> = analysis.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "LICENSE",
            "sub/module/COPYING",
            "vendor/github.com/a/b/LICENSE.txt"
        ]
    );
    assert_eq!(ids(file(&analysis.files, "LICENSE")), ["MIT"]);
    let vendored = file(&analysis.files, "vendor/github.com/a/b/LICENSE.txt");
    assert_eq!(ids(vendored), ["Apache-2.0"]);
    assert_eq!(vendored.directory, "vendor/github.com/a/b");
    assert!(vendored.coverage > 0.9, "{}", vendored.coverage);
    // Debian's BSD is the 3-clause text of the Regents of the University of California.
    assert_eq!(
        ids(file(&analysis.files, "sub/module/COPYING")),
        ["BSD-3-Clause"]
    );
    assert_eq!(analysis.n_go_files, 3);
    assert_eq!(
        analysis.spdx_headers,
        BTreeMap::from([("Apache-2.0".into(), 1), ("MIT".into(), 1)])
    );
    assert_eq!(analysis.invalid_spdx_headers.len(), 1);

    let summary = license_summarize(&analysis);
    assert_eq!(summary.expression, "Apache-2.0 AND BSD-3-Clause AND MIT");
    assert!(summary.unknown_files.is_empty());
}

#[test]
fn two_licenses_in_one_file() {
    let both = format!("{MIT}\n\n{}", common_license("Apache-2.0"));
    let t = tree(&[("LICENSE", both.as_bytes())]);
    let analysis = license_analysis(&t, &Config::default()).unwrap();
    let f = &analysis.files[0];
    assert_eq!(f.verdict, Verdict::Detected);
    let mut found = ids(f);
    found.sort();
    assert_eq!(found, ["Apache-2.0", "MIT"]);
    assert!(f.coverage > 0.9, "{}", f.coverage);
    // The MIT text is at the top, the Apache text after it.
    let mit = f.matches.iter().find(|m| m.spdx_id == "MIT").unwrap();
    let apache = f
        .matches
        .iter()
        .find(|m| m.spdx_id == "Apache-2.0")
        .unwrap();
    assert!(
        mit.lines.1 <= apache.lines.0 + 1,
        "{:?} {:?}",
        mit.lines,
        apache.lines
    );
}

#[test]
fn partial_license_is_unknown_not_guessed() {
    // The MIT text followed by as much unrelated prose: the match covers about half the file.
    let prose = "This project also ships a tool that converts the widget format into another widget format. \
It reads the input, checks each record, and writes the records it understood. "
        .repeat(12);
    let text = format!("{MIT}\n{prose}");
    let t = tree(&[("LICENSE", text.as_bytes())]);
    let analysis = license_analysis(&t, &Config::default()).unwrap();
    let f = &analysis.files[0];
    assert_eq!(
        f.verdict,
        Verdict::Unknown {
            reason: UnknownReason::LowCoverage
        },
        "coverage {}",
        f.coverage
    );
    assert_eq!(f.matches[0].spdx_id, "MIT");
    let summary = license_summarize(&analysis);
    assert_eq!(summary.expression, "");
    assert_eq!(summary.unknown_files, ["LICENSE"]);
}

#[test]
fn override_by_sha256() {
    let t = tree(&[("LICENSE", b"Use it however you like, but be nice.\n")]);
    let plain = license_analysis(&t, &Config::default()).unwrap();
    assert!(matches!(plain.files[0].verdict, Verdict::Unknown { .. }));
    let config = Config {
        overrides: BTreeMap::from([(
            plain.files[0].sha256.clone(),
            "MIT OR Apache-2.0".to_string(),
        )]),
        ..Config::default()
    };
    let analysis = license_analysis(&t, &config).unwrap();
    assert_eq!(
        analysis.files[0].verdict,
        Verdict::Overridden {
            expression: "MIT OR Apache-2.0".into()
        }
    );
    let t2 = tree(&[
        ("LICENSE", b"Use it however you like, but be nice.\n"),
        ("a/LICENSE", MIT.as_bytes()),
    ]);
    let summary = license_summarize(&license_analysis(&t2, &config).unwrap());
    assert_eq!(summary.expression, "MIT AND (MIT OR Apache-2.0)");
}

#[test]
fn hostile_inputs() {
    let mut binary = b"\x7fELF\x02\x01\x01\0\0\0".to_vec();
    binary.extend((0..4096u32).map(|i| (i * 7919 % 251) as u8));
    let latin1: Vec<u8> = MIT
        .replace("Some Body", "J\u{fc}rgen M\u{fc}ller")
        .chars()
        .map(|c| c as u32 as u8)
        .collect();
    assert!(std::str::from_utf8(&latin1).is_err());
    let t = tree(&[
        ("LICENSE", &binary),
        ("empty/LICENSE", b""),
        ("blank/LICENSE", b"  \n\n\t \n"),
        ("latin1/LICENSE", &latin1),
    ]);
    let analysis = license_analysis(&t, &Config::default()).unwrap();
    assert_eq!(
        file(&analysis.files, "LICENSE").verdict,
        Verdict::Unknown {
            reason: UnknownReason::Binary
        }
    );
    assert_eq!(
        file(&analysis.files, "empty/LICENSE").verdict,
        Verdict::Unknown {
            reason: UnknownReason::Empty
        }
    );
    assert_eq!(
        file(&analysis.files, "blank/LICENSE").verdict,
        Verdict::Unknown {
            reason: UnknownReason::Empty
        }
    );
    assert_eq!(ids(file(&analysis.files, "latin1/LICENSE")), ["MIT"]);
}

#[test]
fn huge_file_and_directory_named_license_on_disk() {
    let dir = std::env::temp_dir().join(format!("gofed-license-hostile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("LICENSE")).unwrap();
    std::fs::write(dir.join("LICENSE/inner.txt"), b"not a license").unwrap();
    // 100 MB of license text: not read beyond the cap (1 MiB + 1 byte), reported as too large.
    let huge = MIT.repeat(100_000_000 / MIT.len() + 1);
    std::fs::write(dir.join("COPYING"), &huge).unwrap();
    drop(huge);
    std::fs::write(dir.join("NOTICE"), MIT).unwrap();
    let start = Instant::now();
    let analysis = license_analysis(&DirTree::new(&dir), &Config::default()).unwrap();
    // A generous bound that only a hang or a whole-file read-and-match would exceed.
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
    std::fs::remove_dir_all(&dir).unwrap();
    let copying = file(&analysis.files, "COPYING");
    assert_eq!(
        copying.verdict,
        Verdict::Unknown {
            reason: UnknownReason::TooLarge
        }
    );
    assert!(copying.size > 100_000_000);
    assert_eq!(
        file(&analysis.files, "LICENSE").verdict,
        Verdict::Unknown {
            reason: UnknownReason::NotAFile
        }
    );
    assert_eq!(ids(file(&analysis.files, "NOTICE")), ["MIT"]);
    let summary = license_summarize(&analysis);
    assert_eq!(summary.expression, "MIT");
    assert_eq!(summary.unknown_files, ["COPYING", "LICENSE"]);
}
