//! The memory allocator of a connector component.
//!
//! The hub runs every call in a fresh instance and throws its memory away when the call
//! returns, so a connector's heap lives for one call, and most of what it allocates is
//! small: strings, vectors of a few elements, map nodes. [`CallAllocator`] serves those
//! from size classes (multiples of 16 bytes up to 128, then four classes per doubling up
//! to [`SMALL_LIMIT`]): a freed block goes on its class's free list and is handed out
//! again for the next request of that class, and new blocks are carved from 64 KiB chunks
//! taken from the backing allocator. That makes `malloc` and `free` of a small block a
//! handful of instructions (wasi-libc's general-purpose allocator spent 14% of a large
//! X12 decode and 24% of a large FHIR decode in `malloc`/`free`). Larger blocks, and
//! alignments above 16, go to the backing allocator (wasi-libc's, which coalesces), so a
//! call's peak memory stays close to what it would be without this layer; the hub's
//! per-call memory limit applies as always.
//!
//! [`export_connector!`](crate::export_connector) installs it as the global allocator of
//! a `wasm32` build; native builds (tests, benchmarks) keep the system allocator.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr;
use std::alloc::System;

/// Every small block is aligned to this.
const MIN_ALIGN: usize = 16;
/// Classes 0..8 are 16, 32, ..., 128 bytes.
const TINY_CLASSES: usize = 8;
/// The largest of those.
const TINY_MAX: usize = TINY_CLASSES * MIN_ALIGN;
/// log2 of [`TINY_MAX`].
const TINY_MAX_LOG2: usize = 7;
/// How many classes there are in each doubling above [`TINY_MAX`].
const STEPS: usize = 4;
/// The largest request served from size classes; larger ones go to the backing allocator.
pub const SMALL_LIMIT: usize = 1024;
/// How many classes there are: 16..=128 by 16, then 160..=256, 320..=512, 640..=1024.
const CLASSES: usize = TINY_CLASSES + STEPS * 3;
/// Small blocks are carved from chunks of this many bytes.
const CHUNK: usize = 64 << 10;

/// The class of a request of `size` bytes, `1..=SMALL_LIMIT`.
#[inline]
fn class_of(size: usize) -> usize {
    debug_assert!((1..=SMALL_LIMIT).contains(&size));
    if size <= TINY_MAX {
        return size.div_ceil(MIN_ALIGN) - 1;
    }
    // 2^p < size <= 2^(p+1), p >= 7; four classes of 2^(p-2) bytes each in that range.
    let p = (usize::BITS - 1 - (size - 1).leading_zeros()) as usize;
    let steps = ((size - 1) >> (p - 2)) + 1; // 5..=8
    TINY_CLASSES + (p - TINY_MAX_LOG2) * STEPS + (steps - (STEPS + 1))
}

/// The size of the blocks of class `index`.
#[inline]
fn class_size(index: usize) -> usize {
    if index < TINY_CLASSES {
        return (index + 1) * MIN_ALIGN;
    }
    let above = index - TINY_CLASSES;
    let p = TINY_MAX_LOG2 + above / STEPS;
    (above % STEPS + STEPS + 1) << (p - 2)
}

/// Whether a block of `layout` is served from the size classes.
#[inline]
fn is_small(layout: Layout) -> bool {
    layout.size() <= SMALL_LIMIT && layout.align() <= MIN_ALIGN
}

/// The heap: free lists per class, the chunk new small blocks are carved from, and the
/// backing allocator for everything else.
pub struct Heap<B> {
    /// The first free block of each class; a free block holds the address of the next.
    free: [*mut u8; CLASSES],
    /// The start of the current chunk.
    chunk: usize,
    /// Where the next block is carved in it.
    bump: usize,
    /// Its end.
    end: usize,
    backing: B,
}

impl<B: GlobalAlloc> Heap<B> {
    /// An empty heap over `backing`.
    pub const fn new(backing: B) -> Heap<B> {
        Heap {
            free: [ptr::null_mut(); CLASSES],
            chunk: 0,
            bump: 0,
            end: 0,
            backing,
        }
    }

    /// A block for `layout` (not zero-sized), or null.
    #[inline]
    pub fn alloc(&mut self, layout: Layout) -> *mut u8 {
        if !is_small(layout) {
            // SAFETY: `layout` is not zero-sized (the `GlobalAlloc` contract).
            return unsafe { self.backing.alloc(layout) };
        }
        let class = class_of(layout.size());
        let head = self.free[class];
        if !head.is_null() {
            // SAFETY: a free block is at least 16 bytes, 16-aligned and unused, and its
            // first word holds the next free block of its class (see `dealloc`).
            self.free[class] = unsafe { head.cast::<*mut u8>().read() };
            return head;
        }
        self.carve(class_size(class))
    }

    /// Gives back `block`, allocated for `layout` by this heap.
    ///
    /// # Safety
    ///
    /// `block` came from [`Heap::alloc`] or [`Heap::realloc`] of this heap with `layout`
    /// and is not used again.
    #[inline]
    pub unsafe fn dealloc(&mut self, block: *mut u8, layout: Layout) {
        if !is_small(layout) {
            // SAFETY: the caller's promise; large blocks come from the backing allocator.
            unsafe { self.backing.dealloc(block, layout) };
            return;
        }
        let class = class_of(layout.size());
        let at = block as usize;
        if at >= self.chunk && at + class_size(class) == self.bump {
            // The last block carved: carve it again next time.
            self.bump = at;
            return;
        }
        // SAFETY: the caller gives the block up; it is at least 16 bytes and 16-aligned.
        unsafe { block.cast::<*mut u8>().write(self.free[class]) };
        self.free[class] = block;
    }

    /// `block` (allocated for `layout`) resized to `new_size`: in place when its class
    /// still fits or it is the last block carved, else moved.
    ///
    /// # Safety
    ///
    /// As for [`Heap::dealloc`]; `new_size` is not zero and, rounded up to `layout`'s
    /// alignment, fits in `isize`.
    #[inline]
    pub unsafe fn realloc(&mut self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's promise about `new_size` (a valid layout's).
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (is_small(layout), is_small(new_layout)) {
            (false, false) => {
                // SAFETY: the caller's promises; large blocks are the backing allocator's.
                return unsafe { self.backing.realloc(block, layout, new_size) };
            }
            (true, true) => {
                let (old, new) = (class_of(layout.size()), class_of(new_size));
                if new == old {
                    return block;
                }
                let at = block as usize;
                if at >= self.chunk
                    && at + class_size(old) == self.bump
                    && at + class_size(new) <= self.end
                {
                    // The last block carved grows or shrinks where it is.
                    self.bump = at + class_size(new);
                    return block;
                }
            }
            _ => {}
        }
        let moved = self.alloc(new_layout);
        if !moved.is_null() {
            // SAFETY: both blocks are live, distinct, and at least this long.
            unsafe {
                ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                self.dealloc(block, layout);
            }
        }
        moved
    }

    /// A new small block of `size` bytes, from the current chunk or a new one.
    #[inline]
    fn carve(&mut self, size: usize) -> *mut u8 {
        if self.end - self.bump < size && !self.new_chunk() {
            return ptr::null_mut();
        }
        let block = self.bump;
        self.bump += size;
        block as *mut u8
    }

    /// Takes a new chunk from the backing allocator (the rest of the current one, too
    /// small for the request at hand, is left unused); false when there is none.
    #[cold]
    #[inline(never)]
    fn new_chunk(&mut self) -> bool {
        // SAFETY: a valid, non-zero layout.
        let chunk = unsafe {
            self.backing
                .alloc(Layout::from_size_align_unchecked(CHUNK, MIN_ALIGN))
        };
        if chunk.is_null() {
            return false;
        }
        self.chunk = chunk as usize;
        self.bump = self.chunk;
        self.end = self.chunk + CHUNK;
        true
    }
}

/// The allocator [`export_connector!`](crate::export_connector) installs in a `wasm32`
/// component (see the module documentation), over wasi-libc's allocator.
pub struct CallAllocator {
    heap: UnsafeCell<Heap<System>>,
}

impl CallAllocator {
    /// The allocator, with an empty heap.
    pub const fn new() -> CallAllocator {
        CallAllocator {
            heap: UnsafeCell::new(Heap::new(System)),
        }
    }
}

impl Default for CallAllocator {
    fn default() -> Self {
        CallAllocator::new()
    }
}

// SAFETY: `export_connector!` installs it only in wasm32 builds without the `atomics`
// feature, which have one thread (wasm32-wasip2 has no threads), so the heap is never
// touched by two at once. Native builds never install it.
unsafe impl Sync for CallAllocator {}

// SAFETY: `Heap` hands out distinct, suitably aligned blocks of at least the requested
// size and takes them back only through `dealloc`/`realloc` with their layout.
unsafe impl GlobalAlloc for CallAllocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: single-threaded (see `Sync`), and nothing in `Heap` re-enters this
        // allocator (the backing allocator is wasi-libc's).
        unsafe { (*self.heap.get()).alloc(layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        // SAFETY: as in `alloc`; the caller's promises are `Heap::dealloc`'s.
        unsafe { (*self.heap.get()).dealloc(block, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as in `alloc`; the caller's promises are `Heap::realloc`'s.
        unsafe { (*self.heap.get()).realloc(block, layout, new_size) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// The system allocator, counting what it was asked for, and refusing once a budget
    /// of bytes is spent.
    struct Counted {
        allocations: Cell<usize>,
        budget: Cell<usize>,
    }

    impl Counted {
        fn new(budget: usize) -> Counted {
            Counted {
                allocations: Cell::new(0),
                budget: Cell::new(budget),
            }
        }
    }

    // SAFETY: delegates to `System`.
    unsafe impl GlobalAlloc for Counted {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            if layout.size() > self.budget.get() {
                return ptr::null_mut();
            }
            self.budget.set(self.budget.get() - layout.size());
            self.allocations.set(self.allocations.get() + 1);
            // SAFETY: the caller's promises.
            unsafe { System.alloc(layout) }
        }

        unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
            // SAFETY: the caller's promises.
            unsafe { System.dealloc(block, layout) }
        }
    }

    #[test]
    fn classes_are_ordered_and_hold_their_sizes() {
        let mut previous = 0;
        for index in 0..CLASSES {
            let size = class_size(index);
            assert!(size > previous, "class {index}");
            assert_eq!(size % MIN_ALIGN, 0, "class {index}");
            assert_eq!(class_of(size), index, "size {size}");
            assert_eq!(class_of(previous + 1), index, "size {}", previous + 1);
            // At most a quarter of a block is slack above the tiny classes.
            if index >= TINY_CLASSES {
                assert!((size - previous - 1) * 4 <= size, "class {index}");
            }
            previous = size;
        }
        assert_eq!(previous, SMALL_LIMIT);
        assert_eq!(
            [1, 129, 160, 161, 256, 257, 1000].map(|s| class_size(class_of(s))),
            [16, 160, 160, 192, 256, 320, 1024]
        );
    }

    /// Allocates, writes, resizes and frees many blocks, small and large, in a
    /// pseudo-random order and checks that no live block is ever overwritten by another.
    #[test]
    fn live_blocks_never_overlap() {
        let mut heap = Heap::new(System);
        let mut live: Vec<(*mut u8, Layout, u8)> = Vec::new();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..100_000 {
            let roll = next();
            let fill = (round % 251) as u8 + 1;
            match roll % 4 {
                0 | 1 => {
                    let size = match roll % 5 {
                        0 => 1 + (next() % 16) as usize,
                        1..=3 => 1 + (next() % 1200) as usize,
                        _ => 1 + (next() % 70_000) as usize,
                    };
                    let align = [1, 4, 8, 16, 64][(next() % 5) as usize];
                    let layout = Layout::from_size_align(size, align).unwrap();
                    let block = heap.alloc(layout);
                    assert!(!block.is_null());
                    assert_eq!(block as usize % align, 0);
                    // SAFETY: a fresh block of `size` bytes.
                    unsafe { ptr::write_bytes(block, fill, size) };
                    live.push((block, layout, fill));
                }
                2 if !live.is_empty() => {
                    let (block, layout, fill) = live.swap_remove((next() as usize) % live.len());
                    check(block, layout.size(), fill);
                    // SAFETY: a live block of this heap, with its layout.
                    unsafe { heap.dealloc(block, layout) };
                }
                _ if !live.is_empty() => {
                    let at = (next() as usize) % live.len();
                    let (block, layout, fill) = live[at];
                    let new_size = 1 + (next() % 3000) as usize;
                    // SAFETY: a live block of this heap, with its layout.
                    let moved = unsafe { heap.realloc(block, layout, new_size) };
                    assert!(!moved.is_null());
                    assert_eq!(moved as usize % layout.align(), 0);
                    check(moved, layout.size().min(new_size), fill);
                    // SAFETY: the resized block holds `new_size` bytes.
                    unsafe { ptr::write_bytes(moved, fill, new_size) };
                    let layout = Layout::from_size_align(new_size, layout.align()).unwrap();
                    live[at] = (moved, layout, fill);
                }
                _ => {}
            }
        }
        for (block, layout, fill) in live {
            check(block, layout.size(), fill);
            // SAFETY: a live block of this heap, with its layout.
            unsafe { heap.dealloc(block, layout) };
        }
    }

    fn check(block: *mut u8, size: usize, fill: u8) {
        // SAFETY: a live block of at least `size` bytes.
        let bytes = unsafe { std::slice::from_raw_parts(block, size) };
        assert!(
            bytes.iter().all(|&b| b == fill),
            "a live block was overwritten"
        );
    }

    #[test]
    fn small_blocks_are_reused_and_carved_from_chunks() {
        let mut heap = Heap::new(Counted::new(usize::MAX));
        let small = Layout::from_size_align(40, 8).unwrap();
        let a = heap.alloc(small);
        let b = heap.alloc(small);
        assert_eq!(heap.backing.allocations.get(), 1, "one chunk for both");
        // SAFETY: `a` is live with this layout.
        unsafe { heap.dealloc(a, small) };
        assert_eq!(
            heap.alloc(small),
            a,
            "the freed block of the class comes back"
        );
        // `b` is the last block carved: it grows where it is, then is carved again.
        // SAFETY: `b` is live with this layout.
        let grown = unsafe { heap.realloc(b, small, 1000) };
        assert_eq!(grown, b);
        let grown_layout = Layout::from_size_align(1000, 8).unwrap();
        // SAFETY: `b` is live with its grown layout.
        unsafe { heap.dealloc(b, grown_layout) };
        assert_eq!(
            heap.alloc(small),
            b,
            "freeing the last block carves it again"
        );
        // Large and over-aligned blocks are the backing allocator's.
        let large = Layout::from_size_align(SMALL_LIMIT + 1, 8).unwrap();
        let aligned = Layout::from_size_align(64, 64).unwrap();
        let (l, o) = (heap.alloc(large), heap.alloc(aligned));
        assert_eq!(heap.backing.allocations.get(), 3);
        assert_eq!(o as usize % 64, 0);
        // SAFETY: live blocks with their layouts.
        unsafe {
            heap.dealloc(l, large);
            heap.dealloc(o, aligned);
        }
    }

    #[test]
    fn an_exhausted_backing_allocator_gives_null() {
        let mut heap = Heap::new(Counted::new(CHUNK + 4096));
        assert!(
            !heap
                .alloc(Layout::from_size_align(100, 8).unwrap())
                .is_null()
        );
        assert!(
            heap.alloc(Layout::from_size_align(8192, 8).unwrap())
                .is_null()
        );
        // Small blocks until the chunk is used up, then null.
        let small = Layout::from_size_align(1024, 8).unwrap();
        let carved = (0..CHUNK / 1024 + 1)
            .take_while(|_| !heap.alloc(small).is_null())
            .count();
        assert_eq!(carved, CHUNK / 1024 - 1);
    }
}
