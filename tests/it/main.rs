//! Integration tests: one binary, the real application on port 0, real SQLite, tantivy,
//! model, playbooks and SMTP server.

mod cli;
mod helpers;
mod intake;
mod pipeline;
