// sntp_client.cpp — SNTP request schedule and reply validation (see the header).
#include "core/socket/sntp_client.hpp"

namespace keel::sntp {

using wire::IpAddress;
namespace ntp = wire::ntp;

namespace {
constexpr int64_t kUnixEpochNtp = 2208988800;  // 1970-01-01 in NTP era 0 seconds
constexpr int64_t kMicros = 1000000;

// frac_ceil(r) — the smallest 32-bit fraction whose microsecond value is r (r ≤ 10^6).
constexpr uint64_t frac_ceil(int64_t r) {
  return ((uint64_t(r) << 32) + uint64_t(kMicros) - 1) / uint64_t(kMicros);
}
}  // namespace

int64_t ntp_to_unix_us(const ntp::Timestamp& t) {
  // RFC 4330 §3: with the top bit clear the time is in era 1 (from 2036-02-07).
  int64_t secs = int64_t(t.seconds) + ((t.seconds & 0x80000000u) ? 0 : (int64_t(1) << 32));
  return (secs - kUnixEpochNtp) * kMicros + int64_t((uint64_t(t.fraction) * kMicros) >> 32);
}

ntp::Timestamp unix_us_to_ntp(int64_t us) {
  int64_t s = us / kMicros, r = us % kMicros;
  if (r < 0) {  // floor division for times before 1970
    r += kMicros;
    --s;
  }
  return ntp::Timestamp{uint32_t(s + kUnixEpochNtp), uint32_t(frac_ceil(r))};
}

void Client::set_servers(Span<const IpAddress> servers) {
  servers_.clear();
  for (const IpAddress& a : servers)
    if (!a.is_unspecified() && !servers_.full()) (void)servers_.push_back(a);
  for (auto& k : kissed_until_) k.reset();
  current_ = tries_ = failed_in_round_ = 0;
  in_flight_ = false;
  next_at_ = Instant();  // due at once
}

bool Client::advance(Instant now) {
  tries_ = 0;
  current_ = uint8_t((current_ + 1) % servers_.size());
  if (++failed_in_round_ < servers_.size()) return true;
  failed_in_round_ = 0;
  ++stats_.rounds_failed;
  next_at_ = now + config_.poll_interval;
  return false;
}

void Client::fail_over(Instant now) {
  ++stats_.failovers;
  if (advance(now)) next_at_ = now;
}

bool Client::pick_server(Instant now) {
  for (;;) {
    const Optional<Instant>& k = kissed_until_[current_];
    if (!k || now >= *k) return true;
    if (!advance(now)) return false;  // every server failed or is backed off
  }
}

Optional<Transmit> Client::poll_transmit(Instant now, int64_t wall_now_us, MutBytes buf) {
  if (servers_.empty() || now < next_at_ || buf.size() < ntp::kHeaderLen) return none;
  if (in_flight_) {
    in_flight_ = false;
    ++stats_.timeouts;
    if (tries_ >= config_.max_tries_per_server) {
      fail_over(now);
      if (now < next_at_) return none;
    }
  }
  if (!pick_server(now)) return none;

  // RFC 4330 §5: every field zero but version, mode and the Transmit Timestamp. Below
  // one microsecond the fraction is random: more for a spoofer to guess, same time.
  ntp::Timestamp t = unix_us_to_ntp(wall_now_us);
  int64_t r = ((wall_now_us % kMicros) + kMicros) % kMicros;
  t.fraction += random_.below(uint32_t(frac_ceil(r + 1) - frac_ceil(r)));
  ntp::Repr req;
  req.version = 4;
  req.mode = ntp::Mode::Client;
  req.transmit_time = t;
  if (!req.emit(buf)) return none;  // cannot fail: the buffer was checked

  Optional<uint16_t> port =
      ports_ ? ports_->acquire() : Optional<uint16_t>(uint16_t(random_.range(kPortMin, kPortMax)));
  in_flight_ = true;
  port_ = port ? *port : 0;
  origin_ = t;
  t1_us_ = wall_now_us;
  ++tries_;
  next_at_ = now + config_.retry;
  if (port_ == 0) {  // nothing sent: retried at next_at_ as if lost
    ++stats_.no_port;
    return none;
  }
  ++stats_.requests;
  return Transmit{ntp::kHeaderLen, servers_[current_], port_};
}

void Client::on_datagram(Instant now, int64_t wall_now_us, Bytes payload, const IpAddress& src,
                         uint16_t src_port, uint16_t dst_port) {
  if (!in_flight_ || port_ == 0 || dst_port != port_) {
    ++stats_.unexpected;
    return;
  }
  if (!(src == servers_[current_])) {
    ++stats_.bad_source;
    return;
  }
  if (src_port != ntp::kPort) {
    ++stats_.bad_source_port;
    return;
  }
  auto p = ntp::Packet::check(payload);
  if (!p) {
    ++stats_.truncated;
    return;
  }
  if (p->version() != 3 && p->version() != 4) {
    ++stats_.bad_version;
    return;
  }
  if (p->mode() != ntp::Mode::Server) {
    ++stats_.bad_mode;
    return;
  }
  if (!(p->origin_time() == origin_)) {
    ++stats_.bad_origin;
    return;
  }
  // The server's answer to this request: usable or not, the request is over.
  in_flight_ = false;
  uint64_t* unusable = nullptr;
  if (p->stratum() == 0) {
    unusable = &stats_.kiss_of_death;  // RFC 4330 §8: stop asking this server
    kissed_until_[current_] = now + config_.kiss_hold;
  } else if (p->transmit_time().is_zero()) {
    unusable = &stats_.zero_transmit;
  } else if (p->stratum() > 15) {
    unusable = &stats_.bad_stratum;
  } else if (p->leap() == ntp::Leap::Unsynchronized) {
    unusable = &stats_.unsynchronized;
  }
  if (unusable) {
    ++*unusable;
    fail_over(now);
    return;
  }

  // RFC 4330 §5: T1 sent, T2 received by the server, T3 sent by it, T4 received here.
  int64_t t2 = ntp_to_unix_us(p->receive_time());
  int64_t t3 = ntp_to_unix_us(p->transmit_time());
  Sample s;
  s.offset_us = ((t2 - t1_us_) + (t3 - wall_now_us)) / 2;
  s.delay_us = (wall_now_us - t1_us_) - (t3 - t2);
  s.server = servers_[current_];
  s.stratum = p->stratum();
  s.server_time_unix_us = t3;
  sample_ = s;
  ++stats_.samples;
  tries_ = 0;
  failed_in_round_ = 0;
  next_at_ = now + config_.poll_interval;
}

Optional<Sample> Client::poll_sample() {
  Optional<Sample> s = sample_;
  sample_.reset();
  return s;
}

Optional<Instant> Client::poll_at() const {
  if (servers_.empty()) return none;
  return next_at_;
}

}  // namespace keel::sntp
