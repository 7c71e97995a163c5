//! Tanggap: a self-hosted hoax and crisis rapid-response service.
//!
//! Mentions arrive over HTTP or from files ([`ingest`]), are stored durably ([`store`]),
//! indexed for search ([`index`]), classified by a local model ([`classify`]), grouped into
//! incidents routed to a team ([`incidents`]) with an SOP playbook ([`playbooks`]), and the
//! on-call person is mailed ([`alerts`]). [`pipeline`] runs the background loops, [`web`]
//! serves the API and pages, [`app`] wires it all together. See `ARCHITECTURE.md`.

#![warn(missing_docs)]

pub mod alerts;
pub mod analyzer;
pub mod app;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod bench;
pub mod claims;
pub mod clarifications;
pub mod classify;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod feeds;
pub mod incidents;
pub mod index;
pub mod ingest;
pub mod lifecycle;
pub mod links;
pub mod pipeline;
pub mod playbooks;
pub mod service;
pub mod store;
pub mod telemetry;
pub mod text;
pub mod web;
