//! Signed, expiring, single-purpose links for mail (acknowledge an incident). A link carries
//! its purpose, incident, recipient and expiry, signed with HMAC-SHA256; it is used at most once
//! (the store remembers used links).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// What a link allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Purpose, e.g. `ack`.
    pub p: String,
    /// Incident id.
    pub i: String,
    /// Recipient (who acts).
    pub r: String,
    /// Expiry, seconds since the Unix epoch.
    pub e: i64,
}

/// Why a link is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Not a link we made.
    #[error("this link is not valid")]
    Invalid,
    /// Too old.
    #[error("this link has expired")]
    Expired,
    /// Made for something else.
    #[error("this link is for another action")]
    WrongPurpose,
}

/// Signs and checks links.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl Signer {
    /// A signer with a secret key.
    pub fn new(key: &[u8]) -> Self {
        Signer { key: key.to_vec() }
    }

    fn mac(&self, data: &[u8]) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }

    /// A token for the claims.
    pub fn sign(&self, claims: &Claims) -> String {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("claims serialise"));
        let sig = URL_SAFE_NO_PAD.encode(self.mac(payload.as_bytes()));
        format!("{payload}.{sig}")
    }

    /// Checks a token's signature, purpose and expiry.
    pub fn verify(&self, token: &str, purpose: &str, now: i64) -> Result<Claims, LinkError> {
        let (payload, sig) = token.split_once('.').ok_or(LinkError::Invalid)?;
        let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| LinkError::Invalid)?;
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(payload.as_bytes());
        mac.verify_slice(&sig).map_err(|_| LinkError::Invalid)?;
        let claims: Claims = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(LinkError::Invalid)?;
        if claims.p != purpose {
            return Err(LinkError::WrongPurpose);
        }
        if claims.e < now {
            return Err(LinkError::Expired);
        }
        Ok(claims)
    }
}

/// The key that signs links: `secret_key` when configured; else, on a shared PostgreSQL
/// database, the one the first replica generated into it (so a link mailed by one replica works
/// on all); else [`load_key`]'s file in the data folder.
pub async fn signing_key(
    settings: &crate::config::Settings,
    store: &crate::store::Store,
) -> anyhow::Result<Vec<u8>> {
    let shared = settings.secret_key.is_none()
        && crate::store::Backend::of_url(settings.database_url.expose()) == crate::store::Backend::Postgres;
    if shared {
        return Ok(store
            .cluster_value("link_signing_key", &new_token())
            .await?
            .into_bytes());
    }
    load_key(settings)
}

/// Loads the signing key from settings, or from (creating) `DATA_DIR/secret.key`.
pub fn load_key(settings: &crate::config::Settings) -> anyhow::Result<Vec<u8>> {
    if let Some(k) = &settings.secret_key {
        anyhow::ensure!(
            k.expose().len() >= 32,
            "TANGGAP_SECRET_KEY must have at least 32 characters"
        );
        return Ok(k.expose().as_bytes().to_vec());
    }
    let path = settings.data_dir.join("secret.key");
    if let Ok(k) = std::fs::read(&path) {
        if k.len() >= 32 {
            return Ok(k);
        }
    }
    let key = new_token().into_bytes();
    std::fs::write(&path, &key)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(key)
}

/// A new random token: `tg_` and 32 bytes in hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("tg_{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(e: i64) -> Claims {
        Claims {
            p: "ack".into(),
            i: "inc_1".into(),
            r: "a@x.id".into(),
            e,
        }
    }

    #[test]
    fn links_are_signed_single_purpose_and_expire() {
        let s = Signer::new(b"0123456789abcdef0123456789abcdef");
        let t = s.sign(&claims(1000));
        assert_eq!(s.verify(&t, "ack", 999).unwrap(), claims(1000));
        assert_eq!(s.verify(&t, "ack", 1001), Err(LinkError::Expired));
        assert_eq!(s.verify(&t, "other", 999), Err(LinkError::WrongPurpose));
        let other = Signer::new(b"another key another key another key");
        assert_eq!(other.verify(&t, "ack", 999), Err(LinkError::Invalid));
        let (payload, sig) = t.split_once('.').unwrap();
        let forged = format!(
            "{}.{sig}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(9999)).unwrap())
        );
        assert_ne!(payload, forged.split_once('.').unwrap().0);
        assert_eq!(s.verify(&forged, "ack", 999), Err(LinkError::Invalid));
        assert_eq!(s.verify("garbage", "ack", 0), Err(LinkError::Invalid));
    }
}
