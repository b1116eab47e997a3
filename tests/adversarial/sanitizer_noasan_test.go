//go:build !asan

package adversarial

// churnRSSBound is the RSS growth TestChurnCounts allows (see sanitizer_asan_test.go for the -asan build).
const churnRSSBound = 200 << 20
