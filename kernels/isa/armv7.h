/*
 * armv7 NEON multiply-adds for the armv7 templates of every family (kernels/<family>/armv7-
 * template.h), written once for both armv7 ISAs: a kernel file defines ARMV7_FMA 0 (ISA tag
 * neon: vmla.f32, multiply then add, two roundings) or 1 (ISA tag neonvfpv4: VFPv4's vfma.f32,
 * one rounding) before including its template, which includes this.
 *
 *   MLAQ / MLAD (acc, a, b)            acc + a * b, q and d vectors
 *   MLAQ_LANE / MLAD_LANE (acc, x, wd, lane)  acc + x * lane `lane` of the d register wd
 *   MLAQ_N / MLAD_N (acc, x, s)        acc + x * the scalar s
 *   MLAS (acc, a, b)                   acc + a * b, scalars (fused when ARMV7_FMA)
 */
#ifndef SPRIG_ISA_ARMV7_H
#define SPRIG_ISA_ARMV7_H

#ifndef ARMV7_FMA
#error "isa/armv7.h is included by the armv7 templates after armv7-neon.c / armv7-neonvfpv4.c define ARMV7_FMA"
#endif

#include <arm_neon.h>
#include <math.h>

#if ARMV7_FMA
#define MLAQ(acc, a, b) vfmaq_f32((acc), (a), (b))
#define MLAD(acc, a, b) vfma_f32((acc), (a), (b))
#define MLAQ_LANE(acc, x, wd, lane) vfmaq_f32((acc), (x), vdupq_lane_f32((wd), (lane)))
#define MLAD_LANE(acc, x, wd, lane) vfma_f32((acc), (x), vdup_lane_f32((wd), (lane)))
#define MLAQ_N(acc, x, s) vfmaq_f32((acc), (x), vdupq_n_f32(s))
#define MLAD_N(acc, x, s) vfma_f32((acc), (x), vdup_n_f32(s))
#define MLAS(acc, a, b) fmaf((a), (b), (acc))
#else
#define MLAQ(acc, a, b) vmlaq_f32((acc), (a), (b))
#define MLAD(acc, a, b) vmla_f32((acc), (a), (b))
#define MLAQ_LANE(acc, x, wd, lane) vmlaq_lane_f32((acc), (x), (wd), (lane))
#define MLAD_LANE(acc, x, wd, lane) vmla_lane_f32((acc), (x), (wd), (lane))
#define MLAQ_N(acc, x, s) vmlaq_n_f32((acc), (x), (s))
#define MLAD_N(acc, x, s) vmla_n_f32((acc), (x), (s))
#define MLAS(acc, a, b) ((acc) + (a) * (b))
#endif

#endif /* SPRIG_ISA_ARMV7_H */
