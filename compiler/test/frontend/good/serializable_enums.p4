#include <core.p4>
#include <v1model.p4>
enum bit<16> EtherType { IPV4 = 0x0800, IPV6 = 0x86dd }
header eth_t { bit<48> d; bit<48> s; EtherType t; }
header h_t { bit<16> raw; }
struct H { eth_t eth; h_t h; }
struct M { EtherType et; bit<16> x; }
parser P(packet_in pk, out H hdr, inout M m, inout standard_metadata_t sm) {
    state start {
        pk.extract(hdr.eth);
        transition select(hdr.eth.t) { EtherType.IPV4: v4; default: accept; }
    }
    state v4 {
        pk.extract(hdr.h);
        transition select(hdr.h.raw) { EtherType.IPV6: accept; 16w5 &&& 0xff: accept; default: accept; }
    }
}
control VC(inout H hdr, inout M m) { apply { } }
control I(inout H hdr, inout M m, inout standard_metadata_t sm) {
    table t { key = { hdr.eth.t : exact; } actions = { NoAction; } const entries = { EtherType.IPV4 : NoAction(); } }
    apply {
        m.et = hdr.eth.t;
        m.x = hdr.eth.t;
        m.et = (EtherType)m.x;
        if (hdr.eth.t == EtherType.IPV6 || m.x == EtherType.IPV4) { t.apply(); }
        switch (hdr.eth.t) { EtherType.IPV4: { m.x = 1; } default: { } }
        switch (m.x) { EtherType.IPV4: { m.x = 2; } default: { } }
    }
}
control E(inout H hdr, inout M m, inout standard_metadata_t sm) { apply { } }
control CC(inout H hdr, inout M m) { apply { } }
control D(packet_out pk, in H hdr) { apply { pk.emit(hdr); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
