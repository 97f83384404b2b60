/* Headers go out in wire order; invalid ones are skipped, the unparsed rest follows as payload. */
control SessionLbDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.ipv4_options);
        packet.emit(hdr.udp);
        packet.emit(hdr.session);
    }
}
