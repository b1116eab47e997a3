// Package snippets is where the README's Go snippets are compiled: TestREADMESnippetsCompile (package readme)
// adds one file per snippet through go build -overlay, so nothing is ever written here.
package snippets
