# Plain-make build of the C++ core, its parity tests and benchmarks, independent of Bazel.
#   make -f tools/cxx.mk -j2 test             # optimised build, run every C++ test
#   make -f tools/cxx.mk -j2 test SAN=asan    # AddressSanitizer + UBSan
#   make -f tools/cxx.mk -j2 test SAN=tsan    # ThreadSanitizer
# Objects go to $(BUILD_ROOT)/$(SAN)[-$(CXX)]: by default .build/ in this checkout (ignored by git), so separate clones never
# share (or run each other's stale) binaries.

SAN        ?= none
CXX        ?= g++
BUILD_ROOT ?= $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../.build)
# One output tree per sanitizer and compiler (make does not notice a changed CXX): .build/none for g++,
# .build/none-clang++-14 for CXX=clang++-14.
OUT        := $(BUILD_ROOT)/$(SAN)$(if $(filter g++,$(CXX)),,-$(notdir $(firstword $(CXX))))

CXXFLAGS_none := -O2 -g
# -g1 under the sanitizers: their reports need function names and file:line only, and full debug info made the
# sanitizer builds (the longest steps of tools/test.sh) about a quarter slower to compile.
CXXFLAGS_asan := -O1 -g1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
CXXFLAGS_tsan := -O1 -g1 -fsanitize=thread
LDFLAGS_asan  := -fsanitize=address,undefined
LDFLAGS_tsan  := -fsanitize=thread

# Which sources form which library, the feature macros and the system libraries: tools/native/sources.txt, the
# manifest go build (internal/native) and Bazel read too, through this generated fragment.
include tools/native/sources.mk

# NATIVE_DEFINES apply to every translation unit (one io_scheduler layout in every object).
CXXFLAGS := -std=c++20 -Wall -Wextra -pipe -Ithird_party/libcoro/include $(NATIVE_DEFINES) $(CXXFLAGS_$(SAN)) \
    $(EXTRA_CXXFLAGS)
LDFLAGS  := -pthread $(LDFLAGS_$(SAN))

CORE_SRCS := $(NATIVE_libcoro_SRCS)
CORE_OBJS := $(patsubst %.cpp,$(OUT)/%.o,$(CORE_SRCS))
# libcoro_net.a = the net, TLS and DNS libraries; it and everything using it (net tests, native examples, the
# benchmark's net suite) take the TLS library's macro and link OpenSSL and c-ares. The core library never does.
NET_ALL_SRCS := $(NATIVE_libcoro_net_SRCS) $(NATIVE_libcoro_tls_SRCS) $(NATIVE_libcoro_dns_SRCS)
NET_ALL_OBJS := $(patsubst %.cpp,$(OUT)/%.o,$(NET_ALL_SRCS))
NET_DEFINES  := $(NATIVE_libcoro_net_DEFINES) $(NATIVE_libcoro_tls_DEFINES) $(NATIVE_libcoro_dns_DEFINES)
NET_LIBS     := $(NATIVE_libcoro_net_LIBS) $(NATIVE_libcoro_tls_LIBS) $(NATIVE_libcoro_dns_LIBS)
$(OUT)/third_party/libcoro/src/net/%.o $(OUT)/third_party/libcoro/src/v16/net/%.o $(OUT)/tests/cpp/net/%.o \
    $(OUT)/examples/native/%.o \
    $(OUT)/tools/bench/cpp/net_workloads.o: CXXFLAGS += $(NET_DEFINES)

TEST_SRCS := $(wildcard tests/cpp/test_*.cpp)
TEST_BINS := $(patsubst tests/cpp/%.cpp,$(OUT)/tests/%,$(TEST_SRCS))
TEST_MAIN := $(OUT)/tests/cpp/main.o
NET_TEST_SRCS := $(wildcard tests/cpp/net/test_*.cpp)
NET_TEST_BINS := $(patsubst tests/cpp/net/%.cpp,$(OUT)/tests/net/%,$(NET_TEST_SRCS))
EXAMPLE_BINS  := $(OUT)/examples/tcp_echo_server $(OUT)/examples/http_200_ok_server $(OUT)/examples/tcp_echo_server_v16
# Stress tests (tests/cpp/stress) link a second copy of the core built with the thread pool's fault-injection hook.
STRESS_SRCS := $(wildcard tests/cpp/stress/test_*.cpp)
STRESS_BINS := $(patsubst tests/cpp/stress/%.cpp,$(OUT)/tests/stress/%,$(STRESS_SRCS))
HOOKED_OBJS := $(patsubst %.cpp,$(OUT)/hooked/%.o,$(CORE_SRCS))

.PHONY: all test clean bench examples
.SECONDARY:
all: $(TEST_BINS) $(NET_TEST_BINS) $(STRESS_BINS) $(EXAMPLE_BINS)

$(OUT)/%.o: %.cpp tools/native/sources.mk
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -MMD -MP -c $< -o $@

$(OUT)/libcoro.a: $(CORE_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(OUT)/tests/%: $(OUT)/tests/cpp/%.o $(TEST_MAIN) $(OUT)/libcoro.a
	@mkdir -p $(dir $@)
	$(CXX) $^ -o $@ $(LDFLAGS) $(NATIVE_libcoro_LIBS)

$(OUT)/hooked/%.o: %.cpp tools/native/sources.mk
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -DLIBCORO_THREAD_POOL_DELAY_HOOK -MMD -MP -c $< -o $@

$(OUT)/tests/stress/%: $(OUT)/hooked/tests/cpp/stress/%.o $(TEST_MAIN) $(HOOKED_OBJS)
	@mkdir -p $(dir $@)
	$(CXX) $^ -o $@ $(LDFLAGS)

$(OUT)/libcoro_net.a: $(NET_ALL_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(OUT)/tests/net/%: $(OUT)/tests/cpp/net/%.o $(TEST_MAIN) $(OUT)/libcoro_net.a $(OUT)/libcoro.a
	@mkdir -p $(dir $@)
	$(CXX) $^ -o $@ $(LDFLAGS) $(NET_LIBS)

# Native examples (the C++ side of the Go-vs-native comparison).
$(OUT)/examples/%: $(OUT)/examples/native/%.o $(OUT)/libcoro_net.a $(OUT)/libcoro.a
	@mkdir -p $(dir $@)
	$(CXX) $^ -o $@ $(LDFLAGS) $(NET_LIBS)

examples: $(EXAMPLE_BINS)

# Each test binary runs in its own directory so files it creates (certificates, sockets) never collide.
test: $(TEST_BINS) $(NET_TEST_BINS) $(STRESS_BINS)
	@set -e; for t in $(TEST_BINS) $(NET_TEST_BINS) $(STRESS_BINS); do \
	    echo "== $$t"; mkdir -p $$t.run; (cd $$t.run && $$t $(TEST_ARGS)); \
	done

# Benchmark driver (tools/bench/cpp): -O3 -DNDEBUG on top of the normal flags for the optimised build.
#   make -f tools/cxx.mk -j2 bench && .build/none/bench --list
BENCH_EXTRA_none := -O3 -DNDEBUG
BENCH_EXTRA      := $(BENCH_EXTRA_$(SAN))
$(OUT)/tools/bench/cpp/%.o: CXXFLAGS += $(BENCH_EXTRA)

# Suite "net" (B11-B13, tools/bench/cpp/net_workloads.cpp) links the networking library.
$(OUT)/tools/bench/cpp/bench.o: CXXFLAGS += -DGOCORO_BENCH_NET
$(OUT)/bench: $(OUT)/tools/bench/cpp/bench.o $(OUT)/tools/bench/cpp/net_workloads.o $(OUT)/libcoro_net.a $(OUT)/libcoro.a
	$(CXX) $^ -o $@ $(LDFLAGS) $(NET_LIBS)

bench: $(OUT)/bench

clean:
	rm -rf $(OUT)

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)

# libcoro v0.16 API parity tests (tests/cpp16): the same core library, used from translation units compiled with
# LIBCORO_API_VERSION=1600 (see third_party/libcoro/COMPATIBILITY.md, "Two API versions"). `make test` runs them
# too; `make test16` runs only them.
TEST16_SRCS := $(wildcard tests/cpp16/test_*.cpp)
TEST16_BINS := $(patsubst tests/cpp16/%.cpp,$(OUT)/tests16/%,$(TEST16_SRCS))
$(OUT)/tests/cpp16/%.o: CXXFLAGS += -DLIBCORO_API_VERSION=1600

$(OUT)/tests16/%: $(OUT)/tests/cpp16/%.o $(TEST_MAIN) $(OUT)/libcoro.a
	@mkdir -p $(dir $@)
	$(CXX) $^ -o $@ $(LDFLAGS)

# tests/cpp16/net: the v0.16 networking API (scenarios 412-430); linked like tests/cpp/net.
NET_TEST16_SRCS := $(wildcard tests/cpp16/net/test_*.cpp)
NET_TEST16_BINS := $(patsubst tests/cpp16/net/%.cpp,$(OUT)/tests16/net/%,$(NET_TEST16_SRCS))
$(OUT)/tests/cpp16/net/%.o: CXXFLAGS += $(NET_DEFINES)
TEST16_BINS += $(NET_TEST16_BINS)

$(OUT)/tests16/net/%: $(OUT)/tests/cpp16/net/%.o $(TEST_MAIN) $(OUT)/libcoro_net.a $(OUT)/libcoro.a
	@mkdir -p $(dir $@)
	$(CXX) $^ -o $@ $(LDFLAGS) $(NET_LIBS)

.PHONY: test16
all: $(TEST16_BINS)
test: test16
test16: $(TEST16_BINS)
	@set -e; for t in $(TEST16_BINS); do \
	    echo "== $$t"; mkdir -p $$t.run; (cd $$t.run && $$t $(TEST_ARGS)); \
	done

# Front-end only (-fsyntax-only) over every C++ test, native example and benchmark source, with the flags the real build gives
# each one: catches what an older compiler rejects (clang 14: structured bindings captured in lambdas) without
# building or linking anything. tools/test.sh runs it with clang++-14, whose C++ tests cannot run (see CLANG_CXX).
#   make -f tools/cxx.mk -j2 syntax CXX=clang++-14
SYNTAX_SRCS := $(TEST_SRCS) $(NET_TEST_SRCS) $(STRESS_SRCS) $(TEST16_SRCS) $(NET_TEST16_SRCS) \
    $(wildcard examples/native/*.cpp) $(wildcard tools/bench/cpp/*.cpp)
SYNTAX_STAMPS := $(patsubst %.cpp,$(OUT)/syntax/%.ok,$(SYNTAX_SRCS))
$(OUT)/syntax/tests/cpp/net/%.ok $(OUT)/syntax/examples/native/%.ok: CXXFLAGS += $(NET_DEFINES)
$(OUT)/syntax/tests/cpp16/%.ok: CXXFLAGS += -DLIBCORO_API_VERSION=1600
$(OUT)/syntax/tests/cpp16/net/%.ok: CXXFLAGS += $(NET_DEFINES)
$(OUT)/syntax/tests/cpp/stress/%.ok: CXXFLAGS += -DLIBCORO_THREAD_POOL_DELAY_HOOK
$(OUT)/syntax/tools/bench/cpp/net_workloads.ok: CXXFLAGS += $(NET_DEFINES)
$(OUT)/syntax/tools/bench/cpp/bench.ok: CXXFLAGS += -DGOCORO_BENCH_NET
$(OUT)/syntax/%.ok: %.cpp tools/native/sources.mk
	@mkdir -p $(dir $@)
	@echo "syntax $<"
	@$(CXX) $(CXXFLAGS) -fsyntax-only -MMD -MP -MF $(@:.ok=.d) -MT $@ $<
	@touch $@

.PHONY: syntax
syntax: $(SYNTAX_STAMPS)
	@echo "syntax: $(words $(SYNTAX_SRCS)) sources accepted by $(CXX)"
