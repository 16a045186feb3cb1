// tcp_sim_test.cpp — TCP through two whole stacks on an in-memory link, simulated
// time: connect, transfer byte-exact both ways (also under seeded faults), graceful
// close, RST for a closed port, slot reuse after close.
#include <gtest/gtest.h>

#include <iostream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "core/wire/ethernet.hpp"
#include "core/wire/icmpv4.hpp"
#include "core/wire/ipv4.hpp"
#include "core/wire/tcp.hpp"
#include "support/sim.hpp"

using namespace keel;
using keel::test::sim_ip;
using keel::test::SimNet;
using keel::test::pattern;

namespace {

struct Connected {
  Handle client, server;
};

Connected connect_pair(SimNet& net, uint16_t port = 80) {
  Stack& a = *net.a().stack;
  Stack& b = *net.b().stack;
  Handle lst = *b.tcp_listen(Endpoint{wire::IpAddress(), port});
  Handle c = *a.tcp_open();
  EXPECT_TRUE(a.tcp_connect(c, Endpoint{sim_ip(2), port}, net.now()).ok());
  Handle s{};
  EXPECT_TRUE(net.run_until([&] {
    auto h = b.tcp_accept(lst, net.now());
    if (h) s = *h;
    return h.ok();
  }, Duration::seconds(10)));
  EXPECT_TRUE(net.run_until([&] { return a.tcp(c)->state() == tcp::State::Established; },
                            Duration::seconds(10)));
  return {c, s};
}

// transfer — sends data from (from, hf) to (to, ht) and returns what arrived.
std::vector<uint8_t> transfer(SimNet& net, Stack& from, Handle hf, Stack& to, Handle ht,
                              const std::vector<uint8_t>& data, Duration limit) {
  size_t sent = 0;
  std::vector<uint8_t> got;
  std::vector<uint8_t> buf(8192);
  net.run_until([&] {
    if (sent < data.size()) {
      auto n = from.tcp(hf)->send(Bytes(data.data() + sent, data.size() - sent));
      if (n) sent += *n;
    }
    for (;;) {
      auto r = to.tcp(ht)->recv(MutBytes(buf.data(), buf.size()));
      if (!r || *r == 0) break;
      got.insert(got.end(), buf.begin(), buf.begin() + static_cast<long>(*r));
    }
    return got.size() >= data.size();
  }, limit);
  return got;
}

// stalled_state — both sockets' sequence state, timers and both stacks' drop counters,
// printed when a transfer did not finish (what to look at first).
std::string stalled_state(SimNet& net, tcp::Socket* x, tcp::Socket* y) {
  std::ostringstream out;
  for (tcp::Socket* sk : {x, y}) {
    auto d = sk->diagnostics();
    auto pa = sk->poll_at();
    out << tcp::state_name(d.state) << " una=" << d.snd_una << " nxt=" << d.snd_nxt << " max=" << d.snd_max
        << " rcv_nxt=" << d.rcv_nxt << " snd_wnd=" << d.snd_wnd << " rcv_wnd=" << d.rcv_wnd << " cwnd=" << d.cwnd
        << " ssthresh=" << d.ssthresh << " rto=" << d.rto.as_millis() << " sq=" << sk->send_queue()
        << " rq=" << sk->recv_queue() << " poll_at=" << (pa ? pa->millis() : -1) << " now=" << net.now().millis()
        << " in=" << d.segs_in << " out=" << d.segs_out << " unacceptable=" << d.dropped_unacceptable << "\n";
  }
  for (const test::SimNode* n : {&net.a(), &net.b()}) {
    const iface::InterfaceStats& st = n->stack->stats(n->id);
    for (size_t i = 0; i < size_t(iface::Drop::Count); ++i)
      if (st.drops[i]) out << iface::drop_name(iface::Drop(i)) << "=" << st.drops[i] << " ";
    out << "\n";
  }
  return out.str();
}

}  // namespace

TEST(TcpSim, connects_and_moves_a_megabyte_each_way_byte_exact) {
  SimNet net;
  auto p = connect_pair(net);
  Stack& a = *net.a().stack;
  Stack& b = *net.b().stack;
  auto up = pattern(1 << 20, 1);
  EXPECT_EQ(transfer(net, a, p.client, b, p.server, up, Duration::seconds(60)), up);
  auto down = pattern(1 << 20, 2);
  EXPECT_EQ(transfer(net, b, p.server, a, p.client, down, Duration::seconds(60)), down);
  EXPECT_EQ(a.tcp(p.client)->diagnostics().retransmissions, 0u);
}

TEST(TcpSim, survives_loss_duplication_and_reordering_byte_exact) {
  linux_port::FaultConfig f;
  f.loss_pct = 2;
  f.dup_pct = 2;
  f.reorder_pct = 5;
  SimNet net(f, 11);
  auto p = connect_pair(net);
  auto data = pattern(300000, 3);
  EXPECT_EQ(transfer(net, *net.a().stack, p.client, *net.b().stack, p.server, data, Duration::seconds(300)),
            data);
}

TEST(TcpSim, graceful_close_reaches_both_ends_and_frees_the_slots) {
  SimNet net;
  auto p = connect_pair(net);
  Stack& a = *net.a().stack;
  Stack& b = *net.b().stack;
  a.close(p.client);  // FIN from A
  uint8_t buf[16];
  ASSERT_TRUE(net.run_until([&] {
    auto r = b.tcp(p.server)->recv(MutBytes(buf));
    return !r && r.error() == tcp::RecvError::Finished;
  }, Duration::seconds(5)));
  b.close(p.server);
  net.run_for(Duration::seconds(2), Duration::millis(10));
  EXPECT_EQ(b.tcp(p.server), nullptr);  // the handle is gone
  // A waits in TIME-WAIT; after 2MSL every slot is reusable.
  net.run_for(Duration::seconds(65), Duration::millis(100));
  for (size_t i = 0; i < config::kTcpSockets; ++i) EXPECT_TRUE(a.tcp_open().ok()) << i;
}

TEST(TcpSim, a_closed_port_answers_rst_and_connect_fails_refused) {
  SimNet net;
  Stack& a = *net.a().stack;
  Handle c = *a.tcp_open();
  ASSERT_TRUE(a.tcp_connect(c, Endpoint{sim_ip(2), 81}, net.now()).ok());
  ASSERT_TRUE(net.run_until([&] { return a.tcp(c)->state() == tcp::State::Closed; }, Duration::seconds(5)));
  EXPECT_EQ(a.tcp(c)->error(), tcp::Error::Refused);
  EXPECT_EQ(net.b().stack->stats(net.b().id).dropped(iface::Drop::NoListener), 1u);
}

namespace {
// spoofed_syn — an Ethernet frame carrying a SYN from 192.0.2.99:port to B:80, as a
// flood would send it (the source does not exist, so nobody answers B's SYN,ACKs).
std::vector<uint8_t> spoofed_syn(const wire::MacAddress& dst_mac, uint16_t port, uint32_t seq) {
  const wire::Ipv4Address src = sim_ip(99), dst = sim_ip(2);
  wire::tcp::Repr syn;
  syn.src_port = port;
  syn.dst_port = 80;
  syn.seq = seq;
  syn.flags = wire::tcp::flag::kSyn;
  syn.window = 64240;
  syn.mss = uint16_t(1460);
  std::vector<uint8_t> l4(syn.buffer_len());
  EXPECT_TRUE(syn.emit(MutBytes(l4.data(), l4.size()), src, dst).ok());
  wire::ipv4::Repr ip;
  ip.src = src;
  ip.dst = dst;
  ip.protocol = wire::IpProtocol::Tcp;
  ip.payload_len = static_cast<uint16_t>(l4.size());
  wire::ethernet::Repr eth{wire::MacAddress{{0x02, 0, 0, 0, 0, 0x99}}, dst_mac, wire::EtherType::Ipv4, none};
  std::vector<uint8_t> frame(14 + ip.buffer_len());
  EXPECT_TRUE(eth.emit(MutBytes(frame.data(), 14)).ok());
  EXPECT_TRUE(ip.emit(MutBytes(frame.data() + 14, ip.buffer_len())).ok());
  std::copy(l4.begin(), l4.end(), frame.begin() + 14 + 20);
  return frame;
}
}  // namespace

TEST(TcpSim, syn_flood_fills_the_queue_but_connections_and_new_clients_get_through) {
  SimNet net;
  Stack& a = *net.a().stack;
  Stack& b = *net.b().stack;
  Handle lst = *b.tcp_listen(Endpoint{wire::IpAddress(), 80});
  Handle c = *a.tcp_open();
  ASSERT_TRUE(a.tcp_connect(c, Endpoint{sim_ip(2), 80}, net.now()).ok());
  Handle s{};
  ASSERT_TRUE(net.run_until([&] {
    auto h = b.tcp_accept(lst, net.now());
    if (h) s = *h;
    return h.ok();
  }, Duration::seconds(5)));
  // The flood: far more SYNs than the SYN queue holds, from a source that never answers.
  for (uint32_t i = 0; i < 500; ++i) {
    auto f = spoofed_syn(b.mac(net.b().id), static_cast<uint16_t>(10000 + i), i * 7919);
    b.receive_frame(net.b().id, Bytes(f.data(), f.size()), net.now());
  }
  net.run_for(Duration::millis(50));
  const tcp::ListenerStats& st = b.tcp_listener(lst)->stats();
  // Every slot holds a fresh half-open entry: a cookie's ACK could find no room, so the
  // rest are dropped unanswered (counted), not answered with cookies.
  EXPECT_EQ(b.tcp_listener(lst)->half_open(), config::kTcpBacklog);
  EXPECT_EQ(st.syns_queued, 1u + config::kTcpBacklog);  // the real client's and the flood's
  EXPECT_EQ(st.syn_queue_full, 500u - config::kTcpBacklog);
  EXPECT_EQ(st.syns_dropped, 500u - config::kTcpBacklog);
  EXPECT_EQ(st.cookies_sent, 0u);
  // The established connection still works.
  auto data = pattern(100000, 9);
  EXPECT_EQ(transfer(net, a, c, b, s, data, Duration::seconds(30)), data);
  // A new client connects although the SYN queue is full: its first SYN is dropped;
  // by its retransmission the flood's entries have gone unanswered for a whole SYN,ACK
  // timeout (stale), so it gets a cookie, and its ACK takes a stale entry's slot.
  Handle c2 = *a.tcp_open();
  ASSERT_TRUE(a.tcp_connect(c2, Endpoint{sim_ip(2), 80}, net.now()).ok());
  Handle s2{};
  EXPECT_TRUE(net.run_until([&] {
    auto h = b.tcp_accept(lst, net.now());
    if (h) s2 = *h;
    return h.ok();
  }, Duration::seconds(10)));
  EXPECT_GT(st.cookies_sent, 0u);
  EXPECT_EQ(st.cookies_accepted, 1u);
  EXPECT_EQ(st.half_open_evicted, 1u);
  EXPECT_EQ(st.resets_sent, 0u);
  EXPECT_EQ(st.syns, st.syns_queued + st.cookies_sent + st.syns_dropped);
  auto more = pattern(20000, 10);
  EXPECT_EQ(transfer(net, a, c2, b, s2, more, Duration::seconds(30)), more);
}

// Byte-exact 10 MB transfers through two stacks under seeded faults (loss, duplication,
// reordering, corruption, and all at once), for each congestion control, with SACK on
// and off (the simulation matrix).
struct FaultCase {
  const char* name;
  double loss, dup, reorder, corrupt;
};

class TcpSimFaults
    : public ::testing::TestWithParam<std::tuple<tcp::CongestionAlgorithm, bool, FaultCase>> {};

TEST_P(TcpSimFaults, transfer_is_byte_exact) {
  auto [algo, sack, fc] = GetParam();
  linux_port::FaultConfig f;
  f.loss_pct = fc.loss;
  f.dup_pct = fc.dup;
  f.reorder_pct = fc.reorder;
  f.corrupt_pct = fc.corrupt;
  SimNet net(f, 21);
  Stack& a = *net.a().stack;
  Stack& b = *net.b().stack;
  Handle lst = *b.tcp_listen(Endpoint{wire::IpAddress(), 80});
  b.tcp_listener(lst)->options().sack = sack;
  Handle c = *a.tcp_open();
  a.tcp(c)->options().congestion = algo;
  a.tcp(c)->options().sack = sack;
  a.tcp(c)->options().min_rto = Duration::millis(200);
  ASSERT_TRUE(a.tcp_connect(c, Endpoint{sim_ip(2), 80}, net.now()).ok());
  Handle s{};
  ASSERT_TRUE(net.run_until([&] {
    auto h = b.tcp_accept(lst, net.now());
    if (h) s = *h;
    return h.ok();
  }, Duration::seconds(60)));
  auto data = pattern(10 << 20, 17);
  auto got = transfer(net, a, c, b, s, data, Duration::seconds(3600));
  auto d = a.tcp(c)->diagnostics();
  std::cout << "  " << fc.name << ": " << net.now().millis() << " ms simulated, timeouts " << d.timeouts
            << ", fast recoveries " << d.fast_recoveries << " (SACK " << d.sack_recoveries
            << "), retransmitted segments " << d.retransmissions << "\n";
  EXPECT_EQ(got.size(), data.size()) << "state " << int(a.tcp(c)->state()) << " error "
                                     << int(a.tcp(c)->error()) << " rto " << d.timeouts
                                     << " rexmit " << d.retransmissions;
  EXPECT_TRUE(got == data);
  if (got.size() != data.size()) std::cout << stalled_state(net, a.tcp(c), b.tcp(s));
  if (fc.loss > 0) {
    EXPECT_GT(d.retransmissions, 0u);
    EXPECT_GT(d.fast_recoveries, 0u);  // loss is repaired by fast retransmit, not only RTOs
    EXPECT_EQ(d.sack_recoveries, sack ? d.fast_recoveries : 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Faults, TcpSimFaults,
    ::testing::Combine(::testing::Values(tcp::CongestionAlgorithm::NewReno, tcp::CongestionAlgorithm::Cubic),
                       ::testing::Bool(),
                       ::testing::Values(FaultCase{"loss1", 1, 0, 0, 0}, FaultCase{"loss5", 5, 0, 0, 0},
                                         FaultCase{"loss20", 20, 0, 0, 0}, FaultCase{"dup5", 0, 5, 0, 0},
                                         FaultCase{"reorder10", 0, 0, 10, 0},
                                         FaultCase{"corrupt2", 0, 0, 0, 2},
                                         FaultCase{"mixed", 2, 2, 5, 1})),
    [](const auto& info) {
      return std::string(std::get<0>(info.param) == tcp::CongestionAlgorithm::Cubic ? "cubic" : "newreno") +
             (std::get<1>(info.param) ? "_sack_" : "_nosack_") + std::get<2>(info.param).name;
    });

namespace {
// icmp_about — an Ethernet frame from B to A carrying an ICMP error (type, code, MTU)
// that quotes A's TCP segment local -> remote with sequence number seq.
std::vector<uint8_t> icmp_about(SimNet& net, const Endpoint& local, const Endpoint& remote,
                                uint32_t seq, uint8_t type, uint8_t code, uint16_t mtu) {
  wire::tcp::Repr seg;
  seg.src_port = local.port;
  seg.dst_port = remote.port;
  seg.seq = seq;
  seg.flags = wire::tcp::flag::kAck;
  std::vector<uint8_t> tcpb(seg.buffer_len());
  EXPECT_TRUE(seg.emit(MutBytes(tcpb.data(), tcpb.size()), local.addr, remote.addr).ok());
  wire::ipv4::Repr inner;
  inner.src = local.addr.v4();
  inner.dst = remote.addr.v4();
  inner.protocol = wire::IpProtocol::Tcp;
  inner.payload_len = static_cast<uint16_t>(tcpb.size());
  std::vector<uint8_t> quote(20 + 8);
  std::vector<uint8_t> full(inner.buffer_len());
  EXPECT_TRUE(inner.emit(MutBytes(full.data(), full.size())).ok());
  std::copy(full.begin(), full.begin() + 20, quote.begin());
  std::copy(tcpb.begin(), tcpb.begin() + 8, quote.begin() + 20);  // RFC 792: 8 bytes
  wire::icmpv4::Repr err;
  err.type = static_cast<wire::icmpv4::Type>(type);
  err.code = code;
  err.next_hop_mtu = mtu;
  err.data = Bytes(quote.data(), quote.size());
  std::vector<uint8_t> icmp(err.buffer_len());
  EXPECT_TRUE(err.emit(MutBytes(icmp.data(), icmp.size())).ok());
  wire::ipv4::Repr ip;
  ip.src = sim_ip(2);
  ip.dst = sim_ip(1);
  ip.protocol = wire::IpProtocol::Icmp;
  ip.payload_len = static_cast<uint16_t>(icmp.size());
  wire::ethernet::Repr eth{net.b().stack->mac(net.b().id), net.a().stack->mac(net.a().id),
                           wire::EtherType::Ipv4, none};
  std::vector<uint8_t> frame(14 + ip.buffer_len());
  EXPECT_TRUE(eth.emit(MutBytes(frame.data(), 14)).ok());
  EXPECT_TRUE(ip.emit(MutBytes(frame.data() + 14, ip.buffer_len())).ok());
  std::copy(icmp.begin(), icmp.end(), frame.begin() + 34);
  return frame;
}
}  // namespace

TEST(TcpSim, fragmentation_needed_lowers_the_mss_and_the_transfer_completes) {
  SimNet net;
  auto p = connect_pair(net);
  Stack& a = *net.a().stack;
  tcp::Socket& sock = *a.tcp(p.client);
  auto data = pattern(200000, 5);
  ASSERT_GT(*sock.send(Bytes(data.data(), 50000)), 0u);
  a.poll(net.now());  // segments leave A; B has not acknowledged them yet
  auto d = sock.diagnostics();
  ASSERT_LT(d.snd_una, d.snd_max);
  // An error quoting a sequence number outside the flight is ignored (RFC 5927).
  auto bogus = icmp_about(net, sock.local(), sock.remote(), d.snd_una - 100000, 3, 4, 1000);
  a.receive_frame(net.a().id, Bytes(bogus.data(), bogus.size()), net.now());
  EXPECT_EQ(sock.diagnostics().pmtu_reductions, 0u);
  EXPECT_EQ(a.stats(net.a().id).dropped(iface::Drop::IcmpIgnored), 1u);
  // A valid one lowers the MSS to the path MTU less the headers and timestamps.
  auto frag = icmp_about(net, sock.local(), sock.remote(), d.snd_una, 3, 4, 1000);
  a.receive_frame(net.a().id, Bytes(frag.data(), frag.size()), net.now());
  EXPECT_EQ(sock.diagnostics().pmtu_reductions, 1u);
  EXPECT_EQ(sock.diagnostics().smss, 1000u - 40 - 12);
  // The rest goes in smaller segments, byte-exact (50000 bytes were already queued).
  size_t sent = 50000;
  std::vector<uint8_t> got, buf(8192);
  Stack& b = *net.b().stack;
  ASSERT_TRUE(net.run_until([&] {
    if (sent < data.size()) {
      auto n = sock.send(Bytes(data.data() + sent, data.size() - sent));
      if (n) sent += *n;
    }
    for (;;) {
      auto r = b.tcp(p.server)->recv(MutBytes(buf.data(), buf.size()));
      if (!r || *r == 0) break;
      got.insert(got.end(), buf.begin(), buf.begin() + static_cast<long>(*r));
    }
    return got.size() >= data.size();
  }, Duration::seconds(60)));
  EXPECT_TRUE(got == data);
}

TEST(TcpSim, port_unreachable_for_our_syn_ends_the_connection_as_unreachable) {
  SimNet net;
  Stack& a = *net.a().stack;
  // B listens nowhere but would answer RST; the ICMP error arrives first here.
  Handle c = *a.tcp_open();
  ASSERT_TRUE(a.tcp_connect(c, Endpoint{sim_ip(2), 5555}, net.now()).ok());
  a.poll(net.now());  // the SYN leaves
  tcp::Socket& sock = *a.tcp(c);
  ASSERT_EQ(sock.state(), tcp::State::SynSent);
  auto err = icmp_about(net, sock.local(), sock.remote(), sock.diagnostics().snd_una, 3, 3, 0);
  a.receive_frame(net.a().id, Bytes(err.data(), err.size()), net.now());
  EXPECT_EQ(sock.state(), tcp::State::Closed);
  EXPECT_EQ(sock.error(), tcp::Error::Unreachable);
}

TEST(TcpSim, per_interface_tcp_counters_follow_rfc4022) {
  linux_port::FaultConfig f;
  f.loss_pct = 2;
  SimNet net(f, 5);
  Stack& a = *net.a().stack;
  Stack& b = *net.b().stack;
  auto p = connect_pair(net);
  auto data = pattern(1 << 20, 3);
  ASSERT_EQ(transfer(net, a, p.client, b, p.server, data, Duration::seconds(120)), data);
  auto d = a.tcp(p.client)->diagnostics();
  const iface::TcpCounters& ca = a.stats(net.a().id).tcp;
  const iface::TcpCounters& cb = b.stats(net.b().id).tcp;
  EXPECT_EQ(ca.active_opens, 1u);
  EXPECT_EQ(ca.passive_opens, 0u);
  EXPECT_EQ(cb.passive_opens, 1u);
  EXPECT_EQ(cb.active_opens, 0u);
  ASSERT_GT(d.retransmissions, 0u);
  EXPECT_EQ(ca.retrans_segs, d.retransmissions);  // A has one socket and no listener
  EXPECT_EQ(ca.out_segs + ca.retrans_segs, d.segs_out);
  EXPECT_EQ(ca.in_segs, d.segs_in);
  EXPECT_EQ(ca.in_errs + cb.in_errs, 0u);
  // A connection refused: B resets the SYN to a port nobody listens on.
  Handle c2 = *a.tcp_open();
  ASSERT_TRUE(a.tcp_connect(c2, Endpoint{sim_ip(2), 81}, net.now()).ok());
  ASSERT_TRUE(net.run_until([&] { return a.tcp(c2)->state() == tcp::State::Closed; }, Duration::seconds(60)));
  EXPECT_EQ(a.tcp(c2)->error(), tcp::Error::Refused);
  EXPECT_EQ(ca.active_opens, 2u);
  EXPECT_EQ(ca.attempt_fails, 1u);
  EXPECT_EQ(cb.out_rsts, 1u);
}

TEST(TcpSim, an_aborted_socket_keeps_its_slot_until_its_rst_is_sent) {
  SimNet net;
  Stack& a = *net.a().stack;
  Stack& b = *net.b().stack;
  auto p = connect_pair(net);
  a.tcp(p.client)->abort();  // the RST is due at the next poll
  a.close(p.client);
  Handle next = *a.tcp_open();
  EXPECT_NE(next.index, p.client.index);  // the aborted slot still holds its RST
  ASSERT_TRUE(net.run_until([&] { return b.tcp(p.server)->state() == tcp::State::Closed; },
                            Duration::seconds(5)));
  EXPECT_EQ(b.tcp(p.server)->error(), tcp::Error::Reset);
  EXPECT_EQ(b.stats(net.b().id).tcp.estab_resets, 1u);
  EXPECT_EQ(a.stats(net.a().id).tcp.out_rsts, 1u);
}
