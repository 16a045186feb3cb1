// ring_buffer_test.cpp — RingBuffer behaviour, then random operation sequences checked
// against a std::deque model at several capacities (1, odd, even, large).
#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "core/storage/ring_buffer.hpp"

using namespace keel;
using keel::storage::FixedRingBuffer;
using keel::storage::RingBuffer;

namespace {

Bytes bytes(const std::string& s) { return Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }
std::string str(Bytes b) { return std::string(b.begin(), b.end()); }

// read_all(r) — consumes and returns everything buffered.
std::string read_all(RingBuffer& r) {
  std::string out(r.size(), '\0');
  size_t n = r.read(MutBytes(reinterpret_cast<uint8_t*>(out.data()), out.size()));
  out.resize(n);
  return out;
}

}  // namespace

TEST(RingBuffer, starts_empty_with_all_space_free) {
  FixedRingBuffer<7> r;
  EXPECT_EQ(r.capacity(), 7u);
  EXPECT_EQ(r.size(), 0u);
  EXPECT_EQ(r.free_space(), 7u);
  EXPECT_TRUE(r.empty());
  EXPECT_FALSE(r.full());
  EXPECT_TRUE(r.read_window().empty());
  EXPECT_EQ(r.write_window().size(), 7u);
}

TEST(RingBuffer, reads_bytes_in_the_order_written) {
  FixedRingBuffer<8> r;
  EXPECT_EQ(r.write(bytes("abc")), 3u);
  EXPECT_EQ(r.write(bytes("de")), 2u);
  EXPECT_EQ(r.size(), 5u);
  EXPECT_EQ(read_all(r), "abcde");
  EXPECT_TRUE(r.empty());
}

TEST(RingBuffer, write_on_nearly_full_buffer_writes_only_what_fits) {
  FixedRingBuffer<5> r;
  EXPECT_EQ(r.write(bytes("abc")), 3u);
  EXPECT_EQ(r.write(bytes("defg")), 2u);
  EXPECT_TRUE(r.full());
  EXPECT_EQ(r.write(bytes("x")), 0u);
  EXPECT_EQ(read_all(r), "abcde");
}

TEST(RingBuffer, read_on_empty_buffer_returns_zero) {
  FixedRingBuffer<4> r;
  uint8_t out[4] = {9, 9, 9, 9};
  EXPECT_EQ(r.read(MutBytes(out)), 0u);
  EXPECT_EQ(out[0], 9);
}

TEST(RingBuffer, read_into_short_destination_leaves_the_rest) {
  FixedRingBuffer<8> r;
  ASSERT_EQ(r.write(bytes("abcdef")), 6u);
  uint8_t out[4];
  EXPECT_EQ(r.read(MutBytes(out)), 4u);
  EXPECT_EQ(str(Bytes(out)), "abcd");
  EXPECT_EQ(read_all(r), "ef");
}

TEST(RingBuffer, copying_write_and_read_cross_the_end_of_storage) {
  uint8_t storage[5];
  RingBuffer r(MutBytes(storage, 5));
  ASSERT_EQ(r.write(bytes("abc")), 3u);
  ASSERT_EQ(r.consume(3), 3u);         // head now at position 3
  EXPECT_EQ(r.write(bytes("defgh")), 5u);  // d,e at 3..4, f,g,h at 0..2
  EXPECT_EQ(str(Bytes(storage, 5)), "fghde");
  EXPECT_EQ(read_all(r), "defgh");
}

TEST(RingBuffer, write_window_ends_at_the_end_of_storage) {
  uint8_t storage[6];
  RingBuffer r(MutBytes(storage, 6));
  ASSERT_EQ(r.write(bytes("abcd")), 4u);
  ASSERT_EQ(r.consume(3), 3u);  // head 3, tail 4: free is 4..5 and 0..2
  MutBytes w = r.write_window();
  EXPECT_EQ(w.data(), storage + 4);
  EXPECT_EQ(w.size(), 2u);
  ASSERT_EQ(r.commit_write(2), 2u);
  w = r.write_window();  // tail wrapped to 0, free up to the head
  EXPECT_EQ(w.data(), storage);
  EXPECT_EQ(w.size(), 3u);
}

TEST(RingBuffer, read_window_ends_at_the_end_of_storage) {
  uint8_t storage[6];
  RingBuffer r(MutBytes(storage, 6));
  ASSERT_EQ(r.write(bytes("abcd")), 4u);
  ASSERT_EQ(r.consume(4), 4u);
  ASSERT_EQ(r.write(bytes("efghi")), 5u);  // e,f at 4..5, g,h,i at 0..2
  EXPECT_EQ(str(r.read_window()), "ef");
  ASSERT_EQ(r.consume(2), 2u);
  EXPECT_EQ(str(r.read_window()), "ghi");
}

TEST(RingBuffer, zero_copy_write_then_read_through_windows) {
  FixedRingBuffer<10> r;
  MutBytes w = r.write_window();
  ASSERT_GE(w.size(), 4u);
  memcpy(w.data(), "wxyz", 4);
  EXPECT_EQ(r.commit_write(4), 4u);
  Bytes rd = r.read_window();
  EXPECT_EQ(str(rd), "wxyz");
  EXPECT_EQ(r.consume(rd.size()), 4u);
  EXPECT_TRUE(r.empty());
}

TEST(RingBuffer, commit_beyond_free_space_is_clamped_and_reported) {
  FixedRingBuffer<5> r;
  ASSERT_EQ(r.write(bytes("ab")), 2u);
  EXPECT_EQ(r.commit_write(100), 3u);
  EXPECT_TRUE(r.full());
  EXPECT_EQ(r.commit_write(1), 0u);
  EXPECT_EQ(r.size(), 5u);
  EXPECT_EQ(r.free_space(), 0u);
  EXPECT_TRUE(r.write_window().empty());
}

TEST(RingBuffer, commit_of_size_max_does_not_overflow) {
  FixedRingBuffer<5> r;
  EXPECT_EQ(r.commit_write(SIZE_MAX), 5u);
  EXPECT_EQ(r.consume(SIZE_MAX), 5u);
  EXPECT_TRUE(r.empty());
}

TEST(RingBuffer, consume_beyond_size_is_clamped_and_reported) {
  FixedRingBuffer<5> r;
  ASSERT_EQ(r.write(bytes("abc")), 3u);
  EXPECT_EQ(r.consume(7), 3u);
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.consume(1), 0u);
  EXPECT_EQ(r.free_space(), 5u);
}

TEST(RingBuffer, peek_reads_from_an_offset_without_consuming) {
  FixedRingBuffer<8> r;
  ASSERT_EQ(r.write(bytes("abcdef")), 6u);
  uint8_t out[3];
  EXPECT_EQ(r.peek(2, MutBytes(out)), 3u);
  EXPECT_EQ(str(Bytes(out)), "cde");
  EXPECT_EQ(r.size(), 6u);
  EXPECT_EQ(r.peek(4, MutBytes(out)), 2u);  // only "ef" remain past offset 4
  EXPECT_EQ(out[0], 'e');
  EXPECT_EQ(out[1], 'f');
  EXPECT_EQ(r.peek(6, MutBytes(out)), 0u);
  EXPECT_EQ(r.peek(SIZE_MAX, MutBytes(out)), 0u);
  EXPECT_EQ(read_all(r), "abcdef");
}

TEST(RingBuffer, peek_crosses_the_end_of_storage) {
  FixedRingBuffer<5> r;
  ASSERT_EQ(r.write(bytes("xxxx")), 4u);
  ASSERT_EQ(r.consume(4), 4u);
  ASSERT_EQ(r.write(bytes("abcde")), 5u);  // a at 4, b..e at 0..3
  uint8_t out[5];
  EXPECT_EQ(r.peek(0, MutBytes(out)), 5u);
  EXPECT_EQ(str(Bytes(out)), "abcde");
  EXPECT_EQ(str(r.peek_window(0)), "a");
  EXPECT_EQ(str(r.peek_window(2)), "cde");
  EXPECT_TRUE(r.peek_window(5).empty());
}

TEST(RingBuffer, write_at_places_data_beyond_the_tail_until_committed) {
  FixedRingBuffer<10> r;
  ASSERT_EQ(r.write(bytes("ab")), 2u);
  EXPECT_EQ(r.write_at(3, bytes("fg")), 2u);  // out of order: lands at tail+3
  EXPECT_EQ(r.size(), 2u);                    // not readable yet
  EXPECT_EQ(r.write_at(0, bytes("cde")), 3u); // the hole is filled
  EXPECT_EQ(r.commit_write(5), 5u);
  EXPECT_EQ(read_all(r), "abcdefg");
}

TEST(RingBuffer, write_at_is_clamped_to_the_free_space) {
  FixedRingBuffer<6> r;
  ASSERT_EQ(r.write(bytes("abc")), 3u);
  EXPECT_EQ(r.write_at(1, bytes("xyz")), 2u);  // free space is 3: offsets 1, 2 only
  EXPECT_EQ(r.write_at(3, bytes("q")), 0u);
  EXPECT_EQ(r.write_at(SIZE_MAX, bytes("q")), 0u);
  EXPECT_EQ(r.size(), 3u);
  EXPECT_EQ(read_all(r), "abc");  // buffered data untouched
}

TEST(RingBuffer, data_beyond_the_tail_survives_consuming_everything) {
  FixedRingBuffer<8> r;
  ASSERT_EQ(r.write(bytes("abcd")), 4u);
  ASSERT_EQ(r.write_at(1, bytes("yz")), 2u);
  ASSERT_EQ(read_all(r), "abcd");  // empty now; positions must not move
  ASSERT_EQ(r.write_at(0, bytes("x")), 1u);
  EXPECT_EQ(r.commit_write(3), 3u);
  EXPECT_EQ(read_all(r), "xyz");
}

TEST(RingBuffer, write_at_wraps_around_the_end_of_storage) {
  FixedRingBuffer<5> r;
  ASSERT_EQ(r.write(bytes("abcd")), 4u);
  ASSERT_EQ(r.consume(3), 3u);  // "d" at 3, tail 4
  EXPECT_EQ(r.write_at(1, bytes("fgh")), 3u);  // positions 0, 1, 2
  EXPECT_EQ(r.write_at(0, bytes("e")), 1u);    // position 4
  EXPECT_EQ(r.commit_write(4), 4u);
  EXPECT_EQ(read_all(r), "defgh");
}

TEST(RingBuffer, clear_empties_and_resets_the_head) {
  uint8_t storage[5];
  RingBuffer r(MutBytes(storage, 5));
  ASSERT_EQ(r.write(bytes("abc")), 3u);
  ASSERT_EQ(r.consume(2), 2u);
  r.clear();
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.write_window().data(), storage);
  EXPECT_EQ(r.write_window().size(), 5u);
}

TEST(RingBuffer, capacity_one_holds_one_byte) {
  FixedRingBuffer<1> r;
  EXPECT_EQ(r.write(bytes("ab")), 1u);
  EXPECT_TRUE(r.full());
  EXPECT_TRUE(r.write_window().empty());
  EXPECT_EQ(str(r.read_window()), "a");
  EXPECT_EQ(read_all(r), "a");
  EXPECT_EQ(r.write_at(0, bytes("z")), 1u);
  EXPECT_EQ(r.commit_write(2), 1u);
  EXPECT_EQ(read_all(r), "z");
}

TEST(RingBuffer, zero_capacity_storage_is_always_empty_and_full) {
  RingBuffer r{MutBytes()};
  uint8_t out[2];
  EXPECT_TRUE(r.empty());
  EXPECT_TRUE(r.full());
  EXPECT_EQ(r.write(bytes("a")), 0u);
  EXPECT_EQ(r.write_at(0, bytes("a")), 0u);
  EXPECT_EQ(r.commit_write(1), 0u);
  EXPECT_EQ(r.consume(1), 0u);
  EXPECT_EQ(r.read(MutBytes(out)), 0u);
  EXPECT_EQ(r.peek(0, MutBytes(out)), 0u);
  EXPECT_TRUE(r.write_window().empty());
  EXPECT_TRUE(r.read_window().empty());
}

namespace {

// Model — the buffered bytes (a deque) and the free space after the tail, byte by byte
// (-1 where the content is unspecified), plus where the head sits in storage, which the
// windows are specified against.
struct Model {
  explicit Model(size_t cap) : cap(cap), free(cap, -1) {}
  size_t cap;
  std::deque<int> data;  // committed bytes, -1 = unspecified (committed unwritten space)
  std::deque<int> free;  // free space from the tail on
  size_t head = 0;
  size_t tail() const { return (head + data.size()) % cap; }
};

void expect_matches(const std::vector<uint8_t>& got, const std::deque<int>& want, size_t from,
                    size_t n, int step) {
  for (size_t i = 0; i < n; ++i)
    if (want[from + i] >= 0) {
      ASSERT_EQ(got[i], want[from + i]) << "step " << step << " byte " << i;
    }
}

void run_random_ops(size_t cap, uint32_t seed, int steps) {
  SCOPED_TRACE("capacity " + std::to_string(cap) + " seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::vector<uint8_t> storage(cap);
  RingBuffer r(MutBytes(storage.data(), storage.size()));
  Model m(cap);
  auto rnd = [&](size_t bound) { return static_cast<size_t>(rng() % (bound + 1)); };
  auto random_bytes = [&](size_t n) {
    std::vector<uint8_t> v(n);
    for (auto& b : v) b = static_cast<uint8_t>(rng());
    return v;
  };
  for (int step = 0; step < steps; ++step) {
    size_t n = rnd(cap + 2);
    switch (rng() % 10) {
      case 0: {  // write
        auto src = random_bytes(n);
        size_t w = r.write(Bytes(src.data(), src.size()));
        ASSERT_EQ(w, std::min(n, m.free.size())) << step;
        for (size_t i = 0; i < w; ++i) {
          m.data.push_back(src[i]);
          m.free.pop_front();
        }
        break;
      }
      case 1: {  // read
        std::vector<uint8_t> dst(n);
        size_t got = r.read(MutBytes(dst.data(), dst.size()));
        ASSERT_EQ(got, std::min(n, m.data.size())) << step;
        ASSERT_NO_FATAL_FAILURE(expect_matches(dst, m.data, 0, got, step));
        for (size_t i = 0; i < got; ++i) {
          m.data.pop_front();
          m.free.push_back(-1);
        }
        m.head = cap ? (m.head + got) % cap : 0;
        break;
      }
      case 2: {  // fill part of the write window
        MutBytes w = r.write_window();
        size_t tail = m.tail();
        ASSERT_EQ(w.size(), std::min(m.free.size(), cap - tail)) << step;
        if (!w.empty()) {
          ASSERT_EQ(w.data(), storage.data() + tail) << step;
        }
        size_t k = rnd(w.size());
        for (size_t i = 0; i < k; ++i) {
          w[i] = static_cast<uint8_t>(rng());
          m.free[i] = w[i];
        }
        break;
      }
      case 3: {  // commit_write, sometimes too many
        size_t c = r.commit_write(n);
        ASSERT_EQ(c, std::min(n, m.free.size())) << step;
        for (size_t i = 0; i < c; ++i) {
          m.data.push_back(m.free.front());
          m.free.pop_front();
        }
        break;
      }
      case 4: {  // read_window and consume, sometimes too many
        Bytes rw = r.read_window();
        ASSERT_EQ(rw.size(), std::min(m.data.size(), cap - m.head)) << step;
        std::vector<uint8_t> got(rw.begin(), rw.end());
        ASSERT_NO_FATAL_FAILURE(expect_matches(got, m.data, 0, got.size(), step));
        size_t c = r.consume(n);
        ASSERT_EQ(c, std::min(n, m.data.size())) << step;
        for (size_t i = 0; i < c; ++i) {
          m.data.pop_front();
          m.free.push_back(-1);
        }
        m.head = (m.head + c) % cap;
        break;
      }
      case 5: {  // peek at an offset
        size_t off = rnd(m.data.size() + 1);
        std::vector<uint8_t> dst(n);
        size_t got = r.peek(off, MutBytes(dst.data(), dst.size()));
        size_t avail = off < m.data.size() ? m.data.size() - off : 0;
        ASSERT_EQ(got, std::min(n, avail)) << step;
        ASSERT_NO_FATAL_FAILURE(expect_matches(dst, m.data, off, got, step));
        Bytes pw = r.peek_window(off);
        ASSERT_EQ(pw.size(), avail ? std::min(avail, cap - (m.head + off) % cap) : 0) << step;
        std::vector<uint8_t> win(pw.begin(), pw.end());
        ASSERT_NO_FATAL_FAILURE(expect_matches(win, m.data, off, win.size(), step));
        break;
      }
      case 6: {  // write_at beyond the tail
        size_t off = rnd(m.free.size() + 1);
        auto src = random_bytes(n);
        size_t w = r.write_at(off, Bytes(src.data(), src.size()));
        size_t room = off < m.free.size() ? m.free.size() - off : 0;
        ASSERT_EQ(w, std::min(n, room)) << step;
        for (size_t i = 0; i < w; ++i) m.free[off + i] = src[i];
        break;
      }
      case 7:
        if (rng() % 50 == 0) {
          r.clear();
          m.data.clear();
          m.free.assign(cap, -1);
          m.head = 0;
        }
        break;
      default:
        break;
    }
    ASSERT_EQ(r.size(), m.data.size()) << step;
    ASSERT_EQ(r.free_space(), m.free.size()) << step;
    ASSERT_EQ(r.empty(), m.data.empty()) << step;
    ASSERT_EQ(r.full(), m.free.empty()) << step;
  }
  // Drain and compare everything left, byte by byte.
  std::vector<uint8_t> rest(m.data.size());
  ASSERT_EQ(r.read(MutBytes(rest.data(), rest.size())), m.data.size());
  ASSERT_NO_FATAL_FAILURE(expect_matches(rest, m.data, 0, rest.size(), steps));
}

}  // namespace

TEST(RingBuffer, random_operations_match_a_deque_model_at_many_capacities) {
  for (size_t cap : {1u, 2u, 3u, 5u, 7u, 8u, 13u, 64u, 100u, 257u})
    for (uint32_t seed : {1u, 2u}) {
      run_random_ops(cap, seed * 1000 + static_cast<uint32_t>(cap), 30000);
      if (HasFatalFailure()) return;
    }
}
