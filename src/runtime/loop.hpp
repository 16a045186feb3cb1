// loop.hpp — Loop: the single owner of the Stack. Each pass takes received frames into
// the RX frame pool, hands them to the stack, runs the services (DHCP, DNS, SNTP) and
// stack.poll(), and then sleeps until the earliest deadline or a wake.
//
// Single-threaded form: the application calls run_once() (or run_for()) on the loop's
// own thread. The threaded form (application threads posting requests to a bounded
// queue) comes with the socket layer and keeps this structure: producers of frames
// call deliver_frame(), everything else happens in run_once().
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/random.hpp"
#include "core/base/vec.hpp"
#include "core/iface/stack.hpp"
#include "runtime/frame_pool.hpp"
#include "runtime/port.hpp"

namespace keel::runtime {

class Service;  // a protocol service driven by the loop (services.hpp)

class Loop {
 public:
  Loop(Random& rng, Clock& clock, Waker& waker, const StackConfig& config = {});
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  Stack& stack() { return stack_; }
  FramePool& frame_pool() { return pool_; }
  Clock& clock() { return clock_; }
  Random& random() { return rng_; }

  // attach — an Ethernet device; its frames are read on every pass.
  Result<IfaceId, StackError> attach(iface::Device& device, const wire::MacAddress& mac);
  // add_service — a service polled on every pass (the loop does not own it).
  bool add_service(Service& service);

  // deliver_frame — a driver hands over a received frame: copied into a pool slab, or
  // dropped and counted in frame_pool_drops when the pool is empty.
  bool deliver_frame(IfaceId id, Bytes frame);

  // run_once — one pass: receive, process, services, poll. Returns when the next pass
  // is due (none: only on input).
  Optional<Instant> run_once();
  // run_once_and_wait — a pass, then wait for the deadline or a wake.
  void run_once_and_wait();

  // frame_pool_drops — frames lost because every pool slab was in use.
  uint64_t frame_pool_drops() const { return pool_.drops(); }

 private:
  void receive_from_devices(Instant now);
  void process_frames(Instant now);

  Random& rng_;
  Clock& clock_;
  Waker& waker_;
  Stack stack_;
  FramePool pool_;
  Vec<iface::Device*, config::kMaxInterfaces> devices_;  // index = interface id
  Vec<Service*, 8> services_;
};

// Service — something the loop drives between receiving and stack.poll(): it reads its
// sockets, runs its state machine, and writes to its sockets.
class Service {
 public:
  virtual void poll(Loop& loop, Instant now) = 0;
  virtual Optional<Instant> poll_at() const = 0;

 protected:
  ~Service() = default;
};

}  // namespace keel::runtime
