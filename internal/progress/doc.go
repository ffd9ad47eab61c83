// Package progress shows how a sweep advances while it runs: Counters that the
// sweep updates from many goroutines at once, a Renderer that redraws one live
// line on a terminal a few times a second, and Log, which writes one log line per
// repository where stderr is not a terminal.
//
// It imports only the standard library: the sweep reports to it through
// sweep.Progress, and the CLI wires the two together.
package progress
