#!/usr/bin/env python3
"""The AWS emulator harness: moto in server mode, plus what moto leaves out.

moto answers the AWS APIs Hallpass uses, but differs from real AWS in ways that
matter to a sync and to the troubleshooting checks (see shared/DESIGN.md). This
server wraps moto's WSGI application in a middleware that:

* shows an Identity Center instance only where real AWS has one (the home
  region of the management account, plus member accounts a scenario gives one);
* enforces the trust policy on sts:AssumeRole (principal and sts:ExternalId);
* derives the provisioned-* list operations from real assignments and tracks
  which accounts hold an outdated permission set;
* answers the operations moto fails with HTTP 500 (permissions boundary, tags,
  provisioning status) as AWS would;
* injects faults per operation (throttling, access denied, internal errors,
  answers cut short mid-body, latency) and
  enforces per-service rate limits like AWS's (off by default);
* counts calls per operation, and caps page sizes so tests exercise paging;
* makes assignment creation and deletion asynchronous like AWS's (IN_PROGRESS
  for a configurable time, then SUCCEEDED or FAILED), idempotent for creating an
  existing assignment, and records the peak of outstanding operations.

It listens on loopback, prints ``HARNESS_READY <url>`` once serving, and is
steered through ``/_harness/*`` (JSON): ``scenario``, ``config``, ``counters``,
``counters/reset``, ``mutate``.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import sys
import threading
import time
import uuid
from collections import Counter
from typing import Any
from urllib.parse import parse_qs

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from moto.iam.models import get_account_id_from, iam_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.organizations.models import FakeDelegatedAdministrator
from moto.moto_api._internal import mock_random
from moto.ssoadmin.models import Instance as SsoInstance
from moto.ssoadmin.models import PermissionSet as SsoPermissionSet
from moto.ssoadmin.models import ssoadmin_backends
from moto.sts.models import sts_backends

import scenarios

# moto refuses to register a delegated administrator for Identity Center.
if "sso.amazonaws.com" not in FakeDelegatedAdministrator.SUPPORTED_SERVICES:
    FakeDelegatedAdministrator.SUPPORTED_SERVICES.append("sso.amazonaws.com")



def _aws_shaped_permission_set_arn(instance_arn: str) -> str:
    """A permission set ARN as AWS gives it: arn:aws:sso:::permissionSet/ssoins-…/ps-…
    (SSO Admin API model, PermissionSetArn pattern
    `arn:aws(-[a-z]{1,5}){0,3}:sso:::permissionSet/(sso)?ins-[a-zA-Z0-9-.]{16}/ps-[a-zA-Z0-9-./]{16}`;
    https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_PermissionSet.html).
    moto writes `…:instance/ssoins-…/ps-…`, which no AWS account returns."""
    prefix, instance_id = instance_arn.split(":instance/", 1)
    return f"{prefix}:permissionSet/{instance_id}/ps-{mock_random.get_random_hex(16)}"


SsoPermissionSet.generate_id = staticmethod(_aws_shaped_permission_set_arn)

_moto_instance_init = SsoInstance.__init__


def _aws_shaped_instance_init(self: Any, account_id: str, region: str) -> None:
    """An identity store id as AWS gives it: `d-` and ten hex digits (Identity Store API
    model, IdentityStoreId pattern `d-[0-9a-f]{10}` or a UUID;
    https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_ListUsers.html).
    moto draws ten lowercase letters and digits."""
    _moto_instance_init(self, account_id, region)
    self.identity_store_id = f"d-{mock_random.get_random_hex(10)}"


SsoInstance.__init__ = _aws_shaped_instance_init

CRED_RE = re.compile(r"Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/aws4_request")

# What an account instance refuses: every permission-set and account-assignment operation.
ACCOUNT_INSTANCE_REFUSED = {
    "ListPermissionSets", "CreatePermissionSet", "DescribePermissionSet", "DeletePermissionSet",
    "ListAccountAssignments", "ListAccountAssignmentsForPrincipal", "CreateAccountAssignment",
    "DeleteAccountAssignment", "ProvisionPermissionSet", "ListAccountsForProvisionedPermissionSet",
    "ListPermissionSetsProvisionedToAccount", "PutInlinePolicyToPermissionSet",
    "AttachManagedPolicyToPermissionSet",
}

# Organizations operations that answer Account objects.
ACCOUNT_LISTINGS = {"ListAccounts", "ListAccountsForParent", "DescribeAccount"}

# Outstanding asynchronous assignment changes allowed per instance (see `_begin`).
MAX_OUTSTANDING = 15

THROTTLE_CODE = {
    "sso": "ThrottlingException",
    "identitystore": "ThrottlingException",
    "organizations": "TooManyRequestsException",
    "sts": "Throttling",
}

# Operations that change a permission set: accounts holding it become outdated.
PS_MUTATIONS = {
    "UpdatePermissionSet",
    "PutInlinePolicyToPermissionSet",
    "DeleteInlinePolicyFromPermissionSet",
    "AttachManagedPolicyToPermissionSet",
    "DetachManagedPolicyFromPermissionSet",
    "AttachCustomerManagedPolicyReferenceToPermissionSet",
    "DetachCustomerManagedPolicyReferenceFromPermissionSet",
    "PutPermissionsBoundaryToPermissionSet",
    "DeletePermissionsBoundaryFromPermissionSet",
}


class Call:
    """One AWS API call as the middleware sees it."""

    def __init__(self, service: str, region: str, op: str, params: dict, access_key: str):
        self.service = service
        self.region = region
        self.op = op
        self.params = params
        self.access_key = access_key

    @property
    def key(self) -> str:
        return f"{self.service}:{self.op}"


class TokenBucket:
    def __init__(self, rate: float, burst: float):
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Harness:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.counters: Counter = Counter()
        self.faults: dict[str, list[dict]] = {}
        self.limits: dict[str, dict] = {}
        self.buckets: dict[tuple[str, str], TokenBucket] = {}
        self.latency_ms = 0.0
        self.page_cap: int | None = None
        self.visible_instances: set[tuple[str, str]] = set()
        self.boundaries: dict[str, dict] = {}
        self.tags: dict[str, list] = {}
        self.outdated: dict[str, set[str]] = {}
        self.provisioning: dict[str, dict] = {}
        self.key_accounts: dict[str, str] = {}
        self.rng = random.Random(7)
        # Assignment creations and deletions: asynchronous like AWS's, held
        # IN_PROGRESS for `assignment_delay_ms` before they take effect.
        self.assignment_delay_ms = 0.0
        # How long a just-accepted request stays out of the status listings.
        self.status_lag_ms = 0.0
        # The seeded organization's partition (scenarios set it from their region).
        self.partition = "aws"
        # The organization instance's home region, and account instances by ARN.
        self.home_region: str | None = None
        self.account_instances: set[str] = set()
        # Regions the organization instance is replicated to (ListRegions).
        self.replica_regions: list[str] = []
        # The partition each base access key belongs to (default: every partition accepts it).
        self.key_partitions: dict[str, str] = {}
        # Identity Store user statuses set by tests (user id -> ENABLED | DISABLED).
        self.user_status: dict[str, str] = {}
        # Account states set by scenarios or tests (id -> AccountState); Status is omitted
        # unless `account_status` is set, as AWS retired it in September 2026.
        self.account_states: dict[str, str] = {}
        self.account_status = False
        # The share of assignment creations AWS ends FAILED.
        self.fail_creations = 0.0
        self.operations: dict[str, dict] = {}
        self.pending: list[dict] = []
        # Assumed-role sessions (ASIA… keys) made to expire early by `expire_sessions`.
        self.sessions_seen: set[str] = set()
        # The source identity of each assumed-role session (by its access key), and every
        # AssumeRole that succeeded: role, session name, source identity.
        self.source_identities: dict[str, str] = {}
        self.assumed: list[dict] = []
        self.expired_sessions: set[str] = set()
        # `sessions_expire_at_once`: every assumed-role session is expired from its first
        # call, as when the base credentials behind it have run out.
        self.sessions_expire_at_once = False

    # ------------------------------------------------------------------ WSGI
    def __call__(self, environ: dict, start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_harness/"):
            return self.control(Request(environ))(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        call = self.parse_call(environ, body)
        if call is None:
            return self.forward(environ, body, start_response)
        with self.lock:
            self.counters[call.key] += 1
            if call.access_key.startswith("ASIA"):
                self.sessions_seen.add(call.access_key)
                if self.sessions_expire_at_once:
                    self.expired_sessions.add(call.access_key)
            expired = call.access_key in self.expired_sessions
            fault = self.pick_fault(call)
            throttled = self.over_limit(call)
        if self.wrong_partition(call):
            # Credentials belong to one partition: "AWS GovCloud (US) account credentials are
            # separate from your standard AWS account credentials" (AWS GovCloud (US) User
            # Guide); the same holds for the China regions. A key used in a region of another
            # partition is unknown there.
            with self.lock:
                self.counters["harness:wrong_partition"] += 1
            message = "The security token included in the request is invalid."
            if call.service == "sts":
                return xml_error("InvalidClientTokenId", message, 403)(environ, start_response)
            return json_error("UnrecognizedClientException", message, 400)(environ, start_response)
        if expired:
            with self.lock:
                self.counters["harness:expired_token"] += 1
            message = "The security token included in the request is expired"
            if call.service == "sts":
                return xml_error("ExpiredToken", message, 400)(environ, start_response)
            return json_error("ExpiredTokenException", message, 400)(environ, start_response)
        delay = self.latency_ms + (fault or {}).get("latency_ms", 0)
        if delay:
            time.sleep(delay / 1000.0)
        if throttled or (fault and fault["kind"] == "throttle"):
            with self.lock:
                self.counters["harness:throttled"] += 1
                self.counters[f"harness:throttled:{call.service}"] += 1
            return self.throttle(call)(environ, start_response)
        if fault and fault["kind"] == "conflict":
            with self.lock:
                self.counters["harness:conflict"] += 1
            return json_error("ConflictException", "Operation failed because another request is in progress for the same resource.", 409)(environ, start_response)
        if fault and fault["kind"] == "internal":
            # Every sso-admin and identitystore operation lists InternalServerException
            # (HTTP 500, a fault) among its errors; Organizations answers ServiceException
            # ("can't complete your request because of an internal service error. Try
            # again later."). Source: the service models' error shapes (botocore
            # sso-admin/identitystore/organizations service-2.json) and each operation's
            # "Errors" section in the API references.
            with self.lock:
                self.counters["harness:internal_error"] += 1
            return self.internal_error(call)(environ, start_response)
        if fault and fault["kind"] == "cut":
            # A connection that drops mid-answer: the headers promise more body than comes.
            with self.lock:
                self.counters["harness:cut_body"] += 1
            return self.cut_body(call, environ, body, start_response)
        if fault and fault["kind"] == "access_denied":
            with self.lock:
                self.counters["harness:access_denied"] += 1
            return self.access_denied(call, f"{call.service}:{call.op}")(environ, start_response)
        return self.respond(call, environ, body, start_response)

    def respond(self, call: Call, environ: dict, body: bytes, start_response: Any) -> Any:
        """The answer AWS would give once past limits and faults."""
        override = self.override(call)
        if override is not None:
            return override(environ, start_response)
        if call.service == "sts" and call.op == "AssumeRole":
            return self.assume_role(call, environ, body, start_response)
        body = self.cap_page(call, body)
        if call.service == "organizations" and call.op in ACCOUNT_LISTINGS:
            return self.forward_with_state(environ, body, start_response)
        if call.service == "identitystore" and call.op in ("ListUsers", "DescribeUser"):
            return self.forward_with_user_status(environ, body, start_response)
        if call.op in ("DescribePermissionSet", "CreatePermissionSet", "UpdatePermissionSet") or (
            call.service == "sso" and call.op in PS_MUTATIONS
        ):
            return self.forward_and_fix(environ, body, start_response, call)
        return self.forward(environ, body, start_response)

    def assume_role(self, call: Call, environ: dict, body: bytes, start_response: Any) -> Any:
        """moto's credentials, remembering the new session's source identity (set now, or
        carried over from the calling session: "The value that is set persists when a role is
        used to assume another role", IAM User Guide, "Monitor and control actions taken with
        assumed roles",
        https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html)
        and the session's name."""
        captured: dict = {}

        def capture(status: str, headers: list, exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        chunks = b"".join(self.forward(environ, body, capture))
        m = re.search(rb"<AccessKeyId>([A-Z0-9]+)</AccessKeyId>", chunks)
        if captured["status"].startswith("200") and m:
            with self.lock:
                source = call.params.get("SourceIdentity") or self.source_identities.get(call.access_key)
                if source:
                    self.source_identities[m.group(1).decode()] = source
                self.assumed.append({
                    "role_arn": call.params.get("RoleArn"),
                    "session_name": call.params.get("RoleSessionName"),
                    "source_identity": source,
                })
        start_response(captured["status"], captured["headers"])
        return [chunks]

    def forward(self, environ: dict, body: bytes, start_response: Any) -> Any:
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return self.moto(environ, start_response)

    def forward_json(self, environ: dict, body: bytes, start_response: Any, fix: Any) -> Any:
        """moto's answer, with `fix(doc)` applied to a successful JSON body."""
        captured: dict = {}

        def capture(status: str, headers: list, exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        chunks = b"".join(self.forward(environ, body, capture))
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        if captured["status"].startswith("200"):
            try:
                doc = json.loads(chunks or b"{}")
                fix(doc)
                chunks = json.dumps(doc).encode()
            except ValueError:
                pass
        headers.append(("Content-Length", str(len(chunks))))
        start_response(captured["status"], headers)
        return [chunks]

    def forward_with_state(self, environ: dict, body: bytes, start_response: Any) -> Any:
        """Accounts with `State`, and without the retired `Status`.

        Organizations API reference, Account: "The Status parameter in the Account object
        will be retired on September 9, 2026 ... use the State parameter instead"; State is
        one of PENDING_ACTIVATION, ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED (AccountState).
        moto returns only Status. `account_status` (config) keeps Status as well.
        """

        def fix(doc: dict) -> None:
            accounts = doc.get("Accounts") or ([doc["Account"]] if "Account" in doc else [])
            for a in accounts:
                state = self.account_states.get(a.get("Id"), a.get("Status") or "ACTIVE")
                a["State"] = state
                if self.account_status:
                    a["Status"] = {"PENDING_ACTIVATION": "ACTIVE", "CLOSED": "SUSPENDED"}.get(state, state)
                else:
                    a.pop("Status", None)

        return self.forward_json(environ, body, start_response, fix)

    def forward_with_user_status(self, environ: dict, body: bytes, start_response: Any) -> Any:
        """Users with their `UserStatus` (ENABLED or DISABLED), which moto leaves out.

        Identity Store API reference, User data type: "UserStatus — The current status of the
        user account" (ENABLED | DISABLED), returned by ListUsers and DescribeUser.
        """

        def fix(doc: dict) -> None:
            users = doc.get("Users") if "Users" in doc else [doc]
            for u in users:
                if isinstance(u, dict) and u.get("UserId"):
                    u["UserStatus"] = self.user_status.get(u["UserId"], "ENABLED")

        return self.forward_json(environ, body, start_response, fix)

    def forward_and_fix(self, environ: dict, body: bytes, start_response: Any, call: Call) -> Any:
        def fix(doc: dict) -> None:
            if call.op in PS_MUTATIONS:
                self.mark_outdated(call)
            ps = doc.get("PermissionSet")
            if isinstance(ps, dict):
                # moto returns the default SessionDuration as a number.
                sd = ps.get("SessionDuration")
                if sd is None or not isinstance(sd, str):
                    ps["SessionDuration"] = "PT1H"
                if call.op == "CreatePermissionSet" and call.params.get("Tags"):
                    self.tags[ps["PermissionSetArn"]] = list(call.params["Tags"])

        return self.forward_json(environ, body, start_response, fix)

    # ------------------------------------------------------------- parsing
    def parse_call(self, environ: dict, body: bytes) -> Call | None:
        auth = environ.get("HTTP_AUTHORIZATION", "")
        m = CRED_RE.search(auth)
        if not m:
            return None
        access_key, region, service = m.group(1), m.group(2), m.group(3)
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:
            op = target.split(".")[-1]
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                params = {}
        else:
            form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
            op = form.get("Action", "Unknown")
            params = form
        return Call(service, region, op, params, access_key)

    def account_of(self, access_key: str) -> str:
        with self.lock:
            cached = self.key_accounts.get(access_key)
        if cached:
            return cached
        account = get_account_id_from(access_key)
        with self.lock:
            self.key_accounts[access_key] = account
        return account

    def wrong_partition(self, call: Call) -> bool:
        home = self.key_partitions.get(call.access_key)
        return home is not None and home != scenarios.partition_of(call.region)

    def caller_principal_arn(self, call: Call) -> str:
        """The caller as `aws:PrincipalArn` names it: a role session's role ARN, path included."""
        account = self.account_of(call.access_key)
        for backend in sts_backends[account].values():
            role = backend.get_assumed_role_from_access_key(call.access_key)
            if role is not None:
                return role.role_arn
        return f"arn:aws:iam::{account}:user/hallpass-test"

    def caller_arn(self, call: Call) -> str:
        account = self.account_of(call.access_key)
        for backend in sts_backends[account].values():
            role = backend.get_assumed_role_from_access_key(call.access_key)
            if role is not None:
                return role.arn
        return f"arn:aws:iam::{account}:user/hallpass-test"

    # --------------------------------------------------------------- faults
    def pick_fault(self, call: Call) -> dict | None:
        for key in (call.key, f"{call.service}:*", "*"):
            for fault in self.faults.get(key, []):
                if fault.get("remaining") is not None:
                    if fault["remaining"] <= 0:
                        continue
                if self.rng.random() >= fault.get("probability", 1.0):
                    continue
                if fault.get("remaining") is not None:
                    fault["remaining"] -= 1
                return fault
        return None

    def over_limit(self, call: Call) -> bool:
        limit = self.limits.get(call.service)
        if not limit:
            return False
        bucket_key = (self.account_of_unlocked(call.access_key), call.service)
        bucket = self.buckets.get(bucket_key)
        if bucket is None:
            bucket = TokenBucket(limit["rate"], limit.get("burst", limit["rate"]))
            self.buckets[bucket_key] = bucket
        return not bucket.take()

    def account_of_unlocked(self, access_key: str) -> str:
        cached = self.key_accounts.get(access_key)
        if cached:
            return cached
        account = get_account_id_from(access_key)
        self.key_accounts[access_key] = account
        return account

    def internal_error(self, call: Call) -> Response:
        if call.service == "organizations":
            return json_error("ServiceException", "Organizations can't complete your request because of an internal service error. Try again later.", 503)
        if call.service == "sts":
            return xml_error("InternalFailure", "The request processing has failed because of an unknown error.", 500)
        return json_error("InternalServerException", "The request processing has failed because of an unknown error, exception, or failure with an internal server.", 500)

    def cut_body(self, call: Call, environ: dict, body: bytes, start_response: Any) -> Any:
        captured: dict = {}

        def capture(status: str, headers: list, exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        chunks = b"".join(self.respond(call, environ, body, capture))
        headers = [(k, v) for k, v in captured["headers"] if k.lower() not in ("content-length", "connection")]
        headers += [("Content-Length", str(len(chunks) + 64)), ("Connection", "close")]
        start_response(captured["status"], headers)
        return [chunks[: len(chunks) // 2]]

    def throttle(self, call: Call) -> Response:
        code = THROTTLE_CODE.get(call.service, "ThrottlingException")
        if call.service == "sts":
            return xml_error(code, "Rate exceeded", 400)
        return json_error(code, "Rate exceeded", 400)

    def access_denied(self, call: Call, action: str, resource: str | None = None) -> Response:
        caller = self.caller_arn(call)
        message = f"User: {caller} is not authorized to perform: {action}"
        if resource:
            message += f" on resource: {resource}"
        if call.service == "sts":
            return xml_error("AccessDenied", message, 403)
        message += f" because no identity-based policy allows the {action} action"
        return json_error("AccessDeniedException", message, 400)

    def cap_page(self, call: Call, body: bytes) -> bytes:
        if self.page_cap is None or not isinstance(call.params, dict) or call.service == "sts":
            return body
        if not call.op.startswith("List"):
            return body
        params = dict(call.params)
        params["MaxResults"] = min(int(params.get("MaxResults") or self.page_cap), self.page_cap)
        return json.dumps(params).encode()

    # ------------------------------------------------------------ overrides
    def override(self, call: Call) -> Response | None:
        if call.service == "sts" and call.op == "AssumeRole":
            return self.check_trust(call)
        if call.service == "identitystore" and call.op == "CreateUser":
            return self.ids_CreateUser(call)
        if call.service == "identitystore" and call.op == "CreateGroupMembership":
            return self.ids_CreateGroupMembership(call)
        if call.service != "sso":
            return None
        self.settle()
        if call.params.get("InstanceArn") in self.account_instances and call.op in ACCOUNT_INSTANCE_REFUSED:
            # Account instances hold no permission sets and no account assignments (IAM
            # Identity Center user guide, "Account instances of IAM Identity Center";
            # ListAccountAssignmentsForPrincipal: "not valid for account instances").
            return json_error(
                "ValidationException",
                "This operation is not supported for account instances of IAM Identity Center.",
                400,
            )
        handler = getattr(self, f"sso_{call.op}", None)
        return handler(call) if handler else None

    def check_trust(self, call: Call) -> Response | None:
        role_arn = call.params.get("RoleArn", "")
        # Role ARNs of every partition (ARN format, AWS General Reference: aws, aws-us-gov, aws-cn).
        m = re.match(r"^arn:(aws|aws-us-gov|aws-cn):iam::(\d{12}):role/(?:.*/)?([\w+=,.@-]+)$", role_arn)
        if not m:
            return xml_error("ValidationError", f"{role_arn} is invalid", 400)
        partition, account, name = m.group(1), m.group(2), m.group(3)
        if partition != scenarios.partition_of(call.region):
            return xml_error("ValidationError", f"{role_arn} is not in the partition of {call.region}", 400)
        try:
            role = iam_backends[account][partition].get_role(name)
        except Exception:
            return self.access_denied(call, "sts:AssumeRole", role_arn)
        policy = json.loads(role.assume_role_policy_document or "{}")
        caller_account = self.account_of(call.access_key)
        caller = self.caller_principal_arn(call)
        # Source identity (IAM User Guide, "Monitor and control actions taken with assumed
        # roles"): set with AssumeRole's SourceIdentity, it persists into chained sessions and
        # cannot be changed there; setting it needs sts:SetSourceIdentity in the role's trust
        # policy. Whether a chained session carrying one needs that permission again on the
        # next role is not spelled out; the harness takes the strict reading (it does), so
        # Hallpass cannot rely on the lenient one.
        inherited = self.source_identities.get(call.access_key)
        wanted = call.params.get("SourceIdentity")
        if inherited and wanted and wanted != inherited:
            return self.access_denied(call, "sts:SetSourceIdentity", role_arn)
        source_identity = wanted or inherited
        if source_identity and (len(source_identity) < 2 or source_identity.lower().startswith("aws:")
                                or not re.match(r"^[\w+=,.@-]+$", source_identity)):
            return xml_error("ValidationError", f"SourceIdentity {source_identity!r} is invalid", 400)
        context = {
            "sts:externalid": call.params.get("ExternalId"),
            "aws:principalarn": caller,
            "aws:principalaccount": caller_account,
            "sts:sourceidentity": source_identity,
        }

        def allowed(action: str) -> bool:
            for stmt in policy.get("Statement", []):
                if stmt.get("Effect") != "Allow":
                    continue
                actions = stmt.get("Action", [])
                actions = [actions] if isinstance(actions, str) else actions
                if not any(a in (action, "sts:*", "*") for a in actions):
                    continue
                if not principal_matches(stmt.get("Principal", {}), caller_account, caller):
                    continue
                if not condition_matches(stmt.get("Condition", {}), context):
                    continue
                return True
            return False

        if not allowed("sts:AssumeRole"):
            return self.access_denied(call, "sts:AssumeRole", role_arn)
        if source_identity and not allowed("sts:SetSourceIdentity"):
            return self.access_denied(call, "sts:SetSourceIdentity", role_arn)
        return None  # allowed: let moto issue the credentials

    def backend_for(self, call: Call) -> Any:
        return ssoadmin_backends[self.account_of(call.access_key)][call.region]

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
        entry = {
            "status": status,
            "denied": denied,
            "done_at": time.time() + self.assignment_delay_ms / 1000.0,
            "target": target if call.params.get("TargetType") == "AWS_ACCOUNT" else None,
        }
        with self.lock:
            self.provisioning[status["RequestId"]] = entry
        self.settle_provisioning()
        return json_response({"PermissionSetProvisioningStatus": status})

    def settle_provisioning(self) -> None:
        now = time.time()
        with self.lock:
            for entry in self.provisioning.values():
                status = entry["status"]
                if status["Status"] != "IN_PROGRESS" or entry["done_at"] > now:
                    continue
                if entry.get("denied"):
                    status["Status"], status["FailureReason"] = "FAILED", entry["denied"]
                    continue
                outdated = self.outdated.setdefault(status["PermissionSetArn"], set())
                if entry["target"]:
                    outdated.discard(entry["target"])
                else:
                    outdated.clear()
                status["Status"] = "SUCCEEDED"

    def sso_DescribePermissionSetProvisioningStatus(self, call: Call) -> Response:
        self.settle_provisioning()
        entry = self.provisioning.get(call.params.get("ProvisionPermissionSetRequestId"))
        if entry is None:
            return self.not_found("Provisioning request")
        return json_response({"PermissionSetProvisioningStatus": entry["status"]})

    def sso_ListPermissionSetProvisioningStatus(self, call: Call) -> Response:
        self.settle_provisioning()
        items = [
            {"Status": e["status"]["Status"], "RequestId": e["status"]["RequestId"], "CreatedDate": e["status"]["CreatedDate"]}
            for e in self.provisioning.values()
        ]
        return paged(call, items, "PermissionSetsProvisioningStatus", self.page_cap)

    # ------------------------------------------------- async assignments
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

    def count(self, key: str) -> None:
        with self.lock:
            self.counters[key] += 1

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

    # ------------------------------------------------------ identity store
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

    def _describe(self, call: Call, id_param: str, key: str, kind: str) -> Response:
        op = self.operations.get(call.params.get(id_param, ""))
        if op is None or op["kind"] != kind:
            return self.not_found("Request")
        return json_response({key: self._status_doc(op)})

    def sso_DescribeAccountAssignmentCreationStatus(self, call: Call) -> Response:
        return self._describe(call, "AccountAssignmentCreationRequestId", "AccountAssignmentCreationStatus", "create")

    def sso_DescribeAccountAssignmentDeletionStatus(self, call: Call) -> Response:
        return self._describe(call, "AccountAssignmentDeletionRequestId", "AccountAssignmentDeletionStatus", "delete")

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

    # -------------------------------------------------------------- control
    def control(self, request: Request) -> Response:
        what = request.path[len("/_harness/"):]
        try:
            payload = request.get_json(force=True, silent=True) or {}
            if what == "scenario":
                truth = scenarios.build(self, payload)
                return json_response(truth)
            if what == "config":
                self.configure(payload)
                return json_response({"ok": True})
            if what == "counters":
                with self.lock:
                    return json_response(dict(self.counters))
            if what == "assumed":
                with self.lock:
                    return json_response(list(self.assumed))
            if what == "counters/reset":
                with self.lock:
                    self.counters.clear()
                return json_response({"ok": True})
            if what == "mutate":
                return json_response(scenarios.mutate(self, payload))
            if what == "expire_sessions":
                # Every assumed-role session used so far ends now, as if its time ran out.
                with self.lock:
                    self.expired_sessions |= self.sessions_seen
                    n = len(self.expired_sessions)
                return json_response({"expired": n})
            return json_response({"error": f"unknown control path {what}"}, 404)
        except Exception as exc:  # the test sees the cause instead of a hang
            return json_response({"error": f"{type(exc).__name__}: {exc}"}, 500)

    def configure(self, payload: dict) -> None:
        with self.lock:
            if "faults" in payload:
                # Several faults may share an operation key; each is tried in turn.
                self.faults = {}
                for f in payload["faults"]:
                    self.faults.setdefault(f["operation"], []).append(dict(f))
            if "limits" in payload:
                self.limits = dict(payload["limits"] or {})
                self.buckets.clear()
            if "latency_ms" in payload:
                self.latency_ms = float(payload["latency_ms"] or 0)
            if "page_cap" in payload:
                self.page_cap = payload["page_cap"]
            if "seed" in payload:
                self.rng.seed(payload["seed"])
            if "assignment_delay_ms" in payload:
                self.assignment_delay_ms = float(payload["assignment_delay_ms"] or 0)
            if "replica_regions" in payload:
                self.replica_regions = list(payload["replica_regions"] or [])
            if "key_partitions" in payload:
                self.key_partitions = dict(payload["key_partitions"] or {})
            if "account_status" in payload:
                self.account_status = bool(payload["account_status"])
            if "fail_creations" in payload:
                self.fail_creations = float(payload["fail_creations"] or 0)
            if "status_lag_ms" in payload:
                self.status_lag_ms = float(payload["status_lag_ms"] or 0)
            if "sessions_expire_at_once" in payload:
                self.sessions_expire_at_once = bool(payload["sessions_expire_at_once"])


def glob_match(pattern: str, text: str, ignore_case: bool = False) -> bool:
    """IAM's wildcards: `*` any run of characters (slashes too), `?` any one character."""
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, text, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


def arn_like(pattern: str, arn: str) -> bool:
    """ArnLike/ArnEquals as IAM evaluates them: "Each of the six colon-delimited components of
    the ARN is checked separately and each can include multi-character match wildcards (*) or
    single-character match wildcards (?)" (IAM User Guide, "IAM JSON policy elements: Condition
    operators", Amazon Resource Name (ARN) condition operators)."""
    p, a = pattern.split(":", 5), arn.split(":", 5)
    return len(p) == 6 and len(a) == 6 and all(glob_match(x, y) for x, y in zip(p, a))


def policies_allow(docs: list, action: str, resource: str) -> bool:
    """Identity-based policy evaluation as IAM does it, for Allow/Deny statements with Action
    and Resource (IAM User Guide, "Policy evaluation logic": an explicit Deny wins, otherwise
    an Allow is needed; actions match case-insensitively with wildcards, resources as ARNs)."""
    allowed = False
    for doc in docs:
        if isinstance(doc, str):
            try:
                doc = json.loads(doc)
            except ValueError:
                continue
        stmts = doc.get("Statement", [])
        stmts = [stmts] if isinstance(stmts, dict) else stmts
        for s in stmts:
            actions = s.get("Action", [])
            actions = [actions] if isinstance(actions, str) else actions
            resources = s.get("Resource", [])
            resources = [resources] if isinstance(resources, str) else resources
            if not any(glob_match(a, action, ignore_case=True) for a in actions):
                continue
            if not any(r == "*" or arn_like(r, resource) for r in resources):
                continue
            if s.get("Effect") == "Deny":
                return False
            if s.get("Effect") == "Allow" and not s.get("Condition"):
                allowed = True
    return allowed


def principal_matches(principal: Any, caller_account: str, caller_principal_arn: str) -> bool:
    """IAM User Guide, "AWS JSON policy elements: Principal": an account (its id or its
    `:root` ARN) stands for every principal of that account (the identity-side policy of the
    caller is not modelled: the harness's base identity is an administrator); a role ARN
    stands for the sessions of exactly that role — path included, since the principal is the
    role's ARN while the session ARN drops the path; a user ARN for that user; "*" for
    anyone."""
    if principal == "*":
        return True
    aws = principal.get("AWS", []) if isinstance(principal, dict) else []
    aws = [aws] if isinstance(aws, str) else aws
    for p in aws:
        if p == "*" or p == caller_account or p.endswith(f"::{caller_account}:root"):
            return True
        if p == caller_principal_arn:
            return True
    return False


# Condition keys the harness knows (IAM User Guide, "AWS global condition context keys":
# aws:PrincipalArn is the ARN of the role for a role session, path included;
# "Available request context keys for AWS STS": sts:ExternalId).
def condition_matches(condition: dict, context: dict) -> bool:
    """Every operator and every key must hold (AND); any of a key's values may match (OR).
    A missing key fails the condition unless the operator ends in IfExists; an operator the
    harness does not know denies (IAM User Guide, "Condition operators" and "Creating a
    condition with multiple keys or values")."""
    for operator, clauses in condition.items():
        op = operator[: -len("IfExists")] if operator.endswith("IfExists") else operator
        for key, expected in clauses.items():
            values = [expected] if isinstance(expected, str) else list(expected)
            value = context.get(key.lower())
            if value is None:
                if operator.endswith("IfExists"):
                    continue
                return False
            if op == "StringEquals":
                ok = value in values
            elif op == "StringNotEquals":
                ok = value not in values
            elif op == "StringEqualsIgnoreCase":
                ok = value.lower() in [v.lower() for v in values]
            elif op == "StringLike":
                ok = any(glob_match(v, value) for v in values)
            elif op == "StringNotLike":
                ok = not any(glob_match(v, value) for v in values)
            elif op in ("ArnLike", "ArnEquals"):
                ok = any(arn_like(v, value) for v in values)
            elif op in ("ArnNotLike", "ArnNotEquals"):
                ok = not any(arn_like(v, value) for v in values)
            else:
                ok = False
            if not ok:
                return False
    return True


def instance_json(instance: Any, owner: str) -> dict:
    """InstanceMetadata as AWS returns it, with the owning account (moto leaves it out)."""
    doc = instance.to_json()
    doc["OwnerAccountId"] = owner
    return doc


def json_response(doc: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(doc, default=str),
        status,
        headers={"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": str(uuid.uuid4())},
    )


def json_error(code: str, message: str, status: int) -> Response:
    return Response(
        json.dumps({"__type": code, "message": message}),
        status,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "x-amzn-ErrorType": code,
            "x-amzn-RequestId": str(uuid.uuid4()),
        },
    )


def xml_error(code: str, message: str, status: int) -> Response:
    rid = str(uuid.uuid4())
    body = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{xml_escape(message)}</Message></Error>"
        f"<RequestId>{rid}</RequestId></ErrorResponse>"
    )
    return Response(body, status, headers={"Content-Type": "text/xml", "x-amzn-RequestId": rid})


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def paged(call: Call, items: list, key: str, cap: int | None) -> Response:
    limit = int(call.params.get("MaxResults") or 100)
    if cap:
        limit = min(limit, cap)
    start = int(call.params.get("NextToken") or 0)
    page = items[start : start + limit]
    doc: dict = {key: page}
    if start + limit < len(items):
        doc["NextToken"] = str(start + limit)
    return json_response(doc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    harness = Harness()
    server = make_server("127.0.0.1", args.port, harness, threaded=True)
    print(f"HARNESS_READY http://127.0.0.1:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
