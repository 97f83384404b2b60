/* SessionSelect for TNA: same tables as v1model; the selector is an ActionSelector over a CRC16 Hash. */
control SessionSelect(inout headers_t hdr, inout local_metadata_t meta) {
    Hash<bit<16>>(HashAlgorithm_t.CRC16) new_session_hash;
    ActionSelector(SELECTOR_MEMBERS, new_session_hash, SelectorMode_t.FAIR) new_session_selector;

    action pick_new_server(bit<16> server_id, bit<32> server_addr, bit<16> server_port) {
        meta.has_target = true;
        meta.target_id = server_id;
        meta.target_addr = server_addr;
        meta.target_port = server_port;
    }

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
