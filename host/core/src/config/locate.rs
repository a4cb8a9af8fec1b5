//! Finding things in the YAML text: the line and column of a path, and duplicate keys.
//!
//! Both walk the document with serde seeds over `serde_yaml_ng`'s deserializer. An error
//! raised while a node is being visited gets that node's position from the deserializer,
//! so to find a node we raise a sentinel error when we reach it and read its position.

use super::error::{ConfigPath, Location, Segment};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::collections::HashSet;
use std::fmt;

const FOUND: &str = "\u{1}pmsync-locator-found\u{1}";

/// The position of the value at `path`, or of its closest ancestor present in the text.
///
/// A path under `syncs[0]` also matches the single-sync form, where the sync's keys sit at
/// the top level.
pub fn locate(text: &str, origin: &str, path: &ConfigPath) -> Option<Location> {
    let segments = path.segments();
    let single_form = match segments {
        [Segment::Key(k), Segment::Index(0), rest @ ..]
            if k == "syncs" && !has_top_level_key(text, "syncs") =>
        {
            Some(rest)
        }
        _ => None,
    };
    let candidates = single_form.unwrap_or(segments);
    (0..=candidates.len())
        .rev()
        .find_map(|len| position_of(text, &candidates[..len]))
        .map(|(line, column)| Location {
            origin: origin.to_string(),
            line,
            column,
        })
}

/// Whether the document's top-level mapping has this key.
pub fn has_top_level_key(text: &str, key: &str) -> bool {
    position_of(text, &[Segment::Key(key.to_string())]).is_some()
}

fn position_of(text: &str, path: &[Segment]) -> Option<(usize, usize)> {
    let de = serde_yaml_ng::Deserializer::from_str(text);
    match (Seek { rest: path }).deserialize(de) {
        Err(e) if e.to_string().contains(FOUND) => e.location().map(|l| (l.line(), l.column())),
        _ => None,
    }
}

struct Seek<'p> {
    rest: &'p [Segment],
}

impl<'de> DeserializeSeed<'de> for Seek<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl Seek<'_> {
    fn scalar<E: de::Error>(&self) -> Result<(), E> {
        if self.rest.is_empty() {
            Err(E::custom(FOUND))
        } else {
            Ok(())
        }
    }
}

impl<'de> Visitor<'de> for Seek<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.scalar()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.scalar()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.scalar()
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.scalar()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        // A tagged node (`!tag value`): it can be found, not entered.
        if self.rest.is_empty() {
            Err(de::Error::custom(FOUND))
        } else {
            Ok(())
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let wanted = match self.rest.split_first() {
            None => return Err(de::Error::custom(FOUND)),
            Some((Segment::Key(k), rest)) => Some((k.as_str(), rest)),
            Some((Segment::Index(_), _)) => None,
        };
        while let Some(key) = map.next_key_seed(KeyText { seen: None })? {
            match wanted {
                Some((k, rest)) if key.as_deref() == Some(k) => {
                    map.next_value_seed(Seek { rest })?
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let wanted = match self.rest.split_first() {
            None => return Err(de::Error::custom(FOUND)),
            Some((Segment::Index(i), rest)) => Some((*i, rest)),
            Some((Segment::Key(_), _)) => None,
        };
        let mut index = 0;
        loop {
            let more = match wanted {
                Some((i, rest)) if i == index => seq.next_element_seed(Seek { rest })?.is_some(),
                _ => seq.next_element::<IgnoredAny>()?.is_some(),
            };
            if !more {
                return Ok(());
            }
            index += 1;
        }
    }
}

/// A mapping key as text (`None` for keys that are not scalars). With `seen`, a key met a
/// second time is an error located at that key.
struct KeyText<'s> {
    seen: Option<&'s mut HashSet<String>>,
}

impl<'de> DeserializeSeed<'de> for KeyText<'_> {
    type Value = Option<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_any(self)
    }
}

impl KeyText<'_> {
    fn text<E: de::Error>(self, key: String) -> Result<Option<String>, E> {
        if let Some(seen) = self.seen
            && !seen.insert(key.clone())
        {
            return Err(E::custom(format!(
                "duplicate key `{key}`: each key may appear only once in a mapping"
            )));
        }
        Ok(Some(key))
    }
}

impl<'de> Visitor<'de> for KeyText<'_> {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping key")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        self.text(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.text(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.text(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        self.text(v.to_string())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.text(v.to_string())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.text("~".to_string())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

/// Refuses a document in which some mapping has the same key twice; the error is located
/// at the second occurrence. YAML syntax errors come back as they are.
pub fn check_duplicate_keys(text: &str) -> Result<(), serde_yaml_ng::Error> {
    NoDuplicates.deserialize(serde_yaml_ng::Deserializer::from_str(text))
}

struct NoDuplicates;

impl<'de> DeserializeSeed<'de> for NoDuplicates {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NoDuplicates {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        use de::VariantAccess;
        let (_, variant) = data.variant::<IgnoredAny>()?;
        variant.newtype_variant_seed(NoDuplicates)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while map
            .next_key_seed(KeyText {
                seen: Some(&mut seen),
            })?
            .is_some()
        {
            map.next_value_seed(NoDuplicates)?;
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(NoDuplicates)?.is_some() {}
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "name: a\nsyncs:\n  - name: one\n    field_mappings:\n      - source_field: x\n        transform: t\n      - source_field: y\n        transform: u\n";

    fn path(s: &[Segment]) -> ConfigPath {
        ConfigPath(s.to_vec())
    }

    #[test]
    fn a_nested_value_is_found_at_its_line_and_column() {
        let p = path(&[
            Segment::Key("syncs".into()),
            Segment::Index(0),
            Segment::Key("field_mappings".into()),
            Segment::Index(1),
            Segment::Key("transform".into()),
        ]);
        let loc = locate(DOC, "f.yaml", &p).expect("found");
        assert_eq!((loc.line, loc.column), (8, 20));
    }

    #[test]
    fn a_missing_key_falls_back_to_its_closest_present_ancestor() {
        let p = path(&[
            Segment::Key("syncs".into()),
            Segment::Index(0),
            Segment::Key("resolver".into()),
        ]);
        let loc = locate(DOC, "f.yaml", &p).expect("found");
        assert_eq!((loc.line, loc.column), (3, 5));
    }

    #[test]
    fn a_sync_path_finds_top_level_keys_in_the_single_sync_form() {
        let doc = "name: a\nbatch_size: 0\n";
        let p = path(&[
            Segment::Key("syncs".into()),
            Segment::Index(0),
            Segment::Key("batch_size".into()),
        ]);
        let loc = locate(doc, "f.yaml", &p).expect("found");
        assert_eq!((loc.line, loc.column), (2, 13));
    }

    #[test]
    fn a_duplicate_key_is_reported_at_its_second_occurrence() {
        let err = check_duplicate_keys("a: 1\nb:\n  c: 1\n  c: 2\n").unwrap_err();
        let loc = err.location().expect("located");
        assert_eq!((loc.line(), loc.column()), (4, 3));
        assert!(err.to_string().contains("duplicate key `c`"));
    }
}
