#!/usr/bin/env bash
# Builds mailtriage with profile-guided optimization: an instrumented build
# loads a few logs, LLVM lays out the release build by the branches and calls
# that run took. The parser is branchy, byte-by-byte code, and this is where a
# compiler without a profile guesses worst: measured on a generated 1 GiB log,
# 6-8 % less wall and CPU time than `cargo build --release`, with the same output.
#
#   scripts/pgo-build.sh            # then: target/pgo/use/release/mailtriage
#
# Needs llvm-profdata of the toolchain's LLVM: `rustup component add llvm-tools`.
# Trains on a generated log of another seed than the benchmarks' (seed 1), so
# the numbers measured with it are not those of the log it learned from, and on
# the real logs of ../shared/samples when they are there. Takes about 10 minutes
# on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

sysroot=$(rustc --print sysroot)
host=$(rustc -vV | sed -n 's/^host: //p')
profdata="$sysroot/lib/rustlib/$host/bin/llvm-profdata"
if [ ! -x "$profdata" ]; then
    echo "pgo-build: $profdata not found; install it with: rustup component add llvm-tools" >&2
    exit 1
fi

dir="$PWD/target/pgo"
rm -rf "$dir/profiles"
mkdir -p "$dir/profiles" "$dir/train"

echo "pgo-build: instrumented build" >&2
RUSTFLAGS="-Cprofile-generate=$dir/profiles" \
    cargo build --release --locked --bin mailtriage --target-dir "$dir/gen"
# The generator built as usual: its own code is no part of the profile.
cargo build --release --locked --example mailtriage-gen
gen=target/release/examples/mailtriage-gen
bin="$dir/gen/release/mailtriage"

log="$dir/train/train.log"
[ -s "$log" ] || "$gen" --seed 2 --size 200M -o "$log"
[ -s "$log.gz" ] || head -c 50000000 "$log" | gzip -1 >"$log.gz"

echo "pgo-build: training on $log and the samples" >&2
"$bin" summary "$log" >/dev/null
"$bin" senders --by ip --limit 50 "$log" >/dev/null
"$bin" senders --by domain --json --limit 50 "$log" >/dev/null
"$bin" summary "$log.gz" >/dev/null
if [ -d ../shared/samples/realworld ]; then
    for f in ../shared/samples/realworld/*.log; do
        "$bin" summary "$f" >/dev/null 2>&1 || true
        "$bin" senders --json "$f" >/dev/null 2>&1 || true
    done
fi

"$profdata" merge -o "$dir/merged.profdata" "$dir/profiles"

echo "pgo-build: optimized build" >&2
RUSTFLAGS="-Cprofile-use=$dir/merged.profdata" \
    cargo build --release --locked --bin mailtriage --target-dir "$dir/use"
echo "pgo-build: done: $dir/use/release/mailtriage" >&2
