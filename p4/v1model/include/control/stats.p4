/*
 * Counters the controller reads, indexed by server id (per-server) or by the DROP_* and
 * EVENT_* numbers of defines.p4. Counted once, at the end of ingress, from what the
 * packet's path recorded in metadata, so every packet lands in exactly one place.
 */
control Stats(in local_metadata_t meta) {
    /* requests forwarded to server i (new, known or failed over) */
    counter(SERVER_INDEX_COUNT, CounterType.packets_and_bytes) server_requests;
    /* responses (type 2 or 3) from server i, SNAT'd to the VIP */
    counter(SERVER_INDEX_COUNT, CounterType.packets_and_bytes) server_responses;
    /* requests naming server i as primary that went to another server */
    counter(SERVER_INDEX_COUNT, CounterType.packets_and_bytes) server_failovers;
    /* times the switch itself marked server i down (each also sent a digest) */
    counter(SERVER_INDEX_COUNT, CounterType.packets_and_bytes) server_marked_down;
    counter(DROP_REASON_COUNT, CounterType.packets_and_bytes) drop_reasons;
    counter(EVENT_COUNT, CounterType.packets_and_bytes) events;

    apply {
        if (meta.marked_down) {
            server_marked_down.count((bit<32>)meta.primary_id);
        }
        if (meta.event != EVENT_NONE) {
            events.count((bit<32>)meta.event);
        }
        if (meta.drop_reason != DROP_NONE) {
            drop_reasons.count((bit<32>)meta.drop_reason);
        } else if (meta.kind == KIND_REQUEST) {
            server_requests.count((bit<32>)meta.target_id);
            if (meta.failed_over) {
                server_failovers.count((bit<32>)meta.primary_id);
            }
        } else if (meta.kind == KIND_RESPONSE) {
            server_responses.count((bit<32>)meta.responder_id);
        }
    }
}
