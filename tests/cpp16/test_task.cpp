#include "catch_extensions.hpp"

// Parity scenarios 202-218 (tests/scenarios16.tsv; upstream's test/test_task.cpp): unchanged from v0.14 (D3), so the v0.14
// test file itself is compiled here, against the v0.16 API (tools/parity reads the scenarios through this include).
#include "../cpp/test_task.cpp"
