//! Bounded admission of costly work on the local host. Requests run on blocking threads,
//! so without a bound a burst of logins runs that many Argon2id hashes (19 MiB each) at
//! once: 100 concurrent logins took the host from 0.5 GB to over 2 GB resident. Here as
//! many run as there are cores, a short queue waits, and beyond it the caller answers 503.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rainbownet_core::ports::{Admission, Permit};

/// Makes glibc give large blocks (an Argon2id hash's 19 MiB) back to the system when they
/// are freed. By default glibc raises its mmap threshold after the first such block is
/// freed, after which each of its per-thread arenas keeps a freed hash's 19 MiB for good:
/// with requests on many blocking threads, up to 16 arenas × 19 MiB stayed resident even
/// though only two hashes ever ran at once. A fixed threshold turns that adjustment off.
///
/// Fixing it also fixes the trim threshold at glibc's 128 KiB, below which a freed top of
/// a thread's heap is handed back with `madvise`: a surge of check-ins spent a twentieth
/// of its time there and in the page faults that took the memory back (perf, 0.7
/// `madvise` per check-in). 4 MiB per arena is kept instead; the hashes are mapped apart.
#[allow(unsafe_code)] // the workspace denies unsafe code; these calls have their reasons above
pub fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called at start before threads.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 4 * 1024 * 1024);
    }
}

/// How long a queued request waits for a slot before it is refused instead.
const MAX_WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, Default)]
struct Slots {
    running: usize,
    waiting: usize,
}

#[derive(Debug)]
pub struct Bounded {
    slots: Mutex<Slots>,
    freed: Condvar,
    /// Work running at once.
    pub capacity: usize,
    /// Requests waiting for a slot before the next is refused.
    pub queue: usize,
}

impl Bounded {
    /// As many at once as the machine has cores, and 32 per core waiting: a waiting
    /// login holds no hash memory, and a queue that long drains in well under a second.
    pub fn for_this_machine() -> Arc<Bounded> {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Bounded::new(cores, cores * 32)
    }

    pub fn new(capacity: usize, queue: usize) -> Arc<Bounded> {
        Arc::new(Bounded {
            slots: Mutex::new(Slots::default()),
            freed: Condvar::new(),
            capacity: capacity.max(1),
            queue,
        })
    }

    fn enter(self: &Arc<Self>) -> Option<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if slots.running >= self.capacity {
            if slots.waiting >= self.queue {
                return None;
            }
            slots.waiting += 1;
            let deadline = Instant::now() + MAX_WAIT;
            while slots.running >= self.capacity {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    slots.waiting -= 1;
                    return None;
                }
                slots = self
                    .freed
                    .wait_timeout(slots, left)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            slots.waiting -= 1;
        }
        slots.running += 1;
        Some(Slot(Arc::clone(self)))
    }
}

/// One running piece of admitted work; its slot is freed on drop.
struct Slot(Arc<Bounded>);

impl Drop for Slot {
    fn drop(&mut self) {
        let mut slots = self.0.slots.lock().unwrap_or_else(PoisonError::into_inner);
        slots.running = slots.running.saturating_sub(1);
        self.0.freed.notify_one();
    }
}

/// The `Admission` port over one shared bound.
pub struct SharedBound(pub Arc<Bounded>);

impl Admission for SharedBound {
    fn costly(&self) -> Option<Permit> {
        self.0
            .enter()
            .map(|slot| Permit::holding(Box::new(slot) as Box<dyn std::any::Any>))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_capacity_run_and_the_queue_is_short() {
        let bound = Bounded::new(2, 1);
        let a = bound.enter().expect("first slot");
        let b = bound.enter().expect("second slot");
        // The third waits in the queue; a fourth finds the queue full at once.
        let waiting = {
            let bound = Arc::clone(&bound);
            std::thread::spawn(move || bound.enter().is_some())
        };
        while bound.slots.lock().unwrap().waiting == 0 {
            std::thread::yield_now();
        }
        assert!(bound.enter().is_none(), "the queue is full");
        drop(a);
        assert!(waiting.join().unwrap(), "the queued one got the freed slot");
        drop(b);
        assert_eq!(bound.slots.lock().unwrap().running, 0);
    }
}
