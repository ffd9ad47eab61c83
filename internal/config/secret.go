package config

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/goccy/go-yaml/ast"
)

// redacted is what every printed form of a set Secret shows.
const redacted = "***"

// Secret holds a credential. Every way of printing it (fmt verbs, JSON, YAML, slog)
// shows "***", or nothing when it is empty; only Reveal returns the value.
//
// The value sits behind a pointer so that printers which bypass the methods (fmt's
// %!p(…) for a bad verb, reflection-based dumpers) show an address, not the value.
type Secret struct {
	value *string
}

// NewSecret wraps a value.
func NewSecret(value string) Secret {
	if value == "" {
		return Secret{}
	}
	return Secret{value: &value}
}

// Reveal returns the value. Call it only where the value is handed to the service
// that needs it.
func (s Secret) Reveal() string {
	if s.value == nil {
		return ""
	}
	return *s.value
}

// IsSet reports whether the secret holds a non-empty value.
func (s Secret) IsSet() bool { return s.Reveal() != "" }

// Equal reports whether two secrets hold the same value (go-cmp uses it).
func (s Secret) Equal(o Secret) bool { return s.Reveal() == o.Reveal() }

// String returns "***", or "" when the secret is empty.
func (s Secret) String() string {
	if !s.IsSet() {
		return ""
	}
	return redacted
}

// GoString is String: %#v shows "***" too.
func (s Secret) GoString() string { return s.String() }

// Format prints String for every verb and flag.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// LogValue makes slog print String.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON encodes String.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }

// MarshalText encodes String.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalYAML encodes String.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// UnmarshalYAML reads a YAML scalar as it is written: `password: 0123` is "0123",
// not a number. Mappings and sequences are refused without echoing them.
func (s *Secret) UnmarshalYAML(ctx context.Context, node ast.Node) error {
	v, err := scalarText(ctx, node, "a string")
	if err != nil {
		return err
	}
	*s = NewSecret(v)
	return nil
}

// scalarText returns a scalar node's text as written in the file, resolving an alias
// through the anchors Parse put in ctx. want names the expected value for errors.
func scalarText(ctx context.Context, node ast.Node, want string) (string, error) {
	switch n := node.(type) {
	case *ast.StringNode:
		return n.Value, nil
	case *ast.LiteralNode:
		return n.Value.Value, nil
	case *ast.NullNode:
		return "", nil
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return n.GetToken().Value, nil
	case *ast.AnchorNode:
		return scalarText(ctx, n.Value, want)
	case *ast.TagNode:
		if n.Start != nil && n.Start.Value == "!!str" {
			return scalarText(ctx, n.Value, want)
		}
	case *ast.AliasNode:
		target, ok := anchorsFrom(ctx)[n.Value.GetToken().Value]
		if _, chained := target.(*ast.AliasNode); ok && !chained {
			return scalarText(ctx, target, want)
		}
		return "", &nodeError{node: node, msg: "want " + want + ", not an alias to " + n.Value.GetToken().Value}
	}
	return "", &nodeError{node: node, msg: "want " + want}
}
