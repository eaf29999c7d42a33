#!/bin/sh
# Workspace status for stamping: the git commit, with "-dirty" if the tree has changes.
commit=$(git rev-parse --short=12 HEAD 2>/dev/null) || commit=""
if [ -n "$commit" ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  commit="$commit-dirty"
fi
echo "STABLE_GIT_COMMIT $commit"
