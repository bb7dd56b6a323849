//! The checksum database client on arbitrary bytes: a lookup answer (record number, record, signed tree head)
//! checked with sum.golang.org's key, and a record's inclusion proof computed from arbitrary tiles. Neither
//! may panic; a forged answer is never accepted.
#![no_main]

use gofed_release::sumdb::{Lookup, Tree, Verifier, SUM_GOLANG_ORG};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(verifier) = Verifier::parse(SUM_GOLANG_ORG) else {
        return;
    };
    // Nobody here holds sum.golang.org's private key: no fuzzed answer verifies.
    assert!(Lookup::parse(&verifier, data).is_err());
    // An inclusion proof over tiles cut from the input, for a tree whose size and record number come from it.
    if data.len() < 48 {
        return;
    }
    let size = u64::from_le_bytes(data[..8].try_into().unwrap_or_default()) % 100_000;
    let id = u64::from_le_bytes(data[8..16].try_into().unwrap_or_default());
    let mut hash = [0u8; 32];
    hash.copy_from_slice(&data[16..48]);
    let lookup = Lookup {
        id,
        record: data[48..].to_vec(),
        tree: Tree { size, hash },
    };
    let rest = &data[48..];
    let _ = lookup.check_inclusion(&mut |path: &str| {
        let width = path
            .rsplit_once(".p/")
            .and_then(|(_, w)| w.parse::<usize>().ok())
            .unwrap_or(256);
        Ok(rest.iter().copied().cycle().take(width * 32).collect())
    });
});
