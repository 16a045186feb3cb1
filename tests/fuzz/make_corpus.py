#!/usr/bin/python3
"""make_corpus.py — builds the seed corpora under tests/fuzz/corpus/ from the real
captures in tests/data/captures/*.pcap.

For each target it writes the bytes that target parses (whole frames for the chain
target, the UDP datagram for fuzz_udp, ...), one file per packet, named by content hash.
Written against the pcap format directly, with the standard library only.

    /usr/bin/python3 tests/fuzz/make_corpus.py
"""
import glob
import hashlib
import os
import struct

ROOT = os.path.dirname(os.path.abspath(__file__))
CAPTURES = os.path.join(ROOT, "..", "data", "captures")
CORPUS = os.path.join(ROOT, "corpus")


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    link = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        off += 16
        yield link, data[off:off + incl]
        off += incl


def layers(frame):
    """Yields (name, bytes) for each layer of an Ethernet frame we can find."""
    yield "frame", frame
    off = 12
    while len(frame) >= off + 2 and frame[off:off + 2] in (b"\x81\x00", b"\x88\xa8"):
        off += 4
    if len(frame) < off + 2:
        return
    etype = struct.unpack(">H", frame[off:off + 2])[0]
    l3 = frame[off + 2:]
    if etype == 0x0806:
        yield "arp", l3
        return
    if etype == 0x0800 and len(l3) >= 20:
        yield "ipv4", l3
        ihl = (l3[0] & 15) * 4
        proto = l3[9]
        l4 = l3[ihl:]
    elif etype == 0x86DD and len(l3) >= 40:
        yield "ipv6", l3
        proto = l3[6]
        l4 = l3[40:]
        # walk the extension headers kept in captures (hop-by-hop, routing, dest opts)
        while proto in (0, 43, 60) and len(l4) >= 8:
            yield "ipv6ext", l4
            proto, hlen = l4[0], (l4[1] + 1) * 8
            l4 = l4[hlen:]
        if proto == 44 and len(l4) >= 8:
            yield "ipv6ext", l4
            proto = l4[0]
            l4 = l4[8:]
    else:
        return
    names = {1: "icmpv4", 2: "igmp", 6: "tcp", 17: "udp", 58: "icmpv6"}
    if proto in names:
        yield names[proto], l4
    if proto == 17 and len(l4) >= 8:
        sport, dport = struct.unpack(">HH", l4[:4])
        payload = l4[8:]
        if 67 in (sport, dport) or 68 in (sport, dport):
            yield "dhcpv4", payload
        if 53 in (sport, dport):
            yield "dns", payload
        if 123 in (sport, dport):
            yield "ntp", payload


def stack_seed(path):
    """One fuzz_stack input per capture: flags (rewrite dst MAC), then each Ethernet
    frame as [2-byte length][frame][1-byte time step of 20 ms]."""
    out = bytearray(b"\x01")
    for link, frame in frames(path):
        if link != 1:
            continue
        out += struct.pack(">H", len(frame)) + frame + b"\x01"
        if len(out) > 60000:
            break
    return bytes(out) if len(out) > 1 else None


def main():
    written = 0
    for path in sorted(glob.glob(os.path.join(CAPTURES, "*.pcap"))):
        for link, frame in frames(path):
            if link != 1:
                continue
            for name, blob in layers(frame):
                target = "chain" if name == "frame" else name
                d = os.path.join(CORPUS, target)
                os.makedirs(d, exist_ok=True)
                fn = os.path.join(d, hashlib.sha1(blob).hexdigest()[:16])
                if not os.path.exists(fn):
                    with open(fn, "wb") as f:
                        f.write(blob)
                    written += 1
        seed = stack_seed(path)
        if seed:
            d = os.path.join(CORPUS, "stack")
            os.makedirs(d, exist_ok=True)
            fn = os.path.join(d, os.path.basename(path)[:-5])
            if not os.path.exists(fn):
                with open(fn, "wb") as f:
                    f.write(seed)
                written += 1
    print(f"make_corpus: {written} new seed files")


if __name__ == "__main__":
    main()
