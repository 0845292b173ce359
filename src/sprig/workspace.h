/* Workspaces (include/sprig.h): scratch memory that operators share between their runs. An
 * operator that plans its scratch in a workspace keeps only sizes and offsets in its plan and
 * takes the workspace's data pointer at the start of every run, so that a later reshape of
 * another operator may move the memory. Operators sharing a workspace run one at a time: a run
 * holds the workspace's `running` flag, and a reshape may not move the memory while it is held.
 * Contents mean nothing between runs: a run writes every byte of its scratch whose value can
 * reach an output (kernels may read padding that feeds only lanes they do not store). */
#ifndef SPRIG_WORKSPACE_H
#define SPRIG_WORKSPACE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <sprig.h>

struct sprig_workspace {
  atomic_size_t references; /* the creator's and one per operator set to use it */
  atomic_bool running;      /* an operator using it is running */
  void* data;               /* bytes, cache-line aligned (NULL while bytes == 0) */
  size_t bytes;
};

/* One more holder; released with sprig_release_workspace. NULL is ignored. */
void sprig_retain_workspace(struct sprig_workspace* workspace);

/* Grows the workspace to at least `bytes` (contents not kept); refuses while a run holds it
 * (sprig_status_invalid_state) and when out of memory, the workspace unchanged. */
enum sprig_status sprig_reserve_workspace(struct sprig_workspace* workspace, size_t bytes, const char* caller);

/* A plan's scratch of `bytes`: in `workspace` when not NULL (grown as needed; *own = NULL),
 * else a buffer of the plan's own in *own (64-byte aligned, zero-filled when `zeroed`). On error
 * nothing is allocated, *own is NULL and the reason is logged. */
enum sprig_status sprig_plan_scratch(struct sprig_workspace* workspace, size_t bytes, bool zeroed, const char* caller,
                                     void** own);

/* Takes the workspace for a run: false (reason logged) when another run holds it. NULL: true. */
bool sprig_enter_workspace(struct sprig_workspace* workspace, const char* caller);
void sprig_leave_workspace(struct sprig_workspace* workspace);

#endif /* SPRIG_WORKSPACE_H */
