#include "ring.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/* Where a transmit slot's frame starts (the kernel's offset when PACKET_TX_HAS_OFF is not set). */
#define TX_DATA_OFFSET (TPACKET3_HDRLEN - sizeof(struct sockaddr_ll))

static int fail(struct ring *r, const char **what, const char *step) {
  int err = errno;
  *what = step;
  ring_close(r);
  return -err;
}

int ring_open(struct ring *r, const char *ifname, const struct ring_sizes *sz, const char **what) {
  memset(r, 0, sizeof *r);
  r->fd = -1;
  r->ifindex = (int)if_nametoindex(ifname);
  if (r->ifindex == 0) return fail(r, what, "no such interface");
  /* Protocol 0: nothing is queued to the socket before its ring exists and it is bound. */
  r->fd = socket(AF_PACKET, SOCK_RAW, 0);
  if (r->fd < 0) return fail(r, what, "socket(AF_PACKET)");
  int version = TPACKET_V3;
  if (setsockopt(r->fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) < 0) return fail(r, what, "PACKET_VERSION V3");
  size_t rx_bytes = 0, tx_bytes = 0;
  if (sz->rx_block_size > 0) {
    struct tpacket_req3 req;
    memset(&req, 0, sizeof req);
    req.tp_block_size = sz->rx_block_size;
    req.tp_block_nr = sz->rx_block_count;
    req.tp_frame_size = 2048;
    req.tp_frame_nr = (sz->rx_block_size / 2048) * sz->rx_block_count;
    req.tp_retire_blk_tov = sz->rx_block_timeout_ms;
    if (setsockopt(r->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) return fail(r, what, "PACKET_RX_RING");
    rx_bytes = (size_t)sz->rx_block_size * sz->rx_block_count;
    r->rx_block_size = sz->rx_block_size;
    r->rx_block_count = sz->rx_block_count;
  }
  if (sz->tx_frame_size > 0) {
    struct tpacket_req3 req;
    memset(&req, 0, sizeof req);
    uint32_t per_block = 65536 / sz->tx_frame_size;
    req.tp_block_size = 65536;
    req.tp_block_nr = (sz->tx_frame_count + per_block - 1) / per_block;
    req.tp_frame_size = sz->tx_frame_size;
    req.tp_frame_nr = req.tp_block_nr * per_block;
    if (setsockopt(r->fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof req) < 0) return fail(r, what, "PACKET_TX_RING");
    tx_bytes = (size_t)req.tp_block_size * req.tp_block_nr;
    r->tx_frame_size = sz->tx_frame_size;
    r->tx_frame_count = req.tp_frame_nr;
    r->tx_per_block = per_block;
    /* Frames go straight to the driver: no qdisc, as a switch's ports. */
    int one = 1;
    setsockopt(r->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
  }
  if (rx_bytes + tx_bytes > 0) {
    void *map = mmap(NULL, rx_bytes + tx_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, r->fd, 0);
    if (map == MAP_FAILED) map = mmap(NULL, rx_bytes + tx_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
    if (map == MAP_FAILED) return fail(r, what, "mmap of the rings");
    r->map = (uint8_t *)map;
    r->map_size = rx_bytes + tx_bytes;
    r->tx_base = r->map + rx_bytes;
  }
  if (sz->rx_block_size > 0) {
    /* Our own transmissions are not input. */
    int one = 1;
    setsockopt(r->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
  }
  struct sockaddr_ll addr;
  memset(&addr, 0, sizeof addr);
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = sz->rx_block_size > 0 ? htons(ETH_P_ALL) : 0;
  addr.sll_ifindex = r->ifindex;
  if (bind(r->fd, (struct sockaddr *)&addr, sizeof addr) < 0) return fail(r, what, "bind to the interface");
  return 0;
}

void ring_close(struct ring *r) {
  if (r->map) munmap(r->map, r->map_size);
  if (r->fd >= 0) close(r->fd);
  r->map = NULL;
  r->fd = -1;
}

static struct tpacket_block_desc *rx_block(struct ring *r, uint32_t i) {
  return (struct tpacket_block_desc *)(r->map + (size_t)i * r->rx_block_size);
}

void ring_release(struct ring *r) {
  if (!r->rx_held) return;
  struct tpacket_block_desc *bd = rx_block(r, r->rx_block);
  __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
  r->rx_held = 0;
  r->rx_frames_left = 0;
  r->rx_block = (r->rx_block + 1) % r->rx_block_count;
}

const uint8_t *ring_next(struct ring *r, uint32_t *len, struct frame_info *info) {
  if (r->rx_block_size == 0) return NULL;
  for (;;) {
    while (r->rx_frames_left > 0) {
      struct tpacket3_hdr *h = (struct tpacket3_hdr *)r->rx_frame;
      r->rx_frames_left--;
      r->rx_frame += h->tp_next_offset;
      const struct sockaddr_ll *ll = (const struct sockaddr_ll *)((uint8_t *)h + TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));
      if (ll->sll_pkttype == PACKET_OUTGOING) continue;
      if (h->tp_snaplen < h->tp_len) {
        r->rx_truncated++;
        continue;
      }
      *len = h->tp_snaplen;
      info->sec = h->tp_sec;
      info->nsec = h->tp_nsec;
      info->vlan = 0;
      if (h->tp_status & TP_STATUS_VLAN_VALID) {
        uint32_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ? h->hv1.tp_vlan_tpid : 0x8100;
        info->vlan = (tpid << 16) | (h->hv1.tp_vlan_tci & 0xffff);
      }
      return (const uint8_t *)h + h->tp_mac;
    }
    ring_release(r);
    struct tpacket_block_desc *bd = rx_block(r, r->rx_block);
    if ((__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) == 0) return NULL;
    r->rx_held = 1;
    r->rx_frames_left = bd->hdr.bh1.num_pkts;
    r->rx_frame = (uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt;
  }
}

/* Slots never straddle blocks: a block holds tx_per_block of them and maybe some unused tail. */
uint32_t ring_copy_frame(uint8_t *out, const uint8_t *frame, uint32_t len, const struct frame_info *info) {
  if (info->vlan == 0 || len < 12) {
    memcpy(out, frame, len);
    return len;
  }
  memcpy(out, frame, 12);
  out[12] = (uint8_t)(info->vlan >> 24);
  out[13] = (uint8_t)(info->vlan >> 16);
  out[14] = (uint8_t)(info->vlan >> 8);
  out[15] = (uint8_t)info->vlan;
  memcpy(out + 16, frame + 12, len - 12);
  return len + 4;
}

static struct tpacket3_hdr *tx_header(const struct ring *r, uint32_t i) {
  return (struct tpacket3_hdr *)(r->tx_base + (size_t)(i / r->tx_per_block) * 65536 + (size_t)(i % r->tx_per_block) * r->tx_frame_size);
}

uint32_t ring_tx_capacity(const struct ring *r) {
  return r->tx_frame_size > TX_DATA_OFFSET ? r->tx_frame_size - (uint32_t)TX_DATA_OFFSET : 0;
}

uint8_t *ring_slot(struct ring *r) {
  if (r->tx_frame_count == 0) return NULL;
  struct tpacket3_hdr *h = tx_header(r, r->tx_next);
  uint32_t status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
  /* A slot the kernel refused (wrong format) is free again; one being sent is not. */
  if (status != TP_STATUS_AVAILABLE && status != TP_STATUS_WRONG_FORMAT) return NULL;
  return (uint8_t *)h + TX_DATA_OFFSET;
}

void ring_commit(struct ring *r, uint32_t len) {
  struct tpacket3_hdr *h = tx_header(r, r->tx_next);
  h->tp_len = len;
  h->tp_snaplen = len;
  h->tp_next_offset = 0;
  __atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
  r->tx_next = (r->tx_next + 1) % r->tx_frame_count;
  r->tx_pending++;
}

int ring_queue(struct ring *r, const uint8_t *frame, uint32_t len) {
  if (len > ring_tx_capacity(r)) return -1;
  uint8_t *slot = ring_slot(r);
  if (!slot && r->tx_pending > 0) {
    /* Every slot is waiting to be sent: push them out, then look again. */
    ring_flush(r);
    slot = ring_slot(r);
  }
  if (!slot) {
    r->tx_ring_full++;
    return -1;
  }
  memcpy(slot, frame, len);
  ring_commit(r, len);
  return 0;
}

int ring_tx_idle(const struct ring *r) {
  for (uint32_t i = 0; i < r->tx_frame_count; i++) {
    const struct tpacket3_hdr *h = tx_header(r, i);
    uint32_t status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
    if (status != TP_STATUS_AVAILABLE && status != TP_STATUS_WRONG_FORMAT) return 0;
  }
  return 1;
}

int ring_flush(struct ring *r) {
  if (r->tx_pending == 0) return 0;
  r->tx_pending = 0;
  if (send(r->fd, NULL, 0, MSG_DONTWAIT) < 0 && errno != EAGAIN && errno != ENOBUFS) return -errno;
  return 0;
}

int ring_kernel_stats(struct ring *r, uint64_t *packets, uint64_t *drops) {
  struct tpacket_stats_v3 st;
  socklen_t len = sizeof st;
  if (getsockopt(r->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0) return -errno;
  *packets = st.tp_packets;
  *drops = st.tp_drops;
  return 0;
}
