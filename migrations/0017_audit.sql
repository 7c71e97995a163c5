-- Issue 15: a hash-chained audit log. Triggers append every change to the tables that hold
-- decisions, people and credentials (not the machine's own bookkeeping: classification scores,
-- index revisions, mail attempts) to `audit_log`; the service seals new rows in `seq` order
-- with hash = sha256(previous hash, row), and `tanggap audit verify` recomputes the chain, so an
-- edited or deleted row (here or in the audited tables' history) is found. Passwords and CSRF
-- tokens never enter the log: a password change appears as `password_changed`.
CREATE TABLE audit_log (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    tbl      TEXT NOT NULL,
    op       TEXT NOT NULL,      -- insert | update | delete
    row_key  TEXT NOT NULL,
    data     TEXT NOT NULL,      -- JSON: the row's audited columns after the change (before, for delete)
    hash     TEXT                -- filled by the sealer, in seq order
);
CREATE INDEX audit_log_unsealed ON audit_log(seq) WHERE hash IS NULL;


-- incidents
CREATE TRIGGER audit_incidents_insert AFTER INSERT ON incidents BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('incidents', 'insert', NEW.id, json_object('status', NEW.status, 'severity', NEW.severity, 'top_label', NEW.top_label, 'labels', NEW.labels, 'team', NEW.team, 'region', NEW.region, 'verdict', NEW.verdict, 'assignee', NEW.assignee, 'playbook_id', NEW.playbook_id, 'merged_into', NEW.merged_into, 'acknowledged_at', NEW.acknowledged_at, 'cluster_key', NEW.cluster_key));
END;
CREATE TRIGGER audit_incidents_update AFTER UPDATE ON incidents
WHEN OLD.status IS NOT NEW.status OR OLD.severity IS NOT NEW.severity OR OLD.verdict IS NOT NEW.verdict OR OLD.assignee IS NOT NEW.assignee OR OLD.team IS NOT NEW.team OR OLD.playbook_id IS NOT NEW.playbook_id OR OLD.merged_into IS NOT NEW.merged_into OR OLD.acknowledged_at IS NOT NEW.acknowledged_at BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('incidents', 'update', NEW.id, json_object('status', NEW.status, 'severity', NEW.severity, 'top_label', NEW.top_label, 'labels', NEW.labels, 'team', NEW.team, 'region', NEW.region, 'verdict', NEW.verdict, 'assignee', NEW.assignee, 'playbook_id', NEW.playbook_id, 'merged_into', NEW.merged_into, 'acknowledged_at', NEW.acknowledged_at, 'cluster_key', NEW.cluster_key));
END;
CREATE TRIGGER audit_incidents_delete AFTER DELETE ON incidents BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('incidents', 'delete', OLD.id, json_object('status', OLD.status, 'severity', OLD.severity, 'top_label', OLD.top_label, 'labels', OLD.labels, 'team', OLD.team, 'region', OLD.region, 'verdict', OLD.verdict, 'assignee', OLD.assignee, 'playbook_id', OLD.playbook_id, 'merged_into', OLD.merged_into, 'acknowledged_at', OLD.acknowledged_at, 'cluster_key', OLD.cluster_key));
END;

-- incident_events
CREATE TRIGGER audit_incident_events_insert AFTER INSERT ON incident_events BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('incident_events', 'insert', NEW.id, json_object('incident_id', NEW.incident_id, 'at', NEW.at, 'actor', NEW.actor, 'kind', NEW.kind, 'detail', NEW.detail));
END;
CREATE TRIGGER audit_incident_events_update AFTER UPDATE ON incident_events BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('incident_events', 'update', NEW.id, json_object('incident_id', NEW.incident_id, 'at', NEW.at, 'actor', NEW.actor, 'kind', NEW.kind, 'detail', NEW.detail));
END;
CREATE TRIGGER audit_incident_events_delete AFTER DELETE ON incident_events BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('incident_events', 'delete', OLD.id, json_object('incident_id', OLD.incident_id, 'at', OLD.at, 'actor', OLD.actor, 'kind', OLD.kind, 'detail', OLD.detail));
END;

-- clarifications
CREATE TRIGGER audit_clarifications_insert AFTER INSERT ON clarifications BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('clarifications', 'insert', NEW.id, json_object('incident_id', NEW.incident_id, 'status', NEW.status, 'verdict', NEW.verdict, 'title', NEW.title, 'body', NEW.body, 'author', NEW.author, 'revision', NEW.revision, 'approved_by', NEW.approved_by, 'approved_at', NEW.approved_at, 'return_comment', NEW.return_comment));
END;
CREATE TRIGGER audit_clarifications_update AFTER UPDATE ON clarifications
WHEN OLD.status IS NOT NEW.status OR OLD.verdict IS NOT NEW.verdict OR OLD.title IS NOT NEW.title OR OLD.body IS NOT NEW.body OR OLD.approved_by IS NOT NEW.approved_by OR OLD.revision IS NOT NEW.revision BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('clarifications', 'update', NEW.id, json_object('incident_id', NEW.incident_id, 'status', NEW.status, 'verdict', NEW.verdict, 'title', NEW.title, 'body', NEW.body, 'author', NEW.author, 'revision', NEW.revision, 'approved_by', NEW.approved_by, 'approved_at', NEW.approved_at, 'return_comment', NEW.return_comment));
END;
CREATE TRIGGER audit_clarifications_delete AFTER DELETE ON clarifications BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('clarifications', 'delete', OLD.id, json_object('incident_id', OLD.incident_id, 'status', OLD.status, 'verdict', OLD.verdict, 'title', OLD.title, 'body', OLD.body, 'author', OLD.author, 'revision', OLD.revision, 'approved_by', OLD.approved_by, 'approved_at', OLD.approved_at, 'return_comment', OLD.return_comment));
END;

-- clarification_events
CREATE TRIGGER audit_clarification_events_insert AFTER INSERT ON clarification_events BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('clarification_events', 'insert', NEW.id, json_object('clarification_id', NEW.clarification_id, 'at', NEW.at, 'actor', NEW.actor, 'kind', NEW.kind, 'revision', NEW.revision, 'detail', NEW.detail));
END;
CREATE TRIGGER audit_clarification_events_update AFTER UPDATE ON clarification_events BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('clarification_events', 'update', NEW.id, json_object('clarification_id', NEW.clarification_id, 'at', NEW.at, 'actor', NEW.actor, 'kind', NEW.kind, 'revision', NEW.revision, 'detail', NEW.detail));
END;
CREATE TRIGGER audit_clarification_events_delete AFTER DELETE ON clarification_events BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('clarification_events', 'delete', OLD.id, json_object('clarification_id', OLD.clarification_id, 'at', OLD.at, 'actor', OLD.actor, 'kind', OLD.kind, 'revision', OLD.revision, 'detail', OLD.detail));
END;

-- users
CREATE TRIGGER audit_users_insert AFTER INSERT ON users BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('users', 'insert', NEW.username, json_object('username', NEW.username, 'name', NEW.name, 'role', NEW.role, 'disabled_at', NEW.disabled_at));
END;
CREATE TRIGGER audit_users_update AFTER UPDATE ON users
WHEN OLD.name IS NOT NEW.name OR OLD.role IS NOT NEW.role OR OLD.disabled_at IS NOT NEW.disabled_at OR OLD.password_hash IS NOT NEW.password_hash BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('users', 'update', NEW.username, json_object('username', NEW.username, 'name', NEW.name, 'role', NEW.role, 'disabled_at', NEW.disabled_at, 'password_changed', OLD.password_hash IS NOT NEW.password_hash));
END;
CREATE TRIGGER audit_users_delete AFTER DELETE ON users BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('users', 'delete', OLD.username, json_object('username', OLD.username, 'name', OLD.name, 'role', OLD.role, 'disabled_at', OLD.disabled_at));
END;

-- sessions
CREATE TRIGGER audit_sessions_insert AFTER INSERT ON sessions BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('sessions', 'insert', NEW.user_id, json_object('user_id', NEW.user_id, 'created_at', NEW.created_at, 'expires_at', NEW.expires_at));
END;
CREATE TRIGGER audit_sessions_update AFTER UPDATE ON sessions
WHEN OLD.user_id IS NOT NEW.user_id OR OLD.expires_at IS NOT NEW.expires_at BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('sessions', 'update', NEW.user_id, json_object('user_id', NEW.user_id, 'created_at', NEW.created_at, 'expires_at', NEW.expires_at));
END;
CREATE TRIGGER audit_sessions_delete AFTER DELETE ON sessions BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('sessions', 'delete', OLD.user_id, json_object('user_id', OLD.user_id, 'created_at', OLD.created_at, 'expires_at', OLD.expires_at));
END;

-- api_tokens
CREATE TRIGGER audit_api_tokens_insert AFTER INSERT ON api_tokens BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('api_tokens', 'insert', NEW.name, json_object('name', NEW.name, 'role', NEW.role, 'owner', NEW.owner, 'revoked_at', NEW.revoked_at));
END;
CREATE TRIGGER audit_api_tokens_update AFTER UPDATE ON api_tokens BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('api_tokens', 'update', NEW.name, json_object('name', NEW.name, 'role', NEW.role, 'owner', NEW.owner, 'revoked_at', NEW.revoked_at));
END;
CREATE TRIGGER audit_api_tokens_delete AFTER DELETE ON api_tokens BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('api_tokens', 'delete', OLD.name, json_object('name', OLD.name, 'role', OLD.role, 'owner', OLD.owner, 'revoked_at', OLD.revoked_at));
END;

-- known_claims
CREATE TRIGGER audit_known_claims_insert AFTER INSERT ON known_claims BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('known_claims', 'insert', NEW.id, json_object('claim', NEW.claim, 'verdict', NEW.verdict, 'url', NEW.url, 'incident_id', NEW.incident_id, 'origin', NEW.origin, 'disabled_at', NEW.disabled_at, 'disabled_reason', NEW.disabled_reason));
END;
CREATE TRIGGER audit_known_claims_update AFTER UPDATE ON known_claims
WHEN OLD.claim IS NOT NEW.claim OR OLD.verdict IS NOT NEW.verdict OR OLD.url IS NOT NEW.url OR OLD.incident_id IS NOT NEW.incident_id OR OLD.disabled_at IS NOT NEW.disabled_at BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('known_claims', 'update', NEW.id, json_object('claim', NEW.claim, 'verdict', NEW.verdict, 'url', NEW.url, 'incident_id', NEW.incident_id, 'origin', NEW.origin, 'disabled_at', NEW.disabled_at, 'disabled_reason', NEW.disabled_reason));
END;
CREATE TRIGGER audit_known_claims_delete AFTER DELETE ON known_claims BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('known_claims', 'delete', OLD.id, json_object('claim', OLD.claim, 'verdict', OLD.verdict, 'url', OLD.url, 'incident_id', OLD.incident_id, 'origin', OLD.origin, 'disabled_at', OLD.disabled_at, 'disabled_reason', OLD.disabled_reason));
END;

-- checklist_marks
CREATE TRIGGER audit_checklist_marks_insert AFTER INSERT ON checklist_marks BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('checklist_marks', 'insert', NEW.incident_id || ':' || NEW.step, json_object('incident_id', NEW.incident_id, 'playbook_id', NEW.playbook_id, 'step', NEW.step, 'done_by', NEW.done_by, 'done_at', NEW.done_at));
END;
CREATE TRIGGER audit_checklist_marks_update AFTER UPDATE ON checklist_marks BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('checklist_marks', 'update', NEW.incident_id || ':' || NEW.step, json_object('incident_id', NEW.incident_id, 'playbook_id', NEW.playbook_id, 'step', NEW.step, 'done_by', NEW.done_by, 'done_at', NEW.done_at));
END;
CREATE TRIGGER audit_checklist_marks_delete AFTER DELETE ON checklist_marks BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('checklist_marks', 'delete', OLD.incident_id || ':' || OLD.step, json_object('incident_id', OLD.incident_id, 'playbook_id', OLD.playbook_id, 'step', OLD.step, 'done_by', OLD.done_by, 'done_at', OLD.done_at));
END;

-- copy_log
CREATE TRIGGER audit_copy_log_insert AFTER INSERT ON copy_log BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('copy_log', 'insert', NEW.id, json_object('clarification_id', NEW.clarification_id, 'actor', NEW.actor, 'channel', NEW.channel, 'at', NEW.at));
END;
CREATE TRIGGER audit_copy_log_update AFTER UPDATE ON copy_log BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('copy_log', 'update', NEW.id, json_object('clarification_id', NEW.clarification_id, 'actor', NEW.actor, 'channel', NEW.channel, 'at', NEW.at));
END;
CREATE TRIGGER audit_copy_log_delete AFTER DELETE ON copy_log BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('copy_log', 'delete', OLD.id, json_object('clarification_id', OLD.clarification_id, 'actor', OLD.actor, 'channel', OLD.channel, 'at', OLD.at));
END;

-- feedback
CREATE TRIGGER audit_feedback_insert AFTER INSERT ON feedback BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('feedback', 'insert', NEW.id, json_object('incident_id', NEW.incident_id, 'decision', NEW.decision, 'labels', NEW.labels, 'reason', NEW.reason, 'actor', NEW.actor, 'at', NEW.at));
END;
CREATE TRIGGER audit_feedback_update AFTER UPDATE ON feedback BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('feedback', 'update', NEW.id, json_object('incident_id', NEW.incident_id, 'decision', NEW.decision, 'labels', NEW.labels, 'reason', NEW.reason, 'actor', NEW.actor, 'at', NEW.at));
END;
CREATE TRIGGER audit_feedback_delete AFTER DELETE ON feedback BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('feedback', 'delete', OLD.id, json_object('incident_id', OLD.incident_id, 'decision', OLD.decision, 'labels', OLD.labels, 'reason', OLD.reason, 'actor', OLD.actor, 'at', OLD.at));
END;

-- review_decisions
CREATE TRIGGER audit_review_decisions_insert AFTER INSERT ON review_decisions BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('review_decisions', 'insert', NEW.id, json_object('mention_id', NEW.mention_id, 'decision', NEW.decision, 'labels', NEW.labels, 'reason', NEW.reason, 'actor', NEW.actor, 'at', NEW.at));
END;
CREATE TRIGGER audit_review_decisions_update AFTER UPDATE ON review_decisions BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('review_decisions', 'update', NEW.id, json_object('mention_id', NEW.mention_id, 'decision', NEW.decision, 'labels', NEW.labels, 'reason', NEW.reason, 'actor', NEW.actor, 'at', NEW.at));
END;
CREATE TRIGGER audit_review_decisions_delete AFTER DELETE ON review_decisions BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('review_decisions', 'delete', OLD.id, json_object('mention_id', OLD.mention_id, 'decision', OLD.decision, 'labels', OLD.labels, 'reason', OLD.reason, 'actor', OLD.actor, 'at', OLD.at));
END;

-- feed_state
CREATE TRIGGER audit_feed_state_insert AFTER INSERT ON feed_state BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('feed_state', 'insert', NEW.name, json_object('url', NEW.url, 'kind', NEW.kind, 'region', NEW.region, 'every_secs', NEW.every_secs, 'enabled', NEW.enabled, 'origin', NEW.origin, 'created_by', NEW.created_by));
END;
CREATE TRIGGER audit_feed_state_update AFTER UPDATE ON feed_state
WHEN OLD.url IS NOT NEW.url OR OLD.kind IS NOT NEW.kind OR OLD.region IS NOT NEW.region OR OLD.every_secs IS NOT NEW.every_secs OR OLD.enabled IS NOT NEW.enabled BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('feed_state', 'update', NEW.name, json_object('url', NEW.url, 'kind', NEW.kind, 'region', NEW.region, 'every_secs', NEW.every_secs, 'enabled', NEW.enabled, 'origin', NEW.origin, 'created_by', NEW.created_by));
END;
CREATE TRIGGER audit_feed_state_delete AFTER DELETE ON feed_state BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('feed_state', 'delete', OLD.name, json_object('url', OLD.url, 'kind', OLD.kind, 'region', OLD.region, 'every_secs', OLD.every_secs, 'enabled', OLD.enabled, 'origin', OLD.origin, 'created_by', OLD.created_by));
END;

-- mentions: only what people decide (review tray), and deletions.
CREATE TRIGGER audit_mentions_update AFTER UPDATE ON mentions
WHEN OLD.confirmed_labels IS NOT NEW.confirmed_labels OR OLD.review_state IS NOT NEW.review_state BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('mentions', 'update', NEW.id, json_object('confirmed_labels', NEW.confirmed_labels, 'review_state', NEW.review_state));
END;
CREATE TRIGGER audit_mentions_delete AFTER DELETE ON mentions BEGIN
    INSERT INTO audit_log (tbl, op, row_key, data) VALUES ('mentions', 'delete', OLD.id, json_object('source', OLD.source, 'external_id', OLD.external_id, 'content_hash', OLD.content_hash));
END;
