// congestion_newreno.hpp — NewReno congestion control (RFC 5681 §3, RFC 6582).
//
// Slow start grows cwnd by at most one SMSS per ACK (RFC 5681 §3.1, RFC 3465 L=1);
// congestion avoidance by one SMSS per cwnd of acknowledged bytes. During fast
// recovery cwnd is left at ssthresh + 3*SMSS: the socket adds the per-dupack inflation
// and the partial-ACK deflation (RFC 6582 §3.2) on its side of the interface.
#pragma once
#include "core/socket/tcp/congestion.hpp"

namespace keel::tcp {

class NewReno final : public CongestionControl {
 public:
  void reset(uint32_t mss, Instant now) override;
  void on_ack(uint32_t acked, uint32_t flight_size, Instant now, Duration rtt) override;
  void on_enter_recovery(uint32_t flight_size, Instant now) override;
  void on_exit_recovery(Instant now) override;
  void on_rto(uint32_t flight_size, Instant now) override;
  void on_idle_restart(Instant now) override;

 private:
  uint32_t initial_window() const;
  uint32_t bytes_acked_ = 0;  // congestion avoidance: acknowledged bytes since cwnd grew
};

}  // namespace keel::tcp
