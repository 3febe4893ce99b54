//! Authorization of id tags presented at the charge point (§3.5, §4.1 Authorize): local decisions
//! from the cache and local list, then start or stop.

#[allow(clippy::wildcard_imports)]
use super::*;

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits>
    ChargePoint<S, NC, NL, NA, L>
{
    pub(super) fn auth_context(&self) -> AuthContext {
        AuthContext {
            online: self.connected && self.registration == Registration::Accepted,
            local_pre_authorize: self.config.local_pre_authorize,
            local_authorize_offline: self.config.local_authorize_offline,
            allow_offline_tx_for_unknown_id: self.config.allow_offline_tx_for_unknown_id,
            authorization_cache_enabled: self.config.authorization_cache_enabled,
            local_auth_list_enabled: self.config.local_auth_list_enabled,
        }
    }

    /// Updates the cache with an IdTagInfo from the central system (§3.5.1), unless the idTag is
    /// in the local list (§3.5.3).
    pub(super) fn remember_id_tag(&mut self, id_tag: &str, info: &IdTagInfo, now: Instant) {
        let wall = self.clock.at(now);
        let ctx = self.auth_context();
        if let Ok(true) =
            auth::record_id_tag_info(id_tag, info, &ctx, &mut self.cache, &self.local_list, wall)
        {
            self.persist_cache();
        }
    }

    /// Picks the connector for an identifier presented without one: its own transaction's
    /// connector, else a plugged connector waiting for authorization, else the first available.
    pub(super) fn choose_connector(&self, id_tag: &str) -> Option<ConnectorId> {
        let n = self.setup.connectors;
        if let Some(t) = self
            .journal
            .transactions
            .iter()
            .find(|t| t.id_tag.eq_ignore_case(id_tag))
        {
            return Some(t.connector);
        }
        (1..=n)
            .find(|&c| {
                self.connectors.get(c as usize).is_some_and(|x| {
                    x.plugged && !x.in_transaction && x.operative && x.fault.is_none()
                })
            })
            .or_else(|| {
                (1..=n).find(|&c| {
                    self.connector_status(c)
                        .is_some_and(|s| s == ChargePointStatus::Available)
                        && self.pending.get(c as usize).is_some_and(Option::is_none)
                })
            })
    }

    pub(super) fn on_id_tag(
        &mut self,
        connector: Option<ConnectorId>,
        id_tag: IdToken,
        now: Instant,
    ) {
        let Some(connector) = connector.or_else(|| self.choose_connector(&id_tag)) else {
            self.act(Action::Authorization {
                connector: None,
                id_tag,
                status: AuthorizationStatus::Invalid,
            });
            return;
        };
        if !self.valid_connector(connector) {
            return;
        }
        // A transaction runs here: this is a stop attempt (§3.10, §4.1).
        if let Some(t) = self.journal.transaction(connector) {
            let wall = self.clock.at(now);
            let known = auth::lookup_local(
                &id_tag,
                &self.auth_context(),
                &self.cache,
                &self.local_list,
                wall,
            )
            .map(|(i, _)| i);
            let check = auth::check_stop(
                &t.id_tag,
                t.parent_id_tag.as_deref(),
                &id_tag,
                known.as_ref(),
                wall,
            );
            match check {
                StopCheck::SameIdTag | StopCheck::SameGroup => {
                    self.stop_transaction(connector, Reason::Local, Some(id_tag), now);
                }
                StopCheck::NeedAuthorize
                    if self.connected && self.registration == Registration::Accepted =>
                {
                    let _ = self.stop_checks.push(PendingStop {
                        connector,
                        id_tag: id_tag.clone(),
                    });
                    let _ = self.requests.push(Request::Authorize {
                        connector: Some(connector),
                        id_tag,
                    });
                }
                StopCheck::NeedAuthorize | StopCheck::Refused => {
                    self.act(Action::Authorization {
                        connector: Some(connector),
                        id_tag,
                        status: AuthorizationStatus::Invalid,
                    });
                }
            }
            return;
        }
        let wall = self.clock.at(now);
        let decision = auth::decide(
            &id_tag,
            &self.auth_context(),
            &self.cache,
            &self.local_list,
            wall,
        );
        match decision {
            Decision::Accepted { info, .. } => {
                self.accept_id_tag(connector, id_tag, info.parent_id_tag.clone(), false, now);
            }
            Decision::AcceptedUnknownOffline => {
                self.accept_id_tag(connector, id_tag, None, false, now);
            }
            Decision::Rejected(rejection) => {
                let status = match rejection {
                    Rejection::NotValid { info, .. } => info.status,
                    Rejection::Offline | Rejection::InvalidIdTag => AuthorizationStatus::Invalid,
                };
                self.act(Action::Authorization {
                    connector: Some(connector),
                    id_tag,
                    status,
                });
            }
            Decision::AskCentral => {
                if let Some(slot) = self.pending.get_mut(connector as usize) {
                    *slot = Some(Pending {
                        id_tag: id_tag.clone(),
                        parent_id_tag: None,
                        authorized: false,
                        since: now,
                        remote: false,
                        _none_is_zero: NoneIsZero::Marker,
                    });
                }
                if let Some(c) = self.connector_mut(connector) {
                    c.preparing_since.get_or_insert(now);
                }
                let _ = self.requests.push(Request::Authorize {
                    connector: Some(connector),
                    id_tag,
                });
            }
        }
    }

    pub(super) fn accept_id_tag(
        &mut self,
        connector: ConnectorId,
        id_tag: IdToken,
        parent: Option<IdToken>,
        remote: bool,
        now: Instant,
    ) {
        // §5.2: an Inoperative (or faulted) connector starts nothing; §5.13: a reserved
        // connector takes only the reservation's idTag or its group.
        let usable = self.can_charge(connector);
        if !usable || !self.reservation_allows(connector, &id_tag, parent.as_deref()) {
            if let Some(slot) = self.pending.get_mut(connector as usize) {
                *slot = None;
            }
            self.act(Action::Authorization {
                connector: Some(connector),
                id_tag,
                status: AuthorizationStatus::Invalid,
            });
            return;
        }
        self.act(Action::Authorization {
            connector: Some(connector),
            id_tag: id_tag.clone(),
            status: AuthorizationStatus::Accepted,
        });
        if let Some(slot) = self.pending.get_mut(connector as usize) {
            *slot = Some(Pending {
                id_tag,
                parent_id_tag: parent,
                authorized: true,
                since: now,
                remote,
                _none_is_zero: NoneIsZero::Marker,
            });
        }
        let plugged = self
            .connectors
            .get(connector as usize)
            .is_some_and(|c| c.plugged);
        if let Some(c) = self.connector_mut(connector) {
            c.preparing_since = Some(now);
        }
        if plugged {
            self.start_transaction(connector, now);
        }
    }

    pub(super) fn on_authorized(
        &mut self,
        connector: Option<ConnectorId>,
        id_tag: &IdToken,
        info: &IdTagInfo,
        now: Instant,
    ) {
        // A stop attempt by another card of the group?
        if let Some(check) = self
            .stop_checks
            .iter()
            .find(|s| s.id_tag.eq_ignore_case(id_tag))
            .cloned()
        {
            self.stop_checks
                .retain(|s| !s.id_tag.eq_ignore_case(id_tag));
            let wall = self.clock.at(now);
            let verdict = self.journal.transaction(check.connector).map(|t| {
                auth::check_stop(
                    &t.id_tag,
                    t.parent_id_tag.as_deref(),
                    id_tag,
                    Some(info),
                    wall,
                )
            });
            if matches!(verdict, Some(StopCheck::SameIdTag | StopCheck::SameGroup)) {
                self.stop_transaction(check.connector, Reason::Local, Some(id_tag.clone()), now);
            } else {
                self.act(Action::Authorization {
                    connector: Some(check.connector),
                    id_tag: id_tag.clone(),
                    status: AuthorizationStatus::Invalid,
                });
            }
            return;
        }
        let Some(connector) = connector else { return };
        let waiting = self
            .pending
            .get(connector as usize)
            .and_then(Option::as_ref)
            .is_some_and(|p| !p.authorized && p.id_tag.eq_ignore_case(id_tag));
        if !waiting {
            return;
        }
        if info.status == AuthorizationStatus::Accepted {
            let remote = self
                .pending
                .get(connector as usize)
                .and_then(Option::as_ref)
                .is_some_and(|p| p.remote);
            self.accept_id_tag(
                connector,
                id_tag.clone(),
                info.parent_id_tag.clone(),
                remote,
                now,
            );
        } else {
            if let Some(slot) = self.pending.get_mut(connector as usize) {
                *slot = None;
            }
            let plugged = self
                .connectors
                .get(connector as usize)
                .is_some_and(|c| c.plugged);
            if let Some(c) = self.connector_mut(connector) {
                if !plugged {
                    c.preparing_since = None;
                }
            }
            self.act(Action::Authorization {
                connector: Some(connector),
                id_tag: id_tag.clone(),
                status: info.status,
            });
        }
    }
}
