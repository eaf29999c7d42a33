// Synthetic topologies that once hung the tool, pinned to the answer they must give now.
#include <string>

#include "gtest/gtest.h"
#include "workloads/topology.h"

namespace lockbench {
namespace {

std::string ErrorOf(const std::string& description) {
  try {
    Topology::FromSynthetic(description);
  } catch (const PlacementError& e) {
    return e.what();
  }
  return "(accepted)";
}

// hwloc built 10^16 objects one by one; the tool ran for minutes before anyone gave up.
TEST(TopologyRegression, HugeSyntheticTopologyIsRefusedAtOnce) {
  EXPECT_NE(ErrorOf("pack:99999999 core:99999 pu:9999").find("too many PUs"), std::string::npos);
  EXPECT_NE(ErrorOf("pack:8 core:1024 pu:4").find("at most 16384"), std::string::npos);
  EXPECT_NE(ErrorOf("2 99999999999999999999").find("too many PUs"), std::string::npos);
}

// Attributes and attached memory are not level counts; hwloc still judges the rest.
TEST(TopologyRegression, AttributesAreNotCounted) {
  EXPECT_EQ(ErrorOf("pack:2 numa:2(memory=1GB) core:2 pu:2"), "(accepted)");
  EXPECT_EQ(ErrorOf("pack:2 [numa(memory=1000000000)] core:2 pu:2"), "(accepted)");
  EXPECT_EQ(ErrorOf("2 2 2"), "(accepted)");
  EXPECT_EQ(Topology::FromSynthetic("pack:4 core:1024 pu:4").pus(), 16384);
}

}  // namespace
}  // namespace lockbench
