package scm

import (
	"context"
	"errors"
	"strings"
	"unicode"
)

// Scrubbed returns err with its text passed through scrub, which hides the
// credentials a server may echo (in a field, a header, a line net/http quotes).
// It unwraps only to the sentinels above, context's errors and also, those err
// wraps, so no inner error can print its text unscrubbed.
func Scrubbed(err error, scrub func(string) string, also ...error) error {
	var sentinels []error
	for _, s := range append([]error{ErrNotFound, ErrUnauthorized, ErrUnexpected, context.Canceled, context.DeadlineExceeded}, also...) {
		if errors.Is(err, s) {
			sentinels = append(sentinels, s)
		}
	}
	return &scrubbedError{msg: scrub(err.Error()), sentinels: sentinels}
}

type scrubbedError struct {
	msg       string
	sentinels []error
}

func (e *scrubbedError) Error() string   { return e.msg }
func (e *scrubbedError) Unwrap() []error { return e.sentinels }

// OneLine keeps the first n runes of s on one printable line, for quoting what a
// server sent in an error.
func OneLine(s string, n int) string {
	s = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return s
}
