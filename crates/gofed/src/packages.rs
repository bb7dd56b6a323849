//! `gofed packages`: the packages of a tree, like `go list -e ./...` (always in-process).

use std::fmt::Write as _;
use std::process::ExitCode;

use gofed_services::deps::{load, Purpose};
use gofed_services::tree::OpenedTree;
use gofed_services::Format;

use crate::cli::PackagesArgs;
use crate::output::print_json;

pub fn packages(args: &PackagesArgs) -> anyhow::Result<ExitCode> {
    let tree = OpenedTree::directory(&args.source)?;
    let project = load(&tree, &args.context.build_context(), Purpose::Deps)?;
    match args.format {
        Format::Json => print_json(&project.packages)?,
        Format::Text => {
            let mut out = String::new();
            for pkg in &project.packages {
                let _ = writeln!(out, "{}", pkg.import_path);
            }
            print!("{out}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
