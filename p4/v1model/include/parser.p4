/*
 * v1model parser: Ethernet / IPv4 (+ options) / UDP / session header.
 * The session header is only looked for on a session port (as destination for requests,
 * as source for responses) of an unfragmented UDP datagram: the compiled SLB_SESSION_PORT or
 * any port the controller puts in the session_ports value set. A datagram too short for it ends
 * the parse with error.PacketTooShort; v1model then still runs ingress (with parser_error set
 * and the session header invalid), which counts and drops it if it was meant for a VIP.
 */
parser SessionLbParser(packet_in packet,
                       out headers_t hdr,
                       inout local_metadata_t meta,
                       inout standard_metadata_t standard_metadata) {
    /* Session ports beyond the compiled one, set by the controller (a parser cannot read tables). */
    value_set<bit<16>>(4) session_ports;
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            ETHERTYPE_IPV4: parse_ipv4;
            default: accept;
        }
    }

    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        transition select(hdr.ipv4.ihl) {
            4w5: parse_l4;
            /* ihl below 5 is a broken header: ingress drops it, so stop here */
            4w0: accept;
            4w1: accept;
            4w2: accept;
            4w3: accept;
            4w4: accept;
            default: parse_ipv4_options;
        }
    }

    state parse_ipv4_options {
        packet.extract(hdr.ipv4_options, (bit<32>)(((bit<16>)hdr.ipv4.ihl - 16w5) << 5));
        transition parse_l4;
    }

    state parse_l4 {
        /* only a first (or only) fragment carries the UDP header */
        transition select(hdr.ipv4.frag_offset, hdr.ipv4.protocol) {
            (13w0, IP_PROTO_UDP): parse_udp;
            default: accept;
        }
    }

    state parse_udp {
        packet.extract(hdr.udp);
        transition select(hdr.udp.dst_port) {
            SLB_SESSION_PORT: parse_session;
            session_ports: parse_session;
            default: check_response_port;
        }
    }

    state check_response_port {
        transition select(hdr.udp.src_port) {
            SLB_SESSION_PORT: parse_session;
            session_ports: parse_session;
            default: accept;
        }
    }

    state parse_session {
        packet.extract(hdr.session);
        transition accept;
    }
}
