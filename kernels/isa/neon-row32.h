/*
 * aarch64 inline-assembly pieces of the 32x1 loops written in assembly (f32-spmm in-order,
 * f32-spconv and f32-nmspmm): one row of 32 pixels is 8 input vectors. Vectors 0-3 of a row live
 * in v16-v19 and are loaded during the FMAs of the row before; vectors 4-7 live in v20-v23 and
 * are loaded during the row's own first 4 FMAs, so that loads and FMAs interleave in the order an
 * in-order core needs (it issues one load and one FMA per cycle; GCC does not keep that order).
 *
 * Two flavours, named by a token pasted into the macro names:
 *   single  every input vector a single `ldr q` issued 4 FMAs before its `fmla`: for in-order
 *           cores (Cortex-A53 / A55 / A510 class), whose models issue an `ldp q` in 6 cycles;
 *   paired  vectors 0-1 and 4-5 of a row as one `ldp q` each, the rest single: for out-of-order
 *           cores (Apple A13's model issues an `ldp q` in one load slot, Neoverse-V1 counts it
 *           as two loads, so half the vectors paired is the mix no model loses on).
 *
 * Contract of the asm statements that use these macros: the accumulators of set c are operands
 * named c0 .. c7 ("+w"); loops with two accumulator sets keep set d in v8-v15 (clobbered; GCC
 * limits an asm statement to 30 operands), zero it first (IO_ZERO_D) and add it into set c last
 * (IO_ADD_D). v16-v23 are clobbered. `acc` below is the token c or d.
 */
#ifndef SPRIG_ISA_NEON_ROW32_H
#define SPRIG_ISA_NEON_ROW32_H

#define IO_LD20_single(cur) "ldr q20, [" cur ", #64]\n\t"
#define IO_LD21_single(cur) "ldr q21, [" cur ", #80]\n\t"
#define IO_LD16_single(nxt) "ldr q16, [" nxt "]\n\t"
#define IO_LD17_single(nxt) "ldr q17, [" nxt ", #16]\n\t"
#define IO_LD20_paired(cur) "ldp q20, q21, [" cur ", #64]\n\t"
#define IO_LD21_paired(cur) ""
#define IO_LD16_paired(nxt) "ldp q16, q17, [" nxt "]\n\t"
#define IO_LD17_paired(nxt) ""

#define IO_ACC_c_0 "%[c0]"
#define IO_ACC_c_1 "%[c1]"
#define IO_ACC_c_2 "%[c2]"
#define IO_ACC_c_3 "%[c3]"
#define IO_ACC_c_4 "%[c4]"
#define IO_ACC_c_5 "%[c5]"
#define IO_ACC_c_6 "%[c6]"
#define IO_ACC_c_7 "%[c7]"
#define IO_ACC_d_0 "v8"
#define IO_ACC_d_1 "v9"
#define IO_ACC_d_2 "v10"
#define IO_ACC_d_3 "v11"
#define IO_ACC_d_4 "v12"
#define IO_ACC_d_5 "v13"
#define IO_ACC_d_6 "v14"
#define IO_ACC_d_7 "v15"
#define IO_D_CLOBBERS "v8", "v9", "v10", "v11", "v12", "v13", "v14", "v15"

/* Accumulator v of set acc += vector x * lane `lane` of weight register `wv`. */
#define IO_FMA(acc, v, x, wv, lane) "fmla " IO_ACC_##acc##_##v ".4s, v" #x ".4s, " wv ".s[" #lane "]\n\t"

/* Set d to zero; set c += set d. */
#define IO_ZERO_D                                                                                  \
  "movi v8.16b, #0\n\t" "movi v9.16b, #0\n\t" "movi v10.16b, #0\n\t" "movi v11.16b, #0\n\t"          \
  "movi v12.16b, #0\n\t" "movi v13.16b, #0\n\t" "movi v14.16b, #0\n\t" "movi v15.16b, #0\n\t"
#define IO_ADD_D_ONE(v) "fadd " IO_ACC_c_##v ".4s, " IO_ACC_c_##v ".4s, " IO_ACC_d_##v ".4s\n\t"
#define IO_ADD_D                                                                                   \
  IO_ADD_D_ONE(0) IO_ADD_D_ONE(1) IO_ADD_D_ONE(2) IO_ADD_D_ONE(3) IO_ADD_D_ONE(4) IO_ADD_D_ONE(5)     \
  IO_ADD_D_ONE(6) IO_ADD_D_ONE(7)

/* Vectors 4-7 of row `cur` into v20-v23 while vectors 0-3 (v16-v19) take their FMAs with lane
 * `lane` of weight register `wv`, into accumulator set `acc`. */
#define IO_ROW_LO_X(style, acc, cur, wv, lane)                     \
  IO_LD20_##style(cur)                                             \
  IO_FMA(acc, 0, 16, wv, lane)                                     \
  IO_LD21_##style(cur)                                             \
  IO_FMA(acc, 1, 17, wv, lane)                                     \
  "ldr q22, [" cur ", #96]\n\t"                                    \
  IO_FMA(acc, 2, 18, wv, lane)                                     \
  "ldr q23, [" cur ", #112]\n\t"                                   \
  IO_FMA(acc, 3, 19, wv, lane)

/* Vectors 0-3 of the next row `nxt` into v16-v19 while vectors 4-7 of the current row (v20-v23)
 * take their FMAs. */
#define IO_ROW_HI_X(style, acc, nxt, wv, lane)                     \
  IO_LD16_##style(nxt)                                             \
  IO_FMA(acc, 4, 20, wv, lane)                                     \
  IO_LD17_##style(nxt)                                             \
  IO_FMA(acc, 5, 21, wv, lane)                                     \
  "ldr q18, [" nxt ", #32]\n\t"                                    \
  IO_FMA(acc, 6, 22, wv, lane)                                     \
  "ldr q19, [" nxt ", #48]\n\t"                                    \
  IO_FMA(acc, 7, 23, wv, lane)

/* The in-order flavour with one accumulator set (f32-spmm's loop). */
#define IO_ROW_LO(cur, wv, lane) IO_ROW_LO_X(single, c, cur, wv, lane)
#define IO_ROW_HI(nxt, wv, lane) IO_ROW_HI_X(single, c, nxt, wv, lane)

/* Vectors 0-3 of row r0 into v16-v19: the start of a group's first row. */
#define IO_ROW_START(r0)                                           \
  "ldr q16, [" r0 "]\n\t"                                          \
  "ldr q17, [" r0 ", #16]\n\t"                                     \
  "ldr q18, [" r0 ", #32]\n\t"                                     \
  "ldr q19, [" r0 ", #48]\n\t"

/* The last group (rows r0..r3, weights wv, vectors 0-3 of r0 already in v16-v19): no successor
 * to preload, so no read past the group's own rows. Lanes 0 and 2 go into set c, lanes 1 and 3
 * into set `odd`. */
#define IO_LAST_GROUP_X(style, odd, r0, r1, r2, r3, wv)           \
  IO_ROW_LO_X(style, c, r0, wv, 0)                                 \
  IO_ROW_HI_X(style, c, r1, wv, 0)                                 \
  IO_ROW_LO_X(style, odd, r1, wv, 1)                               \
  IO_ROW_HI_X(style, odd, r2, wv, 1)                               \
  IO_ROW_LO_X(style, c, r2, wv, 2)                                 \
  IO_ROW_HI_X(style, c, r3, wv, 2)                                 \
  IO_ROW_LO_X(style, odd, r3, wv, 3)                               \
  IO_FMA(odd, 4, 20, wv, 3)                                        \
  IO_FMA(odd, 5, 21, wv, 3)                                        \
  IO_FMA(odd, 6, 22, wv, 3)                                        \
  IO_FMA(odd, 7, 23, wv, 3)

#define IO_LAST_GROUP(r0, r1, r2, r3, wv) IO_LAST_GROUP_X(single, c, r0, r1, r2, r3, wv)

/* The loop over groups, two per trip, the row and weight registers swapping roles between them:
 * `group_ab` (the group in the A registers, preparing its successor in B) and `group_ba` each
 * decrement %[left] (the groups after the current one) and set the flags; `trip_advance` moves
 * the stream pointers past the trip's two groups, `half_advance` past one group; `last_a` /
 * `last_b` run the final group without preload. Enter with the first group prepared in A and
 * %[left] = groups - 1. */
#define IO_GROUP_LOOP(group_ab, group_ba, trip_advance, half_advance, last_a, last_b) \
  "cbz %[left], .Lsprig_io_last_a%=\n"                               \
  ".Lsprig_io_loop%=:\n\t"                                          \
  group_ab                                                           \
  "b.eq .Lsprig_io_last_b%=\n\t"                                    \
  group_ba                                                           \
  trip_advance                                                       \
  "b.ne .Lsprig_io_loop%=\n"                                         \
  ".Lsprig_io_last_a%=:\n\t"                                        \
  last_a                                                             \
  "b .Lsprig_io_done%=\n"                                            \
  ".Lsprig_io_last_b%=:\n\t"                                        \
  half_advance                                                       \
  last_b                                                             \
  ".Lsprig_io_done%=:\n\t"

#endif /* SPRIG_ISA_NEON_ROW32_H */
