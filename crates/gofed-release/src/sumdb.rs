//! The Go checksum database (`GOSUMDB`, sum.golang.org), as the go command checks a module it downloads: the
//! database's lookup answer for `module@version` gives the `h1:` hashes of its zip and go.mod, in a record of a
//! transparent log whose tree head the database signs. A hash is trusted when the signature verifies with the
//! configured key and the record is proved to be in the signed tree (the log's hashes read from its tiles).
//!
//! The formats are those of `golang.org/x/mod/sumdb` (note, tlog), read from their specification and code;
//! none of it is copied. No I/O: the caller fetches the lookup answer and the tiles.

use std::collections::HashMap;

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// sum.golang.org's public key, which the go command knows.
pub const SUM_GOLANG_ORG: &str =
    "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";

/// The height of the log's tiles (every Go checksum database uses 8).
const TILE_HEIGHT: u32 = 8;

/// A log hash.
pub type Hash = [u8; 32];

/// Why a database answer is not trusted.
#[derive(Debug, thiserror::Error)]
pub enum SumdbError {
    /// The key is not `NAME+HASH+BASE64` of an Ed25519 key.
    #[error("invalid checksum database key {0:?}")]
    Key(String),
    /// An answer does not have the database's format.
    #[error("malformed checksum database answer: {0}")]
    Malformed(String),
    /// The signed tree head is not signed by the key.
    #[error("the checksum database's tree head is not signed by {0}")]
    Signature(String),
    /// The record is not in the signed tree.
    #[error("the checksum database's record {0} is not in its signed tree")]
    NotInTree(u64),
    /// A tile could not be read.
    #[error("reading {path}: {what}")]
    Tile {
        /// The tile's path.
        path: String,
        /// What went wrong.
        what: String,
    },
}

/// A database's public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verifier {
    /// The database's name (`sum.golang.org`).
    pub name: String,
    key_hash: u32,
    public_key: Vec<u8>,
}

impl Verifier {
    /// Parses a verifier key, `NAME+HASH+BASE64` (HASH: 8 hex digits, the first 4 bytes of the sha256 of
    /// NAME, a newline and the key; the key: algorithm 1, Ed25519, and 32 bytes).
    pub fn parse(key: &str) -> Result<Verifier, SumdbError> {
        let bad = || SumdbError::Key(key.to_owned());
        let mut parts = key.splitn(3, '+');
        let (Some(name), Some(hash), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| bad())?;
        let key_hash = u32::from_str_radix(hash, 16).map_err(|_| bad())?;
        if hash.len() != 8
            || name.is_empty()
            || name.contains(char::is_whitespace)
            || name.contains('+')
        {
            return Err(bad());
        }
        if raw.len() != 33 || raw[0] != 1 || key_hash != key_hash_of(name, &raw) {
            return Err(bad());
        }
        Ok(Verifier {
            name: name.to_owned(),
            key_hash,
            public_key: raw[1..].to_vec(),
        })
    }

    /// Verifies a signed note and returns its text: the lines before the blank line that precedes the
    /// signature lines (`— NAME BASE64`), one of which must be this key's valid signature.
    pub fn open<'n>(&self, note: &'n [u8]) -> Result<&'n [u8], SumdbError> {
        let malformed = |what: &str| SumdbError::Malformed(format!("signed note: {what}"));
        let split = find_last(note, b"\n\n").ok_or_else(|| malformed("no signature"))?;
        let (text, signatures) = (&note[..=split], &note[split + 2..]);
        if signatures.last() != Some(&b'\n') {
            return Err(malformed("signature lines do not end in a newline"));
        }
        let signatures =
            std::str::from_utf8(signatures).map_err(|_| malformed("signature lines not UTF-8"))?;
        for line in signatures.lines() {
            let line = line
                .strip_prefix("— ")
                .ok_or_else(|| malformed("a signature line does not start with `— `"))?;
            let Some((name, b64)) = line.split_once(' ') else {
                return Err(malformed("a signature line has no signature"));
            };
            let Ok(signature) = base64::engine::general_purpose::STANDARD.decode(b64) else {
                return Err(malformed("a signature is not base64"));
            };
            if signature.len() < 5 {
                return Err(malformed("a signature is too short"));
            }
            let hash = u32::from_be_bytes([signature[0], signature[1], signature[2], signature[3]]);
            if name != self.name || hash != self.key_hash {
                continue;
            }
            let key = ring::signature::UnparsedPublicKey::new(
                &ring::signature::ED25519,
                &self.public_key,
            );
            return match key.verify(text, &signature[4..]) {
                Ok(()) => Ok(text),
                Err(_) => Err(SumdbError::Signature(self.name.clone())),
            };
        }
        Err(SumdbError::Signature(self.name.clone()))
    }
}

/// The first 4 bytes, big-endian, of the sha256 of `name`, a newline and `key`.
fn key_hash_of(name: &str, key: &[u8]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update(key);
    let sum = h.finalize();
    u32::from_be_bytes([sum[0], sum[1], sum[2], sum[3]])
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// A signed tree head: the log's size and root hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tree {
    /// How many records the log holds.
    pub size: u64,
    /// The root hash.
    pub hash: Hash,
}

/// A lookup answer, its signature verified: the record's number and text, and the signed tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lookup {
    /// The record's number in the log.
    pub id: u64,
    /// The record: go.sum lines (`MODULE VERSION h1:...`, `MODULE VERSION/go.mod h1:...`).
    pub record: Vec<u8>,
    /// The signed tree head it came with.
    pub tree: Tree,
}

impl Lookup {
    /// Parses and verifies the answer to `/lookup/MODULE@VERSION`: the record number, the record's lines and a
    /// blank line, then the tree head signed by `verifier`.
    pub fn parse(verifier: &Verifier, answer: &[u8]) -> Result<Lookup, SumdbError> {
        let malformed = |what: &str| SumdbError::Malformed(format!("lookup: {what}"));
        let newline = answer
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| malformed("no record number"))?;
        let id: u64 = std::str::from_utf8(&answer[..newline])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| malformed("the record number is not a number"))?;
        let rest = &answer[newline + 1..];
        let end = rest
            .windows(2)
            .position(|w| w == b"\n\n")
            .ok_or_else(|| malformed("the record does not end"))?;
        let (record, note) = (&rest[..=end], &rest[end + 2..]);
        let text = verifier.open(note)?;
        let tree = parse_tree(text)?;
        if id >= tree.size {
            return Err(malformed("the record number is past the tree's end"));
        }
        Ok(Lookup {
            id,
            record: record.to_vec(),
            tree,
        })
    }

    /// The hash the record gives for `module@version`'s zip, or for its go.mod when `go_mod` is set.
    pub fn hash_of(&self, module: &str, version: &str, go_mod: bool) -> Option<&str> {
        let text = std::str::from_utf8(&self.record).ok()?;
        let want = if go_mod {
            format!("{version}/go.mod")
        } else {
            version.to_owned()
        };
        text.lines().find_map(|line| {
            let mut fields = line.split(' ');
            match (fields.next(), fields.next(), fields.next(), fields.next()) {
                (Some(m), Some(v), Some(h), None) if m == module && v == want => Some(h),
                _ => None,
            }
        })
    }

    /// Proves that the record is in the signed tree: the root hash computed from the record's hash and the
    /// log's other hashes, read from tiles by `read_tile(path)` (`tile/8/L/NNN[.p/W]`, W hashes of 32 bytes),
    /// must be the signed one.
    pub fn check_inclusion(
        &self,
        read_tile: &mut dyn FnMut(&str) -> Result<Vec<u8>, String>,
    ) -> Result<(), SumdbError> {
        if self.id >= self.tree.size {
            return Err(SumdbError::NotInTree(self.id));
        }
        let mut hashes = TileHashes {
            tree_size: self.tree.size,
            read_tile,
            tiles: HashMap::new(),
        };
        let leaf = record_hash(&self.record);
        let root = hashes.root_with(0, self.tree.size, self.id, leaf)?;
        if root == self.tree.hash {
            Ok(())
        } else {
            Err(SumdbError::NotInTree(self.id))
        }
    }
}

/// `go.sum database tree\nN\nBASE64\n`, extra lines allowed.
fn parse_tree(text: &[u8]) -> Result<Tree, SumdbError> {
    let malformed = || SumdbError::Malformed("tree head".to_owned());
    let text = std::str::from_utf8(text).map_err(|_| malformed())?;
    let mut lines = text.split('\n');
    if lines.next() != Some("go.sum database tree") {
        return Err(malformed());
    }
    let size_text = lines.next().ok_or_else(malformed)?;
    let size: u64 = size_text.parse().map_err(|_| malformed())?;
    if size.to_string() != size_text {
        return Err(malformed());
    }
    let hash = base64::engine::general_purpose::STANDARD
        .decode(lines.next().ok_or_else(malformed)?)
        .map_err(|_| malformed())?;
    let hash: Hash = hash.try_into().map_err(|_| malformed())?;
    Ok(Tree { size, hash })
}

/// A record's leaf hash: sha256 of 0x00 and the record.
fn record_hash(record: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(record);
    h.finalize().into()
}

/// An inner node's hash: sha256 of 0x01 and its children's.
fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two below `n` (n ≥ 2), and its logarithm.
fn split_point(n: u64) -> (u64, u32) {
    let level = 63 - (n - 1).leading_zeros();
    (1 << level, level)
}

/// The log's stored hashes, read from its tiles (each tile read once).
struct TileHashes<'r> {
    tree_size: u64,
    read_tile: &'r mut dyn FnMut(&str) -> Result<Vec<u8>, String>,
    tiles: HashMap<String, Vec<u8>>,
}

impl TileHashes<'_> {
    /// The hash of records `[lo, hi)` with record `id`'s hash taken as `leaf` (the tree's own shape: the left
    /// part is the largest complete subtree).
    fn root_with(&mut self, lo: u64, hi: u64, id: u64, leaf: Hash) -> Result<Hash, SumdbError> {
        if hi - lo == 1 {
            return Ok(leaf);
        }
        let (k, _) = split_point(hi - lo);
        if id < lo + k {
            let left = self.root_with(lo, lo + k, id, leaf)?;
            let right = self.range_hash(lo + k, hi)?;
            Ok(node_hash(&left, &right))
        } else {
            let left = self.range_hash(lo, lo + k)?;
            let right = self.root_with(lo + k, hi, id, leaf)?;
            Ok(node_hash(&left, &right))
        }
    }

    /// The hash of records `[lo, hi)`: its complete subtrees' stored hashes, folded from the right.
    fn range_hash(&mut self, lo: u64, hi: u64) -> Result<Hash, SumdbError> {
        let size = hi - lo;
        if size.is_power_of_two() && lo.is_multiple_of(size) {
            return self.stored_hash(size.trailing_zeros(), lo >> size.trailing_zeros());
        }
        let (k, _) = split_point(size);
        let left = self.range_hash(lo, lo + k)?;
        let right = self.range_hash(lo + k, hi)?;
        Ok(node_hash(&left, &right))
    }

    /// The hash of the complete subtree at `level` (2^level records) number `index`, from the tile holding
    /// its level's base: tile level `level / 8`, whose hashes are those of level `8 × (level / 8)`.
    fn stored_hash(&mut self, level: u32, index: u64) -> Result<Hash, SumdbError> {
        let tile_level = level / TILE_HEIGHT;
        let within = level % TILE_HEIGHT;
        let base_level = tile_level * TILE_HEIGHT;
        let first = index << within;
        let count = 1u64 << within;
        let tile = first >> TILE_HEIGHT;
        let offset = (first & ((1 << TILE_HEIGHT) - 1)) as usize;
        let available = (self.tree_size >> base_level) - (tile << TILE_HEIGHT);
        let width = available.min(1 << TILE_HEIGHT);
        let path = tile_path(tile_level, tile, width);
        if !self.tiles.contains_key(&path) {
            let data = (self.read_tile)(&path).map_err(|what| SumdbError::Tile {
                path: path.clone(),
                what,
            })?;
            if data.len() as u64 != width * 32 {
                return Err(SumdbError::Tile {
                    path,
                    what: format!("{} bytes, not {}", data.len(), width * 32),
                });
            }
            self.tiles.insert(path.clone(), data);
        }
        let data = &self.tiles[&path];
        let mut level_hashes: Vec<Hash> = (0..count as usize)
            .map(|i| {
                let at = (offset + i) * 32;
                let mut h = [0u8; 32];
                h.copy_from_slice(&data[at..at + 32]);
                h
            })
            .collect();
        while level_hashes.len() > 1 {
            level_hashes = level_hashes
                .chunks(2)
                .map(|pair| node_hash(&pair[0], &pair[1]))
                .collect();
        }
        Ok(level_hashes[0])
    }
}

/// A tile's path: `tile/8/L/N` with N in groups of three digits (`x001/x234/067`), and `.p/W` when it is
/// partial.
pub fn tile_path(level: u32, index: u64, width: u64) -> String {
    let mut n = index;
    let mut digits = format!("{:03}", n % 1000);
    while n >= 1000 {
        n /= 1000;
        digits = format!("x{:03}/{digits}", n % 1000);
    }
    let partial = if width == 1 << TILE_HEIGHT {
        String::new()
    } else {
        format!(".p/{width}")
    };
    format!("tile/{TILE_HEIGHT}/{level}/{digits}{partial}")
}

/// Whether module path `path` matches one of the comma-separated glob patterns of `GONOSUMDB`/`GOPRIVATE`
/// (each matched against as many leading path elements as it has, as `module.MatchPrefixPatterns` does).
pub fn matches_prefix_patterns(patterns: &str, path: &str) -> bool {
    patterns
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .any(|pattern| {
            let n = pattern.split('/').count();
            let elements: Vec<&str> = path.split('/').collect();
            if elements.len() < n {
                return false;
            }
            let prefix = elements[..n].join("/");
            glob_match(pattern, &prefix)
        })
}

/// `path.Match` for the patterns module paths use: `*` (any run of non-`/`), `?`, `[...]` classes, `\`
/// escapes.
fn glob_match(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len())
                .take_while(|&i| i == 0 || n[i - 1] != '/')
                .any(|i| go(&p[1..], &n[i..])),
            Some('?') => n.first().is_some_and(|&c| c != '/') && go(&p[1..], &n[1..]),
            Some('[') => {
                let Some(&c) = n.first() else { return false };
                let Some(end) = p.iter().skip(1).position(|&x| x == ']').map(|i| i + 1) else {
                    return false;
                };
                let class = &p[1..end];
                let (negate, class) = match class.first() {
                    Some('^') => (true, &class[1..]),
                    _ => (false, class),
                };
                let mut matched = false;
                let mut i = 0;
                while i < class.len() {
                    if i + 2 < class.len() && class[i + 1] == '-' {
                        matched |= class[i] <= c && c <= class[i + 2];
                        i += 3;
                    } else {
                        matched |= class[i] == c;
                        i += 1;
                    }
                }
                matched != negate && c != '/' && go(&p[end + 1..], &n[1..])
            }
            Some('\\') if p.len() > 1 => n.first() == Some(&p[1]) && go(&p[2..], &n[1..]),
            Some(&c) => n.first() == Some(&c) && go(&p[1..], &n[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_known_key_parses() {
        let v = Verifier::parse(SUM_GOLANG_ORG).expect("sum.golang.org's key");
        assert_eq!(v.name, "sum.golang.org");
        assert_eq!(v.key_hash, 0x033de0ae);
        for bad in [
            "sum.golang.org",
            "sum.golang.org+033de0af+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",
            "sum.golang.org+033de0ae+AAAA",
        ] {
            assert!(Verifier::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tile_paths() {
        assert_eq!(tile_path(0, 0, 256), "tile/8/0/000");
        assert_eq!(tile_path(1, 1234067, 256), "tile/8/1/x001/x234/067");
        assert_eq!(tile_path(2, 5, 17), "tile/8/2/005.p/17");
    }

    #[test]
    fn prefix_patterns() {
        assert!(matches_prefix_patterns(
            "*.corp.example.com,rsc.io/private",
            "git.corp.example.com/x/y"
        ));
        assert!(matches_prefix_patterns(
            "rsc.io/private",
            "rsc.io/private/quote"
        ));
        assert!(!matches_prefix_patterns(
            "rsc.io/private",
            "rsc.io/privateer"
        ));
        assert!(!matches_prefix_patterns("rsc.io/private", "rsc.io"));
        assert!(matches_prefix_patterns(
            "example.com/[a-c]*",
            "example.com/bz/q"
        ));
        assert!(!matches_prefix_patterns("", "example.com"));
    }

    /// A tile server: path to hashes, or why not.
    type ServeTile = Box<dyn FnMut(&str) -> Result<Vec<u8>, String>>;

    /// A log of `n` records built by the definition (RFC 6962's shape), served as tiles.
    fn log(n: u64) -> (Vec<Vec<u8>>, Hash, ServeTile) {
        let records: Vec<Vec<u8>> = (0..n)
            .map(|i| format!("m v{i} h1:x\n").into_bytes())
            .collect();
        fn mth(leaves: &[Hash]) -> Hash {
            if leaves.len() == 1 {
                return leaves[0];
            }
            let (k, _) = split_point(leaves.len() as u64);
            node_hash(&mth(&leaves[..k as usize]), &mth(&leaves[k as usize..]))
        }
        let leaves: Vec<Hash> = records.iter().map(|r| record_hash(r)).collect();
        let root = mth(&leaves);
        // Level-L tile hashes are the complete subtrees of 2^(8L) records.
        let serve = move |path: &str| -> Result<Vec<u8>, String> {
            let rest = path.strip_prefix("tile/8/").ok_or("not a tile")?;
            let (level, rest) = rest.split_once('/').ok_or("no level")?;
            let level: u32 = level.parse().map_err(|_| "level")?;
            let (digits, width) = match rest.split_once(".p/") {
                Some((d, w)) => (d, w.parse::<u64>().map_err(|_| "width")?),
                None => (rest, 256),
            };
            let index: u64 = digits
                .replace(['x', '/'], "")
                .parse()
                .map_err(|_| "index")?;
            let span = 1usize << (8 * level);
            let mut out = Vec::new();
            for i in 0..width as usize {
                let start = (index as usize * 256 + i) * span;
                let end = start + span;
                if end > leaves.len() {
                    return Err(format!("{path}: past the tree"));
                }
                out.extend_from_slice(&mth(&leaves[start..end]));
            }
            Ok(out)
        };
        (records, root, Box::new(serve))
    }

    #[test]
    fn hostile_answers_are_refused_without_panicking() {
        let verifier = Verifier::parse(SUM_GOLANG_ORG).expect("key");
        // A well-formed answer signed by another key, then truncations and byte flips of it.
        let answer = "5\nexample.com/m v1.0.0 h1:abc=\n\ngo.sum database tree\n6\n\
                      AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u{2014} sum.golang.org Az3grnVGV2axAAAAAAAA\n";
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for i in 0..answer.len() {
            assert!(Lookup::parse(&verifier, &answer.as_bytes()[..i]).is_err());
            let mut flipped = answer.as_bytes().to_vec();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            flipped[i] ^= (seed as u8) | 1;
            assert!(Lookup::parse(&verifier, &flipped).is_err());
        }
        // Inclusion over tiles of the wrong size, or an impossible record number: errors.
        let lookup = Lookup {
            id: 9,
            record: b"x\n".to_vec(),
            tree: Tree {
                size: 3,
                hash: [0; 32],
            },
        };
        assert!(lookup.check_inclusion(&mut |_| Ok(vec![0; 32])).is_err());
        let lookup = Lookup { id: 1, ..lookup };
        assert!(lookup.check_inclusion(&mut |_| Ok(vec![0; 7])).is_err());
        assert!(lookup
            .check_inclusion(&mut |_| Err("unreachable".to_owned()))
            .is_err());
    }

    #[test]
    fn records_are_proved_in_trees_of_every_shape() {
        for n in [1u64, 2, 3, 7, 255, 256, 257, 600, 70_000] {
            let (records, root, mut serve) = log(n);
            for id in [0, n / 3, n / 2, n - 1] {
                let lookup = Lookup {
                    id,
                    record: records[id as usize].clone(),
                    tree: Tree {
                        size: n,
                        hash: root,
                    },
                };
                lookup
                    .check_inclusion(&mut serve)
                    .unwrap_or_else(|err| panic!("n={n} id={id}: {err}"));
                // Another record's text at that number is not in the tree.
                let forged = Lookup {
                    record: b"m v9999 h1:forged\n".to_vec(),
                    ..lookup
                };
                assert!(forged.check_inclusion(&mut serve).is_err(), "n={n} id={id}");
            }
        }
    }
}
