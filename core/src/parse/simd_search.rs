//! The only module with SIMD and `unsafe`: finding delimiter bytes fast, and
//! reading ASCII bytes as text without a second validation ([`ascii_str`],
//! [`ascii_unescaped_str`]).
//!
//! [`for_each_match2`] reports, in order, every position where the input holds
//! one of two bytes (the field separator and the segment terminator). It works
//! on 64-byte blocks: each block becomes a bitmask of matches, and set bits are
//! walked with `trailing_zeros`. Dense delimiters (a field every few bytes)
//! cost one bit-walk step each; delimiter-free runs such as base64 documents
//! cost one compare per 64 bytes. x86-64 uses AVX2 when the CPU has it (SSE2
//! otherwise), wasm32 uses simd128 when compiled with it, and everything else
//! the scalar loop, which is also tested against the vector paths.
//! [`for_each_block2`] hands over each block's two masks apart (the full
//! parse, which pushes a block's field separators in one go).
//! [`for_each_sparse2`] and [`for_each_match3`] serve sparse searches (line
//! breaks: a few per kilobyte): the vector code first tests a whole block for
//! any match, and a block without one costs no mask and no call.

/// `bytes` as text when they are all ASCII. `str::from_utf8` validates a byte
/// at a time below 16 bytes, which most HL7 values are; the ASCII check reads
/// them a word at a time, and ASCII is always valid UTF-8.
#[inline]
pub(crate) fn ascii_str(bytes: &[u8]) -> Option<&str> {
    if bytes.is_ascii() {
        // SAFETY: every byte is below 0x80, so `bytes` is valid UTF-8.
        Some(unsafe { core::str::from_utf8_unchecked(bytes) })
    } else {
        None
    }
}

/// `bytes` as text when they are ASCII and hold no `escape` byte, settled by
/// one word-at-a-time pass ([`crate::view::ascii_and_escaped`]) rather than
/// that pass and then [`ascii_str`]'s own check: the usual short value.
#[inline]
pub(crate) fn ascii_unescaped_str(bytes: &[u8], escape: u8) -> Option<&str> {
    match crate::view::ascii_and_escaped(bytes, escape) {
        // SAFETY: `ascii_and_escaped` found no byte at or above 0x80 (it is
        // tested against a byte loop at every length and position), so
        // `bytes` is ASCII, which is valid UTF-8.
        (true, false) => Some(unsafe { core::str::from_utf8_unchecked(bytes) }),
        _ => None,
    }
}

/// Which of `needles` occur in `bytes` ([`crate::view::classify`]), and
/// `bytes` as text when they are all ASCII: one pass for both, as
/// [`ascii_unescaped_str`] does for one needle.
#[inline]
pub(crate) fn classify_text<const N: usize>(
    bytes: &[u8],
    needles: [u8; N],
) -> ([bool; N], Option<&str>) {
    let (found, ascii) = crate::view::classify(bytes, needles);
    // SAFETY: `classify` found no byte at or above 0x80 (it is tested
    // against a byte loop at every length and position), so `bytes` is
    // ASCII, which is valid UTF-8.
    let text = ascii.then(|| unsafe { core::str::from_utf8_unchecked(bytes) });
    (found, text)
}

/// What the vector code makes of each 64-byte block (`FORM` of the block
/// walks): one mask of the `N` needles, called for every block.
const ONE: u8 = 0;
/// The masks of the first two needles apart, called for every block.
const SPLIT: u8 = 1;
/// One mask, as [`ONE`], but a block without any match is skipped (no call):
/// one test of the whole block instead of its masks, for sparse needles.
const SPARSE: u8 = 2;

/// Calls `found(position)` for every byte in `haystack` equal to `a` or `b`,
/// in increasing order, until `found` returns `false`.
#[inline]
pub(crate) fn for_each_match2<F: FnMut(usize) -> bool>(haystack: &[u8], a: u8, b: u8, found: F) {
    for_each_match::<2, ONE, F>(haystack, [a, b, b], found);
}

/// [`for_each_match2`] for bytes that most 64-byte blocks do not hold (line
/// breaks): such blocks are skipped after one test each.
#[inline]
pub(crate) fn for_each_sparse2<F: FnMut(usize) -> bool>(haystack: &[u8], a: u8, b: u8, found: F) {
    for_each_match::<2, SPARSE, F>(haystack, [a, b, b], found);
}

/// Calls `found(position)` for every byte in `haystack` equal to `a`, `b` or
/// `c`, in increasing order, until `found` returns `false`. Blocks without
/// any are skipped after one test each: its one caller looks for line
/// breaks and MLLP end bytes, which most blocks do not hold.
#[inline]
pub(crate) fn for_each_match3<F: FnMut(usize) -> bool>(
    haystack: &[u8],
    a: u8,
    b: u8,
    c: u8,
    found: F,
) {
    for_each_match::<3, SPARSE, F>(haystack, [a, b, c], found);
}

/// The positions of the `k`-th and `k + 1`-th occurrences of `byte` in
/// `haystack` (`k` from 1), in one pass that stops at the second. Blocks
/// before the `k`-th are counted (one popcount each), not walked.
pub(crate) fn nth_pair(haystack: &[u8], byte: u8, k: usize) -> (Option<usize>, Option<usize>) {
    let (mut seen, mut first, mut second) = (0, None, None);
    let needles = [byte; 3];
    let mut step = |p: usize, seen: &mut usize| {
        *seen += 1;
        if *seen == k {
            first = Some(p);
        } else if *seen == k + 1 {
            second = Some(p);
            return false;
        }
        true
    };
    every_block::<1, ONE, _>(haystack, needles, &mut |base: usize, mut mask: u64| {
        let n = mask.count_ones() as usize;
        if seen + n < k {
            seen += n;
            return true;
        }
        while mask != 0 {
            if !step(base + mask.trailing_zeros() as usize, &mut seen) {
                return false;
            }
            mask &= mask - 1;
        }
        true
    });
    (first, second)
}

/// Sets in `bits` (one bit per byte of `haystack`, 64 to a word) the
/// positions of `a`, `b` and `c`, clearing the rest: the vector loops store
/// each block's mask as it is, with no per-match work.
#[cfg(feature = "dictionary")]
pub(crate) fn bitmap3(haystack: &[u8], a: u8, b: u8, c: u8, bits: &mut alloc::vec::Vec<u64>) {
    bits.clear();
    bits.resize(haystack.len() / 64 + 1, 0);
    let needles = [a, b, c];
    every_block::<3, ONE, _>(haystack, needles, &mut |base: usize, mask: u64| {
        if let Some(word) = bits.get_mut(base >> 6) {
            *word = mask;
        }
        true
    });
}

#[inline]
fn for_each_match<const N: usize, const FORM: u8, F: FnMut(usize) -> bool>(
    haystack: &[u8],
    needles: [u8; 3],
    mut found: F,
) {
    every_block::<N, FORM, _>(haystack, needles, &mut |base: usize, mask: u64| {
        walk_bits(mask, base, &mut found)
    });
}

/// Calls `block(base, mask)` for every 64-byte block of `haystack`, the last
/// one possibly shorter (its mask has no bit past the end), until `block`
/// returns `false`. `base` is a multiple of 64. The first `N` needles are
/// the distinct ones (the others repeat them): the vector code compares
/// with those only. `FORM` is [`ONE`] or [`SPARSE`] (then blocks without
/// any match may be left out).
#[inline(always)]
fn every_block<const N: usize, const FORM: u8, B: FnMut(usize, u64) -> bool>(
    haystack: &[u8],
    needles: [u8; 3],
    block: &mut B,
) {
    every_block_with::<HAS_VECTOR, N, FORM, _>(haystack, needles, &mut |base, mask, _| {
        block(base, mask)
    })
}

/// Calls `block(base, mask)` for every 64-byte block of `haystack` (bit i
/// of `mask`: byte `base + i` is `byte`), the last one possibly shorter, in
/// order, until `block` returns `false`: for callers that take a block's
/// matches in one go.
#[inline]
pub(crate) fn for_each_block<B: FnMut(usize, u64) -> bool>(
    haystack: &[u8],
    byte: u8,
    mut block: B,
) {
    every_block::<1, ONE, _>(haystack, [byte; 3], &mut block)
}

/// Calls `block(base, a_mask, b_mask)` for every 64-byte block of
/// `haystack` (bit i of `a_mask`: byte `base + i` is `a`; of `b_mask`: it is
/// `b`), the last one possibly shorter, in order, until `block` returns
/// `false`: [`for_each_match2`] with the two bytes told apart by the vector
/// code, for callers that handle each differently.
#[inline]
pub(crate) fn for_each_block2<B: FnMut(usize, u64, u64) -> bool>(
    haystack: &[u8],
    a: u8,
    b: u8,
    mut block: B,
) {
    every_block_with::<HAS_VECTOR, 2, SPLIT, _>(haystack, [a, b, b], &mut block)
}

/// [`every_block`] and [`for_each_block2`], with the vector code (`VECTOR`)
/// or without (the byte loop that targets without one run, tested on every
/// target). With `FORM` [`SPLIT`], the masks of the first two needles
/// apart; otherwise the mask of the first `N` needles, then 0 (and with
/// [`SPARSE`], the vector code leaves out blocks without any match; the
/// byte loop does not, and is tested so).
#[inline(always)]
fn every_block_with<
    const VECTOR: bool,
    const N: usize,
    const FORM: u8,
    B: FnMut(usize, u64, u64) -> bool,
>(
    haystack: &[u8],
    needles: [u8; 3],
    block: &mut B,
) {
    if VECTOR {
        return blocks::<N, FORM, B>(haystack, needles, block);
    }
    for (i, chunk) in haystack.chunks(64).enumerate() {
        let [ma, mb] = if FORM == SPLIT {
            let [a, b, _] = needles;
            [scalar_mask(chunk, [a; 3]), scalar_mask(chunk, [b; 3])]
        } else {
            [scalar_mask(chunk, needles), 0]
        };
        if !block(i * 64, ma, mb) {
            return;
        }
    }
}

/// The mask of the block at `at`, shorter than 64 bytes, through the
/// vector code `mask64` (which reads 64 bytes): when the haystack holds 64
/// bytes or more, its last 64 bytes, with the bits of bytes before `at`
/// shifted out; otherwise a zeroed 64-byte copy. A byte loop over the tail
/// would cost more than a whole vector block in short haystacks (segments,
/// fields, MSH), which are the usual ones.
#[inline(always)]
#[allow(dead_code)] // targets without a vector loop
fn tail_mask(haystack: &[u8], at: usize, mask64: &impl Fn(&[u8; 64]) -> [u64; 2]) -> [u64; 2] {
    let len = haystack.len();
    if let Some(last) = len.checked_sub(64) {
        let bytes = haystack[last..].try_into().unwrap_or(&[0u8; 64]);
        return mask64(bytes).map(|m| m >> (at - last));
    }
    let n = len - at;
    let mut padded = [0u8; 64];
    padded[..n].copy_from_slice(&haystack[at..]);
    mask64(&padded).map(|m| m & ((1u64 << n) - 1))
}

/// Whether [`blocks`] has vector code on this target (it otherwise calls
/// nothing and leaves every byte to the caller).
const HAS_VECTOR: bool = cfg!(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
));

/// The mask of `needles` in `chunk` (at most 64 bytes), byte by byte.
#[inline(always)]
fn scalar_mask(chunk: &[u8], [a, b, c]: [u8; 3]) -> u64 {
    let mut mask = 0u64;
    for (i, &byte) in chunk.iter().enumerate() {
        mask |= u64::from(byte == a || byte == b || byte == c) << i;
    }
    mask
}

/// Calls `block(base, mask)` for every 64-byte block of `haystack` (bit i
/// of `mask`: byte `base + i` is one of `needles`), the last one possibly
/// shorter, in order, with the fastest vector code the CPU has, until
/// `block` returns `false`. Without vector code it calls nothing.
#[inline(always)]
#[allow(unused_variables, unreachable_code)] // targets without a vector loop
#[allow(clippy::needless_return)] // which `return` is last depends on the target
fn blocks<const N: usize, const FORM: u8, B: FnMut(usize, u64, u64) -> bool>(
    haystack: &[u8],
    needles: [u8; 3],
    block: &mut B,
) {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { x86::avx2::<N, FORM, B>(haystack, needles, block) };
        }
    }
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is part of the x86-64 baseline.
        return unsafe { x86::sse2::<N, FORM, B>(haystack, needles, block) };
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        wasm::simd128::<N, FORM, B>(haystack, needles, block)
    }
}

/// The loop of every vector kernel: the mask of each block from `mask64`
/// (64 bytes read), the short last block through [`tail_mask`]; `block` is
/// called from one place, so that it is inlined. With `FORM` [`SPARSE`],
/// blocks without any match are not handed over.
#[inline(always)]
#[allow(dead_code)] // targets without a vector loop
fn each_mask<const FORM: u8, B: FnMut(usize, u64, u64) -> bool>(
    haystack: &[u8],
    block: &mut B,
    mask64: impl Fn(&[u8; 64]) -> [u64; 2],
) {
    let len = haystack.len();
    let mut at = 0;
    while at < len {
        let [ma, mb] = match haystack.get(at..at + 64) {
            Some(bytes) => mask64(bytes.try_into().unwrap_or(&[0u8; 64])),
            None => tail_mask(haystack, at, &mask64),
        };
        if (FORM != SPARSE || ma != 0) && !block(at, ma, mb) {
            return;
        }
        at += 64;
    }
}

/// The portable version of [`for_each_match2`]: the reference in tests.
#[cfg(test)]
pub(crate) fn for_each_match2_scalar<F: FnMut(usize) -> bool>(
    haystack: &[u8],
    a: u8,
    b: u8,
    mut found: F,
) {
    for (i, &byte) in haystack.iter().enumerate() {
        if (byte == a || byte == b) && !found(i) {
            return;
        }
    }
}

/// Walks the set bits of `mask` (bit i means position `base + i`).
#[inline(always)]
fn walk_bits<F: FnMut(usize) -> bool>(mut mask: u64, base: usize, found: &mut F) -> bool {
    while mask != 0 {
        if !found(base + mask.trailing_zeros() as usize) {
            return false;
        }
        mask &= mask - 1;
    }
    true
}

/// A 16-byte vector, for the kernels that read a 64-byte block as four
/// lanes (SSE2, simd128): what [`four_lanes`] needs of each.
#[allow(dead_code)] // targets without such a kernel
trait Lane16: Copy {
    /// # Safety
    /// 16 bytes from `at` must be readable.
    unsafe fn load(at: *const u8) -> Self;
    /// 0xFF in each byte where `self` and `other` are equal, else 0.
    fn eq(self, other: Self) -> Self;
    fn or(self, other: Self) -> Self;
    /// Bit i set when byte i has its top bit set (16 bits).
    fn bitmask(self) -> u64;
    /// Whether any bit is set.
    fn any(self) -> bool;
}

/// The masks of a 64-byte block read as four 16-byte lanes, for `FORM`
/// (see [`every_block_with`]); `splats` holds each needle in every byte.
#[inline(always)]
#[allow(dead_code)] // targets without such a kernel
fn four_lanes<V: Lane16, const N: usize, const FORM: u8>(
    bytes: &[u8; 64],
    [va, vb, vc]: [V; 3],
) -> [u64; 2] {
    // SAFETY: the 16 bytes at 16 * lane (lane below 4) are within the 64.
    let lanes = [0, 1, 2, 3].map(|lane| unsafe { V::load(bytes.as_ptr().add(16 * lane)) });
    let bits = |m: V, lane: usize| m.bitmask() << (16 * lane);
    let mut masks = [0u64; 2];
    if FORM == SPLIT {
        for (lane, &v) in lanes.iter().enumerate() {
            masks[0] |= bits(v.eq(va), lane);
            masks[1] |= bits(v.eq(vb), lane);
        }
        return masks;
    }
    let m = lanes.map(|v| {
        let mut m = v.eq(va);
        if N >= 2 {
            m = m.or(v.eq(vb));
        }
        if N >= 3 {
            m = m.or(v.eq(vc));
        }
        m
    });
    if FORM == SPARSE && !m[0].or(m[1]).or(m[2].or(m[3])).any() {
        return masks;
    }
    for (lane, &m) in m.iter().enumerate() {
        masks[0] |= bits(m, lane);
    }
    masks
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use core::arch::x86_64::*;

    /// # Safety
    /// The CPU must support AVX2.
    #[cfg(feature = "std")]
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn avx2<const N: usize, const FORM: u8, B: FnMut(usize, u64, u64) -> bool>(
        haystack: &[u8],
        needles: [u8; 3],
        block: &mut B,
    ) {
        let [va, vb, vc] = needles.map(|n| _mm256_set1_epi8(n as i8));
        let eq = |v| {
            let mut m = _mm256_cmpeq_epi8(v, va);
            if N >= 2 {
                m = _mm256_or_si256(m, _mm256_cmpeq_epi8(v, vb));
            }
            if N >= 3 {
                m = _mm256_or_si256(m, _mm256_cmpeq_epi8(v, vc));
            }
            m
        };
        let bits = |lo, hi| {
            (_mm256_movemask_epi8(lo) as u32 as u64)
                | ((_mm256_movemask_epi8(hi) as u32 as u64) << 32)
        };
        super::each_mask::<FORM, B>(haystack, block, |bytes: &[u8; 64]| {
            let ptr = bytes.as_ptr();
            // SAFETY: both 32-byte unaligned loads are within the 64 bytes.
            let (lo, hi) = unsafe {
                (
                    _mm256_loadu_si256(ptr as *const __m256i),
                    _mm256_loadu_si256(ptr.add(32) as *const __m256i),
                )
            };
            if FORM == super::SPLIT {
                return [
                    bits(_mm256_cmpeq_epi8(lo, va), _mm256_cmpeq_epi8(hi, va)),
                    bits(_mm256_cmpeq_epi8(lo, vb), _mm256_cmpeq_epi8(hi, vb)),
                ];
            }
            let (lo, hi) = (eq(lo), eq(hi));
            if FORM == super::SPARSE {
                let any = _mm256_or_si256(lo, hi);
                if _mm256_testz_si256(any, any) != 0 {
                    return [0, 0];
                }
            }
            [bits(lo, hi), 0]
        })
    }

    /// # Safety
    /// The CPU must support SSE2 (every x86-64 CPU does).
    #[target_feature(enable = "sse2")]
    pub(super) unsafe fn sse2<const N: usize, const FORM: u8, B: FnMut(usize, u64, u64) -> bool>(
        haystack: &[u8],
        needles: [u8; 3],
        block: &mut B,
    ) {
        let splats = needles.map(|n| _mm_set1_epi8(n as i8));
        super::each_mask::<FORM, B>(haystack, block, |bytes: &[u8; 64]| {
            super::four_lanes::<_, N, FORM>(bytes, splats)
        })
    }

    // The SSE2 intrinsics below are `unsafe` only for their target feature,
    // which is part of the x86-64 baseline: every x86-64 CPU has it.
    impl super::Lane16 for __m128i {
        #[inline(always)]
        unsafe fn load(at: *const u8) -> Self {
            // SAFETY: the caller makes 16 bytes at `at` readable; the load
            // is unaligned.
            unsafe { _mm_loadu_si128(at as *const __m128i) }
        }
        #[inline(always)]
        fn eq(self, other: Self) -> Self {
            // SAFETY: SSE2, in the x86-64 baseline.
            unsafe { _mm_cmpeq_epi8(self, other) }
        }
        #[inline(always)]
        fn or(self, other: Self) -> Self {
            // SAFETY: SSE2, in the x86-64 baseline.
            unsafe { _mm_or_si128(self, other) }
        }
        #[inline(always)]
        fn bitmask(self) -> u64 {
            // SAFETY: SSE2, in the x86-64 baseline.
            u64::from(unsafe { _mm_movemask_epi8(self) } as u32)
        }
        #[inline(always)]
        fn any(self) -> bool {
            // SAFETY: SSE2, in the x86-64 baseline.
            unsafe { _mm_movemask_epi8(self) != 0 }
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm {
    use core::arch::wasm32::*;

    pub(super) fn simd128<const N: usize, const FORM: u8, B: FnMut(usize, u64, u64) -> bool>(
        haystack: &[u8],
        needles: [u8; 3],
        block: &mut B,
    ) {
        let splats = needles.map(|n| u8x16_splat(n));
        super::each_mask::<FORM, B>(haystack, block, |bytes: &[u8; 64]| {
            super::four_lanes::<_, N, FORM>(bytes, splats)
        })
    }

    impl super::Lane16 for v128 {
        #[inline(always)]
        unsafe fn load(at: *const u8) -> Self {
            // SAFETY: the caller makes 16 bytes at `at` readable; v128_load
            // has no alignment requirement.
            unsafe { v128_load(at as *const v128) }
        }
        #[inline(always)]
        fn eq(self, other: Self) -> Self {
            u8x16_eq(self, other)
        }
        #[inline(always)]
        fn or(self, other: Self) -> Self {
            v128_or(self, other)
        }
        #[inline(always)]
        fn bitmask(self) -> u64 {
            u64::from(u8x16_bitmask(self))
        }
        #[inline(always)]
        fn any(self) -> bool {
            v128_any_true(self)
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate alloc;
    use super::*;
    use alloc::vec::Vec;

    fn collect(f: impl Fn(&[u8], &mut Vec<usize>), hay: &[u8]) -> Vec<usize> {
        let mut out = Vec::new();
        f(hay, &mut out);
        out
    }

    fn vector(hay: &[u8], a: u8, b: u8) -> Vec<usize> {
        collect(
            |h, out| {
                for_each_match2(h, a, b, |p| {
                    out.push(p);
                    true
                })
            },
            hay,
        )
    }

    fn scalar(hay: &[u8], a: u8, b: u8) -> Vec<usize> {
        collect(
            |h, out| {
                for_each_match2_scalar(h, a, b, |p| {
                    out.push(p);
                    true
                })
            },
            hay,
        )
    }

    /// Calls `check` on `pattern` repeated to every length below `max`,
    /// from each of its first three bytes (so at every alignment).
    fn every_length_and_alignment(pattern: &[u8], max: usize, mut check: impl FnMut(&[u8])) {
        let mut hay = Vec::new();
        for n in 0..max {
            hay.push(pattern[n % pattern.len()]);
            for start in 0..3.min(hay.len()) {
                check(&hay[start..]);
            }
        }
    }

    #[test]
    fn vector_and_scalar_agree_on_every_length_and_alignment() {
        every_length_and_alignment(b"MSH|^~\\&|A|B\rPID|1||x^y\r", 300, |h| {
            assert_eq!(
                vector(h, b'|', b'\r'),
                scalar(h, b'|', b'\r'),
                "len {}",
                h.len()
            );
        });
    }

    /// `nth_pair` (blocks counted, then walked) finds what counting byte by
    /// byte finds, for every k, length and alignment.
    #[test]
    fn nth_pair_matches_a_byte_loop() {
        let pattern = b"MSH|^~\\&|A|B||||20240101||ADT^A01|1|P|2.5|||||||UNICODE UTF-8\r";
        every_length_and_alignment(pattern, 400, |h| {
            let all: Vec<usize> = (0..h.len()).filter(|&i| h[i] == b'|').collect();
            for k in 1..all.len() + 3 {
                let expected = (
                    all.get(k - 1).copied(),
                    all.get(k - 1).and(all.get(k).copied()),
                );
                assert_eq!(nth_pair(h, b'|', k), expected, "len {} k {k}", h.len());
            }
        });
    }

    /// The bitmap of three bytes, from whole vector blocks and the short
    /// last one, against a byte loop; stale bits in the buffer are cleared.
    #[cfg(feature = "dictionary")]
    #[test]
    fn three_byte_bitmap_matches_a_byte_loop() {
        let pattern = b"PID|1||100^^^H&1.2&ISO^MR~200^^^S^SS||DOE^JO\r";
        let mut bits = Vec::new();
        every_length_and_alignment(pattern, 300, |h| {
            bits.clear();
            bits.resize(8, u64::MAX);
            bitmap3(h, b'~', b'^', b'&', &mut bits);
            assert_eq!(bits.len(), h.len() / 64 + 1);
            for (i, &b) in h.iter().enumerate() {
                let set = bits[i >> 6] >> (i & 63) & 1 == 1;
                assert_eq!(
                    set,
                    matches!(b, b'~' | b'^' | b'&'),
                    "len {} at {i}",
                    h.len()
                );
            }
            let extra = bits.len() * 64 - h.len();
            let last = bits[bits.len() - 1];
            assert_eq!(
                last >> (64 - extra) << (64 - extra) & last,
                0,
                "bits past the end"
            );
        });
    }

    /// Every block walk, with vector code and without, gives the masks a
    /// byte loop gives, on every length and alignment of a dense and of a
    /// sparse haystack; the searched bytes include 0, which the zeroed copy
    /// of a short haystack holds. The sparse form hands over exactly the
    /// blocks with a match (the byte loop: every block).
    #[test]
    fn block_masks_with_and_without_vector_code_match_a_byte_loop() {
        let needles = [b'|', b'\r', 0];
        let mut sparse_line = b"MSH|".to_vec();
        sparse_line.extend([b'x'; 150]);
        sparse_line.push(b'\r');
        sparse_line.extend([b'y'; 90]);
        sparse_line.extend(b"\0\xFF");
        let patterns: [&[u8]; 2] = [b"MSH|^~\\&|A|B\rPID|1||x^y\r\x00\xFF", &sparse_line];
        for (pattern, max) in patterns.into_iter().zip([200, 420]) {
            every_length_and_alignment(pattern, max, |h| block_masks_match(h, needles));
        }
    }

    fn block_masks_match(h: &[u8], needles: [u8; 3]) {
        let expected: Vec<(usize, u64)> = h
            .chunks(64)
            .enumerate()
            .map(|(i, chunk)| {
                let bits = chunk
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| needles.contains(b));
                (i * 64, bits.fold(0u64, |mask, (j, _)| mask | 1 << j))
            })
            .collect();
        let with_matches: Vec<(usize, u64)> =
            expected.iter().copied().filter(|&(_, m)| m != 0).collect();
        // Two of the bytes told apart.
        let apart: Vec<(usize, [u64; 2])> = h
            .chunks(64)
            .enumerate()
            .map(|(i, chunk)| {
                let of = |needle: u8| {
                    chunk
                        .iter()
                        .enumerate()
                        .filter(|&(_, &b)| b == needle)
                        .fold(0u64, |mask, (j, _)| mask | 1 << j)
                };
                (i * 64, [of(needles[0]), of(needles[1])])
            })
            .collect();
        // The byte loop, the best vector code of this CPU, and on x86-64
        // the SSE2 code too (which CPUs without AVX2 run).
        for way in ["bytes", "vector", "sse2"] {
            let (mut got, mut split, mut sparse) = (Vec::new(), Vec::new(), Vec::new());
            let mut keep = |base: usize, mask: u64, none: u64| {
                assert_eq!(none, 0);
                got.push((base, mask));
                true
            };
            let mut keep_apart = |base: usize, a: u64, b: u64| {
                split.push((base, [a, b]));
                true
            };
            let mut keep_sparse = |base: usize, mask: u64, none: u64| {
                assert_eq!(none, 0);
                sparse.push((base, mask));
                true
            };
            match way {
                "bytes" => {
                    every_block_with::<false, 3, ONE, _>(h, needles, &mut keep);
                    every_block_with::<false, 2, SPLIT, _>(h, needles, &mut keep_apart);
                    every_block_with::<false, 3, SPARSE, _>(h, needles, &mut keep_sparse);
                }
                "vector" => {
                    every_block_with::<HAS_VECTOR, 3, ONE, _>(h, needles, &mut keep);
                    every_block_with::<HAS_VECTOR, 2, SPLIT, _>(h, needles, &mut keep_apart);
                    every_block_with::<HAS_VECTOR, 3, SPARSE, _>(h, needles, &mut keep_sparse);
                }
                _ => {
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: SSE2 is part of the x86-64 baseline.
                    unsafe {
                        x86::sse2::<3, ONE, _>(h, needles, &mut keep);
                        x86::sse2::<2, SPLIT, _>(h, needles, &mut keep_apart);
                        x86::sse2::<3, SPARSE, _>(h, needles, &mut keep_sparse);
                    }
                    #[cfg(not(target_arch = "x86_64"))]
                    return;
                }
            }
            assert_eq!(got, expected, "len {} {way}", h.len());
            assert_eq!(split, apart, "len {} {way}, split", h.len());
            let skips = way != "bytes" && (HAS_VECTOR || way == "sse2");
            let sparse_expected = if skips { &with_matches } else { &expected };
            assert_eq!(&sparse, sparse_expected, "len {} {way}, sparse", h.len());
        }
    }

    #[test]
    fn stops_when_asked() {
        let hay = [b'|'; 200];
        let mut seen = 0;
        for_each_match2(&hay, b'|', b'\r', |_| {
            seen += 1;
            seen < 70
        });
        assert_eq!(seen, 70);
        let mut seen = 0;
        for_each_match2_scalar(&hay, b'|', b'\r', |_| {
            seen += 1;
            seen < 3
        });
        assert_eq!(seen, 3);
    }

    #[test]
    fn high_bytes_are_matched_exactly() {
        let hay: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        assert_eq!(vector(&hay, 0xFF, 0x80), scalar(&hay, 0xFF, 0x80));
        assert_eq!(vector(&hay, 0xFF, 0x80).len(), 7); // 0x80 four times, 0xFF three times
    }
}
