/*
 * N-API glue: switch ports on packet rings, driven by the Node event loop (a uv poll per
 * interface hands batches of received frames to one JS callback), and the benchmark's traffic
 * generator and counter, which run on their own threads.
 */
#define ADDON_NAME "slb_packet"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "batch_poll.h"
#include "napi_common.h"
#include "ring.h"
#include "traffic.h"

struct port {
  struct ring ring;
  napi_env env;
  struct batch_poll receiving;
  uint8_t *batch;
  size_t batch_size;
  uint32_t *descriptors; /* offset, length per frame */
  uint32_t max_frames;
  int closed;
  uint64_t kernel_packets, kernel_drops;
};

static int get_string(napi_env env, napi_value v, char *buf, size_t size) {
  size_t len;
  return napi_get_value_string_utf8(env, v, buf, size, &len) == napi_ok && len > 0 && len < size - 1;
}

static struct port *get_port(napi_env env, napi_value v) { return get_external(env, v, "port"); }

static void close_port(struct port *p) {
  if (p->closed) return;
  batch_poll_stop(&p->receiving);
  ring_close(&p->ring);
  p->closed = 1;
}

static void finalize_port(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  struct port *p = data;
  close_port(p);
  free(p);
}

/* open(ifname, rxBlockSize, rxBlockCount, rxTimeoutMs, txFrames) -> port */
static napi_value open_port(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char ifname[64];
  if (argc < 5 || !get_string(env, argv[0], ifname, sizeof ifname)) {
    napi_throw_type_error(env, NULL, "open(ifname, rxBlockSize, rxBlockCount, rxTimeoutMs, txFrames)");
    return NULL;
  }
  struct ring_sizes sizes = {0};
  CHECK(napi_get_value_uint32(env, argv[1], &sizes.rx_block_size));
  CHECK(napi_get_value_uint32(env, argv[2], &sizes.rx_block_count));
  CHECK(napi_get_value_uint32(env, argv[3], &sizes.rx_block_timeout_ms));
  CHECK(napi_get_value_uint32(env, argv[4], &sizes.tx_frame_count));
  sizes.tx_frame_size = sizes.tx_frame_count > 0 ? 10240 : 0;
  struct port *p = calloc(1, sizeof *p);
  p->env = env;
  const char *what = "";
  int err = ring_open(&p->ring, ifname, &sizes, &what);
  if (err < 0) {
    free(p);
    return throw_errno(env, ifname, what, -err);
  }
  napi_value external;
  if (napi_create_external(env, p, finalize_port, NULL, &external) != napi_ok) {
    ring_close(&p->ring);
    free(p);
    napi_throw_error(env, NULL, "slb_packet: napi_create_external");
    return NULL;
  }
  return external;
}

/* Copies up to max_frames received frames into the batch; returns how many. */
static uint32_t fill_batch(void *owner, int *more) {
  struct port *p = owner;
  if (p->closed) return 0;
  uint32_t n = 0;
  size_t used = 0;
  /* A frame (plus a restored VLAN tag) is never bigger than a receive block, so stopping one block short of the end keeps every copy in bounds. */
  while (n < p->max_frames && used + p->ring.rx_block_size + 4 <= p->batch_size) {
    uint32_t len;
    struct frame_info info;
    const uint8_t *f = ring_next(&p->ring, &len, &info);
    if (f == NULL) break;
    len = ring_copy_frame(p->batch + used, f, len, &info);
    p->descriptors[2 * n] = (uint32_t)used;
    p->descriptors[2 * n + 1] = len;
    n++;
    used += (len + 7u) & ~7u;
  }
  /* The ring may hold more than one batch. */
  *more = n > 0;
  return n;
}

/* receive(port, batch: ArrayBuffer, descriptors: Uint32Array, callback(count)) */
static napi_value start_receive(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "receive(port, batch, descriptors, callback)");
    return NULL;
  }
  struct port *p = get_port(env, argv[0]);
  if (p == NULL) return NULL;
  if (p->closed || batch_poll_active(&p->receiving) || p->ring.rx_block_size == 0) {
    napi_throw_error(env, NULL, "slb_packet: port closed, already receiving, or without a receive ring");
    return NULL;
  }
  void *batch;
  size_t batch_size;
  CHECK(napi_get_arraybuffer_info(env, argv[1], &batch, &batch_size));
  napi_typedarray_type type;
  size_t length, offset;
  void *desc;
  napi_value desc_buffer;
  CHECK(napi_get_typedarray_info(env, argv[2], &type, &length, &desc, &desc_buffer, &offset));
  if (type != napi_uint32_array || length < 2 || batch_size < p->ring.rx_block_size) {
    napi_throw_type_error(env, NULL, "slb_packet: descriptors must be a Uint32Array, the batch at least one receive block");
    return NULL;
  }
  p->batch = batch;
  p->batch_size = batch_size;
  p->descriptors = desc;
  p->max_frames = (uint32_t)(length / 2);
  batch_poll_start(env, &p->receiving, p->ring.fd, "slb_packet.receive", 8, fill_batch, p, argv[0], argv[1], argv[2], argv[3]);
  return NULL;
}

/* send(port, frame: Uint8Array) -> boolean: queued in the transmit ring (false: ring full or frame too big) */
static napi_value queue_frame(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct port *p = get_port(env, argv[0]);
  if (p == NULL) return NULL;
  napi_typedarray_type type;
  size_t length, offset;
  void *data;
  napi_value buffer;
  CHECK(napi_get_typedarray_info(env, argv[1], &type, &length, &data, &buffer, &offset));
  napi_value ok;
  napi_get_boolean(env, !p->closed && type == napi_uint8_array && ring_queue(&p->ring, data, (uint32_t)length) == 0, &ok);
  return ok;
}

/* flush(port): one system call sends every queued frame */
static napi_value flush_port(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct port *p = get_port(env, argv[0]);
  if (p == NULL || p->closed) return NULL;
  int err = ring_flush(&p->ring);
  napi_value result;
  napi_create_int32(env, -err, &result);
  return result;
}

/* stats(port) -> { kernelPackets, kernelDrops, txRingFull, rxTruncated } since open */
static napi_value port_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct port *p = get_port(env, argv[0]);
  if (p == NULL) return NULL;
  uint64_t packets = 0, drops = 0;
  if (!p->closed && ring_kernel_stats(&p->ring, &packets, &drops) == 0) {
    p->kernel_packets += packets;
    p->kernel_drops += drops;
  }
  napi_value obj;
  CHECK(napi_create_object(env, &obj));
  set_number(env, obj, "kernelPackets", (double)p->kernel_packets);
  set_number(env, obj, "kernelDrops", (double)p->kernel_drops);
  set_number(env, obj, "txRingFull", (double)p->ring.tx_ring_full);
  set_number(env, obj, "rxTruncated", (double)p->ring.rx_truncated);
  return obj;
}

static napi_value close_js(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct port *p = get_port(env, argv[0]);
  if (p != NULL) close_port(p);
  return NULL;
}

struct blast_work {
  struct blast_request req;
  napi_async_work work;
  napi_deferred deferred;
  napi_ref frames_ref, lengths_ref;
};

static void blast_execute(napi_env env, void *data) {
  (void)env;
  traffic_blast(&((struct blast_work *)data)->req);
}

static void blast_complete(napi_env env, napi_status status, void *data) {
  struct blast_work *w = data;
  napi_delete_reference(env, w->frames_ref);
  napi_delete_reference(env, w->lengths_ref);
  if (status != napi_ok || w->req.error != 0) {
    char message[256];
    snprintf(message, sizeof message, "%s: %s: %s", w->req.ifname, w->req.error_step ? w->req.error_step : "blast", strerror(w->req.error ? w->req.error : EINTR));
    napi_value msg, error;
    napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &error);
    napi_reject_deferred(env, w->deferred, error);
  } else {
    napi_value obj;
    napi_create_object(env, &obj);
    set_number(env, obj, "sent", (double)w->req.sent);
    set_number(env, obj, "seconds", w->req.elapsed_s);
    set_number(env, obj, "ringFull", (double)w->req.ring_full);
    napi_resolve_deferred(env, w->deferred, obj);
  }
  napi_delete_async_work(env, w->work);
  free(w);
}

/* blast(ifname, frames: Uint8Array (templates back to back), lengths: Uint32Array, ratePps, seconds) -> Promise<{sent, seconds, ringFull}> */
static napi_value blast(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct blast_work *w = calloc(1, sizeof *w);
  if (argc < 5 || !get_string(env, argv[0], w->req.ifname, sizeof w->req.ifname)) {
    free(w);
    napi_throw_type_error(env, NULL, "blast(ifname, frames, lengths, ratePps, seconds)");
    return NULL;
  }
  napi_typedarray_type type;
  size_t frames_len, count, offset;
  void *frames, *lengths;
  napi_value buffer;
  CHECK(napi_get_typedarray_info(env, argv[1], &type, &frames_len, &frames, &buffer, &offset));
  CHECK(napi_get_typedarray_info(env, argv[2], &type, &count, &lengths, &buffer, &offset));
  uint64_t total = 0;
  for (size_t i = 0; i < count; i++) {
    uint32_t len = ((uint32_t *)lengths)[i];
    if (len < 60 || len > 2000) total = UINT64_MAX - 1;
    else total += len;
  }
  if (type != napi_uint32_array || count == 0 || total != frames_len) {
    free(w);
    napi_throw_range_error(env, NULL, "slb_packet: lengths must be a Uint32Array of 60..2000 summing to the frames' size");
    return NULL;
  }
  w->req.frames = frames;
  w->req.lengths = lengths;
  w->req.template_count = (uint32_t)count;
  CHECK(napi_get_value_double(env, argv[3], &w->req.rate_pps));
  CHECK(napi_get_value_double(env, argv[4], &w->req.duration_s));
  CHECK(napi_create_reference(env, argv[1], 1, &w->frames_ref));
  CHECK(napi_create_reference(env, argv[2], 1, &w->lengths_ref));
  napi_value promise, name;
  CHECK(napi_create_promise(env, &w->deferred, &promise));
  napi_create_string_utf8(env, "slb_packet.blast", NAPI_AUTO_LENGTH, &name);
  CHECK(napi_create_async_work(env, NULL, name, blast_execute, blast_complete, w, &w->work));
  CHECK(napi_queue_async_work(env, w->work));
  return promise;
}

/* counterStart(ifname) -> counter */
static napi_value counter_start_js(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char ifname[64];
  if (argc < 1 || !get_string(env, argv[0], ifname, sizeof ifname)) {
    napi_throw_type_error(env, NULL, "counterStart(ifname)");
    return NULL;
  }
  int err = 0;
  const char *step = "";
  struct counter *c = counter_start(ifname, &err, &step);
  if (c == NULL) return throw_errno(env, ifname, step, err);
  napi_value external;
  CHECK(napi_create_external(env, c, NULL, NULL, &external));
  return external;
}

/* counterStop(counter) -> { received, kernelDrops, p50Us, p99Us, maxUs }; a counter stops once */
static napi_value counter_stop_js(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *data = NULL;
  CHECK(napi_get_value_external(env, argv[0], &data));
  if (data == NULL) return NULL;
  struct counter_result r;
  counter_stop(data, &r);
  napi_value obj;
  CHECK(napi_create_object(env, &obj));
  set_number(env, obj, "received", (double)r.received);
  set_number(env, obj, "kernelDrops", (double)r.kernel_drops);
  set_number(env, obj, "p50Us", r.p50_us);
  set_number(env, obj, "p99Us", r.p99_us);
  set_number(env, obj, "maxUs", r.max_us);
  return obj;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, open_port, NULL, NULL, NULL, napi_default, NULL},
      {"receive", NULL, start_receive, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, queue_frame, NULL, NULL, NULL, napi_default, NULL},
      {"flush", NULL, flush_port, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, port_stats, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_js, NULL, NULL, NULL, napi_default, NULL},
      {"blast", NULL, blast, NULL, NULL, NULL, napi_default, NULL},
      {"counterStart", NULL, counter_start_js, NULL, NULL, NULL, napi_default, NULL},
      {"counterStop", NULL, counter_stop_js, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
