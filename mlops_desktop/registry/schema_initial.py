"""Migration 1: the schema of the whole loop (datasets, runs, models, jobs, the prediction log,
monitoring, audit). Shipped: never edit it; later changes are new migrations in ``migrations``."""

JOB_STATES = "'queued','running','succeeded','failed','cancelled','interrupted'"

#: Migration 1's SQL script.
INITIAL_SCHEMA = f"""
CREATE TABLE workspace_settings (
    key TEXT PRIMARY KEY,
    value_json TEXT NOT NULL
);

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ({JOB_STATES})),
    progress REAL NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    params_json TEXT NOT NULL DEFAULT '{{}}',
    result_json TEXT,
    error TEXT,
    error_details TEXT,
    log TEXT NOT NULL DEFAULT '',
    owner_pid INTEGER,
    worker_pid INTEGER,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL
);
CREATE INDEX jobs_status ON jobs(status);

CREATE TABLE dataset_versions (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    number INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    artifact_hash TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    rows INTEGER NOT NULL,
    columns INTEGER NOT NULL,
    schema_json TEXT NOT NULL DEFAULT '{{}}',
    roles_json TEXT NOT NULL DEFAULT '{{}}',
    pii_json TEXT NOT NULL DEFAULT '{{}}',
    split_json TEXT NOT NULL DEFAULT '{{}}',
    profile_json TEXT NOT NULL DEFAULT '{{}}',
    checks_json TEXT NOT NULL DEFAULT '[]',
    override_reason TEXT,
    parent_id INTEGER REFERENCES dataset_versions(id),
    created_at REAL NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (name, number)
);
CREATE INDEX dataset_versions_content ON dataset_versions(content_hash);

CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    dataset_version_id INTEGER NOT NULL REFERENCES dataset_versions(id),
    job_id TEXT REFERENCES jobs(id),
    model_family TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ({JOB_STATES})),
    seed INTEGER,
    config_json TEXT NOT NULL DEFAULT '{{}}',
    params_json TEXT NOT NULL DEFAULT '{{}}',
    metrics_json TEXT NOT NULL DEFAULT '{{}}',
    library_versions_json TEXT NOT NULL DEFAULT '{{}}',
    artifact_hash TEXT,
    fingerprint TEXT,
    parent_model_version_id INTEGER REFERENCES model_versions(id),
    log TEXT NOT NULL DEFAULT '',
    error TEXT,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    duration_s REAL
);
CREATE INDEX runs_dataset ON runs(dataset_version_id);

CREATE TABLE model_versions (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    number INTEGER NOT NULL,
    run_id TEXT NOT NULL REFERENCES runs(id),
    artifact_hash TEXT NOT NULL,
    signature_json TEXT NOT NULL DEFAULT '{{}}',
    parent_id INTEGER REFERENCES model_versions(id),
    description TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (name, number)
);

CREATE TABLE alias_history (
    id INTEGER PRIMARY KEY,
    model_name TEXT NOT NULL,
    alias TEXT NOT NULL,
    model_version_id INTEGER NOT NULL REFERENCES model_versions(id),
    started_at REAL NOT NULL,
    ended_at REAL,
    set_by TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX alias_current ON alias_history(model_name, alias) WHERE ended_at IS NULL;
CREATE INDEX alias_lookup ON alias_history(model_name, alias, started_at);

CREATE TABLE quality_gates (
    id INTEGER PRIMARY KEY,
    model_name TEXT NOT NULL,
    version INTEGER NOT NULL,
    spec_json TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (model_name, version)
);

CREATE TABLE behavioural_tests (
    id INTEGER PRIMARY KEY,
    model_name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('minimum', 'invariance', 'directional')),
    name TEXT NOT NULL,
    spec_json TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at REAL NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE test_reports (
    id INTEGER PRIMARY KEY,
    model_version_id INTEGER NOT NULL REFERENCES model_versions(id),
    gate_id INTEGER REFERENCES quality_gates(id),
    job_id TEXT REFERENCES jobs(id),
    passed INTEGER,
    summary_json TEXT NOT NULL DEFAULT '{{}}',
    html_hash TEXT,
    pdf_hash TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX test_reports_model ON test_reports(model_version_id, created_at);

CREATE TABLE deployments (
    id INTEGER PRIMARY KEY,
    model_name TEXT NOT NULL,
    live_version_id INTEGER REFERENCES model_versions(id),
    candidate_version_id INTEGER REFERENCES model_versions(id),
    mode TEXT NOT NULL CHECK (mode IN ('live', 'canary', 'shadow', 'stopped')),
    canary_percent REAL NOT NULL DEFAULT 0,
    started_at REAL NOT NULL,
    ended_at REAL,
    set_by TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX deployments_current ON deployments(model_name) WHERE ended_at IS NULL;

CREATE TABLE service_instances (
    id INTEGER PRIMARY KEY,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    port INTEGER NOT NULL,
    token_hash TEXT,
    status TEXT NOT NULL CHECK (status IN ('starting', 'running', 'stopped', 'crashed')),
    started_at REAL NOT NULL,
    heartbeat_at REAL,
    stopped_at REAL
);

CREATE TABLE predictions (
    id INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL,
    ts REAL NOT NULL,
    model_name TEXT NOT NULL,
    model_version_id INTEGER REFERENCES model_versions(id),
    arm TEXT NOT NULL CHECK (arm IN ('live', 'canary', 'shadow', 'batch')),
    protocol TEXT NOT NULL DEFAULT '',
    entity_key TEXT,
    inputs_json TEXT,
    outputs_json TEXT,
    latency_ms REAL,
    status INTEGER NOT NULL,
    error TEXT
);
CREATE INDEX predictions_time ON predictions(model_name, ts, arm, status);
CREATE INDEX predictions_request ON predictions(request_id);
CREATE INDEX predictions_entity ON predictions(entity_key) WHERE entity_key IS NOT NULL;

CREATE TABLE outcomes (
    id INTEGER PRIMARY KEY,
    model_name TEXT NOT NULL,
    request_id TEXT,
    entity_key TEXT,
    label_json TEXT NOT NULL,
    observed_at REAL,
    received_at REAL NOT NULL,
    source TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outcomes_request ON outcomes(request_id);
CREATE INDEX outcomes_entity ON outcomes(model_name, entity_key);

CREATE TABLE drift_windows (
    id INTEGER PRIMARY KEY,
    model_name TEXT NOT NULL,
    model_version_id INTEGER REFERENCES model_versions(id),
    window_kind TEXT NOT NULL CHECK (window_kind IN ('time', 'count')),
    window_start REAL NOT NULL,
    window_end REAL NOT NULL,
    n_rows INTEGER NOT NULL,
    drift_share REAL,
    dataset_drift INTEGER,
    prediction_drift REAL,
    multivariate_auc REAL,
    results_json TEXT NOT NULL DEFAULT '{{}}',
    computed_at REAL NOT NULL,
    UNIQUE (model_name, window_kind, window_start)
);

CREATE TABLE alert_rules (
    id INTEGER PRIMARY KEY,
    model_name TEXT NOT NULL,
    signal TEXT NOT NULL,
    params_json TEXT NOT NULL DEFAULT '{{}}',
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at REAL NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    model_name TEXT NOT NULL,
    rule_id INTEGER REFERENCES alert_rules(id),
    signal TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    message TEXT NOT NULL,
    details_json TEXT NOT NULL DEFAULT '{{}}',
    state TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
    opened_at REAL NOT NULL,
    acknowledged_at REAL,
    acknowledged_by TEXT,
    resolved_at REAL,
    resolved_by TEXT,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alerts_state ON alerts(state, model_name);
CREATE INDEX alerts_rule ON alerts(rule_id, state);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    os_user TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_ref TEXT NOT NULL DEFAULT '',
    details_json TEXT NOT NULL DEFAULT '{{}}',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
"""
