//! Fedora's Go packaging macros (go-rpm-macros 3.6) and the forge macros of redhat-rpm-config, modelled in Rust.
//!
//! Upstream these are Lua (`fedora/srpm/go.lua`, `fedora/srpm/forge.lua`, `fedora/common.lua`). We model what
//! that Lua computes instead of embedding a Lua interpreter: the macros are a few hundred lines of string work
//! over rpm variables, a model needs no C toolchain and no copy of GPL-licensed macro files, it cannot loop or
//! allocate without bound, and it runs in microseconds. The model keeps the Lua's order of `rpm.define` calls, its
//! `safeset` (define only when undefined) and `zalias` (`x` ↔ `x0`) conventions, and its string patterns (through
//! [`crate::lua_pattern`]), so that every variable a spec reads afterwards (`%{goname}`, `%{gourl}`,
//! `%{gosource}`, `%{archivename}`, `%{forgesetupargs}`, `%{currentgodevelname}`, ...) has the value Fedora's
//! macros give it. Known divergence: variables whose upstream body is itself Lua (`%{repo}`, `%{owner}`,
//! `%{namespace}`, bitbucket's `%{shortcommit}`) are computed when `%gometa` runs, not at each use.

use crate::lua_pattern::{gsub, matched};
use crate::macros::Macros;

/// Registers the modelled macros.
pub(crate) fn install(macros: &mut Macros) {
    macros.define_native("gometa", "az:svifL", gometa);
    macros.define_native("forgemeta", "z:isva", forgemeta);
    macros.define_native("gorpmname", "Lc:", gorpmname);
    macros.define_native("goprep", "z:ai:b:s:kervS:A", goprep);
    macros.define_native("godevelpkg", "z:av", |m, _| {
        subpackages(m, Kind::Devel, Section::Package)
    });
    macros.define_native("goaltpkg", "z:av", |m, _| {
        subpackages(m, Kind::Alt, Section::Package)
    });
    macros.define_native("godevelfiles", "z:av", |m, _| {
        subpackages(m, Kind::Devel, Section::Files)
    });
    macros.define_native("goaltfiles", "z:av", |m, _| {
        subpackages(m, Kind::Alt, Section::Files)
    });
    macros.define(
        "gopkg",
        Some("av"),
        "%{expand:\n%godevelpkg -a %{-v}\n%goaltpkg   -a %{-v}\n}",
        -13,
    );
    macros.define(
        "gopkgfiles",
        Some("av"),
        "%{expand:\n%godevelfiles -a %{-v}\n%goaltfiles   -a %{-v}\n}",
        -13,
    );
    // Build-stage macros: their text is shell for %prep/%build/%install/%check, which a reader does not run;
    // modelling their options keeps rpm's refusal of options they do not have.
    for (name, opts) in [
        ("goenv", "z:i:vV:T:C:B:"),
        ("gomkdir", "z:i:b:s:kv"),
        ("go_generate_buildrequires", "z:ai:"),
        ("goinstall", "z:ai:b:s:o:O:ve:d:t:rV:T:C:B:p:g:"),
        ("gopkginstall", "av"),
        ("godevelinstall", "z:av"),
        ("goaltinstall", "z:av"),
        ("gocheck", "z:ai:b:s:vd:t:rV:T:C:B:p:g:w"),
        ("gobuild", "o:"),
        ("gotest", ""),
        ("gobuildflags", ""),
        ("forgesetup", "z:va"),
        ("forgeautosetup", "z:vNS:p:q"),
        ("autopatch", "vp:m:M:"),
        ("autosetup", "a:b:cDn:TvNS:p:"),
    ] {
        macros.define_native(name, opts, |_, _| String::new());
    }
}

/// `fedora.common.explicitset`: defines `name` (to `%{nil}` when empty), unexpanded.
fn explicit_set(macros: &mut Macros, name: &str, value: &str) {
    let value = if value.is_empty() { "%{nil}" } else { value };
    macros.define_line(&format!("{name} {value}"));
}

/// `fedora.common.explicitunset`.
fn explicit_unset(macros: &mut Macros, name: &str) {
    if macros.is_defined(name) {
        macros.define_line(&format!("{name} %{{nil}}"));
    }
}

/// `fedora.common.safeset`: defines `name` only when it is not defined yet.
fn safe_set(macros: &mut Macros, name: &str, value: &str) {
    if !macros.is_defined(name) {
        explicit_set(macros, name, value);
    }
}

/// `fedora.common.zalias`: `x` and `x0` stand for each other.
fn zalias(macros: &mut Macros, names: &[&str]) {
    for (from, to) in [("", "0"), ("0", "")] {
        for name in names {
            let alias = format!("%{{?{name}{from}}}");
            if !macros.expand(&alias).is_empty() {
                safe_set(macros, &format!("{name}{to}"), &alias);
            }
        }
    }
}

/// `fedora.common.setcurrent`.
fn set_current(macros: &mut Macros, names: &[&str], suffix: &str) {
    for name in names {
        if macros.expand(&format!("%{{?{name}{suffix}}}")).is_empty() {
            explicit_unset(macros, &format!("current{name}"));
        } else {
            explicit_set(
                macros,
                &format!("current{name}"),
                &format!("%{{{name}{suffix}}}"),
            );
        }
    }
}

/// `fedora.common.getsuffixes`: the suffixes ("" and 0-9999) for which `NAME<suffix>` is set and not empty,
/// in numeric order ("" sorting as 0).
fn suffixes(macros: &mut Macros, name: &str) -> Vec<String> {
    zalias(macros, &[name]);
    let mut found: Vec<(u32, String)> = Vec::new();
    let mut zero = None;
    for candidate in macros.names_with_numeric_suffix(name) {
        let Ok(n) = candidate.parse::<u32>() else {
            continue;
        };
        if n > 9999 || candidate != n.to_string() {
            continue;
        }
        let value = macros.expand(&format!("%{{?{name}{candidate}}}"));
        if !value.is_empty() {
            if n == 0 {
                zero = Some(value);
            }
            found.push((n, candidate));
        }
    }
    let plain = macros.expand(&format!("%{{?{name}}}"));
    if !plain.is_empty() && Some(&plain) != zero.as_ref() {
        found.push((0, String::new()));
    }
    found.sort_by_key(|(n, _)| *n);
    found.into_iter().map(|(_, suffix)| suffix).collect()
}

/// `go.rpmname`: an rpm package name from a Go import path (both expanded first); the naming rules are
/// `gofed-goland`'s, checked there against go-rpm-macros' own Lua.
pub(crate) fn rpm_name(macros: &mut Macros, goipath: &str, compat_id: &str) -> String {
    let import_path = macros.expand(goipath);
    let naming = gofed_goland::FedoraNaming {
        new_versioning: macros.is_defined("go_use_new_versioning"),
        compat_id: Some(macros.expand(compat_id)),
    };
    gofed_goland::fedora_name(&import_path, &naming)
}

fn flag(macros: &mut Macros, option: char) -> bool {
    !macros.expand(&format!("%{{-{option}}}")).is_empty()
}

fn flag_value(macros: &mut Macros, option: char) -> String {
    macros.expand(&format!("%{{-{option}*}}"))
}

/// `%gometa`: the BuildRequires and ExclusiveArch lines, then the Go and forge variables.
fn gometa(macros: &mut Macros, _args: &[String]) -> String {
    let arches = if flag(macros, 'f') {
        "%{golang_arches_future}"
    } else {
        "%{golang_arches}"
    };
    let mut out = String::from("BuildRequires: go-rpm-macros\n");
    out.push_str(&macros.expand(&format!("ExclusiveArch: {arches}\n")));
    let silent = flag(macros, 's');
    if flag(macros, 'L') {
        macros.define_line("go_use_new_versioning 1");
    }
    let process_all = flag(macros, 'a') && !flag(macros, 'z');
    if process_all {
        for suffix in suffixes(macros, "goipath") {
            go_meta(macros, &suffix, silent);
        }
    } else {
        let suffix = flag_value(macros, 'z');
        go_meta(macros, &suffix, silent);
    }
    out
}

/// `%forgemeta`.
fn forgemeta(macros: &mut Macros, _args: &[String]) -> String {
    let silent = flag(macros, 's');
    if flag(macros, 'a') && !flag(macros, 'z') {
        for suffix in suffixes(macros, "forgeurl") {
            forge_meta(macros, &suffix, silent);
        }
    } else {
        let suffix = flag_value(macros, 'z');
        forge_meta(macros, &suffix, silent);
    }
    String::new()
}

/// `%gorpmname [-L] [-c COMPATID] IMPORTPATH`.
fn gorpmname(macros: &mut Macros, _args: &[String]) -> String {
    if flag(macros, 'L') {
        macros.define_line("go_use_new_versioning 1");
    }
    let compat = flag_value(macros, 'c');
    rpm_name(macros, "%1", &compat)
}

/// `%goprep`: its output is %prep shell, but it calls `%setup` or `%autosetup` with `%{forgesetupargs}`, whose
/// options rpm checks; the calls are expanded for that check and their text dropped.
fn goprep(macros: &mut Macros, _args: &[String]) -> String {
    let extract = !flag(macros, 'e');
    let autosetup = !macros.expand("%{-A}%{-S}").is_empty();
    let setup_flags = macros.expand("%{!-v:-q}");
    let autosetup_flags = macros.expand("%{-v} %{-S}");
    let mkdir_flags = macros.expand("%{?-i} %{?-b} %{?-s} %{-k} %{-v}");
    let process_all = flag(macros, 'a') && !flag(macros, 'z');
    let targets = if process_all {
        suffixes(macros, "goipath")
    } else {
        vec![macros.expand("%{?-z*}")]
    };
    for suffix in targets {
        let z = if suffix.is_empty() {
            String::new()
        } else {
            format!("-z {suffix} ")
        };
        if extract {
            let setup = if autosetup {
                format!("%autosetup -N {autosetup_flags}")
            } else {
                format!("%setup  {setup_flags}")
            };
            macros.expand(&format!("{setup} %{{?forgesetupargs{suffix}}}\n"));
        }
        macros.expand(&format!("%gomkdir {z}{mkdir_flags}\n"));
    }
    String::new()
}

/// `go.meta`.
fn go_meta(macros: &mut Macros, suffix: &str, silent: bool) {
    let is_main = suffix.is_empty() || suffix == "0";
    if is_main {
        zalias(
            macros,
            &[
                "forgeurl", "goipath", "gocid", "goname", "gourl", "gosource",
            ],
        );
    }
    let goipath = macros.expand(&format!("%{{?goipath{suffix}}}"));
    let forgeurl = macros.expand(&format!("%{{?forgeurl{suffix}}}"));
    if goipath.is_empty() {
        let z = if suffix.is_empty() {
            String::new()
        } else {
            format!(" -z {suffix}")
        };
        macros.error(format!(
            "Please set the Go import path in the %{{goipath{suffix}}} variable before calling %gometa{z}!"
        ));
        return;
    }
    let clean = gsub(&gsub(&goipath, "^http(s?)://", "").0, "/+$", "").0;
    if clean != goipath {
        // go.lua names an undefined Lua variable here, so rpm stops with a Lua error.
        macros.error(
            "lua script failed: attempt to concatenate a nil value (global 'goipath')".to_string(),
        );
        return;
    }
    if forgeurl.is_empty() {
        safe_set(
            macros,
            &format!("forgeurl{suffix}"),
            &format!("https://%{{goipath{suffix}}}"),
        );
    }
    forge_meta(macros, suffix, silent);
    safe_set(
        macros,
        &format!("gourl{suffix}"),
        &format!("%{{forgeurl{suffix}}}"),
    );
    if macros
        .expand(&format!("%{{?forgesource{suffix}}}"))
        .is_empty()
    {
        safe_set(
            macros,
            &format!("gosource{suffix}"),
            &format!("%{{gourl{suffix}}}/%{{archivename{suffix}}}.%{{archiveext{suffix}}}"),
        );
    } else {
        safe_set(
            macros,
            &format!("gosource{suffix}"),
            &format!("%{{forgesource{suffix}}}"),
        );
    }
    let name = rpm_name(
        macros,
        &format!("%{{goipath{suffix}}}"),
        &format!("%{{?gocid{suffix}}}"),
    );
    safe_set(macros, &format!("goname{suffix}"), &name);
    zalias(macros, &["forgeurl", "goname", "gourl", "gosource"]);
}

/// `forge.lua`'s `checkforgeurl` patterns, per forge.
fn forge_url_pattern(forge: &str) -> Option<&'static str> {
    Some(match forge {
        "gitlab" | "pagure_ns" | "gitea.com" | "github" | "bitbucket.org" => {
            "https://[^/]+/[^/]+/[^/#?]+"
        }
        "pagure" => "https://[^/]+/[^/#?]+",
        "pagure_fork" => "https://[^/]+/fork/[^/]+/[^/#?]+",
        "pagure_ns_fork" => "https://[^/]+/fork/[^/]+/[^/]+/[^/#?]+",
        "code.googlesource.com" => "https://code.googlesource.com/[^#?]*[^/#?]+",
        "sourcehut" => "https://[^/]+/~[^/]+/[^/#?]+",
        _ => return None,
    })
}

/// `forge.lua`'s `idforge`: the forge of a URL and the URL trimmed to the repository.
fn identify_forge(macros: &mut Macros, url: &str, silent: bool) -> Option<(String, String)> {
    if url.is_empty() {
        return None;
    }
    let Some(host) = matched(url, "^[^:]+://([^/]+)/") else {
        if !silent {
            macros.error(
                "URLs must include a protocol such as https:// and a path starting with / !"
                    .to_string(),
            );
        }
        return None;
    };
    let mut forge = host.clone();
    if host == "pagure.io" {
        if matched(url, "[^:]+://pagure.io/fork/[^/]+/[^/]+/[^/]+").is_some() {
            forge = "pagure_ns_fork".into();
        } else if matched(url, "[^:]+://pagure.io/fork/[^/]+/[^/]+").is_some() {
            forge = "pagure_fork".into();
        } else if matched(url, "[^:]+://pagure.io/[^/]+/[^/]+").is_some() {
            forge = "pagure_ns".into();
        } else if matched(url, "[^:]+://pagure.io/[^/]+").is_some() {
            forge = "pagure".into();
        }
    } else if matched(&host, "^gitlab[%.-]").is_some()
        || matched(&host, "[%.-]gitlab[%.]").is_some()
    {
        forge = "gitlab".into();
    } else if matched(&host, "^github[%.-]").is_some()
        || matched(&host, "[%.-]github[%.]").is_some()
    {
        forge = "github".into();
    } else if matched(url, "[^:]+://git.sr.ht/").is_some() {
        forge = "sourcehut".into();
    }
    let pattern = forge_url_pattern(&forge)?;
    match matched(url, pattern) {
        Some(checked) => Some((checked, forge)),
        None => {
            if !silent {
                macros.error(format!("{forge} URLs must match the forge's URL form !"));
            }
            None
        }
    }
}

/// `forge.lua`'s `getversionsuffix`.
fn version_suffix(text: &str, prefix: &str) -> String {
    match text.strip_prefix(prefix) {
        Some(rest) if matched(rest, "^%.?%d").is_none() => rest.to_string(),
        _ => text.to_string(),
    }
}

/// The variables `forge.meta` reads or sets (aliased `x` ↔ `x0` before it runs).
const FORGE_READ: &[&str] = &[
    "forgeurl",
    "forgesource",
    "forgesetupargs",
    "archivename",
    "archiveext",
    "archiveurl",
    "topdir",
    "extractdir",
    "repo",
    "owner",
    "namespace",
    "scm",
    "tag",
    "commit",
    "shortcommit",
    "branch",
    "version",
    "date",
    "distprefix",
];

/// The variables `forge.meta` sets (aliased again after it ran).
const FORGE_SET: &[&str] = &[
    "forgeurl",
    "forgesource",
    "forgesetupargs",
    "archivename",
    "archiveext",
    "archiveurl",
    "topdir",
    "extractdir",
    "repo",
    "owner",
    "namespace",
    "scm",
    "shortcommit",
    "distprefix",
];

/// `forge.meta`: the archive, URL and set-up variables of a forge source.
fn forge_meta(macros: &mut Macros, suffix: &str, silent: bool) {
    let s = suffix;
    let is_main = s.is_empty() || s == "0";
    if is_main {
        zalias(macros, FORGE_READ);
    }
    let read = |macros: &mut Macros, name: &str| macros.expand(&format!("%{{?{name}{s}}}"));
    let forgeurl = read(macros, "forgeurl");
    let tag = read(macros, "tag");
    let commit = read(macros, "commit");
    let branch = read(macros, "branch");
    let version = read(macros, "version");
    let commit_ref = format!("%{{?commit{s}}}");
    let version_ref = format!("%{{?version{s}}}");
    let branch_ref = format!("%{{?branch{s}}}");
    let (mut reference, is_release) = if !tag.is_empty() {
        (format!("%{{?tag{s}}}"), false)
    } else if !commit.is_empty() {
        (commit_ref.clone(), false)
    } else if !branch.is_empty() {
        (branch_ref.clone(), false)
    } else {
        (version_ref.clone(), true)
    };
    if macros.expand(&reference).is_empty() {
        if s.is_empty() {
            macros.error(
                "You need to define Version:, %{commit} or %{tag} before the macro invocation !"
                    .into(),
            );
        } else {
            macros.error(format!(
                "You need to define %{{version{s}}}, %{{commit{s}}} or %{{tag{s}}} before the macro invocation !"
            ));
        }
    }
    if let Some((url, forge)) = identify_forge(macros, &forgeurl, silent) {
        explicit_set(macros, &format!("forgeurl{s}"), &url);
        let expanded_ref = macros.expand(&reference);
        match forge.as_str() {
            "github" | "sourcehut" => {
                let mut fileref = reference.clone();
                if forge == "github" && reference == version_ref {
                    reference = format!("v{reference}");
                } else if fileref != commit_ref && matched(&expanded_ref, "^v[%d]").is_some() {
                    fileref = gsub(&expanded_ref, "^v", "").0;
                } else if expanded_ref.contains('/') {
                    fileref = expanded_ref.replace('/', "-");
                }
                safe_set(macros, &format!("fileref{s}"), &fileref);
            }
            "gitea.com" => safe_set(
                macros,
                &format!("fileref{s}"),
                &expanded_ref.replace('/', "-"),
            ),
            "code.googlesource.com" if reference == version_ref => {
                reference = format!("v{reference}")
            }
            "bitbucket.org" if commit.is_empty() => {
                macros.error("All BitBucket URLs require commit value knowledge: you need to define %{commit}!".into());
            }
            _ => {}
        }
        safe_set(macros, &format!("ref{s}"), &reference);
        for (name, value) in forge_variables(macros, &forge, s, &url, &commit) {
            safe_set(macros, &format!("{name}{s}"), &value);
        }
    }
    let archiveurl = read(macros, "archiveurl");
    let archivename = read(macros, "archivename");
    let archiveext = read(macros, "archiveext");
    let topdir = read(macros, "topdir");
    let forgesource =
        if matched(&archiveurl, "/([^/]+)$") == Some(format!("{archivename}.{archiveext}")) {
            format!("%{{archiveurl{s}}}")
        } else {
            format!("%{{?archiveurl{s}}}#/%{{?archivename{s}}}.%{{archiveext{s}}}")
        };
    safe_set(macros, &format!("forgesource{s}"), &forgesource);
    let (mut setup_args, extractdir) = if topdir.is_empty() {
        (
            format!("-c -n %{{extractdir{s}}}"),
            format!("%{{archivename{s}}}"),
        )
    } else {
        (format!("-n %{{extractdir{s}}}"), format!("%{{topdir{s}}}"))
    };
    if !is_main {
        let letter = if topdir.is_empty() { 'a' } else { 'b' };
        setup_args = format!("-T -D -{letter} {s} {setup_args}");
    }
    safe_set(macros, &format!("forgesetupargs{s}"), &setup_args);
    safe_set(macros, &format!("extractdir{s}"), &extractdir);
    distprefix(
        macros,
        s,
        is_main,
        is_release,
        &reference,
        &commit_ref,
        &branch_ref,
        &version,
    );
    if is_main {
        zalias(macros, FORGE_SET);
    }
}

/// The snapshot part of `%{dist}`.
#[allow(clippy::too_many_arguments)]
fn distprefix(
    macros: &mut Macros,
    s: &str,
    is_main: bool,
    is_release: bool,
    reference: &str,
    commit_ref: &str,
    branch_ref: &str,
    version: &str,
) {
    let mut prefix = String::new();
    if !is_release {
        prefix = macros.expand(reference).to_lowercase();
        if reference == commit_ref {
            prefix = prefix.chars().take(7).collect();
        } else if reference != branch_ref {
            prefix = gsub(&prefix, "[%p%s]+", ".").0;
            let repo = macros.expand("%{?repo}").to_lowercase();
            if let Some(rest) = prefix.strip_prefix(&repo) {
                prefix = rest.strip_prefix('.').unwrap_or(rest).to_string();
            }
            let v = gsub(&macros.expand("%{version}"), "[%p%s]+", ".").0;
            for p in ["", "v", "v.", "version", "version.", "tags.v", "tags.v."] {
                prefix = version_suffix(&prefix, &format!("{p}{v}"));
            }
            prefix = gsub(&prefix, "^%.", "").0;
        }
        if !prefix.is_empty() {
            // Without %{date}, forge.lua reads the archive's date with a shell command; when a spec is read the
            // archive is not there and the command prints nothing, which is what is kept here.
            let date = macros.expand(&format!("%{{?date{s}}}"));
            prefix = format!(".{date}%{{scm{s}}}{prefix}");
        }
    }
    if !version.is_empty() && version != "0" && version != macros.expand("%{?version}") {
        prefix = format!(".%{{version{s}}}{prefix}");
    }
    if !macros.expand(&prefix).is_empty() {
        if !is_main {
            prefix = gsub(&prefix, "^%.", ".s").0;
        }
        safe_set(macros, &format!("distprefix{s}"), &prefix);
    }
}

/// `forge.lua`'s per-forge variable table (falling back to its defaults).
fn forge_variables(
    macros: &mut Macros,
    forge: &str,
    s: &str,
    url: &str,
    commit: &str,
) -> Vec<(&'static str, String)> {
    let capture = |pattern: &str| matched(url, pattern).unwrap_or_else(|| "nil".to_string());
    let archive_url_ref =
        format!("%{{forgeurl{s}}}/archive/%{{ref{s}}}/%{{archivename{s}}}.%{{archiveext{s}}}");
    let mut vars: Vec<(&'static str, String)> = match forge {
        "gitlab" => vec![(
            "archiveurl",
            format!(
                "%{{forgeurl{s}}}/-/archive/%{{ref{s}}}/%{{archivename{s}}}.%{{archiveext{s}}}"
            ),
        )],
        "pagure" => vec![
            ("archiveext", "tar.gz".into()),
            ("repo", capture("^[^:]+://[^/]+/([^/?#]+)")),
            ("archiveurl", archive_url_ref),
        ],
        "pagure_ns" => vec![
            ("archiveext", "tar.gz".into()),
            ("namespace", capture("^[^:]+://[^/]+/([^/]+)/[^/?#]+")),
            ("repo", capture("^[^:]+://[^/]+/[^/]+/([^/?#]+)")),
            (
                "archivename",
                format!("%{{namespace{s}}}-%{{repo{s}}}-%{{ref{s}}}"),
            ),
            ("archiveurl", archive_url_ref),
        ],
        "pagure_fork" => vec![
            ("archiveext", "tar.gz".into()),
            ("owner", capture("https://[^/]+/fork/([^/]+)/[^/?#]+")),
            ("repo", capture("https://[^/]+/fork/[^/]+/([^/?#]+)")),
            (
                "archivename",
                format!("%{{owner{s}}}-%{{repo{s}}}-%{{ref{s}}}"),
            ),
            ("archiveurl", archive_url_ref),
        ],
        "pagure_ns_fork" => vec![
            ("owner", capture("https://[^/]+/fork/([^/]+)/[^/]+/[^/?#]+")),
            (
                "namespace",
                capture("https://[^/]+/fork/[^/]+/([^/]+)/[^/?#]+"),
            ),
            ("repo", capture("https://[^/]+/fork/[^/]+/[^/]+/([^/?#]+)")),
            (
                "archivename",
                format!("%{{owner{s}}}-%{{namespace{s}}}-%{{repo{s}}}-%{{ref{s}}}"),
            ),
            ("archiveurl", archive_url_ref),
        ],
        "gitea.com" => vec![
            ("archiveext", "tar.gz".into()),
            ("archivename", format!("%{{fileref{s}}}")),
            (
                "archiveurl",
                format!("%{{forgeurl{s}}}/archive/%{{ref{s}}}.%{{archiveext{s}}}"),
            ),
            ("topdir", "%{repo}".into()),
        ],
        "github" => vec![
            ("archiveext", "tar.gz".into()),
            ("archivename", format!("%{{repo{s}}}-%{{fileref{s}}}")),
            ("archiveurl", archive_url_ref),
        ],
        "code.googlesource.com" => vec![
            ("archiveext", "tar.gz".into()),
            ("repo", capture("^[^:]+://.+/([^/?#]+)")),
            (
                "archiveurl",
                format!("%{{forgeurl{s}}}/+archive/%{{ref{s}}}.%{{archiveext{s}}}"),
            ),
            ("topdir", String::new()),
        ],
        "bitbucket.org" => vec![
            ("shortcommit", commit.chars().take(12).collect()),
            ("owner", capture("^[^:]+://[^/]+/([^/?#]+)")),
            (
                "archivename",
                format!("%{{owner{s}}}-%{{repo{s}}}-%{{shortcommit{s}}}"),
            ),
            (
                "archiveurl",
                format!("%{{forgeurl{s}}}/get/%{{ref{s}}}.%{{archiveext{s}}}"),
            ),
        ],
        "sourcehut" => vec![
            ("archiveext", "tar.gz".into()),
            ("archivename", format!("%{{repo{s}}}-%{{fileref{s}}}")),
            (
                "archiveurl",
                format!("%{{forgeurl{s}}}/archive/%{{ref{s}}}.%{{archiveext{s}}}"),
            ),
            ("topdir", format!("%{{repo{s}}}-%{{ref{s}}}")),
        ],
        _ => Vec::new(),
    };
    let defaults: [(&'static str, String); 5] = [
        ("scm", "git".into()),
        ("archiveext", "tar.bz2".into()),
        ("repo", capture("^[^:]+://[^/]+/[^/]+/([^/?#]+)")),
        ("archivename", format!("%{{repo{s}}}-%{{ref{s}}}")),
        ("topdir", format!("%{{archivename{s}}}")),
    ];
    for (name, value) in defaults {
        if !vars.iter().any(|(n, _)| *n == name) {
            vars.push((name, value));
        }
    }
    let _ = macros;
    vars
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Devel,
    Alt,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Package,
    Files,
}

/// `go.pkg` and `go.files`: one `%package`/`%description` or `%files` section per Go subpackage.
fn subpackages(macros: &mut Macros, kind: Kind, section: Section) -> String {
    let suffix = flag_value(macros, 'z');
    let process_all = flag(macros, 'a') && !flag(macros, 'z');
    if kind == Kind::Devel {
        // go.lua's develenvinit: goipaths default to goipath.
        if suffixes(macros, "goipaths").is_empty() {
            for s in suffixes(macros, "goipath") {
                safe_set(macros, &format!("goipaths{s}"), &format!("%{{goipath{s}}}"));
            }
        }
    }
    let pivot = if kind == Kind::Devel {
        "goipaths"
    } else {
        "goaltipaths"
    };
    let targets = if process_all {
        suffixes(macros, pivot)
    } else {
        vec![suffix]
    };
    let mut out = String::new();
    for s in targets {
        match kind {
            Kind::Devel => {
                devel_env(macros, &s);
                out.push_str(&match section {
                    Section::Package => {
                        let head = macros.expand(
                            "%package     -n %{currentgodevelname}\nSummary:        %{currentgodevelsummary}\n\
                             BuildRequires:  go-rpm-macros\nBuildArch:      noarch\n%{?currentgodevelheader}\n\
                             %description -n %{currentgodevelname}\n",
                        );
                        head + &description(macros, "%{?currentgodeveldescription}") + "\n"
                    }
                    Section::Files => macros.expand(
                        "%files -n %{currentgodevelname}    -f \"%{goworkdir}/%{currentgodevelfilelist}\"\n",
                    ),
                });
            }
            Kind::Alt => {
                let is_main = s.is_empty() || s == "0";
                if is_main {
                    zalias(macros, &["goaltipaths", "gocid", "goaltcid"]);
                }
                safe_set(macros, &format!("goaltcid{s}"), &format!("%{{?gocid{s}}}"));
                if is_main {
                    zalias(macros, &["goaltcid"]);
                }
                for (name, paths) in indexed_import_paths(macros, &s) {
                    alt_env(macros, &s, &name, &paths);
                    out.push_str(&match section {
                        Section::Package => {
                            let head = macros.expand(
                                "%package     -n %{currentgoaltname}\nSummary:        %{currentgoaltsummary}\n\
                                 BuildRequires:  go-rpm-macros\nBuildArch:      noarch\n%{?currentgoaltheader}\n\
                                 %description -n %{currentgoaltname}\n",
                            );
                            head + &description(macros, "%{?currentgoaltdescription}") + "\n"
                        }
                        Section::Files => macros.expand(
                            "%files -n %{currentgoaltname} -f \"%{goworkdir}/%{currentgoaltfilelist}\"\n",
                        ),
                    });
                }
            }
        }
    }
    out
}

/// A description body: fedora.common.wordwrap's clean-up (blank runs collapsed, edges trimmed), without its
/// re-folding at 80 columns, which changes no field rpm reports.
fn description(macros: &mut Macros, text: &str) -> String {
    let text = macros.expand(text).replace('\t', "  ").replace('\r', "\n");
    let mut lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines.dedup_by(|a, b| a.is_empty() && b.is_empty());
    let joined = lines.join("\n");
    joined.trim_matches('\n').to_string() + "\n"
}

/// `go.indexedgoipaths`: alternative import paths grouped by the compat package name they give.
fn indexed_import_paths(macros: &mut Macros, s: &str) -> Vec<(String, Vec<String>)> {
    let paths = macros.expand(&format!("%{{goaltipaths{s}}}"));
    let compat = format!("%{{goaltcid{s}}}");
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for path in paths
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|p| !p.is_empty())
    {
        let mut key = rpm_name(macros, path, &compat);
        if !key.starts_with("compat-") {
            key = format!("compat-{key}");
        }
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(path.to_string()),
            None => groups.push((key, vec![path.to_string()])),
        }
    }
    groups
}

const DEVEL_CURRENT: &[&str] = &[
    "godevelname",
    "godevelcid",
    "godevelfilelist",
    "godevelsummary",
    "godevelheader",
    "goextensions",
    "gosupfiles",
    "gosupfilesex",
    "goipaths",
    "goipathsex",
    "golicenses",
    "golicensesex",
    "godocs",
    "godocsex",
];

/// `go.develenv`.
fn devel_env(macros: &mut Macros, s: &str) {
    let is_main = s.is_empty() || s == "0";
    if is_main {
        let mut names = vec!["goipath", "gocid", "gofilelist"];
        names.extend(DEVEL_CURRENT.iter().copied());
        names.push("godeveldescription");
        zalias(macros, &names);
    }
    for (list, flag) in [
        ("goipaths", "-i"),
        ("goipathsex", "-t"),
        ("goextensions", "-e"),
    ] {
        let value = macros.expand(&format!("%{{?{list}{s}}}"));
        if value.is_empty() {
            continue;
        }
        let mut words: Vec<&str> = value.split_whitespace().collect();
        words.retain(|w| *w != flag);
        let mut cleaned = words.join(" ");
        if list != "goipaths" {
            cleaned = words
                .iter()
                .map(|w| format!("{flag} {w}"))
                .collect::<Vec<_>>()
                .join(" ");
        }
        explicit_set(macros, &format!("{list}{s}"), &cleaned);
    }
    let goipaths = macros.expand(&format!("%{{?goipaths{s}}}"));
    let goipath = goipaths.split_whitespace().next().unwrap_or("").to_string();
    safe_set(
        macros,
        &format!("godevelcid{s}"),
        &format!("%{{?gocid{s}}}"),
    );
    let name = rpm_name(macros, &goipath, &format!("%{{?godevelcid{s}}}"));
    safe_set(macros, &format!("godevelname{s}"), &format!("{name}-devel"));
    safe_set(
        macros,
        &format!("godevelfilelist{s}"),
        &format!("{name}-%{{gofilelist}}"),
    );
    safe_set(macros, &format!("godevelsummary{s}"), "%{summary}");
    safe_set(
        macros,
        &format!("godeveldescription{s}"),
        "%{?common_description}",
    );
    let mut post = String::from(
        "\n\nThis package contains the source code needed for building packages that reference the following Go \
         import paths:",
    );
    for path in goipaths.split_whitespace() {
        post.push_str(&format!("\n – {path}"));
    }
    explicit_set(
        macros,
        "currentgodeveldescription",
        &format!("%{{expand:%{{godeveldescription{s}}}{post}}}"),
    );
    set_current(macros, DEVEL_CURRENT, s);
    if is_main {
        zalias(
            macros,
            &[
                "godevelname",
                "godevelcid",
                "godevelfilelist",
                "godevelsummary",
                "godeveldescription",
            ],
        );
    }
}

/// `go.altenv`.
fn alt_env(macros: &mut Macros, s: &str, name: &str, paths: &[String]) {
    let is_main = s.is_empty() || s == "0";
    if is_main {
        zalias(
            macros,
            &[
                "goipath",
                "gocanonipath",
                "goaltdescription",
                "goaltsummary",
                "goaltheader",
            ],
        );
    }
    safe_set(
        macros,
        &format!("gocanonipath{s}"),
        &format!("%{{goipath{s}}}"),
    );
    safe_set(macros, &format!("goaltsummary{s}"), "%{summary}");
    safe_set(
        macros,
        &format!("goaltdescription{s}"),
        "%{?common_description}",
    );
    set_current(macros, &["gocanonipath", "goaltcid", "goaltsummary"], s);
    let mut post = String::from(
        "\n\nThis package provides symbolic links that alias the following Go import paths to \
         %{currentgocanonipath}:",
    );
    let mut head = String::new();
    for path in paths {
        post.push_str(&format!("\n – {path}"));
        // go.lua keeps only the last path's Obsoletes (it assigns instead of appending).
        head = format!(
            "\nObsoletes: {}-devel < %{{version}}-%{{release}}",
            rpm_name(macros, path, "")
        );
    }
    post.push_str(
        "\n\nAliasing Go import paths via symbolic links or http redirects is fragile. If your Go code depends on \
         this package, you should patch it to import directly %{currentgocanonipath}.",
    );
    explicit_set(
        macros,
        "currentgoaltdescription",
        &format!("%{{expand:%{{?goaltdescription{s}}}{post}}}"),
    );
    explicit_set(
        macros,
        "currentgoaltheader",
        &format!("%{{expand:%{{?goaltheader{s}}}{head}}}"),
    );
    explicit_set(macros, "currentgoaltname", &format!("{name}-devel"));
    explicit_set(
        macros,
        "currentgoaltfilelist",
        &format!("{name}-%{{gofilelist}}"),
    );
    if is_main {
        zalias(
            macros,
            &["gocanonipath", "goaltsummary", "goaltdescription"],
        );
    }
}

/// The Go import paths a spec packages: `%{goipath}`, `%{goipaths}` and `%{goaltipaths}`, with their numbered
/// forms, in that order, without duplicates and without `-i`-style flags.
pub(crate) fn import_paths(macros: &mut Macros) -> Vec<String> {
    let mut paths: Vec<String> = Vec::new();
    for name in ["goipath", "goipaths", "goaltipaths"] {
        let mut names = vec![String::new()];
        names.extend(macros.names_with_numeric_suffix(name));
        for suffix in names {
            let value = macros.expand(&format!("%{{?{name}{suffix}}}"));
            for path in value.split(|c: char| c.is_whitespace() || c == ',') {
                if !path.is_empty()
                    && !path.starts_with('-')
                    && !path.contains('%')
                    && !paths.iter().any(|p| p == path)
                {
                    paths.push(path.to_string());
                }
            }
        }
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(path: &str, compat: &str, new_versioning: bool) -> String {
        let mut macros = Macros::new();
        if new_versioning {
            macros.define_line("go_use_new_versioning 1");
        }
        rpm_name(&mut macros, path, compat)
    }

    #[test]
    fn rpm_names_follow_go_lua() {
        assert_eq!(
            name("github.com/spf13/cobra", "", false),
            "golang-github-spf13-cobra"
        );
        assert_eq!(name("gopkg.in/yaml.v3", "", false), "golang-gopkg-yaml-3");
        assert_eq!(name("gopkg.in/yaml.v3", "", true), "golang-gopkg-yaml3");
        assert_eq!(name("k8s.io/api", "", false), "golang-k8s-api");
        assert_eq!(
            name("github.com/go-git/go-git/v5", "", true),
            "golang-github-git5"
        );
        assert_eq!(
            name("git.sr.ht/~rjarry/aerc", "", false),
            "golang-sr-rjarry-aerc"
        );
        assert_eq!(
            name("github.com/Azure/azure-sdk-for-go", "", false),
            "golang-github-azure-sdk"
        );
        assert_eq!(
            name("github.com/x/y", "1.2", false),
            "compat-golang-github-x-y-1.2"
        );
    }
}
