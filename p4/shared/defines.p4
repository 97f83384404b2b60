/*
 * Constants shared by the v1model and TNA session load balancer programs.
 * The numbers here are part of the control-plane contract (p4/CONTROL_PLANE.md):
 * counter indexes, drop reasons and default values are what the controller reads and writes.
 */
#ifndef SLB_DEFINES_P4
#define SLB_DEFINES_P4

#define ETHERTYPE_IPV4 16w0x0800
#define IP_PROTO_UDP 8w17

/* The UDP port the parser looks for the session header on (destination for requests,
 * source for responses). A parser cannot consult a table, so this is a compile-time constant:
 * build with -DSLB_SESSION_PORT=N to change it; the controller's vip table must use the same port. */
#ifndef SLB_SESSION_PORT
#define SLB_SESSION_PORT 7700
#endif

#define SESSION_MAGIC 16w0x534C
#define SESSION_VERSION 4w1
#define SESSION_TYPE_REQUEST 4w1
#define SESSION_TYPE_RESPONSE 4w2
#define SESSION_TYPE_ERROR 4w3
#define SESSION_FLAG_FAILOVER 8w0x01

/* Server ids are 1..65534; 0 and 65535 never name a server. */
#define SERVER_ID_NONE 16w0
#define SERVER_ID_RESERVED 16w0xFFFF

/* Registers and per-server counters are indexed directly by server id. */
#define SERVER_INDEX_COUNT 65536
#define SERVER_MAP_SIZE 4096
#define SERVER_SOURCE_SIZE 4096
#define VIP_TABLE_SIZE 64
#define SELECTOR_MEMBERS 4096
#define SELECTOR_OUTPUT_WIDTH 16
#define FAILOVER_TABLE_SIZE 4096
#define IPV4_LPM_SIZE 1024

/* Default data-plane failure timeout in microseconds (detect_config default action). */
#define DEFAULT_FAILURE_TIMEOUT_US 48w1000000

/* What ingress decided the packet is. */
typedef bit<8> packet_kind_t;
#define KIND_PLAIN 8w0
#define KIND_REQUEST 8w1
#define KIND_RESPONSE 8w2

/* Which failure-detection step the packet triggers (one register index per packet). */
typedef bit<8> detect_op_t;
#define DETECT_NONE 8w0
#define DETECT_CHECK 8w1
#define DETECT_RECORD 8w2
#define DETECT_CLEAR 8w3

/* Index of the drop_reasons counter; 0 means "not dropped". */
typedef bit<8> drop_reason_t;
#define DROP_NONE 8w0
#define DROP_NOT_IPV4 8w1
#define DROP_BAD_IPV4_HEADER 8w2
#define DROP_BAD_IPV4_CHECKSUM 8w3
#define DROP_TTL_EXPIRED 8w4
#define DROP_NO_ROUTE 8w5
#define DROP_SESSION_TRUNCATED 8w6
#define DROP_SESSION_MISSING 8w7
#define DROP_SESSION_BAD_MAGIC 8w8
#define DROP_SESSION_BAD_VERSION 8w9
#define DROP_SESSION_BAD_TYPE 8w10
#define DROP_FRAGMENTED 8w11
#define DROP_NO_LIVE_SERVER 8w12
#define DROP_FAILOVER_STALE 8w13
#define DROP_REASON_COUNT 16

/* Index of the events counter: things worth counting that are not drops. */
typedef bit<8> event_t;
#define EVENT_NONE 8w0
#define EVENT_INVALID_COOKIE 8w1
#define EVENT_FAILOVER_TO_SECONDARY 8w2
#define EVENT_COUNT 8

/* Digest receiver id for server-down notifications (v1model digest receiver / TNA digest_type). */
#define DIGEST_SERVER_DOWN 1

#endif
