// What a caller may do in the console, from the roles the gateway verified. It mirrors the
// gateway's permission table (services/gateway/src/permissions) so that no control is shown
// that would only be refused; the gateway and services still decide every call.
import { Role } from "../gen/engage/gateway/v1/gateway_pb";

export interface Abilities {
  /** Read partners, initiatives, declarations and events. */
  read: boolean;
  /** Follow the live dashboard summary. */
  watch: boolean;
  /** Create, change and delete organisations, people and their records; import. */
  write: boolean;
  /** Download exports of records, which carry personal data. */
  export: boolean;
  /** Review and merge duplicates. */
  merge: boolean;
  /** Read audit trails and erase people. */
  administer: boolean;
  /** Log roadmap progress (on assigned initiatives for coordinators). */
  coordinate: boolean;
}

export const none: Abilities = {
  read: false,
  watch: false,
  write: false,
  export: false,
  merge: false,
  administer: false,
  coordinate: false,
};

export function abilitiesOf(roles: readonly Role[]): Abilities {
  const has = (r: Role) => roles.includes(r);
  const admin = has(Role.ADMIN);
  const officer = admin || has(Role.CSU_OFFICER);
  const reader = officer || has(Role.COORDINATOR) || has(Role.DASHBOARD) || has(Role.VIEWER);
  return {
    read: reader,
    watch: officer || has(Role.DASHBOARD) || has(Role.VIEWER),
    write: officer,
    export: officer,
    merge: officer,
    administer: admin,
    coordinate: officer || has(Role.COORDINATOR),
  };
}

/** The roles a person may pick on the development sign-in page, in the table's order. */
export const signInRoles: readonly Role[] = [Role.ADMIN, Role.CSU_OFFICER, Role.COORDINATOR, Role.DASHBOARD, Role.VIEWER];

/** The catalogue key of a role's name. */
export function roleKey(role: Role): string {
  switch (role) {
    case Role.ADMIN:
      return "role.admin";
    case Role.CSU_OFFICER:
      return "role.csu_officer";
    case Role.COORDINATOR:
      return "role.coordinator";
    case Role.DASHBOARD:
      return "role.dashboard";
    case Role.VIEWER:
      return "role.viewer";
    default:
      return "role.unknown";
  }
}
