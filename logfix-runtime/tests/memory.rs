//! What logging costs in memory per thread: a service with a thousand threads that each log now
//! and then must not hold a buffer for each of them.

#![allow(clippy::unwrap_used, reason = "test code")]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::{Arc, Barrier};

use common::Scratch;
use logfix_runtime::{Config, LogEvent};

/// Counts the bytes allocated and not yet freed, by every thread of this test binary.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded to `System` with the caller's arguments unchanged; the
// counter only records sizes.
#[allow(unsafe_code, reason = "a global allocator is an unsafe trait; this one only counts")]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size().cast_signed(), Ordering::Relaxed);
        // SAFETY: forwarded as received (see the impl).
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size().cast_signed(), Ordering::Relaxed);
        // SAFETY: forwarded as received (see the impl).
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[derive(LogEvent)]
#[log(component = "api", message = "request {n} served")]
struct Served {
    n: usize,
}

/// Threads that emitted one line each and went quiet hold no batch once the writer has taken
/// their lines. Beyond a little per thread, the logger keeps only its pool of emptied batches,
/// bounded whatever the number of threads: spread over 2 000 threads, 2-3.5 KiB each in all
/// (measured), where each thread used to cost 36 KiB.
#[test]
fn threads_that_have_gone_quiet_hold_no_batch() {
    const THREADS: usize = 2000;
    let dir = Scratch::new("memory");
    let logger = Config::new().dir(dir.path().to_path_buf()).build();
    let barrier = || Arc::new(Barrier::new(THREADS + 1));
    let (ready, start, emitted, done) = (barrier(), barrier(), barrier(), barrier());
    let threads: Vec<std::thread::JoinHandle<()>> = (0..THREADS)
        .map(|n| {
            let logger = logger.clone();
            let [ready, start, emitted, done] = [&ready, &start, &emitted, &done].map(Arc::clone);
            std::thread::Builder::new().stack_size(64 * 1024).spawn(move || {
                ready.wait();
                start.wait();
                logger.emit(&Served { n });
                emitted.wait();
                done.wait();
            })
        })
        .collect::<Result<_, _>>()
        .unwrap();
    // Every thread is running and has not emitted yet.
    ready.wait();
    let before = LIVE.load(Ordering::Relaxed);
    start.wait();
    emitted.wait();
    // The writer takes every thread's pending line.
    logger.flush();
    let per_thread = (LIVE.load(Ordering::Relaxed) - before) / THREADS.cast_signed();
    done.wait();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(logger.metrics().lines_written, THREADS as u64 + 1, "every line was written");
    // Each thread used to keep a 16 KiB batch, and the writer a 16 KiB spare for each.
    assert!(per_thread < 8 * 1024, "{per_thread} bytes per thread");
    logger.shutdown();
}
