package acr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/prsweep/prsweep/internal/registry"
)

// deleteAction is the Azure RBAC data action that deleting needs; validate names it.
const deleteAction = "Microsoft.ContainerRegistry/registries/repositories/content/delete"

// mapError turns an SDK error into one of ours: registry's sentinels for the
// statuses that mean something to a sweep, the SDK's text otherwise. No SDK type
// stays in the chain.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var ce *credentialError
	if errors.As(err, &ce) {
		if ce.ctxErr != nil {
			return fmt.Errorf("%s: %w", ce.Error(), ce.ctxErr)
		}
		return fmt.Errorf("%w: %s", registry.ErrUnauthorized, ce.Error())
	}
	var te *tokenError
	if errors.As(err, &te) {
		return te
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return statusError(re.StatusCode, re.RawResponse)
	}
	for _, ctxErr := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, ctxErr) {
			return fmt.Errorf("%s: %w", compact(err.Error()), ctxErr)
		}
	}
	return errors.New(compact(err.Error()))
}

// statusError maps an HTTP answer the SDK did not accept.
func statusError(status int, resp *http.Response) error {
	detail := fmt.Sprintf("HTTP %d", status)
	if code, msg := acrError(resp); code != "" {
		detail += " " + code
		if msg != "" {
			detail += ": " + msg
		}
	}
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("%w (%s)", registry.ErrUnauthorized, detail)
	case http.StatusNotFound:
		return fmt.Errorf("%w (%s)", registry.ErrNotFound, detail)
	case http.StatusMethodNotAllowed, http.StatusConflict:
		// ACR answers 405 REGISTRY_DISALLOWED_OPERATION to a delete of something locked.
		return fmt.Errorf("%w (%s)", registry.ErrLocked, detail)
	case http.StatusTooManyRequests:
		return fmt.Errorf("throttled by the registry, still after the retries (%s)", detail)
	}
	return fmt.Errorf("unexpected answer from the registry (%s)", detail)
}

// acrError reads the first entry of ACR's error body,
// {"errors":[{"code":"…","message":"…"}]}; empty strings when there is none.
func acrError(resp *http.Response) (code, msg string) {
	if resp == nil || resp.Body == nil {
		return "", ""
	}
	body, err := runtime.Payload(resp)
	if err != nil {
		return "", ""
	}
	var e struct {
		Errors []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil || len(e.Errors) == 0 {
		return "", ""
	}
	return e.Errors[0].Code, compact(e.Errors[0].Message)
}

// compact folds an SDK message onto one line: no separator rules, single spaces,
// at most 400 characters.
func compact(s string) string {
	var parts []string
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.Trim(line, "-=") == "" {
			continue
		}
		parts = append(parts, strings.Join(strings.Fields(line), " "))
	}
	out := strings.Join(parts, " ")
	if len(out) > 400 {
		n := 400
		for n > 0 && !utf8.RuneStart(out[n]) {
			n--
		}
		out = out[:n] + "…"
	}
	return out
}
