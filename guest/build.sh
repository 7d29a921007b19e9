#!/usr/bin/env bash
# Builds the guest programs in guest/ for PolkaVM.
#
#   guest/build.sh [PROGRAM...]        (default: every program)
#
# For each program (a directory of C files) and each target (rv32, rv64) and optimisation level (O2, O0):
#   1. compile with clang-19 and link with ld.lld-19 into  $BUILD_DIR/NAME-TARGET-OPT.elf  (default guest/build/,
#      which git ignores);
#   2. convert the ELF with the project's linker,  node dist/cli/main.js link IN.elf -o OUT.polkavm,  into
#      $BIN_DIR/NAME-TARGET-OPT.polkavm  (default guest/bin/, committed). Without dist/ (`npm run build`)
#      step 2 is skipped with a note.
#
# Environment:
#   BUILD_DIR, BIN_DIR   output directories (see above)
#   POLKAVM_LINK         the linker command, called as `$POLKAVM_LINK IN.elf -o OUT.polkavm`
#                        (default: node dist/cli/main.js link)
#   NO_LINK=1            stop after the ELF files
#   SKIP_INSTALL=1       never try to install clang-19/lld-19
#   COREMARK_DIR         a checkout of EEMBC's CoreMark (github.com/eembc/coremark): `guest/build.sh coremark`
#                        builds it with the port in guest/coremark/ into $BUILD_DIR/coremark-*.polkavm. Not part
#                        of the default set: EEMBC's sources and blobs built from them are not in this repository.
#
# The outputs depend only on the sources and the tool versions: no paths, dates or host names go into them.
# Installs clang-19 and lld-19 with apt-get when they are missing (Debian 12; as root, or through sudo).
set -euo pipefail

GUEST_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(cd "$GUEST_DIR/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$GUEST_DIR/build}"
BIN_DIR="${BIN_DIR:-$GUEST_DIR/bin}"
export LC_ALL=C

ALL_PROGRAMS=(hello abi sieve sha256 sort nqueens mandelbrot)
TARGETS=(rv32 rv64)
OPT_LEVELS=(O2 O0)

CC=clang-19
LD=ld.lld-19

install_toolchain() {
  if [ "${SKIP_INSTALL:-}" = 1 ]; then
    if ! command -v "$CC" >/dev/null 2>&1 || ! command -v "$LD" >/dev/null 2>&1; then
      echo "error: $CC or $LD is missing (and SKIP_INSTALL=1)" >&2
      exit 1
    fi
    return
  fi
  "$ROOT_DIR/scripts/install-toolchain.sh"
}

target_flags() {
  case "$1" in
    rv32) echo "--target=riscv32-unknown-none-elf -march=rv32emac_zbb -mabi=ilp32e" ;;
    rv64) echo "--target=riscv64-unknown-none-elf -march=rv64emac_zbb -mabi=lp64e" ;;
    *) echo "unknown target $1" >&2; exit 1 ;;
  esac
}

# Flags shared by every guest. -mno-relax: no linker relaxation (like the reference Rust targets); the
# prefix map keeps build paths out of anything that records them.
COMMON_CFLAGS=(
  -std=c11 -ffreestanding -nostdlib -fPIC -fvisibility=hidden
  -ffunction-sections -fdata-sections -mno-relax -fno-ident
  "-ffile-prefix-map=$GUEST_DIR=guest"
  -Wall -Wextra
  -I "$GUEST_DIR/include"
)
LDFLAGS=(
  -shared --emit-relocs --unique --apply-dynamic-relocs --no-allow-shlib-undefined -Bsymbolic
  -z notext --gc-sections
)

# Extra compiler flags for one program, left in the array EXTRA_CFLAGS.
set_program_cflags() {
  local program="$1" target="$2" opt="$3"
  EXTRA_CFLAGS=()
  case "$program" in
    coremark)
      # CoreMark prints the flags it was built with. EEMBC's sources are used unmodified, so silence the
      # warnings they trigger rather than edit them.
      EXTRA_CFLAGS=("-DCOMPILER_FLAGS=\"-$opt -march=$(target_march "$target")\"" -Wno-unused-parameter
        -I "$GUEST_DIR/coremark" -I "$COREMARK_DIR" "-ffile-prefix-map=$COREMARK_DIR=coremark")
      ;;
  esac
}

target_march() {
  case "$1" in
    rv32) echo rv32emac_zbb ;;
    rv64) echo rv64emac_zbb ;;
  esac
}

linker_command() {
  if [ -n "${POLKAVM_LINK:-}" ]; then
    echo "$POLKAVM_LINK"
  elif [ -f "$ROOT_DIR/dist/cli/main.js" ]; then
    echo "node $ROOT_DIR/dist/cli/main.js link"
  else
    return 1
  fi
}

build_one() {
  local program="$1" target="$2" opt="$3"
  local name="$program-$target-$opt"
  local objdir="$BUILD_DIR/obj/$name"
  rm -rf "$objdir"
  mkdir -p "$objdir"
  local objects=()
  local flags
  # shellcheck disable=SC2207
  flags=($(target_flags "$target") "-$opt" "${COMMON_CFLAGS[@]}")
  set_program_cflags "$program" "$target" "$opt"
  local src
  for src in "$GUEST_DIR/$program"/*.c; do
    src="$(basename "$src")"
    local obj="$objdir/${src%.c}.o"
    # Compile from inside guest/ with relative paths, so that nothing machine-specific is recorded.
    (cd "$GUEST_DIR" && "$CC" "${flags[@]}" "${EXTRA_CFLAGS[@]}" -c "$program/$src" -o "$obj")
    objects+=("$obj")
  done
  if [ "$program" = coremark ]; then
    # EEMBC's benchmark sources, from the directory the user names (they are not part of this repository).
    for src in core_list_join.c core_main.c core_matrix.c core_state.c core_util.c; do
      local obj="$objdir/${src%.c}.o"
      "$CC" "${flags[@]}" "${EXTRA_CFLAGS[@]}" -c "$COREMARK_DIR/$src" -o "$obj"
      objects+=("$obj")
    done
  fi
  "$LD" "${LDFLAGS[@]}" "${objects[@]}" -o "$BUILD_DIR/$name.elf"
  echo "built $BUILD_DIR/$name.elf"
}

main() {
  local programs=("$@")
  if [ ${#programs[@]} -eq 0 ]; then
    programs=("${ALL_PROGRAMS[@]}")
  fi
  install_toolchain
  mkdir -p "$BUILD_DIR"

  local program target opt
  for program in "${programs[@]}"; do
    if [ "$program" = coremark ] && [ ! -f "${COREMARK_DIR:-}/core_main.c" ]; then
      echo "error: coremark needs COREMARK_DIR=<a checkout of github.com/eembc/coremark>" >&2
      exit 1
    fi
    if [ ! -d "$GUEST_DIR/$program" ]; then
      echo "error: no program '$program' in $GUEST_DIR" >&2
      exit 1
    fi
    for target in "${TARGETS[@]}"; do
      for opt in "${OPT_LEVELS[@]}"; do
        build_one "$program" "$target" "$opt"
      done
    done
  done

  local link
  if [ "${NO_LINK:-}" = 1 ]; then
    return 0
  fi
  if ! link="$(linker_command)"; then
    echo "note: no polkavm linker found (dist/ is missing: run 'npm run build');" >&2
    echo "      stopping after the ELF files in $BUILD_DIR" >&2
    return 0
  fi
  mkdir -p "$BIN_DIR"
  for program in "${programs[@]}"; do
    for target in "${TARGETS[@]}"; do
      for opt in "${OPT_LEVELS[@]}"; do
        local name="$program-$target-$opt"
        # CoreMark's blobs contain EEMBC's code: they stay in the build directory, never committed.
        local out="$BIN_DIR"
        [ "$program" = coremark ] && out="$BUILD_DIR"
        # shellcheck disable=SC2086
        $link "$BUILD_DIR/$name.elf" -o "$out/$name.polkavm"
        echo "linked $out/$name.polkavm"
      done
    done
  done
}

main "$@"
