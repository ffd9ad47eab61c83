package httpx

import (
	"net/url"
	"testing"
)

func TestRedactURL(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"https://example.test/v2/x", "https://example.test/v2/x"},
		{"https://user:pass@example.test/p", "https://example.test/p"},
		{"https://example.test/p?n=100&last=abc", "https://example.test/p?n=100&last=abc"},
		{"https://example.test/p?token=t1&n=1", "https://example.test/p?token=***&n=1"},
		{"https://example.test/p?access_token=t1", "https://example.test/p?access_token=***"},
		{"https://acct.blob.core.windows.net/c/b?sv=2021&se=2025&sig=abc%2Bdef", "https://acct.blob.core.windows.net/c/b?sv=2021&se=2025&sig=***"},
		{"https://s3.test/o?X-Amz-Credential=AK&X-Amz-Signature=ff&X-Amz-Date=1", "https://s3.test/o?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Date=1"},
		{"https://example.test/p?password=x&Password=y&client_secret=z", "https://example.test/p?password=***&Password=***&client_secret=***"},
		{"https://example.test/p?key=k&api-key=k&apiKey=k", "https://example.test/p?key=***&api-key=***&apiKey=***"},
		{"https://example.test/p?refresh%5Ftoken=r", "https://example.test/p?refresh%5Ftoken=***"},
		{"https://example.test/p?code=c&state=s", "https://example.test/p?code=***&state=s"},
		{"https://example.test/p?token", "https://example.test/p?token"},
		{"https://example.test/p#access_token=frag", "https://example.test/p"},
		{"http://127.0.0.1:5000/v2/_catalog?n=2", "http://127.0.0.1:5000/v2/_catalog?n=2"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := url.Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			orig := *u
			if got := RedactURL(u); got != tt.want {
				t.Errorf("RedactURL = %q, want %q", got, tt.want)
			}
			if *u != orig {
				t.Error("RedactURL modified its argument")
			}
		})
	}
	if got := RedactURL(nil); got != "" {
		t.Errorf("RedactURL(nil) = %q", got)
	}
}
