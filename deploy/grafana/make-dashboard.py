#!/usr/bin/env python3
"""Writes deploy/grafana/dashboards/mesos-runbooks.json, the Grafana dashboard of the worker's metrics.

Edit the panels here and run `python3 deploy/grafana/make-dashboard.py`; test/e2e/observability.test.ts checks that
every metric the dashboard queries is served by a real worker's /metrics.
"""
import json
import pathlib

PANELS = [
    # (title, unit, [(expr, legend)])
    ("Runs finished / min by runbook and outcome", "short",
     [("sum by (runbook, outcome) (rate(mesos_runbooks_runs_finished_total[5m])) * 60", "{{runbook}} {{outcome}}")]),
    ("Runs started / min", "short",
     [("sum by (runbook) (rate(mesos_runbooks_runs_started_total[5m])) * 60", "{{runbook}}")]),
    ("Failed runs (1 h) by failure type", "short",
     [('sum by (runbook, failure) (increase(mesos_runbooks_runs_finished_total{outcome="failed"}[1h]))', "{{runbook}} {{failure}}")]),
    ("Run duration p50 / p95", "s",
     [("histogram_quantile(0.5, sum by (le, runbook) (rate(mesos_runbooks_run_duration_seconds_bucket[1h])))", "p50 {{runbook}}"),
      ("histogram_quantile(0.95, sum by (le, runbook) (rate(mesos_runbooks_run_duration_seconds_bucket[1h])))", "p95 {{runbook}}")]),
    ("Open waits by cluster and kind (watcher)", "short",
     [("max by (cluster, kind) (mesos_runbooks_waits)", "{{cluster}} {{kind}}")]),
    ("Oldest open wait by kind", "s",
     [("max by (kind) (mesos_runbooks_wait_oldest_age_seconds)", "{{kind}}")]),
    ("Wait duration p95 by kind", "s",
     [("histogram_quantile(0.95, sum by (le, kind) (rate(mesos_runbooks_wait_duration_seconds_bucket[1h])))", "{{kind}}")]),
    ("Agent leases held / queued", "short",
     [("max by (cluster) (mesos_runbooks_leases_held)", "held {{cluster}}"),
      ("max by (cluster) (mesos_runbooks_lease_queue_length)", "queued {{cluster}}")]),
    ("Mesos calls / s by call and status", "reqps",
     [("sum by (call, status) (rate(mesos_runbooks_mesos_calls_total[5m]))", "{{call}} {{status}}")]),
    ("Mesos call errors (non-2xx or no response) / s", "reqps",
     [('sum by (cluster, call, status) (rate(mesos_runbooks_mesos_calls_total{status!~"2.."}[5m]))', "{{cluster}} {{call}} {{status}}")]),
    ("Mesos call latency p95 by call", "s",
     [("histogram_quantile(0.95, sum by (le, call) (rate(mesos_runbooks_mesos_call_duration_seconds_bucket[5m])))", "{{call}}")]),
    ("Watcher reads (GET_AGENTS) / min by cluster", "short",
     [("sum by (cluster) (rate(mesos_runbooks_watcher_reads_total[5m])) * 60", "{{cluster}}")]),
    ("Temporal: workflow task schedule-to-start p95", "s",
     [("histogram_quantile(0.95, sum by (le) (rate(temporal_workflow_task_schedule_to_start_latency_bucket[5m])))", "workflow tasks")]),
    ("Temporal: activity schedule-to-start p95", "s",
     [("histogram_quantile(0.95, sum by (le) (rate(temporal_activity_schedule_to_start_latency_bucket[5m])))", "activities")]),
    ("Temporal: worker task slots available", "short",
     [("sum by (worker_type) (temporal_worker_task_slots_available)", "{{worker_type}}")]),
    ("Temporal: sticky cache size", "short",
     [("sum(temporal_sticky_cache_size)", "cached runs")]),
]


def panel(i, title, unit, targets):
    return {
        "id": i + 1,
        "type": "timeseries",
        "title": title,
        "datasource": {"type": "prometheus", "uid": "prometheus"},
        "gridPos": {"h": 8, "w": 12, "x": (i % 2) * 12, "y": (i // 2) * 8},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}},
        "targets": [
            {"refId": chr(ord("A") + j), "datasource": {"type": "prometheus", "uid": "prometheus"}, "expr": expr, "legendFormat": legend}
            for j, (expr, legend) in enumerate(targets)
        ],
    }


dashboard = {
    "uid": "mesos-runbooks",
    "title": "mesos-runbooks",
    "description": "Runs, waits, leases and Mesos calls of the mesos-runbooks workers, and the Temporal SDK's worker metrics (docs/production.md).",
    "tags": ["mesos", "temporal"],
    "timezone": "browser",
    "schemaVersion": 39,
    "version": 1,
    "refresh": "30s",
    "time": {"from": "now-6h", "to": "now"},
    "panels": [panel(i, *p) for i, p in enumerate(PANELS)],
}

out = pathlib.Path(__file__).parent / "dashboards" / "mesos-runbooks.json"
out.write_text(json.dumps(dashboard, indent=2) + "\n")
print(f"wrote {out}")
