// Entry hooks for a build with -finstrument-functions (bazel/option_trace/trace.sh): records,
// in order, the first entry of each function the process's main thread makes, as offsets from
// the object that holds the function, and writes them to $OPTION_TRACE_OUT at exit.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NO_TRACE __attribute__((no_instrument_function))
enum { kSlots = 1 << 16 };

static uintptr_t seen[kSlots];  // open addressing; 0 is empty
static uintptr_t order[kSlots];
static size_t entries;
static __thread int main_thread = -1;  // unknown until the thread's first entry

NO_TRACE static int FirstEntry(uintptr_t fn) {
  size_t i = (fn >> 4) * 0x9E3779B97F4A7C15ull >> 48;
  for (;; i = (i + 1) & (kSlots - 1)) {
    if (seen[i] == fn) return 0;
    if (seen[i] == 0) {
      seen[i] = fn;
      return 1;
    }
  }
}

NO_TRACE void __cyg_profile_func_enter(void* fn, void* call_site) {
  (void)call_site;
  if (main_thread < 0) main_thread = syscall(SYS_gettid) == getpid();
  if (!main_thread || entries >= kSlots / 2) return;
  if (FirstEntry((uintptr_t)fn)) order[entries++] = (uintptr_t)fn;
}

NO_TRACE void __cyg_profile_func_exit(void* fn, void* call_site) {
  (void)fn;
  (void)call_site;
}

NO_TRACE __attribute__((destructor)) static void WriteTrace(void) {
  const char* path = getenv("OPTION_TRACE_OUT");
  if (path == NULL) return;
  FILE* f = fopen(path, "w");
  if (f == NULL) return;
  for (size_t i = 0; i < entries; ++i) {
    Dl_info info;
    if (dladdr((void*)order[i], &info) == 0 || info.dli_fbase == NULL) continue;
    fprintf(f, "%s 0x%lx\n", info.dli_fname,
            (unsigned long)(order[i] - (uintptr_t)info.dli_fbase));
  }
  fclose(f);
}
