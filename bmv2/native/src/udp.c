/*
 * slb_udp: IPv4 UDP sockets for the Node event loop that move a batch of datagrams per system
 * call each way (recvmmsg, sendmmsg). node:dgram makes one system call and one JS callback per
 * datagram, which at tens of thousands of requests a second costs a session server more than
 * serving them. A uv poll per socket copies up to one batch of received datagrams into a
 * JS-owned buffer and calls one JS function per batch; sends queued in JS during one turn of
 * the event loop go out with one call.
 */
#define _GNU_SOURCE
#define ADDON_NAME "slb_udp"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "batch_poll.h"
#include "napi_common.h"

/* The largest IPv4 UDP payload: every receive slot holds any datagram whole. */
#define SLOT_BYTES 65536u
/* Descriptor words per datagram: offset, length, IPv4 address, port. */
#define DESC_WORDS 4u
/* sendmmsg takes at most this many messages per call (UIO_MAXIOV). */
#define SEND_CHUNK 1024u

struct udp {
  int fd;
  struct batch_poll receiving;
  uint8_t *batch;
  uint32_t *desc;
  uint32_t max_msgs;
  struct mmsghdr *rx_msgs;
  struct iovec *rx_iov;
  struct sockaddr_in *rx_addrs;
  struct mmsghdr *tx_msgs; /* SEND_CHUNK each, allocated at the first send */
  struct iovec *tx_iov;
  struct sockaddr_in *tx_addrs;
  int closed;
  double rx_datagrams, rx_batches, tx_datagrams, tx_dropped;
};

static struct udp *get_udp(napi_env env, napi_value v) { return get_external(env, v, "socket"); }

static void close_udp(struct udp *u) {
  if (u->closed) return;
  batch_poll_stop(&u->receiving);
  close(u->fd);
  u->closed = 1;
}

static void finalize_udp(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  struct udp *u = data;
  close_udp(u);
  free(u->rx_msgs);
  free(u->rx_iov);
  free(u->rx_addrs);
  free(u->tx_msgs);
  free(u->tx_iov);
  free(u->tx_addrs);
  free(u);
}

/* open(ip: string, port: number) -> socket, bound; its port is read with port() */
static napi_value open_udp(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char ip[64];
  size_t ip_len = 0;
  uint32_t port = 0;
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], ip, sizeof ip, &ip_len) != napi_ok || napi_get_value_uint32(env, argv[1], &port) != napi_ok || port > 65535) {
    napi_throw_type_error(env, NULL, "open(ip, port)");
    return NULL;
  }
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, ip, &addr.sin_addr) != 1) {
    napi_throw_type_error(env, "EINVAL", "slb_udp: not a dotted-quad IPv4 address");
    return NULL;
  }
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, NULL, "socket", errno);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    int err = errno;
    close(fd);
    char what[96];
    snprintf(what, sizeof what, "bind %s:%u", ip, port);
    return throw_errno(env, NULL, what, err);
  }
  struct udp *u = calloc(1, sizeof *u);
  if (u == NULL) {
    close(fd);
    return throw_errno(env, NULL, "open", ENOMEM);
  }
  u->fd = fd;
  napi_value handle;
  if (napi_create_external(env, u, finalize_udp, NULL, &handle) != napi_ok) {
    close(fd);
    free(u);
    napi_throw_error(env, NULL, "slb_udp: napi_create_external");
    return NULL;
  }
  return handle;
}

/* port(socket) -> the bound port */
static napi_value local_port(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct udp *u = get_udp(env, argv[0]);
  if (u == NULL) return NULL;
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;
  if (u->closed || getsockname(u->fd, (struct sockaddr *)&addr, &len) != 0) return throw_errno(env, NULL, "getsockname", u->closed ? EBADF : errno);
  napi_value result;
  napi_create_uint32(env, ntohs(addr.sin_port), &result);
  return result;
}

/* Reads one batch into the JS buffer; the number of datagrams (0: nothing waiting or an error). */
static uint32_t fill_batch(void *owner, int *more) {
  struct udp *u = owner;
  if (u->closed) return 0;
  for (uint32_t i = 0; i < u->max_msgs; i++) {
    u->rx_iov[i].iov_base = u->batch + (size_t)i * SLOT_BYTES;
    u->rx_iov[i].iov_len = SLOT_BYTES;
    u->rx_msgs[i].msg_hdr = (struct msghdr){.msg_name = &u->rx_addrs[i], .msg_namelen = sizeof u->rx_addrs[i], .msg_iov = &u->rx_iov[i], .msg_iovlen = 1};
  }
  int n = recvmmsg(u->fd, u->rx_msgs, u->max_msgs, MSG_DONTWAIT, NULL);
  if (n <= 0) return 0;
  for (int i = 0; i < n; i++) {
    uint32_t *d = u->desc + (size_t)i * DESC_WORDS;
    d[0] = (uint32_t)i * SLOT_BYTES;
    d[1] = u->rx_msgs[i].msg_len;
    d[2] = ntohl(u->rx_addrs[i].sin_addr.s_addr);
    d[3] = ntohs(u->rx_addrs[i].sin_port);
  }
  u->rx_datagrams += n;
  u->rx_batches++;
  /* A short batch emptied the socket. */
  *more = (uint32_t)n == u->max_msgs;
  return (uint32_t)n;
}

/* receive(socket, batch: ArrayBuffer, descriptors: Uint32Array, callback(count)): batch holds descriptors.length / 4 slots of 64 KiB */
static napi_value start_receive(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "receive(socket, batch, descriptors, callback)");
    return NULL;
  }
  struct udp *u = get_udp(env, argv[0]);
  if (u == NULL) return NULL;
  if (u->closed || batch_poll_active(&u->receiving)) {
    napi_throw_error(env, NULL, "slb_udp: socket closed or already receiving");
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
  uint32_t max_msgs = (uint32_t)(length / DESC_WORDS);
  if (type != napi_uint32_array || max_msgs == 0 || batch_size < (size_t)max_msgs * SLOT_BYTES) {
    napi_throw_type_error(env, NULL, "slb_udp: descriptors must be a Uint32Array of 4 words per slot, the batch 64 KiB per slot");
    return NULL;
  }
  u->rx_msgs = calloc(max_msgs, sizeof *u->rx_msgs);
  u->rx_iov = calloc(max_msgs, sizeof *u->rx_iov);
  u->rx_addrs = calloc(max_msgs, sizeof *u->rx_addrs);
  if (u->rx_msgs == NULL || u->rx_iov == NULL || u->rx_addrs == NULL) return throw_errno(env, NULL, "receive", ENOMEM);
  u->batch = batch;
  u->desc = desc;
  u->max_msgs = max_msgs;
  batch_poll_start(env, &u->receiving, u->fd, "slb_udp.receive", 4, fill_batch, u, argv[0], argv[1], argv[2], argv[3]);
  return NULL;
}

/*
 * send(socket, data: Uint8Array, descriptors: Uint32Array, count) -> datagrams sent.
 * UDP semantics: a datagram the kernel will not take (buffer full, no route, filtered) is
 * dropped and counted, never retried or thrown.
 */
static napi_value send_batch(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct udp *u = argc == 4 ? get_udp(env, argv[0]) : NULL;
  if (u == NULL) {
    if (argc != 4) napi_throw_type_error(env, NULL, "send(socket, data, descriptors, count)");
    return NULL;
  }
  napi_typedarray_type data_type, desc_type;
  size_t data_len, desc_len, offset;
  void *data, *descv;
  napi_value ab;
  uint32_t count;
  CHECK(napi_get_typedarray_info(env, argv[1], &data_type, &data_len, &data, &ab, &offset));
  CHECK(napi_get_typedarray_info(env, argv[2], &desc_type, &desc_len, &descv, &ab, &offset));
  CHECK(napi_get_value_uint32(env, argv[3], &count));
  if (data_type != napi_uint8_array || desc_type != napi_uint32_array || (size_t)count * DESC_WORDS > desc_len) {
    napi_throw_type_error(env, NULL, "slb_udp: send(socket, Uint8Array, Uint32Array of 4 words per datagram, count)");
    return NULL;
  }
  if (u->tx_msgs == NULL) {
    u->tx_msgs = calloc(SEND_CHUNK, sizeof *u->tx_msgs);
    u->tx_iov = calloc(SEND_CHUNK, sizeof *u->tx_iov);
    u->tx_addrs = calloc(SEND_CHUNK, sizeof *u->tx_addrs);
    if (u->tx_msgs == NULL || u->tx_iov == NULL || u->tx_addrs == NULL) return throw_errno(env, NULL, "send", ENOMEM);
  }
  struct mmsghdr *msgs = u->tx_msgs;
  struct iovec *iov = u->tx_iov;
  struct sockaddr_in *addrs = u->tx_addrs;
  const uint32_t *desc = descv;
  uint32_t sent = 0;
  uint32_t next = 0;
  while (!u->closed && next < count) {
    uint32_t n = 0;
    for (; n < SEND_CHUNK && next + n < count; n++) {
      const uint32_t *d = desc + (size_t)(next + n) * DESC_WORDS;
      if ((size_t)d[0] + d[1] > data_len) break;
      addrs[n] = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)d[3]), .sin_addr = {.s_addr = htonl(d[2])}};
      iov[n] = (struct iovec){.iov_base = (uint8_t *)data + d[0], .iov_len = d[1]};
      msgs[n].msg_hdr = (struct msghdr){.msg_name = &addrs[n], .msg_namelen = sizeof addrs[n], .msg_iov = &iov[n], .msg_iovlen = 1};
    }
    if (n == 0) {
      /* A descriptor pointing outside the data: drop it. */
      u->tx_dropped++;
      next++;
      continue;
    }
    int r = sendmmsg(u->fd, msgs, n, MSG_DONTWAIT);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
        /* The socket buffer is full: the rest would fail the same way now. */
        u->tx_dropped += count - next;
        break;
      }
      /* The first datagram of the chunk was refused (filtered, unreachable): drop it and go on with the rest. */
      u->tx_dropped++;
      next++;
      continue;
    }
    sent += (uint32_t)r;
    next += (uint32_t)r;
  }
  u->tx_datagrams += sent;
  napi_value result;
  napi_create_uint32(env, sent, &result);
  return result;
}

/* stats(socket) -> { rxDatagrams, rxBatches, txDatagrams, txDropped } since open */
static napi_value udp_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct udp *u = get_udp(env, argv[0]);
  if (u == NULL) return NULL;
  napi_value obj;
  CHECK(napi_create_object(env, &obj));
  set_number(env, obj, "rxDatagrams", u->rx_datagrams);
  set_number(env, obj, "rxBatches", u->rx_batches);
  set_number(env, obj, "txDatagrams", u->tx_datagrams);
  set_number(env, obj, "txDropped", u->tx_dropped);
  return obj;
}

static napi_value close_js(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct udp *u = get_udp(env, argv[0]);
  if (u != NULL) close_udp(u);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, open_udp, NULL, NULL, NULL, napi_default, NULL},
      {"port", NULL, local_port, NULL, NULL, NULL, napi_default, NULL},
      {"receive", NULL, start_receive, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, send_batch, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, udp_stats, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_js, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
