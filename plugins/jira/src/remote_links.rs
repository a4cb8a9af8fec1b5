//! An issue's remote links (`GET /rest/api/3/issue/{id}/remotelink`): the URLs people and
//! integrations linked it to, such as a GitHub issue. Read only with the setting
//! `read_remote_links` (one more request per listed issue), as the field `remote_links`, so
//! `link_existing`'s `cross_reference` rule can pair items already linked by hand.

use pmsync_sdk::PluginError;
use pmsync_sdk::http::Request;

use crate::api;
use crate::connector::segment;
use crate::settings::Settings;

/// Most remote links read per issue; the rest are ignored.
pub const MAX_REMOTE_LINKS: usize = 50;

/// The URLs of issue `id`'s remote links, at most [`MAX_REMOTE_LINKS`].
pub fn urls(settings: &Settings, id: &str) -> Result<Vec<String>, PluginError> {
    let what = format!("GET remote links of issue {id}");
    let request = Request::get(settings.api(&format!("/issue/{}/remotelink", segment(id))));
    let answer = api::json(&api::send(request, &what)?, &what)?;
    let links = answer.as_array().ok_or_else(|| {
        PluginError::transient(format!("{what}: the answer is not a list of links"))
    })?;
    Ok(links
        .iter()
        .filter_map(|link| link["object"]["url"].as_str())
        .take(MAX_REMOTE_LINKS)
        .map(str::to_owned)
        .collect())
}
