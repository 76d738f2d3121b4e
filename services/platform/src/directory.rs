//! The contacts register as the other services see it: organisations and people that their
//! records name (partners, organisers, signers, registrants) are checked against contacts on
//! behalf of the caller, and a merged record resolves to the one it was merged into.

use engage_api::contacts::{
    BatchGetOrganizationsRequest, BatchGetPeopleRequest, Organization, Person,
    contacts_service_client::ContactsServiceClient,
};
use tonic::Code;

use crate::identity::{Caller, InternalKey, ServiceChannel};
use crate::server::Peers;
use crate::{Error, Violation};

/// Most names one call checks (contacts' batch limit).
pub const MAX_REFERENCES: usize = 1000;

/// A reference named in a request: the field that named it and the resource name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The request field, such as `initiative.partners[2].organization`.
    pub field: String,
    /// The resource name, such as `organizations/0190…`.
    pub name: String,
}

impl Reference {
    /// A reference from `field` to `name`.
    pub fn new(field: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            name: name.into(),
        }
    }
}

/// Contacts, called as the caller of the request being served.
pub struct Directory {
    client: ContactsServiceClient<ServiceChannel>,
}

impl Directory {
    /// Contacts through `peers`, calling as `caller`.
    pub fn new(peers: &Peers, key: &InternalKey, caller: Caller) -> Result<Self, Error> {
        let channel = peers.calling_as("contacts", key, caller)?;
        Ok(Self {
            client: ContactsServiceClient::new(channel),
        })
    }

    /// The organisations named by `references`, in order, each resolved to its survivor when
    /// it was merged. An unknown, malformed or deleted organisation is INVALID_ARGUMENT on the
    /// field that named it.
    pub async fn organizations(
        &self,
        references: &[Reference],
    ) -> Result<Vec<Organization>, Error> {
        self.resolve(
            references,
            "organizations/",
            "organisation",
            |mut client, names| async move {
                client
                    .batch_get_organizations(BatchGetOrganizationsRequest {
                        names,
                        resolve_merged: true,
                    })
                    .await
                    .map(|r| r.into_inner().organizations)
            },
            |o| o.delete_time.is_some(),
        )
        .await
    }

    /// The people named by `references`, in order, each resolved to its survivor when merged.
    /// An unknown, malformed, deleted or erased person is INVALID_ARGUMENT on its field.
    pub async fn people(&self, references: &[Reference]) -> Result<Vec<Person>, Error> {
        self.resolve(
            references,
            "people/",
            "person",
            |mut client, names| async move {
                client
                    .batch_get_people(BatchGetPeopleRequest {
                        names,
                        resolve_merged: true,
                    })
                    .await
                    .map(|r| r.into_inner().people)
            },
            |p| p.delete_time.is_some(),
        )
        .await
    }

    /// Reads the records `references` name with `batch_get`, refusing deleted ones.
    async fn resolve<T, F, Fut>(
        &self,
        references: &[Reference],
        prefix: &str,
        what: &str,
        batch_get: F,
        deleted: impl Fn(&T) -> bool,
    ) -> Result<Vec<T>, Error>
    where
        F: Fn(ContactsServiceClient<ServiceChannel>, Vec<String>) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<T>, tonic::Status>>,
    {
        if references.is_empty() {
            return Ok(Vec::new());
        }
        check_form(references, prefix)?;
        let names = references.iter().map(|r| r.name.clone()).collect();
        let found = match batch_get(self.client.clone(), names).await {
            Ok(found) => found,
            // Contacts answers a batch with one NOT_FOUND; asking one by one tells which
            // fields named a record that does not exist. Only a refused request pays for this.
            Err(status) if status.code() == Code::NotFound => {
                let mut violations = Vec::new();
                for reference in references {
                    match batch_get(self.client.clone(), vec![reference.name.clone()]).await {
                        Ok(_) => {}
                        Err(status) if status.code() == Code::NotFound => {
                            violations.push(Violation::new(
                                reference.field.clone(),
                                format!("{} does not exist in contacts", reference.name),
                            ))
                        }
                        Err(status) => return Err(upstream(status)),
                    }
                }
                return Err(if violations.is_empty() {
                    // Created between the two calls: tell the caller to try again.
                    Error::Unavailable("contacts changed while the references were checked".into())
                } else {
                    Error::InvalidArgument(violations)
                });
            }
            Err(status) => return Err(upstream(status)),
        };
        let violations: Vec<Violation> = references
            .iter()
            .zip(&found)
            .filter(|(_, record)| deleted(record))
            .map(|(reference, _)| deleted_reference(reference, what))
            .collect();
        if violations.is_empty() {
            Ok(found)
        } else {
            Err(Error::InvalidArgument(violations))
        }
    }
}

fn check_form(references: &[Reference], prefix: &str) -> Result<(), Error> {
    if references.len() > MAX_REFERENCES {
        return Err(Error::invalid(
            references[0].field.clone(),
            format!("at most {MAX_REFERENCES} references in one request"),
        ));
    }
    let violations: Vec<Violation> = references
        .iter()
        .filter(|r| {
            r.name
                .strip_prefix(prefix)
                .is_none_or(|id| id.is_empty() || id.contains('/'))
        })
        .map(|r| {
            Violation::new(
                r.field.clone(),
                format!("must be a resource name {prefix}{{id}}, got {:?}", r.name),
            )
        })
        .collect();
    if violations.is_empty() {
        Ok(())
    } else {
        Err(Error::InvalidArgument(violations))
    }
}

fn deleted_reference(reference: &Reference, what: &str) -> Violation {
    Violation::new(
        reference.field.clone(),
        format!(
            "{} is a deleted {what}: undelete it in contacts first",
            reference.name
        ),
    )
}

/// A refusal by contacts that is not about the references themselves: the caller may not
/// read contacts, or contacts is down.
fn upstream(status: tonic::Status) -> Error {
    match status.code() {
        Code::PermissionDenied => Error::PermissionDenied {
            reason: "CONTACTS_REFUSED",
            message: format!(
                "contacts refused to read the references: {}",
                status.message()
            ),
        },
        Code::Unauthenticated => Error::Unauthenticated {
            reason: "CONTACTS_REFUSED",
            message: status.message().to_owned(),
        },
        Code::InvalidArgument => Error::invalid("references", status.message().to_owned()),
        _ => Error::Unavailable(format!(
            "contacts did not answer: {} {}",
            status.code(),
            status.message()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_must_name_a_record_of_the_right_collection() {
        let references = [
            Reference::new("partners[0].organization", "organizations/0190"),
            Reference::new("partners[1].organization", "people/0190"),
            Reference::new("partners[2].organization", "organizations/"),
            Reference::new("partners[3].organization", "organizations/a/b"),
        ];
        let Err(Error::InvalidArgument(violations)) = check_form(&references, "organizations/")
        else {
            panic!("malformed references were accepted");
        };
        let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "partners[1].organization",
                "partners[2].organization",
                "partners[3].organization"
            ]
        );
        assert!(check_form(&references[..1], "organizations/").is_ok());
    }

    #[test]
    fn contacts_refusing_the_caller_is_permission_denied_not_internal() {
        let refused = upstream(tonic::Status::permission_denied("no role"));
        assert_eq!(refused.code(), Code::PermissionDenied);
        let down = upstream(tonic::Status::unavailable("connection refused"));
        assert_eq!(down.code(), Code::Unavailable);
    }
}
