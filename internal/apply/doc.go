// Package apply carries out a plan against a registry, repository by repository.
// Each tag to delete is read again first (or was read in the same pass) and kept
// when it changed since the decision (safety rule 5); before removing any manifest
// by digest it re-reads every tag of the repository and asks plan's model what
// something staying now holds (safety rules 2 and 9); where a registry's untag is
// not yet proven it is proven first, or the tag is retagged (rule 10). It deletes a
// tag before what goes with it and an index before its children, and counts a tag
// deleted only when the tag listing read back no longer shows it (rule 8); a 404 or
// a lost answer is confirmed that way, and a dangling tag is removed again or
// reported. Deletions run with bounded concurrency; one failure never stops the
// others (safety rule 4). It imports audit, discover, plan, policy and registry.
//
// With an audit log it journals each deletion (the manifest before, the outcome
// after); a stop (signal, deadline) starts no new deletion and lets the ones in
// flight finish.
package apply
