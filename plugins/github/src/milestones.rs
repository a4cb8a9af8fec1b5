//! Milestone titles to numbers. The repository's milestones (`GET /repos/o/r/milestones?
//! state=all`, every page) are fetched once per plugin instance and kept; an unknown title
//! triggers one refresh (it may have been created since), then is an `invalid-input` error
//! listing the titles that exist.

use std::collections::BTreeMap;

use pmsync_github_common::{api, link};
use pmsync_sdk::PluginError;
use pmsync_sdk::http::Request;
use serde::Deserialize;

use crate::settings::Settings;

/// At most this many pages of milestones are read (10 000 milestones).
const MAX_PAGES: usize = 100;

#[derive(Debug, Deserialize)]
struct Milestone {
    number: u64,
    title: String,
}

/// The milestones seen so far, per repository API URL: title → number. Part of the plugin's
/// state, so it lives as long as the instance.
#[derive(Debug, Default)]
pub struct Milestones {
    by_repo: BTreeMap<String, BTreeMap<String, u64>>,
}

impl Milestones {
    /// The number of the milestone titled `title` in the configured repository.
    pub fn number_of(&mut self, settings: &Settings, title: &str) -> Result<u64, PluginError> {
        let key = settings.repo_url();
        if let Some(&number) = self.by_repo.get(&key).and_then(|titles| titles.get(title)) {
            return Ok(number);
        }
        let titles = fetch_all(settings)?;
        let found = titles.get(title).copied();
        let known: Vec<String> = titles.keys().cloned().collect();
        self.by_repo.insert(key, titles);
        found.ok_or_else(|| unknown(settings, title, &known))
    }
}

fn unknown(settings: &Settings, title: &str, known: &[String]) -> PluginError {
    {
        PluginError::invalid_input(format!(
            "field `milestone`: {title:?} is not a milestone of {}; milestones: {}",
            settings.repo.full_name(),
            if known.is_empty() {
                "(none)".to_owned()
            } else {
                known.join(", ")
            }
        ))
    }
}

fn fetch_all(settings: &Settings) -> Result<BTreeMap<String, u64>, PluginError> {
    let mut titles = BTreeMap::new();
    let mut url = Request::get(format!("{}/milestones", settings.repo_url()))
        .query("state", "all")
        .query("per_page", "100")
        .url()
        .to_owned();
    for _ in 0..MAX_PAGES {
        link::check_cursor(&url, &settings.base_url)?;
        let response = api::send(
            Request::get(&url)
                .header("accept", "application/vnd.github+json")
                .credential("token"),
        )?;
        let page: Vec<Milestone> = api::json(&response, "the milestone list")?;
        titles.extend(
            page.into_iter()
                .map(|milestone| (milestone.title, milestone.number)),
        );
        match response.header("link").and_then(link::next_url) {
            Some(next) => url = next,
            None => break,
        }
    }
    Ok(titles)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pmsync_github_common::repo::Repo;
    use pmsync_sdk::http::testing::{self, WireResponse};
    use std::cell::Cell;
    use std::rc::Rc;

    fn settings() -> Settings {
        Settings {
            base_url: "https://api.github.com".to_owned(),
            repo: Repo::parse("o/milestones-test", "repo").expect("valid"),
        }
    }

    #[test]
    fn titles_resolve_from_every_page_and_are_fetched_once() {
        let calls = Rc::new(Cell::new(0));
        let counter = calls.clone();
        testing::set_handler(move |request| {
            counter.set(counter.get() + 1);
            let (body, headers) = if request.url.contains("page=2") {
                (r#"[{"number":7,"title":"v2.0"}]"#, vec![])
            } else {
                assert!(request.url.contains("state=all"), "{}", request.url);
                (
                    r#"[{"number":3,"title":"v1.0"}]"#,
                    vec![("link".to_owned(), "<https://api.github.com/repos/o/milestones-test/milestones?state=all&page=2>; rel=\"next\"".to_owned())],
                )
            };
            Ok(WireResponse {
                status: 200,
                headers,
                body: body.as_bytes().to_vec(),
            })
        });
        let mut milestones = Milestones::default();
        assert_eq!(milestones.number_of(&settings(), "v2.0").expect("found"), 7);
        assert_eq!(
            milestones.number_of(&settings(), "v1.0").expect("cached"),
            3
        );
        assert_eq!(calls.get(), 2, "two pages, then the cache");
        let error = milestones.number_of(&settings(), "v9").unwrap_err();
        assert_eq!(
            error,
            PluginError::invalid_input(
                "field `milestone`: \"v9\" is not a milestone of o/milestones-test; milestones: v1.0, v2.0"
            )
        );
        assert_eq!(calls.get(), 4, "an unknown title refreshes once");
    }
}
