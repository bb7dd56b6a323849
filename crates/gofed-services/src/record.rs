//! `--store`: what an analysis is recorded as in the store, from what was read. A git revision is a revision
//! of its project (the module path its `go.mod` declares, else the import path it names), an RPM or SRPM a
//! distribution package (name, version, release, and the distribution its release's dist tag names).
//! Anything else has no identity to record under and is refused with the reason.

use gofed_go::load::{detect_layout, Layout};
use gofed_store::{Package, PackageKey, Project, Revision, Store, StoreError, Subject};

use crate::tree::OpenedTree;
use crate::SourceMeta;

/// A recorded analysis's subject, with the records it needs first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A revision of a project.
    Revision {
        /// The project.
        project: Project,
        /// The revision.
        revision: Revision,
    },
    /// A distribution package.
    Package(Package),
}

impl Record {
    /// What the result is linked to.
    pub fn subject(&self) -> Subject {
        match self {
            Record::Revision { revision, .. } => Subject::Revision {
                import_path: revision.import_path.clone(),
                commit: revision.commit.clone(),
            },
            Record::Package(package) => Subject::Package(package.key.clone()),
        }
    }

    /// Stores the project and revision, or the package (again: each put replaces the same record).
    pub async fn put(&self, store: &Store) -> Result<(), StoreError> {
        match self {
            Record::Revision { project, revision } => {
                store.put_project(project).await?;
                store.put_revision(revision).await
            }
            Record::Package(package) => store.put_package(package).await,
        }
    }
}

/// The record of an analysis of `tree`, or why it has none.
pub fn record_of(tree: &OpenedTree) -> Result<Record, String> {
    let Some(meta) = tree.source_meta() else {
        return Err(
            "--store records a git revision (PATH@REV, URL.git@REV) or an RPM or SRPM; a directory or an archive \
             names no revision"
                .to_owned(),
        );
    };
    match meta.kind.as_str() {
        "git" => revision_record(tree, meta),
        "rpm" | "srpm" => package_record(meta),
        kind => Err(format!(
            "--store records a git revision or an RPM or SRPM; {} is a {kind} archive, which names no revision",
            meta.name
        )),
    }
}

fn revision_record(tree: &OpenedTree, meta: &SourceMeta) -> Result<Record, String> {
    let commit = meta
        .revision
        .clone()
        .ok_or_else(|| format!("{}: no commit id was read", meta.name))?;
    let import_path = match detect_layout(tree.tree(), tree.root()) {
        Layout::Module { path, .. } => path,
        _ => meta.import_path.clone().ok_or_else(|| {
            format!(
                "{}: no go.mod names the project's import path, so --store cannot record it",
                meta.name
            )
        })?,
    };
    // The repository as the user named it, without the revision.
    let repository = match &meta.tag {
        Some(tag) => meta.name.strip_suffix(&format!("@{tag}")),
        None => None,
    }
    .or_else(|| meta.name.rsplit_once('@').map(|(repo, _)| repo))
    .unwrap_or(&meta.name)
    .to_owned();
    Ok(Record::Revision {
        project: Project {
            import_path: import_path.clone(),
            repository,
        },
        revision: Revision {
            import_path,
            commit,
            tag: meta.tag.clone(),
            commit_time: meta.revision_time.unwrap_or(0),
        },
    })
}

fn package_record(meta: &SourceMeta) -> Result<Record, String> {
    let field = |value: &Option<String>, what: &str| {
        value
            .clone()
            .ok_or_else(|| format!("{}: the RPM header has no {what}", meta.name))
    };
    let release = field(&meta.release, "Release")?;
    Ok(Record::Package(Package {
        key: PackageKey {
            name: field(&meta.package, "Name")?,
            version: field(&meta.version, "Version")?,
            distro: distro_of(&release),
            release,
        },
        source_rpm: meta.source_rpm.clone().unwrap_or_default(),
    }))
}

/// The distribution a release's dist tag names: `3.fc42` → `fedora:42`, `1.el9` → `el:9`, `2.mga9` →
/// `mageia:9`; `unknown` without a known tag.
pub fn distro_of(release: &str) -> String {
    const TAGS: [(&str, &str); 4] = [
        ("fc", "fedora"),
        ("el", "el"),
        ("mga", "mageia"),
        ("ocs", "opencloudos"),
    ];
    for part in release.split('.').rev() {
        for (tag, distro) in TAGS {
            if let Some(number) = part.strip_prefix(tag) {
                let number = number.split('_').next().unwrap_or_default();
                if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) {
                    return format!("{distro}:{number}");
                }
            }
        }
    }
    "unknown".to_owned()
}

#[cfg(test)]
mod tests {
    use super::distro_of;

    #[test]
    fn dist_tags_name_their_distribution() {
        assert_eq!(distro_of("3.fc42"), "fedora:42");
        assert_eq!(distro_of("1.el9_2"), "el:9");
        assert_eq!(distro_of("0.1.20230101git1234567.fc39"), "fedora:39");
        assert_eq!(distro_of("2.mga9"), "mageia:9");
        assert_eq!(distro_of("1"), "unknown");
        assert_eq!(distro_of("1.fcx"), "unknown");
    }
}
