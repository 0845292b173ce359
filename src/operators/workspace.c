/* Workspaces: creation, references, growth at reshape and the one-run-at-a-time rule. Users:
 * the int8 path (src/operators/q8.c), staged rows of f32 tile plans (src/operators/tiling.c)
 * and the f32 convolution path's planes (src/operators/path-conv.c). */
#include <stdlib.h>

#include <sprig/common.h>
#include <sprig/log.h>
#include <sprig/operator.h>
#include <sprig/tiling.h>
#include <sprig/workspace.h>

/* Every kernel's loads stay within cache lines from an aligned start. */
#define WORKSPACE_ALIGNMENT 64

enum sprig_status sprig_create_workspace(sprig_workspace_t* workspace_out) {
  if (workspace_out == NULL) {
    sprig_log_error("sprig_create_workspace: workspace_out is NULL");
    return sprig_status_invalid_parameter;
  }
  struct sprig_workspace* workspace = calloc(1, sizeof(struct sprig_workspace));
  if (workspace == NULL) {
    sprig_log_error("sprig_create_workspace: out of memory");
    return sprig_status_out_of_memory;
  }
  atomic_init(&workspace->references, 1);
  atomic_init(&workspace->running, false);
  *workspace_out = workspace;
  return sprig_status_success;
}

void sprig_retain_workspace(struct sprig_workspace* workspace) {
  if (workspace != NULL) {
    atomic_fetch_add_explicit(&workspace->references, 1, memory_order_relaxed);
  }
}

enum sprig_status sprig_release_workspace(sprig_workspace_t workspace) {
  if (workspace != NULL && atomic_fetch_sub_explicit(&workspace->references, 1, memory_order_acq_rel) == 1) {
    free(workspace->data);
    free(workspace);
  }
  return sprig_status_success;
}

size_t sprig_workspace_bytes(sprig_workspace_t workspace) {
  return workspace != NULL ? workspace->bytes : 0;
}

enum sprig_status sprig_reserve_workspace(struct sprig_workspace* workspace, size_t bytes, const char* caller) {
  if (bytes <= workspace->bytes) {
    return sprig_status_success;
  }
  /* Held while the memory moves, so that no run starts in it meanwhile. */
  if (!sprig_enter_workspace(workspace, caller)) {
    return sprig_status_invalid_state;
  }
  const size_t rounded = sprig_round_up(bytes, WORKSPACE_ALIGNMENT);
  void* data = rounded >= bytes ? aligned_alloc(WORKSPACE_ALIGNMENT, rounded) : NULL;
  if (data != NULL) {
    free(workspace->data);
    workspace->data = data;
    workspace->bytes = rounded;
  }
  sprig_leave_workspace(workspace);
  if (data == NULL) {
    sprig_log_error("%s: out of memory for a workspace of %zu bytes", caller, bytes);
    return sprig_status_out_of_memory;
  }
  return sprig_status_success;
}

enum sprig_status sprig_plan_scratch(struct sprig_workspace* workspace, size_t bytes, bool zeroed, const char* caller,
                                     void** own) {
  *own = NULL;
  if (workspace != NULL) {
    return sprig_reserve_workspace(workspace, bytes, caller);
  }
  *own = zeroed ? sprig_allocate_aligned(bytes) : sprig_allocate_scratch(bytes);
  if (*own == NULL) {
    sprig_log_error("%s: out of memory for %zu bytes of scratch", caller, bytes);
    return sprig_status_out_of_memory;
  }
  return sprig_status_success;
}

bool sprig_enter_workspace(struct sprig_workspace* workspace, const char* caller) {
  if (workspace == NULL) {
    return true;
  }
  bool idle = false;
  if (!atomic_compare_exchange_strong_explicit(&workspace->running, &idle, true, memory_order_acquire,
                                               memory_order_relaxed)) {
    sprig_log_error("%s: another operator is running in this operator's workspace (operators sharing a "
                    "workspace must run and reshape one at a time)", caller);
    return false;
  }
  return true;
}

void sprig_leave_workspace(struct sprig_workspace* workspace) {
  if (workspace != NULL) {
    atomic_store_explicit(&workspace->running, false, memory_order_release);
  }
}

enum sprig_status sprig_set_operator_workspace(sprig_operator_t op, sprig_workspace_t workspace) {
  if (op == NULL) {
    sprig_log_error("sprig_set_operator_workspace: op is NULL");
    return sprig_status_invalid_parameter;
  }
  sprig_retain_workspace(workspace);
  sprig_release_workspace(op->workspace);
  op->workspace = workspace;
  /* The plan's scratch may be in the other memory: plan again. */
  op->state = sprig_operator_state_created;
  return sprig_status_success;
}
