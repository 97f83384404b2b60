/*
 * Plain IPv4 routing, applied to every packet still alive after the session logic (a
 * DNAT'd request is routed to its server like any packet to that address): longest-prefix
 * match on the destination, MAC rewrite, TTL decrement. No route: counted drop.
 */
control Forwarding(inout headers_t hdr,
                   inout local_metadata_t meta,
                   inout standard_metadata_t standard_metadata) {

    action route(bit<9> port, bit<48> src_mac, bit<48> dst_mac) {
        standard_metadata.egress_spec = port;
        hdr.ethernet.src_addr = src_mac;
        hdr.ethernet.dst_addr = dst_mac;
        meta.ipv4_csum_delta = meta.ipv4_csum_delta + (bit<32>)(~(hdr.ipv4.ttl ++ hdr.ipv4.protocol));
        hdr.ipv4.ttl = hdr.ipv4.ttl - 8w1;
        meta.ipv4_csum_delta = meta.ipv4_csum_delta + (bit<32>)(hdr.ipv4.ttl ++ hdr.ipv4.protocol);
    }

    action no_route() {
        meta.drop_reason = DROP_NO_ROUTE;
    }

    table ipv4_lpm {
        key = {
            hdr.ipv4.dst_addr: lpm;
        }
        actions = {
            route;
            no_route;
        }
        default_action = no_route();
        size = IPV4_LPM_SIZE;
    }

    apply {
        ipv4_lpm.apply();
    }
}
