/*
 * Data-plane failure detection. Per server: when its oldest unanswered request was sent,
 * when it last answered, and the generation at which the switch marked it down.
 *
 * A request to a known primary records the request time if none is pending; if one is
 * pending for longer than the configured timeout, the switch marks the primary down (stores
 * the primary's current generation from server_map), forgets the pending time, fails the
 * request over and sends a digest. The mark holds while server_map still carries that
 * generation: the controller brings the server back by rewriting its entry with a new
 * generation (no register write needed, so this works over real bmv2's P4Runtime too).
 * A response clears the pending time but never clears a down mark.
 */
control FailureDetect(inout local_metadata_t meta, in bit<48> now) {
    register<bit<48>>(SERVER_INDEX_COUNT) pending_since;
    register<bit<48>>(SERVER_INDEX_COUNT) last_response_at;
    register<bit<16>>(SERVER_INDEX_COUNT) down_generation;

    action set_failure_timeout(bit<48> timeout_us) {
        meta.failure_timeout = timeout_us;
    }

    /* Keyless: the controller sets the timeout by modifying the default action. 0 disables marking. */
    table detect_config {
        actions = {
            set_failure_timeout;
        }
        default_action = set_failure_timeout(DEFAULT_FAILURE_TIMEOUT_US);
        size = 1;
    }

    apply {
        bit<32> index = (bit<32>)meta.detect_index;
        if (meta.detect_op == DETECT_RECORD) {
            bit<48> recorded_since;
            pending_since.read(recorded_since, index);
            if (recorded_since == 48w0) {
                pending_since.write(index, now);
            }
        } else if (meta.detect_op == DETECT_CHECK) {
            detect_config.apply();
            bit<16> down_mark;
            down_generation.read(down_mark, index);
            if (down_mark != 16w0 && down_mark == meta.primary_generation) {
                meta.needs_failover = true;
            } else {
                bit<48> since;
                pending_since.read(since, index);
                if (since == 48w0) {
                    pending_since.write(index, now);
                } else if (meta.failure_timeout != 48w0 && meta.primary_generation != 16w0
                           && now - since > meta.failure_timeout) {
                    down_generation.write(index, meta.primary_generation);
                    pending_since.write(index, 48w0);
                    meta.needs_failover = true;
                    meta.marked_down = true;
                    meta.down_digest.server_id = meta.detect_index;
                    meta.down_digest.detected_at = now;
                    meta.down_digest.oldest_request_at = since;
                    digest<server_down_digest_t>(DIGEST_SERVER_DOWN, meta.down_digest);
                }
            }
        } else if (meta.detect_op == DETECT_CLEAR) {
            pending_since.write(index, 48w0);
            last_response_at.write(index, now);
        }
    }
}
