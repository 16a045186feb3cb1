// congestion_cubic.cpp — CUBIC (RFC 9438) in integers: see the header for the rules.
#include "core/socket/tcp/congestion_cubic.hpp"

#include "core/base/bits.hpp"

namespace keel::tcp {

namespace {

// beta_cubic = 7/10, C = 4/10, alpha_cubic = 3(1-beta)/(1+beta) = 9/17 (RFC 9438 §4.6,
// §4.2, §4.3); fast convergence multiplies by (1+beta)/2 = 17/20 (§4.7).
constexpr uint64_t kBetaNum = 7, kBetaDen = 10;
constexpr uint64_t kAlphaNum = 9, kAlphaDen = 17;
constexpr uint64_t kFastConvNum = 17, kFastConvDen = 20;
// |t - K| is capped at 2000 s: the cube (8e18 ms^3) still fits in 64 bits, and the
// offset already exceeds kMaxCwnd for any MSS of 1 byte or more.
constexpr uint64_t kMaxSpanMs = 2000000;

// cube_offset — C * mss * (ms/1000)^3 bytes = 4 * mss * ms^3 / 10^10, saturated.
uint64_t cube_offset(uint64_t ms, uint32_t mss) {
  if (ms > kMaxSpanMs) ms = kMaxSpanMs;
  uint64_t q = ms * ms * ms / 10000;  // truncation costs less than 4*mss/10^6 bytes
  uint64_t factor = uint64_t(4) * mss;
  if (q > ~uint64_t(0) / factor) return Cubic::kMaxCwnd;
  return min_of<uint64_t>(q * factor / 1000000, Cubic::kMaxCwnd);
}

}  // namespace

uint32_t cube_root_rounded(uint64_t x) {
  // Bitwise root: three bits of x per bit of the root, largest first (y^3 <= x kept).
  uint64_t y = 0, rest = x;
  for (int s = 63; s >= 0; s -= 3) {
    y <<= 1;
    uint64_t step = 3 * y * (y + 1) + 1;  // (y+1)^3 - y^3
    if ((rest >> s) >= step) {
      rest -= step << s;
      ++y;
    }
  }
  // y = floor(cbrt(x)) and rest = x - y^3. Round up past the midpoint (y + 1/2)^3,
  // that is when 8*rest >= 12y^2 + 6y + 1 (small numbers: y < 2^22).
  if (8 * rest >= 12 * y * y + 6 * y + 1) ++y;
  return uint32_t(y);
}

uint32_t Cubic::initial_window() const {
  return min_of<uint32_t>(10 * state_.mss, max_of<uint32_t>(2 * state_.mss, 14600));
}

void Cubic::reset(uint32_t mss, Instant) {
  *this = Cubic();
  state_.mss = mss == 0 ? 1 : min_of<uint32_t>(mss, 65535);
  state_.cwnd = initial_window();
  state_.ssthresh = 0xffffffffu;
  state_.in_recovery = false;
}

uint32_t Cubic::cubic_window(int64_t t_ms) const {
  int64_t d = t_ms - int64_t(k_ms_);
  uint64_t off = cube_offset(uint64_t(d < 0 ? -d : d), state_.mss);
  if (d < 0) return off >= origin_ ? 0 : uint32_t(origin_ - off);
  return uint32_t(min_of<uint64_t>(origin_ + off, kMaxCwnd));
}

void Cubic::start_epoch(Instant now) {
  uint32_t cwnd = state_.cwnd;
  epoch_valid_ = true;
  epoch_start_ = now;
  if (w_max_ == 0) cwnd_prior_ = cwnd;  // no loss yet: §4.10
  if (after_rto_ || w_max_ <= cwnd) {
    // §4.8 after a timeout, §4.10 without a loss: K = 0, W_max = cwnd_epoch.
    w_max_ = cwnd;
    k_ms_ = 0;
  } else {
    // §4.2 eq. 2: K = cbrt((W_max - cwnd_epoch) / C) s, in ms for bytes and SMSS:
    // cbrt((W_max - cwnd) / mss * 10^9 / 0.4) = cbrt((W_max - cwnd) * 2.5e9 / mss).
    k_ms_ = cube_root_rounded(uint64_t(w_max_ - cwnd) * 2500000000ull / state_.mss);
  }
  origin_ = w_max_;
  after_rto_ = false;
  w_est_ = cwnd;  // §4.3: W_est = cwnd_epoch
  est_rem_ = 0;
  cwnd_rem_ = 0;
}

void Cubic::on_ack(uint32_t acked, uint32_t flight_size, Instant now, Duration rtt) {
  if (rtt > Duration()) {
    int64_t sample = rtt.as_micros();
    srtt_us_ = srtt_us_ == 0 ? sample : srtt_us_ + (sample - srtt_us_) / 8;
  }
  if (acked == 0) return;
  rto_without_ack_ = false;
  if (state_.in_recovery) return;  // the socket runs fast recovery (RFC 5681 §3.2)
  uint32_t& cwnd = state_.cwnd;
  if (uint64_t(flight_size) * 2 < cwnd) return;  // application-limited: no growth
  if (cwnd < state_.ssthresh) {
    // RFC 5681 eq. 2 with RFC 3465 §2.2's limit L = 2*SMSS, so that a stretch ACK (a
    // receiver acknowledging a batch at once, or GRO) still grows the window.
    cwnd = min_of<uint32_t>(cwnd + min_of(acked, 2 * state_.mss), kMaxCwnd);
    return;
  }
  if (!epoch_valid_) start_epoch(now);
  int64_t t_ms = (now - epoch_start_).as_millis();

  // §4.3 eq. 4: W_est += alpha * acked / cwnd (segments), alpha = 1 from cwnd_prior on.
  uint64_t alpha_num = w_est_ >= cwnd_prior_ ? kAlphaDen : kAlphaNum;
  uint64_t den = kAlphaDen * cwnd;
  est_rem_ += uint64_t(acked) * alpha_num * state_.mss;
  uint64_t grow = est_rem_ / den;
  est_rem_ -= grow * den;
  w_est_ = uint32_t(min_of<uint64_t>(w_est_ + grow, kMaxCwnd));

  if (cubic_window(t_ms) < w_est_) {  // the Reno-friendly region (§4.3)
    cwnd = max_of(cwnd, w_est_);
    cwnd_rem_ = 0;
    return;
  }
  // §4.4, §4.5: grow by (target - cwnd) / cwnd per acknowledged segment.
  uint32_t target = cubic_window(t_ms + srtt_us_ / 1000);
  uint32_t ceiling = cwnd + cwnd / 2;
  if (target > ceiling) target = ceiling;
  if (target <= cwnd) return;
  cwnd_rem_ += uint64_t(target - cwnd) * acked;
  uint64_t inc = cwnd_rem_ / cwnd;
  cwnd_rem_ -= inc * cwnd;
  cwnd = uint32_t(min_of<uint64_t>(cwnd + inc, kMaxCwnd));
}

void Cubic::reduce(uint32_t flight_size) {
  uint32_t cwnd = state_.cwnd;
  // §4.7: a flow that lost below its previous W_max releases bandwidth faster.
  if (w_max_ != 0 && cwnd < w_max_) {
    w_max_ = uint32_t(uint64_t(cwnd) * kFastConvNum / kFastConvDen);
  } else {
    w_max_ = cwnd;
  }
  cwnd_prior_ = cwnd;
  uint64_t ss = uint64_t(flight_size) * kBetaNum / kBetaDen;  // §4.6
  ss = max_of<uint64_t>(ss, 2 * uint64_t(state_.mss));
  state_.ssthresh = uint32_t(min_of<uint64_t>(ss, kMaxCwnd));
  epoch_valid_ = false;
}

void Cubic::on_enter_recovery(uint32_t flight_size, Instant) {
  if (state_.in_recovery) return;  // one reduction per window of data
  reduce(flight_size);
  // RFC 5681 §3.2 step 3; the socket inflates per further duplicate ACK (step 4).
  state_.cwnd = min_of(state_.ssthresh + 3 * state_.mss, kMaxCwnd);
  state_.in_recovery = true;
}

void Cubic::on_exit_recovery(Instant) {
  if (!state_.in_recovery) return;
  state_.cwnd = state_.ssthresh;  // RFC 6582 §3.2 step 3, option (2)
  state_.in_recovery = false;
  epoch_valid_ = false;  // the next stage starts at the next ACK
}

void Cubic::on_rto(uint32_t flight_size, Instant) {
  if (!rto_without_ack_) reduce(flight_size);
  rto_without_ack_ = true;
  state_.cwnd = state_.mss;  // loss window (RFC 5681 §3.1)
  state_.in_recovery = false;
  after_rto_ = true;
  epoch_valid_ = false;
}

void Cubic::on_idle_restart(Instant) {
  state_.cwnd = min_of(state_.cwnd, initial_window());  // restart window (RFC 5681 §4.1)
  epoch_valid_ = false;
}

}  // namespace keel::tcp
