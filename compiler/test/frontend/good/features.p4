#include <core.p4>
#include <v1model.p4>
header h_t { bit<8> a; bit<16> b; }
header g_t { bit<32> c; }
header_union U { h_t h; g_t g; }
struct H { h_t h; U u; h_t[2] hs; }
struct M { bit<8> x; bit<16> y; tuple<bit<8>, bool> tp; }
T id<T>(in T v) { return v; }
extern Acc<T> {
    Acc();
    T get();
    abstract T combine(in T a, in T b);
}
parser Sub(packet_in pk, out h_t h) {
    state start { pk.extract(h); transition accept; }
}
parser P(packet_in pk, out H hdr, inout M m, inout standard_metadata_t sm) {
    Sub() sub;
    state start {
        sub.apply(pk, hdr.h);
        pk.advance(32w8);
        verify(hdr.h.a != 0, error.NoMatch);
        bit<16> la = pk.lookahead<bit<16>>();
        transition select(la) { 0x1234: stack; default: accept; }
    }
    state stack {
        pk.extract(hdr.hs.next);
        transition select(hdr.hs.last.a) { 0: stack; default: accept; }
    }
}
control VC(inout H hdr, inout M m) { apply { } }
control I(inout H hdr, inout M m, inout standard_metadata_t sm) {
    Acc<bit<8>>() acc = {
        bit<8> combine(in bit<8> a, in bit<8> b) { return a + b; }
    };
    apply {
        m.x = id(m.x);
        m.y = id<bit<16>>(5);
        m.tp = { 1, true };
        m.x = m.tp[0];
        switch (m.x) {
            1:
            2: { m.y = 1; }
            3: { m.y = 3; }
            default: { }
        }
        if (hdr.u.h.isValid()) { hdr.u.g.setValid(); }
        hdr.hs.pop_front(1);
        @atomic { m.x = acc.get(); }
        m.y = m.y[15:8] ++ m.x;
        m.x = (m.x > 3 ? m.x : 8w3);
    }
}
control E(inout H hdr, inout M m, inout standard_metadata_t sm) { apply { } }
control CC(inout H hdr, inout M m) { apply { } }
control D(packet_out pk, in H hdr) { apply { pk.emit(hdr); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
