// Package report writes the outcome of a sweep for people and for programs: the
// text the original PowerShell script printed, one JSON document, or a Markdown
// table fit for an Azure Pipelines or GitHub job summary.
//
// It owns the classification of items into deleted (or, in a dry run, would be
// deleted), preserved and failed, and the counts the CLI turns into an exit code.
// Whatever order items arrive in, every format prints them sorted by repository,
// then tag.
//
// report only formats: it reads plan.Item values and writes to an io.Writer. It
// imports plan, policy, scm and registry (for their types) and nothing else
// internal; no network, no os, no adapter.
package report
