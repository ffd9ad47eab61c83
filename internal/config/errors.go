package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// ErrInvalid matches every configuration error: errors.Is(err, config.ErrInvalid).
var ErrInvalid = errors.New("invalid configuration")

// Error is one configuration problem. Its text never holds a secret, nor any value
// that came from the environment.
type Error struct {
	File   string // the config file as Load was given it; "" for Parse
	Line   int    // 1-based line of the key in the file; 0 when it has no place there
	Column int    // 1-based column, with Line
	Path   string // the key path, e.g. "rules[0].tags"; "" for the file as a whole
	Msg    string // what is wrong
	Err    error  // the cause, when there is one (e.g. fs.ErrNotExist); may be nil
}

// Error reads like `prsweep.yaml:7:5: rules[0]: unknown key "tagz"`.
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d:%d: ", e.File, e.Line, e.Column)
	case e.File != "":
		b.WriteString(e.File + ": ")
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d:%d: ", e.Line, e.Column)
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns ErrInvalid and the cause, if any.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalid, e.Err}
	}
	return []error{ErrInvalid}
}

// nodeError is what our YAML unmarshalers return; Parse gives it a path and a line.
type nodeError struct {
	node ast.Node
	msg  string
}

func (e *nodeError) Error() string {
	p := e.node.GetToken().Position
	return fmt.Sprintf("line %d:%d: %s", p.Line, p.Column, e.msg)
}

// nodePath turns goccy's "$.rules[0].tags" into "rules[0].tags".
func nodePath(n ast.Node) string {
	return strings.TrimPrefix(strings.TrimPrefix(n.GetPath(), "$"), ".")
}

// yamlError turns an error from goccy/go-yaml into an *Error. It uses the error's
// message and position only, never the quoted source, which may hold a secret.
func yamlError(err error, file string, root ast.Node) *Error {
	e := &Error{File: file}
	var ne *nodeError
	if errors.As(err, &ne) {
		p := ne.node.GetToken().Position
		e.Line, e.Column, e.Path, e.Msg = p.Line, p.Column, nodePath(ne.node), ne.msg
		return e
	}
	var ye yaml.Error
	if !errors.As(err, &ye) {
		e.Msg = "reading YAML: " + err.Error()
		return e
	}
	e.Msg = ye.GetMessage()
	tok := ye.GetToken()
	if tok == nil {
		return e
	}
	e.Line, e.Column = tok.Position.Line, tok.Position.Column
	var (
		unknown  *yaml.UnknownFieldError
		mismatch *yaml.TypeError
		overflow *yaml.OverflowError
		nodeType *yaml.UnexpectedNodeTypeError
	)
	switch {
	case errors.As(err, &unknown):
		e.Path = parentPath(findPath(root, tok, true))
		e.Msg = fmt.Sprintf("unknown key %q", tok.Value)
		if s := suggest(tok.Value, knownKeys(e.Path)); s != "" {
			e.Msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
	case errors.As(err, &mismatch):
		e.Path = findPath(root, tok, false)
		e.Msg = "want " + kindName(mismatch.DstType)
	case errors.As(err, &overflow):
		e.Path = findPath(root, tok, false)
		e.Msg = "number out of range"
	case errors.As(err, &nodeType):
		e.Path = findPath(root, tok, false)
		e.Msg = fmt.Sprintf("want a %s, not a %s", nodeType.Expected.YAMLName(), nodeType.Actual.YAMLName())
	}
	return e
}

// findPath returns the path of the shallowest (or deepest) node that starts at tok.
func findPath(root ast.Node, tok *token.Token, deepest bool) string {
	found, best := false, ""
	if root == nil {
		return ""
	}
	ast.Walk(visitFunc(func(n ast.Node) {
		if n.GetToken() != tok {
			return
		}
		p := nodePath(n)
		if !found || (deepest && len(p) > len(best)) || (!deepest && len(p) < len(best)) {
			found, best = true, p
		}
	}), root)
	return best
}

type visitFunc func(ast.Node)

func (f visitFunc) Visit(n ast.Node) ast.Visitor {
	f(n)
	return f
}

// parentPath drops the last key or index: rules[0].tags → rules[0] → rules.
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

func kindName(t reflect.Type) string {
	if t == nil {
		return "another kind of value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return "another kind of value"
}

// knownKeys lists the YAML keys of the struct found at path in Config.
func knownKeys(path string) []string {
	t := reflect.TypeFor[Config]()
	for seg := range strings.SplitSeq(path, ".") {
		seg, _, _ = strings.Cut(seg, "[")
		if seg == "" {
			continue
		}
		f, ok := fieldByKey(t, seg)
		if !ok {
			return nil
		}
		t = f.Type
		for t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for f := range t.Fields() {
		if k, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); k != "" && k != "-" {
			keys = append(keys, k)
		}
	}
	return keys
}

func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	if t.Kind() != reflect.Struct {
		return reflect.StructField{}, false
	}
	for f := range t.Fields() {
		if k, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); k == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// suggest returns the known key closest to key, if it is close (at most two edits).
func suggest(key string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(key), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
