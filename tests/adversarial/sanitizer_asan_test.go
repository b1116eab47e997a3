//go:build asan

package adversarial

// churnRSSBound is the RSS growth TestChurnCounts allows. Under -asan the C++ allocator keeps freed memory in its
// quarantine (256 MB by default) and does not hand it back, so the bound is wider; LeakSanitizer, which the test
// command keeps on in that run, reports real leaks at exit instead.
const churnRSSBound = 1 << 30
