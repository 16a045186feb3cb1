// igmp_membership.hpp — the host side of IGMPv2 (RFC 2236) for one interface, with
// IGMPv1 compatibility (RFC 2236 §4): which groups are joined, and which Reports and
// Leaves are due. Sans-IO: the caller feeds in queries and overheard reports, takes
// messages from poll_transmit() and builds them with wire/igmp.
//
// Policy (RFC 2236 §3 and the state machine of §6, one timer per group):
//  - join() makes the first Report due at once and repeats it once (by default) after
//    a random delay up to the Unsolicited Report Interval (10 s, §8.10);
//  - a query sets each matching group's timer to a random delay in [0, Max Resp Time],
//    unless the timer already runs out sooner; a v1 query (Max Resp Time 0) counts as
//    10 s and is always general;
//  - another host's Report for a group cancels our pending Report (suppression) and
//    makes us no longer the last reporter;
//  - leave() of the last reference sends a Leave to 224.0.0.2 only if we sent the last
//    Report for the group;
//  - for 400 s after a v1 query (Version 1 Router Present Timeout, §8.11) Reports are
//    v1 and Leaves are not sent;
//  - 224.0.0.1 (all hosts) is always a member and never reported or left (§6);
//  - a fixed table of config::kMulticastGroups groups, each with a join count so that
//    several sockets can share a group: joining a new group when full is an error.
// join() and leave() need no time: what they cause is due at once and goes out at the
// next poll_transmit(now), which is also where a v1 router's presence is judged.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/random.hpp"
#include "core/base/result.hpp"
#include "core/base/time.hpp"
#include "core/wire/address.hpp"
#include "keel/config.hpp"

namespace keel::iface {

// IgmpKind — a message to send; the values are the IGMP type field (RFC 2236 §2.1).
enum class IgmpKind : uint8_t {
  ReportV1 = 0x12,  // Version 1 Membership Report (RFC 1112), while a v1 router is present
  ReportV2 = 0x16,  // Version 2 Membership Report
  Leave = 0x17,     // Leave Group
};

// IgmpOutput — one message: its type, the group it names, and where to send it
// (the group itself for Reports, 224.0.0.2 for Leaves).
struct IgmpOutput {
  IgmpKind kind = IgmpKind::ReportV2;
  wire::Ipv4Address group;
  wire::Ipv4Address destination;
};

// IgmpError — why join() refused a group.
enum class IgmpError : uint8_t {
  NotMulticast,  // not a 224.0.0.0/4 address
  Full,          // every group entry is in use (or the join count would overflow)
};

struct IgmpConfig {
  Duration unsolicited_interval = Duration::seconds(10);  // RFC 2236 §8.10
  uint8_t unsolicited_reports = 2;  // Reports sent on join, the first at once (§3)
  Duration v1_router_timeout = Duration::seconds(400);  // RFC 2236 §8.11
};

struct IgmpStats {
  uint64_t reports_v1 = 0;  // v1 Reports sent
  uint64_t reports_v2 = 0;  // v2 Reports sent
  uint64_t leaves = 0;      // Leaves sent
  uint64_t queries = 0;     // queries heard
  uint64_t suppressed = 0;  // pending Reports cancelled by another host's Report
  uint64_t join_full = 0;   // joins refused: table full
};

class IgmpMembership {
 public:
  // rng draws the report delays; it must outlive this object.
  explicit IgmpMembership(Random& rng, const IgmpConfig& config = {});

  // join — one more reference to group; the first one starts reporting it.
  Result<void, IgmpError> join(const wire::Ipv4Address& group);
  // leave — drops one reference; the last one forgets the group and may queue a Leave.
  // Returns false if the group was not joined.
  bool leave(const wire::Ipv4Address& group);
  // on_query — a Membership Query was heard: group is 0.0.0.0 for a general query;
  // is_v1 for a v1 query (an 8-byte query with Max Resp Time 0), whose max_resp is
  // ignored (RFC 2236 §4); max_resp in tenths of a second otherwise.
  void on_query(Instant now, const wire::Ipv4Address& group, uint8_t max_resp, bool is_v1);
  // on_report_heard — another host reported group (v1 or v2 Report).
  void on_report_heard(const wire::Ipv4Address& group);
  // poll_transmit — the next message due at now, if any (Leaves first).
  Optional<IgmpOutput> poll_transmit(Instant now);
  // poll_at — when poll_transmit() next has work (Instant() if at once).
  Optional<Instant> poll_at() const;
  // is_member — whether datagrams to group are to be received.
  bool is_member(const wire::Ipv4Address& group) const;
  // joins — the join count of group (0 if not joined; all-hosts is not counted).
  uint16_t joins(const wire::Ipv4Address& group) const;
  // v1_router_present — whether a v1 query was heard within the last 400 s.
  bool v1_router_present(Instant now) const { return v1_until_ && now < *v1_until_; }
  const IgmpStats& stats() const { return stats_; }

 private:
  struct Group {
    wire::Ipv4Address addr;
    uint16_t joins = 0;          // 0: the entry is free
    bool timer = false;          // a Report is scheduled (Delaying Member, §6)
    bool last_reporter = false;  // we sent the last Report for the group
    uint8_t repeats = 0;         // unsolicited Reports still to send after this one
    Instant due;                 // when the scheduled Report goes out
  };
  Group* find(const wire::Ipv4Address& group);
  const Group* find(const wire::Ipv4Address& group) const;
  Instant random_delay(Instant now, uint32_t max_ms);

  Random& rng_;
  IgmpConfig config_;
  uint32_t unsolicited_ms_;  // config_.unsolicited_interval, divided once
  Group groups_[config::kMulticastGroups];
  // Leaves waiting, oldest first. One per entry is enough: a group becomes the last
  // reporter only in poll_transmit(), which sends every waiting Leave first.
  wire::Ipv4Address leaves_[config::kMulticastGroups];
  size_t leave_count_ = 0;
  Optional<Instant> v1_until_;
  IgmpStats stats_;
};

}  // namespace keel::iface
