//! A set of token kinds as a 128-bit mask (ruff's `TokenSet`), for recovery sets.

use crate::token::TokenKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TokenSet(u128);

impl TokenSet {
    pub(crate) const fn new(kinds: &[TokenKind]) -> TokenSet {
        let mut bits = 0u128;
        let mut i = 0;
        while i < kinds.len() {
            bits |= 1 << kinds[i] as u8;
            i += 1;
        }
        TokenSet(bits)
    }

    #[inline]
    pub(crate) const fn contains(self, kind: TokenKind) -> bool {
        self.0 & (1 << kind as u8) != 0
    }
}

const _: () = assert!((TokenKind::Var as u8) < 128);
