//! Protobuf messages as JSON, in the canonical proto3 JSON mapping (lowerCamelCase names,
//! enum value names, RFC 3339 timestamps), read from the API's own descriptors. The generated
//! types carry no serde code: a message is transcoded to a dynamic message and back.

use std::sync::OnceLock;

use prost::Message;
use prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor, ReflectMessage as _};

/// Why a JSON text is not the message it should be.
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    /// The API's descriptors do not describe the message (a build mistake).
    #[error("the API has no message {0}")]
    UnknownMessage(String),
    /// The text is not JSON of that message.
    #[error("{0}")]
    Invalid(String),
}

/// The descriptors of every engage API, decoded once.
pub fn pool() -> Result<&'static DescriptorPool, JsonError> {
    static POOL: OnceLock<Result<DescriptorPool, String>> = OnceLock::new();
    POOL.get_or_init(|| {
        DescriptorPool::decode(engage_api::FILE_DESCRIPTOR_SET).map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| JsonError::UnknownMessage(e.clone()))
}

/// The descriptor of the message named `full_name`, for example `engage.contacts.v1.Person`.
pub fn descriptor(full_name: &str) -> Result<MessageDescriptor, JsonError> {
    pool()?
        .get_message_by_name(full_name)
        .ok_or_else(|| JsonError::UnknownMessage(full_name.to_owned()))
}

/// `message` as a dynamic message of its type `full_name`.
pub fn dynamic<M: Message>(message: &M, full_name: &str) -> Result<DynamicMessage, JsonError> {
    let descriptor = descriptor(full_name)?;
    DynamicMessage::decode(descriptor, message.encode_to_vec().as_slice())
        .map_err(|e| JsonError::Invalid(e.to_string()))
}

/// One line of JSON (no line break inside), the canonical mapping of `message`.
pub fn line(message: &DynamicMessage) -> Result<String, JsonError> {
    serde_json::to_string(message).map_err(|e| JsonError::Invalid(e.to_string()))
}

/// Parses the JSON `text` as the message `M`, whose protobuf name is `full_name`. Unknown
/// fields are refused, so that a misspelt field does not pass silently.
pub fn parse<M: Message + Default>(text: &str, full_name: &str) -> Result<M, JsonError> {
    let descriptor = descriptor(full_name)?;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let dynamic = DynamicMessage::deserialize(descriptor, &mut deserializer)
        .map_err(|e| JsonError::Invalid(e.to_string()))?;
    deserializer
        .end()
        .map_err(|e| JsonError::Invalid(e.to_string()))?;
    M::decode(dynamic.encode_to_vec().as_slice()).map_err(|e| JsonError::Invalid(e.to_string()))
}

/// The top-level fields `text` (a JSON object) names, as protobuf field names, for an
/// update mask: `{"displayName": ..}` gives `display_name`.
pub fn named_fields(text: &str, full_name: &str) -> Result<Vec<String>, JsonError> {
    let descriptor = descriptor(full_name)?;
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| JsonError::Invalid(e.to_string()))?;
    let serde_json::Value::Object(object) = value else {
        return Err(JsonError::Invalid("expected a JSON object".to_owned()));
    };
    object
        .keys()
        .map(|key| {
            descriptor
                .get_field_by_json_name(key)
                .or_else(|| descriptor.get_field_by_name(key))
                .map(|field| field.name().to_owned())
                .ok_or_else(|| {
                    JsonError::Invalid(format!("{} has no field {key:?}", descriptor.name()))
                })
        })
        .collect()
}

/// The descriptor's full name of a dynamic message, for messages.
pub fn type_name(message: &DynamicMessage) -> String {
    message.descriptor().full_name().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use engage_api::contacts::Organization;
    use engage_api::types::Sector;

    const ORG: &str = "engage.contacts.v1.Organization";

    #[test]
    fn an_organisation_goes_to_json_and_back() {
        let org = Organization {
            name: "organizations/1".into(),
            display_name: "Casa Verde".into(),
            sector: Sector::Ngo as i32,
            tags: vec!["a".into(), "b".into()],
            create_time: Some(prost_types::Timestamp {
                seconds: 1_700_000_000,
                nanos: 0,
            }),
            ..Organization::default()
        };
        let text = line(&dynamic(&org, ORG).expect("dynamic")).expect("json");
        assert!(text.contains("\"displayName\":\"Casa Verde\""), "{text}");
        assert!(text.contains("\"sector\":\"SECTOR_NGO\""), "{text}");
        assert!(text.contains("2023-11-14T22:13:20Z"), "{text}");
        let back: Organization = parse(&text, ORG).expect("parsed");
        assert_eq!(back, org);
    }

    #[test]
    fn a_misspelt_field_is_refused() {
        assert!(parse::<Organization>(r#"{"displayNam":"x"}"#, ORG).is_err());
        let mut fields =
            named_fields(r#"{"displayName":"x","country_code":"FR"}"#, ORG).expect("fields");
        fields.sort();
        assert_eq!(
            fields,
            vec!["country_code".to_owned(), "display_name".to_owned()]
        );
    }
}
