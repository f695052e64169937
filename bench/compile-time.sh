#!/usr/bin/env bash
# Compile-time bench: what the block macros cost at build time.
#
#   bash bench/compile-time.sh            # 200 blocks
#   BLOCKS=50 bash bench/compile-time.sh  # fewer
#
# Generates two crates in a temporary directory, both depending on block-core by
# path and each holding BLOCKS modules of one block each (two inputs with metadata,
# two outputs, a `run` that emits both):
#   macros    `#[derive(BlockInput)]`, `#[derive(BlockOutput)]`, `#[block(...)]`, `impl Run`
#   baseline  the same types and the same `run` body as plain Rust: no derives, no
#             attributes, no registration (an empty baseline: what the code costs
#             without the macros' output)
# Dependencies are built first and not timed. Then, for each crate (debug profile,
# as authors iterate): a clean build of the crate alone, and an incremental rebuild
# after editing one block's module. Prints both times, wall clock and CPU (user +
# system; on a machine shared with other builds the CPU time is the steadier
# figure), the ratios, and the clean build's cost per block.
set -euo pipefail
cd "$(dirname "$0")/.."

BLOCKS=${BLOCKS:-200}
REPO=$PWD
WORK=$(mktemp -d /tmp/compile-time.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export CARGO_TARGET_DIR=${COMPILE_BENCH_TARGET_DIR:-$WORK/target} CARGO_TERM_COLOR=never

uuid() { printf '00000000-0000-4000-8000-%012x' "$1"; }

generate() {
    local kind=$1 dir=$WORK/$1
    mkdir -p "$dir/src"
    cat >"$dir/Cargo.toml" <<TOML
[package]
name = "generated-$kind"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
block-core = { path = "$REPO/block-core" }
TOML
    cp "$REPO/Cargo.lock" "$dir/Cargo.lock"
    : >"$dir/src/lib.rs"
    [ "$kind" = baseline ] && echo '#![allow(dead_code)]' >>"$dir/src/lib.rs"
    for i in $(seq 1 "$BLOCKS"); do
        echo "pub mod block_$i;" >>"$dir/src/lib.rs"
        if [ "$kind" = macros ]; then
            cat >"$dir/src/block_$i.rs" <<RS
use block_core::prelude::*;

/// Inputs of block $i.
#[derive(BlockInput)]
pub struct Input$i {
    /// The text to repeat.
    #[block_input(placeholder = "hello", min_length = 1)]
    pub text: String,
    /// How many times.
    #[block_input(default = 1, min = 1, max = 10)]
    pub times: u32,
}

/// Outputs of block $i.
#[derive(BlockOutput)]
pub enum Output$i {
    /// The repeated text.
    Result(String),
    /// Its length.
    Length(u64),
}

/// Repeats a text (generated block $i).
#[block(id = "$(uuid "$i")", categories(Text), untested = "generated for the compile-time bench")]
pub struct Block$i;

impl Run for Block$i {
    type Input = Input$i;
    type Output = Output$i;
    async fn run(&self, input: Input$i, _ctx: &RunContext, out: &Emit<Output$i>) -> Result<(), BlockError> {
        let text = input.text.repeat(input.times as usize);
        let length = text.len() as u64;
        out.emit(Output$i::Result(text)).await?;
        out.emit(Output$i::Length(length)).await
    }
}
RS
        else
            cat >"$dir/src/block_$i.rs" <<RS
/// Inputs of block $i.
pub struct Input$i {
    /// The text to repeat.
    pub text: String,
    /// How many times.
    pub times: u32,
}

/// Outputs of block $i.
pub enum Output$i {
    /// The repeated text.
    Result(String),
    /// Its length.
    Length(u64),
}

/// Repeats a text (generated block $i).
pub struct Block$i;

impl Block$i {
    pub async fn run(&self, input: Input$i, out: &mut Vec<Output$i>) -> Result<(), String> {
        let text = input.text.repeat(input.times as usize);
        let length = text.len() as u64;
        out.push(Output$i::Result(text));
        out.push(Output$i::Length(length));
        Ok(())
    }
}
RS
        fi
    done
}

# Prints "clean incremental clean-cpu incremental-cpu" seconds for the crate in $1:
# wall-clock time, and the CPU time (user + system) of the build, which a machine
# shared with other builds inflates far less than the wall clock.
measure() {
    local dir=$WORK/$1 clean incremental
    cargo build --quiet --manifest-path "$dir/Cargo.toml" >&2 # dependencies, not timed
    cargo clean --quiet --manifest-path "$dir/Cargo.toml" -p "generated-$1" >&2
    clean=$(timed cargo build --quiet --manifest-path "$dir/Cargo.toml")
    sed -i 's/The repeated text\./The repeated text, edited./' "$dir/src/block_1.rs"
    incremental=$(timed cargo build --quiet --manifest-path "$dir/Cargo.toml")
    read -r clean_wall clean_cpu <<<"$clean"
    read -r incr_wall incr_cpu <<<"$incremental"
    echo "$clean_wall $incr_wall $clean_cpu $incr_cpu"
}

# Runs a command; prints its wall-clock and CPU (user + system) seconds.
timed() {
    local TIMEFORMAT='%R %U %S' report
    report=$( { time "$@" >&2; } 2>&1 | tail -n 1)
    awk '{ printf "%.2f %.2f", $1, $2 + $3 }' <<<"$report"
}

echo "== generating two crates of $BLOCKS blocks in $WORK" >&2
generate macros
generate baseline
echo "== building block-core and its dependencies (not timed)" >&2
read -r base_clean base_incr base_clean_cpu base_incr_cpu < <(measure baseline)
read -r macro_clean macro_incr macro_clean_cpu macro_incr_cpu < <(measure macros)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }'; }
per_block() { awk -v a="$1" -v n="$BLOCKS" 'BEGIN { printf "%.3f", a / n }'; }
echo
echo "Machine: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$BLOCKS blocks, debug profile, the generated crate only (dependencies prebuilt)"
printf '%-28s %10s %14s %12s %16s\n' "crate" "clean s" "incremental s" "clean CPU s" "incremental CPU s"
printf '%-28s %10s %14s %12s %16s\n' "with the block macros" "$macro_clean" "$macro_incr" "$macro_clean_cpu" "$macro_incr_cpu"
printf '%-28s %10s %14s %12s %16s\n' "plain Rust baseline" "$base_clean" "$base_incr" "$base_clean_cpu" "$base_incr_cpu"
printf '%-28s %10s %14s %12s %16s\n' "ratio (macros' cost)" "$(ratio "$macro_clean" "$base_clean")" \
    "$(ratio "$macro_incr" "$base_incr")" "$(ratio "$macro_clean_cpu" "$base_clean_cpu")" \
    "$(ratio "$macro_incr_cpu" "$base_incr_cpu")"
echo "per block, clean: $(per_block "$macro_clean") s wall, $(per_block "$macro_clean_cpu") s CPU"
