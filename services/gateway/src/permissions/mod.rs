//! Authorisation at the gateway: which permission each method needs and which roles grant
//! it. Resource rules (a coordinator writes only the initiatives assigned to them) are the
//! services' to enforce; the gateway decides only whether the caller's roles may call the
//! method at all.

mod table;

use std::collections::HashMap;
use std::sync::LazyLock;

use engage_platform::{Caller, Error, Role};

/// What kind of access a method needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Needs no token at all: what the web console asks before anyone signs in
    /// (GetConsoleSettings) and development sign-in (CreateDevelopmentToken, which the
    /// gateway refuses outside development mode). Such calls are limited per client address.
    Open,
    /// Knowing who one is (GetCaller): any verified caller.
    Identify,
    /// Reading records and figures.
    Read,
    /// Following live summaries.
    Watch,
    /// Following the change feed: every role may; the feeds service narrows what each
    /// receives (a coordinator's initiatives, a youth person's birth date for admins only).
    Subscribe,
    /// Logging roadmap progress (the service checks the assignment).
    Coordinate,
    /// Managing an event's registrations: every role may call, and the briefings service
    /// admits only officers, admins and the event's registration managers (organisers' staff).
    RegistrationDesk,
    /// Creating, changing and deleting records.
    Write,
    /// Bulk exports of records, which carry personal data.
    Export,
    /// Audit trails and erasure.
    Administer,
}

impl Access {
    /// Whether `role` grants this access.
    pub fn granted_to(self, role: Role) -> bool {
        use Access::*;
        match role {
            Role::Admin => true,
            _ if matches!(self, Open | RegistrationDesk) => true,
            Role::CsuOfficer => matches!(
                self,
                Identify | Read | Watch | Subscribe | Coordinate | Write | Export
            ),
            Role::Coordinator => matches!(self, Identify | Read | Subscribe | Coordinate),
            Role::Dashboard => matches!(self, Identify | Read | Watch | Subscribe),
            Role::Viewer => matches!(self, Identify | Read | Watch | Subscribe),
        }
    }
}

/// How a method counts against rate limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MethodClass {
    /// Unary reads.
    Read,
    /// Unary writes.
    Write,
    /// Server-streaming calls (exports, imports' progress, feeds).
    Stream,
}

impl MethodClass {
    /// The class name used in limiter keys and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            MethodClass::Read => "read",
            MethodClass::Write => "write",
            MethodClass::Stream => "stream",
        }
    }
}

/// The permission one method needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permission {
    /// A stable name, `{service}.{method_in_snake_case}`, as shown to callers.
    pub name: &'static str,
    /// The access it needs.
    pub access: Access,
    /// Whether the method streams its response.
    pub streaming: bool,
}

impl Permission {
    const fn new(name: &'static str, access: Access, streaming: bool) -> Self {
        Self {
            name,
            access,
            streaming,
        }
    }

    /// The rate-limit class of the method.
    pub fn class(&self) -> MethodClass {
        if self.streaming {
            MethodClass::Stream
        } else if matches!(self.access, Access::Open | Access::Identify | Access::Read) {
            MethodClass::Read
        } else {
            MethodClass::Write
        }
    }
}

static BY_METHOD: LazyLock<HashMap<&'static str, Permission>> =
    LazyLock::new(|| table::TABLE.iter().copied().collect());

/// The permission `path` (`/package.Service/Method`) needs, if it is in the table.
pub fn required(path: &str) -> Option<Permission> {
    BY_METHOD.get(path).copied()
}

/// Whether `path` names a method that needs no token ([`Access::Open`]).
pub fn is_open_method(path: &str) -> bool {
    required(path).is_some_and(|p| p.access == Access::Open)
}

/// Every entry of the table.
pub fn all() -> impl Iterator<Item = (&'static str, Permission)> {
    table::TABLE.iter().copied()
}

/// Decides whether `caller` may call `path`: PERMISSION_DENIED when the method is not in
/// the table (default deny) or no role of the caller grants its access.
pub fn authorize(caller: &Caller, path: &str) -> Result<Permission, Error> {
    let permission = required(path).ok_or_else(|| Error::PermissionDenied {
        reason: "METHOD_NOT_ALLOWED",
        message: format!("{path} is not open to callers"),
    })?;
    if caller
        .roles
        .iter()
        .any(|r| permission.access.granted_to(*r))
    {
        Ok(permission)
    } else {
        Err(Error::PermissionDenied {
            reason: "ROLE_NOT_PERMITTED",
            message: format!("your roles do not grant {}", permission.name),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use prost::Message;

    use super::*;

    fn described_methods() -> BTreeSet<String> {
        let set = prost_types::FileDescriptorSet::decode(engage_api::FILE_DESCRIPTOR_SET)
            .expect("descriptor set decodes");
        let mut methods = BTreeSet::new();
        for file in set.file {
            for service in &file.service {
                for method in &service.method {
                    methods.insert(format!(
                        "/{}.{}/{}",
                        file.package(),
                        service.name(),
                        method.name()
                    ));
                }
            }
        }
        methods
    }

    #[test]
    fn every_method_of_every_service_has_an_entry() {
        let described = described_methods();
        assert!(described.len() > 100, "the descriptors hold every service");
        let missing: Vec<_> = described.iter().filter(|m| required(m).is_none()).collect();
        assert!(
            missing.is_empty(),
            "methods without a permission: {missing:?}"
        );
        let stale: Vec<_> = all()
            .map(|(m, _)| m)
            .filter(|m| !described.contains(*m))
            .collect();
        assert!(stale.is_empty(), "entries naming no method: {stale:?}");
    }

    #[test]
    fn streaming_flags_match_the_descriptors() {
        let set = prost_types::FileDescriptorSet::decode(engage_api::FILE_DESCRIPTOR_SET)
            .expect("descriptor set decodes");
        for file in set.file {
            for service in &file.service {
                for method in &service.method {
                    let path = format!("/{}.{}/{}", file.package(), service.name(), method.name());
                    let entry = required(&path).expect("entry");
                    assert_eq!(entry.streaming, method.server_streaming(), "{path}");
                }
            }
        }
    }

    #[test]
    fn only_the_consoles_settings_and_development_sign_in_are_open() {
        let open: Vec<_> = all()
            .filter(|(_, p)| p.access == Access::Open)
            .map(|(m, _)| m)
            .collect();
        assert_eq!(
            open,
            [
                "/engage.gateway.v1.GatewayService/GetConsoleSettings",
                "/engage.gateway.v1.GatewayService/CreateDevelopmentToken",
            ]
        );
        assert!(!is_open_method(
            "/engage.gateway.v1.GatewayService/GetCaller"
        ));
    }

    #[test]
    fn organisers_staff_reach_the_registration_desk_but_not_the_event() {
        let staff = Caller::new("coalition-staff", &[Role::Viewer]);
        let register = authorize(&staff, "/engage.briefings.v1.BriefingsService/Register")
            .expect("the briefings service decides who manages registrations");
        assert_eq!(register.class(), MethodClass::Write);
        assert!(authorize(&staff, "/engage.briefings.v1.BriefingsService/UpdateEvent").is_err());
    }

    #[test]
    fn methods_outside_the_table_are_denied_to_everyone() {
        let admin = Caller::new("a", &[Role::Admin]);
        let err =
            authorize(&admin, "/engage.contacts.v1.ContactsService/DropEverything").unwrap_err();
        assert_eq!(err.code(), tonic::Code::PermissionDenied);
    }

    #[test]
    fn roles_grant_what_the_design_says() {
        let viewer = Caller::new("v", &[Role::Viewer]);
        let dashboard = Caller::new("d", &[Role::Dashboard]);
        let coordinator = Caller::new("c", &[Role::Coordinator]);
        let officer = Caller::new("o", &[Role::CsuOfficer]);
        let get = "/engage.contacts.v1.ContactsService/GetOrganization";
        let create = "/engage.contacts.v1.ContactsService/CreateOrganization";
        let progress = "/engage.initiatives.v1.InitiativesService/AppendProgress";
        let subscribe = "/engage.feeds.v1.FeedsService/Subscribe";
        let erase = "/engage.contacts.v1.ContactsService/ErasePerson";
        let watch = "/engage.feeds.v1.FeedsService/WatchSummary";

        assert!(authorize(&viewer, get).is_ok());
        assert!(authorize(&viewer, create).is_err());
        assert!(authorize(&viewer, subscribe).is_ok());
        assert!(authorize(&viewer, watch).is_ok());
        assert!(authorize(&coordinator, watch).is_err());
        assert!(authorize(&coordinator, subscribe).is_ok());
        assert!(authorize(&dashboard, subscribe).is_ok());
        assert!(authorize(&dashboard, create).is_err());
        assert!(authorize(&coordinator, progress).is_ok());
        assert!(authorize(&coordinator, create).is_err());
        assert!(authorize(&officer, create).is_ok());
        assert!(authorize(&officer, erase).is_err());
        assert!(authorize(&Caller::new("a", &[Role::Admin]), erase).is_ok());
        assert!(
            authorize(&Caller::new("n", &[]), get).is_err(),
            "no role, no access"
        );
    }
}
