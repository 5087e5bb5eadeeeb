# openmcim: the commands a developer and CI use. CMake does the building; this file
# installs what is missing (scripts/deps.sh), configures once and runs things.
BUILD      ?= build
ASAN_BUILD ?= build-asan
BENCH_BUILD ?= build-bench
DEVICE_BUILD ?= $(BENCH_BUILD)-device
CLANG_BUILD ?= build-clang
FUZZ_BUILD ?= build-fuzz
PREFIX     ?= /usr/local
JOBS       ?= $(shell nproc)
CTEST_ARGS ?= --output-on-failure -j $(JOBS)

.PHONY: all deps demo check check-asan check-valgrind check-clang check-format format \
	bench fuzz install clean

all: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

deps:
	@sh scripts/deps.sh

demo: all
	$(BUILD)/bin/mcim demo

check: all check-format check-clang
	ctest --test-dir $(BUILD) $(CTEST_ARGS)

check-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
		-DMCIM_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --test-dir $(ASAN_BUILD) $(CTEST_ARGS)

check-valgrind: all
	ctest --test-dir $(BUILD) $(CTEST_ARGS) -T memcheck \
		--overwrite MemoryCheckCommandOptions="--error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"

# The same sources must build warning-free with clang as well as gcc.
check-clang: deps
	@cmake -S . -B $(CLANG_BUILD) -DCMAKE_C_COMPILER=clang >/dev/null
	@cmake --build $(CLANG_BUILD) -j $(JOBS) >/dev/null
	@echo "clang build: clean"

check-format: deps
	@sh scripts/check-format.sh

format: deps
	@clang-format -i $$(git ls-files '*.c' '*.h')

# The footprint is measured twice: on the Release build, and on a device profile
# build configured as a device maker would (docs/bench.md). The device profile needs
# the builtin P-256; a tree without it says so and is not measured.
bench: deps
	@cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BENCH_BUILD) -j $(JOBS) >/dev/null
	$(BENCH_BUILD)/bin/mcim bench all
	$(BENCH_BUILD)/tests/test_reg_bench
	MCIM_BIN_DIR=$(BENCH_BUILD)/bin $(BENCH_BUILD)/tests/test_prov_bench
	sh scripts/bench-footprint.sh $(BENCH_BUILD)
	@if cmake -S . -B $(DEVICE_BUILD) -DMCIM_DEVICE_PROFILE=ON -DMCIM_CRYPTO=builtin \
		-DCMAKE_BUILD_TYPE=MinSizeRel >/dev/null; then \
		cmake --build $(DEVICE_BUILD) -j $(JOBS) --target mcim mcim-tre >/dev/null && \
		sh scripts/bench-footprint.sh $(DEVICE_BUILD) && \
		$(DEVICE_BUILD)/bin/mcim bench aead; \
	else \
		echo "device profile not measured: $(DEVICE_BUILD) did not configure"; \
	fi

fuzz: deps
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DMCIM_FUZZ=ON \
		-DMCIM_SANITIZE=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@sh scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

install: all
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(BENCH_BUILD) $(DEVICE_BUILD) $(CLANG_BUILD) \
		$(FUZZ_BUILD)
