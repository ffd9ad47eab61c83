// Package policy decides, for one tag, whether it goes or stays, and says why.
//
// It is pure: no network, no os, no adapter. Callers pass in the tag, the rule that
// matched it, what the source said about the pull request and the time; Decide
// returns a Decision with a reason a user can read. It imports scm and registry for
// their types, and the standard library.
package policy
