//! Git repositories read at a revision straight from the object database (no checkout, no `git` binary).
//!
//! [`open`] resolves a revision (a tag, annotated or lightweight, a branch, a full or abbreviated commit id,
//! `HEAD`, or anything else `git rev-parse` accepts) to a commit and reads its tree into memory: regular and
//! executable files become [`File`]s; symbolic links and submodules (commit entries) are left out with a
//! [`Warning`]; entry names no checkout could create (`..`, `.git`, a `/` inside a name, not UTF-8) likewise.
//! The tree is what `git archive REV` holds, except that `.gitattributes`' `export-ignore` and `export-subst`
//! are not applied: the analysis wants the code as committed.
//!
//! [`log`] lists the commits reachable from a revision as plain `git log` does; [`tags`] the tags and their commits.
//!
//! The repository is opened *isolated*: no global or system git configuration, no environment variable changes
//! what is read, so the same repository gives the same artifact on every machine.

use std::collections::{BinaryHeap, HashSet};
use std::path::Path;

use gix::bstr::ByteSlice;
use gix::objs::tree::EntryKind;
use gix::ObjectId;

use crate::{sha256_hex, Artifact, ArtifactError, File, Kind, Limits, Warning};

/// The most levels of directories read below a tree's top: deeper trees are refused, not walked (git itself
/// refuses trees deeper than 4096 levels).
pub const MAX_DEPTH: usize = 4096;

/// One commit, as [`log`] lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    /// The commit id, lower-case hex (`%H`).
    pub hash: String,
    /// The author's name (`%an`, no mailmap).
    pub author: String,
    /// The author's email (`%ae`).
    pub email: String,
    /// When it was authored, in seconds since the Unix epoch (`%at`).
    pub time: i64,
    /// The same instant in RFC 3339, in the author's time zone (`%aI`).
    pub time_rfc3339: String,
    /// The subject: the message's first paragraph, its lines joined by spaces (`%s`).
    pub subject: String,
}

/// An error with its causes, `: `-separated (gix's errors say what failed on top and why below).
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Some errors repeat their cause in their own message.
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Opens the repository at `repo_dir` (a work tree or a bare repository) isolated from the user's and the
/// system's git configuration.
fn open_repository(repo_dir: &Path) -> Result<gix::Repository, ArtifactError> {
    let options = gix::open::Options::isolated();
    let mut repo = gix::open_opts(repo_dir, options).map_err(|err| ArtifactError::Unusable {
        input: repo_dir.display().to_string(),
        what: format!("not a git repository: {}", chain(&err)),
    })?;
    // Trees and commits are each read once or twice: a small cache is enough.
    repo.object_cache_size_if_unset(4 << 20);
    Ok(repo)
}

/// The first change `git status --porcelain` lists for the work tree at `repo_dir` (a change staged or not to a
/// tracked file, or an untracked file that is not ignored), by its path in the repository; `None` when the work
/// tree is clean. gorelease refuses to release from a repository with one.
pub fn uncommitted_change(repo_dir: &Path) -> Result<Option<String>, ArtifactError> {
    let input = repo_dir.display().to_string();
    let failed = |err: &dyn std::error::Error| ArtifactError::Unusable {
        input: input.clone(),
        what: format!("reading the status of the work tree: {}", chain(err)),
    };
    let repo = open_repository(repo_dir)?;
    let mut changes = repo
        .status(gix::progress::Discard)
        .map_err(|err| failed(&err))?
        .untracked_files(gix::status::UntrackedFiles::Files)
        .into_iter(None)
        .map_err(|err| failed(&err))?;
    match changes.next() {
        None => Ok(None),
        Some(Ok(change)) => Ok(Some(change.location().to_string())),
        Some(Err(err)) => Err(failed(&err)),
    }
}

/// The commit `rev` names in `repo` (tags peeled).
fn resolve(repo: &gix::Repository, input: &str, rev: &str) -> Result<ObjectId, ArtifactError> {
    let unusable = |what: String| ArtifactError::Unusable {
        input: input.to_owned(),
        what,
    };
    let id = repo
        .rev_parse_single(rev.as_bytes().as_bstr())
        .map_err(|err| unusable(format!("revision {rev:?}: {}", chain(&err))))?;
    let object = id.object().map_err(|err| ArtifactError::Corrupt {
        input: input.to_owned(),
        what: format!("revision {rev:?}: object {id}: {}", chain(&err)),
    })?;
    let commit = object
        .peel_to_commit()
        .map_err(|err| unusable(format!("revision {rev:?} is not a commit: {}", chain(&err))))?;
    Ok(commit.id)
}

/// The commit id (hex) `rev` names in the repository at `repo_dir`, tags peeled: what identifies the files
/// [`open`] would read, without reading them (the result cache keys git revisions by it).
pub fn commit_of(repo_dir: &Path, rev: &str) -> Result<String, ArtifactError> {
    let input = format!("{}@{rev}", repo_dir.display());
    let repo = open_repository(repo_dir)?;
    Ok(resolve(&repo, &input, rev)?.to_string())
}

/// A tag, as [`tags`] lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    /// The tag's name without `refs/tags/` (`v1.2.0`).
    pub name: String,
    /// The commit it names (annotated tags peeled), lower-case hex.
    pub commit: String,
    /// The commit's committer time, in seconds since the Unix epoch.
    pub time: i64,
}

/// The tags of the repository at `repo_dir` that name commits, oldest commit first (then by name): the order a
/// scan of its releases wants. A tag of a tree or a blob names no revision to analyse and is left out.
pub fn tags(repo_dir: &Path) -> Result<Vec<Tag>, ArtifactError> {
    let input = repo_dir.display().to_string();
    let repo = open_repository(repo_dir)?;
    let corrupt = |what: String| ArtifactError::Corrupt {
        input: input.clone(),
        what,
    };
    let platform = repo
        .references()
        .map_err(|err| corrupt(format!("references: {}", chain(&err))))?;
    let references = platform
        .tags()
        .map_err(|err| corrupt(format!("tags: {}", chain(&err))))?;
    let mut tags = Vec::new();
    for reference in references {
        let mut reference = reference.map_err(|err| corrupt(format!("a tag: {}", chain(&*err))))?;
        let name = reference.name().shorten().to_str_lossy().into_owned();
        let Ok(commit) = reference.peel_to_commit() else {
            continue;
        };
        let time = commit
            .time()
            .map_err(|err| corrupt(format!("tag {name}: commit {}: {}", commit.id, chain(&err))))?
            .seconds;
        tags.push(Tag {
            name,
            commit: commit.id.to_string(),
            time,
        });
    }
    tags.sort_by(|a, b| (a.time, &a.name).cmp(&(b.time, &b.name)));
    Ok(tags)
}

/// Reads the tree of the commit `rev` names in the repository at `repo_dir`. `revision` is the commit id;
/// `sha256` is the sha256 of that id's hex string (the commit id already names the content; hashing it gives the
/// 64-hex key every other artifact has); `root` is the top.
pub fn open(repo_dir: &Path, rev: &str, limits: &Limits) -> Result<Artifact, ArtifactError> {
    open_dir(repo_dir, rev, "", limits)
}

/// As [`open`], but reads only directory `dir` of the revision (`/`-separated, relative to the top; `""`: the
/// whole tree), which becomes the artifact's `root`: a module in a subdirectory of its repository. Files keep
/// their paths from the top. A `dir` the revision does not have is an error naming both.
pub fn open_dir(
    repo_dir: &Path,
    rev: &str,
    dir: &str,
    limits: &Limits,
) -> Result<Artifact, ArtifactError> {
    let input = format!("{}@{rev}", repo_dir.display());
    let repo = open_repository(repo_dir)?;
    let commit_id = resolve(&repo, &input, rev)?;
    let corrupt = |what: String| ArtifactError::Corrupt {
        input: input.clone(),
        what,
    };
    let commit = repo
        .find_commit(commit_id)
        .map_err(|err| corrupt(format!("commit {commit_id}: {}", chain(&err))))?;
    let dir = dir.trim_matches('/');
    let (top, tree_id) = if dir.is_empty() {
        let id = commit
            .tree_id()
            .map_err(|err| corrupt(format!("commit {commit_id}: {}", chain(&err))))?
            .detach();
        (String::new(), id)
    } else {
        match entry_at(&repo, &input, commit_id, dir)? {
            Some((id, EntryKind::Tree)) => (format!("{dir}/"), id),
            _ => {
                return Err(ArtifactError::Unusable {
                    input,
                    what: format!("the revision has no directory {dir:?}"),
                })
            }
        }
    };

    let mut files: Vec<File> = Vec::new();
    let mut warnings: Vec<Warning> = Vec::new();
    let mut entries: u64 = 0;
    let mut total: u64 = 0;
    // Directories still to read: their path (empty or ending in `/`), tree id and depth.
    let depth = dir.split('/').filter(|c| !c.is_empty()).count();
    let mut pending: Vec<(String, ObjectId, usize)> = vec![(top, tree_id, depth)];
    while let Some((dir, id, depth)) = pending.pop() {
        let tree = repo
            .find_tree(id)
            .map_err(|err| corrupt(format!("tree {id} ({}): {}", shown_dir(&dir), chain(&err))))?;
        let decoded = tree
            .decode()
            .map_err(|err| corrupt(format!("tree {id} ({}): {}", shown_dir(&dir), chain(&err))))?;
        for entry in &decoded.entries {
            entries += 1;
            if entries > limits.max_entries {
                return Err(ArtifactError::Limit {
                    input: input.clone(),
                    what: format!("more than {} entries", limits.max_entries),
                    limit: limits.max_entries,
                });
            }
            let lossy = format!("{dir}{}", entry.filename.to_str_lossy());
            let mut skip = |reason: &str| {
                warnings.push(Warning {
                    input: input.clone(),
                    entry: lossy.clone(),
                    reason: reason.to_owned(),
                });
            };
            let name = match entry.filename.to_str() {
                Ok(name) => name,
                Err(_) => {
                    skip("the name is not UTF-8");
                    continue;
                }
            };
            if let Some(reason) = bad_name(name) {
                skip(reason);
                continue;
            }
            let path = format!("{dir}{name}");
            let oid = entry.oid.to_owned();
            match entry.mode.kind() {
                EntryKind::Tree => {
                    if depth + 1 > MAX_DEPTH {
                        return Err(corrupt(format!(
                            "{path}: directories nested more than {MAX_DEPTH} deep"
                        )));
                    }
                    pending.push((format!("{path}/"), oid, depth + 1));
                }
                EntryKind::Blob | EntryKind::BlobExecutable => {
                    let data = read_blob(&repo, &input, &path, oid, limits, total)?;
                    total += data.len() as u64;
                    files.push(File { path, data });
                }
                EntryKind::Link => skip("a symbolic link (not followed)"),
                EntryKind::Commit => skip("a submodule (its commit is not in this repository)"),
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    warnings.sort_by(|a, b| a.entry.cmp(&b.entry));
    let revision = commit_id.to_string();
    let revision_time = commit
        .time()
        .map_err(|err| corrupt(format!("commit {commit_id}: {}", chain(&err))))?
        .seconds;
    // Named by a tag when `refs/tags/REV` exists (a branch or a commit id is no tag).
    let tag = repo
        .try_find_reference(format!("refs/tags/{rev}").as_str())
        .ok()
        .flatten()
        .map(|_| rev.to_owned());
    Ok(Artifact {
        kind: Some(Kind::Git),
        sha256: sha256_hex(revision.as_bytes()),
        files,
        root: dir.to_owned(),
        revision: Some(revision),
        revision_time: Some(revision_time),
        tag,
        warnings,
        ..Artifact::default()
    })
}

/// The object and kind of the entry at `path` (`/`-separated) in the tree of commit `commit_id`; `None` when
/// there is none.
fn entry_at(
    repo: &gix::Repository,
    input: &str,
    commit_id: ObjectId,
    path: &str,
) -> Result<Option<(ObjectId, EntryKind)>, ArtifactError> {
    let corrupt = |what: String| ArtifactError::Corrupt {
        input: input.to_owned(),
        what,
    };
    let commit = repo
        .find_commit(commit_id)
        .map_err(|err| corrupt(format!("commit {commit_id}: {}", chain(&err))))?;
    let tree = commit
        .tree()
        .map_err(|err| corrupt(format!("commit {commit_id}: {}", chain(&err))))?;
    let entry = tree
        .lookup_entry_by_path(path)
        .map_err(|err| corrupt(format!("{path}: {}", chain(&err))))?;
    Ok(entry.map(|e| (e.object_id(), e.mode().kind())))
}

/// The bytes of file `path` (`/`-separated, from the top) at revision `rev`; `None` when the revision has no
/// such file. Read within `limits.max_file_size`.
pub fn file_at(
    repo_dir: &Path,
    rev: &str,
    path: &str,
    limits: &Limits,
) -> Result<Option<Vec<u8>>, ArtifactError> {
    let input = format!("{}@{rev}", repo_dir.display());
    let repo = open_repository(repo_dir)?;
    let commit_id = resolve(&repo, &input, rev)?;
    match entry_at(&repo, &input, commit_id, path)? {
        Some((oid, EntryKind::Blob | EntryKind::BlobExecutable)) => {
            read_blob(&repo, &input, path, oid, limits, 0).map(Some)
        }
        _ => Ok(None),
    }
}

/// `dir` for an error message: `the top` or the directory without its final `/`.
fn shown_dir(dir: &str) -> String {
    match dir.strip_suffix('/') {
        Some(dir) => dir.to_owned(),
        None => "the top".to_owned(),
    }
}

/// Why a tree entry's name cannot be a path component, if it cannot. Git refuses to check such names out;
/// a crafted tree may still hold them.
fn bad_name(name: &str) -> Option<&'static str> {
    if name.is_empty() || name == "." || name == ".." {
        return Some("not a file name (empty, `.` or `..`)");
    }
    if name.contains('/') || name.contains('\0') {
        return Some("a name containing `/` or NUL");
    }
    if name.eq_ignore_ascii_case(".git") {
        return Some("a `.git` entry (git never checks one out)");
    }
    None
}

/// The bytes of the blob `oid` at `path`, within the file and total limits (`total`: bytes read so far). The
/// size is read from the object's header first, so an oversized blob is never inflated.
fn read_blob(
    repo: &gix::Repository,
    input: &str,
    path: &str,
    oid: ObjectId,
    limits: &Limits,
    total: u64,
) -> Result<Vec<u8>, ArtifactError> {
    let corrupt = |what: String| ArtifactError::Corrupt {
        input: input.to_owned(),
        what: format!("{path}: blob {oid}: {what}"),
    };
    let header = repo.find_header(oid).map_err(|err| corrupt(chain(&err)))?;
    let size = header.size();
    if size > limits.max_file_size {
        return Err(ArtifactError::Limit {
            input: input.to_owned(),
            what: format!("{path}: a file of {size} bytes"),
            limit: limits.max_file_size,
        });
    }
    if total.saturating_add(size) > limits.max_total_size {
        return Err(ArtifactError::Limit {
            input: input.to_owned(),
            what: format!("more than {} bytes of files", limits.max_total_size),
            limit: limits.max_total_size,
        });
    }
    let object = repo.find_object(oid).map_err(|err| corrupt(chain(&err)))?;
    if object.kind != gix::object::Kind::Blob {
        return Err(corrupt(format!("a {} where a blob belongs", object.kind)));
    }
    Ok(object.detach().data)
}

/// The local repository a `.git` URL names, to open in place with [`open`] or [`log`]: `file://` URLs (and
/// plain paths) only. gix's object database reading needs no clone of a repository already on this machine, so
/// nothing is copied (gix's `file://` transport would run `git-upload-pack`). An `https://` URL is refused here:
/// this library does no network I/O. The `gofed` binary clones such a URL (bare, with gix's HTTP transport) into
/// its download cache and opens the clone with [`open`].
pub fn repository_of_url(url: &str) -> Result<std::path::PathBuf, ArtifactError> {
    let unusable = |what: String| ArtifactError::Unusable {
        input: url.to_owned(),
        what,
    };
    let parsed = gix::url::parse(url.as_bytes().as_bstr())
        .map_err(|err| unusable(format!("not a git URL: {}", chain(&err))))?;
    match parsed.scheme {
        gix::url::Scheme::File => {
            if parsed.host().is_some_and(|h| !h.is_empty() && h != "localhost") {
                return Err(unusable(
                    "a file URL naming another host is not read".to_owned(),
                ));
            }
            let path = gix::path::try_from_bstring(parsed.path)
                .map_err(|err| unusable(format!("not a path of this system: {err}")))?;
            // Opened once here, so that a URL that names no repository says so now.
            open_repository(&path)?;
            Ok(path)
        }
        scheme => Err(unusable(format!(
            "{} URLs name no repository of this machine: clone it first (gofed clones `.git` URLs into its cache)",
            scheme.as_str()
        ))),
    }
}

/// The commits reachable from `rev` in the repository at `repo_dir`, as plain `git log REV` lists them: newest
/// first by committer time, a commit's parents queued once it is listed (so a parent whose clock ran ahead
/// still follows its child), commits with equal times in the order they were queued. At most `max_count`
/// commits (`git log -n`); with `since` (seconds since the Unix epoch), a commit committed before it is left
/// out together with the history only it leads to, as `git log --since` does.
pub fn log(
    repo_dir: &Path,
    rev: &str,
    max_count: Option<usize>,
    since: Option<i64>,
) -> Result<Vec<Commit>, ArtifactError> {
    let input = format!("{}@{rev}", repo_dir.display());
    let repo = open_repository(repo_dir)?;
    let start = resolve(&repo, &input, rev)?;
    let corrupt = |id: ObjectId, err: &dyn std::error::Error| ArtifactError::Corrupt {
        input: input.clone(),
        what: format!("commit {id}: {}", chain(err)),
    };

    /// A queued commit: newest committer time first, then the first queued.
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    struct Queued {
        time: i64,
        order: std::cmp::Reverse<u64>,
        id: ObjectId,
    }

    let mut commits = Vec::new();
    let mut seen: HashSet<ObjectId> = HashSet::new();
    let mut queue: BinaryHeap<Queued> = BinaryHeap::new();
    let mut queued: u64 = 0;
    let mut enqueue = |id: ObjectId, queue: &mut BinaryHeap<Queued>| -> Result<(), ArtifactError> {
        let commit = repo.find_commit(id).map_err(|err| corrupt(id, &err))?;
        let decoded = commit.decode().map_err(|err| corrupt(id, &err))?;
        let committer = decoded.committer().map_err(|err| corrupt(id, &err))?;
        queue.push(Queued {
            time: committer.seconds(),
            order: std::cmp::Reverse(queued),
            id,
        });
        queued += 1;
        Ok(())
    };
    seen.insert(start);
    enqueue(start, &mut queue)?;
    while let Some(Queued { time, id, .. }) = queue.pop() {
        if max_count.is_some_and(|max| commits.len() >= max) {
            break;
        }
        if since.is_some_and(|since| time < since) {
            continue;
        }
        let commit = repo.find_commit(id).map_err(|err| corrupt(id, &err))?;
        let decoded = commit.decode().map_err(|err| corrupt(id, &err))?;
        let author = decoded.author().map_err(|err| corrupt(id, &err))?;
        let author_time = author.time().map_err(|err| corrupt(id, &err))?;
        commits.push(Commit {
            hash: id.to_string(),
            author: author.name.trim().to_str_lossy().into_owned(),
            email: author.email.trim().to_str_lossy().into_owned(),
            time: author_time.seconds,
            time_rfc3339: rfc3339(author_time.seconds, author_time.offset),
            subject: subject(decoded.message),
        });
        let parents: Vec<ObjectId> = decoded.parents().collect();
        for parent in parents {
            if seen.insert(parent) {
                enqueue(parent, &mut queue)?;
            }
        }
    }
    Ok(commits)
}

/// git's `%s`: after blank lines, the lines up to the next blank one, each without trailing white space, joined
/// by single spaces (`format_subject` in git's pretty.c); lossily decoded.
fn subject(message: &[u8]) -> String {
    let mut parts: Vec<&[u8]> = Vec::new();
    let mut lines = message.split(|&b| b == b'\n').peekable();
    while lines.next_if(|line| line.trim().is_empty()).is_some() {}
    for line in lines {
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        parts.push(line);
    }
    parts.join(&b' ').to_str_lossy().into_owned()
}

/// `seconds` since the epoch in the zone `offset` seconds east of UTC, as RFC 3339 (`2024-05-01T12:00:00+02:00`,
/// `2024-05-01T10:00:00Z` for UTC, as git's `%aI` writes it: git 2.47, the tests' oracle, does).
pub fn rfc3339(seconds: i64, offset: i32) -> String {
    let local = seconds + i64::from(offset);
    let days = local.div_euclid(86_400);
    let of_day = local.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    if offset == 0 {
        return format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            of_day / 3600,
            of_day % 3600 / 60,
            of_day % 60
        );
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let offset_minutes = offset.unsigned_abs() / 60;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60,
        offset_minutes / 60,
        offset_minutes % 60
    )
}

/// A point in time given as `@SECONDS` (since the Unix epoch), `YYYY-MM-DD` (midnight UTC), or RFC 3339
/// `YYYY-MM-DDTHH:MM:SS` followed by `Z` or `±HH:MM`: seconds since the Unix epoch. `None` for anything else
/// (git's free-form dates like `2 weeks ago` are not accepted: a packager's script should not depend on today).
pub fn parse_date(text: &str) -> Option<i64> {
    if let Some(seconds) = text.strip_prefix('@') {
        return seconds.parse().ok();
    }
    let number = |s: &str| -> Option<i64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let (date, time) = match text.split_once(['T', 't', ' ']) {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let mut parts = date.splitn(3, '-');
    let (year, month, day) = (
        number(parts.next()?)?,
        number(parts.next()?)?,
        number(parts.next()?)?,
    );
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || date.len() != 10 {
        return None;
    }
    let days = days_from_civil(year, month as u32, day as u32);
    if civil_from_days(days) != (year, month as u32, day as u32) {
        return None;
    }
    let mut seconds = days * 86_400;
    if let Some(time) = time {
        let (clock, offset) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
            (clock, 0)
        } else {
            let at = time.rfind(['+', '-'])?;
            let (clock, zone) = time.split_at(at);
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let (hours, minutes) = zone[1..].split_once(':')?;
            (
                clock,
                sign * (number(hours)? * 3600 + number(minutes)? * 60),
            )
        };
        let fields: Vec<&str> = clock.split(':').collect();
        let [hours, minutes, secs] = fields.as_slice() else {
            return None;
        };
        let (hours, minutes, secs) = (number(hours)?, number(minutes)?, number(secs)?);
        if hours > 23 || minutes > 59 || secs > 60 {
            return None;
        }
        seconds += hours * 3600 + minutes * 60 + secs - offset;
    }
    Some(seconds)
}

/// The day number (days since 1970-01-01) of a proleptic Gregorian date: Howard Hinnant's `days_from_civil`.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day number (days since 1970-01-01): Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_gits_first_paragraph() {
        assert_eq!(subject(b"one\n"), "one");
        assert_eq!(subject(b"\n\n  \none  \ntwo\n\nbody\n"), "one two");
        assert_eq!(subject(b""), "");
        assert_eq!(subject(b"no newline"), "no newline");
    }

    #[test]
    fn rfc3339_matches_known_instants() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00Z");
        // 2000-02-29 12:34:56 UTC, a leap day.
        assert_eq!(rfc3339(951_827_696, 0), "2000-02-29T12:34:56Z");
        assert_eq!(
            rfc3339(951_827_696, -5 * 3600 - 1800),
            "2000-02-29T07:04:56-05:30"
        );
        assert_eq!(rfc3339(-1, 3600), "1970-01-01T00:59:59+01:00");
    }

    #[test]
    fn dates_parse_as_rfc3339_prints_them() {
        for (seconds, offset) in [
            (0, 0),
            (951_827_696, -19_800),
            (1_700_000_000, 7200),
            (-86_401, 0),
        ] {
            let text = rfc3339(seconds, offset);
            assert_eq!(parse_date(&text), Some(seconds), "{text}");
        }
        assert_eq!(parse_date("1970-01-02"), Some(86_400));
        assert_eq!(
            parse_date("2000-03-01"),
            parse_date("2000-02-29T00:00:00Z").map(|s| s + 86_400)
        );
        assert_eq!(parse_date("@1700000000"), Some(1_700_000_000));
        for bad in [
            "",
            "2023-02-29",
            "2023-13-01",
            "23-01-01",
            "2023-01-01T25:00:00Z",
            "yesterday",
            "@x",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn names_no_checkout_creates_are_refused() {
        for name in ["", ".", "..", "a/b", ".git", ".GIT", "a\0b"] {
            assert!(bad_name(name).is_some(), "{name:?}");
        }
        for name in ["a.go", ".gitignore", "...", "..a"] {
            assert_eq!(bad_name(name), None, "{name:?}");
        }
    }
}
