"""What a signed-in user does with a permission set, so a test can show a session ended:
the AWS access portal handing out role credentials, and those credentials used against
the account's role as IAM evaluates them.

* **The role in each account holds the permission set as last provisioned there.** "If
  the permission set is subsequently updated, the corresponding IAM policies attached to
  roles in your accounts will not be updated automatically. In this case, you must call
  ProvisionPermissionSet to make these updates" (CreateAccountAssignment API reference).
  So the harness keeps, per (permission set, account), the inline policy the role holds:
  frozen before a change to the permission set reaches a provisioned account, replaced
  when a provisioning request for that account succeeds.
* **Credentials from the portal** (``sso:GetRoleCredentials``, AWS access portal API
  reference: "Returns the STS short-term credentials for a given role name that is
  assigned to the user") are handed out only to a user assigned the permission set on the
  account, directly or through a group, and last the permission set's session duration
  (IAM Identity Center user guide, "Set session duration": the role session lasts it).
  Removing the assignment does not end them (user guide, "Revoke active IAM role sessions
  created by permission sets"): they stay valid until they expire.
* **A request with them** is evaluated against the role's inline policy as provisioned,
  with the request context of an Identity Center session, which carries the user's
  ``identitystore:UserId`` (user guide, same page: a Deny with the condition
  ``"identitystore:userId"`` blocks that user's active sessions). The permissions the
  permission set's managed policies grant are not modelled: a request is allowed unless
  an explicit Deny matches it.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from moto.ssoadmin.models import ssoadmin_backends

import scenarios
from policy_eval import policies_allow


def iso_duration_seconds(text: str) -> int:
    """PT1H, PT12H, PT1H30M as seconds (the SessionDuration format, ISO-8601)."""
    import re

    m = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?", text or "PT1H")
    if not m:
        return 3600
    h, mi, s = (int(x or 0) for x in m.groups())
    return h * 3600 + mi * 60 + s


class PortalMixin:
    """Mixed into ``server.Harness``: keeps ``role_inline`` and ``portal_sessions``."""

    def _org_sso(self) -> Any:
        return ssoadmin_backends[scenarios.MANAGEMENT_ACCOUNT][self.home_region]

    def _ps(self, ps_arn: str) -> Any:
        for ps in self._org_sso().permission_sets:
            if ps.permission_set_arn == ps_arn:
                return ps
        return None

    def role_policy(self, ps_arn: str, account: str) -> str:
        """The inline policy the permission set's role in `account` holds now."""
        with self.lock:
            frozen = self.role_inline.get((ps_arn, account))
        if frozen is not None:
            return frozen
        ps = self._ps(ps_arn)
        return (ps.inline_policy if ps is not None else "") or ""

    def freeze_roles(self, ps_arn: str) -> None:
        """Before a change to a permission set: every account it is provisioned to keeps
        the version its role holds until that account is provisioned again."""
        ps = self._ps(ps_arn)
        if ps is None:
            return
        accounts = {a.target_id for a in self._org_sso().account_assignments if a.permission_set_arn == ps_arn}
        with self.lock:
            for account in accounts:
                self.role_inline.setdefault((ps_arn, account), ps.inline_policy or "")

    def provisioned_now(self, ps_arn: str, account: str | None) -> None:
        """A provisioning request succeeded: the role in `account` (every account, when
        None) holds the permission set's current version."""
        with self.lock:
            for key in [k for k in self.role_inline if k[0] == ps_arn and (account is None or k[1] == account)]:
                del self.role_inline[key]

    def has_access(self, user_id: str, account: str, ps_arn: str) -> bool:
        """Whether the user is assigned the permission set on the account, directly or
        through one of their groups."""
        from moto.identitystore.models import identitystore_backends

        backend = self._org_sso()
        instance = next((i for i in backend.instances if i.instance_arn not in self.account_instances), None)
        if instance is None:
            return False
        store = identitystore_backends[scenarios.MANAGEMENT_ACCOUNT][self.home_region].identity_stores.get(
            instance.identity_store_id
        )
        groups = set()
        if store is not None:
            groups = {m["GroupId"] for m in store.group_memberships.values() if m["MemberId"].get("UserId") == user_id}
        return any(
            a.target_id == account
            and a.permission_set_arn == ps_arn
            and ((a.principal_type == "USER" and a.principal_id == user_id) or (a.principal_type == "GROUP" and a.principal_id in groups))
            for a in backend.account_assignments
        )

    def portal_credentials(self, payload: dict) -> dict:
        user, account, ps_arn = payload["user_id"], payload["account_id"], payload["permission_set_arn"]
        if not self.has_access(user, account, ps_arn):
            # GetRoleCredentials answers ForbiddenException/UnauthorizedException when the
            # user holds no such role (AWS access portal API reference, Errors).
            return {"error": "ForbiddenException", "message": "No access"}
        ps = self._ps(ps_arn)
        seconds = iso_duration_seconds(getattr(ps, "session_duration", None) or "PT1H")
        session = {
            "session_id": str(uuid.uuid4()),
            "user_id": user,
            "account_id": account,
            "permission_set_arn": ps_arn,
            "issued_at": time.time(),
            "expires_at": time.time() + seconds,
        }
        with self.lock:
            self.portal_sessions[session["session_id"]] = session
        return {"session_id": session["session_id"], "expires_in": seconds}

    def portal_call(self, payload: dict) -> dict:
        with self.lock:
            session = self.portal_sessions.get(payload.get("session_id", ""))
        if session is None:
            return {"allowed": False, "reason": "unknown session"}
        if time.time() >= session["expires_at"]:
            return {"allowed": False, "reason": "ExpiredToken"}
        action = payload.get("action", "s3:ListAllMyBuckets")
        policy = self.role_policy(session["permission_set_arn"], session["account_id"])
        context = {"identitystore:userid": session["user_id"]}
        # Only an explicit Deny can refuse here (managed policies are not modelled): an
        # allow-everything statement stands for what they grant.
        everything = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        docs = [everything] + ([policy] if policy else [])
        if policies_allow(docs, action, payload.get("resource", "*"), context):
            return {"allowed": True}
        return {"allowed": False, "reason": "AccessDenied: explicit deny in the role's inline policy"}
