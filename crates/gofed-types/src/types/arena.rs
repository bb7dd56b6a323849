//! The type arena: each structurally distinct [`Type`] stored once, named by its [`TypeId`].
//!
//! Sized for whole distribution trees (a million types and more): types live in fixed-size
//! chunks, so growing never copies what is stored (a doubling `Vec` held the old and the new
//! buffer at once, at the program's largest), and the index keeps 8 bytes per type, the id
//! and 32 bits of its hash, from which the table's hash is recomputed when it grows.

use std::hash::BuildHasher as _;

use hashbrown::HashTable;

use super::ty::{Type, TypeId};

/// Types per chunk (80-byte types: 1.3 MB a chunk).
const CHUNK_BITS: u32 = 14;
const CHUNK_LEN: usize = 1 << CHUNK_BITS;

pub(super) struct TypeArena {
    chunks: Vec<Vec<Type>>,
    len: u32,
    /// The ids, by hash: `(id, high 32 bits of the type's hash)`.
    index: HashTable<(TypeId, u32)>,
    hasher: foldhash::fast::RandomState,
}

impl TypeArena {
    pub(super) fn new() -> TypeArena {
        TypeArena {
            chunks: Vec::new(),
            len: 0,
            index: HashTable::new(),
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    /// The type `id` (an id this arena gave out).
    #[inline]
    pub(super) fn get(&self, id: TypeId) -> &Type {
        &self.chunks[(id.0 >> CHUNK_BITS) as usize][id.0 as usize & (CHUNK_LEN - 1)]
    }

    /// The id of `ty`, and whether it was added by this call.
    pub(super) fn intern(&mut self, ty: Type) -> (TypeId, bool) {
        let short = (self.hasher.hash_one(&ty) >> 32) as u32;
        let hash = table_hash(short);
        let Self {
            chunks, len, index, ..
        } = self;
        let get =
            |id: TypeId| &chunks[(id.0 >> CHUNK_BITS) as usize][id.0 as usize & (CHUNK_LEN - 1)];
        if let Some(&(id, _)) = index.find(hash, |&(id, h)| h == short && *get(id) == ty) {
            return (id, false);
        }
        let id = TypeId(*len);
        *len += 1;
        match chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK_LEN => chunk.push(ty),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK_LEN);
                chunk.push(ty);
                chunks.push(chunk);
            }
        }
        index.insert_unique(hash, (id, short), |&(_, h)| table_hash(h));
        (id, true)
    }
}

/// The table's 64-bit hash of a type's 32 stored bits (spread over all 64: hashbrown takes
/// its control byte from the top bits and the bucket from the bottom ones).
#[inline]
fn table_hash(short: u32) -> u64 {
    u64::from(short).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}
