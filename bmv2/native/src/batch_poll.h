/*
 * A file descriptor watched by the Node event loop whose readable data is handed to one JS
 * callback a batch at a time: `fill` copies what is waiting into the JS-owned batch buffer and
 * descriptors and says how many items it copied; the callback gets that count.
 */
#ifndef SLB_BATCH_POLL_H
#define SLB_BATCH_POLL_H

#include <node_api.h>
#include <stdint.h>
#include <uv.h>

/* Copies one batch; returns the item count (0: nothing waiting) and sets *more when another batch may be waiting. */
typedef uint32_t (*batch_fill_fn)(void *owner, int *more);

struct batch_poll {
  napi_env env;
  uv_poll_t *poll; /* its own allocation: freed by uv_close's callback, which may come after the owner */
  napi_ref self, callback, batch_ref, descriptors_ref;
  napi_async_context async;
  batch_fill_fn fill;
  void *owner;
  int rounds;
};

/* Starts watching `fd`; keeps self, batch, descriptors and callback alive until batch_poll_stop. Returns 0 or throws. */
int batch_poll_start(napi_env env, struct batch_poll *bp, int fd, const char *name, int rounds, batch_fill_fn fill, void *owner, napi_value self, napi_value batch, napi_value descriptors, napi_value callback);

static inline int batch_poll_active(const struct batch_poll *bp) { return bp->poll != NULL; }

void batch_poll_stop(struct batch_poll *bp);

#endif
