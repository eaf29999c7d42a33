// The registry is the one list the tool, the benchmarks and the conformance suite iterate, so
// its entries must be distinct and their traits must describe the real objects.
#include "lockimpls/registry.h"

#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace lockbench {
namespace {

// Rule: A program's locks > Substitution: a lock is found by its registry name; the names are
// distinct lower_snake_case identifiers.
TEST(RegistryTest, NamesAreUniqueIdentifiers) {
  std::set<std::string_view> seen;
  for (const LockTraits& t : AllLocks::Traits()) {
    EXPECT_TRUE(seen.insert(t.name).second) << "duplicate lock name " << t.name;
    ASSERT_FALSE(t.name.empty());
    for (char c : t.name) {
      EXPECT_TRUE(std::islower(static_cast<unsigned char>(c)) ||
                  std::isdigit(static_cast<unsigned char>(c)) || c == '_')
          << "lock name " << t.name << " is not lower_snake_case";
    }
  }
  EXPECT_EQ(seen.size(), AllLocks::kSize);
}

// Rule: Fast mutex and guarded mutex > State: each lock's traits describe the object: size_bytes is
// its sizeof (24 bytes here; also cited for the other locks).
TEST(RegistryTest, TraitsDescribeTheObjects) {
  int checked = 0;
  AllLocks::ForEach([&]<class L>() {
    SCOPED_TRACE(std::string(L::kTraits.name));
    EXPECT_EQ(L::kTraits.size_bytes, sizeof(L)) << "size_bytes must be sizeof the lock";
    EXPECT_FALSE(L::kTraits.description.empty());
    EXPECT_FALSE(L::kTraits.fairness.empty());
    EXPECT_LE(L::kTraits.description.size(), 100u) << "the description is one line";
    EXPECT_NE(RecursionName(L::kTraits.recursion), "unknown");
    if (L::kTraits.slots != 0) {
      EXPECT_GT(L::kTraits.slot_bytes, 0u) << "a lock of slots says how big each is";
      EXPECT_EQ(L::kTraits.heap_bytes, std::size_t{L::kTraits.slots} * L::kTraits.slot_bytes)
          << "the slots are what it allocates";
    }
    ++checked;
  });
  EXPECT_EQ(checked, static_cast<int>(AllLocks::kSize));
}

// Rule: Holder constraints: every built-in lock declares the level its holder runs at and how
// its waiters wait; only the spin locks' holders (DISPATCH_LEVEL) may not block.
TEST(RegistryTest, EveryLockDeclaresItsHolderConstraints) {
  std::vector<std::string> may_not_block;
  std::vector<std::string> spinners;
  AllLocks::ForEach([&]<class L>() {
    SCOPED_TRACE(std::string(L::kTraits.name));
    EXPECT_NE(L::kTraits.holder_level, HolderLevel::kUnknown);
    EXPECT_NE(L::kTraits.waiters, WaitKind::kUnknown);
    if (!HolderMayBlock(L::kTraits)) may_not_block.emplace_back(L::kTraits.name);
    if (L::kTraits.waiters == WaitKind::kSpin) spinners.emplace_back(L::kTraits.name);
  });
  EXPECT_EQ(may_not_block, (std::vector<std::string>{"ex_spin_lock", "queued_spin_lock"}));
  EXPECT_EQ(spinners, (std::vector<std::string>{"ex_spin_lock", "queued_spin_lock", "tbb_spin_rw",
                                                "tbb_queuing_rw"}));
  EXPECT_EQ(HolderLevelName(FastMutex::kTraits.holder_level), "apc");
  EXPECT_EQ(HolderLevelName(PushLock::kTraits.holder_level), "passive");
  EXPECT_EQ(HolderLevelName(SrwLock::kTraits.holder_level), "user_mode");
  EXPECT_EQ(WaitKindName(CriticalSection::kTraits.waiters), "spin_then_sleep");
}

// Rule: A program's locks > Substitution: the registry lists every built-in lock once, in report
// order.
TEST(RegistryTest, ListsEveryLockInReportOrder) {
  // Reports list locks in registry order: the Windows emulations, then the Linux and library
  // peers.
  const std::vector<std::string_view> expected = {
      "push_lock",      "cache_aware_push_lock", "eresource",      "srwlock",
      "critical_section", "fast_mutex",          "guarded_mutex",  "ex_spin_lock",
      "queued_spin_lock", "shared_mutex",        "pthread_rwlock", "pthread_rwlock_wp",
      "pthread_mutex",  "absl_mutex",            "tbb_spin_rw",    "tbb_queuing_rw",
  };
  std::vector<std::string_view> present;
  for (const LockTraits& t : AllLocks::Traits()) present.push_back(t.name);
  EXPECT_EQ(present, expected);
}

// Rule: CRITICAL_SECTION > Grant rules: a lock that counts recursion (Recursion::kFull) can tell
// its owner, as CRITICAL_SECTION and ERESOURCE do.
TEST(RegistryTest, OnlyOwnerTrackingLocksClaimFullRecursion) {
  AllLocks::ForEach([&]<class L>() {
    if (L::kTraits.recursion == Recursion::kFull) {
      EXPECT_TRUE(L::kTraits.owner_query)
          << L::kTraits.name << ": counting recursion needs to know the owner";
    }
  });
}

// Rule: Push lock > State: the spin count is a process-wide setting; the registry lists the push
// lock's, SRWLOCK's and CRITICAL_SECTION's (with its spin policy), and each round-trips.
// The tool sets and records lock settings only through this list, so each must round-trip.
TEST(RegistryTest, SettingsAreListedByLockAndRoundTrip) {
  std::vector<std::string> with_settings;
  for (const LockSettings& lock : AllLocks::Settings()) {
    for (const LockSetting& s : lock.settings) {
      SCOPED_TRACE(std::string(lock.lock) + "." + std::string(s.name));
      EXPECT_FALSE(s.name.empty());
      EXPECT_FALSE(s.help.empty());
      EXPECT_GT(s.max, 0u);
      const std::uint32_t before = s.get();
      const std::uint32_t other = before < s.max ? before + 1 : before - 1;  // within 0..max
      s.set(other);
      EXPECT_EQ(s.get(), other);
      s.set(before);
      with_settings.push_back(std::string(lock.lock) + "." + std::string(s.name));
    }
  }
  EXPECT_EQ(with_settings, (std::vector<std::string>{"push_lock.spin_count", "srwlock.spin_count",
                                                     "critical_section.spin_count",
                                                     "critical_section.spin_past_sleepers"}));
}

}  // namespace
}  // namespace lockbench
