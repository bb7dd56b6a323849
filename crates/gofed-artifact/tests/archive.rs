//! The tar and zip readers on archives made for real (the `tar`, `gzip`, `xz`, `bzip2` and `zstd` binaries on a
//! temporary tree, and the crates' writers) and on hostile archives crafted here: traversal, absolute paths, links,
//! devices, FIFOs, bombs, too many entries, deep nesting, truncated and corrupt streams.

use gofed_artifact::{open, ArtifactError, Compression, Kind, Limits};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

#[path = "support/raw_tar.rs"]
mod raw_tar;
use raw_tar::raw_entry;

/// A small Go project with an upstream tarball's layout, and content varied enough that its compressed streams
/// are tens of kilobytes (so truncating or corrupting one lands inside compressed data).
fn project_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    files.insert(
        "project-1.2/go.mod".to_owned(),
        b"module example.com/project\n\ngo 1.21\n".to_vec(),
    );
    files.insert(
        "project-1.2/a.go".to_owned(),
        b"package project\n\n// A is exported.\nfunc A() int { return 1 }\n".to_vec(),
    );
    let mut big = String::from("package sub\n\nvar table = []uint64{\n");
    let mut x: u64 = 0x9e3779b97f4a7c15;
    for _ in 0..6000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        big.push_str(&format!("\t{x:#x},\n"));
    }
    big.push_str("}\n");
    files.insert("project-1.2/sub/table.go".to_owned(), big.into_bytes());
    files.insert("project-1.2/sub/empty.go".to_owned(), Vec::new());
    for (path, data) in &files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().expect("joined path has a parent")).expect("mkdir");
        std::fs::write(full, data).expect("write");
    }
    files
}

fn files_of(artifact: &gofed_artifact::Artifact) -> BTreeMap<String, Vec<u8>> {
    artifact
        .files
        .iter()
        .map(|f| (f.path.clone(), f.data.clone()))
        .collect()
}

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().expect("run a binary");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Pipes `input` through a compression binary (`gzip -c`, ...).
fn pipe(program: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("wait");
    writer
        .join()
        .expect("writer thread")
        .expect("write to the compressor");
    assert!(out.status.success(), "{program} failed");
    out.stdout
}

const COMPRESSORS: [(Compression, &str, &[&str]); 4] = [
    (Compression::Gzip, "gzip", &["-c"]),
    (Compression::Xz, "xz", &["-c"]),
    (Compression::Bzip2, "bzip2", &["-c"]),
    (Compression::Zstd, "zstd", &["-q", "-c"]),
];

/// The tar binary's archive of the project tree, in every compression its companions produce.
fn tarballs_from_binaries(dir: &Path) -> Vec<(Compression, Vec<u8>)> {
    let tar = run(Command::new("tar")
        .arg("-C")
        .arg(dir)
        .args(["-cf", "-", "project-1.2"]));
    let mut out = vec![(Compression::None, tar.clone())];
    for (compression, program, args) in COMPRESSORS {
        out.push((compression, pipe(program, args, &tar)));
    }
    out
}

#[test]
fn tarballs_from_the_binaries_in_every_compression() {
    let dir = tempfile::tempdir().expect("tempdir");
    let expected = project_tree(dir.path());
    for (compression, bytes) in tarballs_from_binaries(dir.path()) {
        let artifact = open("project.tar", &bytes, &Limits::default())
            .unwrap_or_else(|err| panic!("{compression:?}: {err}"));
        assert_eq!(artifact.kind, Some(Kind::Tar(compression)));
        assert_eq!(files_of(&artifact), expected, "{compression:?}");
        assert_eq!(artifact.root, "project-1.2");
        assert!(artifact.warnings.is_empty(), "{:?}", artifact.warnings);
        assert_eq!(artifact.sha256.len(), 64);
    }
}

#[test]
fn dot_slash_names_are_normalised_and_root_found() {
    let dir = tempfile::tempdir().expect("tempdir");
    let expected = project_tree(dir.path());
    // `tar -C dir .` names every entry `./...`, the top included.
    let bytes = run(Command::new("tar")
        .arg("-C")
        .arg(dir.path())
        .args(["-czf", "-", "."]));
    let artifact = open("dot.tar.gz", &bytes, &Limits::default()).expect("read");
    assert_eq!(files_of(&artifact), expected);
    assert_eq!(artifact.root, "project-1.2");
}

#[test]
fn files_outside_one_top_directory_give_an_empty_root() {
    let mut builder = tar::Builder::new(Vec::new());
    for path in ["a/x.go", "b/y.go"] {
        append(&mut builder, path, b"package x\n");
    }
    let bytes = builder.into_inner().expect("tar");
    let artifact = open("two-tops.tar", &bytes, &Limits::default()).expect("read");
    assert_eq!(artifact.root, "");
    assert_eq!(artifact.files.len(), 2);
}

fn append(builder: &mut tar::Builder<Vec<u8>>, path: &str, data: &[u8]) {
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    builder
        .append_data(&mut header, path, data)
        .expect("append");
}

/// The project as the tar crate writes it, compressed by the compression crates.
fn tarball_from_crates(files: &BTreeMap<String, Vec<u8>>, compression: Compression) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, data) in files {
        append(&mut builder, path, data);
    }
    let tar = builder.into_inner().expect("tar");
    match compression {
        Compression::None => tar,
        Compression::Gzip => {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(&tar).expect("gzip");
            enc.finish().expect("gzip")
        }
        Compression::Xz => {
            let mut enc =
                lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(6))
                    .expect("xz");
            enc.write_all(&tar).expect("xz");
            enc.finish().expect("xz")
        }
        Compression::Bzip2 => {
            let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
            enc.write_all(&tar).expect("bzip2");
            enc.finish().expect("bzip2")
        }
        Compression::Zstd => zstd::stream::encode_all(&tar[..], 3).expect("zstd"),
    }
}

#[test]
fn tarballs_from_the_crates_in_every_compression() {
    let dir = tempfile::tempdir().expect("tempdir");
    let expected = project_tree(dir.path());
    for compression in [
        Compression::None,
        Compression::Gzip,
        Compression::Xz,
        Compression::Bzip2,
        Compression::Zstd,
    ] {
        let bytes = tarball_from_crates(&expected, compression);
        let artifact = open("crates.tar", &bytes, &Limits::default())
            .unwrap_or_else(|err| panic!("{compression:?}: {err}"));
        assert_eq!(artifact.kind, Some(Kind::Tar(compression)));
        assert_eq!(files_of(&artifact), expected, "{compression:?}");
    }
}

#[test]
fn multi_member_streams_are_read_whole_as_the_binaries_read_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let expected = project_tree(dir.path());
    let tar = tarball_from_crates(&expected, Compression::None);
    // The tar split across two members / streams / frames, as `cat a.gz b.gz` or pigz and pzstd make them.
    let (head, tail) = tar.split_at(tar.len() / 3);
    for (compression, program, args) in COMPRESSORS {
        let mut bytes = pipe(program, args, head);
        bytes.extend(pipe(program, args, tail));
        let decompressed = pipe(program, &["-d", "-c"], &bytes);
        assert_eq!(decompressed, tar, "{program} -d reads both members");
        let artifact = open("multi", &bytes, &Limits::default())
            .unwrap_or_else(|err| panic!("{compression:?}: {err}"));
        assert_eq!(files_of(&artifact), expected, "{compression:?}");
    }
}

fn zip_options() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated)
}

#[test]
fn zips_stored_and_deflated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let expected = project_tree(dir.path());
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    writer
        .add_directory("project-1.2/", zip_options())
        .expect("dir");
    for (i, (path, data)) in expected.iter().enumerate() {
        let options = if i % 2 == 0 {
            zip_options()
        } else {
            zip_options().compression_method(zip::CompressionMethod::Stored)
        };
        writer.start_file(path.as_str(), options).expect("start");
        writer.write_all(data).expect("write");
    }
    let bytes = writer.finish().expect("finish").into_inner();
    let artifact = open("project.zip", &bytes, &Limits::default()).expect("read");
    assert_eq!(artifact.kind, Some(Kind::Zip));
    assert_eq!(files_of(&artifact), expected);
    assert_eq!(artifact.root, "project-1.2");
    assert_eq!(
        artifact.import_path, None,
        "an upstream zip is no module zip"
    );
}

#[test]
fn go_module_zip_gives_module_path_version_and_root() {
    // golang.org/x/mod/zip's layout: every file under MODULE@VERSION/, capitals escaped as `!x`, no directories.
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let prefix = "example.com/!foo!bar@v1.2.3";
    let files = [
        ("go.mod", "module example.com/FooBar\n\ngo 1.21\n"),
        ("foo.go", "package foobar\n\nfunc F() {}\n"),
        ("internal/x/x.go", "package x\n"),
    ];
    for (path, data) in files {
        writer
            .start_file(format!("{prefix}/{path}"), zip_options())
            .expect("start");
        writer.write_all(data.as_bytes()).expect("write");
    }
    let bytes = writer.finish().expect("finish").into_inner();
    let artifact = open("v1.2.3.zip", &bytes, &Limits::default()).expect("read");
    assert_eq!(artifact.import_path.as_deref(), Some("example.com/FooBar"));
    assert_eq!(artifact.version.as_deref(), Some("v1.2.3"));
    assert_eq!(artifact.root, prefix);
    assert_eq!(artifact.files.len(), 3);
    assert!(artifact
        .files
        .iter()
        .any(|f| f.path == format!("{prefix}/internal/x/x.go") && f.data == b"package x\n"));
}

fn assert_warned(artifact: &gofed_artifact::Artifact, input: &str, entry: &str, reason: &str) {
    let found = artifact
        .warnings
        .iter()
        .find(|w| w.entry == entry)
        .unwrap_or_else(|| panic!("no warning for {entry}: {:?}", artifact.warnings));
    assert_eq!(found.input, input);
    assert!(found.reason.contains(reason), "{entry}: {}", found.reason);
    assert!(found
        .to_string()
        .starts_with(&format!("{input}: {entry}: ")));
}

#[test]
fn hostile_tar_entries_are_skipped_with_warnings() {
    use tar::EntryType as T;
    let mut builder = tar::Builder::new(Vec::new());
    raw_entry(&mut builder, b"p/ok.go", T::Regular, None, b"package p\n");
    raw_entry(
        &mut builder,
        b"../evil.go",
        T::Regular,
        None,
        b"package evil\n",
    );
    raw_entry(&mut builder, b"p/../../evil2.go", T::Regular, None, b"x");
    raw_entry(&mut builder, b"/etc/passwd", T::Regular, None, b"root");
    raw_entry(
        &mut builder,
        b"p/escape",
        T::Symlink,
        Some(b"../../../etc"),
        b"",
    );
    raw_entry(&mut builder, b"p/inside", T::Symlink, Some(b"ok.go"), b"");
    raw_entry(&mut builder, b"p/hard", T::Link, Some(b"/etc/shadow"), b"");
    raw_entry(&mut builder, b"p/tty", T::Char, None, b"");
    raw_entry(&mut builder, b"p/sda", T::Block, None, b"");
    raw_entry(&mut builder, b"p/fifo", T::Fifo, None, b"");
    raw_entry(&mut builder, b"p/bad\xff.go", T::Regular, None, b"x");
    let bytes = builder.into_inner().expect("tar");
    let input = "hostile.tar";
    let artifact =
        open(input, &bytes, &Limits::default()).expect("hostile entries are skipped, not fatal");
    assert_eq!(files_of(&artifact).keys().collect::<Vec<_>>(), ["p/ok.go"]);
    assert_warned(&artifact, input, "../evil.go", "..");
    assert_warned(&artifact, input, "p/../../evil2.go", "..");
    assert_warned(&artifact, input, "/etc/passwd", "absolute");
    assert_warned(&artifact, input, "p/escape", "symbolic link");
    assert_warned(&artifact, input, "p/inside", "symbolic link");
    assert_warned(&artifact, input, "p/hard", "hard link");
    assert_warned(&artifact, input, "p/tty", "device");
    assert_warned(&artifact, input, "p/sda", "device");
    assert_warned(&artifact, input, "p/fifo", "FIFO");
    assert_warned(&artifact, input, "p/bad\u{fffd}.go", "UTF-8");
    assert_eq!(artifact.warnings.len(), 10);
}

#[test]
fn hostile_zip_entries_are_skipped_with_warnings() {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in [
        ("p/ok.go", "package p\n"),
        ("../evil.go", "package evil\n"),
        ("/abs.go", "package abs\n"),
    ] {
        writer.start_file(name, zip_options()).expect("start");
        writer.write_all(data.as_bytes()).expect("write");
    }
    writer
        .add_symlink("p/escape", "../../../etc/passwd", zip_options())
        .expect("symlink");
    let bytes = writer.finish().expect("finish").into_inner();
    let input = "hostile.zip";
    let artifact = open(input, &bytes, &Limits::default()).expect("read");
    assert_eq!(files_of(&artifact).keys().collect::<Vec<_>>(), ["p/ok.go"]);
    assert_warned(&artifact, input, "../evil.go", "..");
    assert_warned(&artifact, input, "/abs.go", "absolute");
    assert_warned(&artifact, input, "p/escape", "symbolic link");
}

#[test]
fn duplicates_keep_the_later_entry_and_file_directory_clashes_drop_the_file() {
    use tar::EntryType as T;
    let mut builder = tar::Builder::new(Vec::new());
    raw_entry(&mut builder, b"p/a.go", T::Regular, None, b"first");
    raw_entry(&mut builder, b"./p/a.go", T::Regular, None, b"second");
    raw_entry(&mut builder, b"p/x", T::Regular, None, b"a file");
    raw_entry(&mut builder, b"p/x/y.go", T::Regular, None, b"under x");
    raw_entry(&mut builder, b"p/d", T::Regular, None, b"a file");
    raw_entry(&mut builder, b"p/d/", T::Directory, None, b"");
    let bytes = builder.into_inner().expect("tar");
    let artifact = open("dups.tar", &bytes, &Limits::default()).expect("read");
    let files = files_of(&artifact);
    assert_eq!(files.get("p/a.go").map(Vec::as_slice), Some(&b"second"[..]));
    assert_eq!(files.keys().collect::<Vec<_>>(), ["p/a.go", "p/x/y.go"]);
    assert_warned(&artifact, "dups.tar", "./p/a.go", "duplicate");
    assert_warned(&artifact, "dups.tar", "p/x", "a file and a directory");
    assert_warned(&artifact, "dups.tar", "p/d", "a file and a directory");
}

fn limit_of(result: Result<gofed_artifact::Artifact, ArtifactError>, input: &str) -> (String, u64) {
    match result {
        Err(err @ ArtifactError::Limit { .. }) => {
            let text = err.to_string();
            assert!(text.starts_with(&format!("{input}: ")), "{text}");
            let ArtifactError::Limit { what, limit, .. } = err else {
                unreachable!()
            };
            (what, limit)
        }
        other => panic!("{input}: expected a limit error, got {other:?}"),
    }
}

fn corrupt_of(result: Result<gofed_artifact::Artifact, ArtifactError>, input: &str) -> String {
    match result {
        Err(err @ ArtifactError::Corrupt { .. }) => {
            let text = err.to_string();
            assert!(text.starts_with(&format!("{input}: ")), "{text}");
            text
        }
        other => panic!("{input}: expected a corrupt-input error, got {other:?}"),
    }
}

/// A gzip member of `n` MiB of zeros, compressed once; repeating it makes a multi-member stream of any size at
/// about 1 KiB per MiB, so a 10 GiB bomb costs a few MiB of memory to build.
fn zeros_member(mib: usize) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&vec![0u8; mib << 20]).expect("gzip");
    enc.finish().expect("gzip")
}

#[test]
fn gzip_bomb_stops_at_the_ratio_early() {
    // A tar header for a 200 MiB file (under the file-size limit), then 10 GiB of zeros in 1 MiB members.
    let mut header = tar::Header::new_gnu();
    header.set_path("bomb/zeros").expect("path");
    header.set_size(200 << 20);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(header.as_bytes()).expect("gzip");
    let mut bytes = enc.finish().expect("gzip");
    let member = zeros_member(1);
    for _ in 0..10 << 10 {
        bytes.extend_from_slice(&member);
    }
    assert!(bytes.len() < 16 << 20, "the bomb is small: {}", bytes.len());
    let limits = Limits::default();
    let (what, limit) = limit_of(open("bomb.tar.gz", &bytes, &limits), "bomb.tar.gz");
    assert_eq!(limit, limits.max_ratio);
    // It stopped just past the grace, not after inflating: the unpacked count is in the message.
    let unpacked: u64 = what
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .filter(|n| *n > 1000)
        .unwrap_or_else(|| panic!("no unpacked count in {what:?}"));
    assert!(unpacked <= Limits::RATIO_GRACE + (1 << 20), "{what}");
}

#[test]
fn a_huge_declared_file_stops_before_it_is_read() {
    let mut header = tar::Header::new_gnu();
    header.set_path("big/file").expect("path");
    header.set_size(10 << 30);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    let mut bytes = header.as_bytes().to_vec();
    bytes.extend(vec![0u8; 4096]);
    let limits = Limits::default();
    let (what, limit) = limit_of(open("big.tar", &bytes, &limits), "big.tar");
    assert_eq!(limit, limits.max_file_size);
    assert!(what.contains("big/file"), "{what}");
}

#[test]
fn total_size_limit() {
    let mut builder = tar::Builder::new(Vec::new());
    for i in 0..10 {
        append(&mut builder, &format!("p/{i}.go"), &[b'x'; 1000]);
    }
    let bytes = builder.into_inner().expect("tar");
    let limits = Limits {
        max_total_size: 5_500,
        ..Limits::default()
    };
    let (_, limit) = limit_of(open("total.tar", &bytes, &limits), "total.tar");
    assert_eq!(limit, 5_500);
}

/// A zip written by hand: one deflated entry with the sizes given, so that the header may lie.
fn hand_zip(name: &str, data: &[u8], declared_size: u32, crc: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let local = |out: &mut Vec<u8>, sig: u32| out.extend_from_slice(&sig.to_le_bytes());
    local(&mut out, 0x0403_4b50);
    out.extend_from_slice(&20u16.to_le_bytes()); // version needed
    out.extend_from_slice(&0u16.to_le_bytes()); // flags
    out.extend_from_slice(&8u16.to_le_bytes()); // deflate
    out.extend_from_slice(&[0; 4]); // time, date
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&declared_size.to_le_bytes());
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(data);
    let central = out.len() as u32;
    local(&mut out, 0x0201_4b50);
    out.extend_from_slice(&20u16.to_le_bytes()); // version made by
    out.extend_from_slice(&20u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&8u16.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&declared_size.to_le_bytes());
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(&[0; 12]); // extra, comment, disk, internal and external attributes
    out.extend_from_slice(&0u32.to_le_bytes()); // local header offset
    out.extend_from_slice(name.as_bytes());
    let central_size = out.len() as u32 - central;
    local(&mut out, 0x0605_4b50);
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&central_size.to_le_bytes());
    out.extend_from_slice(&central.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A raw deflate stream of `mib` MiB of zeros built from one sync-flushed 1 MiB block repeated: after the first
/// block the window is all zeros, so the same back-references decode anywhere.
fn deflated_zeros(mib: usize) -> Vec<u8> {
    let mut compress = flate2::Compress::new(flate2::Compression::best(), false);
    let zeros = vec![0u8; 1 << 20];
    let mut run = |flush| {
        let mut out = Vec::with_capacity(64 << 10);
        compress
            .compress_vec(&zeros, &mut out, flush)
            .expect("deflate");
        out
    };
    let first = run(flate2::FlushCompress::Sync);
    let next = run(flate2::FlushCompress::Sync);
    let mut out = first;
    for _ in 1..mib {
        out.extend_from_slice(&next);
    }
    // A final empty stored block ends the stream.
    out.extend_from_slice(&[0x03, 0x00]);
    out
}

#[test]
fn zip_bomb_stops_at_the_ratio_and_lying_sizes_are_corrupt() {
    let data = deflated_zeros(1000);
    let bomb = hand_zip("bomb/zeros", &data, 1000 << 20, 0);
    assert!(bomb.len() < 4 << 20);
    let limits = Limits {
        max_file_size: 2 << 30,
        ..Limits::default()
    };
    let (what, limit) = limit_of(open("bomb.zip", &bomb, &limits), "bomb.zip");
    assert_eq!(limit, limits.max_ratio);
    assert!(
        what.contains("bomb/zeros") || what.contains("archive"),
        "{what}"
    );

    // The same stream declared as 1,000 bytes: the header lies.
    let liar = hand_zip("liar/zeros", &data, 1000, 0);
    let text = corrupt_of(open("liar.zip", &liar, &limits), "liar.zip");
    assert!(text.contains("declared 1000 bytes"), "{text}");

    // Declared as 1 GiB under the default 256 MiB file limit: refused before inflating.
    let big = hand_zip("big/zeros", &data, 1 << 30, 0);
    let (_, limit) = limit_of(open("big.zip", &big, &Limits::default()), "big.zip");
    assert_eq!(limit, Limits::default().max_file_size);
}

#[test]
fn many_tiny_entries_hit_the_entry_limit() {
    // 300,000 empty files, 512-byte headers each: 1,000 distinct names in one gzip member, repeated 300 times
    // (a valid multi-member stream; later duplicates would replace earlier ones), so that building it stays cheap.
    let mut header = tar::Header::new_gnu();
    header.set_size(0);
    header.set_entry_type(tar::EntryType::Regular);
    let mut block = Vec::with_capacity(1000 * 512);
    for i in 0..1000u32 {
        header.set_path(format!("p/{i}")).expect("path");
        header.set_cksum();
        block.extend_from_slice(header.as_bytes());
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&block).expect("gzip");
    let member = enc.finish().expect("gzip");
    let mut bytes = Vec::with_capacity(member.len() * 300);
    for _ in 0..300 {
        bytes.extend_from_slice(&member);
    }
    let limits = Limits {
        max_entries: 20_000,
        ..Limits::default()
    };
    let (what, limit) = limit_of(open("many.tar.gz", &bytes, &limits), "many.tar.gz");
    assert_eq!(limit, 20_000);
    assert!(what.contains("entries"), "{what}");

    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..2_000 {
        writer
            .start_file(format!("p/{i}"), zip_options())
            .expect("start");
    }
    let zip = writer.finish().expect("finish").into_inner();
    let limits = Limits {
        max_entries: 1_000,
        ..Limits::default()
    };
    let (_, limit) = limit_of(open("many.zip", &zip, &limits), "many.zip");
    assert_eq!(limit, 1_000);
}

#[test]
fn deep_nesting_is_read() {
    let deep = vec!["a"; 5_000].join("/");
    let mut builder = tar::Builder::new(Vec::new());
    // GNU long names carry the 10,000-byte paths.
    let mut dir = String::new();
    for _ in 0..5_000 {
        if !dir.is_empty() {
            dir.push('/');
        }
        dir.push('a');
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Directory);
        header.set_size(0);
        builder
            .append_data(&mut header, format!("{dir}/"), &[][..])
            .expect("dir");
    }
    append(&mut builder, &format!("{deep}/x.go"), b"package a\n");
    let bytes = builder.into_inner().expect("tar");
    let artifact = open("deep.tar", &bytes, &Limits::default()).expect("read");
    assert_eq!(artifact.files.len(), 1);
    assert_eq!(artifact.files[0].path, format!("{deep}/x.go"));
    assert_eq!(artifact.root, "a");
}

#[test]
fn truncated_and_corrupt_streams_are_errors_naming_the_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    project_tree(dir.path());
    for (compression, bytes) in tarballs_from_binaries(dir.path()) {
        let name = format!("{compression:?}.tar");
        let truncated = &bytes[..bytes.len() / 2];
        let text = corrupt_of(open(&name, truncated, &Limits::default()), &name);
        assert!(
            text.contains("truncated") || text.contains("corrupt"),
            "{text}"
        );

        // One byte flipped in the middle of the (compressed) data.
        let mut flipped = bytes.clone();
        let middle = bytes.len() / 2;
        flipped[middle] ^= 0x55;
        if compression == Compression::None {
            // In a plain tar the middle is file content: flip a header's byte instead (the checksum catches it).
            flipped = bytes.clone();
            flipped[0] ^= 0x01;
        }
        let result = open(&name, &flipped, &Limits::default());
        let text = corrupt_of(result, &name);
        assert!(!text.is_empty());
    }
}

#[test]
fn plain_tar_header_checksum_error_says_where() {
    let dir = tempfile::tempdir().expect("tempdir");
    let expected = project_tree(dir.path());
    let mut bytes = tarball_from_crates(&expected, Compression::None);
    // The second header: after the first header and its padded data.
    let first_len = expected.values().next().map(Vec::len).unwrap_or_default();
    let second = 512 + first_len.div_ceil(512) * 512;
    bytes[second + 5] ^= 0x20;
    let text = corrupt_of(open("sum.tar", &bytes, &Limits::default()), "sum.tar");
    assert!(text.contains("tar header 2"), "{text}");
    assert!(text.contains("checksum"), "{text}");
}

#[test]
fn non_archives_are_errors_naming_the_input() {
    match open("main.go", b"package main\n", &Limits::default()) {
        Err(err @ ArtifactError::Unrecognised { .. }) => {
            assert!(err.to_string().starts_with("main.go: "), "{err}");
        }
        other => panic!("{other:?}"),
    }
    let text = corrupt_of(
        open(
            "fake.zip",
            b"PK\x03\x04 not really a zip",
            &Limits::default(),
        ),
        "fake.zip",
    );
    assert!(text.contains("zip"), "{text}");
    let text = corrupt_of(
        open("fake.gz", b"\x1f\x8b\x08\x00garbage", &Limits::default()),
        "fake.gz",
    );
    assert!(text.contains("gzip"), "{text}");
}
