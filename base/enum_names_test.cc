#include "base/enum_names.h"

#include "gtest/gtest.h"

namespace lockbench {
namespace {

enum class Color { kRed, kGreen, kBlue };
constexpr NamedValue<Color> kColorNames[] = {{Color::kRed, "red"}, {Color::kGreen, "green"}};

TEST(EnumNamesTest, NamesAndValuesRoundTrip) {
  static_assert(std::string_view(NameOf(kColorNames, Color::kGreen)) == "green");
  EXPECT_STREQ(NameOf(kColorNames, Color::kRed), "red");
  EXPECT_EQ(ValueNamed(kColorNames, "green"), Color::kGreen);
  EXPECT_EQ(NamesOf(kColorNames), (std::vector<std::string>{"red", "green"}));
}

TEST(EnumNamesTest, AValueMissingFromItsTableShowsAndAnUnknownNameIsNone) {
  EXPECT_STREQ(NameOf(kColorNames, Color::kBlue), "?");
  EXPECT_EQ(ValueNamed(kColorNames, "blue"), std::nullopt);
  EXPECT_EQ(ValueNamed(kColorNames, ""), std::nullopt);
}

TEST(EnumNamesTest, AMissingValueTakesTheCallersNameWhenOneIsGiven) {
  EXPECT_STREQ(NameOf(kColorNames, Color::kBlue, "unknown"), "unknown");
  EXPECT_STREQ(NameOf(kColorNames, Color::kRed, "unknown"), "red");
}

}  // namespace
}  // namespace lockbench
