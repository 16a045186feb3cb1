// tcp_apps.hpp — keel-demo's TCP services on the core C++ socket API: echo (7), discard
// (9) and an HTTP/1.1 server (80) with /, /dl/<bytes>, /ul, /stats. Each connection is a
// small state machine polled from the main loop; nothing blocks.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/iface/stack.hpp"
#include "sha256.hpp"

namespace keel::demo {

class TcpApps {
 public:
  // stats_json — called for /stats and the status page; returns a JSON object.
  TcpApps(Stack& stack, std::function<std::string()> stats_json);
  // start — listens on 7, 9 and 80; false with a message if a port cannot be used.
  bool start(std::string* error);
  // poll — accepts, reads, answers and writes; call after each loop pass.
  void poll(Instant now);
  uint64_t connections() const { return connections_; }
  // stats_lines — per listener: its port, connections accepted and the listener's
  // counters (SYNs, queues full, cookies, drops before accept), then the stack's
  // TIME-WAIT table, for the exit report.
  std::vector<std::string> stats_lines();

 private:
  enum class Kind { Echo, Discard, Http };
  struct Conn {
    Handle handle;
    Kind kind;
    std::string request;     // HTTP: bytes of the request so far
    bool responding = false; // HTTP: the response is being written
    std::string head;        // HTTP: response bytes still to write (headers, small bodies)
    uint64_t body_left = 0;  // HTTP: /dl bytes still to generate
    uint64_t body_sent = 0;
    uint64_t upload_left = 0;  // HTTP: /ul body bytes still to consume
    uint64_t upload_got = 0;
    Sha256 upload_hash;  // of the /ul body, reported with its size
    Instant upload_start;
    uint64_t read = 0, written = 0;  // bytes the application read and queued
    bool done = false;
  };
  void accept_all(Handle listener, Kind kind, Instant now);
  void serve(Conn& c, Instant now);
  void serve_http(Conn& c, tcp::Socket& s, Instant now);
  void start_response(Conn& c, const std::string& request_head, Instant now);
  void take_upload(Conn& c, const uint8_t* data, size_t n, Instant now);
  void finish_upload(Conn& c, Instant now);
  void report_done(const Conn& c);

  Stack& stack_;
  std::function<std::string()> stats_json_;
  Handle echo_, discard_, http_;
  std::vector<Conn> conns_;
  std::vector<uint8_t> buf_;
  uint64_t connections_ = 0;
  uint64_t accepted_[3] = {};  // per Kind
};

// tcp_counters_text / tcp_counters_json — one interface's RFC 4022 TCP counters as
// "key=value ..." (the exit report) and as a JSON object (/stats).
std::string tcp_counters_text(const iface::TcpCounters& c);
std::string tcp_counters_json(const iface::TcpCounters& c);

}  // namespace keel::demo
