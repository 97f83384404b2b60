// expect: 15:36: error: syntax error, unexpected '}'
// expect: 18:9: error: syntax error, unexpected 'm'
// expect: 20:24: error: syntax error, unexpected ';'
// expect: 23:20: error: syntax error, unexpected '2'
#include <core.p4>
#include <v1model.p4>
header h_t { bit<8> a; bit<16> b; }
struct H { h_t h; h_t[3] hs; }
struct M { bit<8> x; bit<16> y; int<8> s; bool f; }
parser P(packet_in pk, out H hdr, inout M m, inout standard_metadata_t sm) {
    state start { pk.extract(hdr.h); transition accept; }
}
control VC(inout H hdr, inout M m) { apply { } }
control I(inout H hdr, inout M m, inout standard_metadata_t sm) {
    action set(bit<8> v) { m.x = v }
    apply {
        m.x = 1
        m.y = 2;
        if (m.f) {
            m.x = m.x +;
        }
        set(3);
        m.y = 16w1 2;
    }
}
control E(inout H hdr, inout M m, inout standard_metadata_t sm) { apply { } }
control CC(inout H hdr, inout M m) { apply { } }
control D(packet_out pk, in H hdr) { apply { pk.emit(hdr.h); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
