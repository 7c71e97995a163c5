//! `GET /dashboard`: how much is being said and how fast the office answers, for a period:
//! flagged volume by label per day and by region, incidents by status, time to detect, to
//! acknowledge and to the first approved clarification against the SLA, and each clarified
//! hoax's mention rate before and after the clarification. Charts are SVG made on the server.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::response::Html;
use chrono::{DateTime, Duration, Utc};
use minijinja::context;
use serde::Deserialize;

use super::charts::{self, Bar};
use super::pages::{render_page, PageUser};
use super::AppState;
use crate::domain::Severity;
use crate::error::{AppError, AppResult};
use crate::store::{parse_ts, ts};

/// The period, as dates (`YYYY-MM-DD`, WIB) or RFC 3339; the last 7 days by default.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Period {
    from: Option<String>,
    to: Option<String>,
}

fn minutes(from: &str, to: Option<&str>) -> Option<f64> {
    let (a, b) = (parse_ts(from)?, parse_ts(to?)?);
    Some(((b - a).num_seconds().max(0)) as f64 / 60.0)
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn human(minutes: f64) -> String {
    if minutes < 1.0 {
        format!("{:.0} dtk", minutes * 60.0)
    } else if minutes < 120.0 {
        format!("{minutes:.0} mnt")
    } else {
        format!("{:.1} jam", minutes / 60.0)
    }
}

fn period(p: &Period) -> AppResult<(DateTime<Utc>, DateTime<Utc>)> {
    let nonempty = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let to = match nonempty(&p.to) {
        Some(v) => super::api::parse_bound("to", &v, true)?,
        None => Utc::now(),
    };
    let from = match nonempty(&p.from) {
        Some(v) => super::api::parse_bound("from", &v, false)?,
        None => to - Duration::days(7),
    };
    if from >= to {
        return Err(AppError::field("to", "must be after from"));
    }
    if to - from > Duration::days(366) {
        return Err(AppError::field("from", "a period is at most a year"));
    }
    Ok((from, to))
}

/// The dashboard page.
pub(super) async fn dashboard(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(p): Query<Period>,
) -> AppResult<Html<String>> {
    let (from, to, error) = match period(&p) {
        Ok((f, t)) => (f, t, None),
        Err(e) => {
            let problem = e.input_problem().ok_or(e)?;
            let now = Utc::now();
            (now - Duration::days(7), now, Some(problem))
        }
    };
    let (f, t) = (ts(from), ts(to));
    let wib = chrono::FixedOffset::east_opt(7 * 3600).expect("valid offset");

    // Volume by label per WIB day.
    let volume = state.store.label_volume_by_day(&f, &t).await?;
    let mut days = Vec::new();
    let mut day = from.with_timezone(&wib).date_naive();
    let last = (to - Duration::seconds(1)).with_timezone(&wib).date_naive();
    while day <= last && days.len() < 400 {
        days.push(day.format("%Y-%m-%d").to_string());
        day = day.succ_opt().unwrap_or(day);
    }
    let mut by_label: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (d, label, n) in &volume {
        if let Some(i) = days.iter().position(|x| x == d) {
            by_label
                .entry(label.clone())
                .or_insert_with(|| vec![0.0; days.len()])[i] += *n as f64;
        }
    }
    let series: Vec<(String, Vec<f64>)> = by_label.into_iter().collect();
    let volume_svg = charts::stacked_days("Sebutan berlabel per hari", &days, &series);

    let regions = state.store.flagged_volume_by_region(&f, &t).await?;
    let region_bars: Vec<Bar> = regions
        .iter()
        .map(|(r, n)| Bar {
            label: r.clone(),
            value: *n as f64,
            text: n.to_string(),
            target: None,
        })
        .collect();
    let regions_svg = charts::bars("Sebutan berlabel per wilayah", &region_bars);

    // Incidents opened in the period, by status, and their clocks.
    let clocks = state.store.incident_clocks(&f, &t).await?;
    let mut statuses: BTreeMap<&str, i64> = BTreeMap::new();
    for c in &clocks {
        *statuses.entry(c.status.as_str()).or_default() += 1;
    }
    let status_bars: Vec<Bar> = crate::domain::IncidentStatus::ALL
        .iter()
        .filter_map(|s| statuses.get(s.code()).map(|n| (s.code(), *n)))
        .map(|(s, n)| Bar {
            label: s.to_string(),
            value: n as f64,
            text: n.to_string(),
            target: None,
        })
        .collect();
    let status_svg = charts::bars("Insiden menurut status", &status_bars);

    let sla = &state.settings.sla;
    let mut clock_rows = Vec::new();
    let mut clock_charts = Vec::new();
    for (name, title) in [
        ("detect", "Waktu deteksi"),
        ("ack", "Waktu pengakuan"),
        ("clarify", "Waktu klarifikasi pertama"),
    ] {
        let mut bars = Vec::new();
        for sev in [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
        ] {
            let of_sev: Vec<_> = clocks.iter().filter(|c| c.severity == sev.code()).collect();
            let mut values: Vec<f64> = of_sev
                .iter()
                .filter_map(|c| match name {
                    "detect" => minutes(&c.first_seen_at, Some(&c.opened_at)),
                    "ack" => minutes(&c.opened_at, c.acknowledged_at.as_deref()),
                    _ => minutes(&c.opened_at, c.first_clarified_at.as_deref()),
                })
                .collect();
            let target = match name {
                "ack" => Some(sla.ack(sev).num_seconds() as f64 / 60.0),
                "clarify" => Some(sla.clarify(sev).num_seconds() as f64 / 60.0),
                _ => None,
            };
            let within = target.map(|t| values.iter().filter(|v| **v <= t).count());
            let done = values.len();
            let med = median(&mut values);
            clock_rows.push(context! {
                metric => title, severity => sev.code(), incidents => of_sev.len(), measured => done,
                median => med.map(human), sla => target.map(human),
                within => within.map(|w| format!("{w}/{done}")),
            });
            if let Some(m) = med {
                bars.push(Bar {
                    label: format!("{} ({done})", sev.code()),
                    value: m,
                    text: human(m),
                    target,
                });
            }
        }
        clock_charts.push(context! {
            title => title,
            svg => minijinja::Value::from_safe_string(charts::bars(&format!("{title}: median per keparahan"), &bars)),
        });
    }

    // Velocity before and after each first approved clarification in the period.
    let now = Utc::now();
    let mut effects = Vec::new();
    for c in clocks
        .iter()
        .rev()
        .filter(|c| c.first_clarified_at.is_some())
        .take(12)
    {
        let Some(at) = c.first_clarified_at.as_deref().and_then(parse_ts) else {
            continue;
        };
        let e = crate::incidents::clarification_effect(&state.store, &c.id, at, now).await?;
        effects.push((c.title.clone(), e.before_per_hour, e.after_per_hour));
    }
    let effect_svg = charts::before_after("Sebutan per jam sebelum dan sesudah klarifikasi", &effects);

    let safe = minijinja::Value::from_safe_string;
    render_page(
        "dashboard.html",
        context! {
            user => super::pages::user_context(&user), error => error,
            from => from.with_timezone(&wib).format("%Y-%m-%d").to_string(),
            to => (to - Duration::seconds(1)).with_timezone(&wib).format("%Y-%m-%d").to_string(),
            incidents => clocks.len(), flagged => volume.iter().map(|v| v.2).sum::<i64>(),
            volume_svg => safe(volume_svg), regions_svg => safe(regions_svg), status_svg => safe(status_svg),
            clock_charts => clock_charts, clock_rows => clock_rows, effect_svg => safe(effect_svg),
            effect_window => crate::incidents::EFFECT_WINDOW_HOURS,
        },
    )
}
