#!/bin/sh
# Fails when a tracked C file differs from what clang-format makes of it, and names
# the files: formatting is a check, not a review comment.
set -eu
cd "$(dirname "$0")/.."
bad=""
for f in $(git ls-files '*.c' '*.h'); do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		bad="$bad $f"
	fi
done
if [ -n "$bad" ]; then
	echo "format: these files need 'make format':$bad" >&2
	exit 1
fi
echo "format: clean"
