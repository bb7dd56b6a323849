//! Specs written for each construct the reader supports, and hostile ones. The corpus comparison with rpmspec
//! itself is scripts/oracle-spec.sh.

use gofed_spec::{parse, parse_with, Options, Severity, Spec};

const HEADER: &str =
    "Name: demo\nVersion: 1.2\nRelease: 3%{?dist}\nSummary: A demo\nLicense: MIT\n";

fn spec(body: &str) -> Spec {
    parse("demo.spec", format!("{HEADER}{body}").as_bytes())
}

fn names(deps: &[gofed_spec::Dependency]) -> Vec<String> {
    deps.iter().map(ToString::to_string).collect()
}

fn errors(spec: &Spec) -> Vec<String> {
    spec.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.message.clone())
        .collect()
}

#[test]
fn conditionals_bconds_and_expressions() {
    let s = spec(
        "%bcond_without check\n%bcond_with docs\n%bcond extra 0\n\
         %if %{with check} && !%{with docs}\nBuildRequires: a\n%elif 1\nBuildRequires: b\n%else\nBuildRequires: c\n%endif\n\
         %if 0%{?fedora} >= 44\nBuildRequires: fedora-new\n%endif\n\
         %if %{with extra}\nBuildRequires: extra\n%endif\n\
         %ifarch x86_64 aarch64\nBuildRequires: arch-ok\n%endif\n%ifnarch x86_64\nBuildRequires: arch-bad\n%endif\n\
         %if \"%{version}\" == \"1.2\"\nBuildRequires: version-string\n%endif\n\
         %if v\"%{version}\" < v\"1.10\"\nBuildRequires: version-compare\n%endif\n\
         %description\ntext\n",
    );
    assert_eq!(errors(&s), Vec::<String>::new());
    assert_eq!(
        names(&s.source.build_requires),
        [
            "a",
            "arch-ok",
            "fedora-new",
            "version-compare",
            "version-string"
        ]
    );
    let with = parse_with(
        "demo.spec",
        format!("{HEADER}%bcond extra 0\n%if %{{with extra}}\nBuildRequires: extra\n%endif\n")
            .as_bytes(),
        &Options {
            with: vec!["extra".into()],
            ..Options::default()
        },
    );
    assert_eq!(names(&with.source.build_requires), ["extra"]);
}

#[test]
fn macros_parametric_expand_and_existence_tests() {
    let s = spec(
        "%define twice(x:) %1%1%{?-x: with %{-x*}}\n%global list %{expand:a\nb}\n\
         Requires: %twice -x opt ab\nRequires: %{!?nosuchmacro:fallback} %{?nosuchmacro:never}\n\
         Provides: %{name}-%{lua: print(1)}x = %{version}\nRequires: lines-%(echo hi)\n\
         %description\n%{list}\n",
    );
    assert_eq!(
        names(&s.packages[0].requires),
        ["abab", "fallback", "lines-", "opt", "with"]
    );
    assert!(names(&s.packages[0].provides).contains(&"demo-x = 1.2".to_string()));
    assert!(s
        .diagnostics
        .iter()
        .any(|d| d.message.contains("Lua not evaluated")));
    assert!(s
        .diagnostics
        .iter()
        .any(|d| d.message.contains("shell command not run")));
}

#[test]
fn subpackages_dependencies_and_scriptlets() {
    let s = spec(
        "Requires: (a >= 1 or b), c, d <= 2\nRequires(post): e\nObsoletes: old < 1.0\n%description\nx\n\
         %package tools\nSummary: Tools\nBuildArch: noarch\nProvides: tool = %{version}-%{release}\n\
         %description tools\ny\n%package -n other\nSummary: Other\nEpoch: 2\n%description -n other\nz\n\
         %post\n/sbin/ldconfig\n%pre -n other -p /usr/bin/bash\ntrue\n%postun tools -p <lua>\nprint(1)\n\
         %files\n%files tools\n",
    );
    assert_eq!(errors(&s), Vec::<String>::new());
    let main = s.package("demo").unwrap();
    assert_eq!(
        names(&main.requires),
        ["(a >= 1 or b)", "/bin/sh", "c", "d <= 2", "e"]
    );
    assert_eq!(
        main.requires
            .iter()
            .find(|d| d.name == "/bin/sh")
            .unwrap()
            .qualifiers(),
        ["interp", "post"]
    );
    assert_eq!(names(&main.obsoletes), ["old < 1.0"]);
    let tools = s.package("demo-tools").unwrap();
    assert_eq!(tools.arch, "noarch");
    assert_eq!(
        names(&tools.provides),
        ["demo-tools = 1.2-3.fc44", "tool = 1.2-3.fc44"]
    );
    assert_eq!(
        names(&tools.requires),
        ["rpmlib(BuiltinLuaScripts) <= 4.2.2-1"]
    );
    let other = s.package("other").unwrap();
    assert_eq!(other.evr(), "2:1.2-3.fc44");
    assert_eq!(names(&other.requires), ["/usr/bin/bash"]);
    assert!(!other.has_files && main.has_files && tools.has_files);
}

#[test]
fn fedora_go_macros() {
    let s = parse(
        "go.spec",
        b"%global goipath github.com/foo/bar\nVersion: 1.0.0\n%gometa -f -L\n\
          %global goaltipaths github.com/old/bar\n%global common_description %{expand:Bar.}\n\
          Name: %{goname}\nRelease: 1%{?dist}\nSummary: Bar\nLicense: MIT\nURL: %{gourl}\nSource: %{gosource}\n\
          %description\n%{common_description}\n%gopkg\n%prep\n%goprep -p1\n%files\n%gopkgfiles\n",
    );
    assert_eq!(s.source.name, "golang-github-foo-bar");
    assert_eq!(s.source.url.as_deref(), Some("https://github.com/foo/bar"));
    assert_eq!(
        s.source.sources[0].location,
        "https://github.com/foo/bar/archive/v1.0.0/bar-1.0.0.tar.gz"
    );
    assert_eq!(names(&s.source.build_requires), ["go-rpm-macros"]);
    assert!(s.source.exclusive_arch.contains(&"x86_64".to_string()));
    assert!(!s.source.exclusive_arch.contains(&"i686".to_string()));
    assert!(s
        .package("golang-github-foo-bar-devel")
        .is_some_and(|p| p.has_files && p.arch == "noarch"));
    let alt = s
        .package("compat-golang-github-old-bar-devel")
        .expect("the goaltipaths package");
    assert_eq!(
        names(&alt.obsoletes),
        ["golang-github-old-bar-devel < 1.0.0-1.fc44"]
    );
    assert_eq!(s.import_paths, ["github.com/foo/bar", "github.com/old/bar"]);
    // go-rpm-macros 3.6's %goprep has no -p: rpm refuses the spec, the reader says so and goes on.
    assert_eq!(errors(&s), ["Unknown option p in goprep(z:ai:b:s:kervS:A)"]);
}

#[test]
fn hostile_specs_give_errors_not_panics() {
    let unbalanced = spec("%if 1\nBuildRequires: a\n");
    assert!(errors(&unbalanced)
        .iter()
        .any(|e| e.contains("Unclosed %if")));
    let stray = spec("%endif\n%else\n");
    assert!(errors(&stray)
        .iter()
        .any(|e| e.contains("%endif with no %if")));
    let recursive = spec("%define a %{a}\nRequires: %{a}\n");
    assert!(errors(&recursive)
        .iter()
        .any(|e| e.contains("Too many levels of recursion")));
    let self_global = spec("%global a %{a}\nRequires: x%{a}\n");
    assert!(!self_global.packages.is_empty());
    let doubling: String = "%global d %{d}%{d}%{d}%{d}\n".repeat(40);
    let doubled = spec(&format!("%global d x\n{doubling}Requires: %{{d}}\n"));
    assert!(errors(&doubled).iter().any(|e| e.contains("exceeds")));
    let huge = vec![b'#'; 65 << 20];
    assert!(parse("huge.spec", &huge).has_errors());
    let garbage: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let _ = parse("garbage.spec", &garbage);
    let unterminated = spec("Requires: %{foo\n");
    assert!(unterminated.has_errors());
    let deep = spec(&format!(
        "%if {}1{}\n%endif\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    ));
    assert!(!deep.packages.is_empty());
}

#[test]
fn unknown_macros_are_kept_and_reported() {
    let s = spec("Requires: x-%{nosuchmacro} y%undefinedtoo\n%description\nd\n");
    assert_eq!(
        names(&s.packages[0].requires),
        ["x-%{nosuchmacro}", "y%undefinedtoo"]
    );
    assert!(
        s.diagnostics.iter().any(|d| d.message
            == "Possible unexpanded macro in: Requires: x-%{nosuchmacro} y%undefinedtoo"),
        "{:?}",
        s.diagnostics
    );
    // A dependency that starts with one is refused, as rpm refuses it.
    let refused = spec("Requires: %{nosuchmacro}\n");
    assert!(errors(&refused)
        .iter()
        .any(|e| e.starts_with("Dependency tokens must begin with")));
}
