// tcp_apps.cpp — echo, discard and HTTP on keel's TCP sockets.
#include "tcp_apps.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace keel::demo {

namespace {
constexpr size_t kMaxRequestHead = 8192;

// dl_byte — the /dl stream: a repeating pattern a client can check without a file.
uint8_t dl_byte(uint64_t i) { return static_cast<uint8_t>('a' + i % 26); }

const char* kind_name(int k) { return k == 0 ? "echo" : k == 1 ? "discard" : "http"; }

std::string response(int code, const char* reason, const std::string& type, const std::string& body) {
  char head[256];
  std::snprintf(head, sizeof head,
                "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                code, reason, type.c_str(), body.size());
  return head + body;
}
}  // namespace

TcpApps::TcpApps(Stack& stack, std::function<std::string()> stats_json)
    : stack_(stack), stats_json_(std::move(stats_json)), buf_(65536) {}

bool TcpApps::start(std::string* error) {
  auto listen = [&](uint16_t port, Handle* out) {
    auto h = stack_.tcp_listen(Endpoint{wire::IpAddress(), port});
    if (!h) {
      *error = "cannot listen on TCP port " + std::to_string(port);
      return false;
    }
    *out = *h;
    return true;
  };
  return listen(7, &echo_) && listen(9, &discard_) && listen(80, &http_);
}

void TcpApps::accept_all(Handle listener, Kind kind, Instant now) {
  for (int i = 0; i < 16; ++i) {
    auto h = stack_.tcp_accept(listener, now);
    if (!h) return;
    Conn c;
    c.handle = *h;
    c.kind = kind;
    conns_.push_back(std::move(c));
    ++connections_;
    ++accepted_[static_cast<int>(kind)];
  }
}

void TcpApps::poll(Instant now) {
  accept_all(echo_, Kind::Echo, now);
  accept_all(discard_, Kind::Discard, now);
  accept_all(http_, Kind::Http, now);
  for (Conn& c : conns_) serve(c, now);
  conns_.erase(std::remove_if(conns_.begin(), conns_.end(), [&](const Conn& c) {
                 if (!c.done) return false;
                 report_done(c);
                 stack_.close(c.handle);
                 return true;
               }),
               conns_.end());
}

void TcpApps::serve(Conn& c, Instant now) {
  tcp::Socket* s = stack_.tcp(c.handle);
  if (!s) {
    c.done = true;
    return;
  }
  if (c.kind == Kind::Http) return serve_http(c, *s, now);
  // Echo and discard: read what arrived (echo: as much as can be written back).
  for (int i = 0; i < 64; ++i) {
    size_t room = c.kind == Kind::Echo ? s->send_window().size() : buf_.size();
    if (c.kind == Kind::Echo && !s->may_send()) room = 0;
    if (room == 0) break;
    auto r = s->recv(MutBytes(buf_.data(), std::min(room, buf_.size())));
    if (!r) {  // Finished: the peer closed its side; so do we once our data is out
      c.done = true;
      return;
    }
    if (*r == 0) break;
    c.read += *r;
    if (c.kind == Kind::Echo) {
      auto n = s->send(Bytes(buf_.data(), *r));
      if (n) c.written += *n;
    }
  }
  if (!s->is_open()) c.done = true;
}

void TcpApps::serve_http(Conn& c, tcp::Socket& s, Instant now) {
  if (!s.is_open()) {
    c.done = true;
    return;
  }
  // Read the request head, then (for /ul) consume the body.
  for (int i = 0; i < 64 && !c.responding; ++i) {
    auto r = s.recv(MutBytes(buf_.data(), buf_.size()));
    if (!r) {
      c.done = true;
      return;
    }
    if (*r == 0) break;
    size_t n = *r;
    c.read += n;
    if (c.upload_left == 0 && c.request.find("\r\n\r\n") == std::string::npos) {
      c.request.append(reinterpret_cast<const char*>(buf_.data()), n);
      size_t end = c.request.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (c.request.size() > kMaxRequestHead) {
          c.head = response(431, "Request Header Fields Too Large", "text/plain", "too large\n");
          c.responding = true;
        }
        continue;
      }
      std::string head = c.request.substr(0, end + 4);
      std::string rest = c.request.substr(end + 4);
      start_response(c, head, now);
      if (c.upload_left != 0) take_upload(c, reinterpret_cast<const uint8_t*>(rest.data()), rest.size(), now);
    } else if (c.upload_left != 0) {
      take_upload(c, buf_.data(), n, now);
    }
  }
  if (!c.responding) return;
  // Write: the head, then a /dl body generated straight into the send ring.
  while (!c.head.empty()) {
    auto n = s.send(Bytes(reinterpret_cast<const uint8_t*>(c.head.data()), c.head.size()));
    if (!n || *n == 0) return;
    c.head.erase(0, *n);
    c.written += *n;
  }
  while (c.body_left != 0) {
    MutBytes w = s.send_window();
    if (w.empty()) return;
    size_t n = static_cast<size_t>(std::min<uint64_t>(w.size(), c.body_left));
    for (size_t i = 0; i < n; ++i) w[i] = dl_byte(c.body_sent + i);
    if (!s.commit_send(n)) return;
    c.body_left -= n;
    c.body_sent += n;
    c.written += n;
  }
  c.done = true;  // everything queued: close() sends FIN after it
}

void TcpApps::start_response(Conn& c, const std::string& head, Instant now) {
  char method[16] = {}, path[512] = {};
  if (std::sscanf(head.c_str(), "%15s %511s", method, path) != 2) {
    c.head = response(400, "Bad Request", "text/plain", "bad request\n");
    c.responding = true;
    return;
  }
  std::string m = method, p = path;
  if (m == "GET" && p == "/") {
    c.head = response(200, "OK", "text/html",
                      "<html><head><title>keel</title></head><body><h1>keel</h1><pre>" +
                          stats_json_() + "</pre></body></html>\n");
  } else if (m == "GET" && p == "/stats") {
    c.head = response(200, "OK", "application/json", stats_json_() + "\n");
  } else if (m == "GET" && p.rfind("/dl/", 0) == 0) {
    char* end = nullptr;
    unsigned long long n = std::strtoull(p.c_str() + 4, &end, 10);
    if (p.size() == 4 || *end != '\0' || n > (1ull << 40)) {
      c.head = response(400, "Bad Request", "text/plain", "usage: /dl/<bytes>\n");
    } else {
      char h[160];
      std::snprintf(h, sizeof h,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %llu\r\n"
                    "Connection: close\r\n\r\n",
                    n);
      c.head = h;
      c.body_left = n;
    }
  } else if (m == "POST" && p == "/ul") {
    const char* cl = strcasestr(head.c_str(), "\r\ncontent-length:");
    if (!cl) {
      c.head = response(411, "Length Required", "text/plain", "Content-Length required\n");
    } else {
      c.upload_left = std::strtoull(cl + 17, nullptr, 10);
      c.upload_start = now;
      if (c.upload_left == 0) finish_upload(c, now);
      return;  // the response follows the body
    }
  } else {
    c.head = response(404, "Not Found", "text/plain", "not found\n");
  }
  c.responding = true;
}

// take_upload — up to n bytes of a /ul body: counted and hashed.
void TcpApps::take_upload(Conn& c, const uint8_t* data, size_t n, Instant now) {
  size_t take = static_cast<size_t>(std::min<uint64_t>(n, c.upload_left));
  c.upload_hash.update(data, take);
  c.upload_left -= take;
  c.upload_got += take;
  if (c.upload_left == 0) finish_upload(c, now);
}

void TcpApps::finish_upload(Conn& c, Instant now) {
  double secs = static_cast<double>((now - c.upload_start).as_micros()) / 1e6;
  char body[200];
  std::snprintf(body, sizeof body, "{\"bytes\": %" PRIu64 ", \"seconds\": %.6f, \"sha256\": \"%s\"}\n",
                c.upload_got, secs, c.upload_hash.hex().c_str());
  c.head = response(200, "OK", "application/json", body);
  c.responding = true;
}

}  // namespace keel::demo

namespace keel::demo {

// report_done — one line per finished connection: what the application read and queued,
// and the socket's recovery counters so far (the FIN exchange may still follow).
void TcpApps::report_done(const Conn& c) {
  tcp::Socket* s = stack_.tcp(c.handle);
  std::printf("keel-demo: tcp done service=%s read=%" PRIu64 " written=%" PRIu64, kind_name(static_cast<int>(c.kind)),
              c.read, c.written);
  if (s) {
    tcp::Diagnostics d = s->diagnostics();
    std::printf(" peer_port=%u state=%s retransmissions=%u timeouts=%u fast_recoveries=%u sack_recoveries=%u"
                " lost_retransmissions=%u tail_loss_probes=%u spurious_recoveries=%u dup_thresh=%u dup_acks=%u"
                " sack=%d timestamps=%d wscale=%u",
                s->remote().port, tcp::state_name(d.state), d.retransmissions, d.timeouts, d.fast_recoveries,
                d.sack_recoveries, d.lost_retransmissions, d.tail_loss_probes, d.spurious_recoveries,
                d.dup_thresh, d.dup_acks, d.sack ? 1 : 0, d.timestamps ? 1 : 0, d.snd_wscale);
  } else {
    std::printf(" state=gone");
  }
  std::printf("\n");
  std::fflush(stdout);
}

std::vector<std::string> TcpApps::stats_lines() {
  std::vector<std::string> out;
  const Handle hs[3] = {echo_, discard_, http_};
  const uint16_t ports[3] = {7, 9, 80};
  for (int k = 0; k < 3; ++k) {
    tcp::Listener* l = stack_.tcp_listener(hs[k]);
    if (!l) continue;
    const tcp::ListenerStats& st = l->stats();
    char line[640];
    std::snprintf(line, sizeof line,
                  "tcp listener port=%u accepted=%" PRIu64 " syns=%u syns_queued=%u syns_dropped=%u syn_queue_full=%u"
                  " accept_queue_full=%u cookies_sent=%u cookies_accepted=%u cookies_rejected=%u"
                  " cookie_acks_dropped=%u resets_sent=%u synack_retransmits=%u synack_timeouts=%u"
                  " dropped_before_accept=%u half_open_evicted=%u synacks_deferred=%u deferred_expired=%u",
                  ports[k], accepted_[k], st.syns, st.syns_queued, st.syns_dropped, st.syn_queue_full,
                  st.accept_queue_full, st.cookies_sent, st.cookies_accepted, st.cookies_rejected,
                  st.cookie_acks_dropped, st.resets_sent, st.synack_retransmits, st.synack_timeouts,
                  st.dropped_before_accept, st.half_open_evicted, st.synacks_deferred, st.deferred_expired);
    out.push_back(line);
  }
  const tcp::TimeWaitStats& tw = stack_.tcp_time_wait().stats();
  char line[320];
  std::snprintf(line, sizeof line,
                "tcp time_wait capacity=%zu in_use=%u high_water=%u entered=%u expired=%u evicted=%u acks=%u"
                " fin_restarts=%u resets=%u reopened=%u syns_refused=%u ignored=%u",
                stack_.tcp_time_wait().capacity(), tw.in_use, tw.high_water, tw.entered, tw.expired, tw.evicted,
                tw.acks, tw.fin_restarts, tw.resets, tw.reopened, tw.syns_refused, tw.ignored);
  out.push_back(line);
  return out;
}

namespace {
struct CounterField {
  const char* name;
  uint64_t iface::TcpCounters::*value;
};
constexpr CounterField kTcpCounterFields[] = {
    {"active_opens", &iface::TcpCounters::active_opens}, {"passive_opens", &iface::TcpCounters::passive_opens},
    {"attempt_fails", &iface::TcpCounters::attempt_fails}, {"estab_resets", &iface::TcpCounters::estab_resets},
    {"in_segs", &iface::TcpCounters::in_segs},           {"out_segs", &iface::TcpCounters::out_segs},
    {"retrans_segs", &iface::TcpCounters::retrans_segs}, {"in_errs", &iface::TcpCounters::in_errs},
    {"out_rsts", &iface::TcpCounters::out_rsts},
};
}  // namespace

std::string tcp_counters_text(const iface::TcpCounters& c) {
  std::string out;
  for (const CounterField& f : kTcpCounterFields)
    out += std::string(out.empty() ? "" : " ") + f.name + "=" + std::to_string(c.*f.value);
  return out;
}

std::string tcp_counters_json(const iface::TcpCounters& c) {
  std::string out = "{";
  for (const CounterField& f : kTcpCounterFields)
    out += std::string(out.size() > 1 ? ", " : "") + "\"" + f.name + "\": " + std::to_string(c.*f.value);
  return out + "}";
}

}  // namespace keel::demo
