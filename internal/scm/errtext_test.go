package scm

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestScrubbed(t *testing.T) {
	errOwn := errors.New("adapter's own")
	inner := &url.Error{Op: "Get", URL: "https://h/?token=s3cret", Err: fmt.Errorf("%w: %w", ErrUnauthorized, context.DeadlineExceeded)}
	err := Scrubbed(fmt.Errorf("reading x: %w: %w", inner, errOwn), func(s string) string { return strings.ReplaceAll(s, "s3cret", "***") }, errOwn)
	if strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "token=***") {
		t.Errorf("text %q", err)
	}
	for _, want := range []error{ErrUnauthorized, context.DeadlineExceeded, errOwn} {
		if !errors.Is(err, want) {
			t.Errorf("not %v", want)
		}
	}
	if errors.Is(err, ErrNotFound) || errors.Is(err, context.Canceled) {
		t.Error("a sentinel err does not wrap")
	}
	if _, ok := errors.AsType[*url.Error](err); ok {
		t.Error("the inner error, unscrubbed, is reachable")
	}
}

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		" a\nb\tc ": "a b …",
		"a\r\nb ":   "a  b",
		"abcdef":    "abcd…",
		"äöüß":      "äöüß",
	} {
		if got := OneLine(in, 4); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}
