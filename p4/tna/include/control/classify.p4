/* Classify for TNA: the v1model Classify with Tofino's parser error bits and checksum verdict. */
control Classify(inout headers_t hdr,
                 inout local_metadata_t meta,
                 in ingress_intrinsic_metadata_from_parser_t ig_prsr_md) {

    action set_vip() {
        meta.kind = KIND_REQUEST;
    }

    table vip {
        key = {
            hdr.ipv4.dst_addr: exact;
            hdr.udp.dst_port: exact;
        }
        actions = {
            set_vip;
            @defaultonly NoAction;
        }
        const default_action = NoAction();
        size = VIP_TABLE_SIZE;
    }

    action from_server(bit<16> server_id, bit<32> vip_addr, bit<16> vip_port) {
        meta.responder_id = server_id;
        meta.vip_addr = vip_addr;
        meta.vip_port = vip_port;
    }

    table server_source {
        key = {
            hdr.ipv4.src_addr: exact;
            hdr.udp.src_port: exact;
        }
        actions = {
            from_server;
            @defaultonly NoAction;
        }
        const default_action = NoAction();
        size = SERVER_SOURCE_SIZE;
    }

    apply {
        if (!hdr.ipv4.isValid()) {
            if (hdr.ethernet.isValid() && hdr.ethernet.ether_type == ETHERTYPE_IPV4) {
                meta.drop_reason = DROP_BAD_IPV4_HEADER;
            } else {
                meta.drop_reason = DROP_NOT_IPV4;
            }
        } else if (hdr.ipv4.version != 4w4 || hdr.ipv4.ihl != 4w5) {
            /* ihl > 5: options are not supported on Tofino (see the parser) */
            meta.drop_reason = DROP_BAD_IPV4_HEADER;
        } else if (meta.ipv4_checksum_error) {
            meta.drop_reason = DROP_BAD_IPV4_CHECKSUM;
        } else if (hdr.ipv4.ttl <= 8w1) {
            meta.drop_reason = DROP_TTL_EXPIRED;
        } else if (hdr.udp.isValid()) {
            vip.apply();
            if (meta.kind == KIND_REQUEST) {
                if (hdr.ipv4.flags[0:0] == 1w1) {
                    meta.drop_reason = DROP_FRAGMENTED;
                } else if (!hdr.session.isValid()) {
                    if ((ig_prsr_md.parser_err & PARSER_ERROR_PARTIAL_HDR) != 16w0) {
                        meta.drop_reason = DROP_SESSION_TRUNCATED;
                    } else {
                        meta.drop_reason = DROP_SESSION_MISSING;
                    }
                } else if (hdr.session.magic != SESSION_MAGIC) {
                    meta.drop_reason = DROP_SESSION_BAD_MAGIC;
                } else if (hdr.session.version != SESSION_VERSION) {
                    meta.drop_reason = DROP_SESSION_BAD_VERSION;
                } else if (hdr.session.msg_type != SESSION_TYPE_REQUEST) {
                    meta.drop_reason = DROP_SESSION_BAD_TYPE;
                }
            } else if (hdr.session.isValid()
                       && hdr.session.magic == SESSION_MAGIC
                       && hdr.session.version == SESSION_VERSION
                       && (hdr.session.msg_type == SESSION_TYPE_RESPONSE || hdr.session.msg_type == SESSION_TYPE_ERROR)) {
                if (server_source.apply().hit) {
                    meta.kind = KIND_RESPONSE;
                }
            }
        }
    }
}
