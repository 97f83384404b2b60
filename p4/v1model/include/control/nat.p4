/*
 * Address rewriting: requests get the chosen server as destination (DNAT, plus the FAILOVER
 * flag when re-routed); responses get the VIP as source (SNAT). Every rewritten 16-bit word
 * adds (~old + new) to the IPv4 and UDP checksum deltas (RFC 1624), which Checksum folds in
 * at the end, so IPv4 options and the UDP payload never need re-reading.
 */
control Nat(inout headers_t hdr, inout local_metadata_t meta) {
    apply {
        if (meta.kind == KIND_REQUEST && meta.has_target && meta.drop_reason == DROP_NONE) {
            bit<32> addr_delta = (bit<32>)(~hdr.ipv4.dst_addr[31:16]) + (bit<32>)(~hdr.ipv4.dst_addr[15:0])
                               + (bit<32>)meta.target_addr[31:16] + (bit<32>)meta.target_addr[15:0];
            meta.ipv4_csum_delta = meta.ipv4_csum_delta + addr_delta;
            meta.udp_csum_delta = meta.udp_csum_delta + addr_delta
                                + (bit<32>)(~hdr.udp.dst_port) + (bit<32>)meta.target_port;
            hdr.ipv4.dst_addr = meta.target_addr;
            hdr.udp.dst_port = meta.target_port;
            if (meta.failed_over) {
                bit<16> old_word = hdr.session.version ++ hdr.session.msg_type ++ hdr.session.flags;
                hdr.session.flags = hdr.session.flags | SESSION_FLAG_FAILOVER;
                bit<16> new_word = hdr.session.version ++ hdr.session.msg_type ++ hdr.session.flags;
                meta.udp_csum_delta = meta.udp_csum_delta + (bit<32>)(~old_word) + (bit<32>)new_word;
            }
        } else if (meta.kind == KIND_RESPONSE && meta.drop_reason == DROP_NONE) {
            bit<32> src_delta = (bit<32>)(~hdr.ipv4.src_addr[31:16]) + (bit<32>)(~hdr.ipv4.src_addr[15:0])
                              + (bit<32>)meta.vip_addr[31:16] + (bit<32>)meta.vip_addr[15:0];
            meta.ipv4_csum_delta = meta.ipv4_csum_delta + src_delta;
            meta.udp_csum_delta = meta.udp_csum_delta + src_delta
                                + (bit<32>)(~hdr.udp.src_port) + (bit<32>)meta.vip_port;
            hdr.ipv4.src_addr = meta.vip_addr;
            hdr.udp.src_port = meta.vip_port;
        }
    }
}
