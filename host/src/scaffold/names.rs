//! A new plugin's name and the spellings the templates need.

use super::ScaffoldError;

/// A plugin name: lowercase ASCII letters, digits and single hyphens, starting with a letter,
/// at most 64 characters (`title-case`, `acme-tracker`). It names the plugin, its folder, its
/// crate or package, and (as `{{name_snake}}`) its component and transform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginName(String);

const MAX_LEN: usize = 64;

impl PluginName {
    pub fn parse(text: &str) -> Result<PluginName, ScaffoldError> {
        let bad = |why: &str| {
            ScaffoldError(format!(
                "`{text}` is not a plugin name: {why} (use lowercase letters, digits and \
                 single hyphens, e.g. `title-case`)"
            ))
        };
        if text.is_empty() {
            return Err(bad("it is empty"));
        }
        if text.len() > MAX_LEN {
            return Err(bad(&format!("it is longer than {MAX_LEN} characters")));
        }
        if !text.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(bad("it must start with a lowercase letter"));
        }
        if let Some(c) = text
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            return Err(bad(&format!("{c:?} is not allowed")));
        }
        if text.ends_with('-') || text.contains("--") {
            return Err(bad("hyphens go between words, one at a time"));
        }
        Ok(PluginName(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `title_case`.
    pub fn snake(&self) -> String {
        self.0.replace('-', "_")
    }

    /// `TitleCase`.
    pub fn camel(&self) -> String {
        self.0
            .split('-')
            .map(|word| {
                let mut chars = word.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                    None => String::new(),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kebab_name_gives_snake_and_camel_spellings() {
        let name = PluginName::parse("acme-tracker2").unwrap();
        assert_eq!(name.snake(), "acme_tracker2");
        assert_eq!(name.camel(), "AcmeTracker2");
    }

    #[test]
    fn names_that_cannot_name_a_crate_and_a_component_are_refused_with_the_reason() {
        for (bad, why) in [
            ("", "empty"),
            ("Title", "lowercase letter"),
            ("2fast", "lowercase letter"),
            ("title case", "' '"),
            ("title_case", "'_'"),
            ("title--case", "hyphens"),
            ("title-", "hyphens"),
            ("../x", "lowercase letter"),
        ] {
            let error = PluginName::parse(bad).unwrap_err().0;
            assert!(error.contains(why), "{bad:?}: {error}");
        }
        assert!(PluginName::parse(&"a".repeat(65)).is_err());
    }
}
