package config

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

const day = 24 * time.Hour

// Duration is a time.Duration written as a Go duration (90s, 12h, 1h30m) or with a
// leading whole number of days (7d, 1d12h).
type Duration time.Duration

// ParseDuration parses a Go duration or one with a leading number of days.
func ParseDuration(s string) (Duration, error) {
	body, neg := strings.CutPrefix(s, "-")
	if !neg {
		body = strings.TrimPrefix(body, "+")
	}
	var days time.Duration
	if i := strings.IndexByte(body, 'd'); i >= 0 {
		n, err := strconv.ParseUint(body[:i], 10, 63)
		if err != nil || body[:i] == "" || n > uint64(1<<63-1)/uint64(day) {
			return 0, durationError(s)
		}
		days, body = time.Duration(n)*day, body[i+1:]
		if body == "" {
			return sign(days, neg), nil
		}
		if body[0] == '-' || body[0] == '+' {
			return 0, durationError(s)
		}
	}
	rest, err := time.ParseDuration(body)
	if err != nil || rest > time.Duration(1<<63-1)-days {
		return 0, durationError(s)
	}
	return sign(days+rest, neg), nil
}

func sign(d time.Duration, neg bool) Duration {
	if neg {
		return Duration(-d)
	}
	return Duration(d)
}

func durationError(s string) error {
	return fmt.Errorf("invalid duration %q: want a Go duration like 90s or 12h, or whole days like 7d", s)
}

// Std returns the duration as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// String prints whole days as 7d and anything else as time.Duration does.
func (d Duration) String() string {
	if td := time.Duration(d); td != 0 && td%day == 0 {
		return strconv.FormatInt(int64(td/day), 10) + "d"
	}
	return time.Duration(d).String()
}

// MarshalText encodes String.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses what ParseDuration accepts.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// UnmarshalYAML parses a YAML scalar. Inside Parse, a value holding `${` is left for
// expansion after decoding.
func (d *Duration) UnmarshalYAML(ctx context.Context, node ast.Node) error {
	s, err := scalarText(ctx, node, "a duration")
	if err != nil {
		return err
	}
	if deferring, _ := ctx.Value(deferKey{}).(bool); deferring && strings.Contains(s, "$") {
		return nil
	}
	v, err := ParseDuration(s)
	if err != nil {
		return &nodeError{node: node, msg: err.Error()}
	}
	*d = v
	return nil
}
