/*
 * The benchmark's traffic generator and counter, native so that neither is the bottleneck:
 * a paced sender that fills a transmit ring from templates, and a receiver thread that counts
 * stamped frames and measures their one-way latency from the kernel's receive time.
 */
#ifndef SLB_TRAFFIC_H
#define SLB_TRAFFIC_H

#include <stdint.h>

/* The last 16 bytes of a generated frame: this marker, then the send time (CLOCK_REALTIME ns). */
#define TRAFFIC_MARKER 0x736c622d62656e63ULL

struct blast_request {
  char ifname[32];
  uint8_t *frames; /* templates, back to back */
  uint32_t *lengths;
  uint32_t template_count;
  double rate_pps;
  double duration_s;
  /* results */
  uint64_t sent;
  uint64_t ring_full; /* send attempts that found no free slot (the interface could not keep up) */
  double elapsed_s;
  int error;
  const char *error_step;
};

/* Sends at rate_pps for duration_s; fills the results. Blocks the calling thread. */
void traffic_blast(struct blast_request *req);

struct counter;
/* Starts a thread counting stamped frames received on ifname; NULL with *error and *step set on failure. */
struct counter *counter_start(const char *ifname, int *error, const char **step);

struct counter_result {
  uint64_t received;
  uint64_t kernel_drops;
  double p50_us, p99_us, max_us;
};
/* Stops the thread (after draining what arrived) and frees the counter. */
void counter_stop(struct counter *c, struct counter_result *out);

#endif
