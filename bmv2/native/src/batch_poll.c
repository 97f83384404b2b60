#include "batch_poll.h"

#include <stdlib.h>

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  struct batch_poll *bp = handle->data;
  if (status < 0 || bp->poll == NULL) return;
  napi_env env = bp->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, global;
  napi_get_reference_value(env, bp->callback, &callback);
  napi_get_global(env, &global);
  /* A bounded number of batches per wakeup, so timers and other sockets get their turn; the poll is level-triggered. */
  for (int round = 0; round < bp->rounds && bp->poll != NULL; round++) {
    int more = 0;
    uint32_t n = bp->fill(bp->owner, &more);
    if (n == 0) break;
    napi_value count, result;
    napi_create_uint32(env, n, &count);
    if (napi_make_callback(env, bp->async, global, callback, 1, &count, &result) != napi_ok) {
      napi_value error;
      if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
      break;
    }
    if (!more) break;
  }
  napi_close_handle_scope(env, scope);
}

int batch_poll_start(napi_env env, struct batch_poll *bp, int fd, const char *name, int rounds, batch_fill_fn fill, void *owner, napi_value self, napi_value batch, napi_value descriptors, napi_value callback) {
  uv_loop_t *loop;
  napi_value resource_name;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name) != napi_ok) goto fail;
  bp->poll = calloc(1, sizeof *bp->poll);
  if (bp->poll == NULL) goto fail;
  bp->env = env;
  bp->fill = fill;
  bp->owner = owner;
  bp->rounds = rounds;
  napi_create_reference(env, self, 1, &bp->self);
  napi_create_reference(env, callback, 1, &bp->callback);
  napi_create_reference(env, batch, 1, &bp->batch_ref);
  napi_create_reference(env, descriptors, 1, &bp->descriptors_ref);
  napi_async_init(env, NULL, resource_name, &bp->async);
  uv_poll_init(loop, bp->poll, fd);
  bp->poll->data = bp;
  uv_poll_start(bp->poll, UV_READABLE, on_readable);
  return 0;
fail:
  napi_throw_error(env, NULL, "cannot watch the socket");
  return -1;
}

void batch_poll_stop(struct batch_poll *bp) {
  if (bp->poll == NULL) return;
  uv_poll_stop(bp->poll);
  uv_close((uv_handle_t *)bp->poll, (uv_close_cb)free);
  bp->poll = NULL;
  napi_env env = bp->env;
  napi_delete_reference(env, bp->callback);
  napi_delete_reference(env, bp->batch_ref);
  napi_delete_reference(env, bp->descriptors_ref);
  napi_delete_reference(env, bp->self);
  napi_async_destroy(env, bp->async);
}
