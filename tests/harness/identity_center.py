"""Identity Center as AWS shows it where moto differs: instances only in their home
region, replica regions, the provisioned-* listings derived from assignments,
permissions boundaries, tags and provisioning status, and the Identity Store
answers moto leaves out."""

from __future__ import annotations

import time
import uuid
from typing import Any

from werkzeug.wrappers import Response

from moto.ssoadmin.models import ssoadmin_backends

import scenarios
from wire import Call, instance_json, json_error, json_response, paged


class IdentityCenterMixin:
    """Mixed into ``server.Harness``: reads ``visible_instances``, ``boundaries``, ``tags``,
    ``outdated``, ``provisioning`` and the scenario's settings."""

    def sso_ListInstances(self, call: Call) -> Response:
        """ListInstances: "the organization and account instances of IAM Identity Center that
        were created in or visible to the account calling this API" (API reference). The
        organization instance exists in its home region only; a delegated administrator for
        sso.amazonaws.com sees that same instance (same ARN, owned by the management
        account: IAM Identity Center user guide, "Delegated administration"); a member
        account sees its own account instance, if it made one. moto answers every account
        in every region with a fresh instance of its own."""
        account = self.account_of(call.access_key)
        if (account, call.region) in self.visible_instances:
            backend = ssoadmin_backends[account][call.region]
            return json_response({"Instances": [instance_json(i, account) for i in backend.instances]})
        if call.region == self.home_region and self.is_delegated_admin(account):
            backend = ssoadmin_backends[scenarios.MANAGEMENT_ACCOUNT][call.region]
            org = [i for i in backend.instances if i.instance_arn not in self.account_instances]
            return json_response({"Instances": [instance_json(i, scenarios.MANAGEMENT_ACCOUNT) for i in org]})
        return json_response({"Instances": []})

    def is_delegated_admin(self, account: str) -> bool:
        from moto.organizations.models import organizations_backends

        try:
            orgs = organizations_backends[scenarios.MANAGEMENT_ACCOUNT][self.partition]
            admins = orgs.list_delegated_administrators(ServicePrincipal="sso.amazonaws.com")
        except Exception:
            return False
        return any(a.get("Id") == account for a in admins.get("DelegatedAdministrators", []))

    def sso_ListRegions(self, call: Call) -> Response:
        """ListRegions (API reference): the regions of an instance, ACTIVE/ADDING/REMOVING,
        the primary one marked. moto has no multi-Region support: the home region, plus the
        `replica_regions` a test configures (multi-Region replication)."""
        instance = call.params.get("InstanceArn")
        backend = self.backend_for(call)
        if not any(i.instance_arn == instance for i in backend.instances):
            return self.not_found("Instance")
        regions = [{"RegionName": call.region, "Status": "ACTIVE", "IsPrimaryRegion": True}]
        regions += [{"RegionName": r, "Status": "ACTIVE", "IsPrimaryRegion": False} for r in self.replica_regions]
        return paged(call, regions, "Regions", self.page_cap)

    def provisioned_pairs(self, backend: Any, instance_arn: str) -> set[tuple[str, str]]:
        return {
            (a.permission_set_arn, a.target_id)
            for a in backend.account_assignments
            if a.instance_arn == instance_arn
        }

    def status_filter(self, call: Call, ps_arn: str, account: str) -> bool:
        wanted = call.params.get("ProvisioningStatus")
        if not wanted:
            return True
        outdated = account in self.outdated.get(ps_arn, set())
        if wanted == "LATEST_PERMISSION_SET_NOT_PROVISIONED":
            return outdated
        return not outdated

    def sso_ListAccountAssignmentsForPrincipal(self, call: Call) -> Response:
        """What the principal *has access to*, as AWS lists it.

        AWS API reference, ListAccountAssignmentsForPrincipal: "Retrieves a list of the IAM
        Identity Center associated Amazon Web Services accounts that the principal has access
        to. This action must be called from the management account containing your
        organization instance of IAM Identity Center. This action is not valid for account
        instances of IAM Identity Center." For a USER that includes the accounts reached
        through its groups; each row (AccountAssignmentForPrincipal) carries its own
        PrincipalType and PrincipalId — the group's for inherited rows. moto returns only
        the rows whose principal is exactly the one asked for.
        """
        account = self.account_of(call.access_key)
        if account != scenarios.MANAGEMENT_ACCOUNT:
            return json_error(
                "ValidationException",
                "ListAccountAssignmentsForPrincipal must be called from the management account "
                "containing the organization instance of IAM Identity Center.",
                400,
            )
        backend = self.backend_for(call)
        instance = call.params.get("InstanceArn")
        meta = next((i for i in backend.instances if i.instance_arn == instance), None)
        if meta is None:
            return self.not_found("Instance")
        kind = call.params.get("PrincipalType")
        pid = call.params.get("PrincipalId")
        wanted = {(kind, pid)}
        if kind == "USER":
            from moto.identitystore.models import identitystore_backends

            store = identitystore_backends[account][call.region].identity_stores.get(meta.identity_store_id)
            if store is not None:
                wanted |= {
                    ("GROUP", m["GroupId"])
                    for m in store.group_memberships.values()
                    if m["MemberId"].get("UserId") == pid
                }
        only = (call.params.get("Filter") or {}).get("AccountId")
        rows = [
            {
                "AccountId": a.target_id,
                "PermissionSetArn": a.permission_set_arn,
                "PrincipalId": a.principal_id,
                "PrincipalType": a.principal_type,
            }
            for a in backend.account_assignments
            if a.instance_arn == instance
            and (a.principal_type, a.principal_id) in wanted
            and (only is None or a.target_id == only)
        ]
        return paged(call, rows, "AccountAssignments", self.page_cap)

    def sso_ListAccountsForProvisionedPermissionSet(self, call: Call) -> Response:
        backend = self.backend_for(call)
        ps_arn = call.params["PermissionSetArn"]
        accounts = sorted(
            acct
            for ps, acct in self.provisioned_pairs(backend, call.params["InstanceArn"])
            if ps == ps_arn and self.status_filter(call, ps, acct)
        )
        return paged(call, accounts, "AccountIds", self.page_cap)

    def sso_ListPermissionSetsProvisionedToAccount(self, call: Call) -> Response:
        backend = self.backend_for(call)
        account = call.params["AccountId"]
        arns = sorted(
            ps
            for ps, acct in self.provisioned_pairs(backend, call.params["InstanceArn"])
            if acct == account and self.status_filter(call, ps, acct)
        )
        return paged(call, arns, "PermissionSets", self.page_cap)

    def find_ps(self, call: Call) -> Any:
        backend = self.backend_for(call)
        ps_arn = call.params.get("PermissionSetArn")
        for ps in backend.permission_sets:
            if ps.permission_set_arn == ps_arn and ps.instance_arn == call.params.get("InstanceArn"):
                return ps
        return None

    def not_found(self, what: str) -> Response:
        return json_error("ResourceNotFoundException", f"{what} not found", 400)

    def sso_GetPermissionsBoundaryForPermissionSet(self, call: Call) -> Response:
        ps = self.find_ps(call)
        if ps is None:
            return self.not_found("Permission set")
        boundary = self.boundaries.get(ps.permission_set_arn)
        if boundary is None:
            return self.not_found("Permissions boundary")
        return json_response({"PermissionsBoundary": boundary})

    def sso_PutPermissionsBoundaryToPermissionSet(self, call: Call) -> Response:
        ps = self.find_ps(call)
        if ps is None:
            return self.not_found("Permission set")
        self.boundaries[ps.permission_set_arn] = call.params["PermissionsBoundary"]
        self.mark_outdated(call)
        return json_response({})

    def sso_DeletePermissionsBoundaryFromPermissionSet(self, call: Call) -> Response:
        ps = self.find_ps(call)
        if ps is None:
            return self.not_found("Permission set")
        self.boundaries.pop(ps.permission_set_arn, None)
        self.mark_outdated(call)
        return json_response({})

    def sso_ListTagsForResource(self, call: Call) -> Response:
        return paged(call, self.tags.get(call.params.get("ResourceArn"), []), "Tags", self.page_cap)

    def sso_TagResource(self, call: Call) -> Response:
        tags = self.tags.setdefault(call.params["ResourceArn"], [])
        new = {t["Key"]: t for t in call.params.get("Tags", [])}
        tags[:] = [t for t in tags if t["Key"] not in new] + list(new.values())
        return json_response({})

    def sso_UntagResource(self, call: Call) -> Response:
        keys = set(call.params.get("TagKeys", []))
        tags = self.tags.setdefault(call.params["ResourceArn"], [])
        tags[:] = [t for t in tags if t["Key"] not in keys]
        return json_response({})

    def missing_customer_policy(self, ps_arn: str, account: str) -> str | None:
        """Why the permission set cannot be put into `account`'s role: a customer-managed policy
        it references (attached, or as its permissions boundary) that the account does not
        have. AWS: "You must have an IAM policy that matches the name and path in each AWS
        account where you want to deploy your permission set"
        (AttachCustomerManagedPolicyReferenceToPermissionSet API reference); IAM Identity
        Center attaches it to the role in that account, so the account's provisioning (or
        the assignment that provisions it) ends FAILED. The exact FailureReason is not
        documented; the harness gives IAM's own NoSuchEntity message for attaching a policy
        that is not there, in the "Received a 404 status error: …" shape of the reasons
        public reports show."""
        from moto.iam.models import iam_backends

        backend = ssoadmin_backends[scenarios.MANAGEMENT_ACCOUNT][self.home_region]
        ps = next((p for p in backend.permission_sets if p.permission_set_arn == ps_arn), None)
        if ps is None:
            return None
        refs = [(c.name, c.path) for c in ps.customer_managed_policies]
        boundary = (self.boundaries.get(ps_arn) or {}).get("CustomerManagedPolicyReference")
        if boundary:
            refs.append((boundary.get("Name", ""), boundary.get("Path", "/")))
        have = iam_backends[account][self.partition].managed_policies
        for name, path in refs:
            arn = f"arn:{self.partition}:iam::{account}:policy{path or '/'}{name}"
            if arn not in have:
                return f"Received a 404 status error: Policy {arn} does not exist or is not attachable."
        return None

    def sso_DeletePermissionSet(self, call: Call) -> Response | None:
        """AWS refuses to delete a permission set that still has account assignments: its
        error list for DeletePermissionSet includes ConflictException (botocore sso-admin
        model), and AWS's own sample for Identity Center states that "AWS SSO admin API does
        not allow deleting a permission set that already has account assignments"
        (aws-samples/aws-iam-identity-center-extensions#89; the error users report is
        "ConflictException: Could not delete because …", hashicorp/terraform-provider-aws
        #26757). The exact message is not documented. moto deletes it anyway."""
        ps_arn = call.params.get("PermissionSetArn")
        backend = self.backend_for(call)
        if any(a.permission_set_arn == ps_arn for a in backend.account_assignments):
            return json_error(
                "ConflictException",
                "Could not delete because the PermissionSet has account assignments.",
                409,
            )
        return None

    def sso_ProvisionPermissionSet(self, call: Call) -> Response:
        """Asynchronous like AWS: IN_PROGRESS for `assignment_delay_ms`, then the accounts are current."""
        ps = self.find_ps(call)
        if ps is None:
            return self.not_found("Permission set")
        target = call.params.get("TargetId")
        denied = self._management_account_denial(call, "provision")
        status = {
            "Status": "IN_PROGRESS",
            "RequestId": str(uuid.uuid4()),
            "PermissionSetArn": ps.permission_set_arn,
            "CreatedDate": time.time(),
        }
        if target:
            status["AccountId"] = target
        one = target if call.params.get("TargetType") == "AWS_ACCOUNT" else None
        accounts = [one] if one else sorted(
            acct for p, acct in self.provisioned_pairs(self.backend_for(call), call.params.get("InstanceArn"))
            if p == ps.permission_set_arn
        )
        entry = {
            "status": status,
            "denied": denied,
            "done_at": time.time() + self.assignment_delay_ms / 1000.0,
            "target": one,
            "accounts": accounts,
            # Checked when the request is made (the policies it finds then).
            "missing": {a: m for a in accounts if (m := self.missing_customer_policy(ps.permission_set_arn, a))},
        }
        with self.lock:
            self.provisioning[status["RequestId"]] = entry
        self.settle_provisioning()
        return json_response({"PermissionSetProvisioningStatus": status})

    def settle_provisioning(self) -> None:
        now = time.time()
        settled: list[tuple[str, str | None]] = []
        with self.lock:
            for entry in self.provisioning.values():
                status = entry["status"]
                if status["Status"] != "IN_PROGRESS" or entry["done_at"] > now:
                    continue
                if entry.get("denied"):
                    status["Status"], status["FailureReason"] = "FAILED", entry["denied"]
                    continue
                ps_arn = status["PermissionSetArn"]
                outdated = self.outdated.setdefault(ps_arn, set())
                accounts = [entry["target"]] if entry["target"] else sorted(entry.get("accounts", []))
                failed = None
                for account in accounts:
                    why = entry.get("missing", {}).get(account)
                    if why:
                        # That account keeps its old version; the others are brought up to date.
                        failed = failed or why
                        continue
                    outdated.discard(account)
                    settled.append((ps_arn, account))
                if failed:
                    status["Status"], status["FailureReason"] = "FAILED", failed
                else:
                    status["Status"] = "SUCCEEDED"
        # The roles now hold the latest version (portal.py); outside the lock it takes.
        for ps_arn, account in settled:
            self.provisioned_now(ps_arn, account)

    def sso_DescribePermissionSetProvisioningStatus(self, call: Call) -> Response:
        self.settle_provisioning()
        entry = self.provisioning.get(call.params.get("ProvisionPermissionSetRequestId"))
        if entry is None:
            return self.not_found("Provisioning request")
        return json_response({"PermissionSetProvisioningStatus": entry["status"]})

    def sso_ListPermissionSetProvisioningStatus(self, call: Call) -> Response:
        """ListPermissionSetProvisioningStatus (API reference): the instance's provisioning
        requests as PermissionSetProvisioningStatusMetadata (Status, RequestId, CreatedDate);
        "Filter — Filters results based on the passed attribute value" (OperationStatusFilter,
        its one attribute Status)."""
        self.settle_provisioning()
        wanted = (call.params.get("Filter") or {}).get("Status")
        items = [
            {"Status": e["status"]["Status"], "RequestId": e["status"]["RequestId"], "CreatedDate": e["status"]["CreatedDate"]}
            for e in self.provisioning.values()
            if wanted is None or e["status"]["Status"] == wanted
        ]
        return paged(call, items, "PermissionSetsProvisioningStatus", self.page_cap)

    def ids_CreateUser(self, call: Call) -> Response | None:
        """What AWS refuses and moto takes: user names outside the UserName pattern
        `[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+` (no spaces or control characters; botocore
        identitystore model) and the reserved names ("Administrator and AWSAdministrators are
        reserved names and can't be used for users or groups", CreateUser API reference;
        compared here without case, the stricter reading)."""
        name = call.params.get("UserName") or ""
        if not name or len(name) > 128 or any(c.isspace() or not c.isprintable() for c in name):
            return json_error("ValidationException", "1 validation error detected: Value at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+", 400)
        if name.lower() in ("administrator", "awsadministrators"):
            return json_error("ValidationException", f"{name} is a reserved name.", 400)
        return None

    def ids_CreateGroupMembership(self, call: Call) -> Response | None:
        """Moto would add a second identical membership; AWS answers ConflictException."""
        from moto.identitystore.models import identitystore_backends

        account = self.account_of(call.access_key)
        backend = identitystore_backends[account][call.region]
        store = backend.identity_stores.get(call.params.get("IdentityStoreId", ""))
        user = (call.params.get("MemberId") or {}).get("UserId")
        group = call.params.get("GroupId")
        if store is not None and any(
            m["GroupId"] == group and m["MemberId"].get("UserId") == user
            for m in store.group_memberships.values()
        ):
            return json_error("ConflictException", "Member already exists in group.", 409)
        return None

    def mark_outdated(self, call: Call) -> None:
        backend = self.backend_for(call)
        ps_arn = call.params.get("PermissionSetArn")
        accounts = {
            acct
            for ps, acct in self.provisioned_pairs(backend, call.params.get("InstanceArn"))
            if ps == ps_arn
        }
        with self.lock:
            self.outdated.setdefault(ps_arn, set()).update(accounts)
