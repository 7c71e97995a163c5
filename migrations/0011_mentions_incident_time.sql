-- Velocity (arrivals in the last hour and the hour before) is counted by incident and capture
-- time each time a mention joins an incident. With only (incident_id, seq) indexed, that count
-- visited every mention of the incident, so a chain-message storm of n copies cost O(n²).
CREATE INDEX mentions_incident_captured ON mentions(incident_id, captured_at);
