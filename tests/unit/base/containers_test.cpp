// containers_test.cpp — Vec and Queue against std::vector / std::deque as a model.
#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <vector>

#include "core/base/queue.hpp"
#include "core/base/vec.hpp"

using namespace keel;

TEST(Vec, push_on_full_reports_failure_and_changes_nothing) {
  Vec<int, 3> v;
  EXPECT_TRUE(v.push_back(1));
  EXPECT_TRUE(v.push_back(2));
  EXPECT_TRUE(v.push_back(3));
  EXPECT_FALSE(v.push_back(4));
  EXPECT_EQ(v.size(), 3u);
  EXPECT_EQ(v[2], 3);
  EXPECT_FALSE(v.insert(0, 9));
  EXPECT_EQ(v[0], 1);
}

TEST(Vec, copies_are_independent) {
  Vec<int, 4> a;
  ASSERT_TRUE(a.push_back(1));
  Vec<int, 4> b = a;
  ASSERT_TRUE(b.push_back(2));
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(b.size(), 2u);
  a = b;
  EXPECT_EQ(a.size(), 2u);
  EXPECT_EQ(a[1], 2);
}

TEST(Vec, out_of_range_index_traps) {
  Vec<int, 2> v;
  EXPECT_DEATH((void)v[0], "");
}

TEST(Vec, random_operations_match_a_model) {
  std::mt19937 rng(1);
  Vec<int, 16> v;
  IVec<int>& base = v;  // exercise through the capacity-erased base
  std::vector<int> model;
  for (int step = 0; step < 20000; ++step) {
    int op = rng() % 5;
    int val = static_cast<int>(rng() % 1000);
    if (op == 0) {
      bool ok = base.push_back(val);
      EXPECT_EQ(ok, model.size() < 16);
      if (ok) model.push_back(val);
    } else if (op == 1 && !model.empty()) {
      size_t i = rng() % model.size();
      EXPECT_TRUE(base.erase(i));
      model.erase(model.begin() + static_cast<long>(i));
    } else if (op == 2) {
      size_t i = rng() % (model.size() + 2);
      bool ok = base.insert(i, val);
      EXPECT_EQ(ok, model.size() < 16 && i <= model.size());
      if (ok) model.insert(model.begin() + static_cast<long>(i), val);
    } else if (op == 3 && !model.empty()) {
      size_t i = rng() % model.size();
      EXPECT_TRUE(base.swap_remove(i));
      model[i] = model.back();
      model.pop_back();
    } else if (op == 4 && rng() % 50 == 0) {
      base.clear();
      model.clear();
    }
    ASSERT_EQ(base.size(), model.size());
    for (size_t i = 0; i < model.size(); ++i) ASSERT_EQ(base[i], model[i]);
  }
}

TEST(Queue, fifo_order_and_capacity) {
  Queue<int, 2> q;
  EXPECT_FALSE(q.pop().has_value());
  EXPECT_TRUE(q.push(1));
  EXPECT_TRUE(q.push(2));
  EXPECT_FALSE(q.push(3));
  EXPECT_EQ(q.front(), 1);
  EXPECT_EQ(*q.pop(), 1);
  EXPECT_TRUE(q.push(3));
  EXPECT_EQ(q.at(1), 3);
  EXPECT_EQ(*q.pop(), 2);
  EXPECT_EQ(*q.pop(), 3);
  EXPECT_TRUE(q.empty());
}

TEST(Queue, random_operations_match_a_model) {
  std::mt19937 rng(2);
  Queue<int, 7> q;
  std::deque<int> model;
  for (int step = 0; step < 20000; ++step) {
    if (rng() % 2) {
      int v = static_cast<int>(rng());
      bool ok = q.push(v);
      EXPECT_EQ(ok, model.size() < 7);
      if (ok) model.push_back(v);
    } else {
      auto v = q.pop();
      EXPECT_EQ(v.has_value(), !model.empty());
      if (v) {
        EXPECT_EQ(*v, model.front());
        model.pop_front();
      }
    }
    ASSERT_EQ(q.size(), model.size());
    if (!model.empty()) {
      ASSERT_EQ(q.at(model.size() - 1), model.back());
    }
  }
}
