// timeline_check FILE...: reads lockbench timeline files (`run --timeline`) and prints, per file,
// its holds, the overlapping holds a correct lock never shows (FindOverlaps) and the share of
// hand-off arrows that cross threads. Exit 0: no overlap; 1: some file has one; 2: a file could
// not be read. The tests run it on the files the binary writes.
#include <cstddef>
#include <cstdio>
#include <exception>
#include <string>

#include "base/file_io.h"
#include "results/timeline.h"

namespace {

// The output for one file; returns its overlap count.
size_t Check(const std::string& path) {
  const lockbench::RunRecord r =
      lockbench::TimelineFromTrace(nlohmann::json::parse(lockbench::ReadFileBounded(path, size_t{1} << 30)));
  size_t holds = 0, capped = 0;
  for (const lockbench::ThreadRecord& t : r.per_thread) {
    holds += t.timeline.size();
    capped += t.timeline_capped;
  }
  const auto overlaps = lockbench::FindOverlaps(r);
  const auto arrows = lockbench::HandOffs(r);
  std::printf("%s: lock %s, %zu holds on %zu tracks (%zu capped), %zu overlaps, %zu hand-offs, "
              "%.4f cross-thread\n",
              path.c_str(), r.lock.c_str(), holds, r.per_thread.size(), capped, overlaps.size(),
              arrows.size(), lockbench::CrossThreadFraction(r, arrows));
  size_t shown = 0;
  for (const lockbench::TimelineOverlap& o : overlaps) {
    if (++shown > 5) break;
    const auto& a = r.per_thread[o.earlier.thread_index];
    const auto& b = r.per_thread[o.later.thread_index];
    const lockbench::TimelineEvent& x = a.timeline[o.earlier.event];
    const lockbench::TimelineEvent& y = b.timeline[o.later.event];
    std::printf("  overlap on instance %u: thread %d %s [%llu, %llu] ns and thread %d %s "
                "[%llu, %llu] ns\n",
                x.instance, a.thread, x.shared ? "shared" : "exclusive",
                static_cast<unsigned long long>(x.granted),
                static_cast<unsigned long long>(x.released), b.thread,
                y.shared ? "shared" : "exclusive", static_cast<unsigned long long>(y.granted),
                static_cast<unsigned long long>(y.released));
  }
  return overlaps.size();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: timeline_check FILE...\n");
    return 2;
  }
  size_t overlaps = 0;
  for (int i = 1; i < argc; ++i) {
    try {
      overlaps += Check(argv[i]);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "timeline_check: %s: %s\n", argv[i], e.what());
      return 2;
    }
  }
  return overlaps == 0 ? 0 : 1;
}
