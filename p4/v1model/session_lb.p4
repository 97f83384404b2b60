/*
 * Session load balancer, v1model top level (bmv2 simple_switch / simple_switch_grpc).
 * Behaviour and control-plane names: p4/CONTROL_PLANE.md.
 */
#include <core.p4>
#include <v1model.p4>

#include "../shared/headers.p4"
#include "include/parser.p4"
#include "include/control/checksum.p4"
#include "include/control/classify.p4"
#include "include/control/session_select.p4"
#include "include/control/failure_detect.p4"
#include "include/control/failover.p4"
#include "include/control/nat.p4"
#include "include/control/forwarding.p4"
#include "include/control/stats.p4"
#include "include/control/deparser.p4"

control SessionLbIngress(inout headers_t hdr,
                         inout local_metadata_t meta,
                         inout standard_metadata_t standard_metadata) {
    Classify() classify;
    SessionSelect() session_select;
    FailureDetect() failure_detect;
    Failover() failover;
    Nat() nat;
    Forwarding() forwarding;
    ChecksumUpdate() checksum_update;
    Stats() stats;

    apply {
        classify.apply(hdr, meta, standard_metadata);
        if (meta.drop_reason == DROP_NONE && meta.kind == KIND_REQUEST) {
            session_select.apply(hdr, meta);
        } else if (meta.kind == KIND_RESPONSE) {
            meta.detect_op = DETECT_CLEAR;
            meta.detect_index = meta.responder_id;
        }
        failure_detect.apply(meta, standard_metadata.ingress_global_timestamp);
        if (meta.drop_reason == DROP_NONE && meta.kind == KIND_REQUEST && !meta.has_target) {
            if (meta.needs_failover) {
                failover.apply(hdr, meta);
            } else {
                meta.has_target = true;
                meta.target_id = meta.primary_id;
                meta.target_addr = meta.primary_addr;
                meta.target_port = meta.primary_port;
            }
        }
        nat.apply(hdr, meta);
        if (meta.drop_reason == DROP_NONE) {
            forwarding.apply(hdr, meta, standard_metadata);
        }
        checksum_update.apply(hdr, meta);
        stats.apply(meta);
        if (meta.drop_reason != DROP_NONE) {
            mark_to_drop(standard_metadata);
        }
    }
}

control SessionLbEgress(inout headers_t hdr,
                        inout local_metadata_t meta,
                        inout standard_metadata_t standard_metadata) {
    apply { }
}

V1Switch(SessionLbParser(),
         SessionLbVerifyChecksum(),
         SessionLbIngress(),
         SessionLbEgress(),
         SessionLbComputeChecksum(),
         SessionLbDeparser()) main;
