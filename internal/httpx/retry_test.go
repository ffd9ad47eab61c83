package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var clock = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func TestRetryDecisions(t *testing.T) {
	timeoutErr := &net.OpError{Op: "read", Net: "tcp", Err: &timeoutError{}}
	tests := []struct {
		name       string
		method     string
		script     []outcome
		wantStatus int // status returned to the caller; 0 = an error
		wantWaits  []time.Duration
	}{
		{"200 once", "GET", []outcome{{status: 200}}, 200, nil},
		{"404 is an answer", "GET", []outcome{{status: 404}}, 404, nil},
		{"429 then 200", "GET", []outcome{{status: 429}, {status: 200}}, 200, []time.Duration{500 * time.Millisecond}},
		{"502 then 200", "GET", []outcome{{status: 502}, {status: 200}}, 200, []time.Duration{500 * time.Millisecond}},
		{"503 then 200", "GET", []outcome{{status: 503}, {status: 200}}, 200, []time.Duration{500 * time.Millisecond}},
		{"504 then 200", "GET", []outcome{{status: 504}, {status: 200}}, 200, []time.Duration{500 * time.Millisecond}},
		{"500 GET retried", "GET", []outcome{{status: 500}, {status: 200}}, 200, []time.Duration{500 * time.Millisecond}},
		{"500 DELETE retried", "DELETE", []outcome{{status: 500}, {status: 200}}, 200, []time.Duration{500 * time.Millisecond}},
		{"500 POST not retried", "POST", []outcome{{status: 500}, {status: 200}}, 500, nil},
		{"503 POST retried", "POST", []outcome{{status: 503}, {status: 200}}, 200, []time.Duration{500 * time.Millisecond}},
		{"400 not retried", "GET", []outcome{{status: 400}, {status: 200}}, 400, nil},
		{"501 not retried", "GET", []outcome{{status: 501}, {status: 200}}, 501, nil},
		{"exhausted returns last response", "GET", []outcome{{status: 503}}, 503,
			[]time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}},
		{"reset GET retried", "GET", []outcome{{err: syscall.ECONNRESET}, {status: 200}}, 200, []time.Duration{500 * time.Millisecond}},
		{"EOF GET retried", "GET", []outcome{{err: io.EOF}, {status: 200}}, 200, []time.Duration{500 * time.Millisecond}},
		{"unexpected EOF retried", "GET", []outcome{{err: io.ErrUnexpectedEOF}, {status: 200}}, 200, []time.Duration{500 * time.Millisecond}},
		{"net timeout retried", "GET", []outcome{{err: timeoutErr}, {status: 200}}, 200, []time.Duration{500 * time.Millisecond}},
		{"attempt deadline retried", "GET", []outcome{{err: fmt.Errorf("timing out: %w", context.DeadlineExceeded)}, {status: 200}}, 200, []time.Duration{500 * time.Millisecond}},
		{"reset POST not retried", "POST", []outcome{{err: syscall.ECONNRESET}, {status: 200}}, 0, nil},
		{"refused POST retried", "POST", []outcome{{err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}, {status: 200}}, 200, []time.Duration{500 * time.Millisecond}},
		{"other error not retried", "GET", []outcome{{err: errors.New("x509: certificate signed by unknown authority")}, {status: 200}}, 0, nil},
		{"exhausted returns last error", "GET", []outcome{{err: io.EOF}}, 0,
			[]time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := &fakeTransport{script: tt.script}
			sr := &sleepRecorder{}
			rt := NewRetry(ft, WithSleep(sr.sleep), WithRand(maxRand), WithClock(func() time.Time { return clock }))
			req, _ := http.NewRequest(tt.method, "https://example.test/x", nil)
			resp, err := rt.RoundTrip(req)
			got := 0
			if err == nil {
				got = resp.StatusCode
				resp.Body.Close()
			}
			if got != tt.wantStatus {
				t.Errorf("status = %d (err %v), want %d", got, err, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.wantWaits, sr.waits); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if want := len(tt.wantWaits) + 1; ft.attempts() != want {
				t.Errorf("attempts = %d, want %d", ft.attempts(), want)
			}
		})
	}
}

type timeoutError struct{}

func (*timeoutError) Error() string   { return "i/o timeout" }
func (*timeoutError) Timeout() bool   { return true }
func (*timeoutError) Temporary() bool { return true }

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter string
		cap        time.Duration
		wantWaits  []time.Duration
		wantStatus int
	}{
		{"429 delta-seconds", 429, "7", 0, []time.Duration{7 * time.Second}, 200},
		{"503 delta-seconds", 503, "3", 0, []time.Duration{3 * time.Second}, 200},
		{"429 HTTP-date", 429, clock.Add(90 * time.Second).Format(http.TimeFormat), 0, []time.Duration{90 * time.Second}, 200},
		{"429 date in the past", 429, clock.Add(-time.Hour).Format(http.TimeFormat), 0, []time.Duration{0}, 200},
		{"429 zero", 429, "0", 0, []time.Duration{0}, 200},
		{"429 malformed falls back to back-off", 429, "soon", 0, []time.Duration{500 * time.Millisecond}, 200},
		{"429 negative falls back to back-off", 429, "-5", 0, []time.Duration{500 * time.Millisecond}, 200},
		{"502 ignores Retry-After", 502, "60", 0, []time.Duration{500 * time.Millisecond}, 200},
		{"at the default cap", 429, "120", 0, []time.Duration{2 * time.Minute}, 200},
		{"over the default cap gives up", 429, "121", 0, nil, 429},
		{"over the default cap by date", 503, clock.Add(time.Hour).Format(http.TimeFormat), 0, nil, 503},
		{"over a custom cap", 429, "11", 10 * time.Second, nil, 429},
		{"huge value", 429, "99999999999999999", 0, nil, 429},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := &fakeTransport{script: []outcome{{status: tt.status, header: hdr("Retry-After", tt.retryAfter)}, {status: 200}}}
			sr := &sleepRecorder{}
			rt := NewRetry(ft, WithSleep(sr.sleep), WithRand(maxRand), WithMaxRetryAfter(tt.cap),
				WithClock(func() time.Time { return clock }))
			req, _ := http.NewRequest("GET", "https://example.test/x", nil)
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatalf("RoundTrip: %v", err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.wantWaits, sr.waits); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if tt.wantStatus != 200 {
				if got := resp.Header.Get("Retry-After"); got != tt.retryAfter {
					t.Errorf("returned response lost its Retry-After: %q", got)
				}
				if b, _ := io.ReadAll(resp.Body); len(b) == 0 {
					t.Error("the response given up on must come back unread")
				}
			}
		})
	}
}

func TestRetryJitterBounds(t *testing.T) {
	// The ceiling doubles from base and stops at max; randN is asked for
	// [0, ceiling] and its answer is the wait.
	tests := []struct {
		name      string
		opts      []RetryOption
		pick      func(n int64) int64
		wantAsked []int64
		wantWaits []time.Duration
	}{
		{"defaults, top of range", nil, maxRand,
			[]int64{int64(500*time.Millisecond) + 1, int64(time.Second) + 1, int64(2*time.Second) + 1, int64(4*time.Second) + 1},
			[]time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}},
		{"defaults, bottom of range", nil, func(int64) int64 { return 0 },
			[]int64{int64(500*time.Millisecond) + 1, int64(time.Second) + 1, int64(2*time.Second) + 1, int64(4*time.Second) + 1},
			[]time.Duration{0, 0, 0, 0}},
		{"capped at max", []RetryOption{WithAttempts(6), WithBackoff(time.Second, 3*time.Second)}, maxRand,
			[]int64{int64(time.Second) + 1, int64(2*time.Second) + 1, int64(3*time.Second) + 1, int64(3*time.Second) + 1, int64(3*time.Second) + 1},
			[]time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second, 3 * time.Second}},
		{"one attempt", []RetryOption{WithAttempts(1)}, maxRand, nil, nil},
		{"invalid options keep defaults", []RetryOption{WithAttempts(0), WithBackoff(-1, 0), WithSleep(nil), WithRand(nil)}, maxRand,
			[]int64{int64(500*time.Millisecond) + 1, int64(time.Second) + 1, int64(2*time.Second) + 1, int64(4*time.Second) + 1},
			[]time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asked []int64
			sr := &sleepRecorder{}
			randN := func(n int64) int64 {
				asked = append(asked, n)
				v := tt.pick(n)
				if v < 0 || v >= n {
					t.Fatalf("test picker out of range")
				}
				return v
			}
			opts := append([]RetryOption{WithSleep(sr.sleep), WithRand(randN)}, tt.opts...)
			rt := NewRetry(&fakeTransport{script: []outcome{{status: 503}}}, opts...)
			req, _ := http.NewRequest("GET", "https://example.test/x", nil)
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if diff := cmp.Diff(tt.wantAsked, asked); diff != "" {
				t.Errorf("randN asked (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantWaits, sr.waits); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRetryStopsWhenContextDone(t *testing.T) {
	t.Run("cancelled mid-wait", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		ft := &fakeTransport{script: []outcome{{status: 503}, {status: 200}}}
		sleep := func(ctx context.Context, d time.Duration) error {
			cancel() // the caller gives up while we wait
			return SleepContext(ctx, time.Hour)
		}
		rt := NewRetry(ft, WithSleep(sleep))
		req, _ := http.NewRequestWithContext(ctx, "GET", "https://example.test/x?token=s3cret", nil)
		resp, err := rt.RoundTrip(req)
		if resp != nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("got (%v, %v), want context.Canceled", resp, err)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error leaks the query: %v", err)
		}
		if ft.attempts() != 1 {
			t.Errorf("attempts = %d, want 1", ft.attempts())
		}
		if !ft.resps[0].closed || !ft.resps[0].drained() {
			t.Error("the discarded 503 was not drained and closed")
		}
	})
	t.Run("cancelled during an attempt", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		ft := &fakeTransport{script: []outcome{{err: context.Canceled}, {status: 200}}, onSend: func(int, *http.Request) { cancel() }}
		sr := &sleepRecorder{}
		rt := NewRetry(ft, WithSleep(sr.sleep))
		req, _ := http.NewRequestWithContext(ctx, "GET", "https://example.test/x", nil)
		if _, err := rt.RoundTrip(req); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if ft.attempts() != 1 || len(sr.waits) != 0 {
			t.Errorf("attempts = %d, waits = %v; want 1 attempt, no wait", ft.attempts(), sr.waits)
		}
	})
	t.Run("deadline passed during an attempt", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		ft := &fakeTransport{script: []outcome{{status: 503}, {status: 200}}, onSend: func(int, *http.Request) { cancel() }}
		rt := NewRetry(ft, WithSleep((&sleepRecorder{}).sleep))
		req, _ := http.NewRequestWithContext(ctx, "GET", "https://example.test/x", nil)
		resp, err := rt.RoundTrip(req)
		if err != nil || resp.StatusCode != 503 {
			t.Fatalf("got (%v, %v), want the 503 as is", resp, err)
		}
		resp.Body.Close()
	})
}

func TestSleepContext(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		d    time.Duration
		want error
	}{
		{"zero wait", context.Background(), 0, nil},
		{"negative wait", context.Background(), -time.Second, nil},
		{"tiny wait", context.Background(), time.Nanosecond, nil},
		{"cancelled before a long wait", cancelled, time.Hour, context.Canceled},
		{"cancelled before a zero wait", cancelled, 0, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := SleepContext(tt.ctx, tt.d); !errors.Is(err, tt.want) {
				t.Errorf("SleepContext = %v, want %v", err, tt.want)
			}
		})
	}
}

// A blob upload's POST or PATCH is retried after a 500 or a reset, as a PUT is;
// another POST is not.
func TestBlobPostRetried(t *testing.T) {
	for _, tt := range []struct {
		method, url string
		first       outcome
		want        int
	}{
		{"POST", "https://r.test/v2/team/app/blobs/uploads/", outcome{status: 500}, 2},
		{"POST", "https://r.test/v2/app/blobs/uploads/?mount=sha256:ab&from=other", outcome{err: syscall.ECONNRESET}, 2},
		{"PATCH", "https://r.test/v2/app/blobs/uploads/0f1e?_state=x", outcome{status: 500}, 2},
		{"POST", "https://r.test/oauth2/token", outcome{status: 500}, 1},
		{"POST", "https://dev.azure.com/contoso/_apis/git/blobs/uploads/", outcome{status: 500}, 1},
	} {
		ft := &fakeTransport{script: []outcome{tt.first, {status: 202}}}
		rt := NewRetry(ft, WithSleep((&sleepRecorder{}).sleep), WithRand(maxRand))
		req, _ := http.NewRequest(tt.method, tt.url, nil)
		if resp, err := rt.RoundTrip(req); err == nil {
			resp.Body.Close()
		}
		if ft.attempts() != tt.want {
			t.Errorf("%s %s after %+v: %d attempts, want %d", tt.method, tt.url, tt.first, ft.attempts(), tt.want)
		}
	}
}
