//! `gofed spec`: a spec file and the source RPM rpmbuild makes of it give the same answers, in-process and from a
//! remote `spec` service; a spec rpm would refuse exits 1 with the reason and still answers. What the reader makes
//! of specs is checked against rpmspec itself by scripts/oracle-spec.sh.

use std::process::Output;

use crate::common::system::{serve, wait_registered, Process};
use crate::common::write;
use crate::rpmbuild;

fn run(args: &[&str]) -> Output {
    crate::common::gofed_with_store("off", args)
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

const SPEC: &str = "%global goipath example.com/demo\nVersion: 1.2.0\n%gometa -f\n\
%global common_description %{expand:Demo.}\n\
Name: demo\nRelease: 1%{?dist}\nSummary: Demo\nLicense: MIT\nURL: %{gourl}\n\
BuildRequires: golang(example.com/dep) >= 1.0\nRequires(post): coreutils\n\
%description\n%{common_description}\n\
%package tools\nSummary: Tools\nProvides: demo-cli = %{version}-%{release}\n%description tools\nTools.\n\
%install\nmkdir -p %{buildroot}/usr/share/demo\necho hi > %{buildroot}/usr/share/demo/hi\n\
%post\ntrue\n%files\n/usr/share/demo\n%files tools\n";

#[test]
fn a_spec_and_its_source_rpm_answer_the_same_here_and_remote() {
    let test = "a_spec_and_its_source_rpm_answer_the_same_here_and_remote";
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(d, "demo.spec", SPEC);
    let spec = d.join("demo.spec");
    let spec = spec.to_str().expect("utf-8");

    let shown: serde_json::Value =
        serde_json::from_str(&stdout(&run(&["spec", "show", "--format", "json", spec])))
            .expect("json");
    assert_eq!(shown["source"]["name"], "demo");
    assert_eq!(shown["source"]["url"], "https://example.com/demo");
    assert_eq!(
        shown["import_paths"],
        serde_json::json!(["example.com/demo"])
    );
    let packages: Vec<&str> = shown["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    assert_eq!(packages, ["demo", "demo-tools"]);

    let buildrequires = stdout(&run(&["spec", "buildrequires", spec]));
    assert_eq!(
        buildrequires,
        "go-rpm-macros\ngolang(example.com/dep) >= 1.0\n"
    );
    let provides = stdout(&run(&["spec", "provides", spec]));
    assert_eq!(
        provides,
        "demo = 1.2.0-1.fc44\ndemo-cli = 1.2.0-1.fc44\ndemo-tools = 1.2.0-1.fc44\n"
    );
    let requires = stdout(&run(&["spec", "requires", spec]));
    assert_eq!(requires, "/bin/sh\ncoreutils\n");

    // A spec rpm refuses: exit 1, the reason on stderr, the answer still printed.
    write(
        d,
        "bad.spec",
        SPEC.replace("%install", "%prep\n%goprep -p1\n%install"),
    );
    let bad = run(&[
        "spec",
        "provides",
        d.join("bad.spec").to_str().expect("utf-8"),
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Unknown option p in goprep"));
    assert_eq!(String::from_utf8_lossy(&bad.stdout), provides);

    // The same spec, from stdin.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gofed"))
        .args(["spec", "provides", "-"])
        .env("GOFED_STORE", "off")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gofed");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), SPEC.as_bytes())
        .expect("write");
    assert_eq!(
        String::from_utf8_lossy(&child.wait_with_output().expect("wait").stdout),
        provides
    );

    // The source RPM rpmbuild makes of it (its spec is read from the payload). rpmbuild has not the Go macros:
    // a spec without them is packed.
    let plain = "Name: demo\nVersion: 1.2.0\nRelease: 1%{?dist}\nSummary: Demo\nLicense: MIT\n\
                 Provides: demo-cli = %{version}-%{release}\n%description\nDemo.\n%files\n";
    let Some(rpmbuild) = rpmbuild::rpmbuild(test) else {
        return;
    };
    let top = d.join("rpmbuild");
    write(&top, "SPECS/demo.spec", plain);
    let plain_spec = top.join("SPECS/demo.spec");
    let built = rpmbuild::rpmbuild_in(
        &rpmbuild,
        &top,
        &["-bs", plain_spec.to_str().expect("utf-8")],
    );
    let srpm = built
        .iter()
        .find(|p| p.to_string_lossy().ends_with(".src.rpm"))
        .unwrap_or_else(|| panic!("a source RPM among {built:?}"));
    let srpm = srpm.to_str().expect("utf-8");
    let from_spec = stdout(&run(&[
        "spec",
        "provides",
        plain_spec.to_str().expect("utf-8"),
    ]));
    assert_eq!(stdout(&run(&["spec", "provides", srpm])), from_spec);

    // A remote spec service: the file is uploaded to filestorage and read there.
    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let _server = serve(
        &["spec", "filestorage"],
        &registry.url,
        6000,
        &d.join("blobs"),
    );
    wait_registered(&registry.url, "spec");
    wait_registered(&registry.url, "filestorage");
    let remote = |path: &str| {
        run(&[
            "--registry",
            &registry.url,
            "--remote",
            "spec",
            "provides",
            path,
        ])
    };
    assert_eq!(stdout(&remote(spec)), provides);
    assert_eq!(stdout(&remote(srpm)), from_spec);
}
