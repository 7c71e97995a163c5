//! Evaluation reports: per label precision, recall, F1, support, PR-AUC and a confusion
//! summary, as Markdown and JSON.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::Label;

/// One evaluated item: its gold labels, which labels it annotates, the scores and the flags.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Gold labels.
    pub gold: Vec<Label>,
    /// Labels the item says something about.
    pub annotated: Vec<Label>,
    /// Calibrated scores, in [`Label::ALL`] order.
    pub scores: [f32; 10],
    /// Labels flagged by the thresholds.
    pub predicted: Vec<Label>,
    /// Alarm labels between their review and alarm thresholds (the review tray).
    pub review: Vec<Label>,
}

impl Outcome {
    /// An everyday item: annotated for every alarm label and positive for none.
    pub fn is_everyday(&self) -> bool {
        Label::everyday(|l| self.annotated.contains(&l), |l| self.gold.contains(&l))
    }
}

/// How often everyday items (see [`Outcome::is_everyday`]) raise alarms.
#[derive(Debug, Clone, Serialize)]
pub struct FalseAlarms {
    /// Everyday items in the set.
    pub items: usize,
    /// Share that raised any alarm label.
    pub any: f32,
    /// Share per alarm label.
    pub per_label: Vec<(Label, f32)>,
    /// Share that went to the review tray (an uncertain alarm, and no alarm).
    pub review: f32,
}

/// Metrics of one label.
#[derive(Debug, Clone, Serialize)]
pub struct LabelReport {
    /// Label.
    pub label: Label,
    /// Gold positives.
    pub support: usize,
    /// Items annotated for this label.
    pub items: usize,
    /// True positives.
    pub tp: usize,
    /// False positives.
    pub fp: usize,
    /// False negatives.
    pub fn_: usize,
    /// True negatives.
    pub tn: usize,
    /// Precision.
    pub precision: f32,
    /// Recall.
    pub recall: f32,
    /// F1.
    pub f1: f32,
    /// Area under the precision-recall curve (average precision) of the scores.
    pub pr_auc: f32,
    /// What the false positives' gold labels were (`none` for unlabelled), most first.
    pub false_positives_were: Vec<(String, usize)>,
    /// What the missed items were flagged as instead (`nothing` when nothing), most first.
    pub missed_were_flagged_as: Vec<(String, usize)>,
}

/// An evaluation of one model on one data set.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Model version.
    pub model_version: String,
    /// What was evaluated (e.g. `IHND test split`).
    pub data: String,
    /// Items.
    pub items: usize,
    /// Per annotated label.
    pub labels: Vec<LabelReport>,
    /// Mean F1 over the labels with support.
    pub macro_f1: f32,
    /// False alarms on the set's everyday items, when it has any.
    pub false_alarms: Option<FalseAlarms>,
    /// Alarm-label recall counting the review tray as caught (positives at or above the review
    /// threshold), per alarm label with support.
    pub recall_with_review: Vec<(Label, f32)>,
}

/// Average precision: the mean of the precision at each positive, ranking by score.
pub fn average_precision(scored: &[(f32, bool)]) -> f32 {
    let positives = scored.iter().filter(|s| s.1).count();
    if positives == 0 {
        return 0.0;
    }
    let mut sorted = scored.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut tp, mut sum) = (0usize, 0f64);
    for (rank, (_, y)) in sorted.iter().enumerate() {
        if *y {
            tp += 1;
            sum += tp as f64 / (rank + 1) as f64;
        }
    }
    (sum / positives as f64) as f32
}

fn ratio(a: usize, b: usize) -> f32 {
    if b == 0 {
        0.0
    } else {
        a as f32 / b as f32
    }
}

fn top(counts: BTreeMap<String, usize>) -> Vec<(String, usize)> {
    let mut v: Vec<(String, usize)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(3);
    v
}

/// Metrics of every label some item annotates.
pub fn evaluate(model_version: &str, data: &str, outcomes: &[Outcome]) -> Report {
    let labels: Vec<LabelReport> = Label::ALL
        .iter()
        .filter(|l| outcomes.iter().any(|o| o.annotated.contains(l)))
        .map(|&label| label_report(label, outcomes))
        .collect();
    let with_support: Vec<&LabelReport> = labels.iter().filter(|r| r.support > 0).collect();
    let macro_f1 = with_support.iter().map(|r| r.f1).sum::<f32>() / with_support.len().max(1) as f32;
    let recall_with_review = labels
        .iter()
        .filter(|r| r.label.is_alarm() && r.support > 0)
        .map(|r| {
            let caught = outcomes
                .iter()
                .filter(|o| o.annotated.contains(&r.label) && o.gold.contains(&r.label))
                .filter(|o| o.predicted.contains(&r.label) || o.review.contains(&r.label))
                .count();
            (r.label, ratio(caught, r.support))
        })
        .collect();
    Report {
        model_version: model_version.to_string(),
        data: data.to_string(),
        items: outcomes.len(),
        labels,
        macro_f1,
        false_alarms: false_alarms(outcomes),
        recall_with_review,
    }
}

fn false_alarms(outcomes: &[Outcome]) -> Option<FalseAlarms> {
    let everyday: Vec<&Outcome> = outcomes.iter().filter(|o| o.is_everyday()).collect();
    if everyday.is_empty() {
        return None;
    }
    let n = everyday.len();
    let raised = |o: &&&Outcome| o.predicted.iter().any(|l| l.is_alarm());
    Some(FalseAlarms {
        items: n,
        any: ratio(everyday.iter().filter(raised).count(), n),
        per_label: Label::ALARMS
            .iter()
            .map(|&l| {
                (
                    l,
                    ratio(everyday.iter().filter(|o| o.predicted.contains(&l)).count(), n),
                )
            })
            .collect(),
        review: ratio(
            everyday
                .iter()
                .filter(|o| !raised(o) && !o.review.is_empty())
                .count(),
            n,
        ),
    })
}

fn label_report(label: Label, outcomes: &[Outcome]) -> LabelReport {
    let (mut tp, mut fp, mut fn_, mut tn) = (0, 0, 0, 0);
    let mut fp_gold = BTreeMap::new();
    let mut fn_pred = BTreeMap::new();
    let mut scored = Vec::new();
    for o in outcomes.iter().filter(|o| o.annotated.contains(&label)) {
        let (g, p) = (o.gold.contains(&label), o.predicted.contains(&label));
        scored.push((o.scores[label.index()], g));
        match (g, p) {
            (true, true) => tp += 1,
            (false, true) => {
                fp += 1;
                let key = if o.gold.is_empty() {
                    "none".to_string()
                } else {
                    o.gold.iter().map(|l| l.code()).collect::<Vec<_>>().join("+")
                };
                *fp_gold.entry(key).or_default() += 1;
            }
            (true, false) => {
                fn_ += 1;
                let key = if o.predicted.is_empty() {
                    "nothing".to_string()
                } else {
                    o.predicted.iter().map(|l| l.code()).collect::<Vec<_>>().join("+")
                };
                *fn_pred.entry(key).or_default() += 1;
            }
            (false, false) => tn += 1,
        }
    }
    let (precision, recall) = (ratio(tp, tp + fp), ratio(tp, tp + fn_));
    LabelReport {
        label,
        support: tp + fn_,
        items: scored.len(),
        tp,
        fp,
        fn_,
        tn,
        precision,
        recall,
        f1: ratio(2 * tp, 2 * tp + fp + fn_),
        pr_auc: average_precision(&scored),
        false_positives_were: top(fp_gold),
        missed_were_flagged_as: top(fn_pred),
    }
}

impl Report {
    /// The report as Markdown: a metrics table and a confusion summary.
    pub fn markdown(&self) -> String {
        let mut s = format!(
            "### {}\n\nModel `{}`, {} items.\n\n| label | support | precision | recall | F1 | PR-AUC |\n|---|---:|---:|---:|---:|---:|\n",
            self.data, self.model_version, self.items
        );
        for r in &self.labels {
            s.push_str(&format!(
                "| {} | {} | {:.3} | {:.3} | {:.3} | {:.3} |\n",
                r.label.code(),
                r.support,
                r.precision,
                r.recall,
                r.f1,
                r.pr_auc
            ));
        }
        if self.labels.len() > 1 {
            s.push_str(&format!("| **macro** | | | | {:.3} | |\n", self.macro_f1));
        }
        if !self.recall_with_review.is_empty() {
            s.push_str("\nRecall counting the review tray as caught: ");
            let parts: Vec<String> = self
                .recall_with_review
                .iter()
                .map(|(l, r)| format!("{} {:.3}", l.code(), r))
                .collect();
            s.push_str(&parts.join(", "));
            s.push('\n');
        }
        if let Some(fa) = &self.false_alarms {
            s.push_str(&format!(
                "\nFalse alarms on {} everyday items (no alarm label in the gold): **{:.1} %** raise any alarm ({}); {:.1} % go to the review tray only.\n",
                fa.items,
                fa.any * 100.0,
                fa.per_label
                    .iter()
                    .map(|(l, r)| format!("{} {:.1} %", l.code(), r * 100.0))
                    .collect::<Vec<_>>()
                    .join(", "),
                fa.review * 100.0
            ));
        }
        s.push_str("\n| label | TP | FP | FN | TN | false positives were | missed ones were flagged as |\n|---|---:|---:|---:|---:|---|---|\n");
        let list = |v: &[(String, usize)]| {
            if v.is_empty() {
                "–".to_string()
            } else {
                v.iter()
                    .map(|(k, n)| format!("{k} ({n})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        for r in &self.labels {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                r.label.code(),
                r.tp,
                r.fp,
                r.fn_,
                r.tn,
                list(&r.false_positives_were),
                list(&r.missed_were_flagged_as)
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(gold: &[Label], score: f32, flagged: bool) -> Outcome {
        let mut scores = [0.0; 10];
        scores[Label::Hoax.index()] = score;
        Outcome {
            gold: gold.to_vec(),
            annotated: vec![Label::Hoax, Label::Scam],
            scores,
            predicted: if flagged { vec![Label::Hoax] } else { vec![] },
            review: vec![],
        }
    }

    #[test]
    fn metrics_pr_auc_and_confusions_are_counted() {
        let outcomes = vec![
            outcome(&[Label::Hoax], 0.9, true),
            outcome(&[Label::Scam], 0.8, true),
            outcome(&[Label::Hoax], 0.3, false),
            outcome(&[], 0.1, false),
        ];
        let r = evaluate("m/1", "fixture", &outcomes);
        let hoax = &r.labels[0];
        assert_eq!(
            (hoax.tp, hoax.fp, hoax.fn_, hoax.tn, hoax.support),
            (1, 1, 1, 1, 2)
        );
        assert!((hoax.f1 - 0.5).abs() < 1e-6);
        // Ranking: +, -, +, - → AP = (1/1 + 2/3) / 2.
        assert!((hoax.pr_auc - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-6);
        assert_eq!(hoax.false_positives_were, vec![("scam".to_string(), 1)]);
        assert_eq!(hoax.missed_were_flagged_as, vec![("nothing".to_string(), 1)]);
        // Scam: annotated, one positive, never flagged.
        assert_eq!((r.labels[1].support, r.labels[1].f1), (1, 0.0));
        assert!((r.macro_f1 - 0.25).abs() < 1e-6);
        let md = r.markdown();
        assert!(
            md.contains("| hoax | 2 | 0.500 | 0.500 | 0.500 | 0.833 |"),
            "{md}"
        );
        assert!(md.contains("scam (1)"), "{md}");
        assert!(md.contains("Model `m/1`"));
    }

    #[test]
    fn false_alarms_count_everyday_items_only() {
        let everyday = |predicted: Vec<Label>, review: Vec<Label>| Outcome {
            gold: vec![],
            annotated: Label::ALARMS.to_vec(),
            scores: [0.0; 10],
            predicted,
            review,
        };
        let mut outcomes = vec![
            everyday(vec![Label::Scam], vec![]),
            everyday(vec![Label::Politics], vec![Label::Hoax]),
            everyday(vec![], vec![]),
            everyday(vec![], vec![]),
        ];
        // A real hoax flagged as hoax is not a false alarm, nor is an item not annotated for all.
        outcomes.push(Outcome {
            gold: vec![Label::Hoax],
            ..everyday(vec![Label::Hoax], vec![])
        });
        outcomes.push(Outcome {
            annotated: vec![Label::Hoax],
            ..everyday(vec![Label::Hoax], vec![])
        });
        let r = evaluate("m/1", "fixture", &outcomes);
        let fa = r.false_alarms.clone().unwrap();
        assert_eq!(fa.items, 4);
        assert!((fa.any - 0.25).abs() < 1e-6, "{fa:?}");
        assert!((fa.review - 0.25).abs() < 1e-6, "{fa:?}");
        assert_eq!(fa.per_label[3], (Label::Scam, 0.25));
        assert!(r.markdown().contains("**25.0 %** raise any alarm"));
    }

    #[test]
    fn average_precision_of_a_perfect_ranking_is_one() {
        assert_eq!(average_precision(&[(0.9, true), (0.5, true), (0.1, false)]), 1.0);
        assert_eq!(average_precision(&[(0.9, false)]), 0.0);
    }
}
