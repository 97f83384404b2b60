/*
 * Request routing, second half: the primary is down or unknown, so pick a new one by a hash
 * of the session id over the group the controller keeps for the cookie's secondary: the live
 * servers other than that secondary, or the secondary alone when it is the only live server
 * (then the session survives on its replica). An empty result drops the request, counted.
 */
control Failover(inout headers_t hdr, inout local_metadata_t meta) {

    action pick_failover_server(bit<16> server_id, bit<32> server_addr, bit<16> server_port) {
        meta.has_target = true;
        meta.target_id = server_id;
        meta.target_addr = server_addr;
        meta.target_port = server_port;
    }

    action_selector(HashAlgorithm.crc16, SELECTOR_MEMBERS, SELECTOR_OUTPUT_WIDTH) failover_selector;

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
                /* the group still holds the primary the switch just found down */
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
