/*
 * TNA parsers. Ingress: intrinsic metadata, port metadata, then Ethernet / IPv4 / UDP /
 * session header like the v1model parser, with two Tofino differences:
 *  - IPv4 options are not parsed (the deparser checksum unit recomputes a 20-byte header):
 *    a header with options stops the parse and ingress drops it, counted BAD_IPV4_HEADER;
 *  - checksums use the parser's checksum unit: the IPv4 header is verified here, and the
 *    UDP checksum's fields the switch may rewrite are subtracted into a residual that the
 *    deparser adds the new values to.
 * Egress does nothing, so its parser only takes the intrinsic metadata.
 */
parser SessionLbTnaIngressParser(packet_in packet,
                                 out headers_t hdr,
                                 out local_metadata_t meta,
                                 out ingress_intrinsic_metadata_t ig_intr_md) {
    Checksum() ipv4_checksum;
    Checksum() udp_checksum;
    /* Session ports beyond the compiled one, set by the controller. */
    value_set<bit<16>>(4) session_ports;

    state start {
        packet.extract(ig_intr_md);
        packet.advance(PORT_METADATA_SIZE);
        meta.kind = KIND_PLAIN;
        meta.drop_reason = DROP_NONE;
        meta.event = EVENT_NONE;
        meta.detect_op = DETECT_NONE;
        meta.primary_known = false;
        meta.needs_failover = false;
        meta.failed_over = false;
        meta.has_target = false;
        meta.marked_down = false;
        meta.ipv4_checksum_error = false;
        meta.update_udp_checksum = false;
        meta.udp_checksum_residual = 16w0;
        meta.now_tna = ig_intr_md.ingress_mac_tstamp[41:10];
        transition parse_ethernet;
    }

    state parse_ethernet {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            ETHERTYPE_IPV4: parse_ipv4;
            default: accept;
        }
    }

    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        transition select(hdr.ipv4.ihl) {
            4w5: verify_ipv4;
            default: accept;
        }
    }

    state verify_ipv4 {
        ipv4_checksum.add(hdr.ipv4);
        meta.ipv4_checksum_error = ipv4_checksum.verify();
        transition select(hdr.ipv4.frag_offset, hdr.ipv4.protocol) {
            (13w0, IP_PROTO_UDP): parse_udp;
            default: accept;
        }
    }

    state parse_udp {
        packet.extract(hdr.udp);
        udp_checksum.subtract({ hdr.ipv4.src_addr, hdr.ipv4.dst_addr,
                                hdr.udp.src_port, hdr.udp.dst_port, hdr.udp.checksum });
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
            default: deposit_udp_residual;
        }
    }

    state parse_session {
        packet.extract(hdr.session);
        udp_checksum.subtract({ hdr.session.version, hdr.session.msg_type, hdr.session.flags });
        transition deposit_udp_residual;
    }

    state deposit_udp_residual {
        udp_checksum.subtract_all_and_deposit(meta.udp_checksum_residual);
        transition accept;
    }
}

parser SessionLbTnaEgressParser(packet_in packet,
                                out headers_t hdr,
                                out local_metadata_t meta,
                                out egress_intrinsic_metadata_t eg_intr_md) {
    state start {
        packet.extract(eg_intr_md);
        transition accept;
    }
}
