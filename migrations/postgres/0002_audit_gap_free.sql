-- The audit chain must have no gaps (a gap is how a deleted row is found) and its `seq` must
-- follow commit order. A sequence gives neither on PostgreSQL: a rolled-back transaction leaves
-- a hole, and numbers are handed out before commit. So, as in SQLite, `seq` is MAX(seq) + 1,
-- taken under the audit lock, which every write transaction except mention intake takes when
-- it begins (store::Store::begin), so audited writers queue in one order and cannot deadlock
-- with each other's row locks. A transaction that rolls back gives its numbers back.
ALTER TABLE audit_log ALTER COLUMN seq DROP DEFAULT;
DROP SEQUENCE IF EXISTS audit_log_seq_seq;

CREATE OR REPLACE FUNCTION audit_incidents_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'incidents', 'insert', NEW.id, json_build_object('status', NEW.status, 'severity', NEW.severity, 'top_label', NEW.top_label, 'labels', NEW.labels, 'team', NEW.team, 'region', NEW.region, 'verdict', NEW.verdict, 'assignee', NEW.assignee, 'playbook_id', NEW.playbook_id, 'merged_into', NEW.merged_into, 'acknowledged_at', NEW.acknowledged_at, 'cluster_key', NEW.cluster_key)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_incidents_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'incidents', 'update', NEW.id, json_build_object('status', NEW.status, 'severity', NEW.severity, 'top_label', NEW.top_label, 'labels', NEW.labels, 'team', NEW.team, 'region', NEW.region, 'verdict', NEW.verdict, 'assignee', NEW.assignee, 'playbook_id', NEW.playbook_id, 'merged_into', NEW.merged_into, 'acknowledged_at', NEW.acknowledged_at, 'cluster_key', NEW.cluster_key)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_incidents_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'incidents', 'delete', OLD.id, json_build_object('status', OLD.status, 'severity', OLD.severity, 'top_label', OLD.top_label, 'labels', OLD.labels, 'team', OLD.team, 'region', OLD.region, 'verdict', OLD.verdict, 'assignee', OLD.assignee, 'playbook_id', OLD.playbook_id, 'merged_into', OLD.merged_into, 'acknowledged_at', OLD.acknowledged_at, 'cluster_key', OLD.cluster_key)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_incident_events_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'incident_events', 'insert', NEW.id, json_build_object('incident_id', NEW.incident_id, 'at', NEW.at, 'actor', NEW.actor, 'kind', NEW.kind, 'detail', NEW.detail)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_incident_events_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'incident_events', 'update', NEW.id, json_build_object('incident_id', NEW.incident_id, 'at', NEW.at, 'actor', NEW.actor, 'kind', NEW.kind, 'detail', NEW.detail)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_incident_events_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'incident_events', 'delete', OLD.id, json_build_object('incident_id', OLD.incident_id, 'at', OLD.at, 'actor', OLD.actor, 'kind', OLD.kind, 'detail', OLD.detail)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_clarifications_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'clarifications', 'insert', NEW.id, json_build_object('incident_id', NEW.incident_id, 'status', NEW.status, 'verdict', NEW.verdict, 'title', NEW.title, 'body', NEW.body, 'author', NEW.author, 'revision', NEW.revision, 'approved_by', NEW.approved_by, 'approved_at', NEW.approved_at, 'return_comment', NEW.return_comment)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_clarifications_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'clarifications', 'update', NEW.id, json_build_object('incident_id', NEW.incident_id, 'status', NEW.status, 'verdict', NEW.verdict, 'title', NEW.title, 'body', NEW.body, 'author', NEW.author, 'revision', NEW.revision, 'approved_by', NEW.approved_by, 'approved_at', NEW.approved_at, 'return_comment', NEW.return_comment)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_clarifications_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'clarifications', 'delete', OLD.id, json_build_object('incident_id', OLD.incident_id, 'status', OLD.status, 'verdict', OLD.verdict, 'title', OLD.title, 'body', OLD.body, 'author', OLD.author, 'revision', OLD.revision, 'approved_by', OLD.approved_by, 'approved_at', OLD.approved_at, 'return_comment', OLD.return_comment)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_clarification_events_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'clarification_events', 'insert', NEW.id, json_build_object('clarification_id', NEW.clarification_id, 'at', NEW.at, 'actor', NEW.actor, 'kind', NEW.kind, 'revision', NEW.revision, 'detail', NEW.detail)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_clarification_events_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'clarification_events', 'update', NEW.id, json_build_object('clarification_id', NEW.clarification_id, 'at', NEW.at, 'actor', NEW.actor, 'kind', NEW.kind, 'revision', NEW.revision, 'detail', NEW.detail)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_clarification_events_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'clarification_events', 'delete', OLD.id, json_build_object('clarification_id', OLD.clarification_id, 'at', OLD.at, 'actor', OLD.actor, 'kind', OLD.kind, 'revision', OLD.revision, 'detail', OLD.detail)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_users_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'users', 'insert', NEW.username, json_build_object('username', NEW.username, 'name', NEW.name, 'role', NEW.role, 'disabled_at', NEW.disabled_at)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_users_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'users', 'update', NEW.username, json_build_object('username', NEW.username, 'name', NEW.name, 'role', NEW.role, 'disabled_at', NEW.disabled_at, 'password_changed', OLD.password_hash IS DISTINCT FROM NEW.password_hash)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_users_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'users', 'delete', OLD.username, json_build_object('username', OLD.username, 'name', OLD.name, 'role', OLD.role, 'disabled_at', OLD.disabled_at)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_sessions_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'sessions', 'insert', NEW.user_id, json_build_object('user_id', NEW.user_id, 'created_at', NEW.created_at, 'expires_at', NEW.expires_at)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_sessions_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'sessions', 'update', NEW.user_id, json_build_object('user_id', NEW.user_id, 'created_at', NEW.created_at, 'expires_at', NEW.expires_at)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_sessions_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'sessions', 'delete', OLD.user_id, json_build_object('user_id', OLD.user_id, 'created_at', OLD.created_at, 'expires_at', OLD.expires_at)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_api_tokens_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'api_tokens', 'insert', NEW.name, json_build_object('name', NEW.name, 'role', NEW.role, 'owner', NEW.owner, 'revoked_at', NEW.revoked_at)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_api_tokens_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'api_tokens', 'update', NEW.name, json_build_object('name', NEW.name, 'role', NEW.role, 'owner', NEW.owner, 'revoked_at', NEW.revoked_at)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_api_tokens_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'api_tokens', 'delete', OLD.name, json_build_object('name', OLD.name, 'role', OLD.role, 'owner', OLD.owner, 'revoked_at', OLD.revoked_at)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_known_claims_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'known_claims', 'insert', NEW.id, json_build_object('claim', NEW.claim, 'verdict', NEW.verdict, 'url', NEW.url, 'incident_id', NEW.incident_id, 'origin', NEW.origin, 'disabled_at', NEW.disabled_at, 'disabled_reason', NEW.disabled_reason)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_known_claims_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'known_claims', 'update', NEW.id, json_build_object('claim', NEW.claim, 'verdict', NEW.verdict, 'url', NEW.url, 'incident_id', NEW.incident_id, 'origin', NEW.origin, 'disabled_at', NEW.disabled_at, 'disabled_reason', NEW.disabled_reason)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_known_claims_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'known_claims', 'delete', OLD.id, json_build_object('claim', OLD.claim, 'verdict', OLD.verdict, 'url', OLD.url, 'incident_id', OLD.incident_id, 'origin', OLD.origin, 'disabled_at', OLD.disabled_at, 'disabled_reason', OLD.disabled_reason)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_checklist_marks_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'checklist_marks', 'insert', NEW.incident_id || ':' || NEW.step, json_build_object('incident_id', NEW.incident_id, 'playbook_id', NEW.playbook_id, 'step', NEW.step, 'done_by', NEW.done_by, 'done_at', NEW.done_at)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_checklist_marks_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'checklist_marks', 'update', NEW.incident_id || ':' || NEW.step, json_build_object('incident_id', NEW.incident_id, 'playbook_id', NEW.playbook_id, 'step', NEW.step, 'done_by', NEW.done_by, 'done_at', NEW.done_at)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_checklist_marks_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'checklist_marks', 'delete', OLD.incident_id || ':' || OLD.step, json_build_object('incident_id', OLD.incident_id, 'playbook_id', OLD.playbook_id, 'step', OLD.step, 'done_by', OLD.done_by, 'done_at', OLD.done_at)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_copy_log_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'copy_log', 'insert', NEW.id, json_build_object('clarification_id', NEW.clarification_id, 'actor', NEW.actor, 'channel', NEW.channel, 'at', NEW.at)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_copy_log_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'copy_log', 'update', NEW.id, json_build_object('clarification_id', NEW.clarification_id, 'actor', NEW.actor, 'channel', NEW.channel, 'at', NEW.at)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_copy_log_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'copy_log', 'delete', OLD.id, json_build_object('clarification_id', OLD.clarification_id, 'actor', OLD.actor, 'channel', OLD.channel, 'at', OLD.at)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_feedback_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'feedback', 'insert', NEW.id, json_build_object('incident_id', NEW.incident_id, 'decision', NEW.decision, 'labels', NEW.labels, 'reason', NEW.reason, 'actor', NEW.actor, 'at', NEW.at)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_feedback_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'feedback', 'update', NEW.id, json_build_object('incident_id', NEW.incident_id, 'decision', NEW.decision, 'labels', NEW.labels, 'reason', NEW.reason, 'actor', NEW.actor, 'at', NEW.at)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_feedback_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'feedback', 'delete', OLD.id, json_build_object('incident_id', OLD.incident_id, 'decision', OLD.decision, 'labels', OLD.labels, 'reason', OLD.reason, 'actor', OLD.actor, 'at', OLD.at)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_review_decisions_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'review_decisions', 'insert', NEW.id, json_build_object('mention_id', NEW.mention_id, 'decision', NEW.decision, 'labels', NEW.labels, 'reason', NEW.reason, 'actor', NEW.actor, 'at', NEW.at)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_review_decisions_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'review_decisions', 'update', NEW.id, json_build_object('mention_id', NEW.mention_id, 'decision', NEW.decision, 'labels', NEW.labels, 'reason', NEW.reason, 'actor', NEW.actor, 'at', NEW.at)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_review_decisions_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'review_decisions', 'delete', OLD.id, json_build_object('mention_id', OLD.mention_id, 'decision', OLD.decision, 'labels', OLD.labels, 'reason', OLD.reason, 'actor', OLD.actor, 'at', OLD.at)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_feed_state_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'feed_state', 'insert', NEW.name, json_build_object('url', NEW.url, 'kind', NEW.kind, 'region', NEW.region, 'every_secs', NEW.every_secs, 'enabled', NEW.enabled, 'origin', NEW.origin, 'created_by', NEW.created_by)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_feed_state_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'feed_state', 'update', NEW.name, json_build_object('url', NEW.url, 'kind', NEW.kind, 'region', NEW.region, 'every_secs', NEW.every_secs, 'enabled', NEW.enabled, 'origin', NEW.origin, 'created_by', NEW.created_by)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_feed_state_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'feed_state', 'delete', OLD.name, json_build_object('url', OLD.url, 'kind', OLD.kind, 'region', OLD.region, 'every_secs', OLD.every_secs, 'enabled', OLD.enabled, 'origin', OLD.origin, 'created_by', OLD.created_by)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_mentions_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'mentions', 'update', NEW.id, json_build_object('confirmed_labels', NEW.confirmed_labels, 'review_state', NEW.review_state)::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION audit_mentions_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'mentions', 'delete', OLD.id, json_build_object('source', OLD.source, 'external_id', OLD.external_id, 'content_hash', OLD.content_hash)::text);
    RETURN NULL;
END $$;
