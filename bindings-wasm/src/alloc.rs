//! The global allocator: dlmalloc, as the standard library uses on
//! wasm32-unknown-unknown, over a system layer that grows WebAssembly memory
//! in large steps.
//!
//! In V8, every `memory.grow` has a fixed cost of a few hundred microseconds,
//! however few pages it adds (measured on Node 20). The standard layer grows
//! by exactly what dlmalloc asks, so a program that keeps many messages
//! alive, or frees them only when the garbage collector runs their
//! finalizers, paid that cost every 64 KiB. Here memory grows by at least a
//! quarter of its size (and at least 1 MiB), so a heap of n bytes is reached
//! in O(log n) grows, at most a quarter of it unused.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::UnsafeCell;
use core::ptr;
use dlmalloc::{Allocator, Dlmalloc};

const PAGE: usize = 64 * 1024;
/// The smallest step: 1 MiB.
const MIN_PAGES: usize = 16;

/// The system layer: memory from `memory.grow`, never given back (as in std).
#[derive(Debug)]
struct Grow;

impl Grow {
    /// Grows memory by `pages`; the base address and length, or `None`.
    fn grow(pages: usize) -> Option<(*mut u8, usize)> {
        let previous = wasm32::memory_grow(0, pages);
        if previous == usize::MAX {
            return None;
        }
        let base = previous * PAGE;
        let mut len = pages * PAGE;
        // The last bytes of the 4 GiB address space are left out: a Rust
        // pointer one past an allocation must not wrap to zero.
        if base.wrapping_add(len) == 0 {
            len -= 16;
        }
        Some((base as *mut u8, len))
    }
}

// SAFETY: `alloc` hands out fresh pages that nothing else uses; memory is
// never released or remapped, which the other methods report.
unsafe impl Allocator for Grow {
    fn alloc(&self, size: usize) -> (*mut u8, usize, u32) {
        let needed = size.div_ceil(PAGE);
        let step = needed.max(wasm32::memory_size(0) / 4).max(MIN_PAGES);
        // A large step can fail near the limit where the exact size fits.
        match Self::grow(step).or_else(|| Self::grow(needed)) {
            Some((base, len)) => (base, len, 0),
            None => (ptr::null_mut(), 0, 0),
        }
    }

    fn remap(&self, _ptr: *mut u8, _old: usize, _new: usize, _can_move: bool) -> *mut u8 {
        ptr::null_mut()
    }

    fn free_part(&self, _ptr: *mut u8, _old: usize, _new: usize) -> bool {
        false
    }

    fn free(&self, _ptr: *mut u8, _size: usize) -> bool {
        false
    }

    fn can_release_part(&self, _flags: u32) -> bool {
        false
    }

    fn allocates_zeros(&self) -> bool {
        true // new WebAssembly pages are zeroed
    }

    fn page_size(&self) -> usize {
        PAGE
    }
}

struct Global(UnsafeCell<Dlmalloc<Grow>>);

// SAFETY: wasm32-unknown-unknown without the `atomics` target feature (this
// module is compiled only then) runs a single thread: no concurrent access.
unsafe impl Sync for Global {}

// SAFETY: each method forwards to dlmalloc, which upholds GlobalAlloc's
// contract; the single thread makes the `&mut` through the cell exclusive.
unsafe impl GlobalAlloc for Global {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { (*self.0.get()).malloc(layout.size(), layout.align()) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { (*self.0.get()).calloc(layout.size(), layout.align()) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { (*self.0.get()).free(ptr, layout.size(), layout.align()) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe { (*self.0.get()).realloc(ptr, layout.size(), layout.align(), new_size) }
    }
}

#[global_allocator]
static GLOBAL: Global = Global(UnsafeCell::new(Dlmalloc::new_with_allocator(Grow)));
