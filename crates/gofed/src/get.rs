//! `gofed get`: inputs fetched by the storage services (`tarballstorage`, `rpmstorage`, `specstorage`,
//! `packagestorage`) and kept in `filestorage`, wherever those run: the file id, the action's result as JSON, or
//! the file itself (`-o FILE`).

use std::process::ExitCode;

use anyhow::Context as _;
use gofed_service::FileRef;
use gofed_services::distgit::PackageRevision;
use gofed_services::fetched::FetchedFile;
use gofed_services::packagestorage::{PackageCommitQuery, PackageQuery};
use gofed_services::rpmstorage::RpmFileQuery;
use gofed_services::scm::StoredRevision;
use gofed_services::specstorage::{DistGitFile, PatchListing, PatchQuery};
use gofed_services::tarballstorage::TarballQuery;
use gofed_services::Format;
use serde::Serialize;

use crate::cli::{ArtifactArgs, DistGitArgs, GetCommand, GetOutput, SystemArgs};
use crate::scenario::Scenario;

pub fn run(system: &SystemArgs, command: &GetCommand) -> anyhow::Result<ExitCode> {
    let scenario = Scenario::new(system, &ArtifactArgs::default())?;
    match command {
        GetCommand::Tarball {
            upstream_url,
            commit,
            output,
        } => {
            let query = TarballQuery {
                upstream_url: upstream_url.clone(),
                commit: commit.clone(),
            };
            let got: FetchedFile = scenario.call("tarball_get", query)?;
            deliver(&scenario, &got.file, &got, output)
        }
        GetCommand::Rpm { file_name, output } => {
            let query = RpmFileQuery {
                package: file_name.clone(),
            };
            let got: FetchedFile = scenario.call("rpm_get_by_name", query)?;
            deliver(&scenario, &got.file, &got, output)
        }
        GetCommand::Spec { at, output } => {
            let got: DistGitFile = scenario.call("spec_get", revision(at))?;
            deliver(&scenario, &got.file, &got, output)
        }
        GetCommand::Patches { at, format } => {
            let listing: PatchListing = scenario.call("spec_patch_listing", revision(at))?;
            match format {
                Format::Json => crate::output::print_json(&listing)?,
                Format::Text => crate::output::write_stdout(|out| {
                    listing
                        .patches
                        .iter()
                        .try_for_each(|patch| writeln!(out, "{patch}"))
                })?,
            }
            Ok(ExitCode::SUCCESS)
        }
        GetCommand::Patch { at, patch, output } => {
            let query = PatchQuery {
                at: revision(at),
                patch: patch.clone(),
            };
            let got: DistGitFile = scenario.call("spec_patch_get", query)?;
            deliver(&scenario, &got.file, &got, output)
        }
        GetCommand::Package { at, output } => {
            let got: StoredRevision = match &at.commit {
                Some(commit) => scenario.call(
                    "package_get_commit",
                    PackageCommitQuery {
                        package: at.package.clone(),
                        commit: commit.clone(),
                    },
                )?,
                None => scenario.call(
                    "package_get",
                    PackageQuery {
                        package: at.package.clone(),
                        branch: at.branch.clone(),
                    },
                )?,
            };
            for warning in &got.warnings {
                eprintln!("warning: {warning}");
            }
            deliver(&scenario, &got.file, &got, output)
        }
    }
}

fn revision(at: &DistGitArgs) -> PackageRevision {
    PackageRevision {
        package: at.package.clone(),
        branch: at.branch.clone(),
        commit: at.commit.clone(),
    }
}

/// Writes `file` where `-o` says, and prints `result` (JSON) or the file id (text, without `-o`).
fn deliver(
    scenario: &Scenario,
    file: &FileRef,
    result: &impl Serialize,
    output: &GetOutput,
) -> anyhow::Result<ExitCode> {
    if let Some(path) = &output.output {
        let bytes = scenario.fetch_file(file)?;
        if path.as_os_str() == "-" {
            crate::output::write_stdout(|out| out.write_all(&bytes))?;
        } else {
            std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    match output.format {
        Format::Json => crate::output::print_json(result)?,
        Format::Text if output.output.is_none() => {
            crate::output::write_stdout(|out| writeln!(out, "{}", file.sha256))?;
        }
        Format::Text => {}
    }
    Ok(ExitCode::SUCCESS)
}
