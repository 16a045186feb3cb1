// fuzz_storage.cpp — the input is a program of operations on a RingBuffer, an
// Assembler and a SlabPool; each is checked after every step against a simple model
// (std::deque, a std::vector<bool> bitmap, a std::set) and abort() on any mismatch.
//
// Layout: byte 0 ring capacity (0..64), byte 1 assembler capacity (one of 1,2,3,4,8),
// byte 2 slab count (1..16), byte 3 slab size (1..24), then opcodes with their
// argument bytes. Reading past the end yields zeros, so every input is a program.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <set>
#include <vector>

#include "core/storage/assembler.hpp"
#include "core/storage/ring_buffer.hpp"
#include "core/storage/slab_pool.hpp"

using namespace keel;
using namespace keel::storage;

namespace {

void check(bool ok) {
  if (!ok) abort();
}

class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool done() const { return pos_ >= size_; }
  uint8_t next() { return pos_ < size_ ? data_[pos_++] : 0; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// ---- ring buffer vs deque (-1 marks bytes whose content is unspecified) ----
struct Ring {
  explicit Ring(size_t cap) : storage(cap), ring(MutBytes(storage.data(), cap)), free(cap, -1) {}
  std::vector<uint8_t> storage;
  RingBuffer ring;
  std::deque<int> data, free;
  size_t head = 0;
  size_t cap() const { return storage.size(); }
  size_t tail() const { return cap() ? (head + data.size()) % cap() : 0; }

  void matches(Bytes got, size_t from) const {
    for (size_t i = 0; i < got.size(); ++i)
      check(data[from + i] < 0 || got[i] == static_cast<uint8_t>(data[from + i]));
  }
  void consumed(size_t n) {
    for (size_t i = 0; i < n; ++i) {
      data.pop_front();
      free.push_back(-1);
    }
    head = cap() ? (head + n) % cap() : 0;
  }

  void step(Input& in) {
    uint8_t op = in.next() % 9;
    size_t n = in.next() % 72;
    std::vector<uint8_t> buf(n);
    for (auto& b : buf) b = in.next();
    switch (op) {
      case 0: {
        size_t w = ring.write(Bytes(buf.data(), n));
        check(w == std::min(n, free.size()));
        for (size_t i = 0; i < w; ++i) {
          data.push_back(buf[i]);
          free.pop_front();
        }
        break;
      }
      case 1: {
        size_t r = ring.read(MutBytes(buf.data(), n));
        check(r == std::min(n, data.size()));
        matches(Bytes(buf.data(), r), 0);
        consumed(r);
        break;
      }
      case 2: {
        MutBytes w = ring.write_window();
        check(w.size() == std::min(free.size(), cap() - tail()));
        check(w.empty() || w.data() == storage.data() + tail());
        size_t k = std::min(n, w.size());
        for (size_t i = 0; i < k; ++i) free[i] = w[i] = buf[i];
        break;
      }
      case 3: {
        size_t c = ring.commit_write(n);
        check(c == std::min(n, free.size()));
        for (size_t i = 0; i < c; ++i) {
          data.push_back(free.front());
          free.pop_front();
        }
        break;
      }
      case 4: {
        Bytes r = ring.read_window();
        check(r.size() == std::min(data.size(), cap() - head));
        matches(r, 0);
        size_t c = ring.consume(n);
        check(c == std::min(n, data.size()));
        consumed(c);
        break;
      }
      case 5: {
        size_t off = in.next();
        size_t got = ring.peek(off, MutBytes(buf.data(), n));
        size_t avail = off < data.size() ? data.size() - off : 0;
        check(got == std::min(n, avail));
        matches(Bytes(buf.data(), got), off);
        Bytes w = ring.peek_window(off);
        check(w.size() == (avail ? std::min(avail, cap() - (head + off) % cap()) : 0));
        matches(w, off);
        break;
      }
      case 6: {
        size_t off = in.next();
        size_t w = ring.write_at(off, Bytes(buf.data(), n));
        size_t room = off < free.size() ? free.size() - off : 0;
        check(w == std::min(n, room));
        for (size_t i = 0; i < w; ++i) free[off + i] = buf[i];
        break;
      }
      case 7:
        ring.clear();
        data.clear();
        free.assign(cap(), -1);
        head = 0;
        break;
      default:
        break;
    }
    check(ring.size() == data.size() && ring.free_space() == free.size());
    check(ring.empty() == data.empty() && ring.full() == free.empty());
    check(ring.capacity() == cap());
  }
};

// ---- assembler vs bitmap ----
constexpr size_t kBits = 256 + 64;

std::vector<std::pair<size_t, size_t>> runs_of(const std::vector<bool>& bits) {
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t i = 0; i < bits.size(); ++i) {
    if (!bits[i]) continue;
    size_t j = i;
    while (j < bits.size() && bits[j]) ++j;
    out.emplace_back(i, j);
    i = j;
  }
  return out;
}

struct Asm {
  explicit Asm(IAssembler& a) : a(a), bits(kBits, false) {}
  IAssembler& a;
  std::vector<bool> bits;

  size_t remove_front_model() {
    size_t n = 0;
    while (n < kBits && bits[n]) ++n;
    bits.erase(bits.begin(), bits.begin() + static_cast<long>(n));
    bits.resize(kBits, false);
    return n;
  }

  void step(Input& in) {
    uint8_t op = in.next() % 5;
    size_t off = in.next();
    size_t len = in.next() % 64;
    if (op <= 1) {
      std::vector<bool> next = bits;
      for (size_t i = off; i < off + len; ++i) next[i] = true;
      bool fits = runs_of(next).size() <= a.capacity();
      if (op == 0) {
        auto r = a.add(off, len);
        check(r.ok() == fits);
        if (fits) bits = next;
        else check(r.error() == AssemblerError::TooManyRanges);
      } else {
        fits = fits || (off == 0 && len != 0);
        auto r = a.add_then_remove_front(off, len);
        check(r.ok() == fits);
        if (fits) {
          bits = next;
          check(*r == remove_front_model());
        } else {
          check(r.error() == AssemblerError::TooManyRanges);
        }
      }
    } else if (op == 2) {
      size_t front = 0;
      while (front < kBits && bits[front]) ++front;
      check(a.front_len() == front);
      check(a.remove_front() == remove_front_model());
    } else if (op == 3) {
      auto r = a.add(SIZE_MAX - off, len + 2 + off);  // always overflows
      check(!r.ok() && r.error() == AssemblerError::Overflow);
    } else if (op == 4 && off == 0) {
      a.clear();
      bits.assign(kBits, false);
    }
    auto want = runs_of(bits);
    check(a.size() == want.size() && a.is_empty() == want.empty());
    size_t i = 0;
    for (const Range& r : a) {
      check(r.start == want[i].first && r.end == want[i].second);
      ++i;
    }
  }
};

// ---- slab pool vs set ----
struct Pool {
  Pool(size_t slabs, size_t size)
      : memory(slabs * size), links(slabs),
        pool(MutBytes(memory.data(), memory.size()), size, Span<uint16_t>(links.data(), slabs)),
        stamp(slabs) {}
  std::vector<uint8_t> memory;
  std::vector<uint16_t> links;
  SlabPool pool;
  std::set<uint16_t> used;
  std::vector<uint8_t> stamp;
  size_t high = 0;
  uint32_t failed = 0;

  void step(Input& in) {
    uint8_t op = in.next();
    uint8_t arg = in.next();
    if (op % 2 == 0) {
      auto h = pool.alloc();
      if (used.size() == pool.capacity()) {
        check(!h.has_value());
        ++failed;
      } else {
        check(h.has_value() && h->index < pool.capacity() && !used.count(h->index));
        used.insert(h->index);
        MutBytes b = pool.bytes(*h);
        check(b.data() == memory.data() + h->index * pool.slab_size());
        check(b.size() == pool.slab_size());
        stamp[h->index] = arg;
        memset(b.data(), arg, b.size());
      }
    } else if (!used.empty()) {
      auto it = used.begin();
      std::advance(it, arg % used.size());
      SlabHandle h{*it};
      check(pool.is_allocated(h));
      MutBytes b = pool.bytes(h);
      for (uint8_t x : b) check(x == stamp[h.index]);
      check(pool.handle_of(b.data()).has_value() && *pool.handle_of(b.data()) == h);
      if (op & 2) pool.release(h);
      else pool.release(b.data());
      check(!pool.is_allocated(h));
      used.erase(it);
    }
    high = std::max(high, used.size());
    check(pool.in_use() == used.size() && pool.available() == pool.capacity() - used.size());
    check(pool.high_water() == high && pool.failed_allocs() == failed);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  Ring ring(in.next() % 65);
  Assembler<1> a1;
  Assembler<2> a2;
  Assembler<3> a3;
  Assembler<4> a4;
  Assembler<8> a8;
  IAssembler* assemblers[] = {&a1, &a2, &a3, &a4, &a8};
  Asm as(*assemblers[in.next() % 5]);
  size_t slabs = 1 + in.next() % 16;
  Pool pool(slabs, 1 + in.next() % 24);
  check(pool.pool.capacity() == slabs);
  for (int steps = 0; !in.done() && steps < 4096; ++steps) {
    switch (in.next() % 3) {
      case 0: ring.step(in); break;
      case 1: as.step(in); break;
      default: pool.step(in); break;
    }
  }
  return 0;
}
