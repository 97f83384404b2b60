/* Failover for TNA: same table and rules as v1model (p4/v1model/include/control/failover.p4). */
control Failover(inout headers_t hdr, inout local_metadata_t meta) {
    Hash<bit<16>>(HashAlgorithm_t.CRC16) failover_hash;
    ActionSelector(SELECTOR_MEMBERS, failover_hash, SelectorMode_t.FAIR) failover_selector;

    action pick_failover_server(bit<16> server_id, bit<32> server_addr, bit<16> server_port) {
        meta.has_target = true;
        meta.target_id = server_id;
        meta.target_addr = server_addr;
        meta.target_port = server_port;
    }

    table failover_select {
        key = {
            meta.secondary_id: exact;
            hdr.session.session_id: selector;
        }
        actions = {
            pick_failover_server;
            @defaultonly NoAction;
        }
        const default_action = NoAction();
        implementation = failover_selector;
        size = FAILOVER_TABLE_SIZE;
    }

    apply {
        if (failover_select.apply().hit) {
            if (meta.target_id == meta.primary_id) {
                meta.drop_reason = DROP_FAILOVER_STALE;
            } else {
                meta.failed_over = true;
                if (meta.target_id == meta.secondary_id) {
                    meta.event = EVENT_FAILOVER_TO_SECONDARY;
                }
            }
        } else {
            meta.drop_reason = DROP_NO_LIVE_SERVER;
        }
    }
}
