/*
 * Nat for TNA: the rewrites only; the deparser's checksum units recompute the IPv4 header
 * checksum and add the new UDP fields to the parser's residual.
 */
control Nat(inout headers_t hdr, inout local_metadata_t meta) {
    apply {
        if (meta.kind == KIND_REQUEST && meta.has_target && meta.drop_reason == DROP_NONE) {
            hdr.ipv4.dst_addr = meta.target_addr;
            hdr.udp.dst_port = meta.target_port;
            if (meta.failed_over) {
                hdr.session.flags = hdr.session.flags | SESSION_FLAG_FAILOVER;
            }
            meta.update_udp_checksum = hdr.udp.checksum != 16w0;
        } else if (meta.kind == KIND_RESPONSE && meta.drop_reason == DROP_NONE) {
            hdr.ipv4.src_addr = meta.vip_addr;
            hdr.udp.src_port = meta.vip_port;
            meta.update_udp_checksum = hdr.udp.checksum != 16w0;
        }
    }
}
