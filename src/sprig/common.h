/* Private helpers shared by the framework and the kernels. */
#ifndef SPRIG_COMMON_H
#define SPRIG_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__) || defined(_M_X64)
#define SPRIG_ARCH_X86_64 1
#else
#define SPRIG_ARCH_X86_64 0
#endif

#if defined(__i386__) || defined(_M_IX86)
#define SPRIG_ARCH_X86 1
#else
#define SPRIG_ARCH_X86 0
#endif

#if defined(__aarch64__)
#define SPRIG_ARCH_ARM64 1
#else
#define SPRIG_ARCH_ARM64 0
#endif

#if defined(__arm__)
#define SPRIG_ARCH_ARM 1
#else
#define SPRIG_ARCH_ARM 0
#endif

#if defined(__wasm__)
#define SPRIG_ARCH_WASM 1
#else
#define SPRIG_ARCH_WASM 0
#endif

#if defined(__wasm_simd128__)
#define SPRIG_ARCH_WASMSIMD 1
#else
#define SPRIG_ARCH_WASMSIMD 0
#endif

#define SPRIG_MIN(a, b) ((a) < (b) ? (a) : (b))
#define SPRIG_MAX(a, b) ((a) > (b) ? (a) : (b))

static inline size_t sprig_divide_round_up(size_t n, size_t q) {
  return n / q + (size_t) (n % q != 0);
}

static inline size_t sprig_round_up(size_t n, size_t q) {
  return sprig_divide_round_up(n, q) * q;
}

/* a * b into *product; false when it overflows size_t. */
static inline bool sprig_mul_size(size_t a, size_t b, size_t* product) {
  if (b != 0 && a > SIZE_MAX / b) {
    return false;
  }
  *product = a * b;
  return true;
}

/* a * b * c into *product; false when it overflows size_t. */
static inline bool sprig_mul3_size(size_t a, size_t b, size_t c, size_t* product) {
  size_t ab;
  return sprig_mul_size(a, b, &ab) && sprig_mul_size(ab, c, product);
}

#endif /* SPRIG_COMMON_H */
