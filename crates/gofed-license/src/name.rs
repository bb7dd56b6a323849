//! Which file names are license files.

/// The name stems of license files (upper-case), as pkgsite and licensee look for them.
const STEMS: &[&str] = &[
    "LICENSE",
    "LICENCE",
    "COPYING",
    "NOTICE",
    "PATENTS",
    "UNLICENSE",
];

/// Extensions that make a `LICENSE…` name a program or data file rather than a license text
/// (`license_test.go`, `license.yml`, `notice.go`).
const CODE_EXTENSIONS: &[&str] = &[
    "go", "s", "c", "h", "cc", "cpp", "py", "sh", "js", "ts", "rs", "java", "json", "yml", "yaml",
    "toml", "xml", "proto", "tmpl", "mod", "sum",
];

/// Whether `file_name` (one path component) names a license file: a stem (`LICENSE`, `LICENCE`, `COPYING`,
/// `NOTICE`, `PATENTS`, `UNLICENSE`, any case) alone or followed by a separator (`.`, `-`, `_`) and more
/// (`LICENSE.md`, `LICENSE-MIT`, `COPYING.LIB`), unless its extension is a program's or a data format's.
/// `licensemanager` and `notices.go` are not license files.
pub fn is_license_file_name(file_name: &str) -> bool {
    let upper = file_name.to_ascii_uppercase();
    let Some(stem) = STEMS.iter().find(|stem| upper.starts_with(*stem)) else {
        return false;
    };
    let rest = &upper[stem.len()..];
    if rest.is_empty() {
        return true;
    }
    if !rest.starts_with(['.', '-', '_']) {
        return false;
    }
    match file_name.rsplit_once('.') {
        Some((_, ext)) => !CODE_EXTENSIONS
            .iter()
            .any(|code| ext.eq_ignore_ascii_case(code)),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::is_license_file_name;

    #[test]
    fn names() {
        for yes in [
            "LICENSE",
            "license",
            "LICENSE.md",
            "License.txt",
            "LICENCE",
            "COPYING",
            "COPYING.LIB",
            "NOTICE",
            "PATENTS",
            "UNLICENSE",
            "LICENSE-MIT",
            "LICENSE_APACHE",
            "LICENSE.APACHE2",
        ] {
            assert!(is_license_file_name(yes), "{yes}");
        }
        for no in [
            "licensemanager",
            "license_test.go",
            "license.yml",
            "notice.go",
            "notice_response.go",
            "licenses.go",
            "LICENSES",
            "README",
            "copyright",
            "NOTICES",
        ] {
            assert!(!is_license_file_name(no), "{no}");
        }
    }
}
