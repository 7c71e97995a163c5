//! The UI's languages: Indonesian first, English on request. The choice is a `lang` cookie set
//! by `GET /lang/{code}`; a middleware keeps the request's language and address in a task-local
//! that the page renderer merges into every template context (`lang`, `here`). Templates write
//! Indonesian and wrap it in `t("…")`, which looks the English up in [`ENGLISH`], a compiled-in
//! dictionary keyed by the Indonesian text; anything missing stays Indonesian.

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::value::Value;
use serde::Deserialize;

use super::AppState;
use crate::error::{AppError, AppQuery, AppResult};

/// Name of the language cookie.
pub const LANG_COOKIE: &str = "lang";
/// How long the language cookie lasts: a year, in seconds.
const COOKIE_MAX_AGE: u32 = 365 * 24 * 3600;

/// A language of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Bahasa Indonesia, the default.
    #[default]
    Id,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 code (`id`, `en`), as in `<html lang>` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// The language of a code; `None` for codes the UI does not speak.
    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "id" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language a request asks for with its cookie; Indonesian without one.
    pub fn of_request(headers: &HeaderMap) -> Lang {
        crate::auth::cookie(headers, LANG_COOKIE)
            .and_then(Lang::parse)
            .unwrap_or_default()
    }
}

/// What the templates need to know about the request being answered.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    /// Its language.
    pub lang: Lang,
    /// Its path and query, for the language switch to come back to.
    pub here: String,
}

impl Default for RequestInfo {
    fn default() -> Self {
        RequestInfo {
            lang: Lang::Id,
            here: "/".into(),
        }
    }
}

tokio::task_local! {
    static REQUEST: RequestInfo;
}

/// Middleware: answers the request with its [`RequestInfo`] in scope for [`current`].
pub async fn scope(request: Request, next: Next) -> Response {
    let info = RequestInfo {
        lang: Lang::of_request(request.headers()),
        here: request
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into()),
    };
    REQUEST.scope(info, next.run(request)).await
}

/// The request being answered (the defaults outside of [`scope`]).
pub fn current() -> RequestInfo {
    REQUEST.try_with(RequestInfo::clone).unwrap_or_default()
}

/// The English for an Indonesian UI text, if the dictionary has it.
pub fn english(id: &str) -> Option<&'static str> {
    ENGLISH
        .binary_search_by(|(k, _)| (*k).cmp(id))
        .ok()
        .map(|i| ENGLISH[i].1)
}

/// The template function `t(s)`: `s` in English when the context's `lang` is `en` and the
/// dictionary has it, else `s` unchanged (also for values that are not strings).
pub fn translate(state: &minijinja::State, s: Value) -> Value {
    let english_page = state.lookup("lang").as_ref().and_then(Value::as_str) == Some("en");
    match s.as_str().filter(|_| english_page).and_then(english) {
        Some(en) => Value::from(en),
        None => s,
    }
}

/// The template filter `js`: a string as a JavaScript string literal that is safe inside a
/// `<script>` element (no `<`, `>`, `&` or quotes left to end it).
pub fn js_string(s: String) -> Value {
    let literal = serde_json::to_string(&s)
        .unwrap_or_else(|_| "\"\"".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\'', "\\u0027");
    Value::from_safe_string(literal)
}

/// Query of the language switch.
#[derive(Debug, Default, Deserialize)]
pub(super) struct SwitchQuery {
    next: Option<String>,
}

/// Where to go back to: a local path (one leading `/`, printable ASCII, no `\`), else `/`.
fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            n
        }
        _ => "/",
    }
}

/// `GET /lang/{code}?next=`: remembers the language in a cookie for a year and goes back to
/// `next` (a local path only). An unknown code is 404.
pub(super) async fn switch(
    State(state): State<AppState>,
    Path(code): Path<String>,
    AppQuery(q): AppQuery<SwitchQuery>,
) -> AppResult<Response> {
    let lang = Lang::parse(&code).ok_or(AppError::NotFound("language"))?;
    let secure = if state.base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Lax; HttpOnly; Max-Age={COOKIE_MAX_AGE}{secure}",
        lang.code()
    );
    let mut r = Redirect::to(local_path(q.next.as_deref())).into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(anyhow::Error::from)?,
    );
    Ok(r)
}

/// English for the Indonesian texts of the templates (and the texts handlers give them), sorted
/// by the Indonesian for binary search.
pub static ENGLISH: &[(&str, &str)] = &[
    ("(peran Anda hanya melihat)", "(your role can only view)"),
    ("7 hari terakhir", "Last 7 days"),
    ("Abaikan", "Dismiss"),
    ("Ajukan untuk persetujuan", "Submit for approval"),
    ("Aktifkan", "Enable"),
    ("Akui", "Acknowledge"),
    ("Akui insiden", "Acknowledge incident"),
    ("Akui insiden?", "Acknowledge the incident?"),
    ("Alasan", "Reason"),
    ("Anda ikut menulis draf ini; admin lain yang menyetujui.", "You wrote part of this draft; another admin approves it."),
    ("Antrean", "Queue"),
    ("Antrean insiden", "Incident queue"),
    ("Antrean insiden terbuka", "Queue of open incidents"),
    ("Asal", "Origin"),
    ("Baki tinjauan", "Review tray"),
    ("Baki tinjauan kosong.", "The review tray is empty."),
    ("Belum ada draf klarifikasi.", "No clarification drafts yet."),
    ("Belum ada klaim", "No claims yet"),
    ("Belum ada klarifikasi yang disetujui", "No approved clarifications yet"),
    ("Belum ada umpan. Tambahkan tabel [[feeds]] ke berkas konfigurasi.", "No feeds yet. Add [[feeds]] tables to the configuration file."),
    ("Berhasil terakhir", "Last success"),
    ("Berikutnya", "Next poll"),
    ("Buat draf", "Create draft"),
    ("Buat draf dari templat playbook", "Draft from a playbook template"),
    ("Buka antrean", "Open the queue"),
    ("Buka insiden", "Open the incident"),
    ("Cari", "Search"),
    ("Cari sebutan", "Search mentions"),
    ("Catatan", "Note"),
    ("Cocok", "Matches"),
    ("Dalam SLA", "Within SLA"),
    ("Dampak klarifikasi", "Effect of clarifications"),
    ("Dari", "From"),
    ("Dasbor", "Dashboard"),
    ("Dasbor respons", "Response dashboard"),
    ("Dengan mengakui, Anda", "By acknowledging, you"),
    ("Dibuat (WIB)", "Created (WIB)"),
    ("Ditampilkan:", "Shown:"),
    ("Ekonomi", "Economy"),
    ("Fakta", "Facts"),
    ("Fakta singkat", "Short facts"),
    ("Formulir kedaluwarsa, silakan coba lagi.", "The form expired, please try again."),
    ("Frasa dalam tanda kutip dicari persis. Bisa memakai AND, OR, NOT, tanda -, dan kolom:", "Phrases in quotes are matched exactly. You can use AND, OR, NOT, the - sign, and fields:"),
    ("Gagal", "Failed"),
    ("Gagal mencatat salinan", "Could not record the copy"),
    ("Gagal mengakui", "Could not acknowledge"),
    ("Galat terakhir", "Last error"),
    ("Galat terakhir:", "Last error:"),
    ("Halaman ini hanya untuk admin.", "This page is for admins only."),
    ("Hoaks", "Hoax"),
    ("Insiden", "Incident"),
    ("Insiden diakui", "Incident acknowledged"),
    ("Insiden diakui.", "Incident acknowledged."),
    ("Insiden dibuka:", "Incidents opened:"),
    ("Insiden ini sudah diakui.", "This incident is already acknowledged."),
    ("Insiden menurut status", "Incidents by status"),
    ("Insiden terbuka:", "Open incidents:"),
    ("Interval (detik)", "Interval (seconds)"),
    ("Isi", "Body"),
    ("Item", "Items"),
    ("Jenis", "Kind"),
    ("Judul", "Title"),
    ("Kanal", "Channel"),
    ("Kata berimbuhan ikut ditemukan (tipu → menipu, penipuan, ditipu), begitu juga ejaan gaul (gak → tidak).", "Affixed forms of a word are found too (tipu → menipu, penipuan, ditipu), and so are slang spellings (gak → tidak)."),
    ("Kata kunci", "Keywords"),
    ("Kata sandi", "Password"),
    ("Kata sandi (minimal 10 karakter)", "Password (at least 10 characters)"),
    ("Keadaan", "State"),
    ("Keamanan", "Security"),
    ("Kebencanaan", "Disaster"),
    ("Kecepatan respons terhadap SLA", "Response speed against the SLA"),
    ("Keluar", "Log out"),
    ("Kembalikan", "Return"),
    ("Keparahan", "Severity"),
    ("Kesehatan", "Health"),
    ("Klaim", "Claim"),
    ("Klaim dikenal", "Known claims"),
    ("Klaim yang beredar", "Claim in circulation"),
    ("Klaim yang sudah diklarifikasi", "Claims already clarified"),
    ("Klarifikasi", "Clarifications"),
    ("Konfirmasi", "Confirm"),
    ("Konfirmasi alarm", "Confirm the alarm"),
    ("Koreksi label (dipakai untuk melatih ulang model)", "Correct the labels (used to retrain the model)"),
    ("Layanan publik", "Public services"),
    ("Linimasa", "Timeline"),
    ("Masuk", "Log in"),
    ("Masuk ke Tanggap", "Log in to Tanggap"),
    ("Median per keparahan; garis merah = batas SLA. Deteksi: dari sebutan pertama terlihat sampai insiden dibuka.", "Median by severity; red line = SLA limit. Detection: from the first mention seen until the incident opened."),
    ("Menunggu klasifikasi:", "Awaiting classification:"),
    ("Mirip dengan", "Similar to"),
    ("Model belum siap:", "Model not ready:"),
    ("Mulai menyusun", "Start drafting"),
    ("Mulai selidiki", "Start investigating"),
    ("Nama", "Name"),
    ("Nama pengguna", "Username"),
    ("Nama pengguna atau kata sandi salah.", "Wrong username or password."),
    ("Nonaktifkan", "Disable"),
    ("Pembaruan langsung: aktif", "Live updates: on"),
    ("Pembaruan langsung: menyambung…", "Live updates: connecting…"),
    ("Pembaruan langsung: terputus, mencoba lagi…", "Live updates: disconnected, retrying…"),
    ("Pencarian tidak bisa dijalankan:", "The search could not run:"),
    ("Pengguna", "Users"),
    ("Pengguna yang dinonaktifkan langsung keluar dari semua sesinya dan tidak bisa masuk lagi.", "A disabled user is logged out of all their sessions at once and cannot log in again."),
    ("Penipuan", "Scam"),
    ("Penyebutan", "Mentions"),
    ("Penyebutan baru dicocokkan dengan klaim ini. Kemiripan tinggi menautkan penyebutan ke insiden klaim; kemiripan sedang (atau teks pendek) hanya disarankan kepada petugas.", "New mentions are matched against these claims. High similarity links the mention to the claim's incident; medium similarity (or a short text) is only suggested to responders."),
    ("Penyebutan:", "Mentions:"),
    ("Peran", "Role"),
    ("Peran Anda tidak boleh mengakui insiden.", "Your role may not acknowledge incidents."),
    ("Periode", "Period"),
    ("Petugas", "Assignee"),
    ("Petugas piket belum menerima surel; pantau antrean ini langsung.", "The people on call have not been mailed; watch this queue directly."),
    ("Pilih insiden dulu (j/k).", "Select an incident first (j/k)."),
    ("Pintasan papan ketik", "Keyboard shortcuts"),
    ("Politik / Pemilu", "Politics / Elections"),
    ("Pustaka klarifikasi", "Clarification library"),
    ("Pustaka klarifikasi yang disetujui", "Library of approved clarifications"),
    ("SLA terlewati", "SLA breached"),
    ("Salin untuk", "Copy for"),
    ("Sampai", "To"),
    ("Saring", "Filter"),
    ("Saring antrean", "Filter the queue"),
    ("Sebutan berlabel:", "Labelled mentions:"),
    ("Sebutan dengan skor alarm yang meragukan: tidak membuka insiden dan tidak mengirim surel. Putusan Anda menjadi data latih.", "Mentions with an uncertain alarm score: they open no incident and send no mail. Your decisions become training data."),
    ("Sebutan per jam dalam", "Mentions per hour in the"),
    ("Selesai", "Resolve"),
    ("Setujui", "Approve"),
    ("Simpan", "Save"),
    ("Simpan klaim", "Save claim"),
    ("Simpan label", "Save labels"),
    ("Simpan pengguna", "Save user"),
    ("Status sekarang:", "Current status:"),
    ("Sumber", "Source"),
    ("Surel peringatan tertunda:", "Alert mail delayed:"),
    ("Surel terkirim:", "Emails sent:"),
    ("Tambah", "Add"),
    ("Tambah klaim", "Add a claim"),
    ("Tambah pengguna", "Add a user"),
    ("Tambah umpan", "Add a feed"),
    ("Tampilkan", "Show"),
    ("Tautan", "Link"),
    ("Tautan ini sudah dipakai.", "This link has already been used."),
    ("Tautan klarifikasi", "Clarification link"),
    ("Tautan tidak dapat dipakai", "This link cannot be used"),
    ("Tekan", "Press"),
    ("Teks", "Text"),
    ("Templat", "Template"),
    ("Tenggat (WIB)", "Due (WIB)"),
    ("Terapkan", "Apply"),
    ("Terima kasih,", "Thank you,"),
    ("Terlalu banyak percobaan gagal. Coba lagi dalam 15 menit.", "Too many failed attempts. Try again in 15 minutes."),
    ("Tersalin ✓", "Copied ✓"),
    ("Tertaut ke", "Linked to"),
    ("Terukur", "Measured"),
    ("Tidak ada insiden terbuka", "No open incidents"),
    ("Tim", "Team"),
    ("Tim · petugas", "Team · assignee"),
    ("Tolak (bukan insiden)", "Dismiss (not an incident)"),
    ("Triase", "Triage"),
    ("Tutup", "Close"),
    ("Ujaran kebencian", "Hate speech"),
    ("Ukuran", "Measure"),
    ("Umpan", "Feeds"),
    ("Umpan RSS, Atom dan JSON", "RSS, Atom and JSON feeds"),
    ("Umpan dideklarasikan di berkas konfigurasi ([[feeds]]) atau ditambahkan admin di sini. Umpan berjenis mentions menjadi penyebutan; berjenis debunks menjadi klaim yang dikenal, dengan vonis dari label judul ([HOAKS], [SALAH], …) atau ClaimReview.", "Feeds are declared in the configuration file ([[feeds]]) or added here by admins. Items of a mentions feed become mentions; items of a debunks feed become known claims, with the verdict from the title tag ([HOAKS], [SALAH], …) or a ClaimReview."),
    ("Umpan dideklarasikan di berkas konfigurasi ([[feeds]]). Umpan berjenis mentions menjadi penyebutan; berjenis debunks menjadi klaim yang dikenal, dengan vonis dari label judul ([HOAKS], [SALAH], …).", "Feeds are declared in the configuration file ([[feeds]]). Items of a mentions feed become mentions; items of a debunks feed become known claims, with the verdict from the title tag ([HOAKS], [SALAH], …)."),
    ("Urutan", "Order"),
    ("Volume per label", "Volume by label"),
    ("Volume per wilayah", "Volume by region"),
    ("Vonis", "Verdict"),
    ("Waktu (WIB)", "Time (WIB)"),
    ("Waktu deteksi", "Time to detect"),
    ("Waktu klarifikasi pertama", "Time to first clarification"),
    ("Waktu pengakuan", "Time to acknowledge"),
    ("Wilayah", "Region"),
    ("Ya, saya akui insiden ini", "Yes, I acknowledge this incident"),
    ("aktif", "active"),
    ("akui", "acknowledge"),
    ("akui insiden terpilih", "acknowledge the selected incident"),
    ("alarm", "alarm"),
    ("alasan (opsional)", "reason (optional)"),
    ("batas akui", "acknowledge by"),
    ("belum diisi:", "not filled in:"),
    ("belum dipilih", "not chosen yet"),
    ("berikutnya", "next"),
    ("buka insiden terpilih", "open the selected incident"),
    ("cari sebutan", "search mentions"),
    ("detail", "details"),
    ("dibuka", "opened"),
    ("diisi dari penyebutan pertama bila kosong", "taken from the first mention when empty"),
    ("dikembalikan:", "returned:"),
    ("dilewati", "skipped"),
    ("disetujui", "approved"),
    ("eskalasi dihentikan.", "escalation stopped."),
    ("insiden", "incident"),
    ("insiden klaim", "the claim's incident"),
    ("j", "h"),
    ("jam sebelum dan sesudah klarifikasi pertama yang disetujui, per insiden.", "hours before and after the first approved clarification, per incident."),
    ("karakter", "characters"),
    ("kata berbobot:", "weighted words:"),
    ("kata sama", "shared words"),
    ("kemiripan", "similarity"),
    ("klaim yang sudah diklarifikasi", "a claim already clarified"),
    ("klarifikasi", "clarification"),
    ("langkah SOP selesai", "SOP steps done"),
    ("lewat", "overdue by"),
    ("menit", "minutes"),
    ("menit.", "minutes."),
    ("menjadi penanggung jawab awal dan eskalasi ke orang berikutnya dihentikan.", "become the first person responsible and escalation to the next person stops."),
    ("mnt", "min"),
    ("nonaktif", "disabled"),
    ("nonaktif sejak", "disabled since"),
    ("oleh", "by"),
    ("paling cocok", "best match"),
    ("penyebutan", "mentions"),
    ("pilih insiden berikutnya / sebelumnya", "select the next / previous incident"),
    ("sebelumnya", "previous"),
    ("sebutan", "mentions"),
    ("selesai oleh", "done by"),
    ("semua", "all"),
    ("sisa", "due in"),
    ("surel menunggu, yang tertua", "mails waiting, the oldest for"),
    ("tampilkan daftar ini", "show this list"),
    ("tandai langkah", "mark step"),
    ("tautan", "link"),
    ("tautan asli", "original link"),
    ("tekan / untuk mencari", "press / to search"),
    ("terbaru", "newest"),
    ("terbuka", "open"),
    ("tercatat diakui pada", "was recorded as acknowledged at"),
    ("terlalu panjang untuk", "too long for"),
    ("terlama", "oldest"),
    ("tim", "team"),
    ("topik", "topic"),
    ("untuk pencarian ini", "for this search"),
    ("untuk pintasan papan ketik.", "for keyboard shortcuts."),
    ("untuk saringan ini", "for these filters"),
    ("vonis", "verdict"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dictionary_is_sorted_without_duplicates() {
        for pair in ENGLISH.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{:?} before {:?}", pair[0].0, pair[1].0);
        }
    }

    #[test]
    fn every_wrapped_template_text_has_english() {
        for (name, src) in super::super::pages::TEMPLATES {
            for piece in src.split("t(\"").skip(1) {
                let text = piece.split("\")").next().unwrap_or_default();
                assert!(english(text).is_some(), "{name}: no English for {text:?}");
            }
        }
    }

    #[test]
    fn t_follows_the_page_language_and_falls_back_to_indonesian() {
        let mut env = minijinja::Environment::new();
        env.add_function("t", translate);
        env.add_filter("js", js_string);
        let tpl = r#"{{ t("Antrean") }}|{{ t("Tidak dikenal") }}|{{ t(3) }}|{{ t("Keluar")|js }}"#;
        let render = |lang: &str| env.render_str(tpl, minijinja::context! { lang => lang }).unwrap();
        assert_eq!(render("id"), "Antrean|Tidak dikenal|3|\"Keluar\"");
        assert_eq!(render("en"), "Queue|Tidak dikenal|3|\"Log out\"");
        assert_eq!(
            env.render_str(r#"{{ t("Antrean") }}"#, minijinja::context! {})
                .unwrap(),
            "Antrean"
        );
    }

    #[test]
    fn js_strings_cannot_end_the_script() {
        assert_eq!(
            js_string("</script><b>'&\"".into()).to_string(),
            r#""\u003c/script\u003e\u003cb\u003e\u0027\u0026\"""#
        );
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/search?q=a%20b")), "/search?q=a%20b");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "evil",
            "/a b",
            "/\n",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(local_path(None), "/");
    }
}
