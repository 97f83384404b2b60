/*
 * Headers and metadata shared by the v1model and TNA programs.
 * Field layouts follow the wire: Ethernet II, IPv4 (RFC 791), UDP (RFC 768) and the
 * 24-byte session header of SPEC.md (runtime/src/wire/session_header.ts is its codec).
 */
#ifndef SLB_HEADERS_P4
#define SLB_HEADERS_P4

#include "defines.p4"

header ethernet_t {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

header ipv4_t {
    bit<4>  version;
    bit<4>  ihl;
    bit<8>  diffserv;
    bit<16> total_len;
    bit<16> identification;
    bit<3>  flags;
    bit<13> frag_offset;
    bit<8>  ttl;
    bit<8>  protocol;
    bit<16> hdr_checksum;
    bit<32> src_addr;
    bit<32> dst_addr;
}

/* IPv4 options, up to the 40 bytes an ihl of 15 allows; carried through untouched. */
header ipv4_options_t {
    varbit<320> options;
}

header udp_t {
    bit<16> src_port;
    bit<16> dst_port;
    bit<16> length;
    bit<16> checksum;
}

header session_t {
    bit<16> magic;
    bit<4>  version;
    bit<4>  msg_type;
    bit<8>  flags;
    /* primary number (id << 16) + secondary number (id): sliced as [31:16] and [15:0] */
    bit<32> cookie;
    bit<64> session_id;
    bit<32> session_version;
    bit<32> request_id;
}

struct headers_t {
    ethernet_t     ethernet;
    ipv4_t         ipv4;
    ipv4_options_t ipv4_options;
    udp_t          udp;
    session_t      session;
}

/* What the switch tells the controller when it marks a server down by itself. */
struct server_down_digest_t {
    bit<16> server_id;
    /* switch time (microseconds) of the request that found the server unresponsive */
    bit<48> detected_at;
    /* switch time of the oldest request the server left unanswered */
    bit<48> oldest_request_at;
}

struct local_metadata_t {
    packet_kind_t kind;
    drop_reason_t drop_reason;
    event_t       event;

    /* request path: the cookie sliced, the primary's table data, the chosen target */
    bit<16> primary_id;
    bit<16> secondary_id;
    bool    primary_known;
    bit<16> primary_generation;
    bit<32> primary_addr;
    bit<16> primary_port;
    bool    needs_failover;
    bool    failed_over;
    bool    has_target;
    bit<16> target_id;
    bit<32> target_addr;
    bit<16> target_port;

    /* response path: which server answered and the VIP to answer from */
    bit<16> responder_id;
    bit<32> vip_addr;
    bit<16> vip_port;

    /* failure detection: one register index per packet */
    detect_op_t detect_op;
    bit<16>     detect_index;
    bit<48>     failure_timeout;
    bool        marked_down;
    server_down_digest_t down_digest;

    /* v1model: RFC 1624 incremental checksum updates, sum of (~old word + new word) per rewrite */
    bit<32> ipv4_csum_delta;
    bit<32> udp_csum_delta;

    /* TNA: the parser's checksum units do the checksum work */
    bool    ipv4_checksum_error;
    bit<16> udp_checksum_residual;
    bool    update_udp_checksum;
    /* TNA: switch time in 1.024 us units (ingress_mac_tstamp[41:10]), the register width */
    bit<32> now_tna;
}

#endif
