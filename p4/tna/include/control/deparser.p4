/*
 * TNA deparsers. Ingress recomputes the IPv4 header checksum (no options on Tofino), folds
 * the new UDP fields into the parser's residual, and sends the server-down digest.
 */
control SessionLbTnaIngressDeparser(packet_out packet,
                                    inout headers_t hdr,
                                    in local_metadata_t meta,
                                    in ingress_intrinsic_metadata_for_deparser_t ig_dprsr_md) {
    Checksum() ipv4_checksum;
    Checksum() udp_checksum;
    Digest<server_down_digest_t>() server_down_digest;

    apply {
        if (ig_dprsr_md.digest_type == DIGEST_SERVER_DOWN) {
            server_down_digest.pack(meta.down_digest);
        }
        hdr.ipv4.hdr_checksum = ipv4_checksum.update({
            hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv, hdr.ipv4.total_len,
            hdr.ipv4.identification, hdr.ipv4.flags, hdr.ipv4.frag_offset,
            hdr.ipv4.ttl, hdr.ipv4.protocol, hdr.ipv4.src_addr, hdr.ipv4.dst_addr });
        if (meta.update_udp_checksum) {
            hdr.udp.checksum = udp_checksum.update({
                hdr.ipv4.src_addr, hdr.ipv4.dst_addr,
                hdr.udp.src_port, hdr.udp.dst_port,
                hdr.session.version, hdr.session.msg_type, hdr.session.flags,
                meta.udp_checksum_residual });
        }
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.udp);
        packet.emit(hdr.session);
    }
}

control SessionLbTnaEgressDeparser(packet_out packet,
                                   inout headers_t hdr,
                                   in local_metadata_t meta,
                                   in egress_intrinsic_metadata_for_deparser_t eg_dprsr_md) {
    apply {
        packet.emit(hdr);
    }
}
