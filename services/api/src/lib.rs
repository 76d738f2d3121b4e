//! Rust code generated from the contracts in `proto/`: messages, clients and server traits
//! for every engage service, and the encoded descriptor set that server reflection serves.

#![allow(clippy::doc_lazy_continuation, clippy::large_enum_variant)]

/// The encoded `FileDescriptorSet` of every engage contract, for server reflection and for
/// tools that walk the methods (such as the gateway's permission table check).
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("engage_descriptor");

/// The generated code, one module per protobuf package (`engage.contacts.v1` is
/// `engage::contacts::v1`), nested as the packages are so that cross-package references
/// in the generated code resolve.
pub mod engage {
    /// `engage.type.v1`
    pub mod r#type {
        /// Shared types used by several services.
        pub mod v1 {
            tonic::include_proto!("engage.r#type.v1");
        }
    }
    /// `engage.contacts.v1`
    pub mod contacts {
        /// The contacts service: organisations, people and everything the unit knows about them.
        pub mod v1 {
            tonic::include_proto!("engage.contacts.v1");
        }
    }
    /// `engage.initiatives.v1`
    pub mod initiatives {
        /// The initiatives service: country pilot initiatives, roadmaps and progress logs.
        pub mod v1 {
            tonic::include_proto!("engage.initiatives.v1");
        }
    }
    /// `engage.declarations.v1`
    pub mod declarations {
        /// The declarations service: declarations and their signatures.
        pub mod v1 {
            tonic::include_proto!("engage.declarations.v1");
        }
    }
    /// `engage.briefings.v1`
    pub mod briefings {
        /// The briefings service: briefings, side events and registrations.
        pub mod v1 {
            tonic::include_proto!("engage.briefings.v1");
        }
    }
    /// `engage.feeds.v1`
    pub mod feeds {
        /// The feeds service: change feeds and dashboard summaries.
        pub mod v1 {
            tonic::include_proto!("engage.feeds.v1");
        }
    }
    /// `engage.gateway.v1`
    pub mod gateway {
        /// The gateway's own API.
        pub mod v1 {
            tonic::include_proto!("engage.gateway.v1");
        }
    }
}

pub use engage::briefings::v1 as briefings;
pub use engage::contacts::v1 as contacts;
pub use engage::declarations::v1 as declarations;
pub use engage::feeds::v1 as feeds;
pub use engage::gateway::v1 as gateway;
pub use engage::initiatives::v1 as initiatives;
pub use engage::r#type::v1 as types;

/// Full gRPC service names, as health checks and reflection know them.
pub mod service_names {
    /// `engage.contacts.v1.ContactsService`
    pub const CONTACTS: &str = "engage.contacts.v1.ContactsService";
    /// `engage.initiatives.v1.InitiativesService`
    pub const INITIATIVES: &str = "engage.initiatives.v1.InitiativesService";
    /// `engage.declarations.v1.DeclarationsService`
    pub const DECLARATIONS: &str = "engage.declarations.v1.DeclarationsService";
    /// `engage.briefings.v1.BriefingsService`
    pub const BRIEFINGS: &str = "engage.briefings.v1.BriefingsService";
    /// `engage.feeds.v1.FeedsService`
    pub const FEEDS: &str = "engage.feeds.v1.FeedsService";
    /// `engage.gateway.v1.GatewayService`
    pub const GATEWAY: &str = "engage.gateway.v1.GatewayService";
}
