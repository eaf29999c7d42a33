#include "workloads/placement.h"

#include <sched.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace lockbench {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr Role R = Role::kReader;
constexpr Role W = Role::kWriter;
constexpr Role M = Role::kMixed;

// One package, one node, four 2-thread cores: PUs 2c and 2c+1 are core c.
constexpr const char* kOneSocketSmt = "pack:1 core:4 pu:2";
// Two packages of two nodes of four 2-thread cores: node n holds PUs 8n..8n+7.
constexpr const char* kTwoSocketsFourNodes = "pack:2 numa:2 core:4 pu:2";
// Two packages of four nodes of two 1-thread cores: node n holds PUs 2n and 2n+1.
constexpr const char* kEightNodes = "pack:2 numa:4 core:2 pu:1";
// Two packages of four 2-thread cores, core c's second thread numbered c + 8 (Linux on Intel).
constexpr const char* kLinuxSmtXml = "workloads/testdata/two_socket_linux_smt_numbering.xml";

std::vector<Role> Readers(int n) { return std::vector<Role>(n, R); }

std::vector<int> Pus(const PlacementPlan& plan) {
  std::vector<int> pus;
  for (const ThreadPlacement& t : plan.threads) pus.push_back(t.pu_os);
  return pus;
}

std::vector<int> Pus(std::string_view policy, int threads, bool smt, const Topology& t) {
  return Pus(PlanPlacement(policy, Readers(threads), smt, t));
}

template <class F>
std::string ErrorOf(F&& f) {
  try {
    f();
  } catch (const PlacementError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
    return message;
  }
  return "(no PlacementError)";
}

// --- compact -------------------------------------------------------------------------------

TEST(CompactTest, FillsEachCoreThenTheNextNodeByNode) {
  const Topology one = Topology::FromSynthetic(kOneSocketSmt);
  EXPECT_THAT(Pus("compact", 8, true, one), ElementsAre(0, 1, 2, 3, 4, 5, 6, 7));
  const Topology four = Topology::FromSynthetic(kTwoSocketsFourNodes);
  std::vector<int> all(32);
  for (int i = 0; i < 32; ++i) all[i] = i;
  EXPECT_THAT(Pus("compact", 32, true, four), ElementsAreArray(all));
  const Topology eight = Topology::FromSynthetic(kEightNodes);
  EXPECT_THAT(Pus("compact", 5, true, eight), ElementsAre(0, 1, 2, 3, 4));
  const Topology xml = Topology::FromXmlFile(kLinuxSmtXml);
  EXPECT_THAT(Pus("compact", 6, true, xml), ElementsAre(0, 8, 1, 9, 2, 10));
}

TEST(CompactTest, SmtOffTakesOnePuPerCore) {
  EXPECT_THAT(Pus("compact", 4, false, Topology::FromSynthetic(kOneSocketSmt)),
              ElementsAre(0, 2, 4, 6));
  EXPECT_THAT(Pus("compact", 6, false, Topology::FromSynthetic(kTwoSocketsFourNodes)),
              ElementsAre(0, 2, 4, 6, 8, 10));
  // One PU per core already: SMT off changes nothing.
  EXPECT_THAT(Pus("compact", 4, false, Topology::FromSynthetic(kEightNodes)),
              ElementsAre(0, 1, 2, 3));
  EXPECT_THAT(Pus("compact", 8, false, Topology::FromXmlFile(kLinuxSmtXml)),
              ElementsAre(0, 1, 2, 3, 4, 5, 6, 7));
}

TEST(CompactTest, MoreThreadsThanPusWrapsWithAWarning) {
  const Topology t = Topology::FromSynthetic(kOneSocketSmt);
  const PlacementPlan plan = PlanPlacement("compact", Readers(10), true, t);
  EXPECT_THAT(Pus(plan), ElementsAre(0, 1, 2, 3, 4, 5, 6, 7, 0, 1));
  EXPECT_THAT(plan.warnings,
              ElementsAre("10 threads on 8 usable PUs: placement wraps round, so some PUs run "
                          "more than one thread"));
  const PlacementPlan smt_off = PlanPlacement("compact", Readers(5), false, t);
  EXPECT_THAT(Pus(smt_off), ElementsAre(0, 2, 4, 6, 0));
  EXPECT_THAT(smt_off.warnings, ElementsAre(HasSubstr("5 threads on 4 usable PUs (SMT off)")));
  EXPECT_THAT(PlanPlacement("compact", Readers(8), true, t).warnings, IsEmpty());
}

// --- scatter -------------------------------------------------------------------------------

TEST(ScatterTest, PackagesFirstThenNodesThenCoresThenSiblings) {
  EXPECT_THAT(Pus("scatter", 8, true, Topology::FromSynthetic(kOneSocketSmt)),
              ElementsAre(0, 2, 4, 6, 1, 3, 5, 7));
  EXPECT_THAT(Pus("scatter", 32, true, Topology::FromSynthetic(kTwoSocketsFourNodes)),
              ElementsAre(0, 16, 8, 24, 2, 18, 10, 26, 4, 20, 12, 28, 6, 22, 14, 30,  //
                          1, 17, 9, 25, 3, 19, 11, 27, 5, 21, 13, 29, 7, 23, 15, 31));
  EXPECT_THAT(Pus("scatter", 16, true, Topology::FromSynthetic(kEightNodes)),
              ElementsAre(0, 8, 2, 10, 4, 12, 6, 14, 1, 9, 3, 11, 5, 13, 7, 15));
  EXPECT_THAT(Pus("scatter", 16, true, Topology::FromXmlFile(kLinuxSmtXml)),
              ElementsAre(0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15));
}

TEST(ScatterTest, RecordsWhereEachThreadLands) {
  const Topology t = Topology::FromSynthetic(kTwoSocketsFourNodes);
  const PlacementPlan plan = PlanPlacement("scatter", {W, R, R}, true, t);
  ASSERT_EQ(plan.threads.size(), 3u);
  const ThreadPlacement& second = plan.threads[1];
  EXPECT_EQ(second.thread, 1);
  EXPECT_EQ(second.role, R);
  EXPECT_TRUE(second.pinned);
  EXPECT_EQ(second.pu_os, 16);
  EXPECT_EQ(second.pu_logical, 16);
  EXPECT_EQ(second.core, 8);
  EXPECT_EQ(second.numa_node, 2);
  EXPECT_EQ(second.package, 1);
  EXPECT_EQ(plan.threads[0].role, W);
  EXPECT_EQ(plan.threads[2].numa_node, 1);
  EXPECT_EQ(plan.threads[2].package, 0);
  EXPECT_FALSE(plan.binds);  // synthetic: a plan only
}

TEST(ScatterTest, SmtOffAndWrap) {
  EXPECT_THAT(Pus("scatter", 4, false, Topology::FromSynthetic(kOneSocketSmt)),
              ElementsAre(0, 2, 4, 6));
  const PlacementPlan plan =
      PlanPlacement("scatter", Readers(18), false, Topology::FromSynthetic(kTwoSocketsFourNodes));
  EXPECT_THAT(Pus(plan),
              ElementsAre(0, 16, 8, 24, 2, 18, 10, 26, 4, 20, 12, 28, 6, 22, 14, 30, 0, 16));
  EXPECT_THAT(plan.warnings, ElementsAre(HasSubstr("18 threads on 16 usable PUs (SMT off)")));
  EXPECT_THAT(Pus("scatter", 8, false, Topology::FromSynthetic(kEightNodes)),
              ElementsAre(0, 8, 2, 10, 4, 12, 6, 14));
  EXPECT_THAT(Pus("scatter", 8, false, Topology::FromXmlFile(kLinuxSmtXml)),
              ElementsAre(0, 4, 1, 5, 2, 6, 3, 7));
}

// --- numa:<n> ------------------------------------------------------------------------------

TEST(NumaTest, AllThreadsOnOneNode) {
  EXPECT_THAT(Pus("numa:0", 8, true, Topology::FromSynthetic(kOneSocketSmt)),
              ElementsAre(0, 1, 2, 3, 4, 5, 6, 7));
  EXPECT_THAT(Pus("numa:2", 8, true, Topology::FromSynthetic(kTwoSocketsFourNodes)),
              ElementsAre(16, 17, 18, 19, 20, 21, 22, 23));
  EXPECT_THAT(Pus("numa:2", 4, false, Topology::FromSynthetic(kTwoSocketsFourNodes)),
              ElementsAre(16, 18, 20, 22));
  EXPECT_THAT(Pus("numa:1", 4, false, Topology::FromXmlFile(kLinuxSmtXml)),
              ElementsAre(4, 5, 6, 7));
  const PlacementPlan plan =
      PlanPlacement("numa:7", Readers(3), true, Topology::FromSynthetic(kEightNodes));
  EXPECT_THAT(Pus(plan), ElementsAre(14, 15, 14));
  EXPECT_THAT(plan.warnings, ElementsAre(HasSubstr("3 threads on 2 usable PUs of NUMA node 7")));
  for (const ThreadPlacement& t : plan.threads) EXPECT_EQ(t.numa_node, 7);
}

TEST(NumaTest, NodeThatDoesNotExist) {
  const Topology four = Topology::FromSynthetic(kTwoSocketsFourNodes);
  EXPECT_EQ(ErrorOf([&] { PlanPlacement("numa:5", Readers(2), true, four); }),
            "--placement numa:5: no NUMA node 5 (this topology has nodes 0-3)");
  const Topology eight = Topology::FromSynthetic(kEightNodes);
  EXPECT_EQ(ErrorOf([&] { PlanPlacement("numa:8", Readers(2), true, eight); }),
            "--placement numa:8: no NUMA node 8 (this topology has nodes 0-7)");
  const Topology one = Topology::FromSynthetic(kOneSocketSmt);
  EXPECT_EQ(ErrorOf([&] { PlanPlacement("numa:1", Readers(2), true, one); }),
            "--placement numa:1: no NUMA node 1 (this topology has nodes 0)");
  EXPECT_EQ(ErrorOf([&] { PlanPlacement("numa", Readers(2), true, one); }),
            "--placement numa: numa needs a node, numa:<node> (this topology has nodes 0)");
  EXPECT_EQ(ErrorOf([&] { PlanPlacement("numa:-1", Readers(2), true, one); }),
            "--placement numa:-1: '-1' is not a NUMA node number (this topology has nodes 0)");
  EXPECT_THAT(ErrorOf([&] { PlanPlacement("numa:1x", Readers(2), true, one); }),
              HasSubstr("'1x' is not a NUMA node number"));
  EXPECT_THAT(ErrorOf([&] { PlanPlacement("numa:99999999999", Readers(2), true, one); }),
              HasSubstr("is not a NUMA node number"));
}

// --- split ---------------------------------------------------------------------------------

TEST(SplitTest, ReadersOnOneNodeWritersOnAnother) {
  const Topology four = Topology::FromSynthetic(kTwoSocketsFourNodes);
  const PlacementPlan plan = PlanPlacement("split", {R, W, R, W, R}, true, four);
  EXPECT_THAT(Pus(plan), ElementsAre(0, 8, 1, 9, 2));
  EXPECT_THAT(plan.warnings, IsEmpty());
  EXPECT_THAT(Pus(PlanPlacement("split", {R, W, R, W, R}, false, four)),
              ElementsAre(0, 8, 2, 10, 4));
  EXPECT_THAT(Pus(PlanPlacement("split:3,0", {W, R, R}, true, four)), ElementsAre(0, 24, 25));

  const Topology eight = Topology::FromSynthetic(kEightNodes);
  const PlacementPlan wrapped = PlanPlacement("split:5,2", {R, R, R, W}, true, eight);
  EXPECT_THAT(Pus(wrapped), ElementsAre(10, 11, 10, 4));
  EXPECT_THAT(wrapped.warnings,
              ElementsAre(HasSubstr("3 threads on 2 usable PUs of reader node 5")));
  EXPECT_THAT(Pus(PlanPlacement("split", {W, R}, true, eight)), ElementsAre(2, 0));

  EXPECT_THAT(Pus(PlanPlacement("split", {R, W, W}, true, Topology::FromXmlFile(kLinuxSmtXml))),
              ElementsAre(0, 4, 12));
}

TEST(SplitTest, OneSidedSplitIsAllowedButSaid) {
  const PlacementPlan plan =
      PlanPlacement("split", Readers(2), true, Topology::FromSynthetic(kEightNodes));
  EXPECT_THAT(Pus(plan), ElementsAre(0, 1));
  EXPECT_THAT(plan.warnings, ElementsAre("split with no writers: node 1 is unused"));
}

// Beside each DRAM node a high-bandwidth node with the same PUs: default split must not pair
// them, and an explicit pair that shares PUs is allowed but said.
TEST(SplitTest, SkipsNodesThatShareThePus) {
  const Topology t = Topology::FromSynthetic("pack:2 [numa] [numa(memory=1GiB)] core:2 pu:1");
  const PlacementPlan plan = PlanPlacement("split", {R, W}, true, t);
  EXPECT_THAT(Pus(plan), ElementsAre(0, 2));
  EXPECT_EQ(plan.threads[1].numa_node, 2);
  const PlacementPlan shared = PlanPlacement("split:0,1", {R, W}, true, t);
  EXPECT_THAT(Pus(shared), ElementsAre(0, 0));
  EXPECT_EQ(shared.threads[1].numa_node, 1);
  EXPECT_THAT(shared.warnings, ElementsAre(HasSubstr("nodes 0 and 1 share PUs")));
}

TEST(SplitTest, ImpossibleSplits) {
  const Topology one = Topology::FromSynthetic(kOneSocketSmt);
  EXPECT_EQ(ErrorOf([&] {
              PlanPlacement("split", {R, W}, true, one);
            }),
            "--placement split: split needs two NUMA nodes with separate PUs, this topology has 1 "
            "node with PUs (0); use compact, scatter or numa:<node>");
  const Topology four = Topology::FromSynthetic(kTwoSocketsFourNodes);
  EXPECT_EQ(ErrorOf([&] {
              PlanPlacement("split", {R, M, W}, true, four);
            }),
            "--placement split: thread 1 is mixed (reads and writes); split needs every thread to "
            "be a reader or a writer (use compact, scatter or numa:<node>)");
  EXPECT_EQ(ErrorOf([&] {
              PlanPlacement("split:1,1", {R, W}, true, four);
            }),
            "--placement split:1,1: readers and writers must be on different nodes (use numa:1 to "
            "put all threads on one node)");
  EXPECT_EQ(ErrorOf([&] {
              PlanPlacement("split:1", {R, W}, true, four);
            }),
            "--placement split:1: split takes two nodes, split:<reader node>,<writer node> (this "
            "topology has nodes 0-3)");
  EXPECT_EQ(ErrorOf([&] {
              PlanPlacement("split:0,4", {R, W}, true, four);
            }),
            "--placement split:0,4: no NUMA node 4 (this topology has nodes 0-3)");
  const Topology eight = Topology::FromSynthetic(kEightNodes);
  EXPECT_EQ(ErrorOf([&] {
              PlanPlacement("split:9,0", {R, W}, true, eight);
            }),
            "--placement split:9,0: no NUMA node 9 (this topology has nodes 0-7)");
}

// --- cpus:<list> ---------------------------------------------------------------------------

TEST(CpusTest, ExplicitListInTheGivenOrder) {
  EXPECT_THAT(Pus("cpus:6,0-1", 3, true, Topology::FromSynthetic(kOneSocketSmt)),
              ElementsAre(6, 0, 1));
  EXPECT_THAT(Pus("cpus:31,0,16-17", 4, true, Topology::FromSynthetic(kTwoSocketsFourNodes)),
              ElementsAre(31, 0, 16, 17));
  EXPECT_THAT(Pus("cpus:0,2,4-7", 6, true, Topology::FromSynthetic(kEightNodes)),
              ElementsAre(0, 2, 4, 5, 6, 7));
  EXPECT_THAT(Pus("cpus:3,3", 2, true, Topology::FromSynthetic(kEightNodes)), ElementsAre(3, 3));
  const PlacementPlan wrapped =
      PlanPlacement("cpus:8,15", Readers(3), true, Topology::FromXmlFile(kLinuxSmtXml));
  EXPECT_THAT(Pus(wrapped), ElementsAre(8, 15, 8));
  EXPECT_EQ(wrapped.threads[0].core, 0);
  EXPECT_EQ(wrapped.threads[1].core, 7);
  EXPECT_THAT(wrapped.warnings,
              ElementsAre(HasSubstr("3 threads on 2 usable PUs in the CPU list")));
}

TEST(CpusTest, SmtOffDropsSiblingsOfEarlierPus) {
  const PlacementPlan plan =
      PlanPlacement("cpus:0-3", Readers(2), false, Topology::FromSynthetic(kOneSocketSmt));
  EXPECT_THAT(Pus(plan), ElementsAre(0, 2));
  EXPECT_THAT(plan.warnings, ElementsAre("SMT off: PUs 1,3 of the CPU list share a core with an "
                                         "earlier PU and are not used"));
  EXPECT_THAT(Pus("cpus:0-3,8", 4, false, Topology::FromXmlFile(kLinuxSmtXml)),
              ElementsAre(0, 1, 2, 3));
}

TEST(CpusTest, BadLists) {
  const Topology one = Topology::FromSynthetic(kOneSocketSmt);
  EXPECT_EQ(ErrorOf([&] { PlanPlacement("cpus:", Readers(1), true, one); }),
            "--placement cpus:: empty CPU list (give PU OS indexes like cpus:0,2,4-7; this "
            "topology has PUs 0-7)");
  EXPECT_EQ(ErrorOf([&] { PlanPlacement("cpus", Readers(1), true, one); }),
            "--placement cpus: empty CPU list (give PU OS indexes like cpus:0,2,4-7; this "
            "topology has PUs 0-7)");
  EXPECT_EQ(ErrorOf([&] { PlanPlacement("cpus:0,9", Readers(1), true, one); }),
            "--placement cpus:0,9: no PU 9 (this topology has PUs 0-7)");
  EXPECT_EQ(ErrorOf([&] { PlanPlacement("cpus:0,x", Readers(1), true, one); }),
            "--placement cpus:0,x: 'x' is not a PU index or range (give PU OS indexes like "
            "0,2,4-7)");
  EXPECT_EQ(ErrorOf([&] { PlanPlacement("cpus:0,", Readers(1), true, one); }),
            "--placement cpus:0,: '' is not a PU index or range (give PU OS indexes like 0,2,4-7)");
  EXPECT_EQ(ErrorOf([&] { PlanPlacement("cpus:5-2", Readers(1), true, one); }),
            "--placement cpus:5-2: range 5-2 runs backwards (write it low-high)");
  EXPECT_THAT(ErrorOf([&] { PlanPlacement("cpus:1-", Readers(1), true, one); }),
              HasSubstr("'1-' is not a PU index or range"));
  const Topology xml = Topology::FromXmlFile(kLinuxSmtXml);
  EXPECT_EQ(ErrorOf([&] { PlanPlacement("cpus:12-16", Readers(1), true, xml); }),
            "--placement cpus:12-16: no PU 16 (this topology has PUs 0-15)");
}

// --- none ----------------------------------------------------------------------------------

TEST(NoneTest, LeavesEveryThreadUnpinned) {
  for (const char* desc : {kOneSocketSmt, kTwoSocketsFourNodes, kEightNodes}) {
    const PlacementPlan plan =
        PlanPlacement("none", {R, W, M}, false, Topology::FromSynthetic(desc));
    ASSERT_EQ(plan.threads.size(), 3u);
    for (const ThreadPlacement& t : plan.threads) {
      EXPECT_FALSE(t.pinned);
      EXPECT_EQ(t.pu_os, -1);
      EXPECT_EQ(t.numa_node, -1);
    }
    EXPECT_EQ(plan.threads[2].role, M);
    EXPECT_FALSE(plan.binds);
    EXPECT_THAT(plan.warnings, IsEmpty());
  }
  EXPECT_FALSE(PlanPlacement("none", Readers(1), true, Topology::LoadThisMachine()).binds);
}

// --- policy names ----------------------------------------------------------------------------

TEST(PolicyNameTest, UnknownPoliciesGetSuggestions) {
  const Topology t = Topology::FromSynthetic(kTwoSocketsFourNodes);
  EXPECT_EQ(ErrorOf([&] { PlanPlacement("scater", Readers(1), true, t); }),
            "--placement scater: unknown policy 'scater' (did you mean 'scatter'?); allowed: "
            "compact, scatter, numa:<node>, split, split:<reader node>,<writer node>, "
            "cpus:<list>, none");
  EXPECT_THAT(ErrorOf([&] { PlanPlacement("Compact", Readers(1), true, t); }),
              HasSubstr("(did you mean 'compact'?)"));
  EXPECT_THAT(ErrorOf([&] { PlanPlacement("spread", Readers(1), true, t); }),
              HasSubstr("(did you mean 'scatter'?)"));
  EXPECT_THAT(ErrorOf([&] { PlanPlacement("node:1", Readers(1), true, t); }),
              HasSubstr("unknown policy 'node' (did you mean 'numa:<node>'?)"));
  EXPECT_THAT(ErrorOf([&] { PlanPlacement("cpu:1", Readers(1), true, t); }),
              HasSubstr("(did you mean 'cpus:<list>'?)"));
  EXPECT_THAT(ErrorOf([&] { PlanPlacement("splt", Readers(1), true, t); }),
              HasSubstr("(did you mean 'split'?)"));
  const std::string far = ErrorOf([&] { PlanPlacement("xyzzy", Readers(1), true, t); });
  EXPECT_THAT(far, HasSubstr("unknown policy 'xyzzy'; allowed: compact"));
  EXPECT_EQ(far.find("did you mean"), std::string::npos);
  EXPECT_EQ(ErrorOf([&] { PlanPlacement("", Readers(1), true, t); }),
            "--placement: empty value (allowed: compact, scatter, numa:<node>, split, "
            "split:<reader node>,<writer node>, cpus:<list>, none)");
  EXPECT_THAT(ErrorOf([&] { PlanPlacement("compact:2", Readers(1), true, t); }),
              HasSubstr("--placement compact:2: compact takes no argument"));
}

TEST(PolicyNameTest, OptionNameIsTheCallers) {
  const Topology t = Topology::FromSynthetic(kOneSocketSmt);
  EXPECT_EQ(ErrorOf([&] { ParsePlacementPolicy("numa:3", t, "--pin"); }),
            "--pin numa:3: no NUMA node 3 (this topology has nodes 0)");
  const PlacementPolicy p = ParsePlacementPolicy("split:1,0", Topology::FromSynthetic(kEightNodes));
  EXPECT_EQ(p.kind, PlacementKind::kSplit);
  EXPECT_EQ(p.reader_node, 1);
  EXPECT_EQ(p.writer_node, 0);
  EXPECT_EQ(p.spec, "split:1,0");
  // A policy parsed for another topology is checked again, not trusted.
  EXPECT_EQ(ErrorOf([&] {
              PlanPlacement(p, {R, W}, true, t);
            }),
            "--placement split:1,0: no NUMA node 1 (this topology has nodes 0)");
  EXPECT_EQ(PlanPlacement(PlacementPolicy{}, {R}, true, t).threads.at(0).pinned, false);
}

// --- rendering -----------------------------------------------------------------------------

TEST(RenderTest, TableAndJson) {
  const Topology t = Topology::FromSynthetic(kTwoSocketsFourNodes);
  const PlacementPlan plan = PlanPlacement("numa:3", {W, R, R, R, R, R, R, R, R}, true, t);
  const std::string table = RenderPlanTable(plan);
  EXPECT_THAT(table, HasSubstr("Placement numa:3, SMT on, 9 threads on synthetic \"pack:2 numa:2 "
                               "core:4 pu:2\": 2 packages, 4 NUMA nodes, 16 cores, 32 PUs (plan "
                               "only: threads are not bound)\n"));
  EXPECT_THAT(table,
              HasSubstr("thread  role    PU (os)  PU (logical)  core  NUMA node  package\n"
                        "     0  writer       24            24    12          3        1\n"
                        "     1  reader       25            25    12          3        1\n"));
  EXPECT_THAT(table, HasSubstr("warning: 9 threads on 8 usable PUs of NUMA node 3"));

  const nlohmann::json j = PlanToJson(plan);
  EXPECT_EQ(j["policy"], "numa:3");
  EXPECT_EQ(j["smt"], true);
  EXPECT_EQ(j["binds"], false);
  ASSERT_EQ(j["threads"].size(), 9u);
  EXPECT_EQ(j["threads"][0]["role"], "writer");
  EXPECT_EQ(j["threads"][8]["pu"], 24);
  EXPECT_EQ(j["threads"][8]["core"], 12);
  EXPECT_EQ(j["threads"][8]["numa_node"], 3);
  EXPECT_EQ(j["warnings"].size(), 1u);

  const PlacementPlan none = PlanPlacement("none", {M}, true, t);
  EXPECT_THAT(RenderPlanTable(none), HasSubstr("     0  mixed   unpinned\n"));
  const nlohmann::json jn = PlanToJson(none);
  EXPECT_EQ(jn["threads"][0]["pinned"], false);
  EXPECT_TRUE(jn["threads"][0]["pu"].is_null());
  EXPECT_TRUE(jn["threads"][0]["numa_node"].is_null());
}

// --- binding on this machine ---------------------------------------------------------------

TEST(BindTest, BindsTheCallingThreadToEachPu) {
  const Topology t = Topology::LoadThisMachine();
  const PlacementPlan plan = PlanPlacement("compact", Readers(t.pus()), true, t);
  EXPECT_TRUE(plan.binds);
  for (const ThreadPlacement& p : plan.threads) {
    std::string error = "not run";
    int cpu = -2;
    std::vector<int> binding;
    // A fresh thread each time, so the test runner's own thread keeps its affinity.
    std::thread worker([&] {
      error = BindCurrentThread(t, p.pu_os);
      cpu = sched_getcpu();
      binding = CurrentThreadBinding(t);
    });
    worker.join();
    EXPECT_EQ(error, "") << "PU " << p.pu_os;
    EXPECT_EQ(cpu, p.pu_os);
    EXPECT_THAT(binding, ElementsAre(p.pu_os));
  }
}

TEST(BindTest, RefusesWithAReasonInsteadOfAborting) {
  const Topology t = Topology::LoadThisMachine();
  EXPECT_THAT(BindCurrentThread(t, 100000),
              HasSubstr("cannot bind to PU 100000: no such PU (this machine has"));
  const Topology synthetic = Topology::FromSynthetic(kOneSocketSmt);
  EXPECT_EQ(BindCurrentThread(synthetic, 0),
            "cannot bind to PU 0: topology synthetic \"pack:1 core:4 pu:2\" is not this machine");
  EXPECT_THAT(CurrentThreadBinding(synthetic), IsEmpty());
}

// --- memory --------------------------------------------------------------------------------

constexpr std::size_t kBlockBytes = 1 << 20;

TEST(MemoryTest, BoundToNodeZeroReallyIsThere) {
  const Topology t = Topology::LoadThisMachine();
  const int node = t.numa_node_list().front().os_index;
  const MemoryPolicy policy = ParseMemoryPolicy("node:" + std::to_string(node), t);
  EXPECT_EQ(policy.kind, MemoryKind::kBind);
  MemoryBlock block = MemoryBlock::Allocate(t, kBlockBytes, policy);
  ASSERT_NE(block.data(), nullptr);
  EXPECT_TRUE(block.policy_applied()) << block.note();
  EXPECT_EQ(block.size(), kBlockBytes);
  std::memset(block.data(), 0xA5, block.size());
  std::string error;
  EXPECT_THAT(block.NodesHoldingMemory(&error), ElementsAre(node));
  EXPECT_EQ(error, "");
}

TEST(MemoryTest, BindsToEveryNodeOfThisMachine) {
  const Topology t = Topology::LoadThisMachine();
  for (const NumaNodeInfo& node : t.numa_node_list()) {
    if (node.memory_bytes < 16 * kBlockBytes) continue;  // too small to hold the block
    const MemoryPolicy policy = ParseMemoryPolicy("node:" + std::to_string(node.os_index), t);
    MemoryBlock block = MemoryBlock::Allocate(t, kBlockBytes, policy);
    ASSERT_TRUE(block.policy_applied()) << block.note();
    std::memset(block.data(), 1, block.size());
    EXPECT_THAT(block.NodesHoldingMemory(), ElementsAre(node.os_index));
  }
}

TEST(MemoryTest, InterleaveAndFirstTouch) {
  const Topology t = Topology::LoadThisMachine();
  std::vector<int> all_nodes;
  for (const NumaNodeInfo& n : t.numa_node_list()) all_nodes.push_back(n.os_index);

  MemoryBlock interleaved =
      MemoryBlock::Allocate(t, kBlockBytes, ParseMemoryPolicy("interleave", t));
  EXPECT_TRUE(interleaved.policy_applied()) << interleaved.note();
  std::memset(interleaved.data(), 2, interleaved.size());
  // 256 pages round-robin over the nodes: every node gets some.
  EXPECT_THAT(interleaved.NodesHoldingMemory(), ElementsAreArray(all_nodes));

  MemoryBlock first_touch = MemoryBlock::Allocate(t, 100, MemoryPolicy{});
  EXPECT_TRUE(first_touch.policy_applied());
  EXPECT_EQ(first_touch.size() % 4096, 0u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(first_touch.data()) % 4096, 0u);
  std::memset(first_touch.data(), 3, first_touch.size());
  const std::vector<int> nodes = first_touch.NodesHoldingMemory();
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_NE(t.FindNumaNode(nodes[0]), nullptr);

  // Moving hands the pages over; the moved-from block frees nothing.
  void* data = first_touch.data();
  MemoryBlock moved = std::move(first_touch);
  EXPECT_EQ(moved.data(), data);
  EXPECT_EQ(first_touch.data(), nullptr);
  moved = std::move(interleaved);
  EXPECT_EQ(interleaved.data(), nullptr);
}

TEST(MemoryTest, SyntheticTopologyIsPlanOnly) {
  const Topology t = Topology::FromSynthetic(kTwoSocketsFourNodes);
  const MemoryPolicy policy = ParseMemoryPolicy("node:3", t);
  MemoryBlock block = MemoryBlock::Allocate(t, 64, policy);
  ASSERT_NE(block.data(), nullptr);
  EXPECT_FALSE(block.policy_applied());
  EXPECT_EQ(block.note(),
            "memory policy node:3 not applied: topology synthetic \"pack:2 numa:2 core:4 pu:2\" "
            "is not this machine (plan only); memory is first-touch");
  std::memset(block.data(), 4, block.size());
  std::string error;
  EXPECT_THAT(block.NodesHoldingMemory(&error), IsEmpty());
  EXPECT_EQ(error, "memory location unknown: the topology is not this machine");
}

TEST(MemoryTest, PolicyErrors) {
  const Topology t = Topology::FromSynthetic(kTwoSocketsFourNodes);
  EXPECT_EQ(ParseMemoryPolicy("first-touch", t).kind, MemoryKind::kFirstTouch);
  EXPECT_EQ(ParseMemoryPolicy("interleave", t).kind, MemoryKind::kInterleave);
  EXPECT_EQ(ParseMemoryPolicy("node:2", t).node, 2);
  EXPECT_EQ(ErrorOf([&] { ParseMemoryPolicy("node:4", t); }),
            "--memory node:4: no NUMA node 4 (this topology has nodes 0-3)");
  EXPECT_EQ(ErrorOf([&] { ParseMemoryPolicy("node:", t); }),
            "--memory node:: node needs a NUMA node number, node:<node> (this topology has nodes "
            "0-3)");
  EXPECT_EQ(ErrorOf([&] { ParseMemoryPolicy("bind", t); }),
            "--memory bind: unknown memory policy 'bind' (did you mean 'node:<node>'?); allowed: "
            "first-touch, node:<node>, interleave");
  EXPECT_THAT(ErrorOf([&] { ParseMemoryPolicy("interleaved", t); }),
              HasSubstr("(did you mean 'interleave'?)"));
  EXPECT_THAT(ErrorOf([&] { ParseMemoryPolicy("first-tuch", t); }),
              HasSubstr("(did you mean 'first-touch'?)"));
  EXPECT_THAT(ErrorOf([&] { ParseMemoryPolicy("node:9", t, "--lock-memory"); }),
              testing::StartsWith("--lock-memory"));
  EXPECT_EQ(ParseMemoryPolicy("node:1", t, "--lock-memory").spec, "node:1");
}

}  // namespace
}  // namespace lockbench
