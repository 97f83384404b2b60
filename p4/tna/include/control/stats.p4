/* Stats for TNA: the v1model counters (same names, sizes and indexes) as TNA Counters. */
control Stats(in local_metadata_t meta) {
    Counter<bit<64>, bit<16>>(SERVER_INDEX_COUNT, CounterType_t.PACKETS_AND_BYTES) server_requests;
    Counter<bit<64>, bit<16>>(SERVER_INDEX_COUNT, CounterType_t.PACKETS_AND_BYTES) server_responses;
    Counter<bit<64>, bit<16>>(SERVER_INDEX_COUNT, CounterType_t.PACKETS_AND_BYTES) server_failovers;
    Counter<bit<64>, bit<16>>(SERVER_INDEX_COUNT, CounterType_t.PACKETS_AND_BYTES) server_marked_down;
    Counter<bit<64>, bit<8>>(DROP_REASON_COUNT, CounterType_t.PACKETS_AND_BYTES) drop_reasons;
    Counter<bit<64>, bit<8>>(EVENT_COUNT, CounterType_t.PACKETS_AND_BYTES) events;

    apply {
        if (meta.marked_down) {
            server_marked_down.count(meta.primary_id);
        }
        if (meta.event != EVENT_NONE) {
            events.count(meta.event);
        }
        if (meta.drop_reason != DROP_NONE) {
            drop_reasons.count(meta.drop_reason);
        } else if (meta.kind == KIND_REQUEST) {
            server_requests.count(meta.target_id);
            if (meta.failed_over) {
                server_failovers.count(meta.primary_id);
            }
        } else if (meta.kind == KIND_RESPONSE) {
            server_responses.count(meta.responder_id);
        }
    }
}
