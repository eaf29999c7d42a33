#include "workloads/topology.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace lockbench {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Exported with `lstopo -i "<description>" --of xml`: two packages of four 2-thread cores where
// the OS numbers the second hardware thread of core c as c + 8, as Linux does on Intel servers.
constexpr const char* kXmlPath = "workloads/testdata/two_socket_linux_smt_numbering.xml";

template <class F>
std::string ErrorOf(F&& f) {
  try {
    f();
  } catch (const PlacementError& e) {
    return e.what();
  }
  return "(no PlacementError)";
}

std::vector<int> Column(const Topology& t, int PuInfo::*field) {
  std::vector<int> out;
  for (const PuInfo& pu : t.pu_list()) out.push_back(pu.*field);
  return out;
}

TEST(TopologyTest, OneSocketWithSmt) {
  const Topology t = Topology::FromSynthetic("pack:1 core:4 pu:2");
  EXPECT_FALSE(t.is_this_machine());
  EXPECT_EQ(t.source(), "synthetic \"pack:1 core:4 pu:2\"");
  EXPECT_EQ(t.packages(), 1);
  EXPECT_EQ(t.numa_nodes(), 1);
  EXPECT_EQ(t.cores(), 4);
  EXPECT_EQ(t.pus(), 8);
  EXPECT_EQ(t.Summary(), "1 package, 1 NUMA node, 4 cores, 8 PUs");
  EXPECT_THAT(Column(t, &PuInfo::os_index), ElementsAre(0, 1, 2, 3, 4, 5, 6, 7));
  EXPECT_THAT(Column(t, &PuInfo::core), ElementsAre(0, 0, 1, 1, 2, 2, 3, 3));
  EXPECT_THAT(Column(t, &PuInfo::numa_node), ElementsAre(0, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_TRUE(t.cache_list().empty());
}

TEST(TopologyTest, TwoSocketsFourNodes) {
  const Topology t = Topology::FromSynthetic("pack:2 numa:2 core:4 pu:2");
  EXPECT_EQ(t.Summary(), "2 packages, 4 NUMA nodes, 16 cores, 32 PUs");
  ASSERT_EQ(t.numa_node_list().size(), 4u);
  for (int n = 0; n < 4; ++n) {
    const NumaNodeInfo& node = t.numa_node_list()[n];
    EXPECT_EQ(node.os_index, n);
    EXPECT_EQ(node.pus.size(), 8u);
    EXPECT_EQ(node.pus.front(), 8 * n);
    EXPECT_EQ(node.pus.back(), 8 * n + 7);
    EXPECT_THAT(node.packages, ElementsAre(n / 2));
    EXPECT_EQ(node.cores.size(), 4u);
  }
  const PuInfo* pu = t.FindPu(19);
  ASSERT_NE(pu, nullptr);
  EXPECT_EQ(pu->logical_index, 19);
  EXPECT_EQ(pu->core, 9);
  EXPECT_EQ(pu->numa_node, 2);
  EXPECT_EQ(pu->package, 1);
  EXPECT_EQ(t.FindPu(32), nullptr);
  EXPECT_EQ(t.FindNumaNode(4), nullptr);
}

TEST(TopologyTest, EightNodes) {
  const Topology t = Topology::FromSynthetic("pack:2 numa:4 core:2 pu:1");
  EXPECT_EQ(t.Summary(), "2 packages, 8 NUMA nodes, 16 cores, 16 PUs");
  EXPECT_THAT(Column(t, &PuInfo::numa_node),
              ElementsAre(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7));
  EXPECT_THAT(Column(t, &PuInfo::package),
              ElementsAre(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
}

// A high-bandwidth node beside each DRAM node: both list the same PUs; the PU's own node is the
// first one.
TEST(TopologyTest, NodesSharingPus) {
  const Topology t = Topology::FromSynthetic("pack:2 [numa] [numa(memory=1GiB)] core:2 pu:1");
  EXPECT_EQ(t.numa_nodes(), 4);
  EXPECT_THAT(t.FindNumaNode(0)->pus, ElementsAre(0, 1));
  EXPECT_THAT(t.FindNumaNode(1)->pus, ElementsAre(0, 1));
  EXPECT_THAT(t.FindNumaNode(3)->pus, ElementsAre(2, 3));
  EXPECT_EQ(t.FindNumaNode(1)->memory_bytes, 1ull << 30);
  EXPECT_THAT(Column(t, &PuInfo::numa_node), ElementsAre(0, 0, 2, 2));
}

TEST(TopologyTest, XmlWithLinuxSmtNumberingAndCaches) {
  const Topology t = Topology::FromXmlFile(kXmlPath);
  EXPECT_FALSE(t.is_this_machine());
  EXPECT_EQ(t.source(), std::string("xml ") + kXmlPath);
  EXPECT_EQ(t.Summary(), "2 packages, 2 NUMA nodes, 8 cores, 16 PUs");
  EXPECT_THAT(Column(t, &PuInfo::os_index),
              ElementsAre(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15));
  EXPECT_THAT(Column(t, &PuInfo::core),
              ElementsAre(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7));
  const PuInfo* sibling = t.FindPu(8);
  ASSERT_NE(sibling, nullptr);
  EXPECT_EQ(sibling->logical_index, 1);
  EXPECT_EQ(sibling->core, 0);
  EXPECT_THAT(t.FindNumaNode(1)->pus, ElementsAre(4, 5, 6, 7, 12, 13, 14, 15));
  EXPECT_EQ(t.FindNumaNode(1)->memory_bytes, 8ull << 30);

  ASSERT_EQ(t.cache_list().size(), 3u);
  const CacheInfo& l1 = t.cache_list()[0];
  EXPECT_EQ(l1.level, 1);
  EXPECT_EQ(l1.type, "data");
  EXPECT_EQ(l1.size_bytes, 48u << 10);
  EXPECT_EQ(l1.instances, 8);
  EXPECT_EQ(l1.pus_per_instance, 2);
  const CacheInfo& l3 = t.cache_list()[2];
  EXPECT_EQ(l3.level, 3);
  EXPECT_EQ(l3.type, "unified");
  EXPECT_EQ(l3.size_bytes, 32u << 20);
  EXPECT_EQ(l3.instances, 2);
  EXPECT_EQ(l3.pus_per_instance, 8);
}

TEST(TopologyTest, TableShowsPackagesNodesCachesAndPus) {
  const Topology t = Topology::FromXmlFile(kXmlPath);
  const std::string table = t.RenderTable();
  EXPECT_THAT(table, HasSubstr("2 packages, 2 NUMA nodes, 8 cores, 16 PUs"));
  EXPECT_THAT(table, HasSubstr("plan-only"));
  EXPECT_THAT(table, HasSubstr("Package 1: NUMA nodes 1; cores 4-7; PUs 4-7,12-15\n"));
  EXPECT_THAT(table, HasSubstr("NUMA node 0: 8 GiB; package 0; cores 0-3; PUs 0-3,8-11\n"));
  EXPECT_THAT(table, HasSubstr("L1d     48 KiB  x8    each shared by 2 PUs\n"));
  EXPECT_THAT(table, HasSubstr("L3      32 MiB  x2    each shared by 8 PUs\n"));
  // The row for PU 8: logical 1, core 0, node 0, package 0.
  EXPECT_THAT(table, HasSubstr("      8             1     0          0        0\n"));
}

TEST(TopologyTest, JsonCarriesTheSameFacts) {
  const Topology t = Topology::FromXmlFile(kXmlPath);
  const nlohmann::json j = t.ToJson();
  EXPECT_EQ(j["this_machine"], false);
  EXPECT_EQ(j["summary"], "2 packages, 2 NUMA nodes, 8 cores, 16 PUs");
  EXPECT_EQ(j["packages"], 2);
  EXPECT_EQ(j["numa_nodes"], 2);
  EXPECT_EQ(j["cores"], 8);
  EXPECT_EQ(j["pus"], 16);
  ASSERT_EQ(j["numa"].size(), 2u);
  EXPECT_EQ(j["numa"][1]["cpus"], "4-7,12-15");
  EXPECT_EQ(j["numa"][1]["memory_bytes"], 8ull << 30);
  ASSERT_EQ(j["caches"].size(), 3u);
  EXPECT_EQ(j["caches"][1]["level"], 2);
  EXPECT_EQ(j["caches"][1]["size_bytes"], 1u << 20);
  ASSERT_EQ(j["pu"].size(), 16u);
  EXPECT_EQ(j["pu"][1]["os_index"], 8);
  EXPECT_EQ(j["pu"][1]["core"], 0);
}

TEST(TopologyTest, BadSyntheticIsAOneLineErrorNamingTheOption) {
  const std::string message = ErrorOf([] { Topology::FromSynthetic("pack:2 bogus:3 pu:2"); });
  EXPECT_THAT(message, HasSubstr("--synthetic \"pack:2 bogus:3 pu:2\": not a valid hwloc"));
  EXPECT_THAT(message, HasSubstr("e.g. \"pack:2 numa:2 core:8 pu:2\""));
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_THAT(ErrorOf([] { Topology::FromSynthetic(""); }), HasSubstr("--synthetic \"\""));
}

TEST(TopologyTest, MissingXmlFile) {
  const std::string message = ErrorOf([] { Topology::FromXmlFile("/nonexistent/topo.xml"); });
  EXPECT_EQ(message,
            "--topology-xml /nonexistent/topo.xml: cannot read the file (No such file or "
            "directory)");
}

TEST(TopologyTest, FileThatIsNotAnXmlTopology) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/not_a_topology.xml";
  {
    std::ofstream out(path);
    out << "<html><body>hello</body></html>\n";
  }
  const std::string message = ErrorOf([&] { Topology::FromXmlFile(path); });
  EXPECT_EQ(message, "--topology-xml " + path +
                         ": not a valid hwloc XML topology (write one with `lstopo FILE.xml`)");
  std::remove(path.c_str());
}

TEST(TopologyTest, ThisMachine) {
  const Topology t = Topology::LoadThisMachine();
  EXPECT_TRUE(t.is_this_machine());
  EXPECT_EQ(t.source(), "this machine");
  EXPECT_GE(t.pus(), 1);
  EXPECT_GE(t.cores(), 1);
  EXPECT_GE(t.numa_nodes(), 1);
  EXPECT_LE(t.cores(), t.pus());
  for (const PuInfo& pu : t.pu_list()) {
    EXPECT_NE(t.FindNumaNode(pu.numa_node), nullptr) << "PU " << pu.os_index;
  }
  EXPECT_THAT(t.RenderTable(), HasSubstr("Topology (this machine): " + t.Summary()));
  EXPECT_EQ(t.ToJson()["this_machine"], true);
}

TEST(TopologyTest, MoveKeepsTheHwlocHandle) {
  Topology a = Topology::FromSynthetic("pack:1 core:2 pu:1");
  hwloc_topology* raw = a.raw();
  Topology b = std::move(a);
  EXPECT_EQ(b.raw(), raw);
  EXPECT_EQ(b.pus(), 2);
  a = Topology::FromSynthetic("pack:1 core:3 pu:1");
  EXPECT_EQ(a.pus(), 3);
  b = std::move(a);
  EXPECT_EQ(b.pus(), 3);
}

TEST(FormatIndexListTest, CompactsRuns) {
  EXPECT_EQ(FormatIndexList({}), "");
  EXPECT_EQ(FormatIndexList({3}), "3");
  EXPECT_EQ(FormatIndexList({7, 6, 5, 4, 0, 2, 2}), "0,2,4-7");
  EXPECT_EQ(FormatIndexList({0, 1, 3, 4}), "0-1,3-4");
}

}  // namespace
}  // namespace lockbench
