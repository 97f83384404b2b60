/*
 * Request routing, first half: slices the cookie and either picks a primary for a new
 * session (hash of the session id over the live servers) or looks the named primary up.
 * Whether a known primary is usable is decided next by FailureDetect; the failover pick
 * (if needed) by Failover.
 */
control SessionSelect(inout headers_t hdr, inout local_metadata_t meta) {

    action pick_new_server(bit<16> server_id, bit<32> server_addr, bit<16> server_port) {
        meta.has_target = true;
        meta.target_id = server_id;
        meta.target_addr = server_addr;
        meta.target_port = server_port;
    }

    /* One group per VIP: the servers accepting new sessions. */
    action_selector(HashAlgorithm.crc16, SELECTOR_MEMBERS, SELECTOR_OUTPUT_WIDTH) new_session_selector;

    table new_session_select {
        key = {
            hdr.ipv4.dst_addr: exact;
            hdr.session.session_id: selector;
        }
        actions = {
            pick_new_server;
            @defaultonly NoAction;
        }
        const default_action = NoAction();
        implementation = new_session_selector;
        size = VIP_TABLE_SIZE;
    }

    action set_primary(bit<32> server_addr, bit<16> server_port, bit<16> generation) {
        meta.primary_known = true;
        meta.primary_addr = server_addr;
        meta.primary_port = server_port;
        meta.primary_generation = generation;
    }

    /* The servers the controller considers up; a miss means "primary down or unknown". */
    table server_map {
        key = {
            meta.primary_id: exact;
        }
        actions = {
            set_primary;
            @defaultonly NoAction;
        }
        const default_action = NoAction();
        size = SERVER_MAP_SIZE;
    }

    apply {
        meta.primary_id = hdr.session.cookie[31:16];
        meta.secondary_id = hdr.session.cookie[15:0];
        bool new_session = hdr.session.cookie == 32w0;
        if (!new_session) {
            if (meta.primary_id == SERVER_ID_NONE || meta.primary_id == SERVER_ID_RESERVED
                || meta.secondary_id == SERVER_ID_NONE || meta.secondary_id == SERVER_ID_RESERVED
                || meta.primary_id == meta.secondary_id) {
                /* No server made this cookie: route it like a new session rather than guess. */
                meta.event = EVENT_INVALID_COOKIE;
                new_session = true;
            }
        }
        if (new_session) {
            if (new_session_select.apply().hit) {
                meta.detect_op = DETECT_RECORD;
                meta.detect_index = meta.target_id;
            } else {
                meta.drop_reason = DROP_NO_LIVE_SERVER;
            }
        } else if (server_map.apply().hit) {
            meta.detect_op = DETECT_CHECK;
            meta.detect_index = meta.primary_id;
        } else {
            meta.needs_failover = true;
        }
    }
}
