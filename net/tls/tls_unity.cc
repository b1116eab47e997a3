// go build only: the net/tls shim. Bazel uses //cshim/net:tls.
#include "../../cshim/net/tls.cc"
