// The tenant's directory as the app knows it: people, teams and labels,
// loaded from whichever of their endpoints the server has.

import * as api from "./api.js";
import * as store from "./store.js";

/** Users, teams and labels of the tenant (whatever the server has). */
export async function loadDirectory() {
  const [users, teams, labels] = await Promise.all([
    api.probe("users", "/api/users").catch(() => null),
    api.probe("teams", "/api/teams").catch(() => null),
    api.probe("labelsList", "/api/labels").catch(() => null),
  ]);
  store.setDirectory({ users: users?.items || [], teams: teams?.items || [], labels: labels?.items || [] });
}

/** A role as people say it. */
export function roleName(role) {
  return { manager: "Manager", staff: "Agent", platform_admin: "Platform admin" }[role] || role;
}
