{{/*
The chart's name, truncated to the 63 characters a label value allows.
*/}}
{{- define "engage.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The release's full name: the prefix of every object's name.
*/}}
{{- define "engage.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "engage.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels that select one component's pods. Call with (dict "root" $ "component" "contacts").
*/}}
{{- define "engage.selectorLabels" -}}
app.kubernetes.io/name: {{ include "engage.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{/*
Every label of an object. Call with (dict "root" $ "component" "contacts"); component may be "".
*/}}
{{- define "engage.labels" -}}
helm.sh/chart: {{ include "engage.chart" .root }}
{{ include "engage.selectorLabels" . }}
app.kubernetes.io/part-of: engage
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{- define "engage.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "engage.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "engage.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The five services in a fixed order, each server's port, and who calls whom: initiatives,
declarations and briefings call contacts; feeds calls every domain service; the gateway calls
them all. Nothing else calls a service. engage.callers gives both the NetworkPolicies and each
caller's ENGAGE_<SERVICE>_URL (deployment.yaml).
*/}}
{{- define "engage.serviceNames" -}}
[contacts, initiatives, declarations, briefings, feeds]
{{- end }}

{{- define "engage.ports" -}}
gateway: 8080
contacts: 50051
initiatives: 50052
declarations: 50053
briefings: 50054
feeds: 50055
{{- end }}

{{- define "engage.callers" -}}
contacts: [gateway, initiatives, declarations, briefings, feeds]
initiatives: [gateway, feeds]
declarations: [gateway, feeds]
briefings: [gateway, feeds]
feeds: [gateway]
{{- end }}

{{/*
The gRPC service names the gateway answers health for.
*/}}
{{- define "engage.grpcServices" -}}
contacts: engage.contacts.v1.ContactsService
initiatives: engage.initiatives.v1.InitiativesService
declarations: engage.declarations.v1.DeclarationsService
briefings: engage.briefings.v1.BriefingsService
feeds: engage.feeds.v1.FeedsService
{{- end }}

{{/*
Environment every engage server reads: logging and OpenTelemetry.
Call with (dict "root" $ "component" "contacts").
*/}}
{{- define "engage.commonEnv" -}}
- name: ENGAGE_LOG
  value: {{ .root.Values.log.level | quote }}
- name: ENGAGE_LOG_FORMAT
  value: {{ .root.Values.log.format | quote }}
{{- with .root.Values.otel }}
{{- if .endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .endpoint | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: {{ .protocol | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ printf "engage-%s" $.component | quote }}
- name: OTEL_TRACES_SAMPLER
  value: {{ .sampler | quote }}
{{- if .samplerArg }}
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ .samplerArg | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
A NetworkPolicy egress rule to any of `to` (any destination when empty) on the given ports.
Call with (dict "to" $peers "ports" (list 5432)).
*/}}
{{- define "engage.egressRule" -}}
{{- if .to -}}
- to:
    {{- toYaml .to | nindent 4 }}
  ports:
{{- else -}}
- ports:
{{- end }}
{{- range .ports }}
    - protocol: TCP
      port: {{ . }}
{{- end }}
{{- end }}
