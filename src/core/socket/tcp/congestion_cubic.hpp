// congestion_cubic.hpp — CUBIC congestion control (RFC 9438), in integer arithmetic.
//
// Windows are bytes; the cubic function W_cubic(t) = C*(t-K)^3 + W_max (§4.2) is
// evaluated with t in milliseconds, C = 0.4 segments/s^3, beta = 0.7, and K from an
// integer cube root. Per ACK in congestion avoidance (§4.3-§4.5): the Reno-friendly
// estimate W_est grows by alpha*acked/cwnd segments (alpha = 3(1-beta)/(1+beta) = 9/17,
// 1 once W_est reaches cwnd_prior); if W_cubic(t) < W_est, cwnd = W_est; otherwise cwnd
// grows by (target - cwnd)/cwnd per acknowledged segment, target = W_cubic(t + RTT)
// clamped to [cwnd, 1.5*cwnd]. Fractions are carried in remainders, so no growth is
// lost to rounding. t starts at the first ACK of each congestion avoidance stage.
//
// Loss (§4.6, §4.7): W_max = cwnd, or cwnd*(1+beta)/2 when below the previous W_max
// (fast convergence); ssthresh = max(0.7*flight_size, 2*SMSS); during fast recovery
// cwnd = ssthresh + 3*SMSS exactly as NewReno (congestion_newreno.hpp), so the socket's
// recovery code serves both. RTO (§4.8): the same ssthresh, cwnd = 1 SMSS, held
// constant on repeated timeouts with no ACK between (RFC 5681 §3.1); the next stage
// uses K = 0 and W_max = cwnd at its start, as does a first stage after no loss (§4.10).
// Slow start: at most one SMSS per ACK (RFC 5681 eq. 2), initial window RFC 6928.
// cwnd grows only while the flight uses at least half of it (§5.8, RFC 7661's
// validated window); it never exceeds kMaxCwnd, so every product stays in 64 bits.
#pragma once
#include <stdint.h>

#include "core/socket/tcp/congestion.hpp"

namespace keel::tcp {

class Cubic final : public CongestionControl {
 public:
  // kMaxCwnd — the largest window (the largest scaled TCP window, RFC 7323 §2.3).
  static constexpr uint32_t kMaxCwnd = uint32_t(1) << 30;

  void reset(uint32_t mss, Instant now) override;
  void on_ack(uint32_t acked, uint32_t flight_size, Instant now, Duration rtt) override;
  void on_enter_recovery(uint32_t flight_size, Instant now) override;
  void on_exit_recovery(Instant now) override;
  void on_rto(uint32_t flight_size, Instant now) override;
  void on_idle_restart(Instant now) override;

  // w_max — W_max in bytes (0 before the first congestion event).
  uint32_t w_max() const { return w_max_; }
  // cwnd_prior — cwnd just before the last reduction (RFC 9438 §4.6).
  uint32_t cwnd_prior() const { return cwnd_prior_; }
  // w_est — the Reno-friendly estimate of the current stage (§4.3), bytes.
  uint32_t w_est() const { return w_est_; }
  // k — K of the current stage (§4.2 eq. 2), to the nearest millisecond.
  Duration k() const { return Duration::millis(k_ms_); }
  // in_epoch — whether a congestion avoidance stage is running (t, K, W_est valid).
  bool in_epoch() const { return epoch_valid_; }
  // window_at — W_cubic(t) in bytes for the current stage, t measured from its start.
  uint32_t window_at(Duration t) const { return cubic_window(t.as_micros() / 1000); }
  // srtt — the smoothed RTT of the samples passed to on_ack (RFC 6298 gain 1/8).
  Duration srtt() const { return Duration::micros(srtt_us_); }

 private:
  uint32_t initial_window() const;
  uint32_t cubic_window(int64_t t_ms) const;
  void start_epoch(Instant now);
  void reduce(uint32_t flight_size);

  uint32_t w_max_ = 0;       // bytes; 0: undefined
  uint32_t cwnd_prior_ = 0;  // bytes
  uint32_t origin_ = 0;      // the W_max of the running stage's cubic function
  uint32_t k_ms_ = 0;
  uint32_t w_est_ = 0;
  uint64_t est_rem_ = 0;   // W_est growth not yet a whole byte (units of 1/(17*cwnd))
  uint64_t cwnd_rem_ = 0;  // cwnd growth not yet a whole byte (units of 1/cwnd)
  int64_t srtt_us_ = 0;    // 0: no sample yet
  Instant epoch_start_;
  bool epoch_valid_ = false;
  bool after_rto_ = false;       // the next stage starts with K = 0 (§4.8)
  bool rto_without_ack_ = false;  // RFC 5681 §3.1: hold ssthresh on a repeated RTO
};

// cube_root_rounded — the integer nearest the real cube root of x.
uint32_t cube_root_rounded(uint64_t x);

}  // namespace keel::tcp
