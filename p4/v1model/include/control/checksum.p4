/*
 * Checksums. Incoming IPv4 headers without options are verified by the architecture
 * (a mismatch sets checksum_error and Classify drops the packet, counted). Outgoing
 * checksums are updated incrementally from the deltas the rewrites accumulated
 * (RFC 1624: HC' = ~(~HC + sum(~m + m'))), which covers headers with options too. A UDP
 * checksum of 0 means "none" and stays 0; a computed 0 goes out as 0xFFFF (RFC 768).
 */
control SessionLbVerifyChecksum(inout headers_t hdr, inout local_metadata_t meta) {
    apply {
        verify_checksum(hdr.ipv4.isValid() && hdr.ipv4.ihl == 4w5,
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv, hdr.ipv4.total_len,
              hdr.ipv4.identification, hdr.ipv4.flags, hdr.ipv4.frag_offset, hdr.ipv4.ttl,
              hdr.ipv4.protocol, hdr.ipv4.src_addr, hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
    }
}

control ChecksumUpdate(inout headers_t hdr, in local_metadata_t meta) {
    apply {
        if (hdr.ipv4.isValid()) {
            bit<32> ip_sum = (bit<32>)(~hdr.ipv4.hdr_checksum) + meta.ipv4_csum_delta;
            ip_sum = (ip_sum & 32w0xFFFF) + (ip_sum >> 16);
            ip_sum = (ip_sum & 32w0xFFFF) + (ip_sum >> 16);
            hdr.ipv4.hdr_checksum = ~ip_sum[15:0];
        }
        if (hdr.udp.isValid() && hdr.udp.checksum != 16w0) {
            bit<32> udp_sum = (bit<32>)(~hdr.udp.checksum) + meta.udp_csum_delta;
            udp_sum = (udp_sum & 32w0xFFFF) + (udp_sum >> 16);
            udp_sum = (udp_sum & 32w0xFFFF) + (udp_sum >> 16);
            bit<16> udp_checksum = ~udp_sum[15:0];
            if (udp_checksum == 16w0) {
                udp_checksum = 16w0xFFFF;
            }
            hdr.udp.checksum = udp_checksum;
        }
    }
}

/* Nothing left to compute here: ChecksumUpdate did it at the end of ingress. */
control SessionLbComputeChecksum(inout headers_t hdr, inout local_metadata_t meta) {
    apply { }
}
