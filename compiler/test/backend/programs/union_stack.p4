// A stack of header unions: extracted element by element in the parser, read, copied and
// shifted in the ingress, emitted by the deparser.
#include <core.p4>
#include <v1model.p4>

header ethernet_t { bit<48> dst; bit<48> src; bit<16> type; }
header short_t { bit<8> kind; bit<8> value; }
header long_t { bit<8> kind; bit<24> value; }
header_union option_t { short_t s; long_t l; }
struct headers_t { ethernet_t eth; option_t[2] opts; }
struct meta_t { bit<8> shorts; }

parser ParserImpl(packet_in pk, out headers_t hdr, inout meta_t m, inout standard_metadata_t sm) {
    state start {
        pk.extract(hdr.eth);
        transition select(hdr.eth.type) { 0x1234: first; default: accept; }
    }
    state first {
        transition select(pk.lookahead<bit<8>>()) { 1: first_short; default: first_long; }
    }
    state first_short { pk.extract(hdr.opts[0].s); transition second; }
    state first_long { pk.extract(hdr.opts[0].l); transition second; }
    state second {
        transition select(pk.lookahead<bit<8>>()) { 1: second_short; 2: second_long; default: accept; }
    }
    state second_short { pk.extract(hdr.opts[1].s); transition accept; }
    state second_long { pk.extract(hdr.opts[1].l); transition accept; }
}

control VerifyImpl(inout headers_t hdr, inout meta_t m) { apply { } }

control IngressImpl(inout headers_t hdr, inout meta_t m, inout standard_metadata_t sm) {
    option_t[2] saved;
    apply {
        sm.egress_spec = 1;
        saved = hdr.opts;
        if (hdr.opts[0].s.isValid()) {
            hdr.opts[0].s.value = hdr.opts[0].s.value + 1;
        }
        // (Not hdr.opts[1].isValid(): p4c 1.2.5.8 emits that as a header reference that
        // simple_switch refuses, and the test compares with p4c's JSON.)
        if ((hdr.opts[1].s.isValid() || hdr.opts[1].l.isValid()) && hdr.eth.src[0:0] == 1) {
            // Drop the first option: the second moves up.
            hdr.opts.pop_front(1);
            sm.egress_spec = 2;
        } else if (hdr.eth.src[1:1] == 1) {
            hdr.opts.push_front(1);
            hdr.opts[0] = saved[1];
            sm.egress_spec = 3;
        } else if (hdr.eth.src[2:2] == 1) {
            hdr.opts = saved;
            sm.egress_spec = 4;
        }
    }
}

control EgressImpl(inout headers_t hdr, inout meta_t m, inout standard_metadata_t sm) { apply { } }
control ComputeImpl(inout headers_t hdr, inout meta_t m) { apply { } }

control DeparserImpl(packet_out pk, in headers_t hdr) {
    apply { pk.emit(hdr.eth); pk.emit(hdr.opts); }
}

V1Switch(ParserImpl(), VerifyImpl(), IngressImpl(), EgressImpl(), ComputeImpl(), DeparserImpl()) main;
