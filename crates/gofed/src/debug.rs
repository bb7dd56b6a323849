//! `gofed debug`: the parser's view of files in the format the parser oracle prints
//! (`scripts/oracle/goparsedump`), and a throughput measurement.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use std::fmt::Write as _;

use gofed_go::ast::walk::go_ast_nodes;
use gofed_go::ast::{Block, Decl, Expr, ExprId, File, Spec};
use gofed_go::lexer::unquote_bytes;
use gofed_go::parser::{parse_file, parse_file_with, ParseMode};
use gofed_go::span::LineIndex;
use gofed_go::token::TokenKind;
use rayon::prelude::*;

use crate::cli::DebugCommand;

pub fn run(system: &crate::cli::SystemArgs, cmd: DebugCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        DebugCommand::BenchCalls {
            local_overhead: true,
            requests,
            ..
        } => crate::bench::local_overhead(requests as u64),
        DebugCommand::BenchCalls {
            action,
            tree,
            requests,
            concurrency,
            duration_ms,
            hostile_every,
            ..
        } => crate::bench::calls(
            system,
            &action,
            tree,
            crate::bench::Load {
                requests,
                concurrency,
                duration: duration_ms.map(Duration::from_millis),
                hostile_every,
            },
        ),
        DebugCommand::Parse {
            files,
            files_from,
            nodes,
        } => parse(files, files_from, nodes),
        DebugCommand::BenchParse { root, bodies, runs } => bench_parse(&root, bodies, runs),
        DebugCommand::StdSummary { goroot } => std_summary(&goroot),
        DebugCommand::Uses { root, goroot } => uses(&root, goroot.as_deref()),
        DebugCommand::StdSummaryApi => std_summary_api(),
    }
}

fn parse(
    mut files: Vec<PathBuf>,
    files_from: Option<PathBuf>,
    nodes: bool,
) -> anyhow::Result<ExitCode> {
    if let Some(list) = files_from {
        let reader: Box<dyn BufRead> = if list.as_os_str() == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            let file = std::fs::File::open(&list).with_context(|| format!("{}", list.display()))?;
            Box::new(std::io::BufReader::new(file))
        };
        for line in reader.lines() {
            let line = line?;
            if !line.is_empty() {
                files.push(PathBuf::from(line));
            }
        }
    }
    let dumps: Vec<Vec<u8>> = files
        .par_iter()
        .map(|path| dump_file(path, nodes))
        .collect();
    crate::output::write_stdout(|out| {
        for dump in &dumps {
            out.write_all(dump)?;
        }
        Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// One file's lines: `ok`/`error`, then (if accepted) package, imports, declarations and the
/// body hashes (see goparsedump), then the bodies a parse that skips them skipped (of
/// declarations and function literals). Bytes, not text: import paths may hold any bytes
/// (`"\xff"`), printed as go/parser's unquoted value.
fn dump_file(path: &Path, nodes: bool) -> Vec<u8> {
    let p = path.display();
    let src = match std::fs::read(path) {
        Ok(src) => src,
        Err(err) => return format!("{p}\terror\t0\t0:0\t{err}\n").into_bytes(),
    };
    let parsed = parse_file_with(&src, ParseMode::Bodies);
    let mut out = Vec::new();
    if let Some(err) = parsed.errors.first() {
        let lines = LineIndex::new(&src);
        let pos = lines.line_col(err.span.start);
        let _ = writeln!(
            out,
            "{p}\terror\t{}\t{}:{}\t{}",
            err.span.start,
            pos.line,
            pos.col,
            err.message(&src)
        );
    } else {
        let file = &parsed.file;
        let _ = writeln!(out, "{p}\tok");
        let _ = writeln!(out, "{p}\tpackage\t{}", file.package_name.text(&src));
        for import in file.imports() {
            let name = import.name.map_or("", |n| n.text(&src));
            let path = unquote_bytes(import.path.slice(&src)).unwrap_or_default();
            let _ = write!(out, "{p}\timport\t{name}\t");
            out.extend_from_slice(&path);
            out.push(b'\n');
        }
        for decl in &file.decls {
            match decl {
                Decl::Gen(gen) => {
                    let kind = match gen.tok {
                        TokenKind::Const => "const",
                        TokenKind::Var => "var",
                        TokenKind::Type => "type",
                        _ => continue,
                    };
                    for spec in &gen.specs {
                        match spec {
                            Spec::Value(v) => {
                                for name in file.ident_list(v.names) {
                                    let _ = writeln!(out, "{p}\tdecl\t{kind}\t{}", name.text(&src));
                                }
                            }
                            Spec::Type(t) => {
                                let _ = writeln!(out, "{p}\tdecl\ttype\t{}", t.name.text(&src));
                            }
                            Spec::Import(_) => {}
                        }
                    }
                }
                Decl::Func(func) => match func.recv {
                    Some(recv) => {
                        let base = file
                            .field_list(recv)
                            .first()
                            .map_or(String::new(), |f| receiver_base(file, &src, f.ty));
                        let _ = writeln!(out, "{p}\tdecl\tmethod\t{base}.{}", func.name.text(&src));
                    }
                    None => {
                        let _ = writeln!(out, "{p}\tdecl\tfunc\t{}", func.name.text(&src));
                    }
                },
                Decl::Bad(_) => {}
            }
        }
        for block in file.decls.iter().filter_map(|decl| match decl {
            Decl::Func(func) => func.block,
            _ => None,
        }) {
            body_hash(&mut out, &p, file, block, nodes);
        }
    }
    // The spans of the fast parse, which skips bodies: each must be a `{...}` of the file.
    let skipped = parse_file(&src);
    let decl_bodies = skipped.file.decls.iter().filter_map(|decl| match decl {
        Decl::Func(func) => func.body,
        _ => None,
    });
    let literal_bodies = skipped.file.exprs.iter().filter_map(|expr| match expr {
        Expr::FuncLit { body, .. } => Some(*body),
        _ => None,
    });
    for body in decl_bodies.chain(literal_bodies) {
        let _ = writeln!(out, "{p}\tbody\t{}\t{}", body.start, body.end);
    }
    out
}

/// A body's `bodyhash` line (and with `nodes` its `node` lines), as goparsedump prints them:
/// FNV-1a 64 of `KIND:OFFSET;` over the go/ast nodes in `ast.Inspect` order.
fn body_hash(
    out: &mut Vec<u8>,
    p: &impl std::fmt::Display,
    file: &File,
    block: Block,
    nodes: bool,
) {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
    let lbrace = block.span.start;
    let (mut hash, mut count) = (FNV_OFFSET, 0u64);
    let mut item = String::new();
    go_ast_nodes(file, block, &mut |kind, pos| {
        item.clear();
        let _ = write!(item, "{kind}:{pos};");
        for &b in item.as_bytes() {
            hash = (hash ^ u64::from(b)).wrapping_mul(FNV_PRIME);
        }
        count += 1;
        if nodes {
            let _ = writeln!(out, "{p}\tnode\t{lbrace}\t{kind}\t{pos}");
        }
    });
    let _ = writeln!(out, "{p}\tbodyhash\t{lbrace}\t{count}\t{hash:016x}");
}

/// The receiver's base type name: `*T[K]` → `T`.
fn receiver_base(file: &File, src: &[u8], mut ty: ExprId) -> String {
    loop {
        match file.expr(ty) {
            Expr::Star(x) | Expr::Paren(x) => ty = *x,
            Expr::Index { x, .. } | Expr::IndexList { x, .. } => ty = *x,
            Expr::Ident => return file.expr_span(ty).text(src).to_owned(),
            _ => return String::new(),
        }
    }
}

fn bench_parse(root: &Path, bodies: bool, runs: usize) -> anyhow::Result<ExitCode> {
    let mode = if bodies {
        ParseMode::Bodies
    } else {
        ParseMode::Full
    };
    let mut paths = Vec::new();
    collect_go_files(root, &mut paths).with_context(|| format!("{}", root.display()))?;
    paths.sort();
    let sources: Vec<Vec<u8>> = paths.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    let bytes: usize = sources.iter().map(Vec::len).sum();
    let mut times = Vec::with_capacity(runs);
    let mut n_decls = 0;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        n_decls = 0;
        for src in &sources {
            n_decls += parse_file_with(src, mode).file.decls.len();
        }
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let report = serde_json::json!({
        "files": sources.len(),
        "bytes": bytes,
        "decls": n_decls,
        "runs": times.len(),
        "seconds": median,
        "mb_per_s": bytes as f64 / 1e6 / median,
    });
    crate::output::print_bytes(format!("{report}\n").as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn collect_go_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            collect_go_files(&path, out)?;
        } else if file_type.is_file() && path.extension().is_some_and(|e| e == "go") {
            out.push(path);
        }
    }
    Ok(())
}

/// `gofed debug uses`: every package of `root` checked (its imports from the tree, the GOROOT
/// or the embedded summary), and its uses of other packages' exported objects printed as
/// gouses prints them (`FILE OFFSET KIND PKGPATH NAME DECL`, FILE as the package's directory
/// below `root` and the file name; DECL is not known yet and printed as `-`).
fn uses(root: &Path, goroot: Option<&Path>) -> anyhow::Result<ExitCode> {
    use gofed_go::api::source::ParseCache;
    use gofed_go::types::uses::package_uses;
    use gofed_go::types::{Program, Sizes};

    let ctx = gofed_services::BuildContext::default();
    let opened = gofed_services::tree::OpenedTree::directory(root)?;
    let cache = std::sync::Arc::new(ParseCache::default());
    let budget = gofed_go::budget::Budget::unlimited();
    let world = gofed_services::api::World::load(&opened, &ctx, goroot, &cache, &budget)?;
    let mut program = Program::new(&world.source, Sizes::for_arch("amd64"));
    let mut out = String::new();
    for pkg in &world.project.packages {
        let Some(id) = program.package("", &pkg.import_path) else {
            continue;
        };
        let dir = pkg
            .dir
            .strip_prefix(&world.project.root)
            .unwrap_or(&pkg.dir);
        for u in package_uses(&mut program, id) {
            let (obj_pkg, name) = u.package_and_name(&program);
            let obj_path = obj_pkg.map_or(String::new(), |p| program.pkg(p).path.clone());
            let base = Path::new(&u.file)
                .file_name()
                .map_or_else(|| u.file.clone(), |n| n.to_string_lossy().into_owned());
            let _ = writeln!(
                out,
                "{}\t{}\t{}\t{obj_path}\t{name}\t-",
                dir.join(base).display(),
                u.offset,
                u.kind.as_str()
            );
        }
    }
    crate::output::print_bytes(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// Prints Go-syntax stubs of a GOROOT's standard library API (linux/amd64, cgo): the data of
/// `gofed_go::api::stdlib`, regenerated by `scripts/gen-std-summary.sh`.
fn std_summary(goroot: &Path) -> anyhow::Result<ExitCode> {
    use gofed_go::api::source::{ParseCache, TreeSource};
    use gofed_go::api::{is_api_package, stub::write_stubs};
    use gofed_go::types::{Program, Sizes};

    let src = goroot.join("src");
    // The default build context is linux/amd64 with cgo.
    let ctx = gofed_services::BuildContext::default();
    let tree = gofed_services::tree::OpenedTree::directory(&src)?;
    let project = gofed_services::deps::load(
        &tree,
        &ctx,
        gofed_services::deps::Purpose::Api,
        &gofed_go::budget::Budget::unlimited(),
    )?;
    let cache = std::sync::Arc::new(ParseCache::default());
    let source = TreeSource::new(&gofed_go::load::OsFileTree, &[&project], cache);
    source.prefetch(project.packages.iter().map(|p| p.import_path.as_str()));
    let mut program = Program::new(&source, Sizes::for_arch("amd64"));
    let mut roots = Vec::new();
    for pkg in &project.packages {
        if pkg.vendored || !is_api_package(&pkg.import_path, &pkg.name, true, true) {
            continue;
        }
        if let Some(id) = program.package("", &pkg.import_path) {
            roots.push(id);
        }
    }
    let version = std::fs::read_to_string(goroot.join("VERSION")).unwrap_or_default();
    let version = version.lines().next().unwrap_or("unknown");
    let header = format!("// gofed standard library summary: {version} linux/amd64 cgo; regenerate with scripts/gen-std-summary.sh");
    let text = write_stubs(&mut program, &roots, &header);
    crate::output::print_bytes(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// The cmd/api lines of the public packages of the embedded standard library summary (to
/// check the summary against the GOROOT it was made from).
fn std_summary_api() -> anyhow::Result<ExitCode> {
    use gofed_go::api::stdlib::StdSummary;
    use gofed_go::api::{extract_package_for, is_api_package, render_goapi, Release};
    use gofed_go::load::NEWEST_GO_MINOR;
    use gofed_go::types::{Program, Sizes};

    let summary = StdSummary::new();
    let mut program = Program::new(&summary, Sizes::for_arch("amd64"));
    let mut packages = Vec::new();
    for path in summary.paths() {
        let Some(id) = program.package("", path) else {
            continue;
        };
        let name = program.pkg(id).name.clone();
        if is_api_package(path, &name, true, true) {
            // The summary is made from the newest Go: its cmd/api format (the stubs carry no
            // doc comments, so no `//deprecated` lines).
            packages.push(extract_package_for(
                &mut program,
                id,
                Release::go(NEWEST_GO_MINOR),
            ));
        }
    }
    crate::output::print_bytes(render_goapi(&packages).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
