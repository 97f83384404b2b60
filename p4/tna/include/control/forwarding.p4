/* Forwarding for TNA: longest-prefix match, MAC rewrite, TTL decrement, unicast to a port. */
control Forwarding(inout headers_t hdr,
                   inout local_metadata_t meta,
                   inout ingress_intrinsic_metadata_for_tm_t ig_tm_md) {

    action route(PortId_t port, bit<48> src_mac, bit<48> dst_mac) {
        ig_tm_md.ucast_egress_port = port;
        hdr.ethernet.src_addr = src_mac;
        hdr.ethernet.dst_addr = dst_mac;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 8w1;
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
