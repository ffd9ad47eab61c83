package deploy

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// historyPath is where the chart mounts serve's history volume, and what it sets the
// config's serve.history to.
const historyPath = "/var/lib/prsweep/history"

// historyVolume returns the pod's volume named history and its mount path, or nils.
func historyVolume(t *testing.T, pod corev1.PodSpec) (*corev1.Volume, string) {
	t.Helper()
	var mount string
	for _, m := range container(t, pod).VolumeMounts {
		if m.Name == "history" {
			mount = m.MountPath
		}
	}
	for i := range pod.Volumes {
		if pod.Volumes[i].Name == "history" {
			return &pod.Volumes[i], mount
		}
	}
	return nil, mount
}

// TestServeHistory: serve's pod, whose root is read-only, gets a writable volume for
// serve.history, and the config points there; a claim is made only when asked; the
// CronJob's pods get none.
func TestServeHistory(t *testing.T) {
	serve := func(t *testing.T, key string, v any) objects {
		t.Helper()
		vals := example(t, "serve.yaml")
		if key != "" {
			vals = set(vals, key, v)
		}
		return mustRender(t, vals)
	}
	servePod := func(o objects) corev1.PodSpec { return o.deployment.Spec.Template.Spec }

	t.Run("the example: a claim the chart creates", func(t *testing.T) {
		o := serve(t, "", nil)
		vol, mount := historyVolume(t, servePod(o))
		must(t, mount == historyPath, "history mounted at %q, want %s", mount, historyPath)
		if o.claim == nil || vol == nil || vol.PersistentVolumeClaim == nil {
			t.Fatalf("claim %s, volume %s", dump(o.claim), dump(vol))
		}
		must(t, vol.PersistentVolumeClaim.ClaimName == o.claim.Name && o.claim.Name == "prsweep-history", "the volume names claim %q, the chart made %q", vol.PersistentVolumeClaim.ClaimName, o.claim.Name)
		spec := o.claim.Spec
		must(t, spec.Resources.Requests.Storage().Cmp(resource.MustParse("1Gi")) == 0, "claim size %s", spec.Resources.Requests.Storage())
		must(t, len(spec.AccessModes) == 1 && spec.AccessModes[0] == corev1.ReadWriteOnce, "access modes %v", spec.AccessModes)
		must(t, spec.StorageClassName == nil, "storage class %v, want the cluster's default", spec.StorageClassName)
		must(t, renderedConfig(t, o)["serve"].(map[string]any)["history"] == historyPath, "config serve %v", renderedConfig(t, o)["serve"])
		must(t, strings.Contains(o.notes, "history: "+historyPath+" on claim prsweep-history"), "NOTES: %s", o.notes)
	})

	t.Run("by default an emptyDir", func(t *testing.T) {
		o := serve(t, "serve.history.persistence.enabled", false)
		vol, mount := historyVolume(t, servePod(o))
		must(t, o.claim == nil, "a claim without persistence: %s", dump(o.claim))
		must(t, vol != nil && vol.EmptyDir != nil && mount == historyPath, "history volume %s at %q", dump(vol), mount)
		must(t, strings.Contains(o.notes, "an emptyDir, lost with the pod"), "NOTES: %s", o.notes)
	})

	t.Run("an existing claim", func(t *testing.T) {
		o := serve(t, "serve.history.persistence.existingClaim", "mine")
		vol, _ := historyVolume(t, servePod(o))
		must(t, o.claim == nil, "a claim made though one is named: %s", dump(o.claim))
		must(t, vol != nil && vol.PersistentVolumeClaim != nil && vol.PersistentVolumeClaim.ClaimName == "mine", "history volume %s", dump(vol))
	})

	t.Run("storage classes", func(t *testing.T) {
		for class, want := range map[string]string{"fast": "fast", "-": ""} {
			o := serve(t, "serve.history.persistence.storageClassName", class)
			sc := o.claim.Spec.StorageClassName
			must(t, sc != nil && *sc == want, "storageClassName %q: %v, want %q", class, sc, want)
		}
	})

	t.Run("the config's own path under the volume", func(t *testing.T) {
		o := serve(t, "config.serve.history", historyPath+"/sweeps")
		got := renderedConfig(t, o)["serve"].(map[string]any)["history"]
		must(t, got == historyPath+"/sweeps", "serve.history %v: the config's own was replaced", got)
	})

	t.Run("disabled", func(t *testing.T) {
		vals := set(example(t, "serve.yaml"), "serve.history.enabled", false)
		o := mustRender(t, vals)
		vol, mount := historyVolume(t, servePod(o))
		must(t, vol == nil && mount == "" && o.claim == nil, "history volume %s at %q, claim %s", dump(vol), mount, dump(o.claim))
		checkConfigMap(t, o, configOf(t, vals))
	})

	t.Run("a config without a serve section", func(t *testing.T) {
		vals := example(t, "cronjob.yaml")
		vals = set(set(vals, "serve.enabled", true), "cronjob.enabled", false)
		o := mustRender(t, vals)
		want := configOf(t, vals)
		want["serve"] = map[string]any{"history": historyPath}
		checkConfigMap(t, o, want)
	})

	for _, tc := range []struct{ name, key, value, want string }{
		{"elsewhere", "config.serve.history", "/data/history", "config.serve.history is /data/history"},
		{"relative to the read-only config", "config.serve.history", "history", "config.serve.history is history"},
		{"a sibling of the volume", "config.serve.history", historyPath + "-old", "config.serve.history is " + historyPath + "-old"},
		{"persistence over the volume", "persistence.mountPath", historyPath, "persistence.mountPath"},
		{"a bad size", "serve.history.persistence.size", "lots", "size"},
	} {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			_, err := render(t, set(example(t, "serve.yaml"), tc.key, tc.value))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s = %s: error %v, want one saying %q", tc.key, tc.value, err, tc.want)
			}
		})
	}
}

// TestHistoryNotInCronJob: the CronJob's pods never get serve's history, and a sweep
// without serve makes no claim and leaves the config as it is.
func TestHistoryNotInCronJob(t *testing.T) {
	o := mustRender(t, set(example(t, "both.yaml"), "serve.history.persistence.enabled", true))
	job := o.cronJob.Spec.JobTemplate.Spec.Template.Spec
	vol, mount := historyVolume(t, job)
	must(t, vol == nil && mount == "", "the CronJob's pod has serve's history volume %s at %q", dump(vol), mount)
	vol, mount = historyVolume(t, o.deployment.Spec.Template.Spec)
	must(t, vol != nil && mount == historyPath, "serve's pod lacks its history volume")
	must(t, o.claim != nil, "no claim for serve's history")

	vals := set(example(t, "cronjob.yaml"), "serve.history.persistence.enabled", true)
	only := mustRender(t, vals)
	must(t, only.claim == nil, "a claim without serve: %s", dump(only.claim))
	checkConfigMap(t, only, configOf(t, vals))
}
