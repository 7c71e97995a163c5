//! Small server-side SVG charts for the dashboard: no JavaScript, no chart library, readable
//! without colour (every bar carries its number), every text escaped.

use std::fmt::Write;

use crate::text::escape_html as esc;

/// Colours for series (Okabe–Ito, readable by colour-blind people), cycled.
const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
];

/// One horizontal bar: its label, value, and an optional target drawn as a tick.
#[derive(Debug, Clone)]
pub struct Bar {
    /// Shown left of the bar.
    pub label: String,
    /// Length.
    pub value: f64,
    /// Shown right of the bar (the value, formatted).
    pub text: String,
    /// A target (e.g. the SLA) on the same scale.
    pub target: Option<f64>,
}

fn fmt_num(v: f64) -> String {
    if v >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Horizontal bars, one row each; targets as dark ticks.
pub fn bars(title: &str, rows: &[Bar]) -> String {
    let width = 640.0;
    let left = 190.0;
    let right = 110.0;
    let row_h = 26.0;
    let height = 12.0 + row_h * rows.len().max(1) as f64;
    let max = rows
        .iter()
        .flat_map(|r| [r.value, r.target.unwrap_or(0.0)])
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let scale = (width - left - right) / max;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = esc(title)
    );
    if rows.is_empty() {
        let _ = write!(
            svg,
            r##"<text x="0" y="24" fill="#57606a">belum ada data</text>"##
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let y = 6.0 + i as f64 * row_h;
        let w = (r.value * scale).max(if r.value > 0.0 { 2.0 } else { 0.0 });
        let _ = write!(
            svg,
            r##"<text x="{lx}" y="{ty}" text-anchor="end" font-size="13">{label}</text><rect x="{left}" y="{y}" width="{w:.1}" height="{bh}" fill="{c}"><title>{label}: {text}</title></rect><text x="{vx:.1}" y="{ty}" font-size="13">{text}</text>"##,
            lx = left - 8.0,
            ty = y + 14.0,
            label = esc(&r.label),
            bh = row_h - 8.0,
            c = PALETTE[0],
            vx = left + w + 6.0,
            text = esc(&r.text),
        );
        if let Some(t) = r.target {
            let x = left + t * scale;
            let _ = write!(
                svg,
                r##"<line x1="{x:.1}" x2="{x:.1}" y1="{y1}" y2="{y2}" stroke="#a40e26" stroke-width="3"><title>SLA</title></line>"##,
                y1 = y - 2.0,
                y2 = y + row_h - 6.0
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Stacked columns per day, one colour per series, with a legend.
pub fn stacked_days(title: &str, days: &[String], series: &[(String, Vec<f64>)]) -> String {
    let width = 640.0;
    let height = 240.0;
    let (left, bottom, top) = (40.0, 40.0, 10.0);
    let legend_h = 20.0 * series.len().div_ceil(4).max(1) as f64;
    let plot_h = height - bottom - top;
    let totals: Vec<f64> = (0..days.len())
        .map(|d| series.iter().map(|(_, v)| v.get(d).copied().unwrap_or(0.0)).sum())
        .collect();
    let max = totals.iter().copied().fold(0.0f64, f64::max).max(1.0);
    let slot = (width - left) / days.len().max(1) as f64;
    let bar_w = (slot * 0.7).max(1.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {width} {h}" role="img" aria-label="{t}"><title>{t}</title>"#,
        h = height + legend_h,
        t = esc(title)
    );
    let _ = write!(
        svg,
        r##"<line x1="{left}" x2="{width}" y1="{b}" y2="{b}" stroke="#d0d7de"/><text x="{lx}" y="{ty}" text-anchor="end" font-size="12">{m}</text><text x="{lx}" y="{b}" text-anchor="end" font-size="12">0</text>"##,
        b = height - bottom,
        lx = left - 4.0,
        ty = top + 10.0,
        m = fmt_num(max)
    );
    if days.is_empty() {
        let _ = write!(
            svg,
            r##"<text x="{left}" y="100" fill="#57606a">belum ada data</text>"##
        );
    }
    let label_every = (days.len() / 10).max(1);
    for (d, day) in days.iter().enumerate() {
        let x = left + d as f64 * slot + (slot - bar_w) / 2.0;
        let mut y = height - bottom;
        for (s, (name, values)) in series.iter().enumerate() {
            let v = values.get(d).copied().unwrap_or(0.0);
            if v <= 0.0 {
                continue;
            }
            let h = v / max * plot_h;
            y -= h;
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bar_w:.1}" height="{h:.1}" fill="{c}"><title>{day} · {n}: {v}</title></rect>"#,
                c = PALETTE[s % PALETTE.len()],
                day = esc(day),
                n = esc(name),
                v = fmt_num(v)
            );
        }
        if d % label_every == 0 {
            let _ = write!(
                svg,
                r#"<text x="{cx:.1}" y="{ty}" text-anchor="middle" font-size="11">{short}</text>"#,
                cx = x + bar_w / 2.0,
                ty = height - bottom + 16.0,
                short = esc(day.get(5..).unwrap_or(day))
            );
        }
    }
    for (s, (name, values)) in series.iter().enumerate() {
        let (col, row) = (s % 4, s / 4);
        let x = left + col as f64 * 150.0;
        let y = height + row as f64 * 20.0;
        let total: f64 = values.iter().sum();
        let _ = write!(
            svg,
            r#"<rect x="{x}" y="{ry}" width="12" height="12" fill="{c}"/><text x="{tx}" y="{ty}" font-size="12">{n} ({t})</text>"#,
            ry = y - 10.0,
            c = PALETTE[s % PALETTE.len()],
            tx = x + 16.0,
            ty = y,
            n = esc(name),
            t = fmt_num(total)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Pairs of bars (before, after) per item, e.g. mentions per hour around a clarification.
pub fn before_after(title: &str, rows: &[(String, f64, f64)]) -> String {
    let width = 640.0;
    let left = 230.0;
    let right = 90.0;
    let row_h = 40.0;
    let height = 30.0 + row_h * rows.len().max(1) as f64;
    let max = rows
        .iter()
        .flat_map(|r| [r.1, r.2])
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let scale = (width - left - right) / max;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{t}"><title>{t}</title><rect x="{left}" y="2" width="12" height="12" fill="{c0}"/><text x="{l1}" y="12" font-size="12">sebelum</text><rect x="{l2}" y="2" width="12" height="12" fill="{c1}"/><text x="{l3}" y="12" font-size="12">sesudah klarifikasi</text>"##,
        t = esc(title),
        c0 = PALETTE[1],
        c1 = PALETTE[2],
        l1 = left + 16.0,
        l2 = left + 90.0,
        l3 = left + 106.0
    );
    if rows.is_empty() {
        let _ = write!(
            svg,
            r##"<text x="0" y="44" fill="#57606a">belum ada klarifikasi disetujui</text>"##
        );
    }
    for (i, (label, before, after)) in rows.iter().enumerate() {
        let y = 24.0 + i as f64 * row_h;
        let short: String = label.chars().take(28).collect();
        let _ = write!(
            svg,
            r##"<text x="{lx}" y="{ty}" text-anchor="end" font-size="12">{l}<title>{full}</title></text>"##,
            lx = left - 8.0,
            ty = y + 20.0,
            l = esc(&short),
            full = esc(label)
        );
        for (k, (v, c)) in [(before, PALETTE[1]), (after, PALETTE[2])]
            .into_iter()
            .enumerate()
        {
            let by = y + k as f64 * 16.0;
            let w = (v * scale).max(if *v > 0.0 { 2.0 } else { 0.0 });
            let _ = write!(
                svg,
                r#"<rect x="{left}" y="{by}" width="{w:.1}" height="13" fill="{c}"/><text x="{tx:.1}" y="{ty}" font-size="12">{v} /jam</text>"#,
                tx = left + w + 6.0,
                ty = by + 11.0,
                v = fmt_num(*v)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_values_shown() {
        let svg = bars(
            "t<script>",
            &[Bar {
                label: "<img src=x onerror=alert(1)>".into(),
                value: 3.0,
                text: "3".into(),
                target: Some(5.0),
            }],
        );
        assert!(!svg.contains("<img") && !svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;img") && svg.contains(">3</text>") && svg.contains("<line"));
        let svg = stacked_days("v", &["2026-11-28".into()], &[("hoax".into(), vec![4.0])]);
        assert!(svg.contains("hoax (4)") && svg.contains("11-28"), "{svg}");
        let svg = before_after("e", &[("Hoaks <b>".into(), 12.0, 3.0)]);
        assert!(svg.contains("12 /jam") && svg.contains("3 /jam") && !svg.contains("<b>"));
        assert!(bars("empty", &[]).contains("belum ada data"));
    }
}
