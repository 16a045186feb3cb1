#!/usr/bin/env bash
# make_vlan.sh — vlan.pcap: IEEE 802.1Q tagged frames from the kernel (ARP and ping).
# This kernel has no 8021q module (no `type vlan` links, no bridge VLAN filtering, no
# act_vlan), so the tags are pushed and popped by the kernel's bpf_skb_vlan_push/pop
# helpers in a tc (clsact) program on each veth: A tags with PCP 5, DEI 0, VID 5 and
# B with PCP 0, DEI 1, VID 5; each side pops the tag on ingress. tcpdump on vetha sees
# the tagged frames.
. "$(dirname "$0")/lib.sh"
BPF_DIR=$(mktemp -d)
vlan_cleanup() { rm -rf "$BPF_DIR"; cap_cleanup; }
trap 'rm -rf "$BPF_DIR"' EXIT
cat >"$BPF_DIR/vlan.c" <<'C'
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
static long (*skb_vlan_push)(struct __sk_buff *, __u16, __u16) = (void *)BPF_FUNC_skb_vlan_push;
static long (*skb_vlan_pop)(struct __sk_buff *) = (void *)BPF_FUNC_skb_vlan_pop;
#define TCI(pcp, dei, vid) ((pcp) << 13 | (dei) << 12 | (vid))
__attribute__((section("tc_push_a"), used)) int push_a(struct __sk_buff *skb) {
  skb_vlan_push(skb, __builtin_bswap16(0x8100), TCI(5, 0, 5));
  return TC_ACT_OK;
}
__attribute__((section("tc_push_b"), used)) int push_b(struct __sk_buff *skb) {
  skb_vlan_push(skb, __builtin_bswap16(0x8100), TCI(0, 1, 5));
  return TC_ACT_OK;
}
__attribute__((section("tc_pop"), used)) int pop(struct __sk_buff *skb) {
  if (skb->vlan_present) skb_vlan_pop(skb);
  return TC_ACT_OK;
}
char _license[] __attribute__((section("license"), used)) = "GPL";
C
clang -O2 -target bpf -I"/usr/include/$(uname -m)-linux-gnu" -c "$BPF_DIR/vlan.c" -o "$BPF_DIR/vlan.o"

cap_begin vlan vlan
trap vlan_cleanup EXIT
cap_a tc qdisc add dev vetha clsact
cap_a tc filter add dev vetha egress bpf da obj "$BPF_DIR/vlan.o" sec tc_push_a
cap_a tc filter add dev vetha ingress bpf da obj "$BPF_DIR/vlan.o" sec tc_pop
cap_b tc qdisc add dev vethb clsact
cap_b tc filter add dev vethb egress bpf da obj "$BPF_DIR/vlan.o" sec tc_push_b
cap_b tc filter add dev vethb ingress bpf da obj "$BPF_DIR/vlan.o" sec tc_pop

cap_a ping -n -c 1 -W 2 192.0.2.2 >/dev/null
cap_b ping -n -c 1 -W 2 -s 0 192.0.2.1 >/dev/null
cap_end
rm -rf "$BPF_DIR"
