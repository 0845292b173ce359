/*
 * aarch64 inline-assembly pieces of the 32x1 in-order loops (f32-spmm, f32-spconv, f32-nmspmm):
 * one row of 32 pixels is 8 input vectors, and on an in-order core each of them must be a single
 * `ldr q` issued 4 FMAs before its `fmla`, so that the core issues one load and one FMA per
 * cycle. Vectors 0-3 of a row live in v16-v19 and are loaded during the FMAs of the row before;
 * vectors 4-7 live in v20-v23 and are loaded during the row's own first 4 FMAs.
 *
 * Contract of the asm statements that use these macros: the 8 accumulators are operands named
 * c0 .. c7 ("+w"), and v16-v23 are clobbered.
 */
#ifndef SPRIG_ISA_NEON_INORDER_H
#define SPRIG_ISA_NEON_INORDER_H

/* Vectors 4-7 of row `cur` into v20-v23 while vectors 0-3 (v16-v19) take their FMAs with lane
 * `lane` of weight register `wv`. */
#define IO_ROW_LO(cur, wv, lane)                                   \
  "ldr q20, [" cur ", #64]\n\t"                                    \
  "fmla %[c0].4s, v16.4s, " wv ".s[" #lane "]\n\t"                 \
  "ldr q21, [" cur ", #80]\n\t"                                    \
  "fmla %[c1].4s, v17.4s, " wv ".s[" #lane "]\n\t"                 \
  "ldr q22, [" cur ", #96]\n\t"                                    \
  "fmla %[c2].4s, v18.4s, " wv ".s[" #lane "]\n\t"                 \
  "ldr q23, [" cur ", #112]\n\t"                                   \
  "fmla %[c3].4s, v19.4s, " wv ".s[" #lane "]\n\t"

/* Vectors 0-3 of the next row `nxt` into v16-v19 while vectors 4-7 of the current row (v20-v23)
 * take their FMAs. */
#define IO_ROW_HI(nxt, wv, lane)                                   \
  "ldr q16, [" nxt "]\n\t"                                         \
  "fmla %[c4].4s, v20.4s, " wv ".s[" #lane "]\n\t"                 \
  "ldr q17, [" nxt ", #16]\n\t"                                    \
  "fmla %[c5].4s, v21.4s, " wv ".s[" #lane "]\n\t"                 \
  "ldr q18, [" nxt ", #32]\n\t"                                    \
  "fmla %[c6].4s, v22.4s, " wv ".s[" #lane "]\n\t"                 \
  "ldr q19, [" nxt ", #48]\n\t"                                    \
  "fmla %[c7].4s, v23.4s, " wv ".s[" #lane "]\n\t"

/* Vectors 0-3 of row r0 into v16-v19: the start of a group's first row. */
#define IO_ROW_START(r0)                                           \
  "ldr q16, [" r0 "]\n\t"                                          \
  "ldr q17, [" r0 ", #16]\n\t"                                     \
  "ldr q18, [" r0 ", #32]\n\t"                                     \
  "ldr q19, [" r0 ", #48]\n\t"

/* The last group (rows r0..r3, weights wv, vectors 0-3 of r0 already in v16-v19): no successor
 * to preload, so no read past the group's own rows. */
#define IO_LAST_GROUP(r0, r1, r2, r3, wv)                          \
  IO_ROW_LO(r0, wv, 0)                                             \
  IO_ROW_HI(r1, wv, 0)                                             \
  IO_ROW_LO(r1, wv, 1)                                             \
  IO_ROW_HI(r2, wv, 1)                                             \
  IO_ROW_LO(r2, wv, 2)                                             \
  IO_ROW_HI(r3, wv, 2)                                             \
  IO_ROW_LO(r3, wv, 3)                                             \
  "fmla %[c4].4s, v20.4s, " wv ".s[3]\n\t"                         \
  "fmla %[c5].4s, v21.4s, " wv ".s[3]\n\t"                         \
  "fmla %[c6].4s, v22.4s, " wv ".s[3]\n\t"                         \
  "fmla %[c7].4s, v23.4s, " wv ".s[3]\n\t"

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

#endif /* SPRIG_ISA_NEON_INORDER_H */
