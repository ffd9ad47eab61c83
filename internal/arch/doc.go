// Package arch holds no code: its test keeps the import arrows of DESIGN.md true,
// so that the pure stages stay pure and adapters stay at the edges.
package arch
