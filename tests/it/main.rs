//! Integration tests: one binary, the real application on port 0, real SQLite, tantivy,
//! model, playbooks and SMTP server.

mod authz;
mod backends;
mod browser;
mod claims;
mod clarifications;
mod classifier;
mod cli;
mod escalation;
mod feeds;
mod helpers;
mod hostile;
mod intake;
mod pipeline;
mod replicas;
mod review;
mod search;
mod service;
mod web;
