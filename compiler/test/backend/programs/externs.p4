// Exercises the v1model externs the back end maps to bmv2 objects and primitives.
#include <core.p4>
#include <v1model.p4>

header eth_t {
    bit<48> dst;
    bit<48> src;
    bit<16> type;
}

header probe_t {
    bit<8>  op;
    bit<8>  idx;
    bit<32> value;
    bit<16> hash;
    bit<8>  color;
    bit<8>  flags;
}

@controller_header("packet_in")
header packet_in_t {
    @id(1) bit<9> ingress_port;
    @id(2) bit<7> pad;
}

struct headers_t {
    packet_in_t cpu;
    eth_t   eth;
    probe_t probe;
}

struct learn_t {
    bit<48> src;
    bit<8>  idx;
}

struct meta_t {
    bit<32> stored;
    bit<8>  color;
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.eth);
        transition select(hdr.eth.type) {
            0x88b5: parse_probe;
            default: accept;
        }
    }
    state parse_probe {
        pkt.extract(hdr.probe);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    register<bit<32>>(16) store;
    counter(16, CounterType.packets_and_bytes) seen;
    direct_counter(CounterType.packets) fwd_hits;
    meter(4, MeterType.packets) rate;

    action drop() { mark_to_drop(sm); }
    action forward(bit<9> port) { sm.egress_spec = port; }
    action forward_counted(bit<9> port) { sm.egress_spec = port; }

    table fwd {
        key = { hdr.eth.dst : exact; }
        actions = { forward_counted; drop; }
        counters = fwd_hits;
        default_action = drop();
    }

    action_selector(HashAlgorithm.crc16, 32w64, 32w10) pool;
    table spread {
        key = { hdr.probe.idx : exact; hdr.eth.src : selector; }
        actions = { forward; }
        implementation = pool;
    }

    apply {
        if (!hdr.probe.isValid()) {
            fwd.apply();
            return;
        }
        seen.count((bit<32>)hdr.probe.idx);
        if (hdr.probe.op == 1) {
            store.write((bit<32>)hdr.probe.idx, hdr.probe.value);
        } else if (hdr.probe.op == 2) {
            store.read(hdr.probe.value, (bit<32>)hdr.probe.idx);
        } else if (hdr.probe.op == 3) {
            hash(hdr.probe.hash, HashAlgorithm.crc16, 16w0, { hdr.eth.src, hdr.probe.idx }, 17w65536);
        } else if (hdr.probe.op == 4) {
            digest<learn_t>(1, { hdr.eth.src, hdr.probe.idx });
        } else if (hdr.probe.op == 5) {
            rate.execute_meter((bit<32>)hdr.probe.idx, meta.color);
            hdr.probe.color = meta.color;
        } else if (hdr.probe.op == 6) {
            spread.apply();
            return;
        }
        sm.egress_spec = sm.ingress_port;
    }
}

control E(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }
control C(inout headers_t hdr, inout meta_t meta) { apply { } }

control D(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.cpu);
        pkt.emit(hdr.eth);
        pkt.emit(hdr.probe);
    }
}

V1Switch(P(), VC(), I(), E(), C(), D()) main;
