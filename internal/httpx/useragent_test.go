package httpx

import (
	"net/http"
	"testing"
)

type headerTransport struct{ got http.Header }

func (h *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	h.got = req.Header.Clone()
	return &http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}}, nil
}

func TestUserAgent(t *testing.T) {
	tests := []struct {
		name, layer, set, want string
	}{
		{"sets when absent", "prsweep/1.0", "", "prsweep/1.0"},
		{"keeps the caller's", "prsweep/1.0", "custom/2", "custom/2"},
		{"empty layer is a no-op", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ht := &headerTransport{}
			req, _ := http.NewRequest("GET", "https://example.test/", nil)
			if tt.set != "" {
				req.Header.Set("User-Agent", tt.set)
			}
			resp, err := NewUserAgent(ht, tt.layer).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := ht.got.Get("User-Agent"); got != tt.want {
				t.Errorf("User-Agent = %q, want %q", got, tt.want)
			}
			if tt.set == "" && req.Header.Get("User-Agent") != "" {
				t.Error("the caller's request was modified")
			}
		})
	}
}
