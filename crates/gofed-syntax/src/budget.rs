//! A per-analysis budget: a cooperative cancellation flag and a memory allowance.
//!
//! One hostile input must cost one request, not the process: an analysis is given a
//! [`Budget`], charges it at the places where the engine's memory grows with its input (file
//! bytes loaded, constant values, the type arena, printed output) and checks it in its loops
//! (the loader's per-file loop, the checker's per-object resolution, the API printer). A
//! breach or a set cancellation flag stops the work with a [`BudgetError`] for that request,
//! the way rust-analyzer's queries unwind on `Cancelled` (salsa).
//!
//! The allowance counts bytes *charged*, never bytes freed: it bounds how much an analysis
//! may allocate over its life, an upper bound on what it holds at once. That keeps a charge
//! to one atomic add, cheap enough for hot paths, and makes a breach deterministic for a
//! given input (the same request fails the same way on every instance).
//!
//! ```
//! use std::sync::atomic::{AtomicBool, Ordering};
//! use std::sync::Arc;
//! use gofed_syntax::budget::{Budget, BudgetError};
//!
//! let cancel = Arc::new(AtomicBool::new(false));
//! let budget = Budget::new(Some(Arc::clone(&cancel)), Some(1024));
//! assert!(budget.charge("file bytes", 1000).is_ok());
//! assert!(matches!(budget.charge("file bytes", 100), Err(BudgetError::OverBudget { .. })));
//! cancel.store(true, Ordering::Relaxed);
//! assert!(matches!(Budget::new(Some(cancel), None).check(), Err(BudgetError::Cancelled)));
//! ```

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

impl Default for Budget {
    fn default() -> Budget {
        Budget::unlimited()
    }
}

/// Why an analysis stopped early.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BudgetError {
    /// The cancellation flag was set (a timeout or a shutdown).
    #[error("analysis cancelled")]
    Cancelled,
    /// The analysis would allocate more than its allowance.
    #[error("analysis exceeds its memory budget of {limit} bytes (growing {what})")]
    OverBudget {
        /// What was growing when the allowance ran out.
        what: &'static str,
        /// The allowance, in bytes.
        limit: u64,
    },
}

/// A cancellation flag and a memory allowance shared by every thread of one analysis.
#[derive(Debug)]
pub struct Budget {
    cancel: Option<Arc<AtomicBool>>,
    max_bytes: Option<u64>,
    used: AtomicU64,
    /// The first breach, kept so that every later check fails the same way.
    over: AtomicBool,
    over_what: std::sync::OnceLock<&'static str>,
}

impl Budget {
    /// A budget stopped by `cancel` (when set) and allowing `max_bytes` (when given).
    pub const fn new(cancel: Option<Arc<AtomicBool>>, max_bytes: Option<u64>) -> Budget {
        Budget {
            cancel,
            max_bytes,
            used: AtomicU64::new(0),
            over: AtomicBool::new(false),
            over_what: std::sync::OnceLock::new(),
        }
    }

    /// No flag and no allowance: checks and charges never fail.
    pub const fn unlimited() -> Budget {
        Budget::new(None, None)
    }

    /// Fails when the flag is set or the allowance was exceeded; one relaxed load when
    /// neither happened.
    #[inline]
    pub fn check(&self) -> Result<(), BudgetError> {
        if let Some(cancel) = &self.cancel {
            if cancel.load(Ordering::Relaxed) {
                return Err(BudgetError::Cancelled);
            }
        }
        if self.over.load(Ordering::Relaxed) {
            return Err(self.over_budget(self.over_what.get().copied().unwrap_or("memory")));
        }
        Ok(())
    }

    /// Charges `bytes` of growth of `what`; fails (and keeps failing) once the total passes
    /// the allowance, and when the flag is set.
    #[inline]
    pub fn charge(&self, what: &'static str, bytes: u64) -> Result<(), BudgetError> {
        if let Some(limit) = self.max_bytes {
            let before = self.used.fetch_add(bytes, Ordering::Relaxed);
            if before.saturating_add(bytes) > limit {
                let _ = self.over_what.set(what);
                self.over.store(true, Ordering::Relaxed);
            }
        }
        self.check()
    }

    /// Whether [`Budget::check`] would fail, for loops that only need to stop.
    pub fn exhausted(&self) -> bool {
        self.check().is_err()
    }

    /// Bytes charged so far (0 without an allowance).
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    /// The allowance, if any.
    pub fn max_bytes(&self) -> Option<u64> {
        self.max_bytes
    }

    /// A fresh allowance of the same size with the same cancellation flag: for the parts of
    /// one request that run one after another and free their memory in between (the build
    /// contexts of an API analysis).
    pub fn fork(&self) -> Budget {
        Budget::new(self.cancel.clone(), self.max_bytes)
    }

    /// A budget that never fails, for callers that have none.
    pub fn unlimited_ref() -> &'static Budget {
        static UNLIMITED: Budget = Budget::unlimited();
        &UNLIMITED
    }

    fn over_budget(&self, what: &'static str) -> BudgetError {
        BudgetError::OverBudget {
            what,
            limit: self.max_bytes.unwrap_or(u64::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlimited_never_fails() {
        let budget = Budget::unlimited();
        assert!(budget.charge("x", u64::MAX).is_ok());
        assert!(budget.charge("x", u64::MAX).is_ok());
        assert!(budget.check().is_ok());
    }

    #[test]
    fn breach_is_sticky_and_names_what_grew() {
        let budget = Budget::new(None, Some(10));
        assert!(budget.charge("file bytes", 10).is_ok());
        let err = budget.charge("constant values", 1).unwrap_err();
        assert_eq!(
            err,
            BudgetError::OverBudget {
                what: "constant values",
                limit: 10
            }
        );
        // Later checks fail the same way, whatever is charged next.
        assert_eq!(budget.check().unwrap_err(), err);
        assert_eq!(budget.charge("printed output", 0).unwrap_err(), err);
    }

    #[test]
    fn cancellation_is_seen_by_check() {
        let flag = Arc::new(AtomicBool::new(false));
        let budget = Budget::new(Some(Arc::clone(&flag)), None);
        assert!(budget.check().is_ok());
        flag.store(true, Ordering::Relaxed);
        assert_eq!(budget.check().unwrap_err(), BudgetError::Cancelled);
        assert_eq!(budget.charge("x", 1).unwrap_err(), BudgetError::Cancelled);
    }
}
