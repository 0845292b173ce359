/*
 * x86 VNNI for the int8 kernels of every family: INLINE, and dpbusd(acc, x, w) = acc + the dot
 * products of x's unsigned bytes and w's signed bytes, 4 per int32 lane, on zmm in files built
 * for AVX512-VNNI and on ymm (the VEX encoding) in files built for AVX-VNNI.
 *
 * GCC 12 copies the accumulators around every vpdpbusd of the intrinsics in loops of several
 * accumulator sets (16 vmovdqa32 per 8 vpdpbusd); a one-instruction asm keeps each accumulator in
 * its register. Other compilers take the intrinsic.
 */
#ifndef SPRIG_ISA_X86_VNNI_H
#define SPRIG_ISA_X86_VNNI_H

#include <immintrin.h>

#define INLINE static inline __attribute__((always_inline))

#if defined(__AVX512VNNI__)
INLINE __m512i dpbusd(__m512i acc, __m512i x, __m512i w) {
#if defined(__GNUC__) && !defined(__clang__)
  __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(x), "v"(w));
  return acc;
#else
  return _mm512_dpbusd_epi32(acc, x, w);
#endif
}
#elif defined(__AVXVNNI__)
INLINE __m256i dpbusd(__m256i acc, __m256i x, __m256i w) {
#if defined(__GNUC__) && !defined(__clang__)
  __asm__("%{vex%} vpdpbusd %2, %1, %0" : "+x"(acc) : "x"(x), "x"(w));
  return acc;
#else
  return _mm256_dpbusd_avx_epi32(acc, x, w);
#endif
}
#else
#error "x86-vnni.h is for files built with -mavx512vnni or -mavxvnni"
#endif

#endif /* SPRIG_ISA_X86_VNNI_H */
