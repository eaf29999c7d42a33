#include "results/journal.h"

#include <set>
#include <string>
#include <tuple>

#include "base/strings.h"

namespace lockbench {
namespace {

using nlohmann::json;

// Journals are larger than result files only by their header: the same bound.
constexpr std::size_t kMaxJournalBytes = std::size_t{256} << 20;

std::string ReadText(const std::string& path) {
  try {
    return ReadFileBounded(path, kMaxJournalBytes);
  } catch (const std::runtime_error& e) {
    throw JournalError(e.what());
  }
}

// A complete line as a JSON object; throws naming the line.
json ParseLine(const std::string& path, std::size_t number, const std::string& line) {
  const std::string where = path + ":" + std::to_string(number) + ": ";
  json value;
  try {
    value = json::parse(line);
  } catch (const json::exception& e) {
    const std::string what = e.what();
    const std::size_t close = what.find("] ");
    throw JournalError(where + "not valid JSON: " +
                       (close == std::string::npos ? what : what.substr(close + 2)));
  }
  if (!value.is_object()) throw JournalError(where + "expected a JSON object");
  return value;
}

}  // namespace

std::string JournalPath(const std::string& result_path) { return result_path + ".journal"; }

double JournaledRate(const json& run) {
  const auto open = run.find("open_loop");
  if (open == run.end() || !open->is_object()) return 0;
  const auto rate = open->find("offered_ops_per_s");
  return rate != open->end() && rate->is_number() ? rate->get<double>() : 0;
}

Journal ReadJournal(const std::string& path) {
  const std::string text = ReadText(path);
  Journal journal;
  std::set<std::tuple<std::string, int64_t, double, int64_t>> seen;
  std::size_t begin = 0;
  for (std::size_t number = 1; begin < text.size(); ++number) {
    const std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) {  // the process died while writing this line
      if (number == 1) {
        throw JournalError(path + ":1: the header is cut short: the sweep measured nothing "
                           "before it ended; start it again without --resume");
      }
      journal.torn_line = number;
      break;
    }
    json line = ParseLine(path, number, text.substr(begin, end - begin));
    begin = end + 1;
    if (number == 1) {
      journal.header = std::move(line);
      continue;
    }
    const auto lock = line.find("lock");
    const auto threads = line.find("threads");
    const auto repetition = line.find("repetition");
    if (lock == line.end() || !lock->is_string() || threads == line.end() ||
        !threads->is_number_integer() || repetition == line.end() ||
        !repetition->is_number_integer()) {
      throw JournalError(path + ":" + std::to_string(number) +
                         ": expected a run with lock, threads and repetition");
    }
    const double rate = JournaledRate(line);
    if (!seen.emplace(lock->get<std::string>(), threads->get<int64_t>(), rate,
                      repetition->get<int64_t>())
             .second) {
      throw JournalError(path + ":" + std::to_string(number) + ": run " + lock->get<std::string>() +
                         ", " + threads->dump() + " threads" +
                         AtRate(rate) + ", repetition " +
                         repetition->dump() + " is already on an earlier line");
    }
    journal.runs.push_back(std::move(line));
  }
  if (journal.header.is_null()) throw JournalError(path + ": empty file, not a journal");
  return journal;
}

JournalWriter::JournalWriter(const std::string& path, const json& header,
                             const std::vector<json>& runs)
    : path_(path) {
  std::string text = header.dump() + "\n";
  for (const json& run : runs) text += run.dump() + "\n";
  WriteFileAtomically(path, text);
  out_ = std::make_unique<DurableAppender>(path);
}

// One write of the whole line: a kill leaves the line complete or without its newline.
void JournalWriter::Add(const json& run) { out_->Append(run.dump() + "\n"); }

}  // namespace lockbench
