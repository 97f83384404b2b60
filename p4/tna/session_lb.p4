/*
 * Session load balancer, TNA top level (Intel Tofino, bf-p4c). Same behaviour and control-plane
 * names as p4/v1model/session_lb.p4 under SessionLbTnaIngress; the differences Tofino forces are
 * listed in p4/CONTROL_PLANE.md ("TNA program").
 */
#include <core.p4>
#include <tna.p4>

#include "../shared/headers.p4"
#include "include/parser.p4"
#include "include/control/classify.p4"
#include "include/control/session_select.p4"
#include "include/control/failure_detect.p4"
#include "include/control/failover.p4"
#include "include/control/nat.p4"
#include "include/control/forwarding.p4"
#include "include/control/stats.p4"
#include "include/control/deparser.p4"

control SessionLbTnaIngress(inout headers_t hdr,
                            inout local_metadata_t meta,
                            in ingress_intrinsic_metadata_t ig_intr_md,
                            in ingress_intrinsic_metadata_from_parser_t ig_prsr_md,
                            inout ingress_intrinsic_metadata_for_deparser_t ig_dprsr_md,
                            inout ingress_intrinsic_metadata_for_tm_t ig_tm_md) {
    Classify() classify;
    SessionSelect() session_select;
    FailureDetect() failure_detect;
    Failover() failover;
    Nat() nat;
    Forwarding() forwarding;
    Stats() stats;

    apply {
        classify.apply(hdr, meta, ig_prsr_md);
        if (meta.drop_reason == DROP_NONE && meta.kind == KIND_REQUEST) {
            session_select.apply(hdr, meta);
        } else if (meta.kind == KIND_RESPONSE) {
            meta.detect_op = DETECT_CLEAR;
            meta.detect_index = meta.responder_id;
        }
        failure_detect.apply(meta);
        if (meta.marked_down) {
            ig_dprsr_md.digest_type = DIGEST_SERVER_DOWN;
        }
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
            forwarding.apply(hdr, meta, ig_tm_md);
        }
        stats.apply(meta);
        if (meta.drop_reason != DROP_NONE) {
            ig_dprsr_md.drop_ctl = 3w1;
        }
        /* nothing to do in egress */
        ig_tm_md.bypass_egress = 1w1;
    }
}

control SessionLbTnaEgress(inout headers_t hdr,
                           inout local_metadata_t meta,
                           in egress_intrinsic_metadata_t eg_intr_md,
                           in egress_intrinsic_metadata_from_parser_t eg_prsr_md,
                           inout egress_intrinsic_metadata_for_deparser_t eg_dprsr_md,
                           inout egress_intrinsic_metadata_for_output_port_t eg_oport_md) {
    apply { }
}

Pipeline(SessionLbTnaIngressParser(),
         SessionLbTnaIngress(),
         SessionLbTnaIngressDeparser(),
         SessionLbTnaEgressParser(),
         SessionLbTnaEgress(),
         SessionLbTnaEgressDeparser()) pipe;

Switch(pipe) main;
