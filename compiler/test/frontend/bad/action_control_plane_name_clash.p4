// expect: 13:29: error: action 'a' has the control-plane name 'shared' of action 'top_level' (line 11)
#include <core.p4>
#include <v1model.p4>
header h_t { bit<8> a; bit<16> b; }
struct H { h_t h; h_t[3] hs; }
struct M { bit<8> x; bit<16> y; int<8> s; bool f; }
parser P(packet_in pk, out H hdr, inout M m, inout standard_metadata_t sm) {
    state start { pk.extract(hdr.h); transition accept; }
}
control VC(inout H hdr, inout M m) { apply { } }
@name("shared") action top_level() { }
control I(inout H hdr, inout M m, inout standard_metadata_t sm) {
    @name(".shared") action a() { }
    table t {
        key = { m.x: exact; m.y: exact; }
        actions = { a; top_level; }
        const entries = {
            (1, 2): a();
        }
    }
    apply {
        t.apply();
    }
}
control E(inout H hdr, inout M m, inout standard_metadata_t sm) { apply { } }
control CC(inout H hdr, inout M m) { apply { } }
control D(packet_out pk, in H hdr) { apply { pk.emit(hdr.h); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
