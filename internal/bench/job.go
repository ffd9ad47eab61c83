package bench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/prsweep/prsweep/internal/cli"
)

// ChildArg is the first argument that makes prsweep-bench run one Job read from
// stdin and write its JobResult to stdout (see ChildMain): a sweep measured in a
// process of its own, apart from the registry's memory.
const ChildArg = "-bench-child"

// The algorithms a Job runs.
const (
	AlgoPrsweep  = "prsweep"  // prsweep run, in-process (cli.Main), as a user runs it
	AlgoOriginal = "original" // the original script's algorithm (original.go)
)

// Job is one sweep to run and measure.
type Job struct {
	Algorithm  string      `json:"algorithm"`
	DryRun     bool        `json:"dryRun"`
	PlanApply  bool        `json:"planApply"` // prsweep: `plan --out FILE`, then `apply FILE`
	LogLevel   string      `json:"logLevel"`
	ConfigFile string      `json:"configFile,omitempty"` // prsweep: the configuration file
	Output     string      `json:"output,omitempty"`     // prsweep: --output (default text)
	HeapFile   string      `json:"heapFile,omitempty"`   // a heap profile, written as the heap reaches new highs
	Original   OriginalJob `json:"original"`
}

// JobResult is what a Job measured of itself.
type JobResult struct {
	Wall      time.Duration `json:"wall"`
	PeakHeap  uint64        `json:"peakHeap"`  // live and unswept heap objects, sampled
	PeakTotal uint64        `json:"peakTotal"` // all memory the Go runtime mapped, sampled
	MaxRSS    int64         `json:"maxRSS"`    // the process's peak RSS (VmHWM on Linux, else getrusage)
	InProcess bool          `json:"inProcess"` // memory figures include the harness and registry
	Deleted   int           `json:"deleted"`
	Preserved int           `json:"preserved"`
	Failed    int           `json:"failed"`
	// FailedLines are the report's last lines under Failed: (text output), a
	// sample of why.
	FailedLines []string `json:"failedLines,omitempty"`
	Error       string   `json:"error,omitempty"`
}

// runJob runs j in this process; logs go to logw.
func runJob(ctx context.Context, j Job, logw io.Writer) JobResult {
	runtime.GC()
	s := startSampler(10*time.Millisecond, heapProfiler(j.HeapFile, logw))
	start := time.Now()
	var res JobResult
	var err error
	switch j.Algorithm {
	case AlgoPrsweep:
		res, err = runPrsweep(ctx, j, logw)
	case AlgoOriginal:
		res, err = runOriginal(ctx, j.Original)
	default:
		err = fmt.Errorf("unknown algorithm %q", j.Algorithm)
	}
	res.Wall = time.Since(start)
	res.PeakHeap, res.PeakTotal = s.stop()
	res.MaxRSS = maxRSS()
	if err != nil {
		res.Error = err.Error()
	}
	return res
}

// runPrsweep runs `prsweep run` (or plan, then apply) in this process and reads
// its closing count line ("2 deleted, 2 preserved, 0 failed") from the report's tail.
func runPrsweep(ctx context.Context, j Job, logw io.Writer) (JobResult, error) {
	flags := []string{"--config", j.ConfigFile, "--output", cmp.Or(j.Output, "text"), "--log-level", cmp.Or(j.LogLevel, "warn")}
	args := append([]string{"run"}, flags...)
	if j.DryRun {
		args = append(args, "--dry-run")
	}
	if j.PlanApply {
		file := j.ConfigFile + ".plan.json"
		if code := cli.Main(ctx, append([]string{"plan", "--out", file}, flags...), &tail{}, logw); code != cli.ExitOK && code != cli.ExitFailed {
			return JobResult{}, fmt.Errorf("prsweep plan exited %d", code)
		}
		if fi, err := os.Stat(file); err == nil {
			fmt.Fprintf(logw, "prsweep-bench: the plan file is %.1f MB\n", float64(fi.Size())/1e6)
		}
		defer os.Remove(file)
		args = append([]string{"apply", file}, flags...)
	}
	out := &tail{}
	code := cli.Main(ctx, args, out, logw)
	res := JobResult{Deleted: -1, Preserved: -1, Failed: -1}
	if m := countLine.FindStringSubmatch(out.String()); m != nil {
		res.Deleted, _ = strconv.Atoi(m[1])
		res.Preserved, _ = strconv.Atoi(m[2])
		res.Failed, _ = strconv.Atoi(m[3])
	} else if m := jsonSummary.FindStringSubmatch(out.String()); m != nil {
		res.Deleted, _ = strconv.Atoi(m[1])
		res.Preserved, _ = strconv.Atoi(m[2])
		res.Failed, _ = strconv.Atoi(m[3])
	}
	res.FailedLines = failedLines(out.String())
	if code != cli.ExitOK && code != cli.ExitFailed {
		return res, fmt.Errorf("prsweep %s exited %d", args[0], code)
	}
	return res, nil
}

// The report's count: the text's closing line, or the JSON document's summary.
var (
	countLine   = regexp.MustCompile(`(?m)^(\d+) (?:deleted|would be deleted), (\d+) preserved, (\d+) failed`)
	jsonSummary = regexp.MustCompile(`"summary":\s*\{"deleted":\s*(\d+),\s*"preserved":\s*(\d+),\s*"failed":\s*(\d+)`)
)

// failedLines returns the last few lines of the text report's Failed section
// found in its tail.
func failedLines(tail string) []string {
	_, failed, ok := strings.Cut(tail, "\nFailed:\n")
	if !ok {
		return nil
	}
	var out []string
	for _, l := range strings.Split(failed, "\n") {
		if !strings.HasPrefix(l, "  ") {
			break
		}
		out = append(out, strings.TrimSpace(l))
	}
	return out[max(0, len(out)-5):]
}

// tail keeps the last 16 KiB written to it: the end of a report, which may be
// hundreds of megabytes long.
type tail struct{ buf []byte }

func (t *tail) Write(p []byte) (int, error) {
	const keep = 16 << 10
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*keep {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-keep:]...)
	}
	return len(p), nil
}

func (t *tail) String() string { return string(t.buf) }

// heapProfiler returns what writes a heap profile to path (nil when path is
// empty): the last one written is of the heap near its peak.
func heapProfiler(path string, logw io.Writer) func() {
	if path == "" {
		return nil
	}
	return func() {
		f, err := os.Create(path)
		if err == nil {
			err = errors.Join(pprof.WriteHeapProfile(f), f.Close())
		}
		if err != nil {
			fmt.Fprintf(logw, "prsweep-bench: writing the heap profile: %v\n", err)
		}
	}
}

// Runner runs a Job: in this process (RunInProcess) or in a child (RunChild).
type Runner func(ctx context.Context, j Job, logw io.Writer) (JobResult, error)

// RunInProcess runs the job in this process: its memory figures include the
// harness and, for v3 and the memory registry, the registry.
func RunInProcess(ctx context.Context, j Job, logw io.Writer) (JobResult, error) {
	r := runJob(ctx, j, logw)
	r.InProcess = true
	return r, nil
}

// RunChild returns a Runner that runs each job in a new process of the
// executable self (which must call ChildMain when given ChildArg).
func RunChild(self string) Runner {
	return func(ctx context.Context, j Job, logw io.Writer) (JobResult, error) {
		in, err := json.Marshal(j)
		if err != nil {
			return JobResult{}, err
		}
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, self, ChildArg)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(in), &out, logw
		if err := cmd.Run(); err != nil {
			return JobResult{}, fmt.Errorf("running the %s sweep in a child process: %w", j.Algorithm, err)
		}
		var r JobResult
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			return JobResult{}, fmt.Errorf("reading the child's result: %w (%q)", err, strings.TrimSpace(out.String()))
		}
		return r, nil
	}
}

// ChildMain runs the Job on stdin and writes its JobResult to stdout; logs go to
// stderr. It returns the exit code.
func ChildMain(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) int {
	var j Job
	if err := json.NewDecoder(stdin).Decode(&j); err != nil {
		fmt.Fprintf(stderr, "prsweep-bench child: reading the job: %v\n", err)
		return 2
	}
	if err := json.NewEncoder(stdout).Encode(runJob(ctx, j, stderr)); err != nil {
		fmt.Fprintf(stderr, "prsweep-bench child: %v\n", err)
		return 1
	}
	return 0
}

// Self returns this executable's path, for RunChild.
func Self() (string, error) { return os.Executable() }
