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
/* The int8 dot-product flavours: the same loads, sdot instead of fmla. */
#define IO_LD20_single_sdot(cur) IO_LD20_single(cur)
#define IO_LD21_single_sdot(cur) IO_LD21_single(cur)
#define IO_LD16_single_sdot(nxt) IO_LD16_single(nxt)
#define IO_LD17_single_sdot(nxt) IO_LD17_single(nxt)
#define IO_LD20_paired_sdot(cur) IO_LD20_paired(cur)
#define IO_LD21_paired_sdot(cur) IO_LD21_paired(cur)
#define IO_LD16_paired_sdot(nxt) IO_LD16_paired(nxt)
#define IO_LD17_paired_sdot(nxt) IO_LD17_paired(nxt)

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
/* Accumulator v of set acc (int32 x 4) += the 4-byte dot products of vector x (4 pixels x 4
 * int8 channels) with 4-byte word `lane` of weight register `wv`. */
#define IO_SDOT(acc, v, x, wv, lane) "sdot " IO_ACC_##acc##_##v ".4s, v" #x ".16b, " wv ".4b[" #lane "]\n\t"
#define IO_MAC_single IO_FMA
#define IO_MAC_paired IO_FMA
#define IO_MAC_single_sdot IO_SDOT
#define IO_MAC_paired_sdot IO_SDOT

/* Set d to zero; set c += set d. */
#define IO_ZERO_D                                                                                  \
  "movi v8.16b, #0\n\t" "movi v9.16b, #0\n\t" "movi v10.16b, #0\n\t" "movi v11.16b, #0\n\t"          \
  "movi v12.16b, #0\n\t" "movi v13.16b, #0\n\t" "movi v14.16b, #0\n\t" "movi v15.16b, #0\n\t"
#define IO_ADD_D_ONE(v) "fadd " IO_ACC_c_##v ".4s, " IO_ACC_c_##v ".4s, " IO_ACC_d_##v ".4s\n\t"
#define IO_ADD_D                                                                                   \
  IO_ADD_D_ONE(0) IO_ADD_D_ONE(1) IO_ADD_D_ONE(2) IO_ADD_D_ONE(3) IO_ADD_D_ONE(4) IO_ADD_D_ONE(5)     \
  IO_ADD_D_ONE(6) IO_ADD_D_ONE(7)
/* The same for int32 accumulators. */
#define IO_ADD_D_I32_ONE(v) "add " IO_ACC_c_##v ".4s, " IO_ACC_c_##v ".4s, " IO_ACC_d_##v ".4s\n\t"
#define IO_ADD_D_I32                                                                                         \
  IO_ADD_D_I32_ONE(0) IO_ADD_D_I32_ONE(1) IO_ADD_D_I32_ONE(2) IO_ADD_D_I32_ONE(3) IO_ADD_D_I32_ONE(4)        \
  IO_ADD_D_I32_ONE(5) IO_ADD_D_I32_ONE(6) IO_ADD_D_I32_ONE(7)

/* Vectors 4-7 of row `cur` into v20-v23 while vectors 0-3 (v16-v19) take their FMAs with lane
 * `lane` of weight register `wv`, into accumulator set `acc`. */
#define IO_ROW_LO_X(style, acc, cur, wv, lane)                     \
  IO_LD20_##style(cur)                                             \
  IO_MAC_##style(acc, 0, 16, wv, lane)                             \
  IO_LD21_##style(cur)                                             \
  IO_MAC_##style(acc, 1, 17, wv, lane)                             \
  "ldr q22, [" cur ", #96]\n\t"                                    \
  IO_MAC_##style(acc, 2, 18, wv, lane)                             \
  "ldr q23, [" cur ", #112]\n\t"                                   \
  IO_MAC_##style(acc, 3, 19, wv, lane)

/* Vectors 0-3 of the next row `nxt` into v16-v19 while vectors 4-7 of the current row (v20-v23)
 * take their FMAs. */
#define IO_ROW_HI_X(style, acc, nxt, wv, lane)                     \
  IO_LD16_##style(nxt)                                             \
  IO_MAC_##style(acc, 4, 20, wv, lane)                             \
  IO_LD17_##style(nxt)                                             \
  IO_MAC_##style(acc, 5, 21, wv, lane)                             \
  "ldr q18, [" nxt ", #32]\n\t"                                    \
  IO_MAC_##style(acc, 6, 22, wv, lane)                             \
  "ldr q19, [" nxt ", #48]\n\t"                                    \
  IO_MAC_##style(acc, 7, 23, wv, lane)

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
  IO_MAC_##style(odd, 4, 20, wv, 3)                                \
  IO_MAC_##style(odd, 5, 21, wv, 3)                                \
  IO_MAC_##style(odd, 6, 22, wv, 3)                                \
  IO_MAC_##style(odd, 7, 23, wv, 3)

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

/* ---------------------------------------------------------------------------------------------
 * Loops whose rows come from an index stream at %[o], 4 per group of 4 entries (16 bytes), with
 * the weights at %[w] (16 bytes per group, one ldr q), by `form`:
 *   offsets  int32 byte offsets from %[in] (f32-spconv), two per 64-bit word: one ldp of two
 *            words per group, each word split by `asr #32` / `sxtw` into two rows;
 *   quads    uint32 row indices times the row stride %w[rs] from %[in] (qs8-spmm c4 rows of
 *            32 pixels x 4 channels): two ldp w per group and one umaddl per row (no 64-bit
 *            multiply, no chain from one row to the next).
 * Rows live in x8-x11 (group A) and x12-x15 (group B), named by token (x8 .. x15).
 * Operands: accumulators c0 .. c7, [w], [o], [left] ("+r"), [in] and, for quads, [rs] ("r").
 */
#define IO_X(r) #r
#define IO_W(r) IO_W_##r
#define IO_W_x8 "w8"
#define IO_W_x9 "w9"
#define IO_W_x10 "w10"
#define IO_W_x11 "w11"
#define IO_W_x12 "w12"
#define IO_W_x13 "w13"
#define IO_W_x14 "w14"
#define IO_W_x15 "w15"

/* The indices of rows n0 .. n3 at %[o] + off: first and second load; rows na and nb formed. */
#define IO_IDX_LOAD1_offsets(n0, n1, n2, n3, off) "ldp " IO_X(n0) ", " IO_X(n2) ", [%[o], #" #off "]\n\t"
#define IO_IDX_LOAD2_offsets(n0, n1, n2, n3, off) ""
#define IO_IDX_FORM_offsets(na, nb)                                \
  "add " IO_X(nb) ", %[in], " IO_X(na) ", asr #32\n\t"              \
  "add " IO_X(na) ", %[in], " IO_W(na) ", sxtw\n\t"
#define IO_IDX_LOAD1_quads(n0, n1, n2, n3, off) "ldp " IO_W(n0) ", " IO_W(n1) ", [%[o], #" #off "]\n\t"
#define IO_IDX_LOAD2_quads(n0, n1, n2, n3, off) "ldp " IO_W(n2) ", " IO_W(n3) ", [%[o], #(" #off " + 8)]\n\t"
#define IO_IDX_FORM_quads(na, nb)                                  \
  "umaddl " IO_X(na) ", " IO_W(na) ", %w[rs], %[in]\n\t"            \
  "umaddl " IO_X(nb) ", " IO_W(nb) ", %w[rs], %[in]\n\t"

/* The group in rows r0..r3 with weights `wv` and a successor: the successor's indices (at
 * %[o] + off) and weights (at %[w] + woff, into `wn`) are loaded and its rows n0..n3 formed
 * between the MACs, well after their loads. Entries 0 and 2 go into set c, 1 and 3 into set
 * `odd`. The loop counter is decremented early so that the branch after the group finds its
 * flags set. */
#define IO_IDX_GROUP(form, style, odd, r0, r1, r2, r3, n0, n1, n2, n3, wv, wn, off, woff) \
  IO_ROW_LO_X(style, c, IO_X(r0), wv, 0)                           \
  IO_IDX_LOAD1_##form(n0, n1, n2, n3, off)                         \
  "subs %[left], %[left], #1\n\t"                                  \
  IO_ROW_HI_X(style, c, IO_X(r1), wv, 0)                           \
  "ldr " wn ", [%[w], #" #woff "]\n\t"                             \
  IO_ROW_LO_X(style, odd, IO_X(r1), wv, 1)                         \
  IO_IDX_LOAD2_##form(n0, n1, n2, n3, off)                         \
  IO_ROW_HI_X(style, odd, IO_X(r2), wv, 1)                         \
  IO_IDX_FORM_##form(n0, n1)                                       \
  IO_ROW_LO_X(style, c, IO_X(r2), wv, 2)                           \
  IO_IDX_FORM_##form(n2, n3)                                       \
  IO_ROW_HI_X(style, c, IO_X(r3), wv, 2)                           \
  IO_ROW_LO_X(style, odd, IO_X(r3), wv, 3)                         \
  IO_ROW_HI_X(style, odd, IO_X(n0), wv, 3)

/* The whole loop over `left + 1` groups at %[w] / %[o] (both advanced past them). */
#define IO_IDX_LOOP(form, style, odd)                                                                  \
  IO_IDX_LOAD1_##form(x8, x9, x10, x11, 0)                                                           \
  IO_IDX_LOAD2_##form(x8, x9, x10, x11, 0)                                                           \
  IO_IDX_FORM_##form(x8, x9)                                                                         \
  IO_IDX_FORM_##form(x10, x11)                                                                       \
  "add %[o], %[o], #16\n\t"                                                                          \
  "ldr q24, [%[w]], #16\n\t"                                                                         \
  IO_ROW_START("x8")                                                                                 \
  IO_GROUP_LOOP(                                                                                     \
      IO_IDX_GROUP(form, style, odd, x8, x9, x10, x11, x12, x13, x14, x15, "v24", "q25", 0, 0),        \
      IO_IDX_GROUP(form, style, odd, x12, x13, x14, x15, x8, x9, x10, x11, "v25", "q24", 16, 16),      \
      "add %[o], %[o], #32\n\t" "add %[w], %[w], #32\n\t",                                          \
      "add %[o], %[o], #16\n\t" "add %[w], %[w], #16\n\t",                                          \
      IO_LAST_GROUP_X(style, odd, "x8", "x9", "x10", "x11", "v24"),                                    \
      IO_LAST_GROUP_X(style, odd, "x12", "x13", "x14", "x15", "v25"))

/* The output operands of an IO_IDX_LOOP statement, from the caller's locals c0 .. c7 (the
 * accumulators), wp (weights), op (indices) and left (groups after the first). */
#define IO_IDX_OUTPUTS                                                                                  \
  [c0] "+w"(c0), [c1] "+w"(c1), [c2] "+w"(c2), [c3] "+w"(c3), [c4] "+w"(c4), [c5] "+w"(c5), [c6] "+w"(c6), \
      [c7] "+w"(c7), [w] "+r"(wp), [o] "+r"(op), [left] "+r"(left)

#define IO_IDX_CLOBBERS                                                                                 \
  "cc", "memory", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "v16", "v17", "v18", "v19", "v20", \
      "v21", "v22", "v23", "v24", "v25"

#endif /* SPRIG_ISA_NEON_ROW32_H */
