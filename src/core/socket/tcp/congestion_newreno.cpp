// congestion_newreno.cpp — NewReno (RFC 5681, RFC 6582).
#include "core/socket/tcp/congestion_newreno.hpp"

#include "core/base/bits.hpp"

namespace keel::tcp {

// RFC 6928 §2: min(10*MSS, max(2*MSS, 14600)).
uint32_t NewReno::initial_window() const {
  return min_of<uint32_t>(10 * state_.mss, max_of<uint32_t>(2 * state_.mss, 14600));
}

void NewReno::reset(uint32_t mss, Instant) {
  state_.mss = mss == 0 ? 1 : mss;
  state_.cwnd = initial_window();
  state_.ssthresh = 0xffffffffu;
  state_.in_recovery = false;
  bytes_acked_ = 0;
}

void NewReno::on_ack(uint32_t acked, uint32_t, Instant, Duration) {
  if (state_.in_recovery) return;  // the socket deflates the window itself (RFC 6582)
  if (state_.cwnd < state_.ssthresh) {
    // RFC 5681 eq. 2 with RFC 3465 §2.2's limit L = 2*SMSS, so that a stretch ACK (a
    // receiver acknowledging a batch at once, or GRO) still grows the window.
    state_.cwnd += min_of(acked, 2 * state_.mss);
    return;
  }
  bytes_acked_ += acked;  // RFC 5681 §3.1, eq. 3 in its byte-counting form
  if (bytes_acked_ >= state_.cwnd) {
    bytes_acked_ -= state_.cwnd;
    state_.cwnd += state_.mss;
  }
}

void NewReno::on_enter_recovery(uint32_t flight_size, Instant) {
  state_.ssthresh = max_of(flight_size / 2, 2 * state_.mss);  // RFC 5681 eq. 4
  state_.cwnd = state_.ssthresh + 3 * state_.mss;
  state_.in_recovery = true;
  bytes_acked_ = 0;
}

void NewReno::on_exit_recovery(Instant) {
  state_.cwnd = state_.ssthresh;  // RFC 6582 §3.2 step 3, option (2)
  state_.in_recovery = false;
}

void NewReno::on_rto(uint32_t flight_size, Instant) {
  state_.ssthresh = max_of(flight_size / 2, 2 * state_.mss);
  state_.cwnd = state_.mss;  // loss window (RFC 5681 §3.1)
  state_.in_recovery = false;
  bytes_acked_ = 0;
}

void NewReno::on_idle_restart(Instant) {
  state_.cwnd = min_of(state_.cwnd, initial_window());  // restart window (RFC 5681 §4.1)
}

}  // namespace keel::tcp
