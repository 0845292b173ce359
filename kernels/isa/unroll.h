/*
 * UNROLL_ALL, put before a loop whose trip count is a compile-time constant once the kernel is
 * inlined (rows, taps, vectors): the loop is unrolled fully, so that the arrays it indexes
 * become registers and every address a base plus a constant.
 */
#ifndef SPRIG_ISA_UNROLL_H
#define SPRIG_ISA_UNROLL_H

#if defined(__clang__)
#define UNROLL_ALL _Pragma("clang loop unroll(full)")
#else
#define UNROLL_ALL _Pragma("GCC unroll 32")
#endif

#endif /* SPRIG_ISA_UNROLL_H */
