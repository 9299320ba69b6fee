//! Ordered work on every core: a slice cut into one contiguous part per
//! thread, each part's result returned in the slice's order.

use std::vec::Vec;

/// The number of threads `threads` asks for: 0 means every available core.
pub(crate) fn threads(threads: usize) -> usize {
    match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

/// Runs `work(part, index of its first item)` on up to `threads` contiguous
/// parts of `items` at once (0: every core) and returns the results in
/// order. A part whose thread panicked (none should) gets `failed(part)`.
pub(crate) fn map_parts<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    work: impl Fn(&[T], usize) -> R + Sync,
    failed: impl Fn(&[T]) -> R,
) -> Vec<R> {
    let threads = self::threads(threads).clamp(1, items.len().max(1));
    if threads == 1 {
        return std::vec![work(items, 0)];
    }
    let per = items.len().div_ceil(threads);
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(per)
            .enumerate()
            .map(|(i, part)| (part, scope.spawn(move || work(part, i * per))))
            .collect();
        handles
            .into_iter()
            .map(|(part, h)| h.join().unwrap_or_else(|_| failed(part)))
            .collect()
    })
}
