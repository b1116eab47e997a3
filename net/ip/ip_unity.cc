// go build only: the net/ip shim. libcoro's ip_address.cpp comes from net/internal/netcore. Bazel uses
// //cshim/net:ip_address.
#include "../../cshim/net/ip_address.cc"
