// tcp_cubic_test.cpp — CUBIC (RFC 9438) against its own formulas, evaluated here in
// floating point: the cubic curve and K at exact times, per-ACK growth, the
// Reno-friendly region, fast convergence, loss and timeout reactions.
#include <gtest/gtest.h>

#include <cmath>

#include "core/socket/tcp/congestion_cubic.hpp"

using namespace keel;
using tcp::Cubic;

namespace {

constexpr uint32_t kMss = 1000;
const Instant kT0 = Instant::from_millis(5000);

// The RFC's formulas, in segments and seconds (§4.2 eq. 1 and 2).
double ref_k(double w_max_seg, double cwnd_epoch_seg) {
  return std::cbrt((w_max_seg - cwnd_epoch_seg) / 0.4);
}
double ref_w_cubic(double t, double k, double w_max_seg) {
  return 0.4 * (t - k) * (t - k) * (t - k) + w_max_seg;
}

// grow_to — slow start, one ACK of one MSS at a time with a full flight, until cwnd.
void grow_to(Cubic& c, uint32_t cwnd, Instant now) {
  for (int i = 0; i < 100000 && c.state().cwnd < cwnd; ++i) {
    c.on_ack(kMss, c.state().cwnd, now, Duration());
  }
  ASSERT_EQ(c.state().cwnd, cwnd);
}

// after_loss — a connection that grew to w segments and then had a fast retransmit
// with a full flight, completed its recovery, and sees RTT samples of rtt.
Cubic after_loss(uint32_t w, Duration rtt) {
  Cubic c;
  c.reset(kMss, kT0);
  grow_to(c, w * kMss, kT0);
  c.on_ack(0, w * kMss, kT0, rtt);  // an RTT sample, nothing acknowledged
  c.on_enter_recovery(w * kMss, kT0);
  c.on_exit_recovery(kT0);
  return c;
}

// ack_round — one RTT's worth of ACKs (one per MSS of cwnd at the round's start),
// evenly spaced, each with a full flight; returns the time after the round.
Instant ack_round(Cubic& c, Instant start, Duration rtt) {
  uint32_t n = c.state().cwnd / kMss;
  for (uint32_t i = 1; i <= n; ++i) {
    c.on_ack(kMss, c.state().cwnd, start + rtt * i / n, rtt);
  }
  return start + rtt;
}

}  // namespace

TEST(CubeRoot, is_exact_on_cubes_and_rounds_to_nearest) {
  EXPECT_EQ(tcp::cube_root_rounded(0), 0u);
  EXPECT_EQ(tcp::cube_root_rounded(1), 1u);
  EXPECT_EQ(tcp::cube_root_rounded(3), 1u);   // 1.44
  EXPECT_EQ(tcp::cube_root_rounded(4), 2u);   // 1.587 (the midpoint 1.5^3 is 3.375)
  EXPECT_EQ(tcp::cube_root_rounded(26), 3u);  // 2.96
  for (uint64_t y = 2; y < 2642245; y += 997) {
    uint64_t cube = y * y * y;
    ASSERT_EQ(tcp::cube_root_rounded(cube), y);
    ASSERT_EQ(tcp::cube_root_rounded(cube - 1), y);
    ASSERT_EQ(tcp::cube_root_rounded(cube + 1), y);
    // Just below and at the midpoint (y + 1/2)^3 = y^3 + 1.5y^2 + 0.75y + 0.125.
    uint64_t mid_ceil = cube + (12 * y * y + 6 * y + 1 + 7) / 8;
    ASSERT_EQ(tcp::cube_root_rounded(mid_ceil - 1), y);
    ASSERT_EQ(tcp::cube_root_rounded(mid_ceil), y + 1);
  }
  EXPECT_EQ(tcp::cube_root_rounded(~uint64_t(0)), 2642246u);  // 2642245.95
}

TEST(Cubic, reset_sets_the_rfc_6928_initial_window) {
  Cubic c;
  struct Case { uint32_t mss, iw; } cases[] = {
      {536, 5360}, {1000, 10000}, {1460, 14600}, {4000, 14600}, {9000, 18000}};
  for (auto k : cases) {
    c.reset(k.mss, kT0);
    EXPECT_EQ(c.state().cwnd, k.iw) << k.mss;
    EXPECT_EQ(c.state().ssthresh, 0xffffffffu);
    EXPECT_FALSE(c.state().in_recovery);
    EXPECT_EQ(c.w_max(), 0u);
  }
}

TEST(Cubic, slow_start_adds_at_most_two_mss_per_ack) {
  Cubic c;
  c.reset(kMss, kT0);
  c.on_ack(500, 10000, kT0, Duration());
  EXPECT_EQ(c.state().cwnd, 10500u);
  c.on_ack(3000, 10500, kT0, Duration());  // a stretch ACK adds up to L = 2 SMSS (RFC 3465)
  EXPECT_EQ(c.state().cwnd, 12500u);
}

TEST(Cubic, an_application_limited_flight_does_not_grow_the_window) {
  Cubic c;
  c.reset(kMss, kT0);
  c.on_ack(kMss, 4999, kT0, Duration());  // less than half of cwnd in flight
  EXPECT_EQ(c.state().cwnd, 10000u);
  c.on_ack(kMss, 5000, kT0, Duration());  // half: validated (RFC 7661)
  EXPECT_EQ(c.state().cwnd, 11000u);
}

TEST(Cubic, fast_retransmit_reduces_by_beta_and_records_w_max) {
  Cubic c;
  c.reset(kMss, kT0);
  grow_to(c, 100000, kT0);
  c.on_enter_recovery(100000, kT0);
  EXPECT_TRUE(c.state().in_recovery);
  EXPECT_EQ(c.state().ssthresh, 70000u);  // 0.7 * flight size
  EXPECT_EQ(c.state().cwnd, 73000u);      // ssthresh + 3 SMSS, as NewReno
  EXPECT_EQ(c.w_max(), 100000u);
  EXPECT_EQ(c.cwnd_prior(), 100000u);
  // ACKs during recovery leave cwnd to the socket; a second loss signal is ignored.
  c.on_ack(kMss, 73000, kT0, Duration());
  c.on_enter_recovery(60000, kT0);
  EXPECT_EQ(c.state().cwnd, 73000u);
  EXPECT_EQ(c.state().ssthresh, 70000u);
  c.on_exit_recovery(kT0);
  EXPECT_FALSE(c.state().in_recovery);
  EXPECT_EQ(c.state().cwnd, 70000u);
}

TEST(Cubic, ssthresh_uses_the_flight_size_and_never_goes_below_two_segments) {
  Cubic c;
  c.reset(kMss, kT0);
  grow_to(c, 50000, kT0);
  c.on_enter_recovery(30000, kT0);  // flight size, not cwnd (§4.6)
  EXPECT_EQ(c.state().ssthresh, 21000u);
  EXPECT_EQ(c.w_max(), 50000u);
  c.on_exit_recovery(kT0);
  c.on_enter_recovery(1000, kT0);
  EXPECT_EQ(c.state().ssthresh, 2000u);
}

TEST(Cubic, k_is_the_cube_root_of_the_reduction_over_c) {
  Cubic c = after_loss(100, Duration::millis(100));
  Instant t = kT0 + Duration::millis(10);
  c.on_ack(kMss, c.state().cwnd, t, Duration::millis(100));  // starts the stage
  ASSERT_TRUE(c.in_epoch());
  double k = ref_k(100, 70);  // 4.2172 s
  EXPECT_NEAR(double(c.k().as_micros()) / 1e6, k, 0.0005);
  EXPECT_EQ(c.k(), Duration::millis(4217));
}

TEST(Cubic, the_cubic_window_matches_the_rfc_formula_at_exact_times) {
  Cubic c = after_loss(100, Duration::millis(100));
  c.on_ack(kMss, c.state().cwnd, kT0, Duration::millis(100));
  double k = double(c.k().as_millis()) / 1000;
  for (int64_t ms : {0, 1, 500, 1000, 2000, 3000, 4000, 4217, 4500, 5000, 6000, 8000,
                     10000, 20000}) {
    double want = ref_w_cubic(double(ms) / 1000, k, 100) * kMss;
    EXPECT_NEAR(double(c.window_at(Duration::millis(ms))), want, 1.0) << ms;
  }
  // At t = 0 the curve starts at cwnd_epoch, up to K's rounding to the millisecond
  // (0.5 ms at a slope of 3*C*K^2 = 21.3 segments/s is 11 bytes); at K it is W_max.
  EXPECT_NEAR(double(c.window_at(Duration())), 70000.0, 11.0);
  EXPECT_EQ(c.window_at(c.k()), 100000u);
}

TEST(Cubic, each_ack_grows_cwnd_toward_the_target_one_rtt_ahead) {
  const Duration rtt = Duration::millis(100);
  Cubic c = after_loss(100, rtt);
  c.on_ack(kMss, c.state().cwnd, kT0, rtt);  // t = 0: starts the stage
  double k = double(c.k().as_millis()) / 1000;
  for (int64_t ms : {250, 1000, 2000, 4100, 4500, 6000}) {
    uint32_t cwnd = c.state().cwnd;
    double w_t = ref_w_cubic(double(ms) / 1000, k, 100) * kMss;
    ASSERT_GE(w_t, c.w_est()) << ms;  // not in the Reno-friendly region
    double target = ref_w_cubic(double(ms + 100) / 1000, k, 100) * kMss;
    target = std::min(std::max(target, double(cwnd)), 1.5 * cwnd);
    // Four segments acknowledged at once: (target - cwnd) / cwnd per segment (§4.4).
    double want = cwnd + (target - cwnd) * 4 * kMss / cwnd;
    c.on_ack(4 * kMss, cwnd, kT0 + Duration::millis(ms), rtt);
    EXPECT_NEAR(double(c.state().cwnd), want, 2.0) << ms;
  }
}

TEST(Cubic, the_target_is_capped_at_one_and_a_half_cwnd) {
  const Duration rtt = Duration::millis(100);
  Cubic c = after_loss(100, rtt);
  c.on_ack(kMss, c.state().cwnd, kT0, rtt);
  // 60 s later the curve is far above; one ACK of a whole cwnd grows it by half.
  uint32_t cwnd = c.state().cwnd;
  c.on_ack(cwnd, cwnd, kT0 + Duration::seconds(60), rtt);
  EXPECT_EQ(c.state().cwnd, cwnd + cwnd / 2);
}

TEST(Cubic, cwnd_follows_the_curve_round_by_round) {
  // ACKs clocked by a 100 ms RTT: cwnd climbs concavely toward W_max, flattens around K,
  // then probes above it. In the cubic region it lies between W_cubic one RTT behind
  // and one RTT ahead of now (it chases W_cubic(t + RTT) and lags by up to a round).
  // Near the plateau the Reno estimate (alpha = 1 once past cwnd_prior) overtakes the
  // flat curve and cwnd is exactly W_est (§4.3).
  const Duration rtt = Duration::millis(100);
  Cubic c = after_loss(100, rtt);
  Instant t = kT0;
  c.on_ack(kMss, c.state().cwnd, t, rtt);
  double k = double(c.k().as_millis()) / 1000;
  int cubic_rounds = 0, reno_rounds = 0;
  for (int round = 1; round <= 70; ++round) {
    t = ack_round(c, t, rtt);
    double s = double((t - kT0).as_millis()) / 1000;
    double cwnd = c.state().cwnd;
    if (c.window_at(t - kT0) < c.w_est()) {
      ++reno_rounds;
      EXPECT_EQ(c.state().cwnd, c.w_est()) << "round " << round;
      continue;
    }
    ++cubic_rounds;
    double lo = ref_w_cubic(s - 0.1, k, 100) * kMss - kMss;
    double hi = ref_w_cubic(s + 0.1, k, 100) * kMss + kMss;
    EXPECT_GE(cwnd, lo) << "round " << round;
    EXPECT_LE(cwnd, hi) << "round " << round;
  }
  EXPECT_GT(cubic_rounds, 40);
  EXPECT_GT(reno_rounds, 5);
  EXPECT_GT(c.state().cwnd, 100000u);  // past K: probing above W_max
}

TEST(Cubic, small_rtt_is_the_reno_friendly_region) {
  // With a 1 ms RTT the cubic curve rises far more slowly per round than Reno would:
  // cwnd follows W_est, which grows alpha = 9/17 segment per round (§4.3).
  const Duration rtt = Duration::millis(1);
  Cubic c = after_loss(100, rtt);
  Instant t = kT0;
  c.on_ack(kMss, c.state().cwnd, t, rtt);
  uint32_t est0 = c.w_est();
  EXPECT_EQ(c.state().cwnd, est0);
  for (int round = 1; round <= 20; ++round) {
    t = ack_round(c, t, rtt);
    EXPECT_EQ(c.state().cwnd, c.w_est()) << round;
    EXPECT_GT(double(c.w_est()), c.window_at(t - kT0)) << round;
  }
  // 20 rounds of about one cwnd of ACKs: W_est grew by about 20 * 9/17 segments.
  double grown = double(c.w_est() - est0) / kMss;
  EXPECT_NEAR(grown, 20.0 * 9 / 17, 0.25);
}

TEST(Cubic, large_rtt_is_the_cubic_region) {
  const Duration rtt = Duration::millis(100);
  Cubic c = after_loss(100, rtt);
  Instant t = kT0;
  c.on_ack(kMss, c.state().cwnd, t, rtt);
  for (int round = 1; round <= 10; ++round) t = ack_round(c, t, rtt);
  EXPECT_GT(c.state().cwnd, c.w_est() + 5 * kMss);
}

TEST(Cubic, w_est_growth_rises_to_one_segment_per_round_at_cwnd_prior) {
  // After W_est reaches cwnd_prior (the window before the loss) alpha becomes 1.
  const Duration rtt = Duration::millis(1);
  Cubic c = after_loss(20, rtt);  // cwnd_prior 20 segments, cwnd_epoch 14
  Instant t = kT0;
  c.on_ack(kMss, c.state().cwnd, t, rtt);
  for (int i = 0; i < 1000 && c.w_est() < c.cwnd_prior(); ++i) t = ack_round(c, t, rtt);
  ASSERT_GE(c.w_est(), c.cwnd_prior());
  uint32_t before = c.w_est();
  uint32_t cwnd = c.state().cwnd;
  for (uint32_t i = 0; i < cwnd / kMss; ++i) {  // exactly one cwnd of ACKs
    c.on_ack(kMss, c.state().cwnd, t, rtt);
  }
  // One segment per cwnd acknowledged, less what the growing cwnd divides away.
  EXPECT_NEAR(double(c.w_est() - before), double(kMss), 0.1 * kMss);
}

TEST(Cubic, fast_convergence_lowers_w_max_when_losing_below_it) {
  Cubic c;
  c.reset(kMss, kT0);
  grow_to(c, 100000, kT0);
  c.on_enter_recovery(100000, kT0);
  c.on_exit_recovery(kT0);
  EXPECT_EQ(c.w_max(), 100000u);
  // Congestion avoidance (Reno-friendly while time stands still) to about 80 segments;
  // the loss comes below W_max, so W_max = cwnd * (1 + 0.7) / 2.
  for (int i = 0; i < 100000 && c.state().cwnd < 80000; ++i) {
    c.on_ack(kMss, c.state().cwnd, kT0, Duration());
  }
  uint32_t w2 = c.state().cwnd;
  ASSERT_GE(w2, 80000u);
  ASSERT_LT(w2, 81000u);
  c.on_enter_recovery(w2, kT0);
  EXPECT_EQ(c.w_max(), uint32_t(uint64_t(w2) * 17 / 20));
  EXPECT_EQ(c.cwnd_prior(), w2);
  EXPECT_EQ(c.state().ssthresh, uint32_t(uint64_t(w2) * 7 / 10));
  c.on_exit_recovery(kT0);
  // A loss at or above W_max records cwnd itself.
  for (int i = 0; i < 100000 && c.state().cwnd < 90000; ++i) {
    c.on_ack(kMss, c.state().cwnd, kT0, Duration());
  }
  uint32_t w3 = c.state().cwnd;
  ASSERT_GE(w3, 90000u);
  c.on_enter_recovery(w3, kT0);
  EXPECT_EQ(c.w_max(), w3);
}

TEST(Cubic, timeout_sets_the_loss_window_and_restarts_with_k_zero) {
  const Duration rtt = Duration::millis(100);
  Cubic c;
  c.reset(kMss, kT0);
  grow_to(c, 100000, kT0);
  c.on_rto(80000, kT0);
  EXPECT_EQ(c.state().cwnd, kMss);  // RFC 5681 §3.1 loss window
  EXPECT_EQ(c.state().ssthresh, 56000u);  // 0.7 * flight size (§4.8)
  EXPECT_FALSE(c.state().in_recovery);
  // The timer fires again before any ACK: ssthresh is held (RFC 5681 §3.1).
  c.on_rto(80000, kT0 + Duration::seconds(1));
  EXPECT_EQ(c.state().ssthresh, 56000u);
  EXPECT_EQ(c.cwnd_prior(), 100000u);
  // Slow start back to ssthresh, then a stage with K = 0 and W_max = cwnd_epoch: the
  // curve is convex from its start, W_cubic(t) = cwnd_epoch + C t^3.
  Instant t = kT0 + Duration::seconds(3);
  grow_to(c, 56000, t);
  c.on_ack(kMss, c.state().cwnd, t, rtt);
  ASSERT_TRUE(c.in_epoch());
  EXPECT_EQ(c.k(), Duration());
  EXPECT_EQ(c.w_max(), 56000u);
  for (int64_t ms : {0, 1000, 2000, 5000}) {
    double want = (56 + 0.4 * std::pow(double(ms) / 1000, 3)) * kMss;
    EXPECT_NEAR(double(c.window_at(Duration::millis(ms))), want, 1.0) << ms;
  }
}

TEST(Cubic, timeout_during_recovery_ends_it) {
  Cubic c = after_loss(50, Duration::millis(10));
  c.on_enter_recovery(35000, kT0);
  ASSERT_TRUE(c.state().in_recovery);
  c.on_rto(35000, kT0);
  EXPECT_FALSE(c.state().in_recovery);
  EXPECT_EQ(c.state().cwnd, kMss);
  c.on_exit_recovery(kT0);  // late: no effect
  EXPECT_EQ(c.state().cwnd, kMss);
}

TEST(Cubic, idle_restart_caps_cwnd_at_the_initial_window) {
  Cubic c = after_loss(50, Duration::millis(10));
  c.on_ack(kMss, c.state().cwnd, kT0, Duration::millis(10));
  ASSERT_TRUE(c.in_epoch());
  c.on_idle_restart(kT0 + Duration::seconds(10));
  EXPECT_EQ(c.state().cwnd, 10000u);
  EXPECT_FALSE(c.in_epoch());
  EXPECT_EQ(c.w_max(), 50000u);  // kept: the next stage aims back at it
}

TEST(Cubic, window_and_arithmetic_stay_bounded_for_extreme_inputs) {
  Cubic c;
  c.reset(65535, kT0);
  for (int i = 0; i < 1000; ++i) c.on_ack(65535, c.state().cwnd, kT0, Duration());
  EXPECT_EQ(c.state().cwnd, 65535u * 1002);
  c.on_enter_recovery(0xffffffffu, kT0);  // absurd flight size
  EXPECT_LE(c.state().cwnd, Cubic::kMaxCwnd);
  c.on_exit_recovery(kT0);
  c.on_ack(0xffffffffu, 0xffffffffu, kT0, Duration::seconds(100));
  // Days later, huge ACKs: cwnd saturates at kMaxCwnd and never wraps.
  for (int i = 1; i <= 100; ++i) {
    c.on_ack(0xffffffffu, 0xffffffffu, kT0 + Duration::seconds(int64_t(i) * 86400),
             Duration::seconds(100));
    ASSERT_LE(c.state().cwnd, Cubic::kMaxCwnd);
    ASSERT_GE(c.state().cwnd, 2u * 65535);
  }
  EXPECT_EQ(c.state().cwnd, Cubic::kMaxCwnd);
  EXPECT_EQ(c.window_at(Duration::seconds(int64_t(1) << 40)), Cubic::kMaxCwnd);
  // A zero MSS is treated as one byte.
  c.reset(0, kT0);
  EXPECT_EQ(c.state().mss, 1u);
  EXPECT_EQ(c.state().cwnd, 10u);
}

TEST(Cubic, is_deterministic) {
  const Duration rtt = Duration::millis(37);
  Cubic a = after_loss(64, rtt), b = after_loss(64, rtt);
  Instant t = kT0;
  for (int round = 0; round < 50; ++round) {
    ack_round(a, t, rtt);
    t = ack_round(b, t, rtt);
    ASSERT_EQ(a.state().cwnd, b.state().cwnd);
  }
}
