// Catch2 v2 main for the Bazel networking tests (same as tests/cpp/main.cpp, which the plain-make build
// links; that package does not export its main to subpackages).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
