//! How a tenant organises its inbox: teams, labels, canned replies and
//! settings. Each is a per-tenant record in its own tree, written through
//! one pair of helpers.

use serde::Serialize;
use tenants::{
    CannedReply, CannedReplyId, FieldError, FlowId, FlowRecord, Label, LabelId, SettingsPatch, Team, TeamId,
    TenantId, TenantSettings,
};

use super::DirectoryState;
use crate::error::ActorError;
use crate::store::{key, Batch, Tree};

/// A record stored per tenant.
trait Scoped: Serialize {
    const TREE: Tree;
    fn tenant(&self) -> TenantId;
    fn id_bytes(&self) -> [u8; 16];
}

impl Scoped for Team {
    const TREE: Tree = Tree::Teams;
    fn tenant(&self) -> TenantId {
        self.tenant_id
    }
    fn id_bytes(&self) -> [u8; 16] {
        self.id.to_bytes()
    }
}

impl Scoped for Label {
    const TREE: Tree = Tree::Labels;
    fn tenant(&self) -> TenantId {
        self.tenant_id
    }
    fn id_bytes(&self) -> [u8; 16] {
        self.id.to_bytes()
    }
}

impl Scoped for CannedReply {
    const TREE: Tree = Tree::CannedReplies;
    fn tenant(&self) -> TenantId {
        self.tenant_id
    }
    fn id_bytes(&self) -> [u8; 16] {
        self.id.to_bytes()
    }
}

impl Scoped for FlowRecord {
    const TREE: Tree = Tree::Flows;
    fn tenant(&self) -> TenantId {
        self.tenant_id
    }
    fn id_bytes(&self) -> [u8; 16] {
        self.id.to_bytes()
    }
}

fn save<T: Scoped>(s: &DirectoryState, record: &T) -> Result<(), ActorError> {
    let mut batch = Batch::default();
    batch.put(T::TREE, key(&[&record.tenant().to_bytes(), &record.id_bytes()]), record)?;
    s.ctx.store.write(batch)
}

fn delete<T: Scoped>(s: &DirectoryState, record: &T) -> Result<(), ActorError> {
    let mut batch = Batch::default();
    batch.delete(T::TREE, key(&[&record.tenant().to_bytes(), &record.id_bytes()]));
    s.ctx.store.write(batch)
}

fn sorted<T: Clone>(items: impl Iterator<Item = T>, by: impl Fn(&T) -> String) -> Vec<T> {
    let mut v: Vec<T> = items.collect();
    v.sort_by_key(|x| by(x).to_lowercase());
    v
}

/// Creates or replaces a team whose members all belong to its tenant.
pub(super) fn put_team(s: &mut DirectoryState, team: Team) -> Result<Team, ActorError> {
    if let Some(old) = s.teams.get(&team.id) {
        if old.tenant_id != team.tenant_id {
            return Err(ActorError::NotFound);
        }
    }
    let strangers: Vec<FieldError> = team
        .member_ids
        .iter()
        .filter(|m| s.users.get(m).is_none_or(|u| u.tenant_id != Some(team.tenant_id)))
        .map(|m| FieldError::new("member_ids", format!("{m} is not a user of this business")))
        .collect();
    if !strangers.is_empty() {
        return Err(ActorError::Invalid(strangers));
    }
    if s.teams.values().any(|t| t.id != team.id && t.tenant_id == team.tenant_id && t.name == team.name) {
        return Err(ActorError::conflict("team_exists", format!("a team named {} exists", team.name)));
    }
    save(s, &team)?;
    s.teams.insert(team.id, team.clone());
    Ok(team)
}

/// A tenant's teams by name.
pub(super) fn teams(s: &DirectoryState, tenant: TenantId) -> Vec<Team> {
    sorted(s.teams.values().filter(|t| t.tenant_id == tenant).cloned(), |t| t.name.clone())
}

/// Deletes a team.
pub(super) fn delete_team(s: &mut DirectoryState, tenant: TenantId, id: TeamId) -> Result<Team, ActorError> {
    let team = s.teams.get(&id).filter(|t| t.tenant_id == tenant).cloned().ok_or(ActorError::NotFound)?;
    delete(s, &team)?;
    s.teams.remove(&id);
    Ok(team)
}

/// Creates or replaces a label; names are unique in a tenant.
pub(super) fn put_label(s: &mut DirectoryState, label: Label) -> Result<Label, ActorError> {
    if s.labels.get(&label.id).is_some_and(|old| old.tenant_id != label.tenant_id) {
        return Err(ActorError::NotFound);
    }
    if s.labels.values().any(|l| l.id != label.id && l.tenant_id == label.tenant_id && l.name == label.name) {
        return Err(ActorError::conflict("label_exists", format!("a label named {} exists", label.name)));
    }
    save(s, &label)?;
    s.labels.insert(label.id, label.clone());
    Ok(label)
}

/// A tenant's labels by name.
pub(super) fn labels(s: &DirectoryState, tenant: TenantId) -> Vec<Label> {
    sorted(s.labels.values().filter(|l| l.tenant_id == tenant).cloned(), |l| l.name.clone())
}

/// Deletes a label.
pub(super) fn delete_label(
    s: &mut DirectoryState,
    tenant: TenantId,
    id: LabelId,
) -> Result<Label, ActorError> {
    let label = s.labels.get(&id).filter(|l| l.tenant_id == tenant).cloned().ok_or(ActorError::NotFound)?;
    delete(s, &label)?;
    s.labels.remove(&id);
    Ok(label)
}

/// Creates or replaces a canned reply; shortcuts are unique in a tenant.
pub(super) fn put_canned(s: &mut DirectoryState, reply: CannedReply) -> Result<CannedReply, ActorError> {
    if s.canned.get(&reply.id).is_some_and(|old| old.tenant_id != reply.tenant_id) {
        return Err(ActorError::NotFound);
    }
    let taken = s
        .canned
        .values()
        .any(|c| c.id != reply.id && c.tenant_id == reply.tenant_id && c.shortcut == reply.shortcut);
    if taken {
        return Err(ActorError::conflict("shortcut_exists", format!("/{} is already used", reply.shortcut)));
    }
    save(s, &reply)?;
    s.canned.insert(reply.id, reply.clone());
    Ok(reply)
}

/// A tenant's canned replies by shortcut.
pub(super) fn canned(s: &DirectoryState, tenant: TenantId) -> Vec<CannedReply> {
    sorted(s.canned.values().filter(|c| c.tenant_id == tenant).cloned(), |c| c.shortcut.clone())
}

/// Deletes a canned reply.
pub(super) fn delete_canned(
    s: &mut DirectoryState,
    tenant: TenantId,
    id: CannedReplyId,
) -> Result<(), ActorError> {
    let reply = s.canned.get(&id).filter(|c| c.tenant_id == tenant).cloned().ok_or(ActorError::NotFound)?;
    delete(s, &reply)?;
    s.canned.remove(&id);
    Ok(())
}

/// Changes a tenant's settings.
pub(super) fn update_settings(
    s: &mut DirectoryState,
    tenant: TenantId,
    patch: SettingsPatch,
) -> Result<TenantSettings, ActorError> {
    let mut changed = s.tenants.get(&tenant).cloned().ok_or(ActorError::NotFound)?;
    patch.apply(&mut changed.settings);
    let mut batch = Batch::default();
    batch.put(Tree::Tenants, tenant.to_bytes().to_vec(), &changed)?;
    s.ctx.store.write(batch)?;
    let settings = changed.settings.clone();
    s.tenants.insert(tenant, changed);
    Ok(settings)
}

fn version_key(tenant: TenantId, flow: FlowId, version: u32) -> Vec<u8> {
    key(&[&tenant.to_bytes(), &flow.to_bytes(), &version.to_be_bytes()])
}

/// Creates or replaces a flow's draft (the live version is untouched).
pub(super) fn put_flow(s: &mut DirectoryState, mut flow: FlowRecord) -> Result<FlowRecord, ActorError> {
    if let Some(old) = s.flows.get(&flow.id) {
        if old.tenant_id != flow.tenant_id {
            return Err(ActorError::NotFound);
        }
        flow.published_version = old.published_version;
        flow.created_at_ms = old.created_at_ms;
    }
    save(s, &flow)?;
    s.flows.insert(flow.id, flow.clone());
    Ok(flow)
}

/// A tenant's flows, oldest first.
pub(super) fn flows(s: &DirectoryState, tenant: TenantId) -> Vec<FlowRecord> {
    let mut v: Vec<FlowRecord> = s.flows.values().filter(|f| f.tenant_id == tenant).cloned().collect();
    v.sort_by_key(|f| f.id);
    v
}

/// Deletes a flow (its published versions stay, for chats still in them).
pub(super) fn delete_flow(s: &mut DirectoryState, tenant: TenantId, id: FlowId) -> Result<(), ActorError> {
    let flow = s.flows.get(&id).filter(|f| f.tenant_id == tenant).cloned().ok_or(ActorError::NotFound)?;
    delete(s, &flow)?;
    s.flows.remove(&id);
    Ok(())
}

/// Snapshots the draft as the next live version.
pub(super) fn publish_flow(
    s: &mut DirectoryState,
    tenant: TenantId,
    id: FlowId,
) -> Result<FlowRecord, ActorError> {
    let mut flow = s.flows.get(&id).filter(|f| f.tenant_id == tenant).cloned().ok_or(ActorError::NotFound)?;
    flow.published_version += 1;
    let mut batch = Batch::default();
    batch.put(Tree::FlowVersions, version_key(tenant, id, flow.published_version), &flow.draft_json)?;
    batch.put(Tree::Flows, key(&[&tenant.to_bytes(), &id.to_bytes()]), &flow)?;
    s.ctx.store.write(batch)?;
    s.flows.insert(id, flow.clone());
    Ok(flow)
}

/// One published version's document.
pub(super) fn flow_version(s: &DirectoryState, tenant: TenantId, id: FlowId, version: u32) -> Option<String> {
    s.ctx.store.get(Tree::FlowVersions, &version_key(tenant, id, version)).ok().flatten()
}

/// Sets (or clears) the tenant's business hours.
pub(super) fn set_business_hours(
    s: &mut DirectoryState,
    tenant: TenantId,
    json: Option<String>,
) -> Result<TenantSettings, ActorError> {
    let mut changed = s.tenants.get(&tenant).cloned().ok_or(ActorError::NotFound)?;
    changed.settings.business_hours_json = json;
    let mut batch = Batch::default();
    batch.put(Tree::Tenants, tenant.to_bytes().to_vec(), &changed)?;
    s.ctx.store.write(batch)?;
    let settings = changed.settings.clone();
    s.tenants.insert(tenant, changed);
    Ok(settings)
}
