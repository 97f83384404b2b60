#define _GNU_SOURCE
#include "traffic.h"
#include "ring.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

static uint64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void stamp(uint8_t *frame, uint32_t len) {
  uint64_t marker = TRAFFIC_MARKER, sent = now_ns(CLOCK_REALTIME);
  memcpy(frame + len - 16, &marker, 8);
  memcpy(frame + len - 8, &sent, 8);
}

void traffic_blast(struct blast_request *req) {
  struct ring r;
  struct ring_sizes sizes = {0, 0, 0, 2048, 1024};
  int err = ring_open(&r, req->ifname, &sizes, &req->error_step);
  if (err < 0) {
    req->error = -err;
    return;
  }
  for (uint32_t i = 0; i < req->template_count; i++) {
    if (req->lengths[i] > ring_tx_capacity(&r)) {
      req->error = EMSGSIZE;
      req->error_step = "a template is longer than a transmit slot";
      ring_close(&r);
      return;
    }
  }
  /* Sleeps of tens of microseconds pace the sender; the default 50 us slack would make them bursts. */
  prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
  const uint64_t start = now_ns(CLOCK_MONOTONIC);
  const uint64_t duration = (uint64_t)(req->duration_s * 1e9);
  const double per_ns = req->rate_pps / 1e9;
  uint64_t sent = 0;
  uint32_t next_template = 0;
  uint32_t *offsets = calloc(req->template_count, sizeof *offsets);
  for (uint32_t i = 1; i < req->template_count; i++) offsets[i] = offsets[i - 1] + req->lengths[i - 1];
  for (;;) {
    uint64_t t = now_ns(CLOCK_MONOTONIC) - start;
    if (t >= duration) break;
    uint64_t target = (uint64_t)((double)t * per_ns) + 1;
    if (target <= sent) {
      uint64_t wait = (uint64_t)((double)(sent + 1) / per_ns) - t;
      if (wait > 200000) wait = 200000;
      struct timespec ts = {0, (long)wait};
      nanosleep(&ts, NULL);
      continue;
    }
    uint64_t burst = target - sent;
    if (burst > 256) burst = 256;
    for (uint64_t k = 0; k < burst; k++) {
      uint8_t *slot = ring_slot(&r);
      if (!slot) {
        ring_flush(&r);
        slot = ring_slot(&r);
      }
      if (!slot) {
        req->ring_full++;
        break;
      }
      uint32_t len = req->lengths[next_template];
      memcpy(slot, req->frames + offsets[next_template], len);
      stamp(slot, len);
      ring_commit(&r, len);
      next_template = (next_template + 1) % req->template_count;
      sent++;
    }
    ring_flush(&r);
  }
  ring_flush(&r);
  req->elapsed_s = (double)(now_ns(CLOCK_MONOTONIC) - start) / 1e9;
  req->sent = sent;
  free(offsets);
  /* The ring must outlive the frames the kernel is still sending from it. */
  for (int i = 0; i < 1000 && !ring_tx_idle(&r); i++) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  ring_close(&r);
}

struct counter {
  struct ring ring;
  pthread_t thread;
  volatile int stop;
  uint64_t received;
  uint32_t *latencies_us; /* one per received frame, up to capacity */
  uint64_t latency_count, latency_capacity;
};

static void count_ready(struct counter *c) {
  uint32_t len;
  struct frame_info info;
  const uint8_t *f;
  while ((f = ring_next(&c->ring, &len, &info)) != NULL) {
    if (len < 16) continue;
    uint64_t marker, sent;
    memcpy(&marker, f + len - 16, 8);
    if (marker != TRAFFIC_MARKER) continue;
    memcpy(&sent, f + len - 8, 8);
    c->received++;
    uint64_t got = (uint64_t)info.sec * 1000000000ULL + info.nsec;
    uint64_t us = got > sent ? (got - sent) / 1000 : 0;
    if (c->latency_count < c->latency_capacity) c->latencies_us[c->latency_count++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
  }
}

static void *count_loop(void *arg) {
  struct counter *c = arg;
  struct pollfd p = {c->ring.fd, POLLIN, 0};
  while (!c->stop) {
    poll(&p, 1, 20);
    count_ready(c);
  }
  count_ready(c);
  return NULL;
}

struct counter *counter_start(const char *ifname, int *error, const char **step) {
  struct counter *c = calloc(1, sizeof *c);
  struct ring_sizes sizes = {1 << 20, 16, 2, 0, 0};
  int err = ring_open(&c->ring, ifname, &sizes, step);
  if (err < 0) {
    *error = -err;
    free(c);
    return NULL;
  }
  c->latency_capacity = 1 << 22;
  c->latencies_us = malloc(c->latency_capacity * sizeof *c->latencies_us);
  uint64_t packets, drops;
  ring_kernel_stats(&c->ring, &packets, &drops);
  if (pthread_create(&c->thread, NULL, count_loop, c) != 0) {
    *error = errno;
    *step = "pthread_create";
    ring_close(&c->ring);
    free(c->latencies_us);
    free(c);
    return NULL;
  }
  return c;
}

static int by_value(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static double at_percentile(const uint32_t *sorted, uint64_t n, double p) {
  if (n == 0) return 0;
  uint64_t i = (uint64_t)(p / 100.0 * (double)(n - 1) + 0.5);
  return sorted[i];
}

void counter_stop(struct counter *c, struct counter_result *out) {
  c->stop = 1;
  pthread_join(c->thread, NULL);
  uint64_t packets = 0, drops = 0;
  ring_kernel_stats(&c->ring, &packets, &drops);
  ring_close(&c->ring);
  qsort(c->latencies_us, c->latency_count, sizeof *c->latencies_us, by_value);
  out->received = c->received;
  out->kernel_drops = drops;
  out->p50_us = at_percentile(c->latencies_us, c->latency_count, 50);
  out->p99_us = at_percentile(c->latencies_us, c->latency_count, 99);
  out->max_us = at_percentile(c->latencies_us, c->latency_count, 100);
  free(c->latencies_us);
  free(c);
}
