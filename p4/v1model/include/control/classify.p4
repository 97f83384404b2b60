/*
 * Decides what a packet is: a request to a VIP, a response from a server, or plain IPv4,
 * and rejects (with a drop reason) what cannot be forwarded at all. Runs before anything
 * touches a register, so a packet dropped here leaves no trace in the failure detector.
 */
control Classify(inout headers_t hdr,
                 inout local_metadata_t meta,
                 in standard_metadata_t standard_metadata) {

    action set_vip() {
        meta.kind = KIND_REQUEST;
    }

    /* A VIP is an (address, UDP port) the clients send session requests to. */
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

    /* A server is known by the (address, UDP port) it answers from; its answers leave from the VIP. */
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
        meta.kind = KIND_PLAIN;
        if (!hdr.ipv4.isValid()) {
            if (hdr.ethernet.isValid() && hdr.ethernet.ether_type == ETHERTYPE_IPV4) {
                meta.drop_reason = DROP_BAD_IPV4_HEADER;
            } else {
                meta.drop_reason = DROP_NOT_IPV4;
            }
        } else if (hdr.ipv4.version != 4w4 || hdr.ipv4.ihl < 4w5
                   || (hdr.ipv4.ihl > 4w5 && !hdr.ipv4_options.isValid())) {
            /* the options did not fit in the packet, or the header length is impossible */
            meta.drop_reason = DROP_BAD_IPV4_HEADER;
        } else if (standard_metadata.checksum_error == 1w1) {
            meta.drop_reason = DROP_BAD_IPV4_CHECKSUM;
        } else if (hdr.ipv4.ttl <= 8w1) {
            meta.drop_reason = DROP_TTL_EXPIRED;
        } else if (hdr.udp.isValid()) {
            vip.apply();
            if (meta.kind == KIND_REQUEST) {
                if (hdr.ipv4.flags[0:0] == 1w1) {
                    /* more fragments follow: the rest of the request would not follow the DNAT */
                    meta.drop_reason = DROP_FRAGMENTED;
                } else if (!hdr.session.isValid()) {
                    if (standard_metadata.parser_error == error.PacketTooShort) {
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
