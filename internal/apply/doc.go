// Package apply carries out a plan against a registry. For each tag to delete it
// re-reads the tag first and keeps it when it changed since the decision (safety
// rule 5); before removing any manifest by digest it re-reads every tag of the
// repository and keeps what a tag now uses (safety rule 2); it deletes tags before
// the manifests that go with them, counts "already gone" as done, and records each
// outcome on its item. Deletions run with bounded concurrency; one failure never
// stops the others (safety rule 4). It imports audit, plan, policy and registry.
//
// With an audit log it journals each deletion (the manifest before, the outcome
// after); a stop (signal, deadline) starts no new deletion and lets the ones in
// flight finish.
package apply
