{{/* The chart's name, at most 63 characters. */}}
{{- define "prsweep.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name, at most 52 characters (a CronJob's name leaves 11 for its Jobs). */}}
{{- define "prsweep.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "prsweep.selectorLabels" -}}
app.kubernetes.io/name: {{ include "prsweep.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "prsweep.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "prsweep.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "prsweep.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "prsweep.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "prsweep.image" -}}
{{- $repo := required "image.repository is required: push the image with go run ./cmd/prsweep-image --push REGISTRY/prsweep:TAG" .Values.image.repository }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repo .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repo (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
prsweep.checkSecrets fails the render when the config holds a secret: a key named
…password, …token or …secret (any case) whose value is not a ${VAR} reference. The
config is a ConfigMap; secrets come from existingSecret or extraEnv.
*/}}
{{- define "prsweep.checkSecrets" -}}
{{- $path := index . 0 }}
{{- $v := index . 1 }}
{{- if kindIs "map" $v }}
{{- range $k, $child := $v }}
{{- $p := printf "%s.%s" $path $k }}
{{- if and (regexMatch "(?i)(password|token|secret)$" $k) (not (kindIs "map" $child)) (not (kindIs "slice" $child)) }}
{{- if not (regexMatch "^\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}$" (toString $child)) }}
{{- fail (printf "%s holds a secret, and the config is a ConfigMap: write ${VAR} there and put the value in the Secret named by existingSecret" $p) }}
{{- end }}
{{- end }}
{{- include "prsweep.checkSecrets" (list $p $child) }}
{{- end }}
{{- else if kindIs "slice" $v }}
{{- range $i, $child := $v }}
{{- include "prsweep.checkSecrets" (list (printf "%s[%d]" $path $i) $child) }}
{{- end }}
{{- end }}
{{- end }}

{{/* The pod spec both workloads share: $ is the root context, .args the container's arguments, .ports its ports, .history whether it mounts serve's history volume. */}}
{{- define "prsweep.podSpec" -}}
{{- $ := .root }}
serviceAccountName: {{ include "prsweep.serviceAccountName" $ }}
automountServiceAccountToken: false
{{- with $.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml $.Values.podSecurityContext | nindent 2 }}
{{- with $.Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $.Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $.Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
containers:
  - name: prsweep
    image: {{ include "prsweep.image" $ }}
    imagePullPolicy: {{ $.Values.image.pullPolicy }}
    args:
      {{- toYaml .args | nindent 6 }}
    env:
      - name: PRSWEEP_CONFIG
        value: /etc/prsweep/config.yaml
      - name: TMPDIR
        value: /tmp
      {{- with $.Values.extraEnv }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
    {{- with $.Values.existingSecret }}
    envFrom:
      - secretRef:
          name: {{ . }}
    {{- end }}
    {{- with (get . "ports") }}
    ports:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with (get . "probes") }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    resources:
      {{- toYaml (default $.Values.resources (get . "resources")) | nindent 6 }}
    securityContext:
      {{- toYaml $.Values.securityContext | nindent 6 }}
    volumeMounts:
      - name: config
        mountPath: /etc/prsweep
        readOnly: true
      - name: tmp
        mountPath: /tmp
      - name: data
        mountPath: {{ $.Values.persistence.mountPath }}
      {{- if get . "history" }}
      - name: history
        mountPath: {{ include "prsweep.historyPath" $ }}
      {{- end }}
volumes:
  - name: config
    configMap:
      name: {{ include "prsweep.fullname" $ }}
  - name: tmp
    emptyDir: {}
  - name: data
    {{- if $.Values.persistence.existingClaim }}
    persistentVolumeClaim:
      claimName: {{ $.Values.persistence.existingClaim }}
    {{- else }}
    emptyDir: {}
    {{- end }}
  {{- if get . "history" }}
  {{- $p := $.Values.serve.history.persistence }}
  - name: history
    {{- if $p.existingClaim }}
    persistentVolumeClaim:
      claimName: {{ $p.existingClaim }}
    {{- else if $p.enabled }}
    persistentVolumeClaim:
      claimName: {{ include "prsweep.historyClaim" $ }}
    {{- else }}
    emptyDir: {}
    {{- end }}
  {{- end }}
{{- end }}

{{/* Pod labels and annotations both workloads share: .root is the root context, .component the workload's. */}}
{{- define "prsweep.podMeta" -}}
{{- $ := .root }}
labels:
  {{- include "prsweep.selectorLabels" $ | nindent 2 }}
  app.kubernetes.io/component: {{ .component }}
  {{- if $.Values.azureWorkloadIdentity.clientId }}
  azure.workload.identity/use: "true"
  {{- end }}
  {{- with $.Values.podLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
annotations:
  checksum/config: {{ include "prsweep.config" $ | sha256sum }}
  {{- with $.Values.podAnnotations }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}

{{/* Where serve's history volume is mounted, and the config's serve.history with it. */}}
{{- define "prsweep.historyPath" -}}
/var/lib/prsweep/history
{{- end }}

{{/* The claim the chart creates for serve's history (serve.history.persistence.enabled). */}}
{{- define "prsweep.historyClaim" -}}
{{- printf "%s-history" (include "prsweep.fullname" .) }}
{{- end }}

{{/* Whether serve runs with the chart's history volume. */}}
{{- define "prsweep.history" -}}
{{- if and .Values.serve.enabled .Values.serve.history.enabled }}true{{ end }}
{{- end }}

{{/*
prsweep.config is the configuration file the ConfigMap holds: values.config, and when
serve keeps its history in the chart's volume, serve.history set to the volume's path.
A serve.history elsewhere is refused: the root file system is read-only, so serve
could not write it.
*/}}
{{- define "prsweep.config" -}}
{{- $cfg := deepCopy .Values.config }}
{{- if include "prsweep.history" . }}
{{- $mount := include "prsweep.historyPath" . }}
{{- $serve := get $cfg "serve" }}
{{- if not (kindIs "map" $serve) }}{{ $serve = dict }}{{ end }}
{{- $path := toString (get $serve "history") }}
{{- if not $path }}
{{- $_ := set $serve "history" $mount }}
{{- $_ := set $cfg "serve" $serve }}
{{- else if not (or (eq $path $mount) (hasPrefix (printf "%s/" $mount) $path)) }}
{{- fail (printf "config.serve.history is %s, but serve's history volume is mounted at %s and the root file system is read-only: leave serve.history out of the config (the chart sets it), or set serve.history.enabled false and point it under persistence.mountPath" $path $mount) }}
{{- end }}
{{- $data := clean .Values.persistence.mountPath }}
{{- if or (eq $data $mount) (hasPrefix (printf "%s/" $mount) $data) }}
{{- fail (printf "persistence.mountPath %s is serve's history volume's place (%s): choose another" $data $mount) }}
{{- end }}
{{- end }}
{{- toYaml $cfg }}
{{- end }}
