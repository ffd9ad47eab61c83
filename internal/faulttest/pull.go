package faulttest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// manifestJSON is what Pull reads of a manifest: an index's children, an image's
// config and layers.
type manifestJSON struct {
	Manifests []descriptor `json:"manifests"`
	Config    *descriptor  `json:"config"`
	Layers    []descriptor `json:"layers"`
}

type descriptor struct {
	Digest string `json:"digest"`
}

// Pull fetches repo:tag completely, directly and without faults, as a docker
// pull would: the manifest (which must be want), every child of an index, and
// each image's config and layers, checking every digest.
func (w *World) Pull(ctx context.Context, repo, tag, want string) error {
	ref := repo + ":" + tag
	broken, err := w.PullAll(ctx, map[string]string{ref: want})
	if err != nil {
		return err
	}
	if why, ok := broken[ref]; ok {
		return fmt.Errorf("pulling %s: %s", ref, why)
	}
	return nil
}

// PullAll pulls every tag of refs ("repo:tag" → the digest it must have) and
// returns why each tag that does not pull does not; the error is a failed
// request. Manifests are fetched every time; a blob only until it has been
// fetched and checked once on this world: deleting manifests never removes a
// blob, so only a blob DELETE (ForgetBlobs) can break one afterwards.
func (w *World) PullAll(ctx context.Context, refs map[string]string) (map[string]string, error) {
	broken := map[string]string{}
	for _, ref := range slices.Sorted(maps.Keys(refs)) {
		repo, tag, _ := strings.Cut(ref, ":")
		p := &puller{w: w, repo: repo}
		err := p.manifest(ctx, tag, refs[ref], 0)
		var bad badContent
		switch {
		case errors.As(err, &bad):
			broken[ref] = err.Error()
		case err != nil:
			return nil, fmt.Errorf("pulling %s: %w", ref, err)
		}
	}
	return broken, nil
}

// ForgetBlobs makes the next pulls fetch every blob again.
func (w *World) ForgetBlobs() { clear(w.blobs) }

// badContent is a registry's answer that a pull cannot use: not there, or not
// what was asked for.
type badContent struct{ msg string }

func (e badContent) Error() string { return e.msg }

type puller struct {
	w    *World
	repo string
}

func (p *puller) manifest(ctx context.Context, ref, want string, depth int) error {
	body, err := p.get(ctx, "manifests", ref, want)
	if err != nil {
		return err
	}
	var m manifestJSON
	if err := json.Unmarshal(body, &m); err != nil {
		return badContent{fmt.Sprintf("manifest %s: %v", want, err)}
	}
	if depth > 2 {
		return badContent{fmt.Sprintf("manifest %s: indexes nested too deep", want)}
	}
	for _, c := range m.Manifests {
		if err := p.manifest(ctx, c.Digest, c.Digest, depth+1); err != nil {
			return fmt.Errorf("child of %s: %w", want, err)
		}
	}
	if len(m.Manifests) > 0 {
		return nil
	}
	if m.Config == nil {
		return badContent{fmt.Sprintf("manifest %s has neither children nor a config", want)}
	}
	for _, b := range append([]descriptor{*m.Config}, m.Layers...) {
		key := p.repo + "@" + b.Digest
		if p.w.blobs[key] {
			continue
		}
		if _, err := p.get(ctx, "blobs", b.Digest, b.Digest); err != nil {
			return fmt.Errorf("blob of %s: %w", want, err)
		}
		p.w.blobs[key] = true
	}
	return nil
}

// get fetches /v2/<repo>/<kind>/<ref> and checks that its content is want.
func (p *puller) get(ctx context.Context, kind, ref, want string) ([]byte, error) {
	resp, err := p.w.send(ctx, http.MethodGet, "/v2/"+p.repo+"/"+kind+"/"+ref, nil, "")
	if err != nil {
		return nil, err
	}
	if err := resp.ok(); err != nil {
		return nil, badContent{err.Error()}
	}
	sum := sha256.Sum256(resp.body)
	if got := "sha256:" + hex.EncodeToString(sum[:]); got != want {
		return nil, badContent{fmt.Sprintf("GET %s: content is %s, want %s", resp.path, got, want)}
	}
	return resp.body, nil
}
