package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

type (
	anchorsKey struct{} // context key: map[string]ast.Node, anchor name → its value
	deferKey   struct{} // context key: bool, leave durations holding $ for expansion
)

func anchorsFrom(ctx context.Context) map[string]ast.Node {
	m, _ := ctx.Value(anchorsKey{}).(map[string]ast.Node)
	return m
}

// Load reads the config file at path: see the package doc for the steps. env looks
// variables up; nil means os.LookupEnv. Relative file names in the config are
// relative to path's directory.
func Load(path string, env Env) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: "reading the config file: " + cause(err).Error(), Err: err}
	}
	return parse(data, filepath.Dir(path), path, env)
}

// Parse is Load for a config held in memory; dir is the directory relative file
// names are read from ("" for the working directory).
func Parse(data []byte, dir string, env Env) (*Config, error) {
	return parse(data, dir, "", env)
}

func parse(data []byte, dir, file string, env Env) (*Config, error) {
	if env == nil {
		env = os.LookupEnv
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, yamlError(err, file, nil)
	}
	if len(f.Docs) > 1 {
		return nil, &Error{File: file, Msg: fmt.Sprintf("want one YAML document, found %d", len(f.Docs))}
	}
	var root ast.Node
	if len(f.Docs) == 1 {
		root = f.Docs[0].Body
	}
	c := &Config{meta: newMeta(file, root)}
	durations, err := decode(root, c)
	if err != nil {
		return nil, yamlError(err, file, root)
	}
	errs := expandConfig(c, env, c.meta)
	errs = append(errs, expandDurations(c, durations, env)...)
	errs = append(errs, applyOverlay(c, env, c.meta)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	c.SetDefaults()
	errs = readFiles(c, dir)
	if err := c.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// rawDurations is the second, lenient decoding: the duration fields as written,
// for those that hold ${VAR}. Decoding again keeps goccy's anchors and merges.
type rawDurations struct {
	Timeout string `yaml:"timeout"`
	HTTP    struct {
		Timeout       string `yaml:"timeout"`
		MaxRetryAfter string `yaml:"maxRetryAfter"`
	} `yaml:"http"`
	Rules []struct {
		After  string `yaml:"after"`
		MinAge string `yaml:"minAge"`
	} `yaml:"rules"`
}

// decode decodes root strictly into c, and the durations leniently.
func decode(root ast.Node, c *Config) (raw rawDurations, err error) {
	if root == nil {
		return raw, nil
	}
	anchors := map[string]ast.Node{}
	ast.Walk(visitFunc(func(n ast.Node) {
		switch n := n.(type) {
		case *ast.AnchorNode:
			if n.Name != nil {
				anchors[n.Name.GetToken().Value] = n.Value
			}
		case *ast.TagNode:
			if _, scalar := n.Value.(ast.ScalarNode); (n.Start.Value != "!!str" || !scalar) && err == nil {
				err = &nodeError{node: n, msg: fmt.Sprintf("YAML tags like %s are not supported here", n.Start.Value)}
			}
		}
	}), root)
	if err != nil {
		return raw, err
	}
	// goccy/go-yaml has panicked on odd input under fuzzing; a config file must not
	// crash the program.
	defer func() {
		if recover() != nil {
			err = errors.New("the YAML decoder failed on this file")
		}
	}()
	ctx := context.WithValue(context.Background(), anchorsKey{}, anchors)
	ctx = context.WithValue(ctx, deferKey{}, true)
	if err := yaml.NewDecoder(bytes.NewReader(nil), yaml.Strict()).DecodeFromNodeContext(ctx, root, c); err != nil {
		return raw, err
	}
	return raw, yaml.NewDecoder(bytes.NewReader(nil)).DecodeFromNodeContext(ctx, root, &raw)
}

func expandDurations(c *Config, raw rawDurations, env Env) []error {
	x := &expander{env: env, meta: c.meta, skip: overridden(env)}
	one := func(path, s string, d *Duration) {
		if !strings.Contains(s, "$") {
			return
		}
		s, ok := x.value(path, s)
		if !ok {
			return
		}
		v, err := ParseDuration(s)
		if err != nil {
			if c.meta.fromEnv(path) {
				err = errors.New("not a duration (90s, 12h, 7d)")
			}
			x.errs = append(x.errs, c.meta.errorf(path, "%s is %v", c.meta.show(path, s), err))
			return
		}
		*d = v
	}
	for i := range min(len(raw.Rules), len(c.Rules)) {
		one(fmt.Sprintf("rules[%d].after", i), raw.Rules[i].After, &c.Rules[i].After)
		one(fmt.Sprintf("rules[%d].minAge", i), raw.Rules[i].MinAge, &c.Rules[i].MinAge)
	}
	one("timeout", raw.Timeout, &c.Timeout)
	one("http.timeout", raw.HTTP.Timeout, &c.HTTP.Timeout)
	one("http.maxRetryAfter", raw.HTTP.MaxRetryAfter, &c.HTTP.MaxRetryAfter)
	return x.errs
}

// readFiles reads the secrets and states that live in files, relative to dir.
func readFiles(c *Config, dir string) []error {
	var errs []error
	m := c.meta
	read := func(path, name string) (string, bool) {
		b, err := os.ReadFile(resolve(dir, name))
		if err != nil {
			e := m.errorf(path, "reading %s: %v", m.show(path, name), cause(err))
			e.Err = cause(err)
			errs = append(errs, e)
			return "", false
		}
		return strings.TrimRight(string(b), "\r\n"), true
	}
	secret := func(path, name string) (Secret, bool) {
		v, ok := read(path, name)
		return NewSecret(v), ok
	}
	r := &c.Registry
	for _, f := range []*string{&r.CAFile, &r.ClientCertificateFile, &r.FederatedTokenFile, &c.Audit, &c.Serve.History} {
		if *f != "" {
			*f = resolve(dir, *f)
		}
	}
	if r.ClientSecretFile != "" && !r.ClientSecret.IsSet() {
		r.ClientSecret, r.clientSecretFromFile = secret("registry.clientSecretFile", r.ClientSecretFile)
	}
	if r.TokenFile != "" && !r.Token.IsSet() {
		r.Token, r.tokenFromFile = secret("registry.tokenFile", r.TokenFile)
	}
	for i := range c.Sources {
		s, p := &c.Sources[i], fmt.Sprintf("sources[%d]", i)
		if s.CAFile != "" {
			s.CAFile = resolve(dir, s.CAFile)
		}
		if s.PrivateKeyFile != "" {
			s.PrivateKeyFile = resolve(dir, s.PrivateKeyFile)
		}
		if s.TokenFile != "" && !s.Token.IsSet() && s.Type != "static" {
			s.Token, s.tokenFromFile = secret(p+".tokenFile", s.TokenFile)
		}
		if s.File != "" && s.States == nil && s.Type == "static" {
			data, ok := read(p+".file", s.File)
			if !ok {
				continue
			}
			states, err := parseStates([]byte(data), m.display(p+".file", s.File))
			if err != nil {
				e := m.errorf(p+".file", "%v", err)
				e.Err = err
				errs = append(errs, e)
				continue
			}
			s.States, s.statesFromFile = states, true
		}
	}
	c.Serve.Webhooks.readFiles(secret)
	return errs
}

// parseStates reads a static source's file: a mapping of PR number to state.
func parseStates(data []byte, name string) (map[string]string, error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, yamlError(err, name, nil)
	}
	states := map[string]string{}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return states, nil
	}
	if len(f.Docs) > 1 {
		return nil, &Error{File: name, Msg: "want one YAML document"}
	}
	root := f.Docs[0].Body
	if err := yaml.NewDecoder(bytes.NewReader(nil), yaml.Strict()).DecodeFromNode(root, &states); err != nil {
		return nil, yamlError(err, name, root)
	}
	return states, nil
}

func resolve(dir, name string) string {
	if filepath.IsAbs(name) || dir == "" {
		return name
	}
	return filepath.Join(dir, name)
}

// cause strips the path from a file error: the path may have come from the
// environment.
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
