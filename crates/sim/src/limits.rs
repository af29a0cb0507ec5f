//! How much of the simulator one client may hold, and for how long: a flood of idle, slow or
//! lying clients must not lock out the station's own requests nor eat the machine's memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Connection slots, deadlines and the memory bound. The defaults suit a site network; tests
/// set them tiny so that a deadline passes in milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimLimits {
    /// Connections served at once; beyond this a new one waits for a slot.
    pub max_connections: usize,
    /// A connection between requests (or before its first) is closed after this.
    pub idle_timeout: Duration,
    /// When every slot is taken, a connection idle this long gives its slot to a newcomer.
    pub idle_timeout_when_full: Duration,
    /// How long a newcomer waits for a slot before it is answered 503.
    pub wait_for_slot: Duration,
    /// From a request's first byte to the end of its headers.
    pub header_timeout: Duration,
    /// Every body gets this long, plus the time its bytes take at `body_min_bytes_per_sec`.
    pub body_timeout_floor: Duration,
    /// A body arriving slower than this on average (after the floor) is cut off.
    pub body_min_bytes_per_sec: u64,
    /// A single write the client does not read within this ends the connection.
    pub write_timeout: Duration,
    /// Request bodies held in memory across all connections together.
    pub max_buffered_bytes: usize,
}

impl Default for SimLimits {
    fn default() -> SimLimits {
        SimLimits {
            max_connections: 64,
            idle_timeout: Duration::from_secs(15),
            idle_timeout_when_full: Duration::from_secs(2),
            wait_for_slot: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            body_timeout_floor: Duration::from_secs(10),
            // A slow 3G uplink: a 3 MB registration with four photos still gets through.
            body_min_bytes_per_sec: 64 * 1024,
            write_timeout: Duration::from_secs(30),
            // Four of the largest bodies the platform takes at once.
            max_buffered_bytes: 128 * 1024 * 1024,
        }
    }
}

/// Bytes of request bodies held right now across all connections, against one bound.
#[derive(Debug)]
pub struct BufferAccount {
    used: AtomicUsize,
    peak: AtomicUsize,
    max: usize,
}

impl BufferAccount {
    pub fn new(max_bytes: usize) -> Arc<BufferAccount> {
        Arc::new(BufferAccount {
            used: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            max: max_bytes,
        })
    }

    pub fn used_bytes(&self) -> usize {
        self.used.load(Ordering::SeqCst)
    }

    /// The most ever held at once since the simulator started.
    pub fn peak_bytes(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    /// Takes `bytes` if they fit under the bound; false leaves the account as it was.
    fn take(&self, bytes: usize) -> bool {
        let taken = self.used.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| {
            used.checked_add(bytes).filter(|total| *total <= self.max)
        });
        match taken {
            Ok(before) => {
                self.peak.fetch_max(before + bytes, Ordering::SeqCst);
                true
            }
            Err(_) => false,
        }
    }

    fn give_back(&self, bytes: usize) {
        // Never below zero, even if a caller got its sums wrong.
        let _ = self.used.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| {
            Some(used.saturating_sub(bytes))
        });
    }
}

/// What one request holds of the account; given back when the request is dropped.
#[derive(Debug)]
pub struct Charge {
    account: Arc<BufferAccount>,
    bytes: usize,
}

impl Charge {
    pub fn new(account: &Arc<BufferAccount>) -> Charge {
        Charge {
            account: Arc::clone(account),
            bytes: 0,
        }
    }

    /// Grows the charge to `total` bytes; false when the account has no room for it.
    pub fn grow_to(&mut self, total: usize) -> bool {
        if total <= self.bytes {
            return true;
        }
        if !self.account.take(total - self.bytes) {
            return false;
        }
        self.bytes = total;
        true
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        self.account.give_back(self.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_stay_under_the_bound_and_are_given_back() {
        let account = BufferAccount::new(100);
        let mut a = Charge::new(&account);
        let mut b = Charge::new(&account);
        assert!(a.grow_to(60));
        assert!(!b.grow_to(50), "60 + 50 is over 100");
        assert_eq!(account.used_bytes(), 60);
        assert!(b.grow_to(40));
        assert!(a.grow_to(10), "shrinking is a no-op, not a refusal");
        drop(a);
        assert_eq!(account.used_bytes(), 40);
        drop(b);
        assert_eq!((account.used_bytes(), account.peak_bytes()), (0, 100));
    }
}
