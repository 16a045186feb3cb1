// loop.cpp — the poll/sleep cycle.
#include "runtime/loop.hpp"

namespace keel::runtime {

Loop::Loop(Random& rng, Clock& clock, Waker& waker, const StackConfig& config)
    : rng_(rng), clock_(clock), waker_(waker), stack_(rng, config) {}

Result<IfaceId, StackError> Loop::attach(iface::Device& device, const wire::MacAddress& mac) {
  auto id = stack_.add_ethernet(device, mac);
  if (id) (void)devices_.push_back(&device);
  return id;
}

bool Loop::add_service(Service& service) { return services_.push_back(&service); }

bool Loop::deliver_frame(IfaceId id, Bytes frame) {
  if (frame.size() > config::kFrameBytes) {
    pool_.count_drop();
    return false;
  }
  Optional<storage::SlabHandle> slab = pool_.acquire();
  if (!slab) return false;  // counted by acquire()
  copy_bytes(pool_.bytes(*slab), frame);
  pool_.commit(*slab, frame.size(), id);
  return true;
}

void Loop::receive_from_devices(Instant now) {
  // Read every device until it is empty or the pool is: a whole burst is taken in one
  // pass (never one frame per pass). A full pool leaves frames in the device's own
  // queue, where the device counts what it loses.
  for (size_t i = 0; i < devices_.size(); ++i) {
    for (;;) {
      Optional<storage::SlabHandle> slab = pool_.acquire_quiet();
      if (!slab) return;
      size_t n = devices_[i]->receive(pool_.bytes(*slab), now);
      if (n == 0) {
        pool_.cancel(*slab);
        break;
      }
      pool_.commit(*slab, n, static_cast<uint8_t>(i));
    }
  }
}

void Loop::process_frames(Instant now) {
  while (Optional<RxFrame> f = pool_.next()) {
    stack_.receive_frame(f->iface, pool_.frame_bytes(*f), now);
    pool_.release(*f);
  }
}

Optional<Instant> Loop::run_once() {
  Instant now = clock_.now();
  // Alternate receiving and processing until the devices are quiet (bounded), so a
  // burst larger than the pool is still all processed in this pass.
  for (int round = 0; round < 8; ++round) {
    receive_from_devices(now);
    if (pool_.in_use() == 0) break;
    process_frames(now);
  }
  for (Service* s : services_) s->poll(*this, now);
  stack_.poll(now);
  Optional<Instant> at = stack_.poll_at();
  auto consider = [&at](const Optional<Instant>& t) {
    if (t && (!at || *t < *at)) at = t;
  };
  for (Service* s : services_) consider(s->poll_at());
  for (iface::Device* d : devices_) consider(d->poll_at());
  return at;
}

void Loop::run_once_and_wait() {
  Optional<Instant> at = run_once();
  if (at && *at <= clock_.now()) return;  // more work is already due
  waker_.wait(at);
}

}  // namespace keel::runtime
