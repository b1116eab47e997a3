// A module that uses gocoro the way a user's module does, with a replace pointing at this checkout (as a user's
// `replace` would): tools/check_cache.sh builds it as it is and, in a copy, after `go mod vendor` (-mod=vendor),
// edits gocoro's C++ and checks that the next build by either route picks the edit up. Not part of the library
// module (`./...` stops at this go.mod).
module example.com/gocoroconsumer

go 1.24.0

require github.com/gocoro/gocoro v0.0.0

require golang.org/x/sys v0.25.0 // indirect

replace github.com/gocoro/gocoro => ../..
