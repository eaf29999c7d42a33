#include "base/strings.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace lockbench {
namespace {

TEST(Join, SeparatesItemsAndLeavesOneOrNoneAlone) {
  const std::vector<std::string> three = {"a", "b", "c"};
  EXPECT_EQ(Join(three), "a, b, c");
  EXPECT_EQ(Join(three, ","), "a,b,c");
  EXPECT_EQ(Join(std::vector<std::string>{"only"}), "only");
  EXPECT_EQ(Join(std::vector<std::string>{}), "");
  const std::vector<std::string_view> views = {"x", "", "z"};
  EXPECT_EQ(Join(views, "|"), "x||z");
}

TEST(Pad, AlignsToWidthAndNeverCuts) {
  EXPECT_EQ(PadLeft("7", 3), "  7");
  EXPECT_EQ(PadRight("7", 3), "7  ");
  EXPECT_EQ(PadLeft("1234", 3), "1234");
  EXPECT_EQ(PadRight("1234", 3), "1234");
}

TEST(Numbers, FixedPercentShortestAndCountedNoun) {
  EXPECT_EQ(Fixed(3.14159, 2), "3.14");
  EXPECT_EQ(Fixed(2.5, 0), "2");  // round half to even, as printf does
  EXPECT_EQ(Percent(0.05), "5%");
  EXPECT_EQ(Percent(0.025), "2.5%");
  EXPECT_EQ(Percent(0.1234), "12.34%");
  EXPECT_EQ(Shortest(0.05), "0.05");
  EXPECT_EQ(Shortest(1e-5), "1e-05");
  EXPECT_EQ(CountedNoun(1, "file", "files"), "1 file");
  EXPECT_EQ(CountedNoun(0, "file", "files"), "0 files");
}

TEST(Trim, DropsSpacesAndTabsAtBothEnds) {
  EXPECT_EQ(Trim("  a b\t"), "a b");
  EXPECT_EQ(Trim(" \t "), "");
  EXPECT_EQ(Trim("x"), "x");
}

TEST(ClosestName, SuggestsPlausibleTyposOnly) {
  const std::vector<std::string> names = {"push_lock", "srwlock", "eresource", "ab"};
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(ClosestName("push_lok", names), "push_lock");
  EXPECT_EQ(ClosestName("srwlck", names), "srwlock");
  EXPECT_EQ(ClosestName("eresorce", names), "eresource");
  EXPECT_EQ(ClosestName("spinlock_of_doom", names), "");
  EXPECT_EQ(ClosestName("x", names), "");  // "ab" is two edits away but only two letters long
}

TEST(ClosestName, FindsCloseNamesOnly) {
  const std::vector<std::string> names = {"push_lock", "eresource", "srwlock", "shared_mutex"};
  EXPECT_EQ(ClosestName("push_lok", names), "push_lock");
  EXPECT_EQ(ClosestName("srwlck", names), "srwlock");
  EXPECT_EQ(ClosestName("completely_different", names), "");
}

TEST(ClosestName, AllowsAThirdOfTheWordOrAnExplicitBound) {
  const std::vector<std::string> names = {"interleave", "compact"};
  EXPECT_EQ(ClosestName("intrlav", names), "");               // 3 edits: 7 letters allow 2
  EXPECT_EQ(ClosestName("intrleavX", names), "interleave");   // 2 edits
  EXPECT_EQ(ClosestName("interlXXXe", names), "interleave");  // 3 edits: 10 letters allow 3
  EXPECT_EQ(ClosestName("interlXXXe", names, 2), "");
  EXPECT_EQ(ClosestName("compactXX", names, 2), "compact");
  EXPECT_EQ(ClosestName("ab", std::vector<std::string>{"xy"}, 5), "");  // no fewer edits than letters
}

TEST(FormatRate, ScalesToTheLargestUnitBelowTheRate) {
  EXPECT_EQ(FormatRate(200'000), "200k/s");
  EXPECT_EQ(FormatRate(1'500'000), "1.5M/s");
  EXPECT_EQ(FormatRate(1e9), "1G/s");
  EXPECT_EQ(FormatRate(999), "999/s");
  EXPECT_EQ(FormatRate(2.5), "2.5/s");
  EXPECT_EQ(FormatRate(1'000), "1k/s");
  EXPECT_EQ(AtRate(200'000), " at 200k/s");
  EXPECT_EQ(AtRate(0), "");
}

TEST(DidYouMean, FormatsOneSuggestionOrNothing) {
  EXPECT_EQ(DidYouMeanText("scatter"), " (did you mean 'scatter'?)");
  EXPECT_EQ(DidYouMeanText(""), "");
  const std::vector<std::string> names = {"read-mostly", "writer-storm"};
  EXPECT_EQ(DidYouMean("writer-strom", names), " (did you mean 'writer-storm'?)");
  EXPECT_EQ(DidYouMean("balanced", names), "");
}

}  // namespace
}  // namespace lockbench
