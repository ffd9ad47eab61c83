package server

import "github.com/prsweep/prsweep/internal/sweep"

// OnSweep has fn told of each sweep's Sweeper just before it runs: a test's view
// of where the sweep's items go.
func OnSweep(s *Server, fn func(*sweep.Sweeper)) { s.sweeping = fn }

// SharedSink reports whether the Sweeper the server was built with has a Sink.
func SharedSink(s *Server) bool { return s.sw.Sink != nil }
