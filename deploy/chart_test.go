package deploy

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

const configPath = "/etc/prsweep/config.yaml"

func TestCronJobOnly(t *testing.T) {
	vals := example(t, "cronjob.yaml")
	o := mustRender(t, vals)
	must(t, o.deployment == nil && o.service == nil && o.serviceMonitor == nil, "serve objects rendered with serve disabled")
	if o.cronJob == nil {
		t.Fatal("no CronJob")
	}
	cj := o.cronJob.Spec
	must(t, cj.Schedule == "0 23 * * *", "schedule %q", cj.Schedule)
	must(t, cj.TimeZone != nil && *cj.TimeZone == "Europe/Paris", "timeZone %v", cj.TimeZone)
	must(t, cj.ConcurrencyPolicy == "Forbid", "concurrencyPolicy %q", cj.ConcurrencyPolicy)
	must(t, *cj.SuccessfulJobsHistoryLimit == 3 && *cj.FailedJobsHistoryLimit == 3, "history limits %d/%d", *cj.SuccessfulJobsHistoryLimit, *cj.FailedJobsHistoryLimit)
	job := cj.JobTemplate.Spec
	must(t, job.BackoffLimit != nil && *job.BackoffLimit == 1, "backoffLimit %v", job.BackoffLimit)
	pfp := job.PodFailurePolicy
	if pfp == nil || len(pfp.Rules) == 0 || pfp.Rules[0].OnExitCodes == nil {
		t.Fatalf("podFailurePolicy %s", dump(pfp))
	}
	must(t, pfp.Rules[0].Action == "FailJob" && slices.Equal(pfp.Rules[0].OnExitCodes.Values, []int32{2, 3}), "a configuration error or a safety limit is retried: %s", dump(pfp.Rules[0]))
	pod := job.Template.Spec
	must(t, pod.RestartPolicy == corev1.RestartPolicyNever, "restartPolicy %q (podFailurePolicy needs Never)", pod.RestartPolicy)
	c := container(t, pod)
	must(t, slices.Equal(c.Args, []string{"run", "--config", configPath}), "args %q", c.Args)
	must(t, c.Image == "myregistry.azurecr.io/prsweep:v0.1.0", "image %q", c.Image)
	must(t, len(c.EnvFrom) == 1 && c.EnvFrom[0].SecretRef != nil && c.EnvFrom[0].SecretRef.Name == "prsweep", "envFrom %s", dump(c.EnvFrom))
	checkPod(t, pod, o)
	checkConfigMap(t, o, configOf(t, vals))
	must(t, o.serviceAccount != nil && o.serviceAccount.AutomountServiceAccountToken != nil && !*o.serviceAccount.AutomountServiceAccountToken, "service account %s", dump(o.serviceAccount))
	must(t, len(o.serviceAccount.Annotations) == 0, "service account annotations without an identity: %v", o.serviceAccount.Annotations)
	must(t, strings.Contains(o.notes, "create job --from=cronjob/prsweep"), "NOTES: %s", o.notes)

	dry := mustRender(t, set(set(example(t, "cronjob.yaml"), "cronjob.dryRun", true), "cronjob.extraArgs", []any{"--verbose"}))
	args := container(t, dry.cronJob.Spec.JobTemplate.Spec.Template.Spec).Args
	must(t, slices.Equal(args, []string{"run", "--config", configPath, "--dry-run", "--verbose"}), "dry-run args %q", args)
}

func TestServe(t *testing.T) {
	vals := example(t, "serve.yaml")
	o := mustRender(t, vals)
	must(t, o.cronJob == nil, "a CronJob with cronjob.enabled false")
	if o.deployment == nil || o.service == nil || o.serviceMonitor == nil {
		t.Fatalf("serve objects missing: deployment %v service %v serviceMonitor %v", o.deployment != nil, o.service != nil, o.serviceMonitor != nil)
	}
	d := o.deployment.Spec
	must(t, d.Replicas != nil && *d.Replicas == 1, "replicas %v: two would sweep twice", d.Replicas)
	must(t, d.Strategy.Type == "Recreate", "strategy %q: a rollout would run two at once", d.Strategy.Type)
	pod := d.Template.Spec
	must(t, pod.TerminationGracePeriodSeconds != nil && *pod.TerminationGracePeriodSeconds == 180, "terminationGracePeriodSeconds %v, want the README's 180", pod.TerminationGracePeriodSeconds)
	c := container(t, pod)
	must(t, slices.Equal(c.Args, []string{"serve", "--config", configPath, "--listen", ":8080"}), "args %q", c.Args)
	must(t, c.Image == "myregistry.azurecr.io/prsweep@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "image %q", c.Image)
	must(t, len(c.Ports) == 1 && c.Ports[0].Name == "http" && c.Ports[0].ContainerPort == 8080, "ports %s", dump(c.Ports))
	for name, p := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("no %s probe on /healthz", name)
			continue
		}
		must(t, p.HTTPGet.Path == "/healthz" && p.HTTPGet.Port.String() == "http", "%s probe %s", name, dump(p))
	}
	if l := c.LivenessProbe; l != nil {
		must(t, int64(l.PeriodSeconds*l.FailureThreshold) > *pod.TerminationGracePeriodSeconds,
			"liveness gives up after %ds, within the %ds grace period: a stopping serve (503) would be killed", l.PeriodSeconds*l.FailureThreshold, *pod.TerminationGracePeriodSeconds)
	}
	secretEnv := env(c, "ADO_HOOK_PASSWORD")
	must(t, secretEnv != nil && secretEnv.Value == "" && secretEnv.ValueFrom != nil && secretEnv.ValueFrom.SecretKeyRef.Name == "prsweep-hook", "ADO_HOOK_PASSWORD %s", dump(secretEnv))
	checkPod(t, pod, o)
	// The config as given, with serve.history where the chart mounts its volume.
	want := configOf(t, vals)
	want["serve"].(map[string]any)["history"] = historyPath
	checkConfigMap(t, o, want)

	sel := labels.SelectorFromSet(o.service.Spec.Selector)
	must(t, sel.Matches(labels.Set(d.Template.Labels)), "the Service %v does not select serve's pods %v", o.service.Spec.Selector, d.Template.Labels)
	must(t, labels.SelectorFromSet(d.Selector.MatchLabels).Matches(labels.Set(d.Template.Labels)), "the Deployment's selector does not match its pods")
	must(t, len(o.service.Spec.Ports) == 1 && o.service.Spec.Ports[0].TargetPort.String() == "http", "service ports %s", dump(o.service.Spec.Ports))
	sm := o.serviceMonitor
	must(t, labels.SelectorFromSet(sm.Spec.Selector.MatchLabels).Matches(labels.Set(o.service.Labels)), "the ServiceMonitor does not select the Service")
	must(t, sm.Labels["release"] == "prometheus", "ServiceMonitor labels %v", sm.Labels)
	must(t, len(sm.Spec.Endpoints) == 1 && sm.Spec.Endpoints[0].Port == "http" && sm.Spec.Endpoints[0].Path == "/metrics", "endpoints %s", dump(sm.Spec.Endpoints))
}

func TestBoth(t *testing.T) {
	o := mustRender(t, example(t, "both.yaml"))
	if o.cronJob == nil || o.deployment == nil || o.service == nil {
		t.Fatal("want the CronJob, the Deployment and the Service")
	}
	must(t, o.serviceMonitor == nil, "a ServiceMonitor though not enabled")
	sweepPods := labels.Set(o.cronJob.Spec.JobTemplate.Spec.Template.Labels)
	must(t, !labels.SelectorFromSet(o.service.Spec.Selector).Matches(sweepPods), "the Service selects the CronJob's pods")
	must(t, !labels.SelectorFromSet(o.deployment.Spec.Selector.MatchLabels).Matches(sweepPods), "the Deployment's selector takes in the CronJob's pods")
	a := o.cronJob.Spec.JobTemplate.Spec.Template.Annotations["checksum/config"]
	must(t, a != "" && a == o.deployment.Spec.Template.Annotations["checksum/config"], "checksum/config %q", a)
}

func TestWorkloadIdentity(t *testing.T) {
	o := mustRender(t, example(t, "workload-identity.yaml"))
	sa := o.serviceAccount
	if sa == nil {
		t.Fatal("no service account")
	}
	must(t, sa.Annotations["azure.workload.identity/client-id"] == "3c1a8c9e-5d0e-4f3b-9a7e-0b1d2c3e4f50", "annotations %v", sa.Annotations)
	pod := o.cronJob.Spec.JobTemplate.Spec.Template
	must(t, pod.Labels["azure.workload.identity/use"] == "true", "pod labels %v: the webhook injects nothing without it", pod.Labels)
	must(t, pod.Spec.ServiceAccountName == sa.Name, "the pod runs as %q, not the annotated %q", pod.Spec.ServiceAccountName, sa.Name)
	checkPod(t, pod.Spec, o)

	irsa := mustRender(t, example(t, "irsa.yaml"))
	must(t, irsa.serviceAccount.Annotations["eks.amazonaws.com/role-arn"] == "arn:aws:iam::123456789012:role/prsweep", "IRSA annotations %v", irsa.serviceAccount.Annotations)
	must(t, irsa.cronJob.Spec.JobTemplate.Spec.Template.Labels["azure.workload.identity/use"] == "", "workload identity label without a client id")

	own := mustRender(t, set(set(example(t, "cronjob.yaml"), "serviceAccount.create", false), "serviceAccount.name", "mine"))
	must(t, own.serviceAccount == nil && own.cronJob.Spec.JobTemplate.Spec.Template.Spec.ServiceAccountName == "mine", "serviceAccount.create false")
}

// TestRefused: values that would run prsweep unsafely or not at all are refused at
// render time, by the schema or the templates.
func TestRefused(t *testing.T) {
	for _, tc := range []struct {
		name, key string
		value     any
		want      string
	}{
		{"no image", "image.repository", "", "image.repository is required"},
		{"a secret in the config", "config.registry.clientSecret", "hunter2", "config.registry.clientSecret holds a secret"},
		{"a secret in a list", "config.sources", []any{map[string]any{"name": "ado", "token": "pat"}}, "config.sources[0].token holds a secret"},
		{"a secret as a literal env", "extraEnv", []any{map[string]any{"name": "GITHUB_TOKEN", "value": "ghp_x"}}, "extraEnv"},
		{"a short grace period", "serve.terminationGracePeriodSeconds", 30, "terminationGracePeriodSeconds"},
		{"root", "podSecurityContext.runAsNonRoot", false, "runAsNonRoot"},
		{"privilege escalation", "securityContext.allowPrivilegeEscalation", true, "allowPrivilegeEscalation"},
		{"a typo", "cronjob.schedul", "0 1 * * *", "schedul"},
		{"a bad digest", "image.digest", "latest", "digest"},
		{"a bad client id", "azureWorkloadIdentity.clientId", "me", "clientId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := render(t, set(example(t, "cronjob.yaml"), tc.key, tc.value))
			if err == nil {
				t.Fatalf("%s = %v rendered", tc.key, tc.value)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
	// A variable that is not a credential may be a literal.
	if _, err := render(t, set(example(t, "cronjob.yaml"), "extraEnv", []any{map[string]any{"name": "AZURE_AUTHORITY_HOST", "value": "https://login.microsoftonline.us/"}})); err != nil {
		t.Errorf("a plain variable refused: %v", err)
	}
}

func container(t *testing.T, pod corev1.PodSpec) corev1.Container {
	t.Helper()
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	return pod.Containers[0]
}

func env(c corev1.Container, name string) *corev1.EnvVar {
	for i := range c.Env {
		if c.Env[i].Name == name {
			return &c.Env[i]
		}
	}
	return nil
}

// checkPod: non-root as the image's uid, nothing writable but /tmp and the data
// volume, no privilege, no Kubernetes token, the config from the ConfigMap.
func checkPod(t *testing.T, pod corev1.PodSpec, o objects) {
	t.Helper()
	psc := pod.SecurityContext
	must(t, psc != nil && psc.RunAsNonRoot != nil && *psc.RunAsNonRoot, "runAsNonRoot missing")
	must(t, psc != nil && psc.RunAsUser != nil && *psc.RunAsUser == 65532, "runAsUser, want the image's 65532")
	must(t, psc != nil && psc.SeccompProfile != nil && psc.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault, "seccomp RuntimeDefault missing")
	must(t, pod.AutomountServiceAccountToken != nil && !*pod.AutomountServiceAccountToken, "the Kubernetes token is mounted; prsweep never calls the API")
	c := container(t, pod)
	sc := c.SecurityContext
	if sc == nil {
		t.Fatal("no container securityContext")
	}
	must(t, sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem, "root file system writable")
	must(t, sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation, "privilege escalation allowed")
	must(t, sc.Capabilities != nil && slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) && len(sc.Capabilities.Add) == 0, "capabilities %s", dump(sc.Capabilities))
	for _, e := range c.Env {
		must(t, e.Value == "" || !looksSecret(e.Name), "env %s has a literal value", e.Name)
	}
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	must(t, mounts["config"] == "/etc/prsweep" && mounts["tmp"] == "/tmp", "mounts %v", mounts)
	// A report past 4 MB spills to a temporary file (internal/report): /tmp is writable.
	tmpdir := env(c, "TMPDIR")
	must(t, tmpdir != nil && tmpdir.Value == "/tmp", "TMPDIR %s", dump(tmpdir))
	for _, v := range pod.Volumes {
		switch v.Name {
		case "config":
			must(t, v.ConfigMap != nil && o.configMap != nil && v.ConfigMap.Name == o.configMap.Name, "config volume %s", dump(v))
		case "tmp":
			must(t, v.EmptyDir != nil, "tmp volume %s, want an emptyDir", dump(v))
		}
	}
}

func looksSecret(name string) bool {
	n := strings.ToUpper(name)
	for _, s := range []string{"PASSWORD", "TOKEN", "SECRET", "KEY", "CREDENTIAL"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// checkConfigMap: the ConfigMap holds the configuration want.
func checkConfigMap(t *testing.T, o objects, want map[string]any) {
	t.Helper()
	if got := renderedConfig(t, o); !reflect.DeepEqual(got, want) {
		t.Errorf("config.yaml\n%s\nwant\n%s", dump(got), dump(want))
	}
}

// renderedConfig decodes the ConfigMap's config.yaml.
func renderedConfig(t *testing.T, o objects) map[string]any {
	t.Helper()
	if o.configMap == nil {
		t.Fatal("no ConfigMap")
	}
	var got map[string]any
	if err := yaml.UnmarshalStrict([]byte(o.configMap.Data["config.yaml"]), &got); err != nil {
		t.Fatalf("config.yaml: %v", err)
	}
	return got
}

// configOf returns values.config as a fresh map, round-tripped through YAML as the
// ConfigMap's is, so that numbers compare alike.
func configOf(t *testing.T, vals map[string]any) map[string]any {
	t.Helper()
	b, err := yaml.Marshal(vals["config"])
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}
