/*
 * FailureDetect for TNA: the v1model rules (see p4/v1model/include/control/failure_detect.p4)
 * on one register of pairs per server, because Tofino lets a packet touch a register once:
 * pending_since (switch time in 1.024 us units, 0 = nothing pending) and down_generation.
 * Each of record / check / clear is a RegisterAction on that register; a packet runs one.
 * last_response_at is a separate register (only responses write it).
 */
struct server_state_t {
    bit<32> pending_since;
    bit<32> down_generation;
}

/* Outcome of a check, as returned by the register action. */
#define VERDICT_UP 8w0
#define VERDICT_DOWN 8w1
#define VERDICT_NEWLY_DOWN 8w2

control FailureDetect(inout local_metadata_t meta) {
    Register<server_state_t, bit<16>>(SERVER_INDEX_COUNT) server_state;
    Register<bit<32>, bit<16>>(SERVER_INDEX_COUNT) last_response_at;
    bit<32> timeout_tna;

    RegisterAction<server_state_t, bit<16>, bit<32>>(server_state) record_request = {
        void apply(inout server_state_t value, out bit<32> previous) {
            previous = value.pending_since;
            if (value.pending_since == 32w0) {
                value.pending_since = meta.now_tna;
            }
        }
    };

    RegisterAction<server_state_t, bit<16>, bit<8>>(server_state) check_primary = {
        void apply(inout server_state_t value, out bit<8> verdict) {
            if (value.down_generation != 32w0 && value.down_generation == (bit<32>)meta.primary_generation) {
                verdict = VERDICT_DOWN;
            } else if (value.pending_since == 32w0) {
                value.pending_since = meta.now_tna;
                verdict = VERDICT_UP;
            } else if (timeout_tna != 32w0 && meta.primary_generation != 16w0
                       && meta.now_tna - value.pending_since > timeout_tna) {
                value.down_generation = (bit<32>)meta.primary_generation;
                value.pending_since = 32w0;
                verdict = VERDICT_NEWLY_DOWN;
            } else {
                verdict = VERDICT_UP;
            }
        }
    };

    RegisterAction<server_state_t, bit<16>, bit<32>>(server_state) clear_pending = {
        void apply(inout server_state_t value, out bit<32> previous) {
            previous = value.pending_since;
            value.pending_since = 32w0;
        }
    };

    RegisterAction<bit<32>, bit<16>, bit<32>>(last_response_at) note_response = {
        void apply(inout bit<32> value, out bit<32> previous) {
            previous = value;
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
            record_request.execute(meta.detect_index);
        } else if (meta.detect_op == DETECT_CHECK) {
            detect_config.apply();
            timeout_tna = meta.failure_timeout[31:0];
            bit<8> verdict = check_primary.execute(meta.detect_index);
            if (verdict != VERDICT_UP) {
                meta.needs_failover = true;
            }
            if (verdict == VERDICT_NEWLY_DOWN) {
                meta.marked_down = true;
                meta.down_digest.server_id = meta.detect_index;
                meta.down_digest.detected_at = (bit<48>)meta.now_tna;
                /* a register action returns one value (the verdict), so the pending time is not known here */
                meta.down_digest.oldest_request_at = 48w0;
            }
        } else if (meta.detect_op == DETECT_CLEAR) {
            clear_pending.execute(meta.detect_index);
            note_response.execute(meta.detect_index);
        }
    }
}
