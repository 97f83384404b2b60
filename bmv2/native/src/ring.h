/*
 * A packet socket bound to one Linux interface with memory-mapped rings: a TPACKET_V3 receive
 * ring (the kernel fills blocks of frames, user space walks and returns whole blocks) and a
 * TPACKET_V3 transmit ring (user space fills slots, one send() pushes every filled slot).
 * Plain C so the N-API glue, the switch ports and the traffic generator share it.
 */
#ifndef SLB_RING_H
#define SLB_RING_H

#include <stddef.h>
#include <stdint.h>

struct ring_sizes {
  uint32_t rx_block_size; /* 0: no receive ring (a send-only socket binds protocol 0 and sees nothing) */
  uint32_t rx_block_count;
  uint32_t rx_block_timeout_ms; /* a partly filled block goes to user space after this long */
  uint32_t tx_frame_size;       /* 0: no transmit ring */
  uint32_t tx_frame_count;
};

struct ring {
  int fd;
  int ifindex;
  uint8_t *map;
  size_t map_size;
  /* receive side */
  uint32_t rx_block_size, rx_block_count, rx_block; /* rx_block: next block to look at */
  /* receive position inside the current user-owned block (0 frames left: none held) */
  uint8_t *rx_frame;
  uint32_t rx_frames_left;
  int rx_held; /* the block at rx_block is ours until released */
  /* transmit side */
  uint8_t *tx_base;
  uint32_t tx_frame_size, tx_frame_count, tx_per_block, tx_next;
  uint32_t tx_pending; /* slots marked for sending since the last kick */
  uint64_t tx_ring_full; /* frames refused because every slot was still in flight */
  uint64_t rx_truncated;  /* frames bigger than a block could hold, skipped */
};

/* Opens and binds; on failure returns -errno and sets *what to the step that failed. */
int ring_open(struct ring *r, const char *ifname, const struct ring_sizes *sizes, const char **what);
void ring_close(struct ring *r);

/* What the kernel tells about a received frame besides its bytes. */
struct frame_info {
  uint32_t sec, nsec; /* receive time */
  /* The kernel takes an 802.1Q/802.1ad tag out of the frame: (tpid << 16) | tci, or 0 for none. */
  uint32_t vlan;
};

/*
 * Next received frame (not one this socket sent), or NULL when the ring holds no more. The
 * pointer stays valid until the next call of ring_next (which may hand the block back), so
 * copy what you keep. *len is the frame's length as stored (without the tag in info->vlan).
 */
const uint8_t *ring_next(struct ring *r, uint32_t *len, struct frame_info *info);

/* Copies a received frame to `out` with its VLAN tag (if the kernel took one out) back in place; returns the length. */
uint32_t ring_copy_frame(uint8_t *out, const uint8_t *frame, uint32_t len, const struct frame_info *info);
/* Hands the current block back to the kernel, if any is held. */
void ring_release(struct ring *r);

/* Copies a frame into the next transmit slot; 0 when queued, -1 when the ring is full or the frame too big. */
int ring_queue(struct ring *r, const uint8_t *frame, uint32_t len);
/* Pointer to the next free transmit slot's data area (up to ring_tx_capacity bytes), or NULL if full. */
uint8_t *ring_slot(struct ring *r);
void ring_commit(struct ring *r, uint32_t len);
uint32_t ring_tx_capacity(const struct ring *r);
/* Whether every transmit slot is free (the kernel has finished with all of them). */
int ring_tx_idle(const struct ring *r);
/* Asks the kernel to send every queued slot; returns -errno on error, else 0. */
int ring_flush(struct ring *r);

/* Kernel receive counters since the last call: frames seen and frames dropped for want of ring space. */
int ring_kernel_stats(struct ring *r, uint64_t *packets, uint64_t *drops);

#endif
