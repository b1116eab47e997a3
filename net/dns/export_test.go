package dns

// SetServers points r at other DNS servers ("ip:port,..."), for tests with a local server.
var SetServers = (*Resolver).setServers
