// The commit the binary was built from; generated per build by //tool:build_info_h from the
// workspace status (bazel/workspace_status.sh).
#ifndef LOCKBENCH_TOOL_BUILD_INFO_H_
#define LOCKBENCH_TOOL_BUILD_INFO_H_

namespace lockbench {

extern const char kBuildCommit[];

}  // namespace lockbench

#endif  // LOCKBENCH_TOOL_BUILD_INFO_H_
