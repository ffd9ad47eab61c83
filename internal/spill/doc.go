// Package spill keeps bytes written in pieces — a report's or a plan's parts, one
// repository each — in memory up to a threshold and in a temporary file past it,
// so that a sweep of a million tags holds where each part is, not the parts.
package spill
