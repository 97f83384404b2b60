#include <core.p4>
#include <v1model.p4>
header h_t { bit<8> a; bit<16> b; bit<32> c; }
struct H { h_t h; }
struct digest_t { bit<8> a; bit<16> b; }
struct M { @field_list(1) bit<8> x; bit<16> y; bit<32> z; bit<2> color; }
parser P(packet_in pk, out H hdr, inout M m, inout standard_metadata_t sm) {
    state start { pk.extract(hdr.h); transition accept; }
}
control VC(inout H hdr, inout M m) {
    apply { verify_checksum(hdr.h.isValid(), { hdr.h.a, hdr.h.b }, hdr.h.c[15:0], HashAlgorithm.csum16); }
}
control I(inout H hdr, inout M m, inout standard_metadata_t sm) {
    register<bit<32>>(32w1024) reg;
    register<bit<32>, bit<10>>(1024) reg2;
    counter(32w64, CounterType.packets_and_bytes) cnt;
    meter(32w16, MeterType.bytes) mtr;
    direct_counter(CounterType.packets) dc;
    direct_meter<bit<2>>(MeterType.packets) dm;
    action a1(bit<9> port) { sm.egress_spec = port; dc.count(); dm.read(m.color); }
    action a2() { mark_to_drop(sm); }
    table t1 { key = { hdr.h.a : exact; } actions = { a1; a2; } counters = dc; meters = dm; size = 64; }
    table t2 {
        key = { hdr.h.b : exact; hdr.h.c : selector; }
        actions = { a1; a2; }
        implementation = action_selector(HashAlgorithm.crc16, 32w16, 32w10);
    }
    table t3 { key = { hdr.h.b : range; hdr.h.a : optional; } actions = { a1; } }
    apply {
        reg.read(m.z, 5);
        reg.write((bit<32>)m.x, m.z + 1);
        reg2.write(10w3, 7);
        cnt.count(32w3);
        mtr.execute_meter(32w2, m.color);
        hash(m.y, HashAlgorithm.crc32, 16w0, { hdr.h.a, hdr.h.b }, 16w65535);
        random(m.z, 32w0, 32w100);
        digest<digest_t>(1, { hdr.h.a, hdr.h.b });
        clone_preserving_field_list(CloneType.I2E, 32w5, 1);
        resubmit_preserving_field_list(1);
        truncate(32w64);
        log_msg("x={}", { m.x });
        assert(m.x != 0);
        t1.apply();
        t2.apply();
        t3.apply();
        if (sm.instance_type == 1) { recirculate_preserving_field_list(0); }
    }
}
control E(inout H hdr, inout M m, inout standard_metadata_t sm) { apply { } }
control CC(inout H hdr, inout M m) {
    apply { update_checksum(true, { hdr.h.a, hdr.h.b }, hdr.h.c, HashAlgorithm.csum16); }
}
control D(packet_out pk, in H hdr) { apply { pk.emit(hdr.h); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
