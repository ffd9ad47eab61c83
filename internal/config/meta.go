package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// meta remembers where a loaded config's values came from, so errors can point at
// the line and never repeat a value that came from the environment.
type meta struct {
	file string
	pos  map[string]*token.Position // key path → where its key (or list item) is
	env  map[string]origin          // key path → the variable its value came from
	// literal lists the secrets written out in the file rather than taken from the
	// environment or a file.
	literal []string
}

type origin struct {
	name    string // "${VAR}" or "PRSWEEP_X"
	overlay bool   // the whole value came from the overlay, not from the file
}

func newMeta(file string, root ast.Node) *meta {
	m := &meta{file: file, pos: map[string]*token.Position{}, env: map[string]origin{}}
	if root == nil {
		return m
	}
	ast.Walk(visitFunc(func(n ast.Node) {
		tok := n.GetToken()
		if mv, ok := n.(*ast.MappingValueNode); ok && mv.Key != nil {
			tok = mv.Key.GetToken()
		}
		if p := nodePath(n); tok != nil && m.pos[p] == nil {
			m.pos[p] = tok.Position
		}
	}), root)
	return m
}

func (m *meta) setFromEnv(path, name string, overlay bool) {
	if m != nil {
		m.env[path] = origin{name: name, overlay: overlay}
	}
}

// show quotes a value for an error message, or names its variable when it came
// from the environment.
func (m *meta) show(path, value string) string {
	if m.fromEnv(path) {
		return m.display(path, value)
	}
	return strconv.Quote(value)
}

// display is show without the quotes.
func (m *meta) display(path, value string) string {
	if m != nil {
		if o, ok := m.env[path]; ok {
			return "the value of " + o.name
		}
	}
	return value
}

// fromEnv reports whether the value at path came from the environment.
func (m *meta) fromEnv(path string) bool {
	if m == nil {
		return false
	}
	_, ok := m.env[path]
	return ok
}

// errorf builds an *Error for path, placed at the key's line in the file (or the
// nearest enclosing key's) unless the value came from the overlay.
func (m *meta) errorf(path, format string, args ...any) *Error {
	e := &Error{Path: path, Msg: fmt.Sprintf(format, args...)}
	if m == nil {
		return e
	}
	e.File = m.file
	if o, ok := m.env[path]; ok && o.overlay {
		if !strings.Contains(e.Msg, o.name) {
			e.Msg += " (from " + o.name + ")"
		}
		return e
	}
	for p := path; p != ""; p = parentPath(p) {
		if pos := m.pos[p]; pos != nil {
			e.Line, e.Column = pos.Line, pos.Column
			break
		}
	}
	return e
}
