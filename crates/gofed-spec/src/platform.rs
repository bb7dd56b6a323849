//! The macros a spec sees before its first line: rpm's own (directories, architecture lists, `%bcond` and
//! `%with`), the Go toolchain's, and the command line's (`%fedora`, `%dist`, `%_vendor`, `%autorelease`).
//!
//! The values are those of the reference environment, `rpmspec-go.sh`: Debian's rpm 4.18 macros without a
//! platform file (so `%{_libdir}` is `/usr/lib` and `%{_isa}` is empty, as there), Fedora's Go macros, and
//! Fedora 44's command-line definitions. They are written here from what those macros evaluate to, not copied.

use crate::macros::{Macros, LEVEL_CMDLINE, LEVEL_PLATFORM};
use crate::Options;

/// `(name, options, body)`: parametric when options is `Some`.
const RPM: &[(&str, Option<&str>, &str)] = &[
    ("nil", None, ""),
    // Conditional builds: `--with NAME` defines `_with_NAME`, `%bcond` turns it into `with_NAME`.
    (
        "bcond",
        Some(""),
        "%[ (%2) ? \"%{expand:%%{!?_without_%{1}:%%global with_%{1} 1}}\" : \"%{expand:%%{?_with_%{1}:%%global with_%{1} 1}}\" ]",
    ),
    ("bcond_with", Some(""), "%bcond %{1} 0"),
    ("bcond_without", Some(""), "%bcond %{1} 1"),
    ("with", Some(""), "%{expand:%%{?with_%{1}:1}%%{!?with_%{1}:0}}"),
    ("without", Some(""), "%{expand:%%{?with_%{1}:0}%%{!?with_%{1}:1}}"),
    ("defined", Some(""), "%{expand:%%{?%{1}:1}%%{!?%{1}:0}}"),
    ("undefined", Some(""), "%{expand:%%{?%{1}:0}%%{!?%{1}:1}}"),
    ("_usr", None, "/usr"),
    ("_var", None, "/var"),
    ("_prefix", None, "/usr"),
    ("_exec_prefix", None, "%{_prefix}"),
    ("_bindir", None, "%{_exec_prefix}/bin"),
    ("_sbindir", None, "%{_exec_prefix}/sbin"),
    ("_libexecdir", None, "%{_exec_prefix}/libexec"),
    ("_datadir", None, "%{_prefix}/share"),
    ("_sysconfdir", None, "/etc"),
    ("_sharedstatedir", None, "%{_prefix}/com"),
    ("_localstatedir", None, "/var"),
    ("_lib", None, "lib"),
    ("_libdir", None, "%{_exec_prefix}/%{_lib}"),
    ("_includedir", None, "%{_prefix}/include"),
    ("_infodir", None, "%{_datadir}/info"),
    ("_mandir", None, "%{_datadir}/man"),
    ("_defaultdocdir", None, "%{_datadir}/doc"),
    ("_defaultlicensedir", None, "%{_datadir}/licenses"),
    ("_docdir", None, "%{_defaultdocdir}"),
    ("_licensedir", None, "%{_defaultlicensedir}"),
    ("_topdir", None, "%{getenv:HOME}/rpmbuild"),
    ("_sourcedir", None, "%{_topdir}/SOURCES"),
    ("_builddir", None, "%{_topdir}/BUILD"),
    ("_specdir", None, "%{_topdir}/SPECS"),
    ("_tmppath", None, "%{_var}/tmp"),
    ("_rpmconfigdir", None, "%{getconfdir}"),
    ("_target_os", None, "linux"),
    ("_host_cpu", None, "x86_64"),
    ("_build_cpu", None, "x86_64"),
    ("_host_os", None, "linux"),
    ("_build_os", None, "linux"),
    ("ix86", None, "i386 i486 i586 i686 pentium3 pentium4 athlon geode"),
    (
        "arm32",
        None,
        "armv3l armv4b armv4l armv4tl armv5tl armv5tel armv5tejl armv6l armv6hl armv7l armv7hl armv7hnl armv8l armv8hl armv8hnl armv8hcnl",
    ),
    ("arm", None, "%{arm32}"),
    ("arm64", None, "aarch64"),
    ("mips", None, "mips mipsel mipsr6 mipsr6el mips64 mips64el mips64r6 mips64r6el"),
    ("mips32", None, "mips mipsel mipsr6 mipsr6el"),
    ("mips64", None, "mips64 mips64el mips64r6 mips64r6el"),
    ("x86_64", None, "x86_64 amd64 em64t"),
    ("power64", None, "ppc64 ppc64p7 ppc64le"),
    ("sparc", None, "sparc sparcv8 sparcv9 sparcv9v sparc64 sparc64v"),
    ("alpha", None, "alpha alphaev56 alphaev6 alphaev67"),
    ("riscv", None, "riscv64"),
    ("_smp_build_ncpus", None, "%{getncpus}"),
    // Fedora's Go macros (go-rpm-macros 3.6, as built by Fedora).
    ("golang_arches_future", None, "x86_64 %{arm} aarch64 ppc64le s390x riscv64 loongarch64"),
    ("golang_arches", None, "%{ix86} x86_64 %{arm} aarch64 ppc64le s390x riscv64 loongarch64"),
    ("gccgo_arches", None, "%{mips}"),
    ("go_arches", None, "%{golang_arches} %{gccgo_arches}"),
    ("gopath", None, "/usr/share/gocode"),
    ("go_compiler", None, "1"),
    ("gofilelist", None, "devel.file-list"),
    ("goignoreflags_examples", None, "-r '.*example.*'"),
    ("godefaultflags", None, "%{goignoreflags_examples}"),
    ("goinstallflags", None, "%{godefaultflags}"),
    ("gocheckflags", None, "%{godefaultflags}"),
    ("goprovflags", None, "%{godefaultflags}"),
    ("goreqflags", None, "%{godefaultflags}"),
    ("rpmmacrodir", None, "/usr/lib/rpm/macros.d"),
    ("_metainfodir", None, "%{_datadir}/metainfo"),
];

pub(crate) fn install(macros: &mut Macros, options: &Options, forced_arch: Option<&str>) {
    for (name, opts, body) in RPM {
        macros.define(name, *opts, body, LEVEL_PLATFORM);
    }
    crate::fedora::install(macros);
    macros.define(
        "_target_cpu",
        None,
        forced_arch.unwrap_or(&options.target_cpu),
        LEVEL_CMDLINE,
    );
    if let Some(fedora) = options.fedora {
        macros.define("fedora", None, &fedora.to_string(), LEVEL_CMDLINE);
    }
    macros.define("dist", None, &options.dist, LEVEL_CMDLINE);
    macros.define("_vendor", None, "redhat", LEVEL_CMDLINE);
    macros.define("autorelease", Some("e:s:pb:n"), "1%{?dist}", LEVEL_CMDLINE);
    macros.define("autochangelog", None, "%{nil}", LEVEL_CMDLINE);
    for name in &options.with {
        macros.define(
            &format!("_with_{name}"),
            None,
            &format!("--with-{name}"),
            LEVEL_CMDLINE,
        );
    }
    for name in &options.without {
        macros.define(
            &format!("_without_{name}"),
            None,
            &format!("--without-{name}"),
            LEVEL_CMDLINE,
        );
    }
    for definition in &options.defines {
        macros.define_line(definition);
    }
}
