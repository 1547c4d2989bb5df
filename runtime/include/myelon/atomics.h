/* The few named atomic operations myelon uses, over <stdatomic.h> in C and
 * <atomic> in C++ (generated headers also compile as C++). Every use site
 * names the operation it pairs with in a comment: an acquire Ax pairs with
 * a release Rx.
 */
#ifndef MYELON_ATOMICS_H
#define MYELON_ATOMICS_H

#include "myelon/layout.h"

#ifdef __cplusplus
#define MYL__MO(o) std::memory_order_##o
#define MYL__NS std::
#else
#define MYL__MO(o) memory_order_##o
#define MYL__NS
#endif

#define myl__load_acquire(p) MYL__NS atomic_load_explicit((p), MYL__MO(acquire))
#define myl__load_relaxed(p) MYL__NS atomic_load_explicit((p), MYL__MO(relaxed))
#define myl__store_release(p, v) MYL__NS atomic_store_explicit((p), (v), MYL__MO(release))
#define myl__store_relaxed(p, v) MYL__NS atomic_store_explicit((p), (v), MYL__MO(relaxed))
#define myl__fence_seq_cst() MYL__NS atomic_thread_fence(MYL__MO(seq_cst))
#define myl__fence_acquire() MYL__NS atomic_thread_fence(MYL__MO(acquire))
#define myl__fence_release() MYL__NS atomic_thread_fence(MYL__MO(release))
/* A compiler barrier only: no instruction, but no memory access moves
 * across it at compile time. */
#define myl__signal_fence_seq_cst() MYL__NS atomic_signal_fence(MYL__MO(seq_cst))
#define myl__cas_weak(p, expp, v)                                                                  \
    MYL__NS atomic_compare_exchange_weak_explicit((p), (expp), (v), MYL__MO(acq_rel),              \
                                                  MYL__MO(relaxed))
#define myl__cas_strong(p, expp, v)                                                                \
    MYL__NS atomic_compare_exchange_strong_explicit((p), (expp), (v), MYL__MO(acq_rel),            \
                                                    MYL__MO(acquire))

/* The CPU's spin-wait hint. */
static inline void myl__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    MYL__NS atomic_signal_fence(MYL__MO(seq_cst));
#endif
}

#endif
