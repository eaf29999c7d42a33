#include "workloads/workload_spec.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace lockbench {
namespace {

using nlohmann::json;

std::string ErrorOf(const std::string& text) {
  try {
    ParseWorkload(text, "w.json");
  } catch (const SpecError& e) {
    return e.what();
  }
  return "accepted";
}

// As ErrorOf, with the cross-field checks that run once every override is in.
std::string ValidatedErrorOf(const std::string& text) {
  try {
    ValidateWorkload(ParseWorkload(text, "w.json"));
  } catch (const SpecError& e) {
    return e.what();
  }
  return "accepted";
}

// A workload with every form that describes what a real program does: empirical sections and
// think time, lock weights and per-lock read ratios.
constexpr char kRecorded[] = R"({
  "name": "recorded", "threads": 4,
  "shared_cs": {"distribution": "empirical", "quantiles_ns": [100, 150, 400, 2000]},
  "exclusive_cs": {"distribution": "empirical", "quantiles_ns": [1000, 1000, 5000]},
  "think_time": {"distribution": "empirical", "quantiles_ns": [0, 500, 20000]},
  "lock_weights": [1, 0, 3],
  "lock_read_ratios": [0.99, 0.5, 0.9],
  "recorded_from": {"command": "prog --x", "date": "2026-12-07T02:00:00Z", "host": "h",
                    "lockbench_commit": "abc", "lock": "pthread_rwlock", "coverage": 0.995,
                    "recorded": {"exclusive": {"acquisitions": 10, "contended_fraction": 0.1,
                                               "wait_p50_ns": 900, "wait_p99_ns": 5000,
                                               "acquisitions_per_s_per_thread": 1e5}}}})";

std::string Distribution(const std::string& quantiles) {
  return R"({"distribution": "empirical", "quantiles_ns": )" + quantiles + "}";
}

TEST(WorkloadSpec, ParsesEveryField) {
  const WorkloadSpec s = ParseWorkload(R"({
    "name": "x", "description": "d", "threads": [1, 2, 4], "read_ratio": 0.75,
    "shared_cs": "200ns", "exclusive_cs": "2us", "shared_lines": 2, "exclusive_lines": 3,
    "think": "exponential", "think_time": "1us", "duration": "1.5s", "ops": 1000,
    "warmup": "10ms", "repetitions": 5, "seed": 42, "try_fraction": 0.25,
    "recursion_depth": 2, "lock_instances": 8, "lock_choice": "zipf", "zipf_s": 1.2})",
                                       "w.json");
  EXPECT_EQ(s.threads, (std::vector<int>{1, 2, 4}));
  EXPECT_DOUBLE_EQ(s.read_ratio, 0.75);
  EXPECT_EQ(s.shared_cs_ns, 200u);
  EXPECT_EQ(s.exclusive_cs_ns, 2000u);
  EXPECT_EQ(s.exclusive_lines, 3);
  EXPECT_EQ(s.think, ThinkKind::kExponential);
  EXPECT_EQ(s.duration_ns, 1'500'000'000u);
  EXPECT_EQ(s.repetitions, 5);
  EXPECT_EQ(s.recursion_depth, 2);
  EXPECT_EQ(s.lock_choice, LockChoice::kZipf);
  EXPECT_FALSE(s.DedicatedRoles());
  // The resolved JSON parses back to the same spec.
  const WorkloadSpec again = ParseWorkload(WorkloadToJson(s).dump(), "again");
  EXPECT_EQ(WorkloadToJson(again), WorkloadToJson(s));
}

// Every row of the field table reaches every output: the field names, the flags, the result
// file's workload (and back), and the errors.
TEST(WorkloadSpec, EveryFieldReachesEveryOutput) {
  std::vector<std::string> names;
  for (const WorkloadField& f : WorkloadFields()) names.emplace_back(f.name);
  EXPECT_EQ(names, WorkloadFieldNames());
  WorkloadSpec dedicated = LoadPreset("reader-flood");
  ASSERT_TRUE(dedicated.DedicatedRoles());
  WorkloadSpec open_loop;
  open_loop.arrival_rates = {200'000};
  const WorkloadSpec recorded = ParseWorkload(kRecorded, "recorded");
  std::set<std::string> written;
  for (const WorkloadSpec& spec : {WorkloadSpec{}, dedicated, open_loop, recorded}) {
    const json j = WorkloadToJson(spec);
    for (const auto& [field, value] : j.items()) {
      written.insert(field);
      WorkloadSpec again = spec;
      ApplyWorkloadJson(json{{field, value}}, "again", &again);
      EXPECT_EQ(WorkloadToJson(again)[field], value) << field;
    }
  }
  EXPECT_EQ(written, std::set<std::string>(names.begin(), names.end()));
  for (const WorkloadField& f : WorkloadFields()) {
    if (f.flag.empty()) continue;
    const std::string name(f.name);
    EXPECT_EQ(FlagForField(name), f.flag);
    EXPECT_FALSE(f.help.empty()) << name;
    WorkloadSpec s;
    try {
      ApplyWorkloadJson(json{{name, json{{"k", 1}}}}, "", &s);
      ADD_FAILURE() << name << " accepted an object";
    } catch (const SpecError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(std::string(f.flag) + ": ", 0), 0u) << e.what();
    }
  }
}

TEST(WorkloadSpec, HolderMayBlockIsABooleanEveryPresetStates) {
  EXPECT_FALSE(WorkloadSpec{}.holder_may_block);
  WorkloadSpec s;
  ApplyWorkloadJson(json{{"holder_may_block", "true"}}, "", &s);  // as the flag gives it
  EXPECT_TRUE(s.holder_may_block);
  ApplyWorkloadJson(json{{"holder_may_block", false}}, "", &s);
  EXPECT_FALSE(s.holder_may_block);
  EXPECT_NE(ErrorOf(R"({"holder_may_block": "yes"})").find("expected true or false, got 'yes'"),
            std::string::npos);
  for (const Preset& p : Presets()) {
    const json file = json::parse(p.json);
    EXPECT_TRUE(file.contains("holder_may_block")) << p.name << " states its holder's needs";
  }
  EXPECT_TRUE(LoadPreset("minifilter").holder_may_block) << "a filter's holder may page-fault";
  EXPECT_FALSE(LoadPreset("writer-storm").holder_may_block);
}

TEST(WorkloadSpec, ErrorsNameTheField) {
  EXPECT_NE(ErrorOf(R"({"shared_cs": "5d"})").find("field 'shared_cs'"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"threads": 0})").find("field 'threads'"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"read_ratio": 1.5})").find("out of range"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"repetitions": "many"})").find("field 'repetitions'"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"duraton": "1s"})").find("did you mean 'duration'"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"think": "sometimes"})").find("allowed: none, fixed"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"threads": 2, "readers": 1})").find("cannot be combined"),
            std::string::npos);
  EXPECT_NE(ErrorOf("{").find("malformed JSON"), std::string::npos);
  EXPECT_NE(ErrorOf("").find("malformed JSON"), std::string::npos);
  EXPECT_NE(ErrorOf("[1]").find("expected a JSON object"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"threads": true})").find("got boolean"), std::string::npos);
  // A repeated field would silently lose one of its values.
  EXPECT_EQ(ErrorOf(R"({"threads": 2, "duration": "1s", "threads": 4})"),
            "workload w.json: field 'threads' appears twice; give each field once");
  EXPECT_EQ(ErrorOf(R"({"name": "a", "x": {"k": 1}, "y": {"k": 2}})").find("appears twice"),
            std::string::npos);  // the same key in two different objects is fine
}

TEST(WorkloadSpec, FlagsOverrideAFileAndNameTheFlag) {
  WorkloadSpec s = LoadPreset("reader-flood");
  ASSERT_TRUE(s.DedicatedRoles());
  ApplyWorkloadJson(json{{"readers", 3}}, "", &s);
  EXPECT_EQ(s.readers, 3);
  EXPECT_EQ(s.writers, 1);
  // Switching to mixed roles with --threads drops the dedicated roles but keeps their mix.
  ApplyWorkloadJson(json{{"threads", "2,4"}}, "", &s);
  EXPECT_FALSE(s.DedicatedRoles());
  EXPECT_EQ(s.threads, (std::vector<int>{2, 4}));
  EXPECT_DOUBLE_EQ(s.read_ratio, 3.0 / 4.0);
  try {
    ApplyWorkloadJson(json{{"shared_cs", "fast"}}, "", &s);
    FAIL() << "accepted";
  } catch (const SpecError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("--shared-cs: ", 0), 0u) << e.what();
  }
}

TEST(WorkloadSpec, AThreadCountOverDedicatedRolesKeepsTheirReadFraction) {
  WorkloadSpec storm = LoadPreset("writer-storm");
  ASSERT_TRUE(storm.DedicatedRoles());
  ASSERT_EQ(storm.readers, 0);
  ApplyWorkloadJson(json{{"threads", 8}}, "", &storm);
  EXPECT_EQ(storm.threads, (std::vector<int>{8}));
  EXPECT_EQ(storm.read_ratio, 0.0);  // every thread a writer, as the preset says
  WorkloadSpec flood = LoadPreset("reader-flood");
  ApplyWorkloadJson(json{{"threads", 8}, {"read_ratio", 0.5}}, "", &flood);
  EXPECT_EQ(flood.read_ratio, 0.5);  // an explicit ratio wins
}

TEST(WorkloadSpec, PerCoreThreads) {
  WorkloadSpec s;
  ApplyWorkloadJson(json{{"threads", "4/core"}}, "", &s);
  EXPECT_EQ(s.threads_per_core, 4);
  EXPECT_THROW(ApplyWorkloadJson(json{{"threads", "0/core"}}, "", &s), SpecError);
}

TEST(WorkloadSpec, OpenLoopRates) {
  const auto rate = [](const json& v) {
    WorkloadSpec s;
    ApplyWorkloadJson(json{{"arrival_rate", v}}, "", &s);
    return s.arrival_rates;
  };
  using Rates = std::vector<double>;
  EXPECT_EQ(rate("500k/s"), Rates{500'000});
  EXPECT_EQ(rate("2M/s"), Rates{2'000'000});
  EXPECT_EQ(rate("1.5M"), Rates{1'500'000});
  EXPECT_EQ(rate("200000/s"), Rates{200'000});
  EXPECT_EQ(rate("200000"), Rates{200'000});
  EXPECT_EQ(rate(200000), Rates{200'000});
  // A sweep list, in the order given, as a flag's text or a JSON array.
  EXPECT_EQ(rate("400k/s,100k/s, 2M/s"), (Rates{400'000, 100'000, 2'000'000}));
  EXPECT_EQ(rate(json::array({"100k/s", 250000})), (Rates{100'000, 250'000}));
  // One rate is written as a number, a list as a list; both read back.
  WorkloadSpec sweep;
  sweep.arrival_rates = {100'000, 200'000};
  EXPECT_EQ(WorkloadToJson(sweep)["arrival_rate"], json::array({100'000.0, 200'000.0}));
  sweep.arrival_rates = {100'000};
  EXPECT_EQ(WorkloadToJson(sweep)["arrival_rate"], json(100'000.0));
  EXPECT_FALSE(WorkloadSpec{}.OpenLoop());
  EXPECT_EQ(ParseWorkload(R"({"arrival_rate": "20k/s", "arrival": "fixed"})", "w").arrival,
            ArrivalKind::kFixed);
  EXPECT_EQ(ParseWorkload(R"({"arrival_rate": "20k/s"})", "w").arrival, ArrivalKind::kPoisson);
  // Closed-loop workloads record no open-loop fields.
  EXPECT_FALSE(WorkloadToJson(WorkloadSpec{}).contains("arrival_rate"));
  EXPECT_FALSE(WorkloadToJson(WorkloadSpec{}).contains("arrival"));
  const auto error = [](const json& fields) -> std::string {
    try {
      WorkloadSpec s;
      ApplyWorkloadJson(fields, "", &s);
      ValidateWorkload(s);
    } catch (const SpecError& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_NE(error({{"arrival_rate", "0"}}).find("--arrival-rate: '0' is not above 0"),
            std::string::npos);
  EXPECT_NE(error({{"arrival_rate", 0}}).find("is not above 0"), std::string::npos);
  EXPECT_NE(error({{"arrival_rate", "-5k/s"}}).find("is negative"), std::string::npos);
  EXPECT_NE(error({{"arrival_rate", "5x/s"}}).find("is not a rate"), std::string::npos);
  EXPECT_NE(error({{"arrival_rate", "5k/min"}}).find("is not a rate"), std::string::npos);
  EXPECT_NE(error({{"arrival_rate", "2G/s"}}).find("above the limit"), std::string::npos);
  EXPECT_NE(error({{"arrival", "bursty"}}).find("--arrival: unknown value 'bursty'"),
            std::string::npos);
  EXPECT_NE(error({{"arrival_rate", "10k/s"}, {"think", "fixed"}, {"think_time", "1us"}})
                .find("arrivals replace think time"),
            std::string::npos);
  EXPECT_NE(error({{"arrival_rate", "3/s"}, {"threads", 4}}).find("below 1 request per second"),
            std::string::npos);
  EXPECT_EQ(error({{"arrival_rate", "10k/s"}, {"threads", 4}}), "accepted");
  // Every rate of a sweep is checked: the lowest against the most threads.
  EXPECT_NE(error({{"arrival_rate", "10k/s,3/s"}, {"threads", "1,4"}}).find("3.000/s over 4 threads"),
            std::string::npos);
  EXPECT_NE(error({{"arrival_rate", "10k/s,,20k/s"}}).find("'' is not a rate"), std::string::npos);
  EXPECT_NE(error({{"arrival_rate", "10k/s,"}}).find("'' is not a rate"), std::string::npos);
  EXPECT_NE(error({{"arrival_rate", "10k/s,10000"}}).find("'10000' is listed twice"),
            std::string::npos);
  EXPECT_NE(error({{"arrival_rate", json::array()}}).find("empty list"), std::string::npos);
  // An arrival kind alone would be ignored by the closed loop: refused.
  EXPECT_EQ(error({{"arrival", "fixed"}}),
            "--arrival: 'fixed' shapes the open loop's arrivals; give arrival_rate "
            "(--arrival-rate) too");
}

TEST(WorkloadSpec, RecordedFormsParseAndRoundTrip) {
  const WorkloadSpec s = ParseWorkload(kRecorded, "w.json");
  EXPECT_NO_THROW(ValidateWorkload(s));
  EXPECT_EQ(s.shared_cs_quantiles_ns, (std::vector<uint64_t>{100, 150, 400, 2000}));
  EXPECT_EQ(s.shared_cs_ns, 533u);  // the mean: segment midpoints 125, 275, 1200
  EXPECT_EQ(s.exclusive_cs_ns, 2000u);
  EXPECT_EQ(s.think, ThinkKind::kEmpirical);  // think_time's distribution says so
  EXPECT_EQ(s.think_ns, 5250u);
  EXPECT_EQ(s.lock_choice, LockChoice::kWeights);  // and lock_weights say this
  EXPECT_EQ(s.lock_instances, 3);                  // their length
  EXPECT_EQ(s.lock_weights, (std::vector<double>{1, 0, 3}));
  EXPECT_EQ(s.lock_read_ratios, (std::vector<double>{0.99, 0.5, 0.9}));
  EXPECT_TRUE(s.DrawsFromTables());
  // Written, read and written again: the same text.
  const json written = WorkloadToJson(s);
  EXPECT_EQ(written["shared_cs"], json::parse(Distribution("[100, 150, 400, 2000]")));
  EXPECT_EQ(written["think"], "empirical");
  EXPECT_EQ(written["lock_choice"], "weights");
  EXPECT_EQ(written["lock_instances"], 3);
  const WorkloadSpec again = ParseWorkload(written.dump(), "again");
  EXPECT_NO_THROW(ValidateWorkload(again));
  EXPECT_EQ(WorkloadToJson(again).dump(), written.dump());
  // Stated in full, as the resolved form does, the same.
  EXPECT_EQ(WorkloadToJson(ParseWorkload(R"({"think": "empirical", "lock_choice": "weights",
      "lock_instances": 3, "think_time": )" + Distribution("[0, 500, 20000]") +
                                         R"(, "lock_weights": [1, 0, 3]})",
                                         "w"))["think_time"],
            written["think_time"]);
}

TEST(WorkloadSpec, TodaysFormsStayAsTheyWere) {
  const WorkloadSpec s = ParseWorkload(R"({"shared_cs": "200ns", "exclusive_cs": 0,
      "think": "exponential", "think_time": "1us", "lock_instances": 4, "lock_choice": "zipf"})",
                                       "w.json");
  EXPECT_EQ(s.shared_cs_ns, 200u);
  EXPECT_TRUE(s.shared_cs_quantiles_ns.empty());
  EXPECT_EQ(s.exclusive_cs_ns, 0u);
  EXPECT_EQ(s.think, ThinkKind::kExponential);
  EXPECT_FALSE(s.DrawsFromTables());
  const json written = WorkloadToJson(s);
  EXPECT_EQ(written["shared_cs"], "200ns");
  EXPECT_EQ(written["think_time"], "1us");
  EXPECT_FALSE(written.contains("lock_weights"));
  EXPECT_FALSE(written.contains("lock_read_ratios"));
  EXPECT_FALSE(WorkloadSpec{}.DrawsFromTables());
}

TEST(WorkloadSpec, FlagsGiveAndOverrideTheRecordedForms) {
  // A flag's text may hold the distribution object, and a comma list of weights.
  WorkloadSpec s;
  ApplyWorkloadJson(json{{"shared_cs", Distribution("[10, 20]")}, {"lock_weights", "2, 0,1"}}, "",
                    &s);
  EXPECT_EQ(s.shared_cs_quantiles_ns, (std::vector<uint64_t>{10, 20}));
  EXPECT_EQ(s.shared_cs_ns, 15u);
  EXPECT_EQ(s.lock_weights, (std::vector<double>{2, 0, 1}));
  EXPECT_EQ(s.lock_instances, 3);
  EXPECT_NO_THROW(ValidateWorkload(s));
  // A duration string over a distribution makes the section fixed again.
  ApplyWorkloadJson(json{{"shared_cs", "300ns"}}, "", &s);
  EXPECT_TRUE(s.shared_cs_quantiles_ns.empty());
  EXPECT_EQ(WorkloadToJson(s)["shared_cs"], "300ns");
  // Another think kind over an empirical one takes its mean; another choice leaves the weights.
  WorkloadSpec r = ParseWorkload(kRecorded, "w.json");
  ApplyWorkloadJson(json{{"think", "fixed"}, {"lock_choice", "uniform"}}, "", &r);
  EXPECT_NO_THROW(ValidateWorkload(r));
  EXPECT_EQ(WorkloadToJson(r)["think_time"], "5.25us");
  EXPECT_FALSE(WorkloadToJson(r).contains("lock_weights"));
  const WorkloadSpec back = ParseWorkload(WorkloadToJson(r).dump(), "again");
  EXPECT_EQ(WorkloadToJson(back), WorkloadToJson(r));
  // Overrides that leave the forms inconsistent are refused once all are in.
  const auto validated = [](const json& flags) -> std::string {
    WorkloadSpec w = ParseWorkload(kRecorded, "w.json");
    try {
      ApplyWorkloadJson(flags, "", &w);
      ValidateWorkload(w);
    } catch (const SpecError& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_EQ(validated({{"lock_instances", 4}}).rfind("--lock-weights: 3 weights for 4 lock "
                                                     "instances", 0), 0u);
  EXPECT_EQ(validated({{"lock_instances", 4}, {"lock_choice", "zipf"}})
                .rfind("--lock-read-ratios: 3 read ratios for 4 lock instances", 0),
            0u);
  EXPECT_EQ(validated({{"think_time", "500ns"}}).rfind("--think-time: think 'empirical' needs", 0),
            0u);
  EXPECT_EQ(validated({{"lock_weights", "1,1,1,1"}}).rfind("--lock-read-ratios: 3 read ratios", 0),
            0u);
  EXPECT_EQ(validated({{"shared_cs", "{\"distribution\": "}}).rfind("--shared-cs: malformed JSON", 0),
            0u);
}

// Bad input: one line naming the field, and what is allowed.
TEST(WorkloadSpec, RecordedFormsRefuseBadInput) {
  const auto cs = [](const std::string& quantiles) {
    return ErrorOf(R"({"shared_cs": )" + Distribution(quantiles) + "}");
  };
  const auto says = [](const std::string& error, const std::string& part) {
    return error.find(part) != std::string::npos && error.find('\n') == std::string::npos;
  };
  EXPECT_EQ(cs("[1, 3, 2]"),
            "workload w.json: field 'shared_cs': quantiles_ns[2] = 2 is below quantiles_ns[1] = 3; "
            "quantiles must not decrease");
  EXPECT_TRUE(says(cs("[]"), "field 'shared_cs': quantiles_ns is empty")) << cs("[]");
  EXPECT_TRUE(says(cs("[-1, 2]"), "field 'shared_cs': quantiles_ns[0] = -1 is negative"));
  EXPECT_TRUE(says(cs("[1, 86400000000001]"),
                   "quantiles_ns[1] = 86400000000001 is above the limit of 1 day"));
  EXPECT_TRUE(says(cs(R"([1, "2us"])"), "quantiles_ns[1]: expected a number of nanoseconds, got "
                                        "string"));
  EXPECT_TRUE(says(cs(R"("1,2")"), "quantiles_ns: expected a list of nanoseconds, got string"));
  EXPECT_EQ(cs("[5, 5.0, 5.4, 7]"), "accepted");  // equal neighbours; fractions rounded
  EXPECT_TRUE(says(ErrorOf(R"({"exclusive_cs": {"distribution": "normal", "quantiles_ns": [1]}})"),
                   "field 'exclusive_cs': unknown distribution 'normal'; allowed: empirical"));
  EXPECT_TRUE(says(ErrorOf(R"({"exclusive_cs": {"distribution": "empirical", "quantile_ns": [1]}})"),
                   "unknown key 'quantile_ns' (did you mean 'quantiles_ns'?)"));
  EXPECT_TRUE(says(ErrorOf(R"({"think_time": {"quantiles_ns": [1]}})"),
                   "field 'think_time': no \"distribution\""));
  EXPECT_TRUE(says(ErrorOf(R"({"think_time": {"distribution": "empirical"}})"),
                   "field 'think_time': no \"quantiles_ns\""));
  EXPECT_TRUE(says(ErrorOf(R"({"shared_cs": [1, 2]})"),
                   "field 'shared_cs': expected a duration string like \"200ns\""));
  EXPECT_TRUE(says(ErrorOf(R"({"think": "fixed", "think_time": )" + Distribution("[1, 2]") + "}"),
                   "field 'think': 'fixed' cannot take think_time's distribution"));
  // Provenance.
  EXPECT_TRUE(says(ErrorOf(R"({"recorded_from": "sysbench"})"),
                   "field 'recorded_from': expected an object (command, date, host, ...), got "
                   "string"));
  EXPECT_TRUE(says(ErrorOf(R"({"recorded_from": {"command": 7}})"),
                   "field 'recorded_from': 'command': expected a string, got number"));
  EXPECT_TRUE(says(ErrorOf(R"({"recorded_from": {"hots": "x"}})"),
                   "field 'recorded_from': unknown member 'hots'"));
  EXPECT_TRUE(says(ErrorOf(R"({"recorded_from": {"coverage": 1.5}})"),
                   "field 'recorded_from': 'coverage': expected a fraction from 0 to 1"));
  EXPECT_TRUE(says(ErrorOf(R"({"recorded_from": {"recorded": {"read": {}}}})"),
                   "'recorded': unknown mode 'read' (allowed: exclusive, shared)"));
  EXPECT_TRUE(says(ErrorOf(R"({"recorded_from": {"recorded": {"shared": {"wait_p50_ns": -1}}}})"),
                   "'recorded.shared.wait_p50_ns': expected a number >= 0"));
  // Weights.
  EXPECT_TRUE(says(ErrorOf(R"({"lock_weights": [1, -1, 3]})"),
                   "field 'lock_weights': lock_weights[1] = -1 is negative"));
  EXPECT_TRUE(says(ErrorOf(R"({"lock_weights": [0, 0]})"),
                   "field 'lock_weights': every weight is 0"));
  EXPECT_TRUE(says(ErrorOf(R"({"lock_weights": []})"), "field 'lock_weights': empty list"));
  EXPECT_TRUE(says(ErrorOf(R"({"lock_instances": 4, "lock_weights": [1, 2, 3]})"),
                   "field 'lock_weights': 3 entries for 4 lock instances (lock_instances)"));
  EXPECT_TRUE(says(ErrorOf(R"({"lock_weights": [1, 2], "lock_read_ratios": [1, 0, 0.5]})"),
                   "field 'lock_read_ratios': 3 entries for 2 lock instances (lock_weights)"));
  EXPECT_TRUE(says(ErrorOf(R"({"lock_weights": {"a": 1}})"),
                   "field 'lock_weights': expected a list with one weight per lock instance"));
  EXPECT_TRUE(says(ErrorOf(R"({"lock_weights": [1, true]})"),
                   "lock_weights[1]: expected a number, got boolean"));
  EXPECT_TRUE(says(ErrorOf(R"({"lock_weights": "1,heavy"})"),
                   "lock_weights[1] = 'heavy' is not a number"));
  EXPECT_TRUE(says(ErrorOf(R"({"lock_weights": [1, 1e300]})"), "lock_weights[1] = 1e+300 is above"));
  EXPECT_TRUE(says(ErrorOf(R"({"lock_choice": "zipf", "lock_weights": [1, 2]})"),
                   "field 'lock_choice': 'zipf' does not use lock_weights"));
  EXPECT_TRUE(says(ValidatedErrorOf(R"({"lock_choice": "weights", "lock_instances": 2})"),
                   "--lock-choice: 'weights' needs lock_weights"));
  // Read ratios.
  EXPECT_TRUE(says(ErrorOf(R"({"lock_read_ratios": [0.5, 1.5]})"),
                   "field 'lock_read_ratios': lock_read_ratios[1] = 1.5 is above 1"));
  EXPECT_TRUE(says(ValidatedErrorOf(R"({"readers": 1, "writers": 1, "lock_read_ratios": [0.5]})"),
                   "--lock-read-ratios: dedicated roles"));
  EXPECT_TRUE(says(ValidatedErrorOf(R"({"think": "empirical", "think_time": "1us"})"),
                   "--think-time: think 'empirical' needs think_time as"));
}

TEST(WorkloadSpec, CrossFieldChecks) {
  WorkloadSpec s;
  s.think = ThinkKind::kFixed;
  EXPECT_THROW(ValidateWorkload(s), SpecError);
  s = WorkloadSpec{};
  s.lock_choice = LockChoice::kZipf;
  EXPECT_THROW(ValidateWorkload(s), SpecError);
  s = WorkloadSpec{};
  s.readers = 2;
  EXPECT_THROW(ValidateWorkload(s), SpecError);
  EXPECT_NO_THROW(ValidateWorkload(WorkloadSpec{}));
}

TEST(WorkloadSpec, RolesPutWritersFirst) {
  WorkloadSpec s;
  s.readers = 2;
  s.writers = 1;
  EXPECT_EQ(s.RoleOf(0), Role::kWriter);
  EXPECT_EQ(s.RoleOf(1), Role::kReader);
  EXPECT_EQ(s.RoleOf(2), Role::kReader);
}

TEST(Presets, AllNinePresetsParseAndValidate) {
  std::vector<std::string> names;
  for (const Preset& p : Presets()) {
    names.push_back(p.name);
    EXPECT_FALSE(p.description.empty()) << p.name;
    const WorkloadSpec s = LoadPreset(p.name);
    EXPECT_EQ(s.name, p.name);
    EXPECT_NO_THROW(ValidateWorkload(s)) << p.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"balanced", "long-hold", "minifilter", "oversubscribed",
                                             "read-mostly", "reader-flood", "recursive",
                                             "write-heavy", "writer-storm"}));
  try {
    LoadPreset("writer-strom");
    FAIL() << "accepted";
  } catch (const SpecError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'writer-storm'"), std::string::npos);
  }
}

}  // namespace
}  // namespace lockbench
