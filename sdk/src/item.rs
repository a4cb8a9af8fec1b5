//! Helpers on [`Item`] and [`Field`].

use crate::{Field, Item, Value};

impl Field {
    /// A named field value.
    pub fn new(name: impl Into<String>, value: impl Into<Value>) -> Field {
        Field {
            name: name.into(),
            value: value.into(),
        }
    }
}

impl Item {
    /// An item without fields.
    pub fn new(
        id: impl Into<String>,
        key: impl Into<String>,
        url: impl Into<String>,
        updated_at: impl Into<String>,
    ) -> Item {
        Item {
            id: id.into(),
            key: key.into(),
            url: url.into(),
            updated_at: updated_at.into(),
            fields: Vec::new(),
        }
    }

    /// The value of the field called `name`, if the item has one.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields
            .iter()
            .find(|field| field.name == name)
            .map(|field| &field.value)
    }

    /// Sets the field called `name`, replacing an existing value or appending the field.
    pub fn set_field(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        let name = name.into();
        let value = value.into();
        match self.fields.iter_mut().find(|field| field.name == name) {
            Some(field) => field.value = value,
            None => self.fields.push(Field { name, value }),
        }
    }

    /// [`Item::set_field`] in builder form.
    pub fn with_field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Item {
        self.set_field(name, value);
        self
    }

    /// Removes the field called `name` and returns its value.
    pub fn remove_field(&mut self, name: &str) -> Option<Value> {
        let position = self.fields.iter().position(|field| field.name == name)?;
        Some(self.fields.remove(position).value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setting_an_existing_field_replaces_it_instead_of_duplicating() {
        let mut item = Item::new(
            "10001",
            "PROJ-1",
            "https://x/PROJ-1",
            "2024-05-01T12:00:00Z",
        )
        .with_field("priority", "High");
        item.set_field("priority", 2);
        assert_eq!(item.fields.len(), 1);
        assert_eq!(item.field("priority"), Some(&Value::integer(2)));
    }

    #[test]
    fn a_missing_field_is_none_not_null() {
        let item = Item::new("1", "#1", "", "").with_field("labels", Value::Null);
        assert_eq!(item.field("labels"), Some(&Value::Null));
        assert_eq!(item.field("status"), None);
    }

    #[test]
    fn removing_a_field_returns_its_value() {
        let mut item = Item::new("1", "#1", "", "").with_field("status", "Done");
        assert_eq!(item.remove_field("status"), Some(Value::text("Done")));
        assert!(item.fields.is_empty());
    }
}
