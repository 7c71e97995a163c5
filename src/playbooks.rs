//! SOP playbooks: TOML files in `playbooks/` written by comms staff (format in
//! `playbooks/README.md`). Every problem is reported as `path:line: message`; the service
//! refuses to start while any playbook is broken.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::config::line_of;
use crate::domain::{Label, Severity};

/// Channels a template can be written for.
pub const CHANNELS: [&str; 5] = ["twitter", "instagram", "facebook", "whatsapp", "press_release"];
/// Roles that can own a step.
pub const OWNERS: [&str; 4] = ["responder", "admin", "oncall", "agency"];
/// Variables a template may use.
pub const VARIABLES: [&str; 6] = ["klaim", "fakta", "sumber", "tanggal", "instansi", "tautan"];
/// Longest X post.
pub const TWITTER_LIMIT: usize = 280;

/// A validated playbook.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Playbook {
    /// Identifier (the file name without `.toml`).
    pub id: String,
    /// Title.
    pub title: String,
    /// Version, recorded on incidents that use it.
    pub version: i64,
    /// Labels it applies to.
    pub labels: Vec<Label>,
    /// Keywords that make it a better match.
    pub keywords: Vec<String>,
    /// Severities it applies to.
    pub severities: Vec<Severity>,
    /// When to use it.
    pub summary: String,
    /// SOP checklist.
    pub steps: Vec<Step>,
    /// Who to call.
    pub contacts: Vec<Contact>,
    /// Clarification templates.
    pub templates: Vec<Template>,
    /// Where it was loaded from.
    #[serde(skip)]
    pub path: PathBuf,
}

/// One SOP step.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// What to do.
    pub text: String,
    /// Role that owns it.
    pub owner: String,
    /// Minutes from opening by which it should be done.
    pub target_minutes: i64,
}

/// A contact by role.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Role or office.
    pub role: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
}

/// A clarification template.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Channel.
    pub channel: String,
    /// Language (`id` or `en`).
    pub lang: String,
    /// Title with verdict tag.
    pub title: String,
    /// Body.
    pub body: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlaybook {
    id: Spanned<String>,
    title: Spanned<String>,
    version: Spanned<i64>,
    labels: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    severities: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    summary: String,
    steps: Spanned<Vec<Spanned<Step>>>,
    #[serde(default)]
    contacts: Vec<Spanned<Contact>>,
    templates: Spanned<Vec<Spanned<Template>>>,
}

/// All loaded playbooks.
#[derive(Debug, Clone, Default)]
pub struct Playbooks {
    /// Sorted by id.
    pub all: Vec<Playbook>,
}

/// Playbooks that failed validation: one `path:line: message` per problem.
#[derive(Debug, thiserror::Error)]
#[error("{} playbook problem(s):\n{}", .0.len(), .0.join("\n"))]
pub struct PlaybookErrors(pub Vec<String>);

impl Playbooks {
    /// Loads and validates every `*.toml` in `dir`.
    pub fn load_dir(dir: &Path) -> Result<Playbooks, PlaybookErrors> {
        let entries = std::fs::read_dir(dir).map_err(|e| {
            PlaybookErrors(vec![format!(
                "{}: cannot read the playbooks folder: {e}",
                dir.display()
            )])
        })?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        let mut errors = Vec::new();
        let mut all: Vec<Playbook> = Vec::new();
        for path in paths {
            match std::fs::read_to_string(&path) {
                Ok(text) => match parse(&path, &text) {
                    Ok(pb) => all.push(pb),
                    Err(mut errs) => errors.append(&mut errs),
                },
                Err(e) => errors.push(format!("{}:1: cannot read: {e}", path.display())),
            }
        }
        let mut ids = HashSet::new();
        for pb in &all {
            if !ids.insert(pb.id.clone()) {
                errors.push(format!(
                    "{}:1: duplicate playbook id {:?}",
                    pb.path.display(),
                    pb.id
                ));
            }
        }
        if all.is_empty() && errors.is_empty() {
            errors.push(format!("{}: no playbooks (*.toml) found", dir.display()));
        }
        if errors.is_empty() {
            all.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(Playbooks { all })
        } else {
            Err(PlaybookErrors(errors))
        }
    }

    /// A playbook by id.
    pub fn get(&self, id: &str) -> Option<&Playbook> {
        self.all.iter().find(|p| p.id == id)
    }

    /// The best playbook for an incident: the top label counts most, then other labels, then
    /// keywords found as whole words in the text. Must share a label and allow the severity.
    pub fn best_for(&self, labels: &[Label], severity: Severity, text: &str) -> Option<&Playbook> {
        let words = format!(" {} ", crate::text::normalise_words(text).join(" "));
        let lower = format!(" {} ", text.to_lowercase());
        self.all
            .iter()
            .filter(|p| p.severities.contains(&severity))
            .filter_map(|p| {
                let mut score = 0.0f32;
                for (rank, l) in labels.iter().enumerate() {
                    if p.labels.contains(l) {
                        score += if rank == 0 { 3.0 } else { 1.0 };
                    }
                }
                if score == 0.0 {
                    return None;
                }
                for k in &p.keywords {
                    let k = format!(" {} ", k.to_lowercase());
                    if words.contains(&k) || lower.contains(&k) {
                        score += 0.5;
                    }
                }
                // Prefer specific playbooks over ones covering many labels.
                score -= 0.01 * p.labels.len() as f32;
                Some((score, p))
            })
            .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.id.cmp(&a.1.id)))
            .map(|(_, p)| p)
    }
}

fn parse(path: &Path, text: &str) -> Result<Playbook, Vec<String>> {
    let at = |offset: usize, msg: String| format!("{}:{}: {msg}", path.display(), line_of(text, offset));
    let raw: RawPlaybook = toml::from_str(text).map_err(|e| {
        vec![at(
            e.span().map(|s| s.start).unwrap_or(0),
            e.message().trim().to_string(),
        )]
    })?;
    let mut errors = Vec::new();
    let mut err = |offset: usize, msg: String| errors.push(at(offset, msg));

    let id = raw.id.get_ref();
    let id_ok = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !id_ok {
        err(
            raw.id.span().start,
            format!("id {id:?} must use only a-z, 0-9 and '-'"),
        );
    } else if path.file_stem().and_then(|s| s.to_str()) != Some(id.as_str()) {
        err(
            raw.id.span().start,
            format!("id {id:?} must equal the file name ({id}.toml)"),
        );
    }
    if raw.title.get_ref().trim().is_empty() {
        err(raw.title.span().start, "title must not be empty".into());
    }
    if *raw.version.get_ref() < 1 {
        err(raw.version.span().start, "version must be 1 or more".into());
    }
    let mut labels = Vec::new();
    for l in raw.labels.get_ref() {
        match l.get_ref().parse::<Label>() {
            Ok(l) => labels.push(l),
            Err(_) => err(
                l.span().start,
                format!(
                    "unknown label {:?}; use one of: {}",
                    l.get_ref(),
                    Label::ALL.map(|l| l.code()).join(", ")
                ),
            ),
        }
    }
    if raw.labels.get_ref().is_empty() {
        err(
            raw.labels.span().start,
            "labels must name at least one label".into(),
        );
    }
    let severities = match &raw.severities {
        None => vec![
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ],
        Some(list) => {
            let mut out = Vec::new();
            for s in list.get_ref() {
                match s.get_ref().parse::<Severity>() {
                    Ok(s) => out.push(s),
                    Err(_) => err(
                        s.span().start,
                        format!(
                            "unknown severity {:?}; use low, medium, high or critical",
                            s.get_ref()
                        ),
                    ),
                }
            }
            out
        }
    };
    if raw.steps.get_ref().is_empty() {
        err(
            raw.steps.span().start,
            "a playbook needs at least one step".into(),
        );
    }
    for step in raw.steps.get_ref() {
        let s = step.get_ref();
        if !OWNERS.contains(&s.owner.as_str()) {
            err(
                step.span().start,
                format!("step owner {:?} must be one of: {}", s.owner, OWNERS.join(", ")),
            );
        }
        if s.target_minutes <= 0 {
            err(
                step.span().start,
                "step target_minutes must be more than 0".into(),
            );
        }
        if s.text.trim().is_empty() {
            err(step.span().start, "step text must not be empty".into());
        }
    }
    for c in &raw.contacts {
        if c.get_ref().role.trim().is_empty() {
            err(c.span().start, "contact role must not be empty".into());
        }
    }
    if raw.templates.get_ref().is_empty() {
        err(
            raw.templates.span().start,
            "a playbook needs at least one template".into(),
        );
    }
    let mut seen = HashSet::new();
    for t in raw.templates.get_ref() {
        let tpl = t.get_ref();
        let start = t.span().start;
        if !CHANNELS.contains(&tpl.channel.as_str()) {
            err(
                start,
                format!(
                    "template channel {:?} must be one of: {}",
                    tpl.channel,
                    CHANNELS.join(", ")
                ),
            );
        }
        if !["id", "en"].contains(&tpl.lang.as_str()) {
            err(start, format!("template lang {:?} must be id or en", tpl.lang));
        }
        if !seen.insert((tpl.channel.clone(), tpl.lang.clone())) {
            err(
                start,
                format!("a second {} template in {:?}", tpl.channel, tpl.lang),
            );
        }
        for field in [&tpl.title, &tpl.body] {
            for var in variables(field) {
                if !VARIABLES.contains(&var.as_str()) {
                    let at_var = text[start..].find(&var).map_or(start, |p| start + p);
                    err(
                        at_var,
                        format!(
                            "unknown variable {{{{{var}}}}}; allowed: {}",
                            VARIABLES.join(", ")
                        ),
                    );
                }
            }
        }
        if tpl.channel == "twitter" {
            let fixed = strip_variables(&format!("{}\n{}", tpl.title, tpl.body.trim()))
                .chars()
                .count();
            if fixed > TWITTER_LIMIT {
                err(start, format!("twitter template is {fixed} characters before filling variables; X allows {TWITTER_LIMIT}"));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Playbook {
        id: raw.id.into_inner(),
        title: raw.title.into_inner(),
        version: raw.version.into_inner(),
        labels,
        keywords: raw.keywords,
        severities,
        summary: raw.summary,
        steps: raw
            .steps
            .into_inner()
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        contacts: raw.contacts.into_iter().map(Spanned::into_inner).collect(),
        templates: raw
            .templates
            .into_inner()
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        path: path.to_path_buf(),
    })
}

/// Names of the `{{variables}}` used in a template.
pub fn variables(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                out.push(after[..end].trim().to_string());
                rest = &after[end + 2..];
            }
            None => break,
        }
    }
    out
}

fn strip_variables(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        match rest[start..].find("}}") {
            Some(end) => rest = &rest[start + end + 2..],
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"id = "contoh"
title = "Contoh"
version = 1
labels = ["disaster"]
keywords = ["tsunami"]

[[steps]]
text = "Cek ke BMKG"
owner = "responder"
target_minutes = 15

[[templates]]
channel = "twitter"
lang = "id"
title = "[HOAKS] {{klaim}}"
body = "Faktanya, {{fakta}}"
"#;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn the_repository_playbooks_are_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks");
        let pbs = Playbooks::load_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
        assert!(pbs.all.len() >= 2);
        let scam = pbs
            .best_for(&[Label::Scam], Severity::High, "WA ngaku Gubernur minta transfer")
            .unwrap();
        assert_eq!(scam.id, "penipuan-catut-pejabat");
        let disaster = pbs
            .best_for(
                &[Label::Disaster, Label::Hoax],
                Severity::Critical,
                "tsunami malam ini",
            )
            .unwrap();
        assert_eq!(disaster.id, "rumor-bencana");
    }

    #[test]
    fn errors_name_path_and_line() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "contoh.toml",
            &GOOD.replace("[\"disaster\"]", "[\"bencana\"]"),
        );
        let err = Playbooks::load_dir(dir.path()).unwrap_err();
        let expected = format!(
            "{}:4: unknown label \"bencana\"",
            dir.path().join("contoh.toml").display()
        );
        assert!(err.0[0].starts_with(&expected), "{:?}", err.0);

        write(
            dir.path(),
            "contoh.toml",
            &GOOD.replace("owner = \"responder\"", "owner = \"responder\"\nwho = 1"),
        );
        let err = Playbooks::load_dir(dir.path()).unwrap_err();
        assert!(
            err.0[0].contains("contoh.toml:10: unknown field `who`"),
            "{:?}",
            err.0
        );

        write(
            dir.path(),
            "contoh.toml",
            &GOOD.replace("{{fakta}}", "{{fakta}} {{nama}}"),
        );
        let err = Playbooks::load_dir(dir.path()).unwrap_err();
        assert!(
            err.0[0].contains("contoh.toml:16: unknown variable {{nama}}"),
            "{:?}",
            err.0
        );

        write(dir.path(), "contoh.toml", GOOD);
        assert_eq!(Playbooks::load_dir(dir.path()).unwrap().all[0].id, "contoh");
    }

    #[test]
    fn variables_are_found() {
        assert_eq!(variables("[HOAKS] {{klaim}} — {{ fakta }}"), ["klaim", "fakta"]);
        assert_eq!(strip_variables("a {{x}} b"), "a  b");
    }
}
