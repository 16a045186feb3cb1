// congestion.hpp — the interface between a TCP socket and its congestion control.
//
// The socket owns loss detection (dupacks, SACK, RTO) and tells the controller what
// happened; the controller owns cwnd and ssthresh. Algorithms: NewReno (RFC 5681,
// RFC 6582; congestion_newreno.*) and CUBIC (RFC 9438; congestion_cubic.*), chosen per
// socket. All sizes in bytes; time passed in.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/time.hpp"

namespace keel::tcp {

enum class CongestionAlgorithm : uint8_t { NewReno, Cubic };

// CongestionState — what every algorithm keeps; the socket reads cwnd and ssthresh.
struct CongestionState {
  uint32_t mss = 536;
  uint32_t cwnd = 0;       // congestion window
  uint32_t ssthresh = 0;   // slow-start threshold (0xffffffff: none yet)
  bool in_recovery = false;
};

class CongestionControl {
 public:
  // reset — a new connection with this MSS: initial window per RFC 6928 (10 segments,
  // bounded by 14600 bytes), ssthresh "arbitrarily high".
  virtual void reset(uint32_t mss, Instant now) = 0;
  // on_ack — newly acknowledged bytes (cumulative ACK advanced by acked), with the
  // current flight size before the ACK and an RTT sample if one was taken.
  virtual void on_ack(uint32_t acked, uint32_t flight_size, Instant now, Duration rtt) = 0;
  // on_enter_recovery — fast retransmit (third dupack or SACK loss): RFC 5681 §3.2 step 2.
  virtual void on_enter_recovery(uint32_t flight_size, Instant now) = 0;
  // on_exit_recovery — the recovery point was acknowledged (RFC 6582 full ACK).
  virtual void on_exit_recovery(Instant now) = 0;
  // on_rto — the retransmission timer fired (RFC 5681 §3.1 eq. 4, cwnd = 1 MSS).
  virtual void on_rto(uint32_t flight_size, Instant now) = 0;
  // on_idle_restart — after an idle period longer than RTO (RFC 5681 §4.1).
  virtual void on_idle_restart(Instant now) = 0;
  const CongestionState& state() const { return state_; }

 protected:
  // Not virtual: never deleted through this interface, and a virtual destructor would
  // pull operator delete into heap-free builds.
  ~CongestionControl() = default;
  CongestionState state_;
};

}  // namespace keel::tcp
