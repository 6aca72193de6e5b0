// Package quickstarts holds the test that every README quickstart of the
// repository compiles (quickstarts_test.go): the root README.md and each
// module's README.md, found anew on every run, so a new adapter README or a
// new quickstart is checked without touching the test.
//
// The quickstarts are built inside the examples module, which requires
// every clerkguard module and framework, so they compile against the code
// of this commit (not a published version) with the framework versions the
// examples pin.
package quickstarts
