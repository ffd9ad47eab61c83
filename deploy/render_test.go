package deploy

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

const chartDir = "helm/prsweep"

// objects is one render, decoded: each kind at most once (the chart makes one of each).
type objects struct {
	notes          string
	configMap      *corev1.ConfigMap
	serviceAccount *corev1.ServiceAccount
	cronJob        *batchv1.CronJob
	deployment     *appsv1.Deployment
	service        *corev1.Service
	serviceMonitor *serviceMonitor
	claim          *corev1.PersistentVolumeClaim
}

// serviceMonitor is the part of the Prometheus Operator's type the chart writes; the
// strict decoding refuses any field outside it.
type serviceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Selector  metav1.LabelSelector `json:"selector"`
		Endpoints []struct {
			Port          string `json:"port"`
			Path          string `json:"path"`
			Interval      string `json:"interval"`
			ScrapeTimeout string `json:"scrapeTimeout"`
		} `json:"endpoints"`
	} `json:"spec"`
}

func loadChart(t *testing.T) *chart.Chart {
	t.Helper()
	c, err := loader.Load(chartDir)
	if err != nil {
		t.Fatalf("loading the chart: %v", err)
	}
	return c
}

// render renders the chart as `helm install prsweep -n tools -f values` would,
// schema validation included, and decodes what it makes.
func render(t *testing.T, vals map[string]any) (objects, error) {
	t.Helper()
	c := loadChart(t)
	top, err := util.ToRenderValuesWithSchemaValidation(c, vals, common.ReleaseOptions{Name: "prsweep", Namespace: "tools", IsInstall: true, Revision: 1}, nil, false)
	if err != nil {
		return objects{}, err
	}
	files, err := engine.Engine{Strict: true}.RenderWithContext(t.Context(), c, top)
	if err != nil {
		return objects{}, err
	}
	return decode(t, files), nil
}

func mustRender(t *testing.T, vals map[string]any) objects {
	t.Helper()
	o, err := render(t, vals)
	if err != nil {
		t.Fatalf("rendering: %v", err)
	}
	return o
}

func decode(t *testing.T, files map[string]string) objects {
	t.Helper()
	var o objects
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		if strings.HasSuffix(name, "NOTES.txt") {
			o.notes = files[name]
			continue
		}
		for _, doc := range strings.Split(files[name], "\n---") {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
				t.Fatalf("%s: %v\n%s", name, err, doc)
			}
			var target any
			switch tm.APIVersion + " " + tm.Kind {
			case "v1 ConfigMap":
				o.configMap = &corev1.ConfigMap{}
				target = o.configMap
			case "v1 ServiceAccount":
				o.serviceAccount = &corev1.ServiceAccount{}
				target = o.serviceAccount
			case "batch/v1 CronJob":
				o.cronJob = &batchv1.CronJob{}
				target = o.cronJob
			case "apps/v1 Deployment":
				o.deployment = &appsv1.Deployment{}
				target = o.deployment
			case "v1 Service":
				o.service = &corev1.Service{}
				target = o.service
			case "v1 PersistentVolumeClaim":
				o.claim = &corev1.PersistentVolumeClaim{}
				target = o.claim
			case "monitoring.coreos.com/v1 ServiceMonitor":
				o.serviceMonitor = &serviceMonitor{}
				target = o.serviceMonitor
			default:
				t.Fatalf("%s: an object the test does not know: %s %s", name, tm.APIVersion, tm.Kind)
			}
			if err := yaml.UnmarshalStrict([]byte(doc), target); err != nil {
				t.Fatalf("%s: decoding strictly: %v\n%s", name, err, doc)
			}
		}
	}
	return o
}

func example(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(chartDir, "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	var vals map[string]any
	if err := yaml.UnmarshalStrict(data, &vals); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return vals
}

// set sets a dotted key in values, making the maps on the way.
func set(vals map[string]any, key string, v any) map[string]any {
	m := vals
	parts := strings.Split(key, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = v
	return vals
}

func must(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Errorf(format, args...)
	}
}

func dump(v any) string {
	b, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(bytes.TrimSpace(b))
}
