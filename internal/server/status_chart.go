package server

import (
	"fmt"
	"strings"
)

// chart is the status page's SVG chart, laid out here so that the template only
// prints numbers: a bar per sweep for the tags deleted (left axis), a line for
// the bytes freed (right axis), oldest sweep on the left.
type chart struct {
	Width, Height          int
	Left, Right, Top, Base float64 // the plot area's edges, in SVG units
	Bars                   []bar
	Bytes                  string // the path of the bytes line; "" when no sweep's size is known
	Points                 []point
	TagTicks, ByteTicks    []tick
	From, To               string // the first and last sweep's times, under the axis
}

type bar struct {
	X, Y, W, H float64
	Title      string
	DryRun     bool
}

type point struct {
	X, Y  float64
	Title string
}

type tick struct {
	Y     float64
	Label string
}

const (
	chartWidth, chartHeight = 760, 240
	chartLeft, chartRight   = 56.0, 704.0
	chartTop, chartBase     = 16.0, 200.0
)

// newChart lays out recs, oldest first; nil when there is none.
func newChart(recs []Record) *chart {
	if len(recs) == 0 {
		return nil
	}
	c := &chart{Width: chartWidth, Height: chartHeight, Left: chartLeft, Right: chartRight, Top: chartTop, Base: chartBase,
		From: recs[0].Started.UTC().Format("2006-01-02 15:04"), To: recs[len(recs)-1].Started.UTC().Format("2006-01-02 15:04")}
	maxTags, maxBytes := 1, int64(0)
	for _, r := range recs {
		maxTags = max(maxTags, r.Deleted)
		maxBytes = max(maxBytes, r.Bytes)
	}
	maxTags = roundUp(maxTags)
	slot := (chartRight - chartLeft) / float64(len(recs))
	height := chartBase - chartTop
	var path []string // M and L commands
	pen := false      // the line is drawing: a sweep of unknown size lifts it
	for i, r := range recs {
		x := chartLeft + float64(i)*slot
		h := height * float64(r.Deleted) / float64(maxTags)
		verb := "deleted"
		if r.DryRun {
			verb = "would be deleted"
		}
		c.Bars = append(c.Bars, bar{X: x + slot*0.15, Y: chartBase - h, W: slot * 0.7, H: h, DryRun: r.DryRun,
			Title: fmt.Sprintf("sweep %d, %s: %d tags %s", r.ID, r.Started.UTC().Format("2006-01-02 15:04 UTC"), r.Deleted, verb)})
		if maxBytes == 0 || !bytesKnown(r) {
			pen = false
			continue
		}
		px, py := x+slot/2, chartBase-height*float64(r.Bytes)/float64(maxBytes)
		cmd := "L"
		if !pen {
			cmd = "M"
		}
		path = append(path, fmt.Sprintf("%s %.1f %.1f", cmd, px, py))
		pen = true
		c.Points = append(c.Points, point{X: px, Y: py, Title: fmt.Sprintf("sweep %d: %s freed", r.ID, bytesText(r.Bytes))})
	}
	c.Bytes = strings.Join(path, " ")
	for _, f := range []float64{0, 0.5, 1} {
		y := chartBase - height*f
		if f != 0.5 || maxTags%2 == 0 { // no half tags on the axis
			c.TagTicks = append(c.TagTicks, tick{Y: y, Label: fmt.Sprint(int(float64(maxTags) * f))})
		}
		if maxBytes > 0 {
			c.ByteTicks = append(c.ByteTicks, tick{Y: y, Label: bytesText(int64(float64(maxBytes) * f))})
		}
	}
	return c
}

// bytesKnown reports whether r's bytes freed are known: the registry gave sizes,
// or nothing was removed.
func bytesKnown(r Record) bool { return r.Bytes > 0 || r.Deleted == 0 && r.Manifests == 0 }

// roundUp rounds n up to 1, 2 or 5 times a power of ten, for the axis.
func roundUp(n int) int {
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if m*p >= n {
				return m * p
			}
		}
	}
}

// bytesText writes a size as registries' consoles do: 1.5 MB.
func bytesText(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
