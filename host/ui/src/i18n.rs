//! The UI's texts in Danish and English: every JSON file under marketplace-ui/i18n/
//! (embedded at build time) maps a key to `{"da": "...", "en": "..."}`. Templates call
//! `t("key")` (or `t("key", name=value)` to fill `{name}`); a key that is missing, or
//! lacks a language, is an error, so a page never shows a raw key.

use std::collections::BTreeMap;

use minijinja::value::Kwargs;
use minijinja::{Error, ErrorKind, State};

use jobunivers_core::model::Locale;

/// One text in both languages.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Text {
    /// Danish.
    pub da: String,
    /// English.
    pub en: String,
}

/// All texts.
#[derive(Debug, Default)]
pub struct Texts(BTreeMap<String, Text>);

impl Texts {
    /// Read the embedded files; a key defined twice, or a text missing a language, is
    /// an error.
    pub fn load(files: &[(&str, &str)]) -> anyhow::Result<Self> {
        let mut all = BTreeMap::new();
        for (name, source) in files {
            if !(name.starts_with("i18n/") && name.ends_with(".json")) {
                continue;
            }
            let texts: BTreeMap<String, Text> = serde_json::from_str(source)
                .map_err(|e| anyhow::anyhow!("marketplace-ui/{name}: {e}"))?;
            for (key, text) in texts {
                anyhow::ensure!(
                    !text.da.trim().is_empty() && !text.en.trim().is_empty(),
                    "marketplace-ui/{name}: '{key}' needs both a Danish and an English text"
                );
                anyhow::ensure!(
                    all.insert(key.clone(), text).is_none(),
                    "marketplace-ui/{name}: '{key}' is defined twice"
                );
            }
        }
        Ok(Self(all))
    }

    /// The text of `key` in `lang`.
    pub fn get(&self, key: &str, lang: Locale) -> Option<&str> {
        self.0.get(key).map(|t| match lang {
            Locale::Da => t.da.as_str(),
            Locale::En => t.en.as_str(),
        })
    }

    /// The template function `t(key, **args)`.
    pub fn call(&self, state: &State, key: &str, args: Kwargs) -> Result<String, Error> {
        let lang = state
            .lookup("lang")
            .and_then(|v| v.as_str().and_then(|s| s.parse().ok()))
            .unwrap_or_default();
        let text = self.get(key, lang).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!("no text '{key}' in marketplace-ui/i18n"),
            )
        })?;
        let mut out = text.to_owned();
        for name in args.args() {
            let value: minijinja::Value = args.get(name)?;
            out = out.replace(&format!("{{{name}}}"), &value.to_string());
        }
        args.assert_all_used()?;
        Ok(out)
    }
}
