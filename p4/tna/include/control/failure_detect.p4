/*
 * FailureDetect for TNA: the v1model rules (p4/v1model/include/control/failure_detect.p4)
 * shaped for Tofino, where a packet touches each register once and a register action can
 * test two conditions. Per server:
 *  - pending: the oldest unanswered request's time and the generation it was recorded at.
 *    A record at another generation counts as nothing pending, so a generation bump from the
 *    controller (or a response, which zeroes the generation) starts the clock afresh, and a
 *    timeout resets it. New-session picks record with GENERATION_UNKNOWN (their generation is
 *    not looked up), which the next check of that server as a primary also treats as fresh.
 *  - down_generation: the generation at which the switch marked the server down.
 *  - last_response_at: when it last answered.
 * Times are ingress_mac_tstamp[41:10] (1.024 us units, 32 bits).
 */
struct pending_t {
    bit<32> since;
    bit<32> generation;
}

#define GENERATION_UNKNOWN 32w0xFFFFFFFF

control FailureDetect(inout local_metadata_t meta) {
    Register<pending_t, bit<16>>(SERVER_INDEX_COUNT) pending;
    Register<bit<32>, bit<16>>(SERVER_INDEX_COUNT) down_generation;
    Register<bit<32>, bit<16>>(SERVER_INDEX_COUNT) last_response_at;

    bit<32> generation;
    bit<32> deadline;

    /* Returns the pending time if it is older than the deadline (and resets), else 0. */
    RegisterAction<pending_t, bit<16>, bit<32>>(pending) check_pending = {
        void apply(inout pending_t value, out bit<32> overdue_since) {
            overdue_since = 32w0;
            if (value.generation != generation) {
                value.since = meta.now_tna;
                value.generation = generation;
            } else if (value.since < deadline) {
                overdue_since = value.since;
                value.generation = 32w0;
            }
        }
    };

    RegisterAction<pending_t, bit<16>, bit<32>>(pending) record_pending = {
        void apply(inout pending_t value) {
            if (value.generation == 32w0) {
                value.since = meta.now_tna;
                value.generation = GENERATION_UNKNOWN;
            }
        }
    };

    RegisterAction<pending_t, bit<16>, bit<32>>(pending) clear_pending = {
        void apply(inout pending_t value) {
            value.generation = 32w0;
        }
    };

    /* Returns 1 if the server is marked down at the current generation. */
    RegisterAction<bit<32>, bit<16>, bit<1>>(down_generation) is_down = {
        void apply(inout bit<32> value, out bit<1> down) {
            down = 1w0;
            if (value == generation) {
                down = 1w1;
            }
        }
    };

    /* Marks the server down at the current generation; returns 1 if it already was. */
    RegisterAction<bit<32>, bit<16>, bit<1>>(down_generation) mark_down = {
        void apply(inout bit<32> value, out bit<1> was_down) {
            was_down = 1w0;
            if (value == generation) {
                was_down = 1w1;
            }
            value = generation;
        }
    };

    RegisterAction<bit<32>, bit<16>, bit<32>>(last_response_at) note_response = {
        void apply(inout bit<32> value) {
            value = meta.now_tna;
        }
    };

    action set_failure_timeout(bit<48> timeout_us) {
        meta.failure_timeout = timeout_us;
    }

    table detect_config {
        actions = {
            set_failure_timeout;
        }
        default_action = set_failure_timeout(DEFAULT_FAILURE_TIMEOUT_US);
        size = 1;
    }

    apply {
        if (meta.detect_op == DETECT_RECORD) {
            record_pending.execute(meta.detect_index);
        } else if (meta.detect_op == DETECT_CHECK && meta.primary_generation != 16w0) {
            detect_config.apply();
            generation = (bit<32>)meta.primary_generation;
            bit<32> timeout = meta.failure_timeout[31:0];
            /* timeout 0 disables marking; so does the first timeout after power-up */
            if (timeout == 32w0 || meta.now_tna < timeout) {
                deadline = 32w0;
            } else {
                deadline = meta.now_tna - timeout;
            }
            bit<32> overdue_since = check_pending.execute(meta.detect_index);
            if (overdue_since != 32w0) {
                meta.needs_failover = true;
                if (mark_down.execute(meta.detect_index) == 1w0) {
                    meta.marked_down = true;
                    meta.down_digest.server_id = meta.detect_index;
                    meta.down_digest.detected_at = (bit<48>)meta.now_tna;
                    meta.down_digest.oldest_request_at = (bit<48>)overdue_since;
                }
            } else if (is_down.execute(meta.detect_index) == 1w1) {
                meta.needs_failover = true;
            }
        } else if (meta.detect_op == DETECT_CLEAR) {
            clear_pending.execute(meta.detect_index);
            note_response.execute(meta.detect_index);
        }
    }
}
