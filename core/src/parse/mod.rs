//! How input becomes something to read: the parser's internals.
//!
//! - `simd_search`: the only module with SIMD and `unsafe`, finding
//!   delimiter bytes fast (with a scalar fallback, tested against it), and
//!   reading ASCII bytes as text without a second UTF-8 check.
//! - `index`: the structural index a [`Message`](crate::Message) reads
//!   through, built in one pass over the input (needs `alloc`).
//! - `scanner`: [`Scanner`](crate::Scanner), which reads a message without
//!   allocating (works without `alloc`).

#[cfg(feature = "alloc")]
pub(crate) mod index;
pub(crate) mod scanner;
pub(crate) mod simd_search;
