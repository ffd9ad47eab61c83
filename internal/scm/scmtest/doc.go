// Package scmtest holds test doubles of the source-control services prsweep
// reads pull-request states from. Each fake is an httptest server built from the
// vendor's documented requests and responses (status codes, error bodies,
// headers, throttling), fails the test on any request it does not know, and
// counts requests per pull request so callers can check "each PR asked once".
//
// It is imported by tests only. It imports the standard library and at most
// scm (for a conformance suite), never an adapter it fakes, so that adapter
// tests can use it without an import cycle.
package scmtest
