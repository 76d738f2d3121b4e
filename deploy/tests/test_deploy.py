#!/usr/bin/env python3
"""Checks engage's deployment files: the objects rendered from the kustomize overlays and the
Helm chart, the compose file, the Dockerfile and the collector configuration.

    test_deploy.py RENDERED_DIR

RENDERED_DIR holds one multi-document YAML file per rendering, named <tool>-<variant>.yaml
(scripts/check-deploy writes kustomize-base, kustomize-production, helm3-default,
helm3-production, helm4-default and helm4-production). Every rendering gets every check. The
last line printed is `N passed, M failed`; the exit status is 1 when anything failed.

Needs Python 3 and PyYAML only.
"""

from __future__ import annotations

import re
import sys
import traceback
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]

PORTS = {
    "gateway": 8080,
    "contacts": 50051,
    "initiatives": 50052,
    "declarations": 50053,
    "briefings": 50054,
    "feeds": 50055,
}
SERVICES = ["contacts", "initiatives", "declarations", "briefings", "feeds"]
# Who may call each server. Nothing else may.
CALLERS = {
    "gateway": None,  # from outside
    "contacts": {"gateway", "initiatives", "declarations", "briefings", "feeds"},
    "initiatives": {"gateway", "feeds"},
    "declarations": {"gateway", "feeds"},
    "briefings": {"gateway", "feeds"},
    "feeds": {"gateway"},
}
AUTOSCALED = {"gateway", "feeds", "contacts"}
GRPC_NAMES = {
    "contacts": "engage.contacts.v1.ContactsService",
    "initiatives": "engage.initiatives.v1.InitiativesService",
    "declarations": "engage.declarations.v1.DeclarationsService",
    "briefings": "engage.briefings.v1.BriefingsService",
    "feeds": "engage.feeds.v1.FeedsService",
}
POD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"}
SECRET_ENV = {
    "ENGAGE_DATABASE_URL",
    "ENGAGE_REDIS_URL",
    "ENGAGE_INTERNAL_KEY",
    "ENGAGE_DEV_JWT_KEY",
}
COMPONENT = "app.kubernetes.io/component"
REDIS_PORT = 6379
# ADR 0011: feeds promise every change within a retention of at least seven days.
MIN_EVENT_RETENTION_HOURS = 168
# The variable through which a caller finds each service (the gateway and the services alike).
URL_VARS = {service: f"ENGAGE_{service.upper()}_URL" for service in SERVICES}


class Failure(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failure(message)


# --------------------------------------------------------------------------------------------
# Reading rendered objects


class Rendering:
    def __init__(self, path: Path):
        self.name = path.stem
        self.text = path.read_text()
        self.objects = [d for d in yaml.safe_load_all(self.text) if d]
        self.is_helm = self.name.startswith("helm")
        self.is_production = self.name.endswith("production")

    def of_kind(self, kind: str) -> list[dict]:
        return [o for o in self.objects if o.get("kind") == kind]

    def named(self, kind: str, predicate) -> list[dict]:
        return [o for o in self.of_kind(kind) if predicate(o)]

    def deployment(self, component: str) -> dict:
        found = [d for d in self.of_kind("Deployment") if labels_of(d).get(COMPONENT) == component]
        check(len(found) == 1, f"{len(found)} Deployments for {component}, expected 1")
        return found[0]

    def config_map(self, name: str) -> dict:
        found = [c for c in self.of_kind("ConfigMap") if c["metadata"]["name"] == name]
        check(len(found) == 1, f"ConfigMap {name} referenced but not rendered")
        return found[0]


def labels_of(obj: dict) -> dict:
    return obj.get("metadata", {}).get("labels", {}) or {}


def pod_spec(obj: dict) -> dict:
    kind = obj["kind"]
    if kind == "Pod":
        return obj["spec"]
    if kind == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return obj["spec"]["template"]["spec"]


def pod_labels(obj: dict) -> dict:
    if obj["kind"] == "Pod":
        return labels_of(obj)
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["metadata"].get("labels", {})
    return obj["spec"]["template"]["metadata"].get("labels", {})


def workloads(r: Rendering) -> list[dict]:
    return [o for o in r.objects if o["kind"] in POD_KINDS]


def containers(spec: dict) -> list[dict]:
    return list(spec.get("initContainers", []) or []) + list(spec.get("containers", []) or [])


def env_of(r: Rendering, container: dict) -> dict:
    """Every variable a container sees: a literal string, or ('secret', name, key)."""
    env: dict = {}
    for source in container.get("envFrom", []) or []:
        if "configMapRef" in source:
            env.update(r.config_map(source["configMapRef"]["name"]).get("data", {}) or {})
        elif "secretRef" in source:
            raise Failure("envFrom secretRef hides which variables come from a Secret")
    for var in container.get("env", []) or []:
        if "value" in var:
            env[var["name"]] = var["value"]
        elif "valueFrom" in var and "secretKeyRef" in var["valueFrom"]:
            ref = var["valueFrom"]["secretKeyRef"]
            env[var["name"]] = ("secret", ref["name"], ref["key"])
        else:
            env[var["name"]] = ("other", var.get("valueFrom"))
    return env


def selector_matches(selector: dict | None, labels: dict) -> bool:
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


# --------------------------------------------------------------------------------------------
# NetworkPolicy evaluation (all objects live in one namespace)

ANYWHERE = "anywhere"


def policies_for(r: Rendering, labels: dict, direction: str) -> list[dict]:
    return [
        p
        for p in r.of_kind("NetworkPolicy")
        if selector_matches(p["spec"].get("podSelector", {}), labels)
        and direction in p["spec"].get("policyTypes", ["Ingress"])
    ]


def port_allowed(rule: dict, port: int) -> bool:
    ports = rule.get("ports")
    if not ports:
        return True
    return any(p.get("port") in (port, None) and p.get("protocol", "TCP") == "TCP" for p in ports)


def peer_matches(peer: dict, labels: dict) -> bool:
    """Whether a peer may be the pod with these labels (namespace and ipBlock peers might)."""
    if "ipBlock" in peer:
        return True
    if "namespaceSelector" in peer:
        return "podSelector" not in peer or selector_matches(peer["podSelector"], labels)
    return selector_matches(peer.get("podSelector"), labels)


def ingress_sources(r: Rendering, labels: dict, port: int, pods: dict) -> set:
    """The components (or ANYWHERE) admitted to a pod on a port."""
    sources: set = set()
    for policy in policies_for(r, labels, "Ingress"):
        for rule in policy["spec"].get("ingress", []) or []:
            if not port_allowed(rule, port):
                continue
            peers = rule.get("from")
            if not peers:
                sources.add(ANYWHERE)
                continue
            for peer in peers:
                if "ipBlock" in peer or "namespaceSelector" in peer:
                    sources.add(ANYWHERE)
                for component, other in pods.items():
                    if peer_matches(peer, other):
                        sources.add(component)
    return sources


def egress_allowed(r: Rendering, labels: dict, target: dict, port: int) -> bool:
    for policy in policies_for(r, labels, "Egress"):
        for rule in policy["spec"].get("egress", []) or []:
            if not port_allowed(rule, port):
                continue
            peers = rule.get("to")
            if not peers or any(peer_matches(peer, target) for peer in peers):
                return True
    return False


def egress_destinations(r: Rendering, labels: dict, port: int) -> list:
    """The peers a pod may send to on a port: every `to` peer of the rules that allow the port,
    and ANYWHERE for such a rule without `to`."""
    found: list = []
    for policy in policies_for(r, labels, "Egress"):
        for rule in policy["spec"].get("egress", []) or []:
            if not port_allowed(rule, port):
                continue
            peers = rule.get("to")
            if not peers:
                found.append(ANYWHERE)
            else:
                found.extend(p for p in peers if p not in found)
    return found


def egress_port_open(r: Rendering, labels: dict, port: int) -> bool:
    """Whether a pod may send to some destination on a port."""
    return any(
        port_allowed(rule, port)
        for policy in policies_for(r, labels, "Egress")
        for rule in policy["spec"].get("egress", []) or []
    )


def engage_pods(r: Rendering) -> dict:
    """component -> pod labels, for every workload of the rendering."""
    pods = {}
    for w in workloads(r):
        component = pod_labels(w).get(COMPONENT)
        check(component is not None, f"{w['kind']} {w['metadata']['name']} has no component label")
        pods[component] = pod_labels(w)
    return pods


# --------------------------------------------------------------------------------------------
# Checks on every rendering

RENDERING_CHECKS = []


def rendering_check(fn):
    RENDERING_CHECKS.append(fn)
    return fn


@rendering_check
def every_server_has_a_deployment_running_its_command(r: Rendering):
    for component, port in PORTS.items():
        d = r.deployment(component)
        spec = pod_spec(d)
        check(len(spec["containers"]) == 1, f"{component}: one container expected")
        c = spec["containers"][0]
        args = list(c.get("command", []) or []) + list(c.get("args", []) or [])
        check(args == ["serve", component], f"{component}: runs {args}, expected serve {component}")
        ports = [p["containerPort"] for p in c.get("ports", [])]
        check(ports == [port], f"{component}: container ports {ports}, expected [{port}]")
        env = env_of(r, c)
        check(
            env.get("ENGAGE_LISTEN") == f"0.0.0.0:{port}",
            f"{component}: ENGAGE_LISTEN is {env.get('ENGAGE_LISTEN')!r}, must be 0.0.0.0:{port}",
        )
        check(env.get("OTEL_SERVICE_NAME", f"engage-{component}") == f"engage-{component}",
              f"{component}: OTEL_SERVICE_NAME {env.get('OTEL_SERVICE_NAME')!r}")


@rendering_check
def every_container_runs_as_non_root_read_only_without_privileges(r: Rendering):
    for w in workloads(r):
        name = f"{w['kind']} {w['metadata']['name']}"
        spec = pod_spec(w)
        pod_sc = spec.get("securityContext", {}) or {}
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            check(not spec.get(key), f"{name}: {key}")
        for v in spec.get("volumes", []) or []:
            check("hostPath" not in v, f"{name}: hostPath volume {v['name']}")
        check(spec.get("automountServiceAccountToken") is False,
              f"{name}: a service account token is mounted")
        seccomp = (pod_sc.get("seccompProfile") or {}).get("type")
        for c in containers(spec):
            sc = c.get("securityContext", {}) or {}
            where = f"{name} container {c['name']}"
            run_as_non_root = sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot"))
            check(run_as_non_root is True, f"{where}: runAsNonRoot is not true")
            uid = sc.get("runAsUser", pod_sc.get("runAsUser"))
            check(uid is None or uid > 0, f"{where}: runs as uid {uid}")
            check(sc.get("readOnlyRootFilesystem") is True, f"{where}: root filesystem is writable")
            check(sc.get("allowPrivilegeEscalation") is False, f"{where}: privilege escalation allowed")
            check(not sc.get("privileged"), f"{where}: privileged")
            caps = sc.get("capabilities", {}) or {}
            check("ALL" in (caps.get("drop") or []), f"{where}: capabilities not dropped")
            check(not caps.get("add"), f"{where}: adds capabilities {caps.get('add')}")
            check((sc.get("seccompProfile") or {}).get("type", seccomp) == "RuntimeDefault",
                  f"{where}: no RuntimeDefault seccomp profile")


@rendering_check
def every_deployment_probes_grpc_health_on_its_port(r: Rendering):
    for component, port in PORTS.items():
        c = pod_spec(r.deployment(component))["containers"][0]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            p = c.get(probe)
            check(p is not None, f"{component}: no {probe}")
            check((p.get("grpc") or {}).get("port") == port,
                  f"{component}: {probe} is not a gRPC probe on {port}: {p}")


@rendering_check
def every_container_has_resource_requests_and_limits(r: Rendering):
    for w in workloads(r):
        for c in containers(pod_spec(w)):
            res = c.get("resources") or {}
            for kind in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    check(resource in (res.get(kind) or {}),
                          f"{w['kind']} {w['metadata']['name']} container {c['name']}: no {resource} {kind}")


@rendering_check
def network_policies_deny_by_default(r: Rendering):
    check(r.of_kind("NetworkPolicy"), "no NetworkPolicy")
    for component, labels in engage_pods(r).items():
        for direction in ("Ingress", "Egress"):
            check(policies_for(r, labels, direction),
                  f"{component} pods are not isolated for {direction.lower()}")


@rendering_check
def only_the_gateway_is_reached_from_outside(r: Rendering):
    pods = engage_pods(r)
    for component, labels in pods.items():
        port = PORTS.get(component)
        if port is None:  # the migration Job and the test pod serve nothing
            for p in set(PORTS.values()) | {80, 443}:
                sources = ingress_sources(r, labels, p, pods)
                check(not sources, f"{component} pods admit {sources} on {p}")
            continue
        sources = ingress_sources(r, labels, port, pods)
        if component == "gateway":
            check(ANYWHERE in sources, "the gateway is not reachable from outside")
        else:
            check(ANYWHERE not in sources, f"{component} is reachable from outside")
            expected = CALLERS[component]
            check(sources == expected,
                  f"{component} admits {sorted(sources)}, expected exactly {sorted(expected)}")


@rendering_check
def each_pod_calls_only_the_servers_the_design_needs(r: Rendering):
    pods = engage_pods(r)
    for caller, labels in pods.items():
        for target in PORTS:
            if target not in pods:
                continue
            if caller == "test":
                expected = target == "gateway"
            elif caller == "gateway":
                expected = target != "gateway"
            else:
                expected = caller in (CALLERS[target] or set())
            allowed = egress_allowed(r, labels, pods[target], PORTS[target])
            check(allowed == expected,
                  f"{caller} -> {target}:{PORTS[target]} is {'allowed' if allowed else 'denied'}")


@rendering_check
def pods_reach_their_backing_services_and_dns(r: Rendering):
    pods = engage_pods(r)
    for component, labels in pods.items():
        check(egress_port_open(r, labels, 53), f"{component}: no DNS")
        if component in SERVICES or component == "migrate":
            check(egress_port_open(r, labels, 5432), f"{component}: no PostgreSQL")
        if component == "gateway" or component in SERVICES:
            check(egress_port_open(r, labels, REDIS_PORT), f"{component}: no Redis")
        if component in PORTS:
            check(egress_port_open(r, labels, 4317), f"{component}: no OTLP")
    check(egress_port_open(r, pods["gateway"], 443), "gateway: cannot fetch the JWKS")


@rendering_check
def every_service_publishes_its_events_to_the_redis_the_gateway_uses(r: Rendering):
    """ADR 0011: each service's relay publishes its outbox to its Redis Stream, which feeds
    reads. Every service gets ENGAGE_REDIS_URL from the gateway's Secret and key, and the
    NetworkPolicies let it reach every Redis destination the gateway may reach."""
    pods = engage_pods(r)
    gateway_redis = env_of(r, pod_spec(r.deployment("gateway"))["containers"][0]).get("ENGAGE_REDIS_URL")
    check(isinstance(gateway_redis, tuple) and gateway_redis[0] == "secret",
          f"gateway: ENGAGE_REDIS_URL is {gateway_redis!r}, expected a secretKeyRef")
    gateway_redis_peers = egress_destinations(r, pods["gateway"], REDIS_PORT)
    check(gateway_redis_peers, f"gateway: no egress to Redis on {REDIS_PORT}")
    for service in SERVICES:
        redis = env_of(r, pod_spec(r.deployment(service))["containers"][0]).get("ENGAGE_REDIS_URL")
        check(isinstance(redis, tuple) and redis[0] == "secret",
              f"{service}: ENGAGE_REDIS_URL is {redis!r}, expected a secretKeyRef")
        check(redis == gateway_redis,
              f"{service}: Redis from Secret {redis[1]} key {redis[2]}, the gateway's from "
              f"Secret {gateway_redis[1]} key {gateway_redis[2]}")
        peers = egress_destinations(r, pods[service], REDIS_PORT)
        missing = [p for p in gateway_redis_peers if p not in peers and ANYWHERE not in peers]
        check(not missing, f"{service}: may not reach Redis ({missing}) on {REDIS_PORT}")


@rendering_check
def every_service_keeps_its_events_as_long_as_the_others(r: Rendering):
    """ENGAGE_EVENT_RETENTION_HOURS, when set, is the same whole number of hours for every
    service and keeps the seven days feeds promise (unset: the default, 168)."""
    values = {}
    for service in SERVICES:
        env = env_of(r, pod_spec(r.deployment(service))["containers"][0])
        values[service] = env.get("ENGAGE_EVENT_RETENTION_HOURS")
    check(len(set(values.values())) == 1, f"event retention differs between services: {values}")
    value = next(iter(values.values()))
    if value is None:
        return
    check(isinstance(value, str) and value.isdigit(), f"ENGAGE_EVENT_RETENTION_HOURS is {value!r}")
    check(int(value) >= MIN_EVENT_RETENTION_HOURS,
          f"ENGAGE_EVENT_RETENTION_HOURS {value} is below {MIN_EVENT_RETENTION_HOURS}")


@rendering_check
def no_secret_value_is_in_any_manifest(r: Rendering):
    for s in r.of_kind("Secret"):
        check(not s.get("data") and not s.get("stringData"),
              f"Secret {s['metadata']['name']} carries values")
    for w in workloads(r):
        for c in containers(pod_spec(w)):
            env = env_of(r, c)
            where = f"{w['kind']} {w['metadata']['name']} container {c['name']}"
            for name, value in env.items():
                if name in SECRET_ENV:
                    check(isinstance(value, tuple) and value[0] == "secret",
                          f"{where}: {name} is not from a Secret")
            check("ENGAGE_DEVELOPMENT" not in env and "ENGAGE_DEV_JWT_KEY_FILE" not in env,
                  f"{where}: development tokens enabled")
            key_file = env.get("ENGAGE_INTERNAL_KEY_FILE")
            if key_file is not None:
                mounts = {m["name"]: m["mountPath"] for m in c.get("volumeMounts", [])}
                secret_volumes = {v["name"] for v in pod_spec(w).get("volumes", []) if "secret" in v}
                check(any(key_file.startswith(mounts[v].rstrip("/") + "/") for v in secret_volumes if v in mounts),
                      f"{where}: ENGAGE_INTERNAL_KEY_FILE {key_file} is not on a Secret volume")
    for cm in r.of_kind("ConfigMap"):
        for key in (cm.get("data") or {}):
            check(key not in SECRET_ENV and not key.endswith("_KEY"),
                  f"ConfigMap {cm['metadata']['name']} holds {key}")
    credential_url = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@'\"]+:[^\s/@'\"]+@")
    check(not credential_url.search(r.text), "a URL with a password is in the manifests")
    check("-----BEGIN" not in r.text, "a PEM block is in the manifests")
    for token in re.findall(r"[A-Za-z0-9+/]{40,}={0,2}", r.text):
        looks_random = re.search("[A-Z]", token) and re.search("[a-z]", token) and re.search("[0-9]", token)
        check(not looks_random, f"a key-like string is in the manifests: {token[:8]}…")


@rendering_check
def every_deployment_has_a_disruption_budget(r: Rendering):
    pdbs = r.of_kind("PodDisruptionBudget")
    for component in PORTS:
        labels = pod_labels(r.deployment(component))
        matching = [p for p in pdbs if selector_matches(p["spec"]["selector"], labels)]
        check(len(matching) == 1, f"{component}: {len(matching)} PodDisruptionBudgets")
        spec = matching[0]["spec"]
        check("maxUnavailable" in spec or "minAvailable" in spec, f"{component}: empty budget")


@rendering_check
def gateway_feeds_and_contacts_autoscale(r: Rendering):
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in r.of_kind("HorizontalPodAutoscaler")}
    for component in PORTS:
        d = r.deployment(component)
        name = d["metadata"]["name"]
        if component in AUTOSCALED:
            check(name in hpas, f"{component}: no HorizontalPodAutoscaler")
            h = hpas[name]
            check(h["apiVersion"] == "autoscaling/v2", f"{component}: HPA is {h['apiVersion']}")
            check(h["spec"]["scaleTargetRef"]["kind"] == "Deployment", f"{component}: HPA target")
            check(h["spec"]["minReplicas"] >= 2, f"{component}: fewer than 2 replicas")
            check(h["spec"]["maxReplicas"] >= h["spec"]["minReplicas"], f"{component}: max < min")
            check("replicas" not in d["spec"], f"{component}: replicas set beside its autoscaler")
        else:
            check(d["spec"].get("replicas", 1) >= 2, f"{component}: a single replica")


@rendering_check
def the_migration_job_migrates_every_database_first(r: Rendering):
    jobs = [j for j in r.of_kind("Job") if pod_labels(j).get(COMPONENT) == "migrate"]
    check(len(jobs) == 1, f"{len(jobs)} migration Jobs")
    job = jobs[0]
    spec = pod_spec(job)
    check(spec.get("restartPolicy") in ("Never", "OnFailure"), "migration restartPolicy")
    by_service = {}
    for c in spec["containers"]:
        args = list(c.get("command", []) or []) + list(c.get("args", []) or [])
        check(len(args) == 2 and args[0] == "migrate", f"migration container runs {args}")
        by_service[args[1]] = c
    check(sorted(by_service) == sorted(SERVICES), f"migrates {sorted(by_service)}")
    for service, c in by_service.items():
        job_url = env_of(r, c).get("ENGAGE_DATABASE_URL")
        served = env_of(r, pod_spec(r.deployment(service))["containers"][0]).get("ENGAGE_DATABASE_URL")
        check(job_url == served and isinstance(job_url, tuple),
              f"{service}: the Job migrates {job_url}, the service uses {served}")
        check(not c.get("envFrom"), f"{service}: the migration reads a ConfigMap that may not exist yet")
    check(spec.get("serviceAccountName") in (None, "default"),
          "the migration Job needs a ServiceAccount that may not exist yet")
    annotations = job["metadata"].get("annotations", {}) or {}
    if r.is_helm:
        hooks = set((annotations.get("helm.sh/hook") or "").split(","))
        check({"pre-install", "pre-upgrade"} <= hooks, f"migration hooks {hooks}")
    else:
        # Applied first on its own with -l app.kubernetes.io/component=migrate: its network
        # policy comes along, and nothing else is needed.
        selected = [o for o in r.objects if labels_of(o).get(COMPONENT) == "migrate"]
        kinds = sorted(o["kind"] for o in selected)
        check(kinds == ["Job", "NetworkPolicy"], f"objects selected for migration: {kinds}")


@rendering_check
def services_select_their_deployments_and_the_gateway_finds_them(r: Rendering):
    services = {s["metadata"]["name"]: s for s in r.of_kind("Service")}
    by_component = {}
    for component, port in PORTS.items():
        labels = pod_labels(r.deployment(component))
        matching = [s for s in services.values() if selector_matches({"matchLabels": s["spec"]["selector"]}, labels)]
        check(len(matching) == 1, f"{component}: {len(matching)} Services select its pods")
        s = matching[0]
        check([p["port"] for p in s["spec"]["ports"]] == [port], f"{component}: Service ports")
        for other in PORTS:
            if other != component:
                other_labels = pod_labels(r.deployment(other))
                check(not selector_matches({"matchLabels": s["spec"]["selector"]}, other_labels),
                      f"Service {s['metadata']['name']} also selects {other}")
        by_component[component] = s["metadata"]["name"]
    env = env_of(r, pod_spec(r.deployment("gateway"))["containers"][0])
    for service in SERVICES:
        url = env.get(f"ENGAGE_{service.upper()}_URL")
        check(url == f"http://{by_component[service]}:{PORTS[service]}",
              f"gateway: ENGAGE_{service.upper()}_URL is {url!r}")


def service_port_target(r: Rendering, service: dict, port: int, component: str) -> int | None:
    """The container port a Service's port leads to on a component's pods, None without it."""
    for p in service["spec"]["ports"]:
        if p["port"] != port:
            continue
        target = p.get("targetPort", port)
        if isinstance(target, int):
            return target
        c = pod_spec(r.deployment(component))["containers"][0]
        named = [cp["containerPort"] for cp in c.get("ports", []) if cp.get("name") == target]
        return named[0] if named else None
    return None


@rendering_check
def every_caller_finds_what_it_calls_where_network_policies_let_it(r: Rendering):
    """Each server that calls a service has its ENGAGE_<SERVICE>_URL, http://<its Service>:<port>,
    exactly when the design (CALLERS) and the NetworkPolicies (the caller's egress and the
    service's ingress) let it call that service; nothing else carries one."""
    pods = engage_pods(r)
    services = {s["metadata"]["name"]: s for s in r.of_kind("Service")}
    for caller in PORTS:
        env = env_of(r, pod_spec(r.deployment(caller))["containers"][0])
        for target, var in URL_VARS.items():
            designed = caller in CALLERS[target]
            egress = egress_allowed(r, pods[caller], pods[target], PORTS[target])
            ingress = caller in ingress_sources(r, pods[target], PORTS[target], pods)
            check(designed == egress == ingress == (var in env),
                  f"{caller} -> {target}: design {'calls' if designed else 'does not call'}, "
                  f"egress {'allowed' if egress else 'denied'}, ingress "
                  f"{'allowed' if ingress else 'denied'}, {var} {'set' if var in env else 'unset'}")
            if not designed:
                continue
            url = env[var]
            m = re.fullmatch(r"http://([a-z0-9]([a-z0-9-]*[a-z0-9])?):([0-9]+)", str(url))
            check(m is not None, f"{caller}: {var} is {url!r}, expected http://SERVICE:PORT")
            host, port = m.group(1), int(m.group(3))
            check(host in services, f"{caller}: {var} is {url!r}, but no Service {host} is rendered")
            s = services[host]
            check(selector_matches({"matchLabels": s["spec"]["selector"]}, pods[target]),
                  f"{caller}: {var} is {url!r}, but Service {host} does not select {target} pods")
            check(port == PORTS[target], f"{caller}: {var} is {url!r}, {target} listens on {PORTS[target]}")
            pod_port = service_port_target(r, s, port, target)
            check(pod_port == PORTS[target],
                  f"{caller}: {var} is {url!r}, but Service {host} port {port} leads to {pod_port}")
    # The migration Job and the test pod call no service through these variables.
    for w in workloads(r):
        if pod_labels(w).get(COMPONENT) in PORTS:
            continue
        for c in containers(pod_spec(w)):
            found = sorted(set(URL_VARS.values()) & set(env_of(r, c)))
            check(not found, f"{w['kind']} {w['metadata']['name']} container {c['name']} sets {found}")


@rendering_check
def the_gateway_knows_its_identity_provider_in_production(r: Rendering):
    if not r.is_production:
        return
    env = env_of(r, pod_spec(r.deployment("gateway"))["containers"][0])
    check(str(env.get("ENGAGE_JWKS_URL", "")).startswith("https://"), "no ENGAGE_JWKS_URL")
    check(env.get("ENGAGE_JWT_ISSUERS"), "no ENGAGE_JWT_ISSUERS")
    check(isinstance(env.get("ENGAGE_REDIS_URL"), tuple), "no Redis for shared rate limits")
    check(str(env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "")).startswith("http"), "no OTLP endpoint")


@rendering_check
def production_ingress_serves_grpc_and_grpc_web_from_the_gateway(r: Rendering):
    ingresses = r.of_kind("Ingress")
    gateway_service = [s["metadata"]["name"] for s in r.of_kind("Service")
                       if s["spec"]["selector"].get(COMPONENT) == "gateway"]
    for ing in ingresses:
        for rule in ing["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                check(path["backend"]["service"]["name"] in gateway_service,
                      f"Ingress {ing['metadata']['name']} leads to {path['backend']['service']['name']}")
    if not r.is_production:
        return
    protocols = sorted(
        (i["metadata"].get("annotations") or {}).get("nginx.ingress.kubernetes.io/backend-protocol", "HTTP")
        for i in ingresses
    )
    check(protocols == ["GRPC", "HTTP"], f"ingress backend protocols {protocols}")
    for ing in ingresses:
        check(ing["spec"].get("tls"), f"Ingress {ing['metadata']['name']} without TLS")


@rendering_check
def helm_test_asks_the_gateway_for_every_health(r: Rendering):
    pods = [p for p in r.of_kind("Pod") if (p["metadata"].get("annotations") or {}).get("helm.sh/hook") == "test"]
    if not r.is_helm:
        check(not pods, "a test pod outside the chart")
        return
    check(len(pods) == 1, f"{len(pods)} helm test pods")
    gateway_service = [s["metadata"]["name"] for s in r.of_kind("Service")
                       if s["spec"]["selector"].get(COMPONENT) == "gateway"][0]
    asked = set()
    for c in pods[0]["spec"]["containers"]:
        args = list(c.get("command", []) or []) + list(c.get("args", []) or [])
        check(args[:3] == ["health", "--address", f"{gateway_service}:8080"], f"test runs {args}")
        asked.add(args[args.index("--service") + 1] if "--service" in args else "")
    check(asked == {""} | set(GRPC_NAMES.values()), f"the test asks about {sorted(asked)}")


@rendering_check
def every_object_is_labelled_part_of_engage(r: Rendering):
    for o in r.objects:
        check(labels_of(o).get("app.kubernetes.io/part-of") == "engage",
              f"{o['kind']} {o['metadata']['name']} is not labelled part-of engage")


# --------------------------------------------------------------------------------------------
# Checks on the files themselves

FILE_CHECKS = []


def file_check(fn):
    FILE_CHECKS.append(fn)
    return fn


def compose():
    return yaml.safe_load((ROOT / "deploy/compose.yaml").read_text())


def engage_compose_services(c: dict) -> dict:
    return {n: s for n, s in c["services"].items() if s.get("image") == "engage:local"}


@file_check
def compose_publishes_only_the_gateway_and_the_trace_viewer_on_loopback(_):
    c = compose()
    for name, s in c["services"].items():
        ports = s.get("ports") or []
        if name in engage_compose_services(c) and name != "gateway":
            check(not ports, f"compose: {name} is published")
        for p in ports:
            check(str(p).startswith("127.0.0.1:"), f"compose: {name} publishes {p} beyond loopback")
    check(c["services"]["gateway"].get("ports") == ["127.0.0.1:8080:8080"], "compose: gateway port")


@file_check
def compose_runs_engage_hardened_and_health_checked(_):
    c = compose()
    engage = engage_compose_services(c)
    check(set(engage) == set(PORTS) | {f"migrate-{s}" for s in SERVICES},
          f"compose: engage containers {sorted(engage)}")
    for name, s in engage.items():
        check(s.get("read_only") is True, f"compose: {name} root filesystem is writable")
        check(s.get("cap_drop") == ["ALL"], f"compose: {name} keeps capabilities")
        check("no-new-privileges:true" in (s.get("security_opt") or []), f"compose: {name} may gain privileges")
        check(s["build"]["dockerfile"] == "deploy/Dockerfile", f"compose: {name} image recipe")
    for component, port in PORTS.items():
        s = engage[component]
        check(s["command"] == ["serve", component], f"compose: {component} runs {s['command']}")
        check(s["environment"]["ENGAGE_LISTEN"] == f"0.0.0.0:{port}", f"compose: {component} listen")
        test = s["healthcheck"]["test"]
        check(test == ["CMD", "/usr/local/bin/engage", "health", "--address", f"127.0.0.1:{port}"],
              f"compose: {component} health check {test}")


@file_check
def compose_migrates_each_database_before_its_service(_):
    c = compose()
    for service in SERVICES:
        m = c["services"][f"migrate-{service}"]
        check(m["command"] == ["migrate", service], f"compose: migrate-{service} runs {m['command']}")
        check(m["environment"]["ENGAGE_DATABASE_URL"] == c["services"][service]["environment"]["ENGAGE_DATABASE_URL"],
              f"compose: migrate-{service} and {service} use different databases")
        check(m["environment"]["ENGAGE_DATABASE_URL"].endswith(f"/engage_{service}"),
              f"compose: {service} does not have its own database")
        check(m["depends_on"]["postgres"]["condition"] == "service_healthy", f"compose: migrate-{service} waits")
        dep = c["services"][service]["depends_on"][f"migrate-{service}"]
        check(dep["condition"] == "service_completed_successfully",
              f"compose: {service} starts before its migration succeeds")
    gateway = c["services"]["gateway"]["depends_on"]
    for service in SERVICES:
        check(gateway[service]["condition"] == "service_healthy", f"compose: gateway starts before {service}")


@file_check
def compose_callers_find_the_services_they_call(_):
    c = compose()
    for name, s in engage_compose_services(c).items():
        env = s.get("environment") or {}
        for target, var in URL_VARS.items():
            expected = f"http://{target}:{PORTS[target]}" if name in CALLERS[target] else None
            check(env.get(var) == expected, f"compose: {name} {var} is {env.get(var)!r}, expected {expected!r}")
            if expected:
                listen = c["services"][target]["environment"]["ENGAGE_LISTEN"]
                check(listen == f"0.0.0.0:{PORTS[target]}", f"compose: {name} calls {target}, which listens on {listen}")


@file_check
def compose_services_publish_their_events_to_redis(_):
    c = compose()
    gateway = c["services"]["gateway"]["environment"]["ENGAGE_REDIS_URL"]
    check(gateway == "redis://redis:6379", f"compose: gateway ENGAGE_REDIS_URL is {gateway!r}")
    retention = set()
    for service in SERVICES:
        s = c["services"][service]
        env = s.get("environment") or {}
        check(env.get("ENGAGE_REDIS_URL") == gateway,
              f"compose: {service} ENGAGE_REDIS_URL is {env.get('ENGAGE_REDIS_URL')!r}, expected {gateway!r}")
        dep = (s.get("depends_on") or {}).get("redis") or {}
        check(dep.get("condition") == "service_healthy", f"compose: {service} starts before Redis is healthy")
        retention.add(env.get("ENGAGE_EVENT_RETENTION_HOURS"))
    check(len(retention) == 1, f"compose: event retention differs between services: {sorted(map(str, retention))}")


@file_check
def compose_keeps_secrets_in_ignored_files(_):
    c = compose()
    text = (ROOT / "deploy/compose.yaml").read_text()
    for url in re.findall(r"postgres://\S+", text):
        check("${POSTGRES_PASSWORD}" in url, f"compose: a literal database password in {url}")
    for name, secret in c["secrets"].items():
        check(secret["file"].startswith("./secrets/"), f"compose: secret {name} outside deploy/secrets")
    ignored = (ROOT / ".gitignore").read_text().split()
    check("/deploy/secrets/" in ignored and "/deploy/.env" in ignored,
          ".gitignore does not ignore deploy/secrets/ and deploy/.env")
    for name, s in engage_compose_services(c).items():
        env = s.get("environment") or {}
        check(("ENGAGE_DEVELOPMENT" in env) == (name == "gateway"), f"compose: {name} development setting")
        check("ENGAGE_INTERNAL_KEY" not in env, f"compose: {name} internal key in the environment")


@file_check
def compose_sends_telemetry_to_the_collector_and_the_collector_to_jaeger(_):
    c = compose()
    for name in PORTS:
        env = c["services"][name]["environment"]
        check(env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4317", f"compose: {name} OTLP endpoint")
        check(env["OTEL_SERVICE_NAME"] == f"engage-{name}", f"compose: {name} service name")
    collector = yaml.safe_load((ROOT / "deploy/otel-collector.yaml").read_text())
    check(collector["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"] == "0.0.0.0:4317",
          "collector: OTLP gRPC receiver")
    for signal, pipeline in collector["service"]["pipelines"].items():
        for kind in ("receivers", "processors", "exporters"):
            for component in pipeline.get(kind, []):
                check(component in (collector.get(kind) or {}), f"collector: {signal} uses undefined {component}")
    traces = collector["service"]["pipelines"]["traces"]["exporters"]
    endpoints = [collector["exporters"][e].get("endpoint") for e in traces]
    check("jaeger:4317" in endpoints, f"collector: traces go to {endpoints}")
    check("jaeger" in c["services"], "compose: no trace viewer")


@file_check
def image_builds_once_and_runs_non_root_with_a_grpc_health_check(_):
    text = (ROOT / "deploy/Dockerfile").read_text()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    froms = [ln for ln in lines if ln.upper().startswith("FROM ")]
    check(len(froms) >= 3, "Dockerfile: not a multi-stage build")
    check("cargo chef prepare" in text and "cargo chef cook" in text, "Dockerfile: no cached dependency layer")
    check("cargo build --release --locked -p engage" in text, "Dockerfile: does not build the engage package")
    final = text[text.rindex("\nFROM "):]
    users = re.findall(r"^USER\s+(\S+)", final, re.M)
    check(users and users[-1].split(":")[0].isdigit() and users[-1].split(":")[0] != "0",
          f"Dockerfile: final stage runs as {users}")
    check(re.search(r'HEALTHCHECK .*\n?.*"health", "--address"', final), "Dockerfile: no gRPC health check")
    check('ENTRYPOINT ["/usr/local/bin/engage"]' in final, "Dockerfile: entrypoint")
    ignore = (ROOT / "deploy/Dockerfile.dockerignore").read_text().split()
    for path in ("target", ".git", "deploy/secrets", "deploy/.env"):
        check(path in ignore, f"Dockerfile.dockerignore does not leave out {path}")


# --------------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not Path(argv[1]).is_dir():
        print(__doc__.strip(), file=sys.stderr)
        return 2
    renderings = [Rendering(p) for p in sorted(Path(argv[1]).glob("*.yaml"))]
    expected = {"kustomize-base", "kustomize-production", "helm3-default", "helm3-production",
                "helm4-default", "helm4-production"}
    passed = failed = 0

    def run(name, fn, arg):
        nonlocal passed, failed
        try:
            fn(arg)
        except Failure as e:
            failed += 1
            print(f"FAIL {name}: {e}")
        except Exception:  # a broken check is a failure too
            failed += 1
            print(f"FAIL {name}: {traceback.format_exc().strip().splitlines()[-1]}")
        else:
            passed += 1
            print(f"ok   {name}")

    def renderings_present(_):
        check({r.name for r in renderings} >= expected,
              f"renderings {sorted(r.name for r in renderings)}, expected {sorted(expected)}")

    run("renderings_present", renderings_present, None)
    for r in renderings:
        for fn in RENDERING_CHECKS:
            run(f"{r.name}: {fn.__name__}", fn, r)
    for fn in FILE_CHECKS:
        run(fn.__name__, fn, None)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
