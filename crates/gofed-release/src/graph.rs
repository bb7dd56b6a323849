//! The module graph a release is loaded in, as the go command reads it for gorelease: which version of each
//! module the build selects (minimal version selection), and which of the selected versions their authors
//! retracted. gorelease asks `go list -m` for both in a load directory whose module requires the release (and
//! the release's own requirements); here the caller gives each module's go.mod and this module walks the
//! graph with the go command's rules (graph pruning for go 1.17 and later).

use std::collections::{BTreeMap, HashSet, VecDeque};

use gofed_go::load::gomod::{semver, GoMod, Retract};

/// Whether a module's requirements are pruned: a go.mod at go 1.17 or later lists everything its packages
/// need, so the requirements of its requirements are not read (the go command's `modPruning`).
pub fn pruned(go_mod: &GoMod) -> bool {
    go_mod.go_minor().is_some_and(|minor| minor >= 17)
}

/// The version of each module path the build selects, when the main module `main` requires `roots` and each
/// module's go.mod is what `go_mod(path, version)` returns (`None`: not available; its requirements are then
/// unknown, as for a pruned module). As the go command's `readModGraph` and `mvs.BuildList`: from a pruned
/// main module, each root's requirements count but only unpruned modules' requirements are followed further;
/// from an unpruned one, everything is followed. The selected version is the highest one reached.
pub fn selected_versions(
    main: &GoMod,
    roots: &[(String, String)],
    mut go_mod: impl FnMut(&str, &str) -> Option<GoMod>,
) -> BTreeMap<String, String> {
    let mut selected: BTreeMap<String, String> = BTreeMap::new();
    let mut select = |path: &str, version: &str| {
        let entry = selected
            .entry(path.to_owned())
            .or_insert_with(|| version.to_owned());
        if semver::compare(version, entry).is_gt() {
            *entry = version.to_owned();
        }
    };
    let mut queue: VecDeque<((String, String), bool)> = roots
        .iter()
        .map(|root| (root.clone(), pruned(main)))
        .collect();
    let mut seen: HashSet<((String, String), bool)> = HashSet::new();
    while let Some(((path, version), pruning)) = queue.pop_front() {
        if version == "none" || !seen.insert(((path.clone(), version.clone()), pruning)) {
            continue;
        }
        select(&path, &version);
        let Some(summary) = go_mod(&path, &version) else {
            continue;
        };
        let next_pruning = pruning && pruned(&summary);
        for require in &summary.require {
            select(&require.path, &require.version);
            if !pruning || !pruned(&summary) {
                queue.push_back((
                    (require.path.clone(), require.version.clone()),
                    next_pruning,
                ));
            }
        }
    }
    selected
}

/// Whether `version` is retracted by `retractions` (from the go.mod of the module's latest version), with the
/// rationales of the retractions that cover it; `None`: not retracted.
pub fn retraction_of(version: &str, retractions: &[Retract]) -> Option<Vec<String>> {
    let covering: Vec<&Retract> = retractions
        .iter()
        .filter(|r| {
            semver::compare(&r.low, version).is_le() && semver::compare(version, &r.high).is_le()
        })
        .collect();
    if covering.is_empty() {
        return None;
    }
    Some(
        covering
            .iter()
            .filter_map(|r| r.rationale.clone())
            .filter(|r| !r.is_empty())
            .collect(),
    )
}

/// gorelease's diagnostic for a required module whose selected version its author retracted.
pub fn retracted_requirement_message(path: &str, version: &str, rationales: &[String]) -> String {
    match short_rationale(rationales) {
        Some(rationale) => {
            format!("required module {path}@{version} retracted by module author: {rationale}")
        }
        None => format!("required module {path}@{version} retracted by module author"),
    }
}

/// The first rationale's first line when it is safe to print in a terminal (gorelease's
/// `shortRetractionRationale`): not empty, not the default text, at most 500 bytes, only printable characters.
fn short_rationale(rationales: &[String]) -> Option<&str> {
    // `go list` says "retracted by module author" for a retraction without a rationale.
    let first = rationales
        .first()
        .map_or("retracted by module author", String::as_str);
    let line = first.split('\n').next().unwrap_or_default().trim();
    if line.is_empty() || line == "retracted by module author" || line.len() > 500 {
        return None;
    }
    // Go's unicode.IsGraphic or IsSpace: letters, marks, numbers, punctuation, symbols and spaces.
    let printable = line
        .chars()
        .all(|c| c.is_whitespace() || !(c.is_control() || is_format_or_private(c)));
    printable.then_some(line)
}

/// Characters of Unicode's Cf (format), Co (private use) and Cs categories, which Go does not count as
/// graphic; the common ones.
fn is_format_or_private(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{0600}'..='\u{0605}' | '\u{061C}' | '\u{06DD}' | '\u{070F}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{E000}'..='\u{F8FF}'
        | '\u{F0000}'..='\u{FFFFD}' | '\u{100000}'..='\u{10FFFD}' | '\u{E0001}' | '\u{E0020}'..='\u{E007F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go_mod(text: &str) -> GoMod {
        gofed_go::load::gomod::parse("go.mod", text.as_bytes())
            .into_result()
            .unwrap()
    }

    #[test]
    fn pruned_graphs_stop_at_modules_of_go_1_17() {
        let main = go_mod("module m\ngo 1.21\nrequire a v1.0.0\n");
        let mods = |path: &str, version: &str| -> Option<GoMod> {
            Some(go_mod(match (path, version) {
                ("a", "v1.0.0") => "module a\ngo 1.21\nrequire b v1.1.0\n",
                // Not read from a pruned graph: b is a go 1.21 module reached through a.
                ("b", "v1.1.0") => "module b\ngo 1.21\nrequire c v1.0.0\n",
                ("old", "v1.0.0") => "module old\nrequire d v1.2.0\n",
                ("d", "v1.2.0") => "module d\nrequire e v0.1.0\n",
                _ => return None,
            }))
        };
        let roots = [("a".to_owned(), "v1.0.0".to_owned())];
        let selected = selected_versions(&main, &roots, mods);
        assert_eq!(
            selected.into_iter().collect::<Vec<_>>(),
            [
                ("a".to_owned(), "v1.0.0".to_owned()),
                ("b".to_owned(), "v1.1.0".to_owned())
            ]
        );
        // An unpruned module (no go directive) is followed all the way down.
        let roots = [
            ("a".to_owned(), "v1.0.0".to_owned()),
            ("old".to_owned(), "v1.0.0".to_owned()),
        ];
        let selected = selected_versions(&main, &roots, mods);
        assert_eq!(selected.get("e").map(String::as_str), Some("v0.1.0"));
        assert_eq!(selected.get("c"), None);
        // From an unpruned main module everything is followed, and the highest version wins.
        let main = go_mod("module m\nrequire a v1.0.0\nrequire b v1.0.5\n");
        let roots = [
            ("a".to_owned(), "v1.0.0".to_owned()),
            ("b".to_owned(), "v1.0.5".to_owned()),
        ];
        let selected = selected_versions(&main, &roots, mods);
        assert_eq!(selected.get("b").map(String::as_str), Some("v1.1.0"));
        assert_eq!(selected.get("c").map(String::as_str), Some("v1.0.0"));
    }

    #[test]
    fn retractions_and_their_messages() {
        let latest = go_mod(
            "module a\nretract v1.0.1 // broken build\nretract [v1.1.0, v1.2.0]\nretract v0.9.0 // retracted by module author\n",
        );
        assert_eq!(retraction_of("v1.0.0", &latest.retract), None);
        let rationales = retraction_of("v1.0.1", &latest.retract).unwrap();
        assert_eq!(
            retracted_requirement_message("a", "v1.0.1", &rationales),
            "required module a@v1.0.1 retracted by module author: broken build"
        );
        let rationales = retraction_of("v1.1.5", &latest.retract).unwrap();
        assert_eq!(
            retracted_requirement_message("a", "v1.1.5", &rationales),
            "required module a@v1.1.5 retracted by module author"
        );
        let rationales = retraction_of("v0.9.0", &latest.retract).unwrap();
        assert_eq!(
            retracted_requirement_message("a", "v0.9.0", &rationales),
            "required module a@v0.9.0 retracted by module author"
        );
        let long = vec!["x".repeat(501)];
        assert_eq!(
            retracted_requirement_message("a", "v1", &long),
            "required module a@v1 retracted by module author"
        );
        let hidden = vec!["look\u{202E}here".to_owned()];
        assert_eq!(
            retracted_requirement_message("a", "v1", &hidden),
            "required module a@v1 retracted by module author"
        );
    }
}
