#!/usr/bin/env bash
# lint.sh - Runway's static checks (`make lint`), from the repository root:
#
#   scripts      shellcheck on every shell script git knows: *.sh, and
#                files whose first line runs sh or bash (.ci/run); a
#                sourced file names its dialect in a shell=bash directive
#   analyzer     the clang static analyzer (clang --analyze) on the pure
#                modules with host flags and on efi/*.c with the loader's
#                EFI flags; any finding fails
#   python       every Python file git knows is compiled (py_compile), and
#                every test_*.py among them is run with unittest
#
# Each check prints "ok - lint/<check>" or "not ok - lint/<check>" after its
# findings; the script exits 1 if any check failed, 2 on a setup error.
#
# The Makefile passes what it builds and how (make lint):
#   LINT_PURE_SRC LINT_EFI_SRC           the C files, space-separated
#   LINT_HOST_CFLAGS LINT_EFI_CFLAGS     their compiler flags (words)
#   CC_EFI HOSTCC                        the compilers (default clang)
#   BUILD                                where byte code goes (default build)
set -eu
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
CC_EFI=${CC_EFI:-clang}
HOSTCC=${HOSTCC:-clang}

die() {
	printf 'lint: error: %s\n' "$*" >&2
	exit 2
}

for var in LINT_PURE_SRC LINT_EFI_SRC LINT_HOST_CFLAGS LINT_EFI_CFLAGS; do
	[ -n "${!var:-}" ] || die "$var is not set (run: make lint)"
done
command -v shellcheck >/dev/null 2>&1 || die "shellcheck not found (tools/deps.sh installs it)"
command -v python3 >/dev/null 2>&1 || die "python3 not found (tools/deps.sh installs it)"
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || die "not a git work tree: the files to check are the ones git knows"

failed=0
report() { # CHECK STATUS
	if [ "$2" -eq 0 ]; then
		printf 'ok - lint/%s\n' "$1"
	else
		printf 'not ok - lint/%s\n' "$1"
		failed=1
	fi
}

# ------------------------------------------------------------- shellcheck
# Files git knows that still exist (a deletion may not be committed yet).
tracked() { # PATHSPEC...
	local f
	git ls-files -z -- "$@" | while IFS= read -r -d '' f; do
		[ -f "$f" ] && printf '%s\n' "$f"
	done
}

shell_scripts() {
	local f first
	tracked | while IFS= read -r f; do
		case $f in
		*.sh) printf '%s\n' "$f" ;;
		*)
			first=""
			IFS= read -r -n 128 first <"$f" || true
			if [[ $first =~ ^'#!'.*[/\ ](ba)?sh([[:space:]]|$) ]]; then
				printf '%s\n' "$f"
			fi
			;;
		esac
	done
}

mapfile -t scripts < <(shell_scripts)
status=0
shellcheck --external-sources -- "${scripts[@]}" || status=$?
report "shellcheck (${#scripts[@]} scripts)" "$status"

# --------------------------------------------------------------- analyzer
# -analyzer-werror turns each finding into an error, so clang's exit status
# says whether there was one; the text output names file:line and checker.
analyze() { # CC CFLAGS FILE
	local cc=$1 cflags=$2 file=$3
	# shellcheck disable=SC2086 # CFLAGS is a list of words
	"$cc" $cflags --analyze --analyzer-output text -Xclang -analyzer-werror \
		-o /dev/null "$file"
}

status=0
nfiles=0
for f in $LINT_PURE_SRC; do
	nfiles=$((nfiles + 1))
	analyze "$HOSTCC" "$LINT_HOST_CFLAGS" "$f" || status=1
done
for f in $LINT_EFI_SRC; do
	nfiles=$((nfiles + 1))
	analyze "$CC_EFI" "$LINT_EFI_CFLAGS" "$f" || status=1
done
report "analyzer ($nfiles C files)" "$status"

# ----------------------------------------------------------------- python
mapfile -t pyfiles < <(tracked '*.py')
status=0
if [ "${#pyfiles[@]}" -gt 0 ]; then
	# Byte code goes under $BUILD, never beside the sources.
	PYTHONPYCACHEPREFIX=$BUILD/pycache python3 -m py_compile "${pyfiles[@]}" || status=1
fi
report "py_compile (${#pyfiles[@]} files)" "$status"

for f in "${pyfiles[@]}"; do
	case ${f##*/} in
	test_*.py) ;;
	*) continue ;;
	esac
	status=0
	PYTHONDONTWRITEBYTECODE=1 python3 -m unittest -q "$f" || status=$?
	report "unittest $f" "$status"
done

exit "$failed"
