"""Account assignments as AWS changes them: asynchronously (IN_PROGRESS, then
SUCCEEDED or FAILED), at most MAX_OUTSTANDING at a time per instance, one change per
account at a time, with the status listings and descriptions AWS keeps."""

from __future__ import annotations

import time
import uuid
from typing import Any

from werkzeug.wrappers import Response

from moto.iam.models import iam_backends

import scenarios
from policy_eval import policies_allow
from wire import Call, MAX_OUTSTANDING, json_error, json_response, paged


class AssignmentsMixin:
    """Mixed into ``server.Harness``: reads and writes ``operations``, ``pending``, ``counters``."""

    def _find_assignment(self, backend: Any, p: dict) -> Any:
        for a in backend.account_assignments:
            if (a.instance_arn, a.target_id, a.permission_set_arn, a.principal_type, a.principal_id) == (
                p.get("InstanceArn"), p.get("TargetId"), p.get("PermissionSetArn"), p.get("PrincipalType"), p.get("PrincipalId")
            ):
                return a
        return None

    def _same_account(self, a: dict, b: dict) -> bool:
        keys = ("InstanceArn", "TargetId")
        return all(a.get(k) == b.get(k) for k in keys)

    def _begin(self, call: Call, kind: str) -> dict | Response:
        now = time.time()
        instance = call.params.get("InstanceArn")
        with self.lock:
            outstanding = sum(1 for op in self.pending if op["params"].get("InstanceArn") == instance)
            busy = any(self._same_account(op["params"], call.params) for op in self.pending)
        if outstanding >= MAX_OUTSTANDING:
            # IAM Identity Center quotas ("Quotas and limits in account access manager" /
            # reference 001): the write API has a limit of 15 outstanding asynchronous
            # calls per instance, not adjustable. CreateAccountAssignment and
            # DeleteAccountAssignment list ServiceQuotaExceededException among their
            # errors (API reference), which is what the harness answers past the limit.
            with self.lock:
                self.counters["harness:quota_exceeded"] += 1
            return json_error(
                "ServiceQuotaExceededException",
                "The number of outstanding account assignment operations for this instance has reached the limit.",
                400,
            )
        if busy:
            # IAM Identity Center quotas: "Number of IAM roles (permission sets) in the AWS
            # account that can be updated at a time: 1". Whether two permission sets' changes
            # in one account clash is not documented; the harness refuses any second change
            # to the account while one is in flight (ConflictException, in both operations'
            # error lists), the strictest reading.
            with self.lock:
                self.counters["harness:conflict"] += 1
            return json_error(
                "ConflictException",
                "An account assignment operation is already in progress for this account.",
                409,
            )
        denied = self._management_account_denial(call, kind)
        op = {
            "kind": kind,
            "denied": denied,
            "backend": self.backend_for(call),
            "params": dict(call.params),
            "request_id": str(uuid.uuid4()),
            "created": now,
            "done_at": now + self.assignment_delay_ms / 1000.0,
            "status": "IN_PROGRESS",
            "reason": None,
        }
        with self.lock:
            self.operations[op["request_id"]] = op
            self.pending.append(op)
            peak = max(self.counters["harness:outstanding_peak"], len(self.pending))
            self.counters["harness:outstanding_peak"] = peak
        self.settle()
        return op

    def settle(self) -> None:
        """Applies the operations whose time has come, as AWS finishes them."""
        now = time.time()
        with self.lock:
            due = [op for op in self.pending if op["done_at"] <= now]
            self.pending = [op for op in self.pending if op["done_at"] > now]
        for op in due:
            p, backend = op["params"], op["backend"]
            existing = self._find_assignment(backend, p)
            if op.get("denied"):
                op["status"], op["reason"] = "FAILED", op["denied"]
                self.count("harness:management_account_denied")
            elif op["kind"] == "create" and self.rng.random() < self.fail_creations:
                # AWS can end a creation FAILED with a reason (e.g. the permission set's
                # policy cannot be provisioned into the account): nothing is created.
                op["status"], op["reason"] = "FAILED", "Received a 404 status error: Not supported policy."
                self.count("harness:failed_creates")
            elif op["kind"] == "create" and existing is None and (
                missing := self.missing_customer_policy(p["PermissionSetArn"], p["TargetId"])
            ):
                # Creating the assignment provisions the permission set into the account
                # (CreateAccountAssignment API reference): a customer-managed policy the
                # account lacks fails it (identity_center.missing_customer_policy).
                op["status"], op["reason"] = "FAILED", missing
                self.count("harness:failed_creates_missing_policy")
            elif op["kind"] == "create":
                if existing is None:  # creating an existing assignment changes nothing
                    backend.create_account_assignment(
                        p["InstanceArn"], p["TargetId"], p.get("TargetType", "AWS_ACCOUNT"),
                        p["PermissionSetArn"], p["PrincipalType"], p["PrincipalId"],
                    )
                    self.count("harness:assignments_created")
                else:
                    self.count("harness:duplicate_creates")
                op["status"] = "SUCCEEDED"
            elif existing is None:
                op["status"], op["reason"] = "FAILED", "The assignment does not exist."
                self.count("harness:failed_deletes")
            elif not self._principal_exists(backend, p):
                # Deleting the assignment of a user or group that was deleted from the
                # directory: AWS accepts the request, then ends it FAILED and the assignment
                # stays listed. Public report (terraform-provider-aws issue 19341): status
                # FAILED, FailureReason "Received a 404 status error: the USER assignee <id>
                # was not found in directory d-…". AWS's docs say nothing of this case; the
                # harness models the report, the outcome that can never pass for a revoke.
                op["status"] = "FAILED"
                op["reason"] = (
                    f"Received a 404 status error: the {p.get('PrincipalType')} assignee "
                    f"{p.get('PrincipalId')} was not found in directory {self._store_of(backend, p)}"
                )
                self.count("harness:failed_deletes_principal_gone")
            else:
                backend.account_assignments.remove(existing)
                op["status"] = "SUCCEEDED"
                self.count("harness:assignments_deleted")

    # In the management account IAM Identity Center's service-linked role does not act: the
    # provisioning statements of AWSSSOServiceRolePolicy carry the condition
    # `StringNotEquals aws:PrincipalOrgMasterAccountId = ${aws:PrincipalAccount}`, so there
    # the roles and the SAML provider are made with the caller's own IAM permissions (AWS
    # managed policy reference, AWSSSOServiceRolePolicy v18). What each change needs, in the
    # order AWS is seen to ask for them in public failure reports (fivexl/terraform-aws-sso-
    # elevator#15 and #21, awslabs/landing-zone-accelerator-on-aws#496, avlcloudtechnologies/
    # terraform-aws-sso#15): the request is accepted, then ends FAILED with "Received a 403
    # status error: Access denied by IAM. ... is not authorized to perform: iam:X on resource:
    # ...".
    MANAGEMENT_NEEDS = {
        "create": [("saml", "iam:CreateSAMLProvider"), ("saml", "iam:UpdateSAMLProvider"),
                   ("role", "iam:GetRole"), ("role", "iam:CreateRole"),
                   ("role", "iam:PutRolePolicy"), ("role", "iam:AttachRolePolicy")],
        "delete": [("role", "iam:GetRole"), ("role", "iam:ListRolePolicies"),
                   ("role", "iam:ListAttachedRolePolicies"), ("role", "iam:DetachRolePolicy"),
                   ("role", "iam:DeleteRolePolicy"), ("role", "iam:DeleteRole")],
        "provision": [("role", "iam:GetRole"), ("role", "iam:PutRolePolicy"), ("role", "iam:AttachRolePolicy")],
    }

    def _management_account_denial(self, call: Call, kind: str) -> str | None:
        """The FailureReason AWS gives when the caller may not make the change's IAM calls."""
        target = call.params.get("TargetId")
        if kind == "provision" and not target:
            # ALL_PROVISIONED_ACCOUNTS: the management account is among them if provisioned there.
            pairs = self.provisioned_pairs(self.backend_for(call), call.params.get("InstanceArn"))
            if (call.params.get("PermissionSetArn"), scenarios.MANAGEMENT_ACCOUNT) in pairs:
                target = scenarios.MANAGEMENT_ACCOUNT
        if target != scenarios.MANAGEMENT_ACCOUNT:
            return None
        caller = self.caller_principal_arn(call)
        if ":role/" not in caller:
            return None  # the harness's base identity is an administrator
        account = self.account_of(call.access_key)
        try:
            role = iam_backends[account][caller.split(":")[1]].get_role_by_arn(caller)
        except Exception:
            return None
        docs = list(role.policies.values())
        for managed in role.managed_policies.values():
            try:
                docs.append(managed.default_version.document)
            except AttributeError:
                pass
        ps = self.find_ps(call)
        ps_name = ps.name if ps is not None else "PermissionSet"
        suffix = uuid.uuid5(uuid.NAMESPACE_URL, call.params.get("PermissionSetArn", "")).hex[:16]
        resources = {
            "role": f"arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_{ps_name}_{suffix}",
            "saml": f"arn:aws:iam::{account}:saml-provider/AWSSSO_{suffix}_DO_NOT_DELETE",
        }
        for what, action in self.MANAGEMENT_NEEDS[kind]:
            if not policies_allow(docs, action, resources[what]):
                session = self.caller_arn(call)
                return (
                    "Received a 403 status error: Access denied by IAM. Please check your policy, or wait for role "
                    f"propagation to complete. IAM Error: User: {session} is not authorized to perform: {action} on "
                    f"resource: {resources[what]} because no identity-based policy allows the {action} action "
                    "(Service: AmazonIdentityManagement; Status Code: 403; Error Code: AccessDenied)"
                )
        return None

    def _store_of(self, backend: Any, p: dict) -> str:
        meta = next((i for i in backend.instances if i.instance_arn == p.get("InstanceArn")), None)
        return meta.identity_store_id if meta else ""

    def _principal_exists(self, backend: Any, p: dict) -> bool:
        from moto.identitystore.models import identitystore_backends

        store_id = self._store_of(backend, p)
        for regional in identitystore_backends[backend.account_id].values():
            store = regional.identity_stores.get(store_id)
            if store is None:
                continue
            if p.get("PrincipalType") == "USER":
                return p.get("PrincipalId") in store.users
            return p.get("PrincipalId") in store.groups
        return True

    def _status_doc(self, op: dict) -> dict:
        p = op["params"]
        doc = {
            "Status": op["status"],
            "RequestId": op["request_id"],
            "TargetId": p.get("TargetId"),
            "TargetType": p.get("TargetType", "AWS_ACCOUNT"),
            "PermissionSetArn": p.get("PermissionSetArn"),
            "PrincipalType": p.get("PrincipalType"),
            "PrincipalId": p.get("PrincipalId"),
            "CreatedDate": op["created"],
        }
        if op["reason"]:
            doc["FailureReason"] = op["reason"]
        return doc

    def sso_CreateAccountAssignment(self, call: Call) -> Response:
        op = self._begin(call, "create")
        if isinstance(op, Response):
            return op
        return json_response({"AccountAssignmentCreationStatus": self._status_doc(op)})

    def sso_DeleteAccountAssignment(self, call: Call) -> Response:
        op = self._begin(call, "delete")
        if isinstance(op, Response):
            return op
        return json_response({"AccountAssignmentDeletionStatus": self._status_doc(op)})

    def _list_status(self, call: Call, key: str, kind: str) -> Response:
        wanted = (call.params.get("Filter") or {}).get("Status")
        instance = call.params.get("InstanceArn")
        # Status listings are eventually consistent: a request accepted less than
        # `status_lag_ms` ago is not in them yet (AWS documents no ordering or freshness
        # for ListAccountAssignmentCreationStatus/DeletionStatus; Describe…Status by
        # request id is the authoritative answer, per the CreateAccountAssignment API
        # reference: "After a successful response, call DescribeAccountAssignmentCreationStatus").
        visible_before = time.time() - self.status_lag_ms / 1000.0
        items = [
            {"Status": op["status"], "RequestId": op["request_id"], "CreatedDate": op["created"]}
            for op in list(self.operations.values())
            if op["kind"] == kind
            and op["params"].get("InstanceArn") == instance
            and op["created"] <= visible_before
            and (wanted is None or op["status"] == wanted)
        ]
        return paged(call, items, key, self.page_cap)

    def sso_ListAccountAssignmentCreationStatus(self, call: Call) -> Response:
        return self._list_status(call, "AccountAssignmentsCreationStatus", "create")

    def sso_ListAccountAssignmentDeletionStatus(self, call: Call) -> Response:
        return self._list_status(call, "AccountAssignmentsDeletionStatus", "delete")

    def _describe(self, call: Call, id_param: str, key: str, kind: str) -> Response:
        op = self.operations.get(call.params.get(id_param, ""))
        if op is None or op["kind"] != kind:
            return self.not_found("Request")
        return json_response({key: self._status_doc(op)})

    def sso_DescribeAccountAssignmentCreationStatus(self, call: Call) -> Response:
        return self._describe(call, "AccountAssignmentCreationRequestId", "AccountAssignmentCreationStatus", "create")

    def sso_DescribeAccountAssignmentDeletionStatus(self, call: Call) -> Response:
        return self._describe(call, "AccountAssignmentDeletionRequestId", "AccountAssignmentDeletionStatus", "delete")
