package bench

import (
	"runtime/metrics"
	"time"
)

// sampler reads the Go runtime's memory figures every few milliseconds and keeps
// the peaks: heap objects (live and not yet swept) and all memory the runtime
// mapped.
type sampler struct {
	done    chan struct{}
	peaks   chan [2]uint64
	onPeak  func()  // called when the heap passes 1.25 × where it last was called; nil: never
	lastRun float64 // heap objects when onPeak last ran
}

var sampled = []string{"/memory/classes/heap/objects:bytes", "/memory/classes/total:bytes"}

func startSampler(every time.Duration, onPeak func()) *sampler {
	s := &sampler{done: make(chan struct{}), peaks: make(chan [2]uint64, 1), onPeak: onPeak}
	go func() {
		samples := make([]metrics.Sample, len(sampled))
		for i, name := range sampled {
			samples[i].Name = name
		}
		var peak [2]uint64
		read := func() {
			metrics.Read(samples)
			for i, smp := range samples {
				if smp.Value.Kind() == metrics.KindUint64 {
					peak[i] = max(peak[i], smp.Value.Uint64())
				}
			}
			if heap := float64(samples[0].Value.Uint64()); s.onPeak != nil && heap > 1.25*s.lastRun && heap > 8<<20 {
				s.lastRun = heap
				s.onPeak()
			}
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			read()
			select {
			case <-s.done:
				read()
				s.peaks <- peak
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// stop ends the sampling and returns the peaks: heap objects, runtime total.
func (s *sampler) stop() (heap, total uint64) {
	close(s.done)
	p := <-s.peaks
	return p[0], p[1]
}
